"""Where the quotations are in news text: spans between quote marks, across paragraphs when a long
quote continues. Who said them is answering's business (qa/answer/attribution.py)."""

from __future__ import annotations

import re

from qa.text.sentences import paragraphs

_OPEN, _CLOSE = "“", "”"


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quotations (marks included). A curly quote left open at a paragraph end continues
    when the next paragraph opens with a quote mark; straight quotes pair within a paragraph."""
    spans: list[tuple[int, int]] = []
    i = text.find(_OPEN)
    while i >= 0:
        cur = i + 1
        while True:
            close, reopen = text.find(_CLOSE, cur), text.find(_OPEN, cur)
            para_end = text.find("\n", cur)
            para_end = len(text) if para_end < 0 else para_end
            if close >= 0 and (reopen < 0 or close < reopen) and close <= para_end:
                end = close + 1
                break
            nxt = _next_paragraph_start(text, para_end)
            if nxt is not None and text.startswith(_OPEN, nxt) and (close < 0 or close > nxt):
                cur = nxt + 1
                continue
            end = para_end
            break
        spans.append((i, end))
        i = text.find(_OPEN, end)
    for ps, pe in paragraphs(text):
        if any(s <= ps < e for s, e in spans):
            continue
        marks = [m.start() for m in re.finditer('"', text[ps:pe])]
        spans.extend((ps + a, ps + b + 1) for a, b in zip(marks[::2], marks[1::2], strict=False))
    return sorted(spans)


def _next_paragraph_start(text: str, pos: int) -> int | None:
    m = re.compile(r"\s*").match(text, pos)
    nxt = m.end() if m else pos
    return nxt if nxt < len(text) and nxt > pos else None
