"""Reading what users have (issue 14 items 6, 7, 13; issue 16 item 4): invalid UTF-8 is never turned into
mojibake and is reported with its file and byte offset; gzipped files are read directly, JSON Lines
streamed with their line numbers; an unreadable folder or file is a problem and never removes articles
from the index; an invalid `published` date is reported. Properties checked with Hypothesis."""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import cli
from qa.api import build_index, ingest
from qa.index.loaded import load_index
from qa.ingest.decoding import decode
from qa.ingest.readers import _read_file, read_paths
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
HASH = Settings(model="hash-64")
STORY = "Café owners in Köln said the señor's crème brûlée sold out again this week."


def records(n: int, text: str = "Article {i} says something new about the harbour.") -> list[dict]:
    return [{"id": f"r{i}", "title": f"Title {i}", "text": text.format(i=i)} for i in range(1, n + 1)]


def jsonl_bytes(rows) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


# ---------------------------------------------------------------- invalid UTF-8


def test_a_utf8_file_with_one_bad_byte_keeps_its_accents_and_says_where(tmp_path):
    data = STORY.encode() + b" Then \xff happened.\n"
    (tmp_path / "cafe.txt").write_bytes(data)
    result = read_paths([tmp_path / "cafe.txt"])
    (article,) = result.articles
    assert article.text.startswith("Café owners in Köln") and "Ã" not in article.text
    assert "\ufffd happened" in article.text
    (problem,) = result.problems
    bad = data.index(b"\xff")
    assert problem.path.endswith("cafe.txt") and f"invalid UTF-8 at byte {bad}" in problem.message


def test_a_bad_byte_in_json_lines_is_reported_at_its_line_and_byte(tmp_path):
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records(3, STORY + " {i}")]
    lines[1] = lines[1].replace(b"again", b"ag\xe9in")  # one Latin-1 byte in a UTF-8 line
    data = b"\n".join(lines) + b"\n"
    bad = data.index(b"\xe9")
    (tmp_path / "feed.jsonl").write_bytes(data)
    result = read_paths([tmp_path / "feed.jsonl"])
    assert [a.doc_id for a in result.articles] == ["r1", "r2", "r3"]  # the article still lands
    assert all(a.text.startswith("Café owners") for a in result.articles)
    (problem,) = result.problems
    assert problem.line == 2 and f"at byte {bad}" in problem.message


def test_cli_reports_the_bad_bytes_and_imports_the_article(tmp_path, capsys):
    (tmp_path / "cafe.txt").write_bytes(STORY.encode() + b"\xc3\n")
    assert cli.main(["ingest", str(tmp_path / "cafe.txt"), "--index", str(tmp_path / "ix"), "--model", "hash-64"]) == 1
    captured = capsys.readouterr()
    assert "invalid UTF-8 at byte" in captured.err and "1 added" in captured.out
    assert "Café" in load_index(tmp_path / "ix").articles["cafe"].text


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=200))
def test_valid_utf8_is_read_exactly_and_reported_as_clean(text):
    data = text.encode("utf-8", "replace")
    decoded = decode(data)
    if decoded.text is not None:  # None: control characters that make it look binary
        assert decoded.text == data.decode("utf-8-sig")
        assert decoded.note == "" and decoded.offset == -1


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_without_raising_and_name_the_first_bad_byte(data):
    decoded = decode(data)
    if decoded.text is None or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    try:
        data.decode("utf-8-sig")
        assert decoded.note == ""
    except UnicodeDecodeError as e:
        assert decoded.offset == e.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        assert f"byte {decoded.offset}" in decoded.note


# ---------------------------------------------------------------- gzipped input


def gz(path: Path, data: bytes) -> Path:
    with gzip.open(path, "wb") as f:
        f.write(data)
    return path


def same_articles(a, b) -> bool:
    return [(x.doc_id, x.text, x.title, x.published) for x in a] == [
        (x.doc_id, x.text, x.title, x.published) for x in b
    ]


