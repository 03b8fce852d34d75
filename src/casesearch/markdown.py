"""Kramdown-flavoured markdown to plain text, cut into sections with the site's anchors.

Plain regular expressions, no markdown library: this runs on every page of every build,
and the index only needs the words, the headings and the ids kramdown gives them.
"""

from __future__ import annotations

import bisect
import functools
import html
import html.entities
import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from itertools import count, filterfalse, repeat
from operator import itemgetter

import unidecode

from .collector import paused_gc
from .lang import INVISIBLE as _INVISIBLE


def build_all(cls: type, **columns: list) -> list:
    """[cls(**fields) for each row of `columns`] for a frozen dataclass with no
    __post_init__, its fields set by object.__setattr__ as its __init__ sets them, one
    field at a time for all rows (map calls no Python code): the generated __init__, a
    Python call per object, was a fifth of a page of 120,000 short headings."""
    assert set(columns) == {f.name for f in fields(cls)} and not hasattr(cls, "__post_init__")
    out = list(map(object.__new__, repeat(cls, len(next(iter(columns.values()), ())))))
    for name, values in columns.items():
        assert len(values) == len(out)
        slot = cls.__dict__.get(name)   # a slot's own setter is faster than object.__setattr__
        if slot is not None and hasattr(slot, "__set__"):
            deque(map(slot.__set__, out, values), maxlen=0)
        else:
            deque(map(object.__setattr__, out, repeat(name), values), maxlen=0)
    return out


@dataclass(frozen=True, slots=True)
class Section:
    heading: str  # plain text of the heading; "" for the text before the first heading
    anchor: str  # the id the site generator gives the heading; "" for the intro
    level: int  # 1-6; 0 for the intro
    text: str  # plain text of the section body, without the heading line


# Unicode spaces become a plain space (the corpus puts no-break spaces before ':' and '?');
# zero-width characters and the soft hyphen go, so that the words they sit in stay whole.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
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
_DROP_TEXT = (
    r"<!--.*?(?:-->|\Z)"  # an unclosed comment hides the rest of the page in a browser too
    r"|\{%-?\s*comment\s*-?%\}.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)"
    r"|\{::comment\}.*?(?:\{:/comment\}|\{:/\}|\Z)"
    # a tag ends before the next opener (Liquid nests none): a page of "{{{{..." stays linear
    r"|\{%(?:(?!\{%).)*?%\}|\{\{(?:(?!\{\{).)*?\}\}"
)
# (?=[a-z]): a '<' before anything but a letter fails at once, not once per tag name
# (a page of '<' was three times slower for each of these alternations)
_DROP = re.compile(_DROP_TEXT + r"|<(?=[a-z])(script|style|iframe|noscript|svg|template)\b[^>]*(>?)", re.S | re.I)
_DROP_NO_TAG = re.compile(_DROP_TEXT, re.S | re.I)   # once no '>' is left: no opening tag either

_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_IAL_LINE = re.compile(r" {0,3}\{:(.*)\}[ \t]*$")  # block IAL, ALD, {::options /}, {:/}
_IAL_ID = re.compile(r"(?:^|\s)#([A-Za-z][\w:.-]*)|\bid=[\"']([^\"']+)[\"']")
_REF_DEF = re.compile(r" {0,3}\[[^\]][^\]]*\]:[ \t]*\S")
# a footnote's name: kramdown's ALD_ID_NAME, Ruby's \w being ASCII (links.py reads it too)
FOOTNOTE_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]*"
_FOOTNOTE_DEF = re.compile(rf" {{0,3}}\[\^({FOOTNOTE_NAME})\]:[ \t]*")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_QUOTE = re.compile(r"[ \t]*(?:>[ \t]?)+")
_BLOCK_STARTS = frozenset("#=-*_`~{[|>+0123456789<^")  # first characters of non-prose lines
# an HTML heading on its own line: a section too, linked by its own id (kramdown gives raw
# HTML no auto id)
_HTML_HEADING = re.compile(r" {0,3}<h([1-6])\b([^>\x00]*)>(.*?)</h\1>[ \t]*$", re.I)
# the inner HTML of a heading starting with a letter or digit before any tag, link, IAL,
# entity, image or escape: clean_inline leaves it that character at least
_SHOWS_TEXT = re.compile(r"[^<{\[&!\\]*?[^\W_]")
_HTML_ID = re.compile(r"""\bid[ \t]*=[ \t]*["']([^"'\x00]+)["']""", re.I)
_TABLE_SEP = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")

