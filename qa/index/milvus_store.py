"""The Milvus store: the whole index inside Milvus, so several app servers can serve one cluster.

`--store milvus` keeps it in Milvus Lite, an embedded engine whose files live in `milvus.db` under the
index folder (nothing to start); `--store milvus://HOST:PORT` (or `http(s)://…`, token from
QA_MILVUS_TOKEN) in a Milvus server or cluster, through the same pymilvus client.

One index is a set of collections per generation, named `<name>_g<N>_<part>`:

chunks     one row per chunk: its row number (the key), article number, span, text, the search terms
           (qa.text.terms, so BM25 sees the same words as bm25s), the dense vector, the sparse BM25
           vector Milvus's BM25 function makes from the terms, and the article's day, outlet keys and
           whether it is the lead chunk (so date, outlet and lead filters run inside the search)
articles   one row per article (texts longer than a VARCHAR in several parts): id, metadata, text,
           day, outlet keys, story, lead chunk row, its story fingerprint (for adding articles later)
meta       the manifest (as in manifest.json), one row per story, and one per search term with the
           number of chunks holding it (answering weighs question words by BM25 IDF; counting them
           with a text-match query took ~3 s a term on 22k chunks)

A collection `<name>_state` holds the one pointer readers follow (`current`: the generation to read)
and, while an ingest runs, `building`: the generation being written and what it was asked to hold. A
writer fills a new generation, then moves the pointer in one upsert and drops the generation before
the previous one (a reader still holding the previous one keeps working). A killed writer leaves the
pointer where it was: readers see the old index, and `info` and the next ingest say that an unfinished
generation is there (the same ingest resumes it, skipping the articles already written).

Milvus Lite writes Parquet and JSON files under milvus.db; nothing is pickled.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import IndexLockedError, IndexNotFoundError, QAError
from qa.index.milvus_rows import MAX_BYTES, MAX_OUTLETS
from qa.records import Story

LITE_FILE = "milvus.db"  # Milvus Lite's folder under the index folder
DEFAULT_NAME = "qa"  # collection name prefix on a server
TOKEN_ENV = "QA_MILVUS_TOKEN"
BATCH = 512  # rows per insert
BM25 = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s's defaults (Lucene BM25): the same scores as the index folder


@dataclass(frozen=True)
class MilvusTarget:
    """Where a Milvus index lives: a Milvus Lite folder or a server URI, and its collection prefix."""

    uri: str  # the pymilvus URI: the milvus.db path (Lite) or http(s)://host:port
    name: str = DEFAULT_NAME
    folder: Path | None = None  # the index folder (Milvus Lite only)
    token: str = ""

    @property
    def label(self) -> str:
        return str(self.folder) if self.folder else f"{self.uri} (collections {self.name}_*)"

    @property
    def lite(self) -> bool:
        return self.folder is not None


_SERVER = re.compile(r"^(milvus|https?):/{1,2}([^/\s]+)(?:/(\w+))?/?$")  # one slash: a URI that went through Path()


def server_target(location: str) -> MilvusTarget | None:
    """`milvus://HOST:PORT[/NAME]` or `http(s)://HOST:PORT[/NAME]` as a target; None when not a URI."""
    m = _SERVER.match(str(location).strip())
    if not m:
        return None
    scheme, host, name = m.groups()
    uri = f"{'http' if scheme == 'milvus' else scheme}://{host}"
    return MilvusTarget(uri, name or DEFAULT_NAME, None, os.environ.get(TOKEN_ENV, ""))


def lite_target(folder: str | os.PathLike) -> MilvusTarget:
    folder = Path(folder)
    return MilvusTarget(str(folder.resolve() / LITE_FILE), DEFAULT_NAME, folder)


def find_target(location: str | os.PathLike) -> MilvusTarget | None:
    """The Milvus index at `location` (a server URI, or a folder holding milvus.db), or None."""
    target = server_target(str(location))
    if target is None and (Path(location) / LITE_FILE).is_dir():
        target = lite_target(location)
    return target


def store_target(store: str, index_dir: str | os.PathLike) -> MilvusTarget | None:
    """The target `--store` names: None for faiss (the index folder), Milvus Lite in `index_dir` for
    `milvus`, else a server URI."""
    if store in ("", "faiss"):
        return None
    if store == "milvus":
        return lite_target(index_dir)
    target = server_target(store)
    if target is None:
        raise QAError(
            f"unknown --store {store!r}; give faiss (the default), milvus (Milvus Lite in the index folder) "
            "or milvus://HOST:PORT (a Milvus server)"
        )
    return target


_clients: dict[str, object] = {}  # one client per URI: Milvus Lite allows one opener of its files per process


def connect(target: MilvusTarget):
    """A pymilvus client for the target (Milvus Lite starts inside this process on first use)."""
    client = _clients.get(target.uri)
    if client is not None:
        return client
    try:
        from pymilvus import MilvusClient
    except ImportError as e:
        raise QAError(
            "the Milvus store needs the scale extra: `pip install -r requirements-scale.txt` (pymilvus and milvus-lite)"
        ) from e
    from pymilvus.exceptions import MilvusException

    logging.getLogger("pymilvus").setLevel(logging.ERROR)  # its iterators warn about client-side timestamps
    if target.lite:
        Path(target.uri).parent.mkdir(parents=True, exist_ok=True)
        _check_lite_free(target)
    try:
        client = MilvusClient(target.uri, token=target.token) if target.token else MilvusClient(target.uri)
    except (MilvusException, OSError, RuntimeError) as e:
        raise QAError(f"cannot reach Milvus at {target.label} ({e}); check the address, or start the server") from e
    _clients[target.uri] = client
    return client


_loaded: set[tuple[str, str]] = set()  # (uri, collection) loaded into memory by this process


def load(target: MilvusTarget, name: str) -> str:
    """Make sure the collection is loaded for searching (a new process finds them released)."""
    if (target.uri, name) not in _loaded:
        connect(target).load_collection(name)
        _loaded.add((target.uri, name))
    return name


def _check_lite_free(target: MilvusTarget) -> None:
    """Milvus Lite runs inside the one process that opened its files (it locks milvus.db/LOCK); say so
    plainly when another process has them, instead of pymilvus's "Open local milvus failed"."""
    import fcntl

    lock = Path(target.uri) / "LOCK"
    if not lock.exists():
        return
    with open(lock, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"another process has the Milvus Lite index at {target.folder} open (Milvus Lite serves one "
                "process); stop it and try again, or serve several processes from a Milvus server (docs/scale.md)"
            ) from None
        fcntl.flock(f, fcntl.LOCK_UN)


