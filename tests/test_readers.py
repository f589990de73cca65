"""Reading articles (issue 2): the bundled corpus, each supported format (.txt .md .json .jsonl .html), folders,
and the realtimeqa-dev corpus.jsonl as it is. Ingest of each format runs with the hash embedder (offline)."""

import json
import unicodedata
from pathlib import Path

import pytest

from qa.api import ingest
from qa.index.loaded import load_index
from qa.ingest.readers import SUPPORTED, read_paths

DATA = Path(__file__).resolve().parent / "data"
SEEDS = ("000_f0064c69b098e1e3.txt", "001_cafc69e03f85d0ea.txt")
QUOKKA = (
    "Rangers on Rottnest Island counted 12,400 quokkas during this year's winter census, the highest "
    "number since records began in 1985, the island authority said on Tuesday."
)


def one(path: Path):
    result = read_paths([path])
    assert result.problems == (), result.problems
    (article,) = result.articles
    return article


# ---------------------------------------------------------------- the bundled corpus


def test_corpus_holds_the_seed_articles_verbatim(corpus_dir, shared):
    for name in SEEDS:
        assert (corpus_dir / name).read_bytes() == (shared / "seeds" / name).read_bytes(), name


def test_corpus_articles_have_their_metadata(corpus_dir):
    result = read_paths([corpus_dir])
    assert result.problems == ()
    by_id = {a.doc_id: a for a in result.articles}
    rewrite, original = by_id["000_f0064c69b098e1e3"], by_id["001_cafc69e03f85d0ea"]
    assert rewrite.title == "Iran Cozies Up To Venezuela In America\u2019s Backyard"
    assert rewrite.text.startswith(rewrite.title)
    assert original.source == "foxnews" and original.text.rstrip().endswith("Source \u00bb foxnews")
    assert original.title == ""  # its first line is a sentence, not a heading
    assert (
        original.label
        == "Iran has established a foothold on America\u2019s doorstep and is expanding in South America…"
    )
    for a in result.articles:
        assert a.text == (corpus_dir / f"{a.doc_id}.txt").read_text(encoding="utf-8")  # spans index the file


# ---------------------------------------------------------------- text and Markdown


def test_txt_title_is_a_heading_like_first_line(tmp_path):
    (tmp_path / "a.txt").write_text("Ferry Strike Ends After Two Weeks\n\nThe ferry workers voted to return.\n")
    (tmp_path / "b.txt").write_text("The ferry workers voted to return on Monday.\nThey had been on strike.\n")
    (tmp_path / "c.txt").write_text("Ferry Strike Ends\n")  # a single line is the text, not a title
    titles = {a.doc_id: a.title for a in read_paths([tmp_path]).articles}
    assert titles == {"a": "Ferry Strike Ends After Two Weeks", "b": "", "c": ""}


def test_md_heading_is_the_title(tmp_path):
    (tmp_path / "storm.md").write_text("# Storm warning for the weekend\n\nWinds of 90 km/h are expected.\n")
    article = one(tmp_path / "storm.md")
    assert (article.doc_id, article.title) == ("storm", "Storm warning for the weekend")
    assert article.text.startswith("# Storm warning")  # the text stays the file, so spans stay exact


@pytest.mark.parametrize(
    "heading, title",
    [
        ("## Storm warning ##", "Storm warning"),
        ("# C# tips", "C# tips"),
        ("#   Spaced out   #", "Spaced out"),
        ("#", ""),
    ],
)
def test_md_heading_markers_are_not_part_of_the_title(tmp_path, heading, title):
    (tmp_path / "h.md").write_text(f"{heading}\n\nBody text.\n")
    assert one(tmp_path / "h.md").title == title


# ---------------------------------------------------------------- JSON and JSON Lines

RECORD = {
    "id": "ferry-1",
    "title": " Ferry strike ends ",
    "url": "https://news.example/ferry",
    "source": "Herald",
    "published": "2022-06-14",
    "text": "  The ferry workers voted to return.\n",
}


def test_json_with_one_object(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(RECORD), encoding="utf-8")
    article = one(tmp_path / "one.json")
    assert (article.doc_id, article.title, article.url, article.source, article.published) == (
        "ferry-1",
        "Ferry strike ends",
        "https://news.example/ferry",
        "Herald",
        "2022-06-14",
    )
    assert article.text == RECORD["text"]  # not stripped: offsets are into the given text


