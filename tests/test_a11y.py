"""Accessibility of the search box (WCAG 2.1 AA, which the RGAA builds on), in a real browser:
axe-core (npm, pinned in package.json; `make test` installs it) runs in Debian's chromium on
the service's page and on a box embedded in another site, in five states and both colour
schemes; then the keyboard and the live region, as a screen reader's user meets them."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from playwright.sync_api import expect
from test_browser import browser, checked_page, server, site  # noqa: F401 - shared fixtures

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]
# a page of a site, with its landmarks and heading: what axe reports is the box's own doing
EMBEDDING = """<!doctype html><html lang="fr"><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Un site</title><header><p>Un site</p>{box}</header>
<main><h1>Bienvenue</h1><p>Le texte de la page.</p></main>
<script src="{base}/static/casesearch.js" defer></script>"""


def axe_violations(page) -> list[str]:
    """axe's violations of TAGS on the page as "rule (impact): node, node..." lines."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (which `make test` does)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    # preload: false, or axe fetches the box's stylesheet from the service, across origins, for
    # css-orientation-lock alone, an experimental rule that these tags do not run
    found = page.evaluate("""tags => axe.run(document, {runOnly: {type: "tag", values: tags}, preload: false})
        .then(result => result.violations.map(v =>
            v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", ")))""", TAGS)
    return found


def states(page, box) -> dict[str, list[str]]:
    """axe in the five states: empty, results, an option chosen, no result, a phone's width."""
    found = {"empty": axe_violations(page)}
    box.press_sequentially("formation", delay=20)
    expect(page.locator(".cs-hit").first).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(re.compile("^[0-9]+ résultats? pour « formation »"))
    found["results"] = axe_violations(page)
    box.press("ArrowDown")
    found["ArrowDown"] = axe_violations(page)
    box.fill("xqzwvk")
    expect(page.get_by_role("status")).to_have_text("Aucun résultat pour « xqzwvk ».")
    found["no result"] = axe_violations(page)
    page.set_viewport_size({"width": 375, "height": 740})
    box.fill("formation")
    expect(page.locator(".cs-hit").first).to_be_visible()
    found["375 px"] = axe_violations(page)
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_search_page(server, browser, scheme):
    base, _ = server
    # the page's policy forbids inline scripts, which is how axe comes in
    with checked_page(browser, bypass_csp=True, color_scheme=scheme) as page:
        page.goto(base + "/")
        found = states(page, page.get_by_label("Votre recherche"))
    assert found == {state: [] for state in found}, found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_a_box_embedded_in_a_site(server, site, browser, scheme):
    base, _ = server
    origin, holder = site
    holder["html"] = EMBEDDING.format(base=base, box="<div data-casesearch></div>")
    with checked_page(browser, color_scheme=scheme) as page:
        page.goto(origin + "/")
        found = states(page, page.get_by_label("Rechercher sur le site"))
    assert found == {state: [] for state in found}, found


