"""The search box on a static bundle, in a real browser: an exported site served by
`python -m http.server` (no casesearch service anywhere), Debian's chromium driven by
Playwright. The box is set to the bundle with one attribute, data-source="static:/search/"."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from playwright.sync_api import expect
from test_browser import browser, checked_page  # noqa: F401 - browser: the shared chromium fixture

from casesearch.config import load_settings
from casesearch.export import bundle
from casesearch.indexer import reindex
from casesearch.searcher import Searcher

PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8"><link rel="icon" href="data:,"><title>Un site statique</title>
<h1>Rechercher</h1>
<div data-casesearch data-source="static:/search/" data-layout="inline"></div>
<script src="/search/casesearch.js" defer></script>
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def static_site(tmp_path_factory):
    """The project's content exported into a site folder served as plain files."""
    base = tmp_path_factory.mktemp("static")
    settings = load_settings({"content_dir": ROOT / "content", "index_dir": base / "index"}, environ={})
    reindex(settings)
    root = base / "site"
    bundle.export(settings, root / "search")   # the box's script and stylesheet come with it
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", root, settings
    finally:
        server.terminate()
        server.wait(timeout=5)


@pytest.fixture
def page(browser):  # noqa: F811 - the fixture imported above
    with checked_page(browser, timeout_ms=8000) as page:
        yield page


def test_the_box_finds_pages_in_the_bundle_with_marks_and_section_links(static_site, page):
    origin, _root, settings = static_site
    searcher = Searcher(settings)
    try:
        expected = searcher.search("données de santé", per_page=8)
    finally:
        searcher.close()
    assert expected.hits and expected.hits[0].sections
    page.goto(origin + "/")
    page.get_by_role("searchbox").fill("données de santé")
    # inline: a plain list of links (test_a11y.py); a drop-down's options are role=option
    options = page.get_by_role("list", name="Résultats de la recherche").get_by_role("listitem")
    expect(options.first).to_be_visible()
    first = options.first
    expect(first).to_contain_text(expected.hits[0].title)
    assert first.locator("mark").count() > 0
    section = page.locator(f'a[href$="#{expected.hits[0].sections[0].anchor}"]')
    expect(section.first).to_be_attached()
    assert section.first.get_attribute("href") == expected.hits[0].sections[0].url


def fetched_files(page) -> list[tuple[str, int]]:
    """(path, bytes of the body as sent) of every file the page fetched, in order."""
    return page.evaluate("""performance.getEntriesByType("resource")
        .map(e => [new URL(e.name).pathname, e.encodedBodySize])""")


def test_one_search_fetches_the_module_the_entry_and_only_the_files_it_needs(static_site, page):
    origin, root, _settings = static_site
    page.goto(origin + "/")
    page.wait_for_load_state("networkidle")
    before = {url.removeprefix("/search/") for url, _ in fetched_files(page) if url.startswith("/search/")}
    assert before == set(bundle.BOX)   # the box, and none of the bundle's data before a search
    page.get_by_role("searchbox").fill("logiciels libres")
    expect(page.locator(".cs-option").first).to_be_visible()
    # every file the results were made of has its timing entry by now (an entry is added when
    # its response ends, before the page's code can read it): no race with network events
    fetched = fetched_files(page)
    bundle_files = {url.removeprefix("/search/"): size for url, size in fetched if url.startswith("/search/")}
    entry = json.loads((root / "search" / bundle.ENTRY).read_text("utf-8"))
    assert {bundle.ENTRY, bundle.CLIENT, entry["analysis"], entry["page_data"], entry["page_meta"]} <= set(bundle_files)
    chunks = {name for _, name in entry["chunks"]}
    fragments = [name for name in bundle_files if name.startswith("fragments/")]
    assert 1 <= len(fragments) <= 8 and 1 <= len(chunks & set(bundle_files)) <= 4
    assert all(size > 0 for size in bundle_files.values())
    everything = sum(p.stat().st_size for p in (root / "search").rglob("*") if p.is_file())
    assert sum(bundle_files.values()) < everything   # piecemeal, not the whole bundle
    assert len(fetched) == len({url for url, _ in fetched})   # no file twice
    assert entry["vocabulary"] not in bundle_files   # no typo to correct
    words = {name for _, name, _counts in entry["words"]}
    assert 1 <= len(words & set(bundle_files)) <= 2   # the completions of "libres": a piece or two


def test_an_english_page_gets_an_english_box_with_dates(static_site, page):
    origin, root, settings = static_site
    (root / "en.html").write_text(PAGE.replace('lang="fr"', 'lang="en-GB"'), encoding="utf-8")
    searcher = Searcher(settings)
    try:
        expected = searcher.search("logiciels libres", per_page=8)
    finally:
        searcher.close()
    dated = next(h for h in expected.hits if h.date)
    page.goto(origin + "/en.html")
    expect(page.get_by_label("Search this site")).to_be_visible()
    page.get_by_role("searchbox").fill("logiciels libres")
    expect(page.get_by_role("status")).to_have_text(f"{expected.total} results for “logiciels libres”")
    year, month, day = dated.date[:10].split("-")
    month_name = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"][int(month) - 1]
    expect(page.locator(".cs-meta").first).to_contain_text(f"{int(day)} {month_name} {year}")
    expect(page.get_by_text("in the section").first).to_be_attached()


@pytest.mark.parametrize("scheme, theme, background", [
    ("light", "", "rgb(255, 255, 255)"), ("dark", "", "rgb(22, 22, 22)"),
    ("dark", "light", "rgb(255, 255, 255)"), ("light", "dark", "rgb(22, 22, 22)")])
def test_dark_mode_follows_the_visitor_unless_the_site_sets_a_theme(static_site, browser, scheme, theme,  # noqa: F811
                                                                   background):
    origin, root, _settings = static_site
    name = f"theme-{theme or 'auto'}.html"
    html = PAGE.replace('data-layout="inline"', f'data-layout="inline" data-theme="{theme}"') if theme else PAGE
    (root / name).write_text(html, encoding="utf-8")
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{origin}/{name}")
        box = page.get_by_role("searchbox")
        expect(box).to_be_visible()
        assert box.evaluate("e => getComputedStyle(e).backgroundColor") == background
    finally:
        context.close()
