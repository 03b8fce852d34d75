"""The whoosh schema, the one table of searchable fields and the record stored per page.

Indexing, querying and the static export all read `FIELDS`; their boosts are numbers
of `weights.RankingWeights` (applied at query time, so retuning them needs no rebuild).
`StoredPage` is what a result shows and what facets and highlighting read; `fields(doc)`
is how a `Document` becomes one whoosh document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh import fields, formats

from . import analysis, highlight
from .content import Document, url_words
from .markdown import Section
from .weights import WEIGHTS

# Bumped whenever the schema or what goes into a field changes; together with
# analysis.FORMAT_VERSION it decides whether `reindex` must rebuild from scratch.
SCHEMA_VERSION = 9


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
    SearchField("summary", "front-matter summary (apercu, description, ...) and the other descriptions "
                           "(search_description, seo.description, ...)"),
    # hub pages (a list of incubators) get their text from the layout: their URL names them
    SearchField("url", "near-empty pages only: words naming the page in its URL (/incubateurs/ -> incubateurs)"),
    SearchField("body", "page text"),
    # as web search engines read anchor text: what the site calls the page where it links to it
    SearchField("anchors", "the text of other pages' links to the page, once per linking page"),
)
BOOSTS: dict[str, float] = {f.name: f.boost for f in FIELDS}

# Fields indexed with positions, for quoted phrases and the proximity bonus.
PHRASE_FIELDS = ("title", "headings", "summary", "body", "anchors")

# The unstemmed word field: exact-form bonus, search-as-you-type prefixes, typo fixes.
WORDS = "words"

# Fields whose (page, frequency) postings scoring reads: kept in casesearch's own posting
# file in each segment (`postlists`), not in whoosh's.
SCORED_FIELDS = tuple(f.name for f in FIELDS) + (WORDS,)


class ExactWords(fields.TEXT):
    """Unstemmed words; only whether a page has a word matters, which keeps postings small."""

    def __init__(self, analyzer) -> None:  # noqa: ANN001 - a whoosh analyzer
        super().__init__(analyzer=analyzer, phrase=False)
        self.format = formats.Existence()


@dataclass(frozen=True, slots=True)
class StoredPage:
    """What the index stores for a page (its record in the page store), read back as this record."""
    url: str
    source: str
    title: str
    summary: str
    date: str | None
    category: str
    tags: tuple[str, ...]
    lang: str
    body_words: int   # how many words the page's sections hold: how near-empty it is
    sections: tuple[Section, ...]
    # the texts() folded and joined by "\n": highlighting scans it with plain patterns
    # instead of accent-blind ones
    folded: str
    # the words written otherwise than the analysis joins them (e-mail -> email) with their
    # offsets in `folded`, so that highlighting marks every form the analysis finds
    loose: dict[str, list[int]]
    about: str = ""   # Document.about and .anchors: searched, never shown; kept to rebuild the page
    anchors: tuple[tuple[str, int], ...] = ()
    # texts() as highlighting scans them: made when a hit first shows the page and kept with
    # the record (the page store keeps the records last shown), not again for every hit
    _texts: highlight.Texts | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, doc: Document) -> StoredPage:
        folded = analysis.fold_text("\n".join(_texts(doc.title, doc.summary, doc.sections)))
        return cls(url=doc.url, source=doc.source, title=doc.title, summary=doc.summary, date=doc.date,
                   category=doc.category, tags=tuple(doc.tags), lang=doc.lang,
                   body_words=sum(len(s.text.split()) for s in doc.sections), sections=tuple(doc.sections),
                   folded=folded, loose=analysis.loose_forms(folded), about=doc.about, anchors=tuple(doc.anchors))

    def texts(self) -> list[str]:
        """Title, summary, then each section's heading and text: the order of `folded` and
        of the spans highlighting returns."""
        return _texts(self.title, self.summary, self.sections)

    def record(self) -> StoredPage:
        """The record itself: asked of a snapshot.Page, one read of the page store (a lock and
        its LRU's order) for all of a hit's fields, where each field would be one."""
        return self

    def highlight_texts(self) -> highlight.Texts:
        """texts() joined, folded and loose as Matcher.matches_by_text scans them."""
        if self._texts is None:
            object.__setattr__(self, "_texts", highlight.Texts.of(self.texts(), self.folded, self.loose))  # a cache
        return self._texts

    @property
    def url_words(self) -> str:
        return url_words(self.url)

    def document(self) -> Document:
        """The page as it was read, for a rebuild that keeps a failing page's last good version."""
        return Document(source=self.source, url=self.url, title=self.title, summary=self.summary, tags=self.tags,
                        category=self.category, date=self.date, lang=self.lang, sections=self.sections,
                        about=self.about, anchors=self.anchors)

    def to_json(self) -> dict:
        return {"url": self.url, "source": self.source, "title": self.title, "summary": self.summary,
                "date": self.date, "category": self.category, "tags": list(self.tags), "lang": self.lang,
                "body_words": self.body_words,
                "sections": [[s.heading, s.anchor, s.level, s.text] for s in self.sections],
                "folded": self.folded, "loose": self.loose} | (
                    {"about": self.about} if self.about else {}) | (
                    {"anchors": [list(a) for a in self.anchors]} if self.anchors else {})

    @classmethod
    def from_json(cls, data: dict) -> StoredPage:
        return cls(url=data["url"], source=data["source"], title=data["title"], summary=data["summary"],
                   date=data["date"], category=data["category"], tags=tuple(data["tags"]), lang=data["lang"],
                   body_words=data["body_words"], sections=tuple(Section(*s) for s in data["sections"]),
                   folded=data["folded"], loose=data["loose"], about=data.get("about", ""),
                   anchors=tuple((text, count) for text, count in data.get("anchors", ())))


def _texts(title: str, summary: str, sections: tuple[Section, ...]) -> list[str]:
    return [title, summary] + [part for s in sections for part in (s.heading, s.text)]


def document_fields(doc: Document) -> dict:
    """The whoosh document of a page: its searchable fields, language-marked, and its record."""
    mark = analysis.lang_prefix(doc.lang)
    tags_text = "\n".join(doc.tags)
    body = "\n\n".join(s.text for s in doc.sections)
    # a text linked from n pages is written n times (at most anchor_repeat): the weight of a
    # text is how many pages use it, and the field's BM25 saturates past a few
    anchor_text = "\n".join(text for text, pages in doc.anchors for _ in range(min(pages, WEIGHTS.anchor_repeat)))
    stored = StoredPage.of(doc)
    return {
        "source": doc.source,
        "title": mark + doc.title,
        "headings": mark + doc.headings,
        "tags": mark + tags_text,
        "summary": mark + "\n".join(t for t in (doc.summary, doc.about) if t),
        # only near-empty pages are searched by their URL's words (changing hub_words: reindex --full)
        "url": mark + (doc.url_words if stored.body_words < WEIGHTS.hub_words else ""),
        "body": mark + body,
        "anchors": mark + anchor_text,
        "words": analysis.Joined.of(mark, (doc.title, doc.headings, tags_text, doc.summary, doc.about, body,
                                           *(text for text, _ in doc.anchors))),
        "category": doc.category,
        "tag": ",".join(t.replace(",", " ") for t in doc.tags),
        "year": (doc.date or "")[:4],
        "lang": doc.lang,
        "date": doc.date or "",
        "display": stored.to_json(),
    }


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
        anchors=fields.TEXT(analyzer=stem, phrase=True),
        words=ExactWords(analysis.WordAnalyzer()),
        # filters and facets
        category=fields.ID(),
        tag=fields.KEYWORD(lowercase=True, commas=True),
        year=fields.ID(),
        lang=fields.ID(),
        date=fields.ID(sortable=True),
        # (what a result shows, `StoredPage`, is in the generation's page store, not here)
    )
