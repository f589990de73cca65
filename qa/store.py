"""The index on disk: a folder of plain, versioned, checksummed files, written atomically.

    manifest.json    format version, model, dimension, tokenizer, chunk settings, fingerprint, checksums
    articles.jsonl   one article per line (id, metadata, full text)
    chunks.jsonl     one chunk per line (doc_id, start, end, n_tokens, text)
    vectors.npy      float32 [n_chunks, dim], normalised (no pickle)
    vectors.faiss    the FAISS index over those vectors
    bm25/            the bm25s keyword index
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from .records import Article, Chunk

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class StoredIndex:
    """Everything read back from an index folder."""

    path: Path
    manifest: dict
    articles: dict[str, Article]
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray
    vector_index: object  # a FAISS index
    keyword_index: object  # a KeywordIndex


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_index(path: Path, manifest: dict, articles: list[Article], chunks: list[Chunk],
                vectors: np.ndarray, vector_index, keyword_index) -> None:
    """Write all files into a temporary folder beside `path`, then swap it in."""
    import faiss

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    with open(tmp / "articles.jsonl", "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(asdict(a), ensure_ascii=False) + "\n")
    with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
    np.save(tmp / "vectors.npy", vectors.astype(np.float32), allow_pickle=False)
    faiss.write_index(vector_index, str(tmp / "vectors.faiss"))
    keyword_index.save(tmp / "bm25")
    full = {**manifest, "format_version": FORMAT_VERSION, "n_articles": len(articles), "n_chunks": len(chunks),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "checksums": {str(p.relative_to(tmp)): sha256_file(p) for p in _files(tmp)}}
    with open(tmp / MANIFEST, "w", encoding="utf-8") as f:
        json.dump(full, f, indent=2, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    _swap(tmp, path)


def _swap(tmp: Path, path: Path) -> None:
    old = path.parent / f".{path.name}.old-{os.getpid()}"
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(path: Path) -> dict:
    path = Path(path)
    file = path / MANIFEST
    for _ in range(20):  # a writer may be between its two renames
        if file.exists():
            break
        time.sleep(0.05)
    else:
        raise IndexNotFoundError(f"no index at {path} (no {MANIFEST}); build one with "
                                 f"`python -m qa ingest PATH... --index {path}`")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IndexCorruptError(f"{file} is damaged ({e}); rebuild the index with `python -m qa ingest`") from e


def check_manifest(manifest: dict, expected: dict, path: Path) -> None:
    """Raise IndexMismatchError naming each setting that differs from what is expected."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {path} has format version {manifest.get('format_version')!r}, this program reads "
            f"version {FORMAT_VERSION}; rebuild it: `python -m qa ingest --rebuild PATH... --index {path}`")
    diffs = [f"{k}: index has {manifest.get(k)!r}, settings ask for {v!r}"
             for k, v in expected.items() if manifest.get(k) != v]
    if diffs:
        raise IndexMismatchError(f"index at {path} was built with other settings ({'; '.join(diffs)}); "
                                 f"rebuild it: `python -m qa ingest --rebuild PATH... --index {path}`")


def verify_checksums(path: Path, manifest: dict) -> None:
    for name, digest in manifest.get("checksums", {}).items():
        file = path / name
        if not file.exists() or sha256_file(file) != digest:
            what = "missing" if not file.exists() else "damaged (checksum differs)"
            raise IndexCorruptError(f"index file {file} is {what}; rebuild the index with "
                                    f"`python -m qa ingest --rebuild PATH... --index {path}`")


def read_index(path: Path, expected: dict, verify: bool = True) -> StoredIndex:
    """Load an index folder, checking its version, settings and checksums."""
    import faiss

    from .keyword import KeywordIndex

    path = Path(path)
    manifest = read_manifest(path)
    check_manifest(manifest, expected, path)
    if verify:
        verify_checksums(path, manifest)
    try:
        articles = {a.doc_id: a for a in (Article(**r) for r in _jsonl(path / "articles.jsonl"))}
        chunks = tuple(Chunk(**r) for r in _jsonl(path / "chunks.jsonl"))
        vectors = np.load(path / "vectors.npy", allow_pickle=False)
        vector_index = faiss.read_index(str(path / "vectors.faiss"))
        keyword_index = KeywordIndex.load(path / "bm25")
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        raise IndexCorruptError(f"index at {path} cannot be read ({e}); rebuild it with `python -m qa ingest`") from e
    if not (len(chunks) == len(vectors) == vector_index.ntotal == keyword_index.size):
        raise IndexCorruptError(f"index at {path} is inconsistent ({len(chunks)} chunks, {len(vectors)} vectors, "
                                f"{vector_index.ntotal} in FAISS); rebuild it with `python -m qa ingest`")
    return StoredIndex(path, manifest, articles, chunks, vectors, vector_index, keyword_index)


def _jsonl(file: Path) -> Iterator[dict]:
    with open(file, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


@contextmanager
def write_lock(path: Path):
    """Hold an exclusive lock on the index folder for writing; a second writer gets a clear error."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.parent / f".{path.name}.lock"
    with open(lock, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(f"another process is writing the index at {path}; wait for it to finish "
                                   "and try again") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
