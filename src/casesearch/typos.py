"""Typo correction against the index's own vocabulary (unstemmed, folded words).

Rules, as visitors expect from Meilisearch-style search: no correction under 5
letters, 1 edit for 5-8 letters, 2 from 9 (WEIGHTS.typo_*); a transposition is one
edit; never on numbers or acronyms (typed in capitals).
"""

from __future__ import annotations

import string
from collections import defaultdict

from . import analysis
from .weights import WEIGHTS

_ALPHABET = string.ascii_lowercase + string.digits


def max_edits(word: str) -> int:
    if len(word) < WEIGHTS.typo_min_length:
        return 0
    return 1 if len(word) <= WEIGHTS.typo_one_edit_max_length else WEIGHTS.typo_max_edits


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
            | {a + c + b for a, b in splits for c in _ALPHABET})


class Vocabulary:
    """The folded words of one index generation. The word list is read once (when a
    generation is opened); frequencies only for the words a query looks at."""

    def __init__(self, reader, fieldname: str) -> None:
        self._reader = reader
        self._field = fieldname
        self._known: set[str] | None = None
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        self._accented: dict[str, list[str]] = defaultdict(list)   # folded -> accented forms
        self._df: dict[str, int] = {}

    def load(self) -> set[str]:
        if self._known is None:
            known = set()
            for btext in self._reader.lexicon(self._field):
                word = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                if word.isascii():
                    known.add(word)
                    self._buckets[(word[0], len(word))].append(word)
                else:   # the accented forms pages write, to show corrections as they are written
                    self._accented[analysis.fold(word)].append(word)
            self._known = known
        return self._known

    def doc_frequency(self, word: str) -> int:
        """Pages holding the word (any form the word field holds, accented ones included)."""
        df = self._df.get(word)
        if df is None:
            df = self._df[word] = self._reader.doc_frequency(self._field, word)
        return df

    def accented(self) -> dict[str, list[str]]:
        """folded word -> the accented forms pages write it in."""
        self.load()
        return dict(self._accented)

    def frequency(self, word: str) -> int:
        return self.doc_frequency(word) if word in self.load() else 0

    def correct(self, word: str) -> str | None:
        """The most frequent known word within the allowed edits, or None."""
        edits = max_edits(word)
        if not edits or not word.isalpha() or self.frequency(word):
            return None
        known = self.load()
        found = [(1, -self.doc_frequency(w), w) for w in _edits1(word) if w in known]
        if not found and edits > 1:
            for length in range(len(word) - edits, len(word) + edits + 1):
                for candidate in self._buckets.get((word[0], length), ()):
                    d = distance(word, candidate, edits)
                    if d <= edits:
                        found.append((d, -self.doc_frequency(candidate), candidate))
        return min(found)[2] if found else None

    def written(self, word: str) -> str:
        """The form pages mostly write a folded word in: donnees -> données."""
        self.load()
        forms = self._accented.get(word)
        if not forms:
            return word
        count, accented = max((self.doc_frequency(f), f) for f in forms)
        return accented if count * 2 > self.frequency(word) else word

    def corrections(self, words) -> dict[str, str]:  # noqa: ANN001 - QueryWord, kept import-free
        """raw typed word -> corrected word as pages write it, for the words that need one."""
        fixes = {}
        for w in words:
            if w.raw.isupper() or any(c.isdigit() for c in w.raw):
                continue
            fixed = self.correct(w.folded)
            if fixed and fixed != w.folded:
                fixes[w.raw] = self.written(fixed)
        return fixes
