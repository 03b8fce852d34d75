"""A segment's posting lists of the scored fields, in a compact file of our own inside
whoosh's compound segment file: the only store of those postings (whoosh keeps the
pages' records, field lengths, deletions and the other fields' postings).

whoosh keeps a posting list as pickled, zlib-compressed blocks: decoding them was most
of a query's time at 50,000 pages (pickle and zlib for every block of every term, 3 to
6 ms for a common word), and writing them, each posting pickled alone, sorted, then
pickled again, about half of a build's CPU. Here a term's list is one block of arrays
read with one pread and used as they are by numpy, and a page's positions one more pread;
a build adds a page's terms to arrays (`Pool`) and writes each term once.

The file, little-endian, written as whoosh flushes a segment (merged segments included),
a term at a time, so that a build's memory does not grow with the site:

    magic (8 bytes)
    a block per term: docnums | weights | position gaps (fields with positions)
    keys (each `field NUL term`, in byte order) | key ends (uint64 per key)
    block offsets (uint64 per key) | postings (uint32 per key) | kinds (uint8 per key)
    trailer: keys, key bytes, docnum size, table offset (4 uint64) | magic

Docnums are the segment's own: uint16 when the segment has at most 65,536 pages, uint32
otherwise. A term's kind says how its block is stored: weights uint16 (counts) or
float64 (`_FLOAT_WEIGHTS`: a count over 65,535), positions kept or not (`_POSITIONS`: a
page's count of positions is its weight), their gaps uint16 or uint32 (`_WIDE_GAPS`).
The file is named as whoosh names a segment's parts (`MAIN_<id>.postings`): whoosh takes
it into the compound file and removes it with the segment. A segment without one is
damage (`Terms`).
"""

from __future__ import annotations

import heapq
import pickle
import struct
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import groupby

import numpy as np
from whoosh.reading import SegmentReader

from .errors import IndexDamaged

try:   # built by setup.py from _postlists.c; where it could not be, bisect_left looks keys up
    from . import _postlists as compiled
except ImportError:
    compiled = None

EXTENSION = ".postings"   # as whoosh names its parts: the segment id, then this
MAGIC = b"CSPOST2\n"
_TRAILER = struct.Struct("<4Q")
_FLOAT_WEIGHTS, _POSITIONS, _WIDE_GAPS = 1, 2, 4
_LITTLE = sys.byteorder == "little"
_LOW = (1 << 32) - 1     # a position's part of a position key (docnum << 32 | position)
_NO_INTS = np.zeros(0, dtype=np.int64)
_KNOWN_KEYS = 1 << 16   # key look-ups a posting file keeps (then all let go)
_UNSEEN = object()
_SPAN_BYTES = 1 << 20   # positions of the pages asked read in one piece up to this size


def file_name(segment_id: str) -> str:
    return segment_id + EXTENSION


