"""The Gradio page: a streamed chat with cited answers, a sources panel and a corpus panel with
uploads. Only wiring lives here: answers come from `qa.api.ask`, new articles go through
`qa.api.ingest` (add-only, qa/ui/uploads.py), and all HTML is made (and escaped) by `qa.ui.html`.
Gradio is imported on use."""

import logging
import threading
import time
from pathlib import Path

from qa import api
from qa.api import ingest, open_index
from qa.errors import QAError
from qa.retrieve.filters import outlets
from qa.ui import html as ui
from qa.ui import uploads

log = logging.getLogger(__name__)
STREAM_DELAY = 0.04  # seconds between the frames of a streamed answer
# Many chats may stream at once, but only MODEL_WORKERS questions are answered at a time (the rest wait
# in line): one answer keeps a core busy, and streaming frames costs no model work (bench/README.md).
CHAT_STREAMS = 8
MODEL_WORKERS = 1

# Colours are chosen for WCAG 2.1 AA (4.5:1 for text; tests/test_browser.py runs axe-core on the page): the
# theme's grey secondary text was 1.9:1 and the Ask button's white on orange 2.8:1.
CSS = """
.qa-header h1 { font-size: 1.4rem; margin: 0; }
.qa-header p { margin: 0.2rem 0 0; color: var(--body-text-color-subdued); }
.qa-answer { font-size: 1.05rem; margin: 0 0 0.4rem; }
.qa-answer.qa-sentence .qa-quote { font-style: normal; }
.qa-answer.qa-sentence .qa-quote-box { border-left: none; padding-left: 0; display: inline; }
#qa-chat .prose.chatbot.md { opacity: 1; }  /* Gradio dims bot messages to 0.8: answers read as greyed out */
#qa-chat .scroll-down-button-container { display: none; }  /* it covered answer text; the chat scrolls itself */
.qa-resolved, .qa-lead { font-size: 0.9rem; color: var(--body-text-color-subdued); margin: 0 0 0.4rem; }
.qa-status, .qa-meta, .qa-note, .qa-story { color: var(--body-text-color-subdued); font-size: 0.9rem; margin: 0.2rem 0; }
.qa-error { color: #b91c1c; }
.qa-ok { color: #166534; }
.qa-sources-list { margin: 0.3rem 0 0; padding-left: 1.1rem; font-size: 0.92rem; }
.qa-sources-list li { margin-bottom: 0.4rem; }
.qa-quote { color: var(--body-text-color); font-style: italic; }
.qa-quote-box { display: inline-block; border-left: 3px solid #6b7280; padding-left: 0.4rem; margin: 0.15rem 0; }
.qa-near-list .qa-quote-box { border-left-style: dashed; }  /* the article's words: marked by the bar, not by added marks */
a.qa-cite, a.qa-back { font-weight: 600; color: var(--link-text-color) !important; text-decoration: none;
  cursor: pointer; white-space: nowrap; padding: 0 1px; }
a.qa-cite:hover, a.qa-back:hover { text-decoration: underline; }
a.qa-cite:focus-visible, a.qa-back:focus-visible { outline: 2px solid var(--link-text-color); outline-offset: 1px; }
.qa-panel h3 { margin: 0.6rem 0 0.2rem; font-size: 1.05rem; }
.qa-nav a.qa-cite { margin-right: 0.4rem; }
.qa-nav-back { float: right; }
.qa-article { position: relative; white-space: pre-wrap; overflow-y: auto; max-height: 55vh;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.6rem; font-size: 0.92rem;
  line-height: 1.45; overflow-wrap: anywhere; }
.qa-article mark { background: #fef08a; color: inherit; padding: 0 1px; border-radius: 2px; }
.qa-article mark.qa-current { background: #fcd34d; box-shadow: 0 0 0 1px #b45309; }
/* a closest passage is not evidence: grey with a dashed underline, not the yellow of a cited quote */
.qa-article mark.qa-near { background: #e5e7eb; box-shadow: none; border-bottom: 1px dashed #374151; }
details.qa-source summary { cursor: pointer; margin-top: 0.6rem; font-weight: 600; }
#qa-stats table.qa-stats { border-collapse: collapse; border: none !important; font-size: 0.92rem; margin: 0 0 0.5rem;
  width: auto; }
#qa-stats .qa-stats tr, #qa-stats .qa-stats th, #qa-stats .qa-stats td { border: none !important; background: none;
  padding: 0.1rem 1rem 0.1rem 0; text-align: left; color: var(--body-text-color); }
#qa-stats .qa-stats th { font-weight: 600; }
.qa-panel { padding: 0.5rem 0.75rem; }
.qa-panel:focus { outline: none; }  /* focused only to carry keyboard users to the source; its links show focus */
.qa-examples { gap: 0.4rem !important; }
.qa-examples button { flex: 1 1 auto; font-size: 0.95rem; font-weight: normal; border-radius: 999px;
  background: var(--background-fill-primary); border: 1px solid #2563eb; color: #1e40af; }
#qa-clear { flex: 0 0 auto; align-self: flex-end; width: auto; font-size: 0.9rem; background: none; box-shadow: none;
  border: 1px solid #6b7280; border-radius: 4px; color: var(--body-text-color); }
@media (max-width: 640px) { .qa-article { max-height: 45vh; } .qa-header h1 { font-size: 1.15rem; }
  .qa-nav-back { float: none; display: block; margin-top: 0.3rem; } }
"""

