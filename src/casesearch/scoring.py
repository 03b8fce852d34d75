"""Scoring pages for a parsed query: BM25 per field, field boosts, exact-form and
proximity bonuses, computed over posting lists read from the whoosh index.

whoosh's matcher trees are general but slow in Python for our query shape (each word
in five fields, language alternatives, bonuses): reading each posting list once per
index generation into a dict and scoring with plain dict arithmetic is several times
faster for a site of a few thousand pages, and lets `explain` show every part: the
scorer itself, given a collector, reports the parts of the pages asked about.

Every figure is a field of `weights.RankingWeights`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from . import analysis, schema
from .query import QueryWord
from .weights import WEIGHTS

_FAMILY_FIELDS = ("title", "summary", "body")   # where word families are read
_CACHE_LIMIT = 20_000     # posting lists kept per generation (memory, not ranking)


def _blocks(m: Matcher, values: bool = False) -> Iterator[tuple]:
    """(ids, weights, values or None) of a fresh leaf matcher, a block of postings at a
    time: whoosh's own block reading (whoosh-reloaded 2.7.5, pinned), a quarter faster
    than three method calls per posting on long lists, and values (positions) are only
    decoded where asked for; another matcher is read a posting at a time."""
    if type(m) is W3LeafMatcher:
        while m.is_active():
            m._read_ids()
            m._read_weights()
            if values:
                m._read_values()
            yield m._ids, m._weights, m._values
            m._next_block()
        return
    while m.is_active():
        yield (m.id(),), (m.weight(),), (m.value(),) if values else None
        m.next()


class Postings:
    """Posting lists of one index generation, read on first use and kept."""

    def __init__(self, reader, english: list[bool], lengths: dict[str, Sequence[int]],  # noqa: ANN001
                 terms: dict[str, list[str]]) -> None:
        """`lengths`: each field's length per document as whoosh stores them; `terms`: each
        searchable field's terms (both from the generation's page table)."""
        self.reader = reader
        self.english = english
        self.size = reader.doc_count_all()
        self.n = max(1, reader.doc_count())
        names = [f.name for f in schema.FIELDS] + [schema.WORDS]
        self.lengths = lengths
        self.avg = {name: max(1.0, reader.field_length(name) / self.n) for name in names}
        self._scores: dict[tuple, dict[int, float]] = {}   # and what `kept` keeps
        self._positions: dict[tuple[str, str], dict[int, bytes]] = {}
        self._decoders: dict[str, Callable[[bytes], list[int]]] = {}
        # what queries have read from the index: stems scored, posting lists looked up and
        # their postings, lists of positions and pages' positions decoded (a cost to bound)
        self.read: Counter[str] = Counter()
        self._families: dict[str, list[str]] | None = None
        # each searchable field's terms: most (field, stem) pairs a query looks up are in no
        # page (a stem in 1 or 2 of the 7 fields), and the index's look-up of a missing term
        # costs as much as of a present one
        self._terms: dict[str, frozenset[str]] = {name: frozenset(words) for name, words in terms.items()}

    def weights(self, field: str, term: str) -> dict[int, float]:
        """Term frequency per page (read from the index each time: term_scores keeps the result)."""
        found: dict[int, float] = {}
        for base, m, deleted in self._leaves(field, term):
            for ids, weights, _ in _blocks(m):
                if base or deleted:
                    found.update((base + i, w) for i, w in zip(ids, weights) if i not in deleted)
                else:
                    found.update(zip(ids, weights))
        self.read["lists"] += 1
        self.read["postings"] += len(found)
        return found

    def positions(self, field: str, term: str) -> dict[int, bytes]:
        """The term's positions per page, still encoded (`decode` reads a page's): the
        proximity test decodes those of the few pages it looks at."""
        key = (field, term)
        found = self._positions.get(key)
        if found is None:
            found = {}
            for base, m, deleted in self._leaves(field, term):
                for ids, _, values in _blocks(m, values=True):
                    found.update((base + i, v) for i, v in zip(ids, values) if i not in deleted)
            self.read["position lists"] += 1
            if len(self._positions) > _CACHE_LIMIT:
                self._positions.clear()
            self._positions[key] = found
        return found

    def decode(self, field: str, value: bytes) -> tuple[int, ...]:
        """Positions of one page from `positions`' encoded value."""
        self.read["positions decoded"] += 1
        decoder = self._decoders.get(field)
        if decoder is None:
            decoder = self._decoders[field] = self.reader.schema[field].format.decoder("positions")
        return tuple(decoder(value))

    def _leaves(self, field: str, term: str) -> Iterator[tuple[int, Matcher, frozenset[int]]]:
        """(first docnum, matcher, deleted docnums) of each segment holding the term; the
        matcher unfiltered (whoosh wraps it to skip deleted pages: we skip them ourselves)."""
        terms = self._terms.get(field)
        if terms is not None and term not in terms:
            return
        for reader, base in self.reader.leaf_readers():
            try:   # one look-up of the term, where `in` and then postings() would take two
                m = reader.postings(field, term)
            except TermNotFound:
                continue
            deleted: frozenset[int] = frozenset()
            if isinstance(m, FilterMatcher):
                m, deleted = m.child, reader.deleted_docs_set
            yield base, m, deleted

    def family(self, term: str) -> list[str]:
        """Other stems of the index in the same word family as `term` (an aggressive
        Snowball stem shared), most frequent first: recrutement -> recrut (recruter, recrute)."""
        least = WEIGHTS.family_min
        key = analysis.family_key(term) if term.isalpha() and len(term) >= least else None
        group = self.families().get(key) if key else None
        if not group:
            return []
        # only members that extend the term or that it extends: recrut ~ recrutement,
        # not publiqu ~ publication (Snowball's -ication rule), nor short stems like donn
        members = [t for t in group
                   if t != term and min(len(t), len(term)) >= least and (t.startswith(term) or term.startswith(t))
                   and analysis.related(t, term)]
        return sorted(members, key=lambda t: (-self.family_df(t), t))[:WEIGHTS.family_size]

    def family_df(self, stem: str) -> int:
        """Pages holding the stem in a field families are read from (summed over them)."""
        return sum(self.reader.doc_frequency(name, stem) for name in _FAMILY_FIELDS if stem in self._terms[name])

    def families(self) -> dict[str, list[str]]:
        """family key -> the index's stems sharing it. Made once, when a generation is
        opened, from the term lists (frequencies are read for the few members used)."""
        if self._families is None:
            stems = {stem for name in _FAMILY_FIELDS for stem in self._terms[name] if len(stem) > 3 and stem.isalpha()}
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
            b, avg, lengths = WEIGHTS.b[field], self.avg[field], self.lengths[field]
            floor = WEIGHTS.short_floor.get(field, 0.0) * avg
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
            self.read["stems"] += 1
            pseudo: dict[int, float] = {}
            boosts = WEIGHTS.field_boosts
            for f in schema.FIELDS:
                boost = boosts[f.name]
                for d, x in self.field_tf(f.name, term).items():
                    pseudo[d] = pseudo.get(d, 0.0) + boost * x
            idf = math.log(1 + (self.n - len(pseudo) + 0.5) / (len(pseudo) + 0.5))
            k1f = WEIGHTS.k1f
            found = {d: idf * x * (k1f + 1) / (x + k1f) for d, x in pseudo.items()}
            self._keep(key, found)
        return found

    def kept(self, key: tuple, make: Callable[[], object]) -> object:
        """`make()`, made once per generation and kept with the scores (the same bound): for
        other figures read from the index, such as a prefix's completions."""
        found = self._scores.get(key)
        if found is None:
            found = make()
            self._keep(key, found)
        return found

    def _keep(self, key: tuple, value: object) -> None:
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
                k1, b, avg, lengths = WEIGHTS.k1, WEIGHTS.b[field], self.avg[field], self.lengths[field]
                norm = k1 * (1 - b)
                scale = k1 * b / avg
                found = {d: idf * tf * (k1 + 1) / (tf + norm + scale * lengths[d]) for d, tf in posting.items()}
            if len(self._scores) > _CACHE_LIMIT:
                self._scores.clear()
            self._scores[key] = found
        return found


