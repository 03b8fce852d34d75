"""Ranking a parsed query on one generation: pages with every word, then with some,
then typo corrections; synonyms, word families, completions, proximity and priors.

The figures are `weights.WEIGHTS`. Asked to explain some pages, the same code collects
their parts and factors as it scores them (`Ranking.explained`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from . import analysis, names, postlists, query, schema, scoring
from .errors import QueryError
from .query import ParsedQuery, QueryWord
from .schema import StoredPage
from .scoring import Explanation, Parts, collector
from .snapshot import Snapshot, signature
from .weights import WEIGHTS

FILTER_CHARS = 100        # longest category / tag / lang value accepted (input checking, not ranking)
# a corrected query may be longer than the one typed: each word at most 3 (names.py)
REWRITTEN_LIMITS = {"max_chars": 1000, "max_terms": 40}


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    tag: str | None = None
    year: str | None = None
    lang: str | None = None

    def check(self) -> Filters:
        """Itself, or QueryError saying what is allowed (the API and the CLI alike)."""
        for name in ("category", "tag", "lang"):
            value = getattr(self, name)
            if value is not None and len(value) > FILTER_CHARS:
                raise QueryError(f"{name} is at most {FILTER_CHARS} characters long")
        if self.year is not None and not re.fullmatch(r"[0-9]{4}", self.year):
            raise QueryError(f"year must be four digits such as 2021, not {self.year[:20]!r}")
        return self

    def accepts(self, page: StoredPage) -> bool:
        return ((not self.category or page.category.casefold() == self.category.casefold())
                and (not self.tag or self.tag.casefold() in (t.casefold() for t in page.tags))
                and (not self.year or (page.date or "")[:4] == self.year)
                and (not self.lang or page.lang == self.lang))

    def __bool__(self) -> bool:
        return any((self.category, self.tag, self.year, self.lang))


@dataclass(frozen=True)
class Tier:
    """Pages found by one way of searching a query (its words as typed, the corrected
    query, some of the words) and their scores, in no order: `Ranking` orders only what it
    shows, a window's worth, not every page found."""

    docs: np.ndarray     # docnums
    scores: np.ndarray   # their scores, > 0

    def __len__(self) -> int:
        return len(self.docs)

    def order(self, snap: Snapshot, k: int | None = None) -> np.ndarray:
        """Positions of the k best pages (all when None), best first; equal scores by the
        page's source path, as the static search breaks them (docnums are whoosh's own)."""
        scores, docs = self.scores, self.docs
        if k is not None and k < len(docs):
            if k <= 0:
                return docs[:0]
            # the pages scoring at least the k-th best score, ties at it included
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            candidates = np.flatnonzero(scores >= kth)
            best = np.lexsort((snap.source_rank[docs[candidates]], -scores[candidates]))
            return candidates[best[:k]]
        return np.lexsort((snap.source_rank[docs], -scores))

    def without(self, docs: np.ndarray) -> Tier:
        keep = ~np.isin(self.docs, docs)
        return Tier(self.docs[keep], self.scores[keep])

    def scaled(self, factor: float, top: float) -> Tier:
        """Scores times factor / top (`_below`'s scaling; order kept)."""
        return Tier(self.docs, self.scores * factor / top)


_NONE = Tier(np.zeros(0, dtype=np.int64), np.zeros(0))


@dataclass(frozen=True)
class Ranking:
    tiers: tuple[Tier, ...]               # pages found, each tier's below the one before
    suggestion: str | None                # the typo-corrected query, when it found more
    prefixes: tuple[str, ...]             # completions of the word being typed
    queries: tuple[ParsedQuery, ...]      # what was searched: as typed, then the correction
    # for the pages asked to be explained (and ranked): their score's parts and factors
    explained: dict[int, Explanation] = field(default_factory=dict)

    @property
    def words(self) -> tuple[QueryWord, ...]:
        """Every word searched for, as typed or corrected: what highlighting marks."""
        return tuple(w for q in self.queries for w in q.positive)

    @property
    def total(self) -> int:
        return sum(len(t) for t in self.tiers)

    def docnums(self) -> np.ndarray:
        """Every page found (for facets), in no order."""
        return np.concatenate([t.docs for t in self.tiers]) if self.tiers else _NONE.docs

    def top(self, snap: Snapshot, k: int | None = None) -> list[tuple[int, float]]:
        """The k best (docnum, score), best first (all when None)."""
        out: list[tuple[int, float]] = []
        for t in self.tiers:
            if k is not None and len(out) >= k:
                break
            at = t.order(snap, None if k is None else k - len(out))
            out += zip(t.docs[at].tolist(), t.scores[at].tolist())
        return out

    def by_date(self, snap: Snapshot, k: int) -> list[tuple[int, float]]:
        """The k latest pages found, undated ones last; pages of the same date in the order of relevance."""
        ranked = self.top(snap)
        docs = np.fromiter((d for d, _ in ranked), dtype=np.int64, count=len(ranked))
        latest = np.argsort(-snap.date_rank[docs], kind="stable")[:k]
        return [ranked[i] for i in latest.tolist()]


