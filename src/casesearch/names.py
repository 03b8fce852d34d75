"""Names typed joined that pages write apart: "moncompteformation" for "Mon Compte
Formation", "vigicrux" for "Vigicr’UX", "apigouv" for "api.gouv.fr".

A typed word the index does not know, that no typo correction fixes, is cut into the
fewest words the index knows (stop words allowed: "mon", "de"), and searched as a phrase
of them, in the tier of typo corrections. Names written with capitals or hyphens
(DataPass, data-pass) need nothing here: the analysis indexes them joined and in parts.
A word typed in parts (mon-compte-formation, les-agents) that pages match neither joined
nor in its parts (a part is a stop word, which pages do not index) is searched as the
phrase of the parts typed, the only split looked up for it (ranking.rank passes no word
that pages match as typed). A query looks up WEIGHTS.name_splits phrases at most,
whatever the number of its words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import analysis
from .weights import WEIGHTS

MIN_PIECE = 2      # no piece shorter than this
_APART = re.compile(r"[^\w'’]|_")   # what cuts a typed word into parts: not a letter, a digit, an apostrophe


def candidates(word: str, frequency: Callable[[str], int]) -> list[tuple[str, ...]]:
    """The ways `word` is made of 2 or 3 known words (`frequency` > 0) or stop words, one of
    them at least not a stop word: fewest pieces first, then the split whose rarest known
    piece is the most frequent, then alphabetical order; at most WEIGHTS.name_splits."""
    if len(word) < WEIGHTS.name_min_length or not (word.isascii() and word.isalpha()):
        return []

    counts: dict[str, int] = {}   # each piece looked up once: a piece takes part in many splits

    def usable(piece: str) -> bool:
        count = counts.get(piece)
        if count is None:
            count = counts[piece] = frequency(piece)
        return bool(count) or analysis.is_stopword(piece)

    def rank(parts: tuple[str, ...]) -> tuple | None:
        if not all(usable(p) for p in parts):
            return None
        known = [counts[p] for p in parts if counts[p]]
        if not known:
            return None
        return len(parts), -min(known), parts

    n = len(word)
    found = [r for i in range(MIN_PIECE, n - MIN_PIECE + 1) if (r := rank((word[:i], word[i:])))]
    found += [r for i in range(MIN_PIECE, n - 2 * MIN_PIECE + 1) if usable(word[:i])
              for j in range(i + MIN_PIECE, n - MIN_PIECE + 1) if (r := rank((word[:i], word[i:j], word[j:])))]
    return [parts for *_, parts in sorted(found)[:WEIGHTS.name_splits]]


def parts(raw: str) -> tuple[str, ...]:
    """The folded parts of a word typed in parts (projet-données: projet, donnees); () for
    a word typed whole."""
    found = tuple(p for p in map(analysis.fold, _APART.split(raw)) if p)
    return found if len(found) > 1 else ()


def known_parts(raw: str, frequency: Callable[[str], int]) -> bool:
    """Is the word typed in parts that are each a known word (`frequency` > 0) or a stop
    word? Then it holds no typo to correct."""
    return _known(parts(raw), frequency)


def _known(found: tuple[str, ...], frequency: Callable[[str], int]) -> bool:
    return bool(found) and all(frequency(p) or analysis.is_stopword(p) for p in found)


def typed(raw: str, frequency: Callable[[str], int]) -> list[tuple[str, ...]]:
    """The parts of a word typed in parts (folded), as its one candidate split, when one
    part at least is a known word and the others known or stop words; [] otherwise."""
    found = parts(raw)
    return [found] if _known(found, frequency) and any(frequency(p) for p in found) else []


def splits(vocabulary, words, fixes: dict[str, str], occurs: Callable[[str], bool]) -> dict[str, str]:  # noqa: ANN001
    """raw typed word -> its known words as a quoted phrase, for the words unknown to the
    index (`vocabulary`, a typos.Vocabulary) that `fixes` (typo corrections) leaves alone:
    the first candidate split that `occurs(phrase)` in a page, of the WEIGHTS.name_splits
    looked up for the whole query."""
    out = {}
    room = WEIGHTS.name_splits
    for w in words:
        if room == 0:
            break
        if w.raw in fixes or w.raw.isupper() or any(c.isdigit() for c in w.raw) or vocabulary.frequency(w.folded):
            continue
        apart = _APART.search(w.raw) is not None
        for parts in typed(w.raw, vocabulary.frequency) if apart else candidates(w.folded, vocabulary.frequency):
            if room == 0:
                break
            room -= 1
            phrase = " ".join(vocabulary.written(p) for p in parts)
            if occurs(phrase):
                out[w.raw] = f'"{phrase}"'
                break
    return out
