"""Dates: the one strict parser for every date a user gives (YYYY-MM-DD, real calendar days only), day
numbers for comparing dates, and the relative dates inside news text ("last week", "on Tuesday"), which
are placed by the article's own date when an answer is shown. An article's publication date is found at
ingest (qa/ingest/published.py).
"""

from __future__ import annotations

import re
from datetime import date

from qa.errors import QAError

DATE_FORMAT = "YYYY-MM-DD"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

MONTH_NUMBERS = {
    m: i
    for i, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        1,
    )
    for m in names.split()
}


def parse_date(value: object, what: str) -> date:
    """The date the user wrote as `value` (exactly YYYY-MM-DD, a real calendar day); QAError naming `what`
    otherwise ("since '2022-02-30' is not a date; …")."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise QAError(f"{what} {value!r} is not a date; give it as {DATE_FORMAT}, e.g. 2022-06-12")


def check_day(value: object, what: str) -> str:
    """A date the user gave (a filter), as YYYY-MM-DD, or "" when none was given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return parse_date(value, what).isoformat()


def parse_day(value: str) -> date | None:
    """The date of an ISO date or date-time ("2022-06-12", "2022-06-12T10:00:00Z"), else None. For dates
    found in articles, which may carry a time; a date a user gives goes through parse_date()."""
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def day_number(iso: str) -> int | None:
    """The ISO date's day number (date.toordinal), or None when it is not a valid YYYY-MM-DD date."""
    try:
        return date.fromisoformat(iso[:10]).toordinal()
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- relative dates in the text

_DAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_RELATIVE = re.compile(
    rf"\b(?:(?:[Ee]arlier|[Ll]ater) (?:this|last) (?:week|month|year)"
    rf"|(?:[Ll]ast|[Tt]his|[Nn]ext|[Pp]ast) (?:week(?:end)?|month|year|night|spring|summer|fall|autumn|winter|{_DAYS})"
    rf"|(?:[Yy]esterday|[Tt]oday|[Tt]omorrow|[Tt]his) (?:morning|afternoon|evening|night)"
    rf"|(?:[Yy]esterday|[Tt]oday|[Tt]onight|[Tt]omorrow)"
    rf"|(?:[Aa]|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|[Nn]ine|[Tt]en|[Aa] few|[Ss]everal|\d+)"
    rf" (?:days?|weeks?|months?|years?) ago"
    rf"|{_DAYS})\b"
)


def relative_mentions(text: str) -> list[tuple[int, int]]:
    """Spans of relative dates ("last week", "earlier this month", "yesterday", "on Tuesday")."""
    return [m.span() for m in _RELATIVE.finditer(text)]


def annotate(text: str, published: str) -> str:
    """The text with the article's date after each relative date, for display:
    "last week (article of 2022-06-12)". The text itself (and every cited span) is unchanged."""
    spans = relative_mentions(text)
    if not spans:
        return text
    tag = f" (article of {published})" if published else " (article date unknown)"
    out, pos = [], 0
    for _, end in spans:
        out.append(text[pos:end] + tag)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def relative_note(label: str, quote: str, published: str) -> str:
    """A notice placing the relative dates of a cited quote, or "" when it has none."""
    words = list(dict.fromkeys(quote[s:e] for s, e in relative_mentions(quote)))
    if not words:
        return ""
    said = ", ".join(f"“{w}”" for w in words[:4])
    when = f"the article's date, {published}" if published else "the article's date, which is unknown"
    return f"In {label}, {said} {'is' if len(words) == 1 else 'are'} relative to {when}."