@dataclass(frozen=True)
class Part:
    """One addend of a page's score for a query: what one term of one word gave in one
    field, all weights of its kind applied (family, completion, compound, synonym)."""

    word: str
    field: str
    term: str
    score: float
    kind: str = "word"   # word, english, compound, prefix, family, exact, and "synonym ..." prefixes


@dataclass
class Explanation:
    """How one page's score is made: the sum of `parts` times the product of `factors`."""

    parts: list[Part]
    factors: list[tuple[str, float]]   # (why, factor)

    @property
    def score(self) -> float:
        return sum(x.score for x in self.parts) * math.prod(f for _, f in self.factors)


# Collector of parts: {docnum: []} for the pages to explain, filled by the scorer
Parts = dict[int, list[Part]]


def collector(like: Parts | None) -> Parts | None:
    """An empty collector for the same pages as `like` (None when not explaining)."""
    return None if like is None else {d: [] for d in like}


def _alternative(p: Postings, alt: tuple[str, ...], weight: float) -> dict[int, float]:
    """Pages holding every term of one alternative, scored over all fields with their boosts."""
    per_term = [p.bm25f(term) for term in alt]
    if len(per_term) == 1:
        if weight == 1.0:   # s * 1.0 is s: the kept scores themselves (only read)
            return per_term[0]
        return {doc: s * weight for doc, s in per_term[0].items()}
    shared = set.intersection(*(set(a) for a in per_term))
    factor = WEIGHTS.compound_factor * weight
    return {doc: factor * sum(a[doc] for a in per_term) for doc in shared}


