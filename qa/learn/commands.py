"""The learning commands: `python -m qa train-answers` and `python -m qa eval --held-out FOLDER`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from qa.evaluate.runner import default_cache
from qa.evaluate.summary import format_table, write_json
from qa.learn.data import find_folds, fold_examples
from qa.learn.protocol import held_out
from qa.learn.train import train_scorer
from qa.settings import Settings


def train_cli(args) -> int:
    """Read the folds' questions against their corpora, train the scorer on all of them, write its JSON."""
    settings = Settings(model=args.model) if args.model else Settings()
    cache = Path(args.cache) if args.cache else default_cache()
    folds = find_folds(Path(args.data), args.folds)
    started = time.perf_counter()
    examples = fold_examples(folds, cache, settings, args.limit)
    trained_on = {
        "data": Path(args.data).name,
        "folds": {
            n: {"questions": int(e.answerable.sum()), "unanswerable": int((~e.answerable).sum())}
            for n, e in examples.items()
        },
        "limit": args.limit,
        "model": settings.model,
    }
    scorer = train_scorer(examples, trained_on)
    out = Path(args.out)
    out.write_text(json.dumps(scorer.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")
    n = sum(e.n_questions for e in examples.values())
    print(f"trained on {n} questions of {', '.join(examples)} in {time.perf_counter() - started:.0f} s; wrote {out}")
    print(f"short answers from P(right) {scorer.short_at:.3f}; abstains under P(answerable) {scorer.abstain_below:.3f}")
    return 0


def held_out_cli(args) -> int:
    """Each fold evaluated with a scorer trained on the others; a table per fold, and JSON if asked."""
    settings = Settings(model=args.model) if getattr(args, "model", None) else Settings()
    cache = Path(args.cache) if args.cache else default_cache()
    out_dir = cache / "held-out-scorers"
    results = held_out(Path(args.held_out), cache, out_dir, settings, args.limit)
    for name, result in results.items():
        print(f"\n== {name}, scored by a scorer trained on the other folds only")
        print(format_table(result))
    if args.json_out:
        write_json({"held_out": results}, args.json_out)
        print(f"wrote {args.json_out}", file=sys.stderr)
    return 0
