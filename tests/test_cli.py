"""The command line (issue 2): `python -m qa ingest PATH...` (files and folders), `ask` with numbered citations
or `--json` with the issue's field names, `info`, and the index folder from --index or QA_INDEX. The hash
embedder (`--model hash-64`) where the model is not the point; one test asks the real model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import cli
from qa.index.layout import current_folder
from qa.ingest.readers import read_paths

ROOT = Path(__file__).resolve().parent.parent
CLUB = "Who described the 'Club of Other'?"
SEED_IDS = {"000_f0064c69b098e1e3", "001_cafc69e03f85d0ea"}
QUOKKA = "Quokka census\n\nRangers on Rottnest Island counted 12,400 quokkas, the island authority said.\n"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m qa ARGS` in a child process, from the repository folder."""
    return subprocess.run(
        [sys.executable, "-m", "qa", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def new_folder(tmp_path) -> Path:
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "quokka.txt").write_text(QUOKKA, encoding="utf-8")
    return folder


def test_python_m_qa_ingest_files_and_folders_then_ask(tmp_path, corpus_dir, new_folder):
    index = tmp_path / "index"
    done = run(
        "ingest",
        str(corpus_dir / "000_f0064c69b098e1e3.txt"),
        str(new_folder),
        "--index",
        str(index),
        "--model",
        "hash-64",
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert "2 added, 0 updated, 0 unchanged" in done.stdout and f"index {index} holds 2 articles" in done.stdout
    asked = run("ask", "How many quokkas did the rangers count?", "--index", str(index))
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("Q: How many quokkas did the rangers count?\n")
    assert "Traceback" not in asked.stderr


def test_ingest_adds_to_the_index_and_keeps_its_model(tmp_path, corpus_dir, new_folder, capsys):
    index = str(tmp_path / "index")
    assert cli.main(["ingest", str(corpus_dir), "--index", index, "--model", "hash-64", "--quiet"]) == 0
    assert cli.main(["ingest", str(new_folder), "--index", index, "--quiet"]) == 0  # no --model: the index's
    out = capsys.readouterr().out
    assert "1 added, 0 updated, 0 unchanged" in out and "holds 3 articles" in out
    assert cli.main(["ingest", str(corpus_dir), str(new_folder), "--index", index, "--quiet"]) == 0
    assert "0 added, 0 updated, 3 unchanged; 0 chunks embedded" in capsys.readouterr().out


def test_ingest_with_another_model_says_how_to_rebuild(seed_index, tmp_path, new_folder, capsys):
    assert cli.main(["ingest", str(new_folder), "--index", str(seed_index), "--model", "hash-32", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "model: index has 'hash-64', settings ask for 'hash-32'" in err and "--rebuild" in err


def test_ask_prints_the_answer_with_numbered_citations(seed_index, capsys):
    assert cli.main(["ask", CLUB, "--index", str(seed_index)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"Q: {CLUB}" and lines[2].startswith("A: ") and lines[2].endswith("[1][2]")
    assert lines[4].startswith("[1] Iran Cozies Up To Venezuela") and lines[5].startswith("    chars ")
    assert "\n[2] Iran has established a foothold" in out and "(Fox News)" in out  # the outlet once, by its name


def test_ask_json_has_the_fields_of_the_issue(seed_index, capsys):
    assert cli.main(["ask", CLUB, "--index", str(seed_index), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert {"answer", "abstained", "citations", "passages"} <= set(record)
    assert isinstance(record["answer"], str) and isinstance(record["abstained"], bool)
    texts = {a.doc_id: a.text for a in read_paths([ROOT / "corpus"]).articles}
    assert record["passages"]
    for p in record["passages"]:
        assert {"doc_id", "start", "end", "text", "score"} <= set(p)
        assert texts[p["doc_id"]][p["start"] : p["end"]] == p["text"] and isinstance(p["score"], float)
    for c in record["citations"]:
        assert {"doc_id", "title", "url", "start", "end", "quote"} <= set(c)
        assert texts[c["doc_id"]][c["start"] : c["end"]] == c["quote"]


def test_index_comes_from_qa_index_and_index_wins(seed_index, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_INDEX", str(seed_index))
    assert cli.main(["info"]) == 0
    assert json.loads(capsys.readouterr().out)["n_articles"] == 2
    assert cli.main(["ask", CLUB, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passages"]
    assert cli.main(["info", "--index", str(tmp_path / "other")]) == 2  # --index beats QA_INDEX
    assert f"no index at {tmp_path / 'other'}" in capsys.readouterr().err


def test_qa_index_in_a_child_process(seed_index, tmp_path, new_folder):
    index = tmp_path / "env-index"
    done = run("ingest", str(new_folder), "--model", "hash-64", "--quiet", env={"QA_INDEX": str(index)})
    assert done.returncode == 0, done.stderr
    assert (current_folder(index) / "manifest.json").exists()
    info = run("info", env={"QA_INDEX": str(index)})
    assert json.loads(info.stdout)["n_articles"] == 1


def test_info_shows_the_manifest_without_checksums(seed_index, capsys):
    assert cli.main(["info", "--index", str(seed_index)]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["model"] == "hash-64" and manifest["n_articles"] == 2 and manifest["format_version"] == 3
    assert {"dim", "tokenizer", "chunk_tokens", "chunk_overlap", "corpus_fingerprint", "n_chunks"} <= set(manifest)
    assert "checksums" not in manifest


@pytest.mark.parametrize("command", [["info"], ["ask", CLUB]])
def test_missing_index_is_a_clear_error(tmp_path, capsys, command):
    assert cli.main([*command, "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: no index at {tmp_path / 'none'}") and "python -m qa ingest" in err


def test_usage_errors_exit_2_with_help():
    done = run("ask")
    assert done.returncode == 2 and "usage: python -m qa ask" in done.stderr


@pytest.mark.model
def test_club_of_other_with_the_real_model(tmp_path, corpus_dir, capsys):
    index = str(tmp_path / "index")
    assert cli.main(["ingest", str(corpus_dir), "--index", index, "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["ask", CLUB, "--index", index, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "Borges" in record["answer"] and not record["abstained"]
    cited = {c["doc_id"] for c in record["citations"]}
    assert cited == SEED_IDS, f"cites {cited}, not both seed articles"
    assert all("Club of Other" in c["quote"] or "Borges" in c["quote"] for c in record["citations"])
    assert cli.main(["ask", CLUB, "--index", index]) == 0
    out = capsys.readouterr().out
    assert "A: Julio Borges [1][2]" in out and "\n[2] " in out
