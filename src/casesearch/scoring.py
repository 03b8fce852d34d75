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
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.ma  # noqa: F401 - np.isin and np.unique import it on their first call: 20 ms, in a visitor's query

from . import analysis, postlists, schema
from .query import QueryWord
from .weights import WEIGHTS

try:   # the same arithmetic compiled (setup.py): optional, the numpy code below scores without it
    from . import _wordscore as native
except ImportError:   # pragma: no cover - an install without a C compiler
    native = None

_FAMILY_FIELDS = ("title", "summary", "body")   # where word families are read
_CACHE_LIMIT = 20_000     # figures kept per generation (memory, not ranking)
POSTINGS_PER_MB = 62_500   # postings kept per MB of the kept scores' bound (16 bytes each)
_HOLDERS_SHARE = 4        # a word whose ways hold fewer than 1/4 of the pages is scored over those only
_LOOKUP_SHARE = 32        # a list this many times shorter than its docnums' span is looked up (else mapped)
_POSITIONS_CHUNK = 64      # pages whose positions are read at once (a phrase test stops at the first found)


def _size(value: object) -> int:
    """What a kept figure counts against the kept scores' bound: its postings (16 bytes each), a
    list of pages as half as many (8 bytes a page), 1 for another figure."""
    if isinstance(value, Sparse):
        return len(value)
    return (len(value) + 1) // 2 if isinstance(value, np.ndarray) else 1


_NO_DOCS = np.zeros(0, dtype=np.int64)
_NO_VALUES = np.zeros(0)


