"""Hybrid retrieval: dense (FAISS) and keyword (BM25) candidates, fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .records import Passage
from .settings import Settings
from .vectors import search_vectors

# Words that shape a question but are not what it is about; left out of the keyword query.
QUESTION_WORDS = frozenset("""
who whom whose what which when where why how many much did does do was were is are has have had
according recently recent this week weeks last month year years ago new news latest currently
""".split())


@dataclass(frozen=True)
class Ranked:
    """One chunk's place in the fused ranking."""

    row: int
    score: float
    dense_rank: int  # 0 = not among the dense candidates
    keyword_rank: int  # 0 = not among the keyword candidates


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


def fuse(dense: list[int], keyword: list[int], k: int = 60, weights: tuple[float, float] = (1.0, 1.0)) -> list[Ranked]:
    """Reciprocal-rank fusion of two ranked lists of rows: score = Σ w / (k + rank)."""
    d_rank = {r: i + 1 for i, r in enumerate(dense)}
    k_rank = {r: i + 1 for i, r in enumerate(keyword)}
    out = []
    for row in dict.fromkeys([*dense, *keyword]):
        dr, kr = d_rank.get(row, 0), k_rank.get(row, 0)
        score = (weights[0] / (k + dr) if dr else 0.0) + (weights[1] / (k + kr) if kr else 0.0)
        out.append(Ranked(row, score, dr, kr))
    out.sort(key=lambda r: (-r.score, r.row))
    return out


def rank_chunks(index, question: str, settings: Settings, allowed: np.ndarray | None = None) -> list[Ranked]:
    """Every candidate chunk for the question, best first."""
    n = settings.candidates
    qv = index.embed_query(question)
    if allowed is None:
        _, ids = search_vectors(index.vector_index, qv, n)
        dense = [int(i) for i in ids[0] if i >= 0]
    else:  # filtered: search more widely, then keep allowed rows
        _, ids = search_vectors(index.vector_index, qv, min(len(allowed), n * 20))
        dense = [int(i) for i in ids[0] if i >= 0 and allowed[i]][:n]
    keyword = [int(i) for i in top_rows(index.keyword_index.scores(keyword_query(question)), n, allowed)]
    return fuse(dense, keyword, settings.rrf_k)


def diversify(ranked: list[Ranked], doc_of: list[str], k: int, per_doc: int = 1) -> list[Ranked]:
    """The first k of the ranking with at most `per_doc` chunks from any one article."""
    seen: dict[str, int] = {}
    out = []
    for r in ranked:
        d = doc_of[r.row]
        if seen.get(d, 0) < per_doc:
            seen[d] = seen.get(d, 0) + 1
            out.append(r)
            if len(out) == k:
                break
    return out


def to_passages(index, ranked: list[Ranked]) -> tuple[Passage, ...]:
    out = []
    for r in ranked:
        c = index.chunks[r.row]
        a = index.articles[c.doc_id]
        out.append(Passage(c.doc_id, c.start, c.end, c.text, round(float(r.score), 6), a.label))
    return tuple(out)
