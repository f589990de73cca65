"""The vector index (qa/vectors.py): exact search equals brute force, the switch to the approximate
index past the size threshold, and the approximate index finding what exact search finds."""

import numpy as np
import pytest

from qa.vectors import HNSWParams, build_vector_index, search_vectors


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def clustered(rng: np.random.Generator, n: int, dim: int, n_clusters: int) -> np.ndarray:
    """Points around random centres, as sentence embeddings of related texts are."""
    centres = unit_rows(rng, n_clusters, dim)
    x = centres[rng.integers(0, n_clusters, n)] + 0.5 * unit_rows(rng, n, dim)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_flat_top_k_equals_brute_force_numpy():
    rng = np.random.default_rng(0)
    vectors, queries = unit_rows(rng, 500, 24), unit_rows(rng, 20, 24)
    index = build_vector_index(vectors)
    assert not hasattr(index, "hnsw")
    scores, ids = search_vectors(index, queries, 10)
    sims = queries @ vectors.T
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :10]
    assert np.array_equal(ids, expected)
    assert np.allclose(scores, np.take_along_axis(sims, expected, axis=1), atol=1e-5)


def test_switches_to_hnsw_at_the_threshold():
    vectors = unit_rows(np.random.default_rng(1), 100, 16)
    assert not hasattr(build_vector_index(vectors, approx_threshold=101), "hnsw")
    approx = build_vector_index(vectors, approx_threshold=100, hnsw=HNSWParams(m=8, ef_construction=40, ef_search=20))
    assert hasattr(approx, "hnsw") and approx.ntotal == 100
    assert (approx.hnsw.efConstruction, approx.hnsw.efSearch) == (40, 20)


def test_hnsw_finds_what_flat_search_finds():
    rng = np.random.default_rng(2)
    data = clustered(rng, 3000, 32, 30)
    vectors, queries = data[:2900], data[2900:]
    _, exact = search_vectors(build_vector_index(vectors), queries, 10)
    _, approx = search_vectors(build_vector_index(vectors, approx_threshold=0), queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.95


def test_hnsw_search_widens_to_k_without_changing_the_index():
    vectors = unit_rows(np.random.default_rng(3), 400, 16)
    index = build_vector_index(vectors, approx_threshold=0, hnsw=HNSWParams(m=8, ef_construction=40, ef_search=16))
    _, ids = search_vectors(index, vectors[:2], 100)
    assert ids.shape == (2, 100) and (ids >= 0).all() and len(set(ids[0])) == 100
    assert ids[0, 0] == 0 and ids[1, 0] == 1  # each vector is its own nearest neighbour
    assert index.hnsw.efSearch == 16  # concurrent searches cannot race on a shared setting


@pytest.mark.parametrize("n", [0, 3])
def test_small_and_empty_indexes(n):
    vectors = unit_rows(np.random.default_rng(4), n, 8)
    scores, ids = search_vectors(build_vector_index(vectors), unit_rows(np.random.default_rng(5), 2, 8), 10)
    assert ids.shape == scores.shape == (2, n)
