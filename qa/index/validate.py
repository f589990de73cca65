"""The structure of a loaded index, checked before it is used: checksums prove the files are the ones
written, these checks that they agree with each other (an index edited by hand, or damaged by a bug,
with its checksums recomputed). Each failure is an IndexCorruptError saying what is wrong.

Kept cheap, with array operations where the index is large: on realtimeqa-dev (1,855 articles, 22,312
chunks of 384 dimensions) they take about 40 ms of a ~600 ms load (README, "Reliability").
"""

from __future__ import annotations

import numpy as np

from qa.errors import IndexCorruptError
from qa.index.parses import TITLE
from qa.text.parsed import LABEL_FIELDS

_ARTICLE_FIELDS = ("doc_id", "text", "title", "url", "source", "published", "path")


def check_structure(stored, hint: str) -> None:
    """Raise IndexCorruptError (ending with `hint`, how to rebuild) unless the manifest, articles,
    chunks, vectors, FAISS and BM25 indexes and stories of `stored` (a StoredIndex) fit together."""
    problem = (
        _manifest_problem(stored.manifest)
        or _vector_problem(stored)
        or _article_problem(stored.articles)
        or _chunk_problem(stored.articles, stored.chunks)
        or _story_problem(stored.articles, stored.stories)
        or _parse_problem(stored.articles, getattr(stored, "parses", None))
    )
    if problem:
        raise IndexCorruptError(f"index at {stored.path} is inconsistent: {problem}; {hint}")


def _manifest_problem(manifest: dict) -> str:
    model, dim = manifest.get("model"), manifest.get("dim")
    if not isinstance(model, str) or not model.strip():
        return f"its manifest names no embedding model (model {model!r})"
    if isinstance(dim, bool) or not isinstance(dim, int) or not 0 < dim <= 65536:
        return f"its manifest gives dim {dim!r}, not a vector dimension"
    if model.startswith("hash-") and model != f"hash-{dim}":
        return f"its manifest gives model {model!r} with dim {dim}"
    return ""


def _vector_problem(stored) -> str:
    n, dim, vectors = len(stored.chunks), stored.manifest["dim"], stored.vectors
    if vectors.dtype != np.float32 or vectors.shape != (n, dim):
        return f"vectors.npy holds {vectors.dtype} {vectors.shape}, expected float32 ({n}, {dim}): one per chunk"
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        return f"vectors.npy row {int(np.argmin(finite))} holds NaN or infinite values"
    faiss_index = stored.vector_index
    if faiss_index.d != dim or faiss_index.ntotal != n:
        return f"vectors.faiss holds {faiss_index.ntotal} vectors of {faiss_index.d} dimensions, expected {n} of {dim}"
    if stored.keyword_index.size != n:
        return f"bm25 indexes {stored.keyword_index.size} chunks, expected {n}"
    return ""


def _article_problem(articles: dict) -> str:
    for doc_id, a in articles.items():
        bad = [f for f in _ARTICLE_FIELDS if not isinstance(getattr(a, f), str)]
        if bad or not a.doc_id or not a.text:
            return f"article {doc_id!r} has {('a non-text ' + bad[0]) if bad else 'no id or no text'}"
    return ""


def _chunk_problem(articles: dict, chunks) -> str:
    for i, c in enumerate(chunks):
        a = articles.get(c.doc_id) if isinstance(c.doc_id, str) else None
        if a is None:
            return f"chunk {i} belongs to article {c.doc_id!r}, which is not in articles.jsonl"
        if not (type(c.start) is int and type(c.end) is int and 0 <= c.start < c.end <= len(a.text)):
            return f"chunk {i} has span {c.start!r}-{c.end!r}, outside its article's {len(a.text)} characters"
        if not isinstance(c.text, str) or a.text[c.start : c.end] != c.text:
            return f"chunk {i}'s text is not its article's text at {c.start}-{c.end}"
        if type(c.n_tokens) is not int or c.n_tokens < 0:
            return f"chunk {i} has n_tokens {c.n_tokens!r}"
    return ""


def _story_problem(articles: dict, stories) -> str:
    for s in stories:
        unknown = [d for d in s.doc_ids if not isinstance(d, str) or d not in articles]
        if unknown or not s.doc_ids:
            return f"story {s.story_id!r} names article {unknown[0] if unknown else None!r}, which is not in articles.jsonl"
    return ""


def _parse_problem(articles: dict, parses) -> str:
    """Each stored parse names an article and a span of its text (or its headline), and its tokens lie
    within the text parsed and point at heads among them."""
    if parses is None:
        return ""
    t, n = parses.table, len(parses.doc_ids)
    sizes = {len(parses.starts), len(parses.ends), len(parses.lengths), len(t)}
    if sizes != {n}:
        return f"parses.npz has {n} texts but {sorted(sizes)} rows of spans and token ranges"
    for i, (d, s, e, length) in enumerate(zip(parses.doc_ids, parses.starts, parses.ends, parses.lengths, strict=True)):
        a = articles.get(d)
        if a is None:
            return f"parses.npz row {i} belongs to article {d!r}, which is not in articles.jsonl"
        if (s, e) != (TITLE, TITLE) and not (0 <= s < e <= len(a.text) and length == e - s):
            return f"parses.npz row {i} has span {s}-{e} (length {length}), outside article {d!r}'s text"
    off = t.offsets
    if len(off) == 0 or off[0] != 0 or (np.diff(off) < 0).any() or off[-1] != len(t.idx):
        return "parses.npz token ranges are not increasing from 0 to the number of tokens"
    row = np.repeat(np.arange(n), np.diff(off))
    first = off[:-1][row] if n else np.zeros(0, dtype=np.int64)
    last = off[1:][row] if n else np.zeros(0, dtype=np.int64)
    if (t.idx < 0).any() or (t.idx + t.length > parses.lengths[row]).any():
        return "parses.npz has tokens outside the text parsed"
    if ((t.head < 0) | (t.head >= last - first)).any():
        return "parses.npz has a token whose head is outside its text"
    labels = len(t.labels)
    if any(((getattr(t, f) < 0) | (getattr(t, f) >= labels)).any() for f in LABEL_FIELDS):
        return "parses.npz has a label number outside its labels"
    return ""
