"""Short answers: candidate spans (speakers, entities, numbers, noun phrases) in the evidence sentences
and in the titles of the top articles, chosen by the question's expected type, scored by their
evidence, their closeness to the question's words and how many articles agree on them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from qa.answer.attribution import Quote, full_name, quotes
from qa.answer.evidence import Evidence
from qa.answer.gazetteer import DEMONYMS, PLACE_KINDS, fits_place, is_calendar_word, is_known_place
from qa.answer.question import LABELS, QuestionInfo
from qa.text.nlp import parse
from qa.text.terms import terms

_PROPER = re.compile(r"(?<![\w’'])[A-Z][\w’'&.-]*(?:\s+(?:(?:of|for|and|the|de|on)\s+)?[A-Z][\w’'&.-]*)*")
_PRONOUNS = {
    "he",
    "she",
    "they",
    "it",
    "we",
    "i",
    "you",
    "this",
    "that",
    "these",
    "those",
    "who",
    "which",
    "what",
    "him",
    "her",
    "them",
    "us",
    "its",
    "there",
    "one",
    "people",
    "officials",
    "experts",
}
_NOT_THINGS = ("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY")
_TITLE_TAIL = re.compile(r"\s*(?:[|–—-]\s*[^|–—-]{1,40}|\.\.\.|…)\s*$")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
TITLE_WEIGHT = 0.8  # a title names what the story is about, but says less than a sentence
OTHER_DOCS = 0.5  # each further article naming a candidate adds this share of its score
KIND_BONUS = 1.5  # a candidate that names the kind asked for ("Tony Awards" for "which awards show")


@dataclass(frozen=True)
class Candidate:
    text: str
    doc_id: str
    start: int  # span of the supporting context (a sentence, or a quotation with its attribution)
    end: int
    score: float
    in_text: bool = True  # False when only the article's title names it (the span then supports the story)


@dataclass(frozen=True)
class Context:
    evidence: Evidence
    start: int
    end: int
    quote: Quote | None
    text: str = ""  # what is parsed: the article text of [start, end), or the title
    is_title: bool = False


def contexts(evidence: list[Evidence], articles: dict, limit: int = 8) -> list[Context]:
    """The best evidence sentences, each widened to its quotation and attribution when it is quoted."""
    quote_cache: dict[str, list[Quote]] = {}
    out: dict[tuple[str, int, int], Context] = {}
    for ev in evidence[:limit]:
        text = articles[ev.doc_id].text
        qs = quote_cache.setdefault(ev.doc_id, quotes(text))
        q = next((q for q in qs if q.start <= ev.start < q.end or ev.start <= q.start < ev.end), None)
        start, end, q = (
            (min(q.cite_start, ev.start), max(q.cite_end, ev.end), q) if q and q.speaker else (ev.start, ev.end, None)
        )
        out.setdefault((ev.doc_id, start, end), Context(ev, start, end, q, text[start:end]))
    return list(out.values())


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


def clean_title(title: str) -> str:
    """A headline without its outlet tail (" - CNN", " | CNN Politics") or a cut-off "..."."""
    prev = None
    while prev != title:
        prev, title = title, _TITLE_TAIL.sub("", title).strip()
    return title


def speaker_candidates(ctxs: list[Context], articles: dict) -> list[Candidate]:
    """For "who said …" questions: the speakers of the matching quotations, full names preferred."""
    out = []
    for c in ctxs:
        if c.quote and c.quote.speaker:
            name = full_name(articles[c.evidence.doc_id].text, c.quote.speaker)
            out.append(Candidate(name, c.evidence.doc_id, c.start, c.end, c.evidence.score))
    return out


def typed_candidates(info: QuestionInfo, ctxs: list[Context]) -> list[Candidate]:
    """Spans of the expected type (noun phrases for open questions) in the contexts, each scored by its
    context's evidence, how well it fits the type, how new it is to the question and how close it
    stands to the question's words."""

    qwords = set(terms(info.text))
    # "Yellowstone National Park" may repeat "national park", and "six months" the unit of "how many months"
    kind_words = set(terms(" ".join((*info.type_words, info.unit))))
    out = []
    for c, doc in zip(ctxs, parse([c.text for c in ctxs]), strict=True):
        anchors = [t.idx for t in doc if (ts := terms(t.text)) and ts[0] in qwords]
        verbs = [t for t in doc if t.pos_ in ("VERB", "AUX") and _stem_in(t, qwords)]  # the question's verbs
        for raw, start, weight in _spans(info, doc, qwords, verbs):
            text = _trim(raw)
            words = terms(text)
            if weight <= 0 or not words or text.lower() in _PRONOUNS:
                continue
            novelty = 1.0 - sum(w in qwords and w not in kind_words for w in words) / len(words)
            if novelty < 0.5 or all(w in qwords for w in words) or _describes(text, info):
                continue
            near = min((abs(start - a) for a in anchors), default=200)
            score = c.evidence.score * weight * novelty * novelty * (1.0 / (1.0 + near / 60.0) + 0.5)
            if doc.text.startswith(raw, start):  # not for names derived from a demonym ("North Korean" → North Korea)
                score *= _role(doc, start, start + len(raw), verbs)
            if words[-1] in kind_words:  # "Tony Awards" for "which awards show", not "Park County" for "which park"
                score *= KIND_BONUS
            if (
                c.quote
                and info.answer_type in ("person", "organization")
                and c.quote.speaker
                and text in c.quote.speaker
            ):
                score *= 1.3
            out.append(
                Candidate(
                    _as_digits(text) if info.answer_type == "number" else text,
                    c.evidence.doc_id,
                    c.start,
                    c.end,
                    score,
                    not c.is_title,
                )
            )
    return out


