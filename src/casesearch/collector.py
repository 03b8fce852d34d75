"""Python's cycle collector paused while a burst of objects is made: a page read, a
generation opened. Such bursts make hundreds of thousands of lists, tuples and strings, none
in a cycle, and the collections they set off scanned them again and again, with all else
the process holds: up to a quarter of reading a page of short headings, half of reading a
2 MB front matter, 40% of opening a generation of 50,000 pages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off inside, then on again if it was on (nested pauses, or one in
    another thread, leave it to the outermost)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
