"""Questions about the latest news prefer newer articles.

A question asking for the latest, most recent or current state ("latest", "most recent", "currently",
"now", "so far", …) or about recent news ("this week", "recently", "last week", "today") gets a
recency boost: each candidate's fused score is multiplied by
1 + weight · ½^(age / half-life), where age is how many days older its article is than the newest
candidate article. Articles of unknown date get no boost. Other questions are ranked as before.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .dates import parse_day
from .settings import Settings

_LATEST = re.compile(r"\b(?:latest|most recent(?:ly)?|newest|currently|current|now|nowadays|these days|so far|"
                     r"to date|as of (?:today|now)|up to date|still|recent(?:ly)?|this (?:week(?:end)?|month|year)|"
                     r"last (?:week(?:end)?|month)|today|tonight|yesterday)\b", re.IGNORECASE)


def asks_latest(question: str) -> bool:
    """True when the question asks for the latest or current state of something."""
    return bool(_LATEST.search(question))


def prefer_recent(index, question: str, ranked: list, settings: Settings) -> list:
    """The ranking with newer articles boosted when the question asks for the latest news (else unchanged)."""
    if not ranked or not asks_latest(question) or settings.recency_weight <= 0:
        return ranked
    days = {r.row: parse_day(index.articles[index.doc_of[r.row]].published) for r in ranked}
    known = [d for d in days.values() if d]
    if not known:
        return ranked
    newest = max(known)
    out = []
    for r in ranked:
        d = days[r.row]
        boost = 1.0 + settings.recency_weight * 0.5 ** ((newest - d).days / settings.recency_half_life) if d else 1.0
        out.append(replace(r, score=r.score * boost))
    out.sort(key=lambda r: (-r.score, r.row))
    return out
