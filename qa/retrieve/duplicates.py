"""One result per passage, however many articles carry it.

Retrieval results are collapsed: a passage whose words another, better-ranked result already shows
(half of the shorter one's 5-word runs, or a run of about 14 words within one story, such as the same
quotation in two rewrites) is not listed again; its article is named in that result's `also_in`.
qa/answer/citations.py uses `locate` to find a cited quote in the other articles of its story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.index.loaded import Index
from qa.records import Passage
from qa.text.shingles import body_words, shingles

SAME_TEXT = 0.5  # share of the shorter passage's 5-word runs found in the other: the same passage
STORY_RUN = 10  # shared 5-word runs (about 14 words in a row) that make passages of one story the same
CITE_COVER = 0.5  # share of a cited quote's 5-word runs another article must carry to be named with it
SCAN = 4  # once k results are found, copies are looked for among the first SCAN * k ranked articles only
# (comparing all ~200 took ~25 ms a question)
_WORD = re.compile(r"\w+")


def runs(text: str, n: int = 5) -> set[str]:
    """The text's 5-word runs (lower case, page furniture lines left out)."""

    return shingles(body_words(text), n)


@dataclass
class _Result:
    rank: object  # the Ranked entry shown
    runs: set[str]
    also: list[tuple[str, int, int]] = field(default_factory=list)


def collapse_passages(index: Index, ranked: list, k: int) -> tuple[Passage, ...]:
    """The first `k` results of the ranking, one chunk per article, duplicates collapsed into the result
    that shows them first (whose `also_in` names their articles; once there are k results, copies ranked
    past SCAN * k are not looked for)."""
    results: list[_Result] = []
    seen: set[str] = set()
    for i, r in enumerate(ranked):
        if i >= SCAN * k and len(results) >= k:
            break
        c = index.chunks[r.row]
        if c.doc_id in seen:
            continue
        mine = runs(c.text)
        dup = next((x for x in results if _same_passage(index, x, c.doc_id, mine)), None)
        if dup is not None:
            dup.also.append((c.doc_id, c.start, c.end))
            seen.add(c.doc_id)
        elif len(results) < k:
            results.append(_Result(r, mine))
            seen.add(c.doc_id)
    return tuple(_passage(index, x) for x in results)


def _same_passage(index: Index, shown: _Result, doc_id: str, mine: set[str]) -> bool:
    shared = len(shown.runs & mine)
    if not shared:
        return False
    if shared >= SAME_TEXT * min(len(shown.runs), len(mine)):
        return True
    first = index.chunks[shown.rank.row].doc_id
    return shared >= STORY_RUN and index.story_of[first].story_id == index.story_of[doc_id].story_id


def _passage(index: Index, x: _Result) -> Passage:
    c = index.chunks[x.rank.row]
    return Passage(
        c.doc_id,
        c.start,
        c.end,
        c.text,
        round(float(x.rank.score), 6),
        index.articles[c.doc_id].label,
        tuple(d for d, _, _ in x.also),
        tuple((s, e) for _, s, e in x.also),
        index.story_of[c.doc_id].story_id,
    )


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """The span of `text` that carries the words of `quote` (at least half of its 5-word runs, in one
    stretch), or None. Punctuation, case and small edits aside: rewrites quote the same words."""
    qwords = [w.lower() for w in _WORD.findall(quote)]
    n = min(5, len(qwords))
    if not n:
        return None

    wanted = shingles(qwords, n)
    firsts = {run.split(" ", 1)[0] for run in wanted}  # a cheap test before joining a run
    low = [w.lower() for w in _WORD.findall(text)]
    hits = [i for i in range(len(low) - n + 1) if low[i] in firsts and " ".join(low[i : i + n]) in wanted]
    if not hits:
        return None
    best = _densest(hits, span=len(qwords) + 10)
    if len({" ".join(low[i : i + n]) for i in best}) < CITE_COVER * len(wanted):
        return None
    words = list(_WORD.finditer(text))
    return words[best[0]].start(), words[best[-1] + n - 1].end()


def _densest(hits: list[int], span: int) -> list[int]:
    """The largest group of hit positions lying within `span` words of its first."""
    best: list[int] = []
    j = 0
    for i in range(len(hits)):
        while hits[i] - hits[j] > span:
            j += 1
        if i - j + 1 > len(best):
            best = hits[j : i + 1]
    return best
