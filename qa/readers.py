"""Read articles from files and folders: .txt/.md, .json/.jsonl, .html. Bad input becomes a Problem
naming the file (and line), never an exception that loses the good articles."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .records import Article

TEXT_EXT = {".txt", ".md"}
JSON_EXT = {".json", ".jsonl", ".ndjson"}
HTML_EXT = {".html", ".htm"}
SUPPORTED = TEXT_EXT | JSON_EXT | HTML_EXT
MAX_FILE_BYTES = 200 * 1024 * 1024
_SOURCE_LINE = re.compile(r"^\s*Source\s*(?:»|:|-)\s*(\S.{0,60}?)\s*$")
_HEADING_END = tuple(".,;:!?\"”’)")


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
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(x.startswith(".") for x in rel) and f.suffix.lower() in SUPPORTED:
                    files.append(f)
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED:
                files.append(p)
            else:
                problems.append(Problem(str(p), 0, f"unsupported file type {p.suffix or '(none)'!r}; "
                                        f"use one of {', '.join(sorted(SUPPORTED))}"))
        else:
            problems.append(Problem(str(p), 0, "no such file or folder; check the path"))
    return files, problems


def read_paths(paths: Iterable[str | os.PathLike]) -> ReadResult:
    """Every article under `paths`, plus the problems met. Duplicate ids keep the first article."""
    files, problems = expand(paths)
    articles: dict[str, Article] = {}
    for f in files:
        for item in _read_file(f):
            if isinstance(item, Problem):
                problems.append(item)
            elif item.doc_id in articles:
                if articles[item.doc_id].text != item.text:
                    problems.append(Problem(item.path, 0, f"duplicate id {item.doc_id!r} (first read from "
                                            f"{articles[item.doc_id].path}); this copy was skipped — give it another id"))
            else:
                articles[item.doc_id] = item
    return ReadResult(tuple(articles.values()), tuple(problems))


def _read_file(path: Path) -> Iterator[Article | Problem]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Problem(str(path), 0, f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 10**6} MB limit; split it")
            return
        data = path.read_bytes()
    except OSError as e:
        yield Problem(str(path), 0, f"cannot read the file ({e.strerror or e}); check its permissions")
        return
    text = decode(data)
    if text is None:
        yield Problem(str(path), 0, "binary file, not text; give a .txt, .md, .json, .jsonl or .html file")
        return
    suffix = path.suffix.lower()
    if suffix in JSON_EXT:
        yield from _read_json(path, text)
    elif suffix in HTML_EXT:
        yield _read_html(path, text)
    else:
        yield _read_text(path, text)


def decode(data: bytes) -> str | None:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1. None if binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _is_cp1252(data) else data.decode("latin-1")


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _read_text(path: Path, text: str) -> Article | Problem:
    if not text.strip():
        return Problem(str(path), 0, "empty file: no article text")
    lines = text.strip().splitlines()
    first = lines[0].strip()
    title = ""
    if first.startswith("#"):
        title = first.lstrip("#").strip()
    elif len(lines) > 1 and _heading_like(first):
        title = first
    source = ""
    m = _SOURCE_LINE.match(lines[-1])
    if m and len(lines) > 1:
        source = m.group(1)
    return Article(path.stem, text, title=title, source=source, path=str(path))


def _heading_like(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 20 and len(line) <= 150 and not line.endswith(_HEADING_END)


def _read_json(path: Path, text: str) -> Iterator[Article | Problem]:
    if path.suffix.lower() == ".json" and text.lstrip()[:1] in ("[", "{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            yield Problem(str(path), e.lineno, f"invalid JSON ({e.msg}); fix the file")
            return
        records = data if isinstance(data, list) else [data]
        for i, rec in enumerate(records, 1):
            yield _from_record(rec, str(path), 0, f"record {i}")
        return
    seen_any = False
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        seen_any = True
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            yield Problem(str(path), lineno, f"invalid JSON ({e.msg}); fix or remove this line")
            continue
        yield _from_record(rec, str(path), lineno, "this line")
    if not seen_any:
        yield Problem(str(path), 0, "empty file: no JSON records")


def _from_record(rec: object, path: str, line: int, what: str) -> Article | Problem:
    if not isinstance(rec, dict):
        return Problem(path, line, f"{what} is not a JSON object with 'id' and 'text'")
    doc_id, text = rec.get("id"), rec.get("text")
    if not isinstance(text, str) or not text.strip():
        return Problem(path, line, f"{what} has no 'text' (a non-empty string is required)")
    if not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
        return Problem(path, line, f"{what} has no 'id' (a non-empty string is required)")
    fields = {k: rec.get(k) for k in ("title", "url", "source", "published")}
    bad = [k for k, v in fields.items() if v is not None and not isinstance(v, str)]
    if bad:
        return Problem(path, line, f"{what}: field {bad[0]!r} must be a string")
    return Article(str(doc_id), text, **{k: (v or "").strip() for k, v in fields.items()}, path=path)


def _read_html(path: Path, html: str) -> Article | Problem:
    import trafilatura

    found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                        include_tables=False, favor_precision=True)
    doc = found.as_dict() if hasattr(found, "as_dict") else (found or {})
    text = (doc.get("text") or "").strip()
    if not text:
        return Problem(str(path), 0, "no article text found in this HTML page")
    return Article(path.stem, text, title=(doc.get("title") or "").strip(), url=doc.get("url") or "",
                   source=doc.get("sitename") or doc.get("hostname") or "",
                   published=(doc.get("date") or "")[:10], path=str(path))
