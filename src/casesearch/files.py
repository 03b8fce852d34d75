"""A page file's bytes: read without blocking or leaving the site, size-checked, decoded.

Only UTF-8 is read (never a guess); binary files saved as pages are named for what they
are; CR and CRLF line ends become LF so that line numbers in errors are right.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .config import Settings
from .errors import ContentError
from .site import PageFile

__all__ = ["check_size", "decode", "file_kind", "read_bytes", "within"]


def file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def read_bytes(page: PageFile, settings: Settings) -> bytes:
    """The file's bytes, checked with lstat/stat first: opening a FIFO would block forever."""
    try:
        st = os.lstat(page.path)
        if stat.S_ISLNK(st.st_mode):
            root = Path(os.path.abspath(settings.content_dir)).resolve()
            target = page.path.resolve()
            if not within(target, root):
                raise ContentError(page.source, f"symlink leads outside the content folder (to '{target}'): "
                                                "copy the file into the content folder instead")
            st = os.stat(page.path)
        if not stat.S_ISREG(st.st_mode):
            raise ContentError(page.source, f"not a regular file ({file_kind(st.st_mode)}): remove it")
        check_size(page.source, st.st_size, settings)
        # sized by the stat, with the os module's calls (no file object): a reindex that
        # changes nothing reads every page, and read(max_page_bytes + 1) allocated 2 MB for
        # each (55 us a file against 13 us)
        fd = os.open(page.path, os.O_RDONLY)
        try:
            data, limit = b"", settings.max_page_bytes + 1
            while len(data) < limit:   # to the end: a file grown since its stat, on to the limit (refused)
                more = os.read(fd, (st.st_size + 1 if len(data) <= st.st_size else limit) - len(data))
                if not more:
                    break
                data += more
            return data
        finally:
            os.close(fd)
    except OSError as exc:
        raise ContentError(page.source, f"cannot read the file ({exc.strerror}): check that it exists "
                                        "and is readable") from None


def check_size(source: str, size: int, settings: Settings) -> None:
    if size > settings.max_page_bytes:
        raise ContentError(source, f"file is too large ({size} bytes, more than max_page_bytes = "
                                   f"{settings.max_page_bytes}): split the page or raise max_page_bytes")


_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or office document)"))


def decode(source: str, data: bytes) -> str:
    """UTF-8 text with newlines normalised; never guesses another encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContentError(source, "the file is UTF-16: re-save it as UTF-8", 1)
    kind = next((k for magic, k in _MAGIC if data.startswith(magic)), None)
    nul = data.find(b"\x00")
    if kind or nul >= 0:
        what = f"looks like {kind}" if kind else f"NUL byte at offset {nul}"
        raise ContentError(source, f"binary content ({what}): this is not a text page; "
                                   "give it its real extension or remove it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + data[:exc.start].count(b"\r") - data[:exc.start].count(b"\r\n") + 1
        raise ContentError(source, f"not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start}): "
                                   "re-save the file as UTF-8", line) from None
    # CR-only files exist in the corpus: one newline convention keeps line numbers right
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
