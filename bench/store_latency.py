"""`ask()` end to end on each store, in one process and one run: the index folder (FAISS + bm25s) and
the same index in Milvus Lite (by default migrated from it, so both hold the same vectors), the
realtimeqa-dev questions asked as of their dates, the stores taking turns question by question.

    python bench/store_latency.py [--index /work/baseline/rtqa-index] [--milvus DIR] [--limit N] [--json OUT]

Reported: p50/p95 of ask() and of its retrieval (rank_articles) per store, and whether the two
stores gave the same answer to each question.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RTQA, bench_main, machine, percentiles_ms, print_table, stage_timer  # noqa: E402

DEFAULT_INDEX = Path("/work/baseline/rtqa-index")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", default=str(DEFAULT_INDEX), help="a built index folder (read only)")
    p.add_argument("--milvus", help="its Milvus Lite copy (default: migrated into a temporary folder first)")
    p.add_argument("--questions", default=str(RTQA / "questions.jsonl"))
    p.add_argument("--limit", type=int)
    p.add_argument("--json")
    return p.parse_args(argv)


def run(args) -> dict:
    import qa.answer.compose
    from qa.api import ask, load_index
    from qa.evaluate.questions import load_questions
    from qa.index.migrate import migrate
    from qa.index.milvus_store import lite_target

    questions = load_questions(args.questions)[: args.limit]
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        milvus = Path(args.milvus) if args.milvus else Path(tmp) / "milvus"
        migrated = None
        if not args.milvus:
            t0 = time.perf_counter()
            migrate(args.index, lite_target(milvus))
            migrated = time.perf_counter() - t0
        faiss_index = load_index(args.index)
        stores = {"faiss": faiss_index, "milvus_lite": load_index(milvus, embedder=faiss_index.embedder)}
        for index in stores.values():
            ask(questions[0].question, index)  # warm up
        times = {n: [] for n in stores}
        retrieval = {n: [] for n in stores}
        answers = {n: [] for n in stores}
        for i, q in enumerate(questions):
            for name in list(stores) if i % 2 == 0 else list(stores)[::-1]:
                with stage_timer({"rank": (qa.answer.compose, "rank_articles")}) as stages:  # as compose calls it
                    t0 = time.perf_counter()
                    a = ask(q.question, stores[name], as_of=q.date or None)
                    times[name].append(time.perf_counter() - t0)
                retrieval[name].append(stages.get("rank", 0.0))
                answers[name].append(a.answer)
    same = sum(x == y for x, y in zip(answers["faiss"], answers["milvus_lite"], strict=True))
    return {
        "machine": machine(),
        "questions": len(questions),
        "migrate_s": migrated,
        "ask": {n: percentiles_ms(t) for n, t in times.items()},
        "retrieval": {n: percentiles_ms(t) for n, t in retrieval.items()},
        "same_answers": same,
    }


def report(result: dict) -> None:
    rows = [
        (n, result["ask"][n]["p50_ms"], result["ask"][n]["p95_ms"], result["retrieval"][n]["p50_ms"])
        for n in result["ask"]
    ]
    print_table(f"ask() on {result['questions']} questions", rows, ("store", "p50 ms", "p95 ms", "retrieval p50 ms"))
    print(f"same answer on both stores: {result['same_answers']} of {result['questions']}")
    if result["migrate_s"]:
        print(f"migrating the index folder into Milvus Lite took {result['migrate_s']:.1f} s")


main = bench_main(parse_args, run, report)

if __name__ == "__main__":
    sys.exit(main())
