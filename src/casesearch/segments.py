"""Writing a generation's whoosh segments: a whole index, or changes to a copy of one."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.writing import PostingPool, SegmentWriter

from . import analysis, generations, postlists, schema
from .content import Document

Keep = Callable[[str, dict], None]   # (source, stored record) of each page written

# Postings a writer holds before it sorts them to a temporary run (an estimate, below
# what they take), so that a build's memory stays flat whatever the site's size: the
# scored fields' (`postlists.Pool`), and whoosh's own of the other fields (a few per page).
POOL_MB = 32
WHOOSH_POOL_MB = 16


def write_whole(gen_dir: Path, documents: Iterable[Document], keep: Keep) -> None:
    """A new index of `documents` in the (new) folder `gen_dir`; `keep` gets each page's
    stored record."""
    gen_dir.mkdir()
    ix = whoosh_index.create_in(str(gen_dir), schema.build_schema())
    writer = Writer(ix)
    _write_all(writer, documents, keep, writer.add_document)
    ix.close()


def write_changes(gen_dir: Path, removed: list[str], documents: Iterable[Document], keep: Keep) -> None:
    """The index in `gen_dir` (a copy of the base generation) without the `removed`
    sources, with `documents` added or replacing their earlier versions."""
    ix = whoosh_index.open_dir(str(gen_dir))
    writer = Writer(ix)
    for source in removed:
        writer.delete_by_term("source", source)
    _write_all(writer, documents, keep, writer.update_document)
    ix.close()


def _write_all(writer: Writer, documents: Iterable[Document], keep: Keep, add: Callable[..., None]) -> None:
    """Each page's fields added (`add`: the writer's add or update), its stored record kept; committed."""
    for doc in documents:
        fields = schema.document_fields(doc)
        keep(doc.source, fields.pop("display"))   # the page store's, not whoosh's
        add(**fields)
    writer.commit()


def _kind(field) -> str:  # noqa: ANN001 - a whoosh field
    """How the posting file keeps a scored field's postings (its whoosh format's)."""
    if not isinstance(field.analyzer, analysis._ChainAnalyzer) or field.format.field_boost != 1.0:
        raise TypeError(f"{field!r}: a scored field is analysed by a casesearch chain, unboosted")
    if type(field.format) is formats.Positions:
        return postlists.POSITIONS
    if type(field.format) is formats.Frequency:
        return postlists.COUNTS
    if type(field.format) is formats.Existence:
        return postlists.PRESENCE
    raise TypeError(f"{field!r}: no posting file kind for {field.format!r}")


def field_terms(kind: str, chain: str, value: str) -> dict[str, list[int]] | set[str]:
    """A scored field's terms in a page, as its kind of postings needs them: with their
    positions, or (a presence field: the words field, all of a page's text again) only
    which, each distinct word looked up once."""
    if kind == postlists.PRESENCE:
        return analysis.term_set(value, chain)
    return analysis.term_positions(value, chain)


class _Pool(PostingPool):
    """whoosh's posting pool, its sorted runs written and read back in batches: whoosh
    pickles each posting alone (two thirds of a build's extra CPU once the pool spills,
    which keeps its memory flat)."""

    BATCH = 4096

    def _write_run(self, f, items) -> None:  # noqa: ANN001 - a run file, postings
        batch = []
        for item in items:
            batch.append(item)
            if len(batch) >= self.BATCH:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                batch = []
        if batch:
            pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path):  # noqa: ANN001, ANN202 - a run's path -> its postings
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = pickle.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)


class Writer(SegmentWriter):
    """whoosh's writer, except that the scored fields' postings go to casesearch's posting
    file only (`postlists.Pool`, then `postlists.PostingFile`): from the chain's term
    positions (`analysis.term_positions`), where whoosh's token stream was a third of a
    build, and whoosh's own postings of them (pickled, sorted, pickled again, never read by
    a query) about half of what was left. whoosh keeps each page's source path, field
    lengths and deletions, and the other fields' postings; the field lengths of the scored
    fields are the posting file's counts, as whoosh counted them."""

    def __init__(self, ix, pool_mb: float = POOL_MB) -> None:  # noqa: ANN001 - a whoosh index
        super().__init__(ix, limitmb=WHOOSH_POOL_MB)
        self.pool.__class__ = _Pool   # same state, batched runs
        fields = [self.schema[name] for name in self.schema.names()]
        if any(f.vector or f.separate_spelling() for f in fields):
            raise TypeError("casesearch's writer keeps no term vectors nor spelling fields")
        self._scored = postlists.Pool({name: _kind(self.schema[name]) for name in schema.SCORED_FIELDS},
                                      pool_mb)

    def add_document(self, **fields) -> None:   # whoosh 2.7.5's, for this schema: no vectors, spelling, boosts
        self._check_state()
        schema_, scored = self.schema, self._scored
        perdocwriter, docnum, add_post = self.perdocwriter, self.docnum, self.pool.add
        names = sorted(fields)
        self._check_fields(schema_, names)
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema_[name]
                length = 0
                if name in scored.kinds:
                    length = scored.add(docnum, name, field_terms(scored.kinds[name], field.analyzer.chain, value))
                elif field.indexed:
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if field.scorable:
                            length += freq
                        add_post((name, tbytes, docnum, weight, vbytes))
                perdocwriter.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdocwriter.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_reader(self, reader) -> None:  # noqa: ANN001 - whoosh 2.7.5's, and the segment's posting file
        self._check_state()
        basedoc = self.docnum
        names = {name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self.write_per_doc(set(self.schema.names()) | names, reader)
        self.add_postings_to_pool(reader, basedoc, docmap)   # the fields whoosh keeps
        posting_file = postlists.PostingFile.open(reader._storage, reader._segid)
        size = reader.doc_count_all()
        if docmap is None:
            renumbered = np.arange(basedoc, basedoc + size, dtype=np.int64)
        else:
            renumbered = np.full(size, -1, dtype=np.int64)
            for old, new in docmap.items():
                renumbered[old] = new
        self._scored.add_file(posting_file, renumbered)
        self._added = True

    def _flush_segment(self) -> None:   # whoosh 2.7.5's, with our posting file
        self.perdocwriter.close()
        # no field lengths: the fields whoosh still indexes (filters) are not scorable, so
        # whoosh's own reader of them would answer 0 for every page
        self.fieldwriter.add_postings(self.schema, None, self.pool.iter_postings())
        # a part of the segment, as whoosh's own: it goes into the compound file with them
        with self.newsegment.create_file(self.storage, postlists.EXTENSION) as out:
            self._scored.write(out, self.docnum)
        self.fieldwriter.close()

    def cancel(self) -> None:
        self._scored.close()
        super().cancel()


@contextmanager
def reader(gen_dir: Path) -> Iterator:
    """A whoosh reader of the index in `gen_dir`, closed after (its segment read from the
    file, not copied into memory: `generations.open_index`)."""
    ix = generations.open_index(gen_dir)
    try:
        with ix.reader() as r:
            yield r
    finally:
        ix.close()
