"""Properties under generated inputs (issue 11): the API answers any query string with 200
or 400 and a JSON body; the *_html fields of hostile pages hold text and <mark> only;
incremental reindexing through adds, edits, renames, breaks, drafts and deletions never
loses a good page because of a bad one."""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import PAGES, build_site
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from casesearch.config import load_settings
from casesearch.content import PageFile, load_page
from casesearch.errors import SafetyCheckFailed
from casesearch.indexer import reindex
from casesearch.searcher import Searcher
from casesearch.web import create_app

# -- (a) the API answers anything with 200 or 400 and a JSON body ---------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(build_site(tmp_path_factory.mktemp("properties"), PAGES))
    yield app.test_client()
    app.extensions["casesearch"]["searcher"].close()


# what web.py reads, plus names it does not (ignored) and near misses
NAMES = ("q", "page", "per_page", "limit", "sort", "category", "tag", "year", "lang", "Q", "q[]", "")
surrogates = st.integers(0xD800, 0xDFFF).map(chr)
any_char = st.characters(codec=None, exclude_categories=("Cs",)) | st.sampled_from("\x00\x1b\x7f\u2028\ufeff\u00ad")
short = st.text(any_char, max_size=30)
numbers = st.integers(-10**12, 10**12).map(str) | st.sampled_from(["0", "1", "01", "1e3", "1.5", " 2", "２", "٣"])
# a long value is a short one repeated: cheap to generate, and past every limit
long_values = st.tuples(short, st.integers(1, 3000)).map(lambda t: t[0] * t[1])
# words of the fixture pages, so that many queries rank and highlight real hits
WORDS = ("données", "donnees", "santé", "logiciel", "libre", "publique", "l'administration", "hôpitaux",
         '"code source"', "-libre", "adminstration", "lo", "Île-de-France", "santé»", "<script>alert(1)</script>")
phrases = st.lists(st.sampled_from(WORDS) | short, min_size=1, max_size=4).map(" ".join)
with_surrogate = st.tuples(short, surrogates, short).map("".join)   # refused: not UTF-8
values = (phrases | short | numbers | long_values | with_surrogate
          | st.sampled_from(["relevance", "date", "2020", "2021", "fr", "en", "blogging", "santé"]))


def encoded(text: str) -> str:
    """Percent-encoded UTF-8, lone surrogates as their (invalid) three bytes: %ED%A0%80."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


# raw pieces werkzeug must cope with: stray separators, bad escapes, bytes that are not UTF-8
raw = (st.text(st.sampled_from("%&=+;#?ZZ0aé "), max_size=8).map(lambda t: quote(t, safe="%&=+;#?"))
       | st.binary(max_size=12).map(lambda b: quote(b, safe="")))
pair = st.tuples(st.sampled_from(NAMES) | short, values).map(lambda p: f"{encoded(p[0])}={encoded(p[1])}")
query_strings = (st.lists(pair, max_size=5).map("&".join)
                 | st.tuples(phrases.map(lambda q: "q=" + encoded(q)), st.lists(pair, max_size=3)).map(
                     lambda t: "&".join([t[0], *t[1]]))
                 | st.tuples(st.lists(pair, max_size=5), st.lists(raw, min_size=1, max_size=2)).map(
                     lambda t: "&".join(t[0] + t[1])))


def check_json_answer(response) -> dict:
    assert response.status_code in (200, 400), (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    if response.status_code == 400:
        assert body["ok"] is False and body["status"] == 400 and body["error"]["message"]
    return body


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_strings)
def test_search_answers_any_query_string_with_200_or_400_and_json(client, query_string):
    body = check_json_answer(client.get("/api/search", query_string=query_string))
    event(f"status {body.get('status', 200)}, hits: {bool(body.get('hits'))}")   # --hypothesis-show-statistics
    if body["ok"] is not False:
        assert isinstance(body["hits"], list) and body["total"] >= len(body["hits"])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_strings)
def test_suggest_answers_any_query_string_with_200_or_400_and_json(client, query_string):
    body = check_json_answer(client.get("/api/suggest", query_string=query_string))
    if body["ok"] is not False:
        assert isinstance(body["suggestions"], list)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["/api/health", "/api/openapi.json", "/"]), query_strings)
def test_other_endpoints_ignore_any_query_string(client, path, query_string):
    """health and the OpenAPI document read no parameter: 200, or 400 for a query string that
    is not UTF-8 (every API answer is refused alike); the page shows the box, escaped."""
    response = client.get(path, query_string=query_string)
    if path != "/":
        body = check_json_answer(response)
        assert body.get("ok") is False or ("openapi" in body if path == "/api/openapi.json" else body["pages"] > 0)
        return
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script>" not in re.sub(r"<script src=[^>]*></script>", "", page)


# -- (b) the *_html fields of hostile pages are text and <mark> only ---------------------------

HOSTILE = ("<", ">", "&", '"', "'", "<script>", "</script>", "<mark>", "</mark>", "<mark class=x>", "&amp;",
           "&lt;", "&#x3C;", "&#60", "<!--", "-->", "<![CDATA[", "]]>", "<b onclick=\"x()\">", "<br/>",
           "<?php ?>", "<!DOCTYPE html>", "javascript:", "`", "*", "_", "[", "](", ")", "# ", "{{", "}}",
           "\\", " ", " ", "\n", "\n\n", "é", "mark", "script", "amp", "zorglub", "Zorglub's")
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(st.characters(codec="utf-8", exclude_categories=(
    "Cs", "Cc")), max_size=5), max_size=40).map("".join)
one_line = hostile_text.map(lambda t: " ".join(t.split()))


class MarkOnly(HTMLParser):
    """What html.parser sees: its text, and every tag, comment or declaration besides <mark>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.other: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag != "mark" or attrs or self.depth:
            self.other.append(f"<{tag} {attrs}> at depth {self.depth}")
        self.depth += 1

    def handle_endtag(self, tag):
        if tag != "mark" or not self.depth:
            self.other.append(f"</{tag}>")
        self.depth -= 1

    def handle_startendtag(self, tag, attrs):
        self.other.append(f"<{tag}/>")

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.other.append(f"<![{data}]>")


