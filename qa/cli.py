"""Command line: `python -m qa ingest|ask|eval|info`. Every command takes --index (or QA_INDEX)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from qa.answer.scorer import SCORER_FILE
from qa.api import ask, ingest
from qa.errors import IndexCorruptError, IndexMismatchError, QAError
from qa.evaluate.runner import run_cli
from qa.index.embedding import check_model
from qa.index.migrate import migrate
from qa.index.milvus_index import milvus_info
from qa.index.milvus_store import find_target, server_target, store_target
from qa.index.store import read_index
from qa.retrieve.filters import outlet_name
from qa.settings import DEFAULT_INDEX, DEFAULT_TRAINING, Settings
from qa.text.dates import annotate


def _index_dir(args) -> Path | str:
    where = args.index or os.environ.get("QA_INDEX") or DEFAULT_INDEX
    return where if server_target(str(where)) else Path(where)  # a Milvus URI stays a string


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m qa", description="Question answering over news, with cited spans.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", help="index folder (default: index/ beside the package, or $QA_INDEX)")

    ing = sub.add_parser("ingest", parents=[common], help="add articles (files or folders) to the index")
    ing.add_argument("paths", nargs="+", help=".txt .md .json .jsonl .html files, or folders of them")
    ing.add_argument("--rebuild", action="store_true", help="start a new index instead of adding to it")
    ing.add_argument("--model", help="sentence-transformers model name or path (new index only)")
    ing.add_argument("--skip-bad", action="store_true", help="exit 0 even when some input was skipped")
    ing.add_argument("--quiet", action="store_true", help="no progress bar")
    ing.add_argument(
        "--store",
        help="where the index lives: faiss (the index folder, default), milvus (Milvus Lite in the index folder) "
        "or milvus://HOST:PORT (a Milvus server; token from $QA_MILVUS_TOKEN)",
    )

    ing.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="chunk and embed through a Ray Data pipeline into the Milvus store (--store milvus unless given); "
        "without ADDRESS a local Ray instance is started",
    )

    mig = sub.add_parser("migrate", help="copy an index folder into Milvus, reusing its vectors")
    mig.add_argument("source", help="an index folder (FAISS)")
    mig.add_argument("--store", required=True, help="milvus (Milvus Lite in --index) or milvus://HOST:PORT")
    mig.add_argument("--index", required=False, help="the Milvus Lite index folder to create (with --store milvus)")

    ask = sub.add_parser("ask", parents=[common], help="answer a question from the index")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer record as JSON")
    ask.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")
    ask.add_argument(
        "--until",
        help="only articles published on or before this date (YYYY-MM-DD); "
        "articles of unknown date are left out by either",
    )
    ask.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="OUTLET",
        help="only articles from this outlet (its source, or its site such as cnn); repeatable",
    )
    ask.add_argument(
        "--as-of", help="answer as on this date (YYYY-MM-DD): later articles are left out, fresher ones weigh more"
    )

    ev = sub.add_parser("eval", parents=[common], help="score retrieval and answers on a question set")
    ev.add_argument("questions", nargs="?", help="question set (JSON Lines, see ../shared/datasets/README.md)")
    ev.add_argument("--corpus", nargs="+", help="build (and cache) an index of these files instead of using --index")
    ev.add_argument("--json", dest="json_out", help="write all metrics and per-question results to this file")
    ev.add_argument("--report", help="write a self-contained HTML report to this file")
    ev.add_argument("--cache", help="folder for cached evaluation indexes (default: eval-cache/)")
    ev.add_argument("--limit", type=int, help="only the first N questions")
    ev.add_argument(
        "--ignore-dates",
        action="store_true",
        help="answer every question as of now, not as of the date it was asked (its `date` field)",
    )
    ev.add_argument("--model", help="embedding model of the --corpus index (hash-64: fast test embedder)")

    ev.add_argument(
        "--held-out",
        metavar="FOLDER",
        help="instead of QUESTIONS: for each fold (questions-NAME.jsonl + corpus-NAME.jsonl[.gz]) of FOLDER, train "
        "the answer scorer on the other folds and evaluate the fold with it (QUESTIONS is then ignored)",
    )

    tr = sub.add_parser("train-answers", help="train the answer scorer (qa/answer/scorer.json) on question sets")
    tr.add_argument(
        "data",
        nargs="?",
        default=str(DEFAULT_TRAINING),
        help="folder of questions-NAME.jsonl with corpus-NAME.jsonl[.gz] (default: %(default)s)",
    )
    tr.add_argument("--folds", nargs="+", metavar="NAME", help="only these folds (default: all)")
    tr.add_argument("--out", default=str(SCORER_FILE), help="where to write the scorer (default: %(default)s)")
    tr.add_argument("--cache", help="folder for the folds' indexes and examples (default: eval-cache/)")
    tr.add_argument("--limit", type=int, help="only the first N questions of each fold")
    tr.add_argument("--model", help="embedding model of the folds' indexes (hash-64: fast test embedder)")

    sub.add_parser("info", parents=[common], help="check the index (checksums, structure) and show what it holds")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        commands = {
            "ingest": _ingest,
            "ask": _ask,
            "eval": _eval,
            "info": _info,
            "migrate": _migrate,
            "train-answers": _train_answers,
        }
        return commands[args.command](args)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the index was left as it was before this run", file=sys.stderr)
        return 130


def _ingest(args) -> int:
    if args.model:
        check_model(args.model)  # before any file is read
    settings = Settings(model=args.model) if args.model else None  # None: the index's own, or the defaults
    report = ingest(
        args.paths,
        _index_dir(args),
        settings,
        progress=not args.quiet,
        rebuild=args.rebuild,
        store=args.store,
        ray=args.ray,
    )
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    if report.n_articles == 0:
        print(f"no articles could be imported; no index was written at {_index_dir(args)}")
    else:
        print(
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged; "
            f"{report.embedded} chunks embedded; index {_index_dir(args)} holds {report.n_articles} articles "
            f"in {report.n_chunks} chunks"
        )
    if report.problems and not args.skip_bad:
        done = "the good articles were indexed" if report.n_articles else "nothing was indexed"
        print(
            f"{len(report.problems)} problem(s): {done}; fix the input above (or pass --skip-bad to ignore it)",
            file=sys.stderr,
        )
        return 1
    return 0


def _ask(args) -> int:
    answer = ask(
        args.question, _index_dir(args), as_of=args.as_of, since=args.since, until=args.until, sources=args.source
    )
    if args.json:
        print(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
        return 0
    print(format_answer(answer))
    return 0


def format_answer(answer) -> str:
    """The answer with numbered citations, as plain text."""

    lines = [f"Q: {answer.question}", ""]
    for n in answer.notices:
        lines.append(f"note: {n}")
    marks = "".join(f"[{i}]" for i in range(1, len(answer.citations) + 1))
    if answer.answer_kind == "sentence":  # no short answer was sure: the sentence reads as one, with its source
        lines.append("A (no short answer was sure; the sentence that answers best):")
        lines.append(f"   {' '.join(answer.answer.split())} {marks}".rstrip())
    else:
        lines.append(f"A: {answer.answer} {marks}".rstrip())
    for i, c in enumerate(answer.citations, 1):
        where = ", ".join(x for x in (outlet_name(c.source) if c.source else "", c.published, c.url) if x)
        lines += [
            "",
            f"[{i}] {c.title}" + (f" ({where})" if where else ""),
            f"    chars {c.start}-{c.end} of {c.doc_id}:",
            "    " + annotate(c.quote, c.published).replace("\n", "\n    "),
        ]
        if c.also_in:
            lines.append(
                f"    reported by {c.n_sources} sources; also in: "
                + "; ".join(f"{d} chars {s}-{e}" for d, s, e in c.copies)
            )
    lines += _story_lines(answer.stories)
    if answer.abstained and answer.passages:
        lines += ["", "Closest passages:"]
        for p in answer.passages[:3]:
            also = f" (also in {', '.join(p.also_in)})" if p.also_in else ""
            lines.append(f"  - {p.title} [{p.doc_id} {p.start}-{p.end}]{also}: {' '.join(p.text.split())[:200]}…")
    return "\n".join(lines)


def _story_lines(stories) -> list[str]:
    """Each story of the cited articles: its articles with outlet and date, and why they were grouped."""
    lines = []
    for st in stories:
        lines += ["", f"Story {st.story_id}: {len(st.doc_ids)} articles tell it"]
        for k, d in enumerate(st.doc_ids):
            name = outlet_name(st.outlets[k]) if st.outlets and st.outlets[k] else ""
            meta = ", ".join(x for x in (name, st.published[k] if st.published else "") if x)
            why = f" — {st.why[k]}" if st.why and st.why[k] else ""
            title = st.titles[k] if st.titles else ""
            lines.append(f"  - {d}: {title}" + (f" ({meta})" if meta else "") + why)
    return lines


def _eval(args) -> int:
    if getattr(args, "model", None):
        check_model(args.model)
    if args.held_out:
        from qa.learn.commands import held_out_cli

        return held_out_cli(args)
    if not args.questions:
        raise QAError("give a question set (QUESTIONS.jsonl) to evaluate, or --held-out FOLDER")
    return run_cli(args, _index_dir(args))


def _train_answers(args) -> int:
    if args.model:
        check_model(args.model)
    from qa.learn.commands import train_cli

    return train_cli(args)


def _info(args) -> int:
    """The manifest, after checking every checksum and the structure (exit status 1 when damaged), and
    which store holds the index."""
    where = _index_dir(args)
    target = find_target(where)
    if target is not None:
        m = {**milvus_info(target), "store": f"milvus ({'Milvus Lite' if target.lite else 'server'} at {target.label})"}
        m.pop("checksums", None)
        print(json.dumps(m, indent=2, ensure_ascii=False))
        return 0
    try:
        stored = read_index(where)
    except (IndexCorruptError, IndexMismatchError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    m = {k: v for k, v in stored.manifest.items() if k != "checksums"}
    out = {"store": "faiss (index folder)", **m, "files": str(stored.folder), "verified": True}
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _migrate(args) -> int:
    if args.store == "milvus" and not args.index:
        raise QAError("--store milvus needs --index DIR: the new folder that will hold Milvus Lite's files")
    target = store_target(args.store, args.index or "")
    if target is None:
        raise QAError(f"--store {args.store!r} is the index folder itself; give milvus or milvus://HOST:PORT")
    m = migrate(args.source, target)
    print(f"copied {m['n_articles']} articles in {m['n_chunks']} chunks from {args.source} into {target.label}")
    return 0
