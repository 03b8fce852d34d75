"""`casesearch reindex` that SIGKILLs itself at a chosen instant (tests/test_kill.py).

    python tests/crash_reindex.py POINT N [reindex options...]

POINT names a call the build makes; the process kills itself (SIGKILL: no cleanup, no
finally) at the N-th such call, before it runs or, for names ending in "+", after it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys

from casesearch import generations, indexer, manifest, segments
from casesearch.cli import main


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(owner, name: str, nth: int, after: bool, when=lambda *a, **k: True) -> None:  # noqa: ANN001
    real = getattr(owner, name)
    calls = [0]

    def wrapper(*args, **kwargs):
        if when(*args, **kwargs):
            calls[0] += 1
            if calls[0] == nth and not after:
                _die()
            result = real(*args, **kwargs)
            if calls[0] == nth and after:
                _die()
            return result
        return real(*args, **kwargs)

    setattr(owner, name, wrapper)


def _is_current(src, dst, *args, **kwargs) -> bool:  # noqa: ANN001
    return os.path.basename(str(dst)) == generations.CURRENT


POINTS = {
    "scan": (indexer._Plan, "add", {}),                    # reading pages
    "add": (segments.Writer, "add_document", {}),          # a full build writing them
    "update": (segments.Writer, "update_document", {}),    # an incremental one
    "commit": (segments.Writer, "_flush_segment", {}),     # whoosh writing the segment
    "sums": (indexer, "file_sums", {}),                    # checksums of the new files
    "manifest": (indexer, "write_manifest", {}),
    "fsync": (os, "fsync", {}),
    "rename": (os, "replace", {"when": _is_current}),      # CURRENT replaced
    "cleanup": (shutil, "rmtree", {}),
    "finish": (indexer, "_finish", {}),
}


if __name__ == "__main__":
    point, nth, *args = sys.argv[1:]
    after = point.endswith("+")
    owner, name, extra = POINTS[point.rstrip("+")]
    _arm(owner, name, int(nth), after, **extra)
    assert manifest.MANIFEST   # the modules are the ones the build uses
    main(["reindex", *args], prog_name="casesearch")
