"""Fast, offline tests of the web chat's pure parts (qa/ui/html.py), the upload saving and app.py's options.
No model, no Gradio server: the browser tests in test_browser.py drive the real page."""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.citations import citation_groups, same_words
from qa.errors import QAError
from qa.records import Answer, Article, Citation, Passage
from qa.ui import html as ui

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
    assert "also in [2] Iran has a foothold (foxnews, 2021-03-01)" in text
    assert "Understood as" not in text


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
    assert "Closest passages" in plain(msg) and 'href="#qa-src-p-1-1"' in msg
    assert "qa-src-c-" not in msg


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
    assert "<h3>&#91;2&#93; Iran has a foothold</h3>" in out2 and "foxnews, 2021" in plain(out2)


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
    assert "Closest passage" in plain(out) and '<mark class="qa-current">Intro&#46;</mark>' in out
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
        ("ünïcødé naïve.txt", "unic_de_naive.txt"),
        ("x" * 300 + ".txt", "x" * 80 + ".txt"),
    ],
)
def test_safe_upload_name(name, expected):
    got = ui.safe_upload_name(name)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(txt|md|json|jsonl|html|htm)", got)
    assert got == expected


@pytest.mark.parametrize(
    "name", ["evil.exe", "..", "..txt", "", ".", "noext", "a.txt/..", "x.txt\x00.exe", "script.js"]
)
def test_safe_upload_name_refuses_other_types(name):
    with pytest.raises(QAError, match="unsupported file type"):
        ui.safe_upload_name(name)


def test_upload_size_limit():
    ui.check_upload_size("a.txt", ui.MAX_UPLOAD_BYTES)
    with pytest.raises(QAError, match="over the 20 MB limit"):
        ui.check_upload_size("a.txt", ui.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(QAError, match="empty"):
        ui.check_upload_size("a.txt", 0)


def test_save_uploads_stays_inside_the_folder(tmp_path):
    from qa.ui.app import save_uploads

    incoming = tmp_path / "gradio" / "..weird name<>.txt"
    incoming.parent.mkdir()
    incoming.write_text("Some article.\n")
    big = tmp_path / "gradio" / "big.txt"
    with open(big, "wb") as f:
        f.truncate(ui.MAX_UPLOAD_BYTES + 1)
    (tmp_path / "gradio" / "empty.md").write_text("")
    (tmp_path / "gradio" / "tool.exe").write_text("MZ")
    folder = tmp_path / "corpus" / "uploads"
    taken = {"taken": Article("taken", "x", path=str(tmp_path / "corpus" / "taken.txt"))}
    (tmp_path / "gradio" / "taken.txt").write_text("Another article with a name already in use.")
    saved, rejected = save_uploads(
        [
            str(incoming),
            str(big),
            str(tmp_path / "gradio" / "empty.md"),
            str(tmp_path / "gradio" / "tool.exe"),
            str(tmp_path / "gradio" / "taken.txt"),
        ],
        folder,
        taken,
    )
    assert [p.name for p in saved] == ["weird_name.txt", "taken-2.txt"]
    assert all(p.parent == folder.resolve() for p in saved)
    assert sorted(p.name for p in folder.iterdir()) == ["taken-2.txt", "weird_name.txt"]
    assert len(rejected) == 3 and any("20 MB" in r for r in rejected) and any("empty" in r for r in rejected)
    assert any("unsupported" in r for r in rejected)


def test_ingest_html_lists_counts_and_problems():
    from qa.index.build import IngestReport
    from qa.ingest.readers import Problem

    report = IngestReport(3, 12, 1, 0, 2, 4, (Problem("/tmp/x/uploads/bad.jsonl", 2, "invalid JSON <x>"),))
    out = ui.ingest_html(report, ["tool.exe: unsupported file type"], ["a.txt", "b<c>.md"])
    text = plain(out)
    assert "Stored a.txt, b<c>.md" in text
    assert "1 added, 0 updated, 2 unchanged; 4 chunks embedded" in text and "3 articles" in text
    assert "Skipped bad.jsonl, line 2: invalid JSON <x>" in text and "/tmp/x" not in text
    assert "Not added: tool.exe" in text and 'class="qa-error"' in out
    assert 'class="qa-ok"' in ui.ingest_html(IngestReport(1, 1, 1, 0, 0, 1, ()), [])


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
    chat_fns = [f for f in demo.fns.values() if f.name.startswith("respond")]
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