# Applied to each section's text, in this order.
_BLOCK_TAG = re.compile(
    r"</?(?=[a-z])(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|table|thead|tbody|tr|section|article|header|footer|"
    r"nav|aside|main|blockquote|pre|figure|figcaption|hr|details|summary|form)\b[^>\x00]*(>?)",
    re.I,
)
_CELL_TAG = re.compile(r"</?t[dh]\b[^>\x00]*(>?)", re.I)
# an address's parts are at most 64 and 255 characters (RFC 5321): a page of "<<<<..." stays linear
# (possessive: what follows each run is no character of it, so giving some back never helps)
_AUTOLINK = re.compile(r"<(?:(?:https?|ftp|mailto):[^>\s\x00]*+(>?)|[^>\s@\x00]{1,64}+@[^>\s\x00]{1,255}+>)", re.I)
# the same without the address, which needs an '@': a page with none is not scanned up to
# 64 characters from each '<' for one
_AUTOLINK_URL = re.compile(r"<(?:https?|ftp|mailto):[^>\s\x00]*+(>?)", re.I)
_TAG = re.compile(r"(?:</?[A-Za-z][\w:-]*(?:\s[^>\x00]*)?/?|<![A-Za-z][^>\x00]*)(>?)")
# Each pattern above that reads on to a '>' (or a '}') ends its match where it finds none,
# and the text matched is left as it is (_unless_closed): with no '>' to come, no tag can
# start inside it either, and the next search starts after it. Else every '<p ' of a page
# of them was read to the page's end again: quadratic, 4 s for 20 KB.
# Link texts stop at the next "[" (nested brackets were never taken as a link here either):
# each "[" is scanned to the next bracket, not to the end, so a page of "[[[[..." stays linear
_IMAGE = re.compile(r"!\[([^\[\]\x00]*)\](?:\((?:[^()\n]|\([^()\n]*\))*\)|\[[^\[\]\x00]*\])")
_LINK = re.compile(r"\[([^\[\]\x00]*)\](?:\((?:[^()\n\x00]|\([^()\n\x00]*\))*\)|[ ]?\[[^\[\]\x00]*\])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]\x00]+\]")
_SPAN_IAL = re.compile(r"\{:[^}\n\x00]*(\}?)|\{#[A-Za-z][\w:.-]*\}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# emphasis underscores sit at a word edge (the whole run goes); the ones inside snake_case
# stay: a run not between two letters or digits (\w but '_', which a whole run never has
# beside it). One regex, no call per run: a page of '_a_' made a million calls.
# (a run's first '_', then: not after a letter, or the run not before one; written from its
# first '_', the engine looks for '_' alone and tries the rest there: a lookbehind first was
# tried at every position, a twentieth of a page's reading)
_UNDERSCORES = re.compile(r"_(?:(?<!\w_)_*+|(?<=\w_)_*+(?!\w))")
# escaped markup characters hide behind private-use characters while markup is removed
_HIDE = {c: chr(0xF0000 + i) for i, c in enumerate("\\`*_{}[]()#+-.!|<>~\"':=")}
_UNHIDE_PAIRS = [(v, k) for k, v in _HIDE.items()]
_HIDE_ESCAPES = [("\\" + c, h) for c, h in _HIDE.items()]   # "\\\\" first
assert _HIDE_ESCAPES[0][0] == "\\\\"




# --- heading ids --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadingIds:
    """How the site's kramdown makes heading ids (the `kramdown:` options of _config.yml)."""

    input: str = "kramdown"  # "kramdown" (kramdown's own parser) or "gfm" (kramdown-parser-gfm, Jekyll's default input)
    auto_ids: bool = True  # auto_ids: False -> headings get no auto id (explicit {#id} still count)
    prefix: str = ""  # auto_id_prefix
    stripping: bool = False  # auto_id_stripping: ids from the heading's text nodes, not its raw markdown
    transliterate: bool = False  # transliterated_header_ids (kramdown input only: the GFM parser ignores it)


_ID_LEAD = re.compile(r"^[^a-zA-Z]+")
_ID_DROP = re.compile(r"[^a-zA-Z0-9 -]+")


def kramdown_id(raw: str) -> str:
    """kramdown's basic_generate_id: ASCII letters, digits, spaces and hyphens of `raw`,
    without what comes before the first letter; no "section" fallback, no suffix."""
    return _ID_DROP.sub("", _ID_LEAD.sub("", raw)).replace(" ", "-").lower()


# The ids of a page's headings are made in one pass of each regex over all of them, one a
# line (per heading, the calls were a tenth of the time of a page of short headings).
_ID_LEAD_LINES = re.compile(r"^[^a-zA-Z\n]+", re.M)
_ID_DROP_LINES = re.compile(r"[^a-zA-Z0-9 \n-]+")


def _kramdown_ids(texts: list[str]) -> list[str]:
    """kramdown_id of each text."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1 or not texts:   # a text holding a line break
        return [kramdown_id(text) for text in texts]
    return _ID_DROP_LINES.sub("", _ID_LEAD_LINES.sub("", joined)).replace(" ", "-").lower().split("\n")


# Ruby's \p{Word} (Onigmo, Unicode 13): letters, marks, decimal digits, connector
# punctuation, letter numbers (Ⅻ) and the alphabetic symbols below (Ⓐ, 🄰); so the
# variation selector U+FE0F of "⚠️" stays in a GFM id while "⚠", "½" and U+00A0 go.
_WORD_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))
_GFM_DROP_ASCII = re.compile(r"[^\w\- \t]+", re.A)


@functools.lru_cache(maxsize=4096)
def _ruby_word(char: str) -> bool:
    category = unicodedata.category(char)
    if category[0] in "LM" or category in ("Nd", "Pc", "Nl"):
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _WORD_SYMBOLS)


def gfm_id(text: str) -> str:
    """kramdown-parser-gfm's generate_gfm_header_id before its counter: lowercase, word
    characters (accented letters too), hyphens, spaces and tabs kept, the last two as '-'."""
    text = text.lower()  # Ruby's downcase is Unicode's full lowercasing too ("İ" -> "i̇")
    if text.isascii():
        text = _GFM_DROP_ASCII.sub("", text)
    else:
        text = _gfm_drop(text).replace("\n", "")
    return text.replace(" ", "-").replace("\t", "-")


_GFM_DROP_ASCII_LINES = re.compile(r"[^\w\- \t\n]+", re.A)


def _gfm_ids(texts: list[str]) -> list[str]:
    """gfm_id of each text, all in one pass: lowercasing text by text or lines joined by
    line breaks is the same (a line break, not a letter, ends a word for the final sigma)."""
    joined = "\n".join(texts).lower()
    if joined.count("\n") != len(texts) - 1 or not texts:   # a text holding a line break
        return [gfm_id(text) for text in texts]
    if joined.isascii():
        joined = _GFM_DROP_ASCII_LINES.sub("", joined)
    else:
        joined = _gfm_drop(joined)   # keeps line breaks
    return joined.replace(" ", "-").replace("\t", "-").split("\n")


def _gfm_drop(text: str) -> str:
    """`text` without the characters a GFM id drops, but for line breaks."""
    # each character is judged once per process, and dropped by str.translate (a loop
    # over the characters was most of the time of a page of accented headings)
    chars = set(text)
    if not chars <= _GFM_JUDGED:
        if len(_GFM_JUDGED) > 100_000:   # a bound on what hostile pages make it keep
            _GFM_JUDGED.clear()
            _GFM_DROP.clear()
        for c in chars - _GFM_JUDGED:
            if not (c in " \t-\n" or (c.isalnum() or c == "_" if c.isascii() else _ruby_word(c))):
                _GFM_DROP[ord(c)] = None
        _GFM_JUDGED.update(chars)
    dropped = [c for c in chars if ord(c) in _GFM_DROP]
    if not dropped:
        return text
    # a class of the characters to drop, found by the regex engine: str.translate looks
    # each character of a text that is not ASCII up in its dict (a tenth of a second for a
    # page of 100,000 accented headings)
    return re.sub("[" + "".join(map(re.escape, dropped)) + "]+", "", text)


_GFM_JUDGED: set[str] = set()   # the characters gfm_id has seen, and those it drops
_GFM_DROP: dict[int, None] = {}


# kramdown's Unidecoder reads stringex's tables; python's unidecode descends from the same
# Perl tables and differs on these (only ASCII letters, digits, spaces and '-' matter here)
_STRINGEX = str.maketrans({"–": "--", "—": "---", "€": "EU", "¼": "1/4", "½": "1/2", "¾": "3/4",
                           "¡": "", "¿": "", "\u200b": "", "ĳ": "", "Ŋ": "ng", "ŋ": "NG", "ǲ": "D",
                           "™": "", "№": "", "℃": "", "℉": "", "Ω": "", "Å": "", "ℓ": "", "ℹ": ""})


def _transliterate(text: str) -> str:
    return text if text.isascii() else unidecode.unidecode(text.translate(_STRINGEX))


# The heading's text as kramdown's span parser leaves it, as tagged pieces: the GFM parser
# builds its raw_text from text, code, math, entities and typographic symbols; kramdown's
# own parser under auto_id_stripping from text nodes only.
_TEXT, _OTHER = 0, 1
_SPAN_ESCAPES = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")  # the GFM set; kramdown's lacks '~'
_AUTOLINK_AT = re.compile(r"<((?:mailto|https?|ftps?):.+?|[\w.\-]+?@[\w.\-]+?)>")
_HTML_SPAN_AT = re.compile(r"<!--.*?-->|</?[A-Za-z_:][\w:.\-]*(?:\s[^>]*)?/?>", re.S)
_ENTITY_AT = re.compile(r"&([\w:][\-\w.:]*);|&#(\d+);|&#x([0-9a-fA-F]+);")
_MATH_AT = re.compile(r"\$\$(.*?)\$\$", re.S)
_SPAN_EXT_AT = re.compile(r"\{::(\w+)[^}]*?/\}|\{::(\w+)[^}]*\}.*?\{:/(?:\2)?\}|\{:[^}]+\}", re.S)
_FOOTNOTE_AT = re.compile(r"\[\^([\w-]+)\]")
_LINK_TAIL = re.compile(r"\((?:[^()\s]|\([^()]*\))*?(?:\s+(['\"]).*?\1)?\s*\)|\s?\[([^\]]*)\]")
_TYPO = (("---", "—"), ("--", "–"), ("...", "…"), ("<< ", "«\u00a0"), (" >>", "\u00a0»"), ("<<", "«"), (">>", "»"))
_SPAN_CHARS = re.compile(r"[\\`*_<\[!&${]|--|\.\.\.|>>")
# characters the loop of _Spans.parse would take one by one as text: all but the ones
# that start markup, and '-', '.', ' ' unless they start a typographic symbol ('--', '...',
# ' >>'; what follows the parsed range is not looked at, as parse does not either)
_PLAIN_RUN = re.compile(r"(?:[^\\`*_<\[!&${.\- ]| (?!>>)|-(?!-)|\.(?!\.\.))+")
_WORD_BEFORE = re.compile(r"[^\W\d_]-?\Z")  # an intraword '_' (after 'a' or 'a-') opens nothing
# The span parser may read a piece of a heading again (an emphasis that never closes, then
# the next one...): past this many steps per character, or on a heading this long, the id
# is made from the raw text, so that a hostile heading costs linear time (one of 4,000
# characters of '_a ' took minutes); the corpus' headings take one step a character.
# Fewer steps since: an emphasis nothing could close is not parsed (_parse_to), and a
# heading's shape, shorter, is parsed for it (_emphasis_text, _words_texts). So a heading of
# never-closed emphasis repeated (with GFM ids, '_a *b __c **d' twice beside a link, or five
# times alone) that ran out of steps, its id made of its raw text, is now parsed in full:
# its id changes, for kramdown's rules as this parser applies them (see _emphasis).
_STEPS_PER_CHAR, _SPAN_MAX_CHARS = 8, 2000


class _TooComplex(Exception):
    """The span parser ran out of steps on this heading."""


class _Spans:
    """A small port of kramdown's span parser (parser/kramdown.rb parse_spans and the span
    parsers it calls), enough to know which characters of a heading reach its id."""

    def __init__(self, text: str, gfm: bool, refs: frozenset[str], notes: frozenset[str]) -> None:
        self.s, self.gfm, self.refs, self.notes = text, gfm, refs, notes
        self.out: list[tuple[int, str]] = []
        self.steps = _STEPS_PER_CHAR * len(text) + 100
        self.brackets: dict[int, int] | None = None   # '[' -> its ']', found on the first link
        self.closers: dict[str, list[int]] | None = None   # found on the first emphasis

    def text(self, value: str) -> None:
        self.out.append((_TEXT, value))

    def parse(self, pos: int, end: int, stop: str = "", elem: str = "", open_: tuple[str, ...] = ()) -> tuple[bool, int]:
        """Pieces of s[pos:end]; with `stop`, until an emphasis closes: (found, position)."""
        s = self.s
        start_len = len(self.out)
        out = self.out
        while pos < end:
            self.steps -= 1
            if self.steps < 0:
                raise _TooComplex
            c = s[pos]
            if c not in "*_\\`<[!&${" and (m := _PLAIN_RUN.match(s, pos, end)):
                # a run of characters that are text one by one: one piece, the steps of
                # each character (the step limit must stop the same headings)
                n = m.end() - pos
                if n > 1:
                    self.steps -= n - 1
                    if self.steps < 0:
                        raise _TooComplex
                out.append((_TEXT, m.group()))
                pos += n
            elif c in "*_":
                # a closing delimiter (`stop`) starts with '*' or '_' too
                if stop and s.startswith(stop, pos) and self._closes(pos, stop, elem, start_len):
                    return True, pos
                pos = self._emphasis(pos, end, open_)
            elif c == "\\" and pos + 1 < end and s[pos + 1] in _SPAN_ESCAPES and (self.gfm or s[pos + 1] != "~"):
                self.text(s[pos + 1])
                pos += 2
            elif c == "`":
                pos = self._code(pos, end)
            elif c == "<" and (m := _AUTOLINK_AT.match(s, pos, end)):
                self.text(m.group(1)[7:] if m.group(1).startswith("mailto:") else m.group(1))
                pos = m.end()
            elif c == "<" and (m := _HTML_SPAN_AT.match(s, pos, end)):
                pos = m.end()  # the tag goes, the text between tags stays
            elif c == "[" and (m := _FOOTNOTE_AT.match(s, pos, end)) and m.group(1) in self.notes:
                pos = m.end()
            elif c == "[" or (c == "!" and s.startswith("[", pos + 1)):
                pos = self._link(pos, end, open_)
            elif c == "&" and (m := _ENTITY_AT.match(s, pos, end)):
                pos = self._entity(m)
            elif c == "$" and (m := _MATH_AT.match(s, pos, end)):
                self.out.append((_OTHER, m.group(1)))
                pos = m.end()
            elif c == "{" and (m := _SPAN_EXT_AT.match(s, pos, end)):
                if s.startswith("{::", pos) or (self.out and self.out[-1][0] != _TEXT):
                    pos = m.end()  # extension or span IAL: no text
                else:  # kramdown: "Found span IAL after text - ignoring it", the '{' stays
                    self.text("{")
                    pos += 1
            else:
                for sym, char in _TYPO if c in "-.< " else ():   # the characters they start with
                    if s.startswith(sym, pos) and pos + len(sym) <= end:
                        out.append((_OTHER, char))
                        pos += len(sym)
                        break
                else:
                    out.append((_TEXT, c))
                    pos += 1
        return False, pos

    def _closes(self, pos: int, delim: str, elem: str, start_len: int) -> bool:
        # parse_emphasis's sub_parse condition for a closing delimiter
        s = self.s
        after = s[pos + len(delim):pos + len(delim) + 1]
        return (pos > 0 and not s[pos - 1].isspace()
                and (elem != "em" or not (s.startswith(delim * 2, pos) and s[pos + 2:pos + 3] != delim))
                and (delim[0] != "_" or not after.isalnum())
                and len(self.out) > start_len)

    def _emphasis(self, pos: int, end: int, open_: tuple[str, ...]) -> int:
        s = self.s
        c = s[pos]
        run = c * 2 if s.startswith(c * 2, pos) else c
        elem = "strong" if len(run) == 2 else "em"
        after = pos + len(run)
        if ((c == "_" and _WORD_BEFORE.search(s, max(0, pos - 2), pos))
                or (after < len(s) and s[after].isspace()) or elem in open_):
            self.text(run)
            return after
        mark = len(self.out)
        found, stop = self._parse_to(run, after, end, elem, open_)
        if not found and elem == "strong" and (not open_ or open_[-1] != "em"):
            del self.out[mark:]
            found, stop = self._parse_to(c, pos + 1, end, "em", open_)
            run = c
        if found:
            return stop + len(run)
        del self.out[mark:]
        # kramdown's parse_emphasis adds the whole run it scanned ('__') as text; after the
        # second try this adds one character of it (a GFM id keeps one '_' of a never-closed
        # '__'): a difference from Jekyll, left as it is here (fixing it changes the ids of
        # some fuzz inputs' headings and of random ones; to do on its own)
        self.text(run)
        return after

    def _parse_to(self, delim: str, pos: int, end: int, elem: str, open_: tuple[str, ...]) -> tuple[bool, int]:
        """parse(pos, end) until `delim` closes the emphasis; not parsed at all when no
        position of s[pos:end] could close it (a heading of emphasis that never closes was
        read again from each opening, within the step limit: 9 s for a 2 MB page)."""
        if self.closers is None:
            self.closers = _closers(self.s)
        candidates = self.closers[delim]
        i = bisect.bisect_left(candidates, pos)
        if i == len(candidates) or candidates[i] >= end:
            return False, pos
        return self.parse(pos, end, delim, elem, open_ + (elem,))

    def _code(self, pos: int, end: int) -> int:
        s = self.s
        n = pos
        while n < end and s[n] == "`":
            n += 1
        run = s[pos:n]
        if len(run) == 1 and (pos == 0 or s[pos - 1].isspace()) and n < end and s[n].isspace():
            self.text(run)
            return n
        close = s.find(run, n, end)
        if close < 0:
            self.text(run)
            return n
        value = s[n:close]
        if len(run) > 1:
            value = value[1:] if value.startswith(" ") else value
            value = value[:-1] if value.endswith(" ") else value
        self.out.append((_OTHER, value))
        return close + len(run)

    def _link(self, pos: int, end: int, open_: tuple[str, ...]) -> int:
        s = self.s
        image = s[pos] == "!"
        start = pos + 2 if image else pos + 1
        if self.brackets is None:
            self.brackets = _matching_brackets(s)
        close = self.brackets.get(start - 1, end)
        if close >= end:
            self.text(s[pos:start])
            return start
        i = close + 1
        label = s[start:i - 1]
        tail = _LINK_TAIL.match(s, i, end)
        if tail and tail.group(0).lstrip().startswith("["):
            ref = tail.group(2) or label
            linked = " ".join(ref.lower().split()) in self.refs
        else:
            linked = bool(tail) or " ".join(label.lower().split()) in self.refs
        if not linked:
            self.text(s[pos:start])  # no such link: the '[' is text, the label parsed on
            return start
        if not image:  # an image has no text child: its alt text is not in the id
            self.parse(start, i - 1, open_=open_)
        return tail.end() if tail else i

    def _entity(self, m: re.Match[str]) -> int:
        name, dec, hexa = m.groups()
        if name is not None:
            char = html.entities.html5.get(name + ";") if name in html.entities.name2codepoint or name == "apos" else None
            if char is None:  # unknown name: an '&' entity, then the rest as text
                self.out.append((_OTHER, "&"))
                self.text(m.group(0)[1:])
                return m.end()
        else:
            code = int(dec) if dec is not None else int(hexa, 16)
            char = chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
        self.out.append((_OTHER, char))
        return m.end()


_STARS_AND_UNDERSCORES = re.compile(r"\*+|_+")


def _closers(s: str) -> dict[str, list[int]]:
    """For each emphasis delimiter ('*', '_' close an em, '**', '__' a strong), the ascending
    positions where _Spans._closes could take it, all but its condition that the emphasis
    holds something (checked when parsing)."""
    out: dict[str, list[int]] = {"*": [], "_": [], "**": [], "__": []}
    for m in _STARS_AND_UNDERSCORES.finditer(s):
        c = s[m.start()]
        for pos in range(m.start(), m.end()):
            if pos == 0 or s[pos - 1].isspace():
                continue
            for delim in (c, c * 2):
                n = len(delim)
                if not s.startswith(delim, pos):
                    continue
                if n == 1 and s.startswith(c * 2, pos) and s[pos + 2:pos + 3] != c:
                    continue
                if c == "_" and s[pos + n:pos + n + 1].isalnum():
                    continue
                out[delim].append(pos)
    return out


_BRACKET_TOKENS = re.compile(r"\\.|[\[\]]", re.S)


def _matching_brackets(s: str) -> dict[int, int]:
    """The ']' closing each '[' (brackets nest in link texts, a backslash escapes the next
    character), in one pass: looking for it from each '[' took quadratic time. Only the
    brackets and backslashes are visited (a loop over every character was a third of the
    time of a page of headings holding links)."""
    out: dict[int, int] = {}
    opened: list[int] = []
    for m in _BRACKET_TOKENS.finditer(s):
        c = s[m.start()]
        if c == "[":
            opened.append(m.start())
        elif c == "]" and opened:
            out[opened.pop()] = m.start()
    return out


# A heading whose only span markup is emphasis ('*', '_'; no '[' so '!' is text) is parsed
# once per shape: each run of other characters cut to its first and last two characters
# (the parser looks at no others: a space or a letter before a delimiter, 'a-' before '_',
# a space or an alphanumeric after one), the middle written 'x'. The shape's output is
# its runs with, between them, what each delimiter run left as text; the heading's is its
# own runs with the same. A page of 50,000 headings of a few emphasised words was parsed
# heading by heading (1.5-2.5 s); one of never-closed emphasis, with its backtracking, 6.5 s.
_NOT_EMPHASIS = re.compile(r"[\\`<\[&${]|--|\.\.\.|>>")
_RUN_MIDDLE = re.compile(r"(?<=[^*_])[^*_]+(?=[^*_]{2})")
_DELIMITER_RUNS = re.compile(r"([*_]+)")
_GAP = re.compile(r"[*_]*")


def _emphasis_text(raw: str, shapes: dict[str, list[str] | None]) -> str:
    """_span_text of a heading of text and emphasis only (the same in both parsers: all of
    it is text nodes); `shapes`: the page's shapes so far -> what their delimiter runs
    leave as text."""
    if len(raw) > _SPAN_MAX_CHARS:
        return raw
    shape = _RUN_MIDDLE.sub("x", raw)
    if shape in shapes:
        gaps = shapes[shape]
    else:
        gaps = shapes[shape] = _shape_gaps(shape)
    if gaps is None:   # the step limit stopped the shape: the heading decides for itself
        return _span_text(raw, False, frozenset(), frozenset())
    parts = _DELIMITER_RUNS.split(raw)
    parts[1::2] = gaps
    return "".join(parts)


_RUN_MIDDLE_LINES = re.compile(r"(?<=[^*_\n])[^*_\n]+(?=[^*_\n]{2})")   # _RUN_MIDDLE, line by line


def _emphasis_texts(raws: list[str], shapes: dict[str, list[str] | None]) -> list[str]:
    """_emphasis_text of each heading (none holding a line break), with a few calls over
    all of them rather than a few for each: the headings joined by line breaks, shaped at
    once, each delimiter run written as what its shape leaves of it (a page of 80,000
    headings of never-closed emphasis spent half a second in _emphasis_text)."""
    joined = "\n".join(raws)
    if joined.count("\n") != len(raws) - 1:
        return [_emphasis_text(raw, shapes) for raw in raws]
    parts = _DELIMITER_RUNS.split(joined)
    runs = parts[1::2]
    gaps, alone, at = [], [], 0
    for i, shape in enumerate(_RUN_MIDDLE_LINES.sub("x", joined).split("\n")):
        if shape in shapes:
            kept = shapes[shape]
        else:
            kept = shapes[shape] = _shape_gaps(shape)
        if kept is None or len(raws[i]) > _SPAN_MAX_CHARS:
            alone.append(i)
            kept = runs[at:at + len(_DELIMITER_RUNS.findall(shape))]   # as they are, for now
        gaps += kept
        at += len(kept)
    if at != len(runs):   # never expected: each heading on its own
        return [_emphasis_text(raw, shapes) for raw in raws]
    parts[1::2] = gaps
    out = "".join(parts).split("\n")
    for i in alone:
        out[i] = _emphasis_text(raws[i], shapes)
    return out


def _shape_gaps(shape: str) -> list[str] | None:
    """What the span parser leaves as text of each delimiter run of `shape`; None when it
    ran out of steps (or, never expected, its text is not the runs in order)."""
    spans = _Spans(shape, False, frozenset(), frozenset())
    try:
        spans.parse(0, len(shape))
    except _TooComplex:
        return None
    text = "".join(value for _, value in spans.out)
    runs = _DELIMITER_RUNS.split(shape)[0::2]
    if not text.startswith(runs[0]):
        return None
    gaps, pos = [], len(runs[0])
    for run in runs[1:]:
        gap = _GAP.match(text, pos)
        gaps.append(gap.group())
        if not text.startswith(run, gap.end()):
            return None
        pos = gap.end() + len(run)
    return gaps if pos == len(text) else None


def _span_text(raw: str, gfm: bool, refs: frozenset[str], notes: frozenset[str]) -> str:
    text = _parsed(raw, gfm, refs, notes)
    return raw if text is None else text


def _parsed(raw: str, gfm: bool, refs: frozenset[str], notes: frozenset[str]) -> str | None:
    """The text of a heading's spans; None when the parser ran out of steps."""
    spans = _Spans(raw, gfm, refs, notes)
    try:
        if len(raw) > _SPAN_MAX_CHARS:
            raise _TooComplex
        spans.parse(0, len(raw))
    except _TooComplex:
        return None
    return "".join(value for kind, value in spans.out if gfm or kind == _TEXT)


