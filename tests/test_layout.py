"""The code's shape, checked by maintained tools: stages import only the stages below them and no two
modules of a stage import each other in a cycle (import-linter, contracts in pyproject.toml), ruff's lint
rules hold and every file is as `ruff format` writes it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["qa", "tests", "bench", "app.py"]


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.fail(f"{name} is not installed: `pip install -r requirements-dev.txt`")
    return found


def test_stages_import_only_downwards_and_without_cycles():
    done = run(tool("lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_ruff_lint_rules_hold():
    done = run(tool("ruff"), "check", *SOURCES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_file_is_formatted_by_ruff():
    done = run(tool("ruff"), "format", "--check", *SOURCES)
    assert done.returncode == 0, "run `ruff format`:\n" + done.stdout + done.stderr
