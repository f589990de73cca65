"""FAISS inner-product search over normalised vectors: exact (flat) up to a size threshold, an
inverted-file index (IVF) past it.

Why these choices (numbers and commands in bench/README.md, from bench/scale.py on 2 shared cores):
- Flat search of one query on one core costs ~10-12 ms per 100,000 vectors (115 ms at 1M), growing
  linearly; a whole ask() takes ~100 ms. Below APPROX_THRESHOLD exact search costs at most ~10% of a
  question, so it stays exact.
- Past it, IVF rather than HNSW, because the vector index is rebuilt on every ingest (uploads in the
  web app included): on 1M vectors IVF built in 15 s, HNSW (M=32, efConstruction=80) in 25 min.
  Both search in 1-15 ms. On the real realtimeqa-dev chunk vectors with its questions as queries,
  IVF probing 1/8 of the lists keeps 0.99 of the exact top 10 (1/16: 0.98), HNSW 0.99-0.996.
- nlist ~ 2·sqrt(n) (a power of two, 40 training vectors per list), nprobe = nlist / PROBE_SHARE (at
  least NPROBE_MIN): a fixed ~12% of the vectors is scanned, ~15 ms at 1M.
  Uniform random vectors, the worst case, have no neighbourhoods to find: there IVF keeps only 0.34
  of the exact top 10 at 1M (HNSW 0.12 at efSearch 400). Real embeddings are nothing like that.
"""

from __future__ import annotations

import math

import numpy as np

APPROX_THRESHOLD = 100_000  # vectors; from this size on, the IVF index
TRAIN_PER_LIST = 40  # k-means training vectors per list (FAISS asks for at least 39)
PROBE_SHARE = 8  # probe 1/8 of the lists
NPROBE_MIN = 8
SMALL_BATCH = 4  # up to this many queries are searched on one thread


def ivf_lists(n: int) -> int:
    """The number of IVF lists for n vectors: ~2·sqrt(n), a power of two, with enough training data."""
    lists = 2 ** round(math.log2(max(1.0, 2 * math.sqrt(n))))
    while lists > 1 and lists * TRAIN_PER_LIST > n:
        lists //= 2
    return lists


def build_vector_index(vectors: np.ndarray, approx_threshold: int = APPROX_THRESHOLD):
    """A FAISS index over the rows of `vectors` (row i has id i): exact below `approx_threshold` rows,
    IVF from there on."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) < max(1, approx_threshold):
        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        return index
    lists = ivf_lists(len(vectors))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    step = max(1, len(vectors) // (lists * TRAIN_PER_LIST))
    index.train(vectors[::step])  # evenly spread rows: every part of the corpus, and deterministic
    index.add(vectors)
    index.nprobe = min(lists, max(NPROBE_MIN, lists // PROBE_SHARE))
    return index


def search_vectors(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, ids) per query row; ids of -1 mark missing hits. Never changes the index, so
    concurrent searches are safe."""
    import faiss

    k = max(1, min(k, index.ntotal))
    if index.ntotal == 0:
        return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
    params = None
    if hasattr(index, "nprobe"):  # the stored nprobe, widened so the probed lists hold ~2k vectors
        wanted = math.ceil(2 * k * index.nlist / index.ntotal)
        params = faiss.SearchParametersIVF(nprobe=min(index.nlist, max(index.nprobe, wanted)))
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if len(queries) > SMALL_BATCH:
        return index.search(queries, k, params=params)
    before = faiss.omp_get_max_threads()  # one query: OpenMP's second thread only adds waiting, and on a
    faiss.omp_set_num_threads(1)  # busy 2-core machine made a 22,000-vector search 20 ms instead of 1.4 ms
    try:
        return index.search(queries, k, params=params)
    finally:
        faiss.omp_set_num_threads(before)
