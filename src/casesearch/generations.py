"""The index folder: numbered generations, the one that is live, and the build lock.

Layout::

    index/CURRENT          name of the live generation, replaced atomically
    index/gen-000007/      a complete whoosh index plus manifest.json
    index/.lock            held (flock) by the one reindex allowed at a time

A generation is written once and never changed; publishing one is replacing CURRENT.
Readers keep whatever generation they opened until they open the next.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from . import analysis, schema
from .errors import IndexBusy, IndexMissing, IndexOutdated

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
LOCK = ".lock"
# What a build stores depends on these; any change triggers a full rebuild, and a
# generation of another format is never opened (its stored records do not read back).
FORMAT = f"s{schema.SCHEMA_VERSION}-a{analysis.FORMAT_VERSION}"
_NAME = re.compile(r"gen-\d{6}")


def current_generation(index_dir: Path) -> Path | None:
    """Folder of the live generation, or None when nothing was published."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name.startswith("gen-") and path.is_dir() else None


@dataclass(frozen=True)
class PageEntry:
    """A page of a generation as its manifest records it."""
    hash: str         # sha1 of the file's bytes: unchanged pages are not read again
    url: str
    title: str
    stale: bool = False   # the page failed to read; this is its last good version

    def to_json(self) -> dict:
        return {"hash": self.hash, "url": self.url, "title": self.title} | ({"stale": True} if self.stale else {})

    @classmethod
    def from_json(cls, data: dict) -> PageEntry:
        return cls(data["hash"], data["url"], data["title"], bool(data.get("stale")))


@dataclass(frozen=True)
class Manifest:
    """What a generation holds and how it was built (manifest.json)."""
    format: str               # FORMAT of the casesearch that built it
    settings: str             # fingerprint of the settings and _config.yml that shaped it
    generation: int
    built_at: str             # ISO 8601, UTC
    pages: dict[str, PageEntry]   # source -> entry
    stale: tuple[str, ...]    # sources kept from an older build because they fail now

    def to_json(self) -> dict:
        return {"format": self.format, "settings": self.settings, "generation": self.generation,
                "built_at": self.built_at, "pages": {s: p.to_json() for s, p in self.pages.items()},
                "stale": list(self.stale)}

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        try:
            return cls(data["format"], data["settings"], int(data["generation"]), data["built_at"],
                       {s: PageEntry.from_json(p) for s, p in data["pages"].items()}, tuple(data.get("stale", ())))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a casesearch manifest: {exc!r}") from None


def read_manifest(gen_dir: Path) -> Manifest:
    """ValueError when it is not a manifest (OSError when it cannot be read)."""
    return Manifest.from_json(json.loads((gen_dir / MANIFEST).read_text(encoding="utf-8")))


def write_manifest(gen_dir: Path, manifest: Manifest) -> None:
    tmp = gen_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest.to_json(), sort_keys=True, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, gen_dir / MANIFEST)


def open_live(index_dir: Path) -> tuple[Path, Manifest, whoosh_index.Index]:
    """The live generation, its manifest and its whoosh index; IndexOutdated when another
    version of casesearch built it."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(f"no index in '{index_dir}': run `casesearch reindex` first")
    manifest = read_manifest(gen)
    if manifest.format != FORMAT:
        raise IndexOutdated(f"the index in '{gen}' is of format {manifest.format}, this casesearch "
                            f"reads {FORMAT}: run `casesearch reindex`")
    return gen, manifest, whoosh_index.open_dir(str(gen))


def outdated(index_dir: Path) -> str:
    """Why the index folder holds nothing this version can serve ("" when it does)."""
    gen = current_generation(index_dir)
    if gen is None:
        return f"no index in '{index_dir}'"
    try:
        built = read_manifest(gen).format
    except (OSError, ValueError):
        return f"the manifest of '{gen}' is unreadable"
    return "" if built == FORMAT else f"the index in '{gen}' is of format {built}, this casesearch reads {FORMAT}"


@contextmanager
def exclusive(index_dir: Path) -> Iterator[None]:
    """The build lock: one reindex at a time; IndexBusy at once when another holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(f"another reindex is running on '{index_dir}'; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def copy_generation(src: Path, dst: Path) -> None:
    """A new generation starting as the live one: hard links, whoosh segments being write-once."""
    dst.mkdir()
    for item in src.iterdir():
        if item.name in (MANIFEST,) or item.name.endswith(".lock") or item.name == "WRITELOCK":
            continue
        try:
            os.link(item, dst / item.name)
        except OSError:
            shutil.copy2(item, dst / item.name)


def publish(index_dir: Path, gen_dir: Path) -> None:
    tmp = index_dir / (CURRENT + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(gen_dir.name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, index_dir / CURRENT)


def cleanup(index_dir: Path, keep: set[str]) -> None:
    """Remove generations other than the live one and the one before it (readers may hold it)."""
    for item in index_dir.glob("gen-*"):
        if item.name not in keep and _NAME.fullmatch(item.name):   # ours only
            shutil.rmtree(item, ignore_errors=True)
