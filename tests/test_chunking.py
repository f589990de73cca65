"""Chunking (issue 2): every chunk is an exact span of its article, within the token limit, with the
configured overlap of whole sentences -- on the whole realtimeqa-dev corpus and on hand-made edge cases."""

from itertools import pairwise

import pytest

from qa.index.build import search_text
from qa.ingest.chunking import chunk_article, content_sentences
from qa.ingest.readers import read_paths
from qa.records import Article
from qa.settings import Settings
from qa.text.sentences import sentence_spans
from qa.text.tokens import token_counter

COUNT = token_counter("cl100k_base")


def check(article: Article, size: int, overlap: int) -> list:
    """Chunk the article and assert every invariant; return the chunks."""
    chunks = chunk_article(article, COUNT, size, overlap)
    text = article.text
    real = COUNT([c.text for c in chunks])
    for c, n in zip(chunks, real, strict=True):
        assert c.doc_id == article.doc_id
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.text, (article.doc_id, c.start, c.end)
        assert c.text == c.text.strip() and c.text
        assert c.n_tokens == n <= size, (article.doc_id, c.start, n)
    for a, b in pairwise(chunks):
        assert a.start < b.start and a.end < b.end
        if b.start < a.end:  # the overlap: whole sentences at the end of `a`, at most `overlap` tokens
            assert COUNT([text[b.start : a.end]])[0] <= overlap
    covered = _union(text, ((c.start, c.end) for c in chunks))
    for s, e in content_sentences(text):  # nothing but boilerplate is left out
        assert any(cs <= s and e <= ce for cs, ce in covered), (article.doc_id, text[s:e][:80])
    return chunks