class _IdMaker:
    """The auto ids of one page, in document order, with each parser's own de-duplication."""

    def __init__(self, ids: HeadingIds) -> None:
        self.ids = ids
        self.gfm = ids.input == "gfm"
        self.used: dict[str, int] = {}
        self.refs: frozenset[str] = frozenset()
        self.notes: frozenset[str] = frozenset()
        self.plain: dict[str, str] = {}   # a heading -> its text (by this maker's parser: gfm or not)
        self.shapes: dict[str, tuple[list[str], list[int] | None] | None] = {}   # see _words_texts
        self.emphasis_shapes: dict[str, list[str] | None] = {}   # see _emphasis_text

    def __call__(self, raw: str) -> str:
        return self.all([raw])[0]

    def all(self, raws: list[str]) -> list[str]:
        """The ids of these headings, in document order (after those made before)."""
        if self.gfm:
            # the GFM parser always builds raw_text from the parsed text (it forces
            # auto_id_stripping) and numbers repeats from 1; an empty id stays empty
            return self._numbered(_gfm_ids(self._plains(raws)))
        texts = self._plains(raws) if self.ids.stripping else raws
        if self.ids.transliterate:
            texts = [_transliterate(text) for text in texts]
        return self._numbered([gen or "section" for gen in _kramdown_ids(texts)])

    def _numbered(self, gens: list[str]) -> list[str]:
        """Each generated id, its n-th repeat on the page (from 0) written `{id}-{n}` (both
        parsers count an id's repeats, not the ids the numbered ones might equal), prefixed;
        each id's repeats counted by its own itertools.count, all in C calls (a loop in
        Python was a third of the ids of a page of 100,000 headings)."""
        if len(set(gens)) == len(gens) and self.used.keys().isdisjoint(gens):   # most pages
            self.used.update(dict.fromkeys(gens, 0))
            return [self.ids.prefix + gen for gen in gens] if self.ids.prefix else list(gens)
        counters: defaultdict[str, count] = defaultdict(count)
        for gen, last in self.used.items():
            counters[gen] = count(last + 1)
        repeats = list(map(next, map(counters.__getitem__, gens)))
        self.used.update(zip(counters, map((-1).__add__, map(next, counters.values()))))
        out = gens if not any(repeats) else [f"{gen}-{n}" if n else gen for gen, n in zip(gens, repeats)]
        return [self.ids.prefix + gen for gen in out] if self.ids.prefix else list(out)

    def _plains(self, raws: list[str]) -> list[str]:
        """The text of each heading's spans, as the span parser makes it (_span_text), those
        of a page parsed by shape all at once (_words_texts, _emphasis_texts)."""
        # a heading written again on the page is parsed once (a page repeating a hard
        # heading paid the span parser for each copy); one without a character kramdown's
        # span parser would turn into markup is its own text (quotes become smart quotes,
        # which no id keeps either way); filters and maps, not a loop over the headings
        plain = self.plain
        todo = [raw for raw in filter(_SPAN_CHARS.search, dict.fromkeys(raws)) if raw not in plain]
        if todo:
            words = list(filter(_NOT_EMPHASIS.search, todo))
            plain.update(zip(words, self._words_texts(words)))
            emphasis = list(filterfalse(_NOT_EMPHASIS.search, todo))
            plain.update(zip(emphasis, _emphasis_texts(emphasis, self.emphasis_shapes)))
        return list(map(plain.get, raws, raws))

    @functools.cached_property
    def labels_matter(self) -> bool:
        """Whether a stand-in could change what a label in brackets finds: a label of the
        page (lowercased) has a word a stand-in would go into (4 or more letters or digits),
        or is not ASCII (lowercasing could make or split such a word). A label holding a
        stand-in never is one of the page's, so else both look-ups find the same."""
        return any(not label.isascii() or _LONG_WORD.search(label) for label in self.refs | self.notes)

    def _words_texts(self, raws: list[str]) -> list[str]:
        """_span_text of each heading (none holding a line break), parsed once per shape on
        the page, with a few calls over all the headings rather than a dozen for each.

        A heading's shape stands a character for each of its words (_WORDS): for the inside
        of a word of letters (4 or more letters and digits; its first and last are left,
        the parser looks at them) a Tangut ideograph, for a number a digit of another
        script; the k-th of each kind for the k-th word of that kind. The parser takes such
        a character as it takes what it stands for (a letter, a digit, to each of its
        patterns and tests: a word's edges decide emphasis, its inside is text, in a code
        span, a link's URL, a tag's name and attributes, an address), but for the names it
        looks up: entity and extension names, a URL's scheme, which follow '&', '#', '<',
        ':' (or '/', '.': a word after them keeps its letters), a word before '@', and a
        link's or footnote's label when a label the page defines could hold a stand-in
        (labels_matter: then only headings without '[' have a shape). A heading holding such
        a character itself, or a numeric reference that could make one, is parsed alone.

        The headings are joined by line breaks and their words cut out at once; a heading's
        key is its shape with one character for all words of a kind; each key's numbered
        shape is parsed once, and the parsed shapes, joined, are filled with the words each
        keeps, in the order it keeps them. A heading whose shape cannot be filled so (the
        step limit, a stand-in or a line break the parser made) is parsed alone. A page of
        50,000 headings holding links, code, entities... was parsed heading by heading
        (1.5-2.5 s, 9 s for never-closed emphasis beside a link), then shape by shape, a
        shape a number (a second)."""
        joined = "\n".join(raws)
        if _STAND_IN_LIKE.search(joined) or joined.count("\n") != len(raws) - 1:
            return list(map(self._alone, raws))
        # text, then a number, or None and a word's first letter and inside, then text...
        parts = _WORDS.split(joined)
        numbers, firsts, insides = parts[1::4], parts[2::4], parts[3::4]
        words = [inside if number is None else number for number, inside in zip(numbers, insides)]
        keyed = [""] * (2 * len(words) + 1)
        keyed[0::2] = parts[0::4]
        keyed[1::2] = [first + _ONE_STAND_IN if number is None else _ONE_DIGIT for number, first in zip(numbers, firsts)]
        keys = "".join(keyed).split("\n")
        shapes: dict[str, tuple[str, int, list[int] | None] | None] = {}   # key -> template, words, order
        for key, raw in zip(keys, raws):
            if key not in shapes:
                shapes[key] = self._shape(key, raw)
        templates, refill, alone, at = [], [], [], 0
        for i, key in enumerate(keys):
            shape = shapes[key]
            if shape is None or len(raws[i]) > _SPAN_MAX_CHARS:   # headings of one key differ in length
                alone.append(i)
                templates.append("")
                at += key.count(_ONE_STAND_IN) + key.count(_ONE_DIGIT)
                continue
            template, held, order = shape
            templates.append(template)
            refill += words[at:at + held] if order is None else [words[at + k] for k in order]
            at += held
        pieces = "\n".join(templates).split(_ONE_STAND_IN)
        if len(pieces) != len(refill) + 1:   # never expected: each heading on its own
            return list(map(self._alone, raws))
        filled = [""] * (2 * len(refill) + 1)
        filled[0::2], filled[1::2] = pieces, refill
        out = "".join(filled).split("\n")
        for i in alone:
            out[i] = self._alone(raws[i])
        return out

    def _alone(self, raw: str) -> str:
        """_span_text of one heading, parsed on its own."""
        return _span_text(raw, self.gfm, self.refs, self.notes)

    def _shape(self, key: str, raw: str) -> tuple[str, int, list[int] | None] | None:
        """For _words_texts, a heading's key (of heading `raw`): what its numbered shape
        parses to, with one stand-in for every word it keeps (`template`), how many words
        the shape has and which it keeps in which order (None: all, in order); None when the
        heading must be parsed alone."""
        cut = _ONE_EITHER.split(key)   # text, the character of a kind, text...
        kinds = cut[1::2]
        digits = kinds.count(_ONE_DIGIT)
        if len(raw) > _SPAN_MAX_CHARS or not kinds or digits > len(_DIGIT_INS) or (
                len(kinds) - digits > len(_STAND_INS)) or ("[" in raw and self.labels_matter):
            return None
        letter_ins, digit_ins = iter(_STAND_INS), iter(_DIGIT_INS)
        stand_ins = [next(digit_ins) if kind == _ONE_DIGIT else next(letter_ins) for kind in kinds]
        numbered = [""] * len(cut)
        numbered[0::2], numbered[1::2] = cut[0::2], stand_ins
        shape = "".join(numbered)
        if shape not in self.shapes:
            self.shapes[shape] = _cut_at_stand_ins(_parsed(shape, self.gfm, self.refs, self.notes), stand_ins)
        parsed = self.shapes[shape]
        if parsed is None:
            return None
        pieces, order = parsed
        template = _ONE_STAND_IN.join(pieces)
        if template.count(_ONE_STAND_IN) != len(pieces) - 1 or "\n" in template:
            return None
        return template, len(kinds), order


