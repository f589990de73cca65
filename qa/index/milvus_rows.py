"""The rows of the Milvus store's collections (qa/index/milvus_store.py): what is stored for each chunk
and each article, and the search terms BM25 sees."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from qa.index.stories import Fingerprint, fingerprint_row
from qa.records import Article, Chunk
from qa.text.dates import day_number
from qa.text.outlets import outlet, outlet_keys
from qa.text.terms import terms

MAX_BYTES = 60_000  # per VARCHAR part (Milvus allows 65,535 bytes)
MAX_OUTLETS = 16
NO_TERMS = "qaemptyqa"  # stands for a chunk without a search word (bm25s indexes "_" for one)


def encode_term(term: str) -> str:
    """A search term (qa.text.terms) as Milvus's standard tokenizer keeps it whole: word characters
    only, so "covid-19" stays one term ("covid_19") in the chunks and in the questions alike."""
    return re.sub(r"\W", "_", term)


def search_terms(text: str) -> str:
    """The text's search words, encoded, for the BM25 field of a chunk."""
    return " ".join(encode_term(t) for t in terms(text)) or NO_TERMS


def split_utf8(text: str, limit: int = MAX_BYTES) -> list[str]:
    """The text in parts of at most `limit` UTF-8 bytes (never splitting a character); at least one part."""
    parts, start = [], 0
    data = text.encode("utf-8", "surrogatepass")
    while start < len(data):
        end = min(len(data), start + limit)
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # not inside a multi-byte character
            end -= 1
        parts.append(data[start:end].decode("utf-8", "surrogatepass"))
        start = end
    return parts or [""]


def article_day(article: Article) -> int:
    """The publication day number; -1 when unknown (fails a date range, passes an as-of date)."""
    day = day_number(article.published) if article.published else None
    return -1 if day is None else int(day)


def _outlets(article: Article) -> list[str]:
    return sorted(outlet_keys(article))[:MAX_OUTLETS] or [""]


def chunk_rows(
    article: Article, doc: int, chunks: Sequence[Chunk], rows: Sequence[int], vectors: np.ndarray, texts: Sequence[str]
) -> list[dict]:
    """The chunk-collection rows of one article; `texts` are what was embedded (title + body)."""
    day, keys = article_day(article), _outlets(article)
    lead = min(range(len(chunks)), key=lambda i: chunks[i].start) if chunks else -1
    return [
        {
            "row": int(r),
            "doc": doc,
            "doc_id": c.doc_id,
            "start": c.start,
            "end": c.end,
            "n_tokens": c.n_tokens,
            "text": c.text,
            "terms": search_terms(t),
            "dense": np.asarray(v, dtype=np.float32).tolist(),
            "day": day,
            "outlets": keys,
            "lead": i == lead,
        }
        for i, (c, r, v, t) in enumerate(zip(chunks, rows, vectors, texts, strict=True))
    ]


def article_rows(article: Article, doc: int, story: str, lead_row: int, fp: Fingerprint | None) -> list[dict]:
    """The article-collection rows of one article: part 0 carries the metadata."""
    texts = split_utf8(article.text)
    prints = split_utf8(json.dumps(fingerprint_row(fp)) if fp is not None else "")
    meta = {k: v for k, v in asdict(article).items() if k != "text"}
    out = []
    for part in range(max(len(texts), len(prints))):
        out.append(
            {
                "key": f"{doc}:{part}",
                "doc": doc,
                "part": part,
                "n_parts": max(len(texts), len(prints)),
                **{k: (v if part == 0 else "") for k, v in meta.items()},
                "text": texts[part] if part < len(texts) else "",
                "print": prints[part] if part < len(prints) else "",
                "outlet": outlet(article) if part == 0 else "",
                "day": article_day(article),
                "outlets": _outlets(article),
                "story": story,
                "lead_row": lead_row,
                "pad": [0.0, 0.0],
            }
        )
    return out
