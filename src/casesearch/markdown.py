"""Kramdown-flavoured markdown to plain text, cut into sections with the site's anchors.

Plain regular expressions, no markdown library: this runs on every page of every build,
and the index only needs the words, the headings and the ids kramdown gives them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    heading: str  # plain text of the heading; "" for the text before the first heading
    anchor: str  # the id the site generator gives the heading; "" for the intro
    level: int  # 1-6; 0 for the intro
    text: str  # plain text of the section body, without the heading line


# Unicode spaces become a plain space (the corpus puts no-break spaces before ':' and '?');
# zero-width characters and the soft hyphen go, so that the words they sit in stay whole.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_REPLACEMENTS = [(c, " ") for c in _SPACES] + [(c, "") for c in _INVISIBLE]


def normalize_text(text: str) -> str:
    """NFC, Unicode spaces to ' ', zero-width characters and soft hyphens removed."""
    if text.isascii():
        return text
    # `in` then str.replace: a regex character class scans these texts ten times slower
    for char, replacement in _REPLACEMENTS:
        if char in text:
            text = text.replace(char, replacement)
    # the corpus has decomposed accents (NFD): one form for the index and the query
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# Removed from the whole body before the line pass; they may span lines.
_DROP = re.compile(
    r"<!--.*?(?:-->|\Z)"  # an unclosed comment hides the rest of the page in a browser too
    r"|\{%-?\s*comment\s*-?%\}.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)"
    r"|\{::comment\}.*?(?:\{:/comment\}|\{:/\}|\Z)"
    r"|<(script|style|iframe|noscript|svg|template)\b[^>]*>.*?</\1\s*>"
    r"|\{%.*?%\}|\{\{.*?\}\}",
    re.S | re.I,
)

_ATX = re.compile(r" {0,3}(#{1,6})(.*)")
_HEADER_ID = re.compile(r"(.*?)[ \t]*\{#([A-Za-z][\w:.-]*)\}[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_IAL_LINE = re.compile(r" {0,3}\{:(.*)\}[ \t]*$")  # block IAL, ALD, {::options /}, {:/}
_IAL_ID = re.compile(r"(?:^|\s)#([A-Za-z][\w:.-]*)|\bid=[\"']([^\"']+)[\"']")
_REF_DEF = re.compile(r" {0,3}\[[^\]^][^\]]*\]:[ \t]*\S")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^[^\]]+\]:[ \t]*")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_QUOTE = re.compile(r"[ \t]*(?:>[ \t]?)+")
_BLOCK_STARTS = frozenset("#=-*_`~{[|>+0123456789<")  # first characters of non-prose lines
# an HTML heading on its own line: a section too, linked by its own id (kramdown gives raw
# HTML no auto id)
_HTML_HEADING = re.compile(r" {0,3}<h([1-6])\b([^>\x00]*)>(.*?)</h\1>[ \t]*$", re.I)
_HTML_ID = re.compile(r"""\bid[ \t]*=[ \t]*["']([^"'\x00]+)["']""", re.I)
_TABLE_SEP = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")

# Applied to each section's text, in this order.
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|tr|section|article|header|footer|"
    r"nav|aside|main|blockquote|pre|figure|figcaption|hr|details|summary|form)\b[^>\x00]*>",
    re.I,
)
_CELL_TAG = re.compile(r"</?t[dh]\b[^>\x00]*>", re.I)
_AUTOLINK = re.compile(r"<(?:(?:https?|ftp|mailto):[^>\s\x00]*|[^>\s@\x00]+@[^>\s\x00]+)>", re.I)
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^>\x00]*)?/?>|<![A-Za-z][^>\x00]*>")
_IMAGE = re.compile(r"!\[([^\]\x00]*)\](?:\((?:[^()\n]|\([^()\n]*\))*\)|\[[^\]\x00]*\])")
_LINK = re.compile(r"\[([^\]\x00]*)\](?:\((?:[^()\n\x00]|\([^()\n\x00]*\))*\)|[ ]?\[[^\]\x00]*\])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\x00]+\]")
_SPAN_IAL = re.compile(r"\{:[^}\n\x00]*\}|\{#[A-Za-z][\w:.-]*\}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_UNDERSCORES = re.compile(r"_+")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~\"':=])")
# escaped markup characters hide behind private-use characters while markup is removed
_HIDE = {c: chr(0xF0000 + i) for i, c in enumerate("\\`*_{}[]()#+-.!|<>~\"':=")}
_UNHIDE = {ord(v): k for k, v in _HIDE.items()}


def _underscore(m: re.Match[str]) -> str:
    # emphasis underscores sit at a word edge; the ones inside snake_case stay
    s, start, end = m.string, m.start(), m.end()
    inside = start and end < len(s) and s[start - 1].isalnum() and s[end].isalnum()
    return m.group() if inside else ""


_ID_LEAD = re.compile(r"^[^a-zA-Z]+")
_ID_DROP = re.compile(r"[^a-zA-Z0-9 -]+")


_GFM_DROP = re.compile(r"[^\w\- \t]+")


def gfm_id(raw: str) -> str:
    """kramdown-parser-gfm's auto id (generate_gfm_header_id) of a heading's raw text:
    lowercase, word characters (accented letters too), hyphens and spaces kept."""
    return _GFM_DROP.sub("", raw.lower()).replace(" ", "-").replace("\t", "-")


def kramdown_id(raw: str) -> str:
    """kramdown's auto id (basic_generate_id) of a heading's raw markdown text."""
    return _ID_DROP.sub("", _ID_LEAD.sub("", raw)).replace(" ", "-").lower()


def _clean(text: str) -> str:
    """Markup of one section's text removed; paragraphs kept apart by blank lines."""
    escaped = "\\" in text
    if escaped:
        text = _ESCAPE.sub(lambda m: _HIDE[m.group(1)], text)
    if "<" in text:
        text = _BLOCK_TAG.sub("\n\n", text)
        text = _CELL_TAG.sub(" ", text)
        text = _AUTOLINK.sub("", text)
        text = _TAG.sub("", text)
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
        text = _FOOTNOTE_REF.sub("", text)
    if "{" in text:
        text = _SPAN_IAL.sub("", text)
    # str.replace: a regex on these single characters is six times slower
    text = text.replace("*", "").replace("`", "").replace("~~", "")
    if "_" in text:
        text = _UNDERSCORES.sub(_underscore, text)
    text = text.replace("|", " ")
    if escaped:
        text = text.translate(_UNHIDE)
    if "&" in text:
        # after tag removal, so that a written "&lt;b&gt;" stays visible text
        text = normalize_text(html.unescape(text))
    return text


