"""Writing a Milvus index: a whole generation from the ingest's articles, chunks and vectors, and the
previous generation read back for an update (its vectors are reused, never re-embedded)."""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexLockedError, QAError
from qa.index.layout import lock_file
from qa.index.milvus_index import MilvusIndex
from qa.index.milvus_rows import article_rows, chunk_rows
from qa.index.milvus_store import LITE_FILE, MilvusTarget, begin_generation, iterate
from qa.index.store import FORMAT_VERSION
from qa.index.stories import Fingerprint, Grouping, fingerprint_from_row
from qa.records import Article, Chunk, Story

ARTICLES_PER_WRITE = 64


@contextmanager
def milvus_lock(target: MilvusTarget):
    """One writer at a time. Milvus Lite: a lock file beside the index folder (as for an index folder);
    a server: the engine's `building` record says a run is under way (resumed by the same ingest)."""
    if not target.lite:
        yield
        return
    folder = Path(target.folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.exists() and any(folder.iterdir()) and not (folder / LITE_FILE).exists():
        raise QAError(
            f"{folder} is not a Milvus index folder and is not empty; give --index a new or empty folder "
            "(an index folder is moved into Milvus with `python -m qa migrate`)"
        )
    with open(lock_file(folder), "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"another process is writing the Milvus index at {folder}; wait for it to finish and try again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Previous:
    """A Milvus index read back whole, shaped like StoredIndex where update_index reads it."""

    path: str
    manifest: dict
    articles: dict[str, Article]
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray
    stories: tuple[Story, ...]
    grouping: Grouping


def read_previous(target: MilvusTarget, settings) -> Previous:
    """Everything of the current generation: articles, chunks in row order, their vectors, stories and
    the stories' fingerprints (a full copy in memory, as reading an index folder makes)."""
    index = MilvusIndex(target, settings, embedder=_NoEmbedder())
    articles = dict(index.articles.items())
    rows = sorted(
        iterate(
            index.client, index.chunks_name, "row >= 0", ["row", "doc_id", "start", "end", "n_tokens", "text", "dense"]
        ),
        key=lambda r: r["row"],
    )
    chunks = tuple(Chunk(r["doc_id"], r["start"], r["end"], r["text"], r["n_tokens"]) for r in rows)
    vectors = np.array([r["dense"] for r in rows], dtype=np.float32).reshape(len(rows), int(index.manifest["dim"]))
    prints = _prints(index)
    stories = _stories(index)
    return Previous(index.path, index.manifest, articles, chunks, vectors, stories, Grouping(stories, prints))


def _prints(index: MilvusIndex) -> dict[str, Fingerprint]:
    parts: dict[str, list[tuple[int, str]]] = {}
    for r in iterate(index.client, index.articles_name, "doc >= 0", ["doc", "part", "print"]):
        parts.setdefault(index.doc_ids[int(r["doc"])], []).append((r["part"], r["print"]))
    out = {}
    for doc_id, ps in parts.items():
        text = "".join(p for _, p in sorted(ps))
        if text:
            out[doc_id] = fingerprint_from_row(json.loads(text))
    return out


def _stories(index: MilvusIndex) -> tuple[Story, ...]:
    found = iterate(index.client, index.meta_name, 'key like "story:%"', ["key", "value"])
    return tuple(
        Story(r["key"][len("story:") :], tuple(v["doc_ids"]), tuple(v["why"]))
        for r in found
        for v in [json.loads(r["value"])]
    )


class _NoEmbedder:
    """Reading an index back for an update embeds no question."""

    name, dim = "none", 0


def save_generation(
    target: MilvusTarget,
    articles: Mapping[str, Article],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    texts: Sequence[str],
    grouping: Grouping,
    manifest: dict,
) -> dict:
    """Write a whole new generation and switch readers to it (returns its manifest). `texts` are the chunks' search texts
    (what was embedded). Articles are numbered in chunk-table order, as `Index.doc_ids` numbers them."""
    dim = int(vectors.shape[1]) if len(vectors) else int(manifest["dim"])
    plan = {"fingerprint": manifest.get("corpus_fingerprint")}
    writer, _ = begin_generation(target, dim, plan, resume=False, expected_chunks=len(chunks))
    rows_of: dict[str, list[int]] = {}
    for row, c in enumerate(chunks):
        rows_of.setdefault(c.doc_id, []).append(row)
    order = list(rows_of) + [d for d in articles if d not in rows_of]
    story_of = {d: s.story_id for s in grouping.stories for d in s.doc_ids}
    pending_chunks: list[dict] = []
    pending_articles: list[dict] = []
    for doc, doc_id in enumerate(order):
        rows = rows_of.get(doc_id, [])
        a = articles[doc_id]
        pending_chunks += chunk_rows(a, doc, [chunks[r] for r in rows], rows, vectors[rows], [texts[r] for r in rows])
        lead = min(rows, key=lambda r: chunks[r].start) if rows else -1
        pending_articles += article_rows(
            a, doc, story_of.get(doc_id, f"story-{doc_id}"), lead, grouping.prints.get(doc_id)
        )
        if (doc + 1) % ARTICLES_PER_WRITE == 0:
            writer.write(pending_chunks, pending_articles)
            pending_chunks, pending_articles = [], []
    writer.write(pending_chunks, pending_articles)
    full = full_manifest(manifest, len(articles), len(chunks), grouping.stories, writer.gen)
    writer.commit(full, grouping.stories)
    return full


def full_manifest(manifest: dict, n_articles: int, n_chunks: int, stories, gen: int) -> dict:
    from qa.index.milvus_store import dense_index

    return {
        **manifest,
        "dense_index": dense_index(n_chunks),  # how the generation was created (searched with its nprobe)
        "store": "milvus",
        "generation": gen,
        "format_version": FORMAT_VERSION,
        "n_articles": n_articles,
        "n_chunks": n_chunks,
        "n_stories": sum(len(s.doc_ids) > 1 for s in stories),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
