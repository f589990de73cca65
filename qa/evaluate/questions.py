"""Read an evaluation question set (JSON Lines, format in ../shared/datasets/README.md). Every bad line
is reported with its file:line and what to change, all at once."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import QAError, QuestionSetError
from qa.text.dates import parse_date

MAX_REPORTED = 20  # bad lines listed in one error message


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]  # empty: the corpus does not answer it
    evidence: tuple[str, ...] = ()  # verbatim quotes (span-level relevance)
    doc_ids: tuple[str, ...] = ()  # gold articles (article-level relevance)
    date: str = ""  # when the question was asked (ISO date), or ""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def has_relevance(self) -> bool:
        """Whether retrieval can be scored: the question has evidence quotes or gold articles."""
        return bool(self.evidence or self.doc_ids)


def _texts(rec: dict, key: str, required: bool = False) -> tuple[str, ...]:
    if key not in rec:
        if required:
            raise ValueError(f'"{key}" is missing; give a list of strings ([] when the corpus does not answer)')
        return ()
    value = rec[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'"{key}" must be a list of strings, not {json.dumps(value, ensure_ascii=False)[:60]}')
    return tuple(value)


def _text(rec: dict, key: str, required: bool) -> str:
    value = rec.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        what = "missing" if key not in rec else f"{json.dumps(value, ensure_ascii=False)[:60]}"
        need = "non-empty text" if required else "text"
        raise ValueError(f'"{key}" must be {need}, got {what}')
    return value


def parse_question(line: str) -> EvalQuestion:
    """One question from one JSON line; ValueError says what is wrong with it."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(rec, dict):
        raise ValueError(f"expected a JSON object with id, question and answers, got {type(rec).__name__}")
    date = _text(rec, "date", False)
    if date:
        try:
            parse_date(date, '"date"')
        except QAError as e:
            raise ValueError(str(e)) from None
    return EvalQuestion(
        _text(rec, "id", True),
        _text(rec, "question", True),
        _texts(rec, "answers", True),
        _texts(rec, "evidence"),
        _texts(rec, "doc_ids"),
        date,
    )


def load_questions(path: str | os.PathLike, renumber: bool = False) -> list[EvalQuestion]:
    """All questions of the file, in order. Raises QuestionSetError listing every bad line. With
    `renumber` (for data one cannot edit, such as realtimeqa-train), a line repeating an earlier question
    is left out and another question with a used id is read as "ID@LINE", each with a warning."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QuestionSetError(f"no question set at {path}; give the path of a .jsonl file of questions") from None
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionSetError(f"cannot read the question set {path} ({e}); it must be UTF-8 JSON Lines") from e
    questions: list[EvalQuestion] = []
    problems: list[str] = []
    seen: dict[str, int] = {}  # id → its place in `questions`
    lines_of: dict[str, int] = {}  # id → its line
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            q = parse_question(line)
        except ValueError as e:
            problems.append(f"{path}:{n}: {e}")
            continue
        if q.id in seen and renumber:  # data we cannot edit: drop a repeat, rename another question
            first = questions[seen[q.id]]
            print(
                f"warning: {path}:{n}: id {q.id!r} of line {lines_of[q.id]} again: "
                + ("the same question, left out" if first == q else f"read as {q.id}@{n}"),
                file=sys.stderr,
            )
            if first == q:
                continue
            q = replace(q, id=f"{q.id}@{n}")
        if q.id in seen:
            problems.append(f"{path}:{n}: duplicate id {q.id!r} (first on line {lines_of[q.id]}); give it another id")
            continue
        seen[q.id], lines_of[q.id] = len(questions), n
        questions.append(q)
    if problems:
        more = f"\n... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise QuestionSetError(
            f"{len(problems)} bad line(s) in the question set; fix them and run again "
            "(format: ../shared/datasets/README.md):\n" + "\n".join(problems[:MAX_REPORTED]) + more
        )
    if not questions:
        raise QuestionSetError(f"the question set {path} holds no questions; put one JSON object per line")
    return questions
