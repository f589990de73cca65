"""The records that flow between stages. All frozen; `article.text[start:end]` is the quoted text."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Article:
    doc_id: str
    text: str
    title: str = ""
    url: str = ""
    source: str = ""
    published: str = ""  # ISO date, or "" when unknown
    path: str = ""  # where it was read from

    @property
    def label(self) -> str:
        """A human name for the article: its title, else the first sentence of its text cut at a word
        ("Iran has established a foothold on America's doorstep and is expanding…"). Its outlet is not
        part of it: the chat shows the outlet once, beside the name."""
        return self.title or first_sentence(self.text)


LABEL_CHARS = 90  # an untitled article's name: at most this many characters of its first sentence
MIN_SENTENCE = 20  # a full stop sooner than this ("Mr.", "1.") does not end the first sentence
# a dateline paragraph ("Washington CNN —") is skipped; a sentence ends at . ! ? before a capital
_DATELINE = re.compile(r"^[^.!?\n]{0,60}[—–-]$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*(?=\s+[\"“‘(]?[A-Z0-9])")


def first_sentence(text: str, limit: int = LABEL_CHARS) -> str:
    """The first sentence of `text` (past a dateline paragraph) on one line, cut at a word with "…"
    when longer than `limit`; a sentence's final full stop is dropped, as in a headline."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    lead = next((p for p in paragraphs if p and not _DATELINE.match(p)), " ".join(text.split()))
    end = next((m.end() for m in _SENTENCE_END.finditer(lead) if m.start() >= MIN_SENTENCE), len(lead))
    sentence = lead[:end]
    if len(sentence) <= limit:
        return sentence[:-1] if sentence.endswith(".") and not sentence.endswith("..") else sentence
    cut = sentence[: limit + 1].rsplit(" ", 1)[0] if " " in sentence[:limit] else sentence[:limit]
    return cut.rstrip(" ,;:—–-.") + "…"


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    start: int
    end: int
    text: str
    n_tokens: int


class _Copies:
    """For records with `also_in` and `also_spans`: the same words in the other articles."""

    @property
    def copies(self) -> tuple[tuple[str, int, int], ...]:
        """(doc_id, start, end) of the same words in each article of `also_in`."""
        return tuple((d, s, e) for d, (s, e) in zip(self.also_in, self.also_spans, strict=True))


@dataclass(frozen=True)
class Passage(_Copies):
    doc_id: str
    start: int
    end: int
    text: str
    score: float
    title: str = ""
    also_in: tuple[str, ...] = ()  # other articles carrying the same passage (collapsed duplicates)
    also_spans: tuple[tuple[int, int], ...] = ()  # the passage's span in each of them
    story: str = ""  # the story id of doc_id (see qa/index/stories.py)


@dataclass(frozen=True)
class Citation(_Copies):
    doc_id: str
    title: str
    url: str
    start: int
    end: int
    quote: str
    source: str = ""
    published: str = ""
    also_in: tuple[str, ...] = ()  # other articles of the story that carry the same words
    also_spans: tuple[tuple[int, int], ...] = ()  # where, in each of them
    story: str = ""

    @property
    def n_sources(self) -> int:
        """How many articles report the cited words ("reported by 2 sources")."""
        return 1 + len(self.also_in)


@dataclass(frozen=True)
class Story:
    """Articles that tell the same news (copies and rewrites), earliest first."""

    story_id: str
    doc_ids: tuple[str, ...]
    why: tuple[str, ...] = ()  # per article: how it joined the story ("" for the first)
    # filled in an Answer, so that it can be shown without the index (not stored in stories.jsonl):
    titles: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    published: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    answer_type: str = ""
    confidence: float = 0.0
    notices: tuple[str, ...] = field(default=())
    stories: tuple[Story, ...] = ()  # the stories of the cited articles that hold more than one article
    resolved_question: str = ""  # the question answered: `question` with a follow-up's pronouns resolved
    # "short": `answer` is a short span (name, number, phrase); "sentence": no short answer was sure, so
    # `answer` is the best evidence sentence; "none": the corpus does not answer (abstained)
    answer_kind: str = "short"

    def to_dict(self) -> dict:
        return asdict(self)
