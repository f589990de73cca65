"""Build and update an index: read → chunk → embed (only what is new) → FAISS + BM25 → save."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexNotFoundError, QAError
from qa.index import embedding
from qa.index.embedding import Embedder
from qa.index.keyword import KeywordIndex
from qa.index.layout import write_lock
from qa.index.parses import build_parses
from qa.index.parses import plan as parse_plan
from qa.index.store import FORMAT_VERSION, StoredIndex, read_grouping, read_index, write_index
from qa.index.stories import group_stories, rules
from qa.index.vectors import build_vector_index
from qa.ingest.chunking import chunk_article
from qa.ingest.readers import Problem, ReadResult, read_paths
from qa.records import Article, Chunk
from qa.settings import Settings
from qa.text.boilerplate import strip_boilerplate
from qa.text.parsed import parser_key
from qa.text.tokens import token_counter


@dataclass(frozen=True)
class IngestReport:
    n_articles: int  # in the index after the run
    n_chunks: int
    added: int
    updated: int
    unchanged: int
    embedded: int  # chunks embedded in this run (the rest were reused)
    problems: tuple[Problem, ...]


def search_text(article: Article, chunk: Chunk) -> str:
    """What is embedded and keyword-indexed for a chunk: the title, then the chunk without page furniture."""
    body = strip_boilerplate(chunk.text)
    return f"{article.title}\n{body}" if article.title else body


def text_key(article: Article) -> str:
    meta = "\x1f".join((article.title, article.url, article.source, article.published))
    return hashlib.sha1((meta + "\x1e" + article.text).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(articles: Iterable[Article]) -> str:
    """A digest of the articles' ids, metadata and text; any change to the corpus changes it."""
    h = hashlib.sha256()
    for a in sorted(articles, key=lambda a: a.doc_id):
        h.update(a.doc_id.encode("utf-8", "surrogatepass") + b"\x1d" + text_key(a).encode())
    return h.hexdigest()


def _previous(index_dir: Path, settings: Settings, rebuild: bool, target=None):
    """The existing compatible index, or None (missing, rebuilding, or built otherwise)."""

    if rebuild:
        return None
    if target is not None:
        from qa.index import milvus_build, milvus_store

        return milvus_build.read_previous(target, settings) if milvus_store.has_index(target) else None
    try:
        return read_index(index_dir, expected=settings.index_key())
    except IndexNotFoundError:
        return None
    except QAError:
        if any(Path(index_dir).iterdir()):
            raise
        return None


def update_index(
    paths: Sequence[str | os.PathLike],
    index_dir: str | os.PathLike,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    replace: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    target=None,
) -> IngestReport:
    """Add the articles under `paths` to the index at `index_dir` (creating it). With `replace`, the
    index holds exactly these articles. Chunks already embedded are reused, never re-embedded.
    `target` (a milvus_store.MilvusTarget) writes the index into Milvus instead of the folder."""

    settings = settings or Settings()
    read = read_paths(paths)
    if not paths:
        read = ReadResult((), (Problem("", 0, "no files or folders were given; name the articles to import"),))
    with _lock(index_dir, target) as locked:
        if target is None:
            index_dir = locked  # the real folder, symlinks followed
        old = _previous(index_dir, settings, rebuild, target)
        if not read.articles:  # never replace an index with an empty one because every input was bad
            return IngestReport(
                len(old.articles) if old else 0, len(old.chunks) if old else 0, 0, 0, 0, 0, read.problems
            )
        old_articles = dict(old.articles) if old else {}
        merged, same, (added, updated, unchanged) = merge_articles(old, read.articles, replace)
        if replace and old:  # articles whose file could not be read this time are kept as they were
            for d in kept_unreadable(old_articles, merged, read.unreadable):
                merged[d] = old_articles[d]
                same.add(d)
        upgrade = bool(old) and (
            old.manifest.get("format_version") != FORMAT_VERSION or (target is None and not _parses_current(old))
        )
        if old and not (added or updated or upgrade) and len(merged) == len(old_articles) and _same_story_rules(old):
            return IngestReport(len(merged), len(old.chunks), 0, 0, unchanged, 0, read.problems)
        chunks, vectors, embedded = _chunk_and_embed(list(merged.values()), old, same, settings, embedder, progress)
        grouping = _stories(merged, old, same)
        parses = None
        if target is None:  # a Milvus index parses what questions read (not stored there)
            parses = build_parses(list(merged.values()), chunks, getattr(old, "parses", None), same, progress)
        _save(index_dir, settings, embedder, list(merged.values()), chunks, vectors, paths, grouping, target, parses)
    return IngestReport(len(merged), len(chunks), added, updated, unchanged, embedded, read.problems)


