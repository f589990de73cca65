"""Shared fixtures: the bundled corpus, the evaluation data in ../shared, a seed index built with the fast
hash embedder, and an embedder that counts what it is asked to embed."""

import os
from pathlib import Path

import numpy as np
import pytest

from qa.index.embedding import HashEmbedder
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QA_SHARED") or ROOT.parent / "shared")  # never copied into the repository


class CountingEmbedder(HashEmbedder):
    """The hash test embedder, recording every batch it embeds."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.batches: list[list[str]] = []

    def embed(self, texts, progress=None):
        self.batches.append(list(texts))
        return super().embed(texts, progress)

    @property
    def n_texts(self) -> int:
        return sum(len(b) for b in self.batches)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return ROOT / "corpus"


@pytest.fixture(scope="session")
def hash_settings() -> Settings:
    """Settings for the fast deterministic test embedder (no model download, no torch)."""
    return Settings(model="hash-64")


@pytest.fixture(scope="session")
def shared() -> Path:
    """The evaluation data folder (../shared, or $QA_SHARED)."""
    if not (SHARED / "datasets").is_dir():
        pytest.skip(f"evaluation data not found at {SHARED}; set QA_SHARED to the shared folder")
    return SHARED


@pytest.fixture(scope="session")
def rtqa_corpus(shared) -> Path:
    return shared / "datasets" / "realtimeqa-dev" / "corpus.jsonl"


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, corpus_dir, hash_settings) -> Path:
    """An index of corpus/ built once with the hash embedder. Treat it as read-only."""
    from qa.api import build_index

    path = tmp_path_factory.mktemp("seed") / "index"
    build_index([corpus_dir], path, hash_settings, progress=False)
    return path


@pytest.fixture(scope="session")
def real_seed_index(tmp_path_factory, corpus_dir):
    """corpus/ indexed once with the real embedding model, loaded (tests marked `model`). Read-only."""
    from qa.api import build_index
    from qa.index.loaded import load_index

    path = tmp_path_factory.mktemp("seed-real") / "index"
    build_index([corpus_dir], path, Settings(), progress=False)
    return load_index(path)


@pytest.fixture
def counting_embedder() -> CountingEmbedder:
    return CountingEmbedder(64)


def written_files_hold_no_pickle(folder: Path) -> list[str]:
    """Every file under the folder, checked: Parquet, JSON, NumPy without objects, FAISS, Milvus Lite's LOCK."""
    names = []
    for p in sorted(x for x in folder.rglob("*") if x.is_file()):
        head = p.read_bytes()[:8]
        assert not (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")), f"{p} is a pickle"
        assert p.suffix in (".json", ".prev", ".parquet", ".idx") or p.name == "LOCK", p
        if p.suffix == ".idx" and head.startswith(b"\x93NUMPY"):
            np.load(p, allow_pickle=False)  # raises if it needed pickle
        names.append(p.name)
    return names