# Runs once when the sources panel mounts. Clicks on [n] links anywhere on the page show that source (and
# on a phone, where the panel sits below the chat, jump to it and move focus there); "Back to the answer"
# returns to the link that was followed. Each new question is scrolled to the top of the chat, so that an
# answer is read from its start, not from the chat's bottom.
SOURCES_JS = """
const panel = element;
const chatBox = () => document.querySelector('#qa-chat');
let from = '';
const phone = () => window.matchMedia('(max-width: 640px)').matches;
const scroller = (el) => { for (let e = el.parentElement; e; e = e.parentElement) {
  const y = getComputedStyle(e).overflowY;
  if ((y === 'auto' || y === 'scroll') && e.scrollHeight > e.clientHeight) return e; } return null; };
const toTop = (el) => { const box = scroller(el);
  if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - 8; };
const back = (turn) => {
  const chat = chatBox();
  const msg = chat && chat.querySelector(`.qa-msg.qa-turn-${turn}`);
  if (!msg) return;
  const link = (from && msg.querySelector(`a[href="${from}"]`)) || msg.querySelector('a.qa-cite') || msg;
  chat.scrollIntoView({block: 'nearest'});
  toTop(msg);
  if (phone()) msg.scrollIntoView({block: 'start'});
  link.focus({preventScroll: true});
};
const jump = () => {
  panel.scrollIntoView({block: phone() ? 'start' : 'nearest'});
  (panel.querySelector('.qa-panel') || panel).focus({preventScroll: true});
};
const onClick = (e) => {
  const a = e.target && e.target.closest ? e.target.closest('a[href^="#qa-src-"], a[href^="#qa-msg-"]') : null;
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  const href = a.getAttribute('href') || '';
  const turn = href.match(/^#qa-msg-(\\d+)$/);
  if (turn) { back(Number(turn[1])); return; }
  const m = href.match(/^#qa-src-([cp])-(\\d+)-(\\d+)$/);
  if (!m) return;
  if (!panel.contains(a)) {  // from the chat: go to the panel now, and again once it shows this source
    from = href;
    window.__qaJump = true;
    setTimeout(() => { window.__qaJump = false; }, 3000);
    jump();
  }
  trigger('click', {kind: m[1], turn: Number(m[2]), n: Number(m[3])});
};
if (window.__qaCiteClick) document.removeEventListener('click', window.__qaCiteClick, true);
window.__qaCiteClick = onClick;
document.addEventListener('click', onClick, true);
const reveal = () => {
  const mark = panel.querySelector('mark.qa-current');
  const box = mark ? mark.closest('.qa-article') : null;
  if (box) box.scrollTop = Math.max(0, mark.offsetTop - 48);
  if (!window.__qaJump) return;
  window.__qaJump = false;
  jump();
};
watch('value', reveal);
reveal();
let users = 0, done = 0, pinned = null;
const follow = () => {  // Gradio may redraw the chat's scroll box: the newest question is pinned to its top again
  const chat = chatBox();
  if (!chat) return;
  const asked = chat.querySelectorAll('[data-testid=user]');
  const finished = chat.querySelectorAll('.qa-done').length;
  const grew = asked.length > users || finished > done;
  users = asked.length; done = finished;
  if (!asked.length) { pinned = null; return; }
  const question = asked[asked.length - 1];
  const box = scroller(question);
  if (!box || (!grew && box === pinned)) return;
  pinned = box;
  toTop(question);
  const r = chat.getBoundingClientRect();
  if (phone() && grew && finished === asked.length && (r.top < 0 || r.bottom > window.innerHeight)) {
    chat.scrollIntoView({block: 'start'});
  }
};
let queued = false;  // the chat may be drawn anew, so the whole page is watched, once a frame at most
new MutationObserver(() => { if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; follow(); }); } })
  .observe(document.body, {subtree: true, childList: true});
"""

