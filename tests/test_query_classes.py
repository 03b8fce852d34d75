"""The classes of queries visitors type that need a mechanism of their own (issue 10), each
on fixture pages: words kept in front matter, ... (one test per class, more below)."""

from __future__ import annotations

from conftest import build_site

from casesearch.indexer import reindex
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


# -- questions ------------------------------------------------------------------------------

QUESTION_PAGES = {
    "candidater.md": """\
        ---
        title: Candidater à un défi
        ---
        ## Le calendrier
        Les défis sont publiés en janvier.

        ## Déposer sa candidature
        Pour candidater, remplissez le formulaire avant mars.
        """,
    # every word of the question, the question words included, in a page about something else
    "faq.md": """\
        ---
        title: Foire aux questions
        ---
        Comment ça marche ? Qui peut venir ? Comment faire ? Le défi de la semaine est de
        lire ce guide, et personne ne peut candidater ici. Comment faire mieux ?
        """,
    "postuler.md": """\
        ---
        title: Les entrepreneurs
        ---
        ## Postuler
        Toute personne majeure peut postuler au programme.
        """,
}


def test_question_words_do_not_hide_the_page_that_answers(tmp_path):
    settings = build_site(tmp_path, QUESTION_PAGES)
    for question in ("comment candidater à un défi", "comment candidater à un défi ?", "candidater défi ?"):
        assert _first(settings, question) == "candidater.md", question
    assert _first(settings, "qui peut postuler") == "postuler.md"
    assert _first(settings, "qu'est-ce qu'un défi") is not None


def test_a_question_links_to_the_section_that_answers(tmp_path):
    settings = build_site(tmp_path, QUESTION_PAGES)
    hit = Searcher(settings).search("comment candidater", prefix=False).hits[0]
    assert hit.source == "candidater.md"
    assert hit.sections and hit.sections[0].anchor == "dposer-sa-candidature"


def test_a_question_word_alone_is_searched_as_a_word(tmp_path):
    settings = build_site(tmp_path, QUESTION_PAGES)
    assert _first(settings, "comment") == "faq.md"


# -- English pages --------------------------------------------------------------------------

ENGLISH_PAGES = {
    "en/about.md": "---\ntitle: About us\nlang: en\n---\nWe build digital public services with the administration.\n",
    "en/program.md": "---\ntitle: The programme\nlang: en\n---\nWhat is a state startup? A small team.\n",
    # French pages holding the English words
    "coutumes.md": "---\ntitle: Les coutumes\n---\nUn article about les us et coutumes des startups d'État.\n",
    "startup.md": "---\ntitle: Qu'est-ce qu'une startup d'État ?\n---\nUne startup d'État (state startup) est une équipe.\n",
}


def test_an_english_query_ranks_english_pages_first(tmp_path):
    settings = build_site(tmp_path, ENGLISH_PAGES)
    assert _first(settings, "about us") == "en/about.md"
    assert _first(settings, "what is a state startup") == "en/program.md"
    # a French query ranks the French page first
    assert _first(settings, "qu'est-ce qu'une startup d'État") == "startup.md"


# -- names in every spelling ------------------------------------------------------------------

NAME_PAGES = {
    "vigicrux.md": "---\ntitle: Vigicr’UX\n---\nRepenser le site Vigicrues avec ses usagers.\n",
    "api.md": "---\ntitle: api.gouv.fr\n---\nLe catalogue des interfaces de l'État.\n",
    "datapass.md": "---\ntitle: DataPass\n---\nDemander l'accès aux données protégées.\n",
    "cpf.md": "---\ntitle: Mon Compte Formation\n---\nChoisir et financer une formation.\n",
    "franceconnect.md": "---\ntitle: Se connecter\n---\nLe bouton franceconnect sur chaque démarche.\n",
    # the names' words, apart, in pages about something else
    "autre.md": "---\ntitle: Un compte rendu\n---\nLa formation des agents, le pass culture, les data et l'usage.\n",
}
SPELLINGS = {
    "vigicrux.md": ["vigicrux", "Vigicr'UX", "vigicr ux", "VigicrUX"],
    "api.md": ["api.gouv.fr", "api gouv", "apigouv", "api-gouv"],
    "datapass.md": ["DataPass", "datapass", "data pass", "data-pass"],
    "cpf.md": ["Mon Compte Formation", "moncompteformation", "mon-compte-formation", "MonCompteFormation"],
    "franceconnect.md": ["franceconnect", "FranceConnect", "france connect", "France-Connect"],
}


def test_every_spelling_of_a_name_finds_its_page(tmp_path):
    settings = build_site(tmp_path, NAME_PAGES)
    misses = [(query, _first(settings, query)) for source, queries in SPELLINGS.items() for query in queries
              if _first(settings, query) != source]
    assert misses == []