def _groups(word: QueryWord, extra: Iterable[tuple[str, float, bool]]
            ) -> list[list[tuple[tuple[str, ...], bool, float, str]]]:
    """Ways a page can match the word, as (terms, for English pages, weight, kind), in two groups.

    A page scores the best way of each group, and the groups add up: the word itself (or,
    at a discount, a completion of the word being typed, which can never outscore the
    word), and related words (its family), which add evidence to a page using both."""
    main = [(alt, False, 1.0, "word") for alt in word.alternatives]
    main += [(alt, True, 1.0, "english") for alt in word.english]
    main += [((stem,), False, weight, "prefix") for stem, weight, related in extra if not related]
    return [main, [((stem,), False, weight, "family") for stem, weight, related in extra if related]]


def word_scores(p: Postings, word: QueryWord, extra: Iterable[tuple[str, float, bool]] = (),
                parts: Parts | None = None) -> dict[int, float]:
    """Pages matching a word (in their own language's analysis) and their score for it.

    `extra` are (stem, weight, related) looser matches: completions of a word being typed,
    and related words (family); the exact form typed adds a bonus to pages already matched.
    `parts`, when given, is a collector ({docnum: []}, see `collector`): each of its pages
    matched gets the Parts its score is the sum of. Searching passes none and builds none.
    """
    total: dict[int, float] = {}
    english = p.english
    chosen: list[dict[int, tuple]] = []
    for group in _groups(word, extra):
        best: dict[int, float] = {}
        picked: dict[int, tuple] = {}
        for way in group:
            alt, for_english, weight, _kind = way
            scored = _alternative(p, alt, weight)
            if not best and parts is None:   # nothing to beat yet: the pages of the way's language
                best = {d: s for d, s in scored.items() if english[d] == for_english and s > 0.0}
                continue
            for d, s in scored.items():
                if english[d] == for_english and s > best.get(d, 0.0):
                    best[d] = s
                    if parts is not None:
                        picked[d] = way
        if total:
            for d, s in best.items():
                total[d] = total.get(d, 0.0) + s
        else:
            total = best   # 0.0 + s is s
        chosen.append(picked)
    bonus = WEIGHTS.exact_form_boost
    for form in word.exact:
        for d, s in p.term_scores(schema.WORDS, form).items():
            if d in total:
                total[d] += bonus * s
    if parts is not None:
        for d, found in parts.items():
            if d in total:
                found += _parts(p, word, d, [picked[d] for picked in chosen if d in picked])
    return total