# Keeps the result of an upload in view: it appears above the drop zone, which may sit below the fold.
STATUS_JS = """
watch('value', () => { if (element.textContent.trim()) element.scrollIntoView({block: 'nearest'}); });
"""


def theme():
    """The default theme with the system's fonts (the page fetches no web fonts) and colours of AA contrast:
    secondary text neutral-600 (7.6:1 on white), placeholders neutral-500 (4.8:1), the Ask button white on
    orange-700 (5.2:1)."""
    import gradio as gr

    return gr.themes.Default(
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    ).set(
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_400",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_400",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        link_text_color="#1d4ed8",
        link_text_color_dark="#93c5fd",
    )


def source_request(data) -> tuple[str, int, int] | None:
    """(kind, turn, n) of a click on a citation, from the sources panel's event data, or None when the data
    is not that: the values come from the browser, so from anyone (a non-numeric `n` left a traceback in
    the log and sent its text to the page)."""
    if not isinstance(data, dict):
        return None
    kind, turn, n = data.get("kind"), data.get("turn"), data.get("n")
    if kind not in ("c", "p") or type(turn) is not int or type(n) is not int:
        return None
    return kind, turn, n


def chat_messages(turns: list[ui.Turn], last: str | None = None) -> list[dict]:
    """The chat history for the Chatbot; `last` replaces the final assistant message (streaming)."""
    messages = []
    for i, t in enumerate(turns):
        messages.append({"role": "user", "content": ui.escape_line(t.question)})
        messages.append({"role": "assistant", "content": ui.message_html(i, t)})
    if last is not None and messages:
        messages[-1] = {"role": "assistant", "content": last}
    return messages


def answer_turn(message: str, turns: list[ui.Turn], index_dir: Path, filters: dict | None = None) -> ui.Turn:
    """The chat's turn for `message`: asked with the previous answer, so that a follow-up ("What does he
    say …") is resolved by ask(); `filters` are the chat's date and outlet controls as keywords of ask
    (since, until, sources)."""
    previous = next((t.answer for t in reversed(turns) if t.answer is not None), None)
    try:
        answer = api.ask(message, index_dir, previous=previous, **(filters or {}))
    except QAError as e:
        return ui.Turn(message, message, None, str(e))
    except Exception as e:  # a bug, not the user's doing: say so in the chat, keep the details in the log
        log.exception("answering %r failed", message)
        return ui.Turn(
            message, message, None, f"Sorry, answering failed ({type(e).__name__}); the server log has the details."
        )
    resolved = answer.resolved_question if answer.resolved_question not in ("", answer.question) else message
    return ui.Turn(message, resolved, answer)


