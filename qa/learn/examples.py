"""Training examples: questions read against an index exactly as answering reads them (qa/answer/reading.py),
every candidate labelled by the gold answers, saved as a plain .npz (no pickle).

A candidate's label is 2 when it reads as a gold answer (SQuAD exact match), 1 when it holds one as whole
words with at most EXTRA_WORDS more words ("Walt Disney Co." for "Disney"), else 0: a whole clause that
merely contains the answer is not an answer."""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import numpy as np

from qa.answer.features import FEATURES
from qa.answer.reading import read
from qa.answer.types import reading_mask
from qa.evaluate.questions import EvalQuestion
from qa.index.loaded import Index
from qa.text.answers import contains_answer, normalize_answer
from qa.text.dates import parse_date

EXTRA_WORDS = 2


@dataclass(frozen=True)
class Examples:
    """Candidates of many questions stacked: row arrays (one entry per candidate) and question arrays."""

    X: np.ndarray  # (rows, FEATURES)
    label: np.ndarray  # (rows,) 0, 1 or 2
    question: np.ndarray  # (rows,) the question number of each row
    fits: np.ndarray  # (rows,) bool: its kind may answer the question (qa/answer/types.py grammar rules)
    kinds: np.ndarray  # (rows,) str: its mentions' kinds, "|"-joined
    text: np.ndarray  # (rows,) str
    Q: np.ndarray  # (questions, QUESTION_FEATURES)
    qid: np.ndarray  # (questions,) str
    answer_type: np.ndarray  # (questions,) str
    answerable: np.ndarray  # (questions,) bool: the corpus answers it (False: asked of another year's news)
    sentence_right: np.ndarray  # (questions,) bool: the best evidence sentence holds a gold answer

    def save(self, path: Path) -> None:
        np.savez_compressed(path, **{f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def load(cls, path: Path) -> Examples:
        with np.load(path, allow_pickle=False) as z:
            return cls(**{f.name: z[f.name] for f in fields(cls)})

    @property
    def n_questions(self) -> int:
        return len(self.qid)

    def take(self, keep: np.ndarray) -> Examples:
        """The examples of the questions where `keep` (per question) is True, renumbered."""
        new = np.cumsum(keep) - 1
        rows = keep[self.question]
        q_fields = ("Q", "qid", "answer_type", "answerable", "sentence_right")
        out = {f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name not in q_fields}
        out["question"] = new[self.question[rows]]
        out.update({name: getattr(self, name)[keep] for name in q_fields})
        return Examples(**out)


def label(text: str, golds) -> int:
    norm = normalize_answer(text)
    if any(norm == normalize_answer(g) for g in golds):
        return 2
    extra = min((len(norm.split()) - len(normalize_answer(g).split()) for g in golds), default=99)
    return int(any(contains_answer(text, g) for g in golds) and extra <= EXTRA_WORDS)


def read_examples(
    index: Index,
    questions: list[EvalQuestion],
    answerable: bool = True,
    shift_years: int = 0,
    progress: bool = True,
    on_day: str = "",
) -> Examples:
    """Every question read against `index` as of its date (moved by `shift_years` years, or `on_day` when
    given, for questions asked of news that does not answer them: `answerable` False)."""
    rows: dict[str, list] = {k: [] for k in ("X", "label", "question", "fits", "kinds", "text")}
    qs: dict[str, list] = {k: [] for k in ("Q", "qid", "answer_type", "answerable", "sentence_right")}
    for n, q in enumerate(questions):
        if progress and n % 100 == 0:
            print(f"  {n}/{len(questions)} questions read", file=sys.stderr)
        r = read(index, q.question, index.settings, _as_of(on_day or q.date, 0 if on_day else shift_years))
        golds = q.answers if answerable else ()
        ok = reading_mask(r)
        for cand, ms, x, fit in zip(r.candidates, r.mentions, r.features, ok, strict=True):
            rows["X"].append(x)
            rows["label"].append(label(cand.text, golds) if golds else 0)
            rows["question"].append(n)
            rows["fits"].append(fit)
            rows["kinds"].append("|".join(sorted({m.kind for m in ms})))
            rows["text"].append(cand.text)
        qs["Q"].append(r.question_features)
        qs["qid"].append(q.id)
        qs["answer_type"].append(r.info.answer_type)
        qs["answerable"].append(answerable)
        best = r.evidence[0].text if r.evidence else ""
        qs["sentence_right"].append(any(contains_answer(best, g) for g in golds))
    width = len(FEATURES)
    return Examples(
        X=np.asarray(rows["X"], dtype=np.float32).reshape(-1, width) if rows["X"] else np.zeros((0, width), np.float32),
        label=np.asarray(rows["label"], dtype=np.int8),
        question=np.asarray(rows["question"], dtype=np.int64),
        fits=np.asarray(rows["fits"], dtype=bool),
        kinds=np.asarray(rows["kinds"], dtype=str),
        text=np.asarray(rows["text"], dtype=str),
        Q=np.asarray(qs["Q"], dtype=np.float32),
        qid=np.asarray(qs["qid"], dtype=str),
        answer_type=np.asarray(qs["answer_type"], dtype=str),
        answerable=np.asarray(qs["answerable"], dtype=bool),
        sentence_right=np.asarray(qs["sentence_right"], dtype=bool),
    )


def _as_of(day: str, shift_years: int) -> int | None:
    if not day:
        return None
    d = parse_date(day, "date")
    try:
        d = d.replace(year=d.year + shift_years)
    except ValueError:  # 29 February
        d = date(d.year + shift_years, d.month, 28)
    return d.toordinal()


def concat(parts: list[Examples]) -> Examples:
    """Examples of several sets as one, question numbers shifted."""
    offsets = np.cumsum([0] + [p.n_questions for p in parts[:-1]])
    out = {}
    for f in Examples.__dataclass_fields__:
        arrays = [getattr(p, f) for p in parts]
        if f == "question":
            arrays = [a + o for a, o in zip(arrays, offsets, strict=True)]
        out[f] = np.concatenate(arrays) if arrays else np.zeros(0)
    return Examples(**out)