@pytest.mark.parametrize(
    "name,data",
    [
        ("feed.jsonl", jsonl_bytes(records(4))),
        ("feed.json", json.dumps(records(3)).encode()),
        ("notes.txt", b"Ferry Strike Ends\n\nThe ferry workers voted to return to work.\n"),
        ("notes.md", b"# Ferry Strike Ends\n\nThe ferry workers voted to return to work.\n"),
        ("page.html", (DATA / "news-page.html").read_bytes()),
    ],
)
def test_gzipped_files_read_like_the_plain_ones(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    plain = read_paths([tmp_path / name])
    zipped = read_paths([gz(tmp_path / f"{name}.gz", data)])
    assert plain.problems == zipped.problems == () and plain.articles
    assert same_articles(plain.articles, zipped.articles)
    assert all(a.path.endswith(".gz") for a in zipped.articles)


def test_a_folder_of_gzipped_files_is_read_and_ingested(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    gz(folder / "a.jsonl.gz", jsonl_bytes(records(3)))
    gz(folder / "b.txt.gz", b"Quokka Census Results\n\nRangers counted quokkas on Rottnest.\n")
    (folder / "skip.gz").write_bytes(b"not supported")  # no article format before .gz
    report = ingest([folder], tmp_path / "index", HASH, progress=False)
    assert report.problems == () and report.added == 4
    assert load_index(tmp_path / "index").articles["b"].title == "Quokka Census Results"


def test_problems_in_gzipped_json_lines_keep_their_line_numbers_and_file(tmp_path):
    rows = [*records(2), b'{"id": "bad", "text": "unfinished', {"id": "r9"}, *records(1)]
    file = gz(tmp_path / "feed.jsonl.gz", jsonl_bytes(rows))
    result = read_paths([file])
    assert [(Path(p.path).name, p.line) for p in result.problems] == [("feed.jsonl.gz", 3), ("feed.jsonl.gz", 4)]
    assert "invalid JSON" in result.problems[0].message and "no 'text'" in result.problems[1].message
    assert str(result.problems[0]).startswith(f"{file}:3: ")


def test_a_truncated_gzip_file_keeps_the_lines_before_the_damage(tmp_path):
    data = gzip.compress(jsonl_bytes(records(400, "Article {i} " + "word " * 200)))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = read_paths([tmp_path / "cut.jsonl.gz"])
    assert 0 < len(result.articles) < 400
    assert [a.doc_id for a in result.articles] == [f"r{i}" for i in range(1, len(result.articles) + 1)]
    assert "damaged gzip file" in result.problems[-1].message


def test_a_file_that_is_not_gzip_says_so(tmp_path):
    (tmp_path / "fake.txt.gz").write_bytes(b"plain text, not compressed\n")
    (problem,) = read_paths([tmp_path / "fake.txt.gz"]).problems
    assert "damaged gzip file" in problem.message and ";" in problem.message


def test_gzipped_json_lines_are_streamed_not_read_whole(tmp_path):
    """30 MB of JSON Lines: reading them one at a time holds one line (plus the article being built)."""
    line = json.dumps({"id": "x", "text": "word " * 2000}).encode() + b"\n"
    file = gz(tmp_path / "big.jsonl.gz", line * 3000)
    tracemalloc.start()
    try:
        n = sum(1 for _ in _read_file(file))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 3000 and peak < 3_000_000  # the whole file would be 30 MB


def test_a_slice_of_the_realtimeqa_train_corpus_ingests_from_its_gzip(tmp_path, shared, capsys):
    source = shared / "datasets" / "realtimeqa-train" / "corpus-2025.jsonl.gz"
    if not source.exists():
        pytest.skip(f"{source} not found")
    with gzip.open(source, "rb") as f:
        head = b"".join(f.readline() for _ in range(8))
    sample = gz(tmp_path / "corpus-2025-head.jsonl.gz", head)
    assert cli.main(["ingest", str(sample), "--index", str(tmp_path / "x"), "--model", "hash-64", "--quiet"]) == 0
    assert "8 added" in capsys.readouterr().out


# ---------------------------------------------------------------- unreadable paths never remove articles

SYNC = """
import json, sys
from qa.api import build_index
from qa.settings import Settings
report = build_index(sys.argv[2:], sys.argv[1], Settings(model="hash-64"), progress=False)
print(json.dumps({"n": report.n_articles, "problems": [str(p) for p in report.problems]}))
"""


def sync_as_a_user(index: Path, *paths: Path) -> dict:
    """build_index with these paths (as the app's start-up sync does), in a process without root's
    power to read anything (setpriv drops it), so that permissions apply as to any user."""
    cmd = [sys.executable, "-c", SYNC, str(index), *map(str, paths)]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: permissions cannot be made to apply")
        cmd = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", *cmd]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture
def corpus_with_a_subfolder(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "quokka.txt").write_text("Quokka Census\n\nRangers counted quokkas.\n", encoding="utf-8")
    (corpus / "sub" / "ferry.txt").write_text("Ferry Strike Ends\n\nThe ferry workers voted.\n", encoding="utf-8")
    return corpus


def test_an_unreadable_subfolder_is_reported_and_its_articles_kept(tmp_path, corpus_with_a_subfolder):
    corpus, index = corpus_with_a_subfolder, tmp_path / "index"
    build_index([corpus], index, HASH, progress=False)
    assert len(load_index(index).articles) == 4
    (corpus / "sub").chmod(0)
    try:
        seen = sync_as_a_user(index, corpus)
    finally:
        (corpus / "sub").chmod(0o755)
    assert seen["n"] == 4 and set(load_index(index).articles) >= {"quokka", "ferry"}
    (problem,) = seen["problems"]
    assert "sub: cannot read this folder (Permission denied)" in problem and "kept" in problem


def test_an_unreadable_file_is_reported_and_its_article_kept(tmp_path, corpus_with_a_subfolder):
    corpus, index = corpus_with_a_subfolder, tmp_path / "index"
    build_index([corpus], index, HASH, progress=False)
    (corpus / "sub" / "ferry.txt").chmod(0)
    try:
        seen = sync_as_a_user(index, corpus)
    finally:
        (corpus / "sub" / "ferry.txt").chmod(0o644)
    assert seen["n"] == 4 and "ferry" in load_index(index).articles
    assert "ferry.txt: cannot read the file (Permission denied)" in seen["problems"][0]


def test_a_removed_file_still_removes_its_article(tmp_path, corpus_with_a_subfolder):
    corpus, index = corpus_with_a_subfolder, tmp_path / "index"
    build_index([corpus], index, HASH, progress=False)
    (corpus / "sub" / "ferry.txt").unlink()
    assert build_index([corpus], index, HASH, progress=False).n_articles == 3


# ---------------------------------------------------------------- published dates


def test_an_invalid_published_date_is_reported_and_the_article_lands(tmp_path):
    rows = [
        {"id": "a", "text": "Body one.", "published": "yesterday-ish", "url": "https://x.com/2022/06/12/story"},
        {"id": "b", "text": "Body two.", "published": "2022-02-30"},
        {"id": "c", "text": "Body three.", "published": "June 12, 2022"},  # written out: fine
    ]
    (tmp_path / "feed.jsonl").write_bytes(jsonl_bytes(rows))
    result = read_paths([tmp_path / "feed.jsonl"])
    by_id = {a.doc_id: a.published for a in result.articles}
    assert by_id == {"a": "2022-06-12", "b": "", "c": "2022-06-12"}  # from the URL, unknown, parsed
    assert [(p.line, p.message.split(";")[0]) for p in result.problems] == [
        (1, "this line: 'published' 'yesterday-ish' is not a date"),
        (2, "this line: 'published' '2022-02-30' is not a date"),
    ]


# ---------------------------------------------------------------- properties

record = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8), "text": st.text(max_size=60)},
    optional={"title": st.text(max_size=20), "published": st.sampled_from(["2022-06-12", "soon", "", "2022-13-01"])},
)
line = st.one_of(record.map(lambda r: json.dumps(r).encode()), st.binary(max_size=40).filter(lambda b: b"\n" not in b))


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=10))
def test_gzipped_json_lines_give_the_same_articles_and_problems_as_plain(rows):
    folder = Path(tempfile.mkdtemp())
    try:
        data = b"".join(r + b"\n" for r in rows)
        (folder / "f.jsonl").write_bytes(data)
        gz(folder / "g.jsonl.gz", data)
        plain, zipped = read_paths([folder / "f.jsonl"]), read_paths([folder / "g.jsonl.gz"])
    finally:
        shutil.rmtree(folder)
    assert same_articles(plain.articles, zipped.articles)
    same_file = [(p.line, p.message.replace("g.jsonl.gz", "f.jsonl")) for p in zipped.problems]
    assert [(p.line, p.message) for p in plain.problems] == same_file
    for a in plain.articles:
        a.text.encode("utf-8")  # always writable as UTF-8
