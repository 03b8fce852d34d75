"""The index folder: numbered generations, the one that is live, and the build lock.

Layout::

    index/CURRENT          name of the live generation, replaced atomically
    index/gen-000007/      a complete whoosh index plus manifest.json
    index/.lock            held (flock) by the one reindex allowed at a time

A generation is written once and never changed; publishing one is replacing CURRENT.
Generations share no file (an incremental build copies the live one), and the manifest
records the size and SHA-256 of every file, so damage to one generation never reaches
another and is found before it is served (`damage`, `servable`). Readers keep whatever
generation they opened until they open the next.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec import whoosh3  # noqa: F401 - imported with this module, not by a worker's first opening (80 ms)
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from . import analysis, schema
from .errors import IndexBusy, IndexDamaged, IndexMissing, IndexOutdated
from .manifest import (
    MANIFEST,
    Manifest,
    damage,
    index_files,
    read_manifest,
    stamp_holds,
)

CURRENT = "CURRENT"
LOCK = ".lock"
# What a build stores depends on these; any change triggers a full rebuild, and a
# generation of another format is never opened (its stored records do not read back).
# m2: the manifest records every file's size and checksum. p3: the scored fields'
# postings are in casesearch's posting files only (`postlists`), not in whoosh's.
# r2: page records in marshal's format, not JSON (`pagestore.encode`).
FORMAT = f"s{schema.SCHEMA_VERSION}-a{analysis.FORMAT_VERSION}-m2-p3-r2"
_NAME = re.compile(r"gen-(\d{6,})")


# -- CURRENT and the generation folders ---------------------------------------------------

def pointer(index_dir: Path) -> tuple[str | None, str]:
    """(name CURRENT gives, "") or (None, what is wrong with it): missing, empty,
    not a generation name (garbage), or naming a folder that is not there."""
    try:
        raw = (index_dir / CURRENT).read_bytes()[:256]
    except FileNotFoundError:
        return None, f"'{index_dir / CURRENT}' is missing"
    except OSError as exc:
        return None, f"'{index_dir / CURRENT}' cannot be read ({exc.strerror})"
    name = raw.decode("utf-8", errors="replace").strip()
    if not name:
        return None, f"'{index_dir / CURRENT}' is empty"
    if not _NAME.fullmatch(name):
        return None, f"'{index_dir / CURRENT}' does not name a generation (damaged)"
    if not (index_dir / name).is_dir():
        return None, f"'{index_dir / CURRENT}' names '{name}', which is not there"
    return name, ""


def current_generation(index_dir: Path) -> Path | None:
    """Folder of the live generation, or None when nothing (readable) was published."""
    name, _ = pointer(index_dir)
    return index_dir / name if name else None


def number(gen: Path) -> int:
    match = _NAME.fullmatch(gen.name)
    return int(match.group(1)) if match else 0


def folders(index_dir: Path) -> list[Path]:
    """Every generation folder, newest first (by number, which only grows)."""
    try:
        found = [p for p in index_dir.iterdir() if _NAME.fullmatch(p.name) and p.is_dir()]
    except FileNotFoundError:
        return []
    return sorted(found, key=number, reverse=True)


def next_folder(index_dir: Path) -> Path:
    """Where the next build writes: one past every number used so far (read from the folders
    and CURRENT), so that a lost CURRENT never brings an old name, or an old ETag, back."""
    name, _ = pointer(index_dir)
    used = [number(p) for p in folders(index_dir)] + ([number(index_dir / name)] if name else [])
    return index_dir / f"gen-{max(used, default=0) + 1:06d}"


# -- choosing what to serve ----------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """The generation to serve and why it is not CURRENT's ("" when it is)."""
    path: Path
    manifest: Manifest
    degraded: str = ""


