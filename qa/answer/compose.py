"""Compose an Answer from a Reading: the learned scorer ranks the candidates that fit the question's
type; a confident best candidate is the short answer, otherwise the best evidence sentence is; when the
corpus does not seem to answer at all, the answer says so. Every citation is an exact span."""

from __future__ import annotations

import re

import numpy as np

from qa.answer.asked import asked_mask
from qa.answer.citations import cite_span
from qa.answer.evidence import sentence_scorer
from qa.answer.features import Candidate
from qa.answer.question import AUXILIARIES, QuestionInfo
from qa.answer.reading import Reading, read
from qa.answer.scorer import SCORER_FILE, Scorer, default_scorer
from qa.answer.shown import as_named, shown_answer
from qa.answer.types import reading_mask
from qa.index.loaded import Index
from qa.records import Answer, Citation
from qa.retrieve.duplicates import collapse_passages  # news (issue 7): copies collapsed into one result
from qa.settings import Settings
from qa.text.sentences import sentence_spans

PLURAL_GAP = float(np.log(2.0))  # "which two …": the second candidate joins when within this score of the first
_WRITTEN_SEVERAL = re.compile(r"\s(?:and|&)\s")  # … unless the first is written as several things already
# "What did the mayor say the quays would do?", "What did Musk say about DOGE?": what was said is a clause
# or a quotation, never a noun taken out of it; without such a candidate the answer is the sentence. Not
# "What does Borges say the UAE provides?": there the question asks for a thing inside what was said.
_SAID_WHAT = re.compile(
    r"^\s*what (?:did|does|do|will|would|has|have|had) .+? "
    r"(?:say|tell|recommend|suggest|propose|urge|advise)(?:s|ed)?\b"
    r"(?:\s*[?.]?\s*$| (?:about|of|on|regarding|to|in|at|when|after|before|during)\b|.* (?:do|doing|happen)\s*\?\s*$)",
    re.IGNORECASE,
)
# "True or false: …", "Did Borges describe …?": a yes/no question, which no span of the text answers (type
# discipline): the answer is the best evidence sentence, which says whether. Not "Is it A or B?": that offers
# its answers, one of which is a span.
_YES_OR_NO = re.compile(  # not "May …", "Might …": "May 2024 saw …" starts with a month
    r"^\s*(?:(true\s+or\s+false)\b|(?:" + "|".join(sorted(AUXILIARIES - {"may", "might"})) + r")\s)",
    re.IGNORECASE,
)
_OR = re.compile(r"\bor\b", re.IGNORECASE)
CONTENT_KINDS = frozenset({"CLAUSE", "QUOTED"})
NOT_FOUND = "The corpus does not seem to answer this question. The closest passages are listed below."


def answer_question(
    index: Index,
    question: str,
    settings: Settings,
    as_of: int | None = None,
    allowed=None,
    scorer: Scorer | None = None,
) -> Answer:
    scorer = scorer or default_scorer(settings.scorer or str(SCORER_FILE))
    r = read(index, question, settings, as_of, allowed)
    passages = collapse_passages(index, r.ranked, settings.top_k)
    scores = ranked_scores(index, r, scorer)
    p_answerable = scorer.p_answerable(r.question_features, scores[np.isfinite(scores)])
    kind = r.info.answer_type
    if not r.evidence or p_answerable < scorer.abstain_below:
        return Answer(question, NOT_FOUND, True, (), passages, kind, round(1 - p_answerable, 4), answer_kind="none")
    p_right = scorer.p_right(scores[np.isfinite(scores)])
    if p_right >= scorer.short_at and _short_form_fits(r, scores):
        text, cites = _short(index, r, scores)
        return Answer(question, text, False, cites, passages, kind, round(p_right, 4))
    ev = r.evidence[0]
    cite = (cite_span(index, ev.doc_id, ev.start, ev.end),)
    p_sentence = scorer.sentence(r.question_features)
    return Answer(question, ev.text, False, cite, passages, kind, round(p_sentence, 4), answer_kind="sentence")


