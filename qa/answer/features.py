"""Candidates and what the scorer knows of each: mentions that read the same are one candidate, described
by a row of numbers (FEATURES) — its type and how it fits the question's type and asked noun, its
evidence, how many articles and passages name it, its role in its sentence, its form and place. The
scorer (qa/answer/scorer.py) turns a row into a score; the weights are learned (qa/learn/)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qa.answer.candidates import FAR, ROLES, Mention
from qa.answer.contexts import Context
from qa.answer.gazetteer import fits_place, is_calendar_word, is_known_place
from qa.answer.question import LABELS, SPEECH_VERBS, QuestionInfo
from qa.text.answers import normalize_answer
from qa.text.terms import terms

KINDS = (
    "PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE DATE DURATION TIME PERCENT MONEY "
    "QUANTITY ORDINAL CARDINAL NP HEAD NPP QUOTED SPEAKER ARG CLAUSE CAUSE PROPER PLACE"
).split()
ANSWER_TYPES = tuple(LABELS)
WH = ("who", "what", "which", "when", "where", "how many", "how much", "how long", "why", "how", "other")
_APPROX = re.compile(
    r"^(?:about|around|approximately|nearly|almost|roughly|some|over|more than|less than|at least|up to|"
    r"just over|just under)\s+"
)

FEATURES = (
    *(f"q_type_{t}" for t in ANSWER_TYPES),
    *(f"q_wh_{w.replace(' ', '_')}" for w in WH),
    "q_plural",
    "q_speaker",
    "q_says",
    "q_noun",
    *(f"kind_{k}" for k in KINDS),
    "entity",
    "label_fit",
    "place_fit",
    "unit_fit",
    "ev_max",
    "cov_max",
    "ev_sum",
    "ev_rel",
    "ctx_min",
    "art_rank_min",
    "n_mentions",
    "n_contexts",
    "n_docs",
    "n_titles",
    "top_title",
    "freq_top",
    "freq_rel",
    "docs_top",
    "part_of_longer",
    "q_share",
    "q_any",
    "near_min",
    "local_max",
    "local_rel",
    "kind_near",
    "defined",
    "ends_kind",
    *(f"role_{r}" for r in ROLES),
    "verb_arg",
    "slot",
    "n_words",
    "n_chars",
    "cap_share",
    "has_digit",
    "all_caps",
    "known_place",
    "calendar",
    "derived",
    "position",
    "sim_kind",
    "sim_kind_rel",
    "sim_desc",
)
INDEX = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Candidate:
    """One answer: the mentions that read the same (normalised), shown as its best mention."""

    text: str
    key: str  # the normalised text all its mentions share
    doc_id: str
    start: int
    end: int
    kind: str  # the most frequent kind of its mentions
    context: int  # the context of its best mention
    in_text: bool = True
    derived: bool = False


def answer_key(text: str) -> str:
    """What mentions that read the same share: SQuAD-normalised, without "about"/"more than"."""
    return _APPROX.sub("", normalize_answer(text))


def group(found: list[Mention], ctxs: list[Context]) -> list[tuple[Candidate, list[Mention]]]:
    """Mentions grouped by answer_key, each group shown by its best mention (in the text, not derived,
    in the best context), in order of first appearance."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in found:
        key = answer_key(m.text)
        if key:
            groups[key].append(m)
    names: dict[tuple[int, bool], list[Mention]] = defaultdict(list)
    for m in found:
        if _is_name(m.text):
            names[(m.context, m.in_text)].append(m)
    out = []
    for key, ms in groups.items():
        if _inside_names(ms, names):
            continue
        best = min(ms, key=lambda m: (not m.in_text, m.derived, -ctxs[m.context].evidence.score, m.start))
        kind = Counter(m.kind for m in ms).most_common(1)[0][0]
        out.append(
            (
                Candidate(
                    best.text, key, best.doc_id, best.start, best.end, kind, best.context, best.in_text, best.derived
                ),
                ms,
            )
        )
    return out


_NAME_JOINERS = frozenset("of for and the de on".split())


