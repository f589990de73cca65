"""A Milvus index opened for answering: the same interface as `Index` (qa/index/loaded.py), served
from the engine (qa/index/milvus_store.py). Nothing but a small per-article table (id, day, lead chunk)
is held in memory; chunks, article texts and stories are fetched when an answer needs them, and kept
in bounded caches.

Searches push the filters into Milvus as scalar expressions: `day`, `outlets` and `lead` are fields of
every chunk row, so a date range, an outlet list, the as-of date and "lead chunks only" narrow the
search itself rather than a result list.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property

import numpy as np

from qa.errors import IndexCorruptError, QAError, rebuild_hint
from qa.index import embedding
from qa.index.embedding import Embedder
from qa.index.milvus_rows import encode_term
from qa.index.milvus_store import (
    BM25,
    MilvusTarget,
    collection,
    connect,
    iterate,
    load,
    read_meta,
    read_state,
    require_index,
)
from qa.index.search import Hits, KeywordHits, Scope
from qa.records import Article, Chunk, Story
from qa.settings import INDEX_FIELDS, Settings
from qa.text.terms import terms
from qa.text.tokens import truncate

CACHE = 20_000  # chunks and articles kept in memory
PREFETCH_TEXTS = 8  # articles whose chunks and texts answering reads (qa/answer/evidence.py gather)
PREFETCH_SCAN = 40  # articles whose shown chunk collapsing compares (qa/retrieve/duplicates.py: 4 x top_k)
CHUNK_FIELDS = ["row", "doc", "doc_id", "start", "end", "n_tokens", "text"]
ARTICLE_FIELDS = ["doc", "part", "doc_id", "title", "url", "source", "published", "path", "text", "story"]


class _Cache(OrderedDict):
    def keep(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > CACHE:
            self.popitem(last=False)
        return value


def expression(scope: Scope | None) -> str:
    """The Milvus filter expression for a scope ("" for none)."""
    if scope is None:
        return ""
    parts = []
    if scope.since_day is not None:
        parts.append(f"day >= {int(scope.since_day)}")
    if scope.until_day is not None:
        parts.append(f"(day >= 0 and day <= {int(scope.until_day)})")
    if scope.as_of is not None:
        parts.append(f"day <= {int(scope.as_of)}")  # unknown days are -1: kept, as in the index folder
    if scope.outlets:
        parts.append(f"ARRAY_CONTAINS_ANY(outlets, {json.dumps(list(scope.outlets))})")
    return " and ".join(parts)


class Chunks(Sequence):
    """The chunk table, row by row from the engine (rows are the chunk collection's keys)."""

    def __init__(self, index: MilvusIndex):
        self._index, self._cache = index, _Cache()

    def __len__(self) -> int:
        return self._index.n_chunks

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row not in self._cache:
            self.fetch([row])
        return self._cache[row]

    def fetch(self, rows: Sequence[int]) -> None:
        missing = [int(r) for r in rows if int(r) not in self._cache]
        if missing:
            found = self._index.client.get(self._index.chunks_name, ids=missing, output_fields=CHUNK_FIELDS)
            self.remember(found)
            if len(found) < len(missing):
                raise IndexCorruptError(f"chunk rows missing in the Milvus index at {self._index.path}")

    def remember(self, rows) -> None:
        for r in rows:
            self._cache.keep(int(r["row"]), Chunk(r["doc_id"], r["start"], r["end"], r["text"], r["n_tokens"]))

    def __iter__(self) -> Iterator[Chunk]:
        for r in iterate(self._index.client, self._index.chunks_name, "row >= 0", CHUNK_FIELDS):
            yield Chunk(r["doc_id"], r["start"], r["end"], r["text"], r["n_tokens"])


class Articles(Mapping):
    """Articles by id, from the engine."""

    def __init__(self, index: MilvusIndex):
        self._index, self._cache = index, _Cache()
        self._stories: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._index.doc_number)

    def __iter__(self):
        return iter(self._index.doc_number)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._index.doc_number

    def __getitem__(self, doc_id: str) -> Article:
        if doc_id not in self._cache:
            doc = self._index.doc_number.get(doc_id)
            if doc is None:
                raise KeyError(doc_id)
            self._fetch(f"doc == {doc}")
        return self._cache[doc_id]

    def story_id(self, doc_id: str) -> str:
        if doc_id not in self._stories:
            self.fetch_stories([doc_id])
        return self._stories[doc_id]

    def fetch_stories(self, doc_ids: Sequence[str]) -> None:
        """The story ids of these articles (without their texts), in one call."""
        docs = [self._index.doc_number[d] for d in dict.fromkeys(doc_ids) if d not in self._stories]
        if docs:
            expr = f"part == 0 and doc in {docs}"
            for r in self._index.client.query(
                self._index.articles_name, filter=expr, output_fields=["doc_id", "story"]
            ):
                self._stories[r["doc_id"]] = r["story"]

    def fetch(self, doc_ids: Sequence[str]) -> None:
        docs = [self._index.doc_number[d] for d in dict.fromkeys(doc_ids) if d not in self._cache]
        if docs:
            self._fetch(f"doc in {docs}")

    def _fetch(self, expr: str) -> None:
        rows = self._index.client.query(self._index.articles_name, filter=expr, output_fields=ARTICLE_FIELDS)
        self._remember(rows)

    def _remember(self, rows) -> None:
        by_doc: dict[int, list[dict]] = {}
        for r in rows:
            by_doc.setdefault(int(r["doc"]), []).append(r)
        for parts in by_doc.values():
            parts.sort(key=lambda r: r["part"])
            head = parts[0]
            text = "".join(p["text"] for p in parts)
            article = Article(head["doc_id"], text, *(head[k] for k in ("title", "url", "source", "published", "path")))
            self._cache.keep(article.doc_id, article)
            self._stories[article.doc_id] = head["story"]

    def items(self):
        """All articles, fetched in pages (the evaluation reads every text)."""
        pending: dict[int, list[dict]] = {}
        for r in iterate(self._index.client, self._index.articles_name, "doc >= 0", [*ARTICLE_FIELDS, "n_parts"]):
            parts = pending.setdefault(int(r["doc"]), [])
            parts.append(r)
            if len(parts) == r["n_parts"]:
                self._remember(pending.pop(int(r["doc"])))
                yield parts[0]["doc_id"], self._cache[parts[0]["doc_id"]]

    def values(self):
        return (a for _, a in self.items())


