"""The public entry points: build_index, ingest, load_index, ask."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from .errors import IndexNotFoundError, QAError
from .index import Index, index_settings, load_index
from .indexing import IngestReport, update_index
from .records import Answer
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX = ROOT / "index"
DEFAULT_CORPUS = ROOT / "corpus"
MAX_QUESTION_CHARS = 2000

_loaded: dict[Path, tuple[float, Index]] = {}
_lock = threading.Lock()


def build_index(paths, index_dir=DEFAULT_INDEX, settings: Settings | None = None, embedder=None,
                progress: bool = True, rebuild: bool = False) -> IngestReport:
    """Make the index at `index_dir` hold exactly the articles under `paths` (reusing stored vectors).
    Settings default to those of the existing index (so its model is kept), else to `Settings()`."""
    return update_index(list(paths), index_dir, _settings_for(index_dir, settings, rebuild), embedder,
                        replace=True, rebuild=rebuild, progress=progress)


def ingest(paths, index_dir=DEFAULT_INDEX, settings: Settings | None = None, embedder=None,
           progress: bool = True, rebuild: bool = False) -> IngestReport:
    """Add the articles under `paths` to the index at `index_dir` (creating it if needed). Settings default
    to those of the existing index (so its model is kept), else to `Settings()`."""
    return update_index(list(paths), index_dir, _settings_for(index_dir, settings, rebuild), embedder,
                        replace=False, rebuild=rebuild, progress=progress)


def _settings_for(index_dir, settings: Settings | None, rebuild: bool) -> Settings:
    if settings is not None or rebuild:
        return settings or Settings()
    try:
        return index_settings(index_dir)
    except IndexNotFoundError:
        return Settings()


def open_index(index_dir=DEFAULT_INDEX) -> Index:
    """The loaded index at `index_dir`, reloaded when it changed on disk. The bundled index is built
    from `corpus/` on first use."""
    path = Path(index_dir).resolve()
    manifest = path / "manifest.json"
    if path == DEFAULT_INDEX and not manifest.exists():
        build_index([DEFAULT_CORPUS], path)
    with _lock:
        stamp = manifest.stat().st_mtime if manifest.exists() else 0.0
        hit = _loaded.get(path)
        if hit and hit[0] == stamp:
            return hit[1]
        index = load_index(path, embedder=hit[1].embedder if hit else None)
        _loaded[path] = (stamp, index)
        return index


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")
EXAMPLE = "Who described the 'Club of Other'?"


def clean_question(question: str, max_tokens: int | None = None,
                   tokenizer: str = "cl100k_base") -> tuple[str, tuple[str, ...]]:
    """The question with control and direction-override characters and broken surrogates removed, and
    cut to `max_tokens` tokens (the embedding model's window) with a notice saying so."""
    if not isinstance(question, str):
        raise QAError(f"the question must be text, not {type(question).__name__}")
    q = question.encode("utf-8", "replace").decode("utf-8")
    q = " ".join(_UNPRINTABLE.sub(" ", q).split())
    if not q:
        raise QAError(f'Empty question: ask a question about the news, e.g. "{EXAMPLE}"')
    if not re.search(r"[^\W_]", q):
        raise QAError(f"The question {q[:40]!r} has no words: ask a question about the news, e.g. \"{EXAMPLE}\"")
    cut = q[:MAX_QUESTION_CHARS]
    if max_tokens:
        from .tokens import truncate

        cut = truncate(cut, max_tokens, tokenizer)
    if cut == q:
        return q, ()
    cut = cut.rstrip()
    notice = (f"The question was {len(question):,} characters long, more than the model reads at once; only its "
              f"first {len(cut):,} characters were used.")
    return cut, (notice,)


def ask(question: str, index: Index | str | os.PathLike | None = None, settings: Settings | None = None, *,
        as_of: str | None = None, since: str | None = None, until: str | None = None, sources=None) -> Answer:
    """Answer a question from the index: a short answer with cited spans, or an abstention.

    `as_of` (an ISO date, "2022-06-16") answers as on that day: articles published later are left
    out and fresher ones weigh more. By default "now" is the date of the newest article.
    `since`/`until` (YYYY-MM-DD, inclusive) and `sources` (outlet names) limit the articles used;
    a date range leaves out articles of unknown date and, without `as_of`, answers as of `until`
    (see qa/filters.py)."""
    from dataclasses import replace

    from .answer import answer_question
    from .filters import make_filters, select
    from .news import enrich
    from .recency import day_number

    clean_question(question)  # a bad question or filter fails before the index is opened
    as_of_day = None
    if as_of:
        as_of_day = day_number(as_of)
        if as_of_day is None or len(as_of) != 10:
            raise QAError(f"as_of must be a date written YYYY-MM-DD, not {as_of!r}")
    filters = make_filters(since, until, sources)
    if as_of_day is None and filters.until:
        as_of_day = day_number(filters.until)
    idx = index if isinstance(index, Index) else open_index(index or DEFAULT_INDEX)
    settings = settings or idx.settings
    q, notices = clean_question(question, settings.max_query_tokens, settings.tokenizer)
    chosen = select(idx.articles, idx.doc_of, filters)
    if chosen.allowed is not None and not chosen.allowed.any():
        return Answer(q, f"No article in the index is {filters.describe()}; widen the filters.", True,
                      notices=chosen.notices + notices)
    answer = enrich(idx, answer_question(idx, q, settings, as_of_day, chosen.allowed))
    return replace(answer, notices=chosen.notices + answer.notices + notices)


__all__ = ["ask", "build_index", "ingest", "load_index", "open_index"]