def _parts(p: Postings, word: QueryWord, doc: int, ways: list[tuple]) -> list[Part]:
    """The parts of one page's score for a word, given the way of each group it scored by.

    A term's BM25F is saturated once over the boosted sum of its fields: it is shared
    among the fields in proportion to what each added to that sum."""
    found = []
    boosts = WEIGHTS.field_boosts
    for alt, _english, weight, kind in ways:
        factor = weight
        if len(alt) > 1:
            factor *= WEIGHTS.compound_factor
            kind = "compound" if kind == "word" else f"{kind} compound"
        for term in alt:
            total = p.bm25f(term)[doc]
            shares = {f.name: boosts[f.name] * x for f in schema.FIELDS if (x := p.field_tf(f.name, term).get(doc))}
            whole = sum(shares.values())
            found += [Part(word.raw, name, term, factor * total * share / whole, kind)
                      for name, share in shares.items()]
    bonus = WEIGHTS.exact_form_boost
    found += [Part(word.raw, schema.WORDS, form, bonus * s, "exact") for form in word.exact
              if (s := p.term_scores(schema.WORDS, form).get(doc))]
    return found


def _sequence(position_lists: list[tuple[int, ...]], gaps: list[int], slop: int) -> bool:
    """Do the words occur in order, each within gap+slop positions of the previous one?
    (Each word taking its first position after the previous word's; positions ascend.)"""
    rest = list(zip(position_lists[1:], gaps[1:]))
    for start in position_lists[0]:
        at = start
        for positions, gap in rest:
            i = bisect_right(positions, at)   # the first position after `at`, or none
            if i == len(positions) or positions[i] > at + gap + slop:
                break
            at = positions[i]
        else:
            return True
    return False


def _phrase_stems(words: tuple[QueryWord, ...]) -> Iterator[tuple[str, bool, list[str]]]:
    """(field, for English pages, a stem per word) wherever the words may stand together:
    each field with positions, in each language where every word has a one-stem form."""
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
                yield field, lang_english, stems


def side_by_side(p: Postings, words: tuple[QueryWord, ...]) -> set[int]:
    """The pages where the words may stand together (each word's stem in one field with
    positions, in the page's language): `together` finds its pages among these. Read from
    the frequencies scoring reads, the words in order, a field left at the first word
    none of its pages hold."""
    found: set[int] = set()
    for field, lang_english, stems in _phrase_stems(words):
        pages: set[int] | None = None
        for stem in stems:
            holding = p.field_tf(field, stem)
            pages = {d for d in holding if p.english[d] == lang_english} if pages is None else pages & holding.keys()
            if not pages:
                break
        else:
            found |= pages
    return found


def together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int,
             decoded: dict[tuple[str, int], list[tuple[int, ...]]] | None = None) -> set[int]:
    """The pages among `docs` where the words stand together in the title or the body.

    Positions are read only for a field where some of the pages hold every word (which
    the frequencies that scored them tell), and decoded only for those pages; `decoded`
    keeps them for another call on the same words (the next proximity grade)."""
    return set(_together(p, words, docs, slop, {} if decoded is None else decoded))


def stand_together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int) -> bool:
    """Whether the words stand together in one of `docs` at least (`together` stopped at the first)."""
    return next(_together(p, words, docs, slop, {}), None) is not None


def _together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int,
              decoded: dict[tuple[str, int], list[tuple[int, ...]]]) -> Iterator[int]:
    """`together`'s pages, each once, as they are found."""
    found: set[int] = set()
    docs = list(docs)
    if not docs:
        return
    gaps = [w.gap for w in words]
    english = p.english
    for field, lang_english, stems in _phrase_stems(words):
        having = [p.field_tf(field, s) for s in stems]
        here = [d for d in docs if english[d] == lang_english and d not in found]
        for holding in having:
            if not here:
                break
            here = [d for d in here if d in holding]
        if not here:
            continue
        lists = None
        for d in here:
            key = (field, d)
            positions = decoded.get(key)
            if positions is None:
                if lists is None:
                    lists = [p.positions(field, s) for s in stems]
                positions = decoded[key] = [p.decode(field, lst[d]) for lst in lists]
            if _sequence(positions, gaps, slop):
                found.add(d)
                yield d
