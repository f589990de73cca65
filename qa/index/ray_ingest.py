"""Ingest at scale with Ray: chunk → embed as a Ray Data pipeline over an actor pool (one model per
actor, a GPU each when the cluster has them), streamed into a new generation of the Milvus store.

`python -m qa ingest PATH... --ray [ADDRESS]`: no address starts a local Ray instance. The driver
reads the files (reporting bad ones as plain ingest does), merges them with the index, groups the
stories, and sends only new or changed articles through the pipeline; unchanged ones keep their
stored vectors. Results are written as they arrive, each article after all its chunks, into a
generation readers do not see until the run commits it. A killed or failed run therefore leaves the
served index as it was; running the same ingest again resumes the unfinished generation, embedding only
the articles it does not hold yet (`python -m qa info` reports the unfinished run meanwhile).

Ray keeps its own files in its temp folder (/tmp/ray); nothing of Ray is written under the index
folder, and what the project writes is Milvus's Parquet and JSON (no pickle). Ray itself moves the
pipeline's functions and batches between processes with its own serialisation, in memory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.index.build import IngestReport, fingerprint, merge_articles, search_text
from qa.index.milvus_build import full_manifest, milvus_lock, read_previous
from qa.index.milvus_rows import article_rows, chunk_rows
from qa.index.milvus_store import MilvusTarget, begin_generation, has_index
from qa.index.stories import group_stories, rules
from qa.ingest.readers import Problem, ReadResult, read_paths
from qa.records import Article, Chunk
from qa.settings import ROOT, Settings

ARTICLES_PER_TASK = 16  # articles per pipeline batch (a few hundred chunks to embed)


class ChunkEmbed:
    """The pipeline's actor: chunks a batch of articles and embeds the chunks with its own model."""

    def __init__(self, settings: dict):
        from qa.index.embedding import make_embedder
        from qa.text.tokens import token_counter

        self.settings = Settings(**settings)
        self.embedder = make_embedder(self.settings)
        self.count = token_counter(self.settings.tokenizer)

    def __call__(self, batch: dict) -> dict:
        from qa.ingest.chunking import chunk_article

        out: dict[str, list] = {k: [] for k in ("doc", "n_chunks", "start", "end", "n_tokens", "text", "search")}
        for i in range(len(batch["doc"])):
            a = Article(
                **{f: str(batch[f][i]) for f in ("doc_id", "text", "title", "url", "source", "published", "path")}
            )
            chunks = chunk_article(a, self.count, self.settings.chunk_tokens, self.settings.chunk_overlap)
            for c in chunks or [None]:  # an article without chunks still reports itself
                out["doc"].append(int(batch["doc"][i]))
                out["n_chunks"].append(len(chunks))
                out["start"].append(c.start if c else -1)
                out["end"].append(c.end if c else -1)
                out["n_tokens"].append(c.n_tokens if c else 0)
                out["text"].append(c.text if c else "")
                out["search"].append(search_text(a, c) if c else "")
        texts = [t for t, n in zip(out["search"], out["n_chunks"], strict=True) if n]
        vectors = self.embedder.embed(texts) if texts else np.zeros((0, self.embedder.dim), np.float32)
        full = np.zeros((len(out["doc"]), vectors.shape[1]), dtype=np.float32)
        full[np.asarray(out["n_chunks"]) > 0] = vectors
        return {**{k: np.asarray(v) for k, v in out.items()}, "vector": full}


def start_ray(address: str | None):
    """Connect to the Ray cluster at `address`, or start a local instance (no dashboard)."""
    try:
        import ray
    except ImportError as e:
        raise QAError("--ray needs the scale extra: `pip install -r requirements-scale.txt` (ray[data])") from e
    if ray.is_initialized():
        return ray
    import logging

    for name in ("ray", "ray.data"):  # its INFO lines about the pipeline would drown the ingest's report
        logging.getLogger(name).setLevel(logging.WARNING)
    env = {"env_vars": {"PYTHONPATH": str(ROOT)}} if not address else {"py_modules": [str(ROOT / "qa")]}
    try:
        ray.init(
            address=address or None,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
            runtime_env=env,
        )
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise QAError(f"cannot start or reach Ray at {address or 'a new local instance'} ({e})") from e
    return ray