def rank(snap: Snapshot, parsed: ParsedQuery, filters: Filters, explain: Collection[int] = ()) -> Ranking:
    """Pages best first, in tiers: pages with every word as typed; then, when a word is
    unknown to the index or too little is found, pages with every word of the
    typo-corrected query; then, when still too little, pages with some of the words.

    `explain`: pages (docnums) whose score to take apart, in `Ranking.explained`; the
    ranking itself is the same with or without."""
    if parsed.is_empty:
        return Ranking((), None, (), ())
    typed_query = parsed
    explained: dict[int, Explanation | None] | None = dict.fromkeys(explain) if explain else None
    prefixes = (snap.postings.kept(("completions", "", parsed.prefix), lambda: completions(snap.terms, parsed.prefix))
                if parsed.prefix else ())
    # a question asks for pages with some of its words too, ranked with those with all
    ranked = _score(snap, parsed, filters, prefixes, all_words=not parsed.question, explained=explained)
    suggestion = None
    typed = [w for w in parsed.positive if not (prefixes and w is parsed.words[-1])]  # not the word being typed
    # a word typed in parts (projet-données) is known when pages match it as typed, though
    # its joined form is in none (a joined form some page holds needs no look: it is known)
    found = [w for w in typed if names.parts(w.raw) and not snap.vocabulary.frequency(w.folded)
             and scoring.matches(snap.postings, w)]
    unknown = any(not snap.vocabulary.frequency(w.folded) and w not in found for w in typed)
    tiers = [ranked]
    if unknown or len(ranked) < WEIGHTS.typo_below:
        fixes = snap.vocabulary.corrections(typed)
        # a name typed joined ("moncompteformation") that pages write apart: its words as a phrase
        fixes |= names.splits(snap.vocabulary, [w for w in typed if w in parsed.words and w not in found], fixes,
                              lambda phrase: _occurs(snap, phrase))
        if fixes:
            # the visitor's limits were checked on what they typed; a name's words may add some
            corrected = query.parse(_rewrite(parsed.text, fixes), prefix=False, **REWRITTEN_LIMITS)
            tier = _tier(explained)
            fixed = _score(snap, corrected, filters, (), all_words=True, explained=tier)
            if len(fixed) > len(ranked):
                suggestion = corrected.text
                new = fixed.without(ranked.docs)
                _adopt(explained, tier, new, "typo-corrected query, below the query as typed", _scale(tiers, new))
                tiers.append(_below(tiers, new))
                parsed = corrected
    found = sum(len(t) for t in tiers)
    if found < WEIGHTS.fallback_below and len(parsed.words) + len(parsed.phrases) > 1 and not parsed.question:
        tier = _tier(explained)
        partial = _score(snap, parsed, filters, prefixes, all_words=False, explained=tier)
        for seen in tiers:
            partial = partial.without(seen.docs)
        _adopt(explained, tier, partial, "some of the words, below pages with all", _scale(tiers, partial))
        tiers.append(_below(tiers, partial))
    queries = (typed_query,) if parsed is typed_query else (typed_query, parsed)
    done = {d: e for d, e in explained.items() if e is not None} if explained else {}
    return Ranking(tuple(t for t in tiers if len(t)), suggestion, prefixes, queries, done)


def _occurs(snap: Snapshot, phrase: str) -> bool:
    """Whether a page holds the words of `phrase` standing together: what `_all_of` would
    find with the phrase's slop, without scoring it. A page where the words stand together
    holds each word's stem in a field with positions (`side_by_side`), so it matches each
    word: only positions are read, and the search stops at the first page (or, where the
    phrase is in none, at WEIGHTS.phrase_depth pages, by source path). Kept for the
    generation, with its scores."""
    return snap.postings.kept(("occurs", "", phrase), lambda: _look_up(snap, phrase))