def _describes(text: str, info: QuestionInfo) -> bool:
    """True for a common-noun phrase ending in the asked noun ("the wildly popular South Korean show" for
    "which show"): a description of the answer, not its name (unlike "Yellowstone National Park")."""
    last = text.split()[-1] if text.split() else ""
    return bool(info.type_noun) and last.islower() and terms(last)[:1] == terms(info.type_noun)[:1]


def _stem_in(token, qwords: set[str]) -> bool:
    """True when the token (as written or as its lemma) is one of the question's words."""
    return any(t in qwords for t in (*terms(token.text), *terms(token.lemma_)))


def _role(doc, start: int, end: int, verbs) -> float:
    """How the span stands in its sentence: a modifier of another noun ("the Biden administration",
    "the South Korean show") is not what is talked about (x0.5); the subject or object of one of the
    question's verbs most likely is (x1.3)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return 1.0
    root = span.root
    if root.dep_ in ("compound", "amod", "nmod") and root.head not in span:
        return 0.5
    for v in verbs:
        if any(
            root in child.subtree
            for child in v.children
            if child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "agent", "prep")
        ):
            return 1.3
    return 1.0


def _spans(info: QuestionInfo, doc, qwords: set[str], verbs) -> list[tuple[str, int, float]]:
    """(text, offset, type fit) of every span of the doc that could answer the question."""
    kind = info.answer_type
    spans = [
        (_with_title(doc.text, e.text, e.start_char) if e.label_ == "PERSON" else (e.text, e.start_char))
        + (_fit(info, e.text, e.label_, doc.text, e.end_char),)
        for e in doc.ents
    ]
    if kind == "thing":
        spans = [(t, s, 0.5) for t, s, _ in spans if not _is_label(doc, s, _NOT_THINGS) and not is_calendar_word(t)]
        spans += _phrases(doc, qwords, verbs, info.wh == "why")
    elif kind == "title":
        spans += [(m.group(1), m.start(1), 1.0) for m in _QUOTED.finditer(doc.text)]
    if info.place_kind in PLACE_KINDS:  # names spaCy may have missed ("Sri Lanka is …"), and demonyms
        spans += [(m.group(0), m.start(), 1.0) for m in _place_names(info.place_kind).finditer(doc.text)]
        spans += [
            (place, m.start(), 0.8)
            for m in _DEMONYM.finditer(doc.text)
            if fits_place(place := DEMONYMS[m.group(0).lower()], info.place_kind)
        ]
        return [sp for sp in spans if sp[2] > 0]  # a closed list: no guessing from other phrases
    if not any(w > 0.5 for *_, w in spans) and kind not in ("date", "number", "amount", "thing"):
        people = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"] if kind != "person" else []
        spans += [(t, s, 0.35) for t, s, _ in _phrases(doc, qwords, verbs)]
        spans += [
            (m.group(0), m.start(), 0.5)
            for m in _PROPER.finditer(doc.text)
            if not is_calendar_word(m.group(0)) and not any(a < m.end() and m.start() < b for a, b in people)
        ]
    return [sp for sp in spans if sp[2] > 0]


_QUOTED = re.compile(r"(?:^|(?<=[\s(]))[‘'“\"]([A-Z][^‘'“”\"’]{1,60}?)[’'”\"](?=[\s:,.;)!?]|$)")
_HONORIFIC = re.compile(
    r"(?:(?:UK|US|U\.S\.|British|French|former|Former)\s+)?(?:Prime Minister|President|"
    r"Vice President|Secretary of State|Secretary|Speaker|Rep\.|Sen\.|Gov\.|Lt\.|Gen\.|"
    r"Dr\.|Judge|Justice|Chancellor|King|Queen|Prince|Princess|Pope|Mayor)\s+$"
)


def _with_title(text: str, name: str, start: int) -> tuple[str, int]:
    """A person's name with the title written right before it ("President Joe Biden")."""
    m = _HONORIFIC.search(text, max(0, start - 40), start)
    return (text[m.start() : start] + name, m.start()) if m else (name, start)