class Stories(Mapping):
    """Each article's story, from the engine; an article with no story row is a story of its own."""

    def __init__(self, index: MilvusIndex):
        self._index, self._cache = index, _Cache()

    def __len__(self) -> int:
        return len(self._index.doc_ids)

    def __iter__(self):
        return iter(self._index.doc_ids)

    def __getitem__(self, doc_id: str) -> Story:
        if doc_id not in self._index.doc_number:
            raise KeyError(doc_id)
        self.fetch([doc_id])
        return self._cache[self._index.articles.story_id(doc_id)]

    def fetch(self, doc_ids: Sequence[str]) -> None:
        """The stories of these articles, in one call for those not yet cached."""
        articles = self._index.articles
        articles.fetch_stories(doc_ids)
        sids = {articles.story_id(d): d for d in doc_ids if articles.story_id(d) not in self._cache}
        if not sids:
            return
        found = read_meta(self._index.client, self._index.meta_name, [f"story:{s}" for s in sids])
        for sid, doc_id in sids.items():
            if f"story:{sid}" in found:
                row = json.loads(found[f"story:{sid}"])
                self._cache.keep(sid, Story(sid, tuple(row["doc_ids"]), tuple(row["why"])))
            else:
                self._cache.keep(sid, Story(f"story-{doc_id}", (doc_id,)))


