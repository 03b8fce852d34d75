"""The compiled word scorer (`casesearch._wordscore`, built by setup.py at install) gives
the numpy code's pages and floats, bit for bit: for every word of the judged queries and
words drawn from the pages (typed wrong too), over every page and over subsets of them; a
stem's BM25F fields summed alike; whole searches ranked alike. The static search's client
is held to the numpy code's floats (tests/js/), so to these too.

Where no C compiler was at hand the install goes on without it and the numpy code scores:
these tests then skip, except under CASESEARCH_REQUIRE_NATIVE=1 (CI), where they fail."""

from __future__ import annotations

import json
import random
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import CORPUS, SHARED, require_compiled, shared_missing

from casesearch import query, ranking, scoring
from casesearch.config import load_settings
from casesearch.indexer import reindex
from casesearch.searcher import Searcher

QUERIES = SHARED / "eval" / "dev-queries.json"
SITE = CORPUS / "site-eig"


@pytest.fixture(scope="module", autouse=True)
def native():
    return require_compiled(scoring.native, "_wordscore", "the numpy code scores alone")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    if why := shared_missing(SITE, QUERIES):
        pytest.skip(why)
    base = tmp_path_factory.mktemp("wordscore")
    settings = load_settings({"content_dir": SITE, "index_dir": base / "index"}, environ={})
    assert reindex(settings, full=True).published
    s = Searcher(settings)
    yield s
    s.close()


@contextmanager
def _numpy():
    """The numpy code scoring, within the block."""
    saved, scoring.native = scoring.native, None
    try:
        yield
    finally:
        scoring.native = saved


def _words(snap, rng: random.Random) -> list[str]:
    """The judged queries' words, words of some pages, and some of those with a letter changed."""
    texts = [q["query"] for q in json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]]
    words = [w for t in texts for w in t.split()]
    for docnum in rng.sample(range(snap.pages()), 40):
        page_words = snap.stored[docnum].record().highlight_texts().joined.split()
        words += rng.sample(page_words, min(8, len(page_words)))
    typed = []
    for w in rng.sample(words, 60):
        if len(w) > 3:
            i = rng.randrange(len(w))
            typed.append(w[:i] + w[i + 1:])
    return words + typed


def _scored(p: scoring.Postings, word, extra, within):
    found = scoring._word_scores(p, word, tuple(extra), None, within)
    return found.docs.copy(), found.values.copy()


def test_every_word_scores_the_same_floats_compiled(searcher):
    snap = searcher.snapshot()
    p = snap.postings
    rng = random.Random(12)
    compared = with_pages = 0
    for text in _words(snap, rng):
        parsed = query.parse(text, prefix=True)
        words = parsed.words
        if not words:
            continue
        family = ranking.families(p, words)
        prefixes = ranking.completions(snap.terms, parsed.prefix) if parsed.prefix else ()
        for word, related in zip(words, family):
            extra = ranking.extras(related, word, prefixes)
            subsets = [None, np.array(sorted(rng.sample(range(p.size), min(p.size, 50))), dtype=np.int64),
                       np.arange(p.size, dtype=np.int64), np.zeros(0, dtype=np.int64)]
            for within in subsets:
                compiled = _scored(p, word, extra, within)
                with _numpy():
                    reference = _scored(p, word, extra, within)
                assert np.array_equal(compiled[0], reference[0]), (text, word.raw)
                assert np.array_equal(compiled[1], reference[1]), (text, word.raw)   # the same floats
                assert compiled[0].dtype == reference[0].dtype and compiled[1].dtype == reference[1].dtype
                compared += 1
                with_pages += bool(len(reference[0]))
    assert compared > 500 and with_pages > 300   # words that match pages, not only words that match none


def test_a_stems_fields_sum_to_the_same_floats_compiled(searcher):
    p = searcher.snapshot().postings
    names = [f.name for f in scoring.schema.FIELDS]
    stems = sorted({t for name in names for t in p._terms.get(name, ())})
    rng = random.Random(3)
    several = 0
    for stem in rng.sample(stems, 400):
        held = [n for n in names if stem in p._terms.get(n, ())]
        compiled = p._native_boosted(stem, held)
        reference = p._boosted(stem, held)
        assert np.array_equal(compiled[0], reference[0]) and np.array_equal(compiled[1], reference[1]), stem
        several += len(held) > 1
    assert several > 50   # stems held in more than one field: summed, not only copied


def test_searches_rank_alike_compiled_or_not(searcher):
    texts = [q["query"] for q in json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]]
    texts += ["donnees ouvertes", "l'emploi", "formaton", "intelligence artificielle dans l'administration publique"]
    snap = searcher.snapshot()

    def answers():
        snap.postings.forget()   # nothing kept from the other way's scoring
        snap.answers.clear()
        return [[(h.url, h.score) for h in searcher.search(t, per_page=50).hits] for t in texts]

    compiled = answers()
    with _numpy():
        reference = answers()
    assert compiled == reference
    assert sum(len(a) for a in reference) > 100


def test_wrong_arrays_are_refused_not_read(native):
    docs, values = np.array([1, 3], dtype=np.int64), np.array([0.5, 1.5])
    english = np.zeros(5, dtype=bool)
    ok = native.score(english, None, [[([(docs, values)], False, 1.0)]], 2.0, [], 0.5)
    assert np.frombuffer(ok[0], dtype=np.int64).tolist() == [1, 3]
    assert np.frombuffer(ok[1], dtype=np.float64).tolist() == [0.5, 1.5]
    with pytest.raises(TypeError, match="8-byte items"):
        native.score(english, None, [[([(docs.astype(np.int32), values)], False, 1.0)]], 2.0, [], 0.5)
    with pytest.raises(ValueError, match="differ in length"):
        native.score(english, None, [[([(docs, values[:1])], False, 1.0)]], 2.0, [], 0.5)
    with pytest.raises(IndexError, match="outside the 5 pages"):
        native.score(english, None, [[([(np.array([7]), np.array([1.0]))], False, 1.0)]], 2.0, [], 0.5)
    with pytest.raises(ValueError, match="one term at least"):
        native.score(english, None, [[([], False, 1.0)]], 2.0, [], 0.5)
    with pytest.raises(IndexError, match="outside the 2 pages"):
        native.fields([((docs, values), np.ones(2), 1.0)])
