"""Follow-up questions: "What does he say the UAE provides?" after the answer "Julio Borges" is asked
as "What does Julio Borges say the UAE provides?". ask(previous=...) calls this; the chat only passes
the previous answer in."""

from __future__ import annotations

import re

from qa.records import Answer

_PERSON = ("he", "him", "his", "she", "her", "hers", "they", "them", "their", "theirs")
_THING = ("it", "its", "they", "them", "their", "theirs")
_BY_TYPE = {
    "person": _PERSON,
    "organization": _THING,
    "place": _THING,
    "nationality": _THING,
    "title": _THING,
    "thing": _THING,
    "": tuple(dict.fromkeys(_PERSON + _THING)),
}
_POSSESSIVE = {"his", "its", "their", "theirs", "hers"}
_AFTER_OBJECT_HER = set(
    """and or but nor to in on at about with for from by of that than as if when while after
before because so since until into onto over up out off down back again today yesterday last first""".split()
)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)['‘][^'’]*['’](?!\w)")
_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers|they|them|their|theirs|it|its)\b(?!['’]\w)", re.IGNORECASE)


def resolve_followup(question: str, previous: Answer | None) -> str:
    """The question with pronouns that refer back to the previous answer replaced by that answer:
    after "Julio Borges", "What does he say …" becomes "What does Julio Borges say …". Unchanged when
    there is no usable previous answer (none, abstained, long) or the question already names it."""
    if previous is None or previous.abstained:
        return question
    name = " ".join(previous.answer.split())
    if not name or len(name.split()) > 8 or len(name) > 80 or name.lower() in question.lower():
        return question
    allowed = _BY_TYPE.get(previous.answer_type, ())  # a date or number is not "he" or "it"
    parts, pos = [], 0
    for m in _QUOTED.finditer(question):
        parts.append(_replace_pronouns(question[pos : m.start()], name, allowed))
        parts.append(m.group())
        pos = m.end()
    parts.append(_replace_pronouns(question[pos:], name, allowed))
    return "".join(parts)


def _replace_pronouns(text: str, name: str, allowed: tuple[str, ...]) -> str:
    def sub(m: re.Match) -> str:
        word = m.group(1).lower()
        if word not in allowed:
            return m.group()
        if word in _POSSESSIVE or (word == "her" and _her_is_possessive(text[m.end() :])):
            return f"{name}'s"
        return name

    return _PRONOUN.sub(sub, text)


def _her_is_possessive(rest: str) -> bool:
    """'her' before a noun ("her party") is possessive; before a preposition or the end, an object."""
    nxt = re.match(r"\s+([A-Za-z]+)", rest)
    return bool(nxt) and nxt.group(1).lower() not in _AFTER_OBJECT_HER
