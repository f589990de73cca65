"""Which folders an index may write into (issue 14, items 1 and 8): only one it can prove is an index, or
an empty one; nothing it did not write is ever deleted; a symlinked --index is followed (one real folder,
one lock), and an --index that is a file is refused with a clear message. Offline, hash embedder."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from qa import cli
from qa.api import ask, build_index, ingest
from qa.errors import IndexLockedError, QAError
from qa.index.layout import CURRENT, current_folder, write_lock
from qa.index.loaded import load_index
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HASH = Settings(model="hash-64")
V2_INDEX = ROOT / "tests" / "data" / "v2-index"
CLUB = "Who described the 'Club of Other'?"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with the sha256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def notes(tmp_path) -> Path:
    """A user's folder that happens to hold files named like an index's."""
    folder = tmp_path / "notes"
    (folder / "bm25").mkdir(parents=True)
    (folder / "articles.jsonl").write_text('{"my": "reading list"}\n', encoding="utf-8")
    (folder / "bm25" / "ideas.txt").write_text("ideas\n", encoding="utf-8")
    (folder / "diary.md").write_text("# Monday\n\nWrote things down.\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_folder_of_notes_named_like_index_files_is_refused_and_left_untouched(notes, rebuild, capsys):
    before = snapshot(notes)
    with pytest.raises(
        QAError, match=r"is not an index folder \(it holds articles.jsonl, bm25, diary.md and no index manifest"
    ):
        ingest([ROOT / "corpus"], notes, HASH, progress=False, rebuild=rebuild)
    args = ["ingest", str(ROOT / "corpus"), "--index", str(notes), "--model", "hash-64", "--quiet"]
    assert cli.main(args + (["--rebuild"] if rebuild else [])) == 2
    err = capsys.readouterr().err
    assert "nothing was written or deleted there" in err and "Traceback" not in err
    assert snapshot(notes) == before and sorted(p.name for p in notes.iterdir()) == [
        "articles.jsonl",
        "bm25",
        "diary.md",
    ]


def test_a_folder_with_a_manifest_json_of_something_else_is_refused(tmp_path):
    folder = tmp_path / "webapp"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"name": "my app", "icons": []}', encoding="utf-8")
    (folder / "index.html").write_text("<html></html>", encoding="utf-8")
    before = snapshot(folder)
    with pytest.raises(QAError, match="not an index folder"):
        build_index([ROOT / "corpus"], folder, HASH, progress=False, rebuild=True)
    assert snapshot(folder) == before


def test_an_empty_folder_becomes_an_index(tmp_path):
    (tmp_path / "empty").mkdir()
    build_index([ROOT / "corpus"], tmp_path / "empty", HASH, progress=False)
    assert "Borges" in ask(CLUB, tmp_path / "empty").answer


def test_files_a_user_put_inside_an_index_survive_every_write(tmp_path):
    index = tmp_path / "index"
    build_index([ROOT / "corpus"], index, HASH, progress=False)
    (index / "README.txt").write_text("my notes about this index\n", encoding="utf-8")
    (index / "gen-notes").mkdir()  # named like a generation, but not one
    (index / "gen-notes" / "keep.txt").write_text("keep\n", encoding="utf-8")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "quokka.txt").write_text("Quokka census\n\nRangers counted quokkas on Rottnest.\n", encoding="utf-8")
    ingest([extra], index, HASH, progress=False)
    build_index([ROOT / "corpus"], index, HASH, progress=False, rebuild=True)
    build_index([ROOT / "corpus"], index, Settings(model="hash-32"), progress=False, rebuild=True)
    assert (index / "README.txt").read_text(encoding="utf-8") == "my notes about this index\n"
    assert (index / "gen-notes" / "keep.txt").exists()
    assert sorted(p.name for p in index.iterdir()) == [CURRENT, "README.txt", current_folder(index).name, "gen-notes"]


def test_upgrading_a_v2_index_deletes_only_the_files_its_manifest_lists(tmp_path):
    index = tmp_path / "index"
    shutil.copytree(V2_INDEX, index)
    (index / "notes.txt").write_text("mine\n", encoding="utf-8")
    (index / "bm25" / "mine.txt").write_text("mine too\n", encoding="utf-8")
    ingest([ROOT / "corpus"], index, HASH, progress=False)
    assert (index / "notes.txt").exists() and (index / "bm25" / "mine.txt").exists()
    left = {
        str(p.relative_to(index)) for p in index.rglob("*") if p.is_file() and current_folder(index) not in p.parents
    }
    assert left == {CURRENT, "notes.txt", "bm25/mine.txt"}


# ---------------------------------------------------------------- symlinks and files


@pytest.fixture
def linked(tmp_path) -> tuple[Path, Path]:
    """(link, real): an index reached through a symlink."""
    real = tmp_path / "real-index"
    build_index([ROOT / "corpus"], real, HASH, progress=False)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    return link, real


def test_an_index_reached_through_a_symlink_is_updated_in_place(linked, tmp_path):
    link, real = linked
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "quokka.txt").write_text("Quokka census\n\nRangers counted quokkas on Rottnest.\n", encoding="utf-8")
    assert ingest([extra], link, HASH, progress=False).n_articles == 3
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert len(load_index(real).articles) == 3 == len(load_index(link).articles)
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_a_symlink_and_its_target_share_one_write_lock(linked):
    link, real = linked
    with write_lock(real):
        with pytest.raises(IndexLockedError, match="another process is writing"):
            ingest([ROOT / "corpus"], link, HASH, progress=False)


def test_a_dangling_symlink_gets_an_index_at_its_target(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "target")
    build_index([ROOT / "corpus"], link, HASH, progress=False)
    assert link.is_symlink() and current_folder(tmp_path / "target") is not None


def test_an_index_path_that_is_a_file_is_refused_clearly(tmp_path, capsys):
    file = tmp_path / "index.txt"
    file.write_text("not an index\n", encoding="utf-8")
    for call in (
        lambda: load_index(file),
        lambda: ingest([ROOT / "corpus"], file, HASH, progress=False),
        lambda: ask(CLUB, file),
    ):
        with pytest.raises(QAError, match="is a file, not an index folder"):
            call()
    for args in (["ingest", str(ROOT / "corpus")], ["ask", CLUB], ["info"]):
        assert cli.main([*args, "--index", str(file)]) == 2
        err = capsys.readouterr().err
        assert "is a file, not an index folder" in err and "Traceback" not in err
    assert file.read_text(encoding="utf-8") == "not an index\n"
    assert os.listdir(tmp_path) == ["index.txt"]
