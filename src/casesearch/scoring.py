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

from . import analysis, schema
from .query import QueryWord

K1 = 1.2
# A field shorter than this share of the average is normalised as if it were that long:
# a two-line stub must not get a huge boost for being short.
SHORT_FLOOR = {"body": 0.5, "summary": 0.5}
K1F = 3.0   # BM25F saturation over the boosted sum of fields
# Length normalisation per field: short fields (titles, tags) are barely normalised.
B = {"title": 0.4, "headings": 0.5, "tags": 0.3, "summary": 0.6, "url": 0.3, "body": 0.75, schema.WORDS: 0.5}
COMPOUND_FACTOR = 0.8     # start-up matched as "start" + "up" rather than "startup"
PREFIX_FACTOR = 0.3       # completions of the word being typed
FAMILY_FACTOR = 0.4       # same word family (recruter ~ recrutement), by the aggressive stemmer
FAMILY_SIZE = 8           # most related stems added per word
FAMILY_MIN = 5            # shortest stem taking part in a family
_FAMILY_FIELDS = ("title", "summary", "body")
# Words standing together weigh like Meilisearch's proximity rule, but as factors:
# (extra positions allowed between neighbours, factor), strongest first.
PROXIMITY = ((0, 2.0), (3, 1.3))
SYNONYM_FACTOR = 0.8      # a synonym of what was typed
SYNONYM_SLOP = 1          # a multi-word synonym is matched as a phrase
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
        self._families: dict[str, list[str]] | None = None

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

    def family(self, term: str) -> list[str]:
        """Other stems of the index in the same word family as `term` (an aggressive
        Snowball stem shared), most frequent first: recrutement -> recrut (recruter, recrute)."""
        key = analysis.family_key(term) if term.isalpha() and len(term) >= FAMILY_MIN else None
        group = self.families().get(key) if key else None
        if not group:
            return []
        # only members that extend the term or that it extends: recrut ~ recrutement,
        # not publiqu ~ publication (Snowball's -ication rule), nor short stems like donn
        members = [t for t in group
                   if t != term and min(len(t), len(term)) >= FAMILY_MIN and (t.startswith(term) or term.startswith(t))]
        return sorted(members, key=lambda t: (-self._family_df(t), t))[:FAMILY_SIZE]

    def _family_df(self, stem: str) -> int:
        return sum(self.reader.doc_frequency(name, stem) for name in _FAMILY_FIELDS)

    def families(self) -> dict[str, list[str]]:
        """family key -> the index's stems sharing it. Read once, when a generation is
        opened: the term lists only (frequencies are read for the few members used)."""
        if self._families is None:
            stems = set()
            for name in _FAMILY_FIELDS:
                for btext in self.reader.lexicon(name):
                    stem = btext.decode("utf-8") if isinstance(btext, bytes) else btext
                    if len(stem) > 3 and stem.isalpha():
                        stems.add(stem)
            families: dict[str, list[str]] = {}
            for stem in stems:
                families.setdefault(analysis.family_key(stem), []).append(stem)
            self._families = {key: group for key, group in families.items() if len(group) > 1}
        return self._families

    def field_tf(self, field: str, term: str) -> dict[int, float]:
        """Term frequency in one field, normalised by the field's length (BM25F's per-field step)."""
        key = ("tf", field, term)
        found = self._scores.get(key)
        if found is None:
            b, avg, lengths = B[field], self.avg[field], self.lengths[field]
            floor = SHORT_FLOOR.get(field, 0.0) * avg
            found = {d: tf / (1 - b + b * max(lengths[d], floor) / avg) for d, tf in self.weights(field, term).items()}
            self._keep(key, found)
        return found

    def bm25f(self, term: str) -> dict[int, float]:
        """BM25F of one stem over the searchable fields: boosted, length-normalised frequencies
        are summed first and saturated once, so a page cannot pile up score by repeating a word
        in every field, and matching more of the query's words counts more than matching one well."""
        key = ("bm25f", "", term)
        found = self._scores.get(key)
        if found is None:
            pseudo: dict[int, float] = {}
            for f in schema.FIELDS:
                for d, x in self.field_tf(f.name, term).items():
                    pseudo[d] = pseudo.get(d, 0.0) + f.boost * x
            idf = math.log(1 + (self.n - len(pseudo) + 0.5) / (len(pseudo) + 0.5))
            found = {d: idf * x * (K1F + 1) / (x + K1F) for d, x in pseudo.items()}
            self._keep(key, found)
        return found

    def _keep(self, key: tuple, value: dict) -> None:
        if len(self._scores) > _CACHE_LIMIT:
            self._scores.clear()
        self._scores[key] = value

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
    per_term = [p.bm25f(term) for term in alt]
    if len(per_term) == 1:
        return {doc: s * weight for doc, s in per_term[0].items()}
    shared = set.intersection(*(set(a) for a in per_term))
    factor = COMPOUND_FACTOR * weight
    return {doc: factor * sum(a[doc] for a in per_term) for doc in shared}


