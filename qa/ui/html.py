"""The web chat's pure parts: safe HTML for answers and sources, upload names.

Everything that comes from an article, a question or a file name goes through `escape()` before it
is put into HTML. Nothing here imports Gradio or reads files; `qa/ui/app.py` wires these to the page.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from qa.answer.citations import citation_groups, copies_of
from qa.errors import QAError
from qa.records import Answer, Article, Citation, Story
from qa.text.dates import annotate, relative_note

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = (".txt", ".md", ".json", ".jsonl", ".html", ".htm")
EXAMPLES = (
    "Who described the 'Club of Other'?",
    "What does he say the UAE provides?",
    "Who is the executive director of Iranian Americans for Liberty?",
)
SEARCHING = '<p class="qa-status">Searching the articles…</p>'


@dataclass(frozen=True)
class Turn:
    """One exchange: the question as typed, as asked (after follow-up resolution), and the answer."""

    question: str
    resolved: str
    answer: Answer | None  # None when ask() refused the question
    error: str = ""


# ---------------------------------------------------------------- escaping

# HTML specials plus every character Markdown, LaTeX or a template could act on, as numeric entities.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'`\\*_{}[]()#+-.!|~$:=@^"}


def escape(text: object) -> str:
    """`text` as inert HTML text: no tag, attribute, entity, Markdown or LaTeX in it can take effect."""
    return "".join(_ENTITIES.get(c, c) for c in str(text))


def escape_line(text: object, limit: int = 0) -> str:
    """`escape()` of the text on one line (newlines would end an HTML block inside Markdown)."""
    flat = " ".join(str(text).split())
    if limit and len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0] + "…"
    return escape(flat)


def safe_url(url: str) -> str:
    """The URL as an attribute value if it is http(s), else ""."""
    return escape(url) if re.match(r"https?://[^\s]+$", url or "", re.IGNORECASE) else ""


# ---------------------------------------------------------------- citations


def cite_link(kind: str, turn_no: int, n: int, label: str) -> str:
    """A link the page's click handler turns into "show this source" (kind c: citation, p: passage)."""
    return f'<a class="qa-cite" href="#qa-src-{kind}-{turn_no}-{n}" title="Show source">{escape(label)}</a>'


def _meta(source: str, published: str) -> str:
    return escape_line(", ".join(x for x in (source, published) if x))


# ---------------------------------------------------------------- the chat message


def message_html(turn_no: int, turn: Turn, n_words: int | None = None) -> str:
    """The assistant's message for a turn, as one line of HTML. With `n_words`, only that many words
    of the short answer and no sources: the frames of the streamed answer (the full message alone
    has class qa-done)."""
    head = ""
    if turn.resolved != turn.question:
        head = f'<p class="qa-resolved">Understood as: <q>{escape_line(turn.resolved)}</q></p>'
    if turn.answer is None:
        return f'<div class="qa-msg qa-done">{head}<p class="qa-error">{escape_line(turn.error)}</p></div>'
    a = turn.answer
    words = a.answer.split()
    partial = n_words is not None and n_words < len(words)
    text = escape_line(" ".join(words[:n_words] if partial else words))
    if a.abstained:
        body = f'<p class="qa-abstain">{text}</p>'
        if not partial:
            body += _passage_list(turn_no, a)
    else:
        marks = (
            ""
            if partial
            else " " + "".join(cite_link("c", turn_no, i, f"[{i}]") for i in range(1, len(a.citations) + 1))
        )
        body = f'<p class="qa-answer"><strong>{text}</strong>{marks}</p>'
        if not partial:
            body += _source_list(turn_no, a.citations, a.stories) + _story_html(a.stories)
    notes = "" if partial else "".join(f'<p class="qa-note">{escape_line(n)}</p>' for n in a.notices)
    return f'<div class="qa-msg{"" if partial else " qa-done"}">{head}{body}{notes}</div>'


def message_frames(turn_no: int, turn: Turn) -> Iterator[str]:
    """The message growing word by word, ending with the full message (citations and sources)."""
    if turn.answer is not None:
        for k in range(1, len(turn.answer.answer.split())):
            yield message_html(turn_no, turn, k)
    yield message_html(turn_no, turn)


