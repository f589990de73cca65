"""Index-setting ablations on realtimeqa-dev: build an index with one setting changed (chunk size and
overlap, no title before each chunk, page furniture kept), then score retrieval and answers with the
evaluation code, as of each question's date and with dates ignored. Each variant re-embeds the corpus
(~8 min on 2 cores); the indexes are kept under --out so a rerun only evaluates.

    python bench/ablation.py [--variant NAME ...] [--out DIR] [--json OUT]

Variants: default (200/32), c128 (128/24), c320 (320/48), notitle, furniture.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, RTQA, bench_main, machine, print_table  # noqa: E402

VARIANTS = {  # name: (chunk_tokens, chunk_overlap, what else changes)
    "default": (200, 32, ""),
    "c128": (128, 24, ""),
    "c320": (320, 48, ""),
    "notitle": (200, 32, "notitle"),
    "furniture": (200, 32, "furniture"),
}
METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "answer_accuracy")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variant", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ablation")
    p.add_argument("--json")
    return p.parse_args(argv)


def patched(what: str):
    """Undo-able change of what is embedded and keyword-indexed for a chunk (qa/index/build.py)."""
    import qa.index.build as indexing
    import qa.ingest.chunking as chunking

    saved = (indexing.search_text, indexing.strip_boilerplate, chunking.is_boilerplate)
    if what == "notitle":  # the chunk without page furniture, and without the title before it
        indexing.search_text = lambda article, chunk: indexing.strip_boilerplate(chunk.text)
    elif what == "furniture":  # only blank lines count as furniture: ads and player captions are kept
        chunking.is_boilerplate = lambda line: not line.strip()
        indexing.strip_boilerplate = lambda text: "\n".join(line for line in text.split("\n") if line.strip())

    def restore():
        indexing.search_text, indexing.strip_boilerplate, chunking.is_boilerplate = saved

    return restore


def run(args) -> dict:
    from qa.api import build_index, load_index
    from qa.evaluate.questions import load_questions
    from qa.evaluate.runner import evaluate
    from qa.settings import Settings

    questions = load_questions(RTQA / "questions.jsonl")
    rows = []
    for name in args.variant:
        tokens, overlap, what = VARIANTS[name]
        folder = args.out / name
        restore = patched(what)
        try:
            started = time.perf_counter()
            build_index([RTQA / "corpus.jsonl"], folder, Settings(chunk_tokens=tokens, chunk_overlap=overlap))
            build_s = time.perf_counter() - started
        finally:
            restore()
        index = load_index(folder)
        row = {
            "variant": name,
            "chunk_tokens": tokens,
            "chunk_overlap": overlap,
            "changed": what or "-",
            "chunks": len(index.chunks),
            "build_s": round(build_s, 1),
        }
        for mode, use_dates in (("as_of", True), ("ignore_dates", False)):
            result = evaluate(index, questions, use_dates=use_dates)
            row[mode] = {m: result[m] for m in METRICS}
        rows.append(row)
    return {"machine": machine(), "questions": str(RTQA / "questions.jsonl"), "variants": rows}


def report(result: dict) -> None:
    header = ["variant", "chunks", *METRICS, "no dates: hit@5", "mrr@10", "accuracy"]
    print_table(
        "realtimeqa-dev, as of each question's date (then with dates ignored)",
        [
            [
                r["variant"],
                r["chunks"],
                *(r["as_of"][m] for m in METRICS),
                r["ignore_dates"]["hit@5"],
                r["ignore_dates"]["mrr@10"],
                r["ignore_dates"]["answer_accuracy"],
            ]
            for r in result["variants"]
        ],
        header,
    )


main = bench_main(parse_args, run, report)

if __name__ == "__main__":
    sys.exit(main())