def _cut_at_stand_ins(text: str | None, stand_ins: list[str]) -> tuple[list[str], list[int] | None] | None:
    """The parsed text of a shape cut at its stand-ins, and which word each stands for
    (None: each word once, in order); None for no text (the step limit), or a stand-in not
    the shape's (never expected: a heading that could make one is parsed alone)."""
    if text is None:
        return None
    word_of = {char: k for k, char in enumerate(stand_ins)}
    order = [word_of.get(char, -1) for char in _ANY_STAND_IN.findall(text)]
    if -1 in order:
        return None
    return _ANY_STAND_IN.split(text), None if order == list(range(len(stand_ins))) else order


# a number, or a word's first letter and inside (its first and last character are left: the
# parser looks at them), unless what comes before or after it makes it a name the parser
# reads (see _words_texts)
_WORDS = re.compile(r"(?<![^\s*_()\[\]`>\"',;!?-])"
                    r"(?:([0-9]+)(?![^\W_]|@)|([^\W_])([^\W_]{2,})(?=[^\W_](?![^\W_]|@)))")
# Tangut ideographs: letters to Python's patterns and str methods, caseless, and in no
# French page; the first 4,096 stand for a heading's words, one more for all of them
_STAND_INS = [chr(code) for code in range(0x17000, 0x17000 + 4096)]
_ONE_STAND_IN = "\U00018000"   # every word of a heading, in _words_texts's keys and templates
# the mathematical digits (bold, double-struck, sans-serif...): digits to Python's patterns
# and str methods; the last stands for all numbers of a heading in its key (one range: a
# class of many ranges or characters beyond the first plane is slow, a tenth of a second
# over a page for sixteen scripts' digits)
_DIGIT_INS = [chr(c) for c in range(0x1D7CE, 0x1D800)]
_ONE_DIGIT = _DIGIT_INS.pop()
_ONE_EITHER = re.compile(f"([{_ONE_STAND_IN}{_ONE_DIGIT}])")
_ANY_STAND_IN = re.compile("[\U00017000-\U00017fff\U0001d7ce-\U0001d7ff]")
# a stand-in (any Tangut character, any of those digits), or a numeric reference that could
# make one (any of 10,000 or more)
_STAND_IN_LIKE = re.compile("[\U00017000-\U000187ff\U0001d7ce-\U0001d7ff]|&#(?:0*\\d{5,}|[xX]0*[0-9a-fA-F]{5,})")
_LONG_WORD = re.compile(r"[^\W_]{4,}")


