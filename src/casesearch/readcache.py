"""What reading each page file found (its SHA-1, whether it starts with front matter),
kept with what a stat of it saw then, as git's index keeps it: a reindex that finds a
file's size, times and inode unchanged neither opens nor hashes it again (at 50,000
pages, reading and hashing every file was a third of a reindex that changes nothing).

A write to a file changes its ctime, which cannot be set back, and its mtime: a stat that
looks the same means the same bytes, unless the file changed within the clock tick of the
stat that was kept. So a stat is kept only for a file whose times are `RACY_NS` older than
the reindex that read it (git's "racily clean" entries); a newer file is read every time
until it is that old. The cache is only ever a shortcut: missing, unreadable or of another
content folder, it is ignored, and a build reads the files.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

__all__ = ["FILE", "RACY_NS", "ReadCache", "Seen", "seen"]

FILE = ".readcache.json"   # in the index folder, beside CURRENT: it belongs to no generation
FORMAT = 1
# how much older than the reindex a file's times must be for its stat to be kept: a clock
# tick of the coarsest file systems (FAT's 2 s mtime), with a margin
RACY_NS = 3_000_000_000

Seen = tuple[int, int, int, int]   # size, mtime_ns, ctime_ns, inode


def seen(st: os.stat_result) -> Seen:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _stat_text(stat_seen: Seen) -> str:
    """How an entry starts: what the stat saw, each number followed by a space."""
    return "%d %d %d %d " % stat_seen


class ReadCache:
    """source -> what a reindex saw of the file and found in it, as one string (a 50,000-page
    build holds them all till its pages are read: a list of numbers a file took three times
    the memory): "size mtime_ns ctime_ns inode sha1 front-matter(0/1)"."""

    def __init__(self, root: str, kept: dict[str, str] | None = None, started_ns: int | None = None) -> None:
        self.root = root
        self.kept = kept or {}
        self.started_ns = time.time_ns() if started_ns is None else started_ns
        self.fresh: dict[str, str] = {}   # what this reindex saw: what the next one will find

    @classmethod
    def load(cls, index_dir: Path, content_dir: Path, read: bool = True) -> ReadCache:
        """The cache of the index folder (`read=False`: an empty one, for a build that reads
        every file: it only writes the cache)."""
        root = str(Path(os.path.abspath(content_dir)).resolve())
        started = time.time_ns()   # before any file is looked at
        try:
            (index_dir / (FILE + ".tmp")).unlink(missing_ok=True)   # a killed reindex's (this one holds the lock)
        except OSError:
            pass
        if read:
            try:
                data = json.loads((index_dir / FILE).read_bytes())
                if data["format"] == FORMAT and data["root"] == root and isinstance(data["files"], dict):
                    return cls(root, data["files"], started)
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return cls(root, None, started)

    def _entry(self, source: str, stat_seen: Seen | None) -> tuple[str, str] | None:
        """(sha1, front matter flag) of an unchanged file's entry."""
        entry = self.kept.get(source)
        if stat_seen is None or type(entry) is not str:
            return None
        prefix = _stat_text(stat_seen)
        if len(entry) != len(prefix) + 42 or not entry.startswith(prefix):
            return None   # a file changed, or an entry of another shape (a cache damaged, or by hand)
        return entry[len(prefix):-2], entry[-1]

    def front_matter(self, source: str, stat_seen: Seen | None) -> bool | None:
        """Whether the file starts with front matter, when it is unchanged since it was read."""
        found = self._entry(source, stat_seen)
        return None if found is None else found[1] == "1"

    def digest(self, source: str, stat_seen: Seen | None) -> str | None:
        """The file's SHA-1 when it is unchanged since it was read (None: read it)."""
        found = self._entry(source, stat_seen)
        if found is None:
            return None
        self.fresh[source] = self.kept[source]
        return found[0]

    def record(self, source: str, stat_seen: Seen | None, digest: str, front_matter: bool) -> None:
        """A file just read: its stat is kept when it is old enough to be trusted (see above)."""
        if stat_seen is not None and max(stat_seen[1], stat_seen[2]) + RACY_NS <= self.started_ns:
            self.fresh[source] = f"{_stat_text(stat_seen)}{digest} {int(front_matter)}"
        else:
            self.fresh.pop(source, None)

    def save(self, index_dir: Path) -> None:
        """Write what this reindex saw, when it differs from what it found (a failure to
        write is no failure of the reindex: the next one reads the files); then let both go."""
        tmp = index_dir / (FILE + ".tmp")
        try:
            if self.fresh != self.kept:
                tmp.write_text(json.dumps({"format": FORMAT, "root": self.root, "files": self.fresh},
                                          separators=(",", ":"), sort_keys=True), encoding="utf-8")
                os.replace(tmp, index_dir / FILE)
        except OSError:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
        finally:
            self.kept, self.fresh = {}, {}