def disconnect(target: MilvusTarget) -> None:
    """Close the target's client (Milvus Lite stops and releases its files)."""
    client = _clients.pop(target.uri, None)
    _loaded.difference_update({x for x in _loaded if x[0] == target.uri})
    if client is not None:
        client.close()
    if target.lite:  # Milvus Lite's server thread keeps the files locked until it is released
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(target.uri)


# ---------------------------------------------------------------- generations


def collection(target: MilvusTarget, gen: int, part: str) -> str:
    return f"{target.name}_g{gen}_{part}"


def state_collection(target: MilvusTarget) -> str:
    return f"{target.name}_state"


def read_state(target: MilvusTarget) -> dict:
    """{"current": generation or 0, "building": {...} or None}."""
    client = connect(target)
    name = state_collection(target)
    if not client.has_collection(name):
        return {"current": 0, "building": None}
    load(target, name)
    rows = {r["key"]: json.loads(r["value"]) for r in client.query(name, filter='key != ""', output_fields=["*"])}
    return {"current": int(rows.get("current") or 0), "building": rows.get("building") or None}


def _write_state(target: MilvusTarget, key: str, value) -> None:
    from pymilvus import DataType

    client = connect(target)
    name = state_collection(target)
    if not client.has_collection(name):
        schema = client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("value", DataType.VARCHAR, max_length=MAX_BYTES)
        _pad(schema)
        client.create_collection(name, schema=schema, index_params=_pad_index(client))
    client.upsert(name, [{"key": key, "value": json.dumps(value), "pad": [0.0, 0.0]}])
    client.flush(name)


def _pad(schema) -> None:
    """Milvus wants a vector field in every collection; tables without vectors get a 2-d zero one."""
    from pymilvus import DataType

    schema.add_field("pad", DataType.FLOAT_VECTOR, dim=2)


def _pad_index(client, params=None):
    params = params or client.prepare_index_params()
    params.add_index("pad", index_type="FLAT", metric_type="L2")
    return params


def has_index(target: MilvusTarget) -> bool:
    return read_state(target)["current"] > 0


# ---------------------------------------------------------------- schema