def stub_site_pages(page) -> None:
    """Results point at the site's own pages, which no server here holds: a stub answers."""
    page.route(re.compile(r".*/blogging/.*"), lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>page du site</title><h1>ok</h1>"))


def search_formation(page, url: str, role: str, label: str, list_role: str):
    """The page at url, "formation" typed into its box: the box and the list of results."""
    stub_site_pages(page)
    page.goto(url)
    box = page.get_by_role(role, name=label)
    box.press_sequentially("formation", delay=20)
    results = page.get_by_role(list_role, name="Résultats de la recherche")
    expect(results.locator(".cs-option").first).to_be_visible()
    return box, results


def test_on_the_search_page_tab_reaches_every_result_and_arrows_are_a_shortcut(server, browser):
    base, _ = server
    with checked_page(browser) as page:
        box, results = search_formation(page, base + "/", "searchbox", "Votre recherche", "list")
        links = results.get_by_role("link")
        hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(hrefs) >= 2
        # every hit and section is a link in the tab order, in the order shown, with a name
        reached = []
        for _ in hrefs:
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.getAttribute('href')"))
        assert reached == hrefs
        expect(links.first).to_have_accessible_name(page.locator(".cs-hit .cs-title").first.inner_text())
        expect(links.first).to_have_accessible_description(re.compile(r"\S{3}"))
        # ↓ from the box to the first, ↓ ↑ between links, ↑ back to the box
        box.focus()
        box.press("ArrowDown")
        expect(links.nth(0)).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(links.nth(1)).to_be_focused()
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        expect(box).to_be_focused()
        box.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")   # a link: Enter opens it
        page.wait_for_url(f"**{hrefs[1]}")


def test_the_drop_down_by_keyboard_and_pointer(server, site, browser):
    """Type, arrows, Enter opens the chosen result; Escape closes, then clears; a click on a
    section's option opens the section. Options are named by their title, described by
    the date and the snippet."""
    base, _ = server
    origin, holder = site
    holder["html"] = EMBEDDING.format(base=base, box="<div data-casesearch></div>")
    with checked_page(browser) as page:
        box, listbox = search_formation(page, origin + "/", "combobox", "Rechercher sur le site", "listbox")
        options = listbox.get_by_role("option")
        hit = listbox.locator(".cs-hit").first
        expect(hit).to_have_accessible_name(hit.locator(".cs-title").inner_text())
        expect(hit).to_have_accessible_description(re.compile(re.escape(hit.locator(".cs-snippet").inner_text()[:20])))
        section = listbox.locator(".cs-section").first
        expect(section).to_have_accessible_name(re.compile(r"^.+ — dans la section \S"))
        box.press("ArrowDown")
        box.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
        box.press("Escape")   # closes
        expect(listbox).to_be_hidden()
        expect(box).to_have_attribute("aria-expanded", "false")
        expect(box).to_have_value("formation")
        box.press("Escape")   # clears
        expect(box).to_have_value("")
        box.press_sequentially("formation", delay=20)
        expect(options.first).to_be_visible()
        box.press("ArrowDown")
        target = options.nth(0).get_attribute("data-href")
        box.press("Enter")
        page.wait_for_url(f"**{target}")
        page.go_back()
        box = page.get_by_role("combobox")
        box.press_sequentially("formation", delay=20)
        section = page.locator(".cs-section").first
        target = section.get_attribute("data-href")
        assert "#" in target
        section.click()
        page.wait_for_url(f"**{target}")


@pytest.mark.parametrize("where", ["search page", "embedded"])
def test_the_live_region_speaks_once_typing_pauses_and_says_what_is_shown(server, site, browser, where):
    base, _ = server
    origin, holder = site
    holder["html"] = EMBEDDING.format(base=base, box="<div data-casesearch></div>")
    with checked_page(browser) as page:
        page.goto(base + "/" if where == "search page" else origin + "/")
        status = page.get_by_role("status")
        expect(status).to_be_attached()   # in the accessibility tree before its first message
        assert status.evaluate("e => getComputedStyle(e).display") != "none"
        status.evaluate("""e => { window.spoken = [];
            new MutationObserver(() => window.spoken.push(e.textContent)).observe(e, {childList: true, subtree: true, characterData: true}); }""")
        box = page.locator(".cs-input")
        # slower than the debounce: every key searches and the notice on screen changes each time
        box.press_sequentially("formation", delay=200)
        notice = page.locator(".cs-notice")
        expect(status).to_have_text(re.compile("^[0-9]+ résultats? pour « formation »$"))
        page.wait_for_timeout(1600)   # another pause: nothing more is said
        assert page.evaluate("window.spoken") == [notice.inner_text()]   # once, the words shown
        # a correction is said too, without the button that searches it
        box.fill("gouvernemnt")
        expect(status).to_contain_text("gouvernement")
        expect(status).to_have_text(notice.inner_text())
        assert status.locator("button").count() == 0
        expect(notice.get_by_role("button", name="gouvernement")).to_be_visible()
