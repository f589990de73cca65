"""Answering components (issue 3): question typing, sentence scoring, candidate extraction and voting,
who-said-what attribution and abstention, each on small hand-made cases, then the seed questions end to
end with the real model. spaCy's small English pipeline (a pip package) is loaded; nothing downloads."""

import json
from types import SimpleNamespace

import pytest

from qa.answer.attribution import full_name, quotes
from qa.answer.candidates import mentions, question_slot
from qa.answer.contexts import Context
from qa.answer.evidence import Evidence, score_sentence
from qa.answer.features import INDEX, descriptions, group
from qa.answer.question import analyse
from qa.answer.types import allowed, fits
from qa.text.outlets import clean_title

# ---------------------------------------------------------------- answer typing


@pytest.mark.parametrize(
    "question,kind,noun,place,unit,plural,speaker",
    [
        ("Who described the 'Club of Other'?", "person", "", "", "", False, True),
        ("Who spoke to Guaido earlier this month?", "person", "", "", "", False, False),
        ("What organization does Bryan E. Leib lead?", "organization", "organization", "", "", False, False),
        ("In what year was the fund established?", "date", "year", "", "", False, False),
        ("How many Iranian nationals were charged?", "number", "", "", "nationals", False, False),
        ("How much in transactions did the group hide?", "amount", "", "", "", False, False),
        ("Which US national park was flooded?", "place", "national", "", "", False, False),
        (
            "What country elected its first-ever leftist leader this week?",
            "place",
            "country",
            "country",
            "",
            False,
            False,
        ),
        ("Which island nation plunged into chaos?", "place", "nation", "country", "", False, False),
        ("Which two countries did NATO invite?", "place", "country", "country", "", True, False),
        ("Which head of state announced his resignation?", "person", "head", "", "", False, False),
        ("Which company’s stock became cheaper?", "organization", "company", "", "", False, False),
        (
            "Supermarkets in France cannot stock which condiment, sparking outrage across the country.",
            "thing",
            "",
            "",
            "",
            False,
            False,
        ),
        ("NASA released images this week. What did the images show?", "thing", "", "", "", False, False),
        ("What is the capital of Australia?", "place", "capital", "city", "", False, False),
        ("What is the magnitude of the quake?", "number", "magnitude", "", "", False, False),
    ],
)
def test_answer_type(question, kind, noun, place, unit, plural, speaker):
    info = analyse(question)
    assert (info.answer_type, info.type_noun, info.place_kind, info.unit, info.plural, info.asks_speaker) == (
        kind,
        noun,
        place,
        unit,
        plural,
        speaker,
    )


def test_question_word_is_the_asking_one_not_a_relative_pronoun():
    q = (
        "Police arrested 31 men linked to the group Patriot Front who planned to riot at a Pride event. "
        "Where was the event?"
    )
    assert analyse(q).wh == "where"
    q = "A drone strike killed the world’s most wanted terrorist, who was associated with which group?"
    assert (analyse(q).wh, analyse(q).answer_type) == ("which", "organization")


# ---------------------------------------------------------------- sentence scoring


def test_score_sentence_coverage_pairs_and_quoted_phrases():
    weights = {"club": 2.0, "describ": 1.0}
    score, coverage = score_sentence("This ‘Club of Other’ appears to operate", weights, ["club of other"])
    assert coverage == pytest.approx(2 / 3)
    assert score == pytest.approx(2 / 3 + 0.3)  # the quoted phrase of the question is there
    none, zero = score_sentence("Nothing relevant here.", weights, [])
    assert (none, zero) == (0.0, 0.0)
    pair, _ = score_sentence("oil shipments swapped", {"oil": 1.0, "shipment": 1.0}, [])
    assert pair == pytest.approx(1.0 + 0.2)  # both words, and next to each other


# ---------------------------------------------------------------- candidates as written


def ctx(text: str, doc: str = "d1", score: float = 1.0, rank: int = 0, title: bool = False) -> Context:
    return Context(Evidence(doc, 0, len(text), text, score, score, rank), 0, len(text), None, text, title)


def found(question: str, *contexts: Context) -> dict[str, set[str]]:
    """The candidates of the contexts: text → the kinds of its mentions."""
    articles = {c.evidence.doc_id: SimpleNamespace(text=c.text) for c in contexts}
    out: dict[str, set[str]] = {}
    for m in mentions(analyse(question), list(contexts), articles):
        out.setdefault(m.text, set()).add(m.kind)
    return out


