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


class ReadCache:
    """source -> (stat, sha1, front matter) of the files a reindex read or found unchanged."""

    def __init__(self, root: str, kept: dict[str, list] | None = None, started_ns: int | None = None) -> None:
        self.root = root
        self.kept = kept or {}
        self.started_ns = time.time_ns() if started_ns is None else started_ns
        self.fresh: dict[str, list] = {}   # what this reindex saw: what the next one will find

    @classmethod
    def load(cls, index_dir: Path, content_dir: Path) -> ReadCache:
        root = str(Path(os.path.abspath(content_dir)).resolve())
        started = time.time_ns()   # before any file is looked at
        try:
            (index_dir / (FILE + ".tmp")).unlink(missing_ok=True)   # a killed reindex's (this one holds the lock)
        except OSError:
            pass
        try:
            data = json.loads((index_dir / FILE).read_bytes())
            if data["format"] == FORMAT and data["root"] == root and isinstance(data["files"], dict):
                return cls(root, data["files"], started)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return cls(root, None, started)

    def _entry(self, source: str, stat_seen: Seen | None) -> list | None:
        entry = self.kept.get(source)
        if stat_seen is None or type(entry) is not list or len(entry) != 6 or tuple(entry[:4]) != stat_seen:
            return None   # a file changed, or an entry of another shape (a cache damaged, or by hand)
        return entry

    def front_matter(self, source: str, stat_seen: Seen | None) -> bool | None:
        """Whether the file starts with front matter, when it is unchanged since it was read."""
        entry = self._entry(source, stat_seen)
        return None if entry is None else bool(entry[5])

    def digest(self, source: str, stat_seen: Seen | None) -> str | None:
        """The file's SHA-1 when it is unchanged since it was read (None: read it)."""
        entry = self._entry(source, stat_seen)
        if entry is None:
            return None
        self.fresh[source] = entry
        return entry[4]

    def record(self, source: str, stat_seen: Seen | None, digest: str, front_matter: bool) -> None:
        """A file just read: its stat is kept when it is old enough to be trusted (see above)."""
        if stat_seen is not None and max(stat_seen[1], stat_seen[2]) + RACY_NS <= self.started_ns:
            self.fresh[source] = [*stat_seen, digest, front_matter]
        else:
            self.fresh.pop(source, None)

    def save(self, index_dir: Path) -> None:
        """Write what this reindex saw, when it differs from what it found (a failure to
        write is no failure of the reindex: the next one reads the files)."""
        if self.fresh == self.kept:
            return
        tmp = index_dir / (FILE + ".tmp")
        try:
            tmp.write_text(json.dumps({"format": FORMAT, "root": self.root, "files": self.fresh},
                                      separators=(",", ":"), sort_keys=True), encoding="utf-8")
            os.replace(tmp, index_dir / FILE)
        except OSError:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