def _located(ascending: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `docs` is in `ascending` (where it is there; a valid place in it
    otherwise, when `ascending` is not empty), and whether it is there: both docnums
    ascending, each once.

    numpy's binary search costs about 30 ns a look-up at these sizes: a short list is looked
    up in the long one (either way round), and when both are long (as long as 1/_LOOKUP_SHARE
    of the docnums they span) a map over that span costs a few ns a docnum instead."""
    if not len(ascending) or not len(docs):
        return np.zeros(len(docs), dtype=np.int64), np.zeros(len(docs), dtype=bool)
    span = max(int(ascending[-1]), int(docs[-1])) + 1
    if len(docs) * _LOOKUP_SHARE < span and len(docs) <= len(ascending):   # each of a few pages looked up
        at = ascending.searchsorted(docs)
        np.minimum(at, len(ascending) - 1, out=at)   # past the end: the last, which is not it
        return at, ascending[at] == docs
    if len(ascending) * _LOOKUP_SHARE < span:   # each of a few values looked up among the pages
        i = np.searchsorted(docs, ascending)
        there = i < len(docs)
        there[there] = docs[i[there]] == ascending[there]
        inside = np.zeros(len(docs), dtype=bool)
        inside[i[there]] = True
        at = np.zeros(len(docs), dtype=np.int64)
        at[i[there]] = np.flatnonzero(there)
        return at, inside
    where = np.zeros(span, dtype=np.int32)   # both many: each value's place + 1 at its docnum
    where[ascending] = np.arange(1, len(ascending) + 1, dtype=np.int32)
    at = where[docs] - 1
    return at, at >= 0


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
        return _located(self.docs, docs)[1]

    def at(self, docs: np.ndarray) -> np.ndarray:
        """The values of `docs` (ascending), 0.0 for those without one."""
        if not len(self.docs):
            return np.zeros(len(docs))
        at, inside = _located(self.docs, docs)
        return np.where(inside, self.values[at], 0.0)

    def among(self, docs: np.ndarray) -> Sparse:
        """The pages of `docs` (ascending) that have a value, with theirs."""
        at, inside = _located(self.docs, docs)
        return Sparse(docs[inside], self.values[at[inside]])

    def dense(self, size: int) -> np.ndarray:
        """The values as an array over every docnum (0.0 for pages without one)."""
        out = np.zeros(size)
        out[self.docs] = self.values
        return out


class Postings:
    """Posting lists of one index generation, read on first use and kept."""

    def __init__(self, reader, scored: postlists.Terms, english: list[bool],  # noqa: ANN001 - a whoosh reader
                 lengths: dict[str, Sequence[int]], terms: dict[str, list[str]], *, kept_mb: int) -> None:
        """`scored`: the posting files of the reader's segments; `lengths`: each field's
        length per document as whoosh stores them; `terms`: each searchable field's terms
        (both from the generation's page table); `kept_mb`: the bound on the scores kept for
        later queries (the `score_cache_mb` setting; 0: none kept)."""
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
        self._norms: dict[str, np.ndarray] = {}   # field_tf's divisor per page, per field
        self.avg = {name: max(1.0, reader.field_length(name) / self.n) for name in names}
        self._scores: OrderedDict[tuple, object] = OrderedDict()   # and what `kept` keeps, least recent first
        self._kept_postings = 0    # postings held in _scores: the cache's bound is on them
        self.kept_bound = kept_mb * POSTINGS_PER_MB   # postings at most
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
        found = (Sparse() if not ids else Sparse(ids[0], weights[0]) if len(ids) == 1   # one segment: no copy
                 else Sparse(np.concatenate(ids), np.concatenate(weights)))
        self.read["lists"] += 1
        self.read["postings"] += len(found)
        return found

    def position_keys(self, field: str, term: str, docs: np.ndarray) -> np.ndarray:
        """docnum << 32 | position of each of the term's positions in the field in the pages
        `docs` (ascending) holding it, ascending."""
        terms = self._terms.get(field)
        if terms is not None and term not in terms:
            return _NO_DOCS
        text = term.encode("utf-8")
        self.read["position lists"] += 1
        segments = self.scored.segments
        found = []
        for k, (base, _, posting_file) in enumerate(segments):
            mine = docs[(docs >= base) & (docs < segments[k + 1][0])] if k + 1 < len(segments) else docs[docs >= base]
            if len(mine) and posting_file.keeps_positions(field, text):
                held, keys = posting_file.position_keys(field, text, mine - base if base else mine)
                self.read["positions decoded"] += len(held)
                found.append(keys + (base << 32) if base else keys)
        return np.concatenate(found) if len(found) > 1 else found[0] if found else _NO_DOCS

    def family(self, term: str) -> list[str]:
        """Other stems of the index in the same word family as `term` (an aggressive
        Snowball stem shared), most frequent first: recrutement -> recrut (recruter, recrute).
        Kept for the generation."""
        return self.kept(("family", "", term), lambda: self._family(term))

    def _family(self, term: str) -> list[str]:
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

    def spread(self, term: str) -> int:
        """How many pages hold the stem in a searchable field: exact once `bm25f` has read it,
        before that the fields' page counts summed (a page holding it in two fields counts
        twice): no posting list is read."""
        found = self._scores.get(("bm25f", "", term))
        if found is not None:
            return len(found)
        return sum(self.scored.doc_frequency(f.name, term) for f in schema.FIELDS
                   if (known := self._terms.get(f.name)) is None or term in known)

    def field_tf(self, field: str, term: str) -> Sparse:
        """Term frequency in one field, normalised by the field's length (BM25F's per-field step).
        Not kept: `bm25f` keeps the stem's score made of them, and phrase tests keep the pages
        holding the term (`field_pages`), half the memory: more scores are kept in the same bound."""
        tf = self.weights(field, term)
        return Sparse(tf.docs, tf.values / self._norm(field)[tf.docs])

    def field_pages(self, field: str, term: str) -> np.ndarray:
        """The pages holding the term in the field, docnums ascending (kept for the generation)."""
        return self.kept(("pages", field, term), lambda: self.weights(field, term).docs)

    def _norm(self, field: str) -> np.ndarray:
        """BM25's length normalisation of the field, per page (made once per generation: the
        same floats as made for each list's pages)."""
        norm = self._norms.get(field)
        if norm is None:
            b, avg = WEIGHTS.b[field], self.avg[field]
            floor = WEIGHTS.short_floor.get(field, 0.0) * avg
            norm = self._norms[field] = 1 - b + b * np.maximum(self._lengths[field], floor) / avg
        return norm

    def bm25f(self, term: str) -> Sparse:
        """BM25F of one stem over the searchable fields: boosted, length-normalised frequencies
        are summed first and saturated once, so a page cannot pile up score by repeating a word
        in every field, and matching more of the query's words counts more than matching one well."""
        key = ("bm25f", "", term)
        found = self.cached(key)
        if found is None:
            self.read["stems"] += 1
            # most stems are in 1 or 2 of the fields, many a query looks up in none
            names = [f.name for f in schema.FIELDS if (known := self._terms.get(f.name)) is None or term in known]
            docs, x = self._boosted(term, names) if native is None else self._native_boosted(term, names)
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            k1f = WEIGHTS.k1f
            found = Sparse(docs, idf * x * (k1f + 1) / (x + k1f)) if len(docs) else Sparse()
            self.keep(key, found)
        return found

    def _boosted(self, term: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(pages, boosted length-normalised frequencies summed over the fields `names`) of a stem."""
        boosts = WEIGHTS.field_boosts
        held = [(name, tf) for name in names if len(tf := self.field_tf(name, term))]
        if len(held) == 1:   # the boosted frequencies as they are: the same floats as summed from 0.0
            name, tf = held[0]
            return tf.docs, boosts[name] * tf.values
        pseudo = np.zeros(self.size)
        holding = np.zeros(self.size, dtype=bool)
        for name, tf in held:
            pseudo[tf.docs] += boosts[name] * tf.values
            holding[tf.docs] = True
        docs = np.flatnonzero(holding)
        return docs, pseudo[docs]

    def _native_boosted(self, term: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """`_boosted` by the compiled module: the same floats, the fields' lists merged
        instead of summed into arrays over every page."""
        boosts = WEIGHTS.field_boosts
        fields = [((tf.docs, tf.values), self._norm(name), boosts[name])
                  for name in names if len(tf := self.weights(name, term))]
        docs, x = native.fields(fields)
        return np.frombuffer(docs, dtype=np.int64), np.frombuffer(x, dtype=np.float64)

    def kept(self, key: tuple, make: Callable[[], object]) -> object:
        """`make()`, made once per generation and kept with the scores (the same bound): for
        other figures read from the index, such as a prefix's completions."""
        found = self.cached(key)
        if found is None:
            found = make()
            self.keep(key, found)
        return found

    def forget(self) -> None:
        """Let go every figure kept for later queries."""
        self._scores.clear()
        self._kept_postings = 0

    def cached(self, key: tuple) -> object | None:
        """A figure kept, now the last to be let go; None when not kept."""
        found = self._scores.get(key)
        if found is not None:
            self._scores.move_to_end(key)
        return found

    def keep(self, key: tuple, value: object) -> None:
        """Keep a figure for the generation's later queries: the kept posting lists hold
        `kept_bound` postings at most (and _CACHE_LIMIT figures); past that, the figures
        used least recently are let go (the words of a site's popular queries stay)."""
        size = _size(value)
        if not self.kept_bound or size > self.kept_bound:   # none kept (0), or it would not fit even alone
            return
        scores = self._scores
        while scores and (len(scores) >= _CACHE_LIMIT or self._kept_postings + size > self.kept_bound):
            _, old = scores.popitem(last=False)
            self._kept_postings -= _size(old)
        scores[key] = value
        self._kept_postings += size

    def term_scores(self, field: str, term: str) -> Sparse:
        """BM25 of one term in one field, for every page holding it (fixed for a generation: kept)."""
        key = (field, term)
        found = self.cached(key)
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
            self.keep(key, found)
        return found

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


def _over(found: Sparse, within: np.ndarray | None, size: int) -> np.ndarray:
    """`found`'s values over the pages `within` (docnums ascending), or over every page when
    None: an array, 0.0 for the pages it has no value for."""
    return found.dense(size) if within is None else found.at(within)


def _alternative(p: Postings, alt: tuple[str, ...], weight: float, within: np.ndarray | None) -> np.ndarray:
    """Pages holding every term of one alternative, scored over all fields with their boosts
    (an array over the pages `within`, or every page: 0.0 for the pages without)."""
    per_term = [_over(p.bm25f(term), within, p.size) for term in alt]
    if len(per_term) == 1:
        return per_term[0] if weight == 1.0 else per_term[0] * weight
    shared = np.logical_and.reduce([a > 0.0 for a in per_term])
    total = per_term[0] + per_term[1]
    for a in per_term[2:]:
        total += a
    return np.where(shared, WEIGHTS.compound_factor * weight * total, 0.0)


Groups = list[list[tuple[tuple[str, ...], bool, float, str]]]   # `_groups`' ways of matching a word


def _holders(p: Postings, groups: Groups) -> np.ndarray | None:
    """The pages that may match one of the ways (each way's rarest term's pages), docnums
    ascending; None when they are so many that arrays over every page cost less."""
    rarest = [min((p.bm25f(term) for term in alt), key=len).docs for group in groups for alt, _, _, _ in group]
    if sum(len(docs) for docs in rarest) * _HOLDERS_SHARE >= p.size:
        return None
    return union(rarest, p.size)


def union(lists: list[np.ndarray], size: int) -> np.ndarray:
    """The docnums in any of `lists` (each ascending), ascending."""
    if len(lists) <= 1:
        return lists[0] if lists else _NO_DOCS
    found = np.zeros(size, dtype=bool)   # cheaper than sorting them (np.unique) whatever their lengths
    for docs in lists:
        found[docs] = True
    return np.flatnonzero(found)


def reach(p: Postings, word: QueryWord, extra: Iterable[tuple[str, float, bool]] = ()) -> int:
    """About how many pages match the word at most (each way's rarest term's pages, summed,
    from `Postings.spread`): which of a query's words to look for first. Read from the
    term lists' counts, so a word the search never gets to (no page holds the ones before
    it) is never scored; the order changes which pages are looked at, never a score."""
    return sum(min(p.spread(term) for term in alt) for group in _groups(word, extra) for alt, _, _, _ in group)


def matches(p: Postings, word: QueryWord) -> bool:
    """Whether a page matches the word as typed (`word_scores` would find one), found
    without scoring: one page of its language holding every term of one of its ways."""
    for alt, for_english, _, _ in _groups(word, ())[0]:
        lists = [p.bm25f(term) for term in alt]
        docs = min(lists, key=len).docs
        docs = docs[p.language(for_english)[docs]]
        for found in lists:
            docs = docs[found.holds(docs)]
        if len(docs):
            return True
    return False


def sum_at(lists: Sequence[Sparse], docs: np.ndarray) -> np.ndarray:
    """The values of `docs` (ascending) summed over `lists`, in their order: 0.0 where one
    has no value, so each sum is the same float as summed page by page."""
    total = lists[0].at(docs)
    for found in lists[1:]:
        total = total + found.at(docs)
    return total


def best_of(a: Sparse, b: Sparse) -> Sparse:
    """Each page's greater value of the two (0.0 where one has none)."""
    docs = _merged(a.docs, b.docs)
    return Sparse(docs, np.maximum(a.at(docs), b.at(docs)))


def _merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The docnums of two ascending arrays, ascending, each once (np.union1d hashes: slower here)."""
    both = np.sort(np.concatenate((a, b)))
    return both[np.concatenate(([True], both[1:] != both[:-1]))] if len(both) else both


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
                parts: Parts | None = None, within: np.ndarray | None = None) -> Sparse:
    """Pages matching a word (in their own language's analysis) and their score for it.

    `within` (docnums ascending) limits the pages looked at: a query's other words were
    found in those only, and each figure is computed over them instead of over every page
    (each page's score is the same float either way).
    `extra` are (stem, weight, related) looser matches: completions of a word being typed,
    and related words (family); the exact form typed adds a bonus to pages already matched.
    `parts`, when given, is a collector ({docnum: []}, see `collector`): each of its pages
    matched gets the Parts its score is the sum of. Searching passes none and builds none.

    A word scored over every page is kept for the generation (with the stems' scores, the
    same bound): a word typed again, in a later query or tier, is looked up.
    """
    extra = tuple(extra)
    key = ("word", word.alternatives, word.english, word.exact, extra)
    if parts is None:   # a word scored over every page before: its pages among `within`
        whole = p.cached(key)
        if whole is not None:
            return whole if within is None else whole.among(within)
    found = _word_scores(p, word, extra, parts, within)
    if within is None and parts is None:
        p.keep(key, found)
    return found


def _word_scores(p: Postings, word: QueryWord, extra: tuple[tuple[str, float, bool], ...],
                 parts: Parts | None, within: np.ndarray | None) -> Sparse:
    groups = _groups(word, extra)   # made once: each step below walks them
    if native is not None and parts is None:
        return _native_scores(p, word, groups, within)
    if within is None:   # a rare word's pages are few: looked at alone
        within = _holders(p, groups)
    english = p.english_mask if within is None else p.english_mask[within]
    french = p.french_mask if within is None else ~english
    where = {}
    if parts is not None:   # where each page to explain is in the arrays
        asked = sorted(parts)
        at, inside = (asked, [True] * len(asked)) if within is None else _located(within, np.array(asked, dtype=np.int64))
        where = {d: int(i) for d, i, there in zip(asked, at, inside) if there}
    total: np.ndarray | None = None
    chosen: list[dict[int, tuple]] = []
    for group in groups:
        best: np.ndarray | None = None
        picked: dict[int, tuple] = {}
        for way in group:
            alt, for_english, weight, _kind = way
            scored = np.where(english if for_english else french, _alternative(p, alt, weight, within), 0.0)
            for d, i in where.items():   # the way each page to explain takes its score by
                if scored[i] > (0.0 if best is None else best[i]):
                    picked[d] = way
            best = scored if best is None else np.maximum(best, scored)
        if best is not None:
            total = best if total is None else total + best
        chosen.append(picked)
    if total is None:
        total = np.zeros(p.size if within is None else len(within))
    _with_exact(p, word, total, within)
    matched = total > 0.0
    found = Sparse(np.flatnonzero(matched) if within is None else within[matched], total[matched])
    for d, i in where.items():
        if total[i] > 0.0:
            parts[d] += _parts(p, word, d, [picked[d] for picked in chosen if d in picked])
    return found


def _native_scores(p: Postings, word: QueryWord, groups: Groups, within: np.ndarray | None) -> Sparse:
    """`_word_scores` by the compiled module: the same pages and floats, without an array
    over the pages for each way (a page is looked up in each term's list once). The posting
    lists are read as the numpy code reads them (`bm25f` and `term_scores`, kept alike)."""
    ways = [[([(found.docs, found.values) for found in (p.bm25f(term) for term in alt)], for_english, weight)
             for alt, for_english, weight, _kind in group] for group in groups]
    exact = [(found.docs, found.values) for found in (p.term_scores(schema.WORDS, form) for form in word.exact)]
    docs, values = native.score(p.english_mask, within, ways, WEIGHTS.compound_factor, exact, WEIGHTS.exact_form_boost)
    return Sparse(np.frombuffer(docs, dtype=np.int64), np.frombuffer(values, dtype=np.float64)) if docs else Sparse()


def _with_exact(p: Postings, word: QueryWord, total: np.ndarray, within: np.ndarray | None) -> None:
    """Add to `total` (a word's scores over the pages `within`, or every page) the exact
    form's bonus for the pages it holds."""
    bonus = WEIGHTS.exact_form_boost
    for form in word.exact:
        found = p.term_scores(schema.WORDS, form)
        if within is None:
            matched = total[found.docs] > 0.0
            total[found.docs[matched]] += bonus * found.values[matched]
        else:
            values = _over(found, within, p.size)
            matched = (total > 0.0) & (values > 0.0)
            total[matched] += bonus * values[matched]


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


def _in_sequence(key_lists: list[np.ndarray], gaps: list[int], slop: int) -> np.ndarray:
    """The pages where the words occur in order, each within gap+slop positions of the
    previous one (each word taking its first position after the previous word's), from each
    word's position keys (docnum << 32 | position, ascending): docnums ascending.

    Every start of the first word is followed at once: the next word's first key after
    the previous word's is in the same page and close enough, or this start fails (a key
    of a later page is more than 2**32 above)."""
    starts = key_lists[0]
    at, ok = starts, np.ones(len(starts), dtype=bool)
    for keys, gap in zip(key_lists[1:], gaps[1:]):
        if not len(keys):
            return _NO_DOCS
        i = np.searchsorted(keys, at, side="right")
        ok &= i < len(keys)
        after = keys[np.minimum(i, len(keys) - 1)]
        ok &= after <= at + (gap + slop)
        at = after
    docs = starts[ok] >> 32
    return docs[np.concatenate(([True], docs[1:] != docs[:-1]))] if len(docs) else _NO_DOCS


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
    found = []
    for field, lang_english, stems in _phrase_stems(words):
        pages = None
        for stem in stems:
            holding = p.field_pages(field, stem)
            pages = holding[p.language(lang_english)[holding]] if pages is None \
                else pages[_located(holding, pages)[1]]
            if not len(pages):
                break
        else:
            found.append(pages)
    return union(found, p.size)


def together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int,
             decoded: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] | None = None) -> set[int]:
    """The pages among `docs` where the words stand together in the title or the body.

    Positions are read only for a field where some of the pages hold every word (which
    the frequencies that scored them tell), and decoded only for those pages; `decoded`
    keeps them for another call on the same words (the next proximity grade). Every page is
    wanted: each field's pages are decoded at once (a posting list's block read once)."""
    return set(_together(p, words, docs, slop, {} if decoded is None else decoded, first=None))


def stand_together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int) -> bool:
    """Whether the words stand together in one of `docs` at least (`together` stopped at the
    first pages where some do)."""
    return next(_together(p, words, docs, slop, {}, first=_POSITIONS_CHUNK), None) is not None


def _together(p: Postings, words: tuple[QueryWord, ...], docs: Iterable[int], slop: int,
              decoded: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], first: int | None) -> Iterator[int]:
    """`together`'s pages, each once, as they are found: the pages are looked at in chunks,
    the `first` pages, then each chunk twice the one before (a test that stops at the first
    page found stops at the first chunk holding one), or all at once (None)."""
    found: set[int] = set()
    docs = np.fromiter(docs, dtype=np.int64) if not isinstance(docs, np.ndarray) else docs
    docs = np.sort(docs)
    if not len(docs):
        return
    gaps = [w.gap for w in words]
    for field, lang_english, stems in _phrase_stems(words):
        here = docs[p.language(lang_english)[docs]]
        for stem in stems:
            if not len(here):
                break
            here = here[_located(p.field_pages(field, stem), here)[1]]
        if found and len(here):
            here = here[~np.isin(here, np.fromiter(found, dtype=np.int64, count=len(found)))]
        start, size = 0, first or len(here)
        while start < len(here):
            chunk = here[start:start + size]
            start, size = start + size, size * 2
            close = _in_sequence([_keys_of(p, field, stem, chunk, decoded) for stem in stems], gaps, slop)
            for d in close.tolist():
                if d not in found:
                    found.add(d)
                    yield d


def _keys_of(p: Postings, field: str, stem: str, docs: np.ndarray,
             decoded: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The stem's position keys in the field in `docs` (ascending), each page decoded once
    for the calls sharing `decoded`."""
    read, keys = decoded.get((field, stem), (_NO_DOCS, _NO_DOCS))
    missing = docs[~_located(read, docs)[1]] if len(read) else docs
    if len(missing):
        keys = np.sort(np.concatenate((keys, p.position_keys(field, stem, missing))))
        read = _merged(read, missing)
        decoded[(field, stem)] = read, keys
    if len(read) > len(docs) and len(keys):   # the keys of `docs` only: a mask over the docnums' span
        wanted = np.zeros(max(int(docs[-1]), int(keys[-1] >> 32)) + 1, dtype=bool)
        wanted[docs] = True
        keys = keys[wanted[keys >> 32]]
    return keys
