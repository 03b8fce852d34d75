"""The search API over the live index: results with highlighting, facets, suggestions, explain.

One `Searcher` per process (or worker) is reused across requests; it notices a newly
published generation on the next query and switches to it without a restart.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TypeVar

import numpy as np

from . import analysis, generations, query
from .config import Settings
from .errors import (
    CasesearchError,
    IndexDamaged,
    IndexMissing,
    IndexOutdated,
    QueryError,
)
from .highlight import Matcher, mark, snippet
from .manifest import damage, signature
from .ranking import Filters, rank
from .schema import StoredPage
from .snapshot import Snapshot
from .suggest import suggestions

log = logging.getLogger(__name__)
T = TypeVar("T")

SORTS = ("relevance", "date")
MAX_PER_PAGE = 50
MAX_WINDOW = 1000          # page * per_page
SECTIONS_PER_HIT = 3
# words each analysis memo keeps in a serving process (a build's hold a site's every word):
# every visitor's typo and long text is a new word, and a worker's memory must stop
# growing (bench/worker_memory.py); 16,384 words in every memo measured 25 MB, and a memo
# started over costs the next queries each word's analysis again (35 to 150 us a word)
MEMO_WORDS = 16_384
# Python's collector in a serving process: a query leaves 500 to 900 objects it tracks
# (records and answers kept, their lists), and its collections of those, every 700
# allocations by default, took 0.2 ms in one query out of two and 2 to 3 ms in one out
# of twenty at 50,000 pages (no garbage found: queries make no cycles). warm() puts the
# automatic ones off to YOUNG_LIMIT objects (a safety net), and `rest`, between two
# requests, collects the young objects once YOUNG_BATCH are pending, and every object
# not frozen every FULL_EVERY of those collections.
YOUNG_LIMIT = 100_000
YOUNG_BATCH = 700
FULL_EVERY = 1_000
RECHECK_SECONDS = 0.1      # how often a searcher looks for a newly published generation
DOWN_RECHECK_SECONDS = 1.0  # how often it looks again when no generation can be served


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

    def to_dict(self) -> dict:
        return {"url": self.url, "source": self.source, "title": self.title, "title_html": self.title_html,
                "summary": self.summary, "snippet_html": self.snippet_html, "date": self.date,
                "category": self.category, "tags": list(self.tags), "lang": self.lang, "score": self.score,
                "sections": [{"heading": s.heading, "anchor": s.anchor, "url": s.url,
                              "snippet_html": s.snippet_html} for s in self.sections]}


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
        """The JSON body of the API and of `search --json` (built by hand: asdict deep-copies)."""
        return {"ok": True, "query": self.query, "total": self.total, "page": self.page,
                "per_page": self.per_page, "took_ms": self.took_ms,
                "hits": [h.to_dict() for h in self.hits], "facets": self.facets, "suggestion": self.suggestion}


class Searcher:
    """Searches the live generation. In a script the next query after a publish opens the
    new generation. With `background=True` (the web service) a watcher thread looks for a
    new generation every RECHECK_SECONDS and opens it while queries are still answered
    from the previous one: no visitor waits for the opening (~0.15 s on 943 pages), and
    an idle worker is up to date before its next request."""

    def __init__(self, settings: Settings, *, background: bool = False) -> None:
        self.settings = settings
        self.background = background
        self._lock = threading.Lock()
        self._live: Snapshot | None = None
        self._previous: Snapshot | None = None
        self._checked = 0.0
        self._failed: str | None = None          # CURRENT's generation when it could not be served
        self._degraded = ""                      # why the live generation is not CURRENT's
        self._signature: tuple = ()              # the live generation's files as last seen
        self._verified: set[str] = set()         # generations whose checksums this process read
        self._down: tuple[float, IndexMissing] | None = None   # nothing servable, and when that was seen
        self._watcher: threading.Thread | None = None
        self._closing = threading.Event()
        self._serving = False   # warmed up as a service: each generation's objects settled (`_settle`)
        self._rests = 0         # young collections `rest` made

    # -- the live generation ------------------------------------------------
    def snapshot(self) -> Snapshot:
        if self.background and self._watcher is None:
            self.watch(look=True)
        live = self._live
        now = time.monotonic()
        if live is not None and (self.background or now - self._checked < RECHECK_SECONDS):
            return live
        if live is None and self._down and now - self._down[0] < DOWN_RECHECK_SECONDS:
            raise self._down[1]   # verifying again on every request would not help, only cost
        self._checked = now
        with self._lock:
            self._switch()
            return self._live

    def watch(self, look: bool = False) -> None:
        """Start the watcher, in the process that serves: a gunicorn worker as it is forked
        (`web.forked`; a thread started in the master would not exist in the worker), else
        the first request. It looks at once at what changed since the app was made
        (gunicorn's master made it, maybe long before it forked this worker); a request is
        answered meanwhile from what the app opened, as while any new generation opens.

        `look`: the first request of a worker forked without `web.forked` (a gunicorn
        configuration of its own) opens what was published since the app was made before
        it is answered, and waits for that: answered at once, it would come from the
        generation the master opened, however many were published since."""
        with self._lock:
            if self._watcher is not None:
                return
            try:
                if look and self._live is not None:
                    self._switch()
            except Exception:   # noqa: BLE001 - as the watcher: the live generation keeps serving
                log.exception("cannot open the new index generation")
            finally:
                self._watcher = threading.Thread(target=self._watch, name="casesearch-watch", daemon=True)
                self._watcher.start()

    def warm(self) -> None:
        """Open the live generation and answer one query now, before the service accepts
        requests, so that its first visitor does not wait for the opening nor for what a
        first query reads (analysis tables, postings, stored pages); then keep what is open
        out of the garbage collector's full passes (`_settle`), and put its automatic
        collections off to between requests (`rest`). When nothing can be served yet, the
        requests will say why (503)."""
        try:
            self._warm()
        finally:
            self._serving = True   # a generation opened from now on settles (`_settle`) too
            gc.set_threshold(YOUNG_LIMIT, *gc.get_threshold()[1:])

    def rest(self) -> None:
        """Between two requests (the service calls it as each response is closed, once
        sent): collect the young objects the requests left, when YOUNG_BATCH are pending,
        and every FULL_EVERY such collections every object not frozen; the collections
        Python would have made inside a visitor's query (see YOUNG_LIMIT)."""
        if gc.get_count()[0] < YOUNG_BATCH:
            return
        self._rests += 1
        gc.collect(2 if self._rests % FULL_EVERY == 0 else 1)

    def _warm(self) -> None:
        try:
            with self._lock:
                self._switch()
        except CasesearchError as exc:
            log.warning("no index to serve yet: %s", exc)
            self._down = None   # the first request looks again
            return
        except Exception:   # noqa: BLE001 - a worker that cannot boot stops gunicorn: let the requests try again
            log.exception("cannot open the index yet; the first request tries again")
            return
        snap = self._live
        if snap is None or not snap.pages():
            return
        try:
            self._search(snap, parse_query(self.settings, snap.warm_query()), time.perf_counter(), 1, 10,
                         Filters(), "relevance")
        except Exception:   # noqa: BLE001 - the service still starts; the same query would fail for a visitor
            log.exception("the warm-up query failed")
        _settle()

    def refresh(self) -> str:
        """Open the published generation now rather than within RECHECK_SECONDS (a script
        that has just reindexed); the name of the generation that answers."""
        with self._lock:
            self._switch()
        return self.snapshot().name

    def _changed(self, live: Snapshot) -> bool:
        """Whether the live generation's files were written to since it was opened (a
        stat per file): its checksums must then be read again before it serves on."""
        return signature(self._path(live), live.manifest) != self._signature

    def _path(self, snap: Snapshot):  # noqa: ANN202
        return self.settings.index_dir / snap.name

    def _switch(self) -> None:
        """Serve the generation `generations.servable` names when it is not the live one:
        CURRENT's, or the newest one that verifies (the caller holds the lock). A look at
        CURRENT and a stat of the live files when nothing changed."""
        name, problem = generations.pointer(self.settings.index_dir)
        live = self._live
        if live is not None and self._changed(live):
            self._drop(live, "its files changed")
            live = None
        if live is not None:
            if name is None:   # CURRENT is lost or damaged: what is live stays live
                self._degraded = f"{problem}; serving '{live.name}'"
                return
            if name == live.name:
                self._degraded, self._failed = "", None
                return
            if name == self._failed:
                return
        choice = self._choose()
        if choice is None:   # could not open the new generation: keep serving the old one
            self._failed = name
            return
        self._failed = name if name != choice.path.name else None
        if choice.degraded and choice.degraded != self._degraded:
            log.error("index damaged: %s", choice.degraded)
        self._degraded = choice.degraded
        if live is not None and live.name == choice.path.name:
            return
        seen = signature(choice.path, choice.manifest)   # before opening: a write while it opens shows next look
        fresh = self._open(choice)
        if fresh is None:   # kept from trying again until CURRENT names another generation
            self._failed = name
            self._degraded = f"index generation '{choice.path.name}' does not open; serving '{self._live.name}'"
            return
        if self._previous is not None:
            self._previous.close()
        self._previous, self._live = self._live, fresh
        self._signature = seen
        if self._serving:
            _settle(full=False)

    def _drop(self, snap: Snapshot, why: str) -> None:
        """Stop serving a generation found damaged; it answers the queries already under
        way, and its checksums are read again before it may serve again."""
        log.error("index generation '%s': %s; verifying it again, the newest generation that verifies serves",
                  snap.name, why)
        self._verified.discard(snap.name)
        if self._live is snap:
            if self._previous is not None:
                self._previous.close()
            self._previous, self._live = snap, None

    def _choose(self) -> generations.Choice | None:
        """What to serve; None when it cannot be decided now and a generation is live."""
        for attempt in range(3):   # a reindex may publish (and clean up) while we read: retry
            try:
                choice = generations.servable(self.settings.index_dir, deep=lambda g: g.name not in self._verified,
                                                pages=False)
                self._verified.add(choice.path.name)
                self._down = None
                return choice
            except IndexOutdated as exc:   # retrying cannot help; the live one, if any, still serves
                if self._live is None:
                    raise
                log.error("%s; still serving %s", exc, self._live.name)
                return None
            except IndexMissing as exc:   # IndexDamaged too
                if attempt == 2:
                    if self._live is None:
                        self._down = (time.monotonic(), exc)
                        raise
                    log.error("%s; still serving %s", exc, self._live.name)
                    return None
                time.sleep(0.05)
        return None

    def _open(self, choice: generations.Choice) -> Snapshot | None:
        """The chosen generation opened; None (or IndexMissing when nothing is live) when it
        cannot be: damaged since it verified (a file cut while we read it) or unreadable."""
        for attempt in range(3):
            try:
                return Snapshot.open(choice.path, choice.manifest, self.settings)
            except Exception as exc:   # noqa: BLE001 - whoosh raises anything on a damaged file
                if attempt < 2:
                    time.sleep(0.05)
                    continue
                self._verified.discard(choice.path.name)   # its checksums are read again next time
                damaged = damage(choice.path, choice.manifest)
                why = damaged or f"{type(exc).__name__}: {exc}"
                if self._live is None:
                    raise IndexMissing(f"cannot open the index in '{choice.path}' ({why}): "
                                       "run `casesearch reindex --full`") from None
                log.error("cannot open index generation '%s' (%s); still serving %s",
                          choice.path.name, why, self._live.name, exc_info=not damaged)   # no damage: a bug?
        return None

    def _watch(self) -> None:
        first = True
        while first or not self._closing.wait(RECHECK_SECONDS):
            first = False
            down = self._down
            if self._live is None and down and time.monotonic() - down[0] < DOWN_RECHECK_SECONDS:
                continue
            try:
                with self._lock:
                    self._switch()
            except IndexMissing:   # nothing servable: requests answer 503 with the reason
                pass
            except Exception:   # noqa: BLE001 - a thread's error would vanish: log it, keep serving
                log.exception("cannot open the new index generation")

    def _answer(self, work: Callable[[Snapshot], T]) -> T:
        """`work` on the live generation; when it fails on a generation whose files are
        damaged, once more on the newest generation that verifies. Then the analysis memos
        the request grew are bounded (MEMO_WORDS)."""
        try:
            return self._on_live(work)
        finally:
            analysis.trim_memos(MEMO_WORDS)

    def _on_live(self, work: Callable[[Snapshot], T]) -> T:
        snap = self.snapshot()
        try:
            return work(snap)
        except Exception as exc:
            if isinstance(exc, CasesearchError) and not isinstance(exc, IndexDamaged):
                raise   # the visitor's query (QueryError...): nothing to fall back from
            why = damage(self._path(snap), snap.manifest)
            if not why:
                raise
            with self._lock:
                self._drop(snap, why)
                self._switch()
            return work(self.snapshot())

    def close(self) -> None:
        self._closing.set()
        if self._watcher is not None:
            self._watcher.join()
        for snap in (self._live, self._previous):
            if snap is not None:
                snap.close()
        self._live = self._previous = None

    def health(self) -> dict:
        snap = self.snapshot()
        return {"status": "degraded" if self._degraded else "ok", "reason": self._degraded or None,
                "pages": snap.pages(), "generation": snap.manifest.generation,
                "built_at": snap.manifest.built_at, "stale": list(snap.manifest.stale)}

    def suggest(self, text: str, limit: int = 10) -> list[dict]:
        """Completions for as-you-type: page titles holding the typed words, then the words
        pages write after them, then frequent words extending the last one.
        [{"text", "kind", "url"?}]"""
        parsed = parse_query(self.settings, text)
        return self._answer(lambda snap: suggestions(snap, parsed, text, limit))

    def explain(self, text: str, top: int = 5, *, prefix: bool = False) -> dict:
        """The analysed query and, for the top pages, what each word and field contributed:
        a page's score is the sum of its `parts` times the product of its `factors`, as
        the scorer itself reports them (`ranking.rank(..., explain=pages)`).
        `prefix=True` explains a search as you type (the API's default)."""
        parsed = parse_query(self.settings, text, prefix=prefix)
        return self._answer(lambda snap: self._explain(snap, parsed, top))

    @staticmethod
    def _explain(snap: Snapshot, parsed: query.ParsedQuery, top: int) -> dict:
        with snap.lock:
            first = [d for d, _ in rank(snap, parsed, Filters()).top(snap, top)]
            ranking = rank(snap, parsed, Filters(), explain=first)
            ranked, suggestion = ranking.top(snap, top), ranking.suggestion
            p = snap.postings
            spans = snap.synonyms.find(parsed.words)
            words = [{"typed": w.raw, "french": [list(a) for a in w.alternatives],
                      "english": [list(a) for a in w.english], "exact": list(w.exact),
                      "family": p.family(w.alternatives[0][0]) if len(w.alternatives[0]) == 1 else []}
                     for w in parsed.positive]
            hits = []
            for docnum, score in ranked[:top]:
                how = ranking.explained[docnum]
                prior = next(f for name, f in how.factors if name.startswith("prior"))
                page = snap.stored[docnum]
                hits.append({"source": page.source, "title": page.title,
                             "score": round(score, 4), "prior": round(prior, 3),
                             "parts": [dict(asdict(x), score=round(x.score, 6)) for x in how.parts],
                             "factors": [{"name": name, "factor": round(f, 6)} for name, f in how.factors]})
        synonyms = [{"words": [w.raw for w in parsed.words[sp.start:sp.end]],
                     "also": [" ".join(w.raw for w in v) for v in sp.variants]} for sp in spans]
        return {"query": parsed.text, "words": words, "synonyms": synonyms,
                "excluded": [w.raw for w in parsed.excluded],
                "phrases": [[w.raw for w in ph] for ph in parsed.phrases], "suggestion": suggestion,
                "total": ranking.total, "hits": hits}

    # -- searching ------------------------------------------------------------
    def search(self, text: str, *, page: int = 1, per_page: int = 10, filters: Filters = Filters(),
               sort: str = "relevance", prefix: bool = True) -> SearchResult:
        started = time.perf_counter()
        check_window(page, per_page, sort)
        parsed = parse_query(self.settings, text, prefix=prefix)
        return self._answer(lambda snap: self._kept(snap, parsed, started, page, per_page, filters, sort))

    def _kept(self, snap: Snapshot, parsed: query.ParsedQuery, started: float, page: int, per_page: int,
              filters: Filters, sort: str) -> SearchResult:
        """The answer, from those the generation keeps when the same search was asked
        before (popular queries, a word typed by many visitors): `answer_cache` of them,
        and as many hits as that many answers of 10 hits hold (about 2 KB a hit),
        the least recently asked let go first."""
        size = self.settings.answer_cache
        if size <= 0:
            return self._search(snap, parsed, started, page, per_page, filters, sort)
        key = (parsed, page, per_page, filters, sort)
        with snap.lock:
            kept = snap.answers.get(key)
            if kept is not None:
                snap.answers.move_to_end(key)
        if kept is not None:
            return replace(kept, took_ms=round((time.perf_counter() - started) * 1000, 2))
        answer = self._search(snap, parsed, started, page, per_page, filters, sort)
        with snap.lock:
            if key not in snap.answers:
                snap.answers[key] = answer
                snap.answer_hits += len(answer.hits)
            while len(snap.answers) > size or snap.answer_hits > size * 10:
                _, old = snap.answers.popitem(last=False)
                snap.answer_hits -= len(old.hits)
        return answer

    @staticmethod
    def _search(snap: Snapshot, parsed: query.ParsedQuery, started: float, page: int, per_page: int,
                filters: Filters, sort: str) -> SearchResult:
        with snap.lock:
            ranking = rank(snap, parsed, filters)
        end = page * per_page
        ranked = ranking.by_date(snap, end) if sort == "date" else ranking.top(snap, end)
        window = ranked[(page - 1) * per_page: end]
        shown = ranking.words + tuple(w for q in ranking.queries for span in snap.synonyms.find(q.words)
                                      for variant in span.variants for w in variant)
        matcher = Matcher(stems=frozenset(s for w in shown for s in w.stems),
                          forms=frozenset(e for w in shown for e in w.exact), prefixes=ranking.prefixes)
        hits = [_hit(snap.stored[docnum], score, matcher) for docnum, score in window]
        facets = _facets(snap, ranking.docnums())
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query=parsed.text, total=ranking.total, page=page, per_page=per_page,
                            took_ms=round(took, 2), hits=hits, facets=facets, suggestion=ranking.suggestion)


