"""Every ranking knob in one frozen record, as Pagefind documents its `RankingWeights`.

`WEIGHTS` is the one instance indexing, scoring, ranking, the snapshot's priors, typo
correction and `explain` read; the static export serialises it (`to_dict`) so that its
JavaScript ranking uses the same figures. A variant for an experiment is
`dataclasses.replace(WEIGHTS, family_factor=0.5)`.

The names of the fields, which of them keep positions and their analyzers stay in
`schema.py`; only the numbers live here. Ranges are the ones that make sense for the
formula each figure enters, not limits the code enforces. All are read at query time
except `hub_words`, which also decides at indexing time which pages get their URL's
words: changing it needs `reindex --full`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any


def _frozen(**values: float) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class RankingWeights:
    # -- fields ------------------------------------------------------------------------
    # Weight of a field's (length-normalised) term frequency in BM25F's boosted sum:
    # title > section headings > topics > summary > body. `url` only holds words for
    # near-empty pages (see hub_words). Range 0 (field ignored) to ~10; body is the unit.
    field_boosts: Mapping[str, float] = field(default_factory=lambda: _frozen(
        title=6.0, headings=3.0, tags=2.5, summary=2.0, url=2.0, body=1.0, anchors=2.5))
    # The text of a link is indexed once per linking page, at most this many times. 1-10.
    anchor_repeat: int = 5
    # Bonus for the exact (unstemmed, folded) form typed, on pages already matched,
    # as this share of the form's BM25 in the word field. 0 (no bonus) to ~1.
    exact_form_boost: float = 0.6

    # -- BM25 / BM25F --------------------------------------------------------------------
    # Term-frequency saturation of plain BM25, used for the exact-form bonus. 0.5-2.
    k1: float = 1.2
    # Saturation of BM25F over the boosted sum of fields: lower means a second
    # occurrence counts less. 1-5 (higher than k1 because the sum is boosted).
    k1f: float = 3.0
    # Length normalisation per field: 0 (length ignored) to 1 (fully normalised).
    # Short fields (titles, tags) are barely normalised; `words` is the exact-form field.
    b: Mapping[str, float] = field(default_factory=lambda: _frozen(
        title=0.4, headings=0.5, tags=0.3, summary=0.6, url=0.3, body=0.75, anchors=0.4, words=0.5))
    # A field shorter than this share of the field's average length is normalised as if it
    # were that long, so a two-line stub gets no huge boost for being short. 0 (off) to 1.
    short_floor: Mapping[str, float] = field(default_factory=lambda: _frozen(body=0.5, summary=0.5))

    # -- looser matches of a word --------------------------------------------------------
    # A word matched as its parts (start-up as "start" + "up"), times the parts' sum. 0-1.
    compound_factor: float = 0.8
    # Completions of the word being typed (search as you type). 0-1; below 1 so a
    # completion never outscores the word itself.
    prefix_factor: float = 0.3
    # Same word family (recruter ~ recrutement, by the aggressive stemmer), added to the
    # word's own score. 0 (families off) to 1.
    family_factor: float = 0.4
    # Most related stems added per word (the most frequent first). 0-20.
    family_size: int = 8
    # Shortest stem taking part in a family: shorter stems are too ambiguous. 4-7.
    family_min: int = 5
    # A synonym of what was typed (its score scaled by typed words / synonym's words). 0-1.
    synonym_factor: float = 0.8

    # -- words standing together ---------------------------------------------------------
    # Meilisearch's proximity rule as factors: (extra positions allowed between
    # neighbours, factor), strongest first; a page gets the first grade it meets.
    # Slops 0-10, factors >= 1.
    proximity: tuple[tuple[int, float], ...] = ((0, 2.0), (3, 1.3))
    # Best pages (by score before proximity) checked for the proximity grades. 10-1000:
    # more costs time on broad queries.
    proximity_depth: int = 100
    # Pages whose positions a phrase test (a quoted phrase, a multi-word synonym, a
    # hyphenated compound) reads at most: the best scored of those holding every word (and,
    # when a query asks for all its words, its rarer words looked for first); the others are
    # not counted as holding the phrase. 100-10000: a bound on a query's work
    # on a large site, not a ranking figure (no real site of the corpus reaches it).
    phrase_depth: int = 1000
    # Extra positions allowed between the words of a multi-word synonym. 0-3.
    synonym_slop: int = 1
    # Extra positions allowed in a quoted phrase (stop words in between are free). 0-3.
    phrase_slop: int = 0
    # A page whose title, or a near-empty page whose URL's last part, is the query. >= 1.
    title_match_factor: float = 3.0

    # -- priors --------------------------------------------------------------------------
    # Pages under this many words are near-empty (bios, stubs, hub pages whose list the
    # layout makes): held back unless their title or URL names the query, and only they
    # are searched by the words of their URL (read at indexing time too). 10-200.
    hub_words: int = 50
    # Prior of a page with no words, rising with log(words) to 1 at hub_words. 0-1.
    empty_page_prior: float = 0.2
    # Prior of a page in another language than the site's. 0-1.
    other_language_prior: float = 0.8
    # A page in another language than the query's, when the query's function words say
    # which it is ("about us": English; "le guide": French). 0-1.
    other_query_language_factor: float = 0.5

    # -- tiers ---------------------------------------------------------------------------
    # Fewer hits with every word than this: add pages matching some of the words. 0-20.
    fallback_below: int = 5
    # Fewer hits than this (or a word unknown to the index): try typo corrections. 0-20.
    typo_below: int = 3
    # A later tier (corrections, some words) is scaled so that its best page scores this
    # share of the lowest page of the tier above. 0-1, just under 1.
    tier_ceiling: float = 0.99

    # -- typos ---------------------------------------------------------------------------
    # No correction for words shorter than this. 3-6.
    typo_min_length: int = 5
    # Words up to this length get 1 edit, longer ones typo_max_edits. typo_min_length-12.
    typo_one_edit_max_length: int = 8
    # A word unknown to the index, at least this long, that no correction fixes is tried as
    # 2 or 3 known words written apart (moncompteformation, vigicrux): names.py. 5-12.
    name_min_length: int = 6
    # How many of its splits are looked up as phrases, the likeliest first. 0 (off)-20.
    name_splits: int = 8
    # Edits allowed for long words (a transposition is one edit). 1-2.
    typo_max_edits: int = 2

    # -- limits --------------------------------------------------------------------------
    # What one query may cost, whatever the site holds: each limit bounds how many terms
    # a query reads, never how long it runs, so the same query always gets the same
    # answer. Chosen so that the judged queries rank the same (bench/relevance.py) and a
    # 12-word query answers in well under 50 ms (bench/query_cost.py).
    # Search as you type: the most frequent completions of the last word searched. 0-50.
    prefix_expansions: int = 12
    # Completions read from the word list before keeping the most frequent. 50-5000.
    prefix_scan: int = 500
    # Related stems (word families) added for one query, over its words in order, then
    # the words of its synonyms: each takes up to family_size from what is left. 0-100.
    family_terms: int = 24
    # Words of other members of synonym groups searched for one query: the query's spans
    # in order, each group's members in the order of its line; a member whose words do
    # not fit in what is left is left out, and a span left with none is searched as
    # typed. At least the longest member (7 words in the built-in list: urssaf's), or
    # that member is never searched. Each word costs about a typed word. 0-50.
    synonym_words: int = 8
    # Parts of compounds (start-up, projet-données) searched for one query, its words in
    # order: a compound whose parts do not fit in what is left is searched as its joined
    # form only. Each part costs about a typed word. 0-50.
    compound_parts: int = 12
    # Words of one query that typo correction looks at (unknown words of typo_min_length
    # letters or more, in order); the others stay as typed. 0-12.
    typo_words: int = 4

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (mappings as dicts, grades as lists), for the export."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        return out


WEIGHTS = RankingWeights()
