"""Scoring pages for a parsed query: BM25 per field, field boosts, exact-form and
proximity bonuses, computed over posting lists read from the segments' posting files
(`postlists`).

whoosh's matcher trees are general but slow in Python for our query shape (each word
in five fields, language alternatives, bonuses): reading each posting list once per
index generation into arrays and scoring over whole arrays is several times faster, and
lets `explain` show every part: the scorer itself, given a collector, reports the parts
of the pages asked about.

Every figure is a field of `weights.RankingWeights`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from . import analysis, postlists, schema
from .query import QueryWord
from .weights import WEIGHTS

_FAMILY_FIELDS = ("title", "summary", "body")   # where word families are read
_CACHE_LIMIT = 20_000     # figures kept per generation (memory, not ranking)
_CACHE_POSTINGS = 4_000_000   # postings in the kept scores: 64 MB at most
_CACHE_POSITIONS = 250_000   # pages' positions kept per generation, about 40 MB (then all let go)
_POSITIONS_CHUNK = 64      # pages whose positions are read at once (a phrase test stops at the first found)


def _size(value: object) -> int:
    """What a kept figure counts against _CACHE_POSTINGS: its postings (1 for another figure)."""
    return len(value) if isinstance(value, Sparse) else 1


_NO_DOCS = np.zeros(0, dtype=np.int64)
_NO_VALUES = np.zeros(0)


class Sparse:
    """A value for some pages: their docnums ascending and a value each (BM25 scores,
    term frequencies): what a posting list gives, kept per generation at 16 bytes a page."""

    __slots__ = ("docs", "values")

    def __init__(self, docs: np.ndarray = _NO_DOCS, values: np.ndarray = _NO_VALUES) -> None:
        self.docs, self.values = docs, values

    def __len__(self) -> int:
        return len(self.docs)

    def get(self, doc: int, default: float | None = None) -> float | None:
        i = int(np.searchsorted(self.docs, doc))
        return float(self.values[i]) if i < len(self.docs) and self.docs[i] == doc else default

    def holds(self, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` have a value (a mask of `docs`)."""
        at = np.searchsorted(self.docs, docs)
        inside = at < len(self.docs)
        inside[inside] = self.docs[at[inside]] == docs[inside]
        return inside

    def dense(self, size: int) -> np.ndarray:
        """The values as an array over every docnum (0.0 for pages without one)."""
        out = np.zeros(size)
        out[self.docs] = self.values
        return out

    def mask(self, size: int) -> np.ndarray:
        out = np.zeros(size, dtype=bool)
        out[self.docs] = True
        return out


class Positions:
    """One term's positions in one field, read for pages asked in ascending docnum order
    from the segments' posting files (`postlists`), one read per segment for the pages
    asked at once; what was read is kept for the generation's later queries (`known`,
    shared by the term's readers)."""

    def __init__(self, postings: Postings, field: str, term: str,
                 known: dict[int, tuple[int, ...] | None]) -> None:
        self.postings, self.field, self.term, self.known = postings, field, term, known
        self.leaves: list[tuple[int, postlists.PostingFile, bytes]] | None = None

    def read(self, docs: Sequence[int]) -> None:
        """Read the positions of those of `docs` (ascending, and above any this reader was
        asked before) not read yet: `of` gives them."""
        known = self.known
        missing = [d for d in docs if d not in known]
        if missing:
            if self.leaves is None:
                self.leaves = list(self.postings._leaves(self.field, self.term))
                self.postings.read["position lists"] += 1
            found: dict[int, tuple[int, ...]] = {}
            for base, posting_file, key in self.leaves:
                local = posting_file.positions(self.field, key, [d - base for d in missing if d >= base])
                found.update((d + base, value) for d, value in local.items())
                self.postings.read["positions decoded"] += len(local)
            for d in missing:
                known[d] = found.get(d)
            self.postings._kept_positions += len(missing)

    def of(self, doc: int) -> tuple[int, ...]:
        """The positions in a page `read` looked at and that holds the term."""
        return self.known[doc]


