"""A generation's page table: what every query reads of every page, written at build time.

Ranking, filters, facets and suggestions read a few things of every page (its source,
language, date, category, tags, length, the stems of its title and URL), each field's
length per page, and the word lists the typo fixer and the word families start from.
A worker used to work them out from the index when it opened a generation (the
lexicons walked, every title analysed, 9 length columns read a page at a time): the
table holds them by document number, in one file (`pages.table`, a pickle of plain
lists and arrays) read in one go.

Written after whoosh's commit, from the index itself (document numbers are whoosh's,
merges included) and from rows keyed by source: the pages written now, and the base
generation's table for the pages an incremental build kept.
"""

from __future__ import annotations

import dataclasses
import pickle
import zlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from . import analysis, postlists, schema
from .content import Document, url_words
from .errors import IndexDamaged

FILE = "pages.table"
FORMAT = 3
_READS = (2, 3)   # format 2: the rows inside the head, no arrays
_CHUNK = 2000     # rows to a pickle


class Row(NamedTuple):
    """What the table keeps of one page (a named tuple: reading a 50,000-page table took
    0.21 s with frozen dataclasses made from the file's tuples, 0.09 s with these)."""
    source: str
    url: str
    title: str
    lang: str
    date: str | None
    category: str
    tags: tuple[str, ...]
    body_words: int
    title_stems: tuple[str, ...]   # the title's stems, in order
    url_stems: tuple[str, ...]     # the stems of the words naming the page in its URL
    folded_title: str              # the title's words folded, joined by spaces


def stems(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in analysis.stem_terms(text))


def row(page: Document | schema.StoredPage) -> Row:
    body_words = page.body_words if isinstance(page, schema.StoredPage) else \
        sum(len(s.text.split()) for s in page.sections)
    return Row(source=page.source, url=page.url, title=page.title, lang=page.lang, date=page.date,
               category=page.category, tags=tuple(page.tags), body_words=body_words,
               title_stems=stems(page.title), url_stems=stems(url_words(page.url)),
               folded_title=" ".join(analysis.fold(w) for w in page.title.split()))


# what a page gives each facet (values, each counted once per page)
FACET_VALUES: dict[str, Callable[[Row], Iterable[str]]] = {
    "category": lambda row: (row.category,) if row.category else (),
    "tags": lambda row: row.tags,
    "year": lambda row: (row.date[:4],) if row.date else (),
}


def names_hash(stems: tuple[str, ...]) -> int:
    """A stable hash of a title's (or URL's) stems: the pages a query names are those whose
    hash is the query's, then checked one by one."""
    return zlib.crc32("\x1f".join(stems).encode("utf-8"))


@dataclass
class Arrays:
    """Per-page figures by document number, made when the table is written (a worker read
    them from every row when it opened a generation: 0.15 s at 50,000 pages)."""
    source_rank: array                  # the rank of the page's source path (ties)
    date_rank: array                    # the rank of its date, undated first; -1: deleted
    langs: list[str]                    # the languages, by code
    lang: array                         # each page's language code
    title_hash: array                   # names_hash of its title's stems
    facets: dict[str, tuple[list[str], array, array]]   # name -> values, (page, value id) pairs

    @classmethod
    def of(cls, rows: list[Row | None]) -> Arrays:
        sources = sorted((row.source, d) for d, row in enumerate(rows) if row is not None)
        source_rank = array("q", bytes(8 * len(rows)))
        for rank, (_, d) in enumerate(sources):
            source_rank[d] = rank
        dates = sorted({row.date or "" for row in rows if row is not None})
        at = {date: i for i, date in enumerate(dates)}
        codes: dict[str, int] = {}
        lang = array("i", (0 if row is None else codes.setdefault(row.lang, len(codes)) for row in rows))
        return cls(source_rank=source_rank,
                   date_rank=array("q", (-1 if row is None else at[row.date or ""] for row in rows)),
                   langs=list(codes), lang=lang,
                   title_hash=array("I", (0 if row is None else names_hash(row.title_stems) for row in rows)),
                   facets={name: facet(rows, values) for name, values in FACET_VALUES.items()})


