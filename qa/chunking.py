"""Token windows over an article, cut at sentence boundaries, each a span of the article text."""

from __future__ import annotations

from typing import Callable, Sequence

from .boilerplate import is_boilerplate
from .records import Article, Chunk
from .sentences import paragraphs, sentence_spans

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
        out.append((cur, stop))
        cur = stop
        while cur < e and text[cur].isspace():
            cur += 1
    return out


def _units(text: str, count: TokenCounter, limit: int) -> list[tuple[int, int, int]]:
    """Sentences (start, end, tokens), with sentences longer than `limit` tokens split up."""
    spans = content_sentences(text)
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, count([text[s:e] for s, e in spans])):
        if n <= limit:
            units.append((s, e, n))
            continue
        parts = _split_long(text, s, e, n, limit)
        for (ps, pe), pn in zip(parts, count([text[ps:pe] for ps, pe in parts])):
            if pn > limit:  # a piece still too long (few spaces): cut by characters
                sub = _split_long(text, ps, pe, pn, limit)
                units.extend((a, b, n2) for (a, b), n2 in zip(sub, count([text[a:b] for a, b in sub])))
            else:
                units.append((ps, pe, pn))
    return units


def chunk_article(article: Article, count: TokenCounter, size: int = 256, overlap: int = 32) -> list[Chunk]:
    """Pack sentences into windows of at most `size` tokens; consecutive windows share up to
    `overlap` tokens of whole sentences. Every chunk's text is `article.text[start:end]`."""
    if overlap >= size:
        raise ValueError(f"chunk overlap ({overlap}) must be smaller than the chunk size ({size})")
    text = article.text
    units = _units(text, count, size)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and total + units[j][2] <= size:
            total += units[j][2]
            j += 1
        j = max(j, i + 1)
        s, e = units[i][0], units[j - 1][1]
        chunks.append(Chunk(article.doc_id, s, e, text[s:e], sum(u[2] for u in units[i:j])))
        if j >= len(units):
            break
        back, k = 0, j
        while k - 1 > i and back + units[k - 1][2] <= overlap:
            back += units[k - 1][2]
            k -= 1
        i = k
    return chunks