def servable(index_dir: Path, *, deep: Callable[[Path], bool] = lambda _: True, pages: bool = True) -> Choice:
    """CURRENT's generation when it is sound, else the newest generation of this format that
    is (by number), with the reason. IndexOutdated when CURRENT's is of another format (a
    fallback would hide that a reindex is due), IndexDamaged when no generation is sound,
    IndexMissing when there is none. `deep(path)`: verify checksums too, not sizes only
    (unless the generation's stamp holds: no file written since the build summed them);
    `pages=False`: the choice's manifest without its pages (a searcher's)."""
    name, problem = pointer(index_dir)
    candidates = folders(index_dir)
    if name:
        candidates = [index_dir / name] + [p for p in candidates if p.name != name]
    elif not candidates:
        raise IndexMissing(f"no index in '{index_dir}': run `casesearch reindex` first")
    reasons = [problem] if problem else []
    for gen in candidates:
        try:
            manifest = read_manifest(gen, pages)
        except (OSError, ValueError) as exc:
            reasons.append(f"'{gen / MANIFEST}' is unreadable ({exc})")
            continue
        if manifest.format != FORMAT:
            if gen.name == name:
                raise IndexOutdated(f"the index in '{gen}' is of format {manifest.format}, this casesearch "
                                    f"reads {FORMAT}: run `casesearch reindex`")
            continue
        if why := damage(gen, manifest, deep=deep(gen) and not stamp_holds(gen, manifest)):
            reasons.append(why)
            continue
        return Choice(gen, manifest, "; ".join(reasons) + (f"; serving '{gen.name}'" if reasons else ""))
    raise IndexDamaged("no generation of the index can be served: " + "; ".join(reasons or ["none is complete"])
                       + ": run `casesearch reindex`")


@dataclass(frozen=True)
class Verdict:
    """One generation as `casesearch check` reports it."""
    name: str
    live: bool
    problem: str        # "" when it verifies
    pages: int = 0
    bytes: int = 0

    def to_json(self) -> dict:
        return {"name": self.name, "live": self.live, "ok": not self.problem, "problem": self.problem or None,
                "pages": self.pages, "bytes": self.bytes}


def check(index_dir: Path, *, every: bool = False) -> tuple[str, list[Verdict]]:
    """CURRENT's problem ("" when none) and the verdict on the live generation (every
    generation with `every`), checksums read."""
    name, problem = pointer(index_dir)
    gens = folders(index_dir) if every or not name else [index_dir / name]
    verdicts = []
    for gen in gens:
        try:
            manifest = read_manifest(gen)
        except (OSError, ValueError) as exc:
            verdicts.append(Verdict(gen.name, gen.name == name, f"'{gen / MANIFEST}' is unreadable ({exc})"))
            continue
        if manifest.format != FORMAT:
            why = f"'{gen}' was built by another version of casesearch (format {manifest.format}, this one reads {FORMAT})"
        else:
            why = damage(gen, manifest)
        verdicts.append(Verdict(gen.name, gen.name == name, why, len(manifest.pages), size(gen)))
    return problem, verdicts


def build_base(index_dir: Path) -> tuple[Path | None, Manifest | None, str]:
    """The generation a build starts from: the live one when it verifies (checksums read),
    else the newest that does; and what needs repair ("" when nothing)."""
    try:
        choice = servable(index_dir)
    except IndexOutdated:
        live = current_generation(index_dir)
        try:
            return live, read_manifest(live), ""
        except (OSError, ValueError) as exc:
            return None, None, str(exc)
    except IndexDamaged as exc:
        return None, None, str(exc).split(": run `", 1)[0]
    except IndexMissing:
        return None, None, ""
    return choice.path, choice.manifest, choice.degraded


def open_index(gen: Path) -> whoosh_index.Index:
    """The generation's whoosh index, its segment read from the file as queries need it.

    whoosh maps a segment and then copies each of its parts into memory (BytesIO of the
    map): 118 MB in each worker at 50,000 pages. Read from the file instead, the segment
    stays in the page cache that every worker shares, and a segment damaged under a
    running worker is a read error to fall back from, never a SIGBUS."""
    return _Storage(str(gen), supports_mmap=False).open_index()


class _Storage(FileStorage):
    """whoosh's storage of a generation's files, read from the files (not mapped)."""

    def open_file(self, name: str, **kwargs):  # noqa: ANN003, ANN201 - whoosh's StructFile
        """The file, closed when no reader holds it any more: a reader left open (not
        closed by its owner) lets its file go with it, as a mapped segment did."""
        raw = _PreadFile(self._fpath(name))
        f = _Struct(raw, name=name, **kwargs)
        weakref.finalize(f, raw.close)
        return f


