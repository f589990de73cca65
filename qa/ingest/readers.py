"""Read articles from files and folders: .txt/.md, .json/.jsonl, .html, each also gzipped (.jsonl.gz …).
Bad input becomes a Problem naming the file (and line), never an exception that loses the good articles.
JSON Lines are streamed, one line at a time, so a large .jsonl(.gz) is never held in memory whole."""

from __future__ import annotations

import gzip
import json
import os
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from qa.ingest.decoding import decode, looks_binary
from qa.ingest.published import metadata_date, with_date
from qa.records import Article

TEXT_EXT = {".txt", ".md"}
JSON_EXT = {".json", ".jsonl", ".ndjson"}
LINES_EXT = {".jsonl", ".ndjson"}  # JSON Lines: streamed
HTML_EXT = {".html", ".htm"}
SUPPORTED = TEXT_EXT | JSON_EXT | HTML_EXT  # each may also be gzipped: "name.jsonl.gz"
MAX_FILE_BYTES = 200 * 1024 * 1024  # a whole-file format, or one JSON line (gzipped: once decompressed)
_GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)
MIN_HTML_WORDS = 20  # fewer words than this from a page is menus and footers, not an article
_SOURCE_LINE = re.compile(r"^\s*Source\s*(?:»|:|-)\s*(\S.{0,60}?)\s*$")
_HEADING_END = tuple('.,;:!?"”’)')


@dataclass(frozen=True)
class Problem:
    path: str
    line: int  # 0 when the problem is with the whole file
    message: str
    unreadable: bool = False  # the file or folder could not be read at all: its articles are not known

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ReadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]

    @property
    def unreadable(self) -> tuple[str, ...]:
        """Files and folders that could not be read (what they hold must not be taken as removed)."""
        return tuple(p.path for p in self.problems if p.unreadable)


def file_kind(path: Path) -> str | None:
    """The format of a file by its name ('.jsonl' for feed.jsonl and feed.jsonl.gz), None if unsupported."""
    name = path.name.lower()
    base = name[: -len(".gz")] if name.endswith(".gz") else name
    suffix = Path(base).suffix
    return suffix if suffix in SUPPORTED else None


def _stem(path: Path) -> str:
    """The file name without its format's extensions: the id of a one-article file."""
    name = path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name
    return Path(name).stem


def _extensions() -> str:
    return ", ".join(sorted(SUPPORTED)) + " (each may be gzipped, e.g. .jsonl.gz)"


def expand(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Problem]]:
    """Files to read under the given files and folders (sorted; hidden files skipped). A folder that
    cannot be listed is a Problem marked unreadable, never skipped without a word."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found, unreadable = _walk(p)
            problems.extend(unreadable)
            if not found and not unreadable:
                problems.append(
                    Problem(str(p), 0, f"no articles in this folder (no {_extensions()} files); check the path")
                )
            files.extend(found)
        elif p.is_file():
            if file_kind(p):
                files.append(p)
            else:
                problems.append(
                    Problem(str(p), 0, f"unsupported file type {p.suffix or '(none)'!r}; use one of {_extensions()}")
                )
        else:
            problems.append(Problem(str(p), 0, "no such file or folder; check the path"))
    return files, problems


def _walk(folder: Path) -> tuple[list[Path], list[Problem]]:
    """The supported, not hidden files under `folder`, sorted, and a Problem for each folder that could not
    be listed."""
    unreadable: list[Problem] = []

    def failed(e: OSError) -> None:
        unreadable.append(
            Problem(
                clean(str(e.filename or folder)),
                0,
                f"cannot read this folder ({e.strerror or e}); its articles were not read, and those already in "
                "the index are kept. Check its permissions",
                unreadable=True,
            )
        )

    found = []
    for top, dirs, names in os.walk(folder, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(top) / n for n in names if not n.startswith(".") and file_kind(Path(n))]
    return sorted(f for f in found if f.is_file()), unreadable


def read_paths(paths: Iterable[str | os.PathLike]) -> ReadResult:
    """Every article under `paths`, plus the problems met. Duplicate ids keep the first article."""
    files, problems = expand(paths)
    articles: dict[str, Article] = {}
    first: dict[str, str] = {}  # id -> where it was first read
    for f in files:
        for line, item in _read_file(f):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            item = with_date(item)  # news: publication date from metadata, URL or dateline (qa/ingest/published.py)
            if item.doc_id not in articles:
                articles[item.doc_id] = item
                first[item.doc_id] = f"{item.path}:{line}" if line else item.path
            elif replace(articles[item.doc_id], path="") != replace(item, path=""):
                problems.append(
                    Problem(
                        item.path,
                        line,
                        f"duplicate id {item.doc_id!r} (first read from "
                        f"{first[item.doc_id]}); this copy was skipped — give it another id",
                    )
                )
    return ReadResult(tuple(articles.values()), tuple(problems))


def _read_file(path: Path) -> Iterator[tuple[int, Article | Problem]]:
    """(line, article or problem) for each record of one file; line is 0 for a whole file."""
    where, kind = clean(str(path)), file_kind(path)
    if kind in LINES_EXT and not _starts_utf16(path):
        yield from _stream_json_lines(path, where)
        return
    try:
        data = _read_bytes(path)
    except _GZIP_ERRORS as e:
        yield 0, Problem(where, 0, f"damaged gzip file ({e}); compress it again, or give it uncompressed")
        return
    except OSError as e:
        yield 0, _cannot_read(where, e)
        return
    if data is None:
        limit = f"the {MAX_FILE_BYTES // 10**6} MB limit" + (
            " once decompressed" if path.name.lower().endswith(".gz") else ""
        )
        yield 0, Problem(where, 0, f"file is over {limit}; split it into smaller files")
        return
    decoded = decode(data)
    if decoded.text is None:
        yield 0, Problem(where, 0, f"binary file, not text; give one of {_extensions()} (UTF-8 text is safest)")
        return
    if decoded.note:
        line = data.count(b"\n", 0, decoded.offset) + 1
        yield (
            line,
            Problem(where, line, f"{decoded.note}; the article was imported, check its text or save the file as UTF-8"),
        )
    if kind in JSON_EXT:
        yield from _read_json(where, decoded.text, kind == ".json")
    elif kind in HTML_EXT:
        yield 0, _read_html(path, where, decoded.text)
    else:
        yield 0, _read_text(path, where, decoded.text)


def _cannot_read(where: str, e: OSError) -> Problem:
    return Problem(
        where,
        0,
        f"cannot read the file ({e.strerror or e}); check that it exists and its permissions let you read it",
        unreadable=True,
    )


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes (decompressed when gzipped), None when over MAX_FILE_BYTES."""
    with _open(path) as f:
        data = f.read(MAX_FILE_BYTES + 1)
    return None if len(data) > MAX_FILE_BYTES else data


