"""A generation's files are read with os.pread (generations._PreadFile): whoosh's reads
through them give the bytes its own buffered files give, for the whole file and for the
parts of a compound segment, wherever a read starts and however long it is."""

from __future__ import annotations

import io
import os
import random

from whoosh.filedb.compound import SubFile
from whoosh.filedb.structfile import StructFile

from casesearch.generations import _PreadFile, _Struct


def _pair(path, offset=None, length=None):
    """(ours, whoosh's), each a whole file or a part of it, and the files to close."""
    mine = whole = _Struct(_PreadFile(str(path)), name="f")
    theirs = base = StructFile(io.open(path, "rb"), name="f")
    if offset is not None:
        mine = mine.subset(offset, length)
        theirs = StructFile(SubFile(base.file, offset, length), name="f")
    return mine, theirs, (whole, base)


def test_reads_give_whooshs_bytes(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(5000)).replace(b"\x00", b"\n")
    path = tmp_path / "segment"
    path.write_bytes(data)
    for offset, length in ((None, None), (100, 3000), (4900, 100), (0, 0)):
        mine, theirs, files = _pair(path, offset, length)
        size = len(data) if offset is None else length
        for _ in range(300):
            at, n = rng.randrange(size + 10), rng.randrange(300)
            assert mine.get(at, n) == theirs.get(at, n), (offset, at, n)
            assert mine.tell() == theirs.tell()
            op = rng.choice(("read", "readline", "seek", "read_int"))
            if op == "seek":
                mine.seek(at), theirs.seek(at)
            elif op == "read":
                assert mine.read(n) == theirs.read(n)
            elif op == "readline":
                assert mine.file.readline() == theirs.file.readline()
            elif mine.tell() + 4 <= size:
                assert mine.read_int() == theirs.read_int()
            assert mine.tell() == theirs.tell()
        for f in files:
            f.close()


def test_the_file_is_closed_with_its_reader(tmp_path):
    path = tmp_path / "segment"
    path.write_bytes(b"abc")
    raw = _PreadFile(str(path))
    fd = raw.fileno()
    raw.close()
    raw.close()   # twice: no error
    try:
        os.fstat(fd)
    except OSError:
        return
    raise AssertionError("the descriptor is still open")
