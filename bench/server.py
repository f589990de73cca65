"""Start `python app.py` on a free loopback port for a benchmark, and stop it again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, free_port


@dataclass(frozen=True)
class App:
    proc: subprocess.Popen
    url: str
    started: float  # time.perf_counter() just before the process was started
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def running_app(index: Path, corpus: list[Path], log: Path, *options: str) -> Iterator[App]:
    """app.py serving `index` (synced with `corpus`) on a free 127.0.0.1 port, with any further command-line
    `options` (such as `--auth USER:PASS`; no login otherwise, whatever $QA_AUTH says); stopped on exit.
    The browser tests start their app with it too."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("QA_INDEX", "QA_AUTH")}
    cmd = [
        sys.executable,
        str(ROOT / "app.py"),
        "--port",
        str(port),
        "--index",
        str(index),
        "--corpus",
        *map(str, corpus),
        *options,
    ]
    with open(log, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield App(proc, f"http://127.0.0.1:{port}", started, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
