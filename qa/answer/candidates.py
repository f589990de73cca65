"""Answer candidates as written: every span of the contexts that could answer a question (named
entities, numbers with their units and currency, dates and durations, noun phrases, quoted titles, the
speakers of quotations, arguments of the question's verbs, causes), each exactly as the text has it,
with where it stands in its sentence. Which of them is the answer is the scorer's business."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from qa.answer.attribution import full_name
from qa.answer.contexts import Context
from qa.answer.gazetteer import DEMONYM_WORD, DEMONYMS, PLACE_KINDS, fits_place
from qa.answer.question import QuestionInfo
from qa.index.parses import TITLE
from qa.text.nlp import lemma, parse, parse_with_question, question_doc
from qa.text.terms import has_terms, terms

MAX_WORDS = 12  # a longer span is not an answer (the evaluation's answers are at most 12 words)
LOCAL = 10  # words either side of a mention in which the question's words are looked for
FAR = 99  # the distance recorded when a word is not in the context at all

_PRONOUNS = frozenset(
    "he she they it we i you this that these those who which what him her them us its there one people "
    "officials experts someone something anyone everyone".split()
)
_LEADING = re.compile(r"^(?:(?:the|a|an|its|their|his|her|our|this|that|these|those)\s+)+", re.IGNORECASE)
_TRAILING = re.compile(r"(?:['’]s|[\s,.;:!?“”\"'’‘()\[\]—–-])+$")
_OPENING = re.compile(r"^[\s,.;:!?“”\"'’‘()\[\]—–-]+")
_DURATION = re.compile(
    r"^(?:(?:about|around|nearly|almost|more than|over|some|just|the (?:past|last|next))\s+)?"
    r"(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|a few|"
    r"many|half an?|a couple of|\w+-)\s*(?:full\s+)?(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|"
    r"decades?|centuries|century|nights?)(?:-long)?$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"(?:^|(?<=[\s(]))[‘'“\"]([A-Z0-9][^‘'“”\"’]{0,60}?)[’'”\"](?=[\s:,.;)!?]|$)")
_PROPER = re.compile(r"(?<![\w’'])[A-Z][\w’'&.-]*(?:[ \t]+(?:(?:of|for|and|the|de|on)[ \t]+)?[A-Z][\w’'&.-]*)*")
_CAUSE = re.compile(
    r"\b(?:because of|due to|owing to|amid|caused by|blamed on|after|following|over concerns? (?:about|over))\s+"
    r"((?:the |a |an )?[\w’'-]+(?: [\w’'-]+){0,4}?)(?=[,.;:)]| and | that | which | as | in | on |$)",
    re.IGNORECASE,
)
_ROLES = {
    "nsubj": "subj",
    "nsubjpass": "subj",
    "csubj": "subj",
    "expl": "subj",
    "dobj": "obj",
    "obj": "obj",
    "dative": "obj",
    "pobj": "pobj",
    "attr": "attr",
    "oprd": "attr",
    "acomp": "attr",
    "appos": "appos",
    "compound": "mod",
    "amod": "mod",
    "nmod": "mod",
    "poss": "mod",
    "nummod": "mod",
    "conj": "conj",
    "ROOT": "root",
}
ROLES = ("subj", "obj", "pobj", "attr", "appos", "mod", "conj", "root", "other")
_OF = frozenset("of for on in against from with".split())  # "Iranian Americans for Liberty", "ban on assault weapons"
_ARG_DEPS = ("nsubj", "nsubjpass", "dobj", "attr", "oprd", "dative", "agent", "prep", "ccomp", "xcomp")


@dataclass(frozen=True)
class Mention:
    text: str  # as written: the context's own words (for a derived place, the place its demonym names)
    doc_id: str
    start: int  # in the article's text, or in its title when `in_text` is False
    end: int
    kind: str  # an entity label (PERSON, GPE, MONEY, …), DURATION, NP, HEAD, NPP, QUOTED, SPEAKER, ARG, CLAUSE, CAUSE, PROPER, PLACE
    context: int  # which context (index into the contexts list)
    role: str = "other"  # one of ROLES: how it stands in its sentence
    verb_arg: float = 0.0  # 1 inside an argument of one of the question's verbs (subject, object, prepositional)
    near: int = FAR  # characters to the nearest word of the question in its context
    kind_near: int = FAR  # words to the nearest mention of the asked noun ("platform"), as in an apposition
    local: float = 0.0  # share of the question's term weight within LOCAL words either side
    slot: float = 0.0  # 1 when it fills the question's slot: the same role of the same verb (see question_slot)
    defined: bool = False  # the text calls it by the asked noun: "LinkedIn, the networking platform," (see _defined)
    derived: bool = False  # named through a demonym ("North Korean" → North Korea): cite its sentence
    in_text: bool = True


def mentions(
    info: QuestionInfo, ctxs: list[Context], articles: dict, weights: dict[str, float] | None = None, parses=None
) -> list[Mention]:
    """Every candidate mention in the contexts, in context order. `weights` are the question's terms
    with their IDF (qa/answer/evidence.py question_terms), for how much of the question stands around
    each mention; `parses` the index's stored parses (qa/index/parses.py), if any."""
    qwords = set(terms(info.text))
    weights = weights or dict.fromkeys(qwords, 1.0)
    docs = parsed(ctxs, parses, info.text)
    slot = question_slot(info.text)
    kind_terms = set(terms(" ".join(info.type_words) or info.type_noun))
    noun = set(terms(info.type_noun))  # the asked noun alone ("platform", not "social media platform")
    out: list[Mention] = []
    for i, (c, doc) in enumerate(zip(ctxs, docs, strict=True)):
        out += _doc_mentions(info, c, i, doc, qwords, (kind_terms, noun), articles, weights, slot)
    return out


