"""What the question asks for, checked when answering, after the type discipline of types.py: rules
from the question's grammar that keep the scorer's best candidate only when nothing fits better.

- "How large / big / far … ?" asks for an amount: only amounts, sums, counts and shares may answer
  ("$1 billion", "12,000 acres of wetland"; not "U.S. sanctions").
- "When …?" is not answered by a bare "years" ("… for years now": spaCy's DATE, no point in time).
- "Which fund / department / university …": a name the asked noun heads ("U.S. Department of Justice",
  "University of Georgia") answers before a name of another sort ("Iran"), when it stands in a passage
  about as good as the best. Places are left out: "Palmetto State" is no answer to "which state".
- "Which Greek island …": a place the question names is not what it asks for, whether it names it
  ("… on US criminals": not "America") or by its adjective ("Greek": not "Greece"; "South Korean city":
  not "South Korea"), when another candidate may answer.
- "What organization does Bryan E. Leib lead?": a candidate said of the question's own subject, in
  apposition with it ("Bryan E. Leib, executive director of …") or what a copula says it is ("Norwick is
  the region's busiest port"), names that subject again: it steps aside for a candidate in a passage
  about as good.
- "What does Iran provide …": when the question's verb has a subject of its own, a candidate in the
  same role of the same verb whose subject is the question's ("Iran provides gasoline and additives")
  answers before one whose subject is another ("the UAE provides cash"), in a passage about as good.

Unlike types.py these rules are not applied to the training examples (qa/learn reads the candidates
through types.reading_mask only): they were measured on the training questions end to end instead,
where they change a handful of answers either way, and they settle questions of forms those
questions rarely have ("how large" never occurs in them; a bare unit answered one "when" of 2,426: "hours").
"""

from __future__ import annotations

import re

from qa.answer.candidates import parsed, question_slot_verb, slot_verb, verb_stems, word_terms
from qa.answer.gazetteer import DEMONYM_WORD, DEMONYMS
from qa.answer.types import DEFINED_SHARE, NAMED, mention_evidence
from qa.text.answers import normalize_answer
from qa.text.nlp import question_doc
from qa.text.terms import terms

AMOUNTS = frozenset({"MONEY", "QUANTITY", "CARDINAL", "PERCENT"})
_SIZE = re.compile(
    r"\bhow (?:large|big|small|huge|high|low|tall|far|deep|wide|heavy|fast|expensive|costly)\b", re.IGNORECASE
)
_AMOUNT_TEXT = re.compile(  # "12,000 acres of wetland": a noun phrase that is an amount
    r"^(?:(?:about|around|nearly|almost|roughly|more than|less than|over|under|some|up to)\s+)?[$€£]?\d", re.IGNORECASE
)
_BARE_UNIT = re.compile(r"^(?:years|months|weeks|days|hours|decades|centuries)$", re.IGNORECASE)
PLACE_NOUNS = frozenset("state city country county nation province region town village island territory".split())
_WH = frozenset({"what", "which", "who", "whom", "whose"})
_SUBJECTS = ("nsubj", "nsubjpass")
_NAMED_TYPES = frozenset({"person", "organization", "place", "nationality"})
_ONE_PLACE = (  # names of one place, normalised
    frozenset({"us", "usa", "united states", "america", "united states of america"}),
    frozenset({"uk", "britain", "great britain", "united kingdom"}),
)
_ALIASES = frozenset().union(*_ONE_PLACE)


def asked_mask(index, r, ok: list[bool], scores) -> list[bool]:
    """`ok` (the candidates types.py allows) narrowed by the rules of this module; `scores`: the scorer's
    score of each candidate."""
    if not any(ok):
        return ok
    if _SIZE.search(r.question):
        ok = [
            o and (_AMOUNT_TEXT.match(c.text) is not None or any(m.kind in AMOUNTS for m in ms))
            for o, c, ms in zip(ok, r.candidates, r.mentions, strict=True)
        ]
    if r.info.wh == "when":  # "for years now": spaCy's DATE, but no point in time
        ok = [o and not _BARE_UNIT.match(c.text) for o, c in zip(ok, r.candidates, strict=True)]
    ok = _not_named_by_question(r, ok)
    ok = _named(r, ok)
    ok = _describes_subject(index, r, ok, scores)
    return _same_subject(index, r, ok, scores)