def _is_name(text: str) -> bool:
    """Capitalised words, joined by at most "of", "for", "and", "the" ("Iranian Americans for Liberty")."""
    words = text.split()
    return len(words) > 1 and all(w[:1].isupper() or w in _NAME_JOINERS for w in words) and words[-1][:1].isupper()


def _inside_names(ms: list[Mention], names: dict[tuple[int, bool], list[Mention]]) -> bool:
    """True when every mention lies inside a longer name mentioned in the same context ("Liberty" in
    "Iranian Americans for Liberty"): a piece of a name is not an answer of its own. A person's name that
    ends the longer one is ("Antony Blinken" in "Secretary of State Antony Blinken": a title and a name)."""
    return all(
        any(
            _within(m, o) and not (m.kind == "PERSON" and m.end == o.end) for o in names.get((m.context, m.in_text), ())
        )
        for m in ms
    )


def _within(m: Mention, o: Mention) -> bool:
    """Whether `o`, a longer mention, covers `m` (both in one context)."""
    return o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start


def question_row(info: QuestionInfo) -> np.ndarray:
    """The question's part of every row: its type and question word (the scorer learns how they combine
    with the candidates' kinds)."""
    row = np.zeros(len(FEATURES), dtype=np.float32)
    row[INDEX[f"q_type_{info.answer_type}"]] = 1
    wh = info.wh if info.wh in WH else "other"
    row[INDEX[f"q_wh_{wh.replace(' ', '_')}"]] = 1
    row[INDEX["q_plural"]] = info.plural
    row[INDEX["q_speaker"]] = info.asks_speaker
    row[INDEX["q_says"]] = info.wh in ("what", "how") and bool(SPEECH_VERBS & set(info.text.lower().split()))
    row[INDEX["q_noun"]] = bool(info.type_noun)
    return row


def feature_matrix(
    info: QuestionInfo,
    groups: list[tuple[Candidate, list[Mention]]],
    ctxs: list[Context],
    top_texts: list[str],
) -> np.ndarray:
    """One row of FEATURES per candidate. `top_texts` are the texts of the top articles, best first
    (for how often each candidate is named); the similarity to the asked kind is added by
    with_kind_similarity (0 until then)."""
    qrow = question_row(info)
    qwords = set(terms(info.text))
    kind_terms = set(terms(" ".join(info.type_words) or info.type_noun))
    counter = Occurrences(top_texts)
    X = np.tile(qrow, (len(groups), 1))
    for r, (cand, ms) in enumerate(groups):
        _fill(X[r], info, cand, ms, ctxs, qwords, kind_terms, counter)
    _relative(X, groups)
    return X


_COMMON = frozenset("NP HEAD NPP".split())
_NAME_KINDS = frozenset("PERSON ORG GPE NORP FAC LOC PRODUCT EVENT WORK_OF_ART LAW PROPER SPEAKER".split())
_APPOSITION = re.compile(r"\s*,\s*(?:(?:a|an|the)\s+)?")


def descriptions(groups: list[tuple[Candidate, list[Mention]]], ctxs: list[Context]) -> list[list[str]]:
    """For each candidate, the common noun phrases that describe one of its mentions as a name: written
    right before it ("the networking platform LinkedIn", "activist group Iranian Americans for Liberty") or
    in apposition after it ("LinkedIn, the networking platform"). A name's description says what kind of
    thing it is, which its own words seldom do: compared with the asked kind (sim_desc), the best candidate
    was right for 684 / 663 / 668 of 2,758 held out (three-fold, seeds 7-9) against 676 / 663 / 660; a
    feature marking the descriptions themselves, added with it, brought that to 663 / 663 / 661."""
    by_context: dict[int, list[tuple[int, Mention]]] = defaultdict(list)
    for r, (_, ms) in enumerate(groups):
        for m in ms:
            if not m.derived:
                by_context[m.context].append((r, m))
    found: list[dict[str, None]] = [{} for _ in groups]  # in order, once each
    for ci, rows in by_context.items():
        ctx = ctxs[ci]
        offset = 0 if ctx.is_title else ctx.start
        commons = [m for _, m in rows if m.kind in _COMMON and _is_common(m.text)]
        names = [(r, n) for r, n in rows if (n.kind in _NAME_KINDS or _is_name(n.text)) and not _is_common(n.text)]
        for r, n in names if commons else ():
            if any(_within(n, o) for _, o in names):
                continue  # "Iranian" in "Iranian Americans for Liberty": the whole name is described
            for d in commons:
                if d.end < n.start:
                    fits = ctx.text[d.end - offset : n.start - offset] == " "
                else:
                    fits = n.end < d.start and _APPOSITION.fullmatch(ctx.text[n.end - offset : d.start - offset])
                if fits:
                    found[r][d.text] = None
    return [list(f) for f in found]


