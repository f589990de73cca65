"""End-to-end tests of the web chat in Debian's Chromium through Playwright.

One `python app.py` process serves the whole module, with login required, a temporary copy of the
corpus and a temporary index (the repository's index/ is never touched); the real model answers.
Screenshots of each step go to tests/artifacts/."""

import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.server import running_app

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
USER, PASSWORD = "reader", "s3cret:pass"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ANSWER_TIMEOUT = 60_000  # ms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium "
        "(apt-get install chromium); Playwright cannot download its own browser here",
    ),
]

LIGHTHOUSE = """Harbor Town opens lighthouse museum

The new lighthouse museum in Harbor Town was opened on Tuesday by mayor Elena Marquez, who said the restored tower would welcome ten thousand visitors a year.

"This lighthouse guided fishermen home for a century, and now it will teach our children about the sea," Marquez said at the ribbon-cutting ceremony.
"""

EVIL = """Quokka festival <img src=y onerror="window.__pwned=5"> draws crowds

<script>window.__pwned=1</script>
<img src=x onerror="window.__pwned=2">
The quokka festival in Perth was organised by Zanthia Qorvel, a wildlife ranger, who said the event raised money for island conservation.
[click me](javascript:window.__pwned=3) **not bold** $$x^2$$ ${window.__pwned=4} {{constructor}} `code`
"""


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 150) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app.py exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"app.py did not answer at {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a free port, with its own corpus copy and index. Yields (url, corpus folder)."""
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
    )
    tmp = tmp_path_factory.mktemp("app")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    log = tmp / "app.log"
    repo_index = ROOT / "index" / "manifest.json"
    stamp = repo_index.stat().st_mtime if repo_index.exists() else None
    with running_app(tmp / "index", [corpus], log, "--auth", f"{USER}:{PASSWORD}") as app:
        url = app.url + "/"
        wait_until_up(url, app.proc, log)
        yield url, corpus
    assert (repo_index.stat().st_mtime if repo_index.exists() else None) == stamp  # index/ untouched


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def login(page, url: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.get_by_test_id("textbox").fill(USER)
    page.get_by_test_id("password").fill(password)
    page.get_by_role("button", name="Login").click()


@pytest.fixture(scope="module")
def session(browser, server):
    """A logged-in page shared by the tests below; records every request leaving 127.0.0.1."""
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else page.outside.append(r.url),
    )
    login(page, url)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page, question: str) -> None:
    """Type a question, press Enter, and wait until its full answer (with sources) is in the chat."""
    n = page.locator("#qa-chat [data-testid=bot]").count()
    page.fill("#qa-question textarea", question)
    page.press("#qa-question textarea", "Enter")
    wait_for_answer(page, n)


def wait_for_answer(page, n_before: int) -> None:
    page.wait_for_function(
        """n => { const bots = document.querySelectorAll('#qa-chat [data-testid=bot]');
                  if (bots.length <= n) return false;
                  const last = bots[bots.length - 1];
                  return !!last.querySelector('.qa-done'); }""",
        arg=n_before,
        timeout=ANSWER_TIMEOUT,
    )
    page.wait_for_timeout(300)  # let the sources panel's update land