def chat_filters(since: str | None, until: str | None, sources) -> dict:
    """The filter controls as keywords of `ask`, leaving out those not set."""
    found = {"since": (since or "").strip(), "until": (until or "").strip(), "sources": list(sources or [])}
    return {k: v for k, v in found.items() if v}


HEADER = (
    '<div class="qa-header"><h1>Ask the news</h1><p>Answers come only from the articles in the corpus, each '
    "with the exact words it rests on. Click a number such as [1] to read the source.</p></div>"
)
UPLOADS_OFF = "Uploads are turned off on this server (app.py --no-uploads)."


class Clears:
    """How many times a page's chat was cleared, kept on the server for its session (a gr.State: each event
    of the session gets this same object). The page counts its clears too, in the browser at the click (the
    hidden `cleared` number), and sends its count with each question; an answer to a question asked before
    more clears than that reached the server never reaches the cleared chat, even when Gradio's `cancels`
    misses it: its request was still on its way, or its frames already sent (seen on a busy machine: the
    whole answer came back). A question asked after a Clear whose request has not reached the server yet
    knows of more clears than the server, and is answered."""

    def __init__(self) -> None:
        self.count = 0

    def since(self, asked_at) -> bool:
        """The chat was cleared after a question asked when the page had counted `asked_at` clears."""
        return asked_at is not None and int(asked_at) < self.count


class Page:
    """The page's event handlers, answering from the index at `index_dir`; uploads are stored in
    `upload_dir` (None: uploads are turned off, and the upload event refuses)."""

    def __init__(self, index_dir: Path, upload_dir: Path | None):
        self.index_dir, self.upload_dir = index_dir, upload_dir
        self.model_work = threading.BoundedSemaphore(MODEL_WORKERS)
        self.upload_work = threading.Lock()  # one upload at a time: two may not both claim a new id

    def respond(
        self,
        message: str,
        turns: list[ui.Turn],
        since: str = "",
        until: str = "",
        sources=None,
        asked_at: float | None = None,
        clears: Clears | None = None,
    ):
        """The chat's frames for `message` (asked when the page showed `asked_at` clears of its session's
        `clears`); nothing once the chat has been cleared since, or the cleared chat if frames went out."""
        import gradio as gr

        def cleared() -> bool:
            return clears is not None and clears.since(asked_at)

        if cleared():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        if not (message or "").strip():
            yield gr.skip(), turns, gr.skip(), ""
            return
        pending = ui.Turn(message, message, None)
        yield chat_messages([*turns, pending], ui.SEARCHING), turns, gr.skip(), ""
        with self.model_work:
            turn = answer_turn(message, turns, self.index_dir, chat_filters(since, until, sources))
        for out in self._answer_frames([*turns, turn]):
            if cleared():  # a frame of this answer may have reached the page after the Clear: clear it again
                yield [], [], ui.sources_placeholder(), gr.skip()
                return
            yield out

    def _answer_frames(self, turns: list[ui.Turn]):
        """The frames writing out the last of `turns`, STREAM_DELAY apart, then the chat with its first source."""
        import gradio as gr

        for frame in ui.message_frames(len(turns) - 1, turns[-1]):
            yield chat_messages(turns, frame), turns, gr.skip(), ""
            time.sleep(STREAM_DELAY)
        yield chat_messages(turns), turns, self.first_source(turns), ""

    def example(self, question: str):
        """The handler of an example button: asks `question` (as a single event, not "fill the box, then ask",
        which Clear could cancel only half of: the answer then came back into the cleared chat)."""

        def ask_example(
            turns: list[ui.Turn], since: str = "", until: str = "", sources=None, asked_at=None, clears=None
        ):
            yield from self.respond(question, turns, since, until, sources, asked_at, clears)

        return ask_example

    def first_source(self, turns: list[ui.Turn]) -> str:
        import gradio as gr

        t = turns[-1]
        if t.answer is None:
            return gr.skip()
        kind = "c" if t.answer.citations else "p"
        return ui.source_html(len(turns) - 1, t, kind, 1, self.articles())

    def show_source(self, turns: list[ui.Turn], data) -> str:
        """The panel for a clicked citation; anything but a citation of this chat leaves it as it is."""
        import gradio as gr

        request = source_request(data)
        if request is None or not 0 <= request[1] < len(turns or []):
            return gr.skip()
        kind, turn_no, n = request
        return ui.source_html(turn_no, turns[turn_no], kind, n, self.articles())

    def add_files(self, files):
        """Store the uploaded files as new articles and index them; what happened, for the page."""
        import gradio as gr

        if not files:
            return gr.skip(), gr.skip(), None, gr.skip()
        if self.upload_dir is None:
            return ui.escape_line(UPLOADS_OFF), gr.skip(), None, gr.skip()
        with self.upload_work:
            saved, rejected = uploads.save_uploads(files, self.upload_dir, self.articles())
            report = None
            if saved:
                try:
                    report = ingest(saved, self.index_dir)
                except QAError as e:
                    rejected.append(str(e))
        html = uploads.ingest_html(report, rejected, [p.name for p in saved])
        return html, self.corpus_info(), None, gr.update(choices=self.outlet_choices())

    def articles(self):
        return open_index(self.index_dir).articles

    def corpus_info(self) -> str:
        return ui.corpus_html(open_index(self.index_dir).manifest)

    def outlet_choices(self) -> list[str]:
        return outlets(self.articles())

    def clear(self, clears: Clears | None = None):
        """The emptied chat, counted in the session's `clears`."""
        if clears is not None:
            clears.count += 1
        return [], [], ui.sources_placeholder(), ""


