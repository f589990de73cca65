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
_TIME_AMOUNT = ("time", "longer")
SPEAKER_SHARE = 0.8  # "who said …": speakers of quotations within this share of the best one's evidence  # "how much time": a duration


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


def allowed(
    info: QuestionInfo, kinds: list[set[str]], never: frozenset[str] = frozenset(), speaker_evidence=None
) -> list[bool]:
    """For each candidate (the kinds of its mentions), whether it may answer the question: one of its
    kinds fits; and for "who said / described / warned …", when a quotation's speaker was found, only
    the speakers of the quotations that match the question best may answer (`speaker_evidence`: the best
    evidence score of each candidate's quotations, None for one that is nobody's speaker)."""
    ok = [any(fits(info, k, never) for k in ks) for ks in kinds]
    speakers = [e for e in (speaker_evidence or ()) if e is not None]
    if info.asks_speaker and speakers:
        best = max(speakers)
        ok = [o and e is not None and e >= SPEAKER_SHARE * best for o, e in zip(ok, speaker_evidence, strict=True)]
    return ok


def reading_mask(r, never: frozenset[str] = frozenset()) -> list[bool]:
    """allowed() for the candidates of a Reading (qa/answer/reading.py)."""
    evidence = [
        max((r.contexts[m.context].evidence.score for m in ms if m.kind == "SPEAKER"), default=None)
        for ms in r.mentions
    ]
    return allowed(r.info, [{m.kind for m in ms} for ms in r.mentions], never, evidence)
