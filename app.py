"""Web chat over the news corpus.

    python app.py [--host 127.0.0.1] [--port 7860] [--index DIR] [--corpus PATH...] [--share] [--auth USER:PASS]
                  [--no-uploads]

On start the index is brought in line with the corpus (folders and/or files; only new or changed
articles are embedded), so a stale index is never served. Uploads are saved in `uploads/` inside a
single corpus folder, otherwise in a folder beside the index (`<index>-uploads`), and are part of the
corpus from then on; an upload only adds articles (--no-uploads turns uploading off). Environment: QA_INDEX (index folder), QA_AUTH
("user:pass"). Listens on 127.0.0.1 unless --host says otherwise; --share opts in to a public link.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qa.settings import DEFAULT_CORPUS, DEFAULT_INDEX

SESSIONS_KEPT = 500  # chat sessions whose state (~100 KB + ~25 KB a turn) stays in memory; older ones dropped


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Web chat: questions answered from the news corpus, with cited spans.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--index", help="index folder (default: $QA_INDEX, else index/)")
    p.add_argument(
        "--corpus",
        nargs="+",
        metavar="PATH",
        help="corpus folder(s) or file(s) the index is synced with (default: corpus/)",
    )
    p.add_argument("--share", action="store_true", help="also publish a public gradio.live link (off by default)")
    p.add_argument("--auth", help="require login as USER:PASS (default: $QA_AUTH, else no login)")
    p.add_argument(
        "--no-uploads",
        action="store_true",
        help="no upload widget on the page: articles are added only with `python -m qa ingest`",
    )
    return p.parse_args(argv)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """("user", "pass") from "user:pass"; None when empty. The password may contain ':'."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise SystemExit('error: --auth / QA_AUTH must look like "user:password"')
    return user.strip(), password


def corpus_paths(given: list[str] | None, index_dir: Path) -> tuple[list[Path], Path]:
    """The files and folders the index is synced with, and the folder uploads are saved in (synced too)."""
    paths = [Path(p).resolve() for p in given or [DEFAULT_CORPUS]]
    if len(paths) == 1 and paths[0].is_dir():
        return paths, paths[0] / "uploads"
    uploads = index_dir.parent / f"{index_dir.name}-uploads"
    return [*paths, uploads] if uploads.is_dir() else paths, uploads


def sync_index(paths: list[Path], index_dir: Path) -> None:
    """Make the index hold exactly the articles under `paths`; prints what changed and any file skipped."""
    from qa.api import build_index

    for p in paths:
        if not p.exists():
            raise SystemExit(f"error: corpus {p} does not exist; pass --corpus with existing folders or files")
    print(f"Syncing index {index_dir} with corpus {', '.join(map(str, paths))} …", flush=True)
    report = build_index(paths, index_dir)  # keeps the model the index was built with
    for problem in report.problems:
        print(f"  skipped {problem}", file=sys.stderr)
    print(
        f"Index: {report.n_articles} articles in {report.n_chunks} chunks ({report.added} added, "
        f"{report.updated} updated, {report.embedded} chunks embedded)",
        flush=True,
    )


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Let glibc keep at most `arenas` heaps. By default each thread that allocates may get its own
    (up to 8 per core), and with Gradio's worker threads memory then spreads over many heaps: in the
    load test RSS grew by 130 MB over 1,000 questions and kept climbing, with 2 heaps by 40-70 MB and
    then levelled off, at the same speed (bench/README.md). Does nothing without glibc."""
    import ctypes

    m_arena_max = -8
    try:
        ctypes.CDLL("libc.so.6").mallopt(m_arena_max, arenas)
    except (OSError, AttributeError):
        pass


def answer_on_one_core() -> None:
    """Run torch and FAISS on one thread from here on. A single question is too small to gain from
    splitting over cores, and a split stalls whenever anything else holds the other core (on a busy
    2-core machine ask() p95 fell from ~1,060 to ~140 ms; on a quiet one it rose by ~5 ms; see
    bench/README.md). The start-up sync, which may embed a whole corpus, runs before this on all cores."""
    import faiss
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)


def login_throttle() -> dict:
    """FastAPI arguments that put qa.ui.throttle.LoginThrottle in front of Gradio's /login route."""
    from starlette.middleware import Middleware

    from qa.ui.throttle import LoginThrottle

    return {"middleware": [Middleware(LoginThrottle)]}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limit_malloc_arenas()
    where = args.index or os.environ.get("QA_INDEX") or DEFAULT_INDEX
    from qa.index.milvus_store import server_target

    server = server_target(str(where)) is not None  # a Milvus server: served as it is, shared by app servers
    index_dir = str(where) if server else Path(where).resolve()
    corpus, uploads = corpus_paths(args.corpus, Path(DEFAULT_INDEX) if server else index_dir)
    auth = parse_auth(args.auth or os.environ.get("QA_AUTH"))

    from qa.api import ask
    from qa.errors import QAError
    from qa.ui.app import CSS, build_app, theme
    from qa.ui.html import EXAMPLES
    from qa.ui.uploads import MAX_UPLOAD_BYTES

    try:
        if not server or args.corpus:  # several servers share a cluster: syncing is asked for, not assumed
            sync_index(corpus, index_dir)
        answer_on_one_core()
        print("Loading the models …", flush=True)
        ask(EXAMPLES[0], index_dir)  # warm-up: the first real question is then fast
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    demo = build_app(index_dir, None if args.no_uploads else uploads)
    demo.queue(default_concurrency_limit=1)
    demo.launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        auth=auth,
        auth_message="Log in to ask questions about the news corpus." if auth else None,
        max_file_size=MAX_UPLOAD_BYTES,
        theme=theme(),
        css=CSS,
        footer_links=[],
        ssr_mode=False,
        show_error=False,  # an unexpected error's text stays in the log; the page says only that it failed
        app_kwargs=login_throttle() if auth else None,
        pwa=False,
        mcp_server=False,
        state_session_capacity=SESSIONS_KEPT,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
