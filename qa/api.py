"""The public entry points: build_index, ingest, load_index, ask."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from .errors import QAError
from .index import Index, load_index
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
    """Make the index at `index_dir` hold exactly the articles under `paths` (reusing stored vectors)."""
    return update_index(list(paths), index_dir, settings or Settings(), embedder, replace=True,
                        rebuild=rebuild, progress=progress)


def ingest(paths, index_dir=DEFAULT_INDEX, settings: Settings | None = None, embedder=None,
           progress: bool = True, rebuild: bool = False) -> IngestReport:
    """Add the articles under `paths` to the index at `index_dir` (creating it if needed)."""
    return update_index(list(paths), index_dir, settings or Settings(), embedder, replace=False,
                        rebuild=rebuild, progress=progress)


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


def clean_question(question: str) -> tuple[str, tuple[str, ...]]:
    """The question with control characters and broken surrogates removed, shortened if huge."""
    if not isinstance(question, str):
        raise QAError(f"the question must be text, not {type(question).__name__}")
    q = question.encode("utf-8", "replace").decode("utf-8")
    q = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", q)
    q = " ".join(q.split())
    if not re.search(r"\w", q):
        raise QAError("Empty question: ask a question about the news, e.g. \"Who described the 'Club of Other'?\"")
    notices = ()
    if len(q) > MAX_QUESTION_CHARS:
        q = q[:MAX_QUESTION_CHARS]
        notices = (f"The question was {len(question):,} characters long; only its first {MAX_QUESTION_CHARS:,} were used.",)
    return q, notices


def ask(question: str, index: Index | str | os.PathLike | None = None, settings: Settings | None = None) -> Answer:
    """Answer a question from the index: a short answer with cited spans, or an abstention."""
    from dataclasses import replace

    from .answer import answer_question

    q, notices = clean_question(question)
    idx = index if isinstance(index, Index) else open_index(index or DEFAULT_INDEX)
    answer = answer_question(idx, q, settings or idx.settings)
    return replace(answer, notices=answer.notices + notices) if notices else answer


__all__ = ["ask", "build_index", "ingest", "load_index", "open_index"]
