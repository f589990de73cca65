"""Compare two `python -m qa eval --json` results question by question: are the passages (article,
span, score) and the answers the same, and how do the aggregate metrics differ?

    python bench/compare_evals.py BEFORE.json AFTER.json [--scores] [--json OUT]

Used to check that a change of code or store keeps the ranking (the FAISS path after the search
interface refactor: identical; the Milvus store: the same answers, metrics within 0.01).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_main, print_table  # noqa: E402

METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "answer_accuracy", "answer_em", "answer_f1", "citation_exact")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--scores", action="store_true", help="passages must also have the same scores (6 decimals)")
    p.add_argument("--json", help="write the comparison here")
    return p.parse_args(argv)


def _passages(record: dict, scores: bool) -> list[tuple]:
    return [(p["doc_id"], p["start"], p["end"], *([p["score"]] if scores else [])) for p in record["passages"]]


def compare(before: dict, after: dict, scores: bool = False) -> dict:
    """Per-question differences of passages and answers, and both runs' aggregate metrics."""
    b = {r["id"]: r for r in before["questions"]}
    a = {r["id"]: r for r in after["questions"]}
    common = [q for q in b if q in a]
    passages = [q for q in common if _passages(b[q], scores) != _passages(a[q], scores)]
    answers = [q for q in common if b[q]["answer"] != a[q]["answer"]]
    top5 = [q for q in common if _passages(b[q], False)[:5] != _passages(a[q], False)[:5]]
    return {
        "questions": len(common),
        "only_in_one": sorted(set(a) ^ set(b)),
        "passages_differ": passages,
        "top5_differ": top5,
        "answers_differ": [{"id": q, "before": b[q]["answer"], "after": a[q]["answer"]} for q in answers],
        "metrics": {k: (before.get(k), after.get(k)) for k in METRICS if k in before or k in after},
    }


def run(args) -> dict:
    before = json.loads(Path(args.before).read_text(encoding="utf-8"))
    after = json.loads(Path(args.after).read_text(encoding="utf-8"))
    return {"before": args.before, "after": args.after, **compare(before, after, args.scores)}


def report(result: dict) -> None:
    n = result["questions"]
    print_table(
        f"{result['before']} vs {result['after']}: {n} questions",
        [
            ("passages differ", len(result["passages_differ"])),
            ("top 5 passages differ", len(result["top5_differ"])),
            ("answers differ", len(result["answers_differ"])),
            ("questions in only one run", len(result["only_in_one"])),
        ],
    )
    rows = [(k, b, a, None if b is None or a is None else round(a - b, 4)) for k, (b, a) in result["metrics"].items()]
    print_table("metrics", rows, ("metric", "before", "after", "after - before"))
    for d in result["answers_differ"]:
        print(f"  {d['id']}: {d['before']!r} -> {d['after']!r}")


main = bench_main(parse_args, run, report)


if __name__ == "__main__":
    sys.exit(main())