def test_candidates_are_the_texts_own_words_at_their_offsets():
    text = "The harbour cost $12.6 million and opened Tuesday after four years of work, the council said."
    c = Context(Evidence("d", 10, 10 + len(text), text, 1.0, 1.0, 0), 10, 10 + len(text), None, text)
    article = "x" * 10 + text
    ms = mentions(analyse("How much did the harbour cost?"), [c], {"d": SimpleNamespace(text=article)})
    assert ms and all(article[m.start : m.end] == m.text for m in ms)
    kinds = {m.text: m.kind for m in ms if m.kind in ("MONEY", "DATE", "DURATION")}
    assert kinds.get("$12.6 million") == "MONEY"  # as written: never 12,600,000
    assert kinds.get("Tuesday") == "DATE" and kinds.get("four years") == "DURATION"


def test_names_of_organisations_with_their_prepositions_are_candidates():
    got = found(
        "What organization does Bryan E. Leib lead?",
        ctx("As the executive director of activist group Iranian Americans for Liberty, Bryan E. Leib, said so."),
    )
    assert "Iranian Americans for Liberty" in got and "Bryan E. Leib" in got


def test_a_demonym_stands_for_its_country_and_is_marked_derived():
    c = ctx("North Korean leader Kim Jong Un declared victory against Covid on Wednesday.")
    ms = mentions(analyse("Which country declared victory against Covid?"), [c], {"d1": SimpleNamespace(text=c.text)})
    assert any(m.text == "North Korea" and m.derived for m in ms)


def test_mentions_that_read_the_same_are_one_candidate():
    contexts = [ctx("Ford recalled 2.9 million vehicles.", "a"), ctx("The recall by Ford covers trucks.", "b", 0.8, 1)]
    ms = mentions(analyse("Which automaker recalled 2.9 million vehicles?"), contexts, {})
    groups = {c.text: len({m.doc_id for m in g}) for c, g in group(ms, contexts)}
    assert groups["Ford"] == 2


@pytest.mark.parametrize(
    "question,kind,ok",
    [
        ("When did the harbour open?", "DATE", True),
        ("When did the harbour open?", "DURATION", False),  # "four years" is not a when
        ("How long did the work take?", "DURATION", True),
        ("How long did the work take?", "CARDINAL", False),  # a bare number is not a how long
        ("How long did the work take?", "DATE", False),
        ("How many people watched?", "CARDINAL", True),
        ("How many people watched?", "PERSON", False),
        ("How much did it cost?", "MONEY", True),
        ("How much did it cost?", "NP", False),
        ("What percentage of voters agreed?", "PERCENT", True),
        ("What percentage of voters agreed?", "NP", False),
        ("Who described the plan?", "CARDINAL", False),
        ("Which platform did she use?", "DATE", False),
        ("Which platform did she use?", "ORG", True),
    ],
)
def test_type_discipline(question, kind, ok):
    assert fits(analyse(question), kind) is ok


def test_clean_title_drops_the_outlet_and_the_cut_off_tail():
    assert (
        clean_title("Average US gas price hits $5 for first time - CNN")
        == "Average US gas price hits $5 for first time"
    )
    assert (
        clean_title("Monkeypox: WHO to consider again whether outbreak is public ...")
        == "Monkeypox: WHO to consider again whether outbreak is public"
    )
    assert clean_title("BA.5: The 'worst variant' is here | CNN") == "BA.5: The 'worst variant' is here"


# ---------------------------------------------------------------- who said what


def test_speaker_after_the_quote():
    text = "“We will not stop,” said opposition leader Julio Borges. Borges spoke in Caracas."
    q = quotes(text)[0]
    assert q.speaker == "Julio Borges" and text[q.start : q.end] == "“We will not stop,”"
    assert text[q.cite_start : q.cite_end] == "“We will not stop,” said opposition leader Julio Borges."


def test_speaker_named_before_the_verb_and_study_as_speaker():
    text = (
        "“The regime is a syndicate,” Guaido told the newspaper Israel Hayom.\n\n"
        "“Iran could use these countries as a launch pad,” warned an Atlantic Council study in 2019."
    )
    first, second = quotes(text)
    assert first.speaker == "Guaido"
    assert second.speaker == "Atlantic Council study"


def test_lead_in_paragraph_with_a_colon_and_a_quote_over_two_paragraphs():
    text = (
        "Borges explained:\n\n“Russia moves out gold reserves\n\n“and the UAE provides cash.”\n\nOther news followed."
    )
    q = quotes(text)[0]
    assert q.speaker == "Borges"
    assert (
        text[q.cite_start : q.cite_end].startswith("Borges explained:") and "UAE provides cash" in text[q.start : q.end]
    )


