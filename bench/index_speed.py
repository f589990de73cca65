"""Indexing against its physical limit: chunks/s of the whole ingest (read → chunk → embed → FAISS +
BM25 → save, through the project's own `build_index`) next to `model.encode` alone on the same chunk
texts with the same batch size, in the same process. The ratio is the figure (target >= 0.9).

    python bench/index_speed.py [--corpus FILE] [--limit N] [--batch-size 32] [--json OUT]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RTQA, bench_main, machine, peak_rss_mb, print_table, rss_mb, stage_timer  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=str(RTQA / "corpus.jsonl"), help="JSON Lines corpus (default: realtimeqa-dev)")
    p.add_argument("--limit", type=int, help="only the first N articles (quick runs)")
    p.add_argument("--batch-size", type=int, help="embedding batch size (default: the settings' batch_size)")
    p.add_argument(
        "--keep",
        help="keep the index the ingest built in this folder (e.g. bench/results/rtqa-index, "
        "which the latency and load benchmarks use)",
    )
    p.add_argument("--json", help="also write the results to this JSON file")
    return p.parse_args(argv)


def limited_corpus(corpus: Path, limit: int | None, folder: Path) -> Path:
    """The corpus, or a copy of its first `limit` lines."""
    if not limit:
        return corpus
    out = folder / f"first-{limit}.jsonl"
    with open(corpus, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= limit:
                break
            dst.write(line)
    return out


def embedded_texts(index_dir: Path, settings) -> list[str]:
    """The texts ingest embedded, in index order, rebuilt from the saved index."""
    from qa.index.build import search_text
    from qa.index.store import read_index

    stored = read_index(index_dir, settings.index_key())
    return [search_text(stored.articles[c.doc_id], c) for c in stored.chunks]


def stage_targets(embedder) -> dict:
    """Where ingest spends its time (timed by wrapping; totals overlap nothing)."""
    import qa.index.build
    import qa.index.keyword

    return {
        "read": (qa.index.build, "read_paths"),
        "chunk": (qa.index.build, "chunk_article"),
        "embed": (embedder, "embed"),
        "parse": (qa.index.build, "build_parses"),
        "bm25": (qa.index.keyword.KeywordIndex, "build"),
        "faiss": (qa.index.build, "build_vector_index"),
        "write": (qa.index.build, "write_index"),
    }


def run(args) -> dict:
    from qa.api import build_index
    from qa.index.embedding import SentenceTransformerEmbedder
    from qa.settings import Settings

    base = Settings()
    settings = Settings(batch_size=args.batch_size or base.batch_size)
    result: dict = {
        "machine": machine(),
        "corpus": args.corpus,
        "limit": args.limit,
        "batch_size": settings.batch_size,
        "rss_start_mb": round(rss_mb(), 1),
    }
    t0 = time.perf_counter()
    embedder = SentenceTransformerEmbedder(settings.model, settings.batch_size)
    model = embedder.load()
    model.encode(["warm up the model"] * 4, batch_size=settings.batch_size, show_progress_bar=False)
    result["model_load_s"] = round(time.perf_counter() - t0, 2)
    result["rss_model_loaded_mb"] = round(rss_mb(), 1)
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        corpus = limited_corpus(Path(args.corpus), args.limit, Path(tmp))
        index_dir = Path(tmp) / "index"
        with stage_timer(stage_targets(embedder)) as stages:
            t0 = time.perf_counter()
            report = build_index([corpus], index_dir, settings, embedder=embedder, progress=False)
            ingest_s = time.perf_counter() - t0
        result["peak_rss_after_ingest_mb"] = round(peak_rss_mb(), 1)
        texts = embedded_texts(index_dir, settings)
        if args.keep:  # after timing: moving the folder is not part of the ingest
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.move(str(index_dir), args.keep)
    if len(texts) != report.embedded:
        raise SystemExit(f"error: rebuilt {len(texts)} texts but ingest embedded {report.embedded}")
    t0 = time.perf_counter()
    model.encode(
        texts, batch_size=settings.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    encode_s = time.perf_counter() - t0
    n = report.n_chunks
    result.update(
        {
            "n_articles": report.n_articles,
            "n_chunks": n,
            "problems": len(report.problems),
            "ingest_s": round(ingest_s, 2),
            "encode_s": round(encode_s, 2),
            "ingest_chunks_per_s": round(n / ingest_s, 2),
            "encode_chunks_per_s": round(n / encode_s, 2),
            "ratio": round(encode_s / ingest_s, 3),
            "stages_s": {k: round(v, 3) for k, v in stages.items() if not k.endswith("_calls")},
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    )
    return result


def report(r: dict) -> None:
    st = r["stages_s"]
    other = r["ingest_s"] - sum(st.values())
    print_table(
        f"Indexing {r['n_articles']:,} articles → {r['n_chunks']:,} chunks (batch size {r['batch_size']})",
        [
            ("whole ingest", f"{r['ingest_s']:.1f} s", f"{r['ingest_chunks_per_s']:.1f} chunks/s"),
            ("model.encode alone", f"{r['encode_s']:.1f} s", f"{r['encode_chunks_per_s']:.1f} chunks/s"),
            ("ratio (target >= 0.9)", f"{r['ratio']:.3f}", ""),
            ("peak RSS", f"{r['peak_rss_mb']:,.0f} MB", f"model loaded: {r['rss_model_loaded_mb']:,.0f} MB"),
        ],
    )
    rows = [*st.items(), ("other (fingerprints, merging, vector copy)", other)]
    print_table("Ingest stages", [(k, f"{v:.2f} s", f"{100 * v / r['ingest_s']:.1f} %") for k, v in rows])


main = bench_main(parse_args, run, report)


if __name__ == "__main__":
    sys.exit(main())
