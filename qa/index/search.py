"""The search interface retrieval uses, and its FAISS + bm25s implementation.

Retrieval (qa/retrieve/fusion.py) asks an index for three things: the chunks nearest to the question
vector, the chunks with the best BM25 scores, and the articles ranked by their best and by their lead
chunk's BM25 score. Both stores answer these: the index folder (FAISS and bm25s, in this process) and
the Milvus store (qa/index/milvus_store.py, inside the engine). Chunks are numbered by rows and
articles by their place in `doc_ids` in both, so the fused ranking breaks ties the same way.

`allowed` is what the filters made of a question's date range and outlets: a boolean mask over chunk
rows here, a `Scope` for an engine store (which turns it into filter expressions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index.vectors import search_vectors


@dataclass(frozen=True)
class Hits:
    """Chunks found by one search, best first."""

    rows: np.ndarray  # chunk rows
    scores: np.ndarray  # cosine similarity or BM25 score of each
    docs: np.ndarray  # the article number (place in `doc_ids`) of each


@dataclass(frozen=True)
class KeywordHits:
    """What BM25 found: the best chunks, and articles ranked by their best and by their lead chunk."""

    chunks: Hits
    best_docs: list[int]
    lead_docs: list[int]


@dataclass(frozen=True)
class Scope:
    """Which articles a search may use, for stores that filter inside the engine. Days are day numbers
    (qa.text.dates.day_number); articles of unknown date fail a date range but pass `as_of`."""

    since_day: int | None = None
    until_day: int | None = None
    outlets: tuple[str, ...] = ()  # outlet keys (qa.text.outlets.outlet_key); any of them
    as_of: int | None = None  # published on or before this day (or unknown)

    @property
    def active(self) -> bool:
        return any(x is not None for x in (self.since_day, self.until_day, self.as_of)) or bool(self.outlets)


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Rows of the k highest positive scores, best first (only `allowed` rows when given)."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def restrict_rows(index, allowed: np.ndarray | None, as_of: int | None) -> np.ndarray | None:
    """The chunk-row mask of `allowed` without the articles published after `as_of` (unknown dates stay)."""
    if as_of is None:
        return allowed
    too_new = np.nan_to_num(index.published_days, nan=-np.inf) > as_of
    if not too_new.any():
        return allowed
    keep = ~too_new[index.doc_index]
    return keep if allowed is None else (allowed & keep)


def dense_rows(index, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> Hits:
    """The k chunk rows nearest to `vector` in FAISS (only allowed rows: more are fetched, then masked)."""
    want = k if allowed is None else min(len(allowed), k * 4)
    sims, ids = search_vectors(index.vector_index, vector, want)
    keep = ids[0] >= 0
    if allowed is not None:
        keep &= allowed[np.maximum(ids[0], 0)]
    rows, sims = ids[0][keep][:k], sims[0][keep][:k]
    return Hits(rows, sims, index.doc_index[rows])


def keyword_rows(index, query: str, k_rows: int, k_docs: int, allowed: np.ndarray | None) -> KeywordHits:
    """BM25 (bm25s) scores every chunk once; the best chunks, articles and lead chunks come from them."""
    doc_index = index.doc_index
    scores = index.keyword_index.scores(query)
    rows = top_rows(scores, k_rows, allowed)
    doc_kw = np.zeros(len(index.doc_ids), dtype=np.float32)
    np.maximum.at(doc_kw, doc_index, np.where(allowed, scores, 0.0) if allowed is not None else scores)
    lead = index.lead_rows
    lead_scores = scores[lead] if allowed is None else np.where(allowed[lead], scores[lead], 0.0)
    return KeywordHits(
        Hits(rows, scores[rows], doc_index[rows]),
        [int(d) for d in top_rows(doc_kw, k_docs)],
        [int(d) for d in top_rows(lead_scores, k_docs)],
    )