def _look_up(snap: Snapshot, phrase: str) -> bool:
    p = snap.postings
    words = tuple(query.parse(f'"{phrase}"', prefix=False).positive)
    if len(words) < 2:
        return bool(words) and scoring.matches(p, words[0])
    docs = scoring.side_by_side(p, words)
    if len(docs) > WEIGHTS.phrase_depth:
        docs = docs[np.argsort(snap.source_rank[docs])[:WEIGHTS.phrase_depth]]
    return scoring.stand_together(p, words, docs, WEIGHTS.phrase_slop)


def _tier(explained: dict[int, Explanation | None] | None) -> dict[int, Explanation | None] | None:
    """A collector for a later tier: the pages to explain that no earlier tier ranked."""
    return None if explained is None else {d: None for d, e in explained.items() if e is None}


def _adopt(explained: dict | None, tier: dict | None, hits: Tier, why: str, scale: float) -> None:
    """Take a later tier's explanations for the pages it adds, with the scaling that ranks them below."""
    if explained is None:
        return
    for d in hits.docs.tolist():
        if tier.get(d) is not None:
            explained[d] = tier[d]
            if scale != 1.0:
                explained[d].factors.append((why, scale))


def _score(snap: Snapshot, parsed: ParsedQuery, filters: Filters, prefixes: tuple[str, ...],
           all_words: bool, explained: dict[int, Explanation | None] | None = None) -> Tier:
    """Pages and their scores; `explained` ({docnum: None} for the pages to explain) gets
    each of those pages' Explanation, when it is among the pages scored. The tier with
    some of the words scores its clauses anew: the tier with all of them looked for most
    words only among the pages holding the rarer ones (the posting lists read are kept).

    Scores are computed over arrays of the pages found (a site of 50,000 pages can have
    tens of thousands for a common word), in the order the per-page figures were always
    combined, so each score is the same float whichever way it is computed."""
    p = snap.postings
    clauses, clause_parts = _clauses(snap, parsed, prefixes, all_words,
                                     None if explained is None else {d: [] for d in explained})
    if not clauses:
        return _NONE
    count = len(clauses)
    if all_words:   # each clause holds the pages: the last clause found holds the fewest
        docs = min((c.docs for c in clauses), key=len)
        for c in clauses:
            docs = docs[c.holds(docs)]
    else:   # any page of a clause: its sum and how many clauses hold it, over every page
        summed, holding = np.zeros(p.size), np.zeros(p.size, dtype=np.int64)
        for c in clauses:   # in the clauses' order, as the all-words sum below
            summed[c.docs] += c.values
            holding[c.docs] += 1
        docs = np.flatnonzero(holding)
    for word in parsed.excluded:
        if len(docs):
            docs = docs[~scoring.word_scores(p, word, within=docs).holds(docs)]
    if filters:
        stored = snap.stored
        docs = np.array([d for d in docs.tolist() if filters.accepts(stored[d])], dtype=np.int64)
    if not len(docs):
        return _NONE
    if all_words:
        total, matched = scoring.sum_at(clauses, docs), np.full(len(docs), count, np.int64)
    else:   # the same floats: a clause not holding a page adds nothing, as adding 0.0 would
        total, matched = summed[docs], holding[docs]
    prior = snap.prior_array[docs]
    wanted = signature(" ".join(w.raw for w in parsed.positive))
    named = frozenset(wanted)
    if named:   # a near-empty page whose title or URL is the query
        names_of = snap.names
        for i in np.flatnonzero(snap.near_empty[docs]).tolist():
            if named <= names_of[docs[i]]:
                prior[i] = snap.full_priors[docs[i]]
    language = 1.0
    if parsed.lang:
        language = np.where(snap.lang_code[docs] == snap.lang_codes.get(parsed.lang, -1),
                            1.0, WEIGHTS.other_query_language_factor)
    scores = total * (matched / count) * prior * language
    if explained is not None:
        at = {d: i for i, d in enumerate(docs.tolist()) if d in explained}
        for d, i in at.items():
            shown = [part for c in clause_parts for part in c.get(d, ())]
            factors = [("words matched / words", int(matched[i]) / count)] if matched[i] < count else []
            factors.append(("prior" if prior[i] == snap.priors[d] else "prior (title or URL names the query)",
                            float(prior[i])))
            if parsed.lang and snap.stored[d].lang != parsed.lang:
                factors.append((f"page not in the query's language ({parsed.lang})", WEIGHTS.other_query_language_factor))
            explained[d] = Explanation(shown, factors)
    if all_words and len(parsed.words) > 1:
        tier = Tier(docs, scores)
        best = tier.order(snap, WEIGHTS.proximity_depth)   # positions in docs
        decoded: dict = {}   # each page's positions, decoded once for every grade
        for slop, factor in WEIGHTS.proximity:
            close = scoring.together(p, parsed.words, docs[best], slop, decoded)
            if not close:
                continue
            near = np.isin(docs[best], np.fromiter(close, dtype=np.int64, count=len(close)))
            scores[best[near]] *= factor
            if explained is not None:
                for d in close & explained.keys():
                    explained[d].factors.append((f"proximity (words within {slop} extra positions)", factor))
            best = best[~near]
    if wanted:
        own = snap.named(docs, wanted)
        if own.any():   # the page's own name
            scores[own] *= WEIGHTS.title_match_factor
            if explained is not None:
                for d in docs[own].tolist():
                    if d in explained:
                        explained[d].factors.append(("title or URL is the query", WEIGHTS.title_match_factor))
    return Tier(docs, scores)


