"""casesearch publishes the pages, URLs and anchors real Jekyll publishes (tests/data/jekyll/).

Each fixture site is built by Debian's `jekyll` (through tests/jekyll_oracle.py) and listed
by `casesearch pages --json`; the two must agree page for page. Skipped when jekyll is
missing, except under CI or CASESEARCH_REQUIRE_JEKYLL=1, where that is a failure.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from conftest import require_jekyll
from jekyll_oracle import JekyllSite, build, casesearch_pages, compare

SITES = Path(__file__).resolve().parent / "data" / "jekyll"

# (fixture site, config files as given to `jekyll build --config`); the global permalink style
# is one per build, so `styles` is built once per style
BUILDS = [
    ("bases", None),  # permalink date (default), GFM headings, exclude/include, future: false
    ("pretty", None),  # pretty, baseurl, kramdown input, defaults, unpublished: true
    ("collections-dir", None),  # custom permalink, collections_dir, every date placeholder
    ("styles", None),  # ordinal
    ("styles", ["_config.yml", "_weekdate.yml"]),
    ("styles", ["_config.yml", "_none.yml"]),
]


def _id(build_: tuple[str, list[str] | None]) -> str:
    site, configs = build_
    return site if not configs else f"{site}+{configs[-1].strip('_').removesuffix('.yml')}"


@functools.lru_cache(maxsize=None)
def jekyll_site(site: str, configs: tuple[str, ...] | None) -> JekyllSite:
    return build(SITES / site, list(configs) if configs else None)


@pytest.mark.parametrize("build_", BUILDS, ids=[_id(b) for b in BUILDS])
def test_casesearch_publishes_what_jekyll_publishes(build_):
    require_jekyll()
    site, configs = build_
    jekyll = jekyll_site(site, tuple(configs) if configs else None)
    result = compare(jekyll, casesearch_pages(SITES / site, configs))
    problems = result.problems(limit=200)
    summary = (f"{_id(build_)}: casesearch differs from Jekyll ({len(result.both)} pages in both, "
               f"{len(result.skipped_by_choice)} skipped by choice):\n  " + "\n  ".join(problems))
    assert not problems, summary
    # every page Jekyll wrote is either published by casesearch or skipped for a stated search reason
    assert len(result.both) + len(result.skipped_by_choice) == result.jekyll_pages
    assert all(result.skipped_by_choice.values())


# file -> words one of which casesearch's skip reason must contain (case-insensitive)
SKIP_REASONS = {
    "robots-noindex.md": ("noindex",),
    "redirection.md": ("redirect",),
    "publie-false.md": ("published",),
    "_posts/2024-04-10-billet-non-publie.md": ("published",),
    "_posts/2099-01-01-billet-futur.md": ("future",),
    "_fiches/fiche-future.md": ("future",),
    "_carnets/carnet.md": ("output",),
    "_drafts/brouillon.md": ("draft",),
    "library.md": ("exclu",),  # exclude: [lib] matches names by prefix
    "notes-texte.md": ("exclu",),  # exclude: [notes]
    "sous-dossier/interne.md": ("exclu",),
    "node_modules/paquet/lisez-moi.md": ("exclu",),  # Jekyll's default excludes
    "vendor/bundle/bundle.md": ("exclu",),
    "vendor/ruby/ruby.md": ("exclu",),
    "flux.xml": ("html",),
    "LISEZMOI": ("html",),
    "extension-markdown-hors-liste.markdown": ("html",),  # not in markdown_ext: written as .markdown
}


def test_pages_json_gives_the_reason_of_each_skip():
    cs = casesearch_pages(SITES / "bases")
    wrong = []
    for source, words in SKIP_REASONS.items():
        # a folder of dependencies is reported once, as `node_modules/`, not file by file
        reason = cs.skipped.get(source) or next(
            (why for folder, why in cs.skipped.items() if folder.endswith("/") and source.startswith(folder)), None)
        if source in cs.pages:
            wrong.append(f"{source}: published at {cs.pages[source].path}, expected skipped ({'/'.join(words)})")
        elif reason is None or not any(w in reason.lower() for w in words):
            wrong.append(f"{source}: reason {reason!r}, expected one containing {' or '.join(map(repr, words))}")
    assert not wrong, "casesearch pages --json, skipped list of tests/data/jekyll/bases:\n  " + "\n  ".join(wrong)


# What Jekyll 4.3 itself gives for the rules the fixtures are about: if a fixture or Jekyll
# changes, these fail first, so the comparison above keeps testing what it says it tests.
JEKYLL_URLS = {
    ("bases", None): {
        "_posts/24-03-05-annee-courte.md": "/2024/03/05/annee-courte.html",  # YY-MM-DD file name
        "_posts/2023-06-01-Billet_Titre.Majuscules.md": "/vie%20publique/2023/06/01/Billet_Titre.Majuscules.html",
        "_posts/2024-01-15-premier-billet.md": "/actualit%C3%A9s/donn%C3%A9es/2024/01/15/premier-billet.html",
        "_posts/2023-11-20-slug-front-matter.md": "/2023/11/20/Mon-Slug-Perso.html",
        "_posts/2024-02-02-date-en-front-matter.md": "/2022/12/31/date-en-front-matter.html",
        "_posts/sous-dossier/2024-02-10-billet-sous-dossier.md": "/2024/02/10/billet-sous-dossier.html",
        "en/_posts/2024-05-01-english-post.md": "/en/2024/05/01/english-post.html",
        "sous-dossier/index.html": "/sous-dossier/",
        "été-à-paris.md": "/%C3%A9t%C3%A9-%C3%A0-paris.html",
        "version.1.2.md": "/version.1.2.html",
        "extension-perso.texte": "/extension-perso.html",
        "_inclus/inclus.md": "/_inclus/inclus.html",
        ".bien-connu/securite.md": "/.bien-connu/securite.html",
        "vendor/autre.md": "/vendor/autre.html",
    },
    ("pretty", None): {
        "a-propos.md": "/a-propos/",
        "page.html": "/page/",
        "avec espace.md": "/avec%20espace/",
        "rubrique/ma-page.md": "/rubrique-fixe/ma-page/",
        "rubrique/prioritaire.md": "/prioritaire/",
        "guides/profond/chapitre.md": "/guide-chapitre/",
        "archives-privees/secret.md": "/archives-privees/secret/",  # unpublished: true
        "_posts/2024-03-10-billet-pretty.md": "/billets/2024/billet-pretty/",
        "_posts/archives/2010-01-01-Vieux_Billet.md": "/vieux/histoire/Vieux_Billet.html",
        "_posts/2024-07-14-fete.md": "/special/2024/07/fete.html",
    },
    ("collections-dir", None): {
        "page-simple.md": "/page-simple/",  # a global permalink ending in / gives pages a /
        "contenu/cgu.md": "/contenu/cgu/",
        "pages/permaliens/placeholders.md": "/autre/pages/permaliens/placeholders.html",
        "pages/permaliens/sans-barre.md": "/sans-barre/ici.html",
        "pages/permaliens/points.md": "/a/b/c.html",
        "contenu/_posts/2024-03-31-billet-horodate.md": "/journal/2024/4/1/24/01-30-00/billet-horodate/",
        "contenu/_posts/2023-09-08-Nom_De_Fichier.md": "/journal/2023/9/8/23/00-00-00/Nom_De_Fichier/",
        "contenu/_posts/2099-12-31-billet-futur.md": "/journal/2099/12/31/99/00-00-00/billet-futur/",
        "contenu/en/_posts/2024-01-03-contenu-en.md": "/journal/2024/1/3/24/00-00-00/contenu-en/",
        "contenu/_startups/Start_Up-Été.2.md": "/startups/Start_Up-%C3%89t%C3%A9.2.html",
        "contenu/_startups/ancien-nom.md": "/startups/Nouveau-Nom.html",
        "contenu/_startups/perso.md": "/sp/startups/perso/",
        "contenu/_fiches/sous/visible.md": "/fiches/sous/visible/",
        "contenu/_semaines/semaine-iso.md": "/semaines/2020/W53/7-Sun-Sunday/01-Jan-January/003/semaine-iso.html",
        "contenu/_semaines/Fin_D_Annee.md": "/semaines/2025/W01/1-Mon-Monday/12-Dec-December/365/fin-d-annee.html",
        "contenu/_rubriques/Ma_Rubrique.md":
            "/rubriques/vie%20publique/donn%C3%A9es%20&%20co/vie-publique/donn%C3%A9es-co/ma-rubrique/Ma_Rubrique.html",
        "contenu/_rubriques/seule.md": "/rubriques/sant%C3%A9/sant%C3%A9/un-slug-%C3%A9t%C3%A9/Un-Slug-%C3%89t%C3%A9.html",
        "contenu/_chemins/a/b/Profond_Doc.md": "/chemins/a/b/Profond_Doc.html",
    },
    ("styles", None): {
        "_posts/2024-02-29-Été_Bissextile.md": "/calendrier/2024/060/%C3%89t%C3%A9_Bissextile.html",
        "_posts/2022-07-04-v1.0-sortie.md": "/a/b/2022/185/v1.0-sortie.html",
        "_evenements/paris/Salon.md": "/evenements/paris/Salon.html",
        "sous/index.md": "/sous/",
    },
    ("styles", ("_config.yml", "_weekdate.yml")): {
        "_posts/2021-01-03-semaine-53.md": "/agenda/2021/W53/Sun/semaine-53.html",
        "_posts/2024-12-30-fin-d-annee.md": "/2024/W01/Mon/fin-d-annee.html",
        # weekdate is no style for pages and collections: no suffix at all
        "a-propos.md": "/a-propos",
        "_evenements/forum-2024.md": "/evenements/forum-2024",
    },
    ("styles", ("_config.yml", "_none.yml")): {
        "_posts/2022-07-04-v1.0-sortie.md": "/a/b/v1.0-sortie.html",
        "a-propos.md": "/a-propos.html",
    },
}
# read by Jekyll but not written as HTML pages
JEKYLL_NOT_HTML = {
    "bases": ["library.md", "librairie/index.md", "notes-texte.md", "lib/outil.md", "Gemfile", "flux.xml",
              "LISEZMOI", "texte-brut.txt", "extension-markdown-hors-liste.markdown", "publie-false.md",
              "_posts/2099-01-01-billet-futur.md", "_fiches/fiche-future.md", "_carnets/carnet.md",
              "_drafts/brouillon.md", "sans-front-matter.md", "page-html-sans-front-matter.html",
              "_dossier-non-declare/page.md", "_souligne.md", ".cache.md", "node_modules/paquet/lisez-moi.md",
              "vendor/bundle/bundle.md", "vendor/ruby/ruby.md", "sous-dossier/interne.md"],
    "collections-dir": ["en/_posts/2024-01-02-racine-en.md", "contenu/_fiches/masquee.md",
                        "contenu/_drafts/brouillon.md", "contenu/_membres/membre.md"],
    "pretty": ["_fiches/fiche.md", "_archives/archive.md"],
}


@pytest.mark.parametrize("key", list(JEKYLL_URLS), ids=[_id(k) for k in JEKYLL_URLS])
def test_fixture_sites_give_the_jekyll_urls_they_are_about(key):
    require_jekyll()
    site, configs = key
    jekyll = jekyll_site(site, configs)
    got = {src: jekyll.pages[src].url if src in jekyll.pages else None for src in JEKYLL_URLS[key]}
    assert got == JEKYLL_URLS[key]
    if configs is None:
        assert not set(JEKYLL_NOT_HTML.get(site, ())) & set(jekyll.pages)
