"""The embedders past the default (issue 16): MiniLM through ONNX Runtime in fp32 and int8, exported
once offline and cached; and model names checked before any work (issue 14, item 12)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.errors import QAError
from qa.index.embedding import check_model, make_embedder
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Ford recalled 2.9 million vehicles over a rollaway risk, the safety agency said.",
    "The central bank raised interest rates by half a point to fight inflation.",
    "Rangers on Rottnest Island counted 12,400 quokkas.",
    "A short one.",
]


@pytest.mark.parametrize(
    "model", ["hash-abc", "hash-0", "hash-100000000", "hash-", "nosuch-model", "all-MiniLM-L6-v2@gpu"]
)
def test_a_model_that_cannot_be_loaded_is_refused_with_a_clear_error(model):
    with pytest.raises(QAError, match=r"hash-N|no embedding model|unknown embedding backend"):
        check_model(model)
    with pytest.raises(QAError):
        make_embedder(Settings(model=model))


def test_the_cli_refuses_a_bad_model_before_reading_or_allocating(tmp_path, corpus_dir):
    for model in ("hash-abc", "hash-100000000"):
        done = subprocess.run(
            [sys.executable, "-m", "qa", "ingest", str(corpus_dir), "--index", str(tmp_path / "i"), "--model", model],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and model in done.stderr and "hash-64" in done.stderr
        assert not (tmp_path / "i").exists()


@pytest.mark.model
@pytest.mark.slow
def test_onnx_embedders_match_sentence_transformers_and_export_once(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime", reason="the scale extra (requirements-scale.txt) is not installed")
    from qa.index import embedding

    monkeypatch.setattr(embedding, "MODEL_CACHE", tmp_path / "models")
    reference = make_embedder(Settings()).embed(TEXTS)
    fp32 = make_embedder(Settings(model="all-MiniLM-L6-v2@onnx")).embed(TEXTS)
    int8 = make_embedder(Settings(model="all-MiniLM-L6-v2@onnx-int8"))
    quantised = int8.embed(TEXTS)
    assert np.min(np.sum(reference * fp32, axis=1)) > 0.9999
    assert np.min(np.sum(reference * quantised, axis=1)) > 0.97  # measured 0.989 at worst on 200 news texts
    assert np.allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    exported = sorted((tmp_path / "models").rglob("*.onnx"))
    assert len(exported) == 2
    stamps = [p.stat().st_mtime_ns for p in exported]
    again = make_embedder(Settings(model="all-MiniLM-L6-v2@onnx-int8"))
    alone = again.embed(TEXTS[:1])  # int8 activations are scaled per batch: alone is close, not equal
    assert float(alone[0] @ quantised[0]) > 0.98
    assert [p.stat().st_mtime_ns for p in exported] == stamps  # cached, not exported again
    assert int8.embed([TEXTS[0]]).shape == (1, 384)  # a question runs on the one-thread session


@pytest.mark.model
@pytest.mark.slow
def test_a_questions_few_texts_run_through_onnx_runtime_with_the_vectors_torch_gives(tmp_path, monkeypatch):
    """The default embedder runs a question (and the asked kind) through the same weights exported to
    ONNX, ~2-3x faster for one short text; an index's many chunks still go through torch."""
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: questions are embedded by torch")
    from qa.index import embedding

    monkeypatch.setattr(embedding, "MODEL_CACHE", tmp_path / "models")
    embedder = make_embedder(Settings())
    texts = TEXTS * 5  # 20 texts: more than SMALL_BATCH, so torch
    by_torch = embedder.embed(texts)
    assert not (tmp_path / "models").exists()  # nothing exported for a batch of many texts
    for text, reference in zip(TEXTS, by_torch, strict=False):
        alone = embedder.embed([text])
        assert alone.shape == (1, 384) and alone.dtype == np.float32
        assert np.abs(alone[0] - reference).max() < 1e-5
    assert np.abs(embedder.embed(TEXTS) - by_torch[: len(TEXTS)]).max() < 1e-5  # padded to the longest
    assert embedder.embed([]).shape == (0, 384)
    assert [p.name for p in (tmp_path / "models").rglob("*.onnx")] == ["model.onnx"]  # fp32, exported once


