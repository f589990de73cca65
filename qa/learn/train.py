"""Train the answer scorer (qa/answer/scorer.py) from examples of several years of questions:

1. a LightGBM LambdaRank model orders each question's candidates (those whose kind may answer it);
2. out of fold — each year scored by a model trained on the other years — the best candidate's score
   and margin are calibrated into P(right) by logistic regression, and the question's coverage by the
   corpus plus that score into P(answerable), against questions asked of another year's news;
3. the thresholds: P(answerable) under which to abstain is the quantile that refuses at most
   REFUSE_ANSWERABLE of the answerable questions out of fold; a short answer is given when its calibrated
   P(right) is at least short_at, else the best sentence: short_at is the highest threshold that turns
   at most KEEP_RIGHT_LOSS of the right short answers (out of fold) into sentences.

Everything is deterministic (one thread, fixed seeds): the same examples give the same JSON."""

from __future__ import annotations

import numpy as np

from qa.answer.features import FEATURES
from qa.answer.reading import QUESTION_FEATURES
from qa.answer.scorer import Logistic, Scorer, Trees, top_two
from qa.learn.examples import Examples, concat

KEEP_RIGHT_LOSS = 0.01  # share of right short answers the short-answer threshold may turn into sentences
SHORT_GRID = np.round(np.arange(0.0, 0.5, 0.01), 2)  # thresholds tried for short_at
REFUSE_ANSWERABLE = 0.015  # at most this share of answerable questions (out of fold) is refused
NEVER_SUPPORT = 40  # a kind seen this often for a type without ever answering it may never answer it
PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [1],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": 7,
    "verbosity": -1,
}
ROUNDS = 300
# The shipped ranker is the mean of one ranker per seed: on realtimeqa-train (three-fold, 2,758 answerable
# questions) single seeds 7-12 put a right answer first for 656-684 (mean 668.0; a retrain reshuffles the
# near ties), the means of seeds 7-9 and of 10-12 for 676 each (2026-12-07; on the features of the day
# before, 651-667 (659.5) against 659 and 659).
SEEDS = (7, 8, 9)


def usable(ex: Examples) -> np.ndarray:
    """The rows a ranker learns from and scores: candidates whose kind may answer their question."""
    return ex.fits


def fit_ranker(ex: Examples, rounds: int = ROUNDS, params: dict | None = None) -> Trees:
    """LambdaRank over the answerable questions that have a right candidate among those that fit: the mean
    of one ranker per seed of SEEDS, or of the one seed `params` names."""
    seeds = (params["seed"],) if params and "seed" in params else SEEDS
    return mean_trees([_fit_one(ex, rounds, {**(params or {}), "seed": seed}) for seed in seeds])


def mean_trees(parts: list[Trees]) -> Trees:
    """One set of trees whose sum is the mean of the parts' sums: their trees side by side (padded to the
    widest with leaves that point to themselves), each leaf value divided by the number of parts."""
    if len(parts) == 1:
        return parts[0]
    width = max(t.feature.shape[1] for t in parts)

    def padded(a: np.ndarray, fill) -> np.ndarray:
        out = np.empty((a.shape[0], width), dtype=a.dtype)
        out[:, : a.shape[1]] = a
        out[:, a.shape[1] :] = fill
        return out

    pad = np.arange(width, dtype=np.int32)
    return Trees(
        np.vstack([padded(t.feature, -1) for t in parts]),
        np.vstack([padded(t.threshold, 0.0) for t in parts]),
        np.vstack([padded(t.left, pad[t.left.shape[1] :]) for t in parts]),
        np.vstack([padded(t.right, pad[t.right.shape[1] :]) for t in parts]),
        np.vstack([padded(t.value, 0.0) for t in parts]) / len(parts),
        max(t.depth for t in parts),
    )


