"""casesearch's own posting files (issue 12): the only store of the scored fields'
postings. Every segment a build writes, merged ones included, holds each live page's
postings as the analysis gives them, and whoosh none of them; spilling to runs changes
no byte; a file cut short, or a segment without one, is a damage error naming it."""

from __future__ import annotations

import bisect
import io
from array import array

import numpy as np
import pytest
from conftest import require_compiled, titled_site
from hypothesis import given, settings
from hypothesis import strategies as st

from casesearch import analysis, postlists, schema
from casesearch.errors import IndexDamaged
from casesearch.indexer import reindex
from casesearch.searcher import Searcher


def _expected(snap) -> dict[tuple[str, str], list[tuple[int, int, tuple[int, ...]]]]:  # noqa: ANN001
    """(field, term) -> (docnum, count, positions) of every live page, from its stored page
    analysed again as a build analyses it."""
    kinds = {name: postlists.POSITIONS if name in schema.PHRASE_FIELDS else
             postlists.PRESENCE if name == schema.WORDS else postlists.COUNTS for name in schema.SCORED_FIELDS}
    expected: dict[tuple[str, str], list] = {}
    for docnum, page in enumerate(snap.stored):
        if page is None:
            continue
        fields = schema.document_fields(page.record().document())
        for name in schema.SCORED_FIELDS:
            chain = snap.reader.schema[name].analyzer.chain
            for term, at in analysis.term_positions(fields[name], chain).items():
                count = 1 if kinds[name] == postlists.PRESENCE else len(at)
                places = tuple(at) if kinds[name] == postlists.POSITIONS else ()
                expected.setdefault((name, term), []).append((docnum, count, places))
    return expected


def _check(searcher: Searcher) -> int:
    """The live generation's posting files give the analysis's postings of every live page
    for every term of the scored fields, and whoosh holds none of them; the terms checked."""
    snap = searcher.snapshot()
    expected = _expected(snap)
    got = {(name, t.decode("utf-8")): snap.terms.postings(name, t.decode("utf-8"))
           for name in schema.SCORED_FIELDS for t in snap.terms.lexicon(name)}
    got = {key: found for key, found in got.items() if found}   # terms of deleted pages only
    assert got == expected
    for leaf, _ in snap.reader.leaf_readers():
        assert not set(leaf.indexed_field_names()) & set(schema.SCORED_FIELDS)
    for name in schema.SCORED_FIELDS:   # counts as whoosh's doc_frequency: deleted pages included
        terms = [t.decode("utf-8") for t in snap.terms.lexicon(name)]
        assert all(snap.terms.doc_frequency(name, t) >= len(got.get((name, t), ())) for t in terms)
    return len(got)


def _pages(n: int, extra: str = "") -> dict[str, tuple[str, str]]:
    return {f"page-{i:02d}": (f"Page {i} {extra}", f"données ouvertes {'emploi ' * (i % 4)} texte {i} {extra}")
            for i in range(n)}


def test_every_segment_holds_the_analysiss_postings_after_changes_and_merges(tmp_path):
    settings = titled_site(tmp_path, _pages(12))
    content = settings.content_dir
    searcher = Searcher(settings)
    assert _check(searcher) > 20
    searcher.close()
    for round_ in range(12):   # changes in small steps: new segments, deletions, then whoosh's merges
        (content / f"page-{round_:02d}.md").write_text(
            f"---\ntitle: Changée {round_}\n---\nformation professionnelle {round_} données\n", encoding="utf-8")
        (content / f"new-{round_}.md").write_text(f"---\ntitle: Nouvelle {round_}\n---\nrecrutement\n", encoding="utf-8")
        if round_ % 3 == 2:
            (content / f"page-{round_ - 1:02d}.md").unlink()
        reindex(settings)
    searcher = Searcher(settings)
    reader = searcher.snapshot().reader
    assert 1 < len(reader.leaf_readers()) < 13          # segments added, and merged by whoosh
    assert reader.doc_count_all() > reader.doc_count()    # pages deleted in segments kept
    assert _check(searcher) > 20
    assert searcher.search("formation").total == 8 and searcher.search("recrutement").total == 12
    assert searcher.search('"formation professionnelle"').total == 8
    searcher.close()


