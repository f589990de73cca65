"""The web chat's pure parts: safe HTML for answers, the sources panel and the corpus panel.

Everything that comes from an article, a question or a file name goes through `escape()` before it
is put into HTML. Nothing here imports Gradio or reads files; `qa/ui/app.py` wires these to the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from qa.answer.citations import citation_groups, copies_of
from qa.records import Answer, Article
from qa.retrieve.filters import outlet_name
from qa.text.dates import relative_note

QUOTE_CHARS = 220  # a quote in the chat is cut at a word after this many characters (the panel shows it whole)
_DANGLING = " \t\n\r,;:.—–-"  # not left at the end of a shortened quote (no ".…")
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
    """The outlet by its proper name ("Fox News") and the date, as escaped text."""
    return escape_line(", ".join(x for x in (outlet_name(source) if source else "", published) if x))


def escape_exact(text: str) -> str:
    """`escape()` of text that must stay exactly the article's words (a quote): line breaks become
    entities, so the HTML stays on one line while the page's text is still `article.text[start:end]`."""
    return escape(text).replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")


def quote_html(text: str, limit: int = QUOTE_CHARS) -> str:
    """An article's words as a quote: exactly a piece of the article in `.qa-quote`, cut at a word (without
    a dangling full stop or comma) when longer than `limit`, with the "…" outside it. Nothing the page adds
    (dates, outlets, marks) goes inside: the quote is the article's words and nothing else."""
    shown, cut = text, ""
    if len(text) > limit:
        head = text[: limit + 1]
        shown = head.rsplit(None, 1)[0] if len(head.split()) > 1 else text[:limit]
        shown = shown.rstrip(_DANGLING)
        cut = '<span class="qa-cut" aria-label="(shortened)">…</span>'
    return f'<span class="qa-quote-box"><span class="qa-quote">{escape_exact(shown)}</span>{cut}</span>'


# ---------------------------------------------------------------- the chat message


def message_html(turn_no: int, turn: Turn, n_words: int | None = None) -> str:
    """The assistant's message for a turn, as one line of HTML. With `n_words`, only that many words
    of the answer and no sources: the frames of the streamed answer (the full message alone has class
    qa-done). A short answer is bold; a sentence answer reads as the article's sentence with its citation;
    an abstention lists the closest passages as such."""
    head = ""
    if turn.resolved != turn.question:
        head = f'<p class="qa-resolved">Understood as: {escape_line(turn.resolved)}</p>'
    wrap = f'<div class="qa-msg qa-turn-{turn_no}{{}}">{head}{{}}</div>'  # (Gradio strips data- attributes)
    if turn.answer is None:
        return wrap.format(" qa-done", f'<p class="qa-error">{escape_line(turn.error)}</p>')
    a = turn.answer
    words = a.answer.split()
    partial = n_words is not None and n_words < len(words)
    if partial:
        text = escape_line(" ".join(words[:n_words]))
        kind = "qa-abstain" if a.abstained else "qa-answer" + (" qa-sentence" if a.answer_kind == "sentence" else "")
        return wrap.format("", f'<p class="{kind}">{text}</p>')
    marks = "".join(cite_link("c", turn_no, i, f"[{i}]") for i in range(1, len(a.citations) + 1))
    if a.abstained:
        body = f'<p class="qa-abstain">{escape_line(a.answer)}</p>' + _passage_list(turn_no, a)
    elif a.answer_kind == "sentence":
        body = (
            '<p class="qa-lead">No short answer was sure; the sentence of the articles that answers best:</p>'
            f'<p class="qa-answer qa-sentence">{quote_html(a.answer, 10 * QUOTE_CHARS)} {marks}</p>'
            + _source_list(turn_no, a, quotes=False)
        )
    else:
        body = f'<p class="qa-answer"><strong>{escape_line(a.answer)}</strong> {marks}</p>' + _source_list(turn_no, a)
    notes = "".join(f'<p class="qa-note">{escape_line(n)}</p>' for n in a.notices)
    return wrap.format(" qa-done", body + notes)


def message_frames(turn_no: int, turn: Turn) -> Iterator[str]:
    """The message growing word by word, ending with the full message (citations and sources)."""
    if turn.answer is not None:
        for k in range(1, len(turn.answer.answer.split())):
            yield message_html(turn_no, turn, k)
    yield message_html(turn_no, turn)


def _source_list(turn_no: int, a: Answer, quotes: bool = True) -> str:
    """One item per group of citations of the same words: the first one's article, outlet and date, its
    quote, and one line naming every article of its story ("Told by 2 outlets: [1] CNN, [2] Fox News")."""
    items, told = [], set()
    numbers: dict[str, int] = {}
    for i, c in enumerate(a.citations, 1):
        numbers.setdefault(c.doc_id, i)
    for group in citation_groups(a.citations):
        c = a.citations[group[0] - 1]
        meta = _meta(c.source, c.published)
        members = _story_members(a, group)
        story_line = ""
        if len(members) > 1 and not told & {d for d, _, _ in members}:
            told |= {d for d, _, _ in members}
            story_line = f'<br><span class="qa-story">{_told_by(turn_no, members, numbers)}</span>'
        items.append(
            f"<li>{cite_link('c', turn_no, group[0], f'[{group[0]}]')} <b>{escape_line(c.title or c.doc_id, 120)}</b>"
            + (f' <span class="qa-meta">({meta})</span>' if meta else "")
            + (f"<br>{quote_html(c.quote)}" if quotes else "")
            + story_line
            + "</li>"
        )
    return f'<ul class="qa-sources-list">{"".join(items)}</ul>'


