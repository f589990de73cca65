"""Fast, offline tests of the web chat's pure parts (qa/ui/html.py), the upload saving and app.py's options.
No model, no Gradio server: the browser tests in test_browser.py drive the real page."""

import html
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.citations import citation_groups, same_words
from qa.errors import QAError
from qa.records import Answer, Article, Citation, Passage, Story
from qa.ui import html as ui
from qa.ui import uploads

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import app  # noqa: E402

EVIL = (
    'Quokka <img src=x onerror="window.__pwned=2"> news\n<script>window.__pwned=1</script>\n'
    "[click](javascript:alert(1)) **bold** $$x^2$$ ${window.__pwned=4} {{constructor}} `code` &amp; # h"
)


def article(doc_id: str, text: str, **meta) -> Article:
    return Article(doc_id, text, **meta)


def cite(a: Article, quote: str) -> Citation:
    start = a.text.index(quote)
    return Citation(a.doc_id, a.title or a.label, a.url, start, start + len(quote), quote, a.source, a.published)


def plain(fragment: str) -> str:
    """What a browser shows for an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


BORGES_A = article(
    "a",
    "Borges explained:\n\n“Russia moves out Venezuelan gold reserves, Iran provides gasoline and "
    "additives for gold, and the UAE provides cash, in euros for the gold.”\n\nMore text.",
    title="Iran Cozies Up To Venezuela",
)
BORGES_B = article(
    "b",
    "Intro.\n\n“Russia moves out Venezuelan gold reserves, Iran provides gasoline and additives "
    "for gold, and the UAE provides cash, in euros for the gold,” said Borges.",
    title="Iran has a foothold",
    source="foxnews",
    published="2021-03-01",
)


def borges_answer() -> Answer:
    qa_ = BORGES_A.text[: BORGES_A.text.index("\n\nMore")]
    qb = BORGES_B.text[BORGES_B.text.index("“") :]
    return Answer(
        "Who described the 'Club of Other'?",
        "Julio Borges",
        False,
        (cite(BORGES_A, qa_), cite(BORGES_B, qb)),
        answer_type="person",
        confidence=0.5,
    )


# ---------------------------------------------------------------- escaping


@settings(database=None)
@given(st.text())
def test_escape_round_trips_and_leaves_nothing_active(text):
    out = ui.escape(text)
    assert html.unescape(out) == text
    assert not set(re.sub(r"&#\d+;", "", out)) & set("&<>\"'`*_[]{}$\\|~#")


def test_escape_neutralises_markup_and_markdown():
    out = ui.escape(EVIL)
    for bad in ("<img", "<script", "](", "**", "$$", "${", "{{", "`"):
        assert bad not in out
    assert plain(out) == EVIL


def test_escape_line_flattens_and_shortens():
    assert ui.escape_line("a\n\nb   c") == "a b c"
    assert plain(ui.escape_line("word " * 100, 30)).endswith("…")
    assert len(plain(ui.escape_line("word " * 100, 30))) <= 31


def test_safe_url_only_links_http():
    assert ui.safe_url("https://example.com/a?b=1&c=2") == ui.escape("https://example.com/a?b=1&c=2")
    for bad in ("javascript:alert(1)", "data:text/html,x", "", "http://a b", " https://x"):
        assert ui.safe_url(bad) == ""


# ---------------------------------------------------------------- citations and near-duplicates


def test_same_words_ignores_punctuation_and_lead_in():
    a = "Borges explained:\n\n“Russia moves out gold — and the UAE provides cash, in euros.”"
    b = "“Russia moves out gold – and the UAE provides cash, in euros,” said Borges."
    assert same_words(a, b)
    assert not same_words(a, "An entirely different statement about oil tankers and sanctions today.")
    assert not same_words("", a)
    assert same_words("Short quote.", "short QUOTE")
    assert not same_words("Short quote.", "Short quote here.")


def test_citation_groups_put_duplicates_together():
    a = borges_answer()
    assert citation_groups(a.citations) == [[1, 2]]
    other = cite(BORGES_A, "More text.")
    assert citation_groups((*a.citations, other)) == [[1, 2], [3]]
    same_doc = cite(BORGES_A, BORGES_A.text[BORGES_A.text.index("“") : BORGES_A.text.index("\n\nMore")])
    assert citation_groups((a.citations[0], same_doc)) == [[1], [2]]  # one article is not a duplicate of itself


# ---------------------------------------------------------------- highlighting


def test_highlight_marks_exact_spans_and_escapes():
    text = "a <b>bold</b> claim & more"
    out = ui.highlight(text, [(2, 13)], (2, 13))
    assert plain(out) == text
    marked = re.findall(r'<mark class="qa-current">(.*?)</mark>', out)
    assert [html.unescape(m) for m in marked] == ["<b>bold</b>"]
    assert "<b>" not in out


def test_highlight_merges_overlaps_and_clips():
    text = "0123456789"
    out = ui.highlight(text, [(2, 5), (4, 7), (8, 99), (-3, 1), (5, 5)], (4, 7))
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", out) == ["0", "23456", "89"]
    assert out.count("qa-current") == 1 and '<mark class="qa-current">23456' in out


@settings(database=None)
@given(st.text(min_size=1), st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=5))
def test_highlight_never_changes_the_text(text, spans):
    out = ui.highlight(text, spans)
    assert plain(out) == text
    for m in re.findall(r"<mark[^>]*>(.*?)</mark>", out):
        assert html.unescape(m) in text


# ---------------------------------------------------------------- the chat message


def test_message_has_numbered_citations_and_grouped_sources():
    a = borges_answer()
    msg = ui.message_html(0, ui.Turn(a.question, a.question, a))
    assert "\n" not in msg
    assert re.findall(r'href="#qa-src-c-0-(\d)"', msg)[:2] == ["1", "2"]
    text = plain(msg)
    assert text.startswith("Julio Borges [1][2]")
    # one line for the story, the outlet once and by its name; not "reported by 2 sources; also in …" as well
    assert "Told by 2 articles: [1] Iran Cozies Up To Venezuela; [2] Iran has a foothold (Fox News)" in text
    assert text.count("Told by") == 1 and "reported by" not in text and "also in" not in text
    assert "Understood as" not in text


def quotes(fragment: str) -> list[str]:
    """The text of every quote (`.qa-quote`) in an HTML fragment, as the browser's textContent has it."""
    return [html.unescape(q) for q in re.findall(r'<span class="qa-quote">(.*?)</span>', fragment, re.S)]