_DEMONYM = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted((re.escape(d.title()) for d in DEMONYMS), key=len, reverse=True)) + r")(?![\w-])"
)


@cache
def _place_names(kind: str) -> re.Pattern:
    names = sorted(PLACE_KINDS[kind], key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)


def _is_label(doc, start: int, labels: tuple[str, ...]) -> bool:
    return any(e.start_char == start and e.label_ in labels for e in doc.ents)


def _fit(info: QuestionInfo, text: str, label: str, sentence: str, end: int) -> float:
    """How well an entity fits the expected answer: 1 for the right label (and kind of place, and unit
    of a count), less for near misses, 0 for the wrong label."""
    kind = info.answer_type
    if kind == "number" and label in ("DATE", "TIME", "QUANTITY", "CARDINAL") and info.unit:
        unit = info.unit.rstrip("s")
        following = sentence[end : end + 25].lower()
        if unit in text.lower() or re.match(rf"\W*(?:\w+\W+)?{re.escape(unit)}", following):
            return 1.5
        return 0.6 if label in ("CARDINAL", "QUANTITY") else 0.0
    if label not in LABELS[kind]:
        return 0.0
    if kind == "title":
        return {"WORK_OF_ART": 1.0, "EVENT": 0.8, "PRODUCT": 0.8}.get(label, 0.4)
    if kind == "date" and is_calendar_word(text) and label == "DATE":
        return 0.8
    if kind == "place" and info.place_kind:
        if info.place_kind == "city":
            return 0.3 if is_known_place(text) else 1.0
        return 1.0 if fits_place(text, info.place_kind) else 0.25
    return 1.0


