"""Publication dates from metadata, page, URL or dateline (never guessed), and relative dates placed by
the article's date in the CLI, the chat and the answer's notices (issue 7)."""

import html
import json
import re
from pathlib import Path

import pytest

from qa import cli
from qa.answer.news import enrich
from qa.api import ingest, load_index
from qa.errors import QAError
from qa.index.layout import current_folder
from qa.ingest.published import dateline_date, publication_date, url_date
from qa.ingest.readers import read_paths
from qa.records import Answer, Article, Citation
from qa.settings import Settings
from qa.text.dates import annotate, check_day, relative_mentions, relative_note
from qa.ui import html as ui

PAGE = """<html><head><title>Harbour wall to be rebuilt</title>
<meta property="article:published_time" content="2022-06-12T10:01:00Z">
<meta property="og:site_name" content="Harbour Gazette"></head>
<body><nav>Home | News</nav><article><h1>Harbour wall to be rebuilt</h1>
<p>The mayor said on Monday that the harbour wall will be rebuilt before the winter storms arrive, and that every
family that lost a boat will be paid in full by the end of the month.</p>
<p>Fishermen gathered at the quay to hear what the town would do about the damage left by the worst storm in
decades. The council has already found the money in its reserve fund.</p></article></body></html>"""


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", fragment)).split())


@pytest.mark.parametrize(
    "text, year, expected",
    [
        ("WASHINGTON, June 12, 2022 (Reuters) - The Senate voted.", "", "2022-06-12"),
        ("WASHINGTON, June 12 (Reuters) - The Senate voted.", "2022", "2022-06-12"),
        ("WASHINGTON, June 12 (Reuters) - The Senate voted.", "", ""),  # no year anywhere: unknown, not guessed
        ("LONDON, 12 June 2022 — Ministers met.", "", "2022-06-12"),
        ("June 12, 2022\n\nThe Senate voted.", "", "2022-06-12"),
        ("Headline\n\nPublished 10:01 AM EDT, Mon June 12, 2022\n\nBody.", "", "2022-06-12"),
        ("By Jane Doe\nUpdated 5:21 PM ET, Sun June 12, 2022\nBody.", "", "2022-06-12"),
        ("Posted: 2022-06-12 09:00\nBody.", "", "2022-06-12"),
        ("Sept. 3, 2021\nBody.", "", "2021-09-03"),
        ("NEW YORK, Feb. 30, 2022 (AP) - No such day.", "", ""),
        (
            "The court said on June 12, 2022, in a long paragraph that mentions a date but is not a date line at all, "
            "so it must not be taken for the day the article was published.",
            "",
            "",
        ),
        ("No date here.\n\nNone at all.", "", ""),
    ],
)
def test_dateline_date(text, year, expected):
    assert dateline_date(text, year) == expected


def test_url_dates_and_metadata():
    assert url_date("https://www.cnn.com/2022/06/12/media/squid-game/index.html") == "2022-06-12"
    assert url_date("https://www.usatoday.com/story/news/2022/6/3/story/123/") == "2022-06-03"
    assert url_date("https://example.com/news/12345678/") == ""
    meta = Article(
        "a",
        "WASHINGTON, June 1, 2021 (Reuters) - x",
        url="https://x.com/2022/05/05/y",
        published="2022-06-12T10:00:00Z",
    )
    assert publication_date(meta) == "2022-06-12"  # metadata first
    assert publication_date(Article("a", meta.text, url=meta.url)) == "2022-05-05"  # then the URL
    assert publication_date(Article("a", meta.text)) == "2021-06-01"  # then the dateline
    assert publication_date(Article("a", "x", published="June 12, 2022")) == "2022-06-12"
    assert publication_date(Article("a", "x", published="sometime")) == ""
    yearless = Article("a", "WASHINGTON, June 12 (Reuters) - x", url="https://www.reuters.com/world/2022/senate")
    assert publication_date(yearless) == "2022-06-12"


