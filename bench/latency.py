"""Query latency: p50/p95 of `qa.ask()` on a built index (default: a copy of the realtimeqa-dev index),
in process after warm-up, split into retrieval (query embedding, dense + BM25 search, fusion) and
answering (evidence, answer extraction, citations); then the app's cold start: `python app.py` with
that index, from process start to the first answer served over HTTP.

    python bench/latency.py [--index DIR] [--questions FILE] [--limit N] [--no-cold-start] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    RTQA,
    RTQA_INDEX,
    bench_main,
    copy_index,
    machine,
    peak_rss_mb,
    percentiles_ms,
    print_table,
    read_questions,
    stage_timer,
)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", default=str(RTQA_INDEX), help="built index (copied first; default: realtimeqa-dev)")
    p.add_argument(
        "--corpus",
        nargs="+",
        default=[str(RTQA / "corpus.jsonl")],
        help="the corpus the index was built from (the app syncs with it at start)",
    )
    p.add_argument("--questions", default=str(RTQA / "questions.jsonl"), help="JSON Lines question set")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--warmup", type=int, default=5, help="questions asked before timing (default 5)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch and FAISS threads (default 1, as app.py serves; 0: the libraries' default, all cores)",
    )
    p.add_argument("--no-cold-start", action="store_true", help="skip the app cold-start measurement")
    p.add_argument("--json", help="also write the results to this JSON file")
    return p.parse_args(argv)


def stage_targets(index) -> dict:
    """The stages of reading a question (qa.answer.reading.read, called by answer_question), timed by
    wrapping the names it calls: retrieval, evidence sentences, candidates (spaCy), their features."""
    import qa.answer.reading

    return {
        "embed_query": (index, "embed_query"),
        "retrieval": (qa.answer.reading, "rank_articles"),
        "evidence": (qa.answer.reading, "gather"),
        "candidates": (qa.answer.reading, "mentions"),
        "features": (qa.answer.reading, "feature_matrix"),
    }


def time_questions(index, questions: list[str], warmup: int) -> dict:
    from qa.api import ask

    for q in questions[:warmup]:
        ask(q, index)
    rows = []
    for q in questions:
        with stage_timer(stage_targets(index)) as st:
            t0 = time.perf_counter()
            answer = ask(q, index)
            total = time.perf_counter() - t0
        rows.append(
            {
                "total": total,
                "embed_query": st.get("embed_query", 0.0),
                "retrieval": st.get("retrieval", 0.0),
                "evidence": st.get("evidence", 0.0),
                "candidates": st.get("candidates", 0.0),
                "features": st.get("features", 0.0),
                "abstained": answer.abstained,
            }
        )
    for r in rows:
        r["answering"] = r["total"] - r["retrieval"]  # evidence + extraction + citations (+ question cleaning)
        r["extraction"] = r["answering"] - r["evidence"]
    keys = (
        "total",
        "retrieval",
        "embed_query",
        "answering",
        "evidence",
        "extraction",
        "candidates",
        "features",
    )
    return {
        "n": len(rows),
        "abstained": sum(r["abstained"] for r in rows),
        **{k: percentiles_ms([r[k] for r in rows]) for k in keys},
    }


def cold_start(index: Path, corpus: list[Path], question: str, log: Path) -> dict:
    """Seconds from starting app.py to its page answering, and to the first answer over HTTP."""
    import httpx

    from bench.gradio_chat import ChatSession, find_chat, wait_until_up
    from bench.server import running_app

    async def first_answer(app) -> dict:
        async with httpx.AsyncClient(base_url=app.url, timeout=60) as client:
            config = await wait_until_up(client, 900, app.alive)
            up = time.perf_counter() - app.started
            reply = await ChatSession(client, find_chat(config)).ask(question)
            done = time.perf_counter() - app.started
            return {
                "up_s": round(up, 2),
                "first_answer_s": round(done, 2),
                "answer_ok": reply.ok,
                "answer": reply.answer[:80],
                "first_answer_http_ms": round(reply.seconds * 1000, 1),
            }

    with running_app(index, corpus, log) as app:
        try:
            return asyncio.run(first_answer(app))
        except (RuntimeError, TimeoutError) as e:
            raise SystemExit(f"error: {e}\n{app.tail()}") from e


def run(args) -> dict:
    from qa.api import load_index

    questions = read_questions(args.questions)[: args.limit or None]
    if args.threads:
        import faiss
        import torch

        torch.set_num_threads(args.threads)
        faiss.omp_set_num_threads(args.threads)
    result: dict = {"machine": machine(), "index": args.index, "questions_file": args.questions}
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        copy = copy_index(Path(args.index), Path(tmp))
        t0 = time.perf_counter()
        index = load_index(copy)
        result["load_index_s"] = round(time.perf_counter() - t0, 2)
        result["n_chunks"] = len(index.chunks)
        result["ask"] = time_questions(index, questions, args.warmup)
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        del index
        if not args.no_cold_start:
            result["cold_start"] = cold_start(copy, [Path(c) for c in args.corpus], questions[0], Path(tmp) / "app.log")
    return result


def report(r: dict) -> None:
    a = r["ask"]
    names = {
        "total": "ask() total",
        "retrieval": "retrieval (rank_articles)",
        "embed_query": "  of which query embedding",
        "answering": "answering (the rest)",
        "evidence": "  evidence (gather)",
        "extraction": "  extraction + citations",
        "candidates": "    of which candidates (spaCy)",
        "features": "    of which candidate features",
    }
    print_table(
        f"ask() on {r['n_chunks']:,} chunks, {a['n']} questions after warm-up ({a['abstained']} abstained), "
        f"{r['machine']['torch_threads']} torch thread(s)",
        [(names[k], a[k]["p50_ms"], a[k]["p95_ms"], a[k]["mean_ms"]) for k in names],
        header=("stage", "p50 ms", "p95 ms", "mean ms"),
    )
    if "cold_start" in r:
        c = r["cold_start"]
        print_table(
            "App cold start (python app.py with the built index)",
            [
                ("process start → page served", f"{c['up_s']:.1f} s"),
                ("process start → first answer over HTTP", f"{c['first_answer_s']:.1f} s"),
                ("first HTTP answer itself", f"{c['first_answer_http_ms']:,.0f} ms"),
                ("answer", c["answer"] if c["answer_ok"] else "FAILED"),
            ],
        )
    print(f"\n  load_index {r['load_index_s']:.1f} s; peak RSS {r['peak_rss_mb']:,.0f} MB")


main = bench_main(parse_args, run, report)


if __name__ == "__main__":
    sys.exit(main())