def kept_unreadable(old: dict[str, Article], merged: dict[str, Article], unreadable: Sequence[str]) -> list[str]:
    """The old articles, missing from `merged`, that were read from a file or folder that could not be
    read this time: an unreadable path must never remove articles."""
    if not unreadable:
        return []
    roots = [Path(u).resolve() for u in unreadable]
    return [
        d
        for d, a in old.items()
        if d not in merged and a.path and any(Path(a.path).resolve().is_relative_to(r) for r in roots)
    ]


def _parses_current(old) -> bool:
    """The old index holds parses by the parser this program uses (else the next write parses again), of
    what this program parses (else the next write parses what is missing)."""
    parses = getattr(old, "parses", None)
    return parses is not None and parses.key == parser_key() and parses.plan == parse_plan()


def _same_story_rules(old) -> bool:
    return old.manifest.get("stories") == rules()


def _stories(merged: dict[str, Article], old, same: set[str]):
    """The articles grouped into stories; unchanged articles keep their stories and stored fingerprints."""

    previous = None
    if old and _same_story_rules(old):
        previous = getattr(old, "grouping", None) or read_grouping(old)  # Milvus: read with the index
    if previous is not None:
        previous = previous.keep(d for d in merged if d in same)
    return group_stories(merged.values(), previous)


def _chunk_and_embed(
    articles: list[Article], old, same: set[str], settings: Settings, embedder: Embedder | None, progress: bool
):
    count = token_counter(settings.tokenizer)
    old_rows: dict[str, list[int]] = {}
    if old:
        for i, c in enumerate(old.chunks):
            old_rows.setdefault(c.doc_id, []).append(i)
    chunks: list[Chunk] = []
    rows: list[int] = []  # old vector row, or -1 to embed
    texts: list[str] = []
    for a in articles:
        if a.doc_id in same:  # unchanged: its chunks and vectors are reused
            for i in old_rows.get(a.doc_id, []):
                chunks.append(old.chunks[i])
                rows.append(i)
            continue
        for c in chunk_article(a, count, settings.chunk_tokens, settings.chunk_overlap):
            chunks.append(c)
            rows.append(-1)
            texts.append(search_text(a, c))
    embedder = embedder or embedding.make_embedder(settings)
    fresh = _embed(embedder, texts, progress)
    dim = old.vectors.shape[1] if old and not texts else embedder.dim  # nothing new: the model need not load
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    it = iter(range(len(texts)))
    for j, r in enumerate(rows):
        vectors[j] = old.vectors[r] if r >= 0 else fresh[next(it)]
    return chunks, vectors, len(texts)


def _embed(embedder: Embedder, texts: list[str], progress: bool) -> np.ndarray:
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    if not progress:
        return embedder.embed(texts)
    from tqdm import tqdm

    with tqdm(total=len(texts), desc="Embedding chunks", unit="chunk") as bar:
        return embedder.embed(texts, progress=bar.update)


def _lock(index_dir: Path, target):
    if target is None:
        return write_lock(index_dir)
    from qa.index.milvus_build import milvus_lock

    return milvus_lock(target)


def _save(
    index_dir: Path,
    settings: Settings,
    embedder: Embedder | None,
    articles,
    chunks,
    vectors,
    paths,
    grouping,
    target,
    parses=None,
) -> None:
    by_id = {a.doc_id: a for a in articles}
    texts = [search_text(by_id[c.doc_id], c) for c in chunks]
    manifest = {
        **settings.index_key(),
        "dim": int(vectors.shape[1]) if len(vectors) else int(embedder.dim),
        "corpus_fingerprint": fingerprint(articles),
        "sources": [str(Path(p).resolve()) for p in paths],
        "stories": rules(),
    }
    if target is not None:
        from qa.index.milvus_build import save_generation

        save_generation(target, by_id, chunks, vectors, texts, grouping, manifest)
        return
    keyword = KeywordIndex.build(texts)
    stored = StoredIndex(
        index_dir,
        manifest,
        by_id,
        tuple(chunks),
        vectors,
        build_vector_index(vectors),
        keyword,
        grouping.stories,
        parses=parses,
    )
    write_index(stored, grouping.prints)


def merge_articles(old, articles: Sequence[Article], replace: bool):
    """The articles the index will hold (`old`'s and `articles`, or `articles` alone when replacing), the
    ones among them `old` holds unchanged, and (added, updated, unchanged)."""
    old_keys = {d: text_key(a) for d, a in old.articles.items()} if old else {}
    merged: dict[str, Article] = {} if replace or not old else dict(old.articles)
    same = set() if replace or not old else set(old.articles)
    added = updated = unchanged = 0
    for a in articles:
        if a.doc_id not in old_keys:
            added += 1
        elif old_keys[a.doc_id] != text_key(a):
            updated += 1
            same.discard(a.doc_id)
        else:
            unchanged += 1
            same.add(a.doc_id)
        merged[a.doc_id] = a
    return merged, same, (added, updated, unchanged)