def _is_common(text: str) -> bool:
    """A phrase with a word in lower case that is no joiner of names ("activist group", "New York-based
    activist group"; not "Iranian Americans for Liberty")."""
    return any(w[:1].islower() and w not in _NAME_JOINERS for w in text.split())


def with_kind_similarity(
    X: np.ndarray, sims: np.ndarray, fits: list[bool], desc_sims: np.ndarray | None = None
) -> np.ndarray:
    """X with each candidate's similarity to the asked kind and its distance below the best of those that
    may answer (`fits`: qa/answer/types.py reading_mask) and add a word to the question's; 0 for the others.
    A candidate of the question's own words ("Greek island" for "Which Greek island …", "fund" for "Which
    fund …") is nearest to the kind it repeats and set every other one far below it: left out, the best
    candidate was right for 660 / 667 / 657 of 2,758 held out (three-fold, seeds 7-9) against 650 / 655 / 659.
    `desc_sims`: each candidate's best description against the asked kind (see descriptions), 0 without one."""
    X = X.copy()
    ok = np.asarray(fits, dtype=bool) & (X[:, INDEX["q_share"]] < 1)
    if ok.any():
        X[ok, INDEX["sim_kind"]] = sims[ok]
        X[ok, INDEX["sim_kind_rel"]] = sims[ok] - sims[ok].max()
    if desc_sims is not None:
        X[:, INDEX["sim_desc"]] = desc_sims
    return X


def _fill(row, info, cand: Candidate, ms: list[Mention], ctxs, qwords, kind_terms, counter: Occurrences) -> None:
    f = INDEX
    n = len(ms)
    kinds = Counter(m.kind for m in ms)
    for k, c in kinds.items():
        row[f[f"kind_{k}"]] = c / n
    row[f["entity"]] = any(
        k not in ("NP", "HEAD", "NPP", "ARG", "CLAUSE", "CAUSE", "PROPER", "QUOTED", "SPEAKER") for k in kinds
    )
    row[f["label_fit"]] = any(k in LABELS[info.answer_type] for k in kinds) or (
        info.answer_type == "date" and "DURATION" in kinds
    )
    row[f["place_fit"]] = fits_place(cand.text, info.place_kind) if info.place_kind else 0
    row[f["unit_fit"]] = _unit_fit(info, cand, ms, ctxs)
    evs = {m.context: ctxs[m.context].evidence for m in ms}
    row[f["ev_max"]] = max(ev.score for ev in evs.values())
    row[f["cov_max"]] = max(ev.coverage for ev in evs.values())
    row[f["ev_sum"]] = sum(ev.score for ev in evs.values())
    row[f["ctx_min"]] = min(evs)
    row[f["art_rank_min"]] = min(ev.rank for ev in evs.values())
    row[f["n_mentions"]] = n
    row[f["n_contexts"]] = len(evs)
    row[f["n_docs"]] = len({m.doc_id for m in ms})
    row[f["n_titles"]] = sum(not m.in_text for m in ms)
    row[f["top_title"]] = any(not m.in_text and ctxs[m.context].evidence.rank == 0 for m in ms)
    counts = counter.count(cand.key)
    row[f["freq_top"]] = sum(counts[:5])
    row[f["docs_top"]] = sum(c > 0 for c in counts)
    words = terms(cand.text)
    row[f["q_share"]] = sum(w in qwords for w in words) / len(words) if words else 0
    row[f["q_any"]] = any(w in qwords for w in words)
    row[f["near_min"]] = min(m.near for m in ms) / 100
    row[f["local_max"]] = max(m.local for m in ms)
    row[f["kind_near"]] = min(m.kind_near for m in ms) if kind_terms else FAR
    row[f["defined"]] = any(m.defined for m in ms)
    row[f["ends_kind"]] = bool(words) and words[-1] in kind_terms
    for m in ms:
        row[f[f"role_{m.role}"]] += 1 / n
    row[f["verb_arg"]] = max(m.verb_arg for m in ms)
    row[f["slot"]] = max(m.slot for m in ms)
    toks = cand.text.split()
    row[f["n_words"]] = len(toks)
    row[f["n_chars"]] = len(cand.text)
    row[f["cap_share"]] = sum(t[:1].isupper() for t in toks) / len(toks)
    row[f["has_digit"]] = bool(re.search(r"\d", cand.text))
    row[f["all_caps"]] = cand.text.isupper() and len(cand.text) > 1
    row[f["known_place"]] = is_known_place(cand.text)
    row[f["calendar"]] = is_calendar_word(cand.text)
    row[f["derived"]] = cand.derived
    row[f["position"]] = min((m.start for m in ms if m.in_text), default=5000) / 1000


