"""Files uploaded on the page: safe names, size limits, and the rule that an upload only adds articles.

Anyone who can reach the page can upload, so an upload never replaces or removes what is there: a file
is stored under a name no other file or article uses (Unicode names kept, NFC-normalised and path-safe),
and the records of a JSON file whose ids are already in the index are refused with a message. Replacing
or removing articles is for `python -m qa ingest` on the server. Nothing here imports Gradio.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from qa.errors import QAError
from qa.ingest.readers import JSON_EXT, read_paths
from qa.records import Article
from qa.ui.html import escape_line

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = (".txt", ".md", ".json", ".jsonl", ".html", ".htm")
MAX_STEM = 80  # characters of a stored name's stem: 80 Chinese characters are 240 bytes, under the 255 limit
REPLACE_HINT = "uploads only add articles; to replace or remove one, run `python -m qa ingest` on the server"


def safe_upload_name(name: str) -> str:
    """A plain file name for an uploaded file: NFC-normalised, no folders, no hidden or special names; letters
    and digits of any script, '.', '-' and '_' kept, anything else a '_' ("новости 2024.txt" stays, "a b<c>.md"
    is "a_b_c.md"). Raises QAError for types that cannot be read."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", str(name or "")))[-1]
    base = re.sub(r"[^\w.-]+", "_", base).strip("._-")
    stem, ext = os.path.splitext(base)
    if ext.lower() not in UPLOAD_TYPES:
        shown = " ".join(str(name or "").split())[:80] or "the file"
        raise QAError(f"{shown}: unsupported file type; upload {', '.join(UPLOAD_TYPES)} files")
    stem = stem.strip("._-")[:MAX_STEM].strip("._-") or "upload"
    return stem + ext.lower()


def check_upload_size(name: str, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise QAError(
            f"{name} is {size / 1e6:.1f} MB, over the {MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit per "
            "file; split it into smaller files"
        )
    if size == 0:
        raise QAError(f"{name} is empty")


def save_uploads(files: Iterable, folder: Path, articles: Mapping[str, Article]) -> tuple[list[Path], list[str]]:
    """Store uploaded files in `folder` as new articles only; the stored paths, and why anything was refused.

    A text or HTML file's id is its stored name, chosen so that no file is overwritten and no article id
    reused ("report.txt" becomes "report-2.txt"). A JSON file's records bring their own ids: those already in
    the index (or earlier in this upload) are refused, and the others stored as JSON Lines."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    saved: list[Path] = []
    rejected: list[str] = []
    taken = set(articles)
    for f in files or []:
        src = Path(f)
        try:
            name = safe_upload_name(src.name)
            check_upload_size(name, src.stat().st_size)
            dest, refused = (
                _store_json(src, root, name, taken) if Path(name).suffix in JSON_EXT else _store(src, root, name, taken)
            )
        except QAError as e:
            rejected.append(str(e))
            continue
        saved.extend([dest] if dest is not None else [])
        rejected.extend(refused)
    return saved, rejected


def _store(src: Path, root: Path, name: str, taken: set[str]) -> tuple[Path, list[str]]:
    """Copy a text or HTML file to a free name under `root` (its id is that name's stem)."""
    same = root / name
    if same.is_file() and same.read_bytes() == src.read_bytes():
        raise QAError(f"{name}: this file was already uploaded; nothing changed")
    dest = free_path(root, name, taken)
    shutil.copyfile(src, dest)
    taken.add(dest.stem)
    return dest, []


def _store_json(src: Path, root: Path, name: str, taken: set[str]) -> tuple[Path | None, list[str]]:
    """Store the records of a JSON upload whose ids are new, as JSON Lines under a free name; the messages
    for the records refused (ids already taken) and those that could not be read."""
    found = read_paths([src])
    problems = [f"{name}" + (f", line {p.line}" if p.line else "") + f": {p.message}" for p in found.problems]
    new = [a for a in found.articles if a.doc_id not in taken]
    refused = [a.doc_id for a in found.articles if a.doc_id in taken]
    if refused:
        ids = ", ".join(repr(d) for d in refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
        what = "article" if len(refused) == 1 else "articles"
        problems.append(f"{name}: {len(refused)} {what} with id {ids} already in the index; {REPLACE_HINT}")
    if not new:
        return None, problems
    dest = free_path(root, Path(name).stem + ".jsonl", taken)
    dest.write_text("".join(json.dumps(_record(a), ensure_ascii=False) + "\n" for a in new), encoding="utf-8")
    taken.update(a.doc_id for a in new)
    return dest, problems


def _record(a: Article) -> dict:
    fields = {"id": a.doc_id, "text": a.text, "title": a.title, "url": a.url, "source": a.source}
    return {k: v for k, v in {**fields, "published": a.published}.items() if v}


def free_path(root: Path, name: str, taken: set[str]) -> Path:
    """`root/name`, or `root/stem-2.ext`, `-3`, … : the first name no file has and no article uses as its id."""
    stem, ext = os.path.splitext(name)
    dest, k = root / name, 1
    while dest.exists() or dest.stem in taken:
        k += 1
        dest = root / f"{stem}-{k}{ext}"
    resolved = dest.resolve()
    if resolved.parent != root:  # cannot happen with a safe name; checked anyway
        raise QAError(f"{name}: not a plain file name")
    return resolved


def ingest_html(report, rejected: Sequence[str], saved: Sequence[str] = ()) -> str:
    """What an upload did: the files kept (by their stored names), counts, and every file or line
    that could not be used, in plain words."""
    lines = [f"Stored {', '.join(saved)}"] if saved else []
    if report is not None:
        lines.append(
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged; "
            f"{report.embedded} chunk{'' if report.embedded == 1 else 's'} embedded. The index now holds "
            f"{report.n_articles:,} articles in {report.n_chunks:,} chunks."
        )
        for p in report.problems:
            where = os.path.basename(p.path) + (f", line {p.line}" if p.line else "")
            lines.append(f"Skipped {where}: {p.message}")
    lines.extend(f"Not added: {r}" for r in rejected)
    if not lines:
        return ""
    ok = report is not None and not report.problems and not rejected
    cls = "qa-ok" if ok else "qa-error"
    return f'<div class="{cls}" role="status">' + "".join(f"<p>{escape_line(x)}</p>" for x in lines) + "</div>"
