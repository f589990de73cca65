"""Parses stored at ingest (parses.npz): every article's headline and the sentences of its first two
chunks, parsed once by spaCy. Answering reads them for most questions (85 % of the passages a
realtimeqa-dev question reads, 78 % of their characters: a news story says who, what and where first),
so a question parses only the other passages it reads. Stored parses are used only under the parser that made them
(qa/text/parsed.py parser_key); a Doc rebuilt from them equals a fresh parse of the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.records import Article, Chunk
from qa.text.outlets import clean_title
from qa.text.parsed import ParseTable, concat, encode, parser_key
from qa.text.sentences import sentence_spans

FILE = "parses.npz"
TITLE = -1  # start and end of an article's headline row
LEAD_CHUNKS = 2  # the first chunks of an article whose sentences are parsed at ingest: with the second,
# the passages parsed per question lost a quarter of their characters (ask() p50 94.7 -> 86.9 ms on the
# dev index, four alternating rounds) for 36 s more of a ~14-minute ingest (26,428 texts instead of 15,524)
LEAD_SENTENCES = 2  # an article's first sentences, which answering also reads (qa/answer/contexts.py lead_contexts)
BATCH = 64


@dataclass(frozen=True)
class StoredParses:
    key: str  # parser_key() of the parser that made them
    doc_ids: tuple[str, ...]  # row → article
    starts: np.ndarray  # int64: the row's span of its article's text (TITLE, TITLE for its headline)
    ends: np.ndarray
    lengths: np.ndarray  # int64: characters of the text parsed
    table: ParseTable
    plan: str = ""  # plan() of the ingest that chose what to parse ("" for an index made before it was recorded)

    @cached_property
    def rows(self) -> dict[tuple[str, int, int], int]:
        return {k: i for i, k in enumerate(zip(self.doc_ids, self.starts.tolist(), self.ends.tolist(), strict=True))}

    @cached_property
    def usable(self) -> bool:
        """Made by the parser this program parses with (else every text is parsed afresh)."""
        return bool(self.key) and self.key == parser_key()

    def rows_of(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, d in enumerate(self.doc_ids):
            out.setdefault(d, []).append(i)
        return out

    def doc(self, doc_id: str, start: int, end: int, text: str):
        """The stored parse of `text`, the span start:end of the article (TITLE, TITLE: its cleaned
        headline), as a spaCy Doc; None when it is not stored."""
        row = self.rows.get((doc_id, start, end))
        if row is None or int(self.lengths[row]) != len(text) or not self.usable:
            return None
        from qa.text.nlp import pipeline

        return self.table.doc(row, text, pipeline().vocab)


def plan() -> str:
    """What ingest parses of an article (see units); an index made under another plan gains the missing
    parses at its next ingest (qa/index/build.py)."""
    return f"headline/lead-chunks-{LEAD_CHUNKS}/lead-sentences-{LEAD_SENTENCES}"


def units(article: Article, chunks: Sequence[Chunk]) -> list[tuple[int, int, str]]:
    """(start, end, text) of what is parsed at ingest: the cleaned headline, the sentences of the first
    LEAD_CHUNKS chunks (split as evidence splits a chunk) and the first sentences of the text (as leads
    are read)."""
    text = article.text
    out: dict[tuple[int, int], str] = {}
    title = clean_title(article.title)
    if title:
        out[TITLE, TITLE] = title
    spans = [
        s for c in sorted(chunks, key=lambda c: c.start)[:LEAD_CHUNKS] for s in sentence_spans(text, c.start, c.end)
    ]
    for s, e in [*spans, *sentence_spans(text)[:LEAD_SENTENCES]]:
        out.setdefault((s, e), text[s:e])
    return [(s, e, t) for (s, e), t in out.items()]


def build_parses(
    articles: Sequence[Article], chunks: Sequence[Chunk], old: StoredParses | None, same: set[str], progress: bool
) -> StoredParses:
    """The parses of `articles`: those of unchanged articles (`same`) taken from `old` when the same
    parser made them, the rest parsed now; when `old` was made under another plan, also the units an
    unchanged article's old parses lack (an index made when fewer chunks were parsed gains the others;
    units() of every unchanged article took ~0.85 s for 1,855 articles, not spent under the same plan)."""
    from qa.text.nlp import parse_all

    key = parser_key()
    keep = old if old is not None and old.key == key else None
    kept_rows = keep.rows_of() if keep else {}
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    fill = keep is not None and keep.plan != plan()  # made under another plan: its unchanged articles lack units
    old_rows: list[int] = []
    new: list[tuple[str, int, int, str]] = []
    for a in articles:
        if keep is not None and a.doc_id in same:
            rows = kept_rows.get(a.doc_id, [])
            old_rows += rows
            if not fill:
                continue
            have = {(int(keep.starts[r]), int(keep.ends[r])) for r in rows}
            wanted = [(s, e, t) for s, e, t in units(a, by_doc.get(a.doc_id, [])) if (s, e) not in have]
        else:
            wanted = units(a, by_doc.get(a.doc_id, []))
        new += [(a.doc_id, s, e, t) for s, e, t in wanted]
    docs = parse_all((t for *_, t in new), batch_size=BATCH)
    if progress and new:
        from tqdm import tqdm

        docs = tqdm(docs, total=len(new), desc="Parsing headlines and leads", unit="text")
    fresh = encode(docs)
    table = concat([keep.table.take(old_rows), fresh] if keep is not None else [fresh])
    # old_rows is empty without `keep`: the kept rows first, then the new ones, as in `table`
    ids = [keep.doc_ids[r] for r in old_rows] + [d for d, *_ in new]
    spans = [(keep.starts[r], keep.ends[r], keep.lengths[r]) for r in old_rows] + [(s, e, len(t)) for _, s, e, t in new]
    starts, ends, lengths = np.asarray(spans, dtype=np.int64).reshape(-1, 3).T
    return StoredParses(key, tuple(ids), starts.copy(), ends.copy(), lengths.copy(), table, plan())


def save_parses(folder: Path, parses: StoredParses) -> None:
    rows = {
        "doc_ids": np.array(parses.doc_ids, dtype=str),
        "starts": parses.starts,
        "ends": parses.ends,
        "lengths": parses.lengths,
    }
    np.savez(folder / FILE, **rows, **parses.table.arrays())


def load_parses(folder: Path, key: str | None, made_by: str = "") -> StoredParses | None:
    """The parses stored in `folder` (made by parser `key` under plan `made_by`, from the manifest), or None
    when there are none."""
    file = folder / FILE
    if not file.is_file() or not key:
        return None
    with np.load(file, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    ids = tuple(str(d) for d in arrays["doc_ids"])
    rows = (arrays["starts"], arrays["ends"], arrays["lengths"])
    return StoredParses(key, ids, *(r.astype(np.int64) for r in rows), ParseTable.from_arrays(arrays), made_by)
