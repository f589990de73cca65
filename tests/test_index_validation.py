"""An index is checked on load (issue 14, items 3, 10, 14): files edited consistently (their checksums
recomputed, as a tool or a person editing them would) fail with IndexCorruptError and the rebuild hint,
not a KeyError or AssertionError later; `python -m qa info` verifies and exits 1 on damage; a running
app follows the model of a rebuilt index. Offline, hash embedder (one test loads the real model)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from qa import cli
from qa.api import ask, build_index
from qa.errors import IndexCorruptError, IndexMismatchError, QAError
from qa.index.layout import current_folder
from qa.index.loaded import IndexCache, load_index
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HASH = Settings(model="hash-64")
CLUB = "Who described the 'Club of Other'?"


@pytest.fixture
def index(tmp_path) -> Path:
    path = tmp_path / "index"
    build_index([ROOT / "corpus"], path, HASH, progress=False)
    return path


def rewrite(index: Path, name: str, data: bytes) -> None:
    """Replace one index file and recompute its checksum in the manifest."""
    folder = current_folder(index)
    (folder / name).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if name != "manifest.json":
        manifest["checksums"][name] = hashlib.sha256(data).hexdigest()
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def edit_rows(name: str, change):
    def edit(index: Path) -> None:
        rows = [json.loads(x) for x in (current_folder(index) / name).read_text(encoding="utf-8").splitlines()]
        change(rows)
        rewrite(index, name, "".join(json.dumps(r) + "\n" for r in rows).encode())

    return edit


def edit_vectors(change):
    def edit(index: Path) -> None:
        vectors = np.load(current_folder(index) / "vectors.npy")
        tmp = index.parent / "edited.npy"
        np.save(tmp, change(vectors))
        rewrite(index, "vectors.npy", tmp.read_bytes())

    return edit


def edit_manifest(**fields):
    def edit(index: Path) -> None:
        file = current_folder(index) / "manifest.json"
        file.write_text(json.dumps({**json.loads(file.read_text(encoding="utf-8")), **fields}), encoding="utf-8")

    return edit


def set_item(i: int, key: str, value):
    def change(rows):
        rows[i][key] = value

    return change


EDITS = {
    "a chunk of an unknown article": (edit_rows("chunks.jsonl", set_item(0, "doc_id", "nobody")), "not in articles"),
    "a chunk outside its article": (edit_rows("chunks.jsonl", set_item(1, "end", 10**9)), "outside its article"),
    "a chunk whose text is not its span": (edit_rows("chunks.jsonl", set_item(2, "text", "other words")), "not its"),
    "a chunk with a text start": (edit_rows("chunks.jsonl", set_item(0, "start", "0")), "has span"),
    "a story of an unknown article": (
        edit_rows("stories.jsonl", set_item(0, "doc_ids", ["nobody", "else"])),
        "names article 'nobody'",
    ),
    "an article with a numeric title": (edit_rows("articles.jsonl", set_item(0, "title", 5)), "non-text title"),
    "an article with an unknown field": (edit_rows("articles.jsonl", set_item(0, "colour", "red")), "cannot be read"),
    "one vector too few": (edit_vectors(lambda v: v[:-1]), "expected float32"),
    "vectors of another dimension": (edit_vectors(lambda v: v[:, :32].copy()), "expected float32"),
    "a NaN in the vectors": (
        edit_vectors(lambda v: np.where(np.arange(v.size).reshape(v.shape) == 70, np.nan, v)),
        "row 1",
    ),
    "float64 vectors": (edit_vectors(lambda v: v.astype(np.float64)), "expected float32"),
    "the manifest's dim edited": (edit_manifest(dim=32), "model 'hash-64' with dim 32"),
    "the manifest's dim not a number": (edit_manifest(dim="64"), "not a vector dimension"),
    "the manifest's model edited": (edit_manifest(model="hash-32"), "with dim 64"),
    "the manifest's model and dim edited": (edit_manifest(model="hash-32", dim=32), "expected float32 (10, 32)"),
    "the manifest's model removed": (edit_manifest(model=None), "names no embedding model"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_consistently_edited_index_fails_on_load_with_the_rebuild_hint(index, edit, capsys):
    change, says = EDITS[edit]
    change(index)
    with pytest.raises(IndexCorruptError) as err:
        load_index(index)
    assert says in str(err.value) and "--rebuild" in str(err.value)
    with pytest.raises(QAError):
        ask(CLUB, index)
    assert cli.main(["ask", CLUB, "--index", str(index)]) == 2
    assert cli.main(["info", "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "rebuild" in err and "Traceback" not in err


@pytest.mark.model
def test_a_manifest_naming_a_model_of_another_dimension_fails_at_the_first_question(index):
    edit_manifest(model="all-MiniLM-L6-v2")(index)  # a real model (384 dimensions), vectors of 64
    loaded = load_index(index)
    with pytest.raises(IndexMismatchError, match="gives vectors of 384 dimensions.*holds vectors of 64"):
        ask(CLUB, loaded)


def test_info_verifies_a_good_index_and_exits_0(index, capsys):
    assert cli.main(["info", "--index", str(index)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["verified"] is True and shown["files"] == str(current_folder(index))
    assert "checksums" not in shown and shown["n_articles"] == 2


def test_info_on_a_damaged_index_exits_1_with_the_message(index, capsys):
    file = current_folder(index) / "chunks.jsonl"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 1
    file.write_bytes(bytes(data))
    assert cli.main(["info", "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "damaged (checksum differs)" in err and "--rebuild" in err


def test_info_on_a_missing_index_says_how_to_build_one(tmp_path, capsys):
    assert cli.main(["info", "--index", str(tmp_path / "nowhere")]) == 2
    assert "build one with" in capsys.readouterr().err


# ---------------------------------------------------------------- the model follows the manifest


def test_a_cached_index_rebuilt_with_another_model_is_queried_with_that_model(index):
    cache = IndexCache()
    first = cache.get(index)
    assert first.embedder.dim == 64
    assert cache.get(index) is first  # unchanged on disk: the same loaded index
    build_index([ROOT / "corpus"], index, Settings(model="hash-32"), progress=False, rebuild=True)
    second = cache.get(index)
    assert second.embedder.dim == 32 and second.embedder.name == "hash-32"
    assert "Borges" in ask(CLUB, second).answer
    build_index([ROOT / "corpus"], index, Settings(model="hash-32"), progress=False, rebuild=True)
    third = cache.get(index)
    assert third is not second and third.embedder is second.embedder  # same model: kept in memory
