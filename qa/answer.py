"""Compose an Answer: retrieve, gather evidence, pick a short answer, cite exact spans, or abstain."""

from __future__ import annotations

from .duplicates import collapse_passages  # news (issue 7): copies collapsed into one result
from .evidence import Evidence, gather
from .extract import Candidate, best_candidates, contexts, entity_candidates, speaker_candidates
from .question import analyse
from .records import Answer, Citation
from .retrieval import rank_articles
from .settings import Settings

NOT_FOUND = "The corpus does not seem to answer this question. The closest passages are listed below."


def answer_question(index, question: str, settings: Settings, as_of: int | None = None, allowed=None) -> Answer:
    ranked = rank_articles(index, question, settings, as_of, allowed)
    passages = collapse_passages(index, ranked, settings.top_k)
    evidence = gather(index, question, ranked)
    if not evidence or evidence[0].score < settings.abstain_below:
        return Answer(question, NOT_FOUND, True, (), passages, analyse(question).answer_type,
                      evidence[0].coverage if evidence else 0.0)
    info = analyse(question)
    ctxs = contexts(evidence, index.articles)
    cands = speaker_candidates(ctxs, index.articles) if info.asks_speaker else []
    if not cands:
        cands = entity_candidates(info, ctxs, index.articles)
    best = best_candidates(cands)
    if best:
        top = best[0]
        cites = _citations(index, top, ctxs)
        return Answer(question, top.text, False, cites, passages, info.answer_type, round(evidence[0].coverage, 4))
    ev = evidence[0]
    return Answer(question, ev.text, False, (_cite(index, ev.doc_id, ev.start, ev.end),), passages,
                  info.answer_type, round(ev.coverage, 4))


def _citations(index, top: Candidate, ctxs) -> tuple[Citation, ...]:
    """The context of the chosen answer, plus the same support in other articles (a rewrite of the story)."""
    spans = [(top.doc_id, top.start, top.end)]
    needle = top.text.split()[-1].lower()
    for c in ctxs:
        ev: Evidence = c.evidence
        span_text = index.articles[ev.doc_id].text[c.start : c.end].lower()
        if ev.doc_id != top.doc_id and ev.doc_id not in {s[0] for s in spans} and needle in span_text \
                and ev.score >= 0.6 * ctxs[0].evidence.score:
            spans.append((ev.doc_id, c.start, c.end))
    return tuple(_cite(index, d, s, e) for d, s, e in spans[:3])


def _cite(index, doc_id: str, start: int, end: int) -> Citation:
    a = index.articles[doc_id]
    return Citation(doc_id, a.label, a.url, start, end, a.text[start:end], a.source, a.published)