def _settle(full: bool = True) -> None:
    """Keep the objects alive now (a generation's term sets, tables and caches, the
    service's code) out of Python's cyclic garbage collector's full passes: one walks every
    object, 70 to 90 ms at 50,000 pages, in the middle of whichever query set it off.

    Once a service has warmed up (`full`, before gunicorn forks its workers: a pass would
    also write to every page of memory they share), everything is collected first. After
    each new generation a worker opens, only the young objects are: a full pass there
    would stall the worker's requests (it holds the interpreter), and what an old
    generation leaves in cycles is small (317 objects, functions and cells, for 5
    generations opened and closed; no array, no snapshot) and stays frozen."""
    if full:
        gc.unfreeze()
        gc.collect()
    else:
        gc.collect(1)
    gc.freeze()


def parse_query(settings: Settings, text: str, prefix: bool = True) -> query.ParsedQuery:
    """A visitor's text under the settings' limits; QueryError where it is over them."""
    return query.parse(text, max_chars=settings.max_query_chars, max_terms=settings.max_query_terms, prefix=prefix)


def check_window(page: int, per_page: int, sort: str) -> None:
    if page < 1 or per_page < 1:
        raise QueryError("page and per_page must be positive whole numbers")
    if per_page > MAX_PER_PAGE:
        raise QueryError(f"per_page is {per_page}; the most is {MAX_PER_PAGE}")
    if page * per_page > MAX_WINDOW:
        raise QueryError(f"page * per_page is {page * per_page}; results stop at {MAX_WINDOW}")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")


