"""links.py: the links of a page as kramdown reads them, the page each points to as Jekyll
publishes it, and the texts that name each page.

The expected links of every markdown case are proved against Debian's Jekyll (kramdown) and
the Liquid of link targets against Jekyll's own rendering, when jekyll is installed."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import CORPUS, require_jekyll, shared_missing, write_pages

from casesearch import front_matter
from casesearch.config import load_settings
from casesearch.files import decode
from casesearch.front_matter import texts
from casesearch.links import (
    Link,
    LinkSite,
    anchors,
    extract,
    resolve,
    site_path,
    url_key,
)
from casesearch.reader import read_files
from casesearch.site import load_site
from casesearch.survey import survey


def links(markdown: str, **options: bool) -> list[tuple[str, str]]:
    return [(link.text, link.target) for link in extract(textwrap.dedent(markdown), **options)]


# --- extract ---------------------------------------------------------------------------------

# behaviour -> (markdown body, its links as kramdown shows them)
MARKDOWN = {
    "inline_link_text_is_plain_and_its_target_as_written": ("""\
        Voir [le guide **du** _recrutement_](/recrutement/ "Le titre") ici.
        [`code` &amp; <span>balise</span>
        sur deux   lignes](/a) [x](<un chemin.html>) [t](/b 't (1)') [p](https://fr.wikipedia.org/wiki/A_(b))
        [e](/c"x") [g](/d "a"b") [espace]( /e ) [sans titre](/f (pas un titre))
        """, [("le guide du recrutement", "/recrutement/"), ("code & balise sur deux lignes", "/a"),
              ("x", "un chemin.html"), ("t", "/b"), ("p", "https://fr.wikipedia.org/wiki/A_(b)"), ("e", '/c"x"'),
              ("g", "/d"), ("espace", "/e"), ("sans titre", "/f (pas un titre)")]),
    "reference_links_find_their_definition_anywhere_whatever_the_case": ("""\
        [Défini après][Ref], [ref][], [REF], [le  guide], [texte] [Ref] et [inconnu][nulle-part], [inconnu]

        [ref]: /cible "Titre"
        [Le Guide]: <un guide.html> 'T'
        [double]: /premier
        [double]: /second

        [double][]
        """, [("Défini après", "/cible"), ("ref", "/cible"), ("REF", "/cible"), ("le guide", "un guide.html"),
              ("texte", "/cible"), ("double", "/second")]),
    "definition_inside_a_paragraph_is_text": ("""\
        Un paragraphe [ici]
        [ici]: /pas-une-definition

        - [là]
        - [là]: /definition-dans-une-liste
        """, [("là", "/definition-dans-une-liste")]),
    "html_links_with_their_text_or_image_alt": ("""\
        <a href="/x" class="c">Texte <em>html</em> &amp; co</a> <a href='/y?a=1&amp;b=2'>simple</a>
        <a title="t" href=page>mot</a> <a href="/logo"><img src="l.png" alt="Le logo"></a> <a name="n">ancre</a>
        <a href=/y>pas du HTML pour kramdown</a>
        """, [("Texte html & co", "/x"), ("simple", "/y?a=1&b=2"), ("mot", "page"), ("Le logo", "/logo")]),
    "images_footnotes_and_empty_texts_are_no_links": ("""\
        ![une image](/i.png) [![Le logo](/l.png)](/accueil) [](/vide) [ ](/blanc) [`` ``](/code-vide)
        Une note[^1] et <https://auto.example> [{{ site.title }}](/liquide)

        [^1]: la note
        """, [("Le logo", "/accueil")]),
    "links_in_code_are_text": ("""\
        `[pas](un-lien)` et ``[pas `deux`](x)`` mais \\`[oui](/apres-tick)\\` et [`code`](/code)

            [pas](indenté)

        ```python
        [pas](fence)
        ```

        ~~~
        [pas](tilde)
        ~~~

        - élément [li](/li)

              [pas](code-dans-la-liste)

        Texte
            [oui](/continuation)

        ```
        [oui](/fence-non-fermée)
        """, [("oui", "/apres-tick"), ("code", "/code"), ("li", "/li"), ("oui", "/continuation"),
              ("oui", "/fence-non-fermée")]),
    "markdown_in_a_raw_html_block_is_shown_as_written": ("""\
        <div>
        [pas](html) <a href="/dans-div">dans div</a>
        </div>

        <div markdown="1">
        [oui](/markdown-dans-div)
        </div>
        """, [("dans div", "/dans-div"), ("oui", "/markdown-dans-div")]),
    "comments_hide_links_but_an_unclosed_one_is_text": ("""\
        <!-- [caché](/c) --> {% comment %}[caché](/l){% endcomment %} {::comment}[caché](/k){:/comment}
        {% highlight md %}[caché](/h){% endhighlight %} <script>a = "<a href='/s'>s</a>"</script>
        [vu](/v) <!-- [vu aussi](/u)
        """, [("vu", "/v"), ("vu aussi", "/u")]),
    "escaped_brackets_are_text_and_brackets_nest": (r"""
        \[pas\](un-lien) [\[entre crochets\]](/e) [a [b] c](/n) [a [b](/interne) c]
        """, [("[entre crochets]", "/e"), ("a [b] c", "/n"), ("b", "/interne")]),
}


@pytest.mark.parametrize("case", MARKDOWN)
def test_extract_finds_the_links_kramdown_shows(case):
    body, expected = MARKDOWN[case]
    assert links(body) == expected


class _Anchors(HTMLParser):
    """(text, href) of every <a href> of a page Jekyll wrote; an image gives its alt text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.open: tuple[str, list[str], str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") is not None and self.open is None:
            self.open = (values["href"] or "", [], values.get("class") or "")
        elif tag == "img" and self.open is not None:
            self.open[1].append(f" {values.get('alt') or ''} ")

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.open is not None:
            href, parts, css = self.open
            self.open = None
            text = " ".join("".join(parts).split())
            # footnotes, autolinks (their text is the address) and empty texts are left out on purpose
            if "footnote" not in css and text and text not in (href, href.removeprefix("mailto:")):
                self.found.append((text.translate(str.maketrans("’“”", "'\"\"")), href))


def jekyll_build(tmp_path: Path, pages: dict[str, str]) -> Path:
    """Build `pages` with Debian's Jekyll, Liquid included: the folder of the site it wrote."""
    require_jekyll()
    write_pages(tmp_path / "site", pages)
    env = {**os.environ, "JEKYLL_NO_BUNDLER_REQUIRE": "1", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(["jekyll", "build", "--source", str(tmp_path / "site"), "--destination",
                           str(tmp_path / "_site")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp_path / "_site"


def html_links(path: Path) -> list[tuple[str, str]]:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


def test_expected_links_are_what_kramdown_renders(tmp_path):
    bodies = {f"{name}.md": "---\n---\n" + textwrap.dedent(body) for name, (body, _) in MARKDOWN.items()}
    written = jekyll_build(tmp_path, {"_config.yml": "url: https://example.org\n", **bodies})
    for name, (_, expected) in MARKDOWN.items():
        assert html_links(written / f"{name}.html") == expected, name


def test_a_html_page_has_html_links_only_as_a_browser_reads_them():
    page = "<a href=/y>sans guillemets</a> [md](/md) <pre><a href='/p'>pre</a></pre> <!-- <a href='/c'>c</a>"
    assert links(page, html=True) == [("sans guillemets", "/y"), ("pre", "/p")]
    assert links(page) == [("md", "/md"), ("pre", "/p"), ("c", "/c")]  # kramdown: `<a href=/y>` is text


def test_liquid_targets_are_kept_as_written():
    assert links("[Liquide]({{ '/p' | relative_url }}) [lien]({% link _posts/2016-07-26-nom.md %}#x)") == [
        ("Liquide", "{{ '/p' | relative_url }}"), ("lien", "{% link _posts/2016-07-26-nom.md %}#x")]


def test_hostile_pages_are_read_in_one_pass():
    # each pattern scans forward and brackets pair in one stack pass: 250 KB of any of these is
    # read in a fraction of a second (0.05 to 0.4 s here), never in minutes
    for unit in ("[", "(", "<", "`", "\\", "{{", "{%", "<!--", "[a](", "[a][", "[a]( \"", "[a](<", "<a ",
                 "<a href=x>", "```py\n", "[x]: a ' b '\n", "    [a](b)\n", "<div>\n", "`` ` "):
        assert extract(unit * (250_000 // len(unit))) == []
    assert len(extract("[a](/b) " * 31_250)) == 31_250


@pytest.mark.parametrize("page, links", [
    ("intro\n\n## T [a][r]\n\n[r]: /x\n\n## U [b][s]\n\n[s]: /y\n\n", [("a", "/x"), ("b", "/y")]),
    # '[x]:' with no URL is text: the run of headings and definitions ends before it, the
    # definitions after it are still read
    ("intro\n\n## T\n\n[x]:\n\n[r]: /z\n\n[t][r]\n", [("t", "/z")]),
    ("intro\n\n[r]: /a\n\n## H\n\n[r]: /b\n\n[x][r]\n", [("x", "/b")]),   # the last one counts
    ("intro\n\n## T\n\n[r]: /a\n[s]: /b\n\n[x][r] [y][s]\n", [("x", "/a"), ("y", "/b")]),
    # a label '^' and no footnote name (ASCII letters, digits, '_', '-') is a link's, as
    # Jekyll reads it; '[^ok]:' is a footnote
    ("intro\n\n[^0```]: /un\n\n[^a b]: /deux\n\n[^ok]: note\n\n[y][^0```] [x][^a b] fin[^ok]\n",
     [("y", "/un"), ("x", "/deux")]),
])
def test_definitions_between_headings_are_read_as_line_by_line(page, links):
    """Runs of headings and definitions each followed by blank lines are read at once
    (a page of headings each followed by a definition spent a third of extract on its
    lines): the definitions found are those read line by line."""
    assert [(link.text, link.target) for link in extract(page)] == links


@pytest.mark.parametrize("page, links", [
    ("[" * 20 + "a](/b)" + "]" * 25, [Link("a", "/b")]),
    ("[[" * 9 + "lien" + "]" * 18 + "(/x)", [Link("[" * 17 + "lien" + "]" * 17, "/x")]),
    ("[a](" + "(" * 10 + "/c" + ")" * 12, [Link("a", "((((((((((/c))))))))))")]),
    ("[" * 10 + "\n\n" + "]" * 10 + "[b](/d)", [Link("b", "/d")]),
])
def test_runs_of_brackets_pair_as_one_by_one(page, links):
    """A run of 8 or more brackets is pushed or paired whole (a page of '[' or '(' was a loop
    over each of its 2 million characters): the same pairs as one at a time, a paragraph
    break still emptying the stack."""
    assert extract(page) == links


def test_page_of_one_bracket_repeated_is_read_at_the_speed_of_a_regex():
    """Unpaired brackets are never visited one by one: 2 MB of '[' or '(' took 0.55-0.75 s
    of CPU in extract (1 s of load_page), now 0.02-0.13 s."""
    for unit in ("[", "(", "]" + "[" * 999, "(" * 999 + ")"):
        started = time.process_time()
        assert extract(unit * (2_000_000 // len(unit))) == []
        assert time.process_time() - started < 0.3


# --- url_key and resolve -----------------------------------------------------------------------

PAGES = {
    "index.md": "/",
    "_pages/about.md": "/apropos/",
    "manifeste.md": "/manifeste.html",
    "fast/lauréats.md": "/fast/lauréats.html",
    "_posts/2020-03-02-donnees.md": "/2020/03/02/donnees.html",
    "_startups/demarches-simplifiees.fr.md": "/startups/demarches-simplifiees.fr.html",
}
SITE = LinkSite(PAGES, url="https://beta.gouv.fr")


def test_url_key_meets_every_form_jekyll_serves_a_page_at():
    assert {url_key(p) for p in ("/apropos", "/apropos/", "/apropos/index.html", "/apropos.html",
                                 "/apropos/index", "apropos", "//apropos//", "/apropos/index.htm")} == {"/apropos"}
    assert {url_key(p) for p in ("/", "", "/index.html", "/index")} == {"/"}
    assert url_key("/fast/laur%C3%A9ats.html") == url_key("/fast/laure\u0301ats/") == "/fast/lauréats"
    assert url_key("/Apropos") != url_key("/apropos")  # servers tell case apart
    assert url_key("/startups/x.fr.html") == "/startups/x.fr" != url_key("/startups/x")


def resolved(target: str, page: str = "/2020/03/02/donnees.html", site: LinkSite = SITE) -> str | None:
    key = resolve(target, page, site)
    return None if key is None else next(s for s, url in site.by_source.items() if url_key(url) == key)


def test_absolute_urls_on_the_sites_own_hosts_are_internal():
    for target in ("https://beta.gouv.fr/apropos", "http://beta.gouv.fr/apropos/", "https://www.beta.gouv.fr/apropos",
                   "HTTPS://Beta.Gouv.FR:443/apropos/index.html", "//beta.gouv.fr/apropos?x=1#equipe"):
        assert resolved(target) == "_pages/about.md", target
    for target in ("https://autre.fr/apropos", "https://x.beta.gouv.fr/apropos", "https://beta.gouv.fr:8443/apropos",
                   "ftp://beta.gouv.fr/apropos", "http://[::1/apropos"):
        assert site_path(target, "/", SITE) is None, target


def test_what_is_no_page_resolves_to_none():
    for target in ("mailto:contact@beta.gouv.fr", "tel:+33100000000", "javascript:void(0)", "#equipe", "",
                   "/docs/guide.pdf", "/img/logo.png", "/nulle-part/", "{{ page.url }}", "{% include x.html %}",
                   "/apropos/" + "x" * 3000):
        assert resolve(target, "/apropos/", SITE) is None, target
    assert site_path("/docs/guide.pdf", "/", SITE) == "/docs/guide.pdf"  # within the site, but no page


def test_relative_targets_resolve_as_a_browser_does():
    page = "/2020/03/02/donnees.html"
    assert resolved("../../../apropos/", page) == "_pages/about.md"
    assert resolved("../../../../../apropos/", page) == "_pages/about.md"  # never above the root
    assert resolved("donnees.html?utm=x#resultats", page) == "_posts/2020-03-02-donnees.md"
    assert resolved("./", "/fast/") is None
    assert resolved("laur%C3%A9ats.html", "/fast/x.html") == "fast/lauréats.md"
    assert resolved("manifeste", "/apropos.html") == "manifeste.md"
    assert resolved("../manifeste.html", "/apropos/") == "manifeste.md"
    assert resolved("/startups/demarches-simplifiees.fr.html") == "_startups/demarches-simplifiees.fr.md"


def test_a_site_under_a_baseurl():
    site = LinkSite(PAGES, url="https://example.org", baseurl="/blog/")
    assert resolved("/blog/apropos/", site=site) == "_pages/about.md"
    assert resolved("https://example.org/blog/apropos", site=site) == "_pages/about.md"
    assert resolved("{{ site.baseurl }}/apropos/", site=site) == "_pages/about.md"
    assert resolved("../../../apropos", site=site) == "_pages/about.md"  # from /blog/2020/03/02/
    assert resolved("/blog", site=site) == "index.md"
    assert resolve("/apropos/", "/", site) is None  # outside the baseurl: a 404 on the live site
    assert resolved("https://example.org/blog/apropos", "https://example.org/blog/2020/03/02/donnees.html",
                    site) == "_pages/about.md"  # page URLs may be full URLs (Document.url)


def test_liquid_filters_as_jekyll_evaluates_them():
    site = LinkSite(PAGES, url="https://example.org/", baseurl="/blog")
    for target in ("{{ site.baseurl }}/apropos/", "{{site.baseurl}}/apropos", "{{- site.baseurl -}}/apropos",
                   "{{ site.url }}{{ site.baseurl }}/apropos/", "{{ '/apropos/' | relative_url }}",
                   '{{ "apropos" | relative_url }}', "{{ '/apropos' | absolute_url }}",
                   "{{ '/apropos/' | prepend: site.baseurl }}", "{{ site.baseurl | append: '/apropos/' }}",
                   "{{ 'https://example.org/blog/apropos' | relative_url }}"):
        assert resolved(target, site=site) == "_pages/about.md", target
    for target in ("{{ '/apropos/' | upcase }}", "{{ page.url }}", "{{ '/apropos/' | relative_url", "{% if x %}/a"):
        assert resolve(target, "/", site) is None, target


JEKYLL_SITE = {  # a site under a baseurl with collections_dir, as `{% link %}` and `{% post_url %}` see it
    "_config.yml": """\
        url: https://example.org
        baseurl: /blog
        collections_dir: content
        collections:
          docs:
            output: true
        include: [_pages]
        """,
    "content/_posts/2016-07-26-nom.md": "---\ntitle: p\n---\nx\n",
    "content/_posts/sous/2010-07-21-autre.md": "---\ntitle: q\n---\ny\n",
    "content/_docs/doc.md": "---\ntitle: d\n---\nz\n",
    "_pages/about.md": "---\npermalink: /apropos/\n---\na\n",
}
LIQUID_TARGETS = [  # each a link of liens.md; Jekyll renders them, links.py evaluates them
    "{% link _posts/2016-07-26-nom.md %}", "{% link _docs/doc.md %}", "{% link _pages/about.md %}#equipe",
    "{% post_url 2016-07-26-nom %}", "{% post_url /sous/2010-07-21-autre %}", "{% post_url sous/2010-07-21-autre %}",
    "{% post_url 2010-07-21-autre %}",  # no such path: Jekyll's deprecated match by date and slug
    "{{ site.baseurl }}/apropos/", "{{site.baseurl}}/apropos/index.html", "{{ site.url }}{{ site.baseurl }}/docs/doc.html",
    "{{ '/apropos/' | relative_url }}", '{{ "apropos" | relative_url }}', '{{ "/docs/doc.html" | absolute_url }}',
    "{{ '/apropos/' | prepend: site.baseurl }}",
]


def test_liquid_targets_name_the_pages_jekyll_links_to(tmp_path):
    body = "".join(f"- [lien {i}]({target})\n" for i, target in enumerate(LIQUID_TARGETS))
    folder = jekyll_build(tmp_path, {**JEKYLL_SITE, "liens.md": "---\n---\n" + body})
    hrefs = [href for _, href in html_links(folder / "liens.html")]
    assert len(hrefs) == len(LIQUID_TARGETS)
    site = _link_site(tmp_path / "site")
    written = {url_key("/" + path.relative_to(folder).as_posix()) for path in folder.rglob("*.html")}
    for target, href in zip(LIQUID_TARGETS, hrefs):
        path = unquote(urlsplit(href).path).removeprefix("/blog")
        assert site_path(target, "/liens.html", site) == path, (target, href)
        key = resolve(target, "/liens.html", site)
        assert key is not None and key == url_key(path) and key in written, (target, href)
    assert resolve("{% link content/_docs/doc.md %}", "/", site) is None  # Jekyll fails on it too


def _link_site(content: Path) -> LinkSite:
    settings = load_settings({"content_dir": content, "index_dir": content.parent / "index"}, environ={})
    return LinkSite.from_site(load_site(settings), {d.source: d.url for d in survey(settings).documents})


def test_post_url_as_jekyll_matches_it():
    site = LinkSite({"_posts/2016-07-26-nom.md": "/2016/07/26/nom.html",
                     "en/_posts/2016-07-26-nom.md": "/en/2016/07/26/nom.html",
                     "_posts/sous/2010-07-21-autre.md": "/2010/07/21/autre.html"})
    assert resolve("{% post_url 2016-07-26-nom %}", "/", site) == "/2016/07/26/nom"
    assert resolve("{% post_url en/2016-07-26-nom %}", "/", site) == "/en/2016/07/26/nom"
    assert resolve("{% post_url /sous/2010-07-21-autre %}#x", "/", site) == "/2010/07/21/autre"
    assert resolve("{% post_url 2010-7-21-autre %}", "/", site) == "/2010/07/21/autre"  # deprecated match
    assert resolve("{% post_url 2016-07-26-inconnu %}", "/", site) is None
    assert resolve("{% post_url pas-un-nom %}", "/", site) is None


def test_redirect_from_and_case_lead_to_the_page():
    site = LinkSite(PAGES, aliases={"/approche/manifeste/": "manifeste.md", "/ailleurs": "absent.md"})
    assert resolve("/approche/manifeste", "/", site) == "/manifeste"
    assert resolve("/Approche/Manifeste.html", "/", site) == "/manifeste"
    assert resolve("/APROPOS/", "/", site) == "/apropos"
    assert resolve("/ailleurs", "/", site) is None
    both = LinkSite({"a.md": "/ab.html", "b.md": "/AB.html"})
    assert resolve("/ab/", "/", both) == "/ab" and resolve("/AB", "/", both) == "/AB"
    assert resolve("/Ab", "/", both) is None  # which one?


# --- anchors -------------------------------------------------------------------------------------

def test_anchor_texts_count_once_per_linking_page_most_used_first():
    pages = {
        "a.md": ("/a.html", [Link("le guide", "/guide/"), Link("Le guide", "guide/index.html"),  # one for a.md
                            Link("Recrutement", "/guide"), Link("A", "/a.html"), Link("ailleurs", "https://x.fr/")]),
        "b.md": ("/b.html", [Link("le guide", "/guide.html"), Link("Guide", "/guide/"), Link("Rien", "/nulle-part/")]),
        "c.md": ("/c.html", [Link("le Guide", "/guide/"), Link("Guide", "/guide/")]),
        "noindex.md": ("/noindex.html", [Link("Zèbre", "/guide/")]),  # not a page of the site, but a link on it
        "guide.md": ("/guide/", [Link("soi-même", "/guide/"), Link("A", "/a.html")]),
    }
    site = LinkSite({source: url for source, (url, _) in pages.items() if source != "noindex.md"})
    assert anchors(pages, site) == {
        "guide.md": ["le guide"] * 3 + ["Guide"] * 2 + ["Recrutement", "Zèbre"],
        "a.md": ["A"],
    }


# --- the real sites -------------------------------------------------------------------------------

def _corpus(name: str) -> tuple[LinkSite, dict[str, tuple[str, list[Link]]]]:
    """The site's pages as casesearch reads them, with the links of their bodies, and a LinkSite
    knowing every page's redirect_from."""
    settings = load_settings({"content_dir": CORPUS / name, "index_dir": CORPUS / "unused"}, environ={})
    site = load_site(settings)
    documents = {d.source: d for d in survey(settings).documents}
    pages, aliases = {}, {}
    for page in read_files(settings, site).pages:
        if page.source not in documents:
            continue
        text = decode(page.source, page.path.read_bytes())
        yaml_text, body, line = front_matter.split(page.source, text) or ("", text, 0)
        fm = front_matter.parse(page.source, yaml_text, line) if yaml_text.strip() else {}
        aliases.update({alias: page.source for alias in texts(fm.get("redirect_from"))})
        pages[page.source] = (documents[page.source].url, extract(body, html=not site.is_markdown(page.source)))
    by_source = {source: url for source, (url, _) in pages.items()}
    return LinkSite.from_site(site, by_source, aliases), pages


def test_links_of_the_real_sites_reach_their_pages():
    if why := shared_missing(CORPUS / "beta.gouv.fr", CORPUS / "site-eig"):
        pytest.skip(why)
    site, pages = _corpus("beta.gouv.fr")
    assert site.hosts >= {"https://beta.gouv.fr", "http://www.beta.gouv.fr"}

    def target_of(source: str, link: Link) -> str | None:
        assert link in pages[source][1]
        key = resolve(link.target, pages[source][0], site)
        return None if key is None else site.keys[key][0]

    assert target_of("_pages/accessibilite.md", Link("Mentions légales", "/apropos")) == "_pages/about.md"
    assert target_of("_pages/bilan/2024.md", Link("Démarches simplifiées", "/startups/demarches-simplifiees.fr.html")) \
        == "content/_startups/demarches-simplifiees.fr.md"
    assert target_of("content/_incubators/anct.md", Link("l'approche", "https://beta.gouv.fr/manifeste")) \
        == "_pages/manifeste.md"
    assert target_of("_pages/approche.md", Link("Lire notre manifeste", "https://beta.gouv.fr/manifeste")) \
        == "_pages/manifeste.md"  # an HTML link
    assert target_of("content/_startups/clara.md", Link("Mes Aides", "https://beta.gouv.fr/startups/mes.aides.html")) \
        == "content/_startups/mes-aides-france-travail.md"  # its redirect_from
    named = anchors(pages, site)
    assert "Mentions légales" in named["_pages/about.md"]
    assert len(named["_pages/manifeste.md"]) >= 3

    eig, eig_pages = _corpus("site-eig")
    url, found = eig_pages["_posts/18-09-24-retrospective-defis-eig2.md"]
    assert Link("Lab Santé", "/defis/2018/labsante.html") in found
    assert eig.keys[resolve("/defis/2018/labsante.html", url, eig)] == ("_defis/2018-01-01-labsante.md",)
    # most links into each site reach a page; the rest go to files (.pdf), pages left out of the
    # index (robots: noindex), pages that are not in the corpus (the sites' HTML layouts) and old URLs
    for link_site, found in ((site, pages), (eig, eig_pages)):
        targets = [(link.target, url) for url, page_links in found.values() for link in page_links]
        internal = [t for t in targets if site_path(*t, link_site) is not None]
        reached = [t for t in internal if resolve(*t, link_site) is not None]
        assert len(reached) > {site: 0.8, eig: 0.6}[link_site] * len(internal)