def test_without_onnx_runtime_a_question_is_embedded_by_torch(monkeypatch):
    from qa.index import embedding

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    embedder = embedding.SentenceTransformerEmbedder()
    monkeypatch.setattr(embedder, "_embed", lambda texts, progress: np.ones((len(texts), 3), dtype=np.float32))
    assert embedder.embed(["A question?"]).shape == (1, 3)
    assert embedder._small_batches() is None


# ---------------------------------------------------------------- phrase vectors (qa/index/pieces.py)


@pytest.mark.model
@pytest.mark.slow
def test_phrase_vectors_are_the_mean_of_word_pieces_run_once_through_the_model_and_cached(tmp_path, monkeypatch):
    from qa.index import embedding, pieces

    monkeypatch.setattr(embedding, "MODEL_CACHE", tmp_path / "models")
    model = make_embedder(Settings())
    phrases = embedding.phrase_embedder(model)
    words = ["virus", "food", "bitcoin", "Taylor Swift", ""]
    v = phrases.embed(words)
    assert v.shape == (5, 384) and phrases.dim == 384
    assert np.allclose(np.linalg.norm(v[:4], axis=1), 1.0, atol=1e-5) and not v[4].any()  # no pieces: zeros
    full = model.embed(words[:2])
    # a word of one piece: its table row is the model's embedding of the word alone (float16 in the table)
    assert np.min(np.sum(v[:2] * full, axis=1)) > 0.999
    kind = model.embed(["cryptocurrency"])[0]
    assert v[2] @ kind > v[3] @ kind + 0.1  # bitcoin is a cryptocurrency, Taylor Swift is not
    tables = list((tmp_path / "models").rglob("pieces-f16.npy"))
    assert len(tables) == 1 and np.load(tables[0]).shape == (30522, 384)

    def no_model_run(folder):
        raise AssertionError("the cached table was computed again")

    monkeypatch.setattr(pieces, "_compute", no_model_run)
    again = embedding.phrase_embedder(make_embedder(Settings()))
    assert np.array_equal(again.embed(words), v)


def test_phrase_vectors_are_each_texts_own_mean_of_its_piece_rows_bit_for_bit():
    """PieceVectors.embed sums all texts' piece rows at once: each text's vector is exactly the normalised
    float32 mean of its own rows (its pieces in order), zeros for a text without pieces."""
    from tokenizers import Tokenizer

    from qa.index.embedding import resolve_model
    from qa.index.pieces import PieceVectors
    from qa.settings import DEFAULT_MODEL

    folder = Path(resolve_model(DEFAULT_MODEL))
    phrases = PieceVectors(folder)
    phrases._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    phrases._tokenizer.no_padding()  # as load() sets it
    phrases._table = np.random.default_rng(3).normal(size=(30522, 16)).astype(np.float16)
    texts = ["virus", "", "Taylor Swift", "the networking platform", "$12.6 million", " ", "Kalymnos", "RSV"]
    means = np.zeros((len(texts), 16), dtype=np.float32)  # each text's own mean, as the rows were once taken
    for i, text in enumerate(texts):
        ids = phrases._tokenizer.encode(text, add_special_tokens=False).ids
        if ids:
            means[i] = phrases._table[ids].astype(np.float32).mean(axis=0)
    want = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    assert np.array_equal(phrases.embed(texts), want) and not want[1].any()


def test_the_test_embedder_embeds_phrases_itself():
    from qa.index.embedding import HashEmbedder, phrase_embedder

    fake = HashEmbedder(32)
    assert phrase_embedder(fake) is fake
