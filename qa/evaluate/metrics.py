"""Small pure metric functions for the evaluation: SQuAD answer scores, abstention, citation checks,
passage relevance, and retrieval scores computed with the ir-measures library.

Retrieval units. A passage is *relevant* as defined in ../shared/datasets/README.md: it comes from a gold
`doc_ids` article, or it contains at least half of the characters of one occurrence of an evidence quote.
The ranked list of a question is its passages in the order ask() returned them; nothing is re-sorted,
so equal scores never reorder it. For the ir-measures run, the first relevant passage of each article is
named by the article id and every other passage by a unique id nobody judged. The judged (relevant)
items are the articles holding at least one relevant chunk of the index. So hit@k and mrr@10 depend
only on the rank of the first relevant passage, and ndcg@10 counts each relevant article once (a second
passage of the same article earns nothing; retrieving all relevant articles first scores 1.0).

A question with relevance information but no relevant passage retrieved scores 0 on every retrieval
metric and still counts in the averages; so does one whose evidence is found nowhere in the index (its
judged item is a placeholder that no passage can match).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from qa.text.answers import contains_answer, normalize_answer

MAX_ANSWER_WORDS = 12
RETRIEVAL_METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10")
# ir-measures item ids. Prefixes keep the three kinds apart; no NUL characters (pytrec_eval, behind some
# measures, reads ids as C strings and would cut them there).
ARTICLE, OTHER, UNFINDABLE = "article:", "passage:", "none:"  # UNFINDABLE: judged when nothing can match

Span = tuple[str, int, int]  # (doc_id, start, end) in the article's text

# ---------------------------------------------------------------- answers (SQuAD)


def exact_match(answer: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised answer equals a normalised gold answer, else 0.0."""
    norm = normalize_answer(answer)
    return float(any(norm == normalize_answer(g) for g in golds))


def token_f1(answer: str, gold: str) -> float:
    """SQuAD token F1 between one answer and one gold answer (1.0 when both normalise to nothing)."""
    pred, ref = normalize_answer(answer).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(answer: str, golds: Sequence[str]) -> float:
    """The best token F1 over the gold answers (0.0 without gold answers)."""
    return max((token_f1(answer, g) for g in golds), default=0.0)


def answer_accuracy(answer: str, golds: Sequence[str], max_words: int = MAX_ANSWER_WORDS) -> float:
    """1.0 when the answer has at most `max_words` words and a normalised gold answer occurs in the
    normalised answer as whole words ("10" is not found in "100"), else 0.0."""
    if len(answer.split()) > max_words:
        return 0.0
    return float(any(contains_answer(answer, g) for g in golds))


# ---------------------------------------------------------------- abstention


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> tuple[float | None, float | None]:
    """(precision, recall) of abstaining, against the unanswerable questions. Precision: share of the
    abstentions that were on unanswerable questions; recall: share of the unanswerable questions that
    were abstained on. None when the share has no denominator (no abstentions / no unanswerable ones)."""
    both = sum(1 for a, ok in zip(abstained, answerable, strict=True) if a and not ok)
    n_abstained = sum(1 for a in abstained if a)
    n_unanswerable = sum(1 for ok in answerable if not ok)
    return (both / n_abstained if n_abstained else None, both / n_unanswerable if n_unanswerable else None)


# ---------------------------------------------------------------- relevance and citations


def quote_occurrences(quote: str, texts: Mapping[str, str]) -> list[Span]:
    """Every place the quote occurs verbatim, in every article (overlapping occurrences included)."""
    if not quote:
        return []
    found = []
    for doc_id, text in texts.items():
        i = text.find(quote)
        while i >= 0:
            found.append((doc_id, i, i + len(quote)))
            i = text.find(quote, i + 1)
    return found


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Number of characters the spans [a_start, a_end) and [b_start, b_end) share."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def is_relevant(span: Span, gold_docs: Iterable[str], occurrences: Iterable[Span]) -> bool:
    """A passage is relevant when it comes from a gold article or holds at least half of the characters
    of one evidence-quote occurrence."""
    doc_id, start, end = span
    if doc_id in set(gold_docs):
        return True
    return any(d == doc_id and 2 * overlap(start, end, s, e) >= e - s for d, s, e in occurrences)


def citation_is_exact(doc_id: str, start: int, end: int, quote: str, texts: Mapping[str, str]) -> bool:
    """The citation's quote is exactly the slice of the article it names."""
    text = texts.get(doc_id)
    return text is not None and 0 <= start <= end <= len(text) and text[start:end] == quote


def citations_support(citations: Iterable[Span], gold_docs: Iterable[str], occurrences: Iterable[Span]) -> bool:
    """At least one citation lies in a gold article or overlaps an evidence-quote occurrence."""
    gold, occ = set(gold_docs), list(occurrences)
    return any(d in gold or any(d == od and overlap(s, e, os_, oe) > 0 for od, os_, oe in occ) for d, s, e in citations)


# ---------------------------------------------------------------- retrieval (ir-measures)


def ranked_items(passages: Sequence[tuple[str, bool]]) -> list[str]:
    """ir-measures item ids for a ranked list of (doc_id, relevant) passages: the first relevant passage
    of an article is named by the article, every other passage by a unique id that is never judged."""
    named: set[str] = set()
    items = []
    for rank, (doc_id, relevant) in enumerate(passages, 1):
        if relevant and doc_id not in named:
            named.add(doc_id)
            items.append(ARTICLE + doc_id)
        else:
            items.append(f"{OTHER}{rank}")
    return items


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant passage, or None."""
    return next((i for i, r in enumerate(relevant, 1) if r), None)


def _measures(ks: Iterable[int] = ()) -> dict:
    from ir_measures import RR, R, Success, nDCG

    named = {
        "hit@1": Success @ 1,
        "hit@5": Success @ 5,
        "hit@10": Success @ 10,
        "mrr@10": RR @ 10,
        "ndcg@10": nDCG @ 10,
    }
    named.update({f"hit@{k}": Success @ k for k in ks})
    named.update({f"recall@{k}": R @ k for k in ks})
    return named


def retrieval_scores(
    runs: Mapping[str, Sequence[str]], judged: Mapping[str, Iterable[str]], curve_ks: Iterable[int] = ()
) -> dict[str, dict[str, float]]:
    """Per question: hit@1/5/10, mrr@10, ndcg@10 (and hit@k, recall@k for `curve_ks`) of its ranked item
    ids (from ranked_items) against its judged relevant article ids, computed by ir-measures. The rank order is the list order.
    Questions without any judged item are scored against a placeholder, so they score 0."""
    import ir_measures

    measures = _measures(curve_ks)
    qrels = [
        ir_measures.Qrel(q, item, 1)
        for q in runs
        for item in ({ARTICLE + d for d in judged.get(q, ())} or {UNFINDABLE})
    ]
    run = [
        ir_measures.ScoredDoc(q, item, float(len(items) - i))  # strictly decreasing: no ties to break
        for q, items in runs.items()
        for i, item in enumerate(items)
    ]
    scores = {q: dict.fromkeys(measures, 0.0) for q in runs}  # a question with nothing retrieved scores 0
    name_of = {m: n for n, m in measures.items()}
    for metric in ir_measures.iter_calc(list(measures.values()), qrels, run):
        scores[metric.query_id][name_of[metric.measure]] = float(metric.value)
    return scores


# ---------------------------------------------------------------- aggregates


def mean(values: Iterable[float]) -> float | None:
    """The mean, or None for no values."""
    vals = list(values)
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default), or None."""
    vals = sorted(values)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)