class Postings:
    """Posting lists of one index generation, read on first use and kept."""

    def __init__(self, reader, scored: postlists.Terms, english: list[bool],  # noqa: ANN001 - a whoosh reader
                 lengths: dict[str, Sequence[int]], terms: dict[str, list[str]]) -> None:
        """`scored`: the posting files of the reader's segments; `lengths`: each field's
        length per document as whoosh stores them; `terms`: each searchable field's terms
        (both from the generation's page table)."""
        self.scored = scored
        self.english = english
        self.size = reader.doc_count_all()
        # the pages of each language, as masks over docnums (scoring works on whole arrays)
        self.english_mask = np.array(english, dtype=bool)
        self.french_mask = ~self.english_mask
        self.n = max(1, reader.doc_count())
        names = [f.name for f in schema.FIELDS] + [schema.WORDS]
        self.lengths = lengths
        self._lengths = {name: np.array(values, dtype=np.float64) for name, values in lengths.items()}
        self.avg = {name: max(1.0, reader.field_length(name) / self.n) for name in names}
        self._scores: OrderedDict[tuple, object] = OrderedDict()   # and what `kept` keeps, least recent first
        self._kept_postings = 0    # postings held in _scores: the cache's bound is on them
        # pages' positions read so far, per (field, term) (None: the page has none)
        self._positions: dict[tuple[str, str], dict[int, tuple[int, ...] | None]] = {}
        self._kept_positions = 0
        # what queries have read from the index: stems scored, posting lists looked up and
        # their postings, lists of positions and pages' positions decoded (a cost to bound)
        self.read: Counter[str] = Counter()
        self._families: dict[str, list[str]] | None = None
        # each searchable field's terms: most (field, stem) pairs a query looks up are in no
        # page (a stem in 1 or 2 of the 7 fields), and the index's look-up of a missing term
        # costs as much as of a present one
        self._terms: dict[str, frozenset[str]] = {name: frozenset(words) for name, words in terms.items()}

    def weights(self, field: str, term: str) -> Sparse:
        """Term frequency per page (read from the index each time: term_scores keeps the result)."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        terms = self._terms.get(field)
        if terms is None or term in terms:
            text = term.encode("utf-8")
            for base, leaf, posting_file in self.scored.segments:
                found = posting_file.find(field, text)
                if found is None:
                    continue
                block_ids, block_weights = found
                deleted = leaf.deleted_docs_set
                if deleted:
                    keep = ~np.isin(block_ids, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
                    block_ids, block_weights = block_ids[keep], block_weights[keep]
                ids.append(block_ids + base if base else block_ids)
                weights.append(block_weights)
        found = Sparse(np.concatenate(ids), np.concatenate(weights)) if ids else Sparse()
        self.read["lists"] += 1
        self.read["postings"] += len(found)
        return found

    def positions(self, field: str, term: str) -> Positions:
        """A reader of the term's positions in pages asked for in ascending order."""
        if self._kept_positions > _CACHE_POSITIONS:
            self._positions.clear()
            self._kept_positions = 0
        return Positions(self, field, term, self._positions.setdefault((field, term), {}))

    def _leaves(self, field: str, term: str) -> Iterator[tuple[int, postlists.PostingFile, bytes]]:
        """(first docnum, posting file, the term's key) of each segment holding the term
        (deleted pages are not filtered: no page a query asks about is deleted)."""
        terms = self._terms.get(field)
        if terms is not None and term not in terms:
            return
        text = term.encode("utf-8")
        for base, _, posting_file in self.scored.segments:
            if posting_file.keeps_positions(field, text):
                yield base, posting_file, text

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
        return sum(self.scored.doc_frequency(name, stem) for name in _FAMILY_FIELDS if stem in self._terms[name])

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

    def field_tf(self, field: str, term: str) -> Sparse:
        """Term frequency in one field, normalised by the field's length (BM25F's per-field step)."""
        key = ("tf", field, term)
        found = self._cached(key)
        if found is None:
            b, avg = WEIGHTS.b[field], self.avg[field]
            floor = WEIGHTS.short_floor.get(field, 0.0) * avg
            tf = self.weights(field, term)
            found = Sparse(tf.docs, tf.values / (1 - b + b * np.maximum(self._lengths[field][tf.docs], floor) / avg))
            self._keep(key, found)
        return found

    def bm25f(self, term: str) -> Sparse:
        """BM25F of one stem over the searchable fields: boosted, length-normalised frequencies
        are summed first and saturated once, so a page cannot pile up score by repeating a word
        in every field, and matching more of the query's words counts more than matching one well."""
        key = ("bm25f", "", term)
        found = self._cached(key)
        if found is None:
            self.read["stems"] += 1
            pseudo = np.zeros(self.size)
            holding = np.zeros(self.size, dtype=bool)
            boosts = WEIGHTS.field_boosts
            for f in schema.FIELDS:
                known = self._terms.get(f.name)
                if known is not None and term not in known:   # most stems are in 1 or 2 of the fields
                    continue
                tf = self.field_tf(f.name, term)
                pseudo[tf.docs] += boosts[f.name] * tf.values
                holding[tf.docs] = True
            docs = np.flatnonzero(holding)
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            k1f = WEIGHTS.k1f
            x = pseudo[docs]
            found = Sparse(docs, idf * x * (k1f + 1) / (x + k1f))
            self._keep(key, found)
        return found

    def kept(self, key: tuple, make: Callable[[], object]) -> object:
        """`make()`, made once per generation and kept with the scores (the same bound): for
        other figures read from the index, such as a prefix's completions."""
        found = self._cached(key)
        if found is None:
            found = make()
            self._keep(key, found)
        return found

    def forget(self) -> None:
        """Let go every figure and position kept for later queries."""
        self._scores.clear()
        self._kept_postings = 0
        self._positions.clear()
        self._kept_positions = 0

    def _cached(self, key: tuple) -> object | None:
        """A figure kept, now the last to be let go; None when not kept."""
        found = self._scores.get(key)
        if found is not None:
            self._scores.move_to_end(key)
        return found

    def _keep(self, key: tuple, value: object) -> None:
        """Keep a figure for the generation's later queries: the kept posting lists hold
        _CACHE_POSTINGS postings at most (and _CACHE_LIMIT figures); past that, the figures
        used least recently are let go (the words of a site's popular queries stay)."""
        size = _size(value)
        scores = self._scores
        while scores and (len(scores) >= _CACHE_LIMIT or self._kept_postings + size > _CACHE_POSTINGS):
            _, old = scores.popitem(last=False)
            self._kept_postings -= _size(old)
        scores[key] = value
        self._kept_postings += size

    def term_scores(self, field: str, term: str) -> Sparse:
        """BM25 of one term in one field, for every page holding it (fixed for a generation: kept)."""
        key = (field, term)
        found = self._cached(key)
        if found is None:
            tf = self.weights(field, term)
            found = Sparse()
            if len(tf):
                idf = math.log(1 + (self.n - len(tf) + 0.5) / (len(tf) + 0.5))
                k1, b, avg = WEIGHTS.k1, WEIGHTS.b[field], self.avg[field]
                norm = k1 * (1 - b)
                scale = k1 * b / avg
                tfs = tf.values
                found = Sparse(tf.docs, idf * tfs * (k1 + 1) / (tfs + norm + scale * self._lengths[field][tf.docs]))
            self._keep(key, found)
        return found

    def dense(self, found: Sparse) -> np.ndarray:
        return found.dense(self.size)

    def language(self, english: bool) -> np.ndarray:
        """The mask of the pages in English (True) or in the site's language (False)."""
        return self.english_mask if english else self.french_mask


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


