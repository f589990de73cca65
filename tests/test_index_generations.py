"""Generations and the CURRENT pointer (issue 14, item 2): a reader racing a writer always loads a whole
index, old or new; a generation a reader holds is not deleted under it; an index of format 2 (a flat
folder, as written before generations) loads as it is, and ingest upgrades it reusing every stored
vector. The race runs for RACE_SECONDS (3 s; 60 s with QA_SLOW_TESTS=1). Offline, hash embedder."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.api import ask, build_index, ingest
from qa.index.layout import CURRENT, current_folder, reading
from qa.index.loaded import load_index
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HASH = Settings(model="hash-64")
V2_INDEX = ROOT / "tests" / "data" / "v2-index"  # written by the format-2 code (main before issue 14)
BASELINE = Path("/work/baseline/rtqa-index")  # a format-2 realtimeqa-dev index, on the development machine
CLUB = "Who described the 'Club of Other'?"
RACE_SECONDS = 60 if os.environ.get("QA_SLOW_TESTS") else 3
QUOKKA = "Quokka census\n\nRangers on Rottnest Island counted more quokkas than ever, the island council said.\n"


@pytest.fixture
def two_corpora(tmp_path) -> tuple[Path, Path]:
    """The seed corpus, and the seed corpus plus one article: a writer alternates between them."""
    small, big = tmp_path / "small", tmp_path / "big"
    shutil.copytree(ROOT / "corpus", small)
    shutil.copytree(ROOT / "corpus", big)
    (big / "quokka.txt").write_text(QUOKKA, encoding="utf-8")
    return small, big


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from qa.api import build_index
    from qa.settings import Settings
    index, small, big, seconds, done = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), Path(sys.argv[5])
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end or n < MIN_WRITES:  # a busy machine still gets its swaps
        build_index([small if n % 2 else big], index, Settings(model="hash-64"), progress=False)
        n += 1
    done.write_text(str(n))
""").replace("MIN_WRITES", "6")

READER = textwrap.dedent("""
    import json, sys, time
    from qa.errors import QAError
    from qa.index.loaded import load_index
    from pathlib import Path
    index, done = sys.argv[1], Path(sys.argv[2])
    sizes, failures = {}, []
    while not done.exists():  # until the writer has finished
        try:
            loaded = load_index(index)
            # whole: every chunk's article is there, and the articles are one corpus or the other
            assert all(c.doc_id in loaded.articles for c in loaded.chunks)
            key = str(len(loaded.articles))
            sizes[key] = sizes.get(key, 0) + 1
        except (QAError, AssertionError, KeyError, ValueError, OSError) as e:
            failures.append(f"{type(e).__name__}: {e}")
    print(json.dumps({"sizes": sizes, "failures": failures[:5], "n_failures": len(failures)}))
""")


def test_a_reader_racing_a_writer_always_loads_a_whole_index(tmp_path, two_corpora):
    small, big = two_corpora
    index = tmp_path / "index"
    build_index([small], index, HASH, progress=False)
    done = tmp_path / "writer-done"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(index), str(small), str(big), str(RACE_SECONDS), str(done)], cwd=ROOT
    )
    reader = subprocess.run(
        [sys.executable, "-c", READER, str(index), str(done)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RACE_SECONDS + 240,
    )
    writer.wait(timeout=60)
    writes = int(done.read_text())
    assert writer.returncode == 0 and reader.returncode == 0, reader.stderr
    seen = json.loads(reader.stdout)
    assert seen["n_failures"] == 0, seen["failures"]
    assert set(seen["sizes"]) <= {"2", "3"} and sum(seen["sizes"].values()) >= 5
    assert writes >= 3  # the writer did swap indexes in while the reader loaded
    ingest([small], index, HASH, progress=False, rebuild=True)
    assert sorted(p.name for p in index.iterdir()) == [CURRENT, current_folder(index).name]  # all else collected


def test_a_generation_being_read_is_kept_until_the_reader_is_done(tmp_path, two_corpora):
    small, big = two_corpora
    index = tmp_path / "index"
    build_index([small], index, HASH, progress=False)
    with reading(index) as held:
        build_index([big], index, HASH, progress=False)
        assert current_folder(index) != held
        assert (held / "manifest.json").exists() and (held / "vectors.npy").exists()  # not deleted under it
    build_index([small], index, HASH, progress=False)
    assert not held.exists()  # once free, the next writer deletes it
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) == 1


# ---------------------------------------------------------------- format 2: flat folders


