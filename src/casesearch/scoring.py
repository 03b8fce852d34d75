"""Scoring pages for a parsed query: BM25 per field, field boosts, exact-form and
proximity bonuses, computed over posting lists read from the whoosh index.

whoosh's matcher trees are general but slow in Python for our query shape (each word
in five fields, language alternatives, bonuses): reading each posting list once per
index generation into a dict and scoring with plain dict arithmetic is several times
faster for a site of a few thousand pages, and lets `explain` show every part.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from . import schema
from .query import QueryWord

K1 = 1.2
# Length normalisation per field: short fields (titles, tags) are barely normalised.
B = {"title": 0.4, "headings": 0.5, "tags": 0.3, "summary": 0.6, "body": 0.75, schema.WORDS: 0.5}
COMPOUND_FACTOR = 0.8     # start-up matched as "start" + "up" rather than "startup"
PREFIX_FACTOR = 0.3       # completions of the word being typed
PROXIMITY_FACTOR = 1.3    # the words of the query stand together in the title or body
PROXIMITY_SLOP = 2        # extra positions allowed between neighbours for the bonus
PHRASE_SLOP = 0           # a quoted phrase: words in order, only stop words between
_CACHE_LIMIT = 20_000     # posting lists kept per generation


class Postings:
    """Posting lists of one index generation, read on first use and kept."""

    def __init__(self, reader, english: list[bool]) -> None:  # noqa: ANN001 - a whoosh reader
        self.reader = reader
        self.english = english
        self.size = reader.doc_count_all()
        self.n = max(1, reader.doc_count())
        names = [f.name for f in schema.FIELDS] + [schema.WORDS]
        self.lengths = {name: [reader.doc_field_length(d, name, 0) for d in range(self.size)] for name in names}
        self.avg = {name: max(1.0, reader.field_length(name) / self.n) for name in names}
        self._scores: dict[tuple[str, str], dict[int, float]] = {}
        self._positions: dict[tuple[str, str], dict[int, tuple[int, ...]]] = {}

    def weights(self, field: str, term: str) -> dict[int, float]:
        """Term frequency per page (read from the index each time: term_scores keeps the result)."""
        found = {}
        if (field, term) in self.reader:
            m = self.reader.postings(field, term)
            while m.is_active():
                found[m.id()] = m.weight()
                m.next()
        return found

    def positions(self, field: str, term: str) -> dict[int, tuple[int, ...]]:
        key = (field, term)
        found = self._positions.get(key)
        if found is None:
            found = {}
            if (field, term) in self.reader:
                m = self.reader.postings(field, term)
                while m.is_active():
                    found[m.id()] = tuple(m.value_as("positions"))
                    m.next()
            if len(self._positions) > _CACHE_LIMIT:
                self._positions.clear()
            self._positions[key] = found
        return found

    def term_scores(self, field: str, term: str) -> dict[int, float]:
        """BM25 of one term in one field, for every page holding it (fixed for a generation: kept)."""
        key = (field, term)
        found = self._scores.get(key)
        if found is None:
            posting = self.weights(field, term)
            found = {}
            if posting:
                idf = math.log(1 + (self.n - len(posting) + 0.5) / (len(posting) + 0.5))
                b, avg, lengths = B[field], self.avg[field], self.lengths[field]
                norm = K1 * (1 - b)
                scale = K1 * b / avg
                found = {d: idf * tf * (K1 + 1) / (tf + norm + scale * lengths[d]) for d, tf in posting.items()}
            if len(self._scores) > _CACHE_LIMIT:
                self._scores.clear()
            self._scores[key] = found
        return found


@dataclass(frozen=True)
class Part:
    """One contribution to a page's score, for `explain`."""

    word: str
    field: str
    term: str
    score: float


def _alternative(p: Postings, alt: tuple[str, ...], weight: float) -> dict[int, float]:
    """Pages holding every term of one alternative, scored over all fields with their boosts."""
    per_term = []
    for term in alt:
        acc: dict[int, float] = {}
        for f in schema.FIELDS:
            for doc, s in p.term_scores(f.name, term).items():
                acc[doc] = acc.get(doc, 0.0) + f.boost * s
        per_term.append(acc)
    if len(per_term) == 1:
        return {doc: s * weight for doc, s in per_term[0].items()}
    shared = set.intersection(*(set(a) for a in per_term))
    factor = COMPOUND_FACTOR * weight
    return {doc: factor * sum(a[doc] for a in per_term) for doc in shared}


def _options(word: QueryWord, extra: Iterable[str]) -> list[tuple[tuple[str, ...], bool, float]]:
    """(terms, for English pages, weight) for each way a page can match the word."""
    return ([(alt, False, 1.0) for alt in word.alternatives] + [(alt, True, 1.0) for alt in word.english]
            + [((stem,), False, PREFIX_FACTOR) for stem in extra])


def word_scores(p: Postings, word: QueryWord, extra: Iterable[str] = ()) -> dict[int, float]:
    """Pages matching a word (in their own language's analysis), by their best alternative.

    `extra` are stems of completions of a word being typed, matched at a discount; the
    exact form typed adds a bonus to pages already matched.
    """
    best: dict[int, float] = {}
    english = p.english
    for alt, for_english, weight in _options(word, extra):
        for d, s in _alternative(p, alt, weight).items():
            if english[d] == for_english and s > best.get(d, 0.0):
                best[d] = s
    for form in word.exact:
        for d, s in p.term_scores(schema.WORDS, form).items():
            if d in best:
                best[d] += schema.WORDS_BOOST * s
    return best


def explain_word(p: Postings, word: QueryWord, doc: int, extra: Iterable[str] = ()) -> list[Part]:
    """What each field contributed to one page's score for one word (its best alternative)."""
    best: list[Part] = []
    for alt, for_english, weight in _options(word, extra):
        if p.english[doc] != for_english:
            continue
        factor = weight * (COMPOUND_FACTOR if len(alt) > 1 else 1.0)
        parts = [Part(word.raw, f.name, term, factor * f.boost * s)
                 for term in alt for f in schema.FIELDS
                 if (s := p.term_scores(f.name, term).get(doc))]
        if len({x.term for x in parts}) == len(alt) and sum(x.score for x in parts) > sum(x.score for x in best):
            best = parts
    if best:
        best += [Part(word.raw, schema.WORDS, form, schema.WORDS_BOOST * s) for form in word.exact
                 if (s := p.term_scores(schema.WORDS, form).get(doc))]
    return best


def _sequence(position_lists: list[tuple[int, ...]], gaps: list[int], slop: int) -> bool:
    """Do the words occur in order, each within gap+slop positions of the previous one?"""
    for start in position_lists[0]:
        at = start
        for positions, gap in zip(position_lists[1:], gaps[1:]):
            nxt = next((q for q in positions if at < q <= at + gap + slop), None)
            if nxt is None:
                break
            at = nxt
        else:
            return True
    return False


def together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int) -> set[int]:
    """The pages among `docs` where the words stand together in the title or the body."""
    found: set[int] = set()
    gaps = [w.gap for w in words]
    for field in schema.PHRASE_FIELDS:
        for lang_english in (False, True):
            stems = []
            for w in words:
                alts = w.english if lang_english else w.alternatives
                single = next((a[0] for a in alts if len(a) == 1), None)
                if single is None:
                    break
                stems.append(single)
            else:
                lists = [p.positions(field, s) for s in stems]
                for d in docs:
                    if d in found or p.english[d] != lang_english:
                        continue
                    if all(d in lst for lst in lists) and _sequence([lst[d] for lst in lists], gaps, slop):
                        found.add(d)
    return found