@lru_cache(maxsize=1 << 16)
def word_terms(word: str) -> tuple[str, ...]:
    """terms() of one token's text (or its lemma), remembered: the same words recur in every passage."""
    return tuple(terms(word))


def parsed(ctxs: list[Context], parses=None, question: str | None = None) -> list:
    """The spaCy Doc of each context: stored at ingest when it is there (a headline, a lead sentence),
    else parsed now, in one call of the pipeline, with the `question` when one is given and its parse is
    not remembered yet (qa/text/nlp.py question_doc reads it from there)."""
    docs = [_stored(c, parses) for c in ctxs] if parses is not None else [None] * len(ctxs)
    missing = [i for i, d in enumerate(docs) if d is None]
    if missing:
        texts = [ctxs[i].text for i in missing]
        for i, doc in zip(missing, parse_with_question(texts, question) if question else parse(texts), strict=True):
            docs[i] = doc
    return docs


def _stored(c: Context, parses):
    start, end = (TITLE, TITLE) if c.is_title else (c.start, c.end)
    return parses.doc(c.evidence.doc_id, start, end, c.text)


def _doc_mentions(
    info: QuestionInfo, c: Context, i: int, doc, qwords: set[str], asked, articles, weights, slot
) -> list[Mention]:
    """`asked`: the stems of the words naming the asked kind, and of the asked noun alone."""
    kind_terms, noun = asked
    tokens = list(doc)
    stems = [ts[0] if (ts := word_terms(t.text)) else "" for t in tokens]
    anchors = [t.idx for t, st in zip(tokens, stems, strict=True) if st in qwords]
    kind_at = [t.i for t, st in zip(tokens, stems, strict=True) if st and st in kind_terms]
    noun_at = [t.i for t, st in zip(tokens, stems, strict=True) if st and st in noun]
    verbs = [t for t in tokens if t.pos_ in ("VERB", "AUX") and _stem_in(t, qwords)]
    args = [(h, w) for v in verbs for h, w in _verb_args(v, qwords)]
    total = sum(weights.values()) or 1.0
    local = _Local([weights.get(st, 0.0) / total for st in stems], stems)
    base = c.evidence.doc_id, (0 if c.is_title else c.start), not c.is_title
    seen: set[tuple[int, int, str]] = set()
    out = []
    text = doc.text  # spaCy joins the tokens again on every call: once per doc
    for s, e, kind in _raw_spans(info, doc, text, args):
        s, e = _trim(text, s, e)
        if e <= s or (s, e, kind) in seen or not _acceptable(text[s:e]):
            continue
        seen.add((s, e, kind))
        out.append(_mention(doc, text, s, e, kind, i, base, anchors, (kind_at, noun_at), args, local, slot))
    if c.quote and c.quote.speaker and not c.is_title:
        out += _speaker(c, i, articles)
    if info.place_kind in PLACE_KINDS:
        out += _demonyms(text, i, base, anchors, info)
    return out


