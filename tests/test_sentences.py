"""Sentence spans (qa/text/sentences.py): abbreviations, initials and numbers do not end a sentence; quotes and
brackets stay with their sentence; Chinese and Japanese full stops end one without a space."""

import pytest

from qa.text.sentences import paragraphs, sentence_spans


def sentences(text: str) -> list[str]:
    spans = sentence_spans(text)
    assert all(text[s:e] == text[s:e].strip() and e > s for s, e in spans)
    return [text[s:e] for s, e in spans]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = (
        "Mr. Smith met Sen. Jones in Washington, D.C. on Jan. 5 at 10 a.m. with J.R.R. Tolkien's heirs. "
        "The U.S. Department of State said No. 10 Downing St. agreed. Was it over? No. It was not."
    )
    assert sentences(text) == [
        "Mr. Smith met Sen. Jones in Washington, D.C. on Jan. 5 at 10 a.m. with J.R.R. Tolkien's heirs.",
        "The U.S. Department of State said No. 10 Downing St. agreed.",
        "Was it over?",
        "No.",
        "It was not.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "President George H.W. Bush met Gen. Milley and Lt. Col. Vindman.",
        "Write to P.O. Box 1179 in Las Cruces.",
        "It cost $5.5 million, up 3.2% from 2021.",
        "Visit www.example.com for details.",
    ],
)
def test_one_sentence(text):
    assert sentences(text) == [text]


def test_quotes_and_brackets_stay_with_their_sentence():
    text = '"It is over." (The vote was close.) She said: \u201cWe won.\u201d Then she left! Why? Because\u2026 Yes.'
    assert sentences(text) == [
        '"It is over."',
        "(The vote was close.)",
        "She said: \u201cWe won.\u201d",
        "Then she left!",
        "Why?",
        "Because\u2026",
        "Yes.",
    ]


def test_lower_case_after_a_full_stop_continues_the_sentence():
    assert sentences("The index fell 3 p.c. over the week. it recovered.") == [
        "The index fell 3 p.c. over the week. it recovered."
    ]


def test_chinese_and_japanese_full_stops_end_sentences():
    assert sentences("東京は日本の首都です。大阪は大きい都市です！本当ですか？はい。") == [
        "東京は日本の首都です。",
        "大阪は大きい都市です！",
        "本当ですか？",
        "はい。",
    ]
    assert sentences("他说：“我们赢了。”然后离开了。") == ["他说：“我们赢了。”然后离开了。"]
    assert sentences("彼は「行きます。」と言った。 そして去った。") == [
        "彼は「行きます。」と言った。",
        "そして去った。",
    ]


def test_lines_are_separate_and_offsets_are_into_the_original_text():
    text = "  Headline without a stop\n\n\tFirst sentence. Second one.\r\nThird line\n"
    assert sentences(text) == ["Headline without a stop", "First sentence.", "Second one.", "Third line"]
    assert [text[s:e] for s, e in paragraphs(text)] == [
        "Headline without a stop",
        "First sentence. Second one.",
        "Third line",
    ]
    start = text.index("First")
    assert sentence_spans(text, start, text.index("\r")) == [(start, start + 15), (start + 16, start + 27)]
