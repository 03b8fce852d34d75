"""One published index generation, opened once and held with the per-page data that
scoring, facets and highlighting read on every query."""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from . import (
    generations,
    pagestore,
    pagetable,
    postlists,
    schema,
    scoring,
    synonyms,
    typos,
)
from .collector import paused_gc
from .config import Settings
from .errors import ConfigError
from .manifest import Manifest
from .weights import WEIGHTS

log = logging.getLogger(__name__)


def prior(words: int, lang: str, default_lang: str) -> float:
    """Near-empty pages (bios, tag indexes, stubs) rank below substantive ones; other languages after."""
    # Only near-empty pages are held back: 0 words scores 0.2 of a full page, 3 words ~0.5,
    # and from 50 words on (a short but real page) there is no penalty (WEIGHTS' defaults).
    empty, hub = WEIGHTS.empty_page_prior, WEIGHTS.hub_words
    length = empty + (1 - empty) * min(1.0, math.log1p(words) / math.log1p(hub))
    return length * (1.0 if lang == default_lang else WEIGHTS.other_language_prior)


signature = pagetable.stems   # the stems of a text, as the table keeps a title's

FACET_VALUES = pagetable.FACET_VALUES


def _view(values: array, dtype: type) -> np.ndarray:
    """The numbers of an array.array as a numpy array, without a copy (its type's size must match)."""
    view = np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)
    assert view.itemsize == values.itemsize
    return view


class Facet:
    """One facet's values for every page, as pairs (page, value id): counted over the pages
    a query finds with one array operation, however many they are."""

    def __init__(self, values: list[str], docs: np.ndarray, ids: np.ndarray) -> None:
        self.values, self.docs, self.ids = values, docs, ids

    @classmethod
    def of(cls, rows: list[pagetable.Row | None], values: Callable[[pagetable.Row], Iterable[str]]) -> Facet:
        return cls.read(pagetable.facet(rows, values))

    @classmethod
    def read(cls, made: tuple[list[str], array, array]) -> Facet:
        """The facet from what the page table holds of it (`pagetable.facet`)."""
        values, docs, ids = made
        return cls(values, _view(docs, np.int64), _view(ids, np.int64))

    def counts(self, found: np.ndarray, top: int) -> list[tuple[str, int]]:
        """(value, pages) of the pages found (a mask over docnums), most pages first, then by value."""
        counts = np.bincount(self.ids[found[self.docs]], minlength=len(self.values))
        held = np.flatnonzero(counts)
        return sorted(((self.values[i], int(counts[i])) for i in held.tolist()), key=lambda kv: (-kv[1], kv[0]))[:top]


class Page:
    """A page as ranking, filters and facets read it: the page table's fields at hand, the
    rest of its record (sections, texts, summary) read from the page store when asked."""

    __slots__ = ("_store", "_docnum", "source", "url", "title", "lang", "date", "category", "tags", "body_words")

    def __init__(self, store: pagestore.Store, docnum: int, row: pagetable.Row) -> None:
        self._store, self._docnum = store, docnum
        self.source, self.url, self.title, self.lang = row.source, row.url, row.title, row.lang
        self.date, self.category, self.tags, self.body_words = row.date, row.category, row.tags, row.body_words

    def __getattr__(self, name: str):  # noqa: ANN204 - whatever StoredPage has
        if name.startswith("__") or name in Page.__slots__:
            raise AttributeError(name)
        return getattr(self._store.page(self._docnum), name)


