"""Answers on questions nobody tuned for (issue 13): for each year of realtimeqa-train, the scorer trained
on the other two years answers that year's questions end to end; then the shipped scorer answers
realtimeqa-dev (as of each question's date), seed-dev, seed-more (written to find mistakes) and the two
hand-made out-of-corpus sets.

    python bench/answers.py --json bench/results/answers.json          # everything (~2 h with the year indexes built)
    python bench/answers.py --limit 100 --skip dev                      # a quick look: 100 questions a year

The year indexes are built on first use into eval-cache/ (1 to 2 hours for the three years on 2 cores)
and reused, as by `python -m qa train-answers`; the held-out scorers are written to
eval-cache/held-out-scorers/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RTQA, SHARED, write_json  # noqa: E402
from qa.evaluate.questions import load_questions  # noqa: E402
from qa.evaluate.runner import corpus_index, default_cache, evaluate  # noqa: E402
from qa.learn.protocol import held_out  # noqa: E402
from qa.settings import ROOT, Settings  # noqa: E402

TRAIN = SHARED / "datasets" / "realtimeqa-train"
SETS = {  # name: (questions, corpus)
    "realtimeqa-dev": (RTQA / "questions.jsonl", RTQA / "corpus.jsonl"),
    "seed-dev": (SHARED / "questions" / "seed-dev.jsonl", ROOT / "corpus"),
    # questions written to find the answer's mistakes (qa/answer/asked.py came from them): not held out
    "seed-more": (ROOT / "bench" / "data" / "seed-more.jsonl", ROOT / "corpus"),
    "unanswerable-seed": (ROOT / "bench" / "data" / "unanswerable-seed.jsonl", ROOT / "corpus"),
    "unanswerable-realtimeqa": (ROOT / "bench" / "data" / "unanswerable-realtimeqa.jsonl", RTQA / "corpus.jsonl"),
}
COLUMNS = ("answer_accuracy", "answer_em", "answer_f1", "hit@5", "mrr@10", "latency_p50_ms")


def row(name: str, result: dict) -> str:
    records = result["questions"]
    answerable = [r for r in records if r["answers"]]
    refused = sum(r["abstained"] for r in answerable)
    unanswerable = [r for r in records if not r["answers"]]
    kinds = {k: sum(r.get("answer_kind") == k for r in records) for k in ("short", "sentence", "none")}
    values = " ".join(f"{_fmt(result.get(k)):>8}" for k in COLUMNS)
    return (
        f"{name:<26} {len(records):>5} {values} {refused:>5}/{len(answerable):<5} "
        f"{sum(r['abstained'] for r in unanswerable):>3}/{len(unanswerable):<3} "
        f"{kinds['short']:>5} {kinds['sentence']:>5} {kinds['none']:>5}"
    )


def _fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}" if v < 10 else f"{v:.0f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, help="only the first N questions of each year")
    p.add_argument("--skip", nargs="*", default=[], choices=["held-out", "dev"], help="parts to leave out")
    p.add_argument("--cache", default=str(default_cache()))
    p.add_argument("--json", help="write every result (per question too) here")
    args = p.parse_args(argv)
    cache = Path(args.cache)
    results: dict[str, dict] = {}
    if "held-out" not in args.skip:
        for year, result in held_out(TRAIN, cache, cache / "held-out-scorers", Settings(), args.limit).items():
            results[f"{year} (held out)"] = result
    if "dev" not in args.skip:
        for name, (questions, corpus) in SETS.items():
            index = corpus_index([corpus], cache, Settings(), progress=True)
            results[name] = evaluate(index, load_questions(questions), progress=True)
    head = " ".join(f"{c:>8}" for c in ("acc", "EM", "F1", "hit@5", "mrr@10", "p50 ms"))
    print(f"\n{'set':<26} {'n':>5} {head} {'refused':>11} {'refused':>7} {'short':>5} {'sent.':>5} {'none':>5}")
    print(f"{'':<26} {'':>5} {'':>53} {'answerable':>11} {'unansw.':>7}")
    for name, result in results.items():
        print(row(name, result))
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
