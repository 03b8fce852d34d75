"""The whoosh schema and the one table of searchable fields.

Indexing, querying and the static export all read `FIELDS`; their boosts are numbers
of `weights.RankingWeights` (applied at query time, so retuning them needs no rebuild).
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import fields, formats

from . import analysis
from .weights import WEIGHTS

# Bumped whenever the schema or what goes into a field changes; together with
# analysis.FORMAT_VERSION it decides whether `reindex` must rebuild from scratch.
SCHEMA_VERSION = 6


@dataclass(frozen=True)
class SearchField:
    name: str
    help: str

    @property
    def boost(self) -> float:
        """The field's boost in the default weights (`WEIGHTS.field_boosts`)."""
        return WEIGHTS.field_boosts[self.name]


# Title > section headings > topics > summary > body (boosts: weights.RankingWeights).
FIELDS: tuple[SearchField, ...] = (
    SearchField("title", "page title"),
    SearchField("headings", "section headings"),
    SearchField("tags", "topics: tags, thematiques, categories, keywords"),
    SearchField("summary", "front-matter summary (apercu, description, ...)"),
    # hub pages (a list of incubators) get their text from the layout: their URL names them
    SearchField("url", "near-empty pages only: words naming the page in its URL (/incubateurs/ -> incubateurs)"),
    SearchField("body", "page text"),
)
BOOSTS: dict[str, float] = {f.name: f.boost for f in FIELDS}

# Fields indexed with positions, for quoted phrases and the proximity bonus.
PHRASE_FIELDS = ("title", "headings", "summary", "body")

# The unstemmed word field: exact-form bonus, search-as-you-type prefixes, typo fixes.
WORDS = "words"


class ExactWords(fields.TEXT):
    """Unstemmed words; only whether a page has a word matters, which keeps postings small."""

    def __init__(self, analyzer) -> None:  # noqa: ANN001 - a whoosh analyzer
        super().__init__(analyzer=analyzer, phrase=False)
        self.format = formats.Existence()


def display_texts(display: dict) -> list[str]:
    """The texts of a stored page, in the order highlighting reads them: title, summary,
    then each section's heading and text. `display["folded"]` is their folded join."""
    return [display["title"], display["summary"]] + [part for s in display["sections"] for part in (s[0], s[3])]


def build_schema() -> fields.Schema:
    stem = analysis.StemAnalyzer()
    return fields.Schema(
        source=fields.ID(stored=True, unique=True),
        # positions only where phrase and proximity queries look
        title=fields.TEXT(analyzer=stem, phrase=True),
        headings=fields.TEXT(analyzer=stem, phrase=True),
        tags=fields.TEXT(analyzer=stem, phrase=False),
        summary=fields.TEXT(analyzer=stem, phrase=True),
        url=fields.TEXT(analyzer=stem, phrase=False),
        body=fields.TEXT(analyzer=stem, phrase=True),
        words=ExactWords(analysis.WordAnalyzer()),
        # filters and facets
        category=fields.ID(),
        tag=fields.KEYWORD(lowercase=True, commas=True),
        year=fields.ID(),
        lang=fields.ID(),
        date=fields.ID(sortable=True),
        # everything shown in a result, as one JSON blob
        display=fields.STORED(),
    )
