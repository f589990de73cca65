"""What a question asks for: the expected answer type, its content words, and whether it asks who
said something."""

from __future__ import annotations

import re
from dataclasses import dataclass

SPEECH_VERBS = frozenset("""
say says said saying describe describes described tell tells told explain explains explained warn warns
warned claim claims claimed call calls called write writes wrote argue argues argued state states stated
declare declares declared announce announces announced note notes noted add adds added insist insists
insisted predict predicts predicted suggest suggests suggested urge urges urged tweet tweets tweeted
confirm confirms confirmed criticize criticized accuse accused quote quoted ask asks asked
""".split())

LABELS = {
    "person": ("PERSON",),
    "organization": ("ORG",),
    "place": ("GPE", "LOC", "FAC"),
    "date": ("DATE", "TIME"),
    "number": ("CARDINAL", "QUANTITY"),
    "amount": ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"),
    "nationality": ("NORP", "GPE"),
    "title": ("WORK_OF_ART", "PRODUCT", "EVENT", "ORG"),
    "thing": (),
}

_NOUN_TYPES = {
    "person": "person man woman official leader president minister senator politician actor actress singer "
              "player star ceo founder judge candidate author director athlete governor lawmaker celebrity "
              "rapper comedian",
    "organization": "organization organisation group company agency party team newspaper network outlet firm "
                    "bank union university college institute council committee department study report "
                    "magazine brand retailer airline automaker carrier league club court ministry channel "
                    "broadcaster publication startup charity nonprofit manufacturer",
    "place": "country city state continent nation region place town island province county capital "
             "location village territory area airport stadium venue",
    "date": "year day date month time decade century",
    "number": "number",
    "amount": "price amount cost percentage percent rate sum fee salary value",
    "nationality": "nationality ethnicity",
    "title": "show film movie book song album series game event award awards festival play musical novel "
             "program programme app product vaccine drug",
}
_NOUN_TO_TYPE = {w: t for t, words in _NOUN_TYPES.items() for w in words.split()}
_WORD = re.compile(r"[\w’'.-]+")


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    answer_type: str  # a key of LABELS
    asks_speaker: bool  # "who said / described / warned …"
    wh: str  # the question word: who, what, which, when, where, how many, how much, why, ""
    type_noun: str = ""  # the noun that set the type ("organization" in "what organization …")


def analyse(question: str) -> QuestionInfo:
    """Expected answer type and attribution flag, from the question's wording."""
    words = [w.lower().strip(".'’") for w in _WORD.findall(question)]
    wh, after = _wh_word(words)
    answer_type = {"who": "person", "whom": "person", "whose": "person", "when": "date", "where": "place",
                   "how many": "number", "how much": "amount"}.get(wh, "thing")
    type_noun = ""
    if wh in ("what", "which"):
        for w in after[:4]:
            if w in _NOUN_TO_TYPE:
                answer_type, type_noun = _NOUN_TO_TYPE[w], w
                break
    if wh == "how much" and after[:1] and after[0] in ("time", "longer"):
        answer_type = "date"
    asks_speaker = (wh in ("who", "whom") or answer_type in ("organization", "person")) and \
        any(w in SPEECH_VERBS for w in after[:4])
    return QuestionInfo(question, answer_type, asks_speaker, wh, type_noun)


def _wh_word(words: list[str]) -> tuple[str, list[str]]:
    for i, w in enumerate(words):
        if w == "how" and i + 1 < len(words) and words[i + 1] in ("many", "much"):
            return f"how {words[i + 1]}", words[i + 2 :]
        if w in ("who", "whom", "whose", "what", "which", "when", "where", "why", "how"):
            return w, words[i + 1 :]
    return "", words
