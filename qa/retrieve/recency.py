"""Freshness for news: a question is answered as of a date, and newer articles weigh more.

News questions are about "now" ("this week", "recently", "latest"), and the same fact changes over
time, so the fused retrieval score of an article is multiplied by a prior that decays with its age
at the as-of date: `floor + (1 - floor) * exp(-age_days / tau)`. Questions with an explicit time cue
get the lower floor (a strong preference); others a mild one. Articles published after the as-of date
are left out. Without an as-of date the newest article in the index stands for "now".
"""

from __future__ import annotations

import math
import re

TIME_CUE = re.compile(
    r"\b(?:this|last|past|next|coming)\s+(?:week|weekend|month|year|summer|spring|fall|autumn|winter)\b"
    r"|\brecent(?:ly)?\b|\blatest\b|\bmost recent\b|\bnow\b|\bcurrently\b|\btoday\b|\byesterday\b|\btonight\b"
    r"|\b(?:on|last|this)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\bin recent (?:days|weeks|months)\b|\bsoon\b|\bas of\b|\bnewly\b|\bjust\b|\bthese days\b",
    re.IGNORECASE,
)


def has_time_cue(question: str) -> bool:
    """True when the question asks about the present or the recent past ("this week", "latest", …)."""
    return TIME_CUE.search(question) is not None


def freshness(age_days: float | None, floor: float, tau_days: float) -> float:
    """The prior for an article `age_days` old at the as-of date; unknown ages get the value at one tau."""
    if tau_days <= 0:
        return 1.0
    age = tau_days if age_days is None else max(0.0, age_days)
    return floor + (1.0 - floor) * math.exp(-age / tau_days)
