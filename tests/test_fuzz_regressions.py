"""Inputs the fuzzers (fuzz/pages.py, fuzz/queries.py) found to crash or to take over a
second, reduced by hand, each with what it must do now: a page is a Document or a
ContentError naming its file, a query an answer or a QueryError, within a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from casesearch.config import load_settings
from casesearch.content import Document, PageFile, load_page
from casesearch.errors import ContentError

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
