"""The records that flow between stages. All frozen; `article.text[start:end]` is the quoted text."""

from __future__ import annotations

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
        """A human name for the article: its title, else its source and first words."""
        if self.title:
            return self.title
        head = " ".join(self.text.split()[:10])
        return f"{self.source}: {head}…" if self.source else f"{head}…"


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