def question_places(question: str) -> set[str]:
    """The places the question names, normalised: by name (spaCy's GPE and LOC in its parse) and by
    adjective ("Greek" → "greece"), with the other names of the US and the UK."""
    named = {normalize_answer(DEMONYMS[m.group(0).lower()]) for m in DEMONYM_WORD.finditer(question)}
    named |= {normalize_answer(e.text) for e in question_doc(question).ents if e.label_ in ("GPE", "LOC")}
    return named.union(*(same for same in _ONE_PLACE if same & named))


def _not_named_by_question(r, ok: list[bool]) -> list[bool]:
    """Without the candidates that are places the question names, when another one may answer. The
    question is parsed only when a candidate could be one: written in it, named by one of its adjectives,
    or one of the US's or the UK's names."""
    keys = [normalize_answer(c.text) for c in r.candidates]
    written = f" {normalize_answer(r.question)} "
    adjectives = {normalize_answer(DEMONYMS[m.group(0).lower()]) for m in DEMONYM_WORD.finditer(r.question)}
    if not any(
        o and k and (k in adjectives or k in _ALIASES or f" {k} " in written) for o, k in zip(ok, keys, strict=True)
    ):
        return ok
    places = question_places(r.question)
    narrowed = [o and k not in places for o, k in zip(ok, keys, strict=True)]
    return narrowed if any(narrowed) else ok


def _evidence(r) -> list[float]:
    return [mention_evidence(r, ms) for ms in r.mentions]


def _heads(text: str) -> list[str]:
    """The words that may head a name: the last, and each one before an "of"."""
    words = text.split()
    return [words[-1], *(words[i - 1] for i, w in enumerate(words) if w == "of" and i > 0)]


def named_by(text: str, noun: str, question: str) -> bool:
    """Whether the asked noun heads the name: its last word ("Louisiana State University") or the word
    before its "of" ("Department of Justice"), capitalised; not a name the question itself gives."""
    if len(text.split()) < 2 or text.lower() in question.lower():
        return False
    return any(w.lower() == noun and w[:1].isupper() for w in _heads(text))


def asked_head(question: str, wh: str) -> str:
    """The noun the question's "which"/"what" determines, by its parse ("justice" in "Which Supreme
    Court justice …", "club" in "Which Premier League football club …", "university" in "Which
    university's football team …"); "" when there is none."""
    if wh not in ("what", "which"):
        return ""
    for t in question_doc(question):
        if t.lower_ == wh and t.dep_ == "det" and t.head.pos_ == "NOUN":
            owner = [c for c in t.head.children if c.dep_ == "poss" and c.i == t.i + 1]
            return (owner[0] if owner else t.head).lower_  # "which university's team": the university
    return ""


def _named(r, ok: list[bool]) -> list[bool]:
    info = r.info
    nouns = set(re.findall(r"\b[a-z]+\b", r.question))  # the asked noun is written in lower case
    maybe = any(
        o and len(c.text.split()) > 1 and any(h[:1].isupper() and h.lower() in nouns for h in _heads(c.text))
        for o, c in zip(ok, r.candidates, strict=True)
    )
    if info.wh not in ("what", "which") or not maybe:  # no name headed by a word of the question: no parse
        return ok
    noun = asked_head(r.question, info.wh)
    if not noun or noun in PLACE_NOUNS:
        return ok
    ev = _evidence(r)
    best = max((e for o, e in zip(ok, ev, strict=True) if o), default=0.0)
    named = [
        o and e >= DEFINED_SHARE * best and named_by(c.text, noun, r.question)
        for o, e, c in zip(ok, ev, r.candidates, strict=True)
    ]
    if not any(named):
        return ok
    defined = [any(m.defined for m in ms) for ms in r.mentions]
    return [o and (n or d) for o, n, d in zip(ok, named, defined, strict=True)]


def question_subject(question: str) -> tuple[tuple | None, set[str]]:
    """The question's slot (candidates.question_slot) and the terms of its verb's own subject: {"iran"}
    for "What does Iran provide …"; an empty set when the subject is what is asked ("Which airline was
    rocked …") or there is none."""
    found = question_slot_verb(question_doc(question))
    if found is None:
        return None, set()
    role, prep, verb = found
    slot = (role, prep, verb_stems(verb))
    subj = [c for c in verb.children if c.dep_ in _SUBJECTS]
    if role == "subj" or any(x.lower_ in _WH for s in subj for x in s.subtree):
        return slot, set()
    return slot, {w for s in subj for w in terms(" ".join(x.text for x in s.subtree))}


