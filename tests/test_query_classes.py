"""The classes of queries visitors type that need a mechanism of their own (issue 10), each
on fixture pages: words kept in front matter, ... (one test per class, more below)."""

from __future__ import annotations

from conftest import build_site

from casesearch.searcher import Searcher


def _first(settings, query: str) -> str | None:
    hits = Searcher(settings).search(query, prefix=False).hits
    return hits[0].source if hits else None


# -- words kept in front matter -----------------------------------------------------------

def test_words_only_in_description_keys_find_the_page_and_are_not_shown(tmp_path):
    settings = build_site(tmp_path, {
        "nous-rejoindre.md": """\
            ---
            title: Nous rejoindre
            description: La communauté beta.gouv.fr
            search_description: Offres de stages et de recrutements.
            ---
            Rejoignez-nous.
            """,
        "guide.md": """\
            ---
            title: Guide
            seo:
              description: Tout sur l'hébergement souverain.
              title: Guide de l'hébergement
            ---
            Un guide.
            """,
        "autre.md": "---\ntitle: Autre\n---\nUne page sur la communauté.\n",
    })
    assert _first(settings, "stages") == "nous-rejoindre.md"
    assert _first(settings, "recrutement") == "nous-rejoindre.md"
    assert _first(settings, "hébergement souverain") == "guide.md"   # a nested key
    hit = Searcher(settings).search("stages").hits[0]
    assert hit.summary == "La communauté beta.gouv.fr"   # the summary shown is the first summary key's