def _unless_closed(replacement: str) -> Callable[[re.Match[str]], str]:
    """`replacement` for a match that found its closing '>' or '}', the match itself else."""
    return lambda m: m.group(0) if m.group(1) == "" else replacement


def _clean(text: str) -> str:
    """Markup of one section's text removed; paragraphs kept apart by blank lines."""
    escaped = "\\" in text
    if escaped:
        # the escaped characters ('\\' and one of _HIDE) hidden by str.replace, an escaped
        # backslash first: what is left of a run of backslashes then is one before the
        # character it escapes, as a scan from the left pairs them (a regex split, a tenth
        # of a page of escapes)
        for escape, hidden in _HIDE_ESCAPES:
            if escape in text:
                text = text.replace(escape, hidden)
    if "<" in text:
        text = _BLOCK_TAG.sub(_unless_closed("\n\n"), text)
        text = _CELL_TAG.sub(_unless_closed(" "), text)
        text = (_AUTOLINK if "@" in text else _AUTOLINK_URL).sub(_unless_closed(""), text)
        text = _TAG.sub(_unless_closed(""), text)
    if "[" in text:
        # each match for its one group: split puts the groups between the pieces (sub's
        # template r"\1" is expanded in Python for each match, a tenth of a page of links)
        text = "".join(_IMAGE.split(text)) if "![" in text else text
        text = "".join(_LINK.split(text))
        text = _FOOTNOTE_REF.sub("", text)
    if "{" in text:
        text = _SPAN_IAL.sub(_unless_closed(""), text)
    # str.replace: a regex on these single characters is six times slower
    text = text.replace("*", "").replace("`", "").replace("~~", "")
    if "_" in text:
        text = _UNDERSCORES.sub("", text)
    text = text.replace("|", " ")
    if escaped:
        # `in` then str.replace, as in normalize_text: translate looks each character of
        # a text that is not ASCII up in its table (a fifth of a page of escapes)
        for hidden, char in _UNHIDE_PAIRS:
            if hidden in text:
                text = text.replace(hidden, char)
    if "&" in text:
        # after tag removal, so that a written "&lt;b&gt;" stays visible text
        text = normalize_text(html.unescape(text))
    return text


