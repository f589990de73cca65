"""Short answers: candidate spans (speakers, entities, numbers, noun phrases) in the evidence,
chosen by the question's expected type, scored by their evidence and closeness to the question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .attribution import Quote, full_name, quotes
from .evidence import Evidence
from .keyword import terms
from .question import LABELS, QuestionInfo

_PROPER = re.compile(r"(?<![\w’'])[A-Z][\w’'&.-]*(?:\s+(?:(?:of|for|and|the|de|on)\s+)?[A-Z][\w’'&.-]*)*")
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "these", "those", "who", "which",
             "what", "him", "her", "them", "us", "its", "there", "one"}


@dataclass(frozen=True)
class Candidate:
    text: str
    doc_id: str
    start: int  # span of the supporting context (a sentence, or a quotation with its attribution)
    end: int
    score: float


@dataclass(frozen=True)
class Context:
    evidence: Evidence
    start: int
    end: int
    quote: Quote | None


def contexts(evidence: list[Evidence], articles: dict, limit: int = 6) -> list[Context]:
    """The best evidence sentences, each widened to its quotation and attribution when it is quoted."""
    quote_cache: dict[str, list[Quote]] = {}
    out: dict[tuple[str, int, int], Context] = {}
    for ev in evidence[:limit]:
        text = articles[ev.doc_id].text
        qs = quote_cache.setdefault(ev.doc_id, quotes(text))
        q = next((q for q in qs if q.start <= ev.start < q.end or ev.start <= q.start < ev.end), None)
        if q and q.speaker:
            ctx = Context(ev, min(q.cite_start, ev.start), max(q.cite_end, ev.end), q)
        else:
            ctx = Context(ev, ev.start, ev.end, None)
        out.setdefault((ev.doc_id, ctx.start, ctx.end), ctx)  # sentences of one quotation count once
    return list(out.values())


def speaker_candidates(ctxs: list[Context], articles: dict) -> list[Candidate]:
    """For "who said …" questions: the speakers of the matching quotations, full names preferred."""
    out = []
    for c in ctxs:
        if c.quote and c.quote.speaker:
            name = full_name(articles[c.evidence.doc_id].text, c.quote.speaker)
            out.append(Candidate(name, c.evidence.doc_id, c.start, c.end, c.evidence.score))
    return out


def entity_candidates(info: QuestionInfo, ctxs: list[Context], articles: dict) -> list[Candidate]:
    """Entities of the expected type (noun phrases for open questions) found in the contexts."""
    from .nlp import parse

    qwords = set(terms(info.text))
    labels = LABELS[info.answer_type]
    texts = [articles[c.evidence.doc_id].text[c.start : c.end] for c in ctxs]
    out = []
    for c, doc in zip(ctxs, parse(texts)):
        anchors = [t.idx for t in doc if terms(t.text) and terms(t.text)[0] in qwords]
        spans = [(e.text, e.start_char, 1.0 if e.label_ in labels else 0.0) for e in doc.ents] if labels else []
        if not labels or not any(w for *_, w in spans):
            spans += _phrases(doc, qwords)
            if labels and info.answer_type not in ("date", "number", "amount"):
                spans += [(m.group(0), m.start(), 0.6) for m in _PROPER.finditer(doc.text)]
        for text, start, weight in spans:
            text = _trim(text)
            words = terms(text)
            if not weight or not words or text.lower() in _PRONOUNS:
                continue
            novelty = 1.0 - sum(w in qwords for w in words) / len(words)
            if novelty < 0.5:
                continue
            novelty *= novelty
            near = min((abs(start - a) for a in anchors), default=200)
            score = c.evidence.score * weight * novelty * (1.0 / (1.0 + near / 60.0) + 0.5)
            if c.quote and info.answer_type in ("person", "organization") and c.quote.speaker and text in c.quote.speaker:
                score *= 1.3
            out.append(Candidate(text, c.evidence.doc_id, c.start, c.end, score))
    return out


def _phrases(doc, qwords: set[str]) -> list[tuple[str, int, float]]:
    """(text, offset, weight): arguments of the verbs the question uses (more when the verb's subject is
    also the question's), then the other noun chunks at a lower weight."""
    out = []
    for tok in doc:
        if tok.pos_ not in ("VERB", "AUX") or not (terms(tok.lemma_) and terms(tok.lemma_)[0] in qwords):
            continue
        subj = [w for c in tok.children if c.dep_ in ("nsubj", "nsubjpass") for w in terms(_subtree(doc, c)[0])]
        weight = 1.0 if any(w in qwords for w in subj) else 0.6
        for child in tok.children:
            heads = [child] if child.dep_ in ("dobj", "nsubjpass", "attr", "oprd", "dative") else []
            if child.dep_ in ("prep", "agent"):
                heads = [g for g in child.children if g.dep_ == "pobj"]
            for h in heads:
                out.append((*_subtree(doc, h), weight))
                if h.dep_ == "dobj":  # `swapping oil shipments for jet fuel`: the object's own prepositions
                    out.extend((*_subtree(doc, g), weight) for p in h.children if p.dep_ == "prep"
                               for g in p.children if g.dep_ == "pobj")
    out += [(nc.text, nc.start_char, 0.35) for nc in doc.noun_chunks]
    return out


def _subtree(doc, head) -> tuple[str, int]:
    sub = list(head.subtree)
    return doc[sub[0].i : sub[-1].i + 1].text, sub[0].idx


def _trim(text: str) -> str:
    text = re.sub(r"^(?:the|a|an|its|their|his|her|our)\s+", "", text.strip(" ,.;:“”\"'’‘"), flags=re.IGNORECASE)
    return text.strip(" ,.;:“”\"'’‘")


def best_candidates(cands: list[Candidate]) -> list[Candidate]:
    """Candidates merged by their normalised text (evidence adds up), best first."""
    first: dict[str, Candidate] = {}
    extra: dict[str, float] = {}
    for c in cands:
        key = " ".join(c.text.lower().split())
        if key not in first or c.score > first[key].score:
            extra[key] = extra.get(key, 0.0) + (first[key].score if key in first else 0.0)
            first[key] = c
        else:
            extra[key] = extra.get(key, 0.0) + c.score
    # the best mention counts fully, further mentions a little
    total = {k: first[k].score + 0.2 * extra.get(k, 0.0) for k in first}
    # a name contained in a longer name (Borges in Julio Borges) lends it its weight
    keys = sorted((k for k in total if first[k].text[:1].isupper()), key=len, reverse=True)
    for k in keys:
        for longer in keys:
            if k != longer and re.search(rf"\b{re.escape(k)}$", longer) and total[k] > 0:
                total[longer] += total[k]
                total[k] = 0.0
                break
    ranked = sorted(total, key=lambda k: -total[k])
    return [Candidate(first[k].text, first[k].doc_id, first[k].start, first[k].end, total[k]) for k in ranked if total[k] > 0]
