"""The learned answer scorer, read from plain JSON (qa/answer/scorer.json, written by `python -m qa
train-answers`; nothing is unpickled): boosted regression trees that score each candidate's FEATURES,
a logistic calibration that turns the best candidate's score into the probability that it is right,
a logistic model of whether the corpus answers the question at all, the kinds of candidate each type of
question may never take, and the thresholds chosen on held-out years."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from qa.answer.features import FEATURES
from qa.answer.reading import QUESTION_FEATURES
from qa.errors import QAError

SCORER_FILE = Path(__file__).with_name("scorer.json")
FORMAT = 1
MAX_MARGIN = 5.0
FULL_STEPS = 5  # steps of every tree walk before only the unfinished walks go on (Trees.predict)


@dataclass(frozen=True)
class Trees:
    """Boosted trees as flat arrays, one row per tree: a node splits on `feature` at `threshold` (x <=
    threshold goes `left`); a leaf has feature -1, points to itself and holds `value`."""

    feature: np.ndarray  # (trees, nodes) int32
    threshold: np.ndarray  # (trees, nodes) float64
    left: np.ndarray  # (trees, nodes) int32
    right: np.ndarray  # (trees, nodes) int32
    value: np.ndarray  # (trees, nodes) float64
    depth: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The sum of the trees' leaf values for each row of X, all trees walked at once (on flat arrays:
        node ids numbered across trees, so each step is one 1-D take per array; a node's two children stand
        side by side, right then left, so the step to the next node is one take too). After the first
        FULL_STEPS steps most walks stand on a leaf (the shipped trees are up to 12 deep), so the later steps
        take only the walks that do not: the shipped 900 trees over a realtimeqa-dev question's ~160
        candidates ~6.5 ms instead of ~11 (2, 3, 4 or 6 full steps: ~8.8, 7.8, 6.9, 6.6 ms)."""
        n_trees, n_nodes = self.feature.shape
        if not len(X) or not n_trees:
            return np.zeros(len(X))
        feature, threshold, children, value, leaf = self._flat
        node = np.broadcast_to(np.arange(n_trees, dtype=np.int64) * n_nodes, (len(X), n_trees))
        X = np.ascontiguousarray(X)
        row = (np.arange(len(X), dtype=np.int64) * X.shape[1])[:, None]
        flat_x = X.ravel()
        for _ in range(min(self.depth, FULL_STEPS)):  # a leaf points to itself: it stays put
            go_left = flat_x[row + feature[node]] <= threshold[node]
            node = children[2 * node + go_left]
        node = node.ravel()  # a copy: the walks go on in place
        walking = np.flatnonzero(~leaf[node])
        at = np.repeat(row.ravel(), n_trees)[walking]  # each walk's row of X, as an offset into flat_x
        for _ in range(self.depth - FULL_STEPS):
            if not walking.size:
                break
            here = node[walking]
            there = children[2 * here + (flat_x[at + feature[here]] <= threshold[here])]
            node[walking] = there
            going = ~leaf[there]
            walking, at = walking[going], at[going]
        return value[node].reshape(len(X), n_trees).sum(axis=1)

    @cached_property
    def _flat(self) -> tuple[np.ndarray, ...]:
        """feature (leaves: 0), threshold, the children (as flat node ids: right at 2 i, left at 2 i + 1),
        value and whether a node is a leaf, each flattened."""
        base = (np.arange(self.feature.shape[0], dtype=np.int64) * self.feature.shape[1])[:, None]
        children = np.empty(2 * self.feature.size, dtype=np.int64)
        children[0::2] = (self.right + base).ravel()
        children[1::2] = (self.left + base).ravel()
        return (
            np.maximum(self.feature, 0).ravel().astype(np.int64),
            self.threshold.ravel(),
            children,
            self.value.ravel(),
            (self.feature < 0).ravel(),
        )

    def to_json(self) -> dict:
        return {
            "feature": self.feature.tolist(),
            "threshold": self.threshold.tolist(),
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": self.value.tolist(),
            "depth": self.depth,
        }

    @classmethod
    def from_json(cls, d: dict) -> Trees:
        return cls(
            np.asarray(d["feature"], dtype=np.int32),
            np.asarray(d["threshold"], dtype=np.float64),
            np.asarray(d["left"], dtype=np.int32),
            np.asarray(d["right"], dtype=np.int32),
            np.asarray(d["value"], dtype=np.float64),
            int(d["depth"]),
        )


