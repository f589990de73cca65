"""Small helpers shared by the benchmarks: timing of stages, memory, percentiles, tables and JSON."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QA_SHARED") or ROOT.parent / "shared")  # as the tests find it (tests/conftest.py)
RTQA = SHARED / "datasets" / "realtimeqa-dev"
RTQA_INDEX = ROOT / "bench" / "results" / "rtqa-index"  # built on first use (git-ignored)


@contextmanager
def stage_timer(targets: dict[str, tuple[object, str]]) -> Iterator[dict[str, float]]:
    """Wrap `getattr(owner, attr)` for each named stage so that the seconds spent in it add up in the
    yielded dict (and `<name>_calls` counts calls). The originals are restored on exit."""
    totals: dict[str, float] = {}
    saved = []

    def wrap(name: str, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - t0
                totals[f"{name}_calls"] = totals.get(f"{name}_calls", 0) + 1

        return timed

    missing = object()
    for name, (owner, attr) in targets.items():
        saved.append((owner, attr, vars(owner).get(attr, missing)))  # the raw attribute (a classmethod stays one)
        setattr(owner, attr, wrap(name, getattr(owner, attr)))
    try:
        yield totals
    finally:
        for owner, attr, own in reversed(saved):
            if own is missing:
                delattr(owner, attr)
            else:
                setattr(owner, attr, own)


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process now, in MB (Linux /proc)."""
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process so far, in MB."""
    if pid == "self":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return _status_kb(pid, "VmHWM") / 1024


def _status_kb(pid: int | str, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    return float("nan")


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and max of durations given in seconds, in milliseconds (percentiles as in
    `python -m qa eval`)."""
    from qa.evaluate.metrics import percentile

    if not seconds:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "mean_ms": float("nan"), "max_ms": float("nan")}
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def machine() -> dict:
    """What the numbers were measured on (they are only comparable on the same machine and load)."""
    import torch

    return {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def print_table(title: str, rows: Sequence[Sequence[object]], header: Sequence[str] | None = None) -> None:
    """A plain aligned table on stdout."""
    cells = [[_fmt(c) for c in r] for r in ([header] if header else []) + list(rows)]
    widths = [max(len(r[i]) for r in cells if i < len(r)) for i in range(max(len(r) for r in cells))]
    print(f"\n{title}")
    for j, r in enumerate(cells):
        print("  " + "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
        if header and j == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def bench_main(parse_args, run, report):
    """The `main(argv)` of a benchmark: parse the options, run, print the tables, write the JSON."""

    def main(argv=None) -> int:
        args = parse_args(argv)
        result = run(args)
        report(result)
        write_json(args.json, result)
        return 0

    return main


def write_json(path: str | os.PathLike | None, result: dict) -> None:
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")


def read_questions(*paths: str | os.PathLike) -> list[str]:
    """The question texts of JSON Lines question sets, in file order (read as `python -m qa eval` reads them)."""
    from qa.evaluate.questions import load_questions

    return [q.question for p in paths for q in load_questions(p)]


def ensure_rtqa_index(path: Path = RTQA_INDEX) -> Path:
    """The default realtimeqa-dev index, built there (with a progress bar, ~8 min on 2 cores) if missing."""
    from qa.index.layout import current_folder

    if path == RTQA_INDEX and current_folder(path) is None:
        from qa.api import build_index

        print(f"Building the realtimeqa-dev index at {path} (once) …", flush=True)
        build_index([RTQA / "corpus.jsonl"], path)
    return path


def copy_index(src: Path, dest_parent: Path) -> Path:
    """A private copy of a built index folder (benchmarks never write into a shared one); the default
    realtimeqa-dev index is built first if it is missing."""
    from qa.index.layout import current_folder

    src = ensure_rtqa_index(src)
    if current_folder(src) is None:
        raise SystemExit(
            f"error: no built index at {src} (no CURRENT or manifest.json yet); build one with "
            f"`python -m qa ingest {RTQA / 'corpus.jsonl'} --index DIR` and pass --index DIR"
        )
    dest = dest_parent / src.name
    shutil.copytree(src, dest)
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
