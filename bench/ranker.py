"""The answer ranker alone, on years it never saw, over several LightGBM seeds (issue 13): for each year of
realtimeqa-train, trees trained on the other two years pick a best candidate for each of the year's
answerable questions (its own questions, and those of its one-week corpora); the table counts the right
ones per seed. Reads only the cached training examples (eval-cache/, written by `python -m qa
train-answers` or bench/answers.py with the same answering code; missing ones are read first, ~15 min).

    python bench/ranker.py                                   # the shipped settings, seeds 7 8 9 10
    python bench/ranker.py --zero slot verb_arg              # an ablation: those features set to 0
    python bench/ranker.py --param num_leaves=7 --seeds 7 8  # other LightGBM settings

The seed alone moves the three years' total by several answers, as much as most feature changes do: judge a
change by its mean over seeds against the shipped settings' mean, and choose on two years before looking
at the third."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SHARED, write_json  # noqa: E402
from qa.evaluate.runner import default_cache  # noqa: E402
from qa.learn.data import find_folds, fold_examples  # noqa: E402
from qa.learn.protocol import ranker_held_out  # noqa: E402
from qa.settings import Settings  # noqa: E402

TRAIN = SHARED / "datasets" / "realtimeqa-train"


def _param(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--param wants NAME=VALUE, got {text!r}")
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", nargs="+", type=int, default=[7, 8, 9, 10], help="LightGBM seeds (default 7 8 9 10)")
    p.add_argument("--zero", nargs="*", default=[], metavar="FEATURE", help="features set to 0 (an ablation)")
    p.add_argument("--param", nargs="*", type=_param, default=[], metavar="NAME=VALUE", help="LightGBM settings")
    p.add_argument("--cache", default=str(default_cache()))
    p.add_argument("--json", help="write the counts here")
    args = p.parse_args(argv)
    folds = find_folds(TRAIN)
    examples = fold_examples(folds, Path(args.cache), Settings())
    counts = ranker_held_out(examples, args.seeds, dict(args.param), args.zero)
    seeds = " ".join(f"{f'seed {s}':>8}" for s in args.seeds)
    print(f"\n{'held out':<10} {'answerable':>10} {seeds} {'mean':>8}")
    for name, right in counts.items():
        n = int(examples[name].answerable.sum())
        print(f"{name:<10} {n:>10} {' '.join(f'{r:>8}' for r in right)} {mean(right):>8.1f}")
    totals = [sum(c) for c in zip(*counts.values(), strict=True)]
    print(f"{'total':<10} {'':>10} {' '.join(f'{t:>8}' for t in totals)} {mean(totals):>8.1f}")
    write_json(args.json, {"seeds": args.seeds, "zero": args.zero, "param": dict(args.param), "right": counts})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
