"""A self-contained HTML report of an evaluation result (see qa/evaluate/runner.py): the metrics table, a
hit@k / recall@k curve and a latency histogram (matplotlib PNGs inlined as data URIs), every question
in one table, and the failed questions with what was retrieved. It loads nothing from anywhere: no
external src or href, and every piece of question or article text is HTML-escaped."""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from qa.evaluate.summary import CURVE_KS, METRICS, applies_to, format_value, reliability, write_output

SNIPPET_CHARS = 400

CSS = """
body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 8px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#0a7a2f}.bad{color:#b00020}.muted{color:#777}.charts img{max-width:49%}
section.q{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:1em 0}
blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #ccc;white-space:pre-wrap}
tr.rel{background:#eefbf1}td:first-child{white-space:nowrap}.snip{white-space:pre-wrap;font-size:12px;max-width:640px}
"""


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def curve_png(records: list[dict]) -> str | None:
    """hit@k and recall@k for k = 1..10 over the questions with relevance information, as a data URI."""
    from matplotlib.figure import Figure

    scored = [r["curve"] for r in records if "curve" in r]
    if not scored:
        return None
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.add_subplot()
    for key, label in (
        ("hit", "hit@k (a relevant passage in the top k)"),
        ("recall", "recall@k (share of relevant articles in the top k)"),
    ):
        ax.plot(
            CURVE_KS,
            [sum(c[key][i] for c in scored) / len(scored) for i in range(len(CURVE_KS))],
            marker="o",
            label=label,
        )
    ax.set(
        xlabel="k (passages)",
        ylabel="mean over questions",
        ylim=(0, 1.02),
        xticks=CURVE_KS,
        title=f"Retrieval, {len(scored)} questions",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def reliability_png(records: list[dict]) -> str | None:
    """The reliability curve of the answers' confidence (share right against mean confidence, per bin
    and answer kind), as a data URI: a calibrated confidence lies on the diagonal."""
    from matplotlib.figure import Figure

    curves = {k: v for k, v in reliability(records).items() if v}
    if not curves:
        return None
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#999", linestyle=":", label="calibrated")
    names = {"short": "short answers", "sentence": "sentence answers (holds the answer)", "none": "refusals"}
    for kind, rows in curves.items():
        n = sum(k for *_, k in rows)
        ax.plot([c for c, _, _ in rows], [ok for _, ok, _ in rows], marker="o", label=f"{names[kind]} ({n})")
    ax.set(xlabel="confidence", ylabel="share right", xlim=(0, 1), ylim=(0, 1.02), title="Reliability of confidence")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def latency_png(records: list[dict], p50: float | None, p95: float | None) -> str | None:
    """Histogram of ask() latency per question, with p50 and p95 marked, as a data URI."""
    from matplotlib.figure import Figure

    values = [r["latency_ms"] for r in records]
    if not values:
        return None
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.add_subplot()
    ax.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4c72b0")
    for v, label, style in ((p50, "p50", "--"), (p95, "p95", ":")):
        if v is not None:
            ax.axvline(v, color="#c44e52", linestyle=style, label=f"{label} {v:.0f} ms")
    ax.set(xlabel="ask() latency per question (ms)", ylabel="questions", title=f"Latency, {len(values)} questions")
    ax.legend(fontsize=8)
    return _png(fig)


def _metrics_table(result: dict) -> str:
    over = applies_to(result["questions"])
    rows = "".join(
        f"<tr><td>{_e(k)}</td><td class=num>{_e(format_value(k, result[k]))}</td>"
        f"<td class=muted>{_e(over[k])}</td></tr>"
        for k in METRICS
    )
    return f"<table><tr><th>metric</th><th>value</th><th>over</th></tr>{rows}</table>"


def _mark(ok: bool) -> str:
    return "<span class=ok>✓</span>" if ok else "<span class=bad>✗</span>"


def _num(value, fmt: str = "{:.2f}") -> str:
    return "" if value is None else fmt.format(value)


def _all_questions(records: list[dict]) -> str:
    head = (
        "<tr><th>id</th><th>right</th><th>question</th><th>answer</th><th>gold</th><th>first relevant rank</th>"
        "<th>F1</th><th>ms</th></tr>"
    )
    rows = []
    for r in records:
        answer = "(abstained)" if r["abstained"] else r["answer"]
        gold = " | ".join(r["answers"]) or "(unanswerable)"
        rows.append(
            f"<tr><td>{_e(r['id'])}</td><td>{_mark(r['scores']['correct'])}</td><td>{_e(r['question'])}</td>"
            f"<td>{_e(answer)}</td><td>{_e(gold)}</td><td class=num>{_e(r['first_relevant_rank'] or '')}</td>"
            f"<td class=num>{_num(r['scores'].get('answer_f1'))}</td>"
            f"<td class=num>{_num(r['latency_ms'], '{:.0f}')}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def failed(r: dict) -> bool:
    """Wrong answer, wrong abstention, or no relevant passage among those retrieved."""
    return not r["scores"]["correct"] or r["scores"].get("hit@10") == 0.0


def _question_section(r: dict) -> str:
    s = r["scores"]
    why = []
    if not s["correct"]:
        why.append(
            "answered an unanswerable question"
            if not r["answers"]
            else "abstained"
            if r["abstained"]
            else "wrong answer"
        )
    if s.get("hit@10") == 0.0:
        why.append("no relevant passage retrieved")
    scores = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items())
    parts = [
        f'<section class=q id="q-{_e(r["id"])}"><h3>{_e(r["id"])}: {_e(r["question"])}</h3>',
        f"<p><b>Why listed:</b> {_e('; '.join(why))}<br><b>Gold:</b> {_e(' | '.join(r['answers']) or '(none)')}"
        f"<br><b>Answer:</b> {_e(r['answer'])}{' <i>(abstained)</i>' if r['abstained'] else ''}"
        f"<br><span class=muted>{_e(scores)}</span></p>",
    ]
    if r["evidence"]:
        parts.append("<p><b>Evidence:</b></p>" + "".join(f"<blockquote>{_e(q)}</blockquote>" for q in r["evidence"]))
    if r["doc_ids"]:
        parts.append(f"<p><b>Gold articles:</b> {_e(', '.join(r['doc_ids']))}</p>")
    for what in r.get("not_in_index", []):
        parts.append(f"<p class=bad>{_e(what)} is not in the index</p>")
    for c in r["citations"]:
        parts.append(
            f"<p><b>Citation</b> {_mark(c['exact'])} {_e(c['title'])} <span class=muted>[{_e(c['doc_id'])} "
            f"{c['start']}-{c['end']}]</span></p><blockquote>{_e(c['quote'])}</blockquote>"
        )
    parts.append(_passages_table(r["passages"]))
    parts.append("</section>")
    return "".join(parts)


def _passages_table(passages: list[dict]) -> str:
    if not passages:
        return "<p class=muted>No passages retrieved.</p>"
    rows = []
    for p in passages:
        snippet = " ".join(p["text"].split())
        snippet = snippet[:SNIPPET_CHARS] + ("…" if len(snippet) > SNIPPET_CHARS else "")
        rows.append(
            f"<tr{' class=rel' if p['relevant'] else ''}><td class=num>{p['rank']}</td>"
            f"<td>{_mark(p['relevant'])}</td><td>{_e(p['title'])}<br><span class=muted>{_e(p['doc_id'])} "
            f"{p['start']}-{p['end']} · score {p['score']:.4f}</span></td><td class=snip>{_e(snippet)}</td></tr>"
        )
    return (
        "<details><summary>Retrieved passages</summary><table><tr><th>rank</th><th>relevant</th>"
        f"<th>article</th><th>text</th></tr>{''.join(rows)}</table></details>"
    )


def render_report(result: dict) -> str:
    """The whole report as one HTML string."""
    records = result["questions"]
    st = result["settings"]
    right = sum(1 for r in records if r["scores"]["correct"])
    charts = [
        src
        for src in (
            curve_png(records),
            reliability_png(records),
            latency_png(records, result["latency_p50_ms"], result["latency_p95_ms"]),
        )
        if src
    ]
    bad = [r for r in records if failed(r)]
    setting_text = ", ".join(f"{k}={v}" for k, v in st.items())
    return "".join(
        [
            "<!doctype html><html lang=en><head><meta charset=utf-8>",
            '<meta name=viewport content="width=device-width, initial-scale=1">',
            f"<title>Evaluation: {_e(st.get('questions_file', ''))}</title><style>{CSS}</style></head><body>",
            f"<h1>Evaluation of {result['n_questions']} questions on {result['n_articles']} articles</h1>",
            f"<p><b>{right} of {len(records)}</b> questions right (answer accuracy on answerable questions, "
            "abstention on unanswerable ones).</p>",
            f"<p class=muted>{_e(setting_text)}</p>",
            "<h2>Metrics</h2>",
            _metrics_table(result),
            "<div class=charts>",
            "".join(f'<img alt="chart" src="{src}">' for src in charts),
            "</div>",
            f"<h2>Failed questions ({len(bad)})</h2>",
            "".join(_question_section(r) for r in bad) or "<p>None.</p>",
            "<h2>All questions</h2>",
            _all_questions(records),
            "</body></html>\n",
        ]
    )


def write_report(result: dict, path: str | Path) -> None:
    write_output(path, render_report(result), "--report")