RECORD_FRAMES = """() => {
  window.__frames = [];
  const chat = document.querySelector('#qa-chat');
  const note = () => { const bots = chat.querySelectorAll('[data-testid=bot]');
    const t = bots.length ? bots[bots.length - 1].innerText.trim() : '';
    if (t && window.__frames[window.__frames.length - 1] !== t) window.__frames.push(t); };
  new MutationObserver(note).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


def last_answer(page):
    return page.locator("#qa-chat [data-testid=bot]").last


def clear(page) -> None:
    page.click("#qa-clear")
    page.wait_for_function("() => document.querySelectorAll('#qa-chat [data-testid=bot]').length === 0")


def test_the_api_needs_a_login_too(server):
    url, _ = server
    for path in ("config", "gradio_api/info"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + path, timeout=10)
        assert e.value.code == 401, path


def test_login_refuses_a_wrong_password_then_accepts_the_right_one(browser, server):
    url, _ = server
    context = browser.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    login(page, url, password="wrong")
    page.get_by_text(re.compile("incorrect credentials", re.I)).wait_for(timeout=15_000)
    assert page.locator("#qa-question").count() == 0
    shot(page, "01-login-refused")
    login(page, url)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    shot(page, "02-logged-in")
    context.close()


def test_example_question_streams_a_cited_answer_with_highlighted_source(session):
    page = session
    clear(page)
    n = page.locator("#qa-chat [data-testid=bot]").count()
    page.evaluate(RECORD_FRAMES)
    page.get_by_role("button", name="Who described the 'Club of Other'?").click()
    wait_for_answer(page, n)
    frames = page.evaluate("() => window.__frames")
    assert frames[0].startswith("Searching the articles")  # the answer streams in ...
    assert any(f.startswith("Julio") and "[1]" not in f for f in frames)  # ... word by word
    answer = last_answer(page)
    text = answer.inner_text()
    assert "Borges" in answer.locator(".qa-answer").inner_text()
    assert re.search(r"Julio Borges\s*\[1\]\s*\[2\]", text)
    assert "also in" in text  # the two articles quote the same words
    assert "reported by 2 sources" in text  # one story told twice (issue 7)
    assert answer.locator("a.qa-cite", has_text="[1]").count() >= 1
    # the finished answer is shown at full strength, not greyed out (Gradio dims bot messages by default)
    assert (
        answer.locator(".qa-answer").evaluate("""e => { let o = 1;
        for (; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; }""")
        == 1
    )
    mark = page.locator("#qa-sources mark.qa-current").first
    mark.wait_for()
    assert "UAE provides cash" in mark.inner_text()
    assert page.locator("#qa-sources h3").first.inner_text().startswith("[1]")
    # the highlighted span was scrolled into view inside the article box
    assert page.evaluate("""() => { const m = document.querySelector('#qa-sources mark.qa-current');
        const box = m.closest('.qa-article'); const a = m.getBoundingClientRect(), b = box.getBoundingClientRect();
        return box.scrollTop > 0 && a.top >= b.top - 1 && a.top < b.bottom; }""")
    shot(page, "03-answer-with-source")

    answer.locator("a.qa-cite", has_text="[2]").first.click()
    page.wait_for_function("() => document.querySelector('#qa-sources h3')?.innerText.startsWith('[2]')")
    assert "foxnews" in page.locator("#qa-sources .qa-meta").nth(1).inner_text()
    assert "said Borges" in page.locator("#qa-sources mark.qa-current").first.inner_text()
    shot(page, "04-second-source")


def test_followup_is_resolved_against_the_previous_answer(session):
    page = session
    clear(page)
    ask(page, "Who described the 'Club of Other'?")
    ask(page, "What does he say the UAE provides?")
    answer = last_answer(page)
    assert "Understood as: What does Julio Borges say the UAE provides?" in answer.inner_text()
    assert "cash" in answer.locator(".qa-answer").inner_text()
    assert "cash" in page.locator("#qa-sources mark.qa-current").first.inner_text()
    shot(page, "05-followup")


def test_abstention_says_so_and_shows_the_closest_passages(session):
    page = session
    ask(page, "What is the capital of France?")
    answer = last_answer(page)
    assert "does not" in answer.locator(".qa-abstain").inner_text()
    assert "Closest passages" in answer.inner_text()
    assert "Closest passage" in page.locator("#qa-sources").inner_text()
    shot(page, "06-abstention")


def upload(page, files, stored_name: str | re.Pattern) -> str:
    """Upload through the page's file input; waits for the report naming the stored file."""
    page.locator("#qa-upload input[type=file]").set_input_files(files)
    status = page.locator("#qa-upload-status")
    pattern = stored_name if isinstance(stored_name, re.Pattern) else re.compile(re.escape(stored_name))
    status.get_by_text(re.compile("Stored " + pattern.pattern)).wait_for(timeout=ANSWER_TIMEOUT)
    return status.inner_text()


def test_upload_adds_an_article_that_can_then_be_asked_about(session, server, tmp_path):
    page = session
    _, corpus = server
    before = int(page.locator("#qa-stats td").first.inner_text().replace(",", ""))
    src = tmp_path / "harbor town lighthouse.txt"
    src.write_text(LIGHTHOUSE)
    report = upload(page, str(src), "harbor_town_lighthouse.txt")
    assert "1 added" in report, report
    page.wait_for_function(f"() => document.querySelector('#qa-stats td')?.innerText === '{before + 1}'")
    assert (corpus / "uploads" / "harbor_town_lighthouse.txt").read_text() == LIGHTHOUSE
    shot(page, "07-uploaded")
    clear(page)
    ask(page, "Who opened the lighthouse museum in Harbor Town?")
    assert "Elena Marquez" in last_answer(page).locator(".qa-answer").inner_text()
    assert "Harbor Town opens lighthouse museum" in page.locator("#qa-sources h3").first.inner_text()
    shot(page, "08-answer-from-upload")


def test_upload_refuses_unsupported_files(session, tmp_path):
    page = session
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00")
    page.locator("#qa-upload input[type=file]").set_input_files(str(bad))
    page.wait_for_timeout(1500)
    status = page.locator("#qa-upload-status").inner_text()
    toast = page.locator(".toast-body").all_inner_texts()
    assert "unsupported" in status.lower() or any("invalid file type" in t.lower() for t in toast), (status, toast)
    shot(page, "09-upload-refused")


def test_article_markup_is_shown_as_text_and_never_runs(session, server, tmp_path):
    page = session
    _, corpus = server
    report = upload(
        page,
        [{"name": "../../evil<script>.txt", "mimeType": "text/plain", "buffer": EVIL.encode()}],
        re.compile(r"evil_?script\.txt"),
    )  # Gradio drops the '<>', the app the '../../'
    assert "1 added" in report, report
    stored = [p for p in (corpus / "uploads").iterdir() if p.name.startswith("evil")]
    assert len(stored) == 1 and stored[0].read_text() == EVIL
    assert not list(corpus.parent.glob("evil*")) and not list(corpus.glob("evil*"))
    clear(page)
    ask(page, '<b>Who</b> organised the quokka festival in Perth? <img src=z onerror="window.__pwned=7">')
    answer = last_answer(page)
    assert "Zanthia Qorvel" in answer.locator(".qa-answer").inner_text()
    panel = page.locator("#qa-sources")
    text = panel.inner_text()
    assert "<script>window.__pwned=1</script>" in text
    assert '<img src=x onerror="window.__pwned=2">' in text
    assert "[click me](javascript:window.__pwned=3) **not bold** $$x^2$$ ${window.__pwned=4} {{constructor}}" in text
    assert 'Quokka festival <img src=y onerror="window.__pwned=5"> draws crowds' in answer.inner_text()
    assert "<b>Who</b>" in page.locator("#qa-chat [data-testid=user]").last.inner_text()
    for link in page.locator("#qa-sources a").all():  # only our own citation links, nothing from the article
        assert link.get_attribute("href", timeout=1000).startswith("#qa-src-")
    assert page.locator("#qa-chat img, #qa-sources img, #qa-chat script, #qa-sources script").count() == 0
    page.wait_for_timeout(500)  # give any injected handler the chance to run
    assert page.evaluate("() => window.__pwned") is None
    shot(page, "10-markup-shown-literally")


def test_date_filter_in_the_chat(session):
    page = session
    clear(page)
    page.click("#qa-filters button")  # open the accordion
    since = page.locator("#qa-since textarea, #qa-since input").first
    since.fill("2030-01-01")
    ask(page, "Who described the 'Club of Other'?")
    text = last_answer(page).inner_text()
    assert "No article in the index is published on or after 2030-01-01" in text
    assert "with no known date were left out by the date filter" in text
    shot(page, "11-date-filter")
    since.fill("")
    ask(page, "Who described the 'Club of Other'?")
    assert "Borges" in last_answer(page).locator(".qa-answer").inner_text()


def test_phone_sized_window(browser, server, session):
    url, _ = server
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        storage_state=session.context.storage_state(),
    )
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    ask(page, "Who described the 'Club of Other'?")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    chat, panel = page.locator("#qa-chat").bounding_box(), page.locator("#qa-sources").bounding_box()
    assert panel["y"] >= chat["y"] + chat["height"] - 1  # the sources panel stacks below the chat
    last_answer(page).locator("a.qa-cite", has_text="[2]").first.tap()
    page.wait_for_function("() => document.querySelector('#qa-sources h3')?.innerText.startsWith('[2]')")
    page.screenshot(path=str(ARTIFACTS / "12-phone.png"), full_page=False)
    shot(page, "13-phone-full")
    context.close()


def test_no_request_left_the_machine(session):
    assert session.outside == []