# -- presenting -------------------------------------------------------------------

def _hit(page: StoredPage, score: float, matcher: Matcher) -> Hit:
    record = page.record()   # page may be a snapshot.Page: its record read once, not per field
    spans = matcher.matches_by_text(record.highlight_texts())
    title_spans, summary_spans = spans.get(0, []), spans.get(1, [])
    sections = record.sections
    scored, in_text = _matched_sections(sections, spans)
    passages: dict[int, str] = {}   # section order -> snippet: the snippet's passage is often one of these
    deep = []
    for _, minus_order, heading, anchor, text, text_spans in [s for s in scored if s[3]][:SECTIONS_PER_HIT]:
        passages[-minus_order] = passage = snippet(text, text_spans)   # passages shown only
        deep.append(Section(heading=heading, anchor=anchor, url=f"{page.url}#{anchor}", snippet_html=passage))
    # the snippet shows matches whenever some text has them: a section matched only by its
    # heading is a link above, not a passage without a mark
    if in_text is not None and in_text[0] >= len({span[2] for span in summary_spans}):
        order = -in_text[2]
        best = passages[order] if order in passages else snippet(in_text[3], in_text[4])
    elif summary_spans or not sections or record.summary.strip():
        best = snippet(record.summary, summary_spans)
    else:
        best = snippet(next((s.text for s in sections if s.text.strip()), ""), [])
    return Hit(url=page.url, source=page.source, title=page.title, title_html=mark(page.title, title_spans),
               summary=record.summary, snippet_html=best, date=page.date, category=page.category,
               tags=list(page.tags), lang=page.lang, score=round(score, 4), sections=deep)


