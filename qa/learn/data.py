"""The training data on disk: a folder of `questions-NAME.jsonl` with their `corpus-NAME.jsonl[.gz]`, one
pair per fold (realtimeqa-train has 2023, 2024 and 2025). Each fold's corpus is indexed once (cached like
the evaluation's indexes), its questions are read as answerable examples, and questions of the other folds,
asked of this fold's news as of the same day of its year, are read as unanswerable ones."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from qa.answer.features import FEATURES
from qa.answer.reading import QUESTION_FEATURES
from qa.errors import QAError
from qa.evaluate.questions import EvalQuestion, load_questions
from qa.evaluate.runner import corpus_index
from qa.index.loaded import Index
from qa.learn.examples import Examples, concat, read_examples
from qa.learn.weeks import WEEKS_PER_FOLD, choose_weeks, search_pages, write_week_corpora
from qa.settings import Settings

# answering modules that do not change the examples (qa/learn never reads through them)
_NOT_READING = frozenset({"compose", "asked", "shown", "scorer", "citations", "followup", "news"})
NEGATIVES_PER_FOLD = 150  # questions of each other fold asked of this fold's news
NEGATIVES_PER_WEEK = 15  # questions of each other fold asked of one week's small corpus
_QUESTIONS = re.compile(r"^questions-(?P<name>[\w.-]+)\.jsonl$")


@dataclass(frozen=True)
class Fold:
    name: str
    questions: Path
    corpus: Path


def find_folds(folder: Path, names: list[str] | None = None) -> list[Fold]:
    """The folds of a training folder (all of them, or those named), in name order."""
    folder = Path(folder)
    found = []
    for p in sorted(folder.glob("questions-*.jsonl")):
        m = _QUESTIONS.match(p.name)
        if not m or (names and m.group("name") not in names):
            continue
        corpus = next(
            (
                c
                for c in (folder / f"corpus-{m.group('name')}.jsonl.gz", folder / f"corpus-{m.group('name')}.jsonl")
                if c.exists()
            ),
            None,
        )
        if corpus is None:
            raise QAError(
                f"{p} has no corpus beside it: expected corpus-{m.group('name')}.jsonl or .jsonl.gz in {folder}"
            )
        found.append(Fold(m.group("name"), p, corpus))
    missing = sorted(set(names or ()) - {f.name for f in found})
    if missing or not found:
        raise QAError(
            f"no questions-NAME.jsonl with corpus-NAME.jsonl[.gz] for {', '.join(missing) or 'any fold'} in {folder}"
        )
    return found


def fold_examples(
    folds: list[Fold],
    cache: Path,
    settings: Settings,
    limit: int | None = None,
    progress: bool = True,
    weeks: int = WEEKS_PER_FOLD,
) -> dict[str, Examples]:
    """Examples of each fold, answerable and unanswerable, read once and cached as .npz beside the indexes:
    the fold's questions against its whole corpus, other years' questions against it, and the same on
    `weeks` small corpora of one week's pages each (qa/learn/weeks.py; none without `search_ids`)."""
    questions = {f.name: load_questions(f.questions, renumber=True)[:limit] for f in folds}
    out = {}
    for f in folds:
        index = corpus_index([f.corpus], cache, settings, progress)
        parts = [_cached(cache, f, "answerable", questions[f.name], index, progress)]
        for g in folds:
            if _year(g.name) != _year(f.name):  # another year's questions (folds without a year give none)
                asked = _spread(questions[g.name], NEGATIVES_PER_FOLD)
                shift = _year(f.name) - _year(g.name)
                parts.append(_cached(cache, f, f"from-{g.name}", asked, index, progress, False, shift))
        if weeks:
            parts += _week_parts(f, folds, questions, cache, settings, weeks, progress)
        out[f.name] = concat(parts)
    return out


def _week_parts(f: Fold, folds, questions, cache: Path, settings: Settings, n: int, progress: bool) -> list[Examples]:
    """Examples on small corpora: n weeks of the fold, each with only its questions' pages; the week's
    questions answerable, a few questions of each other year (asked on the week's last day) not."""
    pages = search_pages(f.questions)
    chosen = choose_weeks(questions[f.name], pages, n)
    page_ids = {w: {p for q in qs for p in pages[(q.id.split("@")[0], q.question)]} for w, qs in chosen.items()}
    paths = write_week_corpora(f.corpus, page_ids, Path(cache) / "weeks" / f.name)
    parts = []
    for k, (w, qs) in enumerate(chosen.items()):
        index = corpus_index([paths[w]], cache, settings, progress)
        parts.append(_cached(cache, f, f"week-{w}", qs, index, progress))
        day = max(q.date for q in qs)
        for g in folds:
            if _year(g.name) != _year(f.name):
                asked = _spread(questions[g.name][k::n], NEGATIVES_PER_WEEK)
                parts.append(_cached(cache, f, f"week-{w}-from-{g.name}", asked, index, progress, False, 0, day))
    return parts


def _spread(questions: list[EvalQuestion], n: int) -> list[EvalQuestion]:
    """n questions spread evenly over the list (deterministic)."""
    if len(questions) <= n:
        return questions
    step = len(questions) / n
    return [questions[int(i * step)] for i in range(n)]


def _year(name: str) -> int:
    m = re.search(r"(19|20)\d\d", name)
    return int(m.group(0)) if m else 0


def _cached(
    cache: Path,
    fold: Fold,
    part: str,
    questions: list[EvalQuestion],
    index: Index,
    progress: bool,
    answerable: bool = True,
    shift: int = 0,
    on_day: str = "",
) -> Examples:
    """The examples of `questions` read against `index`, cached: the fold's own questions (`answerable`),
    or questions the index does not answer, asked `shift` years later than they were or on `on_day`."""
    key = json.dumps(
        {
            "index": index.manifest.get("corpus_fingerprint", ""),
            "questions": [(q.id, q.question, q.answers, q.date) for q in questions],
            "on_day": on_day,
            "features": FEATURES,
            "question_features": QUESTION_FEATURES,
            "code": _code_fingerprint(),
        },
        sort_keys=True,
    )
    path = Path(cache) / f"examples-{fold.name}-{part}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    if path.exists():
        return Examples.load(path)
    if sys.stderr and questions:
        print(f"reading {len(questions)} questions of {fold.name} ({part})", file=sys.stderr)
    ex = read_examples(index, questions, answerable, shift, progress, on_day)
    path.parent.mkdir(parents=True, exist_ok=True)
    ex.save(path)
    return ex


def _code_fingerprint() -> str:
    """A hash of the answering code, so that cached examples are read again when it changes."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted((root / "answer").glob("*.py")) + sorted((root / "retrieve").glob("*.py")):
        if p.stem not in _NOT_READING:
            h.update(p.read_bytes())
    return h.hexdigest()[:16]
