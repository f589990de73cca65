"""One generation of an index on disk: a folder of plain, versioned, checksummed files (where the
generations live and how one is swapped in: qa/index/layout.py).

manifest.json    format version, model, dimension, tokenizer, chunk settings, fingerprint, checksums
articles.jsonl   one article per line (id, metadata, full text)
chunks.jsonl     one chunk per line (doc_id, start, end, n_tokens, text)
vectors.npy      float32 [n_chunks, dim], normalised (no pickle)
vectors.faiss    the FAISS index over those vectors
bm25/            the bm25s keyword index
stories.jsonl    one story per line: the articles that tell the same news, and why (qa/index/stories.py)
fingerprints.jsonl  one article per line: what stories were grouped by, so ingest can add articles
                 to them without fingerprinting the corpus again
parses.npz       spaCy parses of every headline and first two chunks (qa/index/parses.py; optional: an index
                 without it, or made by another parser, is parsed as questions read it)
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from zipfile import BadZipFile

import numpy as np

from qa.errors import IndexCorruptError, IndexMismatchError, QAError, rebuild_hint
from qa.index.keyword import KeywordIndex
from qa.index.layout import MANIFEST, current_name, fsync, index_folder, new_generation, publish, reading
from qa.index.parses import StoredParses, load_parses, save_parses
from qa.index.stories import Fingerprint, Grouping, fingerprint_from_row, fingerprint_row
from qa.index.validate import check_structure
from qa.records import Article, Chunk, Story

FORMAT_VERSION = 3  # 3: generation folders and a CURRENT pointer (qa/index/layout.py); 2: flat, read as it is
FLAT_VERSION = 2  # 2: stories.jsonl and fingerprints.jsonl


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
    folder: Path | None = None  # where the files are: the generation read (None: not read from disk)
    parses: StoredParses | None = None  # headlines and first two chunks parsed at ingest


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_index(index: StoredIndex, prints: Mapping[str, Fingerprint]) -> None:
    """Write all files into a new generation folder of `index.path`, flush them to disk, then make it the
    current one. `prints` are the stories' fingerprints of every article (fingerprints.jsonl). Call with
    `write_lock(index.path)` held."""
    path = Path(index.path)
    gen = None
    try:
        gen = new_generation(path)
        _write_files(gen, index, prints)
        publish(path, gen)
    except (OSError, RuntimeError) as e:  # RuntimeError: FAISS reports failed writes this way
        if gen is not None and current_name(path) != gen.name:
            shutil.rmtree(gen, ignore_errors=True)  # never swapped in
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
    if index.parses is not None:
        save_parses(tmp, index.parses)
    full = {
        **index.manifest,
        "parses": index.parses.key if index.parses is not None else None,
        "parse_plan": index.parses.plan if index.parses is not None else None,
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
        fsync(p)  # on disk before the swap, so a power cut cannot swap in half-written files


def _write_jsonl(file: Path, rows) -> None:
    with open(file, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_manifest(path: str | Path) -> dict:
    """The manifest of the current index at `path` (IndexNotFoundError when there is none)."""
    with reading(path) as folder:
        return _manifest(folder, index_folder(path))


def _manifest(folder: Path, path: Path) -> dict:
    file = folder / MANIFEST
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"{file} is damaged ({e}); " + rebuild_hint(path)) from e
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"{file} is damaged (not a JSON object); " + rebuild_hint(path))
    return manifest


def check_manifest(manifest: dict, expected: dict, path: Path, flat: bool = False) -> None:
    """Raise IndexMismatchError naming each setting that differs from what is expected. `flat`: the
    manifest is at the top of the index folder (format 2), not in a generation."""
    version = FLAT_VERSION if flat else FORMAT_VERSION
    if manifest.get("format_version") != version:
        raise IndexMismatchError(
            f"index at {path} has format version {manifest.get('format_version')!r}, this program reads "
            f"version {FORMAT_VERSION} (and {FLAT_VERSION}, in the older flat folder); " + rebuild_hint(path)
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


def verify_checksums(folder: Path, manifest: dict, path: Path) -> None:
    """Raise IndexCorruptError unless every file listed in the manifest is there with its sha256."""
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or not checksums:
        raise IndexCorruptError(f"index at {path} has no file checksums in its {MANIFEST}; " + rebuild_hint(path))
    for name, digest in checksums.items():
        file = folder / name
        if not file.is_file() or sha256_file(file) != digest:
            what = "missing" if not file.is_file() else "damaged (checksum differs)"
            raise IndexCorruptError(f"index file {file} is {what}; " + rebuild_hint(path))


def read_index(path: str | Path, expected: dict | None = None, verify: bool = True) -> StoredIndex:
    """Load the current index at `path`, checking its version, the `expected` settings, every checksum
    and the structure (qa/index/validate.py). A writer swapping in a new index meanwhile does not disturb
    it: the generation read is held until it is loaded."""
    path = index_folder(path)
    with reading(path) as folder:
        manifest = _manifest(folder, path)
        check_manifest(manifest, expected or {}, path, flat=folder == path)
        if verify:
            verify_checksums(folder, manifest, path)
        stored = _read_files(path, folder, manifest)
    check_structure(stored, rebuild_hint(path))
    return stored


def _read_files(path: Path, folder: Path, manifest: dict) -> StoredIndex:
    import faiss

    try:
        articles = {a.doc_id: a for a in (Article(**r) for r in _jsonl(folder / "articles.jsonl"))}
        chunks = tuple(Chunk(**r) for r in _jsonl(folder / "chunks.jsonl"))
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        vector_index = faiss.read_index(str(folder / "vectors.faiss"))
        keyword_index = KeywordIndex.load(folder / "bm25")
        stories = tuple(
            Story(r["story"], tuple(r["doc_ids"]), tuple(r["why"])) for r in _jsonl(folder / "stories.jsonl")
        )
        parses = load_parses(folder, manifest.get("parses"), manifest.get("parse_plan") or "")
    except (OSError, ValueError, TypeError, RuntimeError, KeyError, IndexError, AttributeError, BadZipFile) as e:
        raise IndexCorruptError(
            f"index at {path} cannot be read ({type(e).__name__}: {e}); " + rebuild_hint(path)
        ) from e
    return StoredIndex(path, manifest, articles, chunks, vectors, vector_index, keyword_index, stories, folder, parses)


def read_grouping(stored: StoredIndex):
    """The stories of an index with the fingerprints they were grouped by (for adding articles), or None
    when they cannot be read (the caller then groups the corpus afresh). Call with the write lock held,
    so that the generation read is still there."""

    try:
        prints = {r["doc_id"]: fingerprint_from_row(r) for r in _jsonl(stored.folder / "fingerprints.jsonl")}
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return Grouping(stored.stories, prints)


def _jsonl(file: Path) -> Iterator[dict]:
    with open(file, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
