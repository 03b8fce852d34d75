"""Inputs the fuzzers (fuzz/pages.py, fuzz/queries.py) found to crash or to take over a
second, reduced by hand, each with what it must do now: a page is a Document or a
ContentError naming its file, a query an answer or a QueryError, within a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from casesearch import query
from casesearch.cli import main
from casesearch.config import load_settings
from casesearch.content import Document, PageFile, load_page
from casesearch.errors import ContentError, QueryError
from casesearch.markdown import to_sections
from casesearch.searcher import Searcher

LIMIT_S = 1.0


def read_page(base: Path, data: bytes, source: str = "page.md") -> Document | ContentError:
    """The page as the indexer reads it (a site without _config.yml), timed."""
    settings = load_settings({"content_dir": base, "index_dir": base / "index"}, environ={})
    started = time.perf_counter()
    try:
        result = load_page(PageFile(source, base / source), settings, data)
    except ContentError as exc:
        assert f"'{source}'" in str(exc)
        result = exc
    assert time.perf_counter() - started < LIMIT_S
    return result


# -- pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("underline", ["-", "===", "- "])
def test_underline_below_indented_code_makes_no_heading(tmp_path, underline):
    """'    d' then '-' crashed (AttributeError): a line indented by 4 spaces is code to
    kramdown, never the text of a setext heading."""
    doc = read_page(tmp_path, f"---\ni: \n---\n    d\n{underline}\n".encode())
    assert isinstance(doc, Document)
    assert not doc.headings and "d" in doc.body.split()


def test_setext_heading_indented_three_spaces_still_is_one(tmp_path):
    doc = read_page(tmp_path, b"---\ntitle: t\n---\n   Contexte\n---\nTexte.\n")
    assert [(s.heading, s.level) for s in doc.sections] == [("Contexte", 2)]


@pytest.mark.parametrize("fence", ["```a", "~~~a"])
@pytest.mark.parametrize("ids", ["kramdown", "gfm"])
def test_page_of_unclosed_fences_is_read_in_linear_time(fence, ids):
    """Each fence that nothing closes is text, which the reader found by reading the page
    again: a page of 3,000 such lines overflowed the stack (RecursionError, which stopped
    the whole reindex) and 500 took 0.3 s (fuzz/pages.py's slowest input had 45 of them)."""
    body = f"{fence}\n\n" * 3000 + "# Fin\n"
    started = time.perf_counter()
    sections = to_sections(body, ids=ids)
    assert time.perf_counter() - started < LIMIT_S
    assert [s.heading for s in sections][-1] == "Fin" and len(sections) <= 2


@pytest.mark.parametrize("fence, ids", [("~~~a", "kramdown"), ("```a", "gfm")])
def test_unclosed_fence_is_text_and_the_heading_below_is_read(fence, ids):
    """As kramdown 2.4 renders it: <p>~~~a</p> then <h1 id="un">Un</h1>."""
    assert [s.heading for s in to_sections(f"{fence}\n\n# Un\n\nx\n", ids=ids)] == ["", "Un"]


# -- queries ------------------------------------------------------------------------------

NOT_UTF8 = "caf\udce9"   # `casesearch search $'caf\xe9'`: Python's reading of the argument


def test_query_holding_bytes_that_are_not_utf8_is_refused():
    """A lone surrogate reached unidecode, which warned (an error in the tests) from suggest."""
    with pytest.raises(QueryError, match="UTF-8"):
        query.parse(NOT_UTF8)


@pytest.mark.parametrize("call", ["search", "suggest", "explain"])
def test_searcher_refuses_a_query_that_is_not_utf8(built, call):
    searcher = Searcher(built)
    try:
        with pytest.raises(QueryError, match="UTF-8"):
            getattr(searcher, call)(NOT_UTF8)
    finally:
        searcher.close()


def test_cli_search_with_bytes_that_are_not_utf8_is_a_usage_error(built, runner):
    result = runner.invoke(main, ["search", NOT_UTF8, "--content", str(built.content_dir),
                                  "--index", str(built.index_dir)])
    assert result.exit_code == 2 and "UTF-8" in result.output
