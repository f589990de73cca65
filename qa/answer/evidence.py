"""Sentence-level evidence: the sentences of the retrieved passages, scored against the question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.question import analyse
from qa.index.loaded import Index
from qa.retrieve.fusion import Ranked, keyword_query
from qa.text.sentences import sentence_spans
from qa.text.terms import terms

_QUOTED = re.compile(r"[\"“‘']([^\"”’']{3,80})[\"”’']")


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    start: int
    end: int
    text: str
    score: float  # coverage plus phrase bonuses plus a small retrieval prior
    coverage: float  # share of the question's term weight found in the sentence (0..1)
    rank: int  # position of its passage in the fused ranking (0 = best)


def question_terms(index: Index, question: str) -> dict[str, float]:
    """The question's stemmed content words with their IDF weights (not the noun naming the answer type,
    such as "organization", which the answering sentence seldom repeats)."""

    skip = set(terms(analyse(question).type_noun))
    ts = [t for t in dict.fromkeys(terms(keyword_query(question))) if t not in skip]
    return index.keyword_index.idf(ts) if ts else {}


def score_sentence(sentence: str, weights: dict[str, float], phrases: list[str]) -> tuple[float, float]:
    """(score, coverage) of one sentence: weighted share of question terms, adjacent-pair and quoted-phrase bonuses."""
    total = sum(weights.values())
    if not total:
        return 0.0, 0.0
    words = terms(sentence)
    present = set(words)
    coverage = sum(w for t, w in weights.items() if t in present) / total
    qlist = list(weights)
    pairs = {(a, b) for a, b in zip(words, words[1:], strict=False)}
    qpairs = list(zip(qlist, qlist[1:], strict=False))
    pair_share = sum((a, b) in pairs for a, b in qpairs) / len(qpairs) if qpairs else 0.0
    low = sentence.lower()
    phrase = 1.0 if phrases and any(p in low for p in phrases) else 0.0
    return coverage + 0.2 * pair_share + 0.3 * phrase, coverage


def sentence_scorer(index: Index, question: str):
    """A function giving (score, coverage) of a sentence for this question (see score_sentence)."""
    weights = question_terms(index, question)
    phrases = [p.lower() for p in _QUOTED.findall(question)]
    return lambda sentence: score_sentence(sentence, weights, phrases)


def gather(index: Index, ranked: list[Ranked], score, n_articles: int = 8) -> list[Evidence]:
    """Sentences of the best chunks of the top articles, scored by `score` (see sentence_scorer), best
    first; a sentence shared by overlapping chunks counts once."""
    seen: set[tuple[str, int]] = set()
    out: list[Evidence] = []
    chunks = [(rank, index.chunks[row]) for rank, r in enumerate(ranked[:n_articles]) for row in r.rows]
    for rank, c in chunks:
        text = index.articles[c.doc_id].text
        for s, e in sentence_spans(text, c.start, c.end):
            if (c.doc_id, s) in seen:
                continue
            seen.add((c.doc_id, s))
            value, cov = score(text[s:e])
            out.append(Evidence(c.doc_id, s, e, text[s:e], value + 0.05 / (1 + rank), cov, rank))
    out.sort(key=lambda ev: (-ev.score, ev.rank, ev.start))
    return out
