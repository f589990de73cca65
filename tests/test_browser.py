"""End-to-end tests of the web chat in Debian's Chromium through Playwright.

One `python app.py` process serves the whole module, with login required, a temporary copy of the
corpus and a temporary index (the repository's index/ is never touched); the real model answers.
Screenshots of each step go to tests/artifacts/."""

import json
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
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
README_IMAGES = ROOT / "docs" / "images"

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


def readme_image(page, name: str) -> None:
    """The window as a small PNG (256 colours) in docs/images/ for the README, written only when it looks
    different from the one there (so a test run leaves the committed picture alone when the page is the same)."""
    import io

    from PIL import Image, ImageChops

    shot = Image.open(io.BytesIO(page.screenshot(animations="disabled"))).convert("RGB")
    if shot.width > page.viewport_size["width"]:  # a phone's 2x pixels: CSS pixels are plenty for the README
        shot = shot.resize((shot.width // 2, shot.height // 2), Image.LANCZOS)
    small = shot.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = README_IMAGES / name
    if path.exists():
        old = Image.open(path).convert("RGB")
        if old.size == small.size and ImageChops.difference(old, small.convert("RGB")).getbbox() is None:
            return
    README_IMAGES.mkdir(parents=True, exist_ok=True)
    small.save(path, optimize=True)
    assert path.stat().st_size < 200_000, f"{path} is {path.stat().st_size:,} bytes"


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
    assert text.count("Told by 2 articles") == 1  # one story told twice, said once (issues 7, 15)
    assert "Fox News" in text and "foxnews" not in text  # the outlet by its name, once
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
    assert "Fox News" in page.locator("#qa-sources .qa-meta").nth(1).inner_text()
    assert "said Borges" in page.locator("#qa-sources mark.qa-current").first.inner_text()
    shot(page, "04-second-source")


def test_followup_is_resolved_against_the_previous_answer(session):
    page = session
    clear(page)
    ask(page, "Who described the 'Club of Other'?")
    ask(page, "What does he say the UAE provides?")
    answer = last_answer(page)
    assert "Understood as: What does Julio Borges say the UAE provides?" in answer.inner_text()
    # The resolved question is answered from the quote that holds the answer. (Which object of "provides"
    # in that sentence the scorer picks, "cash" or Iran's "gasoline and additives", is a near tie; the
    # answer itself is tested through the API on seed-05, tests/test_answering.py.)
    assert answer.locator(".qa-answer").inner_text().strip()
    assert "the UAE provides cash" in page.locator("#qa-sources mark.qa-current").first.inner_text()
    shot(page, "05-followup")


def test_abstention_says_so_and_shows_the_closest_passages(session):
    page = session
    ask(page, "What is the capital of France?")
    answer = last_answer(page)
    assert "does not" in answer.locator(".qa-abstain").inner_text()
    n = answer.locator("a.qa-cite").count()
    assert n >= 1 and ("Closest passage (it" if n == 1 else "Closest passages (they") in answer.inner_text()
    assert "Closest passage" in page.locator("#qa-sources").inner_text()
    # the passage is outlined as the closest text, not highlighted as evidence
    mark = page.locator("#qa-sources mark.qa-current").first
    assert "qa-near" in mark.get_attribute("class")
    assert mark.evaluate("m => getComputedStyle(m).backgroundColor") == "rgb(229, 231, 235)"  # grey, not yellow
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


def test_uploads_keep_unicode_names_and_never_replace_an_article(session, server, tmp_path):
    page, (_, corpus) = session, server
    ferry, storm = tmp_path / "новости 2024.txt", tmp_path / "погода 2024.txt"
    ferry.write_text("Ferry strike ends in Portwell\n\nThe ferry workers of Portwell voted to return on Monday.\n")
    storm.write_text("Storm closes Portwell harbour\n\nA storm closed the harbour of Portwell on Sunday.\n")
    report = upload(page, [str(ferry), str(storm)], "новости_2024.txt, погода_2024.txt")
    assert "2 added" in report, report
    assert in_view(page, "#qa-upload-status")  # the result is on the screen, not below the fold
    assert (corpus / "uploads" / "новости_2024.txt").read_text() == ferry.read_text()
    assert (corpus / "uploads" / "погода_2024.txt").read_text() == storm.read_text()
    replace = tmp_path / "replace.json"
    replace.write_text(json.dumps({"id": "001_cafc69e03f85d0ea", "text": "Replaced by anyone who can reach the page."}))
    page.locator("#qa-upload input[type=file]").set_input_files(str(replace))
    status = page.locator("#qa-upload-status")
    status.get_by_text(re.compile("already in the index")).wait_for(timeout=ANSWER_TIMEOUT)
    assert "updated" not in status.inner_text() and "python -m qa ingest" in status.inner_text()
    assert not list((corpus / "uploads").glob("replace*"))
    clear(page)
    ask(page, "Who described the 'Club of Other'?")
    assert "Borges" in last_answer(page).locator(".qa-answer").inner_text()  # the article is as it was
    shot(page, "14-upload-refused-replace")


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
        assert link.get_attribute("href", timeout=1000).startswith(("#qa-src-", "#qa-msg-"))
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


def open_page(browser, server, session, viewport=DESKTOP, **options):
    """A new tab of the logged-in session at `viewport`, with the page loaded and settled."""
    url, _ = server
    context = browser.new_context(viewport=viewport, storage_state=session.context.storage_state(), **options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    settle(page)
    return context, page


def phone_page(browser, server, session):
    return open_page(browser, server, session, PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)


def in_view(page, selector: str) -> bool:
    """True when the top of the last shown element matching `selector` is on the screen."""
    return page.evaluate(
        """s => { const shown = [...document.querySelectorAll(s)].filter(e => e.getClientRects().length);
        const r = shown[shown.length - 1].getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight - 20; }""",
        selector,
    )


def test_phone_shows_a_new_answer_from_its_start_and_its_sources_one_tap_away(browser, server, session):
    context, page = phone_page(browser, server, session)
    ask(page, "Who described the 'Club of Other'?")
    ask(page, "Who is the executive director of Iranian Americans for Liberty?")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scroll
    chat, panel = page.locator("#qa-chat").bounding_box(), page.locator("#qa-sources").bounding_box()
    assert panel["y"] >= chat["y"] + chat["height"] - 1  # the sources panel stacks below the chat
    # the newest question sits at the top of the chat, so the answer is read from its start
    question = page.locator("#qa-chat [data-testid=user]").last.bounding_box()
    assert chat["y"] <= question["y"] <= chat["y"] + 60, (chat, question)
    assert in_view(page, "#qa-chat [data-testid=user]") and in_view(page, "#qa-chat .qa-answer")
    # nothing covers the text: Gradio's scroll-down arrow is not shown
    assert page.locator("#qa-chat .scroll-down-button-container:visible").count() == 0
    page.screenshot(path=str(ARTIFACTS / "12-phone.png"), full_page=False)
    readme_image(page, "phone.png")
    last_answer(page).locator("a.qa-cite", has_text="[1]").first.tap()  # one tap to the source ...
    page.wait_for_function("() => document.querySelector('#qa-sources h3')?.innerText.startsWith('[1]')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "13-phone-source.png"))
    assert in_view(page, "#qa-sources .qa-panel") and in_view(page, "#qa-sources div.qa-source mark.qa-current")
    page.locator("#qa-sources a.qa-back").tap()  # ... and one tap back to the answer
    page.wait_for_timeout(300)
    assert in_view(page, "#qa-chat .qa-msg.qa-turn-1")
    assert page.evaluate("() => !!document.activeElement.closest('.qa-msg.qa-turn-1')")
    context.close()


# ---------------------------------------------------------------- quotes, accessibility, keyboard


def corpus_texts(corpus: Path) -> list[str]:
    from qa.ingest.readers import read_paths

    return [a.text for a in read_paths([corpus]).articles]


def test_every_quote_in_the_chat_and_the_sources_panel_is_the_articles_words(session, server):
    page, (_, corpus) = session, server
    clear(page)
    ask(page, "Who described the 'Club of Other'?")
    ask(page, "What does he say the UAE provides?")
    ask(page, "What is the capital of France?")
    texts = corpus_texts(corpus)
    quotes = page.eval_on_selector_all("#qa-chat .qa-quote, #qa-sources mark", "es => es.map(e => e.textContent)")
    assert len(quotes) >= 4
    for q in quotes:
        assert any(q in t for t in texts), q
    for a in page.locator("#qa-sources a.qa-cite").all():  # every citation's highlight, one after another
        a.click()
        page.wait_for_timeout(400)
        for box in page.eval_on_selector_all("#qa-sources .qa-article", "es => es.map(e => e.textContent)"):
            assert box in texts  # the panel shows the article's text, unchanged
        for q in page.eval_on_selector_all("#qa-sources mark", "es => es.map(e => e.textContent)"):
            assert any(q in t for t in texts), q
    chat = page.locator("#qa-chat").inner_text()
    for bad in ("““", "“ “", "”” ", ".…", "(article date unknown)", "(article of"):
        assert bad not in chat, bad


AXE = None


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page (axe.min.js from the installed
    axe-playwright-python package, injected into the page: nothing is downloaded)."""
    global AXE
    if AXE is None:
        axe_package = pytest.importorskip("axe_playwright_python", reason="pip install -r requirements-dev.txt")
        AXE = (Path(axe_package.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    page.evaluate(AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}))
        .violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ': '
          + n.failureSummary)}))"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def settle(page) -> None:
    """Wait until Gradio's loading indicators are gone (the corpus panel loads after the page)."""
    page.wait_for_function("() => !document.querySelector('.progress-text, .eta-bar')", timeout=30_000)
    page.wait_for_timeout(300)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_page_meets_wcag_aa_before_and_after_an_answer(browser, server, session, viewport):
    context, page = open_page(browser, server, session, viewport)
    assert axe_violations(page) == []
    ask(page, "Who described the 'Club of Other'?")
    settle(page)
    assert axe_violations(page) == []
    ask(page, "What is the capital of France?")  # an abstention, with its closest passages
    settle(page)
    assert axe_violations(page) == []
    sizes = page.eval_on_selector_all(
        ".qa-examples button", "bs => bs.map(b => parseFloat(getComputedStyle(b).fontSize))"
    )
    assert sizes and min(sizes) >= 14  # not the 12 px of Gradio's small buttons
    examples, clear_button = page.locator(".qa-examples button").first, page.locator("#qa-clear")
    look = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderRadius]"
    assert examples.evaluate(look) != clear_button.evaluate(look)  # Clear does not look like an example
    context.close()


def test_keyboard_alone_asks_opens_a_citation_and_comes_back(browser, server, session):
    context, page = open_page(browser, server, session, DESKTOP)
    assert page.evaluate("() => document.activeElement.closest('#qa-question') !== null")  # focused on load
    n = page.locator("#qa-chat [data-testid=bot]").count()
    page.keyboard.type("Who described the 'Club of Other'?")
    page.keyboard.press("Enter")
    wait_for_answer(page, n)
    focused = (
        "() => { const e = document.activeElement; return e ? (e.className || e.tagName) + '|' + e.textContent : ''; }"
    )
    for _ in range(40):  # back up from the question box into the answer above it
        page.keyboard.press("Shift+Tab")
        if page.evaluate(
            "() => !!document.activeElement.closest('.qa-msg.qa-done') && document.activeElement.matches('a.qa-cite')"
        ):
            break
    else:
        pytest.fail(f"Shift+Tab never reached a citation; focus is on {page.evaluate(focused)}")
    cited = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    number = cited.rsplit("-", 1)[1]
    page.wait_for_function(
        "n => document.querySelector('#qa-sources h3')?.innerText.startsWith(`[${n}]`)"
        " && document.activeElement.closest('#qa-sources') !== null",
        arg=number,
        timeout=10_000,
    )
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('a.qa-back')"):
            break
    else:
        pytest.fail(f"Tab never reached 'Back to the answer'; focus is on {page.evaluate(focused)}")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == cited  # back where it left
    shot(page, "15-keyboard-back")
    context.close()


def test_after_clear_a_follow_up_is_not_read_against_the_cleared_chat(session):
    page = session
    clear(page)
    page.get_by_role("button", name="Who described the 'Club of Other'?").click()
    page.wait_for_timeout(150)
    page.click("#qa-clear")  # perhaps while the answer still streams: that answer is cancelled
    page.wait_for_timeout(1000)
    assert page.locator("#qa-chat [data-testid=bot]").count() == 0  # the cancelled answer did not come back
    ask(page, "What does he say the UAE provides?")
    assert "Understood as" not in last_answer(page).inner_text()
    ask(page, "Who described the 'Club of Other'?")
    ask(page, "What does he say the UAE provides?")
    assert "Understood as: What does Julio Borges say the UAE provides?" in last_answer(page).inner_text()


def test_a_question_asked_while_clear_is_on_its_way_is_answered(browser, server, session):
    """Clear, then an example before Clear's call has reached the server (held here; on a freshly started
    server it is slow by itself): the question was cancelled once that call answered, and the chat stayed at
    "Searching the articles…"."""
    context, page = open_page(browser, server, session)
    held = []

    def hold(route):
        held.append(route)

    page.route("**/gradio_api/run/predict", hold)  # Clear's call to the server waits
    page.click("#qa-clear")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "Clear made no call to the server"
    page.get_by_role("button", name="Who described the 'Club of Other'?").click()
    page.get_by_text("Searching the articles").wait_for(timeout=15_000)
    for route in held:
        route.continue_()
    page.unroute("**/gradio_api/run/predict", hold)
    wait_for_answer(page, 0)
    assert "Borges" in last_answer(page).locator(".qa-answer").inner_text()
    context.close()


def test_readme_picture_of_the_chat_answering_the_example(browser, server, session):
    context, page = open_page(browser, server, session, DESKTOP)
    ask(page, "Who described the 'Club of Other'?")
    settle(page)
    assert "UAE provides cash" in page.locator("#qa-sources mark.qa-current").first.inner_text()
    readme_image(page, "chat.png")
    context.close()


def test_no_request_left_the_machine(session):
    assert session.outside == []
