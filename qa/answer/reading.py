"""Reading a question against the index: the ranked articles, the evidence sentences, the contexts
where answers are looked for, the candidates found there and the features of each. Answering scores a
Reading (qa/answer/compose.py); learning reads training questions the same way (qa/learn/)."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from qa.answer.candidates import Mention, asked_kind, mentions
from qa.answer.contexts import Context, contexts, lead_contexts, title_contexts
from qa.answer.evidence import Evidence, gather, question_terms, sentence_scorer
from qa.answer.features import (
    Candidate,
    Occurrences,
    descriptions,
    feature_matrix,
    group,
    with_kind_similarity,
)
from qa.answer.question import QuestionInfo, analyse
from qa.answer.types import reading_mask
from qa.index.loaded import Index
from qa.retrieve.fusion import Ranked, rank_articles
from qa.settings import Settings
from qa.text.answers import normalize_answer
from qa.text.nlp import question_doc
from qa.text.terms import distinct_terms, terms

N_CONTEXTS = 10  # evidence sentences read for candidates
N_TITLES = 8  # headlines of the top articles read for candidates
N_LEADS = 4  # top articles whose first two sentences are read for candidates
N_TEXTS = 10  # top articles in which candidates are counted
_KIND_WORDS = {
    "who": "person",
    "whom": "person",
    "whose": "person",
    "where": "place",
    "when": "date",
    "how many": "number",
    "how much": "amount",
    "how long": "duration",
}

QUESTION_FEATURES = (
    "ev_top",
    "cov_top",
    "cov_mean3",
    "sim_top",
    "sim_first",
    "fused_top",
    "both_lists",
    "rare_sentence",
    "rare_article",
    "cov_article",
    "unseen",
    "n_terms",
    "n_candidates",
    "quoted",
    "quote_found",
)
# A phrase the question quotes ("Who described the 'Club of Other'?"): the opening mark starts a word, the
# closing one ends it (so "Wendy's" and "Iran’s" are not quotes).
_QUOTED = re.compile(r"""(?<![\w])(?:"([^"]{2,}?)"|“([^”]{2,}?)”|‘([^’]{2,}?)’(?!\w)|'([^']{2,}?)'(?!\w))""")


@dataclass(frozen=True)
class Reading:
    question: str
    info: QuestionInfo
    ranked: list[Ranked]
    evidence: list[Evidence]
    contexts: list[Context]
    candidates: list[Candidate]
    mentions: list[list[Mention]]  # of each candidate
    features: np.ndarray  # one row of qa.answer.features.FEATURES per candidate
    question_features: np.ndarray  # QUESTION_FEATURES: how well the corpus covers the question at all


def read(index: Index, question: str, settings: Settings, as_of: int | None = None, allowed=None) -> Reading:
    ranked = rank_articles(index, question, settings, as_of, allowed)
    score = sentence_scorer(index, question)
    evidence = gather(index, ranked, score)
    info = analyse(question)
    docs = [r.doc_id for r in ranked]
    ctxs = contexts(evidence, index.articles, N_CONTEXTS)
    ctxs += lead_contexts(docs, index.articles, score, ctxs, N_LEADS) if evidence else []
    ctxs += title_contexts(docs, index.articles, evidence, score, N_TITLES)
    weights = question_terms(index, question)
    groups = group(mentions(info, ctxs, index.articles, weights, index.parses), ctxs) if evidence else []
    top_texts = [index.articles[r.doc_id].text for r in ranked[:N_TEXTS]]
    X = feature_matrix(info, groups, ctxs, top_texts)
    qx = _question_features(index, question, ranked, evidence, top_texts, len(groups))
    r = Reading(question, info, ranked, evidence, ctxs, [c for c, _ in groups], [ms for _, ms in groups], X, qx)
    kind = kind_phrase(info)
    if not kind or not r.candidates:
        return r
    kind_vector, sims = _kind_similarity(index, kind, r.candidates)
    desc = _description_similarity(index, kind_vector, descriptions(groups, ctxs))
    return replace(r, features=with_kind_similarity(X, sims, reading_mask(r), desc))


def kind_phrase(info: QuestionInfo) -> str:
    """The words naming what the question asks for ("music genre", "platform", "person"): from the word lists
    of qa/answer/question.py, else, for "what"/"which", from the question's parse (asked_kind: "which
    actor", "what type of infection"). Three-fold as in _kind_similarity, seeds 7-9: 650 / 655 / 659 right
    against 635 / 631 / 640 with the word lists alone (every year better)."""
    found = " ".join(info.type_words) or info.type_noun or _KIND_WORDS.get(info.wh, "")
    if (found and not found.endswith(" of")) or info.wh not in ("what", "which"):  # "type of": the noun follows
        return found
    return asked_kind(question_doc(info.text))


