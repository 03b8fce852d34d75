"""What a generation holds (manifest.json): its pages, how it was built, and the size and
SHA-256 of every file, which say whether the generation is still as it was written."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
# what a stat saw of the files when they were last known to hold what the manifest says
STAMP = "verified.json"


@dataclass(frozen=True)
class PageEntry:
    """A page of a generation as its manifest records it."""
    hash: str         # sha1 of the file's bytes: unchanged pages are not read again
    url: str
    title: str
    stale: bool = False   # the page failed to read; this is its last good version
    # its links to other pages, (text, target as written): the link texts of the pages
    # they point at are computed from every page's, changed or not
    links: tuple[tuple[str, str], ...] = ()
    anchors: str = ""     # digest of the link texts pointing at it, as indexed ("" for none)
    aliases: tuple[str, ...] = ()   # its former URLs (redirect_from)

    def to_json(self) -> dict:
        return ({"hash": self.hash, "url": self.url, "title": self.title} | ({"stale": True} if self.stale else {})
                | ({"links": [list(link) for link in self.links]} if self.links else {})
                | ({"anchors": self.anchors} if self.anchors else {})
                | ({"aliases": list(self.aliases)} if self.aliases else {}))

    @classmethod
    def from_json(cls, data: dict) -> PageEntry:
        return cls(data["hash"], data["url"], data["title"], bool(data.get("stale")),
                   tuple((text, target) for text, target in data.get("links", ())), data.get("anchors", ""),
                   tuple(data.get("aliases", ())))


@dataclass(frozen=True)
class FileSum:
    """A file of a generation as it was written."""
    size: int
    sha256: str

    def to_json(self) -> list:
        return [self.size, self.sha256]

    @classmethod
    def from_json(cls, data: list) -> FileSum:
        size, digest = data
        return cls(int(size), str(digest))


@dataclass(frozen=True)
class Manifest:
    """What a generation holds and how it was built (manifest.json)."""
    format: str               # FORMAT of the casesearch that built it
    settings: str             # fingerprint of the settings and _config.yml that shaped it
    generation: int
    built_at: str             # ISO 8601, UTC
    pages: dict[str, PageEntry]   # source -> entry
    stale: tuple[str, ...]    # sources kept from an older build because they fail now
    files: dict[str, FileSum] = field(default_factory=dict)   # every other file of the folder

    def to_json(self, pages: bool = True) -> dict:
        """`pages=False`: every key, "pages" left empty (write_manifest writes them one by one)."""
        return {"format": self.format, "settings": self.settings, "generation": self.generation,
                "built_at": self.built_at, "pages": {s: p.to_json() for s, p in self.pages.items()} if pages else {},
                "stale": list(self.stale), "files": {n: f.to_json() for n, f in self.files.items()}}

    @classmethod
    def from_json(cls, data: dict, pages: bool = True) -> Manifest:
        """`pages=False`: without its pages (what a searcher reads: a second at 50,000 pages)."""
        try:
            return cls(data["format"], data["settings"], int(data["generation"]), data["built_at"],
                       {s: PageEntry.from_json(p) for s, p in data["pages"].items()} if pages else {},
                       tuple(data.get("stale", ())),
                       {n: FileSum.from_json(f) for n, f in data.get("files", {}).items()})
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"not a casesearch manifest: {exc!r}") from None


def read_manifest(gen_dir: Path, pages: bool = True) -> Manifest:
    """ValueError when it is not a manifest (OSError when it cannot be read); `pages=False`:
    the manifest without its pages."""
    try:
        raw = (gen_dir / MANIFEST).read_bytes()
        data = json.loads(raw if pages else _without_pages(raw))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not a casesearch manifest: {exc.reason}") from None
    if not isinstance(data, dict):
        raise ValueError("not a casesearch manifest: not a JSON object")
    return Manifest.from_json(data, pages)


_PAGES, _AFTER_PAGES = b'"pages": {', b', "settings": '


def _without_pages(raw: bytes) -> bytes:
    """The manifest's text with its pages left out, found without parsing them (parsing all
    of it was a fifth of a searcher's opening at 50,000 pages, 0.4 s): write_manifest writes
    the keys sorted, "pages" before "settings", and a '"' inside a string is always escaped,
    so both byte strings are the keys themselves. The text as it is when it is not laid out
    so (json.loads then reads it all, and says what is wrong with it)."""
    start, end = raw.find(_PAGES), raw.rfind(_AFTER_PAGES)
    if start < 0 or end < start:
        return raw
    return raw[:start] + b'"pages": {}' + raw[end:]


def write_manifest(gen_dir: Path, manifest: Manifest) -> None:
    """manifest.json, as json.dumps(manifest.to_json(), sort_keys=True) writes it, a page at
    a time: the whole document at once was a build's peak of memory (+80 MB at 50,000 pages)."""
    tmp = gen_dir / (MANIFEST + ".tmp")
    encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
    head = manifest.to_json(pages=False)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("{")
        for i, key in enumerate(sorted(head)):
            f.write(f"{', ' if i else ''}{encode(key)}: ")
            if key != "pages":
                f.write(encode(head[key]))
                continue
            f.write("{")
            for j, source in enumerate(sorted(manifest.pages)):
                f.write(f"{', ' if j else ''}{encode(source)}: {encode(manifest.pages[source].to_json())}")
            f.write("}")
        f.write("}")
    os.replace(tmp, gen_dir / MANIFEST)


