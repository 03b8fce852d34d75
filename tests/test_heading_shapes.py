"""A page's headings are read all at once, not one by one: their ids are made from their
shapes (markdown's _IdMaker: _words_texts, _emphasis_texts), and HTML headings are made
plain together (_Builder.sections). For any headings and any link and footnote
definitions, the ids equal those of each heading parsed alone by the span parser; an HTML
heading's text is clean_inline of its inner HTML, and it is a heading when that has text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from casesearch import markdown
from casesearch.markdown import (
    HeadingIds,
    clean_inline,
    gfm_id,
    kramdown_id,
    to_sections,
)

# pieces a heading is made of: words of every length (the 4+ ones get stand-ins), digits,
# the characters before a word that make it a name or not, and each span the parser reads
WORDS = ["a", "le", "réf", "lien", "page", "données", "1", "12", "123", "1234", "12345", "2026", "Voir", "ÉTÉ", "x1y2",
         "12ab", "ab12", "nbsp", "amp", "eacute", "http", "mailto", "comment", "nomarkdown", "٣٤٥", "𝟏"]
MARKUP = [" ", " ", " ", "-", "--", ".", "/", ":", "#", "&", "&amp;", "&nbsp;", "&#233;", "&#94209;", "&#x17001;",
          "&foo;", "*", "**", "_", "__", "`", "``", "[", "]", "](", ")", "](x)", "][r]", "[^n]", "[^note]", "<",
          ">", "<b>", "</b>", "<x-", "<http://", "@", "\\*", "\\_", "\\[", "{:", "}", "{::comment}", "{:/}", "$$",
          "!", "![", "(", "'", '"', "<<", ">>", "...", "\U00017000", "\U00018000", "~"]
heading = st.lists(st.sampled_from(WORDS) | st.sampled_from(MARKUP), min_size=1, max_size=14).map("".join).map(
    lambda text: text.strip().replace("\n", " ")).filter(bool)
labels = st.lists(st.sampled_from(["r", "n", "note", "lien", "le lien", "x", "page-1234", "réf", "1"]), max_size=3)


def alone(raws: list[str], gfm: bool, refs: frozenset[str], notes: frozenset[str]) -> list[str] | None:
    """The ids of `raws`, each heading's text from the span parser run on it alone; None when
    the parser ran out of steps on one (its shape, shorter, may be parsed in full)."""
    texts = []
    for raw in raws:
        if markdown._SPAN_CHARS.search(raw) and len(raw) <= markdown._SPAN_MAX_CHARS:   # longer: its raw text
            text = markdown._parsed(raw, gfm, refs, notes)
            if text is None:
                return None
            raw = text
        texts.append(raw)
    ids = [gfm_id(text) if gfm else kramdown_id(text) for text in texts]
    used: dict[str, int] = {}
    out = []
    for gen in ids:
        if gfm:
            count = used.get(gen, -1) + 1
            used[gen] = count
            out.append(f"{gen}-{count}" if count else gen)
        else:
            gen = gen or "section"
            if gen in used:
                used[gen] += 1
                gen = f"{gen}-{used[gen]}"
            else:
                used[gen] = 0
            out.append(gen)
    return out


def made(raws: list[str], ids: HeadingIds, refs: frozenset[str], notes: frozenset[str]) -> list[str]:
    make = markdown._IdMaker(ids)
    make.refs, make.notes = refs, notes
    return make.all(raws)


@pytest.mark.parametrize("ids", [HeadingIds("gfm"), HeadingIds("kramdown", stripping=True)], ids=["gfm", "kd_strip"])
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(raws=st.lists(heading, min_size=1, max_size=12), refs=labels, notes=labels, repeat=st.integers(1, 3))
def test_ids_made_by_shape_equal_ids_of_each_heading_parsed_alone(ids, raws, refs, notes, repeat):
    # headings written again, and again with other words, so that shapes are shared
    raws = raws * repeat + [raw.replace("lien", "site").replace("1234", "9876").replace("1", "7") for raw in raws]
    refs_, notes_ = frozenset(refs), frozenset(notes)
    expected = alone(raws, ids.input == "gfm", refs_, notes_)
    assume(expected is not None)
    assert made(raws, ids, refs_, notes_) == expected


@pytest.mark.parametrize("raws", [
    # a URL's number after '-' (page-12345) now gets a stand-in: headings of links share a shape
    ["Voir [le lien](page-12345.html) et [réf][r] 12345", "Voir [le lien](page-12346.html) et [réf][r] 12346"],
    # a tag name and an entity name holding a stand-in after '-' read as they did
    ["Titre <x-abcdef>gras</x-abcdef> fin", "Titre &x-abcdef; fin", "Titre <ab-cdefg.hi@ex.fr> fin"],
    # numeric references that make a stand-in, and stand-ins themselves
    ["abcdef &#94209; ghijkl", "abcdef &#x17001; ghijkl", "abcdef \U00017001 ghijkl &amp;", "a &#120783; 12 &amp;",
     "a \U0001d7cf 12 &amp;", "a \U0001e959 12 &amp;"],
    # numbers beside what makes them names or not: an entity, a footnote, an address
    ["&#1234; 12 &#x12; x-12 #12 12@x.fr <a-12.b@c.fr> [^12] [^n-12] 12_ _12_ *12* 1.2", "Étape 1 : *2* et 3"],
    # never-closed emphasis beside a link or an entity, and alone
    ["_a *b __c **d [x](y) 12345", "_a *b __c **d &amp; 12345", "_a *b __c **d 12345", "_a *b __c **d 12346"],
    # one shape, one heading over the span parser's length limit: it keeps its raw text
    ["Leee *mot* `a` fin &amp; x", "L" + "e" * 2500 + " *mot* `a` fin &amp; x"],
])
def test_known_hard_headings(raws):
    for ids in (HeadingIds("gfm"), HeadingIds("kramdown", stripping=True)):
        for refs in (frozenset(), frozenset({"r"}), frozenset({"le lien"})):
            expected = alone(raws, ids.input == "gfm", refs, frozenset())
            assert expected is not None
            assert made(raws, ids, refs, frozenset()) == expected


INNER = ["Titre", "12", " ", "<b>", "</b>", "<br/>", "&amp;", "&#8203;", "&lt;b&gt;", "&nbsp;", "[x](y)", "![alt](i.png)",
         "{: .c}", "\\*", "*", "_", "`", "<https://ex.fr>", "<a@b.fr>", "[^1]", "|", "~~", "é", "<!-- c -->", "\u200b"]


@settings(max_examples=300, deadline=None)
@given(inners=st.lists(st.lists(st.sampled_from(INNER), min_size=1, max_size=6).map("".join), min_size=1, max_size=6))
def test_html_headings_made_plain_together_equal_each_made_alone(inners):
    body = "".join(f'<h2 id="h{i}">{inner}</h2>\n\ntexte {i}\n\n' for i, inner in enumerate(inners))
    headings = [(s.heading, s.anchor) for s in to_sections(body) if s.level]
    texts = [clean_inline(markdown._drop(inner)) for inner in inners]   # comments go first, from the whole page
    assert headings == [(text, f"h{i}") for i, text in enumerate(texts) if text]