def clean_inline(text: str) -> str:
    """One line of plain text from a markdown/HTML fragment (titles, summaries, headings)."""
    return " ".join(_clean(normalize_text(text)).split())


def clean_inlines(texts: list[str]) -> list[str]:
    """clean_inline of each text, in a few regex calls for all of them (see _clean_all)."""
    return _single_spaced(_clean_all(texts))


def _clean_all(parts: list[str]) -> list[str]:
    """_clean(normalize_text(part)) of each part, in one _clean call for all of them: parts
    joined by NUL, which no markup pattern crosses (a few regex calls per page instead of a
    few per part). A part holding a NUL (a body's were removed; a link text's may hold
    one), or a match that took one (never expected), and the parts are cleaned one by one."""
    joined = "\x00".join(parts)
    if joined.count("\x00") == len(parts) - 1:
        cleaned = _clean(normalize_text(joined)).split("\x00")
        if len(cleaned) == len(parts):
            return cleaned
    return [_clean(normalize_text(part)) for part in parts]


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


# The pieces of a page (its headings, its sections' texts) are tidied in one pass of a few
# regexes over all of them, joined by NUL (which no piece holds): calls per piece were a
# third of the time of a page of short headings. A mark, a character the page does not
# hold, stands for the paragraph breaks meanwhile.
_MARKS = "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\ufdd0\ufdd1"
# whitespace runs and the spaces around a NUL replaced, matching only where that changes
# something (most spaces are single, most NULs have none beside them): a match per word was
# a tenth of a page of headings
_WHITESPACE_NOT_SINGLE = re.compile(r"\s\s+|[^\S ]")
_NUL_AND_SPACES = re.compile(r" \x00 ?|\x00 ")


def _single_spaced(pieces: list[str]) -> list[str]:
    """" ".join(piece.split()) for each piece."""
    joined = _NUL_AND_SPACES.sub("\x00", _WHITESPACE_NOT_SINGLE.sub(" ", "\x00".join(pieces))).strip(" ")
    return joined.split("\x00")


def _all_paragraphs(pieces: list[str]) -> list[str]:
    """_paragraphs(piece) for each piece."""
    joined = "\x00".join(pieces)
    mark = next((c for c in _MARKS if c not in joined), None)
    if mark is None:
        return [_paragraphs(piece) for piece in pieces]
    text = _WHITESPACE_NOT_SINGLE.sub(" ", _PARAGRAPH_BREAK.sub(mark, joined))
    # each paragraph stripped (literal replacements: a template is expanded in Python)
    text = _NUL_AND_SPACES.sub("\x00", re.sub(f" ?{mark} ?", mark, text)).strip(" ")
    # empty paragraphs go: a mark repeated, next to a NUL or at either end
    text = re.sub(f"{mark}{mark}+", mark, text)
    text = text.replace(mark + "\x00", "\x00").replace("\x00" + mark, "\x00").strip(mark)
    return text.replace(mark, "\n").split("\x00")


