"""Citations: the one place a Citation is made (an article's exact words, `article.text[start:end]`),
the same words found in the other articles of its story, and citations of the same words grouped
for display."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from qa.index.loaded import Index
from qa.records import Article, Citation, Passage
from qa.retrieve.duplicates import locate


def cite(article: Article, start: int, end: int) -> Citation:
    """The citation of `article.text[start:end]`."""
    a = article
    return Citation(a.doc_id, a.label, a.url, start, end, a.text[start:end], a.source, a.published)


def cite_span(index: Index, doc_id: str, start: int, end: int) -> Citation:
    return cite(index.articles[doc_id], start, end)


def copies_of(item: Citation | Passage, articles: Mapping[str, Article]) -> list[Citation]:
    """Citations of the same words in the other articles that carry them (a citation's or passage's
    `also_in`), for the articles still in `articles`."""
    return [cite(articles[d], s, e) for d, s, e in item.copies if d in articles]


def with_copies(index: Index, citation: Citation) -> Citation:
    """The citation with `also_in`: the other articles of its story that carry the cited words."""
    story = index.story_of.get(citation.doc_id)
    if story is None:
        return citation
    also = []
    for d in story.doc_ids:
        if d != citation.doc_id and d in index.articles:
            span = locate(citation.quote, index.articles[d].text)
            if span:
                also.append((d, span))
    return replace(
        citation, story=story.story_id, also_in=tuple(d for d, _ in also), also_spans=tuple(s for _, s in also)
    )


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def same_words(a: str, b: str, threshold: float = 0.8) -> bool:
    """True when two quotes carry the same words (punctuation, case and a short lead-in aside)."""
    wa, wb = words_of(a), words_of(b)
    if not wa or not wb:
        return False
    if min(len(wa), len(wb)) < 6:
        return wa == wb
    blocks = SequenceMatcher(None, wa, wb, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) >= threshold * min(len(wa), len(wb))


def citation_groups(citations: Sequence[Citation]) -> list[list[int]]:
    """Citation numbers (1-based) grouped so that quotes of the same words in different articles
    (articles of one story, or near duplicates) sit together; the first number of a group is its main source."""
    groups: list[list[int]] = []
    for i, c in enumerate(citations, 1):
        for g in groups:
            first = citations[g[0] - 1]
            if first.doc_id != c.doc_id and (c.doc_id in first.also_in or same_words(first.quote, c.quote)):
                g.append(i)
                break
        else:
            groups.append([i])
    return groups
