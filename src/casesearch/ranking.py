"""Ranking a parsed query on one generation: pages with every word, then with some,
then typo corrections; synonyms, word families, completions, proximity and priors."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import analysis, query, schema, scoring
from .errors import QueryError
from .query import ParsedQuery, QueryWord
from .snapshot import Snapshot, signature

FALLBACK_BELOW = 5         # fewer hits with every word: add pages matching some words
TYPO_BELOW = 3             # fewer hits than this: try typo corrections
PREFIX_EXPANSIONS = 12     # search as you type: most frequent completions of the last word
PROXIMITY_DEPTH = 100     # best pages checked for the proximity bonus
TITLE_MATCH_FACTOR = 3.0  # a title, or the URL's last part, equal to the query
FILTER_CHARS = 100        # longest category / tag / lang value accepted


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

    def accepts(self, d: dict) -> bool:
        return ((not self.category or d["category"].casefold() == self.category.casefold())
                and (not self.tag or self.tag.casefold() in (t.casefold() for t in d["tags"]))
                and (not self.year or (d["date"] or "")[:4] == self.year)
                and (not self.lang or d["lang"] == self.lang))

    def __bool__(self) -> bool:
        return any((self.category, self.tag, self.year, self.lang))


@dataclass(frozen=True)
class Ranking:
    hits: list[tuple[int, float]]         # (docnum, score), best first
    suggestion: str | None                # the typo-corrected query, when it found more
    prefixes: tuple[str, ...]             # completions of the word being typed
    queries: tuple[ParsedQuery, ...]      # what was searched: as typed, then the correction

    @property
    def words(self) -> tuple[QueryWord, ...]:
        """Every word searched for, as typed or corrected: what highlighting marks."""
        return tuple(w for q in self.queries for w in q.positive)


def rank(snap: Snapshot, parsed: ParsedQuery, filters: Filters) -> Ranking:
    """Pages best first, in tiers: pages with every word as typed; then, when a word is
    unknown to the index or too little is found, pages with every word of the
    typo-corrected query; then, when still too little, pages with some of the words."""
    if parsed.is_empty:
        return Ranking([], None, (), ())
    typed_query = parsed
    prefixes = completions(snap.reader, parsed.prefix) if parsed.prefix else ()
    ranked = _score(snap, parsed, filters, prefixes, all_words=True)
    suggestion = None
    typed = [w for w in parsed.positive if not (prefixes and w is parsed.words[-1])]  # not the word being typed
    unknown = any(not snap.vocabulary.frequency(w.folded) for w in typed)
    if unknown or len(ranked) < TYPO_BELOW:
        fixes = snap.vocabulary.corrections(typed)
        if fixes:
            corrected = query.parse(_rewrite(parsed.text, fixes), prefix=False)
            fixed = _score(snap, corrected, filters, (), all_words=True)
            if len(fixed) > len(ranked):
                suggestion = corrected.text
                seen = {d for d, _ in ranked}
                ranked += _below(ranked, [h for h in fixed if h[0] not in seen])
                parsed = corrected
    if len(ranked) < FALLBACK_BELOW and len(parsed.words) + len(parsed.phrases) > 1:
        seen = {d for d, _ in ranked}
        partial = [h for h in _score(snap, parsed, filters, prefixes, all_words=False) if h[0] not in seen]
        ranked += _below(ranked, partial)
    queries = (typed_query,) if parsed is typed_query else (typed_query, parsed)
    return Ranking(ranked, suggestion, prefixes, queries)


def _score(snap: Snapshot, parsed: ParsedQuery, filters: Filters, prefixes: tuple[str, ...],
           all_words: bool) -> list[tuple[int, float]]:
    p = snap.postings
    clauses = _clauses(snap, parsed, prefixes)
    if not clauses:
        return []
    if all_words:
        docs = set(clauses[0]).intersection(*clauses[1:])
    else:
        docs = set().union(*clauses)
    for word in parsed.excluded:
        docs -= scoring.word_scores(p, word).keys()
    if filters:
        docs = {d for d in docs if filters.accepts(snap.display[d])}
    count = len(clauses)
    scores = {}
    wanted = signature(" ".join(w.raw for w in parsed.positive))
    named = frozenset(wanted)
    for d in docs:
        matched = [c[d] for c in clauses if d in c]
        prior = snap.priors[d]
        if named and named <= snap.names[d]:   # a near-empty page whose title or URL is the query
            prior = snap.full_priors[d]
        scores[d] = sum(matched) * (len(matched) / count) * prior
    if all_words and len(parsed.words) > 1:
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:PROXIMITY_DEPTH]
        for slop, factor in scoring.PROXIMITY:
            close = scoring.together(p, parsed.words, best, slop)
            for d in close:
                scores[d] *= factor
            best = [d for d in best if d not in close]
    for d in scores:
        if wanted and (snap.titles[d] == wanted or snap.url_names[d] == wanted):   # the page's own name
            scores[d] *= TITLE_MATCH_FACTOR
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def extras(p: scoring.Postings, word: QueryWord, prefixes: tuple[str, ...] = ()
            ) -> list[tuple[str, float, bool]]:
    """Looser matches of a word: its family, and completions when it is being typed."""
    extra = [(t, scoring.FAMILY_FACTOR, True) for alt in word.alternatives if len(alt) == 1
             for t in p.family(alt[0])]
    if prefixes:
        extra += [(t, scoring.PREFIX_FACTOR, False)
                  for t in sorted({analysis.stem(c) for c in prefixes} - word.stems)]
    return extra


def _all_of(p: scoring.Postings, words: tuple[QueryWord, ...], extras: list[list[tuple[str, float, bool]]],
            slop: int | None = None) -> dict[int, float]:
    """Pages holding every word (standing together within `slop` when given), scores summed."""
    per_word = [scoring.word_scores(p, w, extra) for w, extra in zip(words, extras)]
    shared = set(per_word[0]).intersection(*per_word[1:])
    if slop is not None and len(words) > 1:
        shared = scoring.together(p, words, shared, slop)
    return {d: sum(s[d] for s in per_word) for d in shared}


def _clauses(snap: Snapshot, parsed: ParsedQuery, prefixes: tuple[str, ...]) -> list[dict[int, float]]:
    """One {docnum: score} per word, per synonym span, and per quoted phrase."""
    p = snap.postings
    words = parsed.words
    loose = [extras(p, w, prefixes if i == len(words) - 1 else ()) for i, w in enumerate(words)]
    spans = {span.start: span for span in snap.synonyms.find(words)}
    clauses = []
    i = 0
    while i < len(words):
        span = spans.get(i)
        if span is None:
            clauses.append(scoring.word_scores(p, words[i], loose[i]))
            i += 1
            continue
        # the words as typed, or any other member of their synonym group (as a phrase)
        merged = _all_of(p, words[span.start:span.end], loose[span.start:span.end])
        size = span.end - span.start
        for variant in span.variants:
            found = _all_of(p, variant, [extras(p, w) for w in variant], slop=scoring.SYNONYM_SLOP)
            for d, score in found.items():
                score *= scoring.SYNONYM_FACTOR * size / len(variant)
                if score > merged.get(d, 0.0):
                    merged[d] = score
        clauses.append(merged)
        i = span.end
    for phrase in parsed.phrases:
        clauses.append(_all_of(p, phrase, [[] for _ in phrase], slop=scoring.PHRASE_SLOP))
    return clauses


def completions(reader, prefix: str) -> tuple[str, ...]:  # noqa: ANN001 - a whoosh reader
    """The most frequent folded words starting with what the visitor is typing."""
    found = []
    for btext in reader.expand_prefix(schema.WORDS, prefix):
        word = btext.decode("utf-8") if isinstance(btext, bytes) else btext
        if word != prefix and word.isascii():
            found.append((reader.doc_frequency(schema.WORDS, word), word))
        if len(found) > 500:
            break
    found.sort(key=lambda item: (-item[0], item[1]))
    return tuple(w for _, w in found[:PREFIX_EXPANSIONS])


def _below(first: list[tuple[int, float]], then: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Scale `then` so that all of it ranks after all of `first`, order kept."""
    if not first or not then:
        return then
    ceiling = min(s for _, s in first) * 0.99
    top = max(s for _, s in then) or 1.0
    return [(d, s * ceiling / top) for d, s in then]


def _rewrite(text: str, fixes: dict[str, str]) -> str:
    return " ".join(fixes.get(word, word) for word in text.split())
