"""What an evaluation result adds up to: the metrics over the per-question records, what each is
averaged over, and the result as a table or a file. The runner (qa/evaluate/runner.py) and the HTML
report (qa/evaluate/report.py) both use these."""

from __future__ import annotations

import json
from pathlib import Path

from qa.errors import QAError
from qa.evaluate import metrics as m

METRICS = (
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "ndcg@10",
    "answer_accuracy",
    "answer_em",
    "answer_f1",
    "abstain_precision",
    "abstain_recall",
    "citation_exact",
    "citation_support",
    "latency_p50_ms",
    "latency_p95_ms",
)
CURVE_KS = tuple(range(1, 11))  # k of the hit@k / recall@k curve in the report


def aggregate(records: list[dict]) -> dict:
    """The METRICS over per-question records, each over the questions it applies to."""

    def avg(key: str):
        return m.mean(float(r["scores"][key]) for r in records if key in r["scores"])

    precision, recall = m.abstention_scores([r["abstained"] for r in records], [bool(r["answers"]) for r in records])
    cites = [c["exact"] for r in records for c in r["citations"]]
    latencies = [r["latency_ms"] for r in records]
    out = {k: avg(k) for k in (*m.RETRIEVAL_METRICS, "answer_accuracy", "answer_em", "answer_f1")}
    p50, p95 = m.percentile(latencies, 50), m.percentile(latencies, 95)
    out.update(
        {
            "abstain_precision": precision,
            "abstain_recall": recall,
            "citation_exact": m.mean(float(x) for x in cites),
            "citation_support": avg("citation_support"),
            "latency_p50_ms": None if p50 is None else round(p50, 2),
            "latency_p95_ms": None if p95 is None else round(p95, 2),
        }
    )
    return {k: out[k] for k in METRICS}


def reliability(records: list[dict], bins: int = 10) -> dict[str, list[tuple[float, float, int]]]:
    """Per answer kind, (mean confidence, share right, questions) in equal-width confidence bins: a short
    answer is right when it scores answer accuracy, a sentence when it holds a gold answer, an abstention
    when the question has none. Calibrated confidences lie on the diagonal."""
    out: dict[str, list[tuple[float, float, int]]] = {}
    for kind in ("short", "sentence", "none"):
        pairs = [(r["confidence"], _right(r)) for r in records if r.get("answer_kind", "short") == kind]
        rows = []
        for b in range(bins):
            inside = [(c, ok) for c, ok in pairs if b / bins <= c < (b + 1) / bins or (b == bins - 1 and c == 1.0)]
            if inside:
                rows.append((m.mean(c for c, _ in inside), m.mean(float(ok) for _, ok in inside), len(inside)))
        out[kind] = rows
    return out


def calibration_error(curve: list[tuple[float, float, int]]) -> float | None:
    """Expected calibration error of one reliability curve: the question-weighted gap to the diagonal."""
    n = sum(k for *_, k in curve)
    return sum(k * abs(c - ok) for c, ok, k in curve) / n if n else None


def _right(r: dict) -> bool:
    if r.get("answer_kind") == "none" or r["abstained"]:
        return not r["answers"]
    if r.get("answer_kind") == "sentence":
        return bool(r["scores"].get("holds_answer"))
    return bool(r["scores"].get("answer_accuracy"))


def applies_to(records: list[dict]) -> dict[str, str]:
    """For each metric, how many of what it is averaged over (for the console and the report)."""
    n_rel = sum(1 for r in records if "mrr@10" in r["scores"])
    n_ans = sum(1 for r in records if r["answers"])
    n_abst = sum(1 for r in records if r["abstained"])
    n_cites = sum(len(r["citations"]) for r in records)
    n_sup = sum(1 for r in records if "citation_support" in r["scores"])
    over = dict.fromkeys(m.RETRIEVAL_METRICS, f"{n_rel} questions with evidence or doc_ids")
    over.update(dict.fromkeys(("answer_accuracy", "answer_em", "answer_f1"), f"{n_ans} answerable questions"))
    over.update(
        {
            "abstain_precision": f"{n_abst} abstentions",
            "abstain_recall": f"{len(records) - n_ans} unanswerable questions",
            "citation_exact": f"{n_cites} citations",
            "citation_support": f"{n_sup} answered questions with evidence or doc_ids",
            "latency_p50_ms": f"{len(records)} questions, after 1 warm-up",
            "latency_p95_ms": f"{len(records)} questions, after 1 warm-up",
        }
    )
    return over


def format_value(key: str, value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"


def format_table(result: dict) -> str:
    """The metrics as a plain-text table, with what each is averaged over."""
    over = applies_to(result["questions"])
    lines = [f"{'metric':<18} {'value':>8}  over", "-" * 64]
    lines += [f"{k:<18} {format_value(k, result[k]):>8}  {over[k]}" for k in METRICS]
    records = result["questions"]
    right = sum(1 for r in records if r["scores"]["correct"])
    kinds = {k: sum(1 for r in records if r.get("answer_kind", "short") == k) for k in ("short", "sentence", "none")}
    curves = reliability(records)
    errors = ", ".join(
        f"{k} {e:.3f}" for k in ("short", "sentence", "none") if (e := calibration_error(curves[k])) is not None
    )
    lines += [
        "-" * 64,
        f"answers: {kinds['short']} short, {kinds['sentence']} sentences, {kinds['none']} refused; "
        f"calibration error of the confidence: {errors or 'n/a'}",
        f"{right} of {len(records)} questions right (answer accuracy on answerable ones, "
        f"abstention on unanswerable ones); {result['n_articles']} articles in the index",
    ]
    return "\n".join(lines)


def write_output(path: str | Path, text: str, option: str) -> None:
    """Write an output file (creating its folder); `option` names the flag that gave the path."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise QAError(f"cannot write {path} ({e.strerror or e}); give {option} a path you can write to") from e


def write_json(result: dict, path: str | Path) -> None:
    write_output(path, json.dumps(result, ensure_ascii=False, indent=1) + "\n", "--json")
