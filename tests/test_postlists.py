"""casesearch's own posting files (issue 12): every segment a build writes, merged ones
included, carries the postings of the scored fields as whoosh has them; a segment without
one is read through whoosh with the same answers; a file cut short is a damage error
naming it."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
from conftest import titled_site
from whoosh import formats
from whoosh.system import pack_uint

from casesearch import postlists, schema
from casesearch.errors import IndexDamaged
from casesearch.indexer import reindex
from casesearch.searcher import Searcher


def _whoosh_postings(reader, field: str, term: bytes) -> tuple[list[int], list[float], list]:  # noqa: ANN001
    # the segment's list as stored, deleted pages included (as the file holds them): whoosh's
    # filter of deleted pages has moved past the first ones when it is made
    m = reader._terms.matcher(field, term, reader.schema[field].format)
    ids, weights, positions = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        positions.append(tuple(m.value_as("positions")) if m.supports("positions") else None)
        m.next()
    return ids, weights, positions


def _check_segments(searcher: Searcher) -> int:
    """Every segment of the live generation has a posting file giving whoosh's postings for
    every term of the scored fields (and nothing for another field); the terms checked."""
    checked = 0
    reader = searcher.snapshot().reader
    for leaf, _ in reader.leaf_readers():
        posting_file = postlists.PostingFile.open(leaf._storage, leaf._segid)
        assert posting_file is not None, leaf._segid
        for field in leaf.indexed_field_names():
            for term in leaf.lexicon(field):
                found = posting_file.find(field, term)
                if field not in schema.SCORED_FIELDS:
                    assert found is None
                    continue
                ids, weights, positions = _whoosh_postings(leaf, field, term)
                assert found is not None and found[0].tolist() == ids and found[1].tolist() == weights
                if field in schema.PHRASE_FIELDS:
                    assert posting_file.keeps_positions(field, term)
                    assert posting_file.positions(field, term, ids) == dict(zip(ids, positions))
                checked += 1
        assert posting_file.find("body", b"\xff no such term") is None
    return checked


def _pages(n: int, extra: str = "") -> dict[str, tuple[str, str]]:
    return {f"page-{i:02d}": (f"Page {i} {extra}", f"données ouvertes {'emploi ' * (i % 4)} texte {i} {extra}")
            for i in range(n)}


def test_every_segment_carries_whooshs_postings_after_changes_and_merges(tmp_path):
    settings = titled_site(tmp_path, _pages(12))
    content = settings.content_dir
    searcher = Searcher(settings)
    assert _check_segments(searcher) > 20
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
    assert _check_segments(searcher) > 20
    assert searcher.search("formation").total == 8 and searcher.search("recrutement").total == 12
    searcher.close()


def test_a_segment_without_a_posting_file_is_read_through_whoosh_with_the_same_answers(tmp_path):
    settings = titled_site(tmp_path, _pages(30, "emploi"))
    queries = ["données ouvertes", "emploi", "page 7", "texte", '"données ouvertes"', "donnees emplois"]
    searcher = Searcher(settings)
    own = [searcher.search(q).to_dict() for q in queries]
    snap = searcher.snapshot()
    assert all(snap.postings._files.values())
    snap.postings._files = dict.fromkeys(snap.postings._files)   # as a generation written before the files
    snap.forget()
    snap.postings.read.clear()
    through_whoosh = [searcher.search(q).to_dict() for q in queries]
    assert snap.postings.read["lists"] > 0
    for a, b in zip(own, through_whoosh):
        a.pop("took_ms"), b.pop("took_ms")
        assert a == b
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


def _written(postings: list[tuple], docs: int, fields=("body", "title", "words")) -> bytes:  # noqa: ANN001
    out = io.BytesIO()
    recorder = postlists.Recorder(out, fields, ("body", "title"), docs)
    assert list(recorder.tee(iter(postings))) == postings   # passed on unchanged
    recorder.finish()
    return out.getvalue()


def _positions(doc: int, weight: float) -> list[int]:
    """A page's positions for a posting: as many as its weight (gaps over 65,535 when few)."""
    count = int(weight)
    return [doc + 70_000 * k for k in range(count)] if count < 10 else list(range(doc, doc + count))


