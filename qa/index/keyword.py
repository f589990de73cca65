"""BM25 keyword search over chunk texts (bm25s), with English stopwords and Snowball stemming."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.text.terms import terms


class KeywordIndex:
    """A bm25s index over a list of texts; row i is text i."""

    def __init__(self, retriever):
        self._bm25 = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([terms(t) or ["_"] for t in texts], show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, mmap=False, show_progress=False))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no query word is indexed)."""
        q = [t for t in terms(query) if t in self._bm25.vocab_dict]
        if not q:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def idf(self, stemmed_terms: Sequence[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each (already stemmed) term; unknown terms get the maximum."""
        vocab, indptr, n = self._bm25.vocab_dict, self._bm25.scores["indptr"], self.size
        out = {}
        for t in stemmed_terms:
            df = int(indptr[vocab[t] + 1] - indptr[vocab[t]]) if t in vocab else 0
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out