def _matched_sections(sections: tuple, spans: dict[int, list[tuple[int, int, str]]]) -> tuple[list, tuple | None]:
    """The sections a match falls in, as (score, -order, heading, anchor, text, text's spans),
    best first; and the snippet's passage, the section whose text holds the most matched
    words, as (distinct terms, heading matched, -order, text, spans), None if no text matched.
    `spans`: matches_by_text() of the page's texts (title, summary, then heading and text of
    each section): only the sections it names are looked at, most have no match."""
    scored = []
    in_text = None
    for order in sorted({(i - 2) // 2 for i in spans if i >= 2}):
        section = sections[order]
        head_spans, text_spans = spans.get(2 + 2 * order, []), spans.get(3 + 2 * order, [])
        text_terms = {span[2] for span in text_spans}
        terms = text_terms.union([span[2] for span in head_spans]) if head_spans else text_terms
        scored.append((len(terms) + 0.5 * bool(head_spans), -order, section.heading, section.anchor,
                       section.text, text_spans))
        if text_spans:
            candidate = (len(text_terms), bool(head_spans), -order, section.text, text_spans)
            in_text = max(in_text or candidate, candidate)
    scored.sort(reverse=True)
    return scored, in_text


def _facets(snap: Snapshot, docnums: np.ndarray) -> dict[str, list[dict]]:
    found = np.zeros(len(snap.stored), dtype=bool)
    found[docnums] = True
    return {name: [{"value": v, "count": c} for v, c in facet.counts(found, 20)] for name, facet in snap.facets.items()}