def test_a_segment_without_its_posting_file_is_a_damage_error_naming_it(tmp_path):
    settings = titled_site(tmp_path, _pages(3))
    searcher = Searcher(settings)
    reader = searcher.snapshot().reader
    (leaf, _), = reader.leaf_readers()

    class _Missing:   # the segment's storage, as if the file were not in it
        def file_exists(self, name: str) -> bool:
            return False

    storage, leaf._storage = leaf._storage, _Missing()
    with pytest.raises(IndexDamaged, match=rf"segment '{leaf._segid}' has no posting file"):
        postlists.Terms(reader)
    leaf._storage = storage
    searcher.close()


class _Storage:
    """A segment's storage holding one posting file, as bytes (`data` may change under it)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def file_exists(self, name: str) -> bool:
        return True

    def file_length(self, name: str) -> int:
        return len(self.data)

    def open_file(self, name: str):  # noqa: ANN201
        storage = self

        class _File:
            def get(self, at: int, length: int) -> bytes:
                return storage.data[at:at + length]
        return _File()


_KINDS = {"body": postlists.POSITIONS, "title": postlists.POSITIONS, "tags": postlists.COUNTS,
          "words": postlists.PRESENCE}


def _written(pages: dict[int, dict[str, dict[str, list[int]]]], docs: int, limit_mb: float = 64) -> bytes:
    """The posting file of `pages` (docnum -> field -> term -> positions), added in docnum order."""
    pool = postlists.Pool(_KINDS, limit_mb)
    for docnum in sorted(pages):
        for field, found in pages[docnum].items():
            pool.add(docnum, field, found)
    out = io.BytesIO()
    pool.write(out, docs)
    return out.getvalue()


def _pages_of(lists: dict[tuple[str, str], list[tuple[int, list[int]]]]) -> dict[int, dict]:
    pages: dict[int, dict[str, dict[str, list[int]]]] = {}
    for (field, term), posts in lists.items():
        for doc, at in posts:
            pages.setdefault(doc, {}).setdefault(field, {})[term] = at
    return pages


def _lists(docs: int, count: int) -> dict[tuple[str, str], list[tuple[int, list[int]]]]:
    many = list(range(5, 5 + count))
    return {
        ("body", "donne"): [(0, [1]), (5, many), (docs - 1, [2, 70_000, 140_001, 140_002])],   # a gap over 65,535
        ("body", "emploi"): [(3, [4])],
        ("tags", "donne"): [(5, [0, 3]), (7, [1])],
        ("title", "donne"): [(5, [0, 1])],
        ("title", "é"): [(7, [0])],
        ("words", "donnees"): [(0, [1, 2]), (docs - 1, [0])],
    } | {("body", f"t{k:03d}"): [(d, [d % 7]) for d in range(0, docs, max(1, docs // 40))] for k in range(30)}


@pytest.mark.parametrize("docs, count", [(100, 2), (70_000, 3), (100, 70_000)])
def test_the_file_reads_back_what_was_written_whatever_the_sizes(docs, count):
    lists = _lists(docs, count)
    posting_file = postlists.PostingFile.open(_Storage(_written(_pages_of(lists), docs)), "MAIN_x")
    for (name, term), posts in lists.items():
        text = term.encode("utf-8")
        found = posting_file.find(name, text)
        counts = [1 if name == "words" else len(at) for _, at in posts]
        assert found[0].tolist() == [d for d, _ in posts] and found[1].tolist() == counts
        assert found[0].dtype == np.int64 and found[1].dtype == np.float64
        assert posting_file.count(name, text) == len(posts)
        kept = _KINDS[name] == postlists.POSITIONS
        assert posting_file.keeps_positions(name, text) is kept
        if kept:
            asked = [d for d, _ in posts] + [2, 4]   # pages not holding the term are left out
            assert posting_file.positions(name, text, sorted(asked)) == {d: tuple(at) for d, at in posts}
    assert posting_file.find("body", b"donn") is None and posting_file.find("words", b"zzz") is None
    assert posting_file.positions("body", b"donn", [0]) == {}
    assert list(posting_file.terms("body", b"t00")) == [f"t00{k}".encode() for k in range(10)]
    assert list(posting_file.terms("title")) == [b"donne", "é".encode()]
    # what merging segments reads: every term, its positions from 0 in each page
    entries = {key: (docs_, counts, positions) for key, docs_, counts, positions in posting_file.entries()}
    body = entries[b"body\0donne"]
    assert body[0].tolist() == [0, 5, docs - 1] and body[1].tolist() == [1, count, 4]
    assert body[2].tolist() == [1, *range(5, 5 + count), 2, 70_000, 140_001, 140_002]
    assert entries[b"tags\0donne"][2] is None and len(entries) == len(lists)


def test_spilling_to_runs_changes_no_byte():
    """A pool over its memory bound writes its terms to sorted runs and merges them: the
    same file, to the byte, as a pool that held everything."""
    lists = _lists(500, 4)
    pages = _pages_of(lists)
    assert _written(pages, 500, limit_mb=0.0005) == _written(pages, 500)
    pool = postlists.Pool(_KINDS, 0.0005)
    for docnum in sorted(pages):
        for field, found in pages[docnum].items():
            pool.add(docnum, field, found)
    assert len(pool._runs) > 3   # it did spill
    pool.close()


def test_however_terms_fall_into_batches_the_file_is_the_same(monkeypatch):
    """Terms are written in batches (`_FileWriter.terms`), a term with more numbers than a
    batch holds alone (`_FileWriter.term`): however they fall, the same file."""
    pages = _pages_of(_lists(500, 300))
    whole = _written(pages, 500)
    monkeypatch.setattr(postlists, "_BATCH_TERMS", 3)
    monkeypatch.setattr(postlists, "_BATCH_NUMBERS", 150)
    alone = []
    monkeypatch.setattr(postlists._FileWriter, "term", lambda self, *item: (alone.append(item[0]),
                                                                          real_term(self, *item))[1])
    assert _written(pages, 500) == whole
    assert alone == [b"body\0donne"]   # the term with 300 positions in one page


real_term = postlists._FileWriter.term


def test_a_segment_merged_in_keeps_its_live_pages_renumbered():
    lists = _lists(100, 3)
    source = postlists.PostingFile.open(_Storage(_written(_pages_of(lists), 100)), "MAIN_a")
    docmap = np.arange(100, dtype=np.int64) + 10
    docmap[5] = -1   # deleted
    pool = postlists.Pool(_KINDS, 64)
    pool.add(0, "body", {"donne": [7, 8]})
    pool.add_file(source, docmap)
    out = io.BytesIO()
    pool.write(out, 110)
    merged = postlists.PostingFile.open(_Storage(out.getvalue()), "MAIN_b")
    assert merged.positions("body", b"donne", [0, 10, 15, 109]) == {
        0: (7, 8), 10: (1,), 109: (2, 70_000, 140_001, 140_002)}
    assert merged.find("title", b"donne") is None   # only in the deleted page
    assert merged.find("tags", b"donne")[0].tolist() == [17]


def test_a_posting_file_cut_short_or_not_ours_is_a_damage_error_naming_it():
    data = _written({d: {"body": {"donne": [d]}} for d in range(50)}, 60)
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings' is cut short"):
        postlists.PostingFile.open(_Storage(data[:-10]), "MAIN_x")
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings' is cut short"):
        postlists.PostingFile.open(_Storage(data[:12]), "MAIN_x")
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings' is not a casesearch posting file"):
        postlists.PostingFile.open(_Storage(b"XX" + data[2:]), "MAIN_x")
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings' is not the size its table says"):
        postlists.PostingFile.open(_Storage(data[:20] + data[30:]), "MAIN_x")
    storage = _Storage(data)
    posting_file = postlists.PostingFile.open(storage, "MAIN_x")
    assert len(posting_file.find("body", b"donne")[0]) == 50
    storage.data = data[:40]   # cut under a running worker
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings' is cut short"):
        posting_file.find("body", b"donne")
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings' is cut short"):
        posting_file.positions("body", b"donne", [3])


def test_positions_out_of_order_are_kept_sorted():
    """No analysis gives a page's positions out of order; were one to, the page's positions
    are kept sorted (a set of places), and the other pages' as they are."""
    data = _written({1: {"body": {"donne": [9, 3]}}, 2: {"body": {"donne": [4, 70_500]}},
                     3: {"body": {"emploi": [8]}}}, 10)
    posting_file = postlists.PostingFile.open(_Storage(data), "MAIN_x")
    assert posting_file.positions("body", b"donne", [1, 2]) == {1: (3, 9), 2: (4, 70_500)}
    assert posting_file.positions("body", b"emploi", [3]) == {3: (8,)}


