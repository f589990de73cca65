"""Move an index folder into Milvus without embedding anything again: the same articles, chunks,
vectors and stories (`python -m qa migrate SRC --store milvus|milvus://HOST:PORT`)."""

from __future__ import annotations

from pathlib import Path

from qa.index.build import search_text
from qa.index.loaded import index_settings
from qa.index.milvus_build import milvus_lock, save_generation
from qa.index.milvus_store import MilvusTarget
from qa.index.store import read_grouping, read_index
from qa.index.stories import Grouping


def migrate(source: str | Path, target: MilvusTarget) -> dict:
    """Copy the index folder at `source` into the Milvus target; returns the manifest written."""
    settings = index_settings(source)
    stored = read_index(Path(source), settings.index_key())
    grouping = read_grouping(stored) or Grouping(stored.stories, {})
    texts = [search_text(stored.articles[c.doc_id], c) for c in stored.chunks]
    manifest = {k: v for k, v in stored.manifest.items() if k not in ("checksums", "built_at")}
    manifest["migrated_from"] = str(Path(source).resolve())
    with milvus_lock(target):
        return save_generation(target, stored.articles, stored.chunks, stored.vectors, texts, grouping, manifest)
