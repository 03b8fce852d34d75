"""Links between the site's pages: the text a link shows and the page it points to.

Other pages name a page when they link to it (`[le guide du recrutement](/recrutement/)`);
those texts are indexed as a field of the page pointed at, as web search engines use
anchor text. Three steps:

- `extract(markdown, html=False) -> list[Link]`: every link of a page body (front matter
  removed), in order, as `Link(text, target)`: the visible text as plain text (markup,
  code backticks, tags, Liquid removed, an image's alt text kept, entities decoded,
  whitespace collapsed) and the target as written. Read as kramdown reads it: inline
  `[text](target "title")` and `[text](<target>)`; reference `[text][ref]`, `[text][]` and
  `[text]` with `[ref]: target` anywhere in the page (labels compared case-insensitively,
  spaces collapsed); HTML `<a href>`. Left out: images, footnotes, autolinks (their text is
  the address), links in code spans, code blocks, comments and raw HTML blocks (where
  kramdown shows `[x](y)` as written), links with no text. `html=True` reads a `.html`
  page: `<a href>` only.
- `resolve(target, page_url, site) -> str | None`: the `url_key` of the page of `site` the
  link points to; None for another site, `mailto:`/`tel:`/`javascript:`, `#fragment` (the
  same page), a file that is no page, a broken link, Liquid this module cannot evaluate.
  A path that is no page's key may still lead to one: a page's `redirect_from` paths
  (`LinkSite.aliases`), or a key that differs only in case from a single page's.
  `site_path(target, page_url, site)`: the path within the site, page or not; None when
  the target leaves the site. Liquid is evaluated as Jekyll 4.3 does (tags/link.rb,
  tags/post_url.rb, filters/url_filters.rb): `{{ site.url }}`, `{{ site.baseurl }}`,
  `{{ 'x' | relative_url }}`, `absolute_url`, `prepend:`/`append:`, `{% link path %}`
  (a path relative to the site, or to `collections_dir` for documents) and
  `{% post_url [dir/]YYYY-MM-DD-slug %}`, both with baseurl in front.
  `LinkSite(by_source, url=, baseurl=, collections_dir=, hosts=, aliases=)` holds what this
  needs; `LinkSite.from_site(site, by_source, aliases)` makes it from casesearch's `Site`.
- `anchors(pages, site) -> {source: [text, ...]}`: for each page of `site`, the texts of
  the links other pages point at it with, one per linking page and text (texts compared
  case-insensitively), most-used first; the number of linking pages is the weight.
  `pages` (source -> (URL, links)) may hold pages the index leaves out (`robots: noindex`):
  their links are on the site all the same.

`url_key(path)`: one form for a page's URL path and a link's path, so that `/apropos`,
`/apropos/`, `/apropos/index.html`, `/apropos/index` and `/apropos.html` all meet (Jekyll and
GitHub Pages serve `/x.html` at `/x` too): percent-decoded, NFC, one leading '/', repeated
'/' collapsed, a final `index.html`/`index.htm`/`index` dropped, then a final `.html`/`.htm`,
then trailing '/' ('/' stays '/'). Page URLs in `LinkSite.by_source` and `page_url` are
Jekyll's `page.url` (no baseurl) or the page's full URL (`Document.url`).

No markdown library: the patterns scan forward without nested repetition, brackets and
parentheses are paired by one stack pass (array operations for a text of many) and the rest
is looked up in sorted positions, so any page is read in one pass (250 KB of `[`, `(`, `<`,
`[a](`... in 0.05 to 0.4 s). The expected links of the tests are checked against Debian's
Jekyll, and every page of both sites of ../shared/corpus gives the links kramdown renders.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from html import unescape
from itertools import accumulate
from operator import itemgetter
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

import numpy as np

from .markdown import FOOTNOTE_NAME, build_all, clean_inlines

if TYPE_CHECKING:
    from .site import Site

__all__ = ["Link", "LinkSite", "anchors", "extract", "resolve", "site_path", "url_key"]


@dataclass(frozen=True)
class Link:
    text: str  # visible text, plain
    target: str  # as written: "/apropos", "../x.html", "{% link _posts/x.md %}", "mailto:..."


SOLID = "\x01"  # stands for masked characters that are not text to the link parser (Liquid, code)

# --- extract: regions that hold no link, then blocks, then spans --------------------------------

_VOID_REGIONS = re.compile(
    r"\{::comment\}.*?(?:\{:/comment\}|\{:/\}|\Z)"
    r"|\{%-?\s*comment\s*-?%\}.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)"
    r"|\{%-?\s*highlight\b.*?(?:\{%-?\s*endhighlight\s*-?%\}|\Z)"
    r"|<(script|style|template|svg|noscript|textarea)\b[^<>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_COMMENT_UNCLOSED = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# Liquid is rendered before kramdown reads the page: a tag ends before the next opener
_LIQUID = re.compile(r"\{\{(?:(?!\{\{).)*?\}\}|\{%(?:(?!\{%).)*?%\}", re.S)
_FENCE = re.compile(r"([ \t]*)(([`~])\3{2,})[ \t]*(\S+)?[ \t]*$")  # kramdown-parser-gfm: one info word
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+[^ \t#]")  # GFM: a space after the hashes, some text
_HTML_BLOCK = re.compile(r" {0,3}<([A-Za-z][\w:-]*)(?=[\s/>]|$)([^>]*)")
_HTML_SPAN_ELEMENTS = frozenset(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark option q rb "
    "rbc rp rt rtc ruby samp select small span strong sub sup textarea tt var".split())
_HTML_VOID = frozenset("area base col embed hr link meta param source track wbr".split())
_MARKDOWN_ATTR = re.compile(r"""\bmarkdown\s*=\s*["']?(?:1|block|span)\b""", re.I)
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][\w:-]*)")
# not a footnote definition (markdown.FOOTNOTE_NAME); '[^a b]: x' is a link's
_DEFINITION = re.compile(rf"[ \t]*\[(?!\^{FOOTNOTE_NAME}\]:)([^\]\n]+)\]:(.*)")
_ESCAPED = re.compile(r"\\[\\.*_+`<>()\[\]{}#!:|\"'$=~-]")  # kramdown's ESCAPED_CHARS, GFM's '~' too
_TICKS = re.compile(r"`+")
_WHITESPACE = re.compile(r"\s+")
_REF_START = re.compile(r"[ \t]*\n?[ \t]*\[")
_TITLE_START = re.compile(r"\s*([\"'])")
_A_OPEN = re.compile(r"<a(?=[\s>/])[^<>]*>", re.I)
_A_START = re.compile(r"<a", re.I)
# kramdown's HTML_TAG_RE, after '<a'
_KRAMDOWN_TAG = re.compile(r"""(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:\w+|"[^"]*"|'[^']*'))?)*\s*/?>""")
_A_CLOSE = re.compile(r"</a\s*>", re.I)
_HREF = re.compile(r"""[\s"']href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_IMG = re.compile(r"<img\b[^<>]*>", re.I)
_ALT = re.compile(r"""[\s"']alt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def extract(markdown: str, html: bool = False) -> list[Link]:
    """Every link of a page body, in order; `html=True` for a page that is not markdown."""
    src = markdown.replace("\r\n", "\n").replace("\r", "\n").replace(SOLID, " ")
    if ("[" not in src or html) and not _A_START.search(src):
        # masking never adds a character: no '[' is no markdown link, no '<a' no HTML one (a
        # page of 120,000 short headings spent half a second in the block pass for nothing)
        return []
    masked = _LIQUID.sub(_solid, _hide_comments(_VOID_REGIONS.sub(_blank, src), html))
    found: list[tuple[int, str, str]] = []   # (offset, text as written, target)
    ends: list[int] = []  # where a paragraph (or a heading, a list item's text) ends
    if not html:
        blocks = _Blocks(masked)
        ends = blocks.ends
        masked = _spans(blocks.text, ends)
        found += _markdown_links(src, _Spans(masked, blocks.text, ends), blocks.definitions)
    found += _html_links(src, masked, ends, markdown=not html)
    found.sort(key=itemgetter(0))
    # the texts made plain all at once (a call per link was a fifth of a page of links)
    texts = clean_inlines([text for _, text, _ in found])
    kept = [(text, target) for text, (_, _, target) in zip(texts, found) if text]
    if not kept:
        return []
    texts, targets = zip(*kept)
    return build_all(Link, text=texts, target=targets)   # Link(text, target) for each, without its __init__


def _hide_comments(text: str, html: bool) -> str:
    """HTML comments blanked. A browser hides all that follows an unclosed `<!--`; kramdown
    shows it as text, and no `<!--` after the last `-->` is scanned (a page of `<!--` stays linear)."""
    if html:
        return _COMMENT_UNCLOSED.sub(_blank, text)
    end = text.rfind("-->") + 3
    return _COMMENT.sub(_blank, text[:end]) + text[end:] if end > 2 else text


def _blank(match: re.Match[str]) -> str:
    return "\n".join(" " * len(line) for line in match.group().split("\n"))


def _solid(match: re.Match[str]) -> str:
    return "\n".join(SOLID * len(line) for line in match.group().split("\n"))


def _alt(match: re.Match[str]) -> str:
    alt = _ALT.search(match.group())
    return f" {alt.group(1) or alt.group(2) or ''} " if alt else " "


def _text(raw: str) -> str:
    """The text a link shows, Liquid and comments dropped, an image's alt text kept; made
    plain (clean_inline) by `extract`, for all links at once."""
    if "{" in raw:
        raw = _LIQUID.sub(" ", raw)
    if "<" in raw:
        raw = _IMG.sub(_alt, _COMMENT.sub(" ", raw))
    return raw


class _Blocks:
    """kramdown's block level, as far as links care: code blocks blanked, raw HTML blocks
    without markdown brackets, definitions read and blanked, and where each paragraph, heading
    and list item's text ends (`ends`: the offsets of the newlines spans do not cross)."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.definitions: dict[str, str] = {}
        self.breaks: set[int] = set()  # lines that start a new span context
        self._read_lines: dict[str, tuple[str, str] | None] = {}   # a definition line -> (label, URL)
        self._runs = _runs(text)
        self._read(_Fences(self.lines))
        # line i starts after the i lines before it and their newlines, the newline before it
        # is at before[i] (no loop over the lines, in Python)
        before = list(accumulate(map((1).__add__, map(len, self.lines)), initial=-1))
        breaks = sorted(self.breaks)
        breaks = breaks[bisect_left(breaks, 1):bisect_left(breaks, len(self.lines))]
        self.ends = list(map(before.__getitem__, breaks))
        self.text = "\n".join(self.lines)

    def _blank(self, i: int) -> None:
        self.lines[i] = " " * len(self.lines[i])
        self.breaks.add(i)

    def _define(self, i: int, text: str) -> bool:
        """Read `text` as a definition `[ref]: url "title"` (blanking line i), if it is one."""
        if text[:1] != "[":
            return False
        # a line written again is read once (a page repeating a definition, 30,000 times)
        if text in self._read_lines:
            found = self._read_lines[text]
        else:
            m = _DEFINITION.match(text)
            url = _definition(m.group(2)) if m else None
            found = self._read_lines[text] = None if url is None else (_label(m.group(1)), url)
        if found is None:
            return False
        self.definitions[found[0]] = found[1]  # kramdown warns and keeps the last
        self._blank(i)
        return True

    def _read(self, fences: _Fences) -> None:
        lines, breaks = self.lines, self.breaks
        boundary, code_open, last_code = True, False, False  # boundary: a block may start on this line
        list_column = -1  # where the text of the current list item starts; -1: no list
        html_tag, depth, i = "", 0, 0
        count, add = len(lines), breaks.add
        while i < count:
            line = lines[i]
            if html_tag:
                depth += _tag_depth(line, html_tag)
                lines[i] = line.replace("[", SOLID).replace("]", SOLID)
                if depth <= 0:
                    html_tag, boundary = "", True
                    breaks.add(i + 1)
                i += 1
                continue
            stripped = line.strip()
            if not stripped:
                boundary, last_code = True, False
                add(i)
                i += 1
                if i in self._runs:   # what _read does line by line, at once
                    end, definitions = self._runs[i]
                    for k in definitions:
                        if not self._define(k, lines[k]):   # text: the run ends before it
                            end = k
                            break
                    breaks.update(range(i, end))
                    list_column, code_open = -1, False
                    i = end
                continue
            if line[0].isspace():
                expanded = line.expandtabs(4)
                indent = len(expanded) - len(expanded.lstrip())
            else:   # most lines: no call
                indent = 0
            code_indent = list_column + 4 if list_column >= 0 else 4
            if last_code or (indent >= code_indent and (code_open or boundary)):
                self._blank(i)  # kramdown's code block, its lazy lines included
                code_open = last_code = True
                boundary = False
                i += 1
                continue
            at_boundary, boundary, code_open = boundary, False, False
            first = stripped[0]
            if first in "`~" and (close := fences.close(i, code_indent)) is not None:
                for k in range(i, close + 1):
                    self._blank(k)
                i, boundary = close + 1, True
                continue
            if (first in "-*+" or first.isdigit()) and (item := _LIST_ITEM.match(line)):  # GFM: a list item interrupts a paragraph
                list_column = len(item.group().expandtabs(4))
                breaks.add(i)
                self._define(i, line[item.end():])
            elif at_boundary and indent == 0:
                list_column = -1
            if first == "#" and _HEADING.match(line):
                boundary = True  # an ATX heading is one line
                add(i)
                add(i + 1)
            elif first == "<" and (m := _HTML_BLOCK.match(line)) and m.group(1).lower() not in _HTML_SPAN_ELEMENTS:
                tag = m.group(1).lower()
                breaks.add(i)
                if not _MARKDOWN_ATTR.search(m.group(2)):
                    lines[i] = line.replace("[", SOLID).replace("]", SOLID)
                    if tag not in _HTML_VOID and (depth := _tag_depth(line, tag)) > 0:
                        html_tag = tag
                    else:
                        breaks.add(i + 1)
            elif first == ">" and (i == 0 or not lines[i - 1].lstrip().startswith(">")):
                breaks.add(i)
            elif at_boundary and line[0] == "[" and self._define(i, line):  # inside a paragraph the line is text
                boundary = True
            i += 1


# Runs of ATX headings, quote lines and reference definitions at the first column, each
# followed by blank lines, after a blank line: read line by line, each is a break (a heading
# and the line after it, a quote line after a non-quote line, a definition, a blank line),
# a definition is read (_define), and the last leaves the state any blank line leaves
# (boundary, no code, no list). A line of a definition's shape that is none is text: the run
# ends before it. A page of 50,000 headings holding links spent a tenth of extract on its
# lines one by one, a third when a definition followed each.
_RUN = re.compile(r"\n[ \t]*\n((?:(?:#{1,6}[ \t]+[^ \t#\n]|>|\[(?!\^)[^\]\n]+\]:)[^\n]*\n(?:[ \t]*\n)+)+)")
_RUN_DEFINITION = re.compile(r"^\[", re.M)


def _runs(text: str) -> dict[int, tuple[int, list[int]]]:
    """The first line of each run -> the line after it, and its definitions' lines."""
    out: dict[int, tuple[int, list[int]]] = {}
    number, last = 0, 0
    if "\n#" not in text and "\n>" not in text and "\n[" not in text:
        return out
    for m in _RUN.finditer(text):
        number += text.count("\n", last, m.start(1))
        last = m.start(1)
        run = m.group(1)
        definitions, line, at = [], number, 0
        for d in _RUN_DEFINITION.finditer(run):
            line += run.count("\n", at, d.start())
            at = d.start()
            definitions.append(line)
        out[number] = (number + run.count("\n"), definitions)
    return out


class _Fences:
    """The fence lines of a body: any may open a code block, bare ones may close one."""

    def __init__(self, lines: list[str]) -> None:
        self.openers: dict[int, tuple[str, int, int]] = {}
        self.closers: dict[str, list[tuple[int, int, int]]] = {"`": [], "~": []}
        for i, line in enumerate(lines):
            if line[:1] in " \t`~" and (m := _FENCE.match(line)):
                fence = (m.group(3), len(m.group(2)), len(m.group(1).expandtabs(4)))
                self.openers[i] = fence
                if m.group(4) is None:
                    self.closers[fence[0]].append((i, fence[1], fence[2]))

    def close(self, i: int, code_indent: int) -> int | None:
        """The line closing the fence opened at line i (same character, at least as long, no
        info word, both less indented than code), or None: kramdown-parser-gfm reads an
        unclosed fence as text."""
        if i not in self.openers:
            return None
        char, size, indent = self.openers[i]
        if indent >= code_indent:
            return None
        closers = self.closers[char]
        for line, length, depth in closers[bisect_left(closers, (i + 1,)):]:
            if length >= size and depth < code_indent:
                return line
        return None


def _tag_depth(line: str, tag: str) -> int:
    """Opening minus closing `tag` tags in a line of a raw HTML block."""
    depth = 0
    for m in _TAG_NAME.finditer(line):
        if m.group(2).lower() == tag:
            depth += -1 if m.group(1) else 1
    return depth


def _label(text: str) -> str:
    """kramdown's normalize_link_id."""
    if text.isprintable() and "  " not in text:   # no whitespace but single spaces (' ' is
        return text.lower()   # the only printable one): nothing to collapse
    return _WHITESPACE.sub(" ", text).lower()


def _definition(rest: str) -> str | None:
    """The URL of a reference definition (`[ref]: URL "title"`), or None when kramdown's
    LINK_DEFINITION_START does not take the line as one."""
    rest = rest.strip()
    if rest.startswith("<") and (end := rest.find(">")) > 0:
        return rest[1:end]
    if not rest:
        return None
    url = rest
    quote = rest[-1]
    if quote in "\"'":
        for m in _SPACE_THEN[quote].finditer(rest[:-2]):
            if rest[:m.start()].strip():
                url = rest[:m.start()].strip()
                break
    return None if ("'" in url or '"' in url) and _SPACE_QUOTE.search(url) else url


_SPACE_THEN = {q: re.compile(rf"[ \t]{q}") for q in "\"'"}
_SPACE_QUOTE = re.compile(r"[ \t][\"']")


def _spans(text: str, ends: list[int]) -> str:
    """Code spans, then escaped characters, masked as kramdown reads them left to right: a
    backtick run opens a span unless a backslash escapes its first backtick, and a span
    closes at the next occurrence of the same run within the paragraph."""
    pieces, last, pos = [], 0, 0
    while (start := text.find("`", pos)) >= 0:
        end = _TICKS.match(text, start).end()
        slashes = start
        while slashes and text[slashes - 1] == "\\":
            slashes -= 1
        start += (start - slashes) % 2  # an escaped backtick is text
        run = text[start:end]
        if not run or (run == "`" and (start == 0 or text[start - 1].isspace()) and end < len(text)
                       and text[end].isspace()):
            pos = end
            continue
        close = text.find(run, end, _next(ends, start, len(text)))
        if close < 0:
            pos = end
            continue
        end = close + len(run)
        pieces += [text[last:start], "\n".join(SOLID * len(p) for p in text[start:end].split("\n"))]
        last = pos = end
    return _ESCAPED.sub(SOLID * 2, "".join(pieces) + text[last:])


def _next(positions: Sequence[int], at: int, default: int) -> int:
    """The first of the sorted `positions` at or after `at`, else `default`."""
    k = bisect_left(positions, at)
    return positions[k] if k < len(positions) else default


class _Spans:
    """Where links may be in a body: bracket pairs (escaped brackets and code spans masked),
    and what kramdown's scan of a `(url "title")` meets in the text as written: parenthesis
    pairs, quotes, `>`; links never cross a blank line."""

    def __init__(self, masked: str, raw: str, ends: list[int]) -> None:
        self.m, self.raw, self.ends = masked, raw, ends
        self.brackets = _pairs(masked, "[]", ends)

    @cached_property
    def parens(self) -> dict[int, int]:
        """Only for a link that is not simple (see _SIMPLE_INLINE): most pages need none."""
        return _pairs(self.raw, "()", self.ends)

    # what `(url "title")` needs, found once for the whole body and only when a link needs it
    @cached_property
    def newlines(self) -> list[int]:
        return [m.start() for m in re.finditer("\n", self.raw)]

    @cached_property
    def closers(self) -> list[int]:
        return [m.start() for m in re.finditer(">", self.raw)]

    @cached_property
    def space_quotes(self) -> list[int]:
        return [m.start() for m in re.finditer(r"\s(?=[\"'])", self.raw)]

    @cached_property
    def title_ends(self) -> dict[str, list[int]]:
        return {q: [m.start() for m in re.finditer(rf"{q}\s*\)", self.raw)] for q in "\"'"}

    def block_end(self, at: int) -> int:
        return _next(self.ends, at, len(self.m))

    def inline(self, src: str, j: int) -> tuple[str, int] | None:
        """kramdown's `(url "title")` at j: (url, end), or None when it is no link."""
        m, limit = self.raw, self.block_end(j)
        title_at = -1
        if m.startswith("(<", j):
            gt = _next(self.closers, j + 2, limit)
            if gt < min(limit, _next(self.newlines, j, limit)):
                url = src[j + 2:gt]
                if m.startswith(")", gt + 1):
                    return url, gt + 2
                title_at = gt + 1
        if title_at < 0:
            close = self.parens.get(j, limit)
            space = _next(self.space_quotes, j, limit)
            if close < space:
                return src[j + 1:close].strip(), close + 1
            if space >= limit:
                return None
            url, title_at = src[j + 1:space].strip(), space
        quote = _TITLE_START.match(m, title_at, limit)
        if not quote:
            return None
        end = _next(self.title_ends[quote.group(1)], quote.end() + 1, limit)
        if end >= limit:
            return None
        return url, m.index(")", end) + 1


# a run of 8 or more of one bracket is pushed or paired at once: a page of '[' or '(' was a
# loop over 2 million characters (1 s of the 2 MB page); other brackets one by one
_BRACKET_RUNS = {"[]": re.compile(r"\[{8,}|\]{8,}"), "()": re.compile(r"\({8,}|\){8,}")}
_BRACKETS = {"[]": re.compile(r"[\[\]]"), "()": re.compile(r"[()]")}
_BRACKETS_AND_RUNS = {pair: re.compile(f"{runs.pattern}|{_BRACKETS[pair].pattern}") for pair, runs in _BRACKET_RUNS.items()}


def _pairs(text: str, pair: str, ends: list[int]) -> dict[int, int]:
    """Each opening character of `pair` -> the closing one that matches it in the same
    paragraph: one stack pass."""
    out: dict[int, int] = {}
    opening, closing = pair
    if opening not in text or closing not in text:
        return out
    runs = {m.start(): m.end() for m in _BRACKET_RUNS[pair].finditer(text)} \
        if opening * 8 in text or closing * 8 in text else {}
    if not runs and text.count(opening) + text.count(closing) > _MANY_BRACKETS:
        return _pairs_of_arrays(text, pair, ends)
    positions = [t.start() for t in (_BRACKETS_AND_RUNS if runs else _BRACKETS)[pair].finditer(text)]
    stack: list[int] = []
    k = 0
    for at in positions:
        if k < len(ends) and ends[k] < at:
            stack.clear()
            k = bisect_left(ends, at)
        if runs and at in runs:
            end = runs[at]
            if text[at] == opening:
                stack.extend(range(at, end))
            elif take := min(end - at, len(stack)):
                out.update(zip(reversed(stack[-take:]), range(at, at + take)))
                del stack[-take:]
        elif text[at] == opening:
            stack.append(at)
        elif stack:
            out[stack.pop()] = at
    return out


_MANY_BRACKETS = 2000


def _pairs_of_arrays(text: str, pair: str, ends: list[int]) -> dict[int, int]:
    """_pairs in a few array operations, for a text of many brackets (a step per bracket
    was a third of `extract` for a page of headings full of links). The stack's depth is
    the running sum of +1 (opening) and -1 (closing) kept at or above 0, from 0 at each
    paragraph: the sum minus its running minimum when that is below 0. An opening one
    takes the depth after it, a closing one that finds something to close the depth
    before it; within a paragraph and a depth they come in turns, each opening one closed
    by the next."""
    opening, closing = map(ord, pair)
    chars = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    at = np.flatnonzero((chars == opening) | (chars == closing))
    step = np.where(chars[at] == opening, 1, -1)
    seg = np.searchsorted(np.asarray(ends, dtype=np.int64), at)   # the ends before each one
    new_seg = np.empty(len(at), dtype=bool)
    new_seg[0] = True
    np.not_equal(seg[1:], seg[:-1], out=new_seg[1:])
    seg_index = np.cumsum(new_seg) - 1
    total = np.cumsum(step)
    relative = total - (total - step)[new_seg][seg_index]   # the sum within its paragraph
    # each paragraph's values made lower than all before it, so that the running minimum
    # starts again at each paragraph
    shift = (2 * len(at) + 1) * seg_index
    lowest = np.minimum.accumulate(relative - shift) + shift
    depth = relative - np.minimum(lowest, 0)
    depth_before = np.empty_like(depth)
    depth_before[0] = 0
    depth_before[1:] = depth[:-1]
    depth_before[new_seg] = 0
    opens = step > 0
    kept = np.flatnonzero(opens | (depth_before > 0))   # a closing one with nothing open is text
    keys = seg_index * (len(at) + 2) + np.where(opens, depth, depth_before)   # paragraph, depth
    order = kept[np.argsort(keys[kept], kind="stable")]
    key = keys[order]
    paired = opens[order[:-1]] & ~opens[order[1:]] & (key[:-1] == key[1:])
    return dict(zip(at[order[:-1][paired]].tolist(), at[order[1:][paired]].tolist()))


# `(url)` with no parenthesis, space, '<' or masked character inside: what spans.inline
# gives it is its inside stripped (no need to look for a title, a '>', the closing one)
_SIMPLE_INLINE = re.compile(r"\(([^()\s<\x01]*)\)")
_SIMPLE_LABEL = re.compile(r"\[[^\]\n]*\]")


def _markdown_links(src: str, spans: _Spans, definitions: dict[str, str]) -> list[tuple[int, str, str]]:
    masked = spans.m
    out: list[tuple[int, str, str]] = []
    done = 0
    brackets = spans.brackets
    # the simple inline links' '(' -> their ')', in one pass (spans.inline was a third of
    # the time of a page of links)
    simple = {m.start(): m.end() for m in _SIMPLE_INLINE.finditer(masked)} if "(" in masked else {}
    # and a '[' -> the first ']' after it on its line: the label of a reference link there
    labels = {m.start(): m.end() - 1 for m in _SIMPLE_LABEL.finditer(masked)} if definitions else {}
    starts = sorted(brackets)
    if not definitions:   # only a '[' whose ']' has a '(' after it may be a link
        starts = [start for start in starts if masked.startswith("(", brackets[start] + 1)]
    for start in starts:
        if start < done or masked.startswith("^", start + 1):  # inside the last link; a footnote
            continue
        close = brackets[start]
        raw = src[start + 1:close]
        j = close + 1
        if (after := simple.get(j)) is not None:
            found = (src[j + 1:after - 1].strip(), after)
        elif masked.startswith("(", j):
            found = spans.inline(src, j)
        elif not definitions:
            continue
        elif (end := labels.get(j)) is not None:   # `[text][label]`: what the next branch finds
            label = _label(src[j + 1:end] or _unescape(raw))
            found = (definitions[label], end + 1) if label in definitions else None
        elif (ref := _REF_START.match(masked, j)) and (end := masked.find("]", ref.end(), spans.block_end(j))) >= 0:
            label = _label(src[ref.end():end] or _unescape(raw))
            found = (definitions[label], end + 1) if label in definitions else None
        else:
            label = _label(_unescape(raw))
            found = (definitions[label], j) if label in definitions else None
        if found is None:
            continue  # the '[' is text: links may start inside it
        done = found[1]
        if start and masked[start - 1] == "!":
            continue  # an image: only its alt text inside a link counts
        out.append((start, _text(raw), found[0]))
    return out


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: m.group()[1], text) if "\\" in text else text


def _html_links(src: str, masked: str, ends: list[int], markdown: bool) -> list[tuple[int, str, str]]:
    """`<a href>...</a>`. In markdown, only the tags kramdown takes for HTML (values quoted or
    made of word characters: `<a href=/x>` is shown as written), and an unclosed one ends
    with its paragraph."""
    opens = [m for m in _A_OPEN.finditer(masked)
             if not markdown or _KRAMDOWN_TAG.fullmatch(masked, m.start() + 2, m.end())]
    starts = [m.start() for m in opens]
    closes = [m.start() for m in _A_CLOSE.finditer(masked)]
    out = []
    for tag in opens:
        href = _HREF.search(src, tag.start() + 2, tag.end())
        close = _next(closes, tag.end(), -1 if not markdown else len(src))
        if href is None or close < 0:
            continue
        # a new <a> ends the one before, as in a browser
        end = min(close, _next(starts, tag.end(), close), _next(ends, tag.end(), close))
        out.append((tag.start(), _text(src[tag.end():end]), unescape(next(g for g in href.groups() if g is not None))))
    return out


# --- resolve: Liquid, then the URL as a browser reads it, then the page ----------------------

_MAX_TARGET = 2048  # longer is no link a browser follows; bounds the work on hostile input
_LIQUID_PART = re.compile(r"\{\{-?((?:(?!\{\{).)*?)-?\}\}|\{%-?\s*(link|post_url)\s+((?:(?!\{%).)*?)\s*-?%\}", re.S)
_POST_NAME = re.compile(r"(?:(.+)/)?(\d+-\d+-\d+)-(.*)")  # tags/post_url.rb's MATCHER
_POST_FILE = re.compile(r"(\d{2,4})-(\d{1,2})-(\d{1,2})-([^/]*)\.[^./]+")  # document.rb's date file name
_PAGE_EXTS = (".html", ".htm")


@dataclass(frozen=True, eq=False)
class LinkSite:
    """What resolving a link needs to know of the site."""

    by_source: Mapping[str, str]  # page source (relative to the content folder) -> its URL path or URL
    url: str = ""  # `url` of _config.yml: what {{ site.url }} gives
    baseurl: str = ""  # `baseurl` of _config.yml: "/blog" or ""
    collections_dir: str = ""  # documents' `{% link %}` paths are relative to it
    hosts: frozenset[str] = field(default=frozenset())  # own origins; default: `url`, http(s), with and without www.
    aliases: Mapping[str, str] = field(default_factory=dict)  # a page's other URL paths (redirect_from) -> source

    def __post_init__(self) -> None:
        baseurl = self.baseurl.strip("/")
        object.__setattr__(self, "baseurl", "/" + baseurl if baseurl else "")
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "collections_dir", self.collections_dir.strip("/"))
        object.__setattr__(self, "hosts", frozenset(_origin(h) for h in self.hosts) or _own_origins(self.url))

    @classmethod
    def from_site(cls, site: Site, by_source: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> LinkSite:
        """The LinkSite of a casesearch `Site` whose pages are at `by_source`."""
        url = site.base_url
        if site.baseurl and url.endswith(site.baseurl):
            url = url[: len(url) - len(site.baseurl)]
        return cls(by_source, url=url, baseurl=site.baseurl, collections_dir=site.collections_dir,
                   aliases=aliases or {})

    @cached_property
    def paths(self) -> dict[str, str]:
        """source -> the page's path within the site, decoded."""
        return {source: self._page_path(url) for source, url in self.by_source.items()}

    @cached_property
    def keys(self) -> dict[str, tuple[str, ...]]:
        """url_key -> the sources of the pages there (two only when `/x.html` and `/x/` both exist)."""
        found: defaultdict[str, list[str]] = defaultdict(list)
        for source, path in sorted(self.paths.items()):
            found[_key(path)].append(source)
        return {key: tuple(sources) for key, sources in found.items()}

    @cached_property
    def other_keys(self) -> dict[str, str]:
        """Keys that lead to a page without being its own -> the page's key: its aliases (the
        redirect pages of jekyll-redirect-from), then any key that differs only in case from
        the key of one page (a link written `/Blog/x` still names the page at `/blog/x`)."""
        out = {_key(self._page_path(alias)): _key(self.paths[source])
               for alias, source in self.aliases.items() if source in self.paths}
        out = {alias: key for alias, key in out.items() if alias not in self.keys}
        folded: defaultdict[str, set[str]] = defaultdict(set)
        for key, page in [*((k, k) for k in self.keys), *out.items()]:
            folded["\0" + key.casefold()].add(page)  # '\0': no path holds one
        return out | {fold: next(iter(pages)) for fold, pages in folded.items() if len(pages) == 1}

    @cached_property
    def relative_paths(self) -> dict[str, str]:
        """Jekyll's relative_path (what `{% link %}` names) -> source: a document's path is
        relative to `collections_dir`, a page's to the site."""
        prefix = self.collections_dir + "/" if self.collections_dir else ""
        out = {}
        for source in self.by_source:
            rest = source[len(prefix):] if prefix and source.startswith(prefix) else source
            out[rest if any(part.startswith("_") for part in rest.split("/")[:-1]) else source] = source
        return out

    @cached_property
    def posts(self) -> list[tuple[tuple[int, int, int], str, str, str]]:
        """((year, month, day), relative path, slug, source) of every post, in date order."""
        out = []
        for relative, source in self.relative_paths.items():
            name = relative.rsplit("/", 1)[-1]
            if "_posts/" in "/" + relative and (m := _POST_FILE.fullmatch(name)):
                out.append(((int(m.group(1)), int(m.group(2)), int(m.group(3))), relative, m.group(4), source))
        return sorted(out)

    def _page_path(self, url: str) -> str:
        if "://" in url or url.startswith("//"):
            path = unquote(urlsplit(url).path)
            return self._below_baseurl(path) or path
        return unquote(url)

    def _below_baseurl(self, path: str) -> str | None:
        if not self.baseurl:
            return path
        if path == self.baseurl or path.startswith(self.baseurl + "/"):
            return path[len(self.baseurl):] or "/"
        return None


def _origin(url: str) -> str:
    """'scheme://host' of an origin, lowercased, without a default port."""
    parts = urlsplit(url if "//" in url else "https://" + url)
    scheme = parts.scheme.lower()
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and host.endswith(default):
        host = host[: -len(default)]
    return f"{scheme}://{host}"


def _own_origins(url: str) -> frozenset[str]:
    if not url:
        return frozenset()
    host = _origin(url).split("://", 1)[1]
    bare = host.removeprefix("www.")
    return frozenset(f"{scheme}://{name}" for scheme in ("http", "https") for name in (bare, "www." + bare))


def url_key(path: str) -> str:
    """The one form of a page URL path or a link's path (see the module's docstring)."""
    return _key(unquote(path))


def _key(path: str) -> str:
    path = unicodedata.normalize("NFC", path)
    path = re.sub(r"/{2,}", "/", "/" + path)
    for index in ("/index.html", "/index.htm", "/index"):
        if path.endswith(index):
            path = path[: len(path) - len(index) + 1]
            break
    else:
        for ext in _PAGE_EXTS:
            if path.endswith(ext) and len(path) > len(ext) + 1:
                path = path[: -len(ext)]
                break
    return path.rstrip("/") or "/"


def resolve(target: str, page_url: str, site: LinkSite) -> str | None:
    """The url_key of the page of `site` that a link of the page at `page_url` points to, or
    None (see the module's docstring)."""
    path = site_path(target, page_url, site)
    if path is None:
        return None
    key = _key(path)
    if key in site.keys:
        return key
    return site.other_keys.get(key) or site.other_keys.get("\0" + key.casefold())


def site_path(target: str, page_url: str, site: LinkSite) -> str | None:
    """The path, decoded and without baseurl, that a link of the page at `page_url` points to
    within the site, page or not; None when it leaves the site, points to the same page
    (`#x`) or holds Liquid this module cannot evaluate."""
    target = target.strip()
    if not target or len(target) > _MAX_TARGET:
        return None
    if "{" in target:
        target = _liquid(target, site)
        if target is None:
            return None
        target = target.strip()
    if target.startswith("#") or not target:
        return None
    try:
        parts = urlsplit(target)
        if parts.scheme or target.startswith("//"):
            if parts.scheme.lower() not in ("http", "https", "") or not _own(parts.scheme, parts.netloc, site):
                return None
            path = urljoin("/", parts.path or "/")
        else:
            base = site.baseurl + site._page_path(page_url)
            path = urlsplit(urljoin(base, target)).path
    except ValueError:  # an invalid IPv6 host, a bad port
        return None
    return site._below_baseurl(unquote(path))


def _own(scheme: str, netloc: str, site: LinkSite) -> bool:
    schemes = (scheme,) if scheme else ("http", "https")
    return any(_origin(f"{s}://{netloc}") in site.hosts for s in schemes)


def _liquid(target: str, site: LinkSite) -> str | None:
    """The target with its Liquid evaluated as Jekyll would, or None when it holds Liquid
    this module does not know (`{{ page.url }}`) or that Jekyll itself fails on."""
    out, last = [], 0
    for m in _LIQUID_PART.finditer(target):
        value = _output(m.group(1), site) if m.group(2) is None else _tag(m.group(2), m.group(3), site)
        if value is None:
            return None
        out += [target[last:m.start()], value]
        last = m.end()
    rest = target[last:]
    return None if "{{" in rest or "{%" in rest else "".join(out) + rest


def _value(token: str, site: LinkSite) -> str | None:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    return {"site.url": site.url, "site.baseurl": site.baseurl}.get(token)


def _output(expression: str, site: LinkSite) -> str | None:
    """`{{ value | filter: arg | ... }}` with site.url, site.baseurl, literals and the filters
    relative_url, absolute_url, prepend, append."""
    value, *filters = expression.split("|")
    result = _value(value, site)
    for spec in filters:
        if result is None:
            return None
        name, _, arg = spec.partition(":")
        name = name.strip()
        if name == "relative_url":
            result = _relative_url(result, site)
        elif name == "absolute_url":
            result = _absolute_url(result, site)
        elif name in ("prepend", "append") and (extra := _value(arg, site)) is not None:
            result = extra + result if name == "prepend" else result + extra
        else:
            return None
    return result


def _relative_url(value: str, site: LinkSite) -> str:
    """url_filters.rb's relative_url: baseurl in front of a path, an absolute URL untouched."""
    if urlsplit(value).scheme:
        return value
    return site.baseurl + (value if not value or value.startswith("/") else "/" + value)


def _absolute_url(value: str, site: LinkSite) -> str:
    if urlsplit(value).scheme or not site.url:
        return _relative_url(value, site)
    return site.url + _relative_url(value, site)


def _tag(name: str, argument: str, site: LinkSite) -> str | None:
    """`{% link path %}` and `{% post_url name %}`: baseurl + the page's URL path."""
    if "{" in argument:
        return None
    source = site.relative_paths.get(argument) if name == "link" else _post_url(argument, site)
    return None if source is None else site.baseurl + site.paths[source]


def _post_url(name: str, site: LinkSite) -> str | None:
    """The source of the post `{% post_url %}` names, as PostComparer matches it: the post's
    relative path, else (deprecated) the same date and slug in any folder."""
    m = _POST_NAME.fullmatch(name.removeprefix("/"))
    if m is None:
        return None
    path = (m.group(1) + "/") if m.group(1) else ""
    date, slug = m.group(2), m.group(3)
    rest = rf"{re.escape(date)}-{re.escape(slug)}\.[^.]+"
    pattern = re.compile(rf"_posts/{re.escape(path)}{rest}|{re.escape(path)}_posts/?{rest}")
    for _, relative, _, source in site.posts:
        if pattern.match(relative):
            return source
    day = tuple(int(part) for part in date.split("-"))
    return next((source for when, _, post_slug, source in site.posts if when == day and post_slug == slug), None)


# --- anchors: the texts naming each page ----------------------------------------------------------

def anchors(pages: Mapping[str, tuple[str, Sequence[Link]]], site: LinkSite) -> dict[str, list[str]]:
    """For each page of `site`, the texts of the links to it from `pages` (source -> (URL,
    links); pages that are not in `site` count too): one per linking page and text (texts
    compared case-insensitively, written as most pages write them), links from a page to
    itself left out, most-used text first, ties by text."""
    linking: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    spellings: defaultdict[str, defaultdict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for source, (url, links) in pages.items():
        own = _key(site._page_path(url))
        for link in links:
            key = resolve(link.target, url, site)
            if key is None or key == own:
                continue
            folded = link.text.casefold()
            for target in site.keys[key]:
                if target != source and source not in linking[target][folded]:
                    linking[target][folded].add(source)
                    spellings[target][folded][link.text] += 1
    out = {}
    for target in sorted(linking):
        texts = [(len(sources), min(spellings[target][folded].items(), key=lambda kv: (-kv[1], kv[0]))[0])
                 for folded, sources in linking[target].items()]
        out[target] = [text for count, text in sorted(texts, key=lambda ct: (-ct[0], ct[1])) for _ in range(count)]
    return out
