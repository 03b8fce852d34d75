"""Python's side of the JavaScript parity tests (tests/js/*.test.mjs run it):

    python tests/js/python_side.py tables    stdin: a text; stdout: the client tables of every
                                             language for the text's characters, as JSON
    python tests/js/python_side.py tokens    stdin: [[chain, lang, text], ...]; stdout: for each,
                                             its tokens [text, pos, start, end, stopped] with stop
                                             words, offsets in UTF-16 units as JavaScript counts
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from casesearch import analysis  # noqa: E402
from casesearch.export.tables import all_client_tables  # noqa: E402


def utf16(text: str) -> list[int]:
    """UTF-16 offset of each code point offset of text (and of its end)."""
    out, at = [], 0
    for c in text:
        out.append(at)
        at += 2 if ord(c) > 0xFFFF else 1
    return out + [at]


def tokens(cases: list) -> list:
    out = []
    for chain, lang, text in cases:
        units = utf16(text)
        out.append([[t.text, t.pos, units[t.start], units[t.end], t.stopped]
                    for t in analysis.tokens(text, lang, chain, keep_stops=True)])
    return out


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "tables":
        json.dump(all_client_tables(sys.stdin.read()), sys.stdout, ensure_ascii=False)
    elif what == "tokens":
        json.dump(tokens(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
    else:
        sys.exit(f"unknown request {what!r}: tables or tokens")
