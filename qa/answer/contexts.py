"""Where answers are looked for: the best evidence sentences (widened to a quotation and its attribution
when they are quoted) and the headlines of the top articles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from qa.answer.attribution import Quote, quotes
from qa.answer.evidence import Evidence
from qa.index.parses import LEAD_SENTENCES
from qa.text.outlets import clean_title
from qa.text.sentences import sentence_spans

LEAD_CHARS = 600  # a longer "first sentence" is page furniture run together, not a lead
TITLE_WEIGHT = 0.8  # a title names what the story is about, but says less than a sentence


@dataclass(frozen=True)
class Context:
    evidence: Evidence
    start: int  # span of the article text this context cites (for a title: its best evidence sentence)
    end: int
    quote: Quote | None
    text: str = ""  # what is parsed: the article text of [start, end), or the title
    is_title: bool = False


def contexts(evidence: list[Evidence], articles: dict, limit: int = 8) -> list[Context]:
    """The best evidence sentences, each widened to its quotation and attribution when it is quoted."""
    out: dict[tuple[str, int, int], Context] = {}
    for ev in evidence[:limit]:
        text = articles[ev.doc_id].text
        qs = article_quotes(text)
        q = next((q for q in qs if q.start <= ev.start < q.end or ev.start <= q.start < ev.end), None)
        start, end, q = (
            (min(q.cite_start, ev.start), max(q.cite_end, ev.end), q) if q and q.speaker else (ev.start, ev.end, None)
        )
        out.setdefault((ev.doc_id, start, end), Context(ev, start, end, q, text[start:end]))
    return list(out.values())


@lru_cache(maxsize=256)
def article_quotes(text: str) -> tuple[Quote, ...]:
    """The quotations of an article's text (remembered: the next questions often read the same articles)."""
    return tuple(quotes(text))


def title_contexts(
    ranked_docs: list[str], articles: dict, evidence: list[Evidence], score_title, limit: int = 5
) -> list[Context]:
    """The titles of the top articles as contexts; each is backed by the article's best evidence
    sentence (or its first sentence), which is what a title-only answer cites."""
    best: dict[str, Evidence] = {}
    for ev in evidence:
        best.setdefault(ev.doc_id, ev)
    out = []
    for rank, doc_id in enumerate(ranked_docs[:limit]):
        title = clean_title(articles[doc_id].title)
        ev = best.get(doc_id)
        if not title or ev is None:
            continue
        score, coverage = score_title(title)
        tev = Evidence(doc_id, ev.start, ev.end, title, TITLE_WEIGHT * (score + 0.05 / (1 + rank)), coverage, rank)
        out.append(Context(tev, ev.start, ev.end, None, title, True))
    return out


def lead_contexts(
    ranked_docs: list[str],
    articles: dict,
    score,
    have: list[Context],
    n_articles: int = 4,
    n_sentences: int = LEAD_SENTENCES,
) -> list[Context]:
    """The first sentences of the top articles (a news lead names who, what and where), those not
    already among `have`; scored like evidence sentences."""
    taken = {(c.evidence.doc_id, c.start) for c in have if not c.is_title}
    out = []
    for rank, doc_id in enumerate(ranked_docs[:n_articles]):
        text = articles[doc_id].text
        for s, e in sentence_spans(text)[:n_sentences]:
            if (doc_id, s) in taken or e - s > LEAD_CHARS:
                continue
            value, coverage = score(text[s:e])
            ev = Evidence(doc_id, s, e, text[s:e], value + 0.05 / (1 + rank), coverage, rank)
            out.append(Context(ev, s, e, None, text[s:e]))
    return out
