"""Follow-up questions are part of answering: pronouns that refer back to the previous answer are
replaced by it (qa/answer/followup.py), and ask(previous=...) answers the resolved question and says so."""

from pathlib import Path

import pytest

from qa.answer.followup import resolve_followup
from qa.api import ask, build_index
from qa.index.loaded import load_index
from qa.records import Answer
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- follow-up questions


def prev(answer: str, answer_type: str = "person", abstained: bool = False) -> Answer:
    return Answer("q", answer, abstained, answer_type=answer_type)


@pytest.mark.parametrize(
    "question, previous, expected",
    [
        ("What does he say the UAE provides?", prev("Julio Borges"), "What does Julio Borges say the UAE provides?"),
        ("What did she warn about?", prev("Jane Doe"), "What did Jane Doe warn about?"),
        ("What is her role?", prev("Jane Doe"), "What is Jane Doe's role?"),
        ("Who met her in Paris?", prev("Jane Doe"), "Who met Jane Doe in Paris?"),
        ("Who criticised him?", prev("Julio Borges"), "Who criticised Julio Borges?"),
        ("What is his title?", prev("Julio Borges"), "What is Julio Borges's title?"),
        ("He said what about Iran?", prev("Julio Borges"), "Julio Borges said what about Iran?"),
        (
            "Where is it based?",
            prev("Iranian Americans for Liberty", "organization"),
            "Where is Iranian Americans for Liberty based?",
        ),
        ("What do they want?", prev("the UAE", "place"), "What do the UAE want?"),
        ("Who runs its army?", prev("Venezuela", "place"), "Who runs Venezuela's army?"),
    ],
)
def test_resolve_followup_replaces_pronouns(question, previous, expected):
    assert resolve_followup(question, previous) == expected


@pytest.mark.parametrize(
    "question, previous",
    [
        ("What does he say the UAE provides?", None),
        ("What does he say the UAE provides?", prev("The corpus does not answer.", abstained=True)),
        ("What does he say?", prev("Some very long answer that is a whole sentence and not a name at all")),
        ("What did Julio Borges say he wants?", prev("Julio Borges")),  # the question already names him
        ("Where is it?", prev("Julio Borges")),  # "it" does not refer to a person
        ("What does he say happened then?", prev("2021", "date")),
        ("Who said 'he is a dictator'?", prev("Julio Borges")),  # quoted words are left alone
        ("Why is it's price high?", prev("gold", "thing")),  # it's = it is
        ("Who described the 'Club of Other'?", prev("Julio Borges")),
    ],
)
def test_resolve_followup_leaves_question_alone(question, previous):
    assert resolve_followup(question, previous) == question


def test_resolve_followup_outside_quotes_only():
    q = "Did he say 'he will return'?"
    assert resolve_followup(q, prev("Juan Guaido")) == "Did Juan Guaido say 'he will return'?"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("followup") / "index"
    build_index([ROOT / "corpus"], path, Settings(model="hash-64"), progress=False)
    return load_index(path)


def test_ask_with_the_previous_answer_answers_the_resolved_question(seed_index):
    first = ask("Who described the 'Club of Other'?", seed_index)
    follow = ask("What does he say the UAE provides?", seed_index, previous=first)
    assert follow.question == "What does he say the UAE provides?"
    assert follow.resolved_question == f"What does {first.answer} say the UAE provides?"
    alone = ask("What does he say the UAE provides?", seed_index)
    assert alone.resolved_question == alone.question == "What does he say the UAE provides?"
