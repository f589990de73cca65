"""Read articles from files and folders: .txt/.md, .json/.jsonl, .html. Bad input becomes a Problem
naming the file (and line), never an exception that loses the good articles."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from qa.ingest.published import with_date
from qa.records import Article

TEXT_EXT = {".txt", ".md"}
JSON_EXT = {".json", ".jsonl", ".ndjson"}
HTML_EXT = {".html", ".htm"}
SUPPORTED = TEXT_EXT | JSON_EXT | HTML_EXT
MAX_FILE_BYTES = 200 * 1024 * 1024
MIN_HTML_WORDS = 20  # fewer words than this from a page is menus and footers, not an article
_SOURCE_LINE = re.compile(r"^\s*Source\s*(?:»|:|-)\s*(\S.{0,60}?)\s*$")
_HEADING_END = tuple('.,;:!?"”’)')


@dataclass(frozen=True)
class Problem:
    path: str
    line: int  # 0 when the problem is with the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ReadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]


def expand(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Problem]]:
    """Files to read under the given files and folders (sorted; hidden files skipped)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = [
                f
                for f in sorted(p.rglob("*"))
                if f.is_file()
                and f.suffix.lower() in SUPPORTED
                and not any(x.startswith(".") for x in f.relative_to(p).parts)
            ]
            if not found:
                problems.append(
                    Problem(
                        str(p),
                        0,
                        f"no articles in this folder (no {', '.join(sorted(SUPPORTED))} files); check the path",
                    )
                )
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED:
                files.append(p)
            else:
                problems.append(
                    Problem(
                        str(p),
                        0,
                        f"unsupported file type {p.suffix or '(none)'!r}; use one of {', '.join(sorted(SUPPORTED))}",
                    )
                )
        else:
            problems.append(Problem(str(p), 0, "no such file or folder; check the path"))
    return files, problems


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
    where = clean(str(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield (
                0,
                Problem(
                    where,
                    0,
                    f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 10**6} MB "
                    "limit; split it into smaller files",
                ),
            )
            return
        data = path.read_bytes()
    except OSError as e:
        yield (
            0,
            Problem(
                where,
                0,
                f"cannot read the file ({e.strerror or e}); check that it exists and its permissions let you read it",
            ),
        )
        return
    text = decode(data)
    if text is None:
        yield (
            0,
            Problem(
                where, 0, "binary file, not text; give a .txt, .md, .json, .jsonl or .html file (UTF-8 text is safest)"
            ),
        )
        return
    suffix = path.suffix.lower()
    if suffix in JSON_EXT:
        yield from _read_json(where, text, suffix == ".json")
    elif suffix in HTML_EXT:
        yield 0, _read_html(path, where, text)
    else:
        yield 0, _read_text(path, where, text)


def clean(s: str) -> str:
    """The string with lone surrogates (from broken JSON escapes or undecodable file names) replaced by U+FFFD,
    so that it can always be written as UTF-8."""
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogate(s) else s


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def decode(data: bytes) -> str | None:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 / Latin-1.
    None if the bytes look binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data[:8192]):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _is_cp1252(data) else data.decode("latin-1")


def _looks_binary(head: bytes) -> bool:
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
    return Article(clean(path.stem), text, title=title, source=source, path=where)


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
                yield 0, _from_record(rec, where, 0, f"record {i}")
            return
    seen_any = False
    for lineno, line in enumerate(text.splitlines(), 1):
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
        yield lineno, _from_record(rec, where, lineno, "this line")
    if not seen_any:
        yield (
            0,
            Problem(
                where, 0, "empty file: no JSON records; remove it or add one JSON object a line with 'id' and 'text'"
            ),
        )


def _why(e: Exception) -> str:
    return "nested too deeply" if isinstance(e, RecursionError) else str(e).split(";")[0]


def _from_record(rec: object, path: str, line: int, what: str) -> Article | Problem:
    if not isinstance(rec, dict):
        return Problem(path, line, f"{what} is not a JSON object; give an object with 'id' and 'text'")
    doc_id, text = rec.get("id"), rec.get("text")
    if not isinstance(text, str) or not text.strip():
        return Problem(path, line, f"{what} has no 'text'; add the article text as a non-empty string")
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
        return Problem(path, line, f"{what} has no 'id'; add a unique non-empty string 'id'")
    fields = {k: rec.get(k) for k in ("title", "url", "source", "published")}
    bad = [k for k, v in fields.items() if v is not None and not isinstance(v, str)]
    if bad:
        return Problem(path, line, f"{what}: field {bad[0]!r} must be a string; fix it or leave it out")
    return Article(
        clean(str(doc_id).strip()), clean(text), **{k: clean((v or "").strip()) for k, v in fields.items()}, path=path
    )


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
    text = clean((doc.get("text") or "").strip())
    if len(text.split()) < MIN_HTML_WORDS:
        return Problem(
            where,
            0,
            f"no article text found in this HTML page (only {len(text.split())} words outside "
            "menus and scripts); save the article page itself, or its text as .txt",
        )
    meta = {k: clean(doc.get(k) or "") for k in ("title", "url", "sitename", "hostname", "date")}
    return Article(
        clean(path.stem),
        text,
        title=meta["title"].strip(),
        url=meta["url"],
        source=meta["sitename"] or meta["hostname"],
        published=meta["date"][:10],
        path=where,
    )
