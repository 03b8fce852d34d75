"""Running a parsed query on the live index: ranking, fallbacks, highlighting, facets.

One `Searcher` per process (or worker) is reused across requests; it notices a newly
published generation on the next query and switches to it without a restart.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import analysis, indexer, query, schema, scoring, synonyms, typos
from .config import Settings
from .errors import QueryError
from .highlight import Matcher, mark, snippet
from .query import ParsedQuery, QueryWord

SORTS = ("relevance", "date")
FACETS = ("category", "tags", "year")
MAX_PER_PAGE = 50
MAX_WINDOW = 1000          # page * per_page
FALLBACK_BELOW = 5         # fewer hits with every word: add pages matching some words
TYPO_BELOW = 3             # fewer hits than this: try typo corrections
PREFIX_EXPANSIONS = 12     # search as you type: most frequent completions of the last word
PROXIMITY_DEPTH = 100     # best pages checked for the proximity bonus
TITLE_MATCH_FACTOR = 3.0  # a title equal to the query
SECTIONS_PER_HIT = 3
RECHECK_SECONDS = 0.25     # how often a searcher looks for a newly published generation


@dataclass
class Section:
    heading: str
    anchor: str
    url: str
    snippet_html: str


@dataclass
class Hit:
    url: str
    source: str
    title: str
    title_html: str
    summary: str
    snippet_html: str
    date: str | None
    category: str
    tags: list[str]
    lang: str
    score: float
    sections: list[Section] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[dict]]
    suggestion: str | None

    def to_dict(self) -> dict:
        body = asdict(self)
        return {"ok": True, **body}


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    tag: str | None = None
    year: str | None = None
    lang: str | None = None

    def accepts(self, d: dict) -> bool:
        return ((not self.category or d["category"] == self.category)
                and (not self.tag or self.tag.casefold() in (t.casefold() for t in d["tags"]))
                and (not self.year or (d["date"] or "")[:4] == self.year)
                and (not self.lang or d["lang"] == self.lang))

    def __bool__(self) -> bool:
        return any((self.category, self.tag, self.year, self.lang))


def _prior(words: int, lang: str, default_lang: str) -> float:
    """Near-empty pages (bios, tag indexes, stubs) rank below substantive ones; other languages after."""
    # Only near-empty pages are held back: 0 words scores 0.2 of a full page, 3 words ~0.5,
    # and from 50 words on (a short but real page) there is no penalty.
    length = 0.2 + 0.8 * min(1.0, math.log1p(words) / math.log1p(50))
    return length * (1.0 if lang == default_lang else 0.8)


def _signature(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in analysis.stem_terms(text))


class _Snapshot:
    """One published generation, opened once, with per-page data held for scoring and facets."""

    def __init__(self, gen: Path, manifest: dict, ix, settings: Settings) -> None:  # noqa: ANN001
        default_lang = settings.default_lang
        self.synonyms = synonyms.load(settings.synonyms_file)
        self.name = gen.name
        self.manifest = manifest
        self.ix = ix
        self.lock = threading.Lock()
        self.reader = ix.reader()
        size = self.reader.doc_count_all()
        self.display: list[dict | None] = [None] * size
        self.priors = [0.0] * size
        self.titles: list[tuple[str, ...]] = [()] * size
        self.folded_titles: list[str] = [""] * size
        english = [False] * size
        for docnum, stored in self.reader.iter_docs():
            d = stored["display"]
            self.display[docnum] = d
            self.priors[docnum] = _prior(d["words"], d["lang"], default_lang)
            self.titles[docnum] = _signature(d["title"])
            self.folded_titles[docnum] = " ".join(analysis.fold(w) for w in d["title"].split())
            english[docnum] = d["lang"] == "en"
        self.postings = scoring.Postings(self.reader, english)
        self.vocabulary = typos.Vocabulary(self.reader, schema.WORDS)

    def pages(self) -> int:
        return self.reader.doc_count()

    def close(self) -> None:
        self.reader.close()
        self.ix.close()


class Searcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._live: _Snapshot | None = None
        self._previous: _Snapshot | None = None
        self._checked = 0.0

    # -- the live generation ------------------------------------------------
    def snapshot(self) -> _Snapshot:
        live = self._live
        now = time.monotonic()
        if live is not None and now - self._checked < RECHECK_SECONDS:
            return live
        self._checked = now
        gen = indexer.current_generation(self.settings.index_dir)
        if live is not None and gen is not None and live.name == gen.name:
            return live
        with self._lock:
            if self._live is None or gen is None or self._live.name != gen.name:
                gen, manifest, ix = indexer.open_live(self.settings.index_dir)
                fresh = _Snapshot(gen, manifest, ix, self.settings)
                if self._previous is not None:
                    self._previous.close()
                self._previous, self._live = self._live, fresh
            return self._live

    def close(self) -> None:
        for snap in (self._live, self._previous):
            if snap is not None:
                snap.close()
        self._live = self._previous = None

    def health(self) -> dict:
        snap = self.snapshot()
        return {"pages": snap.pages(), "generation": snap.manifest["generation"],
                "built_at": snap.manifest["built_at"], "stale": snap.manifest.get("stale", [])}

    def suggest(self, text: str, limit: int = 10) -> list[dict]:
        """Completions for as-you-type: page titles containing the typed words (the last one
        as a prefix), then frequent words extending the last one. [{"text", "kind", "url"?}]"""
        parsed = query.parse(text, max_chars=self.settings.max_query_chars,
                             max_terms=self.settings.max_query_terms)
        typed = [analysis.fold(w) for w in text.split()]
        typed = [w for w in typed if w]
        if not typed:
            return []
        snap = self.snapshot()
        out: list[dict] = []
        head, last = typed[:-1], typed[-1]
        for d, folded_title in zip(snap.display, snap.folded_titles):
            if d is None:
                continue
            words = folded_title.split()
            if all(h in words for h in head) and any(w.startswith(last) for w in words):
                out.append({"text": d["title"], "kind": "title", "url": d["url"]})
                if len(out) >= limit // 2:
                    break
        if parsed.prefix or (parsed.words and not text[-1:].isspace()):
            with snap.lock:
                words = _completions(snap.reader, last)
                if len(parsed.words) > 1:   # only completions found beside the words before them
                    clauses = [scoring.word_scores(snap.postings, w) for w in parsed.words[:-1]]
                    pages = set(clauses[0]).intersection(*clauses[1:])
                    words = tuple(w for w in words if pages & snap.postings.term_scores(schema.WORDS, w).keys())
            stem_of_head = " ".join(text.split()[:-1])
            for word in words:
                if len(out) >= limit:
                    break
                out.append({"text": f"{stem_of_head} {word}".strip(), "kind": "term"})
        return out[:limit]

    def explain(self, text: str, top: int = 5) -> dict:
        """The analysed query and, for the top pages, what each word and field contributed."""
        parsed = query.parse(text, max_chars=self.settings.max_query_chars,
                             max_terms=self.settings.max_query_terms, prefix=False)
        snap = self.snapshot()
        with snap.lock:
            ranked, suggestion, _ = _rank(snap, parsed, Filters())
            p = snap.postings
            spans = snap.synonyms.find(parsed.words)
            words = [{"typed": w.raw, "french": [list(a) for a in w.alternatives],
                      "english": [list(a) for a in w.english], "exact": list(w.exact),
                      "family": p.family(w.alternatives[0][0]) if len(w.alternatives[0]) == 1 else []}
                     for w in parsed.positive]
            hits = []
            for docnum, score in ranked[:top]:
                parts = []
                for w in parsed.positive:
                    parts += [asdict(x) for x in scoring.explain_word(p, w, docnum, _extras(p, w))]
                hits.append({"source": snap.display[docnum]["source"], "title": snap.display[docnum]["title"],
                             "score": round(score, 4), "prior": round(snap.priors[docnum], 3),
                             "parts": [dict(x, score=round(x["score"], 4)) for x in parts]})
        synonyms = [{"words": [w.raw for w in parsed.words[sp.start:sp.end]],
                     "also": [" ".join(w.raw for w in v) for v in sp.variants]} for sp in spans]
        return {"query": parsed.text, "words": words, "synonyms": synonyms,
                "excluded": [w.raw for w in parsed.excluded],
                "phrases": [[w.raw for w in ph] for ph in parsed.phrases], "suggestion": suggestion,
                "total": len(ranked), "hits": hits}

    # -- searching ------------------------------------------------------------
    def search(self, text: str, *, page: int = 1, per_page: int = 10, filters: Filters = Filters(),
               sort: str = "relevance", prefix: bool = True) -> SearchResult:
        started = time.perf_counter()
        check_window(page, per_page, sort)
        parsed = query.parse(text, max_chars=self.settings.max_query_chars,
                             max_terms=self.settings.max_query_terms, prefix=prefix)
        snap = self.snapshot()
        with snap.lock:
            ranked, suggestion, prefixes = _rank(snap, parsed, filters)
        if sort == "date":
            ranked.sort(key=lambda item: snap.display[item[0]]["date"] or "", reverse=True)
        window = ranked[(page - 1) * per_page: page * per_page]
        shown = parsed.positive + tuple(w for span in snap.synonyms.find(parsed.words)
                                        for variant in span.variants for w in variant)
        matcher = Matcher(stems=frozenset(s for w in shown for s in w.stems),
                          forms=frozenset(e for w in shown for e in w.exact), prefixes=prefixes)
        hits = [_hit(snap.display[docnum], score, matcher) for docnum, score in window]
        facets = _facets(snap, [docnum for docnum, _ in ranked])
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query=parsed.text, total=len(ranked), page=page, per_page=per_page,
                            took_ms=round(took, 2), hits=hits, facets=facets, suggestion=suggestion)


def check_window(page: int, per_page: int, sort: str) -> None:
    if page < 1 or per_page < 1:
        raise QueryError("page and per_page must be positive whole numbers")
    if per_page > MAX_PER_PAGE:
        raise QueryError(f"per_page is {per_page}; the most is {MAX_PER_PAGE}")
    if page * per_page > MAX_WINDOW:
        raise QueryError(f"page * per_page is {page * per_page}; results stop at {MAX_WINDOW}")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")


# -- ranking -------------------------------------------------------------------

def _rank(snap: _Snapshot, parsed: ParsedQuery, filters: Filters
          ) -> tuple[list[tuple[int, float]], str | None, tuple[str, ...]]:
    """(docnum, score) best first: pages with every word, then with some, then typo fixes."""
    if parsed.is_empty:
        return [], None, ()
    prefixes = _completions(snap.reader, parsed.prefix) if parsed.prefix else ()
    ranked = _score(snap, parsed, filters, prefixes, all_words=True)
    clauses = len(parsed.words) + len(parsed.phrases)
    if len(ranked) < FALLBACK_BELOW and clauses > 1:
        seen = {d for d, _ in ranked}
        partial = [h for h in _score(snap, parsed, filters, prefixes, all_words=False) if h[0] not in seen]
        ranked += _below(ranked, partial)
    suggestion = None
    if len(ranked) < TYPO_BELOW:
        fixes = snap.vocabulary.corrections(parsed.positive)
        if fixes:
            corrected = query.parse(_rewrite(parsed.text, fixes), prefix=False)
            fixed = _score(snap, corrected, filters, (), all_words=True)
            if len(fixed) > len(ranked):
                suggestion = corrected.text
                seen = {d for d, _ in ranked}
                ranked += _below(ranked, [h for h in fixed if h[0] not in seen])
    return ranked, suggestion, prefixes


def _score(snap: _Snapshot, parsed: ParsedQuery, filters: Filters, prefixes: tuple[str, ...],
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
    for d in docs:
        matched = [c[d] for c in clauses if d in c]
        scores[d] = sum(matched) * (len(matched) / count) * snap.priors[d]
    if all_words and len(parsed.words) > 1:
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:PROXIMITY_DEPTH]
        for slop, factor in scoring.PROXIMITY:
            close = scoring.together(p, parsed.words, best, slop)
            for d in close:
                scores[d] *= factor
            best = [d for d in best if d not in close]
    wanted = _signature(" ".join(w.raw for w in parsed.positive))
    for d in scores:
        if snap.titles[d] == wanted:
            scores[d] *= TITLE_MATCH_FACTOR
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _extras(p: scoring.Postings, word: QueryWord, prefixes: tuple[str, ...] = ()
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


def _clauses(snap: _Snapshot, parsed: ParsedQuery, prefixes: tuple[str, ...]) -> list[dict[int, float]]:
    """One {docnum: score} per word, per synonym span, and per quoted phrase."""
    p = snap.postings
    words = parsed.words
    extras = [_extras(p, w, prefixes if i == len(words) - 1 else ()) for i, w in enumerate(words)]
    spans = {span.start: span for span in snap.synonyms.find(words)}
    clauses = []
    i = 0
    while i < len(words):
        span = spans.get(i)
        if span is None:
            clauses.append(scoring.word_scores(p, words[i], extras[i]))
            i += 1
            continue
        # the words as typed, or any other member of their synonym group (as a phrase)
        merged = _all_of(p, words[span.start:span.end], extras[span.start:span.end])
        size = span.end - span.start
        for variant in span.variants:
            found = _all_of(p, variant, [_extras(p, w) for w in variant], slop=scoring.SYNONYM_SLOP)
            for d, score in found.items():
                score *= scoring.SYNONYM_FACTOR * size / len(variant)
                if score > merged.get(d, 0.0):
                    merged[d] = score
        clauses.append(merged)
        i = span.end
    for phrase in parsed.phrases:
        clauses.append(_all_of(p, phrase, [[] for _ in phrase], slop=scoring.PHRASE_SLOP))
    return clauses


def _completions(reader, prefix: str) -> tuple[str, ...]:  # noqa: ANN001 - a whoosh reader
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


# -- presenting -------------------------------------------------------------------

def _hit(d: dict, score: float, matcher: Matcher) -> Hit:
    sections = d["sections"]
    spans = matcher.matches_many(schema.display_texts(d), d.get("folded"))
    title_spans, summary_spans = spans[0], spans[1]
    scored = []
    for order, (heading, anchor, _level, text) in enumerate(sections):
        head_spans, text_spans = spans[2 + 2 * order], spans[3 + 2 * order]
        terms = {t for *_, t in head_spans + text_spans}
        if terms:
            scored.append((len(terms) + 0.5 * bool(head_spans), -order, heading, anchor, text, text_spans))
    scored.sort(reverse=True)
    deep = [Section(heading=h, anchor=a, url=f"{d['url']}#{a}", snippet_html=snippet(t, sp))
            for _, _, h, a, t, sp in scored if a][:SECTIONS_PER_HIT]
    if scored:
        first = scored[0]
        best = deep[0].snippet_html if first[3] else snippet(first[4], first[5])
    elif summary_spans or not sections:
        best = snippet(d["summary"], summary_spans)
    else:
        best = snippet(next((s[3] for s in sections if s[3].strip()), d["summary"]), [])
    return Hit(url=d["url"], source=d["source"], title=d["title"], title_html=mark(d["title"], title_spans),
               summary=d["summary"], snippet_html=best, date=d["date"], category=d["category"],
               tags=list(d["tags"]), lang=d["lang"], score=round(score, 4), sections=deep)


def _facets(snap: _Snapshot, docnums: list[int]) -> dict[str, list[dict]]:
    counters = {name: Counter() for name in FACETS}
    for docnum in docnums:
        d = snap.display[docnum]
        if d["category"]:
            counters["category"][d["category"]] += 1
        counters["tags"].update(set(d["tags"]))
        if d["date"]:
            counters["year"][d["date"][:4]] += 1
    return {name: [{"value": v, "count": c} for v, c in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:20]]
            for name, counter in counters.items()}