def test_quotes_in_the_chat_are_exactly_the_articles_words():
    a = borges_answer()
    msg = ui.message_html(0, ui.Turn(a.question, a.question, a))
    (shown,) = quotes(msg)  # the duplicate's quote is not shown twice
    assert shown == a.citations[0].quote and shown in BORGES_A.text  # line breaks and all, and no added marks
    assert "“" + shown not in plain(msg) and "““" not in plain(msg)
    long = article("l", "Lead. " + "The council met again, and it spoke. " * 20, title="Council")
    c = cite(long, long.text[6:].strip())
    msg = ui.message_html(0, ui.Turn("q", "q", Answer("q", "The council", False, (c,))))
    (cut,) = quotes(msg)
    assert cut in long.text and len(cut) <= ui.QUOTE_CHARS and not cut.endswith((".", ",", " "))
    assert "</span>…</span>" in msg.replace('<span class="qa-cut" aria-label="(shortened)">', "")  # "…" outside
    assert ".…" not in plain(msg) and ",…" not in plain(msg)


def test_relative_dates_are_placed_outside_the_quote():
    a = article("d", "The deal was signed last week, officials said.", title="Deal", published="")
    c = cite(a, a.text)
    answer = Answer("When?", "last week", False, (c,), notices=("In [1], “last week” is relative to …",))
    msg = ui.message_html(0, ui.Turn("When?", "When?", answer))
    assert quotes(msg) == [a.text] and "(article date unknown)" not in msg


def test_story_line_names_the_outlets_when_each_article_has_its_own():
    a = borges_answer()
    story = Story("s1", ("a", "b", "c"), titles=("A", "B", "C"), outlets=("cnn.com", "foxnews", "usatoday.com"))
    msg = plain(ui.message_html(0, ui.Turn(a.question, a.question, replace(a, stories=(story,)))))
    assert "Told by 3 outlets: [1] CNN, [2] Fox News, USA Today" in msg


def test_sentence_answer_reads_as_a_sentence_with_its_citation():
    quote = BORGES_A.text[BORGES_A.text.index("“") : BORGES_A.text.index("\n\nMore")]
    c = cite(BORGES_A, quote)
    a = Answer("What happened?", quote, False, (c,), answer_kind="sentence")
    msg = ui.message_html(0, ui.Turn(a.question, a.question, a))
    assert "<strong>" not in msg and 'class="qa-answer qa-sentence"' in msg
    assert quotes(msg) == [quote]  # said once, as the article's words, then its citation
    assert re.search(r'qa-sentence">.*</span></span> <a class="qa-cite" href="#qa-src-c-0-1"', msg)
    assert "No short answer was sure" in plain(msg)
    from qa.cli import format_answer

    out = format_answer(a)
    assert "A (no short answer was sure; the sentence that answers best):" in out
    assert f"   {' '.join(quote.split())} [1]" in out


