"""Each evaluation metric on small hand-computed cases (issue 4): SQuAD answer scores, the 12-word answer
accuracy, abstention, relevance and citations, and retrieval scores from ir-measures."""

import math

import pytest

from qa.evaluate import metrics as m

# ---------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Tony Awards!", "tony awards"),
        ("  an   Apple,  a pear ", "apple pear"),
        ("‘Club of Other’ — “quoted”", "club of other quoted"),  # Unicode punctuation goes too
        ("more than $300 million.", "more than 300 million"),
        ("Theory of the Atlantic", "theory of atlantic"),  # only whole-word articles
        ("", ""),
    ],
)
def test_normalize_answer(text, expected):
    assert m.normalize_answer(text) == expected


def test_exact_match_is_after_normalisation_and_best_over_golds():
    assert m.exact_match("the Atlantic Council.", ["Atlantic Council study", "Atlantic Council"]) == 1.0
    assert m.exact_match("Atlantic Council study in 2019", ["Atlantic Council"]) == 0.0
    assert m.exact_match("", ["Borges"]) == 0.0


def test_token_f1_hand_computed():
    # answer tokens: jet fuel and gold (4); gold: jet fuel (2); 2 shared: P = 1/2, R = 1, F1 = 2/3
    assert m.token_f1("jet fuel and gold", "jet fuel") == pytest.approx(2 / 3)
    # repeated tokens count once per occurrence: answer "gold gold", gold "gold": P = 1/2, R = 1
    assert m.token_f1("gold gold", "gold") == pytest.approx(2 / 3)
    assert m.token_f1("Paris", "London") == 0.0


def test_token_f1_empty_answers():
    assert m.token_f1("", "Borges") == 0.0
    assert m.token_f1("Borges", "the") == 0.0  # the gold normalises to nothing
    assert m.token_f1("", "") == 1.0  # as in SQuAD v2: both empty agree


def test_best_f1_takes_the_best_gold_and_ties_give_that_value():
    golds = ["Secretary of State Antony Blinken", "Antony Blinken", "Blinken"]
    assert m.best_f1("Antony Blinken", golds) == 1.0
    # tie: "jet fuel" and "fuel jet" score the same against "jet fuel gold" (P = 1, R = 2/3 -> 0.8)
    assert m.best_f1("jet fuel gold", ["jet fuel", "fuel jet"]) == pytest.approx(0.8)
    assert m.best_f1("anything", []) == 0.0


def test_answer_accuracy_containment_and_word_limit():
    assert m.answer_accuracy("Julio Borges", ["Borges"]) == 1.0
    assert m.answer_accuracy("The answer is: Israel Hayom.", ["Israel Hayom"]) == 1.0
    assert m.answer_accuracy("100", ["10"]) == 0.0  # whole words only
    assert m.answer_accuracy("Borges", ["Julio Borges"]) == 0.0  # the gold must be in the answer
    assert m.answer_accuracy("", ["Borges"]) == 0.0
    assert m.answer_accuracy("the", ["The"]) == 0.0  # a gold that normalises to nothing matches nothing


def test_answer_accuracy_counts_at_most_twelve_words():
    twelve = "Borges " + " ".join(["word"] * 11)
    assert len(twelve.split()) == 12 and m.answer_accuracy(twelve, ["Borges"]) == 1.0
    thirteen = twelve + " more"
    assert m.answer_accuracy(thirteen, ["Borges"]) == 0.0
    assert m.exact_match(thirteen, ["Borges"]) == 0.0 and m.best_f1(thirteen, ["Borges"]) > 0  # F1 has no limit


# ---------------------------------------------------------------- abstention


def test_abstention_precision_and_recall_hand_computed():
    # q1 abstained/unanswerable (right), q2 abstained/answerable (wrong), q3 answered/answerable,
    # q4 answered/unanswerable (missed): precision 1/2, recall 1/2
    assert m.abstention_scores([True, True, False, False], [False, True, True, False]) == (0.5, 0.5)


def test_abstention_without_denominators_is_none():
    assert m.abstention_scores([False, False], [True, False]) == (None, 0.0)  # nothing abstained
    assert m.abstention_scores([True, False], [True, True]) == (0.0, None)  # nothing unanswerable
    assert m.abstention_scores([], []) == (None, None)


# ---------------------------------------------------------------- relevance and citations

TEXTS = {"a": "xx the quote yy the quote", "b": "the quote", "c": "aaa"}


def test_quote_occurrences_in_every_article():
    assert m.quote_occurrences("the quote", TEXTS) == [("a", 3, 12), ("a", 16, 25), ("b", 0, 9)]
    assert m.quote_occurrences("aa", TEXTS) == [("c", 0, 2), ("c", 1, 3)]  # overlapping occurrences
    assert m.quote_occurrences("", TEXTS) == [] and m.quote_occurrences("missing", TEXTS) == []


