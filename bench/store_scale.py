"""Milvus Lite against FAISS as the vector store, on the same vectors and queries: build time, search
p50/p95 (one query at a time, top 10), recall@10 against exact search, and memory.

    python bench/store_scale.py --data real [--index /work/baseline/rtqa-index]   # 22,312 real chunk vectors
    python bench/store_scale.py --data random --n 1000000                          # synthetic
    [--queries 100] [--json OUT]

`real` takes the chunk vectors of a built realtimeqa-dev index and its 94 questions embedded by the
model as queries; `random` uniform random unit vectors (the worst case for IVF: no neighbourhoods)
and random queries. Both stores get the index the project would give them at that size (exact below
100,000 vectors, IVF past it, same lists and probes: qa/index/vectors.py, milvus_store.dense_index).
Milvus Lite runs inside this process, so its memory is this process's RSS growth.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RTQA, bench_main, machine, percentiles_ms, print_table, read_questions, rss_mb  # noqa: E402

DEFAULT_INDEX = Path("/work/baseline/rtqa-index")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", choices=("real", "random"), default="real")
    p.add_argument("--index", default=str(DEFAULT_INDEX), help="a built realtimeqa-dev index folder (--data real)")
    p.add_argument("--n", type=int, default=100_000, help="vectors (--data random)")
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--json")
    return p.parse_args(argv)


def dataset(args) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if args.data == "real":
        vectors = np.load(Path(args.index) / "vectors.npy", allow_pickle=False)
        from qa.index.embedding import make_embedder
        from qa.settings import Settings

        queries = make_embedder(Settings()).embed(read_questions(RTQA / "questions.jsonl"))
        return vectors, queries[: args.queries]

    def unit(n):
        x = rng.standard_normal((n, args.dim), dtype=np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    return np.concatenate([unit(min(100_000, args.n - i)) for i in range(0, args.n, 100_000)]), unit(args.queries)


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    out = []
    for i in range(0, len(queries), 16):
        scores = queries[i : i + 16] @ vectors.T
        out.append(np.argsort(-scores, axis=1)[:, :k])
    return np.concatenate(out)


def recall(found: list[list[int]], exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e.tolist())) / len(e) for f, e in zip(found, exact, strict=True)]))


def faiss_store(vectors: np.ndarray, queries: np.ndarray) -> dict:
    from qa.index.vectors import build_vector_index, search_vectors

    before = rss_mb()
    t0 = time.perf_counter()
    index = build_vector_index(vectors)
    built = time.perf_counter() - t0
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, ids = search_vectors(index, q[None, :], 10)
        times.append(time.perf_counter() - t0)
        found.append(ids[0].tolist())
    return {
        "kind": type(index).__name__,
        "build_s": built,
        "search": percentiles_ms(times),
        "found": found,
        "rss_mb": rss_mb() - before,
    }


def milvus_store(vectors: np.ndarray, queries: np.ndarray, folder: Path) -> dict:
    from pymilvus import DataType

    from qa.index.milvus_store import connect, dense_index, disconnect, lite_target

    target = lite_target(folder)
    client = connect(target)
    before = rss_mb()
    dense = dense_index(len(vectors))
    schema = client.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
    params = client.prepare_index_params()
    params.add_index("dense", index_type=dense["index_type"], metric_type="IP", params=dense["params"])
    t0 = time.perf_counter()
    client.create_collection("bench", schema=schema, index_params=params)
    for i in range(0, len(vectors), 5000):
        client.insert("bench", [{"row": i + j, "dense": v.tolist()} for j, v in enumerate(vectors[i : i + 5000])])
    client.flush("bench")
    client.load_collection("bench")
    built = time.perf_counter() - t0
    search = {"search_params": {"params": {"nprobe": dense["nprobe"]}}} if dense["nprobe"] else {}
    client.search("bench", data=[queries[0].tolist()], anns_field="dense", limit=10, **search)  # warm up
    times, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        hits = client.search("bench", data=[q.tolist()], anns_field="dense", limit=10, output_fields=["row"], **search)
        times.append(time.perf_counter() - t0)
        found.append([int(h["entity"]["row"]) for h in hits[0]])
    rss = rss_mb() - before
    disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    disconnect(target)
    return {
        "kind": dense["index_type"],
        "build_s": built,
        "search": percentiles_ms(times),
        "found": found,
        "rss_mb": rss,
        "disk_mb": disk,
    }


def run(args) -> dict:
    vectors, queries = dataset(args)
    vectors, queries = np.ascontiguousarray(vectors, np.float32), np.ascontiguousarray(queries, np.float32)
    exact = exact_top(vectors, queries)
    result = {"machine": machine(), "data": args.data, "n": len(vectors), "queries": len(queries)}
    result["faiss"] = faiss_store(vectors, queries)
    with tempfile.TemporaryDirectory(prefix="bench-milvus-") as tmp:
        result["milvus_lite"] = milvus_store(vectors, queries, Path(tmp) / "m")
    for name in ("faiss", "milvus_lite"):
        result[name]["recall_at_10"] = recall(result[name].pop("found"), exact)
    return result


def report(result: dict) -> None:
    rows = [
        (
            name,
            r["kind"],
            round(r["build_s"], 1),
            round(r["search"]["p50_ms"], 2),
            round(r["search"]["p95_ms"], 2),
            round(r["recall_at_10"], 3),
            round(r["rss_mb"]),
        )
        for name, r in ((n, result[n]) for n in ("faiss", "milvus_lite"))
    ]
    header = ("store", "index", "build s", "p50 ms", "p95 ms", "recall@10", "+RSS MB")
    print_table(f"{result['data']}: {result['n']:,} vectors, {result['queries']} queries, top 10", rows, header)


main = bench_main(parse_args, run, report)

if __name__ == "__main__":
    sys.exit(main())