def dense_index(expected_chunks: int) -> dict:
    """The vector index for a generation of about this many chunks: exact (FLAT) below the size where
    the index folder switches to IVF too (qa/index/vectors.py), IVF_FLAT with the same lists and
    probes past it."""
    from qa.index.vectors import APPROX_THRESHOLD, NPROBE_MIN, PROBE_SHARE, ivf_lists

    if expected_chunks < APPROX_THRESHOLD:
        return {"index_type": "FLAT", "params": {}, "nprobe": 0}
    lists = ivf_lists(expected_chunks)
    return {
        "index_type": "IVF_FLAT",
        "params": {"nlist": lists},
        "nprobe": min(lists, max(NPROBE_MIN, lists // PROBE_SHARE)),
    }


def create_generation(target: MilvusTarget, gen: int, dim: int, expected_chunks: int = 0) -> None:
    """Empty chunk, article and meta collections for generation `gen` (dropping leftovers of that number)."""
    client = connect(target)
    for part in ("chunks", "articles", "meta"):
        if client.has_collection(collection(target, gen, part)):
            client.drop_collection(collection(target, gen, part))
    _create_chunks(client, collection(target, gen, "chunks"), dim, dense_index(expected_chunks))
    _create_articles(client, collection(target, gen, "articles"))
    _create_meta(client, collection(target, gen, "meta"))


def _varchar(schema, name: str, length: int = MAX_BYTES, **kw) -> None:
    from pymilvus import DataType

    schema.add_field(name, DataType.VARCHAR, max_length=length, **kw)


def _ints(schema, *names: str, bool_names: Iterable[str] = ()) -> None:
    from pymilvus import DataType

    for n in names:
        schema.add_field(n, DataType.INT64)
    for n in bool_names:
        schema.add_field(n, DataType.BOOL)


def _outlet_field(schema) -> None:
    from pymilvus import DataType

    schema.add_field("outlets", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_OUTLETS, max_length=256)


def _create_chunks(client, name: str, dim: int, dense: dict) -> None:
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    _ints(schema, "doc", "start", "end", "n_tokens", "day", bool_names=("lead",))
    _varchar(schema, "doc_id", 4096)
    _varchar(schema, "text")
    _varchar(schema, "terms", enable_analyzer=True, analyzer_params={"tokenizer": "standard"})
    _outlet_field(schema)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"], output_field_names=["sparse"]
        )
    )
    params = client.prepare_index_params()
    params.add_index("dense", index_type=dense["index_type"], metric_type="IP", params=dense["params"])
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25)
    client.create_collection(name, schema=schema, index_params=params)


def _create_articles(client, name: str) -> None:
    schema = client.create_schema(auto_id=False)
    _varchar(schema, "key", 64, is_primary=True)
    _ints(schema, "doc", "part", "n_parts", "day", "lead_row")
    for field in ("doc_id", "title", "url", "source", "published", "path", "outlet", "story"):
        _varchar(schema, field, 8192)
    _varchar(schema, "text")
    _varchar(schema, "print")
    _outlet_field(schema)
    _pad(schema)
    client.create_collection(name, schema=schema, index_params=_pad_index(client))


def _create_meta(client, name: str) -> None:
    schema = client.create_schema(auto_id=False)
    _varchar(schema, "key", 8192, is_primary=True)
    _varchar(schema, "value")
    _pad(schema)
    client.create_collection(name, schema=schema, index_params=_pad_index(client))


# ---------------------------------------------------------------- writing


