"""Which articles a question may be answered from: a date range and a list of outlets.

Dates are inclusive ISO dates compared with each article's publication date (qa/text/dates.py). An article
whose date is unknown cannot be placed in a range, so a date filter leaves it out and the answer's
notices say how many were left out. Outlets are matched, case and punctuation aside, against the
article's `source`, or against the host of its URL when it names no source ("cnn" matches
www.cnn.com, "USA Today" matches usatoday.com).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from qa.errors import QAError
from qa.index.search import Scope
from qa.records import Article
from qa.text.dates import check_day, day_number
from qa.text.outlets import outlet, outlet_key, outlet_keys, outlet_name


@dataclass(frozen=True)
class Filters:
    since: str = ""  # YYYY-MM-DD or ""
    until: str = ""
    sources: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.sources)

    def describe(self) -> str:
        parts = []
        if self.since or self.until:
            parts.append(f"published {_range(self.since, self.until)}")
        if self.sources:
            parts.append("from " + " or ".join(self.sources))
        return ", ".join(parts)


def _range(since: str, until: str) -> str:
    if since and until:
        return f"from {since} to {until}"
    return f"on or after {since}" if since else f"on or before {until}"


def make_filters(
    since: str | None = None, until: str | None = None, sources: Iterable[str] | str | None = None
) -> Filters:
    """Checked filters; QAError when a date is not a date or the range is empty."""
    since, until = check_day(since or "", "since"), check_day(until or "", "until")
    if since and until and since > until:
        raise QAError(f"since {since} is after until {until}: no article can be in that range; swap the dates")
    if isinstance(sources, str):
        sources = [sources]
    names = tuple(dict.fromkeys(s.strip() for s in (sources or ()) if s and s.strip()))
    return Filters(since, until, names)


def keep_article(article: Article, filters: Filters) -> bool:
    if filters.since or filters.until:
        if not article.published:
            return False
        day = article.published[:10]
        if (filters.since and day < filters.since) or (filters.until and day > filters.until):
            return False
    if filters.sources:
        wanted = {outlet_key(s) for s in filters.sources}
        if not wanted & outlet_keys(article):
            return False
    return True


@dataclass(frozen=True)
class Selection:
    """The articles that pass the filters, in the form the index searches by, and what to tell the user."""

    allowed: object | None  # numpy bool array over chunk rows, a Scope (engine stores), or None for "all"
    n_articles: int
    notices: tuple[str, ...]
    empty: bool = False  # no chunk passes: nothing to search


def select(articles: Mapping[str, Article], doc_of: Sequence[str], filters: Filters) -> Selection:
    import numpy as np

    if not filters.active:
        return Selection(None, len(articles), ())
    kept = {d for d, a in articles.items() if keep_article(a, filters)}
    allowed = np.fromiter((d in kept for d in doc_of), dtype=bool, count=len(doc_of))
    undated = sum(1 for a in articles.values() if not a.published) if (filters.since or filters.until) else 0
    known = (
        sorted({outlet_name(outlet(a)) for a in articles.values() if outlet(a)}) if filters.sources and not kept else []
    )
    notices = _notices(filters, len(kept), len(articles), undated, known)
    return Selection(allowed, len(kept), notices, not allowed.any())


def select_for(index, filters: Filters) -> Selection:
    """`select` for an index: a chunk-row mask for the index folder; for a store that filters inside
    its engine (Milvus), a Scope that its searches turn into filter expressions, counted there."""
    if not index.engine_filters:
        return select(index.articles, index.doc_of, filters)
    if not filters.active:
        return Selection(None, index.n_articles, ())
    scope = Scope(
        day_number(filters.since) if filters.since else None,
        day_number(filters.until) if filters.until else None,
        tuple(sorted({outlet_key(s) for s in filters.sources})),
    )
    kept = index.count_articles(scope)
    undated = index.count_undated() if (filters.since or filters.until) else 0
    known = sorted({outlet_name(n) for n in index.outlet_names()}) if filters.sources and not kept else []
    return Selection(scope, kept, _notices(filters, kept, index.n_articles, undated, known), kept == 0)


def _notices(filters: Filters, kept: int, total: int, undated: int, known: list[str]) -> tuple[str, ...]:
    notices = [f"Only articles {filters.describe()} were searched ({kept:,} of {total:,})."]
    if undated:
        notices.append(
            f"{undated:,} article{'s' if undated != 1 else ''} with no known date "
            f"{'were' if undated != 1 else 'was'} left out by the date filter."
        )
    if filters.sources and not kept:
        names = ", ".join(known[:12])
        notices.append(
            f"No article is from {' or '.join(filters.sources)}; the outlets in the index are: {names or 'none named'}."
        )
    return tuple(notices)


def outlets(articles: Mapping[str, Article]) -> list[str]:
    """The outlets in the index by their proper names, most articles first (for the chat's filter list;
    every name matches its articles, as "Fox News" matches source "foxnews")."""
    from collections import Counter

    counts = Counter(outlet_name(outlet(a)) for a in articles.values() if outlet(a))
    return [name for name, _ in counts.most_common()]
