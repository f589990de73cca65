"""The Milvus store, for real in Milvus Lite (issue 16): it ranks like the index folder, answers with
exact citations, filters inside the engine, reuses stored vectors, and a failed write leaves the served
index as it was."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pymilvus", reason="the scale extra (requirements-scale.txt) is not installed")
pytest.importorskip("milvus_lite", reason="the scale extra (requirements-scale.txt) is not installed")

from conftest import written_files_hold_no_pickle  # noqa: E402

from qa.api import ask, build_index, ingest, load_index  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.index import milvus_store  # noqa: E402
from qa.index.migrate import migrate  # noqa: E402
from qa.index.milvus_store import lite_target, read_state  # noqa: E402
from qa.retrieve.filters import make_filters, select, select_for  # noqa: E402
from qa.retrieve.fusion import rank_articles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLUB = "Who described the 'Club of Other'?"
QUESTIONS = [
    "Which automaker recalled vehicles?",
    "What did the president say about inflation?",
    "Who won the election?",
    "covid-19 vaccine boosters for children",
    "How many people died in the storm?",
]


@pytest.fixture(scope="module")
def rtqa_sample(tmp_path_factory, rtqa_corpus) -> Path:
    """The first 80 realtimeqa-dev articles (dated, several outlets), as a JSON Lines file."""
    path = tmp_path_factory.mktemp("sample") / "sample.jsonl"
    with open(rtqa_corpus, encoding="utf-8") as f:
        lines = [line for line, _ in zip(f, range(80), strict=False)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def both(tmp_path_factory, rtqa_sample, hash_settings):
    """The sample as an index folder and, migrated from it (same vectors), as a Milvus Lite index."""
    base = tmp_path_factory.mktemp("stores")
    build_index([rtqa_sample], base / "faiss", hash_settings, progress=False)
    migrate(base / "faiss", lite_target(base / "milvus"))
    return load_index(base / "faiss"), load_index(base / "milvus")


def test_the_milvus_store_ranks_articles_as_the_index_folder_does(both):
    faiss_index, milvus_index = both
    assert milvus_index.store == "milvus" and len(milvus_index.articles) == len(faiss_index.articles)
    for q in QUESTIONS:
        a = rank_articles(faiss_index, q, faiss_index.settings)
        b = rank_articles(milvus_index, q, milvus_index.settings)
        assert [r.doc_id for r in a[:10]] == [r.doc_id for r in b[:10]], q
        assert [r.row for r in a[:10]] == [r.row for r in b[:10]], q  # further chunks may differ on tied scores
        assert np.allclose([r.score for r in a[:10]], [r.score for r in b[:10]], atol=1e-5), q


def test_milvus_bm25_scores_and_idf_equal_bm25s(both):
    faiss_index, milvus_index = both
    query = "automaker recalled million vehicles"
    a = faiss_index.keyword_search(query, 50, 20, None)
    b = milvus_index.keyword_search(query, 50, 20, "")
    assert np.allclose(a.chunks.scores, b.chunks.scores, rtol=1e-4)  # the same BM25 scores, best first
    score_of = dict(zip(a.chunks.rows.tolist(), a.chunks.scores.tolist(), strict=True))
    common = [r for r in b.chunks.rows.tolist() if r in score_of]
    assert len(common) >= 0.9 * len(score_of)  # rows tied at the cut may differ
    assert all(
        abs(score_of[r] - s) < 1e-3 * s
        for r, s in zip(b.chunks.rows.tolist(), b.chunks.scores.tolist(), strict=True)
        if r in score_of
    )
    assert a.best_docs[:10] == b.best_docs[:10] and a.lead_docs[:10] == b.lead_docs[:10]
    words = ["recal", "vehicl", "presid", "nosuchword"]
    assert faiss_index.keyword_index.idf(words) == pytest.approx(milvus_index.keyword_index.idf(words))


def test_date_and_outlet_filters_run_inside_milvus_with_the_same_result(both):
    faiss_index, milvus_index = both
    days = sorted(a.published[:10] for a in faiss_index.articles.values() if a.published)
    outlet = next(a.source or "cnn" for a in faiss_index.articles.values())
    for filters in (
        make_filters(days[10], days[-10]),
        make_filters(sources=[outlet]),
        make_filters(since=days[5], sources=[outlet, "nosuchoutlet"]),
    ):
        a = select(faiss_index.articles, faiss_index.doc_of, filters)
        b = select_for(milvus_index, filters)
        assert (a.n_articles, a.notices, a.empty) == (b.n_articles, b.notices, b.empty)
        ra = rank_articles(faiss_index, QUESTIONS[0], faiss_index.settings, allowed=a.allowed)
        rb = rank_articles(milvus_index, QUESTIONS[0], milvus_index.settings, allowed=b.allowed)
        assert {r.doc_id for r in ra[:10]} == {r.doc_id for r in rb[:10]}
        assert all(faiss_index.articles[r.doc_id].published[:10] >= (filters.since or "") for r in rb)


def test_ask_on_milvus_lite_answers_with_exact_citations(tmp_path, corpus_dir, hash_settings):
    build_index([corpus_dir], tmp_path / "idx", hash_settings, progress=False, store="milvus")
    assert (tmp_path / "idx" / milvus_store.LITE_FILE).is_dir() and not (tmp_path / "idx" / "manifest.json").exists()
    answer = ask(CLUB, tmp_path / "idx")
    assert answer.answer == "Julio Borges"
    index = load_index(tmp_path / "idx")
    for c in answer.citations:
        assert index.articles[c.doc_id].text[c.start : c.end] == c.quote
    assert answer.stories and answer.passages[0].also_in  # stories and collapsed copies come from the engine


def test_milvus_lite_writes_parquet_json_and_numpy_never_pickle(tmp_path, corpus_dir, hash_settings):
    build_index([corpus_dir], tmp_path / "idx", hash_settings, progress=False, store="milvus")
    milvus_store.disconnect(lite_target(tmp_path / "idx"))
    names = written_files_hold_no_pickle(tmp_path / "idx")
    assert any(n.endswith(".parquet") for n in names) and [p.name for p in (tmp_path / "idx").iterdir()] == [
        "milvus.db"
    ]


def test_an_update_embeds_only_new_articles_and_switches_readers_to_the_new_generation(
    tmp_path, corpus_dir, rtqa_sample, hash_settings, counting_embedder
):
    target = tmp_path / "idx"
    ingest([corpus_dir], target, hash_settings, embedder=counting_embedder, progress=False, store="milvus")
    first = counting_embedder.n_texts
    before = load_index(target)
    report = ingest([rtqa_sample], target, embedder=counting_embedder, progress=False)  # stays in Milvus
    assert report.added == 80 and report.n_articles == 82
    assert counting_embedder.n_texts - first == report.embedded < report.n_chunks
    assert read_state(lite_target(target))["current"] == 2
    assert len(before.articles) == 2 and before.articles["000_f0064c69b098e1e3"].text  # the old one still reads
    assert len(load_index(target).articles) == 82
    ingest([corpus_dir], target, embedder=counting_embedder, progress=False)  # unchanged: nothing written
    assert read_state(lite_target(target))["current"] == 2


def test_a_write_that_fails_midway_leaves_the_served_index_and_says_so(
    tmp_path, corpus_dir, rtqa_sample, hash_settings, monkeypatch
):
    target = tmp_path / "idx"
    build_index([corpus_dir], target, hash_settings, progress=False, store="milvus")
    calls = []

    def failing(self, chunk_rows, article_rows):
        calls.append(1)
        if len(calls) > 1:
            raise QAError("disk full (simulated)")
        return real(self, chunk_rows, article_rows)

    real = milvus_store.GenerationWriter.write
    monkeypatch.setattr(milvus_store.GenerationWriter, "write", failing)
    with pytest.raises(QAError, match="simulated"):
        ingest([rtqa_sample], target, progress=False)
    monkeypatch.undo()
    state = read_state(lite_target(target))
    assert state["current"] == 1 and state["building"]["gen"] == 2
    assert len(load_index(target).articles) == 2 and ask(CLUB, target).answer == "Julio Borges"
    milvus_store.disconnect(lite_target(target))  # let the child process open Milvus Lite's files
    info = subprocess.run(
        [sys.executable, "-m", "qa", "info", "--index", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = json.loads(info.stdout)
    assert "Milvus Lite" in shown["store"] and "not finished" in shown["unfinished_ingest"]
    assert ingest([rtqa_sample], target, progress=False).n_articles == 82


def test_migrate_refuses_a_folder_that_is_not_a_milvus_index(tmp_path, seed_index):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(QAError, match="not a Milvus index folder"):
        migrate(seed_index, lite_target(tmp_path / "notes"))
    assert (tmp_path / "notes" / "mine.txt").read_text(encoding="utf-8") == "my notes"


def test_an_unknown_store_is_refused_with_the_choices(tmp_path, corpus_dir):
    with pytest.raises(QAError, match="milvus://HOST:PORT"):
        ingest([corpus_dir], tmp_path / "idx", progress=False, store="elastic")


@pytest.fixture
def milvus_server(tmp_path):
    """A Milvus-protocol server on this machine: Milvus Lite's own gRPC server in a child process."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "milvus_lite",
            "server",
            "--data-dir",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield f"milvus://127.0.0.1:{port}/news"
    proc.terminate()
    proc.wait(timeout=30)


def test_a_milvus_server_serves_several_processes_with_no_index_folder(
    tmp_path, corpus_dir, hash_settings, milvus_server, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    build_index([corpus_dir], "unused", hash_settings, progress=False, store=milvus_server)
    assert not (tmp_path / "unused").exists()  # everything is in the server
    asks = [
        subprocess.Popen(
            [sys.executable, "-m", "qa", "ask", CLUB, "--index", milvus_server, "--json"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in asks:  # two processes at once, as two app servers would
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert json.loads(out)["answer"] == "Julio Borges"
    shown = subprocess.run(
        [sys.executable, "-m", "qa", "info", "--index", milvus_server],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "server at http://127.0.0.1" in json.loads(shown.stdout)["store"]