def test_message_shows_resolved_question():
    a = borges_answer()
    turn = ui.Turn("What does he say?", "What does Julio Borges say?", a)
    assert "Understood as: What does Julio Borges say?" in plain(ui.message_html(3, turn))
    assert 'href="#qa-src-c-3-1"' in ui.message_html(3, turn)


def test_message_escapes_everything_from_articles_and_answers():
    evil_article = article("e", EVIL + " Zanthia said so.", title=EVIL.splitlines()[0])
    c = cite(evil_article, EVIL)
    a = Answer("<b>q</b>", EVIL, False, (c,), notices=("<i>note</i>",))
    msg = ui.message_html(0, ui.Turn("<b>q</b>", "<b>q</b> resolved", a))
    assert not re.search(r"<(img|script|b>q|i>)", msg)
    assert "onerror=" not in msg.replace("onerror&#61;", "")
    assert "window.__pwned=2" in plain(msg)


def test_abstention_says_so_and_lists_closest_passages():
    p = Passage("b", 0, 6, "Intro.", 0.01, "Iran has a foothold")
    a = Answer("What is the capital of France?", "The corpus does not seem to answer this question.", True, (), (p,))
    msg = ui.message_html(1, ui.Turn(a.question, a.question, a))
    assert "The corpus does not seem to answer this question." in plain(msg)
    assert "Closest passage (it does not answer the question):" in plain(msg) and 'href="#qa-src-p-1-1"' in msg
    assert "Closest passages" not in plain(msg)  # one passage: singular
    assert "qa-src-c-" not in msg and quotes(msg) == ["Intro."]
    two = replace(a, passages=(p, replace(p, doc_id="a", text="Borges explained:")))
    assert "Closest passages (they do not answer the question):" in plain(
        ui.message_html(1, ui.Turn(a.question, a.question, two))
    )


def test_error_turn_shows_the_message():
    msg = ui.message_html(0, ui.Turn("", "", None, "Empty question: ask a question <b>"))
    assert plain(msg) == "Empty question: ask a question <b>"


def test_message_frames_grow_word_by_word_then_full():
    a = Answer("q", "Elena Maria Marquez", False, borges_answer().citations)
    turn = ui.Turn("q", "q", a)
    frames = list(ui.message_frames(0, turn))
    assert [plain(f) for f in frames[:-1]] == ["Elena", "Elena Maria"]
    assert frames[-1] == ui.message_html(0, turn)
    assert [("qa-done" in f) for f in frames] == [False, False, True]


# ---------------------------------------------------------------- the sources panel


def test_source_panel_highlights_the_cited_span():
    a = borges_answer()
    turn = ui.Turn(a.question, a.question, a)
    articles = {"a": BORGES_A, "b": BORGES_B}
    out = ui.source_html(0, turn, "c", 1, articles)
    current = re.findall(r'<mark class="qa-current">(.*?)</mark>', out, re.S)
    assert [html.unescape(m) for m in current][0] == a.citations[0].quote
    assert "Also in [2] Iran has a foothold" in plain(out)  # the near-duplicate, with its own span
    assert plain(out).count(a.citations[1].quote) == 1
    out2 = ui.source_html(0, turn, "c", 2, articles)
    assert '<h3 tabindex="-1">&#91;2&#93; Iran has a foothold</h3>' in out2 and "Fox News, 2021" in plain(out2)
    assert 'href="#qa-msg-0"' in out2 and "Back to the answer" in plain(out2)  # one tap back to the answer
    assert 'class="qa-article" tabindex="0"' in out2  # the scrollable text can be scrolled by keyboard


def test_source_panel_escapes_article_text_and_rejects_bad_urls():
    evil_article = article("e", "Intro. " + EVIL, title="<img src=x onerror=alert(1)>", url="javascript:alert(1)")
    c = cite(evil_article, "Intro.")
    a = Answer("q", "x", False, (c,))
    out = ui.source_html(0, ui.Turn("q", "q", a), "c", 1, {"e": evil_article})
    assert not re.search(r"<(img|script)", out)
    assert "javascript" not in out.replace("javascript&#58;", "")
    assert EVIL in plain(out)