def _fit_one(ex: Examples, rounds: int, params: dict) -> Trees:
    import lightgbm as lgb

    rows = usable(ex) & ex.answerable[ex.question]
    has_right = np.bincount(ex.question[rows & (ex.label > 0)], minlength=ex.n_questions) > 0
    rows &= has_right[ex.question]
    order = np.flatnonzero(rows)  # rows of one question are contiguous and in question order
    sizes = np.bincount(ex.question[order], minlength=ex.n_questions)
    data = lgb.Dataset(ex.X[order], ex.label[order], group=sizes[sizes > 0], feature_name=list(FEATURES))
    booster = lgb.train({**PARAMS, **params}, data, num_boost_round=rounds)
    return trees_from_lightgbm(booster.dump_model())


def trees_from_lightgbm(model: dict) -> Trees:
    """LightGBM's dumped model as flat arrays (numerical splits `x <= threshold`, no missing values)."""
    flat = [_flatten(t["tree_structure"]) for t in model["tree_info"]]
    width = max(len(f[0]) for f in flat)
    depth = max(f[5] for f in flat)
    arrays = [np.zeros((len(flat), width)) for _ in range(5)]
    for i, (feat, thr, left, right, value, _) in enumerate(flat):
        n = len(feat)
        pad = np.arange(n, width)
        for a, src, fill in zip(arrays, (feat, thr, left, right, value), (-1, 0.0, pad, pad, 0.0), strict=True):
            a[i, :n] = src
            a[i, n:] = fill
    feature, threshold, left, right, value = arrays
    return Trees(feature.astype(np.int32), threshold, left.astype(np.int32), right.astype(np.int32), value, depth)


def _flatten(root: dict):
    feat, thr, left, right, value = [], [], [], [], []

    def add(node: dict, level: int) -> tuple[int, int]:
        i = len(feat)
        feat.append(-1), thr.append(0.0), left.append(i), right.append(i), value.append(0.0)
        if "leaf_value" in node:
            value[i] = node["leaf_value"]
            return i, level
        if node.get("decision_type", "<=") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')!r}: only numerical splits are exported")
        feat[i], thr[i] = node["split_feature"], node["threshold"]
        left[i], dl = add(node["left_child"], level + 1)
        right[i], dr = add(node["right_child"], level + 1)
        return i, max(dl, dr)

    _, depth = add(root, 0)
    return feat, thr, left, right, value, depth


def fit_logistic(X: np.ndarray, y: np.ndarray, c: float = 1.0) -> Logistic:
    """Logistic regression on standardised inputs, folded back into weights on the raw inputs."""
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(X, dtype=np.float64)
    if len(set(y.tolist())) < 2:  # one class only: a constant
        p = min(max(float(np.mean(y)) if len(y) else 0.5, 0.01), 0.99)
        return Logistic(tuple(0.0 for _ in range(X.shape[1])), float(np.log(p / (1 - p))))
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=1000).fit((X - mu) / sd, y)
    w = model.coef_[0] / sd
    return Logistic(tuple(float(x) for x in w), float(model.intercept_[0] - np.dot(w, mu)))