def _bytes(values: array) -> bytes:
    if not _LITTLE:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class _FileWriter:
    """Writes a posting file to `out`, a term at a time in key order: `term`, then `finish`."""

    def __init__(self, out, doc_count: int) -> None:  # noqa: ANN001 - a whoosh StructFile or a binary file
        self.out = out
        self.doc_code = "H" if doc_count <= 1 << 16 else "I"
        self.at = len(MAGIC)
        out.write(MAGIC)
        self.keys = bytearray()
        self.key_ends, self.offsets = array("Q"), array("Q")
        self.counts, self.kinds = array("I"), array("B")
        self.last_key = b""
        self.buf = bytearray()

    def term(self, key: bytes, docs: array, counts: array, positions: array | None) -> None:
        """One term's block: its pages (ascending), each page's count (its weight) and, for a
        field with positions, each page's positions (ascending within a page, `counts` of
        them), stored as gaps. Blocks gather in a buffer written a megabyte at a time."""
        self._follow(key)
        kind = 0
        if len(docs) <= _SMALL:   # most terms: a few pages, arrays cheaper than numpy
            docs_part = array("H", docs) if self.doc_code == "H" else docs
            whole = max(counts) <= 0xFFFF
            weights = array("H", counts) if whole else array("d", counts)
            gaps = None if positions is None else _gaps(positions, counts)
        else:
            docs_part = np.frombuffer(docs, dtype=np.uint32).astype(self.doc_code)
            c = np.frombuffer(counts, dtype=np.uint32)
            whole = bool(c.max() <= 0xFFFF)
            weights = c.astype(np.uint16 if whole else np.float64)
            gaps = None
        if positions is not None and gaps is None:
            gaps = _gaps_array(positions, counts)
        if not whole:
            kind |= _FLOAT_WEIGHTS
        if gaps is not None:
            kind |= _POSITIONS | (_WIDE_GAPS if gaps.itemsize == 4 else 0)
        buf = self.buf
        before = len(buf)
        for part in (docs_part, weights, gaps):
            if part is None:
                continue
            if isinstance(part, np.ndarray):
                buf += part.astype(part.dtype.newbyteorder("<"), copy=False).tobytes()
            else:
                buf += part if _LITTLE else _bytes(part)
        self.keys += key
        self.key_ends.append(len(self.keys))
        self.offsets.append(self.at)
        self.counts.append(len(docs))
        self.kinds.append(kind)
        self.at += len(buf) - before
        if len(buf) >= _BUFFER:
            self.out.write(buf)
            buf.clear()

    def _follow(self, key: bytes) -> None:
        """The next term's key, after the last one written (the table is searched by bisection)."""
        if key <= self.last_key:
            raise ValueError(f"postings out of order at {key!r}: cannot write the posting file")
        self.last_key = key

    def terms(self, items: list[tuple[bytes, array, array, array | None]]) -> None:
        """`term` for each of `items` (in key order), to the byte, their blocks made together
        with whole-array operations: most terms are in one to three pages (47,000 terms at
        1,000 pages), and a term's own arrays and loops cost more than its numbers. A term
        whose numbers do not all fit 16 bits (a count over 65,535, a wide gap, positions out
        of order) goes through `term`."""
        if not items:
            return
        count = len(items)
        n = np.fromiter((len(item[1]) for item in items), dtype=np.int64, count=count)
        firsts = np.cumsum(n) - n
        docs = np.frombuffer(b"".join(item[1] for item in items), dtype=np.uint32)
        counts = np.frombuffer(b"".join(item[2] for item in items), dtype=np.uint32)
        fast = np.maximum.reduceat(counts, firsts) <= 0xFFFF
        positional = np.fromiter((item[3] is not None for item in items), dtype=bool, count=count)
        held = np.where(positional, np.add.reduceat(counts.astype(np.int64), firsts), 0)   # positions per term
        gaps = np.zeros(0, dtype=np.int64)
        if positional.any():
            positions = np.frombuffer(b"".join(item[3] for item in items if item[3] is not None),
                                      dtype=np.uint32).astype(np.int64)
            per_page = counts[np.repeat(positional, n)].astype(np.int64)
            gaps = _page_gaps(positions, (np.cumsum(per_page) - per_page)[per_page > 0])
            term_of_gap = np.repeat(np.arange(count), held)
            fast[term_of_gap[(gaps < 0) | (gaps > 0xFFFF)]] = False
        gap_firsts = np.cumsum(held) - held
        i = 0
        while i < count:   # runs of fast terms together, the others one by one
            if not fast[i]:
                self.term(*items[i])
                i += 1
                continue
            j = i + 1
            while j < count and fast[j]:
                j += 1
            self._blocks(items[i:j], n[i:j], held[i:j], positional[i:j],
                         docs[firsts[i]:firsts[i] + n[i:j].sum()], counts[firsts[i]:firsts[i] + n[i:j].sum()],
                         gaps[gap_firsts[i]:gap_firsts[i] + held[i:j].sum()])
            i = j

    def _blocks(self, items: list[tuple], n: np.ndarray, held: np.ndarray, positional: np.ndarray,
                docs: np.ndarray, counts: np.ndarray, gaps: np.ndarray) -> None:
        """The blocks of terms whose counts and gaps fit 16 bits, as `term` writes them: a
        term's docnums, counts and gaps, one term after another, placed in one array of
        16-bit numbers (a 32-bit docnum as two)."""
        for item in items:
            self._follow(item[0])
        wide = 1 if self.doc_code == "H" else 2   # 16-bit numbers per docnum
        sizes = n * wide + n + held
        starts = np.cumsum(sizes) - sizes
        out = np.empty(int(sizes.sum()), dtype="<u2")
        doc_units = docs.astype("<u2" if wide == 1 else "<u4").view("<u2")
        for values, lengths, at in ((doc_units, n * wide, starts), (counts.astype("<u2"), n, starts + n * wide),
                                    (gaps.astype("<u2"), held, starts + n * wide + n)):
            if len(values):
                out[np.arange(len(values)) + np.repeat(at - (np.cumsum(lengths) - lengths), lengths)] = values
        keys = [item[0] for item in items]
        self.key_ends.extend((np.cumsum([len(key) for key in keys]) + len(self.keys)).tolist())
        self.keys += b"".join(keys)
        self.offsets.extend((self.at + 2 * starts).tolist())
        self.counts.extend(n.tolist())
        self.kinds.extend(np.where(positional, _POSITIONS, 0).tolist())
        self.buf += out.tobytes()
        self.at += 2 * len(out)
        if len(self.buf) >= _BUFFER:
            self.out.write(self.buf)
            self.buf.clear()

    def finish(self) -> None:
        """The key table and the trailer, after the last term."""
        self.out.write(self.buf)
        self.buf.clear()
        table = self.at
        for part in (bytes(self.keys), _bytes(self.key_ends), _bytes(self.offsets), _bytes(self.counts),
                     self.kinds.tobytes()):
            self.out.write(part)
        self.out.write(_TRAILER.pack(len(self.counts), len(self.keys), 2 if self.doc_code == "H" else 4, table))
        self.out.write(MAGIC)