def _alternative(p: Postings, alt: tuple[str, ...], weight: float) -> np.ndarray:
    """Pages holding every term of one alternative, scored over all fields with their boosts
    (an array over docnums: 0.0 for the pages without)."""
    per_term = [p.dense(p.bm25f(term)) for term in alt]
    if len(per_term) == 1:
        return per_term[0] if weight == 1.0 else per_term[0] * weight
    shared = np.logical_and.reduce([a > 0.0 for a in per_term])
    total = per_term[0] + per_term[1]
    for a in per_term[2:]:
        total += a
    return np.where(shared, WEIGHTS.compound_factor * weight * total, 0.0)


def _alternative_sparse(p: Postings, alt: tuple[str, ...], weight: float, for_english: bool) -> Sparse:
    """`_alternative` restricted to the pages of one language, as a Sparse: the same
    floats, computed over the pages holding the terms instead of over every page."""
    per_term = [p.bm25f(term) for term in alt]
    if len(per_term) == 1:
        docs, values = per_term[0].docs, per_term[0].values
        if weight != 1.0:
            values = values * weight
    else:
        docs = per_term[0].docs
        for found in per_term[1:]:
            docs = np.intersect1d(docs, found.docs, assume_unique=True)
        each = [found.values[np.searchsorted(found.docs, docs)] for found in per_term]
        shared = np.logical_and.reduce([v > 0.0 for v in each])
        docs = docs[shared]
        total = each[0][shared] + each[1][shared]
        for v in each[2:]:
            total += v[shared]
        values = WEIGHTS.compound_factor * weight * total
    mine = p.language(for_english)[docs]
    return Sparse(docs[mine], values[mine])


