"""Crash safety (issues 6, 14): ingest killed with SIGKILL at every step of writing and swapping in a
generation leaves the previous index (or, once CURRENT was renamed, the new one) loading and answering,
and the next ingest completes and cleans up; damaged index files fail loudly with IndexCorruptError;
a second writer gets IndexLockedError. Offline, with the hash embedder."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qa import cli
from qa.api import ask, build_index, ingest
from qa.errors import IndexCorruptError, IndexLockedError, QAError
from qa.index.layout import CURRENT, current_folder, write_lock
from qa.index.loaded import load_index
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HASH = Settings(model="hash-64")
CLUB = "Who described the 'Club of Other'?"
NEW = "Quokka census\n\nRangers on Rottnest Island counted more quokkas than ever, the island council said.\n"

# Runs `python -m qa ingest` in a child process, made to stop at one point and wait to be killed.
DRIVER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import qa.index.embedding, qa.index.layout as layout, qa.index.store as store
    from qa import cli
    from qa.index.embedding import HashEmbedder

    index_dir, new_dir, point, marker = sys.argv[1:5]

    def pause():
        Path(marker).write_text(str(os.getpid()))
        time.sleep(120)

    if point == "embedding":
        class Slow(HashEmbedder):
            def embed(self, texts, progress=None):
                pause()
        qa.index.embedding.make_embedder = lambda settings: Slow(64)
    elif point == "writing":  # files half written in the temporary folder
        import faiss
        write = faiss.write_index
        faiss.write_index = lambda *a: (write(*a), pause())
    elif point == "before-pointer":  # the new generation complete on disk, CURRENT not yet written
        publish = store.publish
        store.publish = lambda path, gen: (pause(), publish(path, gen))
    elif point in ("pointer-written", "after-swap"):  # the new CURRENT beside the old / renamed over it
        class Os:
            def __getattr__(self, name):
                return getattr(os, name)
            def replace(self, a, b):
                if Path(b).name == "CURRENT" and point == "pointer-written":
                    pause()
                os.replace(a, b)
                if Path(b).name == "CURRENT":
                    pause()
        layout.os = Os()
    sys.exit(cli.main(["ingest", new_dir, "--index", index_dir, "--quiet"]))
""")


@pytest.fixture
def previous(tmp_path) -> Path:
    """An index of the seed corpus, and a folder with one new article to add to it."""
    index = tmp_path / "index"
    build_index([ROOT / "corpus"], index, HASH, progress=False)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "quokka.txt").write_text(NEW, encoding="utf-8")
    return index


def start_and_stop_at(index: Path, point: str) -> subprocess.Popen:
    """Start ingest in a child process and return once it has reached `point`."""
    marker = index.parent / f"reached-{point}"
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(index), str(index.parent / "new"), point, str(marker)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        if child.poll() is not None:
            raise AssertionError(f"ingest ended before {point}: {child.communicate()[1].decode()}")
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"ingest did not reach {point} in 60 s")
        time.sleep(0.05)
    return child


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL


def leftovers(index: Path) -> list[str]:
    """What a killed writer left: anything in the index folder but CURRENT and the generation it names,
    and anything beside it but the lock."""
    current = current_folder(index)
    inside = [p.name for p in index.iterdir() if p.name != CURRENT and p != current]
    beside = [p.name for p in index.parent.iterdir() if p.name.startswith(f".{index.name}.") and p.suffix != ".lock"]
    return sorted(inside + beside)


def assert_answers(index: Path, n_articles: int) -> None:
    loaded = load_index(index)
    assert len(loaded.articles) == n_articles
    assert "Borges" in ask(CLUB, loaded).answer


def assert_next_ingest_completes(index: Path) -> None:
    report = ingest([index.parent / "new"], index, HASH, progress=False)
    assert report.problems == () and report.n_articles == 3
    assert_answers(index, 3)
    assert leftovers(index) == []


@pytest.mark.parametrize("point", ["embedding", "writing", "before-pointer", "pointer-written"])
def test_killed_ingest_leaves_the_previous_index(previous, point):
    kill(start_and_stop_at(previous, point))
    assert_answers(previous, 2)  # the previous index, whole
    assert_next_ingest_completes(previous)


def test_killed_after_the_swap_leaves_the_new_index_and_the_old_generation_for_the_next_writer(previous):
    kill(start_and_stop_at(previous, "after-swap"))
    assert leftovers(previous), "the killed run should have left the old generation"
    assert_answers(previous, 3)
    report = ingest([ROOT / "corpus"], previous, HASH, progress=False)  # nothing new: no write needed
    assert report.n_articles == 3 and leftovers(previous) == []


def test_unfinished_generations_do_not_break_the_next_run(previous):
    for name in ("gen-999998", "gen-999999"):  # what killed writers leave: never named by CURRENT
        (previous / name).mkdir()
        (previous / name / "vectors.npy").write_bytes(b"half a file")
    (previous / "CURRENT.tmp-999999").write_text("gen-999999\n")
    assert_answers(previous, 2)
    assert_next_ingest_completes(previous)