def test_full_names_win_over_surnames():
    text = "Opposition leader Julio Borges met diplomats. Later, Borges said more."
    assert full_name(text, "Borges") == "Julio Borges"
    assert full_name("Borges said so.", "Borges") == "Borges"


def test_a_tie_between_full_names_is_decided_by_the_text_not_by_the_hash_seed():
    # two forms as frequent and as long: the first in the text, in every process (sets iterate in an order
    # that changes with PYTHONHASHSEED; picking from one made answers differ between runs)
    import os
    import subprocess
    import sys

    text = "Barack Obama spoke first, and on Friday Obama left the summit."
    code = f"from qa.answer.attribution import full_name; print(full_name({text!r}, 'Obama'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout.strip()
        for seed in range(6)
    }
    assert seen == {"Barack Obama"}
    assert full_name(text, "Obama") == "Barack Obama"


# ---------------------------------------------------------------- the seed questions, real model


@pytest.mark.model
def test_every_seed_question_is_answered_right_with_exact_citations(shared, real_seed_index):
    from qa.api import ask
    from qa.evaluate.metrics import answer_accuracy

    index = real_seed_index
    for line in (shared / "questions" / "seed-dev.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        a = ask(q["question"], index)
        if not q["answers"]:
            assert a.abstained, (q["id"], a.answer)
            continue
        assert not a.abstained, (q["id"], a.answer)
        # seed-09 "What does Venezuela swap oil shipments for?" → "jet fuel and gold": the scorer chooses "jet
        # fuel", the answer shows the list it stands in (qa/answer/shown.py)
        assert answer_accuracy(a.answer, q["answers"]), (q["id"], a.answer)
        for c in a.citations:
            assert index.articles[c.doc_id].text[c.start : c.end] == c.quote
    club = ask("Who described the 'Club of Other'?", index)
    cited = {c.doc_id for c in club.citations} | {d for c in club.citations for d in c.also_in}
    assert cited == set(index.articles) and "Borges" in club.answer


def test_who_said_questions_take_only_speakers_when_a_quotation_names_one():
    info = analyse("Who described the 'Club of Other'?")
    kinds = [{"PERSON"}, {"SPEAKER", "PERSON"}, {"ORG"}, {"SPEAKER"}]
    evidence = [None, 0.9, None, 0.1]  # the second speaks the quote that matches; the fourth another one
    assert allowed(info, kinds, speaker_evidence=evidence) == [False, True, False, False]
    assert allowed(info, [{"PERSON"}, {"ORG"}]) == [True, True]  # no speaker found: names may answer
    assert allowed(analyse("Who spoke to Guaido?"), kinds, speaker_evidence=evidence) == [True] * 4  # not "said"


def test_due_to_what_takes_a_cause_never_a_name_or_a_number():
    info = analyse("The parade was called off due to what?")
    kinds = [{"ORG", "PROPER"}, {"NP", "CAUSE"}, {"NP"}, {"CARDINAL"}, {"GPE", "CAUSE"}]
    assert allowed(info, kinds) == [False, True, True, False, True]
    assert allowed(analyse("Who called off the parade?"), kinds[:1]) == [True]


def test_a_noun_the_lexicon_does_not_know_still_names_the_answer_kind():
    info = analyse("Which music genre did the band bring back?")
    assert (info.type_noun, info.type_words) == ("genre", ("music", "genre"))
    assert analyse("Which team won the cup?").type_noun == "team"  # from the lexicon
    assert analyse("What happened to the bridge?").type_noun == ""  # "happened" is no noun: no auxiliary after it


def test_when_the_text_calls_a_candidate_by_the_asked_noun_only_such_candidates_answer():
    info = analyse("Which platform are job seekers turning to?")
    kinds = [{"PERSON"}, {"ORG"}, {"NP"}]
    evidence = [1.0, 0.9, 0.5]
    assert allowed(info, kinds, defined_evidence=[None, 0.9, None], evidence=evidence) == [False, True, False]
    # called a platform only in a much weaker passage: no restriction
    assert allowed(info, kinds, defined_evidence=[None, None, 0.5], evidence=evidence) == [True, True, True]


@pytest.mark.parametrize(
    "sentence,span,noun,defined",
    [
        ("Seekers turn to LinkedIn, the networking platform, for jobs.", "LinkedIn", "platform", True),
        ("Fans streamed bluegrass, the Appalachian music genre, all week.", "bluegrass", "genre", True),
        ("Viewers flocked to the streaming service Netflix on Sunday.", "Netflix", "service", True),
        ("Acme is the company that makes anvils.", "Acme", "company", True),
        ("Tomas Vidal said LinkedIn, the networking platform, grew.", "Tomas Vidal", "platform", False),
        ("The song Silver Roads topped charts for the genre.", "Silver Roads", "genre", False),
    ],
)
def test_a_span_is_defined_by_an_apposition_or_a_copula_with_the_asked_noun(sentence, span, noun, defined):
    from qa.answer.candidates import _defined
    from qa.text.nlp import parse

    doc = parse([sentence])[0]
    start = sentence.index(span)
    tokens = doc.char_span(start, start + len(span))
    kind_at = [t.i for t in doc if t.text == noun]
    assert _defined(doc, range(tokens.start, tokens.end), kind_at) is defined


def test_a_piece_of_a_longer_name_is_not_a_candidate_of_its_own():
    contexts = [ctx("As the director of activist group Iranian Americans for Liberty, Bryan Leib spoke.")]
    texts = [
        c.text for c, _ in group(mentions(analyse("What organization does Bryan Leib lead?"), contexts, {}), contexts)
    ]
    assert "Iranian Americans for Liberty" in texts and "Liberty" not in texts


def test_a_persons_name_that_ends_a_longer_name_is_a_candidate_of_its_own():
    """ "Secretary of State Antony Blinken": a title and a name; the person is a candidate (it was not, and the
    title-name was no person to the scorer)."""
    contexts = [ctx("Harbour Minister Elena Voss spoke to the fishermen on Monday.")]
    got = {
        c.text: {m.kind for m in ms}
        for c, ms in group(mentions(analyse("Who spoke to the fishermen?"), contexts, {}), contexts)
    }
    assert "PERSON" in got["Elena Voss"] and "Harbour Minister Elena Voss" in got


def test_a_name_is_described_by_the_common_noun_phrase_before_it_or_in_apposition_after_it():
    """ "the dairy company Northfield Creamery Inc." and "Brightwire, the ticketing app," say what kind of thing
    the name is."""
    contexts = [
        ctx("Officials said the milk was bought by the dairy company Northfield Creamery Inc. on Friday."),
        ctx("Fans bought seats through Brightwire, the ticketing app, and through Ana Cole and Ben Ortiz."),
    ]
    groups = group(mentions(analyse("Which company bought the milk?"), contexts, {}), contexts)
    texts = [c.text for c, _ in groups]
    described = dict(zip(texts, descriptions(groups, contexts), strict=True))
    assert described["Northfield Creamery Inc"] == ["dairy company"]
    assert "ticketing app" in described["Brightwire"]
    assert not described["Ben Ortiz"]  # nothing says what he is
    assert not described.get("Northfield", [])  # a piece of the name is not described on its own
    assert not described["dairy company"]


@pytest.mark.model
def test_the_description_of_a_name_is_compared_with_the_asked_kind(tmp_path):
    """sim_desc: "the dairy company Northfield Creamery Inc." fits "Which company …?"; the person "Ana Cole",
    whom nothing describes, has none."""
    from qa.answer.reading import read
    from qa.api import build_index
    from qa.index.loaded import load_index
    from qa.settings import Settings

    text = "Ana Cole said the milk was bought by the dairy company Northfield Creamery Inc. on Friday."
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "title": "Milk sold", "text": text}) + "\n")
    build_index([tmp_path / "a.jsonl"], tmp_path / "index", Settings(), progress=False)
    r = read(load_index(tmp_path / "index"), "Which company bought the milk?", Settings(), None)
    sim = {c.text: r.features[i, INDEX["sim_desc"]] for i, c in enumerate(r.candidates)}
    assert sim["Northfield Creamery Inc"] > 0.2 and sim.get("Ana Cole", 0) == 0


@pytest.mark.parametrize(
    "question,slot",
    [
        ("What does Venezuela swap oil shipments for?", ("pobj", "for", "swap")),
        ("According to Borges, what does the UAE provide?", ("obj", "", "provid")),
        ("Which company announced it will cut jobs?", ("subj", "", "announc")),
    ],
)
def test_the_slot_a_question_asks_to_fill(question, slot):
    role, prep, verbs = question_slot(question)
    assert (role, prep) == slot[:2] and slot[2] in verbs


def test_a_span_in_the_question_slot_is_marked():
    question = "What does Venezuela swap oil shipments for?"
    c = ctx("Officials say it is swapping oil shipments for jet fuel and gold.")
    slots = {m.text: m.slot for m in mentions(analyse(question), [c], {})}
    assert slots["jet fuel and gold"] == 1.0 and slots["oil shipments"] == 0.0
