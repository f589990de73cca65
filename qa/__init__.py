"""Question answering over news articles, with every answer cited as exact character spans.

    from qa import ask
    answer = ask("Who described the 'Club of Other'?")

Nothing heavy is imported here: models, FAISS and spaCy load on first use.
"""

from qa.errors import IndexMismatchError, IndexNotFoundError, QAError
from qa.records import Answer, Article, Chunk, Citation, Passage, Story
from qa.settings import Settings

__all__ = [
    "ask",
    "build_index",
    "ingest",
    "load_index",
    "Answer",
    "Article",
    "Chunk",
    "Citation",
    "Passage",
    "Story",
    "Settings",
    "QAError",
    "IndexMismatchError",
    "IndexNotFoundError",
]


def __getattr__(name: str):
    if name in ("ask", "build_index", "ingest", "load_index"):
        from qa import api

        return getattr(api, name)
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
