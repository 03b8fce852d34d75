"""A generation's page records (`pages.store`): each page's whole stored record, by
document number, read when a hit shows the page.

A worker used to read every page's record when it opened a generation and keep them
all (about 25 KB a page: 1.2 GB at 50,000 pages, per worker). The store keeps them on
disk, compressed, and a worker reads one with `os.pread` when it needs it. Not a mapped
file: a record cut short by damage is a short read, an error the searcher answers from
another generation, where a mapped file would kill the worker with SIGBUS.

Records come from the pages a build writes (`records()`, a temporary file till the index
is committed) and, for the pages an incremental build keeps, from the base
generation's store; `write` puts them in document-number order, the offsets go in the
page table.
"""

from __future__ import annotations

import marshal
import os
import threading
import zlib
from array import array
from collections import OrderedDict
from pathlib import Path

from .errors import IndexDamaged
from .schema import StoredPage
from .spool import Spool

FILE = "pages.store"
KEPT = 512   # records a store keeps decoded: the pages the last hits showed


def encode(display: dict) -> bytes:
    """A record: the page's StoredPage.to_json() in Python's marshal format, compressed.
    Not JSON: marshal reads a record back in about half the time json does (a hit's record
    is read for every page a query shows), and nothing but this casesearch reads the file
    (its format is the generation's FORMAT). zlib's checksum finds a damaged record before
    marshal reads it."""
    return zlib.compress(marshal.dumps(display), 1)


def decode(data: bytes) -> dict:
    """encode's dict; zlib.error, or ValueError, EOFError or TypeError, on damaged bytes."""
    return marshal.loads(zlib.decompress(data))


def records() -> Spool:
    """source -> encoded record, in a temporary file: a build's records wait there."""
    return Spool(dumps=encode, loads=lambda data: data)


def write(gen_dir: Path, sources: list[str | None], records: Spool, base: Store | None) -> array:
    """pages.store for the documents `sources` names (None: deleted), each record from
    `records` or else from the base generation's store; the offsets (one more than
    documents: record d is offsets[d]:offsets[d + 1])."""
    offsets = array("Q", [0])
    base_docnums = base.docnums() if base else {}
    with open(gen_dir / FILE, "wb") as out:
        for source in sources:
            data = b""
            if source is not None:
                data = records.get(source)
                if data is None:
                    if source not in base_docnums:
                        raise KeyError(f"no record for '{source}'")
                    data = base.raw(base_docnums[source])
            out.write(data)
            offsets.append(offsets[-1] + len(data))
    return offsets


class Store:
    """The records of one generation, read on demand (thread-safe: pread has no shared position)."""

    def __init__(self, gen_dir: Path, offsets: array, sources: list[str | None]) -> None:
        self.path = gen_dir / FILE
        self._fd = os.open(self.path, os.O_RDONLY)
        self._offsets = offsets
        self._sources = sources
        self._lock = threading.Lock()
        self._kept: OrderedDict[int, StoredPage] = OrderedDict()

    def docnums(self) -> dict[str, int]:
        return {source: d for d, source in enumerate(self._sources) if source is not None}

    def raw(self, docnum: int) -> bytes:
        start, end = self._offsets[docnum], self._offsets[docnum + 1]
        data = os.pread(self._fd, end - start, start)
        if len(data) != end - start:
            raise IndexDamaged(f"'{self.path}' is cut short: record {docnum} ends at byte {end}: "
                               "run `casesearch reindex`")
        return data

    def page(self, docnum: int) -> StoredPage:
        with self._lock:
            page = self._kept.get(docnum)
            if page is not None:
                self._kept.move_to_end(docnum)
                return page
        try:
            page = StoredPage.from_json(decode(self.raw(docnum)))
        except (zlib.error, ValueError, EOFError, KeyError, TypeError) as exc:
            raise IndexDamaged(f"'{self.path}': record {docnum} does not read ({exc}): "
                               "run `casesearch reindex`") from None
        with self._lock:
            self._kept[docnum] = page
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return page

    def close(self) -> None:
        os.close(self._fd)
