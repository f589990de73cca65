"""What a short answer shows: the chosen candidate as its article writes it where it stands. A name the
article never writes without its "'s" or "& …" keeps it ("Wendy's"); a city keeps the state or country
written right after it ("Jacksonville, Florida"); a thing listed with others keeps the list when the
question asks for several or for an open "what" ("jet fuel and gold"); a name after "of" and the
question's own words shows alone ("Greek island of Kalymnos" → "Kalymnos" for "Which Greek island …").
The shown text is always one slice of the article, `text[start:end]`, that holds the candidate's own
words (or, past the question's words, the name that ends them)."""

from __future__ import annotations

import re

from qa.answer.candidates import parsed
from qa.answer.features import Candidate
from qa.answer.gazetteer import COUNTRIES, US_STATES, is_known_place
from qa.answer.reading import Reading
from qa.index.loaded import Index
from qa.text.nlp import question_doc
from qa.text.terms import terms

_NAME_TAIL = re.compile(r"( & [A-Z](?:[\w’'-]*\w)?)|(['’]s)(?!\w)")  # what may complete a name: see as_named
_AFTER_S = re.compile(r"['’]s(?!\w)\s*(?:([A-Za-z]+)|[^\w\s]|$)")  # the word after the "'s", if any
# Words that follow a noun phrase, not begin one: after "Wendy's" they show the "'s" is the name's own.
_AFTER_NAME = frozenset(
    "and or but is was are were has had have said says will would in at on to for with from of by as".split()
)
# ", Florida", ", Greece", ", D.C.", ", PA": a state or country written after a place, up to a word's end.
_REGION = re.compile(r",[ \t]+([A-Z][\w.]*(?:[ \t]+[A-Z][\w.]*){0,2}?)(?=[\s,;:)!?'’\"”]|\.(?:\s|$)|$)")
_POSTAL = re.compile(r"[A-Z]\.?[A-Z]\.?")  # "PA", "DC", "D.C."
_REGIONS = COUNTRIES | US_STATES
_LISTED_NEAR = re.compile(r"^\s*(?:,|and\b|&)|(?:,|\band|&)\s*$")  # a list may go on here
_SEVERAL = re.compile(r"\b(?:what|which)\s+(?:two|three|four|five|both|several)\b", re.IGNORECASE)
_NOUNS = frozenset({"NOUN", "PROPN", "NUM"})
_JOINERS = frozenset({"and", "&"})  # not "or": alternatives ("Alabama, Utah or Nevada") are not all the answer
_JOINED = re.compile(r"\s(?:and|or|&)\s|,\s")  # a candidate that already lists things
MAX_LIST_WORDS = 10
_WORDS_OF = re.compile(r"([\w’'-]+(?: [\w’'-]+)*?) of (?=[A-Z])")  # "Greek island of K…", up to the name


def past_asked_words(r: Reading, c: Candidate) -> str:
    """The name a candidate holds after "of" when all its words before it are the question's and one of
    them is a common noun: "Greek island of Kalymnos" → "Kalymnos" for "Which Greek island was struck …?",
    "city of Kherson" → "Kherson" for "Which city …?" (they repeat what is asked). Not "University of
    Georgia" (a name, every word capitalised) nor "Festival of Lights"; the candidate's text otherwise."""
    m = _WORDS_OF.match(c.text)
    if m is None or not c.in_text or c.derived or not any(w.islower() for w in m.group(1).split()):
        return c.text
    lead = set(terms(m.group(1)))
    return c.text[m.end() :] if lead and lead <= set(terms(r.question)) else c.text


def shown_answer(index: Index, r: Reading, c: Candidate) -> tuple[str, bool]:
    """(the text shown for candidate `c`, whether it is a list of several things)."""
    listed = as_listed(index, r, c)
    if listed:
        return listed, True
    bare = past_asked_words(r, c)
    if bare != c.text:
        return bare, False
    named = as_named(index, c)
    return (with_region(index, r, c) if named == c.text else named), False


def as_named(index: Index, c: Candidate) -> str:
    """The candidate as its article names it, when the article never writes it without what follows it
    here: "Wendy" → "Wendy's", "McDonald" → "McDonald's" (and at least once not as a possessive: "at
    Wendy's.", "Wendy's said"), "Bed Bath" → "Bed Bath & Beyond". Still the article's own words, right
    after the candidate's: `text[start:end]` of the shown answer is the article's."""
    if not c.in_text or c.derived or not c.text[:1].isupper():
        return c.text
    article = index.articles[c.doc_id].text
    tail = _NAME_TAIL.match(article, c.end)
    if tail is None:  # most answers: no "'s" or "&" right after, and no need to look through the article
        return c.text
    after = [
        article[m.end() : m.end() + 40] for m in re.finditer(rf"(?<![\w’'-]){re.escape(c.text)}(?![\w-])", article)
    ]
    if not after:
        return c.text
    if tail.group(1):
        named = all(a.startswith(tail.group(1)) for a in after)  # " & Beyond" every time
    else:
        rest = [_AFTER_S.match(a) for a in after]
        named = all(rest) and any(not m.group(1) or m.group(1).lower() in _AFTER_NAME for m in rest)
    return article[c.start : tail.end()] if named else c.text


