"""A loaded index: the stored files plus the embedder that queries them."""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.errors import IndexMismatchError, QAError, rebuild_hint
from qa.index import embedding
from qa.index.embedding import Embedder
from qa.index.layout import index_folder, stamp
from qa.index.milvus_store import find_target, read_state
from qa.index.search import Hits, KeywordHits, dense_rows, keyword_rows, restrict_rows
from qa.index.store import StoredIndex, read_index, read_manifest
from qa.records import Story
from qa.settings import DEFAULT_INDEX, INDEX_FIELDS, Settings
from qa.text.dates import day_number
from qa.text.tokens import truncate


class Index:
    """Read-only view of an index folder, with query embedding. Use `load_index()` to get one."""

    def __init__(self, stored: StoredIndex, settings: Settings, embedder: Embedder | None = None):
        self.stored = stored
        self.settings = settings
        self.embedder = embedder or embedding.make_embedder(settings)

    @property
    def path(self) -> Path:
        return self.stored.path

    @property
    def manifest(self) -> dict:
        return self.stored.manifest

    @property
    def articles(self):
        return self.stored.articles

    @property
    def chunks(self):
        return self.stored.chunks

    @property
    def vector_index(self):
        return self.stored.vector_index

    @property
    def keyword_index(self):
        return self.stored.keyword_index

    @property
    def parses(self):
        """Headlines and first two chunks parsed at ingest (qa/index/parses.py), or None."""
        return self.stored.parses

    @cached_property
    def phrases(self) -> Embedder:
        """Embeds answer candidates' words (qa/index/embedding.py phrase_embedder)."""
        return embedding.phrase_embedder(self.embedder)

    @cached_property
    def doc_of(self) -> list[str]:
        return [c.doc_id for c in self.chunks]

    @cached_property
    def doc_ids(self) -> list[str]:
        """The articles that have chunks, in chunk-table order; `doc_index` numbers chunks by this list."""
        return list(dict.fromkeys(self.doc_of))

    @cached_property
    def doc_index(self) -> np.ndarray:
        """For each chunk row, the number of its article in `doc_ids`."""
        number = {d: i for i, d in enumerate(self.doc_ids)}
        return np.fromiter((number[d] for d in self.doc_of), dtype=np.int64, count=len(self.doc_of))

    @cached_property
    def lead_rows(self) -> np.ndarray:
        """For each article in `doc_ids`, the row of its first chunk (its lead paragraph)."""
        lead = np.full(len(self.doc_ids), -1, dtype=np.int64)
        starts = np.full(len(self.doc_ids), np.iinfo(np.int64).max, dtype=np.int64)
        for row, (d, c) in enumerate(zip(self.doc_index, self.chunks, strict=True)):
            if c.start < starts[d]:
                starts[d], lead[d] = c.start, row
        return lead

    @cached_property
    def published_days(self) -> np.ndarray:
        """For each article in `doc_ids`, its publication day number (NaN when unknown)."""

        days = [day_number(self.articles[d].published) for d in self.doc_ids]
        return np.array([np.nan if x is None else x for x in days], dtype=np.float64)

    @cached_property
    def story_of(self) -> dict[str, Story]:
        """Each article's story; an article missing from stories.jsonl is a story of its own."""
        found = {d: s for s in self.stored.stories for d in s.doc_ids}
        return {d: found.get(d) or Story(f"story-{d}", (d,)) for d in self.articles}

    def embed_query(self, text: str) -> np.ndarray:
        text = truncate(text, self.settings.max_query_tokens, self.settings.tokenizer)
        vector = self.embedder.embed([text])
        dim = self.manifest.get("dim", self.stored.vectors.shape[1])
        if vector.shape != (1, dim):
            raise IndexMismatchError(
                f"the embedding model {getattr(self.embedder, 'name', '?')!r} gives vectors of {vector.shape[-1]} dimensions, but "
                f"the index at {self.path} holds vectors of {dim} (made with {self.manifest.get('model')!r}); "
                + rebuild_hint(self.path)
            )
        return vector

    # The search interface retrieval uses (qa/index/search.py); the Milvus store implements the same.
    store = "faiss"
    engine_filters = False  # filters arrive as chunk-row masks (qa/retrieve/filters.py select)

    @cached_property
    def newest_day(self) -> float | None:
        """The publication day of the newest article ("now" when a question gives no date)."""
        days = self.published_days
        return float(np.nanmax(days)) if np.isfinite(days).any() else None

    def restrict(self, allowed, as_of: int | None):
        return restrict_rows(self, allowed, as_of)

    def dense_search(self, vector: np.ndarray, k: int, allowed) -> Hits:
        return dense_rows(self, vector, k, allowed)

    def keyword_search(self, query: str, k_rows: int, k_docs: int, allowed) -> KeywordHits:
        return keyword_rows(self, query, k_rows, k_docs, allowed)

    def prefetch(self, ranked) -> None:
        """Nothing to fetch: everything is in memory (the Milvus index fetches a ranking's texts here)."""


def index_settings(index_dir: str | os.PathLike) -> Settings:
    """The settings the index at `index_dir` was built with (IndexNotFoundError when there is none)."""
    return settings_of(read_manifest(index_dir), index_dir)


def settings_of(manifest: dict, index_dir: str | os.PathLike) -> Settings:
    try:
        return Settings(**{k: manifest[k] for k in INDEX_FIELDS})
    except KeyError as e:
        raise QAError(f"index at {index_dir} has no {e} in its manifest; " + rebuild_hint(index_dir)) from e


def load_index(
    index_dir: str | os.PathLike = DEFAULT_INDEX, settings: Settings | None = None, embedder: Embedder | None = None
) -> Index:
    """Open the index at `index_dir`. Settings default to the ones it was built with; explicit settings
    must match them (a clear IndexMismatchError says what differs)."""
    target = find_target(index_dir)
    if target is not None:  # a Milvus index (qa/index/milvus_index.py): the same interface
        from qa.index.milvus_index import MilvusIndex

        return MilvusIndex(target, settings, embedder)
    stored = read_index(index_dir, settings.index_key() if settings else None)
    return Index(stored, settings or settings_of(stored.manifest, index_dir), embedder)


def same_model(a: Index, b: Index) -> bool:
    """Whether two loaded indexes query with one embedding model (so one loaded model serves both)."""
    return (a.settings.model, a.manifest.get("dim")) == (b.settings.model, b.manifest.get("dim"))


class IndexCache:
    """Loaded indexes by folder, so that each question does not load its index again. An index rebuilt
    on disk (a new generation swapped in) is loaded anew; the embedding model already in memory is kept
    when the new index was built with the same one, and replaced by the manifest's model otherwise."""

    def __init__(self) -> None:
        self._loaded: dict[Path | str, tuple[object, Index]] = {}
        self._lock = threading.Lock()

    def get(self, index_dir: str | os.PathLike) -> Index:
        target = find_target(index_dir)
        path = index_folder(index_dir) if target is None else target.uri + "#" + target.name
        with self._lock:
            # Milvus: the generation readers are pointed at; a folder: its current generation
            now = float(read_state(target)["current"]) if target is not None else stamp(path)
            hit = self._loaded.get(path)
            if hit and hit[0] == now:
                return hit[1]
            index = load_index(path if target is None else index_dir)
            if hit and same_model(hit[1], index):
                index.embedder = hit[1].embedder
            self._loaded[path] = (now, index)
            return index
