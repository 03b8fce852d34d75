"""Ranking mechanisms on small synthetic sites: each test isolates one rule."""

from __future__ import annotations

import pytest
from conftest import titled_site

from casesearch.searcher import Searcher
from casesearch.typos import distance, max_edits


def make_site(tmp_path, pages: dict[str, tuple[str, str]]):
    return Searcher(titled_site(tmp_path, pages))


FILLER = " Le projet accompagne les équipes de l'administration au quotidien."


@pytest.fixture
def searcher_for(tmp_path):
    made = []

    def build(pages):
        s = make_site(tmp_path, pages)
        made.append(s)
        return s

    yield build
    for s in made:
        s.close()


def order(searcher, q):
    return [h.source.removesuffix(".md") for h in searcher.search(q, prefix=False).hits]


def test_exact_accents_rank_above_folded_match(searcher_for):
    s = searcher_for({"sans": ("Page A", "Les donnees du territoire." + FILLER),
                      "avec": ("Page B", "Les données du territoire." + FILLER)})
    assert order(s, "données") == ["avec", "sans"]
    assert order(s, "donnees") == ["sans", "avec"]


def test_exact_inflection_ranks_above_stemmed_match(searcher_for):
    s = searcher_for({"singulier": ("Page A", "Un stage en mairie." + FILLER),
                      "pluriel": ("Page B", "Des stages en mairie." + FILLER)})
    assert order(s, "stages") == ["pluriel", "singulier"]
    assert order(s, "stage") == ["singulier", "pluriel"]


def test_title_equal_to_query_ranks_first(searcher_for):
    s = searcher_for({"long": ("La mobilité douce en ville et à la campagne", "mobilité douce " * 5 + FILLER),
                      "exact": ("Mobilité douce", "Un guide." + FILLER)})
    assert order(s, "mobilité douce")[0] == "exact"


def test_words_standing_together_rank_first(searcher_for):
    s = searcher_for({"loin": ("Page A", "Le logiciel est utile. Une licence libre aussi." + FILLER),
                      "ensemble": ("Page B", "Un logiciel libre est utile. Une licence aussi." + FILLER)})
    assert order(s, "logiciel libre") == ["ensemble", "loin"]


def test_pages_with_all_words_before_pages_with_some(searcher_for):
    s = searcher_for({"un": ("Mobilité", "mobilité mobilité mobilité" + FILLER),
                      "deux": ("Page", "Une mobilité rurale." + FILLER)})
    # the page with every word first, though the other says "mobilité" far more
    assert order(s, "mobilité rurale") == ["deux", "un"]
    assert order(s, "mobilité rurale xylophone") == ["deux", "un"]


def test_partial_matches_only_when_all_words_find_too_little(searcher_for):
    pages = {f"p{i}": (f"Page {i}", "Une mobilité rurale." + FILLER) for i in range(6)}
    pages["seul"] = ("Mobilité", "mobilité" + FILLER)
    s = searcher_for(pages)
    assert "seul" not in order(s, "mobilité rurale")
    assert order(s, "mobilité")[-1] != "seul" or len(order(s, "mobilité")) == 7


def test_near_empty_page_ranks_below_substantive_one(searcher_for):
    s = searcher_for({"vide": ("Fiche", "Des pistes cyclables."),
                      "plein": ("Atlas", "Des pistes cyclables. " + "Les communes planifient leurs réseaux "
                                "avec les habitants, les associations et les services techniques. " * 8)})
    assert order(s, "cyclables") == ["plein", "vide"]


@pytest.mark.parametrize("typed, found", [("e-mail", "email"), ("email", "e-mail"), ("startup", "start-up"),
                                          ("start-up", "startup")])
def test_compounds_match_joined_or_hyphenated(searcher_for, typed, found):
    s = searcher_for({"page": ("Page", f"Recevoir un {found} de la {found} chaque semaine." + FILLER)})
    assert order(s, typed) == ["page"]


@pytest.mark.parametrize("acronym", ["IA", "CPF", "CAF", "RH"])
def test_short_acronyms_are_searchable(searcher_for, acronym):
    s = searcher_for({"page": ("Page", f"Le service {acronym} répond." + FILLER), "autre": ("Autre", FILLER)})
    assert order(s, acronym) == ["page"]


def test_typo_is_corrected_below_exact_matches(searcher_for):
    s = searcher_for({"juste": ("Page A", "La biodiversité du littoral." + FILLER),
                      "autre": ("Page B", "Le littoral breton." + FILLER)})
    result = s.search("biodivresite", prefix=False)
    assert result.suggestion == "biodiversité"   # shown as the pages write it
    assert [h.source for h in result.hits] == ["juste.md"]


def test_unknown_word_in_a_longer_query_is_corrected(searcher_for):
    s = searcher_for({"juste": ("Page A", "La biodiversité du littoral breton." + FILLER),
                      "autre": ("Page B", "Le littoral normand." + FILLER)})
    result = s.search("biodivresite littoral", prefix=False)
    # without the fix, pages with "littoral" alone would do; with it, the page with both comes first
    assert result.suggestion == "biodiversité littoral"
    assert [h.source for h in result.hits] == ["juste.md", "autre.md"]


@pytest.mark.parametrize("word, edits", [("abcd", 0), ("abcde", 1), ("abcdefgh", 1), ("abcdefghi", 2)])
def test_typo_budget_grows_with_word_length(word, edits):
    assert max_edits(word) == edits


def test_transposition_counts_as_one_edit():
    assert distance("formation", "fromation", 2) == 1
    assert distance("formation", "formatoin", 2) == 1
    assert distance("abc", "xyz", 1) == 2   # capped at limit + 1


def test_no_typo_correction_on_numbers_or_capitals(searcher_for):
    s = searcher_for({"page": ("Page", "Le plan 20250 et la DREAL locale." + FILLER)})
    assert s.search("20251", prefix=False).suggestion is None
    assert s.search("DREALS", prefix=False).suggestion is None


# --- hub pages: a title and a URL, their text in the layout ---------------------------------

LONG = " ".join(["Les incubateurs accompagnent les équipes de l'administration au quotidien."] * 8)


def test_near_empty_page_whose_title_is_the_query_is_not_buried(searcher_for):
    # a hub page (a list the layout fills in) against long pages that use the word
    s = searcher_for({"reseau": ("Réseau d'incubateurs", ""),
                      "guide": ("Guide de l'accompagnement", LONG),
                      "bilan": ("Bilan annuel", LONG)})
    assert order(s, "incubateurs")[0] == "reseau"


def test_near_empty_page_the_query_does_not_name_stays_behind(searcher_for):
    s = searcher_for({"note": ("Note brève", "incubateurs"), "guide": ("Guide", LONG)})
    assert order(s, "incubateurs") == ["guide", "note"]


def test_the_url_names_a_page_whose_title_does_not(searcher_for):
    # `/startups/` titled "Nos services numériques": the URL's last part is the query
    s = searcher_for({"startups": ("Nos services numériques", ""),
                      "a": ("Fabrique numérique", "Les startups d'État. " + LONG),
                      "b": ("Documents utiles", "Une startup, des startups. " + LONG)})
    assert order(s, "startups")[0] == "startups"
    assert order(s, "services numériques")[0] == "startups"
