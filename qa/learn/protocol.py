"""How the scorer does on years it never saw: for each fold (year) of the training folder, a scorer is
trained on the other folds only and the held-out fold's questions are answered end to end with it
(`python -m qa eval --held-out FOLDER`). `quick_held_out` does the same from the cached examples alone,
without asking again (for comparing training settings in seconds), and `ranker_held_out` the ranker alone
over several LightGBM seeds (for comparing features and settings against the seeds' own spread)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.answer.features import INDEX
from qa.errors import QAError
from qa.evaluate.questions import load_questions
from qa.evaluate.runner import corpus_index, evaluate
from qa.learn.data import find_folds, fold_examples
from qa.learn.examples import Examples, concat
from qa.learn.train import (
    PARAMS,
    ROUNDS,
    best_is_right,
    calibration_inputs,
    fit_ranker,
    never_table,
    question_scores,
    train_scorer,
)
from qa.settings import Settings


def quick_held_out(folds: dict[str, Examples], **train_args) -> dict[str, dict]:
    """Per fold, from its examples: the share of its answerable questions whose best candidate is right,
    right and given as a short answer, and refused; and the share of its unanswerable ones refused."""
    out = {}
    for name, ex in folds.items():
        scorer = train_scorer({n: e for n, e in folds.items() if n != name}, **train_args)
        scores = question_scores(ex, scorer.trees, scorer.never)
        right = best_is_right(ex, scores)
        cal = calibration_inputs(scores)
        p_right = np.array([scorer.right(x) for x in cal])
        p_ans = np.array([scorer.answerable(x) for x in np.hstack([ex.Q.astype(np.float64), cal])])
        refused = p_ans < scorer.abstain_below
        short = ~refused & (p_right >= scorer.short_at)
        a = ex.answerable
        out[name] = {
            "questions": int(a.sum()),
            "best_right": float(right[a].mean()),
            "short_right": float((right & short)[a].mean()),
            "short": float(short[a].mean()),
            "refused_answerable": float(refused[a].mean()),
            "refused_unanswerable": float(refused[~a].mean()) if (~a).any() else None,
            "reachable": float(_reachable(ex)[a].mean()),
        }
    return out


def ranker_held_out(
    folds: dict[str, Examples], seeds=(PARAMS["seed"],), params: dict | None = None, zero=()
) -> dict[str, list[int]]:
    """Per fold, once per LightGBM seed: how many of its answerable questions get a right best candidate
    from a ranker trained on the other folds (`params` on top of train.PARAMS; the features named in `zero`
    set to 0 everywhere, an ablation without reading the examples again). The seed alone moves the
    three years' total by ~±7 of ~2,750 questions (2026-12: 618, 609, 613, 605 for seeds 7–10), as much as
    most feature changes: compare a change by its mean over seeds, not by one run."""
    unknown = [name for name in zero if name not in INDEX]
    if unknown:
        raise QAError(f"no feature named {', '.join(unknown)} (see qa/answer/features.py FEATURES)")
    if zero:
        cols = [INDEX[name] for name in zero]
        folds = {n: replace(e, X=_zeroed(e.X, cols)) for n, e in folds.items()}
    out: dict[str, list[int]] = {}
    for name, ex in folds.items():
        others = concat([e for n, e in folds.items() if n != name])
        never = never_table(others)
        out[name] = []
        for seed in seeds:
            trees = fit_ranker(others, ROUNDS, {**(params or {}), "seed": seed})
            right = best_is_right(ex, question_scores(ex, trees, never))
            out[name].append(int(right[ex.answerable].sum()))
    return out


def _zeroed(X: np.ndarray, cols: list[int]) -> np.ndarray:
    X = X.copy()
    X[:, cols] = 0
    return X


def _reachable(ex: Examples) -> np.ndarray:
    return np.bincount(ex.question[ex.label > 0], minlength=ex.n_questions) > 0


def held_out(folder: Path, cache: Path, out_dir: Path, settings: Settings | None = None, limit=None) -> dict:
    """End to end, per fold: the scorer trained on the other folds (written to out_dir), and the
    evaluation (qa/evaluate/runner.py) of the fold's questions on its corpus with that scorer."""
    settings = settings or Settings()
    folds = find_folds(folder)
    examples = fold_examples(folds, cache, settings, limit)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for f in folds:
        others = {n: e for n, e in examples.items() if n != f.name}
        scorer = train_scorer(others, trained_on={"folds": sorted(others), "held_out": f.name})
        path = out_dir / f"scorer-without-{f.name}.json"
        path.write_text(json.dumps(scorer.to_json()), encoding="utf-8")
        index = corpus_index([f.corpus], cache, settings)
        questions = load_questions(f.questions, renumber=True)[:limit]
        results[f.name] = evaluate(index, questions, replace(index.settings, scorer=str(path)), progress=True)
    return results