def with_region(index: Index, r: Reading, c: Candidate) -> str:
    """A place asked for by a "where" or "which city" question, with the state or country its article
    writes right after it: "Jacksonville" → "Jacksonville, Florida", "Washington" → "Washington, D.C.".
    Not when the question asks for a state or country, nor after one ("Oregon, Washington" is a list)."""
    if r.info.answer_type != "place" or r.info.place_kind in ("country", "state") or not c.in_text or c.derived:
        return c.text
    article = index.articles[c.doc_id].text
    m = _REGION.match(article, c.end)
    if m is None:
        return c.text
    region = m.group(1) if _POSTAL.fullmatch(m.group(1)) else m.group(1).rstrip(".")
    if _POSTAL.fullmatch(region):
        known = True  # "Washington, D.C.", "Philadelphia, PA"
    else:  # "Oregon, Washington" lists two states: only a place that is not one itself takes a region
        known = region.lower() in _REGIONS and not is_known_place(c.text)
    if not known:
        return c.text
    return article[c.start : m.start(1) + len(region)]


def wants_several(r: Reading) -> bool:
    """The question asks for several things ("which two cities", "what metals": a plural noun after its
    "what"/"which") or is an open "what" with no noun for what it asks ("What does Venezuela swap oil
    shipments for?"). Not "which member …", "what metal …": one thing."""
    info = r.info
    if info.plural or _SEVERAL.search(info.text):
        return True
    if info.wh not in ("what", "which"):
        return False
    doc = question_doc(info.text)
    wh = next((t for t in doc if t.lower_ == info.wh), None)
    if wh is None:
        return False
    if wh.dep_ == "det":  # "which member", "what metals": the noun's number says
        return wh.head.tag_ in ("NNS", "NNPS")
    return info.answer_type == "thing" and not info.type_noun


def as_listed(index: Index, r: Reading, c: Candidate) -> str | None:
    """The list of things the candidate is one of in its sentence, as written ("jet fuel and gold"),
    when the question wants several: nouns joined by "and" (spaCy's conjuncts; not "or"), all names or all
    common nouns, no verb between them, none of the others named by the question. None otherwise."""
    if not c.in_text or c.derived or not r.contexts or _JOINED.search(c.text):
        return None
    ctx = r.contexts[c.context]
    if ctx.is_title or not (ctx.start <= c.start and c.end <= ctx.end):
        return None
    article = index.articles[c.doc_id].text
    before, after = article[max(0, c.start - 5) : c.start], article[c.end : c.end + 5]
    if not (_LISTED_NEAR.search(before) or _LISTED_NEAR.search(after)) or not wants_several(r):
        return None
    doc = parsed([ctx], index.parses)[0]
    span = doc.char_span(c.start - ctx.start, c.end - ctx.start, alignment_mode="expand")
    if span is None:
        return None
    first = span.root
    while first.dep_ == "conj" and first.head.pos_ in _NOUNS:
        first = first.head
    items = sorted([first, *first.conjuncts], key=lambda t: t.i)
    if len(items) < 2 or any(t.pos_ not in _NOUNS for t in items):
        return None
    if len({t.pos_ == "PROPN" for t in items}) > 1:  # "Biden and his wife": not one list
        return None
    if not any(ch.dep_ == "cc" and ch.lower_ in _JOINERS for t in items for ch in t.children):
        return None
    asked = set(terms(r.question))
    if any(set(terms(t.text)) & asked for t in items if not (span.start <= t.i < span.end)):
        return None
    opening = _first_word(first)
    start = min(c.start - ctx.start, opening.idx)
    last = items[-1].right_edge
    while last.is_punct and last.i > items[-1].i:  # "San Francisco," ends at "Francisco"
        last = doc[last.i - 1]
    end = last.idx + len(last.text)
    if any(t.pos_ in ("VERB", "AUX") for t in doc[opening.i : last.i + 1]):
        return None
    if len(doc.text[start:end].split()) > MAX_LIST_WORDS:
        return None
    return article[ctx.start + start : ctx.start + end]


def _first_word(head):
    """The first token of the head's own words, past determiners ("the", "its")."""
    tokens = [t for t in head.subtree if t.i <= head.i]
    while len(tokens) > 1 and tokens[0].pos_ in ("DET", "PRON", "PUNCT", "CCONJ"):
        tokens = tokens[1:]
    return tokens[0]