@dataclass(frozen=True)
class Logistic:
    """P = 1 / (1 + exp(-(w · x + b)))."""

    weights: tuple[float, ...]
    bias: float

    def __call__(self, x) -> float:
        z = float(np.dot(self.weights, np.asarray(x, dtype=np.float64)) + self.bias)
        return float(1.0 / (1.0 + np.exp(-z)))


@dataclass(frozen=True)
class Scorer:
    features: tuple[str, ...]  # the candidate features the trees were trained on, in order
    question_features: tuple[str, ...]
    trees: Trees
    right: Logistic  # P(the best candidate is right) from (its score, its margin over the second)
    answerable: Logistic  # P(the corpus answers the question) from question_features + (score, margin)
    sentence: Logistic  # P(the best evidence sentence holds the answer) from question_features
    short_at: float  # P(right) from which the short answer is given (else the best sentence)
    abstain_below: float  # P(answerable) under which the answer is "the corpus does not answer"
    never: dict[str, frozenset[str]]  # answer type → candidate kinds that may never answer it
    trained_on: dict  # what the weights were learned from (data, years, settings)

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.trees.predict(X)

    def p_right(self, scores: np.ndarray) -> float:
        """P(the best of these candidate scores is the right answer)."""
        return self.right(top_two(scores)) if len(scores) else 0.0

    def p_answerable(self, question_row: np.ndarray, scores: np.ndarray) -> float:
        return self.answerable([*question_row, *top_two(scores)])

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "features": list(self.features),
            "question_features": list(self.question_features),
            "trees": self.trees.to_json(),
            "right": {"weights": list(self.right.weights), "bias": self.right.bias},
            "answerable": {"weights": list(self.answerable.weights), "bias": self.answerable.bias},
            "sentence": {"weights": list(self.sentence.weights), "bias": self.sentence.bias},
            "short_at": self.short_at,
            "abstain_below": self.abstain_below,
            "never": {k: sorted(v) for k, v in self.never.items()},
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_json(cls, d: dict) -> Scorer:
        return cls(
            tuple(d["features"]),
            tuple(d["question_features"]),
            Trees.from_json(d["trees"]),
            Logistic(tuple(d["right"]["weights"]), float(d["right"]["bias"])),
            Logistic(tuple(d["answerable"]["weights"]), float(d["answerable"]["bias"])),
            Logistic(tuple(d["sentence"]["weights"]), float(d["sentence"]["bias"])),
            float(d["short_at"]),
            float(d["abstain_below"]),
            {k: frozenset(v) for k, v in d["never"].items()},
            dict(d.get("trained_on", {})),
        )


def top_two(scores: np.ndarray) -> tuple[float, float]:
    """(best score, its margin over the second best, at most MAX_MARGIN, which a lone candidate gets)."""
    if not len(scores):
        return (0.0, 0.0)
    order = np.sort(scores)[::-1]
    return float(order[0]), min(MAX_MARGIN, float(order[0] - order[1])) if len(order) > 1 else MAX_MARGIN


def read_scorer(path: str | Path = SCORER_FILE) -> Scorer:
    """The scorer stored at `path`, checked against the features this code computes."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise QAError(f"the answer scorer {path} cannot be read ({e}); run `python -m qa train-answers`") from e
    if d.get("format") != FORMAT:
        raise QAError(f"the answer scorer {path} is of format {d.get('format')}, not {FORMAT}: retrain it")
    try:
        scorer = Scorer.from_json(d)
    except (KeyError, TypeError, ValueError) as e:
        raise QAError(
            f"the answer scorer {path} lacks or misreads {e}: retrain it with `python -m qa train-answers`"
        ) from e
    if scorer.features != FEATURES or scorer.question_features != QUESTION_FEATURES:
        raise QAError(
            f"the answer scorer {path} was trained on other features than this code computes; "
            "retrain it with `python -m qa train-answers`"
        )
    return scorer


@lru_cache(maxsize=4)
def default_scorer(path: str = str(SCORER_FILE)) -> Scorer:
    """The scorer shipped with the package, read once."""
    return read_scorer(path)
