"""Ingest engines side by side, in one run on the same articles: chunks/s of the embedders (torch fp32
through sentence-transformers, ONNX fp32, ONNX int8) on the exact chunk texts ingest embeds, and the
wall time of a whole ingest done locally vs through a local Ray instance (both into Milvus Lite, and
the plain local ingest into the index folder for reference).

    python bench/ingest_engines.py [--limit N] [--embedders st,onnx,onnx-int8] [--ingests faiss,milvus,ray] [--json OUT]

Each embedder is loaded and warmed up first; their order alternates over `--repeats` rounds and the
median is reported, so a noisy neighbour hurts all of them alike. Ray's time includes starting the
local instance (what a user waits for).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RTQA, bench_main, machine, print_table  # noqa: E402
from bench.index_speed import limited_corpus  # noqa: E402

MODELS = {"st": "all-MiniLM-L6-v2", "onnx": "all-MiniLM-L6-v2@onnx", "onnx-int8": "all-MiniLM-L6-v2@onnx-int8"}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=str(RTQA / "corpus.jsonl"))
    p.add_argument("--limit", type=int, default=200, help="first N articles (default 200; 0 = all)")
    p.add_argument("--embedders", default="st,onnx,onnx-int8")
    p.add_argument("--ingests", default="faiss,milvus,ray", help="whole ingests to time ('' for none)")
    p.add_argument("--repeats", type=int, default=3, help="rounds of the embedder comparison")
    p.add_argument("--json")
    return p.parse_args(argv)


def chunk_texts(corpus: Path) -> list[str]:
    """The search texts ingest embeds for these articles (title + chunk without page furniture)."""
    from qa.index.build import search_text
    from qa.ingest.chunking import chunk_article
    from qa.ingest.readers import read_paths
    from qa.settings import Settings
    from qa.text.tokens import token_counter

    s = Settings()
    count = token_counter(s.tokenizer)
    return [
        search_text(a, c)
        for a in read_paths([corpus]).articles
        for c in chunk_article(a, count, s.chunk_tokens, s.chunk_overlap)
    ]


def embed_speeds(texts: list[str], names: list[str], repeats: int) -> dict:
    from qa.index.embedding import make_embedder
    from qa.settings import Settings

    embedders = {n: make_embedder(Settings(model=MODELS[n])) for n in names}
    for e in embedders.values():
        e.embed(texts[:64])  # load, export (first time) and warm up
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeats):
        for n in names if r % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            embedders[n].embed(texts)
            times[n].append(time.perf_counter() - t0)
    out = {
        n: {"seconds": statistics.median(t), "chunks_per_s": len(texts) / statistics.median(t)}
        for n, t in times.items()
    }
    if "st" in out:
        for n in out:
            out[n]["vs_st"] = out[n]["chunks_per_s"] / out["st"]["chunks_per_s"]
    return out


def whole_ingests(corpus: Path, kinds: list[str], folder: Path) -> dict:
    from qa.api import build_index
    from qa.index.milvus_store import disconnect, lite_target

    out = {}
    for kind in kinds:
        target = folder / f"index-{kind}"
        t0 = time.perf_counter()
        if kind == "faiss":
            report = build_index([corpus], target, progress=False)
        elif kind == "milvus":
            report = build_index([corpus], target, progress=False, store="milvus")
        else:
            report = build_index([corpus], target, progress=False, ray="")
        seconds = time.perf_counter() - t0
        out[kind] = {"seconds": seconds, "chunks": report.n_chunks, "chunks_per_s": report.n_chunks / seconds}
        if kind != "faiss":
            disconnect(lite_target(target))
    if "ray" in out and "milvus" in out:
        out["ray_vs_local_milvus"] = out["ray"]["seconds"] / out["milvus"]["seconds"]
    return out


def run(args) -> dict:
    result = {"machine": machine(), "limit": args.limit}
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        corpus = limited_corpus(Path(args.corpus), args.limit or None, Path(tmp))
        texts = chunk_texts(corpus)
        result["chunks"] = len(texts)
        names = [n for n in args.embedders.split(",") if n]
        if names:
            result["embedders"] = embed_speeds(texts, names, args.repeats)
        kinds = [k for k in args.ingests.split(",") if k]
        if kinds:
            result["ingests"] = whole_ingests(corpus, kinds, Path(tmp))
    return result


def report(result: dict) -> None:
    if "embedders" in result:
        rows = [
            (n, round(r["seconds"], 1), round(r["chunks_per_s"], 1), round(r.get("vs_st", 0), 2))
            for n, r in result["embedders"].items()
        ]
        print_table(f"embedding {result['chunks']} chunks (median)", rows, ("embedder", "s", "chunks/s", "vs st fp32"))
    if "ingests" in result:
        ing = result["ingests"]
        rows = [(k, round(v["seconds"], 1), round(v["chunks_per_s"], 1)) for k, v in ing.items() if isinstance(v, dict)]
        print_table("whole ingest", rows, ("ingest", "s", "chunks/s"))
        if "ray_vs_local_milvus" in ing:
            print(f"Ray (local instance) / local ingest into Milvus Lite: {ing['ray_vs_local_milvus']:.2f}x the time")


main = bench_main(parse_args, run, report)

if __name__ == "__main__":
    sys.exit(main())
