"""The Gradio page: a streamed chat with cited answers, a sources panel and a corpus panel with
uploads. Only wiring lives here: answers come from `qa.api.ask`, new articles go through
`qa.api.ingest`, and all HTML is made (and escaped) by `qa.ui`. Gradio is imported on use."""

import logging
import shutil
import threading
import time
from pathlib import Path

from qa import api
from qa.api import ingest, open_index
from qa.errors import QAError
from qa.retrieve.filters import outlets
from qa.ui import html as ui

log = logging.getLogger(__name__)
STREAM_DELAY = 0.04  # seconds between the frames of a streamed answer
# Many chats may stream at once, but only MODEL_WORKERS questions are answered at a time (the rest wait
# in line): one answer keeps a core busy, and streaming frames costs no model work (bench/README.md).
CHAT_STREAMS = 8
MODEL_WORKERS = 1

CSS = """
.qa-header h1 { font-size: 1.4rem; margin: 0; }
.qa-header p { margin: 0.2rem 0 0; color: var(--body-text-color-subdued); }
.qa-answer { font-size: 1.05rem; margin: 0 0 0.4rem; }
#qa-chat .prose.chatbot.md { opacity: 1; }  /* Gradio dims bot messages to 0.8: answers read as greyed out */
.qa-resolved { font-size: 0.9rem; color: var(--body-text-color-subdued); margin: 0 0 0.4rem; }
.qa-status, .qa-meta, .qa-note { color: var(--body-text-color-subdued); font-size: 0.9rem; margin: 0.2rem 0; }
.qa-error { color: #b91c1c; }
.qa-ok { color: #166534; }
.qa-sources-list { margin: 0.3rem 0 0; padding-left: 1.1rem; font-size: 0.92rem; }
.qa-sources-list li { margin-bottom: 0.4rem; }
.qa-quote { color: var(--body-text-color); font-style: italic; }  /* the quoted words are the evidence: full contrast */
a.qa-cite { font-weight: 600; color: var(--link-text-color, #2563eb) !important; text-decoration: none;
  cursor: pointer; white-space: nowrap; padding: 0 1px; }
a.qa-cite:hover { text-decoration: underline; }
.qa-panel h3 { margin: 0.6rem 0 0.2rem; font-size: 1.05rem; }
.qa-nav a.qa-cite { margin-right: 0.4rem; }
.qa-article { position: relative; white-space: pre-wrap; overflow-y: auto; max-height: 55vh;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.6rem; font-size: 0.92rem;
  line-height: 1.45; overflow-wrap: anywhere; }
.qa-article mark { background: #fef08a; color: inherit; padding: 0 1px; border-radius: 2px; }
.qa-article mark.qa-current { background: #fcd34d; box-shadow: 0 0 0 1px #f59e0b; }
details.qa-source summary { cursor: pointer; margin-top: 0.6rem; font-weight: 600; }
#qa-stats table.qa-stats { border-collapse: collapse; border: none !important; font-size: 0.92rem; margin: 0 0 0.5rem;
  width: auto; }
#qa-stats .qa-stats tr, #qa-stats .qa-stats th, #qa-stats .qa-stats td { border: none !important; background: none;
  padding: 0.1rem 1rem 0.1rem 0; text-align: left; }
#qa-stats .qa-stats th { font-weight: 600; }
.qa-panel { padding: 0.5rem 0.75rem; }
.qa-examples button { flex: 1 1 auto; }
@media (max-width: 640px) { .qa-article { max-height: 45vh; } .qa-header h1 { font-size: 1.15rem; } }
"""

