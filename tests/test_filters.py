"""Filters by date range and outlet in ask(), the CLI and the chat, and "latest" questions preferring
newer articles (issue 7). Offline, hash embedder, small hand-made corpora."""

import json

import pytest

import qa.api
from qa import cli
from qa.api import ask, ingest, load_index
from qa.errors import QAError
from qa.records import Answer, Article
from qa.retrieve.filters import keep_article, make_filters, outlet, outlets
from qa.settings import Settings
from qa.ui import html as ui
from qa.ui.app import answer_turn, chat_filters

HASH = Settings(model="hash-64")
RECORDS = [
    {
        "id": "cnn-june",
        "title": "Dam inspection finds cracks",
        "url": "https://www.cnn.com/2022/06/01/us/dam/index.html",
        "text": "Engineers inspecting the Harlow dam found three cracks in the spillway, the state said on Wednesday.",
    },
    {
        "id": "usat-july",
        "title": "Harlow dam repairs begin",
        "url": "https://www.usatoday.com/story/news/2022/07/01/dam/",
        "text": "Repairs to the cracks in the Harlow dam spillway began on Friday, the state engineers said.",
    },
    {
        "id": "undated",
        "title": "Dam questions",
        "source": "Harlow Herald",
        "text": "Residents asked about the cracks in the Harlow dam spillway at a meeting.",
    },
]