def pool(ray) -> dict:
    """Actor pool options: one actor per GPU when the cluster has GPUs, else one per CPU core (one
    thread each: on 2 cores two one-thread models beat one two-thread model, docs/scale.md)."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    if gpus:
        return {"compute": ray.data.ActorPoolStrategy(size=gpus), "num_gpus": 1}
    return {"compute": ray.data.ActorPoolStrategy(size=max(1, int(resources.get("CPU", 1)))), "num_cpus": 1}


def ray_update(
    paths: Sequence[str | os.PathLike],
    target: MilvusTarget,
    settings: Settings,
    address: str | None = None,
    replace: bool = False,
    rebuild: bool = False,
    progress: bool = True,
) -> IngestReport:
    """update_index (qa/index/build.py) with the embedding done by Ray and written to Milvus as it goes."""
    read = read_paths(paths) if paths else ReadResult((), (Problem("", 0, "no files or folders were given"),))
    with milvus_lock(target):
        old = read_previous(target, settings) if has_index(target) and not rebuild else None
        if not read.articles:
            n = (len(old.articles), len(old.chunks)) if old else (0, 0)
            return IngestReport(*n, 0, 0, 0, 0, read.problems)
        merged, same, counts = merge_articles(old, read.articles, replace)
        if old and not counts[0] and not counts[1] and len(merged) == len(old.articles):
            return IngestReport(len(merged), len(old.chunks), 0, 0, counts[2], 0, read.problems)
        grouping = group_stories(merged.values(), old.grouping.keep(d for d in merged if d in same) if old else None)
        dim = int(old.manifest["dim"]) if old else _dim(settings)
        plan = {"fingerprint": fingerprint(merged.values()), **settings.index_key()}
        expected = (len(old.chunks) if old else 0) + 12 * len(merged)  # ~12 chunks an article in news
        writer, resumed = begin_generation(target, dim, plan, expected_chunks=expected)
        run = _Run(writer, merged, grouping, writer.written() if resumed else {})
        if resumed:  # chunks of an article whose own row was not written yet are written again
            writer.drop_chunks_except(run.done.values())
            writer.count_terms()
            run.next_row = writer.max_row() + 1
        if old:
            run.copy_unchanged(old, same)
        embedded = run.embed(start_ray(address), settings, [d for d in merged if d not in same], progress)
        manifest = {
            **settings.index_key(),
            "dim": dim,
            "corpus_fingerprint": plan["fingerprint"],
            "sources": [str(Path(p).resolve()) for p in paths],
            "stories": rules(),
            "ingest": "ray",
        }
        n_chunks = writer.count_chunks()
        writer.commit(full_manifest(manifest, len(merged), n_chunks, grouping.stories, writer.gen), grouping.stories)
    return IngestReport(len(merged), n_chunks, *counts, embedded, read.problems)


def _dim(settings: Settings) -> int:
    from qa.index.embedding import make_embedder

    return int(make_embedder(settings).dim)


class _Run:
    """Numbers articles in merged order and chunks as they are written; skips articles already written."""

    def __init__(self, writer, merged: dict[str, Article], grouping, done: dict[str, int]):
        self.writer, self.merged, self.done = writer, merged, done
        self.doc_of = {d: i for i, d in enumerate(merged)}
        self.order = list(merged)
        self.story = {d: s.story_id for s in grouping.stories for d in s.doc_ids}
        self.prints = grouping.prints
        self.next_row = 0
        self._pending: dict[int, list] = {}

    def write(self, doc_id: str, chunks: list[Chunk], vectors: np.ndarray, texts: list[str]) -> None:
        rows = list(range(self.next_row, self.next_row + len(chunks)))
        self.next_row += len(chunks)
        a, doc = self.merged[doc_id], self.doc_of[doc_id]
        lead = rows[min(range(len(chunks)), key=lambda i: chunks[i].start)] if chunks else -1
        self.writer.write(
            chunk_rows(a, doc, chunks, rows, vectors, texts),
            article_rows(a, doc, self.story.get(doc_id, f"story-{doc_id}"), lead, self.prints.get(doc_id)),
        )

    def copy_unchanged(self, old, same: set[str]) -> None:
        rows_of: dict[str, list[int]] = {}
        for i, c in enumerate(old.chunks):
            rows_of.setdefault(c.doc_id, []).append(i)
        for d in self.order:
            if d in same and d not in self.done:
                rows = rows_of.get(d, [])
                a = self.merged[d]
                self.write(
                    d, [old.chunks[r] for r in rows], old.vectors[rows], [search_text(a, old.chunks[r]) for r in rows]
                )

    def embed(self, ray, settings: Settings, doc_ids: list[str], progress: bool) -> int:
        """Run the pipeline over the articles not yet written; returns the chunks embedded."""
        todo = [d for d in doc_ids if d not in self.done]
        if not todo:
            return 0
        items = [{**asdict(self.merged[d]), "doc": self.doc_of[d]} for d in todo]
        ray.data.DataContext.get_current().enable_progress_bars = progress
        import logging

        logging.getLogger("ray.data").setLevel(logging.WARNING)  # Ray Data sets its loggers up on import
        ds = ray.data.from_items(items).map_batches(
            ChunkEmbed,
            fn_constructor_kwargs={"settings": asdict(settings)},
            batch_size=ARTICLES_PER_TASK,
            batch_format="numpy",
            **pool(ray),
        )
        embedded = 0
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            embedded += self._take(batch)
        if self._pending:
            raise QAError(
                f"the Ray pipeline lost the chunks of {len(self._pending)} articles; run the ingest again to resume"
            )
        return embedded

    def _take(self, batch: dict) -> int:
        """Collect a pipeline batch; write each article whose chunks are all there."""
        embedded = 0
        for i in range(len(batch["doc"])):
            doc = int(batch["doc"][i])
            parts = self._pending.setdefault(doc, [])
            if int(batch["n_chunks"][i]):
                parts.append(tuple(batch[k][i] for k in ("start", "end", "n_tokens", "text", "search", "vector")))
            if len(parts) == int(batch["n_chunks"][i]):
                doc_id = self.order[doc]
                chunks = [Chunk(doc_id, int(s), int(e), str(t), int(n)) for s, e, n, t, _, _ in parts]
                vectors = np.array([p[5] for p in parts], dtype=np.float32) if parts else np.zeros((0, 1), np.float32)
                self.write(doc_id, chunks, vectors, [str(p[4]) for p in parts])
                embedded += len(chunks)
                del self._pending[doc]
        return embedded
