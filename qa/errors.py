"""Errors a user can act on. Messages quote the bad value and say what to do."""

from __future__ import annotations

import os


class QAError(Exception):
    """Base class for every error this package raises on purpose."""


class IngestError(QAError):
    """An input file or record could not be read as an article."""


class IndexNotFoundError(QAError):
    """No index exists at the given folder."""


class IndexMismatchError(QAError):
    """The index on disk was built with other settings or another format."""


class IndexCorruptError(QAError):
    """The index files are damaged or incomplete."""


class IndexLockedError(QAError):
    """Another process is writing the index."""


class QuestionSetError(QAError):
    """A question set for the evaluation could not be read."""


def rebuild_hint(index_dir: str | os.PathLike) -> str:
    """What to do about an index that cannot be used: the one way this package words it."""
    return f"rebuild it: `python -m qa ingest --rebuild PATH... --index {index_dir}`"
