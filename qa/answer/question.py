"""What a question asks for: the expected answer type (and for places, which kind; for counts, which
unit), its content words, and whether it asks who said something."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Verbs of quoted speech: "who said / described / warned …" asks for the speaker of a quotation.
# (Not "announced" or "confirmed": "which company announced …" asks who did something.)
SPEECH_VERBS = frozenset(
    """
say says said saying describe describes described tell tells told explain explains explained warn warns
warned claim claims claimed call calls called write writes wrote argue argues argued declare declares
declared insist insists insisted predict predicts predicted suggest suggests suggested urge urges urged
tweet tweets tweeted criticize criticized accuse accused quote quoted
""".split()
)

# spaCy entity labels that can answer each type ("thing" takes any noun phrase).
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
    "person": "person man woman official leader role character president minister senator politician actor actress singer "
    "player star ceo founder judge candidate author director athlete governor lawmaker celebrity "
    "rapper comedian quarterback coach musician artist executive spokesperson spokesman "
    "spokeswoman lawyer attorney pundit journalist anchor host billionaire investor ruler monarch "
    "king queen prince princess pope scientist astronaut suspect victim name",
    "organization": "organization organisation group company agency party team newspaper network outlet firm "
    "bank union university college institute council committee department study report "
    "magazine brand retailer airline automaker carrier league club court ministry channel "
    "broadcaster publication startup charity nonprofit manufacturer chain restaurant store "
    "school service platform insurer maker giant franchise business corporation",
    "place": "country city state continent nation region place town island province county capital "
    "location village territory area airport stadium venue park attraction landmark border "
    "neighborhood district",
    "date": "year day date month time decade century",
    "number": "number magnitude age",
    "amount": "price amount cost percentage percent rate sum fee salary value figure",
    "nationality": "nationality ethnicity",
    "title": "show film movie book song album series game event award awards festival play musical novel "
    "program programme app holiday mission",
}
_MULTIWORD = {  # checked before single nouns
    "head of state": "person",
    "head of government": "person",
    "age group": "thing",
    "type of": "thing",
    "kind of": "thing",
    "sort of": "thing",
    "national park": "place",
}
_PLACE_KIND = {
    "country": "country",
    "nation": "country",
    "state": "state",
    "continent": "continent",
    "region": "region",
    "city": "city",
    "town": "city",
    "capital": "city",
}
_NOUN_TO_TYPE = {w: t for t, words in _NOUN_TYPES.items() for w in words.split()}
# Words that end the noun phrase after "which"/"what": the verb or preposition that follows it.
AUXILIARIES = frozenset("is was are were did does do has have had will would can could should may might".split())
_PHRASE_END = AUXILIARIES | frozenset(
    "of in on at to for from by with about after before during that who which".split()
)


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    answer_type: str  # a key of LABELS
    asks_speaker: bool  # "who said / described / warned …"
    wh: str  # the question word: who, what, which, when, where, how many, how much, why, ""
    type_noun: str = ""  # the noun that set the type ("organization" in "what organization …")
    place_kind: str = ""  # for places: country, state, continent, region or city ("" = any)
    unit: str = ""  # for counts: the counted noun ("months" in "how many months")
    type_words: tuple[str, ...] = ()  # the phrase naming the answer's kind ("prestigious awards show")
    plural: bool = False  # asks for several ("which two countries")


def analyse(question: str) -> QuestionInfo:
    """Expected answer type and attribution flag, from the question's wording."""
    wh, after = _wh_phrase(question)
    answer_type = {
        "who": "person",
        "whom": "person",
        "whose": "person",
        "when": "date",
        "where": "place",
        "how many": "number",
        "how much": "amount",
        "how soon": "date",
        "how long": "number",
        "how old": "number",
    }.get(wh, "thing")
    type_noun, unit, type_words = "", "", ()
    if wh in ("what", "which"):
        answer_type, type_noun, type_words = _typed_noun(after, answer_type)
    if wh == "how many":
        unit = (_phrase(after) or [""])[-1]
    if wh == "how much" and after[:1] and after[0] in ("time", "longer"):
        answer_type = "date"
    place_kind = _PLACE_KIND.get(type_noun, "") if answer_type == "place" else ""
    asks_speaker = (wh in ("who", "whom") or answer_type in ("organization", "person")) and any(
        w in SPEECH_VERBS for w in after[:4]
    )
    plural = (
        bool(type_words)
        and type_words[-1] != type_noun
        and type_words[-1].endswith("s")
        and not re.search(r"['’]s$", type_words[-1])
    )
    return QuestionInfo(question, answer_type, asks_speaker, wh, type_noun, place_kind, unit, type_words, plural)