def build_app(index_dir: Path, upload_dir: Path | None):
    """The Blocks app answering from the index at `index_dir`; uploads are stored in `upload_dir` (None:
    no uploads, as with app.py --no-uploads)."""
    import gradio as gr

    page = Page(index_dir, upload_dir)
    with gr.Blocks(title="News QA", analytics_enabled=False) as demo:
        turns = gr.State([])
        clears = gr.State(Clears)  # one per session (a callable default is called for each)
        gr.HTML(HEADER, js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chat = _chat_column(page)
            with gr.Column(scale=2, min_width=300):
                side = _side_column(page)
        _wire(page, turns, clears, chat, side)
    return demo


def _chat_column(page: Page) -> dict:
    import gradio as gr

    c = {}
    c["chatbot"] = gr.Chatbot(
        label="Chat",
        show_label=False,
        elem_id="qa-chat",
        height=480,
        latex_delimiters=[],
        feedback_options=None,
        buttons=[],
        render_markdown=True,
        autoscroll=False,  # SOURCES_JS scrolls each new question to the top: answers are read from their start
        placeholder="Ask a question about the articles in the corpus.",
    )
    with gr.Row(equal_height=True):
        c["box"] = gr.Textbox(
            placeholder="Ask a question…",
            show_label=False,
            scale=5,
            min_width=160,
            elem_id="qa-question",
            autofocus=True,
            max_length=4000,
        )
        c["send"] = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="qa-send")
    with gr.Accordion("Filters: dates and outlets", open=False, elem_id="qa-filters"):
        with gr.Row(equal_height=True):
            c["since"] = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1, min_width=120, elem_id="qa-since")
            c["until"] = gr.Textbox(label="Until (YYYY-MM-DD)", max_lines=1, min_width=120, elem_id="qa-until")
            c["outlets"] = gr.Dropdown(
                page.outlet_choices(),
                value=[],
                multiselect=True,
                label="Outlets",
                allow_custom_value=True,
                min_width=160,
                elem_id="qa-outlets",
            )
        gr.Markdown("Articles of unknown date are left out when a date is set.", elem_classes="qa-meta")
    gr.Markdown("Try an example (the second is a follow-up to the first):")
    with gr.Row(elem_classes="qa-examples"):
        c["examples"] = [gr.Button(q, min_width=120) for q in ui.EXAMPLES]
    c["clear"] = gr.Button("Clear conversation", size="sm", elem_id="qa-clear")
    c["cleared"] = gr.Number(0, visible=False, precision=0)  # clears the page has counted (see Clears)
    return c