@pytest.fixture(scope="module")
def dam_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dam")
    (folder / "dam.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    ingest([folder], folder / "index", HASH, progress=False)
    return folder / "index"


def docs_of(answer: Answer) -> set[str]:
    return (
        {p.doc_id for p in answer.passages}
        | {d for p in answer.passages for d in p.also_in}
        | {c.doc_id for c in answer.citations}
    )


def test_make_filters_checks_its_input():
    f = make_filters("2022-06-01", "2022-06-30", " CNN ")
    assert (f.since, f.until, f.sources) == ("2022-06-01", "2022-06-30", ("CNN",))
    assert not make_filters().active and make_filters(sources=["", " "]) == make_filters()
    with pytest.raises(QAError, match="until '2022-13-01' is not a date"):
        make_filters(until="2022-13-01")
    with pytest.raises(QAError, match="since 2022-07-01 is after until 2022-06-01"):
        make_filters("2022-07-01", "2022-06-01")


def test_dates_are_inclusive_and_unknown_dates_are_left_out():
    a = Article("a", "x", published="2022-06-12")
    assert keep_article(a, make_filters("2022-06-12", "2022-06-12"))
    assert not keep_article(a, make_filters(since="2022-06-13"))
    assert not keep_article(a, make_filters(until="2022-06-11"))
    assert not keep_article(Article("b", "x"), make_filters(until="2030-01-01"))
    assert keep_article(Article("b", "x"), make_filters(sources=[]))


@pytest.mark.parametrize(
    "name, article, expected",
    [
        ("foxnews", Article("a", "x", source="foxnews"), True),
        ("Fox News", Article("a", "x", source="foxnews"), True),
        ("cnn", Article("a", "x", url="https://www.cnn.com/2022/06/01/x"), True),
        ("CNN.com", Article("a", "x", url="https://edition.cnn.com/x"), True),
        ("USA Today", Article("a", "x", url="https://www.usatoday.com/story/x"), True),
        ("theweek", Article("a", "x", url="https://www.theweek.co.uk/news/x"), True),
        ("cnn", Article("a", "x", source="Reuters", url="https://www.cnn.com/x"), False),  # the source names it
        ("cnn", Article("a", "x", url="https://www.cnnbc.example/x"), False),
        ("cnn", Article("a", "x"), False),  # outlet unknown
    ],
)
def test_outlets_match_source_or_host(name, article, expected):
    assert keep_article(article, make_filters(sources=[name])) is expected


def test_outlet_names_for_the_chat():
    arts = {r["id"]: Article(r["id"], r["text"], url=r.get("url", ""), source=r.get("source", "")) for r in RECORDS}
    assert outlet(arts["cnn-june"]) == "cnn.com"
    assert sorted(outlets(arts)) == ["CNN", "Harlow Herald", "USA Today"]  # by their proper names


def test_ask_with_a_date_range_uses_only_articles_in_it(dam_index):
    answer = ask("Where were cracks found in the Harlow dam?", dam_index, since="2022-06-15")
    assert docs_of(answer) == {"usat-july"}
    assert any("1 article with no known date was left out by the date filter" in n for n in answer.notices)
    assert any("published on or after 2022-06-15" in n and "(1 of 3)" in n for n in answer.notices)
    assert docs_of(ask("Where were cracks found in the Harlow dam?", dam_index, until="2022-06-01")) == {"cnn-june"}


def test_ask_with_outlets_uses_only_theirs(dam_index):
    assert docs_of(ask("cracks in the Harlow dam", dam_index, sources=["CNN"])) == {"cnn-june"}
    assert docs_of(ask("cracks in the Harlow dam", dam_index, sources=["harlow herald", "usatoday"])) == {
        "undated",
        "usat-july",
    }


def test_no_article_matching_the_filters_is_said_plainly(dam_index):
    answer = ask("cracks in the Harlow dam", dam_index, until="2020-01-01")
    assert answer.abstained and not answer.citations and not answer.passages
    assert answer.answer.startswith("No article in the index is published on or before 2020-01-01")
    nobody = ask("cracks in the Harlow dam", dam_index, sources=["BBC"])
    assert nobody.abstained and any(
        "the outlets in the index are: CNN, Harlow Herald, USA Today" in n for n in nobody.notices
    )


def test_bad_filters_fail_before_the_index_is_opened(tmp_path):
    with pytest.raises(QAError, match="since 'yesterday' is not a date"):
        ask("cracks in the Harlow dam", tmp_path / "no-index", since="yesterday")


def test_cli_filters(dam_index, capsys):
    argv = ["ask", "cracks in the Harlow dam", "--index", str(dam_index), "--json"]
    assert cli.main([*argv, "--source", "cnn", "--source", "usatoday", "--until", "2022-06-30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {p["doc_id"] for p in out["passages"]} == {"cnn-june"}
    assert cli.main([*argv, "--since", "June"]) == 2
    assert "since 'June' is not a date" in capsys.readouterr().err
    assert cli.main([*argv, "--as-of", "2022-06-15"]) == 0
    assert {p["doc_id"] for p in json.loads(capsys.readouterr().out)["passages"]} <= {"cnn-june", "undated"}


def test_chat_passes_its_filter_controls_to_ask(monkeypatch, tmp_path):
    assert chat_filters(" ", "2022-06-30 ", None) == {"until": "2022-06-30"}
    assert chat_filters("", "", ["cnn.com"]) == {"sources": ["cnn.com"]}
    got = {}

    def fake_ask(question, index_dir, previous=None, **filters):
        got.update(filters)
        if filters.get("since") == "bad":
            raise QAError("since 'bad' is not a date; give it as YYYY-MM-DD, e.g. 2022-06-12")
        return Answer(question, "cash", False)

    monkeypatch.setattr(qa.api, "ask", fake_ask)
    answer_turn("Who?", [], tmp_path, chat_filters("2022-06-01", "", ["cnn.com"]))
    assert got == {"since": "2022-06-01", "sources": ["cnn.com"]}
    turn = answer_turn("Who?", [], tmp_path, {"since": "bad"})
    assert turn.answer is None and "is not a date" in ui.message_html(0, turn)


# ---------------------------------------------------------------- "latest" prefers newer articles

PRICES = [
    {
        "id": "old",
        "title": "Widget price",
        "published": "2022-01-10",
        "text": "Widget price news. The price of a widget is 5 dollars, the widget price board said. Widget price "
        "watchers expect the widget price to hold.",
    },
    {
        "id": "new",
        "title": "Widget price",
        "published": "2022-06-10",
        "text": "The price of a widget is 7 dollars, the board said.",
    },
]


def test_recency_on_two_dated_versions_of_a_fact(tmp_path):
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in PRICES), encoding="utf-8")
    ingest([tmp_path], tmp_path / "index", HASH, progress=False)
    index = load_index(tmp_path / "index")
    latest = ask("What is the latest price of a widget?", index)
    assert latest.passages[0].doc_id == "new"
    assert any("newer articles weigh more" in n for n in latest.notices)
    back_then = ask("What is the latest price of a widget?", index, until="2022-03-01")
    assert {p.doc_id for p in back_then.passages} == {"old"}  # answered as of the end of the range
    assert ask("What is the latest price of a widget?", index, as_of="2022-03-01").passages[0].doc_id == "old"
