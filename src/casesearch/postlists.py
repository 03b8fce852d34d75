"""A segment's posting lists in a compact file of our own, beside whoosh's in its
compound segment file: what scoring and phrase tests read of every term a query looks up.

whoosh keeps a posting list as pickled, zlib-compressed blocks: decoding them was most
of a query's time at 50,000 pages (pickle and zlib for every block of every term, 3 to
6 ms for a common word), and a page's positions are found by skipping through them.
Here a term's list is one block of arrays read with one pread and used as they are by
numpy, and a page's positions one more pread.

The file, little-endian, written as whoosh flushes a segment (merged segments included),
a term at a time, so that a build's memory does not grow with the site:

    magic (8 bytes)
    a block per term: docnums | weights | position gaps (fields with positions)
    keys (each `field NUL term`, in whoosh's order) | key ends (uint64 per key)
    block offsets (uint64 per key) | postings (uint32 per key) | kinds (uint8 per key)
    trailer: keys, key bytes, docnum size, table offset (4 uint64) | magic

Docnums are the segment's own: uint16 when the segment has at most 65,536 pages, uint32
otherwise. A term's kind says how its block is stored: weights uint16 (term
frequencies) or float64 (`_FLOAT_WEIGHTS`), positions kept or not (`_POSITIONS`: a page's
count of positions is its weight), their gaps uint16 or uint32 (`_WIDE_GAPS`). The file
is named as whoosh names a segment's parts (`MAIN_<id>.postings`): whoosh takes it into
the compound file and removes it with the segment. A segment without one (written
before this file existed), or a term without positions kept, is read through whoosh.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pickle import loads

import numpy as np

from .errors import IndexDamaged

EXTENSION = ".postings"   # as whoosh names its parts: the segment id, then this
MAGIC = b"CSPOST2\n"
_TRAILER = struct.Struct("<4Q")
_FLOAT_WEIGHTS, _POSITIONS, _WIDE_GAPS = 1, 2, 4
_LITTLE = sys.byteorder == "little"
_INT_SIZE = 4   # whoosh's count of positions before their pickled gaps
_SPAN_BYTES = 1 << 20   # positions of the pages asked read in one piece up to this size


def file_name(segment_id: str) -> str:
    return segment_id + EXTENSION


def _bytes(values: array) -> bytes:
    if not _LITTLE:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _extended(gaps: array, found: list[int]) -> array | None:
    """`gaps` with a page's position gaps added: widened to 32 bits by a gap over 65,535;
    None when one does not fit either (positions out of order), the term's positions then
    left to whoosh."""
    held = len(gaps)
    try:
        gaps.extend(found)
        return gaps
    except OverflowError:   # extend may have added some before the one that does not fit
        if gaps.typecode == "I":
            return None
        gaps = array("I", gaps[:held])
        return _extended(gaps, found)


class Recorder:
    """Writes the postings of some fields to `out` as whoosh's writer streams them, sorted
    by (field, term, docnum): `tee` passes them on; `finish` writes the key table."""

    def __init__(self, out, fields: Iterable[str], positional: Iterable[str], doc_count: int) -> None:  # noqa: ANN001
        self.out = out
        self.fields, self.positional = frozenset(fields), frozenset(positional)
        self.doc_code = "H" if doc_count <= 1 << 16 else "I"
        self.at = len(MAGIC)
        out.write(MAGIC)
        self.keys = bytearray()
        self.key_ends, self.offsets = array("Q"), array("Q")
        self.counts, self.kinds = array("I"), array("B")
        self.last_key = b""

    def tee(self, postings: Iterable[tuple]) -> Iterator[tuple]:
        """`postings` passed on unchanged, those of the recorded fields written a term at a time."""
        fields, positional = self.fields, self.positional
        name = term = None
        docs = weights = gaps = None
        for item in postings:
            field, text, docnum, weight, value = item
            if field in fields:
                if text != term or field != name:
                    if name is not None:
                        self._term(name, term, docs, weights, gaps)
                    name, term = field, text
                    docs, weights = array(self.doc_code), array("d")
                    gaps = array("H") if field in positional else None
                docs.append(docnum)
                weights.append(weight)
                if gaps is not None:
                    found = loads(value[_INT_SIZE:])
                    if len(found) != weight:   # a boosted field: its weights are not counts of positions
                        gaps = None
                    else:
                        gaps = _extended(gaps, found)
            elif name is not None:
                self._term(name, term, docs, weights, gaps)
                name = term = None
            yield item
        if name is not None:
            self._term(name, term, docs, weights, gaps)

    def _term(self, name: str, term: bytes, docs: array, weights: array, gaps: array | None) -> None:
        key = name.encode("utf-8") + b"\0" + term
        if key <= self.last_key:   # whoosh's pool sorts them: a check, not a sort
            raise ValueError(f"postings out of order at {key!r}: cannot write the posting file")
        self.last_key = key
        kind = 0
        if len(weights) < 32:
            whole = all(0.0 <= w <= 65535.0 and w.is_integer() for w in weights)
        else:
            w = np.frombuffer(weights, dtype=np.float64)
            whole = bool(np.all((w >= 0) & (w <= 65535) & (w == np.floor(w))))
        if not whole:
            kind |= _FLOAT_WEIGHTS
        if gaps is not None:
            kind |= _POSITIONS | (_WIDE_GAPS if gaps.typecode == "I" else 0)
        # the parts written as they are: a common word's positions are megabytes, not copied
        size = 0
        for part in (docs, array("H", map(int, weights)) if whole else weights, gaps):
            if part is not None:
                self.out.write(part if _LITTLE else _bytes(part))
                size += len(part) * part.itemsize
        self.keys += key
        self.key_ends.append(len(self.keys))
        self.offsets.append(self.at)
        self.counts.append(len(docs))
        self.kinds.append(kind)
        self.at += size

    def finish(self) -> None:
        """The key table and the trailer, after the last term."""
        table = self.at
        for part in (bytes(self.keys), _bytes(self.key_ends), _bytes(self.offsets), _bytes(self.counts),
                     self.kinds.tobytes()):
            self.out.write(part)
        self.out.write(_TRAILER.pack(len(self.counts), len(self.keys), 2 if self.doc_code == "H" else 4, table))
        self.out.write(MAGIC)


class _Keys:
    """The file's keys as a sequence bisect can search, without a Python object per key."""

    def __init__(self, blob: bytes, ends: memoryview) -> None:
        self.blob, self.ends = blob, ends

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        return self.blob[self.ends[i - 1] if i else 0:self.ends[i]]


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

    @classmethod
    def open(cls, storage, segment_id: str) -> PostingFile | None:  # noqa: ANN001 - a segment's whoosh storage
        """The segment's file, or None when it has none (written before posting files)."""
        name = file_name(segment_id)
        if not storage.file_exists(name):
            return None
        return cls(name, storage.open_file(name), storage.file_length(name))

    def _read(self, length: int, at: int) -> bytes:
        data = self._file.get(at, length) if length else b""
        if len(data) != length:
            raise IndexDamaged(f"'{self.name}' is cut short; run 'casesearch check'")
        return data

    def _index(self, field: str, term: bytes) -> int | None:
        key = field.encode("utf-8") + b"\0" + term
        keys = self._keys
        i = bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else None

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

    def keeps_positions(self, field: str, term: bytes) -> bool | None:
        """Whether the file keeps the term's positions in the field; None: the segment has no such term."""
        i = self._index(field, term)
        return None if i is None else bool(self._kinds[i] & _POSITIONS)

    def positions(self, field: str, term: bytes, docs: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """The term's positions in the field in each of `docs` (the segment's docnums) that
        holds it (`keeps_positions` must have said the file keeps them)."""
        i = self._index(field, term)
        if i is None:
            return {}
        kind = self._kinds[i]
        if not kind & _POSITIONS:
            raise ValueError(f"{self.name} keeps no positions of {term!r} in {field}")
        held, weights, start = self._block(i)
        wide = bool(kind & _WIDE_GAPS)
        size = 4 if wide else 2
        wanted = np.fromiter(docs, dtype=np.int64)
        at = np.minimum(np.searchsorted(held, wanted), max(0, len(held) - 1))
        hit = held[at] == wanted if len(held) else np.zeros(len(wanted), dtype=bool)
        if not hit.any():
            return {}
        counts = weights.astype(np.int64)   # a page's positions: as many as its weight
        ends = np.cumsum(counts)[at[hit]]
        firsts = ends - counts[at[hit]]
        found = {}
        # one read from the first page's positions to the last's when they lie close
        # together (pages asked for come in ascending order, as the list holds them)
        span_lo, span_hi = int(firsts[0]), int(ends[-1])
        span = self._read((span_hi - span_lo) * size, start + span_lo * size) \
            if (span_hi - span_lo) * size <= _SPAN_BYTES else None
        for doc, first, end in zip(wanted[hit].tolist(), firsts.tolist(), ends.tolist()):
            if span is not None:
                data = span[(first - span_lo) * size:(end - span_lo) * size]
            else:
                data = self._read((end - first) * size, start + first * size)
            gaps = array("I" if wide else "H")
            gaps.frombytes(data)
            if not _LITTLE:
                gaps.byteswap()
            found[doc] = tuple(accumulate(gaps))
        return found
