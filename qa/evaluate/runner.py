"""`python -m qa eval`: answer every question of a question set, score retrieval, answers, abstention,
citations and speed, and print / save the result.

The result is one JSON-ready dict: the metric keys of METRICS (each averaged over the questions it
applies to, None when it applies to none), n_questions, n_articles, settings, and `questions` with every
question's answer, citations, ranked passages and scores. Definitions are in qa/evaluate/metrics.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from dataclasses import asdict
from pathlib import Path

from qa.api import ask, build_index, open_index
from qa.errors import IndexLockedError, QAError
from qa.evaluate import metrics as m
from qa.evaluate.questions import EvalQuestion, load_questions
from qa.evaluate.report import write_report
from qa.evaluate.summary import CURVE_KS, aggregate, format_table, write_json
from qa.index.build import fingerprint
from qa.index.layout import wait_for_writer
from qa.index.loaded import Index, load_index
from qa.ingest.readers import read_paths
from qa.records import Answer
from qa.settings import ROOT, Settings
from qa.text.answers import contains_answer
from qa.text.nlp import parse


def default_cache() -> Path:
    return ROOT / "eval-cache"


# ---------------------------------------------------------------- the index to evaluate


def corpus_index(paths, cache_dir: Path, settings: Settings, progress: bool = True):
    """An index of the articles under `paths`, built into `cache_dir` (with a progress bar) or reused from
    there, keyed by the corpus fingerprint and the index settings. Nothing else is written. When another
    process is building the same index (two evaluations or trainings at once), this one waits and reuses it."""

    read = read_paths(paths)
    for problem in read.problems:
        print(f"skipped {problem}", file=sys.stderr)
    if not read.articles:
        raise QAError(f"no articles could be read from {', '.join(map(str, paths))}; give corpus files or folders")
    folder = cache_folder(paths, read.articles, cache_dir, settings)
    while True:
        try:
            return load_index(folder, settings)
        except QAError:  # not built yet, or damaged: (re)build it
            pass
        if progress:
            print(f"building an evaluation index of {len(read.articles)} articles in {folder}", file=sys.stderr)
        try:
            build_index(paths, folder, settings, progress=progress, rebuild=True)
            return load_index(folder, settings)
        except IndexLockedError:  # another process is building the same: wait for it, then use what it built
            print(f"waiting for another process building {folder}", file=sys.stderr)
            wait_for_writer(folder)


def cache_folder(paths, articles, cache_dir: Path, settings: Settings) -> Path:
    """Where corpus_index keeps the index of these articles (read from `paths`) under these settings."""
    key = json.dumps({"corpus": fingerprint(articles), **settings.index_key()}, sort_keys=True)
    name = re.sub(r"[^\w.-]", "_", Path(paths[0]).resolve().name)[:40] or "corpus"
    return Path(cache_dir) / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


# ---------------------------------------------------------------- answering


def answer_one(
    index: Index, question: EvalQuestion, settings: Settings | None = None, use_dates: bool = True
) -> Answer:
    """The system's answer to one evaluation question: the single place the evaluation calls ask().
    With `use_dates`, a question with a `date` is answered as on that day (see ask(as_of=))."""

    return ask(question.question, index, settings, as_of=question.date if use_dates else None)


def warm_up(index: Index, question: EvalQuestion, settings: Settings | None, use_dates: bool = True) -> None:
    """Load what the first timed questions would otherwise pay for: one untimed ask() (embedding model,
    caches), and spaCy, which ask() loads only for some kinds of question."""

    answer_one(index, question, settings, use_dates)
    parse(["Warm-up."])


def _timed_answers(
    index: Index, questions: list[EvalQuestion], settings, progress: bool, use_dates: bool = True
) -> list[tuple[Answer, float]]:
    """(answer, milliseconds) per question, after the warm-up."""
    from tqdm import tqdm

    if questions:
        warm_up(index, questions[0], settings, use_dates)
    out = []
    for q in tqdm(questions, desc="Answering questions", unit="q", disable=not progress, file=sys.stderr):
        t0 = time.perf_counter()
        try:
            answer = answer_one(index, q, settings, use_dates)
        except QAError as e:
            raise QAError(f"question {q.id!r} could not be asked: {e}") from e
        out.append((answer, (time.perf_counter() - t0) * 1000))
    return out


# ---------------------------------------------------------------- scoring one question


def _relevance(q: EvalQuestion, texts: dict[str, str], chunks_of: dict) -> tuple[list, set[str], list[str]]:
    """(evidence-quote occurrences, articles holding at least one relevant chunk, what the question names
    that the index lacks: quotes found in no article, gold articles not there)."""
    found = {quote: m.quote_occurrences(quote, texts) for quote in q.evidence}
    occurrences = [occ for occs in found.values() for occ in occs]
    candidates = set(q.doc_ids) | {d for d, _, _ in occurrences}
    judged = {
        d for d in candidates if any(m.is_relevant((d, s, e), q.doc_ids, occurrences) for s, e in chunks_of.get(d, ()))
    }
    missing = [f"evidence quote {quote[:60]!r}" for quote, occs in found.items() if not occs]
    missing += [f"gold article {d!r}" for d in q.doc_ids if d not in texts]
    return occurrences, judged, missing


def _record(q: EvalQuestion, answer: Answer, ms: float, occurrences, missing: list[str], texts: dict[str, str]) -> dict:
    """Everything about one question but its retrieval scores, JSON-ready."""
    # a collapsed passage (issue 7) is relevant when any article carrying it is: its own or one in also_in
    relevant = [
        q.has_relevance and any(m.is_relevant(s, q.doc_ids, occurrences) for s in _copies(p)) for p in answer.passages
    ]
    cites = [(c.doc_id, c.start, c.end) for c in answer.citations]
    given = "" if answer.abstained else answer.answer  # the abstention message is not an answer
    scores: dict = {}
    if q.answerable:
        scores = {
            "answer_accuracy": m.answer_accuracy(given, q.answers),
            "answer_em": m.exact_match(given, q.answers),
            "answer_f1": m.best_f1(given, q.answers),
            "holds_answer": float(any(contains_answer(given, g) for g in q.answers)),
        }
    scores["correct"] = bool(scores["answer_accuracy"]) if q.answerable else answer.abstained
    if q.has_relevance and not answer.abstained:
        scores["citation_support"] = m.citations_support(cites, q.doc_ids, occurrences)
    return {
        "id": q.id,
        "question": q.question,
        "date": q.date,
        "answers": list(q.answers),
        "evidence": list(q.evidence),
        "doc_ids": list(q.doc_ids),
        "answer": answer.answer,
        "abstained": answer.abstained,
        "answer_type": answer.answer_type,
        "confidence": answer.confidence,
        "answer_kind": answer.answer_kind,
        "notices": list(answer.notices),
        "latency_ms": round(ms, 3),
        "citations": [
            {**asdict(c), "exact": m.citation_is_exact(c.doc_id, c.start, c.end, c.quote, texts)}
            for c in answer.citations
        ],
        "passages": [
            {
                "rank": i,
                "doc_id": p.doc_id,
                "title": p.title,
                "start": p.start,
                "end": p.end,
                "score": p.score,
                "relevant": rel,
                "text": p.text,
                "also_in": list(p.also_in),
            }
            for i, (p, rel) in enumerate(zip(answer.passages, relevant, strict=True), 1)
        ],
        "first_relevant_rank": m.first_relevant_rank(relevant) if q.has_relevance else None,
        "not_in_index": missing,
        "scores": scores,
    }


def _copies(p) -> list[tuple[str, int, int]]:
    """The passage's span and the same passage's spans in the other articles that carry it."""
    return [(p.doc_id, p.start, p.end), *p.copies]


# ---------------------------------------------------------------- the whole run


def evaluate(
    index: Index,
    questions: list[EvalQuestion],
    settings: Settings | None = None,
    progress: bool = False,
    extra_settings: dict | None = None,
    use_dates: bool = True,
) -> dict:
    """Answer and score every question; the result dict described at the top of this module."""
    texts = {d: a.text for d, a in index.articles.items()}
    chunks_of: dict[str, list[tuple[int, int]]] = {}
    for c in index.chunks:
        chunks_of.setdefault(c.doc_id, []).append((c.start, c.end))
    records, judged = [], {}
    for q, (answer, ms) in zip(questions, _timed_answers(index, questions, settings, progress, use_dates), strict=True):
        occurrences, judged[q.id], missing = _relevance(q, texts, chunks_of)
        records.append(_record(q, answer, ms, occurrences, missing, texts))
    _add_retrieval_scores(records, judged)
    used = settings or index.settings
    return {
        **aggregate(records),
        "n_questions": len(records),
        "n_articles": len(index.articles),
        "settings": {
            **asdict(used),
            "index": str(index.path),
            "corpus_fingerprint": index.manifest.get("corpus_fingerprint", ""),
            "max_answer_words": m.MAX_ANSWER_WORDS,
            "as_of": "each question's date" if use_dates else "none (dates ignored)",
            **(extra_settings or {}),
        },
        "questions": records,
    }


def _add_retrieval_scores(records: list[dict], judged: dict[str, set[str]]) -> None:
    scored = [r for r in records if r["doc_ids"] or r["evidence"]]
    runs = {r["id"]: m.ranked_items([(p["doc_id"], p["relevant"]) for p in r["passages"]]) for r in scored}
    for r in scored:  # a relevant retrieved passage always makes its article a judged item
        judged[r["id"]] |= {p["doc_id"] for p in r["passages"] if p["relevant"]}
    per_q = m.retrieval_scores(runs, judged, CURVE_KS)
    for r in scored:
        s = per_q[r["id"]]
        r["scores"].update({k: s[k] for k in m.RETRIEVAL_METRICS})
        r["curve"] = {"hit": [s[f"hit@{k}"] for k in CURVE_KS], "recall": [s[f"recall@{k}"] for k in CURVE_KS]}


def run_cli(args, index_dir: Path) -> int:
    """The `eval` command: see qa/cli.py for the arguments."""
    questions = load_questions(args.questions)
    if args.limit is not None:
        if args.limit < 1:
            raise QAError(f"--limit must be at least 1, not {args.limit}")
        questions = questions[: args.limit]
    model = getattr(args, "model", None)
    if args.corpus:
        settings = Settings(model=model) if model else Settings()
        index = corpus_index(args.corpus, Path(args.cache) if args.cache else default_cache(), settings)
    else:
        if model:
            raise QAError("--model only applies with --corpus (an existing index keeps the model it was built with)")

        index = open_index(index_dir)
    started = time.perf_counter()
    result = evaluate(
        index,
        questions,
        progress=True,
        use_dates=not args.ignore_dates,
        extra_settings={"questions_file": str(args.questions), "evaluated_at": time.strftime("%Y-%m-%d %H:%M")},
    )
    for r in result["questions"]:
        for what in r["not_in_index"]:
            print(f"warning: {r['id']}: {what} is not in the index, so it makes no passage relevant", file=sys.stderr)
    print(format_table(result))
    print(f"as of: {result['settings']['as_of']}")
    print(f"answered and scored {len(questions)} questions in {time.perf_counter() - started:.1f} s")
    if args.json_out:
        write_json(result, args.json_out)
        print(f"wrote {args.json_out}")
    if args.report:
        write_report(result, args.report)
        print(f"wrote {args.report}")
    return 0
