"""Hybrid retrieval, ranked by article: dense (FAISS) and keyword (BM25) search over chunks, fused by
reciprocal rank at the article level, then weighted by freshness (see qa/retrieve/recency.py).

Three ranked lists of articles are fused: by their best chunk's dense similarity, by their best chunk's
BM25 score, and by the BM25 score of their lead chunk (title and first paragraphs: what a story is
about). Each ranked article carries its best-matching chunks, from which evidence is drawn. The
settings were chosen by measurement on realtimeqa-dev (README, "Retrieval settings").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.index.loaded import Index
from qa.index.vectors import search_vectors
from qa.retrieve.recency import freshness, has_time_cue
from qa.settings import Settings

# Words that shape a question but are not what it is about; left out of the keyword query.
QUESTION_WORDS = frozenset(
    """
who whom whose what which when where why how many much did does do was were is are has have had
according recently recent this week weeks last month year years ago new news latest currently
""".split()
)


@dataclass(frozen=True)
class Ranked:
    """One article's place in the fused ranking, with its best chunks (rows of the chunk table)."""

    doc_id: str
    rows: tuple[int, ...]  # best first; rows[0] is the passage shown for the article
    score: float
    dense_rank: int  # 0 = not among the dense candidates
    keyword_rank: int  # 0 = not among the keyword candidates
    lead_rank: int = 0  # 0 = its lead chunk is not among the keyword candidates
    similarity: float = 0.0  # cosine similarity of its chunk nearest to the question (0 if not a dense candidate)

    @property
    def row(self) -> int:
        return self.rows[0]


def keyword_query(question: str) -> str:
    """The question without its question words, for BM25."""
    words = re.findall(r"\S+", question)
    kept = [w for w in words if re.sub(r"\W", "", w.lower()) not in QUESTION_WORDS]
    return " ".join(kept) or question


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Rows of the k highest positive scores, best first (only `allowed` rows when given)."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def rrf(lists: list[list[int]], k: int = 60, weights: list[float] | None = None) -> dict[int, float]:
    """Reciprocal-rank fusion: each item scores Σ w / (k + rank) over the lists that hold it."""
    weights = weights or [1.0] * len(lists)
    out: dict[int, float] = {}
    for items, w in zip(lists, weights, strict=True):
        for rank, item in enumerate(items, 1):
            out[item] = out.get(item, 0.0) + w / (k + rank)
    return out


def _ranks(items) -> dict[int, int]:
    return {int(x): i for i, x in enumerate(items, 1)}


def _docs_by_best_chunk(doc_index: np.ndarray, rows: np.ndarray, limit: int) -> list[int]:
    """Article numbers in the order their first (best) chunk appears in `rows`."""
    return list(dict.fromkeys(int(d) for d in doc_index[rows]))[:limit]


def rank_articles(
    index: Index, question: str, settings: Settings, as_of: int | None = None, allowed: np.ndarray | None = None
) -> list[Ranked]:
    """Every candidate article for the question, best first. `as_of` is a day number (see
    recency.day_number): articles published after it are left out and fresher ones weigh more; None
    means "as of the newest article". `allowed` is a boolean mask over chunk rows (filters)."""
    doc_index, n_docs = index.doc_index, len(index.doc_ids)
    if not n_docs:
        return []
    published = index.published_days
    now = as_of if as_of is not None else (np.nanmax(published) if np.isfinite(published).any() else None)
    if as_of is not None:  # nothing from after the as-of date (unknown dates stay in)
        too_new = np.nan_to_num(published, nan=-np.inf) > as_of
        if too_new.any():
            keep = ~too_new[doc_index]
            allowed = keep if allowed is None else (allowed & keep)
    dense_rows, dense_sims = _dense_rows(index, question, settings, allowed)
    similarity = dict(
        zip((int(d) for d in doc_index[dense_rows][::-1]), (float(x) for x in dense_sims[::-1]), strict=True)
    )
    kw_scores = index.keyword_index.scores(keyword_query(question))
    kw_rows = top_rows(kw_scores, settings.candidates, allowed)
    doc_kw = np.zeros(n_docs, dtype=np.float32)
    np.maximum.at(doc_kw, doc_index, np.where(allowed, kw_scores, 0.0) if allowed is not None else kw_scores)
    lead_scores = (
        kw_scores[index.lead_rows]
        if allowed is None
        else np.where(allowed[index.lead_rows], kw_scores[index.lead_rows], 0.0)
    )
    lists = [
        _docs_by_best_chunk(doc_index, dense_rows, settings.doc_candidates),
        [int(d) for d in top_rows(doc_kw, settings.doc_candidates)],
        [int(d) for d in top_rows(lead_scores, settings.doc_candidates)],
    ]
    fused = rrf(lists, settings.rrf_k)
    floor = settings.recency_floor_cue if has_time_cue(question) else settings.recency_floor
    if now is not None:
        for d in fused:
            age = None if np.isnan(published[d]) else float(now - published[d])
            fused[d] *= freshness(age, floor, settings.recency_days)
    order = sorted(fused, key=lambda d: (-fused[d], d))
    ranks = [_ranks(li) for li in lists]
    best = _best_chunks(doc_index, dense_rows, kw_rows, settings.rrf_k)
    return [
        Ranked(
            index.doc_ids[d],
            best.get(d) or (int(index.lead_rows[d]),),
            round(fused[d], 6),
            ranks[0].get(d, 0),
            ranks[1].get(d, 0),
            ranks[2].get(d, 0),
            similarity.get(d, 0.0),
        )
        for d in order
    ]


def _dense_rows(
    index: Index, question: str, settings: Settings, allowed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Chunk rows nearest to the question, best first (only allowed rows), and their cosine similarities."""
    qv = index.embed_query(question)
    k = settings.dense_candidates if allowed is None else min(len(allowed), settings.dense_candidates * 4)
    sims, ids = search_vectors(index.vector_index, qv, k)
    keep = ids[0] >= 0
    if allowed is not None:
        keep &= allowed[np.maximum(ids[0], 0)]
    return ids[0][keep][: settings.dense_candidates], sims[0][keep][: settings.dense_candidates]


def _best_chunks(
    doc_index: np.ndarray, dense_rows: np.ndarray, kw_rows: np.ndarray, k: int, per_doc: int = 3
) -> dict[int, tuple[int, ...]]:
    """For each article, its chunks among the candidates, ordered by chunk-level fusion."""
    fused = rrf([[int(r) for r in dense_rows], [int(r) for r in kw_rows]], k)
    out: dict[int, list[int]] = {}
    for row in sorted(fused, key=lambda r: (-fused[r], r)):
        rows = out.setdefault(int(doc_index[row]), [])
        if len(rows) < per_doc:
            rows.append(row)
    return {d: tuple(rows) for d, rows in out.items()}