class _PreadFile:
    """A file read with os.pread: a read is one system call, and readers of the same file
    (a compound segment's parts, threads) share no position to seek. whoosh reads its
    term tables a few bytes at a time at scattered places, where a buffered file seeks,
    drops its buffer and reads 8 KB again for each."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._pos = 0
        self.closed = False

    def fileno(self) -> int:
        return self._fd

    def seek(self, where: int, whence: int = 0) -> int:
        if whence == 1:
            where += self._pos
        elif whence == 2:
            where += os.fstat(self._fd).st_size
        self._pos = where
        return where

    def tell(self) -> int:
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = max(0, os.fstat(self._fd).st_size - self._pos)
        data = os.pread(self._fd, size, self._pos)
        self._pos += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        out = b""
        while size is None or size < 0 or len(out) < size:
            chunk = os.pread(self._fd, 256, self._pos + len(out))
            if not chunk:
                break
            end = chunk.find(b"\n")
            out += chunk if end < 0 else chunk[:end + 1]
            if end >= 0:
                break
        out = out if size is None or size < 0 else out[:size]
        self._pos += len(out)
        return out

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self._fd)


class _Struct(StructFile):
    """whoosh's StructFile over a `_PreadFile`: `get` (how whoosh reads its tables) is one
    pread, and the parts of a compound segment are read the same way."""

    def get(self, position: int, length: int) -> bytes:
        self.file._pos = position
        return self.file.read(length)

    def subset(self, offset: int, length: int, name: str | None = None) -> StructFile:
        return _Part(self.file, offset, length, name=name or self._name)


class _Part(StructFile):
    """A part of a compound segment (whoosh's SubFile), `get` one pread within it."""

    def __init__(self, raw: _PreadFile, offset: int, length: int, name: str | None) -> None:
        super().__init__(SubFile(raw, offset, length), name=name)
        self._fd, self._offset, self._size = raw.fileno(), offset, length

    def get(self, position: int, length: int) -> bytes:
        length = max(0, min(length, self._size - position))
        self.file._pos = position + length   # where whoosh's seek and read would leave it
        return os.pread(self._fd, length, self._offset + position) if length else b""


def open_live(index_dir: Path) -> tuple[Path, Manifest, whoosh_index.Index]:
    """The generation to serve (`servable`), its manifest and its whoosh index."""
    choice = servable(index_dir)
    return choice.path, choice.manifest, open_index(choice.path)


def outdated(index_dir: Path) -> str:
    """Why the index folder holds nothing this version can serve ("" when it does)."""
    try:
        servable(index_dir, deep=lambda _: False)
    except IndexMissing as exc:    # IndexOutdated and IndexDamaged too
        return str(exc).split(": run `", 1)[0]
    return ""


# -- building ------------------------------------------------------------------------------

@contextmanager
def exclusive(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """The build lock: one reindex at a time; IndexBusy when another holds it for longer
    than `wait` seconds (at once by default)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    with open(index_dir / LOCK, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" (waited {wait:g} s)" if wait else ""
                    raise IndexBusy(f"another reindex is running on '{index_dir}'{waited}; try again when it "
                                    "ends, or use --wait") from None
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def copy_generation(src: Path, dst: Path) -> None:
    """A new generation starting as a copy of `src` (never a hard link: damage to one
    generation must not reach another, nor a later build change a file it serves)."""
    dst.mkdir()
    for item in index_files(src):
        shutil.copyfile(item, dst / item.name)


def size(gen: Path) -> int:
    """Bytes a generation takes on disk (0 when it is gone)."""
    try:
        return sum(p.stat().st_size for p in gen.iterdir() if p.is_file())
    except OSError:
        return 0


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, gen_dir: Path) -> None:
    """Make `gen_dir` live: its files, its folder, then CURRENT and the index folder reach
    the disk in that order, so that after a power cut CURRENT names a whole generation."""
    for item in gen_dir.iterdir():
        if item.is_file():
            _fsync(item)
    _fsync(gen_dir)
    tmp = index_dir / (CURRENT + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(gen_dir.name + "\n")
        out.flush()
        os.fsync(out.fileno())
    if (index_dir / CURRENT).is_dir() and not (index_dir / CURRENT).is_symlink():
        shutil.rmtree(index_dir / CURRENT)   # damage in CURRENT's place: nothing of ours is in it
    os.replace(tmp, index_dir / CURRENT)
    _fsync(index_dir)


def tidy(index_dir: Path) -> None:
    """Remove what killed builds left (folders past the live one, CURRENT.tmp) and
    generations before the one before the live one; nothing when CURRENT is unreadable."""
    live = current_generation(index_dir)
    if live is not None:
        before = [p.name for p in folders(index_dir) if number(p) < number(live)][:1]
        cleanup(index_dir, {live.name, *before})


def cleanup(index_dir: Path, keep: set[str]) -> None:
    """Remove generations other than the live one and the one before it (readers may hold it)."""
    for item in folders(index_dir):
        if item.name not in keep:
            shutil.rmtree(item, ignore_errors=True)
    (index_dir / (CURRENT + ".tmp")).unlink(missing_ok=True)
