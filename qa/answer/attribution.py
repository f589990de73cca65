"""Who said what: quotations in news text and the speaker each is attributed to.

Handles `“…,” said Borges.`, `“…,” Guaido told the newspaper Israel Hayom.`, `“…,” warned an Atlantic
Council study in 2019.`, a lead-in paragraph ending in a colon (`Borges explained:` then the quote),
quotes running over several paragraphs, and a later quote in the same paragraph as an attributed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.text.quotes import quote_spans
from qa.text.sentences import sentence_spans

_VERBS = (
    r"said|says|say|warned|warns|told|tells|explained|explains|added|adds|wrote|writes|noted|notes|"
    r"argued|argues|continued|stated|states|declared|insisted|tweeted|posted|claimed|claims|described|"
    r"cautioned|acknowledged|admitted|asked|asks|replied|responded|recalled|predicted|urged|"
    r"concluded|confirmed|according to"
)
_NAME = r"(?:[A-Z][\w’'.-]*|de|da|van|von|al|bin|of|the|for)(?:\s+(?:[A-Z][\w’'.-]*|de|da|van|von|al|bin|of|for))*"
_AFTER_VERB_FIRST = re.compile(rf"^[\s,]*(?P<verb>{_VERBS})\s+(?P<speaker>[^,;:“”\"]{{2,120}})")
_AFTER_NAME_FIRST = re.compile(
    rf"^[\s,]*(?P<speaker>(?:[Tt]he\s+|[Aa]n?\s+)?{_NAME}|[Hh]e|[Ss]he|[Tt]hey)\s+"
    rf"(?:has\s+|had\s+|also\s+|later\s+)?(?P<verb>{_VERBS})\b"
)
_LEAD_IN = re.compile(rf"\b(?P<verb>{_VERBS})(?:\s+\w+){{0,3}}\s*[:,]?\s*$")
_SPEAKER_TRIM = re.compile(r"\s+(?:in|on|at|last|this|earlier|during|after|before|when|who|which|that|to|from)\b.*$")
_PRONOUNS = {"he", "she", "they", "it", "we", "i"}


@dataclass(frozen=True)
class Quote:
    start: int  # span of the quotation, quote marks included
    end: int
    cite_start: int  # span of quotation plus its attribution
    cite_end: int
    speaker: str  # as written in the attribution ("" when unknown)


def quotes(text: str) -> list[Quote]:
    """Every quotation in the text with its attribution, when one can be found."""
    out: list[Quote] = []
    for qs, qe in quote_spans(text):
        out.append(_attribute(text, qs, qe, out))
    return out


def _attribute(text: str, qs: int, qe: int, earlier: list[Quote]) -> Quote:
    line_end = text.find("\n", qe)
    line_end = len(text) if line_end < 0 else line_end
    tail = text[qe:line_end]
    stop = _sentence_end(tail)
    for rx in (_AFTER_VERB_FIRST, _AFTER_NAME_FIRST):
        m = rx.match(tail[:stop] if stop else tail)
        if m:
            speaker = _clean_speaker(m.group("speaker"))
            if speaker:
                return Quote(qs, qe, qs, qe + (stop or m.end()), speaker)
    line_start = text.rfind("\n", 0, qs) + 1
    head = text[line_start:qs]
    if head.strip():  # lead-in in the same paragraph: `Borges said, “…”`
        m = _LEAD_IN.search(head)
        if m:
            sent_start = _sentence_start(text, line_start, qs)
            return Quote(qs, qe, sent_start, qe, _speaker_before(text[sent_start : line_start + m.start()]))
        for q in reversed(earlier):  # a later quote of an attributed paragraph
            if q.cite_end <= qs and q.start >= line_start and q.speaker:
                return Quote(qs, qe, qs, qe, q.speaker)
        return Quote(qs, qe, qs, qe, "")
    prev_para_end = len(text[:line_start].rstrip())
    if prev_para_end and text[prev_para_end - 1] == ":":  # lead-in paragraph ending in a colon
        ps = text.rfind("\n", 0, prev_para_end) + 1
        sent_start = _sentence_start(text, ps, prev_para_end)
        return Quote(qs, qe, sent_start, qe, _speaker_before(text[sent_start:prev_para_end]))
    for q in reversed(earlier):  # continuation paragraph of the previous quotation
        if q.speaker and not text[q.end : qs].strip(' \n\t”"'):
            return Quote(qs, qe, qs, qe, q.speaker)
    return Quote(qs, qe, qs, qe, "")


def _sentence_end(tail: str) -> int:
    spans = sentence_spans(tail)
    return spans[0][1] if spans and spans[0][0] < 3 else 0


def _sentence_start(text: str, floor: int, pos: int) -> int:
    spans = sentence_spans(text, floor, pos)
    return spans[-1][0] if spans else floor


def _clean_speaker(raw: str) -> str:
    s = _SPEAKER_TRIM.sub("", raw.strip()).rstrip(".")
    s = re.sub(r"^(?:the|a|an)\s+", "", s, flags=re.IGNORECASE).strip(" ,")
    m = re.search(r"(?:^|\s)((?:[A-Z][\w’'.-]*\s*)+)$", s)  # `opposition leader Julio Borges` → `Julio Borges`
    if m and s[:1].islower():
        s = m.group(1).strip()
    return s if s and len(s.split()) <= 12 else ""


def _speaker_before(lead: str) -> str:
    """The speaker named in a lead-in such as `Borges explained:` or `…, Julio Borges, confirmed … when
    he said:` — the last proper name before the speech verb."""
    m = _LEAD_IN.search(lead + ":") if not lead.rstrip().endswith(":") else _LEAD_IN.search(lead)
    before = lead[: m.start()] if m else lead
    names = re.findall(r"(?<![\w’'])[A-Z][\w’'-]*(?:\s+[A-Z][\w’'.-]*)*", before)
    names = [n for n in names if n.lower() not in _PRONOUNS and n.split()[0] not in ("As", "The", "In", "And")]
    return names[-1] if names else ""


def full_name(text: str, name: str) -> str:
    """The longest form of a surname the text gives (`Borges` → `Julio Borges`), else the name itself; of
    forms as frequent and as long, the first in the text (not whichever a set yields first: that order
    changes with Python's hash seed, and with it the answer, from one process to the next)."""
    if not name or " " in name.strip():
        return name
    forms = re.findall(rf"((?:[A-Z][a-z’'-]+\s+(?:[A-Z]\.\s+)?)+){re.escape(name)}\b", text)
    forms = [
        f.strip()
        for f in forms
        if f.split()[0]
        not in ("The", "In", "As", "Secretary", "President", "Leader", "Opposition", "Minister", "Mr", "Mrs", "Ms")
    ]
    if not forms:
        return name
    best = max(dict.fromkeys(forms), key=lambda f: (forms.count(f), len(f)))
    return f"{best} {name}"
