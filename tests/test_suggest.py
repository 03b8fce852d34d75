"""As-you-type suggestions: what pages write after the typed words comes first, in their spelling."""

from __future__ import annotations

import pytest
from conftest import build_site

from casesearch.searcher import Searcher

# more pages, and more often, than "formation professionnelle"; never right after "formation"
FILLER = "Une formation. Plusieurs pistes : on peut, on permet, on peut encore, on permet."
PAGES = {
    "pro-1.md": "---\ntitle: Un parcours\n---\nLa formation professionnelle des adultes.\n",
    "pro-2.md": "---\ntitle: Deux parcours\n---\nFormation professionnelle continue, en région.\n",
    "pro-3.md": "---\ntitle: Trois parcours\n---\nUne formation professionnelle certifiante.\n",
    **{f"autre-{i}.md": f"---\ntitle: Page {i}\n---\n{FILLER}\n" for i in range(6)},
    "emploi.md": "---\ntitle: Accompagner\n---\nChaque demandeur d’emploi est suivi par Pôle emploi.\n",
    "emploi-2.md": "---\ntitle: Inscription\n---\nLe demandeur d’emploi s'inscrit sur pôle-emploi.fr.\n",
    "donnees.md": "---\ntitle: Ouverture\n---\nLes données publiques sont ouvertes. Les données publiques aussi.\n",
    "libre.md": "---\ntitle: Forges\n---\nUn logiciel libre, publié sous licence libre.\n",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    s = Searcher(build_site(tmp_path_factory.mktemp("suggest"), PAGES))
    yield s
    s.close()


def terms(searcher, text):
    return [s["text"] for s in searcher.suggest(text) if s["kind"] == "term"]


def test_only_phrases_pages_write_are_offered(searcher):
    # "peut", "permet" and "plusieurs" are in more pages, but never right after "formation":
    # "formation peut" is no phrase of the site, whatever the frequency of its words
    assert terms(searcher, "formation p") == ["formation professionnelle"]
    assert terms(searcher, "formation pe") == []


@pytest.mark.parametrize("typed", ["formation p", "formation ", "la formation", "demandeur d'", "pôle e",
                                   "données p", "un logiciel l", "on pe"])
def test_every_suggestion_of_two_words_or_more_occurs_in_a_page(searcher, typed):
    texts = " | ".join(" ".join(page.split("---")[-1].lower().replace("’", "'").split()) for page in PAGES.values())
    for text in terms(searcher, typed):
        assert text.lower().replace("’", "'") in texts, (typed, text)


def test_elided_word_is_completed_as_pages_write_it(searcher):
    assert terms(searcher, "demandeur d'em")[0] == "demandeur d’emploi"


def test_unaccented_words_come_back_with_the_pages_accents(searcher):
    assert terms(searcher, "donnees pub")[0] == "données publiques"


def test_a_trailing_space_asks_for_the_next_word(searcher):
    assert "logiciel libre" in terms(searcher, "logiciel ")


def test_one_suggestion_for_the_spellings_of_one_phrase(searcher):
    found = [t.lower().replace("-", " ") for t in terms(searcher, "pôle emp")]
    assert found.count("pôle emploi") == 1


def test_titles_come_first_and_at_most_ten_in_all(searcher):
    found = searcher.suggest("pa")
    kinds = [s["kind"] for s in found]
    assert kinds[0] == "title" and kinds == sorted(kinds, key=lambda k: k != "title")
    assert len(found) <= 10