class Keywords:
    """What answering asks of the keyword index: BM25 IDF of stemmed terms, from the document
    frequencies stored with the index (meta rows `df:<term>`)."""

    def __init__(self, index: MilvusIndex):
        self._index, self._cache = index, _Cache()

    @property
    def size(self) -> int:
        """The number of chunks (documents of the keyword index), as KeywordIndex.size."""
        return self._index.n_chunks

    def idf(self, stemmed_terms: Sequence[str]) -> dict[str, float]:
        n = self._index.n_chunks
        missing = [t for t in dict.fromkeys(stemmed_terms) if t not in self._cache]
        if missing:
            keys = {f"df:{encode_term(t)}": t for t in missing}
            found = read_meta(self._index.client, self._index.meta_name, list(keys))
            for key, t in keys.items():
                self._cache.keep(t, int(found.get(key, 0)))
        return {t: float(np.log(1 + (n - self._cache[t] + 0.5) / (self._cache[t] + 0.5))) for t in stemmed_terms}


class MilvusIndex:
    """A read-only Milvus index with query embedding; `open_milvus()` gives one."""

    store = "milvus"
    engine_filters = True  # filters arrive as a Scope and run inside the engine
    parses = None  # nothing parsed at ingest: answering parses what it reads

    def __init__(self, target: MilvusTarget, settings: Settings | None = None, embedder: Embedder | None = None):
        self.target = target
        self.client = connect(target)
        self.generation = require_index(target)
        self.chunks_name = load(target, collection(target, self.generation, "chunks"))
        self.articles_name = load(target, collection(target, self.generation, "articles"))
        self.meta_name = load(target, collection(target, self.generation, "meta"))
        self.manifest = read_manifest(target)
        self.settings = settings or Settings(**{k: self.manifest[k] for k in INDEX_FIELDS})
        wanted = self.settings.index_key()
        diffs = [k for k in INDEX_FIELDS if self.manifest.get(k) != wanted[k]]
        if diffs:
            raise QAError(f"the Milvus index at {target.label} was built with other {', '.join(diffs)}; use its own")
        self.embedder = embedder or embedding.make_embedder(self.settings)
        self.n_chunks = int(self.manifest["n_chunks"])
        self._load_table()
        self.chunks, self.articles = Chunks(self), Articles(self)
        self.story_of, self.keyword_index = Stories(self), Keywords(self)
        self._search(["warm"], "sparse", 1, "")  # the first BM25 search loads its index (~5 s at 22k chunks)

    @property
    def path(self) -> str:
        return self.target.label

    @cached_property
    def phrases(self) -> Embedder:
        """Embeds answer candidates' words (qa/index/embedding.py phrase_embedder), as the local index does."""
        return embedding.phrase_embedder(self.embedder)

    def _load_table(self) -> None:
        """The per-article table retrieval needs: ids, days and lead chunk rows, by article number."""
        rows = list(iterate(self.client, self.articles_name, "part == 0", ["doc", "doc_id", "day", "lead_row"]))
        n = max((int(r["doc"]) for r in rows), default=-1) + 1
        ids, days, lead = [""] * n, np.full(n, np.nan), np.full(n, -1, dtype=np.int64)
        for r in rows:
            d = int(r["doc"])
            ids[d], lead[d] = r["doc_id"], int(r["lead_row"])
            days[d] = np.nan if r["day"] < 0 else float(r["day"])
        self.doc_ids, self.published_days, self.lead_rows = ids, days, lead
        self.doc_number = {d: i for i, d in enumerate(ids) if d}

    @property
    def n_articles(self) -> int:
        return len(self.doc_number)

    @cached_property
    def newest_day(self) -> float | None:
        days = self.published_days
        return float(np.nanmax(days)) if np.isfinite(days).any() else None

    def embed_query(self, text: str) -> np.ndarray:
        text = truncate(text, self.settings.max_query_tokens, self.settings.tokenizer)
        return self.embedder.embed([text])

    def restrict(self, allowed: Scope | None, as_of: int | None) -> str:
        if as_of is None:
            return expression(allowed)
        scope = allowed or Scope()
        return expression(Scope(scope.since_day, scope.until_day, scope.outlets, as_of))

    def _search(self, data, field: str, k: int, expr: str, **kw) -> list[dict]:
        if k <= 0:
            return []
        found = self.client.search(
            self.chunks_name,
            data=data,
            anns_field=field,
            limit=min(k, 16_384),
            filter=expr,
            output_fields=["row", "doc"],  # texts are fetched for the few chunks an answer reads (prefetch)
            **kw,
        )
        return found[0] if found else []

    @staticmethod
    def _hits(hits: list[dict], bm25: bool = False) -> Hits:
        rows = np.array([int(h["entity"]["row"]) for h in hits], dtype=np.int64)
        docs = np.array([int(h["entity"]["doc"]) for h in hits], dtype=np.int64)
        # Milvus reports BM25 with the (k1 + 1) numerator that bm25s's Lucene variant leaves out (and as a
        # negative distance in Milvus Lite): the same ranking, scaled here to bm25s's scores
        scale = 1.0 / (1.0 + BM25["bm25_k1"]) if bm25 else 1.0
        scores = np.array([abs(h["distance"]) * scale if bm25 else h["distance"] for h in hits], dtype=np.float32)
        return Hits(rows, scores, docs)

    def dense_search(self, vector: np.ndarray, k: int, allowed: str) -> Hits:
        nprobe = int(self.manifest.get("dense_index", {}).get("nprobe") or 0)
        kw = {"search_params": {"params": {"nprobe": nprobe}}} if nprobe else {}
        return self._hits(self._search([np.asarray(vector[0], np.float32).tolist()], "dense", k, allowed, **kw))

    def keyword_search(self, query: str, k_rows: int, k_docs: int, allowed: str) -> KeywordHits:
        words = " ".join(encode_term(t) for t in terms(query))
        if not words:
            empty = Hits(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64))
            return KeywordHits(empty, [], [])
        chunks = self._hits(self._search([words], "sparse", k_rows, allowed), bm25=True)
        best = self._search([words], "sparse", k_docs, allowed, group_by_field="doc", group_size=1)
        lead = self._search([words], "sparse", k_docs, " and ".join(x for x in (allowed, "lead == true") if x))
        return KeywordHits(chunks, [int(h["entity"]["doc"]) for h in best], [int(h["entity"]["doc"]) for h in lead])

    def prefetch(self, ranked: Sequence, texts: int = PREFETCH_TEXTS, scan: int = PREFETCH_SCAN) -> None:
        """Fetch in three calls what answering will read of a ranking: every candidate chunk of the top
        `texts` articles with their texts and stories, and the shown chunk of the first `scan` (which
        collapsing compares). One call per chunk and article made ask() ~17 round trips slower."""
        rows = [row for r in ranked[:texts] for row in r.rows] + [r.row for r in ranked[texts:scan]]
        self.chunks.fetch(rows)
        self.articles.fetch([r.doc_id for r in ranked[:texts]])
        self.story_of.fetch([r.doc_id for r in ranked[:scan]])

    def count_articles(self, scope: Scope) -> int:
        expr = " and ".join(x for x in ("part == 0", expression(scope)) if x)
        rows = self.client.query(self.articles_name, filter=expr, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def count_undated(self) -> int:
        return int(np.isnan(self.published_days).sum())

    def outlet_names(self) -> list[str]:
        found = iterate(self.client, self.articles_name, 'part == 0 and outlet != ""', ["outlet"])
        return sorted({r["outlet"] for r in found})


def read_manifest(target: MilvusTarget) -> dict:
    """The manifest of the current generation (IndexNotFoundError when there is none)."""
    client = connect(target)
    found = read_meta(client, load(target, collection(target, require_index(target), "meta")), ["manifest"])
    if "manifest" not in found:
        raise IndexCorruptError(f"the Milvus index at {target.label} has no manifest; " + rebuild_hint(target.label))
    return json.loads(found["manifest"])


def milvus_settings(target: MilvusTarget) -> Settings:
    """The settings the Milvus index was built with."""
    manifest = read_manifest(target)
    return Settings(**{k: manifest[k] for k in INDEX_FIELDS})


def milvus_info(target: MilvusTarget) -> dict:
    """What `python -m qa info` shows: the manifest, and an unfinished ingest when there is one."""
    state = read_state(target)
    info = read_manifest(target) if state["current"] else {"generation": 0}
    if state["building"]:
        b = state["building"]
        info["unfinished_ingest"] = (
            f"generation {b['gen']} was being written and is not finished (the index above is served); "
            "run the same ingest again to resume it"
        )
    return info