def test_source_panel_when_the_article_changed_shows_the_quote():
    a = borges_answer()
    changed = {"a": article("a", "Completely rewritten."), "b": BORGES_B}
    out = ui.source_html(0, ui.Turn("q", "q", a), "c", 1, changed)
    assert "has changed" in plain(out) and a.citations[0].quote in plain(out)


def test_source_panel_for_passages_and_bad_numbers():
    p = Passage("b", 0, 6, "Intro.", 0.01, "Iran has a foothold")
    a = Answer("q", "no", True, (), (p,))
    turn = ui.Turn("q", "q", a)
    out = ui.source_html(0, turn, "p", 1, {"b": BORGES_B})
    # a closest passage is outlined as such, not highlighted like evidence
    assert "Closest passage" in plain(out) and '<mark class="qa-current qa-near">Intro&#46;</mark>' in out
    assert ui.source_html(0, turn, "p", 7, {"b": BORGES_B}) == ui.sources_placeholder()
    assert ui.source_html(0, ui.Turn("q", "q", None, "err"), "c", 1, {}) == ui.sources_placeholder()


# ---------------------------------------------------------------- corpus panel and uploads


def test_corpus_html_shows_counts_model_and_date():
    out = plain(
        ui.corpus_html({"n_articles": 1234, "n_chunks": 10, "model": "<m>", "built_at": "2026-01-02T03:04:05+0100"})
    )
    assert "1,234" in out and "<m>" in out and "2026-01-02 02:04 UTC" in out
    assert "yesterday" in plain(ui.corpus_html({"built_at": "yesterday"}))


@pytest.mark.parametrize(
    "name, expected",
    [
        ("article.txt", "article.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.md", "win.ini.md"),
        ("/abs/path/news.JSONL", "news.jsonl"),
        (".hidden.txt", "hidden.txt"),
        ("a b<c>;rm -rf.html", "a_b_c_rm_-rf.html"),
        ("ünïcødé naïve.txt", "ünïcødé_naïve.txt"),
        ("u\u0308ber.txt", "\u00fcber.txt"),  # NFC: the combining diaeresis joins its letter
        ("новости 2024.txt", "новости_2024.txt"),
        ("新闻.md", "新闻.md"),
        ("evil\u202etxt.exe.txt", "evil_txt.exe.txt"),  # a direction override is not a letter
        ("x" * 300 + ".txt", "x" * 80 + ".txt"),
    ],
)
def test_upload_names_keep_any_script_and_stay_plain_file_names(name, expected):
    got = uploads.safe_upload_name(name)
    assert re.fullmatch(r"\w[\w.-]*\.(txt|md|json|jsonl|html|htm)", got) and "/" not in got
    assert got == expected and len(got.encode()) < 255


@pytest.mark.parametrize(
    "name", ["evil.exe", "..", "..txt", "", ".", "noext", "a.txt/..", "x.txt\x00.exe", "script.js", "新闻"]
)
def test_safe_upload_name_refuses_other_types(name):
    with pytest.raises(QAError, match="unsupported file type"):
        uploads.safe_upload_name(name)


