"""Where an index lives on disk: a folder of immutable generations and one pointer to the current one.

    index/
      CURRENT       the name of the current generation ("gen-000007"), replaced in one atomic rename
      gen-000007/   one whole index (the files of qa/index/store.py); never changed once CURRENT names it

A writer (holding the write lock, a flock on `.index.lock` beside the real folder) builds the next
generation beside the others, flushes it to disk, then points CURRENT at it. A reader reads CURRENT
once and holds a shared flock on that generation's manifest.json while it loads, so it sees the old
index or the new one, whole. Old generations are deleted by a writer once it can lock their manifest
exclusively, that is when no reader is loading them; a generation a reader holds is left for the next
writer. A killed writer leaves at most a generation CURRENT never named, deleted by the next writer.

Only what this program wrote is ever deleted: generation folders (by name, inside a folder that holds
an index), and the files of a format-2 index that its own manifest lists. A folder with anything else in
it and no index manifest is refused, so `--index` can never replace a user's folder.

Format version 2 (a flat folder: manifest.json and the files at the top) is read as it is; the next
write turns it into a generation, reusing every stored vector, and then deletes the flat files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexCorruptError, IndexLockedError, IndexNotFoundError, QAError, rebuild_hint

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
_GENERATION = re.compile(r"gen-(\d{6,})")
_OURS = re.compile(r"(gen-\d{6,}|\.trash-gen-\d{6,}|CURRENT|CURRENT\.tmp-\d+)")
READ_TRIES = 50  # a reader retries when a writer removed the generation it was about to open


def index_folder(path: str | os.PathLike) -> Path:
    """The real folder of an index path: symlinks followed once, so that every name for one folder
    reads, writes and locks the same files. A path that is a file is refused."""
    if not isinstance(path, (str, os.PathLike)):
        raise QAError(f"the index folder must be a path (str or Path), not {type(path).__name__} {path!r:.60}")
    real = Path(path).expanduser().resolve()
    if real.is_file():
        raise QAError(f"{path} is a file, not an index folder; give --index a folder (new, empty, or an index)")
    return real


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_name(path: Path) -> str | None:
    """The generation CURRENT names, or None when there is no pointer."""
    try:
        name = (path / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise IndexCorruptError(f"{path / CURRENT} cannot be read ({e}); " + rebuild_hint(path)) from e
    if not _GENERATION.fullmatch(name):
        raise IndexCorruptError(f"{path / CURRENT} names {name[:40]!r}, not a generation folder; " + rebuild_hint(path))
    return name


def current_folder(path: str | os.PathLike) -> Path | None:
    """The folder holding the current index files: the generation CURRENT names, the folder itself for a
    format-2 index, or None when there is no index."""
    path = index_folder(path)
    name = current_name(path)
    if name:
        return path / name
    return path if (path / MANIFEST).is_file() else None


def stamp(path: str | os.PathLike) -> tuple:
    """Changes whenever a new index is swapped in (for caches of loaded indexes)."""
    path = index_folder(path)
    for file in (path / CURRENT, path / MANIFEST):
        try:
            st = file.stat()
        except FileNotFoundError:
            continue
        return (file.name, st.st_ino, st.st_mtime_ns, st.st_size)
    return ()


@contextmanager
def reading(path: str | os.PathLike) -> Iterator[Path]:
    """Hold the current generation for reading: the folder of its files, which no writer deletes until
    the block ends. IndexNotFoundError when there is no index."""
    import fcntl

    path = index_folder(path)
    for _ in range(READ_TRIES):
        folder = current_folder(path)
        if folder is None:
            raise IndexNotFoundError(
                f"no index at {path} (no {MANIFEST}); build one with `python -m qa ingest PATH... --index {path}`"
            )
        try:
            fd = os.open(folder / MANIFEST, os.O_RDONLY)
        except FileNotFoundError:
            if current_folder(path) == folder:  # not a swap meanwhile: the pointer names nothing
                raise IndexCorruptError(
                    f"index file {folder / MANIFEST} is missing ({CURRENT} names it); " + rebuild_hint(path)
                ) from None
            continue  # a writer swapped in another generation and removed this one meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if _same_file(fd, folder / MANIFEST):
                yield folder
                return
        finally:
            os.close(fd)  # releases the shared lock
    raise IndexLockedError(f"the index at {path} kept changing while it was being read; try again")


def _same_file(fd: int, file: Path) -> bool:
    try:
        st = os.stat(file)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def lock_file(folder: Path) -> Path:
    """The file whose lock a writer of the index folder holds: beside it, so it outlives the folder's rebuilds."""
    return folder.parent / f".{folder.name}.lock"