def clean_inline(text: str) -> str:
    """One line of plain text from a markdown/HTML fragment (titles, summaries, headings)."""
    return " ".join(_clean(normalize_text(text)).split())


def _paragraphs(text: str) -> str:
    """Paragraphs of plain text, one a line, whitespace inside each collapsed."""
    out = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        line = paragraph.replace("\n", " ").strip()
        # most lines are already single-spaced; split/join (slow) only the others, which
        # hold a double space or a tab or other control character (not printable)
        if "  " in line or not line.isprintable():
            line = " ".join(line.split())
        if line:
            out.append(line)
    return "\n".join(out)


class _Builder:
    """Collects sections while the line pass runs; ids are de-duplicated like kramdown."""

    def __init__(self, ids: str = "kramdown") -> None:
        self.ids = ids
        self.done: list[tuple[str, str, int, list[str]]] = []
        self.heading, self.anchor, self.level = "", "", 0
        self.auto = True
        self.lines: list[str] = []
        self.used: dict[str, int] = {}

    def start(self, raw: str, level: int, explicit_id: str | None, auto: bool = True) -> None:
        self._close()
        self.heading, self.level, self.lines = raw, level, []
        self.anchor = explicit_id or ""
        self.auto = auto

    def _close(self) -> None:
        # the auto id is made only now: a block IAL under the heading ({: #id}) may have
        # named it, and kramdown then does not count the auto id as used
        anchor = self.anchor or (self._auto_id(self.heading) if self.level and self.auto else "")
        self.done.append((self.heading, anchor, self.level, self.lines))

    def _auto_id(self, raw: str) -> str:
        gen = gfm_id(raw) if self.ids == "gfm" else (kramdown_id(raw) or "section")
        if gen in self.used:
            self.used[gen] += 1
            return f"{gen}-{self.used[gen]}"
        self.used[gen] = 0
        return gen

    def sections(self) -> list[Section]:
        self._close()
        # one _clean call for the whole page, pieces kept apart by NUL, which no markup
        # pattern crosses: a few regex calls per page instead of a few per section
        parts = [piece for raw, _, _, lines in self.done for piece in (raw, "\n".join(lines))]
        cleaned = _clean("\x00".join(parts)).split("\x00")
        if len(cleaned) != len(parts):  # never expected; stay correct anyway
            cleaned = [_clean(part) for part in parts]
        out = []
        for i, (_, anchor, level, _) in enumerate(self.done):
            text = _paragraphs(cleaned[2 * i + 1])
            if level == 0 and not text:
                continue
            out.append(Section(" ".join(cleaned[2 * i].split()) if level else "", anchor, level, text))
        return out