class Occurrences:
    """Counts of a normalised phrase in each of several texts, as whole words: each text is normalised
    once into its words joined by single spaces, plus the set of its words (both kept for the next
    questions, which often read the same articles). A phrase is looked for only in the texts that have
    all its words, with `str.find`, padded with spaces so that only whole words match; overlapping
    occurrences count ("a a" twice in "a a a")."""

    def __init__(self, texts: list[str]):
        self.texts = [_normalised(t) for t in texts]

    def count(self, key: str) -> list[int]:
        """Occurrences of `key` (normalised, as answer_key gives it) in each text."""
        phrase = key.split()
        if not phrase:
            return [0] * len(self.texts)
        needle = f" {' '.join(phrase)} "
        return [_count_overlapping(padded, needle) if words.issuperset(phrase) else 0 for padded, words in self.texts]


@lru_cache(maxsize=128)
def _normalised(text: str) -> tuple[str, frozenset[str]]:
    """The normalised words of a text, joined and surrounded by single spaces, and as a set."""
    normal = normalize_answer(text)  # single spaces already
    return f" {normal} ", frozenset(normal.split())


def _count_overlapping(text: str, needle: str) -> int:
    n, at = 0, text.find(needle)
    while at >= 0:
        n += 1
        at = text.find(needle, at + 1)
    return n


def _unit_fit(info: QuestionInfo, cand: Candidate, ms: list[Mention], ctxs) -> float:
    """For "how many months": 1 when the count is of months (the unit in it or right after it)."""
    if not info.unit:
        return 0.0
    unit = info.unit.rstrip("s")
    if unit in cand.text.lower():
        return 1.0
    for m in ms:
        c = ctxs[m.context]
        text, offset = (c.text, 0) if c.is_title else (c.text, c.start)
        following = text[m.end - offset : m.end - offset + 25].lower()
        if re.match(rf"\W*(?:\w+\W+)?{re.escape(unit)}", following):
            return 1.0
    return 0.0


def _relative(X: np.ndarray, groups) -> None:
    """Features relative to the question's best candidate: its evidence and how often it is named."""
    if not len(groups):
        return
    f = INDEX
    X[:, f["ev_rel"]] = X[:, f["ev_max"]] - X[:, f["ev_max"]].max()
    X[:, f["local_rel"]] = X[:, f["local_max"]] - X[:, f["local_max"]].max()
    X[:, f["freq_rel"]] = X[:, f["freq_top"]] / max(1.0, X[:, f["freq_top"]].max())
    keys = [c.key for c, _ in groups]
    parts = {part for o in keys for part in _word_ends(o)}
    for r, k in enumerate(keys):
        X[r, f["part_of_longer"]] = k in parts


def _word_ends(key: str) -> list[str]:
    """The shorter phrases `key` starts or ends with, cut at a space ("new york city" → "new", "new
    york", "york city", "city"): a key that is one of them is part of a longer candidate."""
    cuts = [i for i, ch in enumerate(key) if ch == " "]
    return [key[:i] for i in cuts] + [key[i + 1 :] for i in cuts]