def _groups(word: QueryWord, extra: Iterable[tuple[str, float, bool]]
            ) -> list[list[tuple[tuple[str, ...], bool, float]]]:
    """Ways a page can match the word, as (terms, for English pages, weight), in two groups.

    A page scores the best way of each group, and the groups add up: the word itself (or,
    at a discount, a completion of the word being typed, which can never outscore the
    word), and related words (its family), which add evidence to a page using both."""
    main = [(alt, False, 1.0) for alt in word.alternatives] + [(alt, True, 1.0) for alt in word.english]
    main += [((stem,), False, weight) for stem, weight, related in extra if not related]
    return [main, [((stem,), False, weight) for stem, weight, related in extra if related]]


def word_scores(p: Postings, word: QueryWord, extra: Iterable[tuple[str, float, bool]] = ()) -> dict[int, float]:
    """Pages matching a word (in their own language's analysis) and their score for it.

    `extra` are (stem, weight, related) looser matches: completions of a word being typed,
    and related words (family); the exact form typed adds a bonus to pages already matched.
    """
    total: dict[int, float] = {}
    english = p.english
    for group in _groups(word, extra):
        best: dict[int, float] = {}
        for alt, for_english, weight in group:
            for d, s in _alternative(p, alt, weight).items():
                if english[d] == for_english and s > best.get(d, 0.0):
                    best[d] = s
        for d, s in best.items():
            total[d] = total.get(d, 0.0) + s
    for form in word.exact:
        for d, s in p.term_scores(schema.WORDS, form).items():
            if d in total:
                total[d] += schema.WORDS_BOOST * s
    return total


def explain_word(p: Postings, word: QueryWord, doc: int, extra: Iterable[tuple[str, float, bool]] = ()
                 ) -> list[Part]:
    """What each field contributed to one page's score for one word, as word_scores counts it."""
    found: list[Part] = []
    for group in _groups(word, extra):
        best: list[Part] = []
        for alt, for_english, weight in group:
            if p.english[doc] != for_english:
                continue
            factor = weight * (COMPOUND_FACTOR if len(alt) > 1 else 1.0)
            parts = []
            for term in alt:
                total = p.bm25f(term).get(doc, 0.0)
                shares = {f.name: f.boost * x for f in schema.FIELDS if (x := p.field_tf(f.name, term).get(doc))}
                parts += [Part(word.raw, name, term, factor * total * share / sum(shares.values()))
                          for name, share in shares.items()]
            if len({x.term for x in parts}) == len(alt) and sum(x.score for x in parts) > sum(x.score for x in best):
                best = parts
        found += best
    if found:
        found += [Part(word.raw, schema.WORDS, form, schema.WORDS_BOOST * s) for form in word.exact
                  if (s := p.term_scores(schema.WORDS, form).get(doc))]
    return found


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