# Runs once when the sources panel mounts: clicks on [n] links anywhere on the page show that source,
# and each new panel content scrolls its highlighted span into view.
SOURCES_JS = """
const panel = element;
const onClick = (e) => {
  const a = e.target && e.target.closest ? e.target.closest('a[href^="#qa-src-"]') : null;
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  const m = (a.getAttribute('href') || '').match(/^#qa-src-([cp])-(\\d+)-(\\d+)$/);
  if (!m) return;
  window.__qaJump = !panel.contains(a);
  trigger('click', {kind: m[1], turn: Number(m[2]), n: Number(m[3])});
};
if (window.__qaCiteClick) document.removeEventListener('click', window.__qaCiteClick, true);
window.__qaCiteClick = onClick;
document.addEventListener('click', onClick, true);
const reveal = () => {
  const mark = panel.querySelector('mark.qa-current');
  const box = mark ? mark.closest('.qa-article') : null;
  if (box) box.scrollTop = Math.max(0, mark.offsetTop - 48);
  if (window.__qaJump) { window.__qaJump = false; panel.scrollIntoView({block: 'nearest'}); }
};
watch('value', reveal);
reveal();
"""


def theme():
    """The default theme with the system's fonts, so the page fetches no web fonts."""
    import gradio as gr

    return gr.themes.Default(
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


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


def save_uploads(files, folder: Path, articles) -> tuple[list[Path], list[str]]:
    """Copy uploaded files into `folder` under safe names; the reasons for any file refused."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    saved, rejected = [], []
    for f in files or []:
        src = Path(f)
        try:
            name = ui.safe_upload_name(src.name)
            ui.check_upload_size(name, src.stat().st_size)
        except QAError as e:
            rejected.append(str(e))
            continue
        dest = _free_path(root, name, articles)
        if dest.parent != root:  # cannot happen with a safe name; checked anyway
            rejected.append(f"{name}: not a plain file name")
            continue
        shutil.copyfile(src, dest)
        saved.append(dest)
    return saved, rejected


def _free_path(root: Path, name: str, articles) -> Path:
    """`root/name`, renamed when another article already uses its id (the file name's stem)."""
    stem, ext = name.rsplit(".", 1)
    dest, k = root / name, 1
    while stem in articles and articles[stem].path and Path(articles[stem].path).resolve() != dest:
        k += 1
        stem = f"{name.rsplit('.', 1)[0]}-{k}"
        dest = root / f"{stem}.{ext}"
    return dest.resolve()


def chat_filters(since: str | None, until: str | None, sources) -> dict:
    """The filter controls as keywords of `ask`, leaving out those not set."""
    found = {"since": (since or "").strip(), "until": (until or "").strip(), "sources": list(sources or [])}
    return {k: v for k, v in found.items() if v}


def _constant(value):
    return lambda: value


def build_app(index_dir: Path, upload_dir: Path):
    """The Blocks app answering from the index at `index_dir`; uploads are stored in `upload_dir`."""
    import gradio as gr

    model_work = threading.BoundedSemaphore(MODEL_WORKERS)

    def respond(message: str, turns: list[ui.Turn], since: str = "", until: str = "", sources=None):
        if not (message or "").strip():
            yield gr.skip(), turns, gr.skip(), ""
            return
        pending = ui.Turn(message, message, None)
        yield chat_messages([*turns, pending], ui.SEARCHING), turns, gr.skip(), ""
        with model_work:
            turn = answer_turn(message, turns, index_dir, chat_filters(since, until, sources))
        turns = [*turns, turn]
        for frame in ui.message_frames(len(turns) - 1, turn):
            yield chat_messages(turns, frame), turns, gr.skip(), ""
            time.sleep(STREAM_DELAY)
        yield chat_messages(turns), turns, first_source(turns), ""

    def first_source(turns: list[ui.Turn]) -> str:
        t = turns[-1]
        if t.answer is None:
            return gr.skip()
        kind = "c" if t.answer.citations else "p"
        return ui.source_html(len(turns) - 1, t, kind, 1, open_index(index_dir).articles)

    def show_source(turns: list[ui.Turn], evt: gr.EventData):
        kind, turn_no, n = getattr(evt, "kind", ""), getattr(evt, "turn", -1), getattr(evt, "n", 0)
        if kind not in ("c", "p") or not isinstance(turn_no, int) or not 0 <= turn_no < len(turns):
            return gr.skip()
        return ui.source_html(turn_no, turns[turn_no], kind, int(n), open_index(index_dir).articles)

    def add_files(files, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio injects it)
        if not files:
            return gr.skip(), gr.skip(), None, gr.skip()
        progress(0, desc="Saving files")
        saved, rejected = save_uploads(files, upload_dir, open_index(index_dir).articles)
        report = None
        if saved:
            try:
                report = ingest(saved, index_dir)
            except QAError as e:
                rejected.append(str(e))
        return (
            ui.ingest_html(report, rejected, [p.name for p in saved]),
            corpus_info(),
            None,
            gr.update(choices=outlet_choices()),
        )

    def corpus_info() -> str:
        return ui.corpus_html(open_index(index_dir).manifest)

    def outlet_choices() -> list[str]:
        return outlets(open_index(index_dir).articles)

    def clear():
        return [], [], ui.sources_placeholder(), ""

    with gr.Blocks(title="News QA", analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.HTML(
            '<div class="qa-header"><h1>Ask the news</h1><p>Answers come only from the articles in the '
            "corpus, each with the exact words it rests on. Click a number such as [1] to read the "
            "source.</p></div>",
            js_on_load=None,
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label="Chat",
                    show_label=False,
                    elem_id="qa-chat",
                    height=480,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=[],
                    render_markdown=True,
                    placeholder="Ask a question about the articles in the corpus.",
                )
                with gr.Row(equal_height=True):
                    box = gr.Textbox(
                        placeholder="Ask a question…",
                        show_label=False,
                        scale=5,
                        min_width=160,
                        elem_id="qa-question",
                        autofocus=True,
                        max_length=4000,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="qa-send")
                with gr.Accordion("Filters: dates and outlets", open=False, elem_id="qa-filters"):
                    with gr.Row(equal_height=True):
                        since = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1, min_width=120, elem_id="qa-since")
                        until = gr.Textbox(label="Until (YYYY-MM-DD)", max_lines=1, min_width=120, elem_id="qa-until")
                        sources_filter = gr.Dropdown(
                            outlet_choices(),
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
                    examples = [gr.Button(q, size="sm", min_width=120) for q in ui.EXAMPLES]
                clear_btn = gr.Button("Clear conversation", size="sm", variant="secondary", elem_id="qa-clear")
            with gr.Column(scale=2, min_width=300):
                sources = gr.HTML(
                    ui.sources_placeholder(),
                    label="Sources",
                    elem_id="qa-sources",
                    js_on_load=SOURCES_JS,
                    container=True,
                )
                with gr.Accordion("Corpus", open=True, elem_id="qa-corpus"):
                    stats = gr.HTML(corpus_info, elem_id="qa-stats", js_on_load=None)
                    upload = gr.File(
                        label=f"Add articles ({', '.join(ui.UPLOAD_TYPES)}; up to "
                        f"{ui.MAX_UPLOAD_BYTES // (1024 * 1024)} MB each)",
                        file_count="multiple",
                        file_types=list(ui.UPLOAD_TYPES),
                        elem_id="qa-upload",
                        height=170,
                    )
                    upload_status = gr.HTML("", elem_id="qa-upload-status", js_on_load=None)

        chat_outputs = [chatbot, turns, sources, box]
        chat_inputs = [box, turns, since, until, sources_filter]
        page_only = {"api_visibility": "private"}  # the page's own events; programs use qa.api or the CLI
        chat = {**page_only, "concurrency_limit": CHAT_STREAMS, "concurrency_id": "chat"}
        box.submit(respond, chat_inputs, chat_outputs, **chat)
        send.click(respond, chat_inputs, chat_outputs, **chat)
        for b, q in zip(examples, ui.EXAMPLES, strict=True):
            b.click(_constant(q), None, box, queue=False, **page_only).then(respond, chat_inputs, chat_outputs, **chat)
        clear_btn.click(clear, None, chat_outputs, queue=False, **page_only)
        chatbot.clear(clear, None, chat_outputs, queue=False, **page_only)
        sources.click(show_source, [turns], sources, **page_only)
        upload.upload(add_files, [upload], [upload_status, stats, upload, sources_filter], **page_only)
    return demo