def question_scores(ex: Examples, trees: Trees, never: dict[str, frozenset[str]]) -> list[np.ndarray]:
    """Each question's candidate scores, -inf for candidates whose kind may not answer it."""
    scores = trees.predict(ex.X) if len(ex.X) else np.zeros(0)
    ok = usable(ex) & ~_never_mask(ex, never)
    scores = np.where(ok, scores, -np.inf)
    bounds = np.searchsorted(ex.question, np.arange(ex.n_questions + 1))
    return [scores[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _never_mask(ex: Examples, never: dict[str, frozenset[str]]) -> np.ndarray:
    types = ex.answer_type[ex.question]
    return np.array(
        [all(k in never.get(t, ()) for k in kinds.split("|")) for t, kinds in zip(types, ex.kinds, strict=True)],
        dtype=bool,
    )


def never_table(ex: Examples) -> dict[str, frozenset[str]]:
    """For each answer type, the candidate kinds seen at least NEVER_SUPPORT times that never answered it."""
    seen: dict[tuple[str, str], list[int]] = {}
    types = ex.answer_type[ex.question]
    for t, kinds, lab, ok in zip(types, ex.kinds, ex.label, usable(ex), strict=True):
        if not ok:
            continue
        for k in kinds.split("|"):
            s = seen.setdefault((t, k), [0, 0])
            s[0] += 1
            s[1] += int(lab > 0)
    out: dict[str, set[str]] = {}
    for (t, k), (n, right) in sorted(seen.items()):
        if n >= NEVER_SUPPORT and right == 0:
            out.setdefault(str(t), set()).add(str(k))
    return {t: frozenset(v) for t, v in out.items()}


def best_is_right(ex: Examples, scores: list[np.ndarray]) -> np.ndarray:
    """Per question: whether its best-scoring candidate (of those that may answer) is right (label > 0)."""
    bounds = np.searchsorted(ex.question, np.arange(ex.n_questions + 1))
    out = np.zeros(ex.n_questions, dtype=bool)
    for q, s in enumerate(scores):
        if len(s) and np.isfinite(s).any():
            out[q] = ex.label[bounds[q] + int(np.argmax(s))] > 0
    return out


def calibration_inputs(scores: list[np.ndarray]) -> np.ndarray:
    return np.array([top_two(s[np.isfinite(s)]) for s in scores], dtype=np.float64).reshape(-1, 2)


def train_scorer(folds: dict[str, Examples], trained_on: dict | None = None) -> Scorer:
    """The scorer from examples grouped in folds (years): the ranker on all of them, the calibrations and
    thresholds out of fold. With a single fold, the calibrations are fitted in fold."""
    everything = concat(list(folds.values()))
    never = never_table(everything)
    trees = fit_ranker(everything)
    oof = _out_of_fold(folds, never, trees)
    right = fit_logistic(oof["cal"][oof["answerable"]], oof["right"][oof["answerable"]])
    answerable = fit_logistic(np.hstack([oof["Q"], oof["cal"]]), oof["answerable"].astype(int))
    sentence = fit_logistic(oof["Q"][oof["answerable"]], oof["sentence_right"][oof["answerable"]].astype(int))
    p_ans = np.array([answerable(x) for x in np.hstack([oof["Q"], oof["cal"]])])
    abstain_below = _refusal_threshold(p_ans[oof["answerable"]])
    p_right = np.array([right(x) for x in oof["cal"]])
    short_at = _short_threshold(p_right[oof["answerable"]], oof["right"][oof["answerable"]])
    return Scorer(
        FEATURES,
        QUESTION_FEATURES,
        trees,
        right,
        answerable,
        sentence,
        short_at,
        abstain_below,
        never,
        trained_on or {},
    )


def _out_of_fold(folds: dict[str, Examples], never, full: Trees) -> dict[str, np.ndarray]:
    parts = []
    for name, ex in folds.items():
        others = [e for n, e in folds.items() if n != name]
        trees = fit_ranker(concat(others)) if others else full
        scores = question_scores(ex, trees, never)
        parts.append(
            {
                "cal": calibration_inputs(scores),
                "right": best_is_right(ex, scores),
                "Q": ex.Q.astype(np.float64),
                "answerable": ex.answerable,
                "sentence_right": ex.sentence_right,
            }
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _short_threshold(p_right: np.ndarray, right: np.ndarray) -> float:
    """The highest threshold on P(right) under which at most KEEP_RIGHT_LOSS of the right answers fall."""
    allowed = max(0, int(np.floor(KEEP_RIGHT_LOSS * right.sum())))
    ok = [t for t in SHORT_GRID if int((right & (p_right < t)).sum()) <= allowed]
    return float(max(ok))


def _refusal_threshold(p_answerable: np.ndarray) -> float:
    """The P(answerable) under which at most REFUSE_ANSWERABLE of these answerable questions fall."""
    if not len(p_answerable):
        return 0.0
    return float(np.quantile(p_answerable, REFUSE_ANSWERABLE, method="lower"))


__all__ = ["train_scorer", "fit_ranker"]
