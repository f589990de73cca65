"""Load test (issue 6): the real app on a loopback port, 20 chat sessions at once asking questions from
the question sets the way the browser does, for 60 seconds, then on until 1,000 questions have been
answered in all (the memory-growth check). Requests served, errors (must be 0), latency, server RSS.

    python bench/load.py [--index DIR] [--sessions 20] [--seconds 60] [--total 1000] [--json OUT]
    python bench/load.py --bundled ...     # the bundled 2-article corpus instead of realtimeqa-dev
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    RTQA,
    RTQA_INDEX,
    SHARED,
    copy_index,
    machine,
    percentiles_ms,
    print_table,
    read_questions,
    rss_mb,
    write_json,
)
from bench.gradio_chat import ChatSession, Reply, find_chat, wait_until_up  # noqa: E402
from bench.server import App, running_app  # noqa: E402

QUESTION_SETS = (SHARED / "questions" / "seed-dev.jsonl", RTQA / "questions.jsonl")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--index",
        default=str(RTQA_INDEX),
        help="built index to serve (copied first; default: the realtimeqa-dev index)",
    )
    p.add_argument(
        "--corpus", nargs="+", default=[str(RTQA / "corpus.jsonl")], help="the corpus the index was built from"
    )
    p.add_argument("--bundled", action="store_true", help="serve the bundled corpus/ (index built at start) instead")
    p.add_argument("--sessions", type=int, default=20, help="concurrent chat sessions (default 20)")
    p.add_argument("--seconds", type=float, default=60, help="length of the timed window (default 60)")
    p.add_argument("--total", type=int, default=1000, help="keep going until this many questions were answered")
    p.add_argument(
        "--warmup",
        type=int,
        default=100,
        help="questions asked by the sessions before measuring (the "
        "answer path fills its caches over the first ~100; default 100)",
    )
    p.add_argument("--turns", type=int, default=5, help="questions per session before it starts a new one (a new tab)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the results to this JSON file")
    return p.parse_args(argv)


class Load:
    """Sessions asking questions until the window is over and `total` questions were asked."""

    def __init__(self, questions: list[str], seconds: float, total: int, turns: int):
        self.questions, self.seconds, self.total, self.turns = questions, seconds, total, turns
        self.started = 0
        self.replies: list[tuple[float, float, Reply]] = []  # (sent at, done at) seconds into the run, reply
        self.t0 = 0.0

    def more(self) -> bool:
        return time.perf_counter() - self.t0 < self.seconds or self.started < self.total

    async def session_loop(self, client, chat) -> None:
        session, asked = ChatSession(client, chat), 0
        while self.more():
            question = self.questions[self.started % len(self.questions)]
            self.started += 1
            sent = time.perf_counter() - self.t0
            reply = await session.ask(question)
            self.replies.append((sent, time.perf_counter() - self.t0, reply))
            asked += 1
            if asked % self.turns == 0:
                session = ChatSession(client, chat)


async def sample_rss(app: App, t0: float, out: list, every: float = 2.0) -> None:
    while app.alive():
        out.append((round(time.perf_counter() - t0, 1), round(rss_mb(app.proc.pid), 1)))
        await asyncio.sleep(every)


async def drive(app: App, args, questions: list[str]) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=4 * args.sessions, max_keepalive_connections=4 * args.sessions)
    async with httpx.AsyncClient(base_url=app.url, limits=limits, timeout=60) as client:
        config = await wait_until_up(client, 900, app.alive)
        up_s = time.perf_counter() - app.started
        chat = find_chat(config)
        rss_up = rss_mb(app.proc.pid)
        warm = Load(questions[::-1], 0, args.warmup, args.turns)
        warm.t0 = time.perf_counter()
        await asyncio.gather(*(warm.session_loop(client, chat) for _ in range(args.sessions)))
        load = Load(questions, args.seconds, args.total, args.turns)
        rss: list = []
        load.t0 = time.perf_counter()
        sampler = asyncio.create_task(sample_rss(app, load.t0, rss))
        await asyncio.gather(*(load.session_loop(client, chat) for _ in range(args.sessions)))
        wall = time.perf_counter() - load.t0
        rss.append((round(wall, 1), round(rss_mb(app.proc.pid), 1)))
        sampler.cancel()
    return summarise(load, rss, wall, up_s, rss_up, warm, args)


def summarise(load: Load, rss: list, wall: float, up_s: float, rss_up: float, warm: Load, args) -> dict:
    replies = load.replies
    window = [r for _, done, r in replies if done <= args.seconds]
    errors = [r for _, _, r in replies if not r.ok]
    after = [m for t, m in rss if t >= args.seconds]
    shown = [r.first_frame_s for r in window if r.first_frame_s == r.first_frame_s]  # not NaN
    return {
        "sessions": args.sessions,
        "seconds": args.seconds,
        "turns_per_session": args.turns,
        "server_up_s": round(up_s, 1),
        "warm_up": {"asked": len(warm.replies), "errors": sum(not r.ok for _, _, r in warm.replies)},
        "window": {
            "served": len(window),
            "errors": sum(not r.ok for r in window),
            "per_s": round(len(window) / args.seconds, 2),
            **percentiles_ms([r.seconds for r in window]),
            "first_frame": percentiles_ms(shown),
        },
        "all": {
            "served": len(replies),
            "errors": len(errors),
            "wall_s": round(wall, 1),
            "per_s": round(len(replies) / wall, 2),
            **percentiles_ms([r.seconds for _, _, r in replies]),
        },
        "rss_mb": {
            "up": round(rss_up, 1),
            "start": rss[0][1],
            "at_window_end": after[0] if after else rss[-1][1],
            "end": rss[-1][1],
            "max": max(m for _, m in rss),
            "samples": rss,
        },
        "errors_seen": [{"question": r.question, "error": r.error} for r in errors[:20]],
        "abstained": sum("does not seem to answer" in r.answer for _, _, r in replies),
    }


def report(r: dict) -> None:
    w, a, m = r["window"], r["all"], r["rss_mb"]
    print_table(
        f"Load: {r['sessions']} chat sessions against app.py ({r['index_kind']})",
        [
            (
                f"first {r['seconds']:.0f} s",
                w["served"],
                w["errors"],
                w["per_s"],
                w["p50_ms"],
                w["p95_ms"],
                w["max_ms"],
            ),
            (
                f"until {a['served']} answered ({a['wall_s']:.0f} s)",
                a["served"],
                a["errors"],
                a["per_s"],
                a["p50_ms"],
                a["p95_ms"],
                a["max_ms"],
            ),
        ],
        header=("", "served", "errors", "per s", "p50 ms", "p95 ms", "max ms"),
    )
    print_table(
        "Server memory (RSS)",
        [
            ("when up (app.py answered its warm-up)", f"{m['up']:,.0f} MB"),
            (f"start (after {r['warm_up']['asked']} warm-up questions)", f"{m['start']:,.0f} MB"),
            (f"after {r['seconds']:.0f} s", f"{m['at_window_end']:,.0f} MB"),
            (f"end ({a['served']} questions)", f"{m['end']:,.0f} MB"),
            ("max", f"{m['max']:,.0f} MB"),
            ("growth from start to end", f"{m['end'] - m['start']:+,.0f} MB"),
        ],
    )
    print(
        f"\n  time to first answer frame in the window: p50 {w['first_frame']['p50_ms']:,.0f} ms, "
        f"p95 {w['first_frame']['p95_ms']:,.0f} ms; abstentions: {r['abstained']}; server up after "
        f"{r['server_up_s']:.0f} s"
    )
    for e in r["errors_seen"]:
        print(f"  error: {e['question'][:60]!r}: {e['error'][:200]}")


def main(argv=None) -> int:
    args = parse_args(argv)
    questions = read_questions(*QUESTION_SETS)
    random.Random(args.seed).shuffle(questions)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmp = Path(tmp)
        if args.bundled:
            corpus, index, kind = [tmp / "corpus"], tmp / "index", "bundled corpus"
            shutil.copytree(ROOT / "corpus", corpus[0])
        else:
            corpus, index = [Path(c) for c in args.corpus], copy_index(Path(args.index), tmp)
            kind = f"copy of {args.index}"
        with running_app(index, corpus, tmp / "app.log") as app:
            try:
                r = asyncio.run(drive(app, args, questions))
            except (RuntimeError, TimeoutError) as e:
                print(f"error: {e}\n{app.tail()}", file=sys.stderr)
                return 1
        r.update({"machine": machine(), "index_kind": kind, "questions": len(questions)})
    report(r)
    write_json(args.json, r)
    return 1 if r["all"]["errors"] or r["warm_up"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