def _source_list(turn_no: int, citations: Sequence[Citation], stories: Sequence[Story] = ()) -> str:
    items = []
    for group in citation_groups(citations):
        c = citations[group[0] - 1]
        meta = _meta(c.source, c.published)
        also = "".join(
            f" {cite_link('c', turn_no, j, f'[{j}]')} {_title_meta(citations[j - 1], 90)}" for j in group[1:]
        )
        cited = {citations[j - 1].doc_id for j in group}
        uncited = [d for d in c.also_in if d not in cited]
        also += "".join(f"; {_member_meta(stories, d, 90)}" for d in uncited)
        n = len(cited) + len(uncited)
        items.append(
            f"<li>{cite_link('c', turn_no, group[0], f'[{group[0]}]')} <b>{escape_line(c.title or c.doc_id, 120)}</b>"
            + (f' <span class="qa-meta">{meta}</span>' if meta else "")
            + (f'<br><span class="qa-also">reported by {n} sources; also in{also}</span>' if n > 1 else "")
            + f'<br><span class="qa-quote">“{escape_line(annotate(c.quote, c.published), 220)}”</span></li>'
        )
    return f'<ul class="qa-sources-list">{"".join(items)}</ul>'


def _story_html(stories: Sequence[Story], most: int = 5) -> str:
    """Each story of the cited articles, as the articles that tell it."""
    out = []
    for st in stories:
        names = [_member_meta([st], d, 60) for d in st.doc_ids[:most]]
        more = f"; and {len(st.doc_ids) - most} more" if len(st.doc_ids) > most else ""
        out.append(
            f'<p class="qa-meta qa-story">One story, told by {len(st.doc_ids)} articles: {"; ".join(names)}{more}</p>'
        )
    return "".join(out)


def _member_meta(stories: Sequence[Story], doc_id: str, limit: int) -> str:
    """An article of a story, as its title with outlet and date (the story records carry them)."""
    for st in stories:
        if doc_id in st.doc_ids and st.titles:
            k = st.doc_ids.index(doc_id)
            meta = _meta(st.outlets[k] if st.outlets else "", st.published[k] if st.published else "")
            return escape_line(st.titles[k] or doc_id, limit) + (f" ({meta})" if meta else "")
    return escape_line(doc_id, limit)


def _title_meta(c: Citation, limit: int) -> str:
    meta = _meta(c.source, c.published)
    return escape_line(c.title or c.doc_id, limit) + (f" ({meta})" if meta else "")


def _passage_list(turn_no: int, answer: Answer) -> str:
    if not answer.passages:
        return ""
    items = "".join(
        f"<li>{cite_link('p', turn_no, i, f'passage {i}')} <b>{escape_line(p.title or p.doc_id, 120)}</b>"
        + (
            f' <span class="qa-meta">also in {len(p.also_in)} more article{"s" if len(p.also_in) > 1 else ""}</span>'
            if p.also_in
            else ""
        )
        + f'<br><span class="qa-quote">{escape_line(p.text, 220)}</span></li>'
        for i, p in enumerate(answer.passages[:3], 1)
    )
    return f'<p class="qa-meta">Closest passages (they do not answer the question):</p><ul class="qa-sources-list">{items}</ul>'


# ---------------------------------------------------------------- the sources panel


