"""What an answer says about the news it rests on: which articles of a story carry each cited quote,
the stories themselves, where relative dates in a quote are placed, and that newer articles were
preferred for a question about recent news. Called by `ask()` on the composed answer."""

from __future__ import annotations

from dataclasses import replace

from qa.answer.citations import with_copies
from qa.index.loaded import Index
from qa.records import Answer, Story
from qa.retrieve.filters import outlet
from qa.retrieve.recency import has_time_cue
from qa.text.dates import relative_note


def enrich(index: Index, answer: Answer) -> Answer:
    citations = tuple(with_copies(index, c) for c in answer.citations)
    notices = [note for i, c in enumerate(citations, 1) if (note := relative_note(f"[{i}]", c.quote, c.published))]
    if citations and has_time_cue(answer.question):
        newest = max((c.published for c in citations), default="")
        notices.append(
            "The question asks about recent news, so newer articles weigh more"
            + (f"; the newest cited article is of {newest}." if newest else ".")
        )
    return replace(
        answer, citations=citations, stories=_stories(index, citations), notices=answer.notices + tuple(notices)
    )


def _stories(index: Index, citations) -> tuple[Story, ...]:
    """The stories of the cited articles that hold more than one article, in citation order."""
    out: dict[str, Story] = {}
    for c in citations:
        story = index.story_of.get(c.doc_id)
        if story is not None and len(story.doc_ids) > 1 and story.story_id not in out:
            members = [index.articles[d] for d in story.doc_ids]
            out[story.story_id] = replace(
                story,
                titles=tuple(a.label for a in members),
                outlets=tuple(outlet(a) for a in members),
                published=tuple(a.published for a in members),
            )
    return tuple(out.values())
