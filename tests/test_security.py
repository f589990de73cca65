"""Loading an index never executes code from the index folder: no pickle, no `allow_pickle=True`, no
`trust_remote_code` (issue 6). Offline, with the hash embedder."""

import ast
import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from qa.api import build_index
from qa.errors import IndexCorruptError
from qa.index.layout import current_folder
from qa.index.loaded import load_index
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "qa").rglob("*.py"))


class Payload:
    """Unpickling this writes a file: proof that code from the index folder ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


@pytest.fixture
def index(tmp_path) -> Path:
    """The folder of the index files (the current generation) of a seed index."""
    path = tmp_path / "index"
    build_index([ROOT / "corpus"], path, Settings(model="hash-64"), progress=False)
    return current_folder(path)


def plant(index: Path, name: str, data: bytes) -> None:
    """Replace an index file and update its checksum, as an attacker with write access would."""
    (index / name).write_bytes(data)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"][name] = hashlib.sha256(data).hexdigest()
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def pickled_npy(tmp_path: Path, marker: Path) -> bytes:
    path = tmp_path / "evil.npy"
    np.save(path, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    return path.read_bytes()


def test_payload_really_runs_when_unpickled(tmp_path):
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists()


@pytest.mark.parametrize("name", ["vectors.npy", "bm25/data.csc.index.npy", "bm25/indptr.csc.index.npy"])
def test_pickled_array_in_the_index_is_refused_not_run(index, tmp_path, name):
    marker = tmp_path / "pwned"
    plant(index, name, pickled_npy(tmp_path, marker))
    with pytest.raises(IndexCorruptError, match="rebuild"):
        load_index(index.parent)
    assert not marker.exists(), "loading the index ran code from it"


def test_pickle_in_place_of_the_faiss_file_is_refused_not_run(index, tmp_path):
    marker = tmp_path / "pwned"
    plant(index, "vectors.faiss", pickle.dumps(Payload(marker)))
    with pytest.raises(IndexCorruptError):
        load_index(index.parent)
    assert not marker.exists()


def test_planted_pickle_files_are_never_opened(index, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    for name in ("index.pkl", "bm25/retriever.pkl", "params.pickle"):
        (index / name).write_bytes(pickle.dumps(Payload(marker)))
    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    load_index(index.parent)
    assert not marker.exists()
    assert not [f for f in opened if f.endswith((".pkl", ".pickle"))]


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


def test_the_code_never_allows_pickle_or_remote_code():
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not {"pickle", "dill", "joblib", "cloudpickle", "marshal"} & set(names), path
        for node, func in calls(tree):
            kwargs = {k.arg: k.value for k in node.keywords}
            for flag in ("allow_pickle", "trust_remote_code"):
                if flag in kwargs:
                    assert isinstance(kwargs[flag], ast.Constant) and kwargs[flag].value is False, (
                        f"{path.name}:{node.lineno}: {ast.unparse(node)}"
                    )
            assert func not in ("eval", "exec", "torch.load", "pickle.load", "pickle.loads", "yaml.load"), (
                f"{path.name}:{node.lineno}: {func}"
            )


def test_every_array_load_forbids_pickle():
    """np.load and bm25s' BM25.load default differently across versions: every call says allow_pickle=False."""
    found = 0
    for path in SOURCES:
        for node, func in calls(ast.parse(path.read_text(encoding="utf-8"))):
            if func in ("np.load", "numpy.load", "bm25s.BM25.load"):
                found += 1
                flag = {k.arg: k.value for k in node.keywords}.get("allow_pickle")
                assert isinstance(flag, ast.Constant) and flag.value is False, f"{path.name}:{node.lineno}"
    assert found >= 2  # vectors.npy in store.py, the bm25 arrays in keyword.py