def highlight(text: str, spans: Sequence[tuple[int, int]], current: tuple[int, int] | None = None) -> str:
    """The text as HTML with each span in <mark>; the mark holding `current` gets class qa-current."""
    merged: list[list[int]] = []
    for s, e in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        cls = ' class="qa-current"' if current is not None and s <= current[0] < e else ""
        out.append(escape(text[pos:s]))
        out.append(f"<mark{cls}>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)


def sources_placeholder() -> str:
    return (
        '<div class="qa-panel"><p class="qa-meta">Ask a question: the article each answer cites appears '
        "here, with the quoted words highlighted. Click a number such as [1] to show that source.</p></div>"
    )


def source_html(turn_no: int, turn: Turn, kind: str, n: int, articles: Mapping[str, Article]) -> str:
    """The sources panel for source `n` of a turn (kind c: citation, p: closest passage): the
    article's title, outlet and date, and its text with the cited span highlighted."""
    a = turn.answer
    items = (a.citations if kind == "c" else a.passages[:3]) if a else ()
    if not 1 <= n <= len(items):
        return sources_placeholder()
    if kind == "c":
        group = next(g for g in citation_groups(items) if n in g)
        order = [n] + [j for j in group if j != n]
        label = "Source"
    else:
        order, label = [n], "Closest passage (not an answer)"
    nav = " ".join(
        cite_link(kind, turn_no, i, f"[{i}]" if kind == "c" else f"passage {i}") for i in range(1, len(items) + 1)
    )
    head = f'<p class="qa-meta">{label} for <q>{escape_line(turn.resolved, 160)}</q></p><p class="qa-nav">{nav}</p>'
    blocks = [_article_block(kind, i, items[i - 1], articles, first=(k == 0)) for k, i in enumerate(order)]
    shown = {items[i - 1].doc_id for i in order}
    blocks += [
        _article_block("c", 0, copy, articles, first=False)
        for copy in copies_of(items[n - 1], articles)
        if copy.doc_id not in shown
    ]
    return f'<div class="qa-panel" data-current="{kind}{n}">{head}{"".join(blocks)}</div>'


def _article_block(kind: str, i: int, item, articles: Mapping[str, Article], first: bool) -> str:
    article = articles.get(item.doc_id)
    quote = item.quote if kind == "c" else item.text
    title = escape_line(getattr(item, "title", "") or (article.label if article else item.doc_id), 200)
    source = getattr(item, "source", "") or (article.source if article else "")
    published = getattr(item, "published", "") or (article.published if article else "")
    meta = _meta(source, published)
    url = safe_url(getattr(item, "url", "") or (article.url if article else ""))
    link = f' <a href="{url}" target="_blank" rel="noopener noreferrer nofollow">original</a>' if url else ""
    number = f"[{i}] " if kind == "c" and i else ""
    if article is not None and article.text[item.start : item.end] == quote:
        body = highlight(article.text, [(item.start, item.end)], (item.start, item.end))
        note = ""
    else:
        body = f'<mark class="qa-current">{escape(quote)}</mark>'
        note = '<p class="qa-note">The article has changed since this answer; only the quoted words are shown.</p>'
    dated = relative_note("this quote", quote, published) if kind == "c" else ""
    if dated:
        note += f'<p class="qa-note">{escape_line(dated)}</p>'
    card = (
        f'<div class="qa-meta">{meta or "outlet and date unknown"}{link}</div>{note}'
        f'<div class="qa-article">{body}</div>'
    )
    if first:
        return f'<div class="qa-source"><h3>{escape(number)}{title}</h3>{card}</div>'
    return f'<details class="qa-source"><summary>Also in {escape(number)}{title}</summary>{card}</details>'


# ---------------------------------------------------------------- the corpus panel and uploads


def corpus_html(manifest: Mapping, upload_note: str = "") -> str:
    """Number of articles and chunks, the model and when the index was built."""
    built = _when(str(manifest.get("built_at", "")))
    rows = [
        ("Articles", f"{manifest.get('n_articles', 0):,}"),
        ("Chunks", f"{manifest.get('n_chunks', 0):,}"),
        ("Stories told by several articles", f"{manifest.get('n_stories', 0):,}"),
        ("Model", manifest.get("model", "")),
        ("Built", built),
    ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="qa-stats">{cells}</table>' + (
        f'<p class="qa-meta">{escape(upload_note)}</p>' if upload_note else ""
    )


def _when(stamp: str) -> str:
    """An ISO time stamp as "2026-11-22 08:19 UTC"; anything unparsable as it is."""
    from datetime import datetime, timezone

    try:
        t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return stamp
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def safe_upload_name(name: str) -> str:
    """A plain file name for an uploaded file: no folders, no hidden or special names, only
    letters, digits, '.', '-' and '_'; raises QAError for types that cannot be read."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", str(name or "")) if not unicodedata.combining(c))
    base = re.split(r"[\\/]", folded)[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")
    stem, ext = os.path.splitext(base)
    if ext.lower() not in UPLOAD_TYPES:
        shown = " ".join(str(name or "").split())[:80] or "the file"
        raise QAError(f"{shown}: unsupported file type; upload {', '.join(UPLOAD_TYPES)} files")
    stem = stem.strip("._-")[:80] or "upload"
    return stem + ext.lower()


def check_upload_size(name: str, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise QAError(
            f"{name} is {size / 1e6:.1f} MB, over the {MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit per "
            "file; split it into smaller files"
        )
    if size == 0:
        raise QAError(f"{name} is empty")


def ingest_html(report, rejected: Sequence[str], saved: Sequence[str] = ()) -> str:
    """What an upload did: the files kept (by their stored names), counts, and every file or line
    that could not be used, in plain words."""
    lines = [f"Stored {', '.join(saved)}"] if saved else []
    if report is not None:
        lines.append(
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged; "
            f"{report.embedded} chunk{'' if report.embedded == 1 else 's'} embedded. The index now holds {report.n_articles:,} articles "
            f"in {report.n_chunks:,} chunks."
        )
        for p in report.problems:
            where = os.path.basename(p.path) + (f", line {p.line}" if p.line else "")
            lines.append(f"Skipped {where}: {p.message}")
    lines.extend(f"Not added: {r}" for r in rejected)
    if not lines:
        return ""
    ok = report is not None and not report.problems and not rejected
    cls = "qa-ok" if ok else "qa-error"
    return f'<div class="{cls}">' + "".join(f"<p>{escape_line(x)}</p>" for x in lines) + "</div>"