@pytest.fixture
def v2(tmp_path) -> Path:
    index = tmp_path / "v2"
    shutil.copytree(V2_INDEX, index)
    return index


def test_an_index_of_format_2_loads_and_answers_as_it_is(v2):
    before = sorted(p.name for p in v2.iterdir())
    loaded = load_index(v2)
    assert loaded.manifest["format_version"] == 2 and len(loaded.articles) == 2
    assert "Borges" in ask(CLUB, loaded).answer
    assert sorted(p.name for p in v2.iterdir()) == before  # read-only


def test_ingest_into_a_format_2_index_upgrades_it_reusing_every_vector(v2, tmp_path, counting_embedder):
    old = load_index(v2)
    report = ingest([ROOT / "corpus"], v2, HASH, counting_embedder, progress=False)
    assert counting_embedder.n_texts == 0 and report.embedded == 0 and report.unchanged == 2
    new = load_index(v2)
    assert new.manifest["format_version"] == 3 and (v2 / CURRENT).is_file()
    assert not (v2 / "manifest.json").exists() and not (v2 / "vectors.npy").exists()
    assert new.chunks == old.chunks and np.array_equal(new.stored.vectors, old.stored.vectors)
    assert ask(CLUB, new).answer == ask(CLUB, old).answer
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "quokka.txt").write_text(QUOKKA, encoding="utf-8")
    ingest([tmp_path / "new"], v2, HASH, counting_embedder, progress=False)
    assert counting_embedder.n_texts == len([c for c in load_index(v2).chunks if c.doc_id == "quokka"])


@pytest.mark.skipif(not (BASELINE / "manifest.json").exists(), reason=f"no format-2 index at {BASELINE}")
def test_the_baseline_realtimeqa_index_of_format_2_still_loads():
    loaded = load_index(BASELINE)
    assert loaded.manifest["format_version"] == 2 and len(loaded.chunks) == 22_312


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("QA_SLOW_TESTS"), reason="about 40 s; set QA_SLOW_TESTS=1")
@pytest.mark.skipif(not (BASELINE / "manifest.json").exists(), reason=f"no format-2 index at {BASELINE}")
def test_the_baseline_realtimeqa_index_upgrades_without_embedding(tmp_path, shared):
    from tests.conftest import CountingEmbedder

    copy = tmp_path / "rtqa"
    shutil.copytree(BASELINE, copy)
    old = load_index(copy)
    counting = CountingEmbedder(384)
    report = ingest([shared / "datasets" / "realtimeqa-dev" / "corpus.jsonl"], copy, embedder=counting, progress=False)
    assert counting.n_texts == 0 and report.embedded == 0
    assert np.array_equal(load_index(copy).stored.vectors, old.stored.vectors)


# ---------------------------------------------------------------- a property of the store

ARTICLES = {
    f"a{i}": f"Headline number {i}\n\nReport {i}: the council met and voted on harbour plan {i} on Monday.\n"
    for i in range(6)
}


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sets(st.sampled_from(sorted(ARTICLES)), min_size=1), st.booleans()), min_size=1, max_size=3)
)
def test_any_sequence_of_writes_leaves_exactly_the_last_corpus_and_the_users_files(steps):
    """Whatever is built or added in whatever order, the index holds what the last write says, one
    generation is left, and a file the user put in the folder is never touched."""
    folder = Path(tempfile.mkdtemp())
    try:
        index = folder / "index"
        build_index([ROOT / "corpus"], index, HASH, progress=False)
        (index / "mine.txt").write_text("mine\n", encoding="utf-8")
        expected = {"000_f0064c69b098e1e3", "001_cafc69e03f85d0ea"}
        for n, (chosen, add) in enumerate(steps):
            src = folder / f"src{n}"
            src.mkdir()
            for name in chosen:
                (src / f"{name}.txt").write_text(ARTICLES[name], encoding="utf-8")
            (ingest if add else build_index)([src], index, HASH, progress=False)
            expected = expected | chosen if add else set(chosen)
        loaded = load_index(index)
        assert set(loaded.articles) == expected
        assert all(loaded.articles[c.doc_id].text[c.start : c.end] == c.text for c in loaded.chunks)
        assert sorted(p.name for p in index.iterdir()) == [CURRENT, current_folder(index).name, "mine.txt"]
        assert (index / "mine.txt").read_text(encoding="utf-8") == "mine\n"
    finally:
        shutil.rmtree(folder)