def _phrases(doc, qwords: set[str], verbs, why: bool = False) -> list[tuple[str, int, float]]:
    """(text, offset, weight): arguments of the question's `verbs` in the doc (more when the verb's subject
    or object is also the question's), what follows "because of" / "due to" for why-questions, then the
    other noun chunks at a lower weight."""
    out = []
    for tok in verbs:
        args = [c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "oprd", "dative")]
        known = any(w in qwords for c in args for w in terms(_subtree(doc, c)[0]))
        weight = 1.0 if known else 0.6
        for child in tok.children:
            heads = [child] if child.dep_ in ("dobj", "nsubjpass", "attr", "oprd", "dative", "nsubj") else []
            if child.dep_ in ("prep", "agent"):
                heads = [g for g in child.children if g.dep_ == "pobj"]
            for h in heads:
                out.append((*_subtree(doc, h), weight * (0.8 if h.dep_ == "nsubj" else 1.0)))
                if h.dep_ == "dobj":  # `swapping oil shipments for jet fuel`: the object's own prepositions
                    out.extend(
                        (*_subtree(doc, g), weight)
                        for p in h.children
                        if p.dep_ == "prep"
                        for g in p.children
                        if g.dep_ == "pobj"
                    )
    if why:
        out += [(m.group(1), m.start(1), 1.0) for m in _CAUSE.finditer(doc.text)]
    out += [(nc.text, nc.start_char, 0.35) for nc in doc.noun_chunks]
    return [(t, st, w) for t, st, w in out if not is_calendar_word(t) and not _is_label(doc, st, ("DATE", "TIME"))]


_CAUSE = re.compile(
    r"\b(?:because of|due to|owing to|amid|caused by|blamed on|over concerns? (?:about|over))\s+"
    r"((?:the |a |an )?[\w’'-]+(?: [\w’'-]+){0,3}?)(?=[,.;:)]| and | that | which | as |$)",
    re.IGNORECASE,
)


def _subtree(doc, head) -> tuple[str, int]:
    sub = list(head.subtree)
    return doc[sub[0].i : sub[-1].i + 1].text, sub[0].idx


def _trim(text: str) -> str:
    """The span without a leading article or possessive pronoun, a trailing "'s" or punctuation."""
    text = re.sub(r"^(?:the|a|an|its|their|his|her|our)\s+", "", text.strip(" ,.;:“”\"'’‘"), flags=re.IGNORECASE)
    return re.sub(r"['’]s$", "", text).strip(" ,.;:“”\"'’‘")


def _as_digits(text: str) -> str:
    """A count written in words as digits ("six months" → "6 months"); the citation keeps the words."""
    return _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1).lower()], text)


def best_candidates(cands: list[Candidate]) -> list[Candidate]:
    """Candidates merged by their normalised text, best first. In each article the best mention counts;
    every further article that names the candidate adds a share of its score (agreement between
    articles); a name that begins or ends a longer name (Borges in Julio Borges, JetBlue in JetBlue
    Airways) lends it its weight."""
    per_doc: dict[str, dict[str, Candidate]] = {}
    for c in cands:
        key = _APPROX.sub("", " ".join(c.text.lower().split()))
        docs = per_doc.setdefault(key, {})
        if c.doc_id not in docs or _better(c, docs[c.doc_id]):
            docs[c.doc_id] = c
    first: dict[str, Candidate] = {}
    total: dict[str, float] = {}
    for key, docs in per_doc.items():
        ranked = sorted(docs.values(), key=lambda c: (-c.in_text, -c.score))
        first[key] = ranked[0]
        scores = sorted((c.score for c in ranked), reverse=True)
        total[key] = scores[0] + OTHER_DOCS * sum(scores[1:])
    names = [k for k in total if first[k].text[:1].isupper()]
    for k in sorted(names, key=len):
        longer = [
            n
            for n in names
            if n != k
            and total[n] > 0  # keys are single-spaced (see above)
            and (n.startswith(k + " ") or n.endswith(" " + k))
        ]
        if longer and total[k] > 0:
            total[max(longer, key=lambda n: total[n])] += total[k]
            total[k] = 0.0
    ranked_keys = sorted(total, key=lambda k: -total[k])
    return [
        Candidate(first[k].text, first[k].doc_id, first[k].start, first[k].end, total[k], first[k].in_text)
        for k in ranked_keys
        if total[k] > 0
    ]


_APPROX = re.compile(
    r"^(?:about|around|approximately|nearly|almost|roughly|some|over|more than|less than|"
    r"at least|up to|just over|just under)\s+"
)


def _better(a: Candidate, b: Candidate) -> bool:
    """A mention in the text beats a title-only one; otherwise the higher score wins."""
    return (a.in_text, a.score) > (b.in_text, b.score)
