"""Typo correction against the index's own vocabulary (unstemmed, folded words).

Rules, as visitors expect from Meilisearch-style search: no correction under 5
letters, 1 edit for 5-8 letters, 2 from 9 (WEIGHTS.typo_*); a transposition is one
edit; never on numbers or acronyms (typed in capitals).
"""

from __future__ import annotations

import string
from collections import Counter, defaultdict

from . import analysis, names
from .weights import WEIGHTS

_ALPHABET = string.ascii_lowercase + string.digits


def max_edits(word: str) -> int:
    if len(word) < WEIGHTS.typo_min_length:
        return 0
    return 1 if len(word) <= WEIGHTS.typo_one_edit_max_length else WEIGHTS.typo_max_edits


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions), capped at limit+1.

    Only the cells within `limit` of the diagonal are computed (a cell further away is
    more than `limit` edits anyway): the scan of a 2-edit correction compares hundreds of
    known words, each in a few cells per letter rather than a whole row."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    over = limit + 1
    n = len(b)
    prev2: list[int] = []
    prev = [j if j <= limit else over for j in range(n + 1)]
    for i, ca in enumerate(a, 1):
        cur = [over] * (n + 1)
        if i <= limit:
            cur[0] = i
        low = max(1, i - limit)
        high = min(n, i + limit)
        best = cur[0] if low == 1 else over
        for j in range(low, high + 1):
            cb = b[j - 1]
            value = prev[j - 1] + (ca != cb)   # min() of three, written out: the hot loop of a scan
            if prev[j] + 1 < value:
                value = prev[j] + 1
            if cur[j - 1] + 1 < value:
                value = cur[j - 1] + 1
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and prev2[j - 2] + 1 < value:
                value = prev2[j - 2] + 1
            if value > over:
                value = over
            cur[j] = value
            if value < best:
                best = value
        if best > limit:
            return over
        prev2, prev = prev, cur
    return min(prev[-1], over)


def _mask(word: str) -> int:
    """The letters of a word as bits (letters sharing a bit only make the test laxer)."""
    mask = 0
    for c in word:
        mask |= 1 << (ord(c) & 63)
    return mask


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
            | {a + c + b for a, b in splits for c in _ALPHABET})


_CORRECTED_MAX = 20_000   # corrections kept per generation (then all let go)


class Vocabulary:
    """The folded words of one index generation. The word list is read once (when a
    generation is opened); frequencies only for the words a query looks at."""

    def __init__(self, reader, fieldname: str, words: list[str]) -> None:  # noqa: ANN001
        """`reader`: what answers the field's doc_frequency (`postlists.Terms`); `words`: the
        field's terms (from the generation's page table)."""
        self._reader = reader
        self._field = fieldname
        self._words = words
        self._known: set[str] | None = None
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        self._masks: dict[tuple[str, int], list[int]] = {}   # a bucket's letter masks, made on first use
        self._accented: dict[str, list[str]] = defaultdict(list)   # folded -> accented forms
        self._df: dict[str, int] = {}
        self._corrected: dict[str, str | None] = {}   # word -> its correction (None: none found)
        # what corrections have cost: words looked at, known words compared (a cost to bound)
        self.read: Counter[str] = Counter()

    def forget(self) -> None:
        """Let go the word frequencies and corrections kept for later queries."""
        self._df.clear()
        self._corrected.clear()

    def load(self) -> set[str]:
        if self._known is None:
            known = set()
            for word in self._words:
                if word.isascii():
                    known.add(word)
                    self._buckets[(word[0], len(word))].append(word)
                else:   # the accented forms pages write, to show corrections as they are written
                    self._accented[analysis.fold(word)].append(word)
            self._known = known
            self._words = []
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

    def may_correct(self, word: str) -> bool:
        """Is the word one correction looks at: unknown, long enough, only letters?"""
        return bool(max_edits(word)) and word.isalpha() and not self.frequency(word)

    def correct(self, word: str) -> str | None:
        """The most frequent known word within the allowed edits, or None (kept for the
        generation: a word's correction is looked for once)."""
        if not self.may_correct(word):
            return None
        if word in self._corrected:
            return self._corrected[word]
        if len(self._corrected) >= _CORRECTED_MAX:
            self._corrected.clear()
        fixed = self._corrected[word] = self._correct(word)
        return fixed

    def _correct(self, word: str) -> str | None:
        edits = max_edits(word)
        known = self.load()
        self.read["words"] += 1
        found = [(1, -self.doc_frequency(w), w) for w in _edits1(word) if w in known]
        if not found and edits > 1:
            mask = _mask(word)
            for length in range(len(word) - edits, len(word) + edits + 1):
                bucket = self._buckets.get((word[0], length), ())
                for candidate, other in zip(bucket, self._bucket_masks((word[0], length))):
                    # an edit adds at most one letter the other word lacks, and removes at most one
                    if (other & ~mask).bit_count() > edits or (mask & ~other).bit_count() > edits:
                        continue
                    self.read["compared"] += 1
                    d = distance(word, candidate, edits)
                    if d <= edits:
                        found.append((d, -self.doc_frequency(candidate), candidate))
        return min(found)[2] if found else None

    def _bucket_masks(self, key: tuple[str, int]) -> list[int]:
        masks = self._masks.get(key)
        if masks is None:
            masks = self._masks[key] = [_mask(w) for w in self._buckets.get(key, ())]
        return masks

    def written(self, word: str) -> str:
        """The form pages mostly write a folded word in: donnees -> données."""
        self.load()
        forms = self._accented.get(word)
        if not forms:
            return word
        count, accented = max((self.doc_frequency(f), f) for f in forms)
        return accented if count * 2 > self.frequency(word) else word

    def corrections(self, words) -> dict[str, str]:  # noqa: ANN001 - QueryWord, kept import-free
        """raw typed word -> corrected word as pages write it, for the words that need one
        (the first WEIGHTS.typo_words of them: each costs a scan of the vocabulary). A word
        typed in parts that are all known words (projet-données) needs none: its joined
        form is unknown, its parts are what is searched."""
        fixes = {}
        room = WEIGHTS.typo_words
        for w in words:
            if (w.raw.isupper() or any(c.isdigit() for c in w.raw) or not self.may_correct(w.folded)
                    or names.known_parts(w.raw, self.frequency)):   # projet-données: no typo in it
                continue
            if room == 0:
                break
            room -= 1
            fixed = self.correct(w.folded)
            if fixed and fixed != w.folded:
                fixes[w.raw] = self.written(fixed)
        return fixes
