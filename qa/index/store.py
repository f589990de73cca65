"""The index on disk: a folder of plain, versioned, checksummed files, written atomically.

manifest.json    format version, model, dimension, tokenizer, chunk settings, fingerprint, checksums
articles.jsonl   one article per line (id, metadata, full text)
chunks.jsonl     one chunk per line (doc_id, start, end, n_tokens, text)
vectors.npy      float32 [n_chunks, dim], normalised (no pickle)
vectors.faiss    the FAISS index over those vectors
bm25/            the bm25s keyword index
stories.jsonl    one story per line: the articles that tell the same news, and why (qa/index/stories.py)
fingerprints.jsonl  one article per line: what stories were grouped by, so ingest can add articles
                 to them without fingerprinting the corpus again
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError, QAError, rebuild_hint
from qa.index.keyword import KeywordIndex
from qa.index.stories import Fingerprint, Grouping, fingerprint_from_row, fingerprint_row
from qa.records import Article, Chunk, Story

FORMAT_VERSION = 2  # 2: stories.jsonl and fingerprints.jsonl
MANIFEST = "manifest.json"
INDEX_FILES = (
    "articles.jsonl",
    "chunks.jsonl",
    "vectors.npy",
    "vectors.faiss",
    "bm25",
    "stories.jsonl",
    "fingerprints.jsonl",
)


@dataclass(frozen=True)
class StoredIndex:
    """Everything read back from an index folder."""

    path: Path
    manifest: dict
    articles: dict[str, Article]
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray
    vector_index: object  # a FAISS index
    keyword_index: KeywordIndex
    stories: tuple[Story, ...] = ()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_index(index: StoredIndex, prints: Mapping[str, Fingerprint]) -> None:
    """Write all files into a temporary folder beside `index.path`, flush them to disk, then swap it in.
    `prints` are the stories' fingerprints of every article (fingerprints.jsonl). Call with
    `write_lock(index.path)` held."""
    path = Path(index.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        _write_files(tmp, index, prints)
        _swap(tmp, path)
        _fsync(path.parent)
    except (OSError, RuntimeError) as e:  # RuntimeError: FAISS reports failed writes this way
        shutil.rmtree(tmp, ignore_errors=True)
        raise QAError(
            f"could not write the index at {path} ({getattr(e, 'strerror', None) or e}); the previous "
            "index is unchanged. Free some disk space or give --index a folder you can write to"
        ) from e


def _write_files(tmp: Path, index: StoredIndex, prints: Mapping[str, Fingerprint]) -> None:
    import faiss

    articles, chunks, vectors = list(index.articles.values()), index.chunks, index.vectors
    _write_jsonl(tmp / "articles.jsonl", (asdict(a) for a in articles))
    _write_jsonl(tmp / "chunks.jsonl", (asdict(c) for c in chunks))
    _write_jsonl(
        tmp / "stories.jsonl", ({"story": s.story_id, "doc_ids": s.doc_ids, "why": s.why} for s in index.stories)
    )
    _write_jsonl(tmp / "fingerprints.jsonl", (fingerprint_row(prints[a.doc_id]) for a in articles))
    np.save(tmp / "vectors.npy", vectors.astype(np.float32), allow_pickle=False)
    faiss.write_index(index.vector_index, str(tmp / "vectors.faiss"))
    index.keyword_index.save(tmp / "bm25")
    full = {
        **index.manifest,
        "format_version": FORMAT_VERSION,
        "n_articles": len(articles),
        "n_chunks": len(chunks),
        "n_stories": sum(len(s.doc_ids) > 1 for s in index.stories),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "checksums": {str(p.relative_to(tmp)): sha256_file(p) for p in _files(tmp)},
    }
    with open(tmp / MANIFEST, "w", encoding="utf-8") as f:
        json.dump(full, f, indent=2, ensure_ascii=False)
    for p in [*_files(tmp), tmp / MANIFEST, *(d for d in tmp.rglob("*") if d.is_dir()), tmp]:
        _fsync(p)  # on disk before the swap, so a power cut cannot swap in half-written files


def _write_jsonl(file: Path, rows) -> None:
    with open(file, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap(tmp: Path, path: Path) -> None:
    """Put the folder `tmp` in place of `path`. On Linux one atomic exchange, so a reader sees the old
    index or the new one; elsewhere two renames, with `recover()` undoing a crash between them."""
    if path.exists() and _exchange(tmp, path):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous index
        return
    old = path.parent / f".{path.name}.old-{os.getpid()}"
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two folders (Linux renameat2 RENAME_EXCHANGE). False where unsupported."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EXDEV, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _leftovers(path: Path) -> list[Path]:
    """Temporary folders a killed writer left beside `path`, newest first."""
    found = [*path.parent.glob(f".{path.name}.tmp-*"), *path.parent.glob(f".{path.name}.old-*")]
    return sorted((p for p in found if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)


def recover(path: Path) -> None:
    """Call with the write lock held. If a writer died between its two renames, put the previous index
    back; then delete the temporary folders killed writers left behind."""
    path = Path(path)
    if not (path / MANIFEST).exists() and not (path.exists() and any(path.iterdir())):
        previous = [p for p in _leftovers(path) if ".old-" in p.name and (p / MANIFEST).exists()]
        if previous:
            if path.exists():
                path.rmdir()
            os.replace(previous[0], path)
    for p in _leftovers(path):
        shutil.rmtree(p, ignore_errors=True)


def check_index_folder(path: Path) -> None:
    """Refuse to write an index over a folder that holds something else (it would be replaced)."""
    path = Path(path)
    if path.is_file() or (
        path.is_dir() and any(path.iterdir()) and not any((path / n).exists() for n in (MANIFEST, *INDEX_FILES))
    ):
        raise QAError(
            f"{path} is not an index folder and is not empty; give --index a new or empty folder "
            "(writing the index there would replace what it holds)"
        )


def read_manifest(path: Path) -> dict:
    path = Path(path)
    file = path / MANIFEST
    if not file.exists() and any(".old-" in p.name for p in _leftovers(path)):
        for _ in range(20):  # a writer may be between its two renames (where renameat2 is missing)
            time.sleep(0.05)
            if file.exists():
                break
        else:
            _try_recover(path)  # or it died there
    if not file.exists():
        raise IndexNotFoundError(
            f"no index at {path} (no {MANIFEST}); build one with `python -m qa ingest PATH... --index {path}`"
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"{file} is damaged ({e}); " + rebuild_hint(path)) from e
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"{file} is damaged (not a JSON object); " + rebuild_hint(path))
    return manifest


def _try_recover(path: Path) -> None:
    """Restore the previous index left by a writer killed mid-swap, unless a writer is at work."""
    try:
        with write_lock(path):
            pass  # write_lock recovers on entry
    except IndexLockedError:
        pass  # the writer holding the lock will finish the swap


def check_manifest(manifest: dict, expected: dict, path: Path) -> None:
    """Raise IndexMismatchError naming each setting that differs from what is expected."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {path} has format version {manifest.get('format_version')!r}, this program reads "
            f"version {FORMAT_VERSION}; " + rebuild_hint(path)
        )
    diffs = [
        f"{k}: index has {manifest.get(k)!r}, settings ask for {v!r}"
        for k, v in expected.items()
        if manifest.get(k) != v
    ]
    if diffs:
        raise IndexMismatchError(
            f"index at {path} was built with other settings ({'; '.join(diffs)}); " + rebuild_hint(path)
        )