_TOKEN = re.compile(r"[\w’'.-]+|[,;:?!()“”\"]")
_WH = ("who", "whom", "whose", "what", "which", "when", "where", "why", "how")


def _wh_phrase(question: str) -> tuple[str, list[str]]:
    """The question word that asks (the last one that is not a relative pronoun: "…, who was" and
    "Patriot Front who" are relative) and the words after it, with punctuation kept as tokens."""
    raw = _TOKEN.findall(question)
    toks = [t.lower().strip(".'’") if t[0].isalnum() else t for t in raw]
    best = -1
    for i, t in enumerate(toks):
        if t not in _WH:
            continue
        before = raw[i - 1] if i else ""
        relative = (
            t in ("who", "which", "whom", "whose") and best >= 0 and (before == "," or (before[:1].isupper() and i > 1))
        )
        if best < 0 or not relative:
            best = i
    if best < 0:
        return "", [t for t in toks if t[0].isalnum()]
    t, rest = toks[best], toks[best + 1 :]
    if t == "how" and rest[:1] and rest[0] in ("many", "much", "soon", "long", "old"):
        return f"how {rest[0]}", rest[1:]
    return t, rest


def _phrase(after: list[str]) -> list[str]:
    """The words of the noun phrase after the question word: up to a verb such as "is"/"did", a
    preposition or punctuation."""
    phrase: list[str] = []
    for w in after[:6]:
        if not w[0].isalnum() or w in _PHRASE_END:  # "what did …": no noun phrase at all
            break
        phrase.append(w)
    return phrase


def _typed_noun(after: list[str], default: str) -> tuple[str, str, tuple[str, ...]]:
    """(answer type, noun, the words naming the kind) from the words after "which"/"what": a known
    multi-word phrase ("head of state"), else the first known noun of the phrase and the known nouns
    right after it ("which US national park" → park, "which island nation" → nation), also after "is
    the" ("what is the magnitude")."""
    if (
        after[:1]
        and after[0] in ("is", "was", "are", "were")
        and after[1:2]
        and after[1] in ("the", "its", "her", "his", "their")
    ):
        after = after[2:]
    window = " ".join(w for w in after[:6] if w[0].isalnum())
    for multi, kind in _MULTIWORD.items():
        if re.search(rf"\b{multi}\b", window):
            return kind, multi.split()[0], tuple(multi.split())
    phrase = _phrase(after)
    noun, end = "", 0
    for i, w in enumerate(phrase):
        key = _noun_key(w)
        if key:
            noun, end = key, i + 1
        elif noun:
            break
    if noun:
        return _NOUN_TO_TYPE[noun], noun, tuple(phrase[:end])
    # A noun the lexicon does not know: the phrase's last word, when an auxiliary verb closes the phrase
    # ("which music genre did …" → genre); without one the phrase may hold a verb ("which team won …").
    if 0 < len(phrase) <= 3 and len(after) > len(phrase) and after[len(phrase)] in AUXILIARIES and phrase[-1].isalpha():
        return default, phrase[-1], tuple(phrase)
    return default, "", ()


def _noun_key(word: str) -> str:
    """The lexicon noun a word is (plural and possessive forms too), or ""."""
    word = re.sub(r"['’]s$", "", word)
    for key in (word, word[:-3] + "y" if word.endswith("ies") else "", word[:-1] if word.endswith("s") else ""):
        if key in _NOUN_TO_TYPE:
            return key
    return ""