def test_upload_size_limit():
    uploads.check_upload_size("a.txt", uploads.MAX_UPLOAD_BYTES)
    with pytest.raises(QAError, match="over the 20 MB limit"):
        uploads.check_upload_size("a.txt", uploads.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(QAError, match="empty"):
        uploads.check_upload_size("a.txt", 0)


def incoming(tmp_path: Path, name: str, text: str) -> str:
    """A file as Gradio hands an upload over: in a temporary folder of its own, under the name the browser sent."""
    folder = tmp_path / "gradio" / str(len(list(tmp_path.glob("gradio/*"))))
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def test_save_uploads_stays_inside_the_folder(tmp_path):
    weird = incoming(tmp_path, "..weird name<>.txt", "Some article.\n")
    big = incoming(tmp_path, "big.txt", "")
    with open(big, "wb") as f:
        f.truncate(uploads.MAX_UPLOAD_BYTES + 1)
    empty, tool = incoming(tmp_path, "empty.md", ""), incoming(tmp_path, "tool.exe", "MZ")
    folder = tmp_path / "corpus" / "uploads"
    taken = {"taken": Article("taken", "x", path=str(tmp_path / "corpus" / "taken.txt"))}
    again = incoming(tmp_path, "taken.txt", "Another article with a name already in use.")
    saved, rejected = uploads.save_uploads([weird, big, empty, tool, again], folder, taken)
    assert [p.name for p in saved] == ["weird_name.txt", "taken-2.txt"]
    assert all(p.parent == folder.resolve() for p in saved)
    assert sorted(p.name for p in folder.iterdir()) == ["taken-2.txt", "weird_name.txt"]
    assert len(rejected) == 3 and any("20 MB" in r for r in rejected) and any("empty" in r for r in rejected)
    assert any("unsupported" in r for r in rejected)


def test_an_upload_never_overwrites_a_stored_file(tmp_path):
    folder = tmp_path / "uploads"
    first = uploads.save_uploads([incoming(tmp_path, "news.txt", "First story.")], folder, {})[0]
    second, _ = uploads.save_uploads([incoming(tmp_path, "news.txt", "Second story.")], folder, {})
    assert [p.name for p in first + second] == ["news.txt", "news-2.txt"]
    assert (folder / "news.txt").read_text() == "First story." and (
        folder / "news-2.txt"
    ).read_text() == "Second story."
    same, rejected = uploads.save_uploads([incoming(tmp_path, "news.txt", "First story.")], folder, {})
    assert same == [] and rejected == ["news.txt: this file was already uploaded; nothing changed"]


def test_uploads_named_in_cyrillic_with_the_same_digits_are_both_kept(tmp_path):
    folder = tmp_path / "uploads"
    files = [incoming(tmp_path, "новости 2024.txt", "Story one."), incoming(tmp_path, "погода 2024.txt", "Story two.")]
    saved, rejected = uploads.save_uploads(files, folder, {})
    assert rejected == [] and [p.name for p in saved] == ["новости_2024.txt", "погода_2024.txt"]
    assert [p.read_text() for p in saved] == ["Story one.", "Story two."]


def test_an_upload_cannot_replace_an_article_of_the_index(tmp_path):
    folder = tmp_path / "uploads"
    existing = {"a1": Article("a1", "The original text.")}
    rows = [{"id": "a1", "text": "Replaced text!"}, {"id": "n1", "text": "A new article.", "title": "New"}]
    jsonl = incoming(tmp_path, "feed.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    saved, rejected = uploads.save_uploads([jsonl], folder, existing)
    assert [p.name for p in saved] == ["feed.jsonl"]
    stored = [json.loads(line) for line in saved[0].read_text().splitlines()]
    assert [r["id"] for r in stored] == ["n1"] and stored[0]["title"] == "New"  # only the new article is stored
    assert rejected == [
        "feed.jsonl: 1 article with id 'a1' already in the index; uploads only add articles; to replace or "
        "remove one, run `python -m qa ingest` on the server"
    ]
    only_old = incoming(tmp_path, "old.json", json.dumps({"id": "a1", "text": "Replaced again"}))
    saved, rejected = uploads.save_uploads([only_old], folder, existing)
    assert saved == [] and "'a1' already in the index" in rejected[0]
    assert sorted(p.name for p in folder.iterdir()) == ["feed.jsonl"]


def test_ingest_html_lists_counts_and_problems():
    from qa.index.build import IngestReport
    from qa.ingest.readers import Problem

    report = IngestReport(3, 12, 1, 0, 2, 4, (Problem("/tmp/x/uploads/bad.jsonl", 2, "invalid JSON <x>"),))
    out = uploads.ingest_html(report, ["tool.exe: unsupported file type"], ["a.txt", "b<c>.md"])
    text = plain(out)
    assert "Stored a.txt, b<c>.md" in text
    assert "1 added, 0 updated, 2 unchanged; 4 chunks embedded" in text and "3 articles" in text
    assert "Skipped bad.jsonl, line 2: invalid JSON <x>" in text and "/tmp/x" not in text
    assert "Not added: tool.exe" in text and 'class="qa-error"' in out
    assert 'class="qa-ok"' in uploads.ingest_html(IngestReport(1, 1, 1, 0, 0, 1, ()), [])


def test_chat_messages_escape_the_question():
    from qa.ui.app import chat_messages

    a = borges_answer()
    msgs = chat_messages([ui.Turn("<img src=x onerror=alert(1)> **hi**", "q", a)], last="…")
    assert msgs[0] == {"role": "user", "content": ui.escape("<img src=x onerror=alert(1)> **hi**")}
    assert msgs[1] == {"role": "assistant", "content": "…"}


# ---------------------------------------------------------------- app.py and imports


def test_app_options_default_to_local_and_private():
    args = app.parse_args([])
    assert (args.host, args.port, args.share, args.auth, args.index, args.corpus) == (
        "127.0.0.1",
        7860,
        False,
        None,
        None,
        None,
    )
    args = app.parse_args(["--host", "0.0.0.0", "--port", "8080", "--share", "--auth", "u:p"])
    assert (args.host, args.port, args.share, args.auth) == ("0.0.0.0", 8080, True, "u:p")


def test_app_syncs_the_index_with_corpus_files(tmp_path, capsys):
    from qa.api import build_index, load_index
    from qa.settings import Settings

    rows = [
        {"id": f"n{i}", "title": f"Story {i}", "text": f"Harbor town news number {i}. The mayor spoke."}
        for i in range(3)
    ]
    news = tmp_path / "news.jsonl"
    news.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    index = tmp_path / "index"
    build_index([news], index, Settings(model="hash-64"), progress=False)

    paths, uploads = app.corpus_paths([str(news), str(ROOT / "corpus")], index)
    assert paths == [news.resolve(), (ROOT / "corpus").resolve()] and uploads == tmp_path / "index-uploads"
    app.sync_index(paths[:1], index)  # the same file: nothing re-embedded, the bundled corpus not pulled in
    assert "3 articles in 3 chunks (0 added, 0 updated, 0 chunks embedded)" in capsys.readouterr().out
    uploads.mkdir()
    (uploads / "extra.txt").write_text("Lighthouse keeper retires\n\nThe keeper left after forty years.")
    paths, _ = app.corpus_paths([str(news)], index)
    assert paths == [news.resolve(), uploads]  # uploads stay part of the corpus after a restart
    app.sync_index(paths, index)
    assert sorted(load_index(index).articles) == ["extra", "n0", "n1", "n2"]
    assert app.corpus_paths([str(tmp_path)], index) == ([tmp_path], tmp_path / "uploads")
    with pytest.raises(SystemExit, match="does not exist"):
        app.sync_index([tmp_path / "missing.jsonl"], index)


def test_parse_auth():
    assert app.parse_auth(None) is None and app.parse_auth("") is None
    assert app.parse_auth("reader:s3cret:with:colons") == ("reader", "s3cret:with:colons")
    for bad in ("nopassword", ":pw", "user:"):
        with pytest.raises(SystemExit, match="user:password"):
            app.parse_auth(bad)


def test_ui_modules_import_nothing_heavy():
    code = (
        "import sys, qa.ui.html, qa.ui.app; heavy = {'gradio', 'torch', 'faiss', 'spacy', 'sentence_transformers'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_answer_turn_passes_the_previous_answer_and_reports_errors(monkeypatch, tmp_path):
    import qa.api
    from qa.ui.app import answer_turn

    asked = []

    def fake_ask(question, index_dir, previous=None):
        asked.append((question, previous))
        if "boom" in question:
            raise RuntimeError("bug")
        if not question.strip("? "):
            raise QAError("Empty question")
        return Answer(question, "cash", False, answer_type="thing", resolved_question="What does Julio Borges say?")

    monkeypatch.setattr(qa.api, "ask", fake_ask)
    first = ui.Turn("Who?", "Who?", borges_answer())
    t = answer_turn("What does he say?", [first], tmp_path)
    assert asked[-1] == ("What does he say?", first.answer) and t.answer.answer == "cash"
    assert t.question == "What does he say?" and t.resolved == "What does Julio Borges say?"
    assert answer_turn("?", [], tmp_path).error == "Empty question"
    failed = answer_turn("boom", [], tmp_path)
    assert failed.answer is None and "answering failed (RuntimeError)" in failed.error


def test_chats_stream_together_but_questions_are_answered_one_at_a_time(monkeypatch, tmp_path):
    import threading

    import qa.api
    import qa.ui.app
    from qa.api import build_index
    from qa.settings import Settings

    build_index([ROOT / "corpus"], tmp_path / "index", Settings(model="hash-64"), progress=False)
    demo = qa.ui.app.build_app(tmp_path / "index", tmp_path / "uploads")
    chat_fns = [f for f in demo.fns.values() if f.name in ("respond", "ask_example")]
    assert len(chat_fns) == 5 and {(f.concurrency_limit, f.concurrency_id) for f in chat_fns} == {
        (qa.ui.app.CHAT_STREAMS, "chat")
    }
    busy, most, lock = [0], [0], threading.Lock()

    def slow_ask(question, index_dir, previous=None):
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        threading.Event().wait(0.05)  # long enough for the other chats to arrive
        with lock:
            busy[0] -= 1
        return Answer(question, "Julio Borges", False, answer_type="person")

    monkeypatch.setattr(qa.api, "ask", slow_ask)
    monkeypatch.setattr(qa.ui.app, "STREAM_DELAY", 0)
    finals = []

    def chat(i: int):
        *_, last = chat_fns[0].fn(f"Who described it ({i})?", [])
        finals.append(last[1][-1].answer.answer)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert finals == ["Julio Borges"] * 6 and most[0] == qa.ui.app.MODEL_WORKERS == 1


def hash_index(tmp_path: Path) -> Path:
    from qa.api import build_index
    from qa.settings import Settings

    build_index([ROOT / "corpus"], tmp_path / "index", Settings(model="hash-64"), progress=False)
    return tmp_path / "index"


@pytest.mark.parametrize(
    "data",
    [
        None,
        "c-0-1",
        [],
        {"kind": "c", "turn": 0, "n": "abc"},
        {"kind": "c", "turn": 0, "n": 1.5},
        {"kind": "c", "turn": "0", "n": 1},
        {"kind": "x", "turn": 0, "n": 1},
        {"kind": "c", "turn": True, "n": 1},
        {"kind": "c", "turn": 0},
    ],
)
def test_the_source_event_ignores_values_that_are_not_a_citation(data, tmp_path):
    import gradio as gr

    from qa.ui.app import Page, source_request

    assert source_request(data) is None
    page = Page(hash_index(tmp_path), None)
    assert page.show_source([ui.Turn("q", "q", borges_answer())], data) == gr.skip()  # the panel stays as it is


def test_the_source_event_shows_a_citation_of_this_chat(tmp_path):
    from qa.ui.app import Page, source_request

    assert source_request({"kind": "c", "turn": 0, "n": 1}) == ("c", 0, 1)
    page = Page(hash_index(tmp_path), None)
    turn = ui.Turn("q", "q", borges_answer())
    assert "qa-panel" in page.show_source([turn], {"kind": "c", "turn": 0, "n": 1})
    assert page.show_source([turn], {"kind": "c", "turn": 5, "n": 1}) == page.show_source([turn], None)


def test_no_uploads_means_no_upload_widget_and_the_event_refuses(tmp_path):
    import qa.ui.app

    index = hash_index(tmp_path)
    demo = qa.ui.app.build_app(index, None)
    assert not [b for b in demo.blocks.values() if type(b).__name__ == "File"]
    assert "add_files" not in {f.name for f in demo.fns.values()}
    page = qa.ui.app.Page(index, None)
    gone = incoming(tmp_path, "new.txt", "A new article.")
    status, *_ = page.add_files([gone])
    assert "Uploads are turned off" in plain(status) and not (tmp_path / "uploads").exists()
    with_uploads = qa.ui.app.build_app(index, tmp_path / "uploads")
    assert [b for b in with_uploads.blocks.values() if type(b).__name__ == "File"]


def test_clear_cancels_an_answer_still_streaming(tmp_path):
    """Otherwise the streaming answer puts the cleared turns back, and the next question is read as a
    follow-up of the chat that was cleared."""
    import qa.ui.app

    demo = qa.ui.app.build_app(hash_index(tmp_path), None)
    deps = demo.get_config_file()["dependencies"]
    chats = {d["id"] for d in deps if demo.fns[d["id"]].name in ("respond", "ask_example")}
    assert len(chats) == 2 + len(ui.EXAMPLES)  # Enter, the Ask button and each example, each one event
    clear_targets = {tuple(t) for d in deps if demo.fns[d["id"]].name == "clear" for t in d["targets"]}
    assert len(clear_targets) == 2  # the Clear button and the chat's own clear icon
    for target in clear_targets:
        on_target = [d for d in deps if target in map(tuple, d["targets"])]  # in the order the browser runs them
        cancelling = [i for i, d in enumerate(on_target) if set(d["cancels"]) == chats]
        cleared_at = next(i for i, d in enumerate(on_target) if demo.fns[d["id"]].name == "clear")
        # the browser runs them in turn, each once the one before has answered: the cancel must not wait for the
        # server's clear, or it cancels a question asked meanwhile (tests/test_browser.py shows it)
        assert cancelling and cancelling[0] < cleared_at, target
    assert qa.ui.app.Page(hash_index(tmp_path), None).clear()[1] == []  # the turns the next question uses


def test_an_answer_asked_before_a_clear_never_reaches_the_cleared_chat(tmp_path):
    """Even when Gradio's cancel misses it (its request still on its way, or its frames already sent: on a
    busy machine the whole answer came back into the cleared chat)."""
    import gradio as gr

    import qa.ui.app

    page = qa.ui.app.Page(hash_index(tmp_path), None)
    question = "Who described the 'Club of Other'?"
    clears = qa.ui.app.Clears()
    frames = list(page.respond(question, [], asked_at=0, clears=clears))
    assert len(frames[-1][1]) == 1 and "Club of Other" in frames[-1][0][0]["content"]  # no clear: answered
    assert page.clear(clears) == ([], [], ui.sources_placeholder(), "") and clears.count == 1
    # asked when the page had counted no clear, reaching the server after the Clear: nothing is shown
    assert list(page.respond(question, [], asked_at=0, clears=clears)) == [(gr.skip(),) * 4]
    # asked after a second Clear whose request has not reached the server yet: answered
    assert len(list(page.respond(question, [], asked_at=2, clears=clears))[-1][1]) == 1
    # cleared while the answer is being written: the frames stop and the chat is cleared again
    stream = page.respond(question, [], asked_at=1, clears=clears)
    first = next(stream)
    assert first[0][-1]["content"] == ui.SEARCHING
    page.clear(clears)
    assert list(stream) == [([], [], ui.sources_placeholder(), gr.skip())]
    # a question asked after the Clear is answered
    assert len(list(page.respond(question, [], asked_at=2, clears=clears))[-1][1]) == 1
    # the Clear button and the chat's clear icon each count the clear in the browser at the click
    deps = qa.ui.app.build_app(hash_index(tmp_path / "app"), None).get_config_file()["dependencies"]
    counted = [d for d in deps if d.get("js") and "+ 1" in d["js"]]
    assert len(counted) == 2 and all(d["backend_fn"] is False for d in counted)


# ---------------------------------------------------------------- login throttling


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def login_attempt(throttle, password: str, client: str = "10.0.0.1") -> int:
    """POST /login through the throttle to a stand-in for Gradio's route (200 for "right", else 400)."""
    import asyncio

    async def route(scope, receive, send):
        body = (await receive())["body"]
        await send({"type": "http.response.start", "status": 200 if body == b"right" else 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    throttle.app = route
    sent = []

    async def receive():
        return {"type": "http.request", "body": password.encode(), "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/login/", "client": (client, 5000)}
    asyncio.run(throttle(scope, receive, send))
    return sent[0]["status"]


def test_repeated_wrong_passwords_from_one_client_must_wait_longer_and_longer():
    from qa.ui.throttle import MAX_DELAY, LoginThrottle

    clock = Clock()
    t = LoginThrottle(None, free=3, first_delay=1.0, clock=clock)
    assert [login_attempt(t, "wrong") for _ in range(3)] == [400, 400, 400]  # a few mistakes cost nothing
    assert login_attempt(t, "right") == 429  # now it must wait, and the password is not even checked
    assert login_attempt(t, "wrong", client="10.0.0.2") == 400  # another client is not held up
    waits = []
    for _ in range(8):
        waits.append(t.wait("10.0.0.1"))
        clock.now += waits[-1]
        assert login_attempt(t, "wrong") == 400
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, MAX_DELAY, MAX_DELAY]
    clock.now += MAX_DELAY
    assert login_attempt(t, "right") == 200 and t.wait("10.0.0.1") == 0  # a success starts afresh


def test_the_throttle_looks_only_at_logins():
    from qa.ui.throttle import LoginThrottle

    t = LoginThrottle(None, free=1, clock=Clock())
    login_attempt(t, "wrong")
    assert t.wait("10.0.0.1") > 0
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["path"])

    t.app = app
    import asyncio

    asyncio.run(t({"type": "http", "method": "GET", "path": "/config", "client": ("10.0.0.1", 1)}, None, None))
    assert seen == ["/config"]


# ---------------------------------------------------------------- the README's pictures of the evaluation


def test_eval_plots_writes_the_reports_plots_as_png_files(tmp_path):
    from bench.eval_plots import main
    from qa.evaluate.summary import CURVE_KS

    records = [
        {"curve": {"hit": [min(1.0, k / 3) for k in CURVE_KS], "recall": [k / 10 for k in CURVE_KS]}, "latency_ms": ms}
        for ms in (60.0, 75.0, 90.0)
    ]
    result = tmp_path / "eval.json"
    result.write_text(json.dumps({"questions": records, "latency_p50_ms": 75.0, "latency_p95_ms": 88.5}))
    assert main([str(result), "--out", str(tmp_path / "images"), "--name", "seed"]) == 0
    written = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert written == ["seed-latency.png", "seed-retrieval.png"]
    for name in written:
        assert (tmp_path / "images" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
