"""Type discipline: which kinds of candidate may answer which kind of question. A "when" is a point in
time, never a duration; a "how long" is a duration, never a date; a "how many" is a count; a "who",
"where" or "which company" is never a number or a date. These rules come from the grammar of the
question; the scorer adds the kinds its training data never saw answer a type (Scorer.never)."""

from __future__ import annotations

import re

from qa.answer.question import QuestionInfo

NUMERIC = frozenset("DATE DURATION TIME PERCENT MONEY QUANTITY ORDINAL CARDINAL".split())
_ONLY = {  # question word → the only kinds that may answer it
    "when": frozenset({"DATE", "TIME", "EVENT"}),
    "how long": frozenset({"DURATION", "QUANTITY"}),
    "how many": frozenset({"CARDINAL", "QUANTITY", "DURATION", "MONEY", "PERCENT"}),
    "how much": frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}),
    "how old": frozenset({"DATE", "DURATION", "CARDINAL", "QUANTITY"}),
    "how soon": frozenset({"DATE", "DURATION", "TIME"}),
}
_PERCENT = re.compile(r"\b(?:percentage|percent|share|proportion|rate)\b")
_YEAR = re.compile(r"\b(?:what|which|in what|in which) (?:year|month|day|date)\b")
_TIME_AMOUNT = ("time", "longer")  # "how much time": a duration
SPEAKER_SHARE = 0.8  # "who said …": speakers of quotations within this share of the best one's evidence
DEFINED_SHARE = 0.8  # "which platform …": candidates the text calls a platform, when their evidence is this close
_CAUSE_Q = re.compile(r"\b(?:due to|because of|owing to|caused by|blamed on|as a result of) (?:what|which)\b", re.I)
NAMED = frozenset("PERSON ORG GPE LOC NORP FAC PLACE SPEAKER PROPER".split())  # things, not causes


def allowed_kinds(info: QuestionInfo) -> frozenset[str] | None:
    """The only kinds that may answer the question, or None when any kind may (subject to forbidden_kinds)."""
    q = info.text.lower()
    if info.wh == "how much" and any(re.search(rf"\bhow much {w}\b", q) for w in _TIME_AMOUNT):
        return _ONLY["how long"]
    if info.wh in _ONLY:
        return _ONLY[info.wh]
    if info.wh in ("what", "which") and _PERCENT.search(" ".join(info.type_words) or info.type_noun):
        return frozenset({"PERCENT", "CARDINAL", "QUANTITY"})
    if _YEAR.search(q) and info.answer_type == "date":
        return frozenset({"DATE", "TIME", "CARDINAL", "EVENT"})
    return None


def forbidden_kinds(info: QuestionInfo) -> frozenset[str]:
    """Kinds that may never answer: a number or date for a question about a person, organization,
    place, nationality or title."""
    if info.answer_type in ("person", "organization", "place", "nationality", "title"):
        return NUMERIC
    return frozenset()


def fits(info: QuestionInfo, kind: str, never: frozenset[str] = frozenset()) -> bool:
    """True when a candidate of this kind may answer the question."""
    only = allowed_kinds(info)
    if only is not None:
        return kind in only
    return kind not in forbidden_kinds(info) and kind not in never


def asks_cause(info: QuestionInfo) -> bool:
    """ "… due to what?", "… because of what?": the answer is an event or a condition, not a name."""
    return bool(_CAUSE_Q.search(info.text))


def _fits_cause(ks: set[str]) -> bool:
    return "CAUSE" in ks or not (ks & (NAMED | NUMERIC))


def _closest(ok: list[bool], evidence, share: float) -> list[bool]:
    """Keep only the candidates whose evidence (None: not of the wanted sort) is within `share` of the best."""
    found = [e for o, e in zip(ok, evidence, strict=True) if o and e is not None]
    if not found:
        return ok
    best = max(found)
    return [o and e is not None and e >= share * best for o, e in zip(ok, evidence, strict=True)]


def allowed(
    info: QuestionInfo,
    kinds: list[set[str]],
    never: frozenset[str] = frozenset(),
    speaker_evidence=None,
    defined_evidence=None,
    evidence=None,
) -> list[bool]:
    """For each candidate (the kinds of its mentions), whether it may answer the question: one of its
    kinds fits ("due to what" wants a cause, never a name or a number); for "who said / described /
    warned …", when a quotation's speaker was found, only the speakers of the quotations that match the
    question best may answer (`speaker_evidence`: the best evidence score of each candidate's quotations,
    None for one that is nobody's speaker); for "which platform …", when the text calls a candidate a
    platform (`defined_evidence`, None for the others) in a passage about as good as the best passage
    of any allowed candidate (`evidence`), only such candidates may answer."""
    ok = [any(fits(info, k, never) for k in ks) for ks in kinds]
    if asks_cause(info):
        ok = [o and _fits_cause(ks) for o, ks in zip(ok, kinds, strict=True)]
    if info.asks_speaker and speaker_evidence is not None:
        ok = _closest(ok, speaker_evidence, SPEAKER_SHARE)
    if info.type_noun and info.wh in ("what", "which") and defined_evidence is not None and evidence is not None:
        best = max((e for o, e in zip(ok, evidence, strict=True) if o), default=0.0)
        if any(o and d is not None and d >= DEFINED_SHARE * best for o, d in zip(ok, defined_evidence, strict=True)):
            ok = _closest(ok, defined_evidence, DEFINED_SHARE)
    return ok


def mention_evidence(r, ms, which=lambda m: True) -> float | None:
    """The best evidence score of the passages a candidate's mentions `ms` (those `which` keeps) stand in,
    in a Reading `r`; None when none is kept."""
    return max((r.contexts[m.context].evidence.score for m in ms if which(m)), default=None)


def reading_mask(r, never: frozenset[str] = frozenset()) -> list[bool]:
    """allowed() for the candidates of a Reading (qa/answer/reading.py)."""

    return allowed(
        r.info,
        [{m.kind for m in ms} for ms in r.mentions],
        never,
        speaker_evidence=[mention_evidence(r, ms, lambda m: m.kind == "SPEAKER") for ms in r.mentions],
        defined_evidence=[mention_evidence(r, ms, lambda m: m.defined) for ms in r.mentions],
        evidence=[mention_evidence(r, ms) for ms in r.mentions],
    )
