"""The vector index (qa/index/vectors.py): exact search equals brute force, the switch to the approximate
index past the size threshold, and the approximate index finding what exact search finds."""

import numpy as np
import pytest

from qa.index.vectors import build_vector_index, ivf_lists, search_vectors


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
    assert not hasattr(index, "nprobe")
    scores, ids = search_vectors(index, queries, 10)
    sims = queries @ vectors.T
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :10]
    assert np.array_equal(ids, expected)
    assert np.allclose(scores, np.take_along_axis(sims, expected, axis=1), atol=1e-5)


def test_switches_to_ivf_at_the_threshold():
    vectors = unit_rows(np.random.default_rng(1), 2000, 16)
    assert not hasattr(build_vector_index(vectors, approx_threshold=2001), "nprobe")
    approx = build_vector_index(vectors, approx_threshold=2000)
    assert hasattr(approx, "nprobe") and approx.ntotal == 2000 and approx.is_trained
    assert approx.nlist == ivf_lists(2000) == 32 and approx.nprobe == 8  # at least NPROBE_MIN


def test_ivf_lists_grow_with_the_square_root_and_have_training_data():
    assert [ivf_lists(n) for n in (0, 10, 100, 10_000, 100_000, 1_000_000)] == [1, 1, 2, 128, 512, 2048]


def test_ivf_finds_what_flat_search_finds():
    rng = np.random.default_rng(2)
    data = clustered(rng, 5000, 32, 40)
    vectors, queries = data[:4900], data[4900:]
    _, exact = search_vectors(build_vector_index(vectors), queries, 10)
    _, approx = search_vectors(build_vector_index(vectors, approx_threshold=0), queries, 10)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.95


def test_ivf_search_widens_to_k_without_changing_the_index():
    vectors = unit_rows(np.random.default_rng(3), 4000, 16)
    index = build_vector_index(vectors, approx_threshold=0)
    _, ids = search_vectors(index, vectors[:2], 500)
    assert ids.shape == (2, 500) and (ids >= 0).all() and len(set(ids[0])) == 500
    assert ids[0, 0] == 0 and ids[1, 0] == 1  # each vector is its own nearest neighbour
    assert index.nprobe == 8  # concurrent searches cannot race on a shared setting


def test_saved_ivf_index_keeps_its_settings(tmp_path):
    import faiss

    vectors = unit_rows(np.random.default_rng(6), 3000, 16)
    index = build_vector_index(vectors, approx_threshold=0)
    faiss.write_index(index, str(tmp_path / "v.faiss"))
    loaded = faiss.read_index(str(tmp_path / "v.faiss"))
    assert (loaded.nlist, loaded.nprobe) == (index.nlist, index.nprobe)
    assert np.array_equal(search_vectors(loaded, vectors[:5], 10)[1], search_vectors(index, vectors[:5], 10)[1])


@pytest.mark.parametrize("n", [0, 3])
def test_small_and_empty_indexes(n):
    vectors = unit_rows(np.random.default_rng(4), n, 8)
    scores, ids = search_vectors(build_vector_index(vectors), unit_rows(np.random.default_rng(5), 2, 8), 10)
    assert ids.shape == scores.shape == (2, n)
