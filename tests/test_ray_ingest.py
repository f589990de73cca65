"""Ingest through a real local Ray instance into Milvus Lite (issue 16): the vectors equal local
embedding, and a run that fails midway leaves the served index as it was and is resumed by the next."""

import numpy as np
import pytest

pytest.importorskip("ray", reason="the scale extra (requirements-scale.txt) is not installed")
pytest.importorskip("milvus_lite", reason="the scale extra (requirements-scale.txt) is not installed")

from conftest import written_files_hold_no_pickle  # noqa: E402

from qa.api import ask, build_index, ingest, load_index  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.index import ray_ingest  # noqa: E402
from qa.index.milvus_store import collection, connect, iterate, lite_target, read_state  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One local Ray instance for the module (starting one takes ~10-30 s on 2 busy cores)."""
    ray = ray_ingest.start_ray(None)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def sample(tmp_path_factory, rtqa_corpus):
    path = tmp_path_factory.mktemp("sample") / "sample.jsonl"
    with open(rtqa_corpus, encoding="utf-8") as f:
        path.write_text("".join(line for line, _ in zip(f, range(40), strict=False)), encoding="utf-8")
    return path


def _vectors(target) -> dict[tuple, np.ndarray]:
    """Each chunk's vector by (article, start, end), read from the Milvus index."""
    t = lite_target(target)
    name = collection(t, read_state(t)["current"], "chunks")
    rows = iterate(connect(t), name, "row >= 0", ["doc_id", "start", "end", "dense"])
    return {(r["doc_id"], r["start"], r["end"]): np.asarray(r["dense"], np.float32) for r in rows}


def test_ray_ingest_gives_the_chunks_and_vectors_of_local_ingest(tmp_path, sample, hash_settings):
    build_index([sample], tmp_path / "local", hash_settings, progress=False, store="milvus")
    report = build_index([sample], tmp_path / "ray", hash_settings, progress=False, ray="")
    assert report.n_articles == 40 and report.embedded == report.n_chunks
    local, distributed = _vectors(tmp_path / "local"), _vectors(tmp_path / "ray")
    assert local.keys() == distributed.keys()
    cosines = [float(local[k] @ distributed[k]) for k in local]
    assert min(cosines) >= 0.999
    assert [p.name for p in (tmp_path / "ray").iterdir()] == ["milvus.db"]  # Ray writes nothing here
    written_files_hold_no_pickle(tmp_path / "ray")
    question = "What did the police say?"
    assert [p.doc_id for p in ask(question, tmp_path / "ray").passages] == [
        p.doc_id for p in ask(question, tmp_path / "local").passages
    ]


def test_a_failed_ray_run_leaves_the_index_served_and_the_next_run_resumes_it(
    tmp_path, corpus_dir, sample, hash_settings, monkeypatch
):
    target = tmp_path / "idx"
    ingest([corpus_dir], target, hash_settings, progress=False, ray="")
    real, taken = ray_ingest._Run._take, []

    def failing(self, batch):
        if taken:
            raise QAError("worker lost (simulated)")
        taken.append(real(self, batch))
        return taken[-1]

    monkeypatch.setattr(ray_ingest._Run, "_take", failing)
    monkeypatch.setattr(ray_ingest, "ARTICLES_PER_TASK", 8)
    with pytest.raises(QAError, match="simulated"):
        ingest([sample], target, progress=False, ray="")
    monkeypatch.setattr(ray_ingest._Run, "_take", real)
    state = read_state(lite_target(target))
    assert state["current"] == 1 and state["building"]
    assert len(load_index(target).articles) == 2  # readers still see the finished index
    resumed = ingest([sample], target, progress=False, ray="")
    assert 0 < resumed.embedded < resumed.n_chunks - 10  # the articles written before the failure are kept
    index = load_index(target)
    assert len(index.articles) == 42 and read_state(lite_target(target))["building"] is None
    keys = list(_vectors(target))
    assert len(keys) == len(set(keys)) == index.n_chunks  # no chunk written twice
    for c in index.chunks:
        assert index.articles[c.doc_id].text[c.start : c.end] == c.text
