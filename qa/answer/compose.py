"""Compose an Answer: retrieve, gather evidence, pick a short answer, cite exact spans, or abstain."""

from __future__ import annotations

from qa.answer.candidates import (
    Candidate,
    Context,
    best_candidates,
    contexts,
    speaker_candidates,
    title_contexts,
    typed_candidates,
)
from qa.answer.citations import cite_span
from qa.answer.evidence import Evidence, gather, sentence_scorer
from qa.answer.question import analyse
from qa.index.loaded import Index
from qa.records import Answer, Citation
from qa.retrieve.duplicates import collapse_passages  # news (issue 7): copies collapsed into one result
from qa.retrieve.fusion import rank_articles
from qa.settings import Settings
from qa.text.sentences import sentence_spans

PLURAL_SHARE = (
    0.4  # for "which two …", the second candidate joins the answer when it has this share of the first's score
)
NOT_FOUND = "The corpus does not seem to answer this question. The closest passages are listed below."


def answer_question(index: Index, question: str, settings: Settings, as_of: int | None = None, allowed=None) -> Answer:
    ranked = rank_articles(index, question, settings, as_of, allowed)
    passages = collapse_passages(index, ranked, settings.top_k)
    score = sentence_scorer(index, question)
    evidence = gather(index, ranked, score)
    info = analyse(question)
    if _unsupported(evidence, ranked, settings):
        return Answer(
            question,
            NOT_FOUND,
            True,
            (),
            passages,
            info.answer_type,
            round(evidence[0].coverage, 4) if evidence else 0.0,
            answer_kind="none",
        )
    ctxs = contexts(evidence, index.articles)
    cands = speaker_candidates(ctxs, index.articles) if info.asks_speaker else []
    if not cands:
        titles = title_contexts([r.doc_id for r in ranked], index.articles, evidence, score)
        cands = typed_candidates(info, ctxs + titles)
    best = best_candidates(cands)
    if best:
        top, text = best[0], best[0].text
        cites = _citations(index, top, ctxs, evidence, score)
        if info.plural and len(best) > 1 and best[1].score >= PLURAL_SHARE * top.score:  # "which two countries"
            text = f"{top.text} and {best[1].text}"
            cites += tuple(c for c in _citations(index, best[1], ctxs, evidence, score)[:1] if c not in cites)
        return Answer(question, text, False, cites, passages, info.answer_type, round(evidence[0].coverage, 4))
    ev = evidence[0]
    return Answer(
        question,
        ev.text,
        False,
        (cite_span(index, ev.doc_id, ev.start, ev.end),),
        passages,
        info.answer_type,
        round(ev.coverage, 4),
        answer_kind="sentence",
    )


def _unsupported(evidence: list[Evidence], ranked, settings: Settings) -> bool:
    """True when the corpus does not seem to answer: hardly any of the question's words in any sentence,
    or few of them while no passage is near the question in meaning."""
    if not evidence or evidence[0].score < settings.abstain_floor:
        return True
    similarity = max((r.similarity for r in ranked[:3]), default=0.0)
    return evidence[0].score < settings.abstain_below and similarity < settings.abstain_similarity


def _citations(
    index: Index, top: Candidate, ctxs: list[Context], evidence: list[Evidence], score
) -> tuple[Citation, ...]:
    """The context of the chosen answer, plus the same support in other articles (a rewrite of the story).
    An answer taken from a headline cites the sentence of that article that best names it."""
    spans = [(top.doc_id, top.start, top.end) if top.in_text else _naming_sentence(index, top, score)]
    needle = top.text.split()[-1].lower()
    for c in ctxs:
        ev: Evidence = c.evidence
        if (
            ev.doc_id not in {s[0] for s in spans}
            and needle in c.text.lower()
            and ev.score >= 0.6 * ctxs[0].evidence.score
        ):
            spans.append((ev.doc_id, c.start, c.end))
    return tuple(cite_span(index, d, s, e) for d, s, e in spans[:3])


def _naming_sentence(index: Index, top: Candidate, score) -> tuple[str, int, int]:
    """The best-scoring sentence of the candidate's article that contains the answer; else its support."""
    text = index.articles[top.doc_id].text
    needle = top.text.lower()
    naming = [(s, e) for s, e in sentence_spans(text) if needle in text[s:e].lower()]
    if not naming:
        return top.doc_id, top.start, top.end
    s, e = max(naming, key=lambda se: score(text[se[0] : se[1]])[0])
    return top.doc_id, s, e