def wait_for_writer(path: str | os.PathLike) -> None:
    """Return once no process holds the writer's lock of the index folder at `path` (at once when none
    does): for a reader that would rather wait for another process's build than build the same again."""
    import fcntl

    try:
        f = open(lock_file(index_folder(path)))
    except FileNotFoundError:
        return
    with f:
        fcntl.flock(f, fcntl.LOCK_EX)
        fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def write_lock(path: str | os.PathLike) -> Iterator[Path]:
    """Hold the one writer's lock of an index folder and yield its real path. A second writer gets
    IndexLockedError; a folder that is not an index (and not empty) is refused before anything is written;
    what a killed writer left is cleaned up first."""
    import fcntl

    path = index_folder(path)
    lock = lock_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(lock, "w")
    except OSError as e:
        raise QAError(
            f"cannot write beside the index at {path} ({e.strerror or e}); give --index a folder you can write to"
        ) from e
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(
                f"another process is writing the index at {path} (it holds {lock}); wait for it to finish and try again"
            ) from None
        try:
            check_index_folder(path)
            if path.is_dir():
                collect(path)
            yield path
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def check_index_folder(path: Path) -> None:
    """Refuse to write an index into a folder unless it is missing, empty, or provably an index: a
    CURRENT pointer, an index manifest.json of this program's, or only files this program writes."""
    if path.is_file():
        raise QAError(f"{path} is a file, not an index folder; give --index a folder (new, empty, or an index)")
    if not path.is_dir():
        return
    try:
        names = sorted(p.name for p in path.iterdir())
    except OSError as e:
        raise QAError(f"cannot read the index folder {path} ({e.strerror or e}); check its permissions") from e
    foreign = [n for n in names if not _OURS.fullmatch(n)]
    if not foreign or (path / CURRENT).is_file() or _is_our_manifest(path / MANIFEST):
        return
    shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
    raise QAError(
        f"{path} is not an index folder (it holds {shown} and no index {MANIFEST} written by this program); "
        "nothing was written or deleted there. Give --index a new or empty folder, or an existing index"
    )


def _is_our_manifest(file: Path) -> bool:
    """A manifest.json this program wrote: a JSON object with a format version, a model and checksums."""
    try:
        m = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(m, dict)
        and isinstance(m.get("format_version"), int)
        and isinstance(m.get("model"), str)
        and isinstance(m.get("checksums"), dict)
    )


def new_generation(path: Path) -> Path:
    """A new, empty generation folder with a number above every other (call with the write lock held)."""
    path.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in path.iterdir() if (m := re.search(r"gen-(\d{6,})$", p.name))]
    gen = path / f"gen-{max(numbers, default=0) + 1:06d}"
    gen.mkdir()
    return gen


def publish(path: Path, gen: Path) -> None:
    """Make `gen` (complete and flushed) the current generation in one atomic rename, then delete the
    generations no reader holds. Call with the write lock held."""
    tmp = path / f"{CURRENT}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(gen.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path / CURRENT)
    fsync(path)
    collect(path)


def collect(path: Path) -> None:
    """Delete what is no longer current and no reader holds: older generations, a killed writer's
    unfinished one, a format-2 index's flat files once a generation replaced them. Write lock held."""
    try:
        current = current_name(path)
    except IndexCorruptError:
        current = None  # a damaged pointer: keep every generation until a new one is published
    keep_all = current is None or not (path / current / MANIFEST).is_file()
    for p in sorted(path.iterdir()):
        if p.name.startswith(f"{CURRENT}.tmp-") and p.is_file():
            p.unlink()  # a pointer a killed writer did not get to rename
        elif p.name.startswith(".trash-gen-") and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)  # a deletion a killed writer did not finish
        elif _GENERATION.fullmatch(p.name) and p.is_dir() and p.name != current and not keep_all:
            _remove_generation(p)
    if current and _is_our_manifest(path / MANIFEST):
        _remove_flat(path)


@contextmanager
def _unheld(manifest: Path) -> Iterator[bool]:
    """True (holding it exclusively) when no reader holds `manifest`; False when one does."""
    import fcntl

    try:
        fd = os.open(manifest, os.O_RDONLY)
    except FileNotFoundError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            free = True
        except BlockingIOError:
            free = False
        yield free
    finally:
        os.close(fd)


def _remove_generation(gen: Path) -> None:
    with _unheld(gen / MANIFEST) as free:
        if not free:
            return  # a reader is loading it: the next writer deletes it
        trash = gen.parent / f".trash-{gen.name}"
        os.replace(gen, trash)  # gone from readers' sight at once, deleted at leisure
    shutil.rmtree(trash, ignore_errors=True)


def _remove_flat(path: Path) -> None:
    """Delete a format-2 index's files: exactly those its manifest lists, then the manifest."""
    with _unheld(path / MANIFEST) as free:
        if not free:
            return
        try:
            listed = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("checksums") or {}
        except (OSError, ValueError, AttributeError):
            listed = {}
        (path / MANIFEST).unlink()  # first: a reader that finds no manifest looks at CURRENT instead
        for name in listed:
            file = (path / name).resolve()
            if file.parent.is_relative_to(path) and file.is_file() and not _OURS.fullmatch(file.name):
                file.unlink()
                if file.parent != path and not any(file.parent.iterdir()):
                    file.parent.rmdir()  # bm25/, once empty
