"""content.py and markdown.py: pages found, read and turned into Documents the way Jekyll
and kramdown would show them."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from conftest import shared_missing

from casesearch.config import SETTINGS, Settings, load_settings, replace
from casesearch.content import (
    Document,
    PageFile,
    Section,
    Skipped,
    load_page,
    normalize_lang,
)
from casesearch.errors import ContentError
from casesearch.markdown import to_sections
from casesearch.reader import discover, read_files

ROOT = Path(__file__).resolve().parents[1]
SEED = "_posts/2015-05-29-le-gouvernement-et-numa.md"
DATA = Path(__file__).resolve().parent / "data" / "content"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
_CONTENT_KEYS = {s.name for s in SETTINGS if s.rebuild}   # what shapes the built documents


def make_settings(content_dir: Path, **changes: object) -> Settings:
    """Default content settings whatever casesearch.toml lies around, plus `changes`."""
    settings = load_settings({"content_dir": str(content_dir)}, environ={})
    defaults = {s.name: tuple(s.default) if isinstance(s.default, list) else s.default
                for s in SETTINGS if s.name in _CONTENT_KEYS}
    return replace(settings, **{**defaults, **changes})


def write(root: Path, source: str, content: str | bytes) -> PageFile:
    path = root / source
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return PageFile(source, path)


def page(tmp_path: Path, source: str, content: str | bytes, **changes: object) -> Document | Skipped:
    return load_page(write(tmp_path, source, content), make_settings(tmp_path, **changes))


def doc(tmp_path: Path, source: str, content: str | bytes, **changes: object) -> Document:
    result = page(tmp_path, source, content, **changes)
    assert isinstance(result, Document), result
    return result


def error(tmp_path: Path, source: str, content: str | bytes, **changes: object) -> ContentError:
    with pytest.raises(ContentError) as info:
        page(tmp_path, source, content, **changes)
    return info.value


def body_sections(markdown: str) -> list[Section]:
    return to_sections(markdown)


def text_of(markdown: str) -> str:
    return "\n".join(part for s in to_sections(markdown) for part in (s.heading, s.text) if part)


# --- the seed page -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed() -> Document:
    settings = make_settings(ROOT / "content")
    result = load_page(PageFile(SEED, ROOT / "content" / SEED), settings)
    assert isinstance(result, Document)
    return result


def test_seed_page_front_matter_becomes_document_fields(seed: Document) -> None:
    assert seed.source == SEED
    assert seed.title == "Le Gouvernement et NUMA Faire la preuve de l’open data"
    assert seed.date == "2015-05-29T18:48:00+02:00"
    assert seed.lang == "fr"
    assert seed.category == "blogging"
    assert seed.summary == "Le Gouvernement & NUMA - Faire la preuve de l’open data"
    assert seed.url == "/blogging/2015/05/29/le-gouvernement-et-numa.html"


def test_seed_kramdown_headings_without_space_start_sections_with_anchors(seed: Document) -> None:
    headed = [s for s in seed.sections if s.level]
    assert [(s.heading, s.anchor, s.level) for s in headed] == [
        ("AMBITION", "ambition", 5), ("ACTION", "action", 5), ("IMPACT", "impact", 5)]
    assert "sociocompétences" in headed[2].text
    assert "ateliers d’ideation" in headed[1].text


def test_seed_text_drops_iframe_url_and_attribute_lists(seed: Document) -> None:
    assert "youtube" not in seed.body
    assert "{:" not in seed.body and "sm-head" not in seed.body
    assert "<" not in seed.body and "**" not in seed.body
    assert "François-Xavier Petit" in seed.body


def test_document_body_joins_headings_and_texts_and_headings_lists_them(seed: Document) -> None:
    assert seed.headings == "AMBITION\nACTION\nIMPACT"
    assert seed.body.startswith("gov_img\n\nAMBITION\n\nLe Ministère du travail")


# --- finding pages -------------------------------------------------------------------------

def test_discover_finds_pages_and_collections_and_leaves_out_jekyll_folders() -> None:
    pages, errors = discover(make_settings(DATA))
    assert errors == []
    assert [p.source for p in pages] == [
        "_posts/20-10-29-date-courte.md",
        "_posts/2019-03-14-carte-des-fontaines.md",
        "_startups/boussole.md",
        "a-propos.md",
        "ancien.md",
        "cache.md",
        "en/_posts/2020-01-15-city-maps.md",
        "guide/index.md",
        "index.html",
        "redirection.md",
        "robots.md",
        "été-à-paris.md",
    ]
    assert all(p.path.is_absolute() and p.path.is_file() for p in pages)
    # Jekyll copies these as files: not pages, each with its reason
    skipped = {s.source: s.reason for s in read_files(make_settings(DATA)).skipped}
    assert skipped["statique.html"] == "no front matter (static file)"
    assert skipped["_brouillon.md"].startswith("draft")


def test_discover_leaves_out_dependency_and_hidden_folders(tmp_path: Path) -> None:
    text = "---\ntitle: x\n---\n"
    for source in ("node_modules/a/readme.md", "vendor/b.md", ".git/c.md", ".cache/d.md", "_site/e.md",
                   "_plugins/f.md", "page.md", ".cachee.md", "feed.xml", "data.json", "img.png"):
        write(tmp_path, source, text)
    pages, errors = discover(make_settings(tmp_path))
    assert [p.source for p in pages] == ["page.md"]
    assert errors == []


def test_discover_reports_symlink_leaving_the_content_folder(tmp_path: Path) -> None:
    outside = tmp_path / "ailleurs.md"
    outside.write_text("---\ntitle: secret\n---\n", encoding="utf-8")
    content = tmp_path / "content"
    write(content, "ok.md", "---\ntitle: ok\n---\n")
    (content / "fuite.md").symlink_to(outside)
    (content / "dossier").symlink_to(tmp_path, target_is_directory=True)
    pages, errors = discover(make_settings(content))
    assert [p.source for p in pages] == ["ok.md"]
    assert [e.source for e in errors] == ["dossier", "fuite.md"]
    assert all("outside the content folder" in e.message for e in errors)
    with pytest.raises(ContentError, match="outside the content folder"):
        load_page(PageFile("fuite.md", content / "fuite.md"), make_settings(content))


def test_discover_follows_symlink_inside_the_content_folder_once(tmp_path: Path) -> None:
    write(tmp_path, "vrai/page.md", "---\ntitle: vraie\n---\n")
    (tmp_path / "alias.md").symlink_to(tmp_path / "vrai" / "page.md")
    (tmp_path / "vrai" / "boucle").symlink_to(tmp_path / "vrai", target_is_directory=True)
    pages, errors = discover(make_settings(tmp_path))
    assert [p.source for p in pages] == ["alias.md", "vrai/page.md"]
    assert errors == []


def test_fifo_is_reported_without_opening_it(tmp_path: Path) -> None:
    write(tmp_path, "ok.md", "---\ntitle: ok\n---\n")
    os.mkfifo(tmp_path / "tube.md")
    pages, errors = discover(make_settings(tmp_path))
    assert [p.source for p in pages] == ["ok.md"]
    assert [(e.source, "named pipe" in e.message) for e in errors] == [("tube.md", True)]
    # opening a FIFO would block this test forever: load_page must look first
    with pytest.raises(ContentError, match="not a regular file"):
        load_page(PageFile("tube.md", tmp_path / "tube.md"), make_settings(tmp_path))


def test_discover_reports_unreadable_folder_and_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "ok.md", "---\ntitle: ok\n---\n")
    write(tmp_path, "prive/page.md", "---\ntitle: privée\n---\n")
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        # tests run as root, which reads any folder: refuse this one as a chmod 000 would
        if str(path).endswith("prive"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    pages, errors = discover(make_settings(tmp_path))
    assert [p.source for p in pages] == ["ok.md"]
    assert [e.source for e in errors] == ["prive"]
    assert "Permission denied" in str(errors[0])


def test_discover_reports_missing_content_folder(tmp_path: Path) -> None:
    pages, errors = discover(make_settings(tmp_path / "absent"))
    assert pages == []
    assert len(errors) == 1 and "does not exist" in errors[0].message


def test_extensionless_file_is_never_an_html_page(tmp_path: Path) -> None:
    # Jekyll writes a file without extension as it is (no markdown conversion): not a page
    write(tmp_path, "_startups/fiche", "---\ntitle: Fiche\n---\nTexte.\n")
    write(tmp_path, "CNAME", "exemple.fr\n")
    found = read_files(make_settings(tmp_path))
    assert found.pages == []
    assert [s.source for s in found.skipped] == ["_startups/fiche"]
    assert found.skipped[0].reason.startswith("not an HTML page")
    assert page(tmp_path, "CNAME", "exemple.fr\n") == Skipped("CNAME", "no front matter (static file)")


# --- what is not indexed -------------------------------------------------------------------

@pytest.mark.parametrize(("source", "reason"), [
    ("cache.md", "published: false"),
    ("robots.md", "robots: noindex"),
    ("redirection.md", "redirect"),
    ("ancien.md", "redirect"),
    ("statique.html", "no front matter (static file)"),
    ("LICENSE", "no front matter (static file)"),
    ("_drafts/brouillon.md", "draft"),
    ("_brouillon.md", "draft (file name starts with '_')"),
    ("_includes/encart.md", "inside '_includes' (not rendered by Jekyll)"),
])
def test_pages_jekyll_would_not_index_are_skipped(source: str, reason: str) -> None:
    assert load_page(PageFile(source, DATA / source), make_settings(DATA)) == Skipped(source, reason)


@pytest.mark.parametrize("value", ["false", "no", "False", "off"])
def test_published_false_in_any_yaml_spelling_is_skipped(tmp_path: Path, value: str) -> None:
    result = page(tmp_path, "p.md", f"---\ntitle: x\npublished: {value}\n---\n")
    assert result == Skipped("p.md", "published: false")


def test_published_true_and_robots_index_are_indexed(tmp_path: Path) -> None:
    assert doc(tmp_path, "p.md", "---\ntitle: x\npublished: true\nrobots: index, follow\n---\n").title == "x"


def test_skipped_page_with_bad_date_is_not_an_error(tmp_path: Path) -> None:
    assert isinstance(page(tmp_path, "p.md", "---\npublished: false\ndate: demain\n---\n"), Skipped)


def test_html_page_with_front_matter_is_indexed_as_text(tmp_path: Path) -> None:
    result = load_page(PageFile("index.html", DATA / "index.html"), make_settings(DATA))
    assert isinstance(result, Document)
    assert result.url == "/"
    assert result.sections == (Section("", "", 0, "Bienvenue\nNos projets publics."),)


# --- errors --------------------------------------------------------------------------------

def test_markdown_without_front_matter_is_an_error_saying_what_to_do(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "# Titre\n\nTexte.\n")
    assert err.source == "p.md" and err.line == 1
    assert err.message == ("missing front matter: start the file with a line '---', the YAML, "
                           "and a closing '---'")


def test_front_matter_after_a_stray_line_is_reported_with_its_line(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "\n---\ntitle: x\n---\n")
    assert "found '---' on line 2" in err.message


def test_unclosed_front_matter_is_an_error(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\ntitle: x\n  ---\nTexte\n")
    assert err.line == 1
    assert err.message == "front matter is not closed: add a line '---' after the front matter"


def test_front_matter_handler_works_through_python_frontmatter() -> None:
    import frontmatter

    from casesearch.front_matter import JekyllFrontMatter

    text = "---\ntitle: no\npromotion: 012\n\ndate: 2019-02-30\n...\n# Titre\n\nTexte\n"
    post = frontmatter.loads(text, handler=JekyllFrontMatter())
    assert post.metadata == {"title": "no", "promotion": "012", "date": "2019-02-30"}
    assert post.content == "# Titre\n\nTexte"
    with pytest.raises(ValueError):   # python-frontmatter's default reads YAML 1.1
        frontmatter.loads(text.replace("...", "---"))


def test_blank_lines_in_front_matter_keep_error_lines_right(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\n\n\ntitle: a\ntwitter: @compte\n---\n")
    assert err.line == 5


def test_yaml_error_names_file_line_cause_and_fix(tmp_path: Path) -> None:
    err = error(tmp_path, "_posts/p.md", "---\nlayout: post\ntitle: Data EIG : un retour\n---\n")
    assert err.line == 3
    assert err.message == ("YAML error: mapping values are not allowed here "
                           "(quote the value if it contains ': ')")
    assert str(err).startswith("Error reading page '_posts/p.md', line 3: YAML error")


def test_yaml_error_line_is_the_line_in_the_file(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\na: 1\nb: 2\nc: 3\ntwitter: @compte\n---\n")
    assert err.line == 5
    assert "'@'" in err.message and "quote" in err.message


def test_tab_indentation_error_suggests_spaces(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\ntitle: x\nequipe:\n\t- a\n---\n")
    assert err.line == 4 and "spaces" in err.message


def test_front_matter_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\n- un\n- deux\n---\n")
    assert "not a mapping" in err.message and err.line == 2


@pytest.mark.parametrize("value", ["2019-02-30", "2019-13-01", "demain", "2019-01-01 10:00 XYZ"])
def test_invalid_front_matter_date_is_an_error_with_its_line(tmp_path: Path, value: str) -> None:
    err = error(tmp_path, "p.md", f"---\ntitle: x\ndate: {value}\n---\n")
    assert err.line == 3
    assert err.message.startswith(f"invalid date '{value}'") and "YYYY-MM-DD" in err.message


def test_invalid_date_in_file_name_is_an_error(tmp_path: Path) -> None:
    err = error(tmp_path, "_posts/2019-02-30-faux.md", "---\ntitle: x\n---\n")
    assert "file name" in err.message


def test_latin1_file_is_an_error_with_offset_and_line_not_guessed(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\ntitle: x\n---\n\nCaf\xe9\n".encode("latin-1"))
    assert err.line == 5
    assert "not valid UTF-8 (byte 0xE9 at offset 21)" in err.message and "re-save" in err.message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    assert doc(tmp_path, "p.md", b"\xef\xbb\xbf---\ntitle: Caf\xc3\xa9\n---\n").title == "Café"


def test_png_saved_as_markdown_is_binary_content(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20))
    assert "binary content (looks like a PNG image)" in err.message


def test_nul_byte_is_binary_content(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", b"---\ntitle: x\n---\nab\x00cd")
    assert "NUL byte at offset 19" in err.message


def test_oversized_file_is_an_error(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\ntitle: x\n---\n" + "mot " * 100, max_page_bytes=200)
    assert "too large" in err.message and "max_page_bytes" in err.message


@pytest.mark.parametrize("grown, refused", [(50, False), (500, True)])
def test_a_file_that_grew_since_its_stat_is_read_whole_or_refused(tmp_path: Path, monkeypatch, grown: int,
                                                                   refused: bool) -> None:
    """A file is read as long as its stat says (a read as long as max_page_bytes allocates
    that much for each file); one written to meanwhile is read on, up to the limit."""
    from casesearch import files

    text = "---\ntitle: x\n---\n" + "m" * grown
    real_lstat = os.lstat
    monkeypatch.setattr(files.os, "lstat", lambda path: os.stat_result(
        (*real_lstat(path)[:6], 20, *real_lstat(path)[7:])))   # st_size as when the file held 20 bytes
    if refused:
        err = error(tmp_path, "p.md", text, max_page_bytes=200)
        assert "too large" in err.message
    else:
        assert doc(tmp_path, "p.md", text, max_page_bytes=200).sections[0].text == "m" * grown


def test_caller_bytes_are_used_instead_of_reading(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    result = load_page(PageFile("absent.md", tmp_path / "absent.md"), settings, data=b"---\ntitle: Fourni\n---\n")
    assert isinstance(result, Document) and result.title == "Fourni"


def test_missing_file_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot read the file"):
        load_page(PageFile("absent.md", tmp_path / "absent.md"), make_settings(tmp_path))


# --- front matter values -------------------------------------------------------------------

def test_yaml_11_booleans_and_numbers_keep_their_written_text(tmp_path: Path) -> None:
    result = doc(tmp_path, "p.md", "---\ntitle: no\napercu: 0123\ntags: [yes, 007, 1.10, off]\n---\n")
    assert result.title == "no"
    assert result.summary == "0123"
    assert result.tags == ("yes", "007", "1.10", "off")


@pytest.mark.parametrize(("front_matter", "title"), [
    ("name: Nom\nnom: Autre", "Nom"),
    ("title: ~\nnom: Par nom", "Par nom"),
    ("title: ''\nlabel: Par label", "Par label"),
    ("title: ['', [Imbriqué, second]]", "Imbriqué"),
    ("title: 2019-01-01", "2019-01-01"),
    ("title: {fr: Dict}\nname: Repli", "Repli"),
    ("title: Titre **gras** &amp; [lien](http://x.fr)", "Titre gras & lien"),
])
def test_title_comes_from_the_first_title_key_with_text(tmp_path: Path, front_matter: str, title: str) -> None:
    assert doc(tmp_path, "p.md", f"---\n{front_matter}\n---\n").title == title


def test_title_falls_back_to_first_heading_then_file_name(tmp_path: Path) -> None:
    assert doc(tmp_path, "a.md", "---\nlayout: page\n---\nIntro\n\n## Premier titre\n").title == "Premier titre"
    assert doc(tmp_path, "_posts/2020-01-02-mon_beau-billet.md", "---\n---\nTexte\n").title == "mon beau billet"


def test_summary_from_summary_keys_lists_joined(tmp_path: Path) -> None:
    result = doc(tmp_path, "p.md", "---\ntitle: x\nmission: [Aider, les communes]\ndescription: >\n  Plus bas\n---\n")
    assert result.summary == "Plus bas"
    assert doc(tmp_path, "q.md", "---\nmission: [Aider, les communes]\n---\n").summary == "Aider les communes"


def test_tags_merge_topic_keys_and_comma_strings_without_duplicates() -> None:
    result = load_page(PageFile("_startups/boussole.md", DATA / "_startups/boussole.md"), make_settings(DATA))
    assert isinstance(result, Document)
    assert result.title == "Boussole"
    assert result.summary == "Orienter les habitants vers le bon guichet"
    assert result.tags == ("Vie locale", "social", "guichet")


def test_category_takes_first_of_a_list_and_is_empty_when_absent(tmp_path: Path) -> None:
    assert doc(tmp_path, "a.md", "---\ncategory: [Santé, Autre]\n---\n").category == "Santé"
    assert doc(tmp_path, "b.md", "---\ntitle: x\n---\n").category == ""


@pytest.mark.parametrize("front_matter", [
    "title:", "title: [[], {}, ~]", "date: ~", "tags: {a: b}", "tags: [[a, [b, [c]]], 3]",
    "lang: 42", "permalink: ~", "category: {x: 1}", "robots: [index]", "published: [x]",
    "base: &b {t: 1}\nautre:\n  <<: *b", "a: !!binary aGVsbG8=", "s: !!set {a, b}", "d: 2019-01-01",
    "l: &l [*l]",
])
def test_odd_front_matter_values_never_crash(tmp_path: Path, front_matter: str) -> None:
    assert isinstance(page(tmp_path, "p.md", f"---\n{front_matter}\n---\nTexte\n"), Document)


def test_alias_bomb_in_front_matter_does_not_hang(tmp_path: Path) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]
    result = doc(tmp_path, "p.md", "---\n" + "\n".join(levels) + "\ntags: *i\ntitle: *i\n---\n")
    assert result.title == "x" and result.tags == ("x",)


def test_unknown_yaml_tag_is_a_content_error(tmp_path: Path) -> None:
    err = error(tmp_path, "p.md", "---\ntitle: !ruby/object x\n---\n")
    assert err.message.startswith("YAML error")


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "iso"), [
    ("2015-05-29 18:48 CEST", "2015-05-29T18:48:00+02:00"),
    ("2015-01-10 10:00 CET", "2015-01-10T10:00:00+01:00"),
    ("2015-01-10 10:00:30 UTC", "2015-01-10T10:00:30+00:00"),
    ("2015-01-10T10:00:00Z", "2015-01-10T10:00:00+00:00"),
    ("2015-01-10 10:00 GMT", "2015-01-10T10:00:00+00:00"),
    ("2015-01-10 10:00:00 +0530", "2015-01-10T10:00:00+05:30"),
    ("2015-01-10 10:00:00 -03:00", "2015-01-10T10:00:00-03:00"),
    ("2019-01-01", "2019-01-01T00:00:00+01:00"),
    ("2019-07-01", "2019-07-01T00:00:00+02:00"),
    ("'2019-07-01 08:30'", "2019-07-01T08:30:00+02:00"),
    ("2019-07-01T08:30:00.25", "2019-07-01T08:30:00+02:00"),
    ("[2019-07-01, 2020-01-01]", "2019-07-01T00:00:00+02:00"),
    ("29/05/2015", "2015-05-29T00:00:00+02:00"),
])
def test_front_matter_dates_become_iso_with_offset(tmp_path: Path, value: str, iso: str) -> None:
    assert doc(tmp_path, "p.md", f"---\ntitle: x\ndate: {value}\n---\n").date == iso


def test_date_from_file_name_with_four_or_two_digit_year() -> None:
    settings = make_settings(DATA)
    long = load_page(PageFile("en/_posts/2020-01-15-city-maps.md", DATA / "en/_posts/2020-01-15-city-maps.md"), settings)
    short = load_page(PageFile("_posts/20-10-29-date-courte.md", DATA / "_posts/20-10-29-date-courte.md"), settings)
    assert isinstance(long, Document) and isinstance(short, Document)
    assert long.date == "2020-01-15T00:00:00+01:00"
    assert short.date == "2020-10-29T00:00:00+01:00"


def test_front_matter_date_wins_over_file_name(tmp_path: Path) -> None:
    assert doc(tmp_path, "_posts/2020-01-15-x.md", "---\ndate: 2021-06-01 12:00\n---\n").date == "2021-06-01T12:00:00+02:00"


def test_paris_offset_without_a_tz_database_follows_eu_summer_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from casesearch import dates

    monkeypatch.setattr(dates, "_PARIS", None)
    assert dates.parse_date("2019-03-31 01:59").isoformat() == "2019-03-31T01:59:00+01:00"
    assert dates.parse_date("2019-03-31 03:00").isoformat() == "2019-03-31T03:00:00+02:00"
    assert dates.parse_date("2019-10-27 01:00").isoformat() == "2019-10-27T01:00:00+02:00"
    assert dates.parse_date("2019-10-27 03:00").isoformat() == "2019-10-27T03:00:00+01:00"


def test_page_without_any_date_has_none(tmp_path: Path) -> None:
    assert doc(tmp_path, "a.md", "---\ntitle: x\n---\n").date is None


# --- language ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "code"), [
    ("french", "fr"), ("fr", "fr"), ("fr-FR", "fr"), ("fr_FR", "fr"), ("Français", "fr"), ("francais", "fr"),
    ("english", "en"), ("en", "en"), ("en-US", "en"), ("en-GB", "en"), ("anglais", "en"), ("EN", "en"),
    ("de", "de"), ("Deutsch", "de"), ("pt-BR", "pt"), ("klingon", "fr"), ("", "fr"),
])
def test_language_values_are_normalised(value: str, code: str) -> None:
    assert normalize_lang(value, "fr") == code


def test_language_from_lang_or_language_key_then_en_folder_then_default(tmp_path: Path) -> None:
    assert doc(tmp_path, "a.md", "---\nlang: english\n---\n").lang == "en"
    assert doc(tmp_path, "b.md", "---\nlanguage: fr_FR\n---\n").lang == "fr"
    assert doc(tmp_path, "en/c.md", "---\ntitle: x\n---\n").lang == "en"
    assert doc(tmp_path, "en/_posts/2020-01-01-d.md", "---\nlang: fr\n---\n").lang == "fr"
    assert doc(tmp_path, "enquete/e.md", "---\ntitle: x\n---\n").lang == "fr"
    assert doc(tmp_path, "f.md", "---\ntitle: x\n---\n", default_lang="de").lang == "de"


# --- URLs ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "front_matter", "url"), [
    ("_posts/2015-05-29-numa.md", "category: Blogging", "/blogging/2015/05/29/numa.html"),
    ("_posts/2015-05-29-numa.md", "categories: Ville Santé", "/ville/sant%C3%A9/2015/05/29/numa.html"),
    ("_posts/2015-05-29-numa.md", "title: x", "/2015/05/29/numa.html"),
    ("en/_posts/2018-05-23-key-factors.md", "title: x", "/en/2018/05/23/key-factors.html"),
    ("_posts/19-05-09-Chiffres-EIG.md", "title: x", "/2019/05/09/Chiffres-EIG.html"),
    ("_posts/2019-05-09-un_deux.md", "title: x", "/2019/05/09/un_deux.html"),   # :title keeps '_'
    ("_posts/2019-05-09-Été.Mer.md", "title: x", "/2019/05/09/%C3%89t%C3%A9.Mer.html"),
    ("_posts/2019-05-09-x.md", "slug: Mon Titre_2", "/2019/05/09/Mon-Titre_2.html"),
    ("_startups/boussole.md", "title: x", "/startups/boussole/"),
    ("_startups/data.gouv.fr.md", "title: x", "/startups/data.gouv.fr/"),
    ("_defis/sous/dossier.md", "title: x", "/defis/sous/dossier/"),
    ("a-propos.md", "title: x", "/a-propos.html"),
    ("guide/index.md", "title: x", "/guide/"),
    ("index.md", "title: x", "/"),
    ("été-à-paris.md", "title: x", "/%C3%A9t%C3%A9-%C3%A0-paris.html"),
    ("_pages/x.md", "permalink: /accessibilite/", "/accessibilite/"),
    ("_pages/y.md", "permalink: /fast/sélection", "/fast/s%C3%A9lection"),
    ("en/_posts/18-05-23-facteurs.md", "permalink: /en/blog/:year/:month/:day/:title.html",
     "/en/blog/2018/05/23/facteurs.html"),
    ("_startups/z.md", "permalink: /:collection/:name/", "/startups/z/"),
])
def test_urls_follow_jekyll_permalinks(tmp_path: Path, source: str, front_matter: str, url: str) -> None:
    assert doc(tmp_path, source, f"---\n{front_matter}\n---\n").url == url


def test_base_url_prefixes_urls_without_double_slash(tmp_path: Path) -> None:
    result = doc(tmp_path, "a-propos.md", "---\ntitle: x\n---\n", base_url="https://exemple.fr/site/")
    assert result.url == "https://exemple.fr/site/a-propos.html"


def test_post_permalink_setting_is_used(tmp_path: Path) -> None:
    result = doc(tmp_path, "_posts/2015-05-29-numa.md", "---\ncategory: b\n---\n",
                 post_permalink="/blog/:year/:title/")
    assert result.url == "/blog/2015/numa/"


# --- markdown to text ----------------------------------------------------------------------

def test_kramdown_heading_without_space_starts_section() -> None:
    assert body_sections("Intro\n\n##Prochaines étapes ##\nSuite\n") == [
        Section("", "", 0, "Intro"), Section("Prochaines étapes", "prochaines-tapes", 2, "Suite")]


def test_html_heading_line_starts_a_section_linked_by_its_own_id() -> None:
    sections = body_sections('Intro\n\n<h3 id="bilan-2024">Bilan <em>2024</em></h3>\nTexte 2024.\n\n'
                             "<h2>Sans id</h2>\nAutre.\n")
    assert sections[1:] == [Section("Bilan 2024", "bilan-2024", 3, "Texte 2024."),
                            Section("Sans id", "", 2, "Autre.")]   # raw HTML gets no auto id


def test_gfm_heading_ids_keep_accented_letters_as_jekylls_default_input_does() -> None:
    from casesearch.markdown import to_sections

    # kramdown's own parser needs a blank line before an ATX heading; GFM does not
    text = "# Arrêt de la startup d'état !\nx\n\n# 📅 Prochaines étapes\ny\n\n# Impact\na\n\n# Impact\nb\n"
    assert [s.anchor for s in to_sections(text, ids="gfm")] == [
        "arrêt-de-la-startup-détat-", "-prochaines-étapes", "impact", "impact-1"]
    assert [s.anchor for s in to_sections(text)] == [
        "arrt-de-la-startup-dtat-", "prochaines-tapes", "impact", "impact-1"]


def test_setext_headings_and_dash_line_under_paragraph() -> None:
    sections = body_sections("Titre\n=====\nCorps\n\nSous-titre\n---\nTexte\n\n---\n\nFin\n")
    assert [(s.heading, s.level, s.text) for s in sections] == [
        ("Titre", 1, "Corps"), ("Sous-titre", 2, "Texte\nFin")]


def test_duplicate_headings_get_kramdown_suffixes() -> None:
    sections = body_sections("# Impact\na\n\n# Impact\nb\n\n# Impact\nc\n\n# 2020\nd\n\n# Été\ne\n")
    assert [s.anchor for s in sections] == ["impact", "impact-1", "impact-2", "section", "t"]


def test_explicit_header_ids_win() -> None:
    sections = body_sections("# Titre {#perso}\na\n\n## Autre\n{: #autre-id .classe}\nb\n\n## Autre\nc\n")
    assert [(s.heading, s.anchor) for s in sections] == [("Titre", "perso"), ("Autre", "autre-id"), ("Autre", "autre")]


def test_anchor_is_made_from_the_raw_heading_like_kramdown() -> None:
    sections = body_sections("## Voir **le** [site](http://x.fr)\n")
    assert (sections[0].heading, sections[0].anchor) == ("Voir le site", "voir-le-sitehttpxfr")


def test_fenced_code_keeps_text_but_not_fences_or_headings() -> None:
    sections = body_sections("Avant\n\n```python\n# pas un titre\nvaleur = 1\n```\n\n~~~\n## non plus\n~~~\n")
    assert sections == [Section("", "", 0, "Avant\n# pas un titre valeur = 1\n## non plus")]


def test_attribute_lists_extensions_and_comments_are_dropped() -> None:
    text = text_of("{::options parse_block_html=\"true\" /}\nA {:.rouge} b\n{: .bloc}\n"
                   "{::comment}\nsecret\n{:/comment}\n[lien](/x){:target=\"_blank\"}\n")
    # the block IAL closes the paragraph above it, as in kramdown
    assert text == "A b\nlien"


def test_liquid_tags_and_blocks_are_removed() -> None:
    text = text_of("Début {% include carte.html id=3 %} {{ page.title | upcase }}\n"
                   "{% comment %}\nnote interne\n{% endcomment %}\n{% raw %}brut{% endraw %} fin\n")
    # the comment block leaves a blank line behind, as after Liquid rendering
    assert text == "Début\nbrut fin"


def test_html_tags_removed_text_kept_and_scripts_dropped() -> None:
    text = text_of('<div class="x"><p>Un <em>mot</em></p>\n<script>var s = 1;</script><style>p {}</style>\n'
                   '<noscript>activez</noscript><svg><text>dessin</text></svg>'
                   '<iframe src="https://video.fr/1"></iframe><!-- note\ncachée -->Suite &eacute;t&eacute; &amp; R&amp;D</div>')
    assert text == "Un mot\nSuite été & R&D"


def test_links_images_references_and_autolinks() -> None:
    text = text_of("Voir [le site](https://x.fr/a_(b) \"T\"), ![une carte](c.png), [la ref][r], "
                   "<https://auto.fr> et [^1].\n\n[r]: https://ref.fr\n[^1]: La note.\n")
    assert text == "Voir le site, une carte, la ref, et .\nLa note."


def test_emphasis_removed_but_snake_case_kept() -> None:
    assert text_of("*un* **deux** _trois_ __quatre__ ~~cinq~~ `six_sept` snake_case \\*étoile\\*") == (
        "un deux trois quatre cinq six_sept snake_case *étoile*")


def test_lists_quotes_tables_and_rules() -> None:
    text = text_of("- un\n* deux\n+ trois\n1. quatre\n- [x] cinq\n\n> cité\n> encore\n\n***\n\n"
                   "| a | b |\n|:--|--:|\n| c | d |\n")
    assert text == "un\ndeux\ntrois\nquatre\ncinq\ncité encore\na b\nc d"


def test_unicode_is_normalised_spaces_and_invisible_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "Été")
    text = text_of(f"{decomposed} a\u00a0: b\u202f? c\u200bd e\u2060f\ufeff g\u00adh Entrepreneur·e\n")
    assert text == "Été a : b ? cd ef gh Entrepreneur·e"
    assert unicodedata.is_normalized("NFC", text)


def test_whitespace_collapsed_and_paragraphs_kept() -> None:
    assert text_of("un   deux\ntrois\n\n\n\tquatre  \n") == "un deux trois\nquatre"


def test_empty_intro_is_omitted_and_empty_heading_section_kept() -> None:
    assert body_sections("\n\n## Seul\n") == [Section("Seul", "seul", 2, "")]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_only_files_parse_front_matter_included(tmp_path: Path, newline: str) -> None:
    text = newline.join(["---", "title: Fin de ligne", "date: 2019-07-01", "---", "##Titre", "Texte", ""])
    result = doc(tmp_path, "p.md", text)
    assert (result.title, result.date) == ("Fin de ligne", "2019-07-01T00:00:00+02:00")
    assert result.sections == (Section("Titre", "titre", 2, "Texte"),)


def test_rich_kramdown_page_from_test_data() -> None:
    source = "_posts/2019-03-14-carte-des-fontaines.md"
    result = load_page(PageFile(source, DATA / source), make_settings(DATA))
    assert isinstance(result, Document)
    assert result.url == "/ville/2019/03/14/carte-des-fontaines.html"
    assert result.date == "2019-03-14T09:30:00+01:00"
    assert result.tags == ("eau", "cartographie")
    assert [(s.heading, s.anchor, s.level) for s in result.sections] == [
        ("", "", 0), ("CONTEXTE", "contexte", 5), ("Prochaines étapes", "prochaines-tapes", 2),
        ("Le bilan", "le-bilan", 2)]
    assert result.sections[0].text == "Chaque été, les habitants cherchent une fontaine. Voici fontaine_id et la carte."
    assert result.sections[3].text == "Un tableau :\nQuartier Fontaines\nCentre 120"
    assert "exemple.fr" not in result.body and "video" not in result.body and "encart" not in result.body


# --- the real corpus -----------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(bool(shared_missing(CORPUS)), reason=shared_missing(CORPUS) or "-")


def _load_all(site: Path) -> tuple[int, dict[str, list[object]]]:
    settings = make_settings(site)
    pages, errors = discover(settings)
    assert errors == []
    results: dict[str, list[object]] = {"Document": [], "Skipped": [], "ContentError": []}
    for p in pages:
        try:
            result = load_page(p, settings)
        except ContentError as exc:
            results["ContentError"].append(exc)
        else:
            results[type(result).__name__].append(result)
    return len(pages), results


@needs_corpus
@pytest.mark.parametrize("site", ["beta.gouv.fr", "site-eig"])
def test_corpus_sites_load(site: str) -> None:
    total, results = _load_all(CORPUS / site)
    assert total > 300
    assert len(results["Document"]) + len(results["Skipped"]) >= 0.95 * total
    documents = results["Document"]
    assert all(isinstance(d, Document) and d.title and d.url.startswith("https://") for d in documents)


@needs_corpus
def test_corpus_bad_files_give_content_error_or_skip_never_another_exception() -> None:
    bad = CORPUS / "bad"
    settings = make_settings(bad)
    rows = [line.split("\t") for line in (bad / "INDEX.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    outcomes: dict[str, set[str]] = {}
    for row in rows:
        source, category = row[0], row[4]
        try:
            result = load_page(PageFile(source, bad / source), settings)
            outcome = type(result).__name__
        except ContentError:
            outcome = "ContentError"
        # any other exception fails the test here
        if outcome == "Document" and category == "unclosed-frontmatter":
            # CR-only files: the '---' lines are there once CR is read as a line end
            assert b"\r" in (bad / source).read_bytes() and b"\r\n" not in (bad / source).read_bytes()
        outcomes.setdefault(category, set()).add(outcome)
    assert len(rows) == 157
    assert outcomes["yaml-error"] == {"ContentError"}
    assert outcomes["no-frontmatter"] == {"ContentError", "Skipped"}
    assert outcomes["unclosed-frontmatter"] == {"ContentError", "Document"}
    # their invalid dates sit in `phases`/`events`, not in the page date: Jekyll keeps such
    # values as text and builds the page, and so do we
    assert outcomes["yaml-value-error(ValueError)"] == {"Document"}


@needs_corpus
def test_corpus_cr_only_file_parses() -> None:
    bad = CORPUS / "bad"
    source = "site-eig/unclosed-frontmatter/a69bb77b67___defis__2019-01-01-academie-de-clermont-ferrand.md"
    assert b"\n" not in (bad / source).read_bytes()[:-1]
    result = load_page(PageFile(source, bad / source), make_settings(bad))
    assert isinstance(result, Document)
    assert result.title == "Académie de Clermont-Ferrand"


@needs_corpus
def test_corpus_nfd_file_comes_out_nfc() -> None:
    site = CORPUS / "beta.gouv.fr"
    source = "content/_startups/kamehameha.md"
    raw = (site / source).read_text(encoding="utf-8")
    assert not unicodedata.is_normalized("NFC", raw)
    result = load_page(PageFile(source, site / source), make_settings(site))
    assert isinstance(result, Document)
    assert unicodedata.is_normalized("NFC", result.body)
    assert "harcèlement scolaire" in result.body


@needs_corpus
def test_corpus_english_pages_under_en_are_english() -> None:
    site = CORPUS / "site-eig"
    settings = make_settings(site)
    sources = sorted(p.relative_to(site).as_posix() for p in (site / "en" / "_posts").iterdir())
    results = [load_page(PageFile(s, site / s), settings) for s in sources]
    assert len(results) >= 5
    assert {r.lang for r in results if isinstance(r, Document)} == {"en"}
    french = load_page(PageFile("_posts/" + sources[0].rsplit("/", 1)[1], site / "_posts" / sources[0].rsplit("/", 1)[1]),
                       settings)
    assert isinstance(french, Document) and french.lang == "fr"


@needs_corpus
def test_corpus_heading_without_space_follows_the_sites_markdown_parser() -> None:
    site = CORPUS / "beta.gouv.fr"
    source = "content/_startups/data-demineur.md"
    raw = (site / source).read_text(encoding="utf-8")
    heading = next(line for line in raw.splitlines() if line.startswith("##") and line[2:3] not in ("#", " "))
    title = heading.lstrip("#").strip()
    # the site builds with Jekyll's default GFM input: '##Titre' is a paragraph there, so no anchor
    gfm = load_page(PageFile(source, site / source), make_settings(site))
    assert isinstance(gfm, Document)
    assert title not in [s.heading for s in gfm.sections] and title in gfm.body
    # kramdown's own parser (heading_ids = "kramdown" in casesearch.toml) makes it a section
    own = load_page(PageFile(source, site / source),
                    make_settings(site, heading_ids="kramdown", explicit=frozenset({"heading_ids"})))
    assert title in [s.heading for s in own.sections]


@pytest.mark.parametrize("body, text", [
    # an unmatched "[" stays text and the link inside it is the link, as kramdown shows it
    ("Le [rapport du sénat, [Flotte aérienne](https://example.org/r) souligne.",
     "Le [rapport du sénat, Flotte aérienne souligne."),
    ("![Une longue description " + "très " * 200 + "détaillée](img.png)", "Une longue description " + "très " * 199
     + "très détaillée"),
    ("{{ page.title }} et {% include note.html %} puis {{{{ texte", "et puis {{{{ texte"),
    ("Écrire à <contact@example.org> ou <<<<.", "Écrire à ou <<<<."),
])
def test_markup_is_removed_as_kramdown_shows_it(body: str, text: str) -> None:
    assert [s.text for s in to_sections(body)] == [text]