@settings(max_examples=150, deadline=None)
@given(terms=st.lists(st.tuples(
    st.sampled_from(sorted(_KINDS)), st.text("abé", min_size=1, max_size=3),
    st.dictionaries(st.integers(0, 69_999), st.lists(st.sampled_from([0, 1, 2, 9, 65_535, 65_536, 140_000]),
                                                     min_size=1, max_size=4), min_size=1, max_size=5)),
    max_size=30), docs=st.sampled_from([100, 70_000]))
def test_terms_written_together_are_the_bytes_written_one_by_one(terms, docs):
    """`_FileWriter.terms` makes many terms' blocks at once: the same bytes as `term`, one term
    at a time, whatever the numbers (16 or 32-bit pages, counts and gaps; float weights;
    positions out of order)."""
    items = {}
    for field, term, pages in terms:
        pages = {d % docs: at for d, at in pages.items()}
        key = field.encode() + b"\0" + term.encode("utf-8")
        kept = _KINDS[field] == postlists.POSITIONS
        kind = _KINDS[field]   # a field with counts only may count over 65,535 (float weights)
        counts = [1 if kind == postlists.PRESENCE else sum(at) + 1 if kind == postlists.COUNTS else len(at)
                  for at in pages.values()]
        items[key] = (key, array("I", sorted(pages)), array("I", [c for _, c in sorted(zip(pages, counts))]),
                      array("I", [p for d in sorted(pages) for p in pages[d]]) if kept else None)
    ordered = [items[key] for key in sorted(items)]
    one, together = io.BytesIO(), io.BytesIO()
    writer = postlists._FileWriter(one, docs)
    for item in ordered:
        writer.term(*item)
    writer.finish()
    writer = postlists._FileWriter(together, docs)
    half = len(ordered) // 2
    writer.terms(ordered[:half])
    writer.terms(ordered[half:])
    writer.finish()
    assert together.getvalue() == one.getvalue()


