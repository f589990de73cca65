"""FAISS inner-product search over normalised vectors: exact (flat) for small indexes, HNSW past a
size threshold chosen from bench/scale.py."""

from __future__ import annotations

import numpy as np

APPROX_THRESHOLD = 200_000  # vectors; below this, flat search is fast enough (see bench/README.md)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def build_vector_index(vectors: np.ndarray, approx_threshold: int = APPROX_THRESHOLD):
    """A FAISS index over the rows of `vectors` (row i has id i)."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) >= approx_threshold:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def search_vectors(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, ids) per query row; ids of -1 mark missing hits."""
    k = max(1, min(k, index.ntotal))
    if index.ntotal == 0:
        return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
