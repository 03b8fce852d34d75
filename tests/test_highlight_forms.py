"""Every way the analysis finds a word is a way the snippet marks it: joined compounds
(e-mail for "email"), elision exceptions, invisible characters, ligatures."""

from __future__ import annotations

import pytest
from conftest import build_site

from casesearch import query
from casesearch.highlight import Matcher
from casesearch.searcher import Searcher

PAGES = {
    "contact.md": """\
        ---
        title: Nous écrire
        ---
        ## Écrire
        Envoyez-nous un e-mail avant la réunion, nous répondons vite.
        """,
    "autre.md": """\
        ---
        title: Autre page
        ---
        Rien à voir ici, une page sans rapport.
        """,
}


@pytest.fixture
def searcher(tmp_path):
    s = Searcher(build_site(tmp_path, PAGES))
    yield s
    s.close()


def test_search_email_marks_e_mail_in_the_snippet_and_sections(searcher):
    result = searcher.search("email")
    assert result.total == 1
    hit = result.hits[0]
    assert "<mark>e-mail</mark>" in hit.snippet_html
    assert hit.sections and all("<mark>e-mail</mark>" in s.snippet_html for s in hit.sections)


@pytest.mark.parametrize("term, text, marked", [
    ("email", "un e-mail", "e-mail"),
    ("email", "un e\u2011mail", "e\u2011mail"),
    ("email", "un E-Mail", "E-Mail"),
    ("aujourdhui", "dès aujourd’hui", "aujourd’hui"),
    ("iledefranc", "en Île-de-France", "Île-de-France"),
    ("startup", "une start-up", "start-up"),
    ("donn", "les don\u00adnées", "don\u00adnées"),
    ("coeur", "au cœur", "cœur"),
])
def test_matcher_marks_the_joined_forms_of_the_analysis(term, text, marked):
    spans = Matcher(stems=frozenset([term]), forms=frozenset()).matches(text)
    assert [text[s:e] for s, e, _ in spans] == [marked]


def test_a_compound_marks_itself_not_the_stop_words_its_english_analysis_keeps():
    """The English analysis of Île-de-France keeps `de` (not an English stop word): the page
    is French, and `de` elsewhere in it is no match (nor a place to look for one)."""
    word = query.analyse_word("Île-de-France")
    assert "de" in word.stems
    matcher = Matcher(stems=word.stems, forms=frozenset(word.exact))
    text = "Plus de 300 projets de la région Île-de-France."
    assert [text[s:e] for s, e, _ in matcher.matches(text)] == ["Île-de-France"]
    assert "de" not in matcher.seeds()