def _raw_spans(info: QuestionInfo, doc, text: str, args) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every span worth considering, in the doc's own offsets (`text`: the doc's)."""
    spans = [(e.start_char, e.end_char, _entity_kind(e)) for e in doc.ents]
    for nc in doc.noun_chunks:
        spans.append((nc.start_char, nc.end_char, "NP"))
        head = [t for t in nc if t.dep_ == "compound" or t == nc.root]
        if len(head) < len(nc) and head and head[-1] == nc.root:
            spans.append((head[0].idx, nc.root.idx + len(nc.root.text), "HEAD"))
        for prep in (c for c in nc.root.children if c.dep_ == "prep" and c.lower_ in _OF):
            sub = list(prep.subtree)
            spans.append((nc.start_char, sub[-1].idx + len(sub[-1].text), "NPP"))
    spans += [(m.start(1), m.end(1), "QUOTED") for m in _QUOTED.finditer(text)]
    ents = {(e.start_char, e.end_char) for e in doc.ents}
    spans += [
        (m.start(), m.end(), "PROPER")
        for m in _PROPER.finditer(text)
        if (m.start(), m.end()) not in ents and ". " not in m.group(0)  # not across a sentence end
    ]
    for head, _ in args:
        sub = list(head.subtree)
        kind = "CLAUSE" if head.dep_ in ("ccomp", "xcomp") else "ARG"  # what was said, recommended, planned
        spans.append((sub[0].idx, sub[-1].idx + len(sub[-1].text), kind))
    spans += [(m.start(1), m.end(1), "CAUSE") for m in _CAUSE.finditer(text)]
    if info.place_kind in PLACE_KINDS:
        spans += [(m.start(), m.end(), "PLACE") for m in _place_names(info.place_kind).finditer(text)]
    return spans


def _entity_kind(ent) -> str:
    if ent.label_ == "DATE" and _DURATION.match(ent.text.strip()):
        return "DURATION"
    return ent.label_


def _verb_args(verb, qwords: set[str]) -> list[tuple[object, float]]:
    """The heads of the verb's subject, objects and prepositional objects, weighted 1 when the verb's
    arguments already name words of the question (the verb is the question's), else 0.6."""
    heads = []
    for child in verb.children:
        if child.dep_ not in _ARG_DEPS:
            continue
        heads += [g for g in child.children if g.dep_ == "pobj"] if child.dep_ in ("prep", "agent") else [child]
        if child.dep_ == "dobj":  # "swapping oil shipments for jet fuel": the object's own prepositions
            heads += [g for p in child.children if p.dep_ == "prep" for g in p.children if g.dep_ == "pobj"]
    known = any(w in qwords for h in heads for t in h.subtree for w in word_terms(t.text))
    return [(h, 1.0 if known else 0.6) for h in heads]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """The span without leading articles or possessives, or a trailing "'s" or punctuation."""
    span = text[s:e]
    m = _LEADING.match(span)
    if m and m.end() < len(span):
        s += m.end()
    m = _OPENING.match(text[s:e])
    if m:
        s += m.end()
    m = _TRAILING.search(text[s:e])
    if m and m.start() > 0:
        e = s + m.start()
    return s, e


def _acceptable(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= MAX_WORDS
        and text.lower() not in _PRONOUNS
        and (has_terms(text) or re.search(r"\d", text) is not None)
    )


class _Local:
    """The share of the question's term weight found within LOCAL words of a span (each term once)."""

    def __init__(self, weights: list[float], stems: list[str]):
        self.weights, self.stems = weights, stems

    def around(self, start: int, stop: int) -> float:
        lo, hi = max(0, start - LOCAL), min(len(self.stems), stop + LOCAL)
        seen = {}
        for i in range(lo, hi):
            if not start <= i < stop and self.weights[i]:
                seen[self.stems[i]] = self.weights[i]
        return sum(seen.values())


def _mention(
    doc, text: str, s: int, e: int, kind: str, i: int, base, anchors, asked, args, local: _Local, slot
) -> Mention:
    """`asked`: the token positions of the words naming the asked kind, and of the asked noun alone."""
    doc_id, offset, in_text = base
    kind_at, noun_at = asked
    span = doc.char_span(s, e, alignment_mode="expand")
    root = span.root if span is not None and len(span) else None
    role = _ROLES.get(root.dep_, "other") if root is not None else "other"
    if role == "mod" and root is not None and span is not None and root.head in span:
        role = "other"
    inside = range(span.start, span.end) if span is not None else range(0)
    verb_arg = max((w for h, w in args if root is not None and h.left_edge.i <= root.i <= h.right_edge.i), default=0.0)
    near = min((abs(a - s) for a in anchors if not s <= a < e), default=FAR)
    kind_near = min(
        (min(abs(k - inside.start), abs(k - (inside.stop - 1))) for k in kind_at if k not in inside), default=FAR
    )
    return Mention(
        text[s:e],
        doc_id,
        offset + s,
        offset + e,
        kind,
        i,
        role,
        verb_arg,
        min(near, 10 * FAR),
        min(kind_near, FAR),
        local=local.around(inside.start, inside.stop) if span is not None else 0.0,
        slot=fills_slot(root, slot) if root is not None else 0.0,
        defined=_defined(doc, inside, noun_at),
        in_text=in_text,
    )


_DET = frozenset({"the", "a", "an", "its", "their", "his", "her"})
_BE = frozenset({"is", "was", "are", "were", "be", "been", "becomes", "became"})
_PHRASE_END = frozenset({",", ".", ";", ":", ")", "that", "which", "who", "—", "–"})


def _defined(doc, inside: range, noun_at: list[int]) -> bool:
    """Whether the text calls the span by the asked noun, by the surface of an apposition or a copula
    (not the parse, which often misses an apposition in a long sentence): "bluegrass, the Appalachian
    music genre," / "LinkedIn is a platform" (the noun ends a short noun phrase right after the span),
    "the streaming service Netflix" / "the platform, LinkedIn" (the noun just before it)."""
    if not noun_at or not len(inside):
        return False
    kinds = set(noun_at)
    n = len(doc)
    for k in kinds:
        if inside.start - 2 <= k < inside.start and all(doc[j].text == "," for j in range(k + 1, inside.start)):
            return True
    j = inside.stop
    if j < n and (doc[j].text == "," or doc[j].lower_ in _BE):
        j += 1
        if j < n and doc[j].lower_ in _DET:
            j += 1
        for m in range(j, min(j + 4, n)):
            if doc[m].is_punct:
                return False
            if m in kinds and (m + 1 == n or doc[m + 1].lower_ in _PHRASE_END):
                return True
    return False


Slot = tuple[str, str, frozenset[str]]  # (role, preposition, stems of the verb)
_SLOT_ROLES = {"nsubj": "subj", "nsubjpass": "obj", "dobj": "obj", "attr": "attr", "pobj": "pobj"}


def question_slot(question: str) -> Slot | None:
    """What the question asks for, as a role of its verb: ("pobj", "for", swap) for "What does Venezuela
    swap oil shipments for?", ("obj", "", provide) for "what does the UAE provide", ("subj", "", announce)
    for "Which company announced …". A preposition left without its object is the slot first."""
    found = question_slot_verb(question_doc(question))
    return None if found is None else (found[0], found[1], verb_stems(found[2]))


def question_slot_verb(doc) -> tuple[str, str, object] | None:
    """question_slot's role and preposition, with the verb's own token in the question's parse."""
    for t in doc:
        if (
            t.dep_ == "prep"
            and t.n_rights == 0  # nothing after it: "swap oil shipments for?"
            and t.head.pos_ in ("VERB", "AUX")
        ):
            return ("pobj", t.lower_, t.head)
    for t in doc:
        if t.lower_ in ("who", "whom", "what", "which") or (t.dep_ == "det" and t.lower_ in ("which", "what")):
            head = t.head if t.dep_ == "det" else t
            role = _SLOT_ROLES.get(head.dep_)
            if role and head.head.pos_ in ("VERB", "AUX"):
                prep = head.head.lower_ if role == "pobj" else ""
                return (role, prep, head.head.head if role == "pobj" else head.head)
    return None


# Nouns that name no kind by themselves: "what type of infection" asks for an infection.
_GENERIC_KINDS = frozenset({"type", "kind", "sort", "form", "variety", "category", "brand", "name", "one", "part"})


def asked_kind(doc) -> str:
    """The noun phrase a "which"/"what" of the question's parse stands before, lower-cased, with the
    compounds and adjectives before its noun ("Which professional golfer won …" → "professional golfer"),
    through a generic noun ("What type of infection …" → "infection"); "" when there is none. The word
    lists of qa/answer/question.py find no noun for about one in five of realtimeqa-train's questions
    ("which actor", "which cryptocurrency"); the parse finds one for ~45 % of those."""
    for t in doc:
        if t.lower_ in ("which", "what") and t.dep_ == "det" and t.head.pos_ in ("NOUN", "PROPN"):
            head = t.head
            if head.lower_ in _GENERIC_KINDS:
                of = [c for c in head.rights if c.dep_ == "prep" and c.lower_ == "of"]
                objs = [c for c in of[0].rights if c.dep_ == "pobj"] if of else []
                if not objs:
                    return ""
                head = objs[0]
            left = head.i
            while left > 0 and doc[left - 1].dep_ in ("compound", "amod") and left - 1 < doc[left - 1].head.i <= head.i:
                left -= 1
            return doc[left : head.i + 1].text.lower()
    return ""


def fills_slot(root, slot: Slot | None) -> float:
    """1 when the span's head stands in the question's slot (same role, same preposition, same verb),
    0.5 in the same role of another verb, else 0."""
    if slot is None:
        return 0.0
    role = _SLOT_ROLES.get(root.dep_)
    if root.dep_ == "agent" or (root.dep_ == "pobj" and root.head.lower_ == "by" and root.head.head.tag_ == "VBN"):
        role = "subj"  # "was founded by X" answers "who founded"
    if role != slot[0] or (role == "pobj" and root.head.lower_ != slot[1]):
        return 0.0
    return 1.0 if verb_stems(slot_verb(root, role)) & slot[2] else 0.5


def slot_verb(root, role: str):
    """The verb a span's head `root` stands in `role` of ("pobj": through its preposition)."""
    verb = root.head.head if role == "pobj" else root.head
    if verb.pos_ not in ("VERB", "AUX"):  # "swapping [oil shipments for jet fuel]": the noun's verb
        verb = verb.head
    return verb


def verb_stems(token) -> frozenset[str]:
    return frozenset((*word_terms(token.text), *word_terms(lemma(token))))


def _speaker(c: Context, i: int, articles: dict) -> list[Mention]:
    """The speaker of the context's quotation, by the longest name the article gives it."""
    text = articles[c.evidence.doc_id].text
    name = full_name(text, c.quote.speaker)
    at = text.find(name, c.start, c.end)
    if at < 0:
        at = text.find(name)
    if at < 0 or not _acceptable(name):
        return []
    return [Mention(name, c.evidence.doc_id, at, at + len(name), "SPEAKER", i, "subj", 1.0, 0)]


def _demonyms(text: str, i: int, base, anchors, info: QuestionInfo) -> list[Mention]:
    """Places named by their adjective ("North Korean leader" → North Korea), for which-country questions."""
    doc_id, offset, in_text = base
    out = []
    for m in DEMONYM_WORD.finditer(text):
        place = DEMONYMS[m.group(0).lower()]
        if fits_place(place, info.place_kind):
            near = min((abs(a - m.start()) for a in anchors), default=FAR)
            out.append(
                Mention(
                    place,
                    doc_id,
                    offset + m.start(),
                    offset + m.end(),
                    "PLACE",
                    i,
                    "mod",
                    0.0,
                    near,
                    derived=True,
                    in_text=in_text,
                )
            )
    return out


def _stem_in(token, qwords: set[str]) -> bool:
    """True when the token (as written or as its lemma) is one of the question's words."""
    return any(t in qwords for t in (*word_terms(token.text), *word_terms(lemma(token))))


@cache
def _place_names(kind: str) -> re.Pattern:
    names = sorted(PLACE_KINDS[kind], key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)
