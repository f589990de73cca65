"""Stories: articles telling the same news are grouped at ingest, kept in the index, and retrieval shows
one result per passage naming every article that carries it (issue 7). Offline, hash embedder."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

import qa.index.stories as stories
from qa import cli
from qa.api import ask, ingest, load_index
from qa.errors import IndexMismatchError
from qa.index.layout import current_folder
from qa.index.stories import Grouping, fingerprint_from_row, fingerprint_row, group_stories
from qa.ingest.readers import read_paths
from qa.records import Article
from qa.retrieve.duplicates import collapse_passages, locate
from qa.retrieve.fusion import Ranked
from qa.settings import Settings
from qa.ui import html as ui

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"  # the two seed articles: one story told twice
HASH = Settings(model="hash-64")
QUOTE = (
    "“We will rebuild the harbour wall before the winter storms arrive, and every family that lost a boat "
    "will be paid in full by the end of the month,” said Mayor Elena Ruiz."
)
QUOTE2 = "“The council has already found the money for it in the reserve fund,” she added."


def art(doc_id, text, title="", published="", url="", source=""):
    return Article(doc_id, text, title=title, url=url, source=source, published=published)


def story_of(grouping: Grouping, doc_id: str):
    return next(s for s in grouping.stories if doc_id in s.doc_ids)


def rewrite(doc_id, published, title="Harbour wall to be rebuilt, mayor says"):
    return art(
        doc_id,
        "Fishermen gathered at the quay on Monday to hear what the town would do about the damage "
        f"left by the worst storm in decades.\n\n{QUOTE}\n\n{QUOTE2}\n\nThe storm sank twelve boats last "
        "week and flooded the fish market, which reopened on Saturday after volunteers cleared the mud. "
        "Insurers have not said how much of the cost they will carry.",
        title=title,
        published=published,
    )


ORIGINAL = art(
    "orig",
    f"The mayor spoke after the storm.\n\n{QUOTE}\n\n{QUOTE2}\n\nRepairs start in October and "
    "the port stays open meanwhile.",
    title="Mayor promises new harbour wall",
    published="2022-06-12",
)


def test_the_two_seed_articles_are_one_story():
    seeds = read_paths([SEEDS]).articles
    grouping = group_stories(seeds)
    assert len(grouping.stories) == 1
    assert set(grouping.stories[0].doc_ids) == {a.doc_id for a in seeds}
    assert "quotations" in grouping.stories[0].why[1]


def test_rewrites_sharing_quotations_close_in_time_are_one_story():
    g = group_stories(
        [
            ORIGINAL,
            rewrite("copy", "2022-06-13"),
            art(
                "other",
                "A zoo in Perth welcomed twin quokkas on Tuesday, keepers said.",
                title="Twin quokkas born",
                published="2022-06-12",
            ),
        ]
    )
    assert story_of(g, "copy").doc_ids == ("orig", "copy")
    assert story_of(g, "other").doc_ids == ("other",)


def test_the_same_quotations_a_month_apart_are_different_stories():
    g = group_stories([ORIGINAL, rewrite("later", "2022-07-20")])
    assert len(g.stories) == 2


def test_near_copies_are_one_story_whatever_their_dates_but_page_furniture_is_not():
    body = (
        "Regulators approved the merger of the two regional airlines on Friday after a year-long review. "
        "The combined carrier will fly to forty cities and keep both brands for now. "
    ) * 4
    furniture = "We will use the details you have shared to manage your registration and newsletter. " * 8
    g = group_stories(
        [
            art("a", body, "Airline merger approved", "2022-01-04"),
            art("b", body + "Updated.", "Airline merger approved", "2022-07-07"),
            art("c", furniture, "Why the Swedish prime minister lasted seven hours", "2021-11-25"),
            art("d", furniture, "The outlook for China's zero-Covid strategy", "2022-05-11"),
        ]
    )
    assert story_of(g, "b").doc_ids == ("a", "b") and "near copy" in story_of(g, "b").why[1]
    assert story_of(g, "c").doc_ids == ("c",) and story_of(g, "d").doc_ids == ("d",)


def test_digests_and_articles_linking_two_stories_stay_alone():
    other_quote = (
        "“The new line will carry forty thousand passengers a day between the airport and the "
        "centre from next spring,” the transport minister said on Monday."
    )
    rail = art("rail", f"The rail link was approved.\n\n{other_quote}", "Airport rail link approved", "2022-06-12")
    digest = art(
        "digest",
        f"Harbour: {QUOTE}\n\nRail: {other_quote}",
        "5 things to know for June 13: Harbour, Rail",
        "2022-06-13",
    )
    bridge = replace(digest, doc_id="bridge", title="Harbour wall and rail link: a busy week for the city")
    for g in (group_stories([ORIGINAL, rail, digest]), group_stories([ORIGINAL, rail, bridge])):
        # a round-up, or an article linked to two stories, stays alone: no giant merged cluster
        assert [len(s.doc_ids) for s in g.stories] == [1, 1, 1]


def test_unknown_dates_do_not_prevent_a_story_but_are_never_invented():
    g = group_stories([replace(ORIGINAL, published=""), rewrite("copy", "")])
    assert set(story_of(g, "copy").doc_ids) == {"orig", "copy"}
    assert all(fp.day is None for fp in g.prints.values())


def test_adding_articles_keeps_stories_and_fingerprints(monkeypatch):
    first = group_stories(
        [ORIGINAL, art("solo", "Unrelated text about gardening and roses in June.", "Roses", "2022-06-12")]
    )
    seen = []
    real = stories.fingerprints
    monkeypatch.setattr(stories, "fingerprints", lambda arts: seen.extend(a.doc_id for a in arts) or real(arts))
    second = group_stories([ORIGINAL, first.prints and rewrite("copy", "2022-06-12")], first.keep(["orig"]))
    assert seen == ["copy"]  # the unchanged article was not fingerprinted again
    assert story_of(second, "copy").story_id == story_of(first, "orig").story_id


def test_a_changed_article_that_led_a_story_does_not_rejoin_it_by_name():
    first = group_stories([ORIGINAL, rewrite("copy", "2022-06-13")])
    changed = replace(ORIGINAL, text="Now an article about tulips in the park.", title="Tulips")
    second = group_stories([changed, rewrite("copy", "2022-06-13")], first.keep(["copy"]))
    assert story_of(second, "orig").doc_ids == ("orig",) and story_of(second, "copy").doc_ids == ("copy",)
    assert story_of(second, "orig").story_id != story_of(second, "copy").story_id


def test_fingerprints_round_trip_through_json():
    fp = stories.fingerprints([ORIGINAL])[0]
    back = fingerprint_from_row(json.loads(json.dumps(fingerprint_row(fp))))
    assert back.minhash.jaccard(fp.minhash) == 1.0
    assert (back.quotes, back.n_shingles, back.day, back.title_words) == (
        fp.quotes,
        fp.n_shingles,
        fp.day,
        fp.title_words,
    )


# ---------------------------------------------------------------- in the index


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("stories") / "index"
    ingest([SEEDS], path, HASH, progress=False)
    return path


def test_stories_are_kept_in_the_index_with_checksums(seed_index):
    manifest = json.loads((current_folder(seed_index) / "manifest.json").read_text())
    assert manifest["format_version"] == 3
    assert {"stories.jsonl", "fingerprints.jsonl"} <= set(manifest["checksums"])
    rows = [json.loads(x) for x in (current_folder(seed_index) / "stories.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and len(rows[0]["doc_ids"]) == 2
    index = load_index(seed_index)
    a, b = sorted(index.articles)
    assert index.story_of[a] is index.story_of[b]


def test_an_index_of_the_old_format_asks_to_be_rebuilt(seed_index, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(seed_index, old)
    manifest = json.loads((current_folder(old) / "manifest.json").read_text())
    (current_folder(old) / "manifest.json").write_text(json.dumps({**manifest, "format_version": 1}))
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(old)


def test_ingesting_a_rewrite_later_adds_it_to_the_story(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "orig.json").write_text(
        json.dumps({"id": "orig", "text": ORIGINAL.text, "title": ORIGINAL.title, "published": ORIGINAL.published})
    )
    ingest([tmp_path / "in"], tmp_path / "index", HASH, progress=False)
    before = load_index(tmp_path / "index").story_of["orig"].story_id
    new = rewrite("copy", "2022-06-13")
    (tmp_path / "copy.json").write_text(
        json.dumps({"id": "copy", "text": new.text, "title": new.title, "published": new.published})
    )
    ingest([tmp_path / "copy.json"], tmp_path / "index", HASH, progress=False)
    story = load_index(tmp_path / "index").story_of["copy"]
    assert story.story_id == before and story.doc_ids == ("orig", "copy")


def test_the_club_of_other_quote_is_one_result_citing_both_seed_articles(seed_index):
    answer = ask("Who described the 'Club of Other'?", seed_index)
    holding = [p for p in answer.passages if "Club of Other" in p.text]
    assert len(holding) == 1  # one result, not one per copy
    (p,) = holding
    index = load_index(seed_index)
    assert len({p.doc_id, *p.also_in}) == 2
    for d, (s, e) in zip(p.also_in, p.also_spans, strict=True):
        assert "Club of Other" in index.articles[d].text[s:e]
    assert p.story == index.story_of[p.doc_id].story_id
    cited = [c for c in answer.citations if "Club of Other" in c.quote]
    assert cited and all(c.n_sources == 2 for c in cited)
    for c in cited:
        (other,), ((s, e),) = c.also_in, c.also_spans
        assert other != c.doc_id and "Club of Other" in index.articles[other].text[s:e]
        assert index.articles[c.doc_id].text[c.start : c.end] == c.quote  # the span invariant still holds
    assert [len(s.doc_ids) for s in answer.stories] == [2] and all(answer.stories[0].titles)
    shown = ui.message_html(0, ui.Turn(answer.question, answer.question, answer))
    assert "Told by 2 articles" in shown and shown.count("Told by") == 1  # one line for the story
    assert "Story story-" in cli.format_answer(answer) and "2 articles tell it" in cli.format_answer(answer)


def test_collapse_keeps_distinct_passages_and_fills_the_list(seed_index):
    index = load_index(seed_index)
    first_rows = {c.doc_id: i for i, c in reversed(list(enumerate(index.chunks)))}
    ranked = [Ranked(d, (row,), 1.0 / (k + 1), 0, 0) for k, (d, row) in enumerate(first_rows.items())]
    passages = collapse_passages(index, ranked, k=10)
    assert len({p.doc_id for p in passages}) == len(passages)  # one result per article, as before
    shown = {p.doc_id for p in passages} | {d for p in passages for d in p.also_in}
    assert shown == set(index.articles)


def test_locate_finds_reworded_quotes_and_refuses_other_text():
    text = (
        "Intro.\n\n“As an opposition minister I’ve watched a regime impoverish their people, abuse their most "
        "basic human rights,” said Borges."
    )
    quote = "“As an opposition minister I’ve watched a regime impoverish people, abuse their most basic human rights"
    s, e = locate(quote, text)
    assert text[s:e].startswith("As an opposition") and text[s:e].endswith("human rights")
    assert locate("Quokkas were counted on Rottnest Island at dawn by rangers", text) is None


def test_the_evaluation_counts_a_collapsed_passage_relevant_through_its_copies():
    from qa.evaluate import runner as evaluation
    from qa.evaluate.questions import EvalQuestion
    from qa.records import Answer, Passage

    q = EvalQuestion("q", "Who?", ("A",), (), ("gold",))
    copy = Passage("other", 0, 5, "Quote", 0.1, "Other", also_in=("gold",), also_spans=((3, 8),))
    alone = Passage("third", 0, 5, "Quote", 0.05, "Third")
    record = evaluation._record(q, Answer("Who?", "A", False, (), (copy, alone)), 1.0, [], [], {})
    assert [p["relevant"] for p in record["passages"]] == [True, False]
    assert record["passages"][0]["also_in"] == ["gold"] and record["first_relevant_rank"] == 1