def _union(text: str, spans) -> list[tuple[int, int]]:
    """The spans merged where they overlap or only whitespace lies between them."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and (s <= out[-1][1] or not text[out[-1][1] : s].strip()):
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def test_every_chunk_of_the_realtimeqa_corpus_is_a_span_within_the_limits(rtqa_corpus):
    read = read_paths([rtqa_corpus])
    settings = Settings()
    assert len(read.articles) == 1855 and read.problems == ()
    n_chunks = 0
    for article in read.articles:
        n_chunks += len(check(article, settings.chunk_tokens, settings.chunk_overlap))
    assert n_chunks > 1855


def test_seed_articles(corpus_dir):
    for article in read_paths([corpus_dir]).articles:
        assert len(check(article, 200, 32)) >= 2
        assert len(check(article, 40, 10)) > len(check(article, 200, 32))


# ---------------------------------------------------------------- overlap

NUMBERED = " ".join(f"Sentence number {i} tells of the harbour, the ferry and the weather." for i in range(1, 31))


def test_overlap_is_whole_sentences_up_to_the_setting():
    article = Article("n", NUMBERED)
    sentences = {article.text[s:e] for s, e in sentence_spans(article.text)}
    chunks = check(article, 60, 20)
    assert len(chunks) > 3
    for a, b in pairwise(chunks):
        shared = article.text[b.start : a.end]
        assert b.start < a.end, "consecutive chunks share a sentence"
        assert shared in sentences or all(p + "." in sentences for p in shared.rstrip(".").split(". "))
        assert article.text[b.start - 2 : b.start] == ". "  # starts at a sentence start


def test_no_overlap_when_set_to_zero():
    chunks = check(Article("n", NUMBERED), 60, 0)
    assert all(b.start > a.end for a, b in pairwise(chunks))


def test_overlap_must_be_smaller_than_the_size():
    with pytest.raises(ValueError, match="overlap"):
        chunk_article(Article("n", NUMBERED), COUNT, 32, 32)


def test_larger_size_gives_fewer_chunks():
    counts = [len(check(Article("n", NUMBERED), size, 8)) for size in (30, 60, 120, 1000)]
    assert counts == sorted(counts, reverse=True) and counts[-1] == 1


# ---------------------------------------------------------------- long sentences, odd scripts


def test_long_word_without_spaces_is_cut_within_the_limit():
    text = "Intro sentence here. " + "x" * 5000 + " Closing sentence."
    chunks = check(Article("x", text), 50, 10)  # check() also asserts that every character is in a chunk
    assert len(chunks) >= 5000 // (50 * 8)


def test_mixed_density_sentence_without_spaces_is_cut_within_the_limit():
    # latin letters pack many to a token, CJK one or two a token: even cuts by characters are not enough
    check(Article("m", "a" * 3000 + "東京都庁" * 400), 64, 8)
    check(Article("m", "語" * 2000 + "b" * 4000 + "語" * 2000), 32, 0)


def test_long_sentence_with_spaces_is_cut_at_spaces():
    text = "The council " + " ".join(f"voted{i}" for i in range(600)) + " yesterday."
    for c in check(Article("s", text), 60, 0):
        assert not c.text.startswith(" ") and (c.end == len(text) or text[c.end] == " ")


def test_chunks_do_not_end_at_abbreviations():
    text = (
        "Mr. Smith met Sen. Jones in Washington, D.C. on Jan. 5 at 10 a.m. with J.R.R. Tolkien's heirs. "
        "The U.S. Department of State said No. 10 Downing St. agreed."
    )
    assert [c.text for c in check(Article("ab", text), 40, 0)] == [
        "Mr. Smith met Sen. Jones in Washington, D.C. on Jan. 5 at 10 a.m. with J.R.R. Tolkien's heirs.",
        "The U.S. Department of State said No. 10 Downing St. agreed.",
    ]


def test_cjk_text_is_cut_at_full_stops():
    text = "".join(f"東京の第{i}回会議は雨のため延期されたと市の担当者が述べた。" for i in range(40))
    chunks = check(Article("ja", text), 80, 0)
    assert len(chunks) > 2
    assert all(c.text.endswith("。") for c in chunks)


# ---------------------------------------------------------------- boilerplate, line ends, empty text

PAGE = (
    "Quokka numbers hit a record\n\nAdvertisement\n\nRangers counted 12,400 quokkas this winter. The count "
    "took three nights.\n\nStory continues below advertisement\n\nEcologists urged caution. A dry year could "
    "undo the gains.\n\nSign up for our newsletter today\n\nVideo Ad Feedback\n\n\u00a9 2022 The Coastal Herald\n"
)


def test_boilerplate_lines_never_start_or_end_a_chunk():
    article = Article("p", PAGE, title="Quokkas")
    for size in (12, 30, 200):
        for c in check(article, size, 4):
            for furniture in ("Advertisement", "advertisement", "newsletter", "Video Ad", "\u00a9"):
                assert not c.text.startswith(furniture) and not c.text.endswith(furniture)
    (whole,) = check(article, 200, 4)
    assert whole.text.startswith("Quokka numbers") and whole.text.endswith("undo the gains.")
    embedded = search_text(article, whole)
    assert "Advertisement" not in embedded and "Story continues" not in embedded and "Rangers counted" in embedded


def test_article_of_only_boilerplate_has_no_chunks():
    assert chunk_article(Article("b", "Advertisement\n\nRead more\n\n\u00a9 2022 Someone\n"), COUNT, 50, 5) == []


@pytest.mark.parametrize("text", ["", "   \n\n\t  ", "\n"])
def test_empty_article_has_no_chunks(text):
    assert chunk_article(Article("e", text), COUNT, 50, 5) == []


def test_windows_line_ends_and_odd_whitespace():
    text = "First line here.\r\nSecond line here.\r\n\r\n\tIndented third.\u00a0 Fourth\u2003one.\r\n"
    chunks = check(Article("w", text), 6, 2)
    assert chunks[0].text == "First line here."


def test_sentence_exactly_at_the_limit_is_one_chunk():
    sentence = "The ferry left the harbour at dawn and reached the island before the storm arrived."
    n = COUNT([sentence])[0]
    (chunk,) = check(Article("x", sentence), n, 0)
    assert chunk.text == sentence and chunk.n_tokens == n