class _Builder:
    """Collects sections while the line pass runs; the ids are made at the end, in document
    order, once the page's link and footnote definitions (which change a heading's text) are known."""

    def __init__(self) -> None:
        # [raw heading, level, explicit id or None, auto id allowed, body lines], the text
        # before the first heading first
        self.lines: list[str] = []
        self.done: list[list] = [["", 0, None, False, self.lines]]
        self.refs: set[str] = set()
        self.notes: set[str] = set()

    def start(self, raw: str, level: int, explicit_id: str | None, auto: bool = True) -> list[str]:
        """Open a section at this heading; returns the list its lines go to, which the
        caller must use from now on (`lines = out.start(...)`)."""
        self.lines = []
        self.done.append([raw, level, explicit_id, auto, self.lines])
        return self.lines

    def name(self, anchor: str) -> None:
        """The current section's heading is named `anchor` (a block IAL under it)."""
        self.done[-1][2] = anchor

    def sections(self, ids: HeadingIds) -> list[Section]:
        make = _IdMaker(ids)
        make.refs, make.notes = frozenset(self.refs), frozenset(self.notes)
        # an explicit id ({#id}, {: #id}) is not counted: kramdown numbers auto ids only
        wanted = [explicit is None and level and auto and ids.auto_ids for _, level, explicit, auto, _ in self.done]
        made = iter(make.all([raw for (raw, _, _, _, _), want in zip(self.done, wanted) if want]))
        anchors = [next(made) if want else explicit or "" for (_, _, explicit, _, _), want in zip(self.done, wanted)]
        # one _clean call for the whole page, pieces kept apart by NUL, which no markup
        # pattern crosses: a few regex calls per page instead of a few per section
        parts = [piece for raw, _, _, _, lines in self.done for piece in (raw, "\n".join(lines))]
        cleaned = _clean_all(parts)
        headings, texts = _single_spaced(cleaned[0::2]), _all_paragraphs(cleaned[1::2])
        # only the text before the first heading has level 0: no heading, and no section when empty
        headings[0] = ""
        out = build_all(Section, heading=headings, anchor=anchors, level=list(map(itemgetter(1), self.done)), text=texts)
        return out if texts[0] else out[1:]


# Block-level rules of kramdown 2.4 (parser/kramdown/*.rb) and kramdown-parser-gfm 1.1 with
# Jekyll's default gfm_quirks (paragraph_end): no indentation before an ATX '#'; kramdown's
# own parser wants a block boundary before it (blank line, start, block IAL, '^') and no space
# after the hashes, GFM wants the space and lets a heading interrupt a paragraph.
_ATX_KRAMDOWN = re.compile(r"(#{1,6})[\t ]*([^ \t].*)")
_ATX_GFM = re.compile(r"(#{1,6})[\t ]+(.*)")
_HEADER_ID = re.compile(r"(.*?)[\t ]\{#((?:[^\W\d]|:)[\w:.\-\u00b7]*)\}\Z")
_CLOSING_KRAMDOWN = re.compile(r"(?<!\\)#+\Z")
_CLOSING_GFM = re.compile(r"[\t ]#+\Z")
_SETEXT = re.compile(r"[-=][-=]*[ \t\r\f\v]*\Z")  # at column 0; the first character gives the level
_SETEXT_TEXT = re.compile(r" {0,3}([^ \t].*)")
_FENCE_GFM = re.compile(r" {0,3}(([~`])\2{2,})\s*?(?:\S+?)?\s*\Z")  # one info word, else no fence
_FENCE_KRAMDOWN = re.compile(r"(~{3,})")  # kramdown's own parser: tildes at column 0 only
# raw HTML blocks: any tag but kramdown's span elements opens one (headings inside are not
# parsed) unless it carries markdown="1"/"block"; void elements hold nothing
_HTML_BLOCK = re.compile(r" {0,3}<([A-Za-z][\w:-]*)(?=[\s/>]|\Z)([^>]*)", re.I)
_HTML_SPAN_ELEMENTS = frozenset(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark option q rb "
    "rbc rp rt rtc ruby samp select small span strong sub sup textarea tt var".split())
_HTML_VOID = frozenset("area base col embed hr link meta param source track wbr".split())
_MARKDOWN_ATTR = re.compile(r"""\bmarkdown\s*=\s*["']?(?:1|block)\b""", re.I)
_REF_LABEL = re.compile(r" {0,3}\[([^\]\n]+)\]:")


def _html_depth(line: str, tag: str) -> int:
    """Opening minus closing `tag` tags in a line of a raw HTML block."""
    low = line.lower()
    return len(re.findall(rf"<{tag}(?=[\s/>]|$)", low)) - len(re.findall(rf"</{tag}\s*>", low))


_CLOSING_TAG = {name: re.compile(rf"</{name}\s*>", re.I)
                for name in ("script", "style", "iframe", "noscript", "svg", "template")}


def _drop(body: str) -> str:
    """The body without what _DROP finds; a script (style, iframe...) goes through its closing
    tag, and stays when it has none. What was found missing once (a closing tag, any '>') is
    not looked for again: a page of '<script>' was read to its end from each one (quadratic)."""
    out, pos, unclosed, pattern = [], 0, set(), _DROP
    while (m := pattern.search(body, pos)) is not None:
        out.append(body[pos:m.start()])
        pos = m.end()
        name = (m.group(1) or "").lower() if pattern is _DROP else ""
        if not name:
            continue
        if not m.group(2):
            pattern = _DROP_NO_TAG
        close = None if name in unclosed or not m.group(2) else _CLOSING_TAG[name].search(body, pos)
        if close is None:   # its '<' is text; what the tag holds is read on
            unclosed.add(name)
            out.append("<")
            pos = m.start() + 1
        else:
            pos = close.end()
    out.append(body[pos:])
    return "".join(out)


def to_sections(body: str, *, markdown: bool = True, ids: HeadingIds | str = HeadingIds()) -> list[Section]:
    """Plain-text sections of a page body; `markdown=False` for .html pages (one section).
    `ids`: how the site's kramdown makes heading ids (a string is HeadingIds(input=it))."""
    with paused_gc():
        return _sections(body, markdown, ids)


def _sections(body: str, markdown: bool, ids: HeadingIds | str) -> list[Section]:
    if isinstance(ids, str):
        ids = HeadingIds(input=ids)
    if ids.input.lower() != ids.input:
        ids = replace(ids, input=ids.input.lower())  # "GFM", as _config.yml spells it
    # ids come from the text as written (a no-break space is not a space to kramdown, NFD
    # accents stay NFD in a GFM id): the body is normalised only when its pieces are cleaned
    body = _drop(body.replace("\x00", ""))
    if not markdown:
        text = _paragraphs(_clean(normalize_text(body)))
        return [Section("", "", 0, text)] if text else []
    out = _line_pass(body, ids.input == "gfm")
    return out.sections(ids)


# a line break first: a pattern starting with '^' is tried at every position of the page
_FENCE_START = {True: re.compile(r"\n {0,3}[`~]"), False: re.compile(r"\n~")}


class _ClosingFences:
    """For each fence character, the longest closing fence at or below each line. A fence
    with no closing line below it is no code block (kramdown's regexps want both ends):
    knowing it when the fence opens keeps the pass linear (reading the page again for each
    unclosed fence took minutes, and overflowed the stack, for a page of '```a' lines).
    Only the lines a regex finds starting with a fence character are looked at (a loop
    over every line was a tenth of the time of a page of short headings)."""

    def __init__(self, body: str, gfm: bool) -> None:
        chars = "`~" if gfm else "~"   # kramdown's own parser: tildes at column 0 only
        self.lines: dict[str, list[int]] = {"`": [], "~": []}   # line numbers, ascending
        self.longest: dict[str, list[int]] = {"`": [], "~": []}   # the longest from there down
        number, last = 0, -1
        for m in _FENCE_START[gfm].finditer("\n" + body):   # m.start(): the line's start in body
            number += body.count("\n", last + 1, m.start())
            last = m.start()
            end = body.find("\n", last)
            line = body[last:end] if end >= 0 else body[last:]
            rest = line.lstrip(" ") if gfm else line
            if rest[:1] and rest[0] in chars and len(line) - len(rest) < 4:
                tail = rest.strip()   # the fence and nothing else: a closing line
                if not tail.strip(rest[0]):
                    self.lines[rest[0]].append(number)
                    self.longest[rest[0]].append(len(tail))
        for column in self.longest.values():
            for i in range(len(column) - 2, -1, -1):
                column[i] = max(column[i], column[i + 1])

    def below(self, char: str, number: int) -> int:
        """The longest closing fence of `char` on line `number` or below; 0 when none."""
        i = bisect.bisect_left(self.lines[char], number)
        column = self.longest[char]
        return column[i] if i < len(column) else 0