def test_passage_relevant_from_half_of_a_quote_or_a_gold_article():
    occ = [("a", 10, 20)]  # a 10-character quote
    assert m.is_relevant(("a", 15, 40), [], occ)  # exactly half (5 of 10)
    assert not m.is_relevant(("a", 16, 40), [], occ)  # 4 of 10
    assert m.is_relevant(("a", 0, 100), [], occ)
    assert not m.is_relevant(("b", 10, 20), [], occ)  # same span, other article
    assert m.is_relevant(("b", 0, 1), ["b"], occ)  # any passage of a gold article
    assert not m.is_relevant(("a", 0, 9), [], [])


def test_citation_is_exact():
    assert m.citation_is_exact("a", 3, 12, "the quote", TEXTS)
    assert not m.citation_is_exact("a", 3, 13, "the quote", TEXTS)  # off by one
    assert not m.citation_is_exact("z", 0, 9, "the quote", TEXTS)  # no such article
    assert not m.citation_is_exact("b", 5, 50, "uote", TEXTS)  # beyond the text


def test_citations_support_needs_overlap_or_a_gold_article():
    occ = [("a", 10, 20)]
    assert m.citations_support([("a", 19, 30)], [], occ)  # one character shared
    assert not m.citations_support([("a", 20, 30), ("a", 0, 10)], [], occ)  # touching is not overlapping
    assert m.citations_support([("x", 0, 5)], ["x"], occ)
    assert not m.citations_support([], ["x"], occ)


# ---------------------------------------------------------------- retrieval


def score(passages, judged):
    return m.retrieval_scores({"q": m.ranked_items(passages)}, {"q": judged})["q"]


def test_retrieval_scores_hand_computed():
    s = score([("a", False), ("b", True), ("c", True)], {"b", "c"})
    assert (s["hit@1"], s["hit@5"], s["hit@10"], s["mrr@10"]) == (0.0, 1.0, 1.0, 0.5)
    ideal = 1 + 1 / math.log2(3)
    assert s["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)


def test_no_relevant_passage_retrieved_scores_zero():
    assert set(score([("a", False), ("b", False)], {"c"}).values()) == {0.0}
    assert set(score([("a", False)], set()).values()) == {0.0}  # nothing relevant anywhere in the index
    assert set(score([], {"c"}).values()) == {0.0}  # nothing retrieved


def test_questions_scoring_zero_still_count():
    runs = {"q1": m.ranked_items([("a", True)]), "q2": m.ranked_items([("b", False)]), "q3": []}
    scores = m.retrieval_scores(runs, {"q1": {"a"}, "q2": {"c"}, "q3": set()})
    assert set(scores) == {"q1", "q2", "q3"}
    assert m.mean(s["mrr@10"] for s in scores.values()) == pytest.approx(1 / 3)


def test_the_list_order_decides_not_ids_or_equal_scores():
    # ir-measures breaks score ties by document id, differently per measure; ranks come from the list
    s = score([("z", False), ("a", True)], {"a"})
    assert (s["hit@1"], s["mrr@10"]) == (0.0, 0.5)


def test_an_irrelevant_passage_of_a_relevant_article_is_not_a_hit():
    # article "a" holds a relevant chunk, but the passage retrieved from it is another one
    s = score([("a", False), ("b", True)], {"a", "b"})
    assert (s["hit@1"], s["mrr@10"]) == (0.0, 0.5)
    assert s["ndcg@10"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_a_relevant_article_counts_once():
    assert score([("b", True), ("b", True)], {"b"})["ndcg@10"] == pytest.approx(1.0)
    two = score([("a", False), ("b", True), ("b", True)], {"b", "c"})
    assert two["ndcg@10"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_odd_ids_are_kept_apart():
    s = score([("a\x00b", False), ("a", True), ("a b", False)], {"a"})
    assert (s["hit@1"], s["mrr@10"]) == (0.0, 0.5)


def test_curve_measures():
    scores = m.retrieval_scores(
        {"q": m.ranked_items([("x", False), ("a", True), ("b", True)])}, {"q": {"a", "b", "c", "d"}}, curve_ks=(1, 2, 3)
    )["q"]
    assert [scores[f"hit@{k}"] for k in (1, 2, 3)] == [0.0, 1.0, 1.0]
    assert [scores[f"recall@{k}"] for k in (1, 2, 3)] == [0.0, 0.25, 0.5]


def test_first_relevant_rank():
    assert m.first_relevant_rank([False, True, True]) == 2
    assert m.first_relevant_rank([False]) is None and m.first_relevant_rank([]) is None


# ---------------------------------------------------------------- aggregates


def test_percentile_interpolates_like_numpy():
    assert m.percentile([40, 10, 30, 20], 50) == pytest.approx(25)
    assert m.percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)  # position 2.85
    assert m.percentile([5, 5, 5, 100], 50) == 5  # ties
    assert m.percentile([7], 95) == 7
    assert m.percentile([], 50) is None


def test_mean():
    assert m.mean([1.0, 0.0, 0.5]) == pytest.approx(0.5)
    assert m.mean([]) is None