def test_json_with_a_list(tmp_path):
    records = [{**RECORD, "id": f"ferry-{i}"} for i in range(3)] + [{"id": 7, "text": "Only the required fields."}]
    (tmp_path / "list.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    result = read_paths([tmp_path / "list.json"])
    assert result.problems == ()
    assert [a.doc_id for a in result.articles] == ["ferry-0", "ferry-1", "ferry-2", "7"]
    assert result.articles[-1].title == result.articles[-1].url == ""


def test_json_lines_saved_as_json(tmp_path):
    (tmp_path / "lines.json").write_text('{"id": "a", "text": "One."}\n{"id": "b", "text": "Two."}\n')
    result = read_paths([tmp_path / "lines.json"])
    assert result.problems == () and [a.doc_id for a in result.articles] == ["a", "b"]


def test_empty_json_list_is_a_problem_not_silence(tmp_path):
    (tmp_path / "empty.json").write_text("[]")
    result = read_paths([tmp_path / "empty.json"])
    assert result.articles == () and "no JSON records" in result.problems[0].message


def test_jsonl(tmp_path):
    lines = [json.dumps({**RECORD, "id": f"j{i}", "text": f"Article {i}."}) for i in range(5)]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n")
    result = read_paths([tmp_path / "feed.jsonl"])
    assert result.problems == () and [a.text for a in result.articles] == [f"Article {i}." for i in range(5)]


def test_the_realtimeqa_corpus_reads_as_it_is(rtqa_corpus):
    result = read_paths([rtqa_corpus])
    assert result.problems == () and len(result.articles) == 1855
    with open(rtqa_corpus, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    assert [a.doc_id for a in result.articles] == [r["id"] for r in records]
    for a, r in zip(result.articles, records, strict=True):
        assert a.text == unicodedata.normalize("NFC", r["text"])  # one page writes an accent as a combining mark
        assert (a.title, a.url, a.published) == tuple(
            unicodedata.normalize("NFC", (r.get(k) or "").strip()) for k in ("title", "url", "published")
        )


def test_accents_are_stored_composed_so_that_questions_find_them(tmp_path, hash_settings):
    from qa.api import ask

    decomposed = "Beyonce\u0301 won the Latin song prize in Co\u0301rdoba on Sunday, the jury said."
    rec = {"id": "Cafe\u0301-1", "title": "Beyonce\u0301 wins", "text": decomposed}
    (tmp_path / "feed.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    article = one(tmp_path / "feed.jsonl")
    assert article.text == "Beyoncé won the Latin song prize in Córdoba on Sunday, the jury said."
    assert (article.title, article.doc_id) == ("Beyoncé wins", "Cafe\u0301-1")  # the id is kept as given
    ingest([tmp_path / "feed.jsonl"], tmp_path / "index", hash_settings, progress=False)
    index = load_index(tmp_path / "index")
    idf = index.keyword_index.idf(["beyoncé", "zzunseen"])
    assert idf["beyoncé"] < idf["zzunseen"]  # the question's word is a word of the index (was "beyonc" + a mark)
    a = ask("Where did Beyonce\u0301 win the Latin song prize?", index)  # typed decomposed too
    assert a.resolved_question == "Where did Beyoncé win the Latin song prize?"
    assert a.citations and all(index.articles[c.doc_id].text[c.start : c.end] == c.quote for c in a.citations)


# ---------------------------------------------------------------- HTML


def test_html_news_page_main_text_and_metadata():
    article = one(DATA / "news-page.html")
    assert article.doc_id == "news-page"
    assert article.title == "Quokka numbers hit record high on Rottnest Island"
    assert article.published == "2022-06-14"
    assert article.url == "https://www.coastalherald.example/news/2022/06/14/quokka-record"
    assert article.source == "The Coastal Herald"
    assert QUOKKA in article.text and "fine of up to $300" in article.text
    for furniture in (
        "Weather",
        "Subscribe now",
        "kayak",
        "Most read",
        "ferry timetable",
        "All rights reserved",
        "Privacy",
        "dataLayer",
        "querySelectorAll",
        "font-family",
    ):
        assert furniture not in article.text, furniture


def test_html_page_without_an_article_is_a_problem(tmp_path):
    (tmp_path / "menu.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><footer>\u00a9 2022</footer></body></html>"
    )
    result = read_paths([tmp_path / "menu.html"])
    assert result.articles == () and "no article text" in result.problems[0].message


# ---------------------------------------------------------------- folders, and ingest of every format


def every_format(folder: Path) -> Path:
    """One article in each supported format, in nested folders, with a hidden file that must be skipped."""
    (folder / "feeds" / "more").mkdir(parents=True)
    (folder / "plain.txt").write_text("Ferry Strike Ends\n\nThe ferry workers voted to return on Monday.\n")
    (folder / "notes.md").write_text("# Storm warning\n\nWinds of 90 km/h are expected on the coast.\n")
    (folder / "feeds" / "one.json").write_text(json.dumps({"id": "json-1", "text": "The museum reopened."}))
    (folder / "feeds" / "more" / "feed.jsonl").write_text(
        json.dumps({"id": "jsonl-1", "text": "Schools close early for the heat."})
        + "\n"
        + json.dumps({"id": "jsonl-2", "text": "The library extends its hours."})
        + "\n"
    )
    (folder / "feeds" / "page.html").write_bytes((DATA / "news-page.html").read_bytes())
    (folder / ".hidden.txt").write_text("Not an article\n\nEditors' notes.\n")
    (folder / "feeds" / "image.png").write_bytes(b"\x89PNG")
    return folder


def test_folders_are_read_recursively_skipping_hidden_and_other_files(tmp_path):
    result = read_paths([every_format(tmp_path)])
    assert result.problems == ()
    assert sorted(a.doc_id for a in result.articles) == ["json-1", "jsonl-1", "jsonl-2", "notes", "page", "plain"]
    assert {Path(a.path).suffix for a in result.articles} == SUPPORTED - {".ndjson", ".htm"}


def test_every_format_ingests_with_exact_spans(tmp_path, hash_settings):
    report = ingest([every_format(tmp_path / "in")], tmp_path / "index", hash_settings, progress=False)
    assert report.problems == () and report.added == report.n_articles == 6
    index = load_index(tmp_path / "index")
    assert set(index.articles) == {"json-1", "jsonl-1", "jsonl-2", "notes", "page", "plain"}
    for c in index.chunks:
        assert index.articles[c.doc_id].text[c.start : c.end] == c.text
    assert index.articles["page"].title.startswith("Quokka numbers")


@pytest.mark.parametrize("name", ["page.htm", "feed.ndjson", "NOTES.MD", "Upper.TXT"])
def test_other_spellings_of_the_extensions(tmp_path, name):
    data = {
        "page.htm": (DATA / "news-page.html").read_bytes(),
        "feed.ndjson": b'{"id": "n1", "text": "A line."}\n',
    }.get(name, b"Heading Line Here\n\nBody text.\n")
    (tmp_path / name).write_bytes(data)
    assert len(one(tmp_path / name).text) > 5
