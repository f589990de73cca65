"""Which articles a question may be answered from: a date range and a list of outlets.

Dates are inclusive ISO dates compared with each article's publication date (qa/text/dates.py). An article
whose date is unknown cannot be placed in a range, so a date filter leaves it out and the answer's
notices say how many were left out. Outlets are matched, case and punctuation aside, against the
article's `source`, or against the host of its URL when it names no source ("cnn" matches
www.cnn.com, "USA Today" matches usatoday.com).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from qa.errors import QAError
from qa.records import Article
from qa.text.dates import check_day

_SUFFIXES = {
    "com",
    "org",
    "net",
    "co",
    "uk",
    "us",
    "news",
    "gov",
    "edu",
    "int",
    "io",
    "info",
    "tv",
    "au",
    "ca",
    "de",
    "fr",
    "in",
    "ie",
    "nz",
    "eu",
}


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


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


def outlet(article: Article) -> str:
    """The outlet's name: the article's source, else its URL's host without "www."."""
    if article.source:
        return article.source
    host = (urlparse(article.url).hostname or "") if article.url else ""
    return host[4:] if host.startswith("www.") else host


# Proper names of outlets, by the key of their source or site name (foxnews, fox-news.com → foxnews); an
# outlet not listed is shown as its source or site says.
OUTLET_NAMES = {
    "abcnews": "ABC News",
    "aljazeera": "Al Jazeera",
    "apnews": "AP News",
    "bbc": "BBC",
    "bloomberg": "Bloomberg",
    "cbsnews": "CBS News",
    "cnbc": "CNBC",
    "cnn": "CNN",
    "foxbusiness": "Fox Business",
    "foxnews": "Fox News",
    "latimes": "Los Angeles Times",
    "nbcnews": "NBC News",
    "npr": "NPR",
    "nypost": "New York Post",
    "nytimes": "The New York Times",
    "politico": "Politico",
    "reuters": "Reuters",
    "theatlantic": "The Atlantic",
    "theguardian": "The Guardian",
    "thehill": "The Hill",
    "theweek": "The Week",
    "usatoday": "USA Today",
    "washingtonpost": "The Washington Post",
    "wsj": "The Wall Street Journal",
}


def outlet_name(name: str) -> str:
    """The proper name of an outlet given as a source or a host: "foxnews" → "Fox News", "www.usatoday.com"
    → "USA Today", "theweek.co.uk" → "The Week"; a name not in OUTLET_NAMES as it is."""
    keys = [_key(name), *(_site_keys(name) if _is_host(name) else ())]
    return next((OUTLET_NAMES[k] for k in keys if k in OUTLET_NAMES), name)


def _is_host(name: str) -> bool:
    return "." in name and " " not in name.strip()


def _site_keys(host: str) -> set[str]:
    """A host's site name with and without its domain suffix: edition.cnn.com → cnn, cnncom."""
    labels = [x for x in host.lower().split(".") if x and x != "www"]
    suffix: list[str] = []
    while len(labels) > 1 and labels[-1] in _SUFFIXES:
        suffix.insert(0, labels.pop())
    return {_key(labels[-1]), _key(labels[-1] + "".join(suffix))} if labels else set()


def outlet_keys(article: Article) -> set[str]:
    """Names the outlet answers to: its source, or its host and the host's main label (cnn.com → cnn)."""
    name = outlet(article)
    if not name:
        return set()
    keys = {_key(name)}
    if not article.source:  # a host: also its site's name and domain (edition.cnn.com → cnn, cnn.com)
        keys |= _site_keys(name)
    return keys - {""}


def keep_article(article: Article, filters: Filters) -> bool:
    if filters.since or filters.until:
        if not article.published:
            return False
        day = article.published[:10]
        if (filters.since and day < filters.since) or (filters.until and day > filters.until):
            return False
    if filters.sources:
        wanted = {_key(s) for s in filters.sources}
        if not wanted & outlet_keys(article):
            return False
    return True


@dataclass(frozen=True)
class Selection:
    """The articles that pass the filters, as a chunk-row mask for retrieval, and what to tell the user."""

    allowed: object | None  # numpy bool array over chunk rows, or None for "all"
    n_articles: int
    notices: tuple[str, ...]


def select(articles: Mapping[str, Article], doc_of: Sequence[str], filters: Filters) -> Selection:
    import numpy as np

    if not filters.active:
        return Selection(None, len(articles), ())
    kept = {d for d, a in articles.items() if keep_article(a, filters)}
    allowed = np.fromiter((d in kept for d in doc_of), dtype=bool, count=len(doc_of))
    notices = [f"Only articles {filters.describe()} were searched ({len(kept):,} of {len(articles):,})."]
    if filters.since or filters.until:
        undated = sum(1 for a in articles.values() if not a.published)
        if undated:
            notices.append(
                f"{undated:,} article{'s' if undated != 1 else ''} with no known date "
                f"{'were' if undated != 1 else 'was'} left out by the date filter."
            )
    if filters.sources and not kept:
        known = ", ".join(sorted({outlet_name(outlet(a)) for a in articles.values() if outlet(a)})[:12])
        notices.append(
            f"No article is from {' or '.join(filters.sources)}; the outlets in the index are: {known or 'none named'}."
        )
    return Selection(allowed, len(kept), tuple(notices))


def outlets(articles: Mapping[str, Article]) -> list[str]:
    """The outlets in the index by their proper names, most articles first (for the chat's filter list;
    every name matches its articles, as "Fox News" matches source "foxnews")."""
    from collections import Counter

    counts = Counter(outlet_name(outlet(a)) for a in articles.values() if outlet(a))
    return [name for name, _ in counts.most_common()]
