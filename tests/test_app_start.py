"""Starting the web chat (issue 2): the first start builds the index from the corpus folder with a progress bar,
later starts change nothing, a changed corpus is noticed and the index updated; host, port, --index and
QA_INDEX reach the server. Gradio is replaced by a recorder and the model by the hash embedder."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import qa.index.embedding
import qa.ui.app
from qa.index.build import fingerprint
from qa.index.embedding import HashEmbedder
from qa.index.layout import current_folder
from qa.index.loaded import load_index
from qa.ingest.readers import read_paths

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import app  # noqa: E402


@pytest.fixture
def corpus(tmp_path, corpus_dir) -> Path:
    """A copy of the bundled corpus that a test may change."""
    return Path(shutil.copytree(corpus_dir, tmp_path / "corpus"))


@pytest.fixture
def hash_model(monkeypatch):
    """Every model the code asks for is the hash test embedder (no torch)."""
    monkeypatch.setattr(qa.index.embedding, "make_embedder", lambda settings: HashEmbedder(64))


def sync(corpus: Path, index: Path, capsys) -> tuple[str, str]:
    app.sync_index([corpus], index)
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_first_start_builds_the_index_with_a_progress_bar(corpus, tmp_path, hash_model, capsys):
    index = tmp_path / "index"
    out, err = sync(corpus, index, capsys)
    n = len(load_index(index).chunks)
    assert f"Index: 2 articles in {n} chunks (2 added, 0 updated, {n} chunks embedded)" in out
    assert "Embedding chunks" in err and f"{n}/{n}" in err  # tqdm's bar
    assert load_index(index).manifest["corpus_fingerprint"] == fingerprint(read_paths([corpus]).articles)


def test_later_starts_load_the_index_as_it_is(corpus, tmp_path, hash_model, capsys):
    index = tmp_path / "index"
    sync(corpus, index, capsys)
    manifest = (current_folder(index) / "manifest.json").read_bytes()
    out, err = sync(corpus, index, capsys)
    assert "(0 added, 0 updated, 0 chunks embedded)" in out and "Embedding chunks" not in err
    assert (current_folder(index) / "manifest.json").read_bytes() == manifest  # not even rewritten


def test_a_changed_corpus_is_noticed_and_the_index_updated(corpus, tmp_path, hash_model, capsys):
    index = tmp_path / "index"
    sync(corpus, index, capsys)
    rewrite = corpus / "000_f0064c69b098e1e3.txt"
    rewrite.write_text(rewrite.read_text(encoding="utf-8").replace("Borges", "Borges (an exile)"), encoding="utf-8")
    (corpus / "quokka.txt").write_text("Quokka census\n\nRangers counted 12,400 quokkas on the island.\n")
    out, _ = sync(corpus, index, capsys)
    assert "Index: 3 articles" in out and "1 added, 1 updated" in out
    loaded = load_index(index)
    assert "Borges (an exile)" in loaded.articles["000_f0064c69b098e1e3"].text
    assert "quokka" in loaded.articles

    (corpus / "001_cafc69e03f85d0ea.txt").unlink()
    out, _ = sync(corpus, index, capsys)
    loaded = load_index(index)
    assert "Index: 2 articles" in out and "001_cafc69e03f85d0ea" not in loaded.articles
    assert all(c.doc_id != "001_cafc69e03f85d0ea" for c in loaded.chunks)
    assert loaded.manifest["corpus_fingerprint"] == fingerprint(read_paths([corpus]).articles)


def test_an_index_built_with_another_model_keeps_it(corpus, tmp_path, hash_settings, capsys):
    from qa.api import build_index

    index = tmp_path / "index"
    build_index([corpus], index, hash_settings, progress=False)
    (corpus / "quokka.txt").write_text("Quokka census\n\nRangers counted 12,400 quokkas on the island.\n")
    out, _ = sync(corpus, index, capsys)  # no hash_model fixture: the index's own hash-64 model is used
    assert "1 added" in out and load_index(index).manifest["model"] == "hash-64"


def test_a_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(
        SystemExit, match="corpus .*nowhere does not exist; pass --corpus with existing folders or files"
    ):
        app.sync_index([tmp_path / "nowhere"], tmp_path / "index")


# ---------------------------------------------------------------- main(): options reach the server


class Recorder:
    """Stands in for the Gradio app: records what it was built with and how it was launched."""

    def __init__(self, index_dir, upload_dir):
        self.index_dir, self.upload_dir = index_dir, upload_dir
        self.launched = None

    def queue(self, **kwargs):
        return self

    def launch(self, **kwargs):
        self.launched = kwargs


@pytest.fixture
def served(monkeypatch, hash_model):
    apps: list[Recorder] = []
    monkeypatch.setattr(
        qa.ui.app, "build_app", lambda index_dir, upload_dir: apps.append(Recorder(index_dir, upload_dir)) or apps[-1]
    )
    monkeypatch.setattr(qa.ui.app, "theme", lambda: None)
    monkeypatch.delenv("QA_INDEX", raising=False)
    monkeypatch.delenv("QA_AUTH", raising=False)
    return apps


def test_defaults_serve_corpus_and_index_beside_app_on_localhost_7860(served, corpus, monkeypatch, capsys):
    monkeypatch.setattr(app, "DEFAULT_INDEX", corpus.parent / "index")
    monkeypatch.setattr(app, "DEFAULT_CORPUS", corpus)
    assert app.main([]) == 0
    (server,) = served
    assert server.index_dir == corpus.parent / "index" and server.upload_dir == corpus / "uploads"
    assert (server.launched["server_name"], server.launched["server_port"]) == ("127.0.0.1", 7860)
    assert server.launched["share"] is False and server.launched["auth"] is None
    assert current_folder(corpus.parent / "index") is not None


def test_host_port_and_index_options(served, corpus, tmp_path, capsys):
    index = tmp_path / "elsewhere"
    assert app.main(["--host", "0.0.0.0", "--port", "7999", "--index", str(index), "--corpus", str(corpus)]) == 0
    (server,) = served
    assert server.index_dir == index and load_index(index).manifest["n_articles"] == 2
    assert (server.launched["server_name"], server.launched["server_port"]) == ("0.0.0.0", 7999)


def test_qa_index_environment_variable_and_index_wins(served, corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "from-env"))
    assert app.main(["--corpus", str(corpus)]) == 0
    assert served[-1].index_dir == tmp_path / "from-env" and current_folder(tmp_path / "from-env") is not None
    assert app.main(["--corpus", str(corpus), "--index", str(tmp_path / "from-flag")]) == 0
    assert served[-1].index_dir == tmp_path / "from-flag"


def test_an_index_that_cannot_be_used_stops_the_start_with_a_message(served, corpus, tmp_path, capsys):
    index = tmp_path / "index"
    index.mkdir()
    (index / "notes.txt").write_text("not an index")
    assert app.main(["--corpus", str(corpus), "--index", str(index)]) == 2
    assert "is not an index folder" in capsys.readouterr().err and served == []


def test_help_lists_the_options():
    done = subprocess.run([sys.executable, "app.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for option in ("--host", "--port", "--index", "--corpus", "--no-uploads", "QA_INDEX"):
        assert option in done.stdout


def test_no_uploads_option_builds_the_page_without_an_upload_folder(served, corpus, tmp_path, capsys):
    assert app.main(["--corpus", str(corpus), "--index", str(tmp_path / "index"), "--no-uploads"]) == 0
    assert served[-1].upload_dir is None
    assert app.main(["--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 0
    assert served[-1].upload_dir == corpus / "uploads"


def test_a_login_puts_the_throttle_in_front_of_the_login_route(served, corpus, tmp_path, capsys):
    from qa.ui.throttle import LoginThrottle

    assert app.main(["--corpus", str(corpus), "--index", str(tmp_path / "index"), "--auth", "u:p"]) == 0
    (middleware,) = served[-1].launched["app_kwargs"]["middleware"]
    assert middleware.cls is LoginThrottle and served[-1].launched["show_error"] is False
    assert app.main(["--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 0
    assert served[-1].launched["app_kwargs"] is None