def to_sections(body: str, *, markdown: bool = True, ids: str = "kramdown") -> list[Section]:
    """Plain-text sections of a page body; `markdown=False` for .html pages (one section);
    `ids`: "kramdown" or "gfm", the auto ids of the site's markdown parser."""
    body = _DROP.sub("", normalize_text(body).replace("\x00", ""))
    if not markdown:
        text = _paragraphs(_clean(body))
        return [Section("", "", 0, text)] if text else []
    out = _Builder(ids)
    lines = out.lines
    prose_before = False  # the previous line is a paragraph line: '---' under it makes a heading
    heading_before = False  # the previous line is a heading: a block IAL under it may name it
    fence = ""
    for line in body.split("\n"):
        if fence:
            if line.lstrip().startswith(fence) and not line.strip(fence[0] + " \t"):
                fence = ""
                lines.append("")
            else:
                lines.append(line)
            continue
        stripped = line.strip()
        if not stripped:
            lines.append("")
            prose_before = heading_before = False
            continue
        first = stripped[0]
        if first not in _BLOCK_STARTS and "|" not in stripped:  # most lines: plain prose
            lines.append(line)
            prose_before, heading_before = True, False
            continue
        was_heading, heading_before = heading_before, False
        was_prose, prose_before = prose_before, False
        if first == "#" and (m := _ATX.match(line)):
            text = m.group(2).strip()
            explicit = None
            if "{#" in text and (hid := _HEADER_ID.match(text)):
                text, explicit = hid.group(1), hid.group(2)
            text = _CLOSING_HASHES.sub("", text).strip()
            if text:
                out.start(text, len(m.group(1)), explicit)
                lines = out.lines
                heading_before = True
            continue
        if first == "<" and (m := _HTML_HEADING.match(line)):
            text = clean_inline(m.group(3))
            if text:
                hid = _HTML_ID.search(m.group(2))
                out.start(text, int(m.group(1)), hid.group(1) if hid else None, auto=False)
                lines = out.lines
                heading_before = True
                continue
        if first in "=-" and was_prose and _SETEXT.match(line):
            raw = lines.pop()
            explicit = None
            if "{#" in raw and (hid := _HEADER_ID.match(raw)):
                raw, explicit = hid.group(1), hid.group(2)
            out.start(raw.strip(), 1 if first == "=" else 2, explicit)
            lines = out.lines
            heading_before = True
            continue
        if first in "-*_" and _HR.match(line):
            lines.append("")
            continue
        if first in "`~" and (m := _FENCE.match(line)):
            fence = m.group(1)
            lines.append("")
            continue
        if first == "{" and (m := _IAL_LINE.match(line)):
            if was_heading and (ial := _IAL_ID.search(m.group(1))):
                out.anchor = ial.group(1) or ial.group(2)
            heading_before = was_heading
            lines.append("")
            continue
        if first == "[":
            if _REF_DEF.match(line):
                continue
            if m := _FOOTNOTE_DEF.match(line):
                lines.extend(("", line[m.end():]))
                continue
        if first == "|" or ("|" in stripped and "-" in stripped):
            if _TABLE_SEP.match(line):
                continue
            if first == "|":
                lines.extend(("", line))
                continue
        if first == ">":
            lines.append(line[_QUOTE.match(line).end():])
            continue
        if first in "-*+0123456789" and (m := _LIST_ITEM.match(line)):
            lines.extend(("", line[m.end():]))
            continue
        lines.append(line)
        prose_before = True
    return out.sections()
