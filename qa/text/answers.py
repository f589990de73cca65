"""Answer strings compared as SQuAD compares them: lower case, no punctuation, no articles. The
evaluation scores answers with this and answering merges candidates that read the same with it."""

from __future__ import annotations

import re
import string
import unicodedata

_ARTICLES = re.compile(r"\b(a|an|the)\b")


class _Blanks(dict):
    """A str.translate table that maps every punctuation character to a space, filled as characters
    are met (so a long text costs one lookup per character, in C)."""

    def __missing__(self, code: int):
        ch = chr(code)
        value = " " if ch in string.punctuation or unicodedata.category(ch).startswith("P") else ch
        self[code] = value
        return value


_PUNCTUATION = _Blanks()


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation (ASCII as in SQuAD, plus Unicode punctuation such
    as curly quotes and dashes), no articles a/an/the, single spaces."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(answer: str, gold: str) -> bool:
    """True when the normalised gold occurs in the normalised answer as whole words ("10" is not in "100")."""
    n = normalize_answer(gold)
    return bool(n) and f" {n} " in f" {normalize_answer(answer)} "
