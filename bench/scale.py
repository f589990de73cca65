"""Scale: a synthetic index of N normalised 384-d vectors (no text is embedded) searched with the
project's own index code (qa/index/vectors.py). Build time, memory, single-query search p50/p95 and recall@10
against exact search, for flat search and the IVF index (both built by `build_vector_index`, IVF with
several nprobe values besides the project's), HNSW for comparison, and how flat search time grows with N.

    python bench/scale.py [--n 1000000] [--data random|clustered] [--json OUT]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    RTQA,
    RTQA_INDEX,
    bench_main,
    machine,
    peak_rss_mb,
    percentiles_ms,
    print_table,
    read_questions,
    rss_mb,
)

K = 50  # what retrieval asks FAISS for (Settings.candidates); recall is over the first 10 of them


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="vectors in the index (default 1,000,000)")
    p.add_argument("--dim", type=int, default=384)
    p.add_argument(
        "--data",
        choices=("random", "clustered", "real"),
        default="random",
        help="uniform random unit vectors (hardest for ANN), a mixture of n/100 clusters, or real chunk "
        "vectors from --vectors (queries: held-out chunks; n is capped by what the file holds)",
    )
    p.add_argument("--vectors", default=str(RTQA_INDEX), help="real: a built index folder, or its vectors.npy")
    p.add_argument(
        "--real-questions",
        default=str(RTQA / "questions.jsonl"),
        help="real: the questions whose embeddings are the queries",
    )
    p.add_argument("--queries", type=int, default=200, help="single-vector searches timed per index")
    p.add_argument("--hnsw", default="32:80", help="HNSW builds to compare, as M:efConstruction[,...] ('' for none)")
    p.add_argument("--ef", default="50,100,200,400", help="efSearch values tried on each HNSW build (>= k=50)")
    p.add_argument("--nprobe", default="16,64,256", help="nprobe values tried on the IVF index besides the project's")
    p.add_argument(
        "--flat-sizes",
        default="0.01,0.05,0.1,0.2,0.5",
        help="fractions of n for the flat-search growth curve (n itself is always measured)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the results to this JSON file")
    return p.parse_args(argv)


def unit_rows(rng: np.random.Generator, n: int, dim: int, block: int = 100_000) -> np.ndarray:
    out = np.empty((n, dim), dtype=np.float32)
    for i in range(0, n, block):
        x = rng.standard_normal((min(block, n - i), dim), dtype=np.float32)
        out[i : i + len(x)] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def vectors_file(path: Path) -> Path:
    """vectors.npy of an index folder (its current generation), or the file given."""
    from qa.index.layout import current_folder

    return current_folder(path) / "vectors.npy" if path.is_dir() else path


def make_data(args) -> tuple[np.ndarray, np.ndarray]:
    """(database, queries). Clustered: n/100 random centres; a point is its centre plus noise of the
    same norm (cosine ≈ 0.7 to its centre, ≈ 0.5 between points of one cluster); queries likewise.
    Real: the first n rows of a built index's vectors.npy; queries: its questions, embedded."""
    kind, n, n_queries, dim = args.data, args.n, args.queries, args.dim
    rng = np.random.default_rng(args.seed)
    if kind == "real":
        from qa.index.embedding import SentenceTransformerEmbedder

        questions = read_questions(args.real_questions)[:n_queries]
        real = np.load(vectors_file(Path(args.vectors)), allow_pickle=False)[:n]
        return np.ascontiguousarray(real, dtype=np.float32), SentenceTransformerEmbedder().embed(questions)
    if kind == "random":
        return unit_rows(rng, n, dim), unit_rows(rng, n_queries, dim)
    centres = unit_rows(rng, max(1, n // 100), dim)

    def sample(m: int) -> np.ndarray:
        out = unit_rows(rng, m, dim)
        for i in range(0, m, 100_000):
            part = out[i : i + 100_000]
            part += centres[rng.integers(0, len(centres), len(part))]
            part /= np.linalg.norm(part, axis=1, keepdims=True)
        return out

    return sample(n), sample(n_queries)


def timed_searches(index, queries: np.ndarray) -> tuple[dict, np.ndarray]:
    """Latency percentiles of one-query searches for K hits, and the top-10 ids of each."""
    from qa.index.vectors import search_vectors

    search_vectors(index, queries[:1], K)  # warm caches
    times, top = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, ids = search_vectors(index, q[None, :], K)
        times.append(time.perf_counter() - t0)
        top.append(ids[0, :10])
    return percentiles_ms(times), np.asarray(top)


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    return round(float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])), 4)


def build(fn):
    """(index, seconds, RSS growth in MB) of `fn()`."""
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = fn()
    return index, time.perf_counter() - t0, rss_mb() - before


def measure_flat(vectors, queries) -> tuple[dict, np.ndarray]:
    from qa.index.vectors import build_vector_index

    index, secs, mem = build(lambda: build_vector_index(vectors, approx_threshold=len(vectors) + 1))
    lat, _ = timed_searches(index, queries)
    _, truth = index.search(queries, 10)  # exact top-10, batched
    row = {
        "index": "flat",
        "params": "",
        "build_s": round(secs, 2),
        "memory_mb": round(mem, 1),
        **lat,
        "recall@10": 1.0,
    }
    del index
    return row, truth


