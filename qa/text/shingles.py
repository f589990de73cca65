"""Word shingles (runs of n consecutive words), the unit near-duplicate text is compared by: story
grouping at ingest and the collapsing of copied passages at retrieval both use them."""

from __future__ import annotations

import re

from qa.text.boilerplate import strip_boilerplate

SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def shingles(words: list[str], n: int = SHINGLE_WORDS) -> set[str]:
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def body_words(text: str) -> list[str]:
    """Lower-cased words of the text without page furniture lines."""
    return _WORD.findall(strip_boilerplate(text).lower())