def test_readers_fill_dates_from_page_metadata_url_and_dateline(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "wire.txt").write_text(
        "Senate passes bill\n\nWASHINGTON, June 12, 2022 (Reuters) - The Senate passed the bill.\n", encoding="utf-8"
    )
    (tmp_path / "recs.jsonl").write_text(
        json.dumps({"id": "u", "text": "Body.", "url": "https://www.cnn.com/2022/06/13/us/x/index.html"})
        + "\n"
        + json.dumps({"id": "none", "text": "Body without any date."})
        + "\n",
        encoding="utf-8",
    )
    got = {a.doc_id: a.published for a in read_paths([tmp_path]).articles}
    assert got == {"page": "2022-06-12", "wire": "2022-06-12", "u": "2022-06-13", "none": ""}


def test_check_day():
    assert check_day("2022-06-12", "since") == "2022-06-12"
    assert check_day("", "since") == ""
    with pytest.raises(QAError, match="since '12/06/2022' is not a date; give it as YYYY-MM-DD"):
        check_day("12/06/2022", "since")


QUOTE = "Borges said last week that the deal, agreed earlier this month, was signed on Tuesday, not yesterday."


def test_relative_dates_are_found_and_annotated_without_changing_the_text():
    found = [QUOTE[s:e] for s, e in relative_mentions(QUOTE)]
    assert found == ["last week", "earlier this month", "Tuesday", "yesterday"]
    text = "USA TODAY reported it on Sunday."
    assert [text[s:e] for s, e in relative_mentions(text)] == ["Sunday"]  # not the paper's name
    shown = annotate(QUOTE, "2022-06-12")
    assert "last week (article of 2022-06-12) that" in shown and "yesterday (article of 2022-06-12)." in shown
    assert annotate(QUOTE, "").count("(article date unknown)") == 4
    assert annotate("No relative date.", "2022-06-12") == "No relative date."
    assert relative_note("[1]", QUOTE, "2022-06-12") == (
        "In [1], “last week”, “earlier this month”, “Tuesday”, "
        "“yesterday” are relative to the article's date, 2022-06-12."
    )
    assert relative_note("[2]", "No relative date.", "2022-06-12") == ""


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dated")
    (folder / "a.jsonl").write_text(
        json.dumps({"id": "deal", "title": "Deal signed", "published": "2022-06-12", "text": f"Intro.\n\n{QUOTE}\n"})
        + "\n",
        encoding="utf-8",
    )
    ingest([folder], folder / "index", Settings(model="hash-64"), progress=False)
    return load_index(folder / "index")


def cited_answer(index) -> Answer:
    a = index.articles["deal"]
    start = a.text.index(QUOTE)
    c = Citation("deal", a.label, a.url, start, start + len(QUOTE), QUOTE, a.source, a.published)
    return Answer("When was the deal signed?", "Tuesday", False, (c,))


def test_relative_dates_in_the_answer_cli_and_chat(dated_index):
    answer = enrich(dated_index, cited_answer(dated_index))
    assert any(n.startswith("In [1], “last week”") and n.endswith("2022-06-12.") for n in answer.notices)
    text = cli.format_answer(answer)
    assert "last week (article of 2022-06-12) that the deal" in text
    msg = plain(ui.message_html(0, ui.Turn(answer.question, answer.question, answer)))
    # the chat places the dates beside the quote, which stays the article's words (issue 15)
    assert (
        "(article of" not in msg and "“last week”, “earlier this month”" in msg and "article's date, 2022-06-12" in msg
    )
    panel = plain(ui.source_html(0, ui.Turn(answer.question, answer.question, answer), "c", 1, dated_index.articles))
    assert "relative to the article's date, 2022-06-12" in panel


def test_dates_are_stored_in_the_index(dated_index):
    assert dated_index.articles["deal"].published == "2022-06-12"
    assert Path(current_folder(dated_index.path) / "articles.jsonl").read_text().count('"published": "2022-06-12"') == 1