def measure_hnsw(vectors, queries, truth, m: int, ef_construction: int, efs: list[int]) -> list[dict]:
    """HNSW (not used by the project; here for comparison), searched with efSearch >= K."""
    import faiss

    def make():
        index = faiss.IndexHNSWFlat(vectors.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(vectors)
        return index

    index, secs, mem = build(make)
    rows = []
    for ef in efs:
        index.hnsw.efSearch = max(ef, K)
        lat, found = timed_searches(index, queries)
        rows.append(
            {
                "index": "hnsw",
                "params": f"M={m} efC={ef_construction} efS={max(ef, K)}",
                "build_s": round(secs, 2),
                "memory_mb": round(mem, 1),
                **lat,
                "recall@10": recall_at_10(found, truth),
            }
        )
    del index
    return rows


def measure_ivf(vectors, queries, truth, nprobes: list[int]) -> list[dict]:
    """The project's approximate index, at its own nprobe (marked *) and at the others given."""
    from qa.index.vectors import build_vector_index

    index, secs, mem = build(lambda: build_vector_index(vectors, approx_threshold=0))
    own = index.nprobe
    rows = []
    for nprobe in sorted({own, *(p for p in nprobes if p <= index.nlist)}):
        index.nprobe = nprobe  # what the index file stores; search_vectors widens it for long result lists
        lat, found = timed_searches(index, queries)
        rows.append(
            {
                "index": "ivf" + ("*" if nprobe == own else ""),
                "params": f"nlist={index.nlist} nprobe={nprobe}",
                "build_s": round(secs, 2),
                "memory_mb": round(mem, 1),
                **lat,
                "recall@10": recall_at_10(found, truth),
            }
        )
    del index
    return rows


def flat_curve(vectors, queries, fractions: list[float]) -> list[dict]:
    """Flat search time as the index grows (prefixes of the same data), with FAISS's default threads
    and with one thread (a one-query search split over busy cores can wait for the slower one)."""
    import faiss

    from qa.index.vectors import build_vector_index

    rows, threads = [], faiss.omp_get_max_threads()
    for f in [*fractions, 1.0]:
        n = int(len(vectors) * f)
        if n < 1:
            continue
        index = build_vector_index(vectors[:n], approx_threshold=n + 1)
        row = {"n": n}
        for t in sorted({threads, 1}, reverse=True):
            faiss.omp_set_num_threads(t)
            lat, _ = timed_searches(index, queries[:100])
            row.update({f"p50_ms_{t}t": lat["p50_ms"], f"p95_ms_{t}t": lat["p95_ms"]})
        faiss.omp_set_num_threads(threads)
        rows.append(row)
        del index
    return rows


def run(args) -> dict:
    t0 = time.perf_counter()
    vectors, queries = make_data(args)
    result: dict = {
        "machine": machine(),
        "n": len(vectors),
        "dim": vectors.shape[1],
        "data": args.data,
        "queries": len(queries),
        "k": K,
        "data_s": round(time.perf_counter() - t0, 1),
        "vectors_mb": round(vectors.nbytes / 2**20, 1),
    }
    flat, truth = measure_flat(vectors, queries)
    rows = [flat, *measure_ivf(vectors, queries, truth, [int(x) for x in args.nprobe.split(",") if x])]
    efs = [int(x) for x in args.ef.split(",") if x]
    for spec in filter(None, args.hnsw.split(",")):
        m, efc = (int(x) for x in spec.split(":"))
        rows += measure_hnsw(vectors, queries, truth, m, efc, efs)
    curve = flat_curve(vectors, queries, [float(x) for x in args.flat_sizes.split(",") if x])
    result.update({"indexes": rows, "flat_curve": curve, "peak_rss_mb": round(peak_rss_mb(), 1)})
    return result


def report(r: dict) -> None:
    print_table(
        f"{r['n']:,} {r['data']} {r['dim']}-d vectors ({r['vectors_mb']:,.0f} MB); one query per search, "
        f"k={r['k']}, {r['queries']} queries; * = the project's setting",
        [
            (x["index"], x["params"], x["build_s"], x["memory_mb"], x["p50_ms"], x["p95_ms"], x["recall@10"])
            for x in r["indexes"]
        ],
        header=("index", "params", "build s", "memory MB", "p50 ms", "p95 ms", "recall@10"),
    )
    keys = [k for k in r["flat_curve"][0] if k != "n"]
    print_table(
        "Flat search as the index grows (one query, k=50; Nt = FAISS threads)",
        [(x["n"], *(x[k] for k in keys)) for x in r["flat_curve"]],
        header=("vectors", *(k.replace("_ms_", " ms ") for k in keys)),
    )


main = bench_main(parse_args, run, report)


if __name__ == "__main__":
    sys.exit(main())