def index_files(gen_dir: Path) -> list[Path]:
    """The whoosh files of a generation (not the manifest, nor whoosh's empty lock file)."""
    return sorted(p for p in gen_dir.iterdir()
                  if p.name not in (MANIFEST, STAMP) and not p.name.endswith((".tmp", "WRITELOCK", ".lock"))
                  and p.is_file())


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_sums(gen_dir: Path, known: dict[str, FileSum] | None = None) -> dict[str, FileSum]:
    """Size and SHA-256 of every file of a generation; `known` ones (copied from a
    generation that verified) are not read again."""
    sums = {}
    for path in index_files(gen_dir):
        size = path.stat().st_size
        old = (known or {}).get(path.name)
        sums[path.name] = old if old and old.size == size else FileSum(size, _sha256(path))
    return sums


def damage(gen_dir: Path, manifest: Manifest | None = None, *, deep: bool = True) -> str:
    """What is wrong with a generation's files ("" when nothing): a manifest that does
    not read, a file missing or of another size, and with `deep` another checksum."""
    try:
        manifest = manifest or read_manifest(gen_dir)
    except (OSError, ValueError) as exc:
        return f"'{gen_dir / MANIFEST}' is unreadable ({exc})"
    if not manifest.files:
        return f"'{gen_dir / MANIFEST}' lists no files"
    for name, expected in sorted(manifest.files.items()):
        path = gen_dir / name
        try:
            size = path.stat().st_size
            if size != expected.size:
                return f"'{path}' holds {size} bytes, {expected.size} were written"
            if deep and _sha256(path) != expected.sha256:
                return f"'{path}' changed since it was written (checksum differs)"
        except FileNotFoundError:
            return f"'{path}' is missing"
        except OSError as exc:
            return f"'{path}' cannot be read ({exc.strerror})"
    return ""


def signature(gen_dir: Path, manifest: Manifest) -> tuple:
    """What a cheap look at the files sees (size, times, inode): a change means a write."""
    sig = []
    for name in [MANIFEST, *sorted(manifest.files)]:
        try:
            st = (gen_dir / name).stat()
            sig.append((name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
        except OSError:
            sig.append((name, None))
    return tuple(sig)


def write_stamp(gen_dir: Path, manifest: Manifest) -> None:
    """Note that the generation's files hold what its manifest says, with what a stat of
    them sees now (`signature`): the build that has just summed them writes it."""
    tmp = gen_dir / (STAMP + ".tmp")
    tmp.write_text(json.dumps([list(part) for part in signature(gen_dir, manifest)]), encoding="utf-8")
    os.replace(tmp, gen_dir / STAMP)


def stamp_holds(gen_dir: Path, manifest: Manifest) -> bool:
    """Whether the files are as the stamp saw them: none written to since (a write changes
    its size, times or inode; its ctime cannot be set back). Each process that opens a
    generation then reads its sizes, not every byte again (0.4 s at 50,000 pages), as a
    process that has verified a generation keeps serving it while its stat is unchanged."""
    try:
        seen = json.loads((gen_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return seen == [list(part) for part in signature(gen_dir, manifest)]