def _starts_utf16(path: Path) -> bool:
    """A byte-order mark of UTF-16 (Windows Notepad): such JSON Lines are read whole, not by byte lines."""
    try:
        with _open(path) as f:
            return f.read(2) in (b"\xff\xfe", b"\xfe\xff")
    except (OSError, *_GZIP_ERRORS):
        return False  # the streaming reader reports it


def _stream_json_lines(path: Path, where: str) -> Iterator[tuple[int, Article | Problem]]:
    """JSON Lines read and decoded one line at a time (plain or gzipped)."""
    try:
        with _open(path) as f:
            if looks_binary(f.peek(8192)[:8192]):
                yield 0, Problem(where, 0, f"binary file, not text; give one of {_extensions()} (UTF-8 text is safest)")
                return
            yield from _json_lines(where, _decoded_lines(f, where))
    except _GZIP_ERRORS as e:
        yield 0, Problem(where, 0, f"damaged gzip file ({e}); the lines before the damage were read. Compress it again")
    except OSError as e:
        yield 0, _cannot_read(where, e)


def _decoded_lines(f, where: str) -> Iterator[tuple[int, str | Problem]]:
    """(line number, text) for each line of a binary file; a line that is not clean UTF-8 is read as
    qa/ingest/decoding.py says, after a Problem giving its byte offset in the file."""
    offset = 0
    for lineno, raw in enumerate(_byte_lines(f), 1):
        if raw is None:
            yield lineno, Problem(where, lineno, f"line over {MAX_FILE_BYTES // 10**6} MB; split this record")
            continue
        decoded = decode(raw, offset)
        offset += len(raw)
        if decoded.text is None:
            yield lineno, Problem(where, lineno, "binary data, not text, on this line; fix or remove this line")
            continue
        if decoded.note:
            yield lineno, Problem(where, lineno, f"{decoded.note}; the line was read, check its text")
        yield lineno, decoded.text


def _byte_lines(f) -> Iterator[bytes | None]:
    """The lines of a binary file; None for a line longer than MAX_FILE_BYTES (skipped)."""
    while raw := f.readline(MAX_FILE_BYTES + 1):
        if len(raw) <= MAX_FILE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while raw and not raw.endswith(b"\n"):
            raw = f.readline(1 << 20)
        yield None


def clean(s: str) -> str:
    """The string with lone surrogates (from broken JSON escapes or undecodable file names) replaced by U+FFFD,
    so that it can always be written as UTF-8."""
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogate(s) else s


def composed(s: str) -> str:
    """clean() text in Unicode NFC: "é" as one character, as questions are typed, not "e" with a combining
    accent (U+0301), as some sites write it (~9 % of realtimeqa-train's 2024 pages). Search terms, the
    parser and answers then read "Beyoncé" the same in both; citations are spans of this stored text.
    Ids and paths are kept as given, so that an article keeps its id."""
    s = clean(s)
    return s if s.isascii() else unicodedata.normalize("NFC", s)


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _read_text(path: Path, where: str, text: str) -> Article | Problem:
    if not text.strip():
        return Problem(where, 0, "empty file: no article text; remove it or put the article text in it")
    lines = text.strip().splitlines()
    first = lines[0].strip()
    title = ""
    if first.startswith("#"):
        title = re.sub(r"(^|\s)#+$", "", first.lstrip("#").strip()).strip()  # "# Title #" -> "Title"
    elif len(lines) > 1 and _heading_like(first):
        title = first
    source = ""
    m = _SOURCE_LINE.match(lines[-1])
    if m and len(lines) > 1:
        source = m.group(1)
    return Article(clean(_stem(path)), composed(text), title=composed(title), source=composed(source), path=where)