def _kind_similarity(index: Index, kind: str, candidates: list[Candidate]) -> tuple[np.ndarray, np.ndarray]:
    """The asked kind's vector and each candidate's own words against it ("RSV" vs "virus", "Walmart" vs
    "food"): the kind by the index's model, the candidates by its word-piece table (qa/index/pieces.py;
    running the model on ~100 candidates took ~0.27 s a question). On realtimeqa-train, each year ranked by
    a scorer trained on the other two (int8 indexes, LightGBM seeds 7-9, 2,758 answerable questions), the
    best candidate was right for 635 / 631 / 640 against 605 / 607 / 606 without it (word-list kinds);
    filled into the same examples with the kind by the fp32 model: 645 on average, 645 with every candidate
    run through the model, 633 with the kind from the table too. The candidate in a 60-character window of
    its context, an earlier form, gained under a point; its words that are not the question's alone, 642
    against 655 (the kind's words in "LinkedIn, the networking platform" are evidence)."""
    vector = kind_vector(index.embedder, kind)
    return vector, index.phrases.embed([c.text for c in candidates]) @ vector


_KIND_VECTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # embedder → {kind: vector}
_KINDS_KEPT = 512


def kind_vector(embedder, kind: str) -> np.ndarray:
    """The model's vector of an asked kind, remembered per embedder (for as long as the embedder lives):
    kinds recur ("person", "country"), and one model call took ~13 ms by torch, ~4 by ONNX Runtime. Read-only."""
    try:
        known = _KIND_VECTORS.setdefault(embedder, {})
    except TypeError:  # an embedder that takes no weak reference: not remembered
        known = {}
    vector = known.get(kind)
    if vector is None:
        vector = embedder.embed([kind])[0]
        vector.setflags(write=False)
        if len(known) >= _KINDS_KEPT:
            known.clear()
        known[kind] = vector
    return vector


def _description_similarity(index: Index, kind: np.ndarray, described: list[list[str]]) -> np.ndarray:
    """Each candidate's best description (qa/answer/features.py descriptions: "activist group" before
    "Iranian Americans for Liberty") against the asked kind's vector, 0 when it has none."""
    out = np.zeros(len(described), dtype=np.float32)
    texts = sorted({t for ds in described for t in ds})
    if not texts:
        return out
    sims = dict(zip(texts, index.phrases.embed(texts) @ kind, strict=True))
    for r, ds in enumerate(described):
        if ds:
            out[r] = max(sims[t] for t in ds)
    return out


@lru_cache(maxsize=256)
def term_set(text: str) -> frozenset[str]:
    """The terms of an article's text (remembered: the next questions often read the same articles)."""
    return distinct_terms(text)


def _question_features(index: Index, question: str, ranked, evidence, top_texts, n_cands: int) -> np.ndarray:
    """How well the corpus covers the question at all (the answerability model's input)."""
    weights = index.keyword_index.idf(list(dict.fromkeys(terms(question))))
    rare = sorted(weights, key=lambda t: -weights[t])[:3]
    best = set(terms(evidence[0].text)) if evidence else set()
    article_terms = [term_set(t) for t in top_texts[:5]]
    first = article_terms[0] if article_terms else set()
    n = index.keyword_index.size
    unseen_idf = float(np.log(1 + (n + 0.5) / 0.5))
    total = sum(weights.values()) or 1.0
    row = [
        evidence[0].score if evidence else 0.0,
        evidence[0].coverage if evidence else 0.0,
        float(np.mean([ev.coverage for ev in evidence[:3]])) if evidence else 0.0,
        max((r.similarity for r in ranked[:3]), default=0.0),
        ranked[0].similarity if ranked else 0.0,
        ranked[0].score * 100 if ranked else 0.0,
        float(bool(ranked) and ranked[0].dense_rank > 0 and ranked[0].keyword_rank > 0),
        sum(t in best for t in rare) / len(rare) if rare else 0.0,
        sum(t in first for t in rare) / len(rare) if rare else 0.0,
        max((sum(w for t, w in weights.items() if t in words) / total for words in article_terms), default=0.0),
        sum(w for w in weights.values() if w >= unseen_idf - 1e-6) / total,
        float(len(weights)),
        float(n_cands),
        *_quote_coverage(question, top_texts[:5]),
    ]
    return np.asarray(row, dtype=np.float32)


def quoted_phrases(question: str) -> list[str]:
    """The phrases the question quotes, normalised (qa/text/answers.py), empty ones left out."""
    return [p for p in (normalize_answer(next(g for g in m.groups() if g)) for m in _QUOTED.finditer(question)) if p]


def _quote_coverage(question: str, texts: list[str]) -> tuple[float, float]:
    """(the question quotes a phrase, the share of its quoted phrases found word for word in these texts).
    Questions that quote are refused four times as often as others without these two inputs; a quoted phrase
    found in the top articles is direct evidence the corpus is about what is asked (in the training years,
    found for ~45 % of the answerable questions that quote, ~17 % of other years' questions asked of them)."""
    phrases = quoted_phrases(question)
    if not phrases:
        return 0.0, 0.0
    counter = Occurrences(texts)  # the texts' normalised words, remembered from counting the candidates
    return 1.0, sum(any(counter.count(p)) for p in phrases) / len(phrases)
