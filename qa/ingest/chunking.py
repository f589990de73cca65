"""Token windows over an article, cut at sentence boundaries, each a span of the article text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.records import Article, Chunk
from qa.text.boilerplate import is_boilerplate
from qa.text.sentences import paragraphs, sentence_spans

TokenCounter = Callable[[Sequence[str]], list[int]]


def content_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of the text, leaving out boilerplate lines."""
    spans: list[tuple[int, int]] = []
    for ps, pe in paragraphs(text):
        if not is_boilerplate(text[ps:pe]):
            spans.extend(sentence_spans(text, ps, pe))
    return spans


def _split_long(text: str, s: int, e: int, n_tokens: int, limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into roughly equal pieces at whitespace (or anywhere if none)."""
    pieces = -(-n_tokens // limit)
    step = max(1, (e - s) // pieces)
    out: list[tuple[int, int]] = []
    cur = s
    while cur < e:
        stop = min(e, cur + step)
        if stop < e:
            space = text.rfind(" ", cur + step // 2, stop)
            stop = space if space > cur else stop
            while text[stop - 1].isspace():  # text[cur] is not a space
                stop -= 1
        out.append((cur, stop))
        cur = stop
        while cur < e and text[cur].isspace():
            cur += 1
    return out


def _halve(text: str, s: int, e: int, n: int, count: TokenCounter, limit: int) -> list[tuple[int, int, int]]:
    """Pieces (start, end, tokens) of text[s:e], each at most `limit` tokens (or one character): halved at the
    space nearest the middle, else at the middle, until they fit."""
    if n <= limit or e - s < 2:
        return [(s, e, n)]
    mid = (s + e) // 2
    space = text.rfind(" ", s + (e - s) // 4, mid + 1)
    cut = space if space > s else mid
    left, right = cut, cut
    while text[left - 1].isspace():  # text[s] and text[e - 1] are not spaces, so both halves keep a character
        left -= 1
    while text[right].isspace():
        right += 1
    (nl, nr) = count([text[s:left], text[right:e]])
    return _halve(text, s, left, nl, count, limit) + _halve(text, right, e, nr, count, limit)


def _units(text: str, count: TokenCounter, limit: int) -> list[tuple[int, int, int]]:
    """Sentences (start, end, tokens), with sentences longer than `limit` tokens split up."""
    spans = content_sentences(text)
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, count([text[s:e] for s, e in spans]), strict=True):
        if n <= limit:
            units.append((s, e, n))
            continue
        parts = _split_long(text, s, e, n, limit)
        for (ps, pe), pn in zip(parts, count([text[ps:pe] for ps, pe in parts]), strict=True):
            units.extend(_halve(text, ps, pe, pn, count, limit))  # a piece still too long (few spaces)
    return units


def _window_end(text: str, units, i: int, least: int, size: int, count: TokenCounter) -> tuple[int, int]:
    """(j, tokens): the window units[i:j] holds as many sentences as fit in `size` tokens counted on its own
    text (line breaks and boilerplate lines between sentences count too), and at least units[i:least]."""
    j, total = i, 0
    while j < len(units) and total + units[j][2] <= size:
        total += units[j][2]
        j += 1
    j = max(j, least)
    n = count([text[units[i][0] : units[j - 1][1]]])[0]
    while n > size and j > least:
        j -= 1
        n = count([text[units[i][0] : units[j - 1][1]]])[0]
    return j, n


def _overlap_start(text: str, units, i: int, j: int, overlap: int, count: TokenCounter) -> int:
    """Where the window after units[i:j] starts: back by whole sentences of at most `overlap` tokens."""
    end, k, back = units[j - 1][1], j, 0
    while k - 1 > i:
        back += units[k - 1][2]
        if back > overlap or count([text[units[k - 1][0] : end]])[0] > overlap:
            break
        k -= 1
    return k


def chunk_article(article: Article, count: TokenCounter, size: int = 256, overlap: int = 32) -> list[Chunk]:
    """Pack sentences into windows of at most `size` tokens (counted on the chunk's own text); consecutive
    windows share up to `overlap` tokens of whole sentences. Every chunk's text is `article.text[start:end]`."""
    if overlap >= size:
        raise ValueError(f"chunk overlap ({overlap}) must be smaller than the chunk size ({size})")
    text = article.text
    units = _units(text, count, size)
    chunks: list[Chunk] = []
    i, new = 0, 0  # units[new] is the first sentence no chunk holds yet
    while i < len(units):
        j, n = _window_end(text, units, i, new + 1, size, count)
        if n > size:  # the overlap and the next sentence do not fit together: no overlap this time
            i = new
            j, n = _window_end(text, units, i, new + 1, size, count)
        s, e = units[i][0], units[j - 1][1]
        chunks.append(Chunk(article.doc_id, s, e, text[s:e], n))
        if j >= len(units):
            break
        i, new = _overlap_start(text, units, i, j, overlap, count), j
    return chunks