def test_second_ingest_at_once_gets_a_clear_error(previous, capsys):
    child = start_and_stop_at(previous, "embedding")
    try:
        with pytest.raises(IndexLockedError, match="another process is writing the index") as err:
            ingest([previous.parent / "new"], previous, HASH, progress=False)
        assert "try again" in str(err.value)
        assert cli.main(["ingest", str(previous.parent / "new"), "--index", str(previous), "--quiet"]) == 2
        assert "another process is writing" in capsys.readouterr().err
        assert_answers(previous, 2)  # reading while a writer works is fine
    finally:
        kill(child)
    assert_next_ingest_completes(previous)  # the lock died with the process


def test_lock_is_exclusive_in_process_too(tmp_path):
    with write_lock(tmp_path / "index"):
        with pytest.raises(IndexLockedError):
            with write_lock(tmp_path / "index"):
                pass
    with write_lock(tmp_path / "index"):
        pass  # released


# Damaged index files: each fails with IndexCorruptError, saying what and how to rebuild.


def files(index: Path) -> Path:
    """The folder of the current index files (the generation CURRENT names)."""
    return current_folder(index)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def edit_manifest(change):
    def edit(index: Path) -> None:
        manifest = json.loads((files(index) / "manifest.json").read_text(encoding="utf-8"))
        (files(index) / "manifest.json").write_text(json.dumps(change(manifest)), encoding="utf-8")

    return edit


DAMAGE = {
    "truncated vectors.npy": (lambda ix: truncate(files(ix) / "vectors.npy"), "damaged"),
    "truncated vectors.faiss": (lambda ix: truncate(files(ix) / "vectors.faiss"), "damaged"),
    "truncated chunks.jsonl": (lambda ix: truncate(files(ix) / "chunks.jsonl"), "damaged"),
    "flipped byte in articles.jsonl": (lambda ix: flip_byte(files(ix) / "articles.jsonl"), "damaged"),
    "flipped byte in bm25": (lambda ix: flip_byte(next((files(ix) / "bm25").glob("*.npy"))), "damaged"),
    "deleted vectors.faiss": (lambda ix: (files(ix) / "vectors.faiss").unlink(), "missing"),
    "truncated manifest": (lambda ix: truncate(files(ix) / "manifest.json"), "damaged"),
    "manifest not an object": (lambda ix: (files(ix) / "manifest.json").write_text("[1, 2]"), "damaged"),
    "manifest without checksums": (
        edit_manifest(lambda m: {k: v for k, v in m.items() if k != "checksums"}),
        "no file checksums",
    ),
    "manifest with a wrong checksum": (
        edit_manifest(lambda m: {**m, "checksums": {**m["checksums"], "chunks.jsonl": "0" * 64}}),
        "damaged",
    ),
    "CURRENT names a generation that is not there": (lambda ix: (ix / CURRENT).write_text("gen-000042\n"), "missing"),
    "CURRENT holds something else": (lambda ix: (ix / CURRENT).write_text("../../etc\n"), "not a generation"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_index_fails_with_a_clear_error(previous, damage, capsys):
    harm, says = DAMAGE[damage]
    harm(previous)
    with pytest.raises(IndexCorruptError) as err:
        load_index(previous)
    message = str(err.value)
    assert says in message and "rebuild" in message and "--rebuild" in message
    with pytest.raises(QAError):
        ask(CLUB, previous)
    assert cli.main(["ask", CLUB, "--index", str(previous)]) == 2
    assert "rebuild" in capsys.readouterr().err


def test_damaged_index_is_not_extended_but_can_be_rebuilt(previous):
    truncate(files(previous) / "vectors.npy")
    with pytest.raises(IndexCorruptError, match="rebuild"):
        ingest([previous.parent / "new"], previous, HASH, progress=False)
    report = ingest([ROOT / "corpus", previous.parent / "new"], previous, HASH, progress=False, rebuild=True)
    assert report.n_articles == 3
    assert_answers(previous, 3)


def test_loading_does_not_write_or_wait(previous):
    before = {p: p.stat().st_mtime_ns for p in previous.rglob("*")}
    start = time.perf_counter()
    load_index(previous)
    assert time.perf_counter() - start < 5
    assert {p: p.stat().st_mtime_ns for p in previous.rglob("*")} == before
    assert os.path.exists(files(previous) / "manifest.json")


def test_disk_full_while_saving_keeps_the_previous_index(previous, monkeypatch):
    import numpy as np

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", full)
    with pytest.raises(QAError, match="No space left on device.*previous index is unchanged"):
        ingest([previous.parent / "new"], previous, HASH, progress=False)
    monkeypatch.undo()
    assert leftovers(previous) == []
    assert_answers(previous, 2)


def test_index_folder_that_cannot_be_written_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "a-file").write_text("not a folder")
    index = tmp_path / "a-file" / "index"
    with pytest.raises(QAError, match="give --index a folder you can write to"):
        ingest([ROOT / "corpus"], index, HASH, progress=False)
    assert cli.main(["ingest", str(ROOT / "corpus"), "--index", str(index), "--model", "hash-64"]) == 2
    assert "you can write to" in capsys.readouterr().err
