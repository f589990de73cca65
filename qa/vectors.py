"""FAISS inner-product search over normalised vectors: exact (flat) for small indexes, HNSW past a
size threshold chosen from bench/scale.py (numbers and reasoning in bench/README.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HNSWParams:
    m: int = 32  # graph links per vector
    ef_construction: int = 80  # candidate list while building
    ef_search: int = 128  # candidate list while searching (at least k); stored in the index file


APPROX_THRESHOLD = 200_000  # vectors; below this, flat search is fast enough (see bench/README.md)
HNSW = HNSWParams()


def build_vector_index(vectors: np.ndarray, approx_threshold: int = APPROX_THRESHOLD, hnsw: HNSWParams = HNSW):
    """A FAISS index over the rows of `vectors` (row i has id i): exact below `approx_threshold` rows,
    HNSW from there on."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) >= approx_threshold:
        index = faiss.IndexHNSWFlat(dim, hnsw.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = hnsw.ef_construction
        index.hnsw.efSearch = hnsw.ef_search
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def search_vectors(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, ids) per query row; ids of -1 mark missing hits. Never changes the index, so
    concurrent searches are safe."""
    import faiss

    k = max(1, min(k, index.ntotal))
    if index.ntotal == 0:
        return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
    params = None
    if hasattr(index, "hnsw"):  # the stored efSearch, widened to k for long result lists
        params = faiss.SearchParametersHNSW(efSearch=max(index.hnsw.efSearch, k))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