def _side_column(page: Page) -> dict:
    import gradio as gr

    c = {}
    c["sources"] = gr.HTML(
        ui.sources_placeholder(), label="Sources", elem_id="qa-sources", js_on_load=SOURCES_JS, container=True
    )
    with gr.Accordion("Corpus", open=True, elem_id="qa-corpus"):
        c["stats"] = gr.HTML(page.corpus_info, elem_id="qa-stats", js_on_load=None)
        if page.upload_dir is None:
            gr.Markdown(UPLOADS_OFF, elem_classes="qa-meta")
            return c
        c["status"] = gr.HTML("", elem_id="qa-upload-status", js_on_load=STATUS_JS)
        c["upload"] = gr.File(
            label=f"Add articles ({', '.join(uploads.UPLOAD_TYPES)}; up to "
            f"{uploads.MAX_UPLOAD_BYTES // (1024 * 1024)} MB each; uploads only add articles)",
            file_count="multiple",
            file_types=list(uploads.UPLOAD_TYPES),
            elem_id="qa-upload",
            height=170,
        )
    return c


def _wire(page: Page, turns, clears, chat: dict, side: dict) -> None:
    """The page's events. Clear cancels an answer still streaming, which would otherwise put the cleared
    turns back (and the next question would be read as a follow-up of the cleared chat)."""
    import gradio as gr

    outputs = [chat["chatbot"], turns, side["sources"], chat["box"]]
    inputs = [chat["box"], turns, chat["since"], chat["until"], chat["outlets"], chat["cleared"], clears]
    page_only = {"api_visibility": "private"}  # the page's own events; programs use qa.api or the CLI
    streams = {**page_only, "concurrency_limit": CHAT_STREAMS, "concurrency_id": "chat"}
    asked = [
        chat["box"].submit(page.respond, inputs, outputs, **streams),
        chat["send"].click(page.respond, inputs, outputs, **streams),
    ]
    for b, q in zip(chat["examples"], ui.EXAMPLES, strict=True):  # one event each, so that Clear cancels it whole
        asked.append(b.click(page.example(q), inputs[1:], outputs, **streams))
    for on_clear in (chat["clear"].click, chat["chatbot"].clear):
        # The browser runs a click's listeners in turn, each after the one before has answered, and the
        # cancelling listener `cancels=` adds comes right after its own: attached to the server's `clear`,
        # it cancelled only once that answered, and so cancelled a question asked in between (a fresh
        # page's Clear then an example: the answer stopped at "Searching the articles…" for good). Attached
        # to the browser-only count, it cancels at the click.
        on_clear(
            None, chat["cleared"], chat["cleared"], js="(n) => (n || 0) + 1", queue=False, cancels=asked, **page_only
        )
        on_clear(page.clear, clears, outputs, queue=False, **page_only)

    def show_source(turns: list[ui.Turn], evt: gr.EventData):
        return page.show_source(turns, getattr(evt, "_data", None))

    def add_files(files, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio injects it)
        progress(0, desc="Saving files")
        return page.add_files(files)

    side["sources"].click(show_source, [turns], side["sources"], **page_only)
    if "upload" in side:
        side["upload"].upload(
            add_files,
            [side["upload"]],
            [side["status"], side["stats"], side["upload"], chat["outlets"]],
            **page_only,
        )