def mark_only_text(fragment: str) -> str:
    """The text of an *_html field; fails when it holds anything but text and <mark>...</mark>."""
    parser = MarkOnly()
    parser.feed(fragment)
    parser.close()
    assert not parser.other and parser.depth == 0, (fragment, parser.other)
    text = "".join(parser.text)
    assert html.unescape(re.sub(r"</?mark>", "", fragment)) == text
    return text


def html_fields(value, path="") -> list[tuple[str, str]]:
    """Every (path, value) of a *_html key anywhere in a JSON body."""
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in ([(path + k, v)] if k.endswith("_html") else [])
                + html_fields(v, f"{path}{k}.")]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in html_fields(v, f"{path}{i}.")]
    return []


def test_mark_only_text_fails_on_anything_but_marks():
    """The check below can fail: a tag, an attribute, a comment or a bare '<' is caught."""
    assert mark_only_text("a &lt;b&gt; <mark>c</mark> &amp;") == "a <b> c &"
    for bad in ("<b>x</b>", "<mark class=x>y</mark>", "<!-- x -->", "<mark><mark>x</mark></mark>", "x</mark>",
                "<script>alert(1)</script>", "&lt;<img src=x>"):
        with pytest.raises(AssertionError):
            mark_only_text(bad)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(title=one_line, summary=one_line, body=hostile_text, heading=one_line,
       extra=st.lists(st.sampled_from(["mark", "script", "amp", "lt", "quot", "é"]), max_size=3))
def test_html_fields_of_hostile_pages_hold_text_and_marks_only(tmp_path_factory, title, summary, body, heading,
                                                               extra):
    page = (f"---\ntitle: {json.dumps(title + ' zorglub', ensure_ascii=False)}\n"
            f"description: {json.dumps(summary, ensure_ascii=False)}\n---\n"
            f"{body} zorglub\n\n## {heading} zorglub\n\n{body} zorglub\n")
    built = build_site(tmp_path_factory.mktemp("hostile"), {"hostile.md": page, "autre.md": "---\ntitle: x\n---\nx\n"})
    doc = load_page(PageFile("hostile.md", built.content_dir / "hostile.md"), built)
    texts = [t.replace("\n", " ") for t in (doc.title, doc.summary, *(s.text for s in doc.sections))]
    app = create_app(built)
    try:
        for q in ("zorglub", " ".join(["zorglub", *extra]), " ".join(extra) or "x"):
            body_json = check_json_answer(app.test_client().get("/api/search", query_string={"q": q}))
            if q == "zorglub":
                assert [h["source"] for h in body_json["hits"]] == ["hostile.md"]
            for hit in body_json["hits"]:
                assert mark_only_text(hit["title_html"]) == hit["title"]
                for where, fragment in html_fields(hit):
                    event(f"{where.split('.')[0]}: {'<mark>' in fragment} {'&lt;' in fragment}")
                    shown = mark_only_text(fragment).removeprefix("…").removesuffix("…")
                    assert any(shown in text for text in texts), (where, fragment, texts)
    finally:
        app.extensions["casesearch"]["searcher"].close()


# -- (c) incremental reindexing never loses a good page because of a bad neighbour -------------

DIGITS = "bcdfghjklm"   # consonants only: no stemmer rule touches them, so each word is its own stem


def nonsense(n: int) -> str:
    """A word no page or other call shares: each digit three times, so that any two words are
    more than two edits apart and typo correction never turns one into another."""
    return "zorg" + "".join(DIGITS[int(d)] * 3 for d in f"{n:03d}")