def facet(rows: list[Row | None], values: Callable[[Row], Iterable[str]]) -> tuple[list[str], array, array]:
    """A facet's values and its (page, value id) pairs, a page's values each once."""
    names: dict[str, int] = {}
    docs, ids = array("q"), array("q")
    for docnum, row in enumerate(rows):
        if row is not None:
            for value in dict.fromkeys(values(row)):
                docs.append(docnum)
                at = names.get(value)
                if at is None:
                    at = names[value] = len(names)
                ids.append(at)
    return list(names), docs, ids


@dataclass
class Table:
    rows: list[Row | None]              # by document number; None: a deleted document
    lengths: dict[str, array]           # field -> each document's length, as whoosh stores it
    words: list[str]                    # the terms of the word field
    terms: dict[str, list[str]]         # each searchable field's terms (families, look-ups)
    offsets: array | None = None        # where each page's record lies in pages.store (pagestore)
    arrays: Arrays | None = None        # made from the rows when written (`write`)

    def sources(self) -> list[str | None]:
        return [None if r is None else r.source for r in self.rows]

    def by_source(self) -> dict[str, Row]:
        return {r.source: r for r in self.rows if r is not None}


def from_index(reader, rows: dict[str, Row]) -> Table:  # noqa: ANN001 - a whoosh reader
    """The table of the index `reader` reads, its pages' rows taken from `rows` by source
    (the document numbers from the source field's postings, the scored fields' terms from
    the posting files)."""
    size = reader.doc_count_all()
    table_rows: list[Row | None] = [None] * size
    for term in reader.lexicon("source"):
        for docnum in reader.postings("source", term).all_ids():
            if not reader.is_deleted(docnum):
                table_rows[docnum] = rows[term.decode("utf-8")]
    names = [f.name for f in schema.FIELDS] + [schema.WORDS]
    # whoosh answers None for a length of 0
    lengths = {name: array("I", (reader.doc_field_length(d, name, 0) or 0 for d in range(size))) for name in names}
    scored = postlists.Terms(reader)
    terms = {f.name: [t.decode("utf-8") for t in scored.lexicon(f.name)] for f in schema.FIELDS}
    return Table(table_rows, lengths, [t.decode("utf-8") for t in scored.lexicon(schema.WORDS)], terms)


def write(gen_dir: Path, table: Table) -> None:
    """The table: a head (everything but the rows, whose number it gives), then the rows as
    plain tuples (the file names no class of ours), _CHUNK to a pickle: pickled at once,
    pickle's memo of every object was 26 MB at 50,000 pages, a build's peak of memory."""
    arrays = Arrays.of(table.rows)
    head = {"format": FORMAT, "rows": len(table.rows), "lengths": table.lengths, "words": table.words,
            "terms": table.terms, "offsets": table.offsets,
            "arrays": [getattr(arrays, f.name) for f in dataclasses.fields(arrays)]}
    with open(gen_dir / FILE, "wb") as f:
        pickle.dump(head, f, protocol=pickle.HIGHEST_PROTOCOL)
        for start in range(0, len(table.rows), _CHUNK):
            pickle.dump([None if r is None else tuple(r) for r in table.rows[start:start + _CHUNK]], f,
                        protocol=pickle.HIGHEST_PROTOCOL)


def required(gen_dir: Path) -> Table:
    """The generation's table, with its page store's offsets: IndexDamaged when it has
    none (every generation of this format has them; one that lost them is rebuilt in full)."""
    table = read(gen_dir)
    if table is None or table.offsets is None:
        raise IndexDamaged(f"'{gen_dir}' has no page table or page store: run 'casesearch reindex --full'")
    return table


def read(gen_dir: Path) -> Table | None:
    """The generation's table; None when it has none (built before tables) or another format."""
    try:
        with open(gen_dir / FILE, "rb") as f:
            data = pickle.load(f)
            if data.get("format") not in _READS:
                return None
            rows = data["rows"]
            if isinstance(rows, int):   # the rows follow the head
                count, rows = rows, []
                while len(rows) < count:
                    rows.extend(pickle.load(f))
    except FileNotFoundError:
        return None
    make = Row._make
    return Table([None if r is None else make(r) for r in rows], data["lengths"], data["words"],
                 data["terms"], data.get("offsets"), Arrays(*data["arrays"]) if data.get("arrays") else None)