def _heading_like(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 20 and len(line) <= 150 and not line.endswith(_HEADING_END)


def _read_json(where: str, text: str, whole: bool) -> Iterator[tuple[int, Article | Problem]]:
    """A .json file holding one record or a list of them, else JSON Lines (one record a line)."""
    if whole and text.lstrip()[:1] in ("[", "{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            if e.msg != "Extra data" or text.lstrip()[:1] != "{":  # else: JSON Lines saved as .json
                yield e.lineno, Problem(where, e.lineno, f"invalid JSON ({e.msg}); fix the file")
                return
        except (ValueError, RecursionError) as e:  # a huge integer, or nesting too deep
            yield 0, Problem(where, 0, f"JSON that cannot be read ({_why(e)}); give flat records with 'id' and 'text'")
            return
        else:
            records = data if isinstance(data, list) else [data]
            if not records:
                yield (
                    0,
                    Problem(
                        where, 0, "empty list: no JSON records; remove the file or add objects with 'id' and 'text'"
                    ),
                )
            for i, rec in enumerate(records, 1):
                for item in _from_record(rec, where, 0, f"record {i}"):
                    yield 0, item
            return
    yield from _json_lines(where, enumerate(text.splitlines(), 1))


def _json_lines(where: str, lines: Iterable[tuple[int, str | Problem]]) -> Iterator[tuple[int, Article | Problem]]:
    """One record a line; a bad line is a Problem with its number, the other lines still count."""
    seen_any = False
    for lineno, line in lines:
        if isinstance(line, Problem):
            yield lineno, line
            continue
        if not line.strip():
            continue
        seen_any = True
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            yield lineno, Problem(where, lineno, f"invalid JSON ({e.msg}); fix or remove this line")
            continue
        except (ValueError, RecursionError) as e:
            yield lineno, Problem(where, lineno, f"JSON that cannot be read ({_why(e)}); fix or remove this line")
            continue
        for item in _from_record(rec, where, lineno, "this line"):
            yield lineno, item
    if not seen_any:
        yield (
            0,
            Problem(
                where, 0, "empty file: no JSON records; remove it or add one JSON object a line with 'id' and 'text'"
            ),
        )


def _why(e: Exception) -> str:
    return "nested too deeply" if isinstance(e, RecursionError) else str(e).split(";")[0]


def _from_record(rec: object, path: str, line: int, what: str) -> tuple[Article | Problem, ...]:
    """The article of one JSON record, or the Problem that keeps it out; an article whose `published` is
    not a date comes with a Problem saying so (its date is then found as for any article without one)."""
    if not isinstance(rec, dict):
        return (Problem(path, line, f"{what} is not a JSON object; give an object with 'id' and 'text'"),)
    doc_id, text = rec.get("id"), rec.get("text")
    if not isinstance(text, str) or not text.strip():
        return (Problem(path, line, f"{what} has no 'text'; add the article text as a non-empty string"),)
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
        return (Problem(path, line, f"{what} has no 'id'; add a unique non-empty string 'id'"),)
    fields = {k: rec.get(k) for k in ("title", "url", "source", "published")}
    bad = [k for k, v in fields.items() if v is not None and not isinstance(v, str)]
    if bad:
        return (Problem(path, line, f"{what}: field {bad[0]!r} must be a string; fix it or leave it out"),)
    article = Article(
        clean(str(doc_id).strip()),
        composed(text),
        **{k: composed((v or "").strip()) for k, v in fields.items()},
        path=path,
    )
    if article.published and not metadata_date(article.published):
        return article, Problem(
            path,
            line,
            f"{what}: 'published' {article.published[:40]!r} is not a date; the article was imported with its date "
            "taken from its URL or text, or unknown. Give it as YYYY-MM-DD",
        )
    return (article,)


def _read_html(path: Path, where: str, html: str) -> Article | Problem:
    try:
        import trafilatura
    except ImportError as e:
        return Problem(
            where,
            0,
            f"cannot read HTML here ({e}); install the packages in requirements.txt, or save the article text as .txt",
        )
    found = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    doc = found.as_dict() if hasattr(found, "as_dict") else (found or {})
    text = composed((doc.get("text") or "").strip())
    if len(text.split()) < MIN_HTML_WORDS:
        return Problem(
            where,
            0,
            f"no article text found in this HTML page (only {len(text.split())} words outside "
            "menus and scripts); save the article page itself, or its text as .txt",
        )
    meta = {k: composed(doc.get(k) or "") for k in ("title", "url", "sitename", "hostname", "date")}
    return Article(
        clean(_stem(path)),
        text,
        title=meta["title"].strip(),
        url=meta["url"],
        source=meta["sitename"] or meta["hostname"],
        published=meta["date"][:10],
        path=where,
    )