def families(p: scoring.Postings, words: tuple[QueryWord, ...]) -> list[list[str]]:
    """Each word's related stems (of each one-stem alternative, most frequent first), the
    words taking them in order until WEIGHTS.family_terms are taken."""
    room = WEIGHTS.family_terms
    out = []
    for word in words:
        mine: list[str] = []
        for alt in word.alternatives:
            if len(alt) == 1 and room > 0:
                related = p.family(alt[0])[:room]
                room -= len(related)
                mine += related
        out.append(mine)
    return out


def extras(family: list[str], word: QueryWord, prefixes: tuple[str, ...] = ()) -> list[tuple[str, float, bool]]:
    """Looser matches of a word: its family (from `families`), and completions when it is being typed."""
    extra = [(t, WEIGHTS.family_factor, True) for t in family]
    if prefixes:
        extra += [(t, WEIGHTS.prefix_factor, False)
                  for t in sorted({analysis.stem(c) for c in prefixes} - word.stems)]
    return extra


def _all_of(snap: Snapshot, words: tuple[QueryWord, ...], extras: list[list[tuple[str, float, bool]]],
            slop: int | None = None, parts: Parts | None = None, within: np.ndarray | None = None
            ) -> scoring.Sparse:
    """Pages holding every word (standing together within `slop` when given), scores summed;
    `within`: the pages to look in (None: every page); `parts` (a collector) gets the
    parts of its pages found."""
    p = snap.postings
    if slop is not None and len(words) > 1 and not len(scoring.side_by_side(p, words)):
        return scoring.Sparse()   # nowhere together: the words' other fields and families need not be read
    each = [collector(parts) for _ in words]
    per_word = []
    for w, extra, got in zip(words, extras, each):   # each word looked for where the ones before are
        found = scoring.word_scores(p, w, extra, got, within)
        per_word.append(found)
        within = found.docs
    shared = per_word[-1].docs
    total = scoring.sum_at(per_word, shared)
    if slop is not None and len(words) > 1:
        candidates = shared
        if len(candidates) > WEIGHTS.phrase_depth:   # the best scored only (their order as the ranking's)
            candidates = candidates[Tier(candidates, total).order(snap, WEIGHTS.phrase_depth)]
        close = scoring.together(p, words, candidates, slop)
        keep = np.isin(shared, np.fromiter(close, dtype=np.int64, count=len(close)))
        shared, total = shared[keep], total[keep]
    if parts is not None:
        kept = set(shared.tolist())
        for d in parts:
            if d in kept:
                parts[d] += [x for got in each for x in got[d]]
    return scoring.Sparse(shared, total)


