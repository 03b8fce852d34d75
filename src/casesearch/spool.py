"""Pages read but not yet written, kept on disk rather than in memory.

A build reads every page before it writes one (each page's link texts come from all
the others), so the pages wait somewhere: in a list they took about 20 KB of memory each
(1 GB at 50,000 pages). The spool pickles each into an unnamed temporary file and keeps
only where it lies; the file vanishes when the spool closes or the process dies. The
page records a build writes wait in one too (`pagestore.records`), encoded their own way.

A spool given a memory budget holds its values as they are until they weigh more than
it, then writes them all to the file, and every later one: a small site's pages are never
pickled (1% of a 1,000-page build's instructions), a large one's memory stays the budget at most.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any


def _pickled(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class _Held:
    """A value held in memory (not yet in the file)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Spool:
    """source -> value (a Document, unless other `dumps` and `loads` are given), the
    values in a temporary file. Putting a source again replaces it (the old record stays
    in the file, unread).

    `memory`: what the values held as they are may weigh (`weigh`'s figure), before they
    go to the file; a held value is given back as it was put, so `loads(dumps(value))`
    must be the same value (frozen dataclasses, as Documents are)."""

    def __init__(self, dumps: Callable[[Any], bytes] = _pickled, loads: Callable[[bytes], Any] = pickle.loads,
                 memory: int = 0, weigh: Callable[[Any], int] = lambda value: 0) -> None:
        self._file: IO[bytes] | None = None
        self._where: dict[str, tuple[int, int] | _Held] = {}
        self._dumps, self._loads = dumps, loads
        self._memory, self._weigh = memory, weigh
        self._held = 0 if memory > 0 else -1   # what the held values weigh; -1: to the file

    def __setitem__(self, source: str, value: Any) -> None:
        if self._held >= 0:
            self._held += self._weigh(value)
            if self._held <= self._memory:
                self._where[source] = _Held(value)
                return
            self._held = -1   # over the budget: the held values to the file, and from now on every one
            for held, where in list(self._where.items()):
                if isinstance(where, _Held):
                    self._write(held, where.value)
        self._write(source, value)

    def _write(self, source: str, value: Any) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="casesearch-pages-")
        data = self._dumps(value)
        self._file.seek(0, 2)
        self._where[source] = (self._file.tell(), len(data))
        self._file.write(data)

    def __getitem__(self, source: str) -> Any:
        where = self._where[source]
        if isinstance(where, _Held):
            return where.value
        at, size = where
        assert self._file is not None
        self._file.seek(at)
        return self._loads(self._file.read(size))

    def get(self, source: str) -> Any:
        return self[source] if source in self._where else None

    def __contains__(self, source: object) -> bool:
        return source in self._where

    def __len__(self) -> int:
        return len(self._where)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def pop(self, source: str) -> None:
        self._where.pop(source, None)

    def documents(self) -> Iterator[Any]:
        """Each value, read back in the order its source was first put."""
        for source in list(self._where):
            yield self[source]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._where.clear()