# -- navigational: the name of a page -------------------------------------------------------

HUB_PAGES = {
    # hub pages: the layout lists the teams; the page itself holds three words
    "incubateurs.md": "---\ntitle: Les incubateurs\n---\nListe des incubateurs.\n",
    "nous-rejoindre.md": "---\ntitle: Rejoignez-nous\npermalink: /nous-rejoindre/\n---\nVoir les offres.\n",
    **{f"startup-{i}.md": f"---\ntitle: Startup {i}\n---\n" + " ".join(
        ["Cette startup est née dans un incubateur ministériel."] * 3
        + ["Les incubateurs l'ont accompagnée, et elle veut nous rejoindre et rejoindre d'autres équipes."] * 2)
        + "\n" for i in range(8)},
}


def test_a_hub_page_comes_first_for_its_title_or_its_url(tmp_path):
    settings = build_site(tmp_path, HUB_PAGES)
    for query in ("incubateurs", "Les incubateurs", "incubateur", "les Incubateurs"):
        assert _first(settings, query) == "incubateurs.md", query
    for query in ("nous rejoindre", "rejoignez-nous", "Rejoignez nous"):
        assert _first(settings, query) == "nous-rejoindre.md", query


# -- link text ------------------------------------------------------------------------------

LINK_PAGES = {
    "_config.yml": "baseurl: /site\nurl: https://exemple.gouv.fr\npermalink: /:title/\n",
    "guide.md": "---\ntitle: Recruter\npermalink: /recrutement/\n---\nLes étapes pour embaucher un agent.\n",
    "_posts/2020-01-02-bilan.md": "---\ntitle: Bilan\n---\nLe bilan de l'année.\n",
    "a.md": "---\ntitle: A\n---\nLisez [le guide du recrutement](/recrutement/) avant tout.\n",
    "b.md": "---\ntitle: B\n---\nVoir [le guide du recrutement]({{ site.baseurl }}/recrutement).\n",
    "c.md": "---\ntitle: C\n---\nAussi [le guide du recrutement]({% link guide.md %}) et "
            "[la rétrospective annuelle]({% post_url 2020-01-02-bilan %}).\n",
    "d.md": "---\ntitle: D\n---\nEt [le guide du recrutement](https://exemple.gouv.fr/site/recrutement/).\n",
    # a page that says the words itself, and links to itself with them
    "e.md": "---\ntitle: E\npermalink: /e/\n---\nUn guide du recrutement ? [Guide du recrutement](/e/).\n",
}


def test_a_page_is_found_by_the_text_of_the_links_to_it(tmp_path):
    settings = build_site(tmp_path, LINK_PAGES)
    assert _first(settings, "guide du recrutement") == "guide.md"        # four pages link to it so
    assert _first(settings, "rétrospective annuelle") == "_posts/2020-01-02-bilan.md"   # {% post_url %}
    hit = Searcher(settings).search("guide du recrutement", prefix=False).hits[0]
    assert hit.summary == "" and "recrutement" not in hit.snippet_html   # searched, not shown


def test_link_texts_follow_the_edits_of_the_linking_pages(tmp_path):
    settings = build_site(tmp_path, LINK_PAGES)
    content = settings.content_dir
    (content / "c.md").write_text("---\ntitle: C\n---\nPlus de lien.\n", encoding="utf-8")
    report = reindex(settings)
    assert report.updated == ["_posts/2020-01-02-bilan.md", "c.md", "guide.md"]   # the pages c linked to, again
    assert _first(settings, "rétrospective annuelle") is None
    (content / "f.md").write_text("---\ntitle: F\n---\n[Le calendrier des bilans]({{ site.baseurl }}/bilan/)\n",
                                  encoding="utf-8")
    reindex(settings)
    assert _first(settings, "calendrier des bilans") == "_posts/2020-01-02-bilan.md"
    assert reindex(settings).reason == "nothing changed"


def test_a_link_to_a_former_url_of_a_page_counts_for_it(tmp_path):
    settings = build_site(tmp_path, {
        "nouveau.md": "---\ntitle: Nouveau\npermalink: /nouveau/\nredirect_from:\n  - /ancien/\n---\nTexte.\n",
        "lien.md": "---\ntitle: Lien\n---\nVoir [la charte graphique](/ancien/).\n",
    })
    found = [h.source for h in Searcher(settings).search("charte graphique", prefix=False).hits]
    assert "nouveau.md" in found   # the only words naming it are those of the link to its former URL


def test_a_name_split_in_a_query_of_twelve_words_is_no_error(tmp_path):
    """The corrected query holds more words than typed: the limits are the typed query's."""
    settings = build_site(tmp_path, NAME_PAGES)
    query = "apigouv " + " ".join(["catalogue"] * 11)
    assert _first(settings, query) == "api.md"
