"""The site as Jekyll reads it: `_config.yml`, which files are pages, their URLs and skips.

These tests hold the rules with expected values taken from Debian's jekyll 4.3.1; the
oracle test (test_jekyll_oracle.py) builds fixture sites with the real jekyll.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from casesearch.cli import main
from casesearch.config import load_settings
from casesearch.content import Document, Skipped, load_page
from casesearch.errors import ConfigError, ContentError
from casesearch.permalinks import slugify
from casesearch.reader import read_files
from casesearch.site import load_site
from casesearch.survey import survey


def make_site(root: Path, config: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(textwrap.dedent(config), encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def urls(root: Path, **overrides: object) -> dict[str, str]:
    settings = load_settings({"content_dir": root, "index_dir": root / "_ix", **overrides}, environ={})
    return {d.source: d.url for d in survey(settings).documents}


def skips(root: Path) -> dict[str, str]:
    settings = load_settings({"content_dir": root, "index_dir": root / "_ix"}, environ={})
    return {s.source: s.reason for s in survey(settings).skipped}


FM = "---\ntitle: Page\n---\nTexte.\n"


def test_collections_with_and_without_output_and_collections_dir(tmp_path: Path) -> None:
    root = make_site(tmp_path, """\
        collections_dir: content
        collections:
          startups:
            output: true
            permalink: /startups/:title.html
          organisations:
        """, {"content/_startups/collectif_objets.md": FM, "content/_organisations/dinum.md": FM,
              "content/_events/fete.md": FM, "content/_posts/2020-01-02-billet.md": FM,
              "_posts/2020-01-03-hors-dossier.md": FM, "a.md": FM})
    assert urls(root) == {
        "a.md": "/a.html",
        "content/_posts/2020-01-02-billet.md": "/2020/01/02/billet.html",
        "content/_startups/collectif_objets.md": "/startups/collectif_objets.html",  # Jekyll keeps '_'
    }
    reasons = skips(root)
    assert reasons["content/_organisations/dinum.md"].startswith("collection without output")
    assert reasons["content/_events/fete.md"].startswith("not a collection")


def test_collections_as_a_list_default_to_no_output(tmp_path: Path) -> None:
    root = make_site(tmp_path, "collections: [fiches]\n", {"_fiches/x.md": FM})
    assert urls(root) == {}
    assert skips(root)["_fiches/x.md"].startswith("collection without output")


def test_global_permalink_styles_shape_posts_and_pages(tmp_path: Path) -> None:
    files = {"_posts/2019-03-14-Carte_des Fontaines.md": FM, "guide/aide.md": FM, "guide/index.md": FM}
    expected = {
        "date": ("/2019/03/14/Carte_des-Fontaines.html", "/guide/aide.html"),
        "pretty": ("/2019/03/14/Carte_des-Fontaines/", "/guide/aide/"),
        "ordinal": ("/2019/073/Carte_des-Fontaines.html", "/guide/aide.html"),
        "none": ("/Carte_des-Fontaines.html", "/guide/aide.html"),
        "weekdate": ("/2019/W11/Thu/Carte_des-Fontaines.html", "/guide/aide"),
        "/blog/:year/:month/:day/:title.html": ("/blog/2019/03/14/Carte_des-Fontaines.html", "/guide/aide"),
        "/:year/:slug/": ("/2019/carte-des-fontaines/", "/guide/aide/"),
    }
    for style, (post, page) in expected.items():
        root = make_site(tmp_path / style.replace("/", "_").replace(":", ""), f"permalink: '{style}'\n", files)
        got = urls(root)
        assert (got["_posts/2019-03-14-Carte_des Fontaines.md"], got["guide/aide.md"]) == (post, page), style
        assert got["guide/index.md"] == "/guide/"


def test_every_date_placeholder(tmp_path: Path) -> None:
    root = make_site(tmp_path, "timezone: Europe/Paris\n", {"_posts/2021-01-03-x.md": """\
        ---
        date: 2021-01-03 07:08:09 +0100
        categories: Ville Santé
        permalink: /:categories/:year/:short_year/:month/:i_month/:day/:i_day/:hour/:minute/:second/:y_day/:week/:w_year/:w_day/:short_day/:long_day/:short_month/:long_month/:title/:slug/:name:output_ext
        ---
        """})
    assert urls(root)["_posts/2021-01-03-x.md"] == (
        "/ville/sant%C3%A9/2021/21/01/1/03/3/07/08/09/003/53/2020/7/Sun/Sunday/Jan/January/x/x/2021-01-03-x.html")


def test_unknown_placeholder_is_named(tmp_path: Path) -> None:
    root = make_site(tmp_path, "", {"_posts/2021-01-03-x.md": "---\npermalink: /:annee/:title/\n---\n"})
    settings = load_settings({"content_dir": root, "index_dir": root / "_ix"}, environ={})
    found = survey(settings)
    assert [e.source for e in found.errors] == ["_posts/2021-01-03-x.md"]
    assert "unknown permalink placeholder ':annee'" in found.errors[0].message


def test_unknown_placeholder_in_config_stops_the_build(tmp_path: Path) -> None:
    root = make_site(tmp_path, "collections:\n  fiches: {output: true, permalink: '/f/:nom/'}\n", {"a.md": FM})
    settings = load_settings({"content_dir": root, "index_dir": root / "_ix"}, environ={})
    with pytest.raises(ConfigError, match=r"unknown permalink placeholder :nom in collections.fiches.permalink"):
        load_site(settings)


def test_exclude_is_a_prefix_match_and_include_wins(tmp_path: Path) -> None:
    root = make_site(tmp_path, "exclude: [lib, README.md]\ninclude: [_pages]\n", {
        "lib/x.md": FM, "library.md": FM, "README.md": FM, "node_modules/p/x.md": FM, "_pages/apropos.md": FM,
        "ok.md": FM})
    assert urls(root) == {"_pages/apropos.md": "/_pages/apropos.html", "ok.md": "/ok.html"}
    reasons = skips(root)
    assert reasons["library.md"].startswith("excluded")   # Jekyll's prefix match
    assert reasons["lib/x.md"].startswith("excluded")


def test_defaults_by_path_and_type_with_jekylls_precedence(tmp_path: Path) -> None:
    root = make_site(tmp_path, """\
        collections:
          fiches: {output: true}
        defaults:
          - scope: {path: ""}
            values: {lang: fr}
          - scope: {path: "en"}
            values: {lang: en}
          - scope: {path: "", type: fiches}
            values: {permalink: "/f/:name/", published: true}
          - scope: {path: "_fiches/vieux"}
            values: {published: false}
          - scope: {path: "", type: pages}
            values: {published: false}
        """, {"en/about.md": FM, "page.md": FM, "_fiches/a.md": FM, "_fiches/vieux/b.md": FM})
    settings = load_settings({"content_dir": root, "index_dir": root / "_ix"}, environ={})
    found = survey(settings)
    docs = {d.source: d for d in found.documents}
    assert {s: (d.url, d.lang) for s, d in docs.items()} == {
        "_fiches/a.md": ("/f/a/", "fr"), "en/about.md": ("/en/about.html", "en"), "page.md": ("/page.html", "fr")}
    # a page's `published` never comes from defaults (Jekyll reads it with Hash#fetch); a document's does
    assert {s.source: s.reason for s in found.skipped} == {"_fiches/vieux/b.md": "published: false"}


def test_future_documents_wait_unless_future_true(tmp_path: Path) -> None:
    files = {"_posts/2999-01-01-demain.md": FM, "_posts/2000-01-01-hier.md": FM}
    assert sorted(urls(make_site(tmp_path / "a", "", files))) == ["_posts/2000-01-01-hier.md"]
    assert skips(tmp_path / "a")["_posts/2999-01-01-demain.md"].startswith("future date")
    assert len(urls(make_site(tmp_path / "b", "future: true\n", files))) == 2


def test_url_and_baseurl_make_the_link_a_visitor_clicks(tmp_path: Path) -> None:
    root = make_site(tmp_path, "url: https://exemple.gouv.fr\nbaseurl: /site\n", {"a.md": FM})
    assert urls(root) == {"a.md": "https://exemple.gouv.fr/site/a.html"}
    assert urls(root, base_url="https://miroir.fr") == {"a.md": "https://miroir.fr/a.html"}


def test_later_config_files_win(tmp_path: Path) -> None:
    root = make_site(tmp_path, "permalink: pretty\nbaseurl: /a\n", {"p.md": FM})
    (tmp_path / "_prod.yml").write_text("baseurl: /b\n", encoding="utf-8")
    got = urls(root, jekyll_config=f"{root / '_config.yml'},{tmp_path / '_prod.yml'}")
    assert got == {"p.md": "/b/p/"}


def test_markdown_ext_and_non_html_outputs(tmp_path: Path) -> None:
    root = make_site(tmp_path, "markdown_ext: md,txtmd\n", {
        "a.txtmd": FM, "b.markdown": FM, "feed.xml": FM, "notes": FM, "statique.md": "Pas de front matter.\n"})
    assert urls(root) == {"a.txtmd": "/a.html"}
    reasons = skips(root)
    assert reasons["feed.xml"] == "not an HTML page (Jekyll writes it as '.xml')"
    assert reasons["statique.md"] == "no front matter (static file)"


def test_broken_config_is_an_error_with_its_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, "title: ok\ncollections:\n  a: [\n", {"a.md": FM})
    settings = load_settings({"content_dir": root, "index_dir": root / "_ix"}, environ={})
    with pytest.raises(ConfigError, match=r"_config.yml', line \d+: .*nothing was published"):
        load_site(settings)
    result = CliRunner().invoke(main, ["reindex", "--content", str(root), "--index", str(root / "_ix")])
    assert result.exit_code == 2
    assert "_config.yml" in result.output and not (root / "_ix" / "CURRENT").exists()


def test_pages_command_lists_pages_anchors_and_skips(tmp_path: Path) -> None:
    root = make_site(tmp_path, "collections: [brouillons]\n", {
        "guide.md": "---\ntitle: Guide\n---\n## Démarrer\nTexte.\n", "_brouillons/x.md": FM,
        "cache.md": "---\nrobots: noindex\n---\nx\n"})
    result = CliRunner().invoke(main, ["pages", "--json", "--content", str(root), "--index", str(root / "_ix")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pages"] == [{"source": "guide.md", "url": "/guide.html", "path": "/guide.html", "lang": "fr",
                              "title": "Guide", "anchors": ["démarrer"]}]
    assert {s["source"]: s["reason"] for s in data["skipped"]} == {
        "_brouillons/x.md": "collection without output ('brouillons' has no output: true in _config.yml)",
        "cache.md": "robots: noindex"}


def test_without_config_the_seed_layout_keeps_its_urls(tmp_path: Path) -> None:
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2015-05-29-numa.md").write_text("---\ncategory: blogging\n---\n#####AMBITION\nx\n",
                                                          encoding="utf-8")
    settings = load_settings({"content_dir": tmp_path, "index_dir": tmp_path / "_ix"}, environ={})
    found = read_files(settings)
    doc = load_page(found.pages[0], settings)
    assert isinstance(doc, Document)
    assert doc.url == "/blogging/2015/05/29/numa.html"
    assert [s.anchor for s in doc.sections] == ["ambition"]   # kramdown's own ids without _config.yml


@pytest.mark.parametrize(("text", "mode", "cased", "slug"), [
    ("Carte_des Fontaines", "pretty", True, "Carte_des-Fontaines"),
    ("Carte_des Fontaines", "default", False, "carte-des-fontaines"),
    ("Été à Paris !", "default", False, "été-à-paris"),
    ("  --x--  ", "default", False, "x"),
    ("data.gouv.fr", "pretty", False, "data.gouv.fr"),
    ("Élysée", "latin", False, "elysee"),
    ("Élysée 2", "ascii", False, "lys-e-2"),
])
def test_slugify_modes_as_jekyll(text: str, mode: str, cased: bool, slug: str) -> None:
    assert slugify(text, mode, cased=cased) == slug


def test_post_without_front_matter_is_published_by_jekyll(tmp_path: Path) -> None:
    root = make_site(tmp_path, "", {"_posts/2020-01-01-brut.md": "Juste du texte.\n"})
    assert urls(root) == {"_posts/2020-01-01-brut.md": "/2020/01/01/brut.html"}


def test_skipped_reasons_for_documents_are_not_errors(tmp_path: Path) -> None:
    root = make_site(tmp_path, "", {"_posts/sans-date.md": FM})
    assert skips(root)["_posts/sans-date.md"].startswith("post without a date")
    assert isinstance(Skipped("a", "b"), Skipped) and ContentError("a", "b").source == "a"