def verify_checksums(path: Path, manifest: dict) -> None:
    """Raise IndexCorruptError unless every file listed in the manifest is there with its sha256."""
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or not checksums:
        raise IndexCorruptError(f"index at {path} has no file checksums in its {MANIFEST}; " + rebuild_hint(path))
    for name, digest in checksums.items():
        file = path / name
        if not file.exists() or sha256_file(file) != digest:
            what = "missing" if not file.exists() else "damaged (checksum differs)"
            raise IndexCorruptError(f"index file {file} is {what}; " + rebuild_hint(path))


def read_index(path: Path, expected: dict, verify: bool = True) -> StoredIndex:
    """Load an index folder, checking its version, settings and checksums."""
    import faiss

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
        stories = tuple(Story(r["story"], tuple(r["doc_ids"]), tuple(r["why"])) for r in _jsonl(path / "stories.jsonl"))
    except (OSError, ValueError, TypeError, RuntimeError, KeyError, IndexError, AttributeError) as e:
        raise IndexCorruptError(
            f"index at {path} cannot be read ({type(e).__name__}: {e}); " + rebuild_hint(path)
        ) from e
    if not (len(chunks) == len(vectors) == vector_index.ntotal == keyword_index.size):
        raise IndexCorruptError(
            f"index at {path} is inconsistent ({len(chunks)} chunks, {len(vectors)} vectors, "
            f"{vector_index.ntotal} in FAISS); " + rebuild_hint(path)
        )
    return StoredIndex(path, manifest, articles, chunks, vectors, vector_index, keyword_index, stories)


def read_grouping(path: Path, stories: tuple[Story, ...]):
    """The stories of an index with the fingerprints they were grouped by (for adding articles), or None
    when they cannot be read (the caller then groups the corpus afresh)."""

    try:
        prints = {r["doc_id"]: fingerprint_from_row(r) for r in _jsonl(Path(path) / "fingerprints.jsonl")}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return Grouping(stories, prints)


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
    lock = path.parent / f".{path.name}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(lock, "w")
    except OSError as e:
        raise QAError(
            f"cannot write beside the index at {path} ({e.strerror or e}); give --index a folder you can write to"
        ) from e
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"another process is writing the index at {path} (it holds {lock}); wait for it to finish and try again"
            ) from None
        try:
            recover(path)
            check_index_folder(path)
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