def page_bytes(kind: str, word: str) -> bytes:
    """A page of `kind` whose body holds `word`: good, draft, or broken two ways."""
    return {"good": f"---\ntitle: Page {word}\n---\nLe mot {word} est ici.\n".encode(),
            "draft": f"---\ntitle: Brouillon\npublished: false\n---\n{word}\n".encode(),
            "yaml": f"---\ntitle: [pas fermé\n---\n{word}\n".encode(),
            "utf8": f"---\ntitle: Latin-1\n---\n{word} caf".encode() + b"\xe9\n"}[kind]


NAMES_POOL = [f"p{i}.md" for i in range(6)]   # a small pool: names are reused after deletion
KINDS = ["good", "good", "draft", "yaml", "utf8"]


class Reindexing(RuleBasedStateMachine):
    """Pages in a content folder change between incremental reindexes; a model says what the
    index must hold: each published page's last good version, never a draft or deleted page."""

    def __init__(self) -> None:
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="reindexing-"))
        (self.base / "content").mkdir()
        self.settings = load_settings({"content_dir": self.base / "content", "index_dir": self.base / "index"},
                                      environ={})
        self.searcher = Searcher(self.settings)
        self.files: dict[str, tuple[str, str]] = {}   # name -> (kind, word) on disk
        self.indexed: dict[str, str] = {}              # name -> word the index must hold
        self.words: list[str] = []
        self.built = False

    def teardown(self) -> None:
        self.reindex_and_check()
        self.searcher.close()
        shutil.rmtree(self.base)

    def write(self, name: str, kind: str) -> None:
        word = nonsense(len(self.words))
        self.words.append(word)
        (self.base / "content" / name).write_bytes(page_bytes(kind, word))
        self.files[name] = (kind, word)

    def then(self, reindex_now: bool) -> None:
        if reindex_now:
            self.reindex_and_check()

    def free(self) -> list[str]:
        return [n for n in NAMES_POOL if n not in self.files]

    @initialize(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    def first_build(self, kinds):
        for name, kind in zip(NAMES_POOL, kinds):
            self.write(name, kind)
        self.reindex_and_check()

    @precondition(lambda self: self.free())
    @rule(data=st.data(), kind=st.sampled_from(KINDS), reindex_now=st.booleans())
    def add(self, data, kind, reindex_now):
        self.write(data.draw(st.sampled_from(self.free())), kind)
        self.then(reindex_now)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), kind=st.sampled_from(KINDS), reindex_now=st.booleans())
    def edit(self, data, kind, reindex_now):
        """A new version: good (mends a broken page), drafted, or broken."""
        self.write(data.draw(st.sampled_from(sorted(self.files))), kind)
        self.then(reindex_now)

    @precondition(lambda self: self.files and self.free())
    @rule(data=st.data(), reindex_now=st.booleans())
    def rename(self, data, reindex_now):
        old, new = data.draw(st.sampled_from(sorted(self.files))), data.draw(st.sampled_from(self.free()))
        (self.base / "content" / old).rename(self.base / "content" / new)
        self.files[new] = self.files.pop(old)
        self.then(reindex_now)

    @precondition(lambda self: self.files)
    @rule(data=st.data(), reindex_now=st.booleans())
    def delete(self, data, reindex_now):
        name = data.draw(st.sampled_from(sorted(self.files)))
        (self.base / "content" / name).unlink()
        del self.files[name]
        self.then(reindex_now)

    def expected(self) -> dict[str, str]:
        """What an incremental reindex must hold now: good pages as written, broken ones as they
        last were indexed (if ever), drafts and deleted pages not at all."""
        out = {}
        for name, (kind, word) in self.files.items():
            if kind == "good":
                out[name] = word
            elif kind in ("yaml", "utf8") and name in self.indexed:
                out[name] = self.indexed[name]
        return out

    def reindex_and_check(self) -> None:
        expected = self.expected()
        broken = sorted(n for n, (kind, _) in self.files.items() if kind in ("yaml", "utf8"))
        if self.built and len(self.indexed) > 1 and len(expected) < len(self.indexed) / 2:
            with pytest.raises(SafetyCheckFailed):   # the live index stays as it was
                reindex(self.settings)
        else:
            report = reindex(self.settings)
            assert sorted(e.source for e in report.errors) == broken
            assert all(e.source in str(e) for e in report.errors)
            assert sorted(report.stale) == sorted(n for n in broken if n in expected)
            self.indexed, self.built = expected, True
        self.searcher.refresh()
        assert self.searcher.health()["pages"] == len(self.indexed)
        for word in self.words:
            # two pages share a word when one was renamed and a broken page took its old name
            found = sorted(h.source for h in self.searcher.search(word, prefix=False, per_page=50).hits)
            assert found == sorted(n for n, w in self.indexed.items() if w == word), (word, self.files, self.indexed)


Reindexing.TestCase.settings = settings(max_examples=30, stateful_step_count=15, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
test_reindexing_keeps_good_pages_and_drops_drafts_and_deleted_ones = Reindexing.TestCase