def _clauses(snap: Snapshot, parsed: ParsedQuery, prefixes: tuple[str, ...], all_words: bool,
             wanted: Parts | None = None) -> tuple[list[scoring.Sparse], list[Parts] | None]:
    """The pages of each word, of each synonym span, and of each quoted phrase, with their
    scores; and, when `wanted` (a collector, {docnum: []}) names pages to explain, one
    collector per clause holding the parts of those pages that the clause scored.

    `all_words`: only pages holding every clause count, so each clause is looked for among
    the pages of those found before it, the rarest words first."""
    p = snap.postings
    words = parsed.words
    found_spans = snap.synonyms.find(words)
    # the typed words take their families first, then the synonyms' words, in the order scored
    family = iter(families(p, words + tuple(w for span in found_spans for v in span.variants for w in v)))
    loose = [extras(next(family), w, prefixes if i == len(words) - 1 else ()) for i, w in enumerate(words)]
    spans = {span.start: span for span in found_spans}
    # each clause as a function of the pages to look in and its collector, with its reach
    makers: list[tuple[float, Callable[[np.ndarray | None, Parts | None], scoring.Sparse]]] = []
    i = 0
    while i < len(words):
        span = spans.get(i)
        if span is None:
            makers.append((scoring.reach(p, words[i], loose[i]) if all_words else 0,
                           partial(_word, p, words[i], loose[i])))
            i += 1
        else:
            variants = [(variant, [extras(next(family), w) for w in variant]) for variant in span.variants]
            makers.append((math.inf, partial(_synonyms, snap, words[span.start:span.end], loose[span.start:span.end],
                                             variants, wanted)))
            i = span.end
    for phrase in parsed.phrases:
        makers.append((math.inf, partial(_phrase, snap, phrase)))
    collectors = [collector(wanted) for _ in makers]
    clauses: list[scoring.Sparse] = [scoring.Sparse()] * len(makers)
    within = None
    for k in sorted(range(len(makers)), key=lambda k: makers[k][0]):   # stable: in the query's order otherwise
        if within is not None and not len(within):
            break   # no page holds every clause: the others need not be looked for
        clauses[k] = makers[k][1](within, collectors[k])
        if all_words:
            within = clauses[k].docs
    return clauses, None if wanted is None else collectors


def _word(p: scoring.Postings, word: QueryWord, extra: list[tuple[str, float, bool]],
          within: np.ndarray | None, parts: Parts | None) -> scoring.Sparse:
    return scoring.word_scores(p, word, extra, parts, within)


def _phrase(snap: Snapshot, phrase: tuple[QueryWord, ...], within: np.ndarray | None,
            parts: Parts | None) -> scoring.Sparse:
    return _all_of(snap, phrase, [[] for _ in phrase], slop=WEIGHTS.phrase_slop, parts=parts, within=within)


def _synonyms(snap: Snapshot, words: tuple[QueryWord, ...], loose: list[list[tuple[str, float, bool]]],
              variants: list[tuple[tuple[QueryWord, ...], list[list[tuple[str, float, bool]]]]],
              wanted: Parts | None, within: np.ndarray | None, got: Parts | None) -> scoring.Sparse:
    """A synonym span: the words as typed, or any other member of their synonym group (as a phrase)."""
    merged = _all_of(snap, words, loose, parts=got, within=within)
    size = len(words)
    for variant, variant_extras in variants:
        instead = collector(wanted)
        found = _all_of(snap, variant, variant_extras, slop=WEIGHTS.synonym_slop, parts=instead, within=within)
        factor = WEIGHTS.synonym_factor * size / len(variant)
        found = scoring.Sparse(found.docs, found.values * factor)
        if got is not None:
            for d in got:
                if found.get(d, 0.0) > merged.get(d, 0.0):
                    got[d] = [scoring.Part(x.word, x.field, x.term, x.score * factor, f"synonym {x.kind}")
                              for x in instead[d]]
        merged = scoring.best_of(merged, found)
    return merged


def completions(terms: postlists.Terms, prefix: str) -> tuple[str, ...]:
    """The most frequent folded words starting with what the visitor is typing."""
    found = []
    for btext in terms.expand_prefix(schema.WORDS, prefix):
        word = btext.decode("utf-8") if isinstance(btext, bytes) else btext
        if word != prefix and word.isascii():
            found.append((terms.doc_frequency(schema.WORDS, word), word))
        if len(found) > WEIGHTS.prefix_scan:
            break
    found.sort(key=lambda item: (-item[0], item[1]))
    return tuple(w for _, w in found[:WEIGHTS.prefix_expansions])


def _ceiling(first: list[Tier], then: Tier) -> tuple[float, float]:
    """(ceiling, top): `then`'s scores are scaled by ceiling / top to rank after all of `first`."""
    if not any(len(t) for t in first) or not len(then):
        return 1.0, 1.0
    lowest = min(float(t.scores.min()) for t in first if len(t))
    return lowest * WEIGHTS.tier_ceiling, float(then.scores.max()) or 1.0


def _scale(first: list[Tier], then: Tier) -> float:
    ceiling, top = _ceiling(first, then)
    return ceiling / top


def _below(first: list[Tier], then: Tier) -> Tier:
    """Scale `then` so that all of it ranks after all of `first`, order kept."""
    if not any(len(t) for t in first) or not len(then):
        return then
    ceiling, top = _ceiling(first, then)
    return then.scaled(ceiling, top)


def _rewrite(text: str, fixes: dict[str, str]) -> str:
    return " ".join(fixes.get(word, word) for word in text.split())