def _agreement(index, r, ms, slot, subject: set[str], docs: dict) -> float:
    """The largest share of the question's subject terms in the subject of the verb a mention fills the
    question's slot of (0 when none does). `docs`: the contexts parsed so far, by context number."""
    best = 0.0
    for m in ms:
        span = _span(index, r, m, docs) if m.slot >= 1.0 else None
        if span is None:
            continue
        verb = slot_verb(span.root, slot[0])
        subj = [c for c in verb.children if c.dep_ in _SUBJECTS]
        if not subj and verb.dep_ in ("conj", "xcomp", "advcl"):  # "… and provides cash": the first verb's
            subj = [c for c in verb.head.children if c.dep_ in _SUBJECTS]
        words = {w for s in subj for w in terms(" ".join(t.text for t in s.subtree))}
        best = max(best, len(words & subject) / len(subject))
    return best


def _span(index, r, m, docs: dict):
    """The parsed span of a mention in its passage (None in a headline, or outside the passage). `docs`:
    the contexts parsed so far, by context number."""
    ctx = r.contexts[m.context]
    if not m.in_text or ctx.is_title or not (ctx.start <= m.start and m.end <= ctx.end):
        return None
    if m.context not in docs:
        docs[m.context] = parsed([ctx], index.parses)[0]
    span = docs[m.context].char_span(m.start - ctx.start, m.end - ctx.start, alignment_mode="expand")
    return span if span is not None and len(span) else None


def _said_of(index, r, ms, subject: set[str], docs: dict) -> bool:
    """Whether every mention of a candidate read in a passage (one at least) is said of the question's
    subject: in apposition with it ("Bryan E. Leib, executive director of …", "the executive director
    of …, Bryan E. Leib,") or what a copula says it is ("Norwick is the region's busiest port")."""
    spans = [s for s in (_span(index, r, m, docs) for m in ms) if s is not None]
    for span in spans:
        root = span.root
        described = [c for c in root.children if c.dep_ == "appos"]  # "the executive director …, Bryan E. Leib"
        if root.dep_ == "appos":
            described.append(root.head)
        elif root.dep_ == "attr":
            described += [c for c in root.head.children if c.dep_ in _SUBJECTS]
        if not any(set(word_terms(t.text)) & subject for t in described):
            return False
    return bool(spans)


def _describes_subject(index, r, ok: list[bool], scores) -> list[bool]:
    """When the best allowed candidate is said of the question's own subject (see _said_of: "What
    organization does Bryan E. Leib lead?" → "executive director"; "Which goods does Norwick receive …?" →
    "region's busiest port"), it names the subject again rather than what is asked: the candidates said of
    it step aside, when another stands in a passage at least DEFINED_SHARE as good."""
    slot, subject = question_subject(r.question)
    if not subject or slot is None or slot[0] == "attr" or not any(ok):  # "What is the name of the beer …?"
        return ok  # asks what its subject is: a candidate said of the subject may well be the answer
    top = max((i for i, o in enumerate(ok) if o), key=lambda i: scores[i])
    docs: dict = {}
    if not _said_of(index, r, r.mentions[top], subject, docs):
        return ok
    ev = _evidence(r)
    keep = [o and not _said_of(index, r, ms, subject, docs) for o, ms in zip(ok, r.mentions, strict=True)]
    return keep if any(k and e >= DEFINED_SHARE * ev[top] for k, e in zip(keep, ev, strict=True)) else ok


def _same_subject(index, r, ok: list[bool], scores) -> list[bool]:
    """When the best allowed candidate's verb has another subject than the question's, only the slot's
    fillers whose subject is the question's, in a passage at least DEFINED_SHARE as good, may answer."""
    named = r.info.answer_type in _NAMED_TYPES  # "Who did the party choose …": a name, not "nominee for president"
    fillers = [
        i
        for i, o in enumerate(ok)
        if o
        and any(m.slot >= 1.0 for m in r.mentions[i])
        and (not named or any(m.kind in NAMED for m in r.mentions[i]))
    ]
    if not fillers:
        return ok
    slot, subject = question_subject(r.question)
    if not subject:
        return ok
    top = max((i for i, o in enumerate(ok) if o), key=lambda i: scores[i])
    docs: dict = {}
    if _agreement(index, r, r.mentions[top], slot, subject, docs) >= 1.0:
        return ok
    ev = _evidence(r)
    agree = {
        i
        for i in fillers
        if ev[i] >= DEFINED_SHARE * ev[top] and _agreement(index, r, r.mentions[i], slot, subject, docs) >= 1.0
    }
    return [o and i in agree for i, o in enumerate(ok)] if agree else ok