def _stream(weights: dict[tuple[str, bytes], list[tuple[int, float]]]) -> list[tuple]:
    encode = formats.Positions().encode
    return [(name, term, doc, w, encode(_positions(doc, w))) for (name, term), posts in sorted(weights.items())
            for doc, w in posts]


@pytest.mark.parametrize("docs, weight", [(100, 2.0), (70_000, 3.0), (100, 2.5), (100, 70_000.0)])
def test_the_file_reads_back_what_was_written_whatever_the_sizes(docs, weight):
    lists = {
        ("anchors", b"x"): [(1, 1.0)],                       # a field not recorded, before
        ("body", b"donne"): [(0, 1.0), (5, weight), (docs - 1, 4.0)],
        ("body", b"emploi"): [(3, 1.0)],
        ("category", b"a"): [(2, 1.0), (3, 1.0)],          # not recorded, between
        ("title", b"donne"): [(5, 2.0)],
        ("title", "é".encode()): [(7, 1.0)],
        ("url", b"z"): [(9, 1.0)],                          # not recorded, after
        ("words", b"donnees"): [(0, 1.0), (docs - 1, 1.0)],   # recorded without positions
    }
    posting_file = postlists.PostingFile.open(_Storage(_written(_stream(lists), docs)), "MAIN_x")
    for (name, term), posts in lists.items():
        found = posting_file.find(name, term)
        if name in ("anchors", "category", "url"):
            assert found is None and posting_file.keeps_positions(name, term) is None
            continue
        assert found[0].tolist() == [d for d, _ in posts] and found[1].tolist() == [w for _, w in posts]
        assert found[0].dtype == np.int64 and found[1].dtype == np.float64
        # positions are kept for the fields that have them, when each weight counts them
        kept = name != "words" and all(w.is_integer() for _, w in posts)
        assert posting_file.keeps_positions(name, term) is kept
        if kept:
            asked = [d for d, _ in posts] + [2, 4]   # pages not holding the term are left out
            assert posting_file.positions(name, term, sorted(asked)) == {d: tuple(_positions(d, w)) for d, w in posts}
    assert posting_file.find("body", b"donn") is None and posting_file.find("words", b"zzz") is None
    assert posting_file.positions("body", b"donn", [0]) == {}


def test_a_posting_file_cut_short_or_not_ours_is_a_damage_error_naming_it():
    data = _written(_stream({("body", b"donne"): [(d, 1.0) for d in range(50)]}), 60)
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


def test_positions_out_of_order_are_left_to_whoosh_and_the_rest_kept():
    """A page whose position gaps do not fit (a negative gap: positions out of order) leaves
    that term's positions to whoosh; its pages and frequencies, and the other terms, are kept."""
    encode = formats.Positions().encode
    stream = [("body", b"donne", 1, 2.0, encode([3, 9])),
              ("body", b"donne", 4, 2.0, encode([7, 70_500])),   # a gap over 65,535: widened
              ("body", b"emploi", 2, 2.0, encode([8, 70_900])),
              ("body", b"emploi", 5, 2.0, pack_uint(2) + pickle.dumps([9, -4], 2)),   # out of order
              ("title", b"donne", 1, 1.0, encode([0]))]
    posting_file = postlists.PostingFile.open(_Storage(_written(stream, 10)), "MAIN_x")
    assert posting_file.keeps_positions("body", b"donne")
    assert posting_file.positions("body", b"donne", [1, 4]) == {1: (3, 9), 4: (7, 70_500)}
    assert posting_file.keeps_positions("body", b"emploi") is False
    assert posting_file.find("body", b"emploi")[0].tolist() == [2, 5]
    assert posting_file.positions("title", b"donne", [1]) == {1: (0,)}