class Snapshot:
    """One published generation, opened once, with per-page data held for scoring and facets."""

    def __init__(self, gen: Path, manifest: Manifest, ix, settings: Settings) -> None:  # noqa: ANN001
        try:
            self.synonyms = synonyms.load(settings.synonyms_file)
        except ConfigError as exc:   # a typo in the site's file must not break the search
            log.error("%s; searching with the built-in synonyms only", exc)
            self.synonyms = synonyms.load()
        self.name = gen.name
        # what health and damage checks read (its files); not its pages, 50 MB at 50,000 pages
        self.manifest = dataclasses.replace(manifest, pages={}) if manifest.pages else manifest
        self.ix = ix
        self.lock = threading.Lock()
        # answers to searches asked again, least recently asked first (the Searcher's)
        self.answers: OrderedDict[tuple, object] = OrderedDict()
        self.answer_hits = 0   # the hits they hold
        self.reader = ix.reader()
        self.store: pagestore.Store | None = None
        try:
            self._read(gen, settings)
        except BaseException:
            self.close()
            raise

    def _read(self, gen: Path, settings: Settings) -> None:
        default_lang = settings.default_lang
        table = pagetable.required(gen)
        # the records stay on disk: read with pread when a hit shows a page (a record cut
        # short by damage is an error to fall back from, not a SIGBUS as a mapped file's
        # would be)
        self.store = pagestore.Store(gen, table.offsets, table.sources())
        self.stored: list[Page | schema.StoredPage | None] = [
            None if r is None else Page(self.store, d, r) for d, r in enumerate(table.rows)]
        size = len(table.rows)
        self.priors = [0.0] * size
        # what a near-empty page is lifted to when its title or URL names the query: hub
        # pages (a list of incubators) hold no text of their own, their layout does
        self.full_priors = [0.0] * size
        self.names: list[frozenset[str]] = [frozenset()] * size
        self.url_names: list[tuple[str, ...]] = [()] * size
        self.titles: list[tuple[str, ...]] = [()] * size
        self.folded_titles: list[str] = [""] * size
        english = [False] * size
        priors: dict[tuple[int, str], float] = {}   # pages share lengths: each prior computed once
        for docnum, row in enumerate(table.rows):
            if row is None:
                continue
            key = (row.body_words, row.lang)
            if key not in priors:
                priors[key] = prior(row.body_words, row.lang, default_lang)
            full = (WEIGHTS.hub_words, row.lang)
            if full not in priors:
                priors[full] = prior(WEIGHTS.hub_words, row.lang, default_lang)
            self.priors[docnum] = priors[key]
            self.titles[docnum] = row.title_stems
            self.full_priors[docnum] = priors[full]
            if self.priors[docnum] < self.full_priors[docnum]:
                self.url_names[docnum] = row.url_stems
                self.names[docnum] = frozenset(row.title_stems) | frozenset(row.url_stems)
            self.folded_titles[docnum] = row.folded_title
            english[docnum] = row.lang == "en"
        self._arrays(table.rows, table.arrays or pagetable.Arrays.of(table.rows))
        # the scored fields' postings: in the segments' posting files (whoosh holds the rest)
        self.terms = postlists.Terms(self.reader)
        self.postings = scoring.Postings(self.reader, self.terms, english, table.lengths, table.terms,
                                         kept_mb=settings.score_cache_mb)
        self.vocabulary = typos.Vocabulary(self.terms, schema.WORDS, words=table.words)
        # read now what the first queries would otherwise read, so that opening a
        # generation, not a visitor's query, pays for it
        self.postings.families()
        self.vocabulary.load()

    def _arrays(self, rows: list[pagetable.Row | None], made: pagetable.Arrays) -> None:
        """Per-page figures as arrays over docnums, for scoring, ordering and facets over
        every page a query finds at once: priors, language, the hash of its name (title or
        URL stems), the rank of the source path (ties) and of the date (sort by date); and
        each facet's value ids (a page's tags as pairs page, tag). Most were made when the
        table was written (`made`)."""
        self.prior_array = np.array(self.priors)
        self.near_empty = np.array([bool(n) for n in self.names], dtype=bool)
        self.lang_codes = {lang: code for code, lang in enumerate(made.langs)}
        self.lang_code = _view(made.lang, np.int32)
        self.title_hash = _view(made.title_hash, np.uint32)
        # a URL names a page in ranking only for near-empty pages (`url_names`): a few
        self.url_hash = np.zeros(len(rows), dtype=np.uint32)
        for docnum in np.flatnonzero(self.near_empty).tolist():
            self.url_hash[docnum] = pagetable.names_hash(self.url_names[docnum])
        self.source_rank = _view(made.source_rank, np.int64)
        self.date_rank = _view(made.date_rank, np.int64)
        self.facets = {name: Facet.read(made.facets[name]) for name in FACET_VALUES}

    def named(self, docs: np.ndarray, wanted: tuple[str, ...]) -> np.ndarray:
        """Which of `docs` the query's stems `wanted` name: their title's stems, or for a
        near-empty page its URL's, are exactly those (a mask of `docs`)."""
        key = pagetable.names_hash(wanted)
        own = (self.title_hash[docs] == key) | (self.url_hash[docs] == key)
        for i in np.flatnonzero(own).tolist():   # the same hash: the same stems, but for a collision
            d = int(docs[i])
            own[i] = self.titles[d] == wanted or self.url_names[d] == wanted
        return own

    @classmethod
    def open(cls, gen: Path, manifest: Manifest, settings: Settings) -> Snapshot:
        """The generation opened; whatever it opened closed again when it fails to (its
        segment is read from an open file: a failed opening must not leave it open)."""
        ix = generations.open_index(gen)
        try:
            with paused_gc():   # its page table and per-page arrays: many objects, no cycle
                return cls(gen, manifest, ix, settings)
        except BaseException:
            ix.close()
            raise

    def warm_query(self) -> str:
        """A query that reads what every query reads: the words of the first page's title."""
        return next((page.title for page in self.stored if page is not None and page.title), "")

    def pages(self) -> int:
        return self.reader.doc_count()

    def forget(self) -> None:
        """Let go what the generation keeps from one query to the next (answers, posting
        lists and scores, positions, word frequencies, typo corrections): the next query
        costs what a query never seen costs. What opening it read stays."""
        with self.lock:
            self.answers.clear()
            self.answer_hits = 0
        self.postings.forget()
        self.vocabulary.forget()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        self.reader.close()
        self.ix.close()