def _short_form_fits(r: Reading, scores: np.ndarray) -> bool:
    """False for a yes/no question, and when the question asks what someone said and the best candidate is
    not a clause or quotation."""
    if yes_or_no(r.info):
        return False
    if not _SAID_WHAT.search(r.question) or not len(scores) or not np.isfinite(scores).any():
        return True
    return bool({m.kind for m in r.mentions[int(np.argmax(scores))]} & CONTENT_KINDS)


def yes_or_no(info: QuestionInfo) -> bool:
    """The question asks whether ("True or false: …", "Did Borges describe …?"), not what, who or which."""
    m = _YES_OR_NO.match(info.text)
    if m is None:
        return False
    return bool(m.group(1)) or (not info.wh and not _OR.search(info.text))


def ranked_scores(index: Index, r: Reading, scorer: Scorer) -> np.ndarray:
    """The scorer's score of each candidate; -inf for a candidate whose kind may not answer the question
    (types.py), or that something else answers better by what the question asks (asked.py)."""
    scores = scorer.score(r.features) if r.candidates else np.zeros(0)
    if not len(scores):
        return scores
    never = scorer.never.get(r.info.answer_type, frozenset())
    ok = np.array(asked_mask(index, r, reading_mask(r, never), scores), dtype=bool)
    return np.where(ok, scores, -np.inf)


def _short(index: Index, r: Reading, scores: np.ndarray) -> tuple[str, tuple[Citation, ...]]:
    """The best candidate as its article writes it (qa/answer/shown.py; for "which two …", when it is not
    written in a list and does not name several things itself, the second too if it scores nearly as
    well), with citations."""
    order = np.argsort(-scores, kind="stable")
    top = r.candidates[order[0]]
    (text, listed), cites = shown_answer(index, r, top), _citations(index, r, top)
    several = listed or _WRITTEN_SEVERAL.search(text) is not None  # "Shein and Temu" is two already
    if r.info.plural and not several and len(order) > 1 and scores[order[1]] >= scores[order[0]] - PLURAL_GAP:
        second = r.candidates[order[1]]
        text = f"{text} and {as_named(index, second)}"
        cites += tuple(c for c in _citations(index, r, second)[:1] if c not in cites)
    return text, cites


def _citations(index: Index, r: Reading, top: Candidate) -> tuple[Citation, ...]:
    """The context of the chosen answer, plus the same support in other articles (a rewrite of the story).
    An answer taken from a headline (or named by its demonym) cites the sentence of its article that
    best supports it."""
    ctx = r.contexts[top.context]
    spans = [(top.doc_id, ctx.start, ctx.end) if top.in_text and not ctx.is_title else _naming_sentence(index, r, top)]
    needle = top.text.split()[-1].lower()
    best_score = r.contexts[0].evidence.score if r.contexts else 0.0
    for c in r.contexts:
        ev = c.evidence
        if (
            not c.is_title
            and ev.doc_id not in {s[0] for s in spans}
            and needle in c.text.lower()
            and ev.score >= 0.6 * best_score
        ):
            spans.append((ev.doc_id, c.start, c.end))
    return tuple(cite_span(index, d, s, e) for d, s, e in spans[:3])


def _naming_sentence(index: Index, r: Reading, top: Candidate) -> tuple[str, int, int]:
    """The best-scoring sentence of the candidate's article that names it; else its context's support."""
    text = index.articles[top.doc_id].text
    needle = top.text.lower()
    naming = [(s, e) for s, e in sentence_spans(text) if needle in text[s:e].lower()]
    ctx = r.contexts[top.context]
    if not naming:
        return top.doc_id, ctx.start, ctx.end
    score = sentence_scorer(index, r.question)
    s, e = max(naming, key=lambda se: score(text[se[0] : se[1]])[0])
    return top.doc_id, s, e
