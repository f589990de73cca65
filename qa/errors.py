"""Errors a user can act on. Messages quote the bad value and say what to do."""


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
