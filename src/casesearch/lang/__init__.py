"""The languages of the analysis as plain data, one module per language (``fr.py``,
``en.py``) in the spirit of Sphinx's ``search/fr.py``.

Everything here is JSON-ready: ``tables(lang)`` is what ``casesearch.analysis.Chain``
is built from, and what a JavaScript twin of the analysis loads, so both sides apply
the same tables. The characters below are the one definition of apostrophes,
hyphens, invisible characters... for every module of casesearch.
"""

from __future__ import annotations

import copy
import importlib
import re
from functools import lru_cache
from importlib import resources

from unidecode import unidecode

LANGUAGES = ("fr", "en")
DEFAULT_LANG = "fr"
# Private-use character around a language code at the start of a text: "\ue000en\ue000..."
LANG_MARK = "\ue000"

APOSTROPHES = "'\u2019\u02bc\u2018"  # ' ’ ʼ ‘
HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
# Middle dots of inclusive spellings (Entrepreneur·e·s): the word is cut at the first one.
INCLUSIVE_DOTS = "\u00b7\u2022\u2027\u22c5"  # · • ‧ ⋅
# ... but only when every piece after the dot is this short (e·s, trice·s, euse·s);
# otherwise the dot is a separator ("data·inclusion" is two words).
INCLUSIVE_SUFFIX_MAX = 5
# Removed from inside words: zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def char_class(chars: str) -> str:
    """A regex character class of exactly these characters."""
    return "[" + re.escape(chars) + "]"


# A single one inside a word joins its two sides (l'emploi, e-mail, salarié·e·s).
CONNECTORS = APOSTROPHES + HYPHENS + INCLUSIVE_DOTS


def word_pattern(letter: str) -> str:
    """One word: letters/digits (``letter``, a regex class), with combining accents (NFD
    input), invisible characters and single connectors (apostrophe, hyphen, inclusive dot)
    inside. Doubled or edge connectors are separators. (highlight's compiled part cuts
    words alike, from INVISIBLE and CONNECTORS: `_highlight.c`.)"""
    return (rf"{letter}+(?:[\u0300-\u036f]+{letter}*|{char_class(INVISIBLE)}+{letter}+"
            rf"|{char_class(CONNECTORS)}{letter}+)*")


# Python ``re`` syntax: a letter or a digit is [^\W_]; JavaScript writes it [\p{L}\p{N}] (flag u).
WORD_PATTERN = word_pattern(r"[^\W_]")

# ------------------------------------------------------------------ folding
# fold(word) is unidecode(word).lower() with only [a-z0-9] kept. unidecode maps one
# character at a time, so a table per character gives the same result; it is generated
# here from unidecode for the blocks a page can plausibly write words in (JavaScript
# has no unidecode). Rule for a character: its value in FOLD_TABLE; absent, an ASCII
# letter or digit is lowercased, anything else in FOLD_RANGES folds to nothing. Python
# folds characters outside FOLD_RANGES with unidecode (no French page meets one).
FOLD_RANGES = (
    (0x0080, 0x0250),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0250, 0x0370),  # IPA, spacing modifiers, combining diacritics (NFD accents)
    (0x0370, 0x0530),  # Greek, Cyrillic
    (0x1E00, 0x2000),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x2190),  # punctuation, super/subscripts, currency, letterlike, number forms
    (0x2460, 0x2500),  # enclosed alphanumerics
    (0xFB00, 0xFB07),  # Latin ligatures (ﬁ ﬂ)
    (0xFF00, 0xFF5F),  # fullwidth ASCII
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _unidecode_fold(text: str) -> str:
    return _NOT_ALNUM.sub("", unidecode(text).lower())


@lru_cache(maxsize=None)
def fold_table() -> dict[str, str]:
    """Character -> folded text, for the characters of FOLD_RANGES that fold to something."""
    table = {chr(c): chr(c + 32) for c in range(65, 91)}
    for a, b in FOLD_RANGES:
        for code in range(a, b):
            folded = _unidecode_fold(chr(code))
            if folded:
                table[chr(code)] = folded
    return table


def read_pairs(name: str) -> list[list[str]]:
    """The pairs of words, one pair a line, of one of casesearch's data files, sorted."""
    text = resources.files("casesearch").joinpath("data", name).read_text("utf-8")
    return sorted(pair for line in text.splitlines() if len(pair := sorted(line.split("#", 1)[0].split())) == 2)


def read_stopwords(name: str) -> list[str]:
    """Folded words of one of casesearch's stop-word files (``data/``), sorted."""
    text = resources.files("casesearch").joinpath("data", name).read_text("utf-8")
    words = (line.split("#", 1)[0].split() for line in text.splitlines())
    return sorted({_unidecode_fold(w) for line in words for w in line})


# ------------------------------------------------------------------- tables
def tables(lang: str) -> dict:
    """Everything the analysis of ``lang`` needs, as JSON-ready data (lists, dicts, strings)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    module = importlib.import_module(f"{__name__}.{lang}")
    return {
        "lang": lang,
        "lang_mark": LANG_MARK,
        "apostrophes": APOSTROPHES,
        "hyphens": HYPHENS,
        "inclusive_dots": INCLUSIVE_DOTS,
        "inclusive_suffix_max": INCLUSIVE_SUFFIX_MAX,
        "invisible": INVISIBLE,
        "word_pattern": WORD_PATTERN,
        "fold_ranges": [list(r) for r in FOLD_RANGES],
        "fold": dict(fold_table()),
        "stopwords": list(module.STOPWORDS),
        "questions": list(module.QUESTIONS),
        "family_exceptions": [list(pair) for pair in module.FAMILY_EXCEPTIONS],
        "elision": {key: list(value) for key, value in module.ELISION.items()},
        "stemmer": copy.deepcopy(module.STEMMER),
    }