def _best(found: list[Sparse]) -> Sparse:
    """The greatest value of each page over `found` (a page missing from one counts 0.0 there)."""
    if len(found) == 1:
        return found[0]
    docs = np.concatenate([f.docs for f in found])
    values = np.concatenate([f.values for f in found])
    order = np.argsort(docs, kind="stable")
    docs, values = docs[order], values[order]
    if not len(docs):
        return Sparse()
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    return Sparse(docs[starts], np.maximum(np.maximum.reduceat(values, starts), 0.0))


Groups = list[list[tuple[tuple[str, ...], bool, float, str]]]   # `_groups`' ways of matching a word


def _sparse_total(p: Postings, groups: Groups) -> np.ndarray:
    """word_scores' sum of its groups' best ways, computed over the pages each way holds:
    a word's ways (its alternatives, English forms, completions, family) are a few dozen
    arrays over every page otherwise, most of them zeros."""
    total = np.zeros(p.size)
    for group in groups:
        if group:
            best = _best([_alternative_sparse(p, alt, weight, for_english) for alt, for_english, weight, _ in group])
            total[best.docs] += best.values
    return total


def _sparse_pays(p: Postings, groups: Groups) -> bool:
    """Whether the word's ways hold few enough postings for `_sparse_total` to be the cheaper."""
    held = 0
    for group in groups:
        for alt, _, _, _ in group:
            held += min(len(p.bm25f(term)) for term in alt)
    return held * 4 < p.size


def _groups(word: QueryWord, extra: Iterable[tuple[str, float, bool]]) -> Groups:
    """Ways a page can match the word, as (terms, for English pages, weight, kind), in two groups.

    A page scores the best way of each group, and the groups add up: the word itself (or,
    at a discount, a completion of the word being typed, which can never outscore the
    word), and related words (its family), which add evidence to a page using both."""
    main = [(alt, False, 1.0, "word") for alt in word.alternatives]
    main += [(alt, True, 1.0, "english") for alt in word.english]
    main += [((stem,), False, weight, "prefix") for stem, weight, related in extra if not related]
    return [main, [((stem,), False, weight, "family") for stem, weight, related in extra if related]]


