"""Retrieval components (issue 3): reciprocal-rank fusion, the keyword query, article-level ranking with
the lead list, the as-of date and the freshness prior. Small hand-made corpora and the hash embedder."""

import json
import math

import numpy as np
import pytest

from qa.api import ask, build_index
from qa.index.loaded import load_index
from qa.index.search import top_rows
from qa.retrieve.fusion import keyword_query, rank_articles, rrf
from qa.retrieve.recency import freshness, has_time_cue
from qa.settings import Settings
from qa.text.dates import day_number


def test_rrf_sums_reciprocal_ranks_over_lists():
    fused = rrf([[1, 2, 3], [3, 1]], k=10)
    assert fused[1] == pytest.approx(1 / 11 + 1 / 12)
    assert fused[2] == pytest.approx(1 / 12)
    assert fused[3] == pytest.approx(1 / 13 + 1 / 11)
    assert sorted(fused, key=lambda x: -fused[x]) == [1, 3, 2]


def test_rrf_weights_and_ties():
    fused = rrf([[7], [8]], k=20, weights=[1.0, 1.0])
    assert fused[7] == fused[8]  # a tie: the caller breaks it (rank_articles by article number)
    assert rrf([[7], [8]], k=20, weights=[2.0, 1.0])[7] == pytest.approx(2 / 21)


def test_top_rows_keeps_only_positive_allowed_scores_best_first():
    scores = np.array([0.0, 3.0, 1.0, 5.0, -1.0])
    assert top_rows(scores, 10).tolist() == [3, 1, 2]
    assert top_rows(scores, 2).tolist() == [3, 1]
    allowed = np.array([True, True, True, False, True])
    assert top_rows(scores, 10, allowed).tolist() == [1, 2]
    assert top_rows(np.zeros(3), 5).tolist() == []


def test_keyword_query_drops_question_words_only():
    assert (
        keyword_query("Which automaker recalled 2.9 million vehicles this week?")
        == "automaker recalled 2.9 million vehicles"
    )
    assert keyword_query("Who is who?") == "Who is who?"  # nothing left: the question itself


@pytest.mark.parametrize(
    "question,cue",
    [
        ("Which automaker recalled 2.9 million vehicles this week?", True),
        ("What is the latest on the strike?", True),
        ("Who won on Tuesday?", True),
        ("Who founded the company?", False),
        ("What happened in the Western Hemisphere?", False),
    ],
)
def test_time_cues(question, cue):
    assert has_time_cue(question) is cue


def test_freshness_decays_to_its_floor_and_treats_unknown_as_one_tau():
    assert freshness(0, 0.2, 30) == pytest.approx(1.0)
    assert freshness(30, 0.2, 30) == pytest.approx(0.2 + 0.8 / math.e)
    assert freshness(10_000, 0.2, 30) == pytest.approx(0.2)
    assert freshness(None, 0.2, 30) == freshness(30, 0.2, 30)
    assert freshness(-5, 0.5, 30) == 1.0  # published "after" now counts as new, never above 1
    assert freshness(100, 0.2, 0) == 1.0  # tau 0 turns freshness off


def test_day_number_reads_iso_dates_only():
    assert day_number("2022-06-16") == day_number("2022-06-16T10:00:00")
    assert day_number("June 16") is None and day_number("") is None


STORY = "The {what} ferry strike ended on {day} after workers accepted a {pay} pay rise, the union said."


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory):
    """Two versions of one fact (an old and a new ferry strike) and unrelated articles."""
    folder = tmp_path_factory.mktemp("dated")
    records = [
        {
            "id": "old",
            "title": "Ferry strike ends",
            "published": "2021-03-01",
            "text": STORY.format(what="spring", day="Monday", pay="3%"),
        },
        {
            "id": "new",
            "title": "Ferry strike ends",
            "published": "2022-06-10",
            "text": STORY.format(what="summer", day="Friday", pay="7%"),
        },
        {
            "id": "cats",
            "title": "Cat show",
            "published": "2022-06-09",
            "text": "A cat show drew record crowds to the town hall on Sunday.",
        },
        {"id": "undated", "title": "Harbour works", "text": "Harbour works will close the ferry pier for a month."},
    ]
    (folder / "news.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    build_index([folder / "news.jsonl"], folder / "index", Settings(model="hash-64"), progress=False)
    return load_index(folder / "index")


def test_ranking_is_by_article_with_rows_of_that_article(dated_index):
    ranked = rank_articles(dated_index, "ferry strike pay rise", dated_index.settings)
    assert len({r.doc_id for r in ranked}) == len(ranked)
    for r in ranked:
        assert all(dated_index.chunks[row].doc_id == r.doc_id for row in r.rows)


def test_as_of_leaves_out_later_articles_but_keeps_undated_ones(dated_index):
    ranked = rank_articles(dated_index, "ferry strike", dated_index.settings, as_of=day_number("2022-01-01"))
    ids = {r.doc_id for r in ranked}
    assert "new" not in ids and "cats" not in ids
    assert "old" in ids and "undated" in ids


def test_fresher_version_wins_for_a_question_about_now(dated_index):
    ranked = rank_articles(dated_index, "When did the ferry strike end this week?", dated_index.settings)
    order = [r.doc_id for r in ranked]
    assert order.index("new") < order.index("old")
    # as of a date before the new strike, only the old one can answer
    early = rank_articles(
        dated_index, "When did the ferry strike end this week?", dated_index.settings, as_of=day_number("2021-03-05")
    )
    assert early[0].doc_id == "old"


def test_freshness_off_leaves_the_two_versions_tied(dated_index):
    from dataclasses import replace

    flat = replace(dated_index.settings, recency_days=0)
    ranked = {r.doc_id: r.score for r in rank_articles(dated_index, "ferry strike pay rise", flat)}
    assert ranked["new"] == pytest.approx(ranked["old"], rel=0.2)


def test_ask_rejects_a_badly_written_as_of_date(dated_index):
    from qa.errors import QAError

    with pytest.raises(QAError, match="YYYY-MM-DD"):
        ask("ferry strike?", dated_index, as_of="10 June 2022")
    assert not ask("When did the ferry strike end?", dated_index, as_of="2022-06-30").abstained