_SMALL = 16   # a term in at most this many pages is written with arrays, a longer one with numpy
_BUFFER = 1 << 20   # bytes of blocks gathered before a write
_BATCH_TERMS = 4096   # terms written together (`_FileWriter.terms`)
# or fewer, when their pages, counts and positions reach this many: about 40 bytes of
# temporary arrays each (a build's memory stays flat)
_BATCH_NUMBERS = 1 << 18


def _gaps(positions: array, counts: array) -> array | None:
    """Each page's positions as gaps (the first from 0), 16-bit; None when one does not
    fit (a wide gap, or positions out of order: `_gaps_array` then)."""
    gaps = array("H")
    at = 0
    try:
        for count in counts:
            last = 0
            for p in positions[at:at + count]:
                gaps.append(p - last)
                last = p
            at += count
    except OverflowError:
        return None
    return gaps


def _gaps_array(positions: array, counts: array) -> np.ndarray:
    """`_gaps` with numpy, 32-bit when one gap needs it; a page's positions sorted first
    when they are out of order (no analysis gives them so, and a page's positions say
    where a term is, in no order of their own). Worked out in 32-bit numbers: a common
    word's positions are millions at 50,000 pages."""
    p = np.frombuffer(positions, dtype=np.int32)   # positions are far below 2**31
    c = np.frombuffer(counts, dtype=np.uint32)
    starts = np.cumsum(c, dtype=np.int64) - c
    gaps = _page_gaps(p, starts)
    if len(gaps) and gaps.min() < 0:
        page = np.repeat(np.arange(len(c)), c)
        gaps = _page_gaps(p[np.lexsort((p, page))], starts)
    return gaps.astype(np.uint16 if not len(gaps) or gaps.max() <= 0xFFFF else np.uint32)


