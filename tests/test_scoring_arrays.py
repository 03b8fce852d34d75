"""Scoring over arrays of every page found (issue 12): the k best pages of a tier are the
first k of its whole order, ties broken by source path; facets count every page found as
a page-by-page count does; a phrase test reads the positions of at most
WEIGHTS.phrase_depth pages however many hold its words, and says so in its total."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from conftest import titled_site
from hypothesis import given, settings
from hypothesis import strategies as st

from casesearch import ranking, scoring, snapshot
from casesearch.ranking import Tier
from casesearch.searcher import Searcher
from casesearch.weights import WEIGHTS


class _Snap:
    def __init__(self, sources: list[str]) -> None:
        order = sorted(range(len(sources)), key=sources.__getitem__)
        self.source_rank = np.zeros(len(sources), dtype=np.int64)
        self.source_rank[order] = np.arange(len(sources))


@settings(max_examples=300, deadline=None)
@given(scores=st.lists(st.sampled_from([0.5, 1.0, 1.25, 2.0, 3.0, 7.5]), min_size=1, max_size=60),
       k=st.integers(min_value=0, max_value=70), data=st.data())
def test_the_k_best_of_a_tier_are_the_first_k_of_its_order(scores, k, data):
    sources = data.draw(st.permutations([f"p{i:03d}.md" for i in range(len(scores))]))
    snap = _Snap(sources)
    docs = np.arange(len(scores), dtype=np.int64)
    tier = Tier(docs, np.array(scores))
    expected = sorted(range(len(scores)), key=lambda d: (-scores[d], sources[d]))
    assert tier.order(snap).tolist() == expected
    assert tier.order(snap, k).tolist() == expected[:k]


def test_sparse_values_are_found_by_docnum():
    found = scoring.Sparse(np.array([2, 5, 9]), np.array([0.5, 1.5, 2.5]))
    assert found.get(5) == 1.5 and found.get(4) is None and found.get(10) is None and found.get(9) == 2.5
    assert found.dense(11).tolist() == [0, 0, 0.5, 0, 0, 1.5, 0, 0, 0, 2.5, 0]
    assert found.at(np.array([0, 2, 6, 9])).tolist() == [0.0, 0.5, 0.0, 2.5]
    assert found.holds(np.array([0, 2, 6, 9, 12])).tolist() == [False, True, False, True, False]


@settings(max_examples=300, deadline=None)
@given(docnums=st.lists(st.tuples(st.booleans(), st.booleans()), max_size=300), share=st.sampled_from([0, 1, 4, 32, 10**9]),
       offset=st.sampled_from([0, 70_000]))
def test_located_finds_each_page_in_a_list_whichever_way_it_looks(docnums, share, offset):
    """Each way `_located` takes (a look-up of the shorter list in the longer, either way
    round, or a map over the span of docnums) says where each page is, as a dict would."""
    ascending = np.array([offset + d for d, (a, _) in enumerate(docnums) if a], dtype=np.int64)
    docs = np.array([offset + d for d, (_, b) in enumerate(docnums) if b], dtype=np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scoring, "_LOOKUP_SHARE", share)
        at, inside = scoring._located(ascending, docs)
    place = {d: i for i, d in enumerate(ascending.tolist())}
    assert inside.tolist() == [d in place for d in docs.tolist()]
    assert at[inside].tolist() == [place[d] for d in docs.tolist() if d in place]


class _Row:
    def __init__(self, category: str, tags: tuple[str, ...], date: str | None) -> None:
        self.category, self.tags, self.date = category, tags, date


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.one_of(st.none(), st.builds(
    _Row, st.sampled_from(["", "a", "b", "c"]), st.lists(st.sampled_from(["x", "y", "z", "é"]), max_size=4).map(tuple),
    st.sampled_from([None, "", "2019-01-02", "2020-05-06", "2021"]))), max_size=40), data=st.data())
def test_facets_count_each_page_found_once_per_value(rows, data):
    found = np.array(data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))), dtype=bool)
    for name, values in snapshot.FACET_VALUES.items():
        naive: Counter[str] = Counter()
        for row, on in zip(rows, found):
            if row is not None and on:
                naive.update(set(values(row)))
        expected = sorted(naive.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
        assert snapshot.Facet.of(rows, values).counts(found, 20) == expected


@pytest.fixture
def phrase_site(tmp_path):
    # 30 pages hold both words; in the 10 best scored (the word twice) they stand apart, in
    # 5 of the others together
    pages = {}
    for i in range(30):
        if i < 10:
            body = "données texte ouvertes données texte ouvertes " + "texte " * 3
        elif i < 15:
            body = "les données ouvertes " + "texte " * 20
        else:
            body = "données " + "texte " * 5 + " ouvertes " + "texte " * 20
        pages[f"page-{i:02d}"] = (f"Page {i}", body)
    return titled_site(tmp_path, pages)


def test_a_phrase_reads_the_positions_of_phrase_depth_pages_at_most(phrase_site, monkeypatch):
    searcher = Searcher(phrase_site)
    assert searcher.search('"données ouvertes"', prefix=False).total == 5
    snap = searcher.snapshot()
    snap.forget()
    snap.postings.read.clear()
    depth = dataclasses.replace(WEIGHTS, phrase_depth=10)
    monkeypatch.setattr(ranking, "WEIGHTS", depth)
    # the 10 best scored pages holding both words are those where they stand apart
    assert searcher.search('"données ouvertes"', prefix=False).total == 0
    fields = 2   # title and body hold positions
    assert snap.postings.read["positions decoded"] <= 10 * 2 * fields
    searcher.close()


def test_kept_figures_past_the_bound_let_go_the_least_recently_used(phrase_site):
    """The posting lists a generation keeps stay under its bound (`score_cache_mb`), and the
    ones let go first are those no query used for longest: a word searched again and again
    stays read."""
    searcher = Searcher(phrase_site)
    p = searcher.snapshot().postings
    p.forget()
    p.kept_bound = 90   # three stems of 30 pages (their fields are not kept)
    p.bm25f("donn")
    kept = len(p._scores)
    for term in ("text", "ouvert", "pag"):
        p.read.clear()
        p.bm25f("donn")            # used again: not read again, and kept last
        assert p.read["lists"] == 0
        p.bm25f(term)
        assert p._kept_postings <= 90
        assert p._kept_postings == sum(scoring._size(v) for v in p._scores.values())
    assert ("bm25f", "", "donn") in p._scores and len(p._scores) >= kept
    assert ("bm25f", "", "text") not in p._scores   # used once, longest ago: let go
    searcher.close()


def test_phrase_tests_keep_a_fields_pages_not_its_frequencies(phrase_site):
    """Which pages hold a stem in a field (what phrase and proximity tests read) is kept at
    8 bytes a page, counted as half a posting; the frequencies are not kept: the stem's
    score made of them is."""
    searcher = Searcher(phrase_site)
    p = searcher.snapshot().postings
    p.forget()
    assert searcher.search('"données ouvertes"', prefix=False).total == 5
    kinds = {key[0] for key in p._scores}
    assert "pages" in kinds and "bm25f" in kinds and "tf" not in kinds
    pages = p._scores[("pages", "body", "donn")]
    assert isinstance(pages, np.ndarray) and len(pages) == 30 and scoring._size(pages) == 15
    assert p._kept_postings == sum(scoring._size(v) for v in p._scores.values())
    searcher.close()


@pytest.fixture
def varied_site(tmp_path):
    words = ["données", "ouvertes", "recrutement", "recruter", "recrute", "open", "data", "emploi", "emplois",
             "santé", "numérique", "projet-données", "projet-open-données", "moncompteformation", "formation", "l'emploi"]
    pages = {}
    for i in range(40):
        picked = [words[(i * 7 + k * 3) % len(words)] for k in range(3 + i % 5)]
        lang = "\nlang: en" if i % 9 == 0 else ""
        pages[f"page-{i:02d}"] = (" ".join(picked[:2]) + lang, " ".join(picked * (1 + i % 3)))
    return titled_site(tmp_path, pages)


@pytest.mark.parametrize("text", ["données", "recrutement", "open data", "projet-données", "projet-open-données", "l'emploi santé",
                                  "emplois numérique formation", "recru", "donnees ouvertes", "zzz", "data"])
def test_a_words_scores_are_the_same_floats_whatever_pages_are_looked_in(varied_site, monkeypatch, text):
    """word_scores over every page, over the pages its ways hold, and within any set of
    pages (the pages a query's other words hold), with each way of placing a list's values
    over those pages, gives each page the very same float; and so does a word kept from an
    earlier query, looked up among those pages."""
    from casesearch import query
    searcher = Searcher(varied_site)
    p = searcher.snapshot().postings
    parsed = query.parse(text)
    loose = [ranking.extras(f, w, parsed.prefix and i == len(parsed.words) - 1 and ("recrutement", "recruter") or ())
             for i, (f, w) in enumerate(zip(ranking.families(p, parsed.words), parsed.words))]
    rng = np.random.default_rng(7)
    subsets = [np.arange(p.size), np.flatnonzero(rng.random(p.size) < 0.5), np.flatnonzero(rng.random(p.size) < 0.1),
               np.zeros(0, dtype=np.int64)]
    for word, extra in zip(parsed.words, loose):
        monkeypatch.setattr(scoring, "_HOLDERS_SHARE", 10**9)   # every page
        every = scoring.word_scores(p, word, extra)
        assert (text == "zzz") or len(every), word.raw
        assert (every.values > 0.0).all() and (np.diff(every.docs) > 0).all()
        p.forget()   # each computed anew, not the word kept
        monkeypatch.setattr(scoring, "_HOLDERS_SHARE", 0)       # the pages its ways hold
        held = scoring.word_scores(p, word, extra)
        assert held.docs.tobytes() == every.docs.tobytes() and held.values.tobytes() == every.values.tobytes()
        for share in (0, 1, 32, 10**9):   # each way of placing a list over the pages looked in
            monkeypatch.setattr(scoring, "_LOOKUP_SHARE", share)
            for kept in (False, True):
                for within in subsets:
                    if not kept:
                        p.forget()
                    found = scoring.word_scores(p, word, extra, within=within)
                    keep = np.isin(every.docs, within)
                    assert found.docs.tolist() == every.docs[keep].tolist(), (word.raw, share, kept)
                    assert found.values.tobytes() == every.values[keep].tobytes(), (word.raw, share, kept)
                scoring.word_scores(p, word, extra)   # over every page: kept for the next round
    searcher.close()


def test_matches_says_whether_word_scores_finds_a_page(varied_site):
    from casesearch import query
    searcher = Searcher(varied_site)
    p = searcher.snapshot().postings
    said = {}
    for text in ["données", "projet-données", "projet-open-données", "moncompteformation", "zzz", "open-santé", "data-emploi"]:
        for word in query.parse(text, prefix=False).words:
            said[word.raw] = scoring.matches(p, word)
            assert said[word.raw] == bool(len(scoring.word_scores(p, word))), word.raw
    assert said["données"] and said["projet-données"] and not said["zzz"]
    searcher.close()


def test_pages_named_by_the_query_are_found_by_their_stems_not_their_hash(tmp_path, monkeypatch):
    """A page whose title is the query (or a near-empty page whose URL is) is named by it:
    found by a hash of its stems, then checked; every hash the same ranks the same."""
    from casesearch import pagetable
    pages = {"incubateurs": ("Incubateurs", ""), "open-data": ("Open data", "open data " * 30),
             "donnees": ("Données ouvertes", "open data et données " * 30), "autre": ("Autre page", "open " * 40)}
    queries = ["open data", "incubateurs", "données ouvertes", "autre page", "open"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    expected = Searcher(titled_site(tmp_path / "a", pages))
    wanted = {q: [(h.url, h.score) for h in expected.search(q).hits] for q in queries}
    assert wanted["open data"][0][0].endswith("open-data.html") and wanted["incubateurs"]
    expected.close()
    monkeypatch.setattr(pagetable, "names_hash", lambda stems: 7)
    colliding = Searcher(titled_site(tmp_path / "b", pages))
    assert (colliding.snapshot().title_hash == 7).all()
    for q in queries:
        assert [(h.url, h.score) for h in colliding.search(q).hits] == wanted[q], q
    colliding.close()


def _one_page_in_sequence(position_lists: list[list[int]], gaps: list[int], slop: int) -> bool:
    """The rule, page by page: each word takes its first position after the previous word's,
    within gap + slop of it."""
    from bisect import bisect_right
    for start in position_lists[0]:
        at = start
        for positions, gap in zip(position_lists[1:], gaps[1:]):
            i = bisect_right(positions, at)
            if i == len(positions) or positions[i] > at + gap + slop:
                break
            at = positions[i]
        else:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(pages=st.lists(st.lists(st.lists(st.integers(0, 40), max_size=8).map(lambda ps: sorted(set(ps))),
                               min_size=3, max_size=3), min_size=1, max_size=6),
       words=st.integers(1, 3), gaps=st.lists(st.integers(1, 3), min_size=3, max_size=3), slop=st.integers(0, 3),
       first=st.integers(0, 70_000))
def test_words_in_sequence_over_many_pages_at_once_are_those_page_by_page(pages, words, gaps, slop, first):
    """`_in_sequence` follows every page's starts at once over position keys (docnum << 32 |
    position): the pages it finds are those the rule finds page by page."""
    docnums = [first + 3 * i for i in range(len(pages))]
    key_lists = [np.array([(d << 32) | pos for d, page in zip(docnums, pages) for pos in page[w]], dtype=np.int64)
                 for w in range(words)]
    expected = [d for d, page in zip(docnums, pages) if all(page[:words]) and _one_page_in_sequence(page[:words], gaps, slop)]
    assert scoring._in_sequence(key_lists, gaps[:words], slop).tolist() == expected
