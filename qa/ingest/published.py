"""An article's publication date, as found at ingest: from its metadata (`published`, which for HTML
pages is the page's own metadata as trafilatura reads it), else from a date in its URL (`/2022/06/12/`),
else from the dateline or date line at the top of its text (`WASHINGTON, June 12 (Reuters) -` when the
URL gives the year, `June 12, 2022`, `Published 10:01 AM EDT, Mon June 12, 2022`). When none is found
the date stays "" (unknown); it is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from qa.records import Article
from qa.text.dates import MONTH_NUMBERS, parse_day

_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_MDY = rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b"
_DMY = rf"(?P<day>\d{{1,2}})\s+{_MONTH},?\s+(?P<year>(?:19|20)\d\d)\b"
_ISO = r"(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"
_WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+"
# A short line that is a date, possibly after "Published"/"Updated" and a time and weekday.
_DATE_LINE = [
    re.compile(
        rf"^\s*(?:(?:Published|Updated|Posted|Last updated|Date)\b:?\s*)?"
        rf"(?:\d{{1,2}}:\d\d\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:[A-Z]{{2,4}})?,?\s*)?(?:{_WEEKDAY})?{form}"
    )
    for form in (_MDY, _DMY, _ISO)
]
# A dateline opening a paragraph: "WASHINGTON, June 12 (Reuters) -", "LONDON, 12 June 2022 —".
_PLACE = r"^\s*[A-Z][A-Za-z.'’ -]{1,40}(?:,\s*[A-Z][A-Za-z. ]{1,25})?,\s+"
_AFTER = r"\s*(?:\([A-Za-z .]+\))?\s*[-—–]"
_DATELINES = [
    re.compile(_PLACE + rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:,\s+(?P<year>(?:19|20)\d\d))?" + _AFTER),
    re.compile(_PLACE + rf"(?P<day>\d{{1,2}})\s+{_MONTH}(?:,?\s+(?P<year>(?:19|20)\d\d))?" + _AFTER),
]
_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})(?:/|$|-)")
_URL_YEAR = re.compile(r"/((?:19|20)\d\d)/")
HEAD_LINES = 6  # a date line must be among the first lines of the text
DATE_LINE_CHARS = 100  # … and short: a longer line is a paragraph that may mention any date


def with_date(article: Article) -> Article:
    """The article with `published` as YYYY-MM-DD from its metadata, URL or dateline ("" when unknown)."""
    found = publication_date(article)
    return article if found == article.published else replace(article, published=found)


def publication_date(article: Article) -> str:
    meta = metadata_date(article.published)
    return meta or url_date(article.url) or dateline_date(article.text, _year_in(article.url))


def metadata_date(value: str) -> str:
    """A metadata date as YYYY-MM-DD: ISO, or written out ("June 12, 2022"); "" otherwise."""
    day = parse_day(value)
    if day:
        return day.isoformat()
    for form in (_MDY, _DMY):
        m = re.fullmatch(rf"\s*(?:{_WEEKDAY})?{form}\s*", value or "")
        if m:
            return _ymd(m.group("year"), m.group("month"), m.group("day"))
    return ""


def url_date(url: str) -> str:
    """The date in a news URL path (/2022/06/12/…), else ""."""
    m = _URL_DATE.search(url or "")
    return _ymd(m.group("year"), m.group("month"), m.group("day")) if m else ""


def _year_in(url: str) -> str:
    m = _URL_YEAR.search(url or "")
    return m.group(1) if m else ""


def dateline_date(text: str, year: str = "") -> str:
    """The date of the text's date line or dateline near its top; a dateline without a year is used
    only when `year` (from the URL) supplies one."""
    lines = [line for line in text[:2000].split("\n") if line.strip()][:HEAD_LINES]
    for line in lines:
        if len(line.strip()) <= DATE_LINE_CHARS:
            for rx in _DATE_LINE:
                m = rx.match(line)
                if m:
                    return _ymd(m.group("year"), m.group("month"), m.group("day"))
        for rx in _DATELINES:
            m = rx.match(line)
            if m and (m.group("year") or year):
                return _ymd(m.group("year") or year, m.group("month"), m.group("day"))
    return ""


def _ymd(year: str, month: str, day: str) -> str:
    month_no = int(month) if month.isdigit() else MONTH_NUMBERS.get(month.lower().rstrip("."), 0)
    try:
        return date(int(year), month_no, int(day)).isoformat()
    except ValueError:
        return ""
