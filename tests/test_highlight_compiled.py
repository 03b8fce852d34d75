"""Highlighting's compiled loops (`casesearch._highlight`, built by setup.py at install)
give the Python code's answers: where a word of a page's folded text starts with one of
a query's seeds, and the words found there cut as lang.WORD_PATTERN cuts them, for every
page of the corpus with seeds drawn from its words, and for the texts that test their
edges (accented letters before a seed, characters past the Basic Multilingual Plane, a
text that ends inside a seed, connectors and invisible characters inside and at the end
of words); and a search highlights alike.

Where no C compiler was at hand the install goes on without it and the Python code finds:
these tests then skip, except under CASESEARCH_REQUIRE_NATIVE=1 (CI), where they fail."""

from __future__ import annotations

import random
import re

import pytest
from conftest import CORPUS, require_compiled, shared_missing

from casesearch import analysis, highlight, lang


@pytest.fixture(scope="module", autouse=True)
def compiled():
    return require_compiled(highlight.compiled, "_highlight", "the Python code finds alone")


def _reference(folded: str, seeds: tuple[str, ...]) -> list[int]:
    """The Python code's places: each seed's, together, ascending, each once."""
    return sorted({at for seed in seeds for at in highlight._word_starts(folded, seed)})


@pytest.mark.parametrize(("text", "seeds"), [
    ("formation et information", ("form",)),              # inside a word is no start
    ("Éducation: éducation, reeducation", ("educ", "ed")),  # overlapping seeds, each place once
    ("été été", ("ete",)),
    ("café·s crème 2024-2025", ("s", "2025", "creme")),     # after a dot, a hyphen, accents folded
    ("àbc xbc", ("bc",)),                                   # after a letter outside ASCII: no start
    ("𝔘nicode 𝔘ni ni", ("ni", "𝔘ni")),                      # four-byte characters before and in a seed
    ("ab", ("abc",)),                                       # the text ends inside the seed
    ("", ("a",)),
    ("a b c", ()),
])
def test_edges_found_as_the_python_code_finds(compiled, text, seeds):
    folded = analysis.fold_text(text)
    assert compiled.word_starts(folded, seeds) == _reference(folded, seeds)


@pytest.mark.parametrize("text", [
    "l'emploi d’abord aujourd’hui", "e-mail --double-- fin-", "salarié·e·s data·inclusion ·x",
    "cafe\u0301 cafe\u0301\u0301s \u0301seul", "in\u00advisible in\u200b\u200bvisible fin\u200b",
    "x_y 2024-2025 𝔘ni-𝔘ni", "'", "a'", "é",
])
def test_words_cut_as_the_pattern_cuts_them(compiled, text):
    everywhere = list(range(len(text) + 1))
    assert _compiled_words_at(text, everywhere) == _words_at(text, everywhere)


def test_a_word_with_a_term_is_a_match_and_hides_the_places_inside_it(compiled):
    text = "l'information et la formation"
    known = {"formation": None}
    asked = []

    def term_of(word):
        asked.append(word)
        return "inform" if word.startswith("l'inform") else None

    starts = [0, 2, 17, 20]
    assert compiled.confirmed(text, starts, known, term_of, lang.INVISIBLE, lang.CONNECTORS) == [(0, 13, "inform")]
    assert asked == ["l'information", "la"]   # 2 is inside the match; "formation" was known
    assert known == {"formation": None, "l'information": "inform", "la": None}
    with pytest.raises(IndexError, match="outside the text"):
        compiled.confirmed(text, [99], {}, term_of, lang.INVISIBLE, lang.CONNECTORS)
    with pytest.raises(ZeroDivisionError):   # term_of's own error comes through
        compiled.confirmed(text, [0], {}, lambda word: 1 / 0, lang.INVISIBLE, lang.CONNECTORS)


def test_a_worked_case():
    folded = analysis.fold_text("La formation, les formations et l'information")
    assert highlight.compiled.word_starts(folded, ("format", "form")) == [3, 18]


def _words_at(text: str, starts: list[int]) -> list[tuple[int, int, str]]:
    """The Python code's cut: every word at `starts` (a term_of keeping every word)."""
    found, end = [], -1
    for at in starts:
        match = highlight._WORD.match(text, at) if at >= end else None
        if match:
            found.append((at, match.end(), match.group()))
            end = match.end()
    return found


def _compiled_words_at(text: str, starts: list[int]) -> list[tuple[int, int, str]]:
    return highlight.compiled.confirmed(text, starts, {}, lambda word: word, lang.INVISIBLE, lang.CONNECTORS)


def test_every_page_of_the_corpus_found_alike(compiled):
    if why := shared_missing(CORPUS):
        pytest.skip(why)
    rng = random.Random(7)
    pages = sorted(CORPUS.rglob("*.md"))
    found = compared = cut = 0
    for path in pages:
        text = path.read_text(encoding="utf-8", errors="replace")
        folded = analysis.fold_text(text)
        words = re.findall(r"[^\W_]{3,}", folded)
        if not words:
            continue
        for _ in range(3):
            seeds = tuple(sorted({w[:rng.randint(3, len(w))] for w in rng.sample(words, min(len(words), 11))}))
            places = compiled.word_starts(folded, seeds)
            assert places == _reference(folded, seeds), (path, seeds)
            assert _compiled_words_at(text, places) == _words_at(text, places), (path, seeds)
            compared += 1
            found += len(places)
        everywhere = list(range(len(text) + 1))   # every place, words or not: each cut as _WORD cuts
        words_cut = _compiled_words_at(text, everywhere)
        assert words_cut == _words_at(text, everywhere), path
        cut += len(words_cut)
    assert len(pages) > 1000 and compared > 3000 and found > 30000 and cut > 500000   # not empty pages


def test_a_search_highlights_alike_compiled_or_not(built):
    from casesearch.searcher import Searcher

    searcher = Searcher(built)
    try:
        texts = ["donnees publiques", "sante", "hopitaux", "logiciel libre", "assurance", "ile de france", "l'administration"]

        def shown():
            highlight._SEEDS.clear()
            highlight._KNOWN.clear()
            searcher.snapshot().answers.clear()
            return [[(h.title_html, h.snippet_html, [s.snippet_html for s in h.sections])
                     for h in searcher.search(t).hits] for t in texts]

        with_compiled = shown()
        saved, highlight.compiled = highlight.compiled, None
        try:
            without = shown()
        finally:
            highlight.compiled = saved
        assert with_compiled == without
        marked = [html for answer in without for title, snippet, sections in answer for html in (title, snippet, *sections)]
        assert sum("<mark>" in html for html in marked) >= 10   # matches marked, not only pages found
    finally:
        searcher.close()


def test_wrong_arguments_are_refused(compiled):
    with pytest.raises(ValueError, match="one character at least"):
        compiled.word_starts("abc", ("a", ""))
    with pytest.raises(ValueError, match="one character at least"):
        compiled.word_starts("abc", ("a", 3))
    with pytest.raises(TypeError):
        compiled.word_starts("abc", ["a"])
    with pytest.raises(TypeError):
        compiled.word_starts(b"abc", ("a",))
