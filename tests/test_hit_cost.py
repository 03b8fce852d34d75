"""What showing a hit costs is bounded by counts, never by a clock: a page's texts are
joined, scanned for a query's seeds and cut into words once, kept with its record (a query asked
again does none of it), a passage's snippet is made once even when it is also the hit's
snippet, and a hit reads its record from the page store once, not once per field."""

from __future__ import annotations

import pytest
from conftest import require_compiled

from casesearch import highlight, pagestore, searcher
from casesearch.content import Document
from casesearch.highlight import Matcher
from casesearch.markdown import Section
from casesearch.schema import StoredPage
from casesearch.searcher import Searcher


def counted(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list:
    """The calls of owner.name from now on (each call's arguments)."""
    calls: list = []
    real = getattr(owner, name)

    def counting(*args, **kwargs):  # noqa: ANN202 - whatever the real one returns
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


class CountingPattern:
    """A compiled pattern whose match() calls are counted."""

    def __init__(self, pattern) -> None:  # noqa: ANN001 - an re.Pattern
        self.pattern, self.calls = pattern, 0

    def match(self, *args):  # noqa: ANN202
        self.calls += 1
        return self.pattern.match(*args)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_a_query_asked_again_scans_no_page_again(built, monkeypatch, compiled):
    """Where highlighting's loops are compiled (`_highlight.c`), a page's words are cut
    in C each time (no pattern is run), and only the scan is kept; in Python, both."""
    if not compiled:
        monkeypatch.setattr(highlight, "compiled", None)
    else:
        require_compiled(highlight.compiled, "_highlight", "the Python loops run")
    s = Searcher(built)
    try:
        texts = counted(monkeypatch, highlight.Texts, "of")
        scans = counted(monkeypatch, highlight, "_starts")
        words = CountingPattern(highlight._WORD)
        monkeypatch.setattr(highlight, "_WORD", words)
        first = s.search("logiciel libre")
        assert first.hits and "<mark>" in first.hits[0].title_html
        assert len(texts) == len(first.hits)   # once per page shown
        assert 0 < len(scans) <= len(first.hits)   # at most one scan of each page for the query's seeds
        assert (words.calls > 0) is not compiled
        texts.clear()
        scans.clear()
        cut = words.calls
        again = s.search("logiciel libre")
        assert again.hits == first.hits
        assert (len(texts), len(scans), words.calls - cut) == (0, 0, 0)
    finally:
        s.close()


def _page(sections: list[Section]) -> StoredPage:
    return StoredPage.of(Document(source="p.md", url="/p/", title="Une page", summary="", tags=(), category="",
                                  date=None, lang="fr", sections=tuple(sections)))


def test_the_passage_shown_is_also_the_snippet_without_a_second_snippet(monkeypatch):
    sections = [Section(heading=f"Partie {i}", anchor=f"partie-{i}", level=2, text=f"Un texte ordinaire {i}.")
                for i in range(40)]
    sections[7] = Section(heading="Lecture", anchor="lecture", level=2, text="Les bibliothèques municipales.")
    snippets = counted(monkeypatch, searcher, "snippet")
    hit = searcher._hit(_page(sections), 1.0, Matcher(stems=frozenset(), forms=frozenset(),
                                                      prefixes=("bibliotheq",)))
    assert [s.anchor for s in hit.sections] == ["lecture"]
    assert hit.snippet_html == hit.sections[0].snippet_html == "Les <mark>bibliothèques</mark> municipales."
    assert len(snippets) == 1


def test_a_hit_reads_its_record_from_the_page_store_once(built, monkeypatch):
    s = Searcher(built)
    try:
        assert s.snapshot().store is not None   # pages read through snapshot.Page proxies
        reads = counted(monkeypatch, pagestore.Store, "page")
        result = s.search("publique")
        assert len(result.hits) > 1
        assert len(reads) == len(result.hits)
    finally:
        s.close()
