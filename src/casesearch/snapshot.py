"""One published index generation, opened once and held with the per-page data that
scoring, facets and highlighting read on every query."""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path

from . import pagetable, schema, scoring, synonyms, typos
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


class Snapshot:
    """One published generation, opened once, with per-page data held for scoring and facets."""

    def __init__(self, gen: Path, manifest: Manifest, ix, settings: Settings) -> None:  # noqa: ANN001
        default_lang = settings.default_lang
        try:
            self.synonyms = synonyms.load(settings.synonyms_file)
        except ConfigError as exc:   # a typo in the site's file must not break the search
            log.error("%s; searching with the built-in synonyms only", exc)
            self.synonyms = synonyms.load()
        self.name = gen.name
        self.manifest = manifest
        self.ix = ix
        self.lock = threading.Lock()
        self.reader = ix.reader()
        size = self.reader.doc_count_all()
        # Each page's whole record, read now: a page read when a hit shows it would read a
        # mapped file that damage may have cut short, and SIGBUS kills a worker mid-request.
        self.stored: list[schema.StoredPage | None] = [None] * size   # None: a deleted docnum
        for docnum, fields in self.reader.iter_docs():
            self.stored[docnum] = schema.StoredPage.from_json(fields["display"])
        table = pagetable.read(gen) or pagetable.from_index(self.reader, {
            page.source: pagetable.row(page) for page in self.stored if page is not None})
        self.priors = [0.0] * size
        # what a near-empty page is lifted to when its title or URL names the query: hub
        # pages (a list of incubators) hold no text of their own, their layout does
        self.full_priors = [0.0] * size
        self.names: list[frozenset[str]] = [frozenset()] * size
        self.url_names: list[tuple[str, ...]] = [()] * size
        self.titles: list[tuple[str, ...]] = [()] * size
        self.folded_titles: list[str] = [""] * size
        english = [False] * size
        for docnum, row in enumerate(table.rows):
            if row is None:
                continue
            self.priors[docnum] = prior(row.body_words, row.lang, default_lang)
            self.titles[docnum] = row.title_stems
            self.full_priors[docnum] = prior(WEIGHTS.hub_words, row.lang, default_lang)
            if self.priors[docnum] < self.full_priors[docnum]:
                self.url_names[docnum] = row.url_stems
                self.names[docnum] = frozenset(row.title_stems) | frozenset(row.url_stems)
            self.folded_titles[docnum] = row.folded_title
            english[docnum] = row.lang == "en"
        self.postings = scoring.Postings(self.reader, english, lengths=table.lengths)
        self.vocabulary = typos.Vocabulary(self.reader, schema.WORDS, words=table.words)
        # read now what the first queries would otherwise read, so that opening a
        # generation, not a visitor's query, pays for it
        self.postings.families(table.family_terms)
        self.vocabulary.load()

    def warm_query(self) -> str:
        """A query that reads what every query reads: the words of the first page's title."""
        return next((page.title for page in self.stored if page is not None and page.title), "")

    def pages(self) -> int:
        return self.reader.doc_count()

    def close(self) -> None:
        self.reader.close()
        self.ix.close()
