"""Sentence and paragraph spans of news text, as character offsets into the original string."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A sentence ends at . ! ? (with closing quotes/brackets) followed by space and a likely start, or at a
# Chinese/Japanese full stop, which needs no space after it (but stays inside 「…。」 unless a space follows).
_END = re.compile(
    r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])"
    r"|[。！？]+(?![。！？])(?:[」』”’）)]+(?=\s+\S)|(?![」』”’）)])(?=\s*\S))"
)
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "prof",
    "jr",
    "sr",
    "inc",
    "corp",
    "co",
    "ltd",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "d.c",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "ft",
    "mt",
    "rev",
    "adm",
    "maj",
    "cmdr",
    "pres",
    "supt",
    "dept",
    "est",
    "approx",
}
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of non-empty lines, trimmed of surrounding whitespace."""
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e


def _is_abbreviation(text: str, stop: int) -> bool:
    """True when the '.' at text[stop] ends an abbreviation or an initial, not a sentence."""
    if text[stop] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, stop - 12), stop)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    if word == "no":  # "No. 10", but "No. It was not."
        return bool(re.match(r"\.\s+\d", text[stop : stop + 3]))
    initials = "." in word and all(len(p) == 1 for p in word.split("."))  # J.R.R. Tolkien, U.S.A.
    return word in _ABBREV or initials or (len(word) == 1 and word.isalpha())


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans within each line of text[start:end]; every span is trimmed and non-empty."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for ps, pe in paragraphs(text[start:end]):
        ps, pe = ps + start, pe + start
        cur = ps
        for m in _END.finditer(text, ps, pe):
            if _is_abbreviation(text, m.start()):
                continue
            stop = m.end()
            spans.append((cur, stop))
            cur = stop
            while cur < pe and text[cur].isspace():
                cur += 1
        if cur < pe:
            spans.append((cur, pe))
    return spans