def _story_members(a: Answer, group: list[int]) -> list[tuple[str, str, str]]:
    """(doc_id, name, outlet) of each article telling the group's story: the story's articles when it
    is one of the answer's stories, else the cited copies and the articles carrying the same words."""
    first = a.citations[group[0] - 1]
    story = next((st for st in a.stories if first.doc_id in st.doc_ids), None)
    if story is not None:
        return [
            (d, story.titles[k] if story.titles else d, story.outlets[k] if story.outlets else "")
            for k, d in enumerate(story.doc_ids)
        ]
    cited = [a.citations[j - 1] for j in group]
    members = {c.doc_id: (c.doc_id, c.title or c.doc_id, c.source) for c in cited}
    for d in first.also_in:
        members.setdefault(d, (d, d, ""))
    return list(members.values())


def _told_by(turn_no: int, members: list[tuple[str, str, str]], numbers: Mapping[str, int], most: int = 5) -> str:
    """ "Told by 2 outlets: [1] CNN, [2] Fox News" when every article names another outlet, else "Told by 2
    articles: [1] Iran Cozies Up…; [2] Iran has established a foothold… (Fox News)". Cited ones link."""
    names = [outlet_name(o) if o else "" for _, _, o in members]
    by_outlet = all(names) and len(set(names)) == len(names)
    parts = []
    for (doc_id, title, _), name in list(zip(members, names, strict=True))[:most]:
        link = f"{cite_link('c', turn_no, numbers[doc_id], f'[{numbers[doc_id]}]')} " if doc_id in numbers else ""
        shown = escape_line(name) if by_outlet else escape_line(title, 70) + (f" ({escape_line(name)})" if name else "")
        parts.append(link + shown)
    more = f"; and {len(members) - most} more" if len(members) > most else ""
    what = "outlets" if by_outlet else "articles"
    return f"Told by {len(members)} {what}: " + ("; " if not by_outlet else ", ").join(parts) + more


def _passage_list(turn_no: int, answer: Answer) -> str:
    """The closest passages of an abstention, headed as what they are: not an answer."""
    shown = answer.passages[:3]
    if not shown:
        return ""
    items = "".join(
        f"<li>{cite_link('p', turn_no, i, f'passage {i}')} <b>{escape_line(p.title or p.doc_id, 120)}</b>"
        + (
            f' <span class="qa-meta">(also in {len(p.also_in)} more article{"s" if len(p.also_in) > 1 else ""})</span>'
            if p.also_in
            else ""
        )
        + f"<br>{quote_html(p.text)}</li>"
        for i, p in enumerate(shown, 1)
    )
    heading = (
        "Closest passage (it does not answer the question):"
        if len(shown) == 1
        else "Closest passages (they do not answer the question):"
    )
    return f'<p class="qa-lead">{heading}</p><ul class="qa-sources-list qa-near-list">{items}</ul>'


# ---------------------------------------------------------------- the sources panel


def highlight(
    text: str, spans: Sequence[tuple[int, int]], current: tuple[int, int] | None = None, style: str = "qa-current"
) -> str:
    """The text as HTML with each span in <mark>; the mark holding `current` gets class `style` (qa-current
    for cited evidence, "qa-current qa-near" for a closest passage, which is not evidence)."""
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
        cls = f' class="{style}"' if current is not None and s <= current[0] < e else ""
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
        order, label = [n], "Closest passage (it does not answer the question)"
    nav = " ".join(
        cite_link(kind, turn_no, i, f"[{i}]" if kind == "c" else f"passage {i}") for i in range(1, len(items) + 1)
    )
    back = f'<a class="qa-back" href="#qa-msg-{turn_no}">↑ Back to the answer</a>'
    head = (
        f'<p class="qa-meta">{label} for: {escape_line(turn.resolved, 160)}</p>'
        f'<p class="qa-nav">{nav}<span class="qa-nav-back">{back}</span></p>'
    )
    blocks = [_article_block(kind, i, items[i - 1], articles, first=(k == 0)) for k, i in enumerate(order)]
    shown = {items[i - 1].doc_id for i in order}
    blocks += [
        _article_block("c", 0, copy, articles, first=False)
        for copy in copies_of(items[n - 1], articles)
        if copy.doc_id not in shown
    ]
    return f'<div class="qa-panel" data-current="{kind}{n}" tabindex="-1">{head}{"".join(blocks)}</div>'


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
    style = "qa-current" if kind == "c" else "qa-current qa-near"
    if article is not None and article.text[item.start : item.end] == quote:
        body = highlight(article.text, [(item.start, item.end)], (item.start, item.end), style)
        note = ""
    else:
        body = f'<mark class="{style}">{escape(quote)}</mark>'
        note = '<p class="qa-note">The article has changed since this answer; only the quoted words are shown.</p>'
    dated = relative_note("this quote", quote, published) if kind == "c" else ""
    if dated:
        note += f'<p class="qa-note">{escape_line(dated)}</p>'
    card = (
        f'<div class="qa-meta">{meta or "outlet and date unknown"}{link}</div>{note}'
        f'<div class="qa-article" tabindex="0" role="region" aria-label="Text of the article">{body}</div>'
    )
    if first:
        return f'<div class="qa-source"><h3 tabindex="-1">{escape(number)}{title}</h3>{card}</div>'
    return f'<details class="qa-source"><summary>Also in {escape(number)}{title}</summary>{card}</details>'


# ---------------------------------------------------------------- the corpus panel


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