def _page_gaps(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Positions, one page's after another's, as gaps: each page's first from 0 (`starts`:
    where each page's positions start), in the positions' own type."""
    gaps = np.diff(positions, prepend=positions.dtype.type(0))
    gaps[starts] = positions[starts]
    return gaps


# a field's postings as the posting file keeps them: with positions, with counts, or a
# page's having the term only (its count 1)
POSITIONS, COUNTS, PRESENCE = "positions", "counts", "presence"


class Pool:
    """The scored fields' postings of the segment being written, as pages are added (`add`)
    or segments merged in (`add_file`): in memory up to `limit_mb`, then in sorted runs in
    anonymous temporary files, so that a build's memory stays flat whatever the site's
    size. `write` writes them as the segment's posting file.

    A term's postings are added as arrays (pages, counts, positions), a few appends per
    page and term: whoosh's writer pickled each posting, sorted them all and pickled them
    again into its blocks (about half of a build's CPU)."""

    _ENTRY_BYTES = 400   # what a term new to the pool costs besides its numbers (dict, arrays)

    def __init__(self, kinds: dict[str, str], limit_mb: float) -> None:
        self.kinds = kinds
        self._terms: dict[str, dict[str, tuple]] = {name: {} for name in kinds}
        self._limit = int(limit_mb * (1 << 20))
        self._size = 0
        self._runs: list = []

    def add(self, docnum: int, field: str, found: dict[str, list[int]] | set[str]) -> int:
        """A page's terms in the field with their positions (`analysis.term_positions`; a
        presence field's: the terms only); the field's length as whoosh counts it
        (positions; terms for a presence field)."""
        terms, kind = self._terms[field], self.kinds[field]
        new = length = 0
        if kind == PRESENCE:
            for term in found:
                entry = terms.get(term)
                if entry is None:
                    entry = terms[term] = _entry(kind)
                    new += 1
                entry[0].append(docnum)
                entry[1].append(1)
            length = len(found)
        else:
            keep = kind == POSITIONS
            for term, at in found.items():
                entry = terms.get(term)
                if entry is None:
                    entry = terms[term] = _entry(kind)
                    new += 1
                entry[0].append(docnum)
                entry[1].append(len(at))
                if keep:
                    entry[2].extend(at)
                length += len(at)
        self._size += new * self._ENTRY_BYTES + 8 * len(found) + (4 * length if kind == POSITIONS else 0)
        if self._size > self._limit:
            self._spill()
        return length

    def add_file(self, posting_file: PostingFile, docmap: np.ndarray) -> None:
        """Every term of a segment's posting file, its pages renumbered by `docmap` (old
        docnum -> new; -1: a deleted page, left out)."""
        for key, docs, counts, positions in posting_file.entries():
            name, _, text = key.partition(b"\0")
            field = name.decode("utf-8")
            kind = self.kinds.get(field)
            if kind is None:
                continue
            new_docs = docmap[docs]
            keep = new_docs >= 0
            if not keep.any():
                continue
            entry = self._terms[field].get(term := text.decode("utf-8"))
            if entry is None:
                entry = self._terms[field][term] = _entry(kind)
                self._size += self._ENTRY_BYTES
            entry[0].frombytes(new_docs[keep].astype(np.uint32).tobytes())
            entry[1].frombytes(counts[keep].astype(np.uint32).tobytes())
            if kind == POSITIONS:
                entry[2].frombytes(positions[np.repeat(keep, counts)].astype(np.uint32).tobytes())
            self._size += 8 * int(keep.sum()) + (4 * int(counts[keep].sum()) if kind == POSITIONS else 0)
            if self._size > self._limit:
                self._spill()

    def _sorted(self) -> list[tuple]:
        """The terms held, as (key, pages, counts, positions or None), in key order."""
        out = []
        for field, terms in self._terms.items():
            prefix = field.encode("utf-8") + b"\0"
            for term, entry in terms.items():
                out.append((prefix + term.encode("utf-8"), entry[0], entry[1], entry[2] if len(entry) == 3 else None))
        out.sort(key=_first)
        return out

    def _spill(self) -> None:
        run = tempfile.TemporaryFile(prefix="casesearch-postings-")
        batch: list[tuple] = []
        for key, docs, counts, positions in self._sorted():
            batch.append((key, docs.tobytes(), counts.tobytes(), None if positions is None else positions.tobytes()))
            if len(batch) >= _RUN_BATCH:
                pickle.dump(batch, run, pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        self._runs.append(run)
        self._terms = {name: {} for name in self.kinds}
        self._size = 0

    def write(self, out, doc_count: int) -> None:  # noqa: ANN001 - the segment's file
        """The posting file of the postings added, the runs merged into it a term at a time."""
        writer = _FileWriter(out, doc_count)
        batch: list[tuple] = []   # terms written together, up to a bound on their numbers
        numbers = 0
        for item in self._merged():
            size = 2 * len(item[1]) + (0 if item[3] is None else len(item[3]))
            if size > _BATCH_NUMBERS:   # a common word: alone, with fewer temporary arrays
                writer.terms(batch)
                batch, numbers = [], 0
                writer.term(*item)
                continue
            batch.append(item)
            numbers += size
            if len(batch) >= _BATCH_TERMS or numbers >= _BATCH_NUMBERS:
                writer.terms(batch)
                batch, numbers = [], 0
        writer.terms(batch)
        writer.finish()
        self.close()

    def _merged(self) -> Iterator[tuple[bytes, array, array, array | None]]:
        """Every term's (key, pages, counts, positions or None), in key order: the runs
        merged, a term held by several runs with their pages one after another."""
        held = self._sorted()
        self._terms = {name: {} for name in self.kinds}
        if not self._runs:
            yield from held
            return
        sources = [_read_run(run) for run in self._runs] + [iter(held)]
        for key, group in groupby(heapq.merge(*sources, key=_first), key=_first):
            parts = list(group)
            if len(parts) == 1:
                _, docs, counts, positions = parts[0]
                yield key, _uint32(docs), _uint32(counts), None if positions is None else _uint32(positions)
            else:
                yield (key, _uint32(b"".join(p[1] for p in parts)), _uint32(b"".join(p[2] for p in parts)),
                       None if parts[0][3] is None else _uint32(b"".join(p[3] for p in parts)))

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []


def _entry(kind: str) -> tuple[array, ...]:
    """A term's postings in the pool: its pages and their counts, and their positions
    for a field that keeps them."""
    return (array("I"), array("I"), array("I")) if kind == POSITIONS else (array("I"), array("I"))


_RUN_BATCH = 2048   # terms to a pickle in a run


def _first(item: tuple) -> bytes:
    return item[0]


def _uint32(data: bytes | array) -> array:
    if isinstance(data, array):
        return data
    values = array("I")
    values.frombytes(data)
    return values


def _read_run(run) -> Iterator[tuple]:  # noqa: ANN001 - an open temporary file
    while True:
        try:
            batch = pickle.load(run)
        except EOFError:
            return
        yield from batch


class _Keys:
    """The file's keys as a sequence bisect can search, without a Python object per key."""

    def __init__(self, blob: bytes, ends: memoryview) -> None:
        self.blob, self.ends = blob, ends

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        return self.blob[self.ends[i - 1] if i else 0:self.ends[i]]

    def bisect(self, key: bytes) -> int:
        """bisect_left(self, key): where the key is or would go. In one call to the compiled
        module where it is built (a Python __getitem__ at each of some 20 steps otherwise);
        ValueError where the table's ends are damaged."""
        if compiled is not None and isinstance(self.ends, memoryview):
            return compiled.bisect(self.blob, self.ends, key)
        return bisect_left(self, key)


def _table(data: bytes, code: str, count: int, at: int) -> memoryview | list[int]:
    """`count` little-endian numbers of `data` from `at`, indexed as Python ints (a view
    of the bytes, no object per number: the key table of a 50,000-page segment holds
    hundreds of thousands)."""
    part = memoryview(data)[at:at + count * struct.calcsize(code)]
    if _LITTLE:
        return part.cast(code)
    values = array(code, part)
    values.byteswap()
    return values.tolist()


class PostingFile:
    """One segment's posting file, its key table read when opened, its lists when asked:
    read through whoosh's storage of the segment (a part of its compound file, read with
    pread: a file damaged under a running worker is a read error to fall back from)."""

    def __init__(self, name: str, file, size: int) -> None:  # noqa: ANN001 - whoosh's StructFile
        self.name, self._file = name, file
        tail = len(MAGIC) + _TRAILER.size
        if size < len(MAGIC) + tail:
            raise IndexDamaged(f"'{name}' is cut short; run 'casesearch check'")
        if self._read(len(MAGIC), 0) != MAGIC:
            raise IndexDamaged(f"'{name}' is not a casesearch posting file of this version; "
                               "run 'casesearch reindex --full'")
        end = self._read(tail, size - tail)
        if end[_TRAILER.size:] != MAGIC:
            raise IndexDamaged(f"'{name}' is cut short or changed (no end mark); run 'casesearch check'")
        keys, key_bytes, doc_size, table = _TRAILER.unpack(end[:_TRAILER.size])
        if doc_size not in (2, 4) or table + key_bytes + keys * 21 != size - tail:
            raise IndexDamaged(f"'{name}' is not the size its table says; run 'casesearch check'")
        data = self._read(key_bytes + keys * 21, table)
        at = key_bytes
        self._keys = _Keys(data[:at], _table(data, "Q", keys, at))
        self._offsets = _table(data, "Q", keys, at + 8 * keys)
        self._counts = _table(data, "I", keys, at + 16 * keys)
        self._kinds = _table(data, "B", keys, at + 20 * keys)
        self._doc_type = np.dtype("<u2") if doc_size == 2 else np.dtype("<u4")
        self._known: dict[tuple[str, bytes], int | None] = {}   # _index's answers

    @classmethod
    def open(cls, storage, segment_id: str) -> PostingFile:  # noqa: ANN001 - a segment's whoosh storage
        """The segment's file (a segment without one is damage: each has one)."""
        name = file_name(segment_id)
        if not storage.file_exists(name):
            raise IndexDamaged(f"segment '{segment_id}' has no posting file '{name}'; run 'casesearch reindex --full'")
        return cls(name, storage.open_file(name), storage.file_length(name))

    def _read(self, length: int, at: int) -> bytes:
        data = self._file.get(at, length) if length else b""
        if len(data) != length:
            raise IndexDamaged(f"'{self.name}' is cut short; run 'casesearch check'")
        return data

    def _index(self, field: str, term: bytes) -> int | None:
        """Where the term's key is in the table (None: not in the file); kept, as a query asks
        for a term's list, frequency and positions in turn (each a bisection of the keys)."""
        known = self._known
        i = known.get((field, term), _UNSEEN)
        if i is _UNSEEN:
            if len(known) >= _KNOWN_KEYS:
                known.clear()
            key = field.encode("utf-8") + b"\0" + term
            keys = self._keys
            i = self._bisect(key)
            i = known[(field, term)] = i if i < len(keys) and keys[i] == key else None
        return i

    def _bisect(self, key: bytes) -> int:
        """Where `key` is or would go in the key table."""
        try:
            return self._keys.bisect(key)
        except ValueError as exc:
            raise IndexDamaged(f"'{self.name}': its key table does not read ({exc}); run 'casesearch check'") from None

    def _block(self, i: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(docnums, weights as stored, where the term's positions start) of key `i`."""
        count, kind = self._counts[i], self._kinds[i]
        weight_type = np.dtype("<f8") if kind & _FLOAT_WEIGHTS else np.dtype("<u2")
        size = count * (self._doc_type.itemsize + weight_type.itemsize)
        at = self._offsets[i]
        data = self._read(size, at)
        docs = np.frombuffer(data, dtype=self._doc_type, count=count)
        weights = np.frombuffer(data, dtype=weight_type, count=count, offset=count * self._doc_type.itemsize)
        return docs, weights, at + size

    def find(self, field: str, term: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums in the segment, weights) of the term's postings in the field, or None."""
        i = self._index(field, term)
        if i is None:
            return None
        docs, weights, _ = self._block(i)
        return docs.astype(np.int64), weights.astype(np.float64)

    def count(self, field: str, term: bytes) -> int:
        """Pages of the segment holding the term in the field (deleted ones included, as
        whoosh's doc_frequency counts them)."""
        i = self._index(field, term)
        return 0 if i is None else self._counts[i]

    def terms(self, field: str, prefix: bytes = b"") -> Iterator[bytes]:
        """The field's terms starting with `prefix`, in order."""
        start = field.encode("utf-8") + b"\0"
        head = start + prefix
        keys = self._keys
        for i in range(self._bisect(head), len(keys)):
            key = keys[i]
            if not key.startswith(head):
                return
            yield key[len(start):]

    def entries(self) -> Iterator[tuple[bytes, np.ndarray, np.ndarray, np.ndarray | None]]:
        """Every term's (key, docnums, counts, positions or None), in key order, as int64
        arrays: a page's positions are `count` of them, ascending (for merging segments)."""
        for i in range(len(self._keys)):
            docs, weights, start = self._block(i)
            counts = weights.astype(np.int64)
            positions = None
            kind = self._kinds[i]
            if kind & _POSITIONS:
                gap_type = np.dtype("<u4") if kind & _WIDE_GAPS else np.dtype("<u2")
                total = int(counts.sum())
                positions = _positions(np.frombuffer(self._read(total * gap_type.itemsize, start), dtype=gap_type),
                                       counts)
            yield self._keys[i], docs.astype(np.int64), counts, positions

    def keeps_positions(self, field: str, term: bytes) -> bool | None:
        """Whether the file keeps the term's positions in the field; None: the segment has no such term."""
        i = self._index(field, term)
        return None if i is None else bool(self._kinds[i] & _POSITIONS)

    def positions(self, field: str, term: bytes, docs: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """The term's positions in the field in each of `docs` (the segment's docnums,
        in any order) that holds it (`keeps_positions` must have said the file keeps them)."""
        asked = np.unique(np.fromiter(docs, dtype=np.int64))
        held, keys = self.position_keys(field, term, asked)
        if not len(held):
            return {}
        cuts = np.flatnonzero(np.diff(keys >> 32)) + 1
        return {d: tuple(part.tolist()) for d, part in zip(held.tolist(), np.split(keys & _LOW, cuts))}

    def position_keys(self, field: str, term: bytes, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the pages of `docs` holding the term, docnum << 32 | position of each of its
        positions in them) in ascending order; `docs` are the segment's docnums, ascending,
        each once.
        Decoded with whole-array operations: a phrase test looks at up to a thousand pages."""
        i = self._index(field, term)
        if i is None or not len(docs):
            return _NO_INTS, _NO_INTS
        kind = self._kinds[i]
        if not kind & _POSITIONS:
            raise ValueError(f"{self.name} keeps no positions of {term!r} in {field}")
        held, weights, start = self._block(i)
        if not len(held):
            return _NO_INTS, _NO_INTS
        size = 4 if kind & _WIDE_GAPS else 2
        at = np.minimum(np.searchsorted(held, docs), len(held) - 1)
        hit = held[at] == docs
        if not hit.any():
            return _NO_INTS, _NO_INTS
        at = at[hit]
        counts = weights.astype(np.int64)   # a page's positions: as many as its weight
        ends = np.cumsum(counts)[at]
        lengths = counts[at]
        firsts = ends - lengths
        # one read from the first page's positions to the last's when they lie close
        # together (pages asked for come in ascending order, as the list holds them)
        span_lo, span_hi = int(firsts[0]), int(ends[-1])
        if (span_hi - span_lo) * size <= _SPAN_BYTES:
            span = np.frombuffer(self._read((span_hi - span_lo) * size, start + span_lo * size), dtype=f"<u{size}")
            page_starts = np.cumsum(lengths) - lengths
            gaps = span[np.repeat(firsts - span_lo - page_starts, lengths) + np.arange(int(lengths.sum()))]
        else:
            data = b"".join(self._read((end - first) * size, start + first * size)
                            for first, end in zip(firsts.tolist(), ends.tolist()))
            gaps = np.frombuffer(data, dtype=f"<u{size}")
        pages = docs[hit]
        return pages, (np.repeat(pages, lengths) << 32) | _positions(gaps, lengths)


def _positions(gaps: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Pages' positions (int64) from their gaps, stored one page after another (`counts`
    each), each page's first gap from 0."""
    positions = np.cumsum(gaps, dtype=np.int64)
    if len(counts) > 1:   # each page's from 0: less the sum of the pages before
        ends = np.cumsum(counts)
        positions -= np.repeat(np.concatenate(([0], positions[ends[:-1] - 1])), counts)
    return positions


class Terms:
    """The scored fields' terms of a whoosh reader's segments, from their posting files:
    what whoosh's reader answers of its own terms (`lexicon`, `expand_prefix`,
    `doc_frequency`), for the fields whoosh no longer holds postings of."""

    def __init__(self, reader) -> None:  # noqa: ANN001 - a whoosh reader
        self.reader = reader
        # (first docnum, the segment's reader, its posting file) of each segment
        self.segments: list[tuple[int, SegmentReader, PostingFile]] = []
        for leaf, base in reader.leaf_readers():
            if isinstance(leaf, SegmentReader):
                self.segments.append((base, leaf, PostingFile.open(leaf._storage, leaf._segid)))

    def lexicon(self, field: str) -> Iterator[bytes]:
        return self.expand_prefix(field, "")

    def expand_prefix(self, field: str, prefix: str) -> Iterator[bytes]:
        """The field's terms starting with `prefix`, in order, each once."""
        head = prefix.encode("utf-8")
        merged = heapq.merge(*(f.terms(field, head) for _, _, f in self.segments))
        last = None
        for term in merged:
            if term != last:
                yield term
                last = term

    def doc_frequency(self, field: str, term: str) -> int:
        text = term.encode("utf-8")
        return sum(f.count(field, text) for _, _, f in self.segments)

    def postings(self, field: str, term: str) -> list[tuple[int, int, tuple[int, ...]]]:
        """(docnum, count, positions or ()) of each page holding the term in the field,
        deleted pages left out, by docnum."""
        text = term.encode("utf-8")
        found = []
        for base, leaf, posting_file in self.segments:
            held = posting_file.find(field, text)
            if held is None:
                continue
            deleted = leaf.deleted_docs_set
            kept = [(d, int(w)) for d, w in zip(held[0].tolist(), held[1].tolist()) if d not in deleted]
            places = posting_file.positions(field, text, [d for d, _ in kept]) \
                if posting_file.keeps_positions(field, text) else {}
            found += [(base + d, count, places.get(d, ())) for d, count in kept]
        return found
