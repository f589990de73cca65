"""The evaluation report's plots as PNG files, for the README: the hit@k / recall@k curve and the latency
histogram that qa/evaluate/report.py draws into its HTML report, from an `eval --json` result.

    python -m qa eval ../shared/datasets/realtimeqa-dev/questions.jsonl --index rtqa-index --json rtqa.json
    python -m bench.eval_plots rtqa.json --out docs/images --name rtqa
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from qa.evaluate.report import curve_png, latency_png

DATA_URI = "data:image/png;base64,"


def write_plots(result: dict, out: Path, name: str) -> list[Path]:
    """`<name>-retrieval.png` and `<name>-latency.png` in `out` (a plot with nothing to show is left out)."""
    records = result["questions"]
    plots = {
        "retrieval": curve_png(records),
        "latency": latency_png(records, result.get("latency_p50_ms"), result.get("latency_p95_ms")),
    }
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, uri in plots.items():
        if uri:
            path = out / f"{name}-{kind}.png"
            path.write_bytes(base64.b64decode(uri.removeprefix(DATA_URI)))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("result", help="the JSON written by `python -m qa eval … --json`")
    p.add_argument("--out", default="docs/images", help="folder for the PNG files (default docs/images)")
    p.add_argument("--name", default="eval", help="file name prefix (default eval)")
    args = p.parse_args(argv)
    result = json.loads(Path(args.result).read_text(encoding="utf-8"))
    for path in write_plots(result, Path(args.out), args.name):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
