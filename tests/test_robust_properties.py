"""Property tests (hypothesis): random Unicode text never breaks the chunker's span invariant, and random
JSON Lines never make the reader or ingest raise — bad lines become problems (issue 6)."""

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.api import ingest
from qa.index.layout import current_folder
from qa.ingest.chunking import chunk_article
from qa.ingest.readers import read_paths
from qa.records import Article
from qa.settings import Settings
from qa.text.tokens import token_counter

TIKTOKEN = token_counter("cl100k_base")


def by_words(texts):
    return [len(t.split()) + 1 for t in texts]


# Text that exercises sentence ends, paragraphs, boilerplate lines, long words and odd characters.
pieces = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            ". ",
            "! ",
            "? ",
            "\n",
            "\n\n",
            "  ",
            "Mr. ",
            "U.S. ",
            "“Quote.” ",
            "…",
            "\r\n",
            "\t",
            "Advertisement\n",
            "READ MORE\n",
            "\u2028",
            "\x85",
            "\x00",
            "é",
            "\u0301",
            "👩‍🚀",
        ]
    ),
    st.text(alphabet="ab ", min_size=50, max_size=400),
    st.text(alphabet="x", min_size=100, max_size=600),  # one long word
)
texts = st.lists(pieces, max_size=30).map("".join)


def check_chunks(text: str, count, size: int, overlap: int) -> None:
    article = Article("d", text)
    chunks = chunk_article(article, count, size, overlap)
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert article.text[c.start : c.end] == c.text
        assert c.text.strip() and c.doc_id == "d"
        assert c.n_tokens == count([c.text])[0] <= size
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


@settings(max_examples=150, deadline=None, database=None)
@given(texts, st.integers(8, 64), st.integers(0, 7))
def test_chunks_are_spans_of_the_article_tiktoken(text, size, overlap):
    check_chunks(text, TIKTOKEN, size, overlap)


@settings(max_examples=150, deadline=None, database=None)
@given(st.text(), st.integers(2, 20), st.integers(0, 1))
def test_chunks_are_spans_of_any_unicode_text(text, size, overlap):
    check_chunks(text, by_words, size, overlap)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
lone_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
surrogate_text = st.lists(st.one_of(st.text(max_size=12), lone_surrogates), max_size=8).map("".join)
good_records = st.fixed_dictionaries(
    {
        "id": st.one_of(st.text(min_size=1, max_size=8), st.integers()),
        "text": st.one_of(surrogate_text, texts).filter(str.strip),
    },
    optional={"title": surrogate_text, "published": st.text(max_size=10)},
)
random_records = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=8), st.integers(), json_values),
        "text": st.one_of(surrogate_text, texts, json_values),
        "title": st.one_of(surrogate_text, json_values),
        "url": st.text(max_size=20),
    },
)
lines = st.one_of(
    good_records.map(json.dumps),  # json.dumps escapes lone surrogates as \udxxx
    random_records.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=80).filter(lambda s: "\n" not in s and "\r" not in s),  # not JSON at all
    st.just(""),
)


def write_jsonl(folder: Path, rows: list[str]) -> Path:
    path = folder / "random.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8", errors="surrogatepass")
    return path


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, max_size=12))
def test_random_json_lines_become_articles_or_problems(rows):
    folder = Path(tempfile.mkdtemp())
    try:
        result = read_paths([write_jsonl(folder, rows)])
    finally:
        shutil.rmtree(folder)
    for a in result.articles:
        a.text.encode("utf-8")  # no lone surrogate reaches the index
        a.doc_id.encode("utf-8")
        assert a.text.strip() and a.doc_id
    for p in result.problems:
        assert p.message and p.line >= 0
    lines_used = {p.line for p in result.problems}
    assert len(result.articles) + len(lines_used) >= 1 or not any(r.strip() for r in rows)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, min_size=1, max_size=8))
def test_random_json_lines_ingest_without_raising(rows):
    folder = Path(tempfile.mkdtemp())
    try:
        report = ingest([write_jsonl(folder, rows)], folder / "index", Settings(model="hash-64"), progress=False)
        assert report.n_articles == report.added
        if report.n_articles:
            assert (current_folder(folder / "index") / "manifest.json").exists()
    finally:
        shutil.rmtree(folder)