@dataclass
class GenerationWriter:
    """Fills one new generation; `commit()` makes it the one readers see. Articles are written after
    their chunks, so an article row present means the article is complete (what resuming relies on)."""

    target: MilvusTarget
    gen: int
    dim: int

    def __post_init__(self):
        from collections import Counter

        self.df: Counter = Counter()  # chunks holding each search term (for answering's IDF weights)
        self.client = connect(self.target)
        self.chunks = load(self.target, collection(self.target, self.gen, "chunks"))
        self.articles = load(self.target, collection(self.target, self.gen, "articles"))
        self.meta = load(self.target, collection(self.target, self.gen, "meta"))

    def write(self, chunk_rows: list[dict], article_rows: list[dict]) -> None:
        for r in chunk_rows:
            self.df.update(set(r["terms"].split()))
        for rows, name in ((chunk_rows, self.chunks), (article_rows, self.articles)):
            for i in range(0, len(rows), BATCH):
                self.client.insert(name, rows[i : i + BATCH])

    def written(self) -> dict[str, tuple[int, int]]:
        """The articles already complete in this generation: doc_id → (article number, chunk count)."""
        done = {}
        for r in iterate(self.client, self.articles, "part == 0", ["doc_id", "doc"]):
            done[r["doc_id"]] = int(r["doc"])
        return done

    def count_terms(self) -> None:
        """Document frequencies of the chunks already written (when resuming a generation)."""
        for r in iterate(self.client, self.chunks, "row >= 0", ["terms"]):
            self.df.update(set(r["terms"].split()))

    def drop_chunks_except(self, docs) -> None:
        """Delete the chunks of articles not in `docs` (a killed run wrote them without their article)."""
        keep = set(int(d) for d in docs)
        orphans = sorted({int(r["doc"]) for r in iterate(self.client, self.chunks, "row >= 0", ["doc"])} - keep)
        for i in range(0, len(orphans), 1000):
            self.client.delete(self.chunks, filter=f"doc in {orphans[i : i + 1000]}")
        self.client.flush(self.chunks)

    def count_chunks(self) -> int:
        self.client.flush(self.chunks)
        rows = self.client.query(self.chunks, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def max_row(self) -> int:
        rows = [int(r["row"]) for r in iterate(self.client, self.chunks, "row >= 0", ["row"])]
        return max(rows, default=-1)

    def commit(self, manifest: dict, stories: Iterable[Story]) -> None:
        meta = [{"key": "manifest", "value": json.dumps(manifest, ensure_ascii=False), "pad": [0.0, 0.0]}]
        for s in stories:
            value = json.dumps({"doc_ids": list(s.doc_ids), "why": list(s.why)}, ensure_ascii=False)
            if len(value.encode()) > MAX_BYTES:  # a huge story keeps its members, not every reason
                value = json.dumps({"doc_ids": list(s.doc_ids), "why": []}, ensure_ascii=False)
            meta.append({"key": f"story:{s.story_id}", "value": value, "pad": [0.0, 0.0]})
        meta += [{"key": f"df:{t}", "value": str(n), "pad": [0.0, 0.0]} for t, n in self.df.items()]
        for i in range(0, len(meta), BATCH):
            self.client.insert(self.meta, meta[i : i + BATCH])
        for name in (self.chunks, self.articles, self.meta):
            self.client.flush(name)
        previous = read_state(self.target)["current"]
        _write_state(self.target, "current", self.gen)  # the one switch readers follow
        _write_state(self.target, "building", None)
        for gen in range(1, previous):  # keep the previous generation for readers that hold it
            drop_generation(self.target, gen)


def drop_generation(target: MilvusTarget, gen: int) -> None:
    client = connect(target)
    for part in ("chunks", "articles", "meta"):
        if client.has_collection(collection(target, gen, part)):
            client.drop_collection(collection(target, gen, part))


def begin_generation(
    target: MilvusTarget, dim: int, plan: dict, resume: bool = True, expected_chunks: int = 0
) -> tuple[GenerationWriter, bool]:
    """A writer for a new generation, or for the unfinished one of an earlier run with the same `plan`
    (what the run was asked to hold) when `resume`; True when resuming."""
    state = read_state(target)
    building = state["building"]
    if building and resume and building.get("plan") == plan and building.get("dim") == dim:
        gen = int(building["gen"])
        if connect(target).has_collection(collection(target, gen, "articles")):
            return GenerationWriter(target, gen, dim), True
    gen = max(state["current"], int(building["gen"]) if building else 0) + 1
    if building:
        drop_generation(target, int(building["gen"]))
    create_generation(target, gen, dim, expected_chunks)
    _write_state(target, "building", {"gen": gen, "dim": dim, "plan": plan, "started": time.time()})
    return GenerationWriter(target, gen, dim), False


def iterate(client, name: str, expr: str, fields: list[str], batch: int = 1000) -> Iterator[dict]:
    """Every row of a collection matching `expr`, in pages."""
    it = client.query_iterator(name, batch_size=batch, filter=expr, output_fields=fields)
    try:
        while True:
            page = it.next()
            if not page:
                return
            yield from page
    finally:
        it.close()


def require_index(target: MilvusTarget) -> int:
    """The current generation; IndexNotFoundError when the target holds no finished index."""
    state = read_state(target)
    if state["current"] <= 0:
        what = " (an ingest was started but not finished: run it again to resume)" if state["building"] else ""
        raise IndexNotFoundError(
            f"no Milvus index at {target.label}{what}; build one with "
            f"`python -m qa ingest PATH... --store {'milvus --index ' + str(target.folder) if target.lite else target.uri}`"
        )
    return state["current"]


def read_meta(client, name: str, keys: Sequence[str]) -> Mapping[str, str]:
    quoted = ", ".join(json.dumps(k) for k in keys)
    return {
        r["key"]: r["value"] for r in client.query(name, filter=f"key in [{quoted}]", output_fields=["key", "value"])
    }
