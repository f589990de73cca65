"""Outlet names: what an article's outlet is called and the names a filter may give for it.

Kept below every stage because both the filters (qa/retrieve/filters.py) and the Milvus store, which
stores each article's outlet keys so that an outlet filter runs inside the engine, need the same keys.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from qa.records import Article

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


def outlet_key(name: str) -> str:
    """A name reduced to lower-case letters and digits ("USA Today" → "usatoday")."""
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
    keys = [outlet_key(name), *(_site_keys(name) if _is_host(name) else ())]
    return next((OUTLET_NAMES[k] for k in keys if k in OUTLET_NAMES), name)


def _is_host(name: str) -> bool:
    return "." in name and " " not in name.strip()


def _site_keys(host: str) -> set[str]:
    """A host's site name with and without its domain suffix: edition.cnn.com → cnn, cnncom."""
    labels = [x for x in host.lower().split(".") if x and x != "www"]
    suffix: list[str] = []
    while len(labels) > 1 and labels[-1] in _SUFFIXES:
        suffix.insert(0, labels.pop())
    return {outlet_key(labels[-1]), outlet_key(labels[-1] + "".join(suffix))} if labels else set()


def outlet_keys(article: Article) -> set[str]:
    """Names the outlet answers to: its source, or its host and the host's main label (cnn.com → cnn)."""
    name = outlet(article)
    if not name:
        return set()
    keys = {outlet_key(name)}
    if not article.source:  # a host: also its site's name and domain (edition.cnn.com → cnn, cnn.com)
        keys |= _site_keys(name)
    return keys - {""}


_TITLE_TAIL = re.compile(r"\s*(?:[|–—-]\s*[^|–—-]{1,40}|\.\.\.|…)\s*$")


def clean_title(title: str) -> str:
    """A headline without its outlet tail (" - CNN", " | CNN Politics") or a cut-off "..."."""
    prev = None
    while prev != title:
        prev, title = title, _TITLE_TAIL.sub("", title).strip()
    return title