def word_scores(p: Postings, word: QueryWord, extra: Iterable[tuple[str, float, bool]] = (),
                parts: Parts | None = None) -> np.ndarray:
    """Pages matching a word (in their own language's analysis) and their score for it, as
    an array over docnums (0.0 for the pages that do not match).

    `extra` are (stem, weight, related) looser matches: completions of a word being typed,
    and related words (family); the exact form typed adds a bonus to pages already matched.
    `parts`, when given, is a collector ({docnum: []}, see `collector`): each of its pages
    matched gets the Parts its score is the sum of. Searching passes none and builds none.
    """
    groups = _groups(word, extra)   # made once: each path below walks them
    if parts is None and _sparse_pays(p, groups):
        return _with_exact(p, word, _sparse_total(p, groups))
    total: np.ndarray | None = None
    chosen: list[dict[int, tuple]] = []
    for group in groups:
        best: np.ndarray | None = None
        picked: dict[int, tuple] = {}
        for way in group:
            alt, for_english, weight, _kind = way
            scored = np.where(p.language(for_english), _alternative(p, alt, weight), 0.0)
            if parts is not None:   # the way each page to explain takes its score by
                for d in parts:
                    if scored[d] > (0.0 if best is None else best[d]):
                        picked[d] = way
            best = scored if best is None else np.maximum(best, scored)
        if best is not None:
            total = best if total is None else total + best
        chosen.append(picked)
    total = _with_exact(p, word, np.zeros(p.size) if total is None else total)
    if parts is not None:
        for d, found in parts.items():
            if total[d] > 0.0:
                found += _parts(p, word, d, [picked[d] for picked in chosen if d in picked])
    return total


def _with_exact(p: Postings, word: QueryWord, total: np.ndarray) -> np.ndarray:
    """`total` (a word's scores, changed in place) with the exact form's bonus for the pages it holds."""
    bonus = WEIGHTS.exact_form_boost
    for form in word.exact:
        found = p.term_scores(schema.WORDS, form)
        matched = total[found.docs] > 0.0
        total[found.docs[matched]] += bonus * found.values[matched]
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
            total = p.bm25f(term).get(doc)
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


def side_by_side(p: Postings, words: tuple[QueryWord, ...]) -> np.ndarray:
    """The pages where the words may stand together (each word's stem in one field with
    positions, in the page's language), docnums ascending: `together` finds its pages among
    these. Read from the frequencies scoring reads, the words in order, a field left at the
    first word none of its pages hold."""
    found = np.zeros(p.size, dtype=bool)
    for field, lang_english, stems in _phrase_stems(words):
        pages = p.language(lang_english)
        for stem in stems:
            pages = pages & p.field_tf(field, stem).mask(p.size)
            if not pages.any():
                break
        else:
            found |= pages
    return np.flatnonzero(found)


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
    docs = np.fromiter(docs, dtype=np.int64) if not isinstance(docs, np.ndarray) else docs
    if not len(docs):
        return
    gaps = [w.gap for w in words]
    for field, lang_english, stems in _phrase_stems(words):
        having = [p.field_tf(field, s) for s in stems]
        here = docs[p.language(lang_english)[docs]]
        for holding in having:
            if not len(here):
                break
            here = here[holding.holds(here)]
        todo = sorted(d for d in here.tolist() if d not in found)
        lists: list[Positions] = []
        for start in range(0, len(todo), _POSITIONS_CHUNK):   # positions read a chunk of pages at a time
            chunk = todo[start:start + _POSITIONS_CHUNK]
            unread = [d for d in chunk if (field, d) not in decoded]
            if unread and not lists:
                lists = [p.positions(field, s) for s in stems]
            for lst in lists if unread else ():
                lst.read(unread)
            for d in chunk:
                if d in found:
                    continue
                key = (field, d)
                positions = decoded.get(key)
                if positions is None:   # decoded only when looked at (a phrase test stops at the first)
                    positions = decoded[key] = [lst.of(d) for lst in lists]
                if _sequence(positions, gaps, slop):
                    found.add(d)
                    yield d
