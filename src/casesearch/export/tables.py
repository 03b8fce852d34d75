"""The analysis tables the JavaScript client loads: ``casesearch.lang``'s, plus what
JavaScript cannot ask its runtime in the way Python does, generated here from Python's
own Unicode database so that both sides cut words at the same places:

- ``word_pattern_js``: the word pattern with JavaScript's class for a letter or digit;
- ``combining``: the code points with a non-zero canonical combining class
  (``unicodedata.combining``), which a cluster of base and accents is made of;
- ``digits``: the code points ``str.isdigit`` accepts beyond ``\\p{Nd}`` (², ①...);
- in ``fold``, the characters outside the fold ranges that the site's pages write
  (𝐀, 中...), which Python folds with unidecode;
- ``fold_text_table``: ``analysis.fold_text`` of each character it changes (one letter for
  one, so that offsets hold), for highlighting without a folded copy of every page.

Ranges are ``[first, last + 1]`` pairs, sorted.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from .. import analysis, lang


def _ranges(codes: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for code in codes:
        if out and out[-1][1] == code:
            out[-1][1] = code + 1
        else:
            out.append([code, code + 1])
    return out


@lru_cache(maxsize=None)
def _unicode_tables() -> dict:
    chars = [chr(c) for c in range(sys.maxunicode + 1)]
    return {
        "unicode_version": unicodedata.unidata_version,
        "combining": _ranges(ord(c) for c in chars if unicodedata.combining(c)),
        "digits": _ranges(ord(c) for c in chars if c.isdigit() and unicodedata.category(c) != "Nd"),
    }


def client_tables(code: str, text: str = "") -> dict:
    """JSON-ready tables of language ``code`` for the JavaScript analysis of ``text``'s
    characters (the pages of a site) as Python analyses them."""
    tables = lang.tables(code) | {"word_pattern_js": lang.word_pattern(r"[\p{L}\p{N}]")} | _unicode_tables()
    tables["fold"] |= _outside_folds(frozenset(text))
    return tables


def fold_text_table() -> dict[str, str]:
    """Character -> ``analysis.fold_text`` of it, for the characters it changes: it maps
    ASCII and the characters of ``lang.FOLD_RANGES`` only, each to one character."""
    codes = [*range(128), *(code for a, b in lang.FOLD_RANGES for code in range(a, b))]
    table = {c: folded for c in map(chr, codes) if (folded := analysis.fold_text(c)) != c}
    if any(len(v) != 1 for v in table.values()):
        raise ValueError("analysis.fold_text no longer folds one character to one: offsets would move")
    return table


def all_client_tables(text: str = "") -> dict[str, dict]:
    return {code: client_tables(code, text) for code in lang.LANGUAGES}


def _outside_folds(chars: frozenset[str]) -> dict[str, str]:
    """Folds of the characters outside the fold ranges that fold to something."""
    out = {}
    for c in sorted(chars):
        if ord(c) > 127 and not any(a <= ord(c) < b for a, b in lang.FOLD_RANGES) and (folded := analysis.fold(c)):
            out[c] = folded
    return out
