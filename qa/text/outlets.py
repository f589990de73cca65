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


def outlet_keys(article: Article) -> set[str]:
    """Names the outlet answers to: its source, or its host and the host's main label (cnn.com → cnn)."""
    name = outlet(article)
    if not name:
        return set()
    keys = {outlet_key(name)}
    if not article.source:  # a host: also its site's name and domain (edition.cnn.com → cnn, cnn.com)
        labels = [x for x in name.lower().split(".") if x and x != "www"]
        suffix: list[str] = []
        while len(labels) > 1 and labels[-1] in _SUFFIXES:
            suffix.insert(0, labels.pop())
        if labels:
            keys.update({outlet_key(labels[-1]), outlet_key(labels[-1] + "".join(suffix))})
    return keys - {""}
