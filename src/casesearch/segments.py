"""Writing a generation's whoosh segments: a whole index, or changes to a copy of one."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from . import schema
from .content import Document


def write_whole(gen_dir: Path, documents: list[Document]) -> None:
    """A new index of `documents` in the (new) folder `gen_dir`."""
    gen_dir.mkdir()
    ix = whoosh_index.create_in(str(gen_dir), schema.build_schema())
    writer = Writer(ix, limitmb=256)
    for doc in documents:
        writer.add_document(**schema.document_fields(doc))
    writer.commit()
    ix.close()


def write_changes(gen_dir: Path, removed: list[str], documents: list[Document]) -> None:
    """The index in `gen_dir` (a copy of the base generation) without the `removed`
    sources, with `documents` added or replacing their earlier versions."""
    ix = whoosh_index.open_dir(str(gen_dir))
    writer = Writer(ix, limitmb=128)
    for source in removed:
        writer.delete_by_term("source", source)
    for doc in documents:
        writer.update_document(**schema.document_fields(doc))
    writer.commit()
    ix.close()


class _Lengths:
    """A segment's field lengths, each field's column read once."""

    def __init__(self, reader) -> None:  # noqa: ANN001 - whoosh's per-document reader
        self._reader = reader
        self._columns: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        column = self._columns.get(fieldname)
        if column is None:
            r = self._reader
            column = self._columns[fieldname] = [r.doc_field_length(d, fieldname, default)
                                                 for d in range(r.doc_count_all())]
        return column[docnum]

    def close(self) -> None:
        self._reader.close()


class Writer(SegmentWriter):
    """whoosh's writer, except that writing the postings reads each page's field length
    from a list instead of whoosh's column reader once per posting (6% of the
    instructions of a full build of site-eig, counted with callgrind)."""

    def _flush_segment(self) -> None:   # whoosh 2.7.5's, with _Lengths
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()


def stored_documents(live: Path | None, sources: list[str]) -> list[Document]:
    """Pages as `live` stores them (the last good versions of failing pages, for a full rebuild)."""
    if not live or not sources:
        return []
    wanted = set(sources)
    docs = []
    with whoosh_index.open_dir(str(live)).searcher() as searcher:
        for stored in searcher.all_stored_fields():
            if stored.get("source") in wanted:
                docs.append(schema.StoredPage.from_json(stored["display"]).document())
    return docs
