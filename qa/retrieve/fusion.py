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
from qa.index.search import Hits
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


def _docs_by_best_chunk(docs: np.ndarray, limit: int) -> list[int]:
    """Article numbers in the order their first (best) chunk appears among the hits."""
    return list(dict.fromkeys(int(d) for d in docs))[:limit]


def rank_articles(
    index: Index, question: str, settings: Settings, as_of: int | None = None, allowed=None
) -> list[Ranked]:
    """Every candidate article for the question, best first. `as_of` is a day number (see
    recency.day_number): articles published after it are left out and fresher ones weigh more; None
    means "as of the newest article". `allowed` is what the filters selected (qa/index/search.py)."""
    n_docs = len(index.doc_ids)
    if not n_docs:
        return []
    published = index.published_days
    now = as_of if as_of is not None else index.newest_day
    where = index.restrict(allowed, as_of)  # nothing from after the as-of date (unknown dates stay in)
    dense = index.dense_search(index.embed_query(question), settings.dense_candidates, where)
    similarity = dict(zip((int(d) for d in dense.docs[::-1]), (float(x) for x in dense.scores[::-1]), strict=True))
    kw = index.keyword_search(keyword_query(question), settings.candidates, settings.doc_candidates, where)
    lists = [_docs_by_best_chunk(dense.docs, settings.doc_candidates), kw.best_docs, kw.lead_docs]
    fused = rrf(lists, settings.rrf_k)
    floor = settings.recency_floor_cue if has_time_cue(question) else settings.recency_floor
    if now is not None:
        for d in fused:
            age = None if np.isnan(published[d]) else float(now - published[d])
            fused[d] *= freshness(age, floor, settings.recency_days)
    order = sorted(fused, key=lambda d: (-fused[d], d))
    ranks = [_ranks(li) for li in lists]
    best = _best_chunks(dense, kw.chunks, settings.rrf_k)
    ranked = [
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
    index.prefetch(ranked)  # an engine store fetches the texts answering will read, in a few calls
    return ranked


def _best_chunks(dense: Hits, keyword: Hits, k: int, per_doc: int = 3) -> dict[int, tuple[int, ...]]:
    """For each article, its chunks among the candidates, ordered by chunk-level fusion."""
    doc_of = {int(r): int(d) for hits in (dense, keyword) for r, d in zip(hits.rows, hits.docs, strict=True)}
    fused = rrf([[int(r) for r in dense.rows], [int(r) for r in keyword.rows]], k)
    out: dict[int, list[int]] = {}
    for row in sorted(fused, key=lambda r: (-fused[r], r)):
        rows = out.setdefault(doc_of[row], [])
        if len(rows) < per_doc:
            rows.append(row)
    return {d: tuple(rows) for d, rows in out.items()}
