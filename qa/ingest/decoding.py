"""Bytes to text for article files: UTF-8, and a report of where and how anything else was read.

Why rules and not a detector: charset-normalizer 3.5 read a Latin-1 sentence as cp1250 ("seńor",
"crčme") and a Windows-1252 one as cp864; on texts this short no detector is sure. The rules here are
exact for the common cases: UTF-8 (with or without BOM) as it is; UTF-16 with a BOM; a UTF-8 file
with a few broken bytes keeps its UTF-8 and has those bytes replaced by U+FFFD (never the whole file
re-read as Windows-1252, which made "Café" "CafÃ©"); a file with no UTF-8 sequence at all is a legacy
8-bit file, read as Windows-1252 (else Latin-1). Either of the last two is reported with the byte
offset of the first byte that is not UTF-8, so the user can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a well-formed multi-byte UTF-8 sequence: evidence that a file with some invalid bytes is UTF-8
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class Decoded:
    text: str | None  # None: the bytes look binary, not text
    note: str = ""  # "" for clean UTF-8; else how the text was read, with the first bad byte's offset
    offset: int = -1  # that byte's offset in the bytes given, -1 when clean


def decode(data: bytes, base: int = 0) -> Decoded:
    """The text of `data`; `base` is added to reported offsets (for a line inside a file)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
        bad = text.find("\ufffd")
        note = f"invalid UTF-16 at character {bad}; it was replaced by U+FFFD" if bad >= 0 else ""
        return Decoded(text, note, base if bad >= 0 else -1)
    if looks_binary(data[:8192]):
        return Decoded(None)
    try:
        return Decoded(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        at = base + e.start
    if _UTF8_SEQUENCE.search(data):
        text = data.decode("utf-8-sig", errors="replace")
        n = text.count("\ufffd") - data.decode("utf-8-sig", errors="ignore").count("\ufffd")
        return Decoded(text, f"invalid UTF-8 at byte {at}: {n} byte sequence(s) replaced by U+FFFD", at)
    encoding = "windows-1252" if _is_cp1252(data) else "latin-1"
    return Decoded(data.decode(encoding), f"not UTF-8 (byte {at} is not valid UTF-8); read as {encoding}", at)


def looks_binary(head: bytes) -> bool:
    """NUL bytes, or over 2% control bytes (tab, newline, carriage return, form feed and escape do not count)."""
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([b])) for b in (*range(1, 9), 11, *range(14, 27), *range(28, 32), 127))
    return controls > 0.02 * len(head)


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False