def test_the_compiled_key_look_up_is_bisect_left_over_the_keys():
    """`_postlists.bisect` (setup.py builds it) answers as bisect_left over the file's keys:
    for every key, what sorts between, before and after them, and their prefixes."""
    compiled = require_compiled(postlists.compiled, "_postlists", "bisect_left looks keys up")
    keys = postlists.PostingFile.open(_Storage(_written(_pages_of(_lists(500, 3)), 500)), "MAIN_x")._keys
    assert isinstance(keys.ends, memoryview)   # the table the compiled look-up reads (little-endian hosts)
    written = [keys[i] for i in range(len(keys))]
    asked = set(written) | {b"", b"\0", b"\xff", b"body", b"body\0", b"words\0zzz", b"title\0donne\0"}
    asked |= {k[:n] for k in written for n in (1, len(k) // 2, len(k) - 1)} | {k + b"\0" for k in written}
    for key in sorted(asked):
        assert compiled.bisect(keys.blob, keys.ends, key) == bisect.bisect_left(written, key), key
    assert len(asked) > 80   # keys found and keys between them, not a handful


def test_terms_are_found_alike_compiled_or_not(monkeypatch):
    lists = _lists(500, 3)
    data = _written(_pages_of(lists), 500)

    def found():
        posting_file = postlists.PostingFile.open(_Storage(data), "MAIN_x")
        return ([posting_file.count(name, term.encode()) for name, term in lists] + [posting_file.count("body", b"zz")],
                list(posting_file.terms("body", b"t0")))

    compiled = found()
    monkeypatch.setattr(postlists, "compiled", None)
    assert compiled == found() and compiled[0][:-1] == [len(posts) for posts in lists.values()]


def test_a_key_table_whose_ends_are_damaged_is_a_damage_error_naming_the_file():
    compiled = require_compiled(postlists.compiled, "_postlists", "bisect_left looks keys up")
    posting_file = postlists.PostingFile.open(_Storage(_written(_pages_of(_lists(100, 2)), 100)), "MAIN_x")
    keys = posting_file._keys
    broken = array("Q", keys.ends)
    broken[len(broken) // 2] = len(keys.blob) + 1000   # an end past the blob
    with pytest.raises(ValueError, match="outside the key table"):
        compiled.bisect(keys.blob, memoryview(broken), b"body\0donne")
    posting_file._keys = postlists._Keys(keys.blob, memoryview(broken))
    with pytest.raises(IndexDamaged, match=r"'MAIN_x\.postings': its key table does not read"):
        posting_file.find("body", b"donne")
