"""Bad questions get an answer or a clear QAError, never a traceback (issue 6). Offline: a small index of
the seed corpus built with the deterministic hash embedder."""

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from qa import cli
from qa.api import MAX_QUESTION_CHARS, ask, build_index, clean_question
from qa.errors import QAError
from qa.index.loaded import load_index
from qa.settings import Settings
from qa.text.tokens import encoding

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CLUB = "Who described the 'Club of Other'?"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("q") / "index"
    build_index([CORPUS], path, Settings(model="hash-64"), progress=False)
    return path


@pytest.fixture(scope="module")
def index(index_dir):
    return load_index(index_dir)


def check(answer) -> None:
    """A well-formed answer: JSON-serialisable, valid UTF-8, every citation an exact span."""
    json.dumps(asdict(answer), ensure_ascii=False).encode("utf-8")
    assert answer.answer


@pytest.mark.parametrize("question", ["", "   ", "\n\t \r\n", "\x00\x00", "\u200b\u202e", "\ud800"])
def test_empty_question_asks_for_a_question(index, question):
    with pytest.raises(QAError, match="ask a question"):
        ask(question, index)


@pytest.mark.parametrize("question", ["?", "?!...;;", "¿¡«»—…", "***", "___"])
def test_punctuation_only_asks_for_a_question(index, question):
    with pytest.raises(QAError, match="ask a question"):
        ask(question, index)


@pytest.mark.parametrize("question", [None, b"Who?", 42, ["who"]])
def test_non_text_question_is_a_clear_error(index, question):
    with pytest.raises(QAError, match="must be text"):
        ask(question, index)


def test_empty_question_fails_before_the_index_is_opened(tmp_path):
    with pytest.raises(QAError, match="ask a question"):
        ask("  ", tmp_path / "no-index-here")


def test_100kb_question_is_truncated_with_a_notice(index):
    question = (CLUB + " ") + "and also tell me more about gold reserves and gasoline " * 1900
    assert len(question) > 100_000
    answer = ask(question, index)
    check(answer)
    assert any("characters long" in n and "only its first" in n for n in answer.notices), answer.notices
    window = index.settings.max_query_tokens
    assert len(encoding(index.settings.tokenizer).encode_ordinary(answer.question)) <= window
    assert answer.question.startswith(CLUB)


def test_100kb_of_one_character_is_truncated(index):
    answer = ask("x" * 100_000, index)
    check(answer)
    assert answer.notices and len(answer.question) <= MAX_QUESTION_CHARS


def test_short_question_has_no_notice():
    assert clean_question(CLUB, 256) == (CLUB, ())


def test_control_characters_and_nul_are_removed(index):
    answer = ask("\x00Who\x07 described\x1b[0m the 'Club\x00of\x7fOther'?\x9b", index)
    check(answer)
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in answer.question)
    assert "Borges" in answer.answer


def test_invalid_surrogates_are_replaced(index):
    answer = ask("\ud800Who described the 'Club of Other'?\udfff\udbff", index)
    check(answer)
    answer.question.encode("utf-8")  # strict: no lone surrogate left
    assert "Borges" in answer.answer


def test_direction_overrides_are_removed(index):
    answer = ask("\u202eWho described the 'Club of Other'?\u202c\u2066", index)
    check(answer)
    assert "\u202e" not in answer.question and "Borges" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "من وصف نادي الآخر؟",  # Arabic, right-to-left
        "מי תיאר את 'מועדון האחר'?",  # Hebrew
        "谁描述了“其他俱乐部”？",  # Chinese
        "「その他クラブ」について誰が説明しましたか",  # Japanese
        "¿Quién describió el 'Club de lo Otro'?",  # Spanish
        "Wer hat den „Club des Anderen“ beschrieben?",  # German
        "Кто описал «Клуб Другого»?",  # Russian
        "👩‍🚀🚀 who is in space?",  # emoji with zero-width joiner
    ],
)
def test_other_scripts_and_languages_get_an_answer(index, question):
    answer = ask(question, index)
    check(answer)
    assert answer.question  # abstaining is fine; crashing is not


def test_cli_reports_an_empty_question_without_a_traceback(index_dir, capsys):
    assert cli.main(["ask", "   ", "--index", str(index_dir)]) == 2
    err = capsys.readouterr().err
    assert "ask a question" in err and "Traceback" not in err


def test_cli_answers_a_question_with_control_characters(index_dir, capsys):
    assert cli.main(["ask", "Who\x07 described the 'Club of Other'?", "--index", str(index_dir)]) == 0
    assert "Borges" in capsys.readouterr().out
