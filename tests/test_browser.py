"""The search page and the widget in a real browser: Debian's chromium driven headless by
Playwright (the system browser; a browser is never downloaded). `make test` installs it."""

from __future__ import annotations

import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, write_pages
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from casesearch.config import load_settings, replace
from casesearch.indexer import reindex
from casesearch.searcher import Searcher
from casesearch.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags chromium reaches for the network, which is closed here.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EVIL = "&lt;img src=x onerror=window.pwned=1&gt; &lt;script&gt;window.pwned=2&lt;/script&gt;"


def serve(app) -> tuple[str, object, threading.Thread]:
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{httpd.server_port}", httpd, thread


def stop(httpd, thread: threading.Thread) -> None:
    httpd.shutdown()
    thread.join(timeout=5)
    httpd.server_close()


@pytest.fixture(scope="module")
def site():
    """Another origin where a site embeds the widget; a real server (a page answered by
    page.route would count as public, and chromium keeps public pages off loopback)."""
    holder: dict[str, str] = {}

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [holder["html"].encode()]

    origin, httpd, thread = serve(app)
    try:
        yield origin, holder
    finally:
        stop(httpd, thread)


@pytest.fixture(scope="module")
def server(tmp_path_factory, site):
    """The app on a free port of 127.0.0.1: the project's content plus a page showing tags as
    text; the `site` fixture's origin is allowed by CORS."""
    base = tmp_path_factory.mktemp("browser")
    content = base / "content"
    shutil.copytree(ROOT / "content", content)
    write_pages(content, {"piege.md": f"---\ntitle: 'Piège {EVIL}'\n---\nUn texte piège {EVIL} pour voir.\n"})
    settings = load_settings({"content_dir": content, "index_dir": base / "index"}, environ={})
    reindex(settings)
    # a limit other than the default: the widget must read it from the API's description
    settings = replace(settings, cors_origins=(site[0],), max_query_chars=150)
    app = create_app(settings)
    base, httpd, thread = serve(app)
    try:
        yield base, settings
    finally:
        stop(httpd, thread)
        app.extensions["casesearch"]["searcher"].close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`, "
                    "which `make test` does); the browser test never downloads a browser")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def checked_page(browser, timeout_ms: int = 5000, **options):
    """A new page in a fresh context (options: more of new_context's, e.g. color_scheme); an
    error in the page or its console fails the test."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR", **options})
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser):
    with checked_page(browser) as page:
        # Section links point at the site's own pages, which this service does not serve: a stub answers.
        page.route(re.compile(r".*/blogging/.*"), lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>page du site</title><h1 id=ambition>ok</h1>"))
        yield page


def first_section_url(settings, text: str) -> str:
    searcher = Searcher(settings)
    try:
        return searcher.search(text, per_page=8).hits[0].sections[0].url
    finally:
        searcher.close()


def test_typing_formation_shows_marked_results_and_a_section_link_navigates(server, page):
    base, settings = server
    expected = first_section_url(settings, "formation")
    assert re.fullmatch(r"/blogging/2015/05/29/le-gouvernement-et-numa\.html#\w+", expected)
    page.goto(base + "/")
    # the search page's box is a search field over a list of links (inline layout)
    box = page.get_by_role("searchbox", name="Votre recherche")
    box.press_sequentially("formation", delay=30)
    results = page.get_by_role("list", name="Résultats de la recherche")
    expect(results).to_be_visible()
    expect(box).to_have_attribute("aria-controls", results.get_attribute("id"))
    expect(results.locator("mark").first).to_have_text(re.compile("formation", re.I))
    expect(page.get_by_role("status")).to_contain_text("résultat")
    section = results.locator(".cs-section a").first
    expect(section).to_have_attribute("href", expected)
    expect(section).to_contain_text("dans la section")
    expect(section).to_have_accessible_name(re.compile(r"^.+ — dans la section \S"))
    section.click()
    page.wait_for_url(f"**{expected}")
    assert page.url == base + expected


def test_keyboard_moves_through_options_and_enter_opens_one(server, site, page):
    """The drop-down (the default layout) is the ARIA combobox; the search page's own
    keyboard, Tab and arrows through links, is in test_a11y.py."""
    base, settings = server
    origin, holder = site
    holder["html"] = (f'<!doctype html><html lang="fr"><title>site</title><body>'
                      f'<div data-casesearch data-query="formation"></div>'   # the page starts with a query
                      f'<script src="{base}/static/casesearch.js" defer></script>')
    page.goto(f"{origin}/")
    box = page.get_by_role("combobox")
    expect(box).to_have_value("formation")
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    box.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(0).get_attribute("id"))
    box.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    box.press("ArrowUp")   # wraps to the last option
    expect(options.last).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")   # wraps to the first
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    assert options.nth(1).locator("a, button, [tabindex]").count() == 0   # nothing interactive inside
    target = options.nth(1).get_attribute("data-href")
    box.press("Enter")
    page.wait_for_url(f"**{target}")


def test_no_result_offers_the_suggestion(server, page):
    base, _ = server
    page.goto(base + "/")
    box = page.get_by_role("searchbox")
    box.fill("xqzwvk")
    expect(page.get_by_role("status")).to_have_text("Aucun résultat pour « xqzwvk ».")
    results = page.get_by_role("list", name="Résultats de la recherche")
    expect(results).to_be_hidden()
    box.fill("gouvernemnt")   # a typo: the correction is offered and one click searches it
    suggestion = page.get_by_role("button", name="gouvernement")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(box).to_have_value("gouvernement")
    expect(results.locator("mark").first).to_be_visible()


def test_content_stays_text_in_the_widget(server, page):
    base, _ = server
    page.goto(base + "/")
    page.get_by_role("searchbox").fill("piège")
    title = page.locator(".cs-hit .cs-title").first
    expect(title).to_contain_text("<img src=x onerror=window.pwned=1>")
    expect(title).to_contain_text("<script>window.pwned=2</script>")
    assert page.locator(".cs-box img, .cs-box script").count() == 0
    assert page.evaluate("window.pwned") is None


def test_phone_width_has_no_sideways_scroll(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(base + "/")
        page.get_by_role("searchbox").fill("formation numérique")
        expect(page.locator(".cs-hit").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = page.get_by_role("searchbox").bounding_box()
        assert box is not None and box["width"] > 300
    finally:
        context.close()


def test_one_script_tag_and_one_element_embed_it_on_another_site(server, site, page):
    """A site on another origin (allowed by cors_origins) adds the widget with two lines."""
    base, settings = server
    origin, holder = site
    holder["html"] = (f'<!doctype html><html lang="fr"><title>site</title><body><h1>Mon site</h1>'
                      f'<div data-casesearch></div><script src="{base}/static/casesearch.js" defer></script>')
    page.goto(f"{origin}/")
    box = page.get_by_role("combobox")
    # its limits come from the service's /api/openapi.json, across origins
    expect(box).to_have_attribute("maxlength", str(settings.max_query_chars))
    box.press_sequentially("open data", delay=20)
    expect(page.get_by_role("option").first).to_be_visible()   # the API answered across origins
    expect(page.locator("link[href$='casesearch.css']")).to_have_count(1)   # styles came along
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")


def test_more_results_appends_the_next_page_until_the_last(server, site, page):
    """data-per-page sets the page size; "Plus de résultats" adds the next page under the first."""
    base, _ = server
    origin, holder = site
    holder["html"] = (f'<!doctype html><html lang="fr"><title>site</title><body>'
                      f'<div data-casesearch data-per-page="2"></div>'
                      f'<script src="{base}/static/casesearch.js" defer></script>')
    page.goto(f"{origin}/")
    page.get_by_role("combobox").fill("publique")
    hits = page.locator(".cs-hit")
    more = page.get_by_role("button", name="Plus de résultats")
    expect(hits).to_have_count(2)
    status = page.get_by_role("status")
    expect(status).to_have_text("5 résultats pour « publique »")
    first = hits.first.get_attribute("data-href")
    more.click()
    expect(hits).to_have_count(4)
    more.click()
    expect(hits).to_have_count(5)
    expect(more).to_be_hidden()   # the last page is there
    expect(hits.first).to_have_attribute("data-href", first)   # appended, not replaced
    expect(status).to_have_text("5 résultats pour « publique »")
    ids = page.get_by_role("option").evaluate_all("options => options.map(o => o.id)")
    assert len(ids) == len(set(ids))


def test_short_text_and_escape_clear_the_results_and_the_address(server, page):
    base, _ = server
    page.goto(base + "/?q=formation")
    box = page.get_by_role("searchbox")
    results = page.get_by_role("list", name="Résultats de la recherche")
    links = results.get_by_role("link")
    notice, status = page.locator(".cs-notice"), page.get_by_role("status")
    expect(results).to_be_visible()
    box.fill("f")   # under two characters: nothing is searched and the results go
    expect(results).to_be_hidden()
    expect(page.locator(".cs-option")).to_have_count(0)
    expect(notice).to_be_empty()
    expect(status).to_be_empty()
    expect(page).to_have_url(base + "/?q=f")
    box.fill("formation")
    expect(links.first).to_be_visible()
    expect(page).to_have_url(base + "/?q=formation")
    box.press("ArrowDown")   # inline, the arrow goes to the first link
    expect(links.first).to_be_focused()
    page.keyboard.press("Escape")   # first Escape leaves the results for the box
    expect(box).to_be_focused()
    expect(box).to_have_value("formation")
    expect(links.first).to_be_visible()
    box.press("Escape")   # the second empties the box
    expect(box).to_have_value("")
    expect(notice).to_be_empty()
    expect(status).to_be_empty()
    expect(page).to_have_url(base + "/")


def test_a_refused_query_says_the_limits_read_from_the_api(server, browser):
    """A 400 from the API: the notice gives the service's limits, not the widget's defaults.
    Its own context: chromium logs the 400 as a console error, which `page` would count."""
    base, settings = server
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(5000)
    page = context.new_page()
    try:
        page.goto(base + "/")
        box = page.get_by_role("searchbox")
        expect(box).to_have_attribute("maxlength", str(settings.max_query_chars))
        box.fill(" ".join(["mot"] * (settings.max_query_terms + 1)))
        status = page.get_by_role("status")
        expect(status).to_have_text(f"Cette recherche n'est pas acceptée : {settings.max_query_chars} "
                                    f"caractères et {settings.max_query_terms} mots au plus.")
        notice = page.locator(".cs-notice")   # the status is heard; this, its twin on screen, shows
        expect(notice).to_have_text(status.text_content())
        expect(notice).to_have_class(re.compile(r"\bcs-error\b"))
        results = page.get_by_role("list", name="Résultats de la recherche")
        expect(results).to_be_hidden()
        box.fill("formation")   # the next answer takes the error away
        expect(results.get_by_role("link").first).to_be_visible()
        expect(notice).not_to_have_class(re.compile(r"\bcs-error\b"))
        expect(status).to_contain_text("résultat")
    finally:
        context.close()
