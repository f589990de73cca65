"""The public entry points: build_index, ingest, load_index, ask."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace

from qa.answer.compose import answer_question
from qa.answer.followup import resolve_followup
from qa.answer.news import enrich
from qa.errors import IndexNotFoundError, QAError
from qa.index.build import IngestReport, update_index
from qa.index.embedding import Embedder
from qa.index.layout import current_folder, index_folder
from qa.index.loaded import Index, IndexCache, index_settings, load_index
from qa.index.milvus_index import MilvusIndex, milvus_settings
from qa.index.milvus_store import find_target, store_target
from qa.records import Answer
from qa.retrieve.filters import make_filters, select_for
from qa.settings import DEFAULT_CORPUS, DEFAULT_INDEX, Settings
from qa.text.dates import day_number, parse_date
from qa.text.tokens import truncate

MAX_QUESTION_CHARS = 2000

_indexes = IndexCache()  # the indexes ask() and the app have opened, by folder


def _paths(paths) -> list:
    """The files and folders to read: one path, or an iterable of them (QAError naming the bad one)."""
    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    try:
        items = list(paths)
    except TypeError:
        raise QAError(f"paths must be a list of files or folders, not {type(paths).__name__} {paths!r:.60}") from None
    for i, p in enumerate(items):
        if not isinstance(p, (str, os.PathLike)):
            raise QAError(f"paths[{i}] must be a file or folder path (str or Path), not {type(p).__name__} {p!r:.60}")
    return items


def _check_build_args(index_dir, settings, embedder, progress, rebuild) -> None:
    if not isinstance(index_dir, (str, os.PathLike)):
        raise QAError(f"index_dir must be an index folder path (str or Path), not {type(index_dir).__name__}")
    _check_type(settings, Settings, "settings", "a qa.Settings")
    if embedder is not None and not (callable(getattr(embedder, "embed", None)) and hasattr(embedder, "dim")):
        raise QAError(f"embedder must have embed(texts) and dim, not {type(embedder).__name__}")
    for name, value in (("progress", progress), ("rebuild", rebuild)):
        _check_type(value, bool, name, "True or False")


def _check_type(value, kind: type, name: str, what: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise QAError(f"{name} must be {what}, not {type(value).__name__} {value!r:.60}")


def build_index(
    paths: Iterable[str | os.PathLike],
    index_dir: str | os.PathLike = DEFAULT_INDEX,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: bool = True,
    rebuild: bool = False,
    store: str | None = None,
    ray: str | None = None,
) -> IngestReport:
    """Make the index at `index_dir` hold exactly the articles under `paths` (reusing stored vectors).
    Settings default to those of the existing index (so its model is kept), else to `Settings()`.
    `store` is "faiss" (the index folder, the default), "milvus" (Milvus Lite in `index_dir`) or
    "milvus://HOST:PORT" (a Milvus server); an existing Milvus index at `index_dir` is kept in Milvus.
    `ray` ("" for a new local instance, or a cluster address) embeds through a Ray Data pipeline into
    the Milvus store (Milvus Lite in `index_dir` unless `store` names a server)."""
    paths = _paths(paths)
    _check_build_args(index_dir, settings, embedder, progress, rebuild)
    return _update(paths, index_dir, settings, embedder, progress, rebuild, store, ray, replace=True)


def ingest(
    paths: Iterable[str | os.PathLike],
    index_dir: str | os.PathLike = DEFAULT_INDEX,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: bool = True,
    rebuild: bool = False,
    store: str | None = None,
    ray: str | None = None,
) -> IngestReport:
    """Add the articles under `paths` to the index at `index_dir` (creating it if needed). Settings default
    to those of the existing index (so its model is kept), else to `Settings()`. `store` as in build_index."""
    paths = _paths(paths)
    _check_build_args(index_dir, settings, embedder, progress, rebuild)
    return _update(paths, index_dir, settings, embedder, progress, rebuild, store, ray, replace=False)


def _update(paths, index_dir, settings, embedder, progress, rebuild, store, ray, replace: bool) -> IngestReport:
    target = _target(store or ("milvus" if ray is not None and find_target(index_dir) is None else None), index_dir)
    settings = _settings_for(index_dir, settings, rebuild, target)
    if ray is not None:  # the Ray pipeline (qa/index/ray_ingest.py), always into a Milvus store
        from qa.index.ray_ingest import ray_update

        return ray_update(list(paths), target, settings, ray or None, replace, rebuild, progress)
    return update_index(list(paths), index_dir, settings, embedder, replace, rebuild, progress, target)


def _target(store: str | None, index_dir):
    """Where the index is written: a Milvus target, or None for the index folder."""
    return store_target(store, index_dir) if store else find_target(index_dir)


def _settings_for(index_dir, settings: Settings | None, rebuild: bool, target=None) -> Settings:
    if settings is not None or rebuild:
        return settings or Settings()
    try:
        return milvus_settings(target) if target is not None else index_settings(index_dir)
    except IndexNotFoundError:
        return Settings()


def open_index(index_dir: str | os.PathLike = DEFAULT_INDEX) -> Index:
    """The loaded index at `index_dir`, kept loaded and reloaded when it is rebuilt on disk. The bundled
    index (index/) is built from corpus/ the first time it is opened."""
    if find_target(index_dir) is not None:  # a Milvus index: a server URI or a folder holding milvus.db
        return _indexes.get(index_dir)
    path = index_folder(index_dir)
    if path == DEFAULT_INDEX and current_folder(path) is None:
        build_index([DEFAULT_CORPUS], path)
    return _indexes.get(path)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
EXAMPLE = "Who described the 'Club of Other'?"


def clean_question(
    question: str, max_tokens: int | None = None, tokenizer: str = "cl100k_base"
) -> tuple[str, tuple[str, ...]]:
    """The question with control and direction-override characters and broken surrogates removed, in
    Unicode NFC (as articles are stored: qa/ingest/readers.py `composed`), and cut to `max_tokens` tokens
    (the embedding model's window) with a notice saying so."""
    if not isinstance(question, str):
        raise QAError(f"the question must be text, not {type(question).__name__}")
    q = question.encode("utf-8", "replace").decode("utf-8")
    q = unicodedata.normalize("NFC", " ".join(_UNPRINTABLE.sub(" ", q).split()))  # "é" as the articles write it
    if not q:
        raise QAError(f'Empty question: ask a question about the news, e.g. "{EXAMPLE}"')
    if not re.search(r"[^\W_]", q):
        raise QAError(f'The question {q[:40]!r} has no words: ask a question about the news, e.g. "{EXAMPLE}"')
    cut = q[:MAX_QUESTION_CHARS]
    if max_tokens:
        cut = truncate(cut, max_tokens, tokenizer)
    if cut == q:
        return q, ()
    cut = cut.rstrip()
    notice = (
        f"The question was {len(question):,} characters long, more than the model reads at once; only its "
        f"first {len(cut):,} characters were used."
    )
    return cut, (notice,)


def ask(
    question: str,
    index: Index | str | os.PathLike | None = None,
    settings: Settings | None = None,
    *,
    as_of: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sources=None,
    previous: Answer | None = None,
) -> Answer:
    """Answer a question from the index: a short answer with cited spans, or an abstention.

    `as_of` (an ISO date, "2022-06-16") answers as on that day: articles published later are left
    out and fresher ones weigh more. By default "now" is the date of the newest article.
    `since`/`until` (YYYY-MM-DD, inclusive) and `sources` (outlet names) limit the articles used;
    a date range leaves out articles of unknown date and, without `as_of`, answers as of `until`
    (see qa/retrieve/filters.py). With `previous` (the answer before, in a conversation), a follow-up
    such as "What does he say …" is asked as "What does Julio Borges say …"; the answer records the
    question it answered in `resolved_question`."""
    _check_ask_args(index, settings, as_of, since, until, sources, previous)
    typed, _ = clean_question(question)  # a bad question or filter fails before the index is opened
    as_of_day = parse_date(as_of, "as_of").toordinal() if as_of else None
    filters = make_filters(since, until, sources)
    if as_of_day is None and filters.until:
        as_of_day = day_number(filters.until)
    idx = index if isinstance(index, (Index, MilvusIndex)) else open_index(index or DEFAULT_INDEX)
    settings = settings or idx.settings
    resolved = resolve_followup(question, previous)
    q, notices = clean_question(resolved, settings.max_query_tokens, settings.tokenizer)
    asked = {"question": q if resolved == question else typed, "resolved_question": q}
    chosen = select_for(idx, filters)
    if chosen.empty:
        empty = Answer(
            q,
            f"No article in the index is {filters.describe()}; widen the filters.",
            True,
            notices=chosen.notices + notices,
            answer_kind="none",
        )
        return replace(empty, **asked)
    answer = enrich(idx, answer_question(idx, q, settings, as_of_day, chosen.allowed))
    return replace(answer, notices=chosen.notices + answer.notices + notices, **asked)


def _check_ask_args(index, settings, as_of, since, until, sources, previous) -> None:
    """QAError naming the argument of ask() that is of the wrong type (the question: clean_question)."""
    if index is not None and not isinstance(index, (Index, MilvusIndex, str, os.PathLike)):
        raise QAError(f"index must be an Index (from load_index) or an index folder path, not {type(index).__name__}")
    _check_type(settings, Settings, "settings", "a qa.Settings")
    for name, value in (("as_of", as_of), ("since", since), ("until", until)):
        if value is not None and not isinstance(value, str):
            parse_date(value, name)  # the one message for a date that is not a date
    if sources is not None and not isinstance(sources, str):
        try:
            names = list(sources)
        except TypeError:
            raise QAError(
                f"sources must be a list of outlet names, not {type(sources).__name__} {sources!r:.60}"
            ) from None
        for i, name in enumerate(names):
            _check_type(name, str, f"sources[{i}]", "an outlet name (text)")
    _check_type(previous, Answer, "previous", "the Answer of the question before")


__all__ = ["ask", "build_index", "ingest", "load_index", "open_index"]