def _line_pass(body: str, gfm: bool) -> _Builder:
    out = _Builder()
    lines = out.lines
    # out.start written out for the ATX headings, which most heading-dense pages are made of
    # (a call per heading was a tenth of the line pass)
    done = out.done
    atx, atx_closing = (_ATX_GFM, _CLOSING_GFM) if gfm else (_ATX_KRAMDOWN, _CLOSING_KRAMDOWN)
    boundary = True  # kramdown's after_block_boundary?: start, blank line, block IAL, '^'
    in_para = False  # the previous line is paragraph text: kramdown's '~~~' does not open there
    para_start = False  # ... and began its paragraph at a boundary: '---' under it makes a heading
    heading_before = False  # the previous line is a heading: a block IAL under it may name it
    pending_id: str | None = None  # from a block IAL line at a boundary: names the next block
    fence = ""
    html_tag, html_depth = "", 0
    all_lines = body.split("\n")
    closing = _ClosingFences(body, gfm)
    for number, line in enumerate(all_lines):
        if fence:
            if gfm:
                closed = line.lstrip(" ").startswith(fence) and len(line) - len(line.lstrip(" ")) < 4 \
                    and not line.strip().strip(fence[0])
            else:
                closed = line.startswith(fence) and not line.strip().strip("~")
            if closed:
                fence = ""
                lines.append("")
            else:
                lines.append(line)
            continue
        if html_tag:
            html_depth += _html_depth(line, html_tag)
            if html_depth <= 0:
                html_tag = ""
            lines.append(line)
            continue
        stripped = line.strip()
        if not stripped:
            lines.append("")
            boundary, in_para, para_start, heading_before, pending_id = True, False, False, False, None
            continue
        first = stripped[0]
        if first not in _BLOCK_STARTS and "|" not in stripped:  # most lines: plain prose
            lines.append(line)
            para_start, boundary, in_para, heading_before, pending_id = boundary and not in_para, False, True, False, None
            continue
        was_heading, heading_before = heading_before, False
        was_para_start, para_start = para_start, False
        at_boundary, boundary = boundary, False
        was_para, in_para = in_para, False
        ial_id, pending_id = pending_id, None
        if first == "#" and line[0] == "#":
            m = atx.match(line)
            if m and (gfm or at_boundary):
                hashes, text = m.groups()
                text, explicit = text.rstrip(), None
                if "{#" in text and (hid := _HEADER_ID.match(text)):
                    text, explicit = hid.group(1).rstrip(), hid.group(2)
                if text.endswith("#"):   # a regex call per heading was a tenth of a page of headings
                    text = atx_closing.sub("", text).rstrip()
                if text:
                    lines = out.lines = []
                    done.append([text, len(hashes), explicit or ial_id, True, lines])
                    heading_before = True
                    continue
        elif first == "<" and (m := _HTML_HEADING.match(line)):
            # a heading when it has text; made plain once, with the page's other pieces
            # (it was made plain here too: a call per heading, a third of a page of them,
            # and what an entity wrote, '&lt;b&gt;', was then taken for a tag)
            inner = m.group(3)
            if _SHOWS_TEXT.match(inner) or clean_inline(inner):
                hid = _HTML_ID.search(m.group(2))
                lines = out.start(inner, int(m.group(1)), hid.group(1) if hid else None, auto=False)
                heading_before = True
                continue
        elif (first in "=-" and was_para_start and line[0] in "=-" and _SETEXT.match(line)
              and (above := _SETEXT_TEXT.match(lines[-1]))):   # indented 4+: code, no heading text
            lines.pop()
            raw = above.group(1).rstrip()
            explicit = None
            if "{#" in raw and (hid := _HEADER_ID.match(raw)):
                raw, explicit = hid.group(1).rstrip(), hid.group(2)
            lines = out.start(raw, 1 if first == "=" else 2, explicit or ial_id)
            heading_before = True
            continue
        if first == "`" and not gfm and _FENCE_GFM.match(line):
            # no fence to kramdown's own parser but paragraph text (a code span): only the
            # fence line itself is left out of the text, the lines under it are read as usual
            lines.append("")
            in_para = True
            continue
        if first in "`~" and (gfm or not was_para):
            m = (_FENCE_GFM if gfm else _FENCE_KRAMDOWN).match(line)
            if m and closing.below(m.group(1)[0], number + 1) >= len(m.group(1)):
                fence = m.group(1)
                lines.append("")
                continue
        if first == "<" and (m := _HTML_BLOCK.match(line)):
            tag = m.group(1).lower()
            if tag not in _HTML_SPAN_ELEMENTS:
                if _MARKDOWN_ATTR.search(m.group(2)):
                    boundary = True  # its content is parsed as blocks from here
                elif tag not in _HTML_VOID and (depth := _html_depth(line, tag)) > 0:
                    html_tag, html_depth = tag, depth
                lines.append(line)
                continue
        if first == "^" and stripped == "^" and line[0] == "^":  # kramdown's end-of-block marker
            boundary = True
            lines.append("")
            continue
        if first in "-*_" and not was_para and _HR.match(line):
            lines.append("")
            continue
        if first == "{" and (m := _IAL_LINE.match(line)):
            ial = _IAL_ID.search(m.group(1))
            if was_heading:  # right under a heading: it names that heading
                if ial:
                    out.name(ial.group(1) or ial.group(2))
                heading_before = True
            elif at_boundary:  # after a blank line: it names the next block
                pending_id = (ial.group(1) or ial.group(2)) if ial else None
                boundary = True
            lines.append("")
            continue
        if first == "[":
            # kramdown tries a footnote definition first, its name ALD_ID_NAME (ASCII);
            # any other label, '^' first too, makes a link definition ('[^a b]: x')
            if m := _FOOTNOTE_DEF.match(line):
                out.notes.add(m.group(1))
                lines.extend(("", line[m.end():]))
                continue
            if m := _REF_LABEL.match(line):
                if _REF_DEF.match(line):
                    out.refs.add(" ".join(m.group(1).lower().split()))
                    continue
        if first == "|" or ("|" in stripped and "-" in stripped):
            if _TABLE_SEP.match(line):
                continue
            if first == "|":
                lines.extend(("", line))
                continue
        if first == ">":
            quoted = line[m.end():] if (m := _QUOTE.match(line)) else stripped[1:]
            # a heading inside a blockquote gets an id too, counted in document order
            if quoted.startswith("#") and (gfm or not was_para):
                if (hm := (_ATX_GFM if gfm else _ATX_KRAMDOWN).match(quoted)) and (
                        text := (_CLOSING_GFM if gfm else _CLOSING_KRAMDOWN).sub("", hm.group(2).rstrip()).rstrip()):
                    explicit = None
                    if "{#" in text and (hid := _HEADER_ID.match(text)):
                        text, explicit = hid.group(1).rstrip(), hid.group(2)
                    lines = out.start(text, len(hm.group(1)), explicit)
                    continue
            lines.append(quoted)
            in_para = True
            continue
        if first in "-*+0123456789" and (m := _LIST_ITEM.match(line)):
            lines.extend(("", line[m.end():]))
            in_para = True
            continue
        lines.append(line)
        in_para = True
        para_start = at_boundary and not was_para
    return out
