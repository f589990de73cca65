"""A loaded index: the stored files plus the embedder that queries them."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import QAError
from .records import Story
from .settings import Settings
from .store import StoredIndex, read_index


def make_embedder(settings: Settings):
    """The embedder named in the settings; `hash-N` is the deterministic test embedder."""
    from .embedding import HashEmbedder, SentenceTransformerEmbedder

    if settings.model.startswith("hash-"):
        return HashEmbedder(int(settings.model.split("-", 1)[1]))
    return SentenceTransformerEmbedder(settings.model, settings.batch_size)


class Index:
    """Read-only view of an index folder, with query embedding. Use `load_index()` to get one."""

    def __init__(self, stored: StoredIndex, settings: Settings, embedder=None):
        self.stored = stored
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)

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

    @cached_property
    def doc_of(self) -> list[str]:
        return [c.doc_id for c in self.chunks]

    @cached_property
    def story_of(self) -> dict[str, Story]:
        """Each article's story; an article missing from stories.jsonl is a story of its own."""
        found = {d: s for s in self.stored.stories for d in s.doc_ids}
        return {d: found.get(d) or Story(f"story-{d}", (d,)) for d in self.articles}

    def embed_query(self, text: str) -> np.ndarray:
        from .tokens import truncate

        text = truncate(text, self.settings.max_query_tokens, self.settings.tokenizer)
        return self.embedder.embed([text])


def load_index(index_dir: str | os.PathLike = "index", settings: Settings | None = None, embedder=None) -> Index:
    """Open the index at `index_dir`. Settings default to the ones it was built with; explicit settings
    must match them (a clear IndexMismatchError says what differs)."""
    from .store import read_manifest

    if settings is None:
        manifest = read_manifest(Path(index_dir))
        try:
            settings = Settings(**{k: manifest[k] for k in ("model", "tokenizer", "chunk_tokens", "chunk_overlap")})
        except KeyError as e:
            raise QAError(f"index at {index_dir} has no {e} in its manifest; rebuild it") from e
    return Index(read_index(Path(index_dir), settings.index_key()), settings, embedder)
