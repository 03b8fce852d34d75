"""Finding query matches in stored text, and HTML-escaped snippets with <mark>.

Speed matters here (every hit of every query): one walk over a folded copy of the
text (compiled: _highlight.c) proposes candidate words by prefix, and only those
candidates go through the (memoised) analyzer to confirm a match.

Every way a word is found is also a way it is marked: besides the folded text, the
words the analysis joins otherwise than they are written (e-mail for "email",
aujourd’hui, cœur for "coeur") come from `analysis.loose_forms`, stored at indexing.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from . import analysis, lang

try:   # built by setup.py from _highlight.c; where it could not be, the Python loops below run
    from . import _highlight as compiled
except ImportError:
    compiled = None

_WORD = re.compile(lang.WORD_PATTERN)   # a word as the analysis cuts it


@dataclass(frozen=True)
class Matcher:
    """What counts as a hit: stems (any language) and unstemmed folded forms and prefixes."""

    stems: frozenset[str]
    forms: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def seeds(self) -> tuple[str, ...]:
        """Folded beginnings that any matching word starts with (stems may rewrite an ending)."""
        seeds = {t[:max(3, len(t) - 2)] for t in _marked(self.stems) | self.forms} | set(self.prefixes)
        return tuple(sorted(seed for seed in seeds if seed))

    def matches(self, text: str, folded: str | None = None,
                loose: dict[str, list[int]] | None = None) -> list[tuple[int, int, str]]:
        """(start, end, matched term) of every matching word of text (`folded`: its fold_text;
        `loose`: its analysis.loose_forms, stored at indexing)."""
        return self.matches_by_text(Texts.of([text], folded, loose)).get(0, [])

    def matches_by_text(self, texts: Texts) -> dict[int, list[tuple[int, int, str]]]:
        """matches() of several texts in one pass over their join, as spans within each text by
        its number: only the texts that have some (most of a page's sections have none)."""
        out: dict[int, list[tuple[int, int, str]]] = {}
        starts = texts.starts
        for start, end, term in self._confirmed(texts, self._candidates(texts)):
            i = bisect_right(starts, start) - 1
            offset = starts[i]
            out.setdefault(i, []).append((start - offset, end - offset, term))
        return out

    def _candidates(self, texts: Texts) -> list[int]:
        """Where a matching word may start, ascending: where a word starts with a seed, or a
        loose form does."""
        seeds = _seeds(self)
        if not seeds:
            return []
        starts = texts.word_starts(seeds)
        loose = [at for form, offsets in texts.loose.items() if form.startswith(seeds) for at in offsets]
        # e-mail for email: written with what the analysis skips
        return sorted(set(starts).union(loose)) if loose else starts

    def _confirmed(self, texts: Texts, starts: list[int]) -> list[tuple[int, int, str]]:
        """(start, end, matched term) of the words at `starts` (ascending) that match, in order and apart."""
        known = _KNOWN.setdefault(self, {})
        if compiled is not None:   # the loop below, each word cut as _WORD cuts it, in C
            return compiled.confirmed(texts.joined, starts, known, self._term_of, lang.INVISIBLE, lang.CONNECTORS)
        found = []
        end = -1
        word_at = texts.word_at
        for at in starts:
            word = word_at(at) if at >= end else None
            if not word:
                continue
            raw = word[1]
            term = known.get(raw, _UNSEEN)
            if term is _UNSEEN:
                term = known[raw] = self._term_of(raw)
            if term:
                end = word[0]
                found.append((at, end, term))
        return found

    def _term_of(self, word: str) -> str | None:
        folded, stems, forms = _forms(word)
        for prefix in self.prefixes:
            if folded.startswith(prefix):
                return prefix
        for stem in stems:
            if stem in self.stems:
                return stem
        for form in forms:
            if form in self.forms:
                return form
        return None


FORMS_KEPT = 16384   # page words whose analysis highlighting remembers (about 300 bytes each)


@lru_cache(maxsize=FORMS_KEPT)
def _forms(word: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """What Matcher._term_of tests of a page's word: (folded, its stems in French then in
    English but stop words, its unstemmed forms). The same words are shown again and again
    (a page's, for every query that shows it), each query with its own Matcher: the
    analysis is remembered here, for every query."""
    stems = tuple(term.text for code in ("fr", "en") for term in analysis.stem_terms(word, code)
                  if not analysis.is_stopword(term.text))
    return analysis.fold(word), stems, tuple(term.text for term in analysis.word_terms(word))


# What a page's Texts keeps at most of what queries found in it (emptied when full: a page
# shown for many queries): the memory is held by each record of the page store's LRU
SEEDS_KEPT = 64     # queries' seeds, with the word starts they were found at
WORDS_KEPT = 256    # words cut at an offset


@dataclass(frozen=True)
class Texts:
    """Texts as Matcher.matches_by_text scans them: joined by "\n", folded, with where each
    starts. A page's are made when a hit first shows it and kept with its record (the page
    store keeps the records last shown), and so are the word starts a query's seeds were
    found at and (where _highlight.c is not built: it cuts words faster than a look-up
    here) the words cut there: the next query that looks for the same seeds in the same
    page neither scans it nor cuts its words again."""

    joined: str
    starts: tuple[int, ...]       # where each text starts in `joined`
    folded: str                   # analysis.fold_text(joined)
    loose: dict[str, list[int]]   # analysis.loose_forms(folded)
    seed_starts: dict[tuple[str, ...], list[int]] = field(default_factory=dict, compare=False, repr=False)
    # offset -> (end, word) of the words looked at
    words: dict[int, tuple[int, str] | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, texts: list[str], folded: str | None = None, loose: dict[str, list[int]] | None = None) -> Texts:
        """`folded`, `loose`: of the texts joined by "\n", when they were stored at indexing."""
        joined = "\n".join(texts)
        if folded is None or len(folded) != len(joined):
            folded, loose = analysis.fold_text(joined), None
        if loose is None:
            loose = analysis.loose_forms(folded)
        starts, at = [], 0
        for text in texts:
            starts.append(at)
            at += len(text) + 1
        return cls(joined, tuple(starts), folded, loose)

    def word_starts(self, seeds: tuple[str, ...]) -> list[int]:
        """Where a word of the texts starts with one of `seeds` (folded), ascending: found
        once per page and seeds (a query asked again scans no page again)."""
        found = self.seed_starts.get(seeds)
        if found is None:
            if len(self.seed_starts) >= SEEDS_KEPT:
                self.seed_starts.clear()
            found = self.seed_starts[seeds] = _starts(self.folded, seeds)
        return found

    def word_at(self, at: int) -> tuple[int, str] | None:
        """(end, word) of the word of `joined` starting at `at`, as the analysis cuts it (None:
        no word starts there), cut once per page: the same words are looked at by every query
        that finds them."""
        word = self.words.get(at, _UNSEEN)
        if word is _UNSEEN:
            if len(self.words) >= WORDS_KEPT:
                self.words.clear()
            match = _WORD.match(self.joined, at)
            word = self.words[at] = (match.end(), match.group()) if match else None
        return word


def _starts(folded: str, seeds: tuple[str, ...]) -> list[int]:
    """Where a word of `folded` starts with one of `seeds`, ascending, each place once: in
    one walk over the text where _highlight.c is built, else one str.find scan per seed."""
    if compiled is not None:
        return compiled.word_starts(folded, seeds)
    return sorted({at for seed in seeds for at in _word_starts(folded, seed)})


def _word_starts(folded: str, seed: str) -> tuple[int, ...]:
    out = []
    find = folded.find
    at = find(seed)
    while at != -1:   # str.find runs at C speed; a regex alternation is far slower here
        if at == 0 or not folded[at - 1].isalnum():
            out.append(at)
        at = find(seed, at + 1)
    return tuple(out)


def _marked(stems: frozenset[str]) -> frozenset[str]:
    """The stems a page's word may be marked for: not French stop words, which only the
    English analysis of a compound keeps (`de` of Île-de-France, never a match on its own)."""
    return frozenset(t for t in stems if not analysis.is_stopword(t))


_UNSEEN = object()   # a word not looked at yet
_MATCHERS_KEPT = 512   # queries whose seeds and words looked at are kept (then all let go)
_SEEDS: dict[Matcher, tuple[str, ...]] = {}
_KNOWN: dict[Matcher, dict[str, str | None]] = {}   # word -> matched term, per query


def _seeds(matcher: Matcher) -> tuple[str, ...]:
    """The matcher's seeds without those another seed begins (form before formation): a
    word starting with the longer one starts with the shorter one, so the words found
    are the same, for fewer scans of the text."""
    seeds = _SEEDS.get(matcher)
    if seeds is None:
        if len(_SEEDS) > _MATCHERS_KEPT:
            _SEEDS.clear()
            _KNOWN.clear()
        kept: list[str] = []
        for seed in matcher.seeds():   # sorted: a seed's prefixes come before it
            if not kept or not seed.startswith(kept[-1]):
                kept.append(seed)
        seeds = _SEEDS[matcher] = tuple(kept)
    return seeds


def _escape(text: str) -> str:
    """& < > " ' as entities: the *_html fields are safe in an element and in a quoted attribute."""
    return html.escape(text, quote=True)


_OPEN, _CLOSE = "\x00", "\x01"   # where <mark> and </mark> go, while the text is escaped in one piece


def mark(text: str, spans: list[tuple[int, int, str]]) -> str:
    """HTML-escape text, wrapping each span in <mark>."""
    if not spans:
        return _escape(text)
    if _OPEN in text or _CLOSE in text:   # never in a page's text, but a visitor's text may hold anything
        return _mark(text, spans)
    out, last = [], 0
    for start, end, _ in spans:
        if start < last:
            continue
        out += (text[last:start], _OPEN, text[start:end], _CLOSE)
        last = end
    out.append(text[last:])
    # escaping is character by character: escaping the whole is escaping each piece
    return _escape("".join(out)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _mark(text: str, spans: list[tuple[int, int, str]]) -> str:
    """mark(), a piece at a time."""
    out, last = [], 0
    for start, end, _ in spans:
        if start < last:
            continue
        out.append(_escape(text[last:start]))
        out.append("<mark>" + _escape(text[start:end]) + "</mark>")
        last = end
    out.append(_escape(text[last:]))
    return "".join(out)


def snippet(text: str, spans: list[tuple[int, int, str]], width: int = 180) -> str:
    """The window of about `width` characters holding the most distinct matched terms, marked."""
    text = text.replace("\n", " ")
    if not spans:
        cut = _cut(text, 0, width)
        return _escape(cut[0]) + ("…" if cut[2] else "")
    distinct = len({span[2] for span in spans})
    best_start, best_score = spans[0][0], -1
    inside: dict[str, int] = {}
    j, count = 0, len(spans)
    for start, _, term in spans:   # slide a window over the spans, counting distinct terms
        limit = start + width
        while j < count and spans[j][0] < limit:
            added = spans[j][2]
            inside[added] = inside.get(added, 0) + 1
            j += 1
        if len(inside) > best_score:
            best_start, best_score = start, len(inside)
            if best_score == distinct:   # no later window holds more (a single word's query: the first)
                break
        inside[term] -= 1
        if not inside[term]:
            del inside[term]
    begin = max(0, best_start - width // 3)
    window, begin, truncated_end = _cut(text, begin, width)
    limit = begin + len(window)
    shown = []
    for start, end, term in spans:   # in order and apart, as matches() gives them
        if start < begin:
            continue
        if end > limit:   # and every later one ends later
            break
        shown.append((start - begin, end - begin, term))
    return ("…" if begin > 0 else "") + mark(window, shown) + ("…" if truncated_end else "")


def _cut(text: str, begin: int, width: int) -> tuple[str, int, bool]:
    """text[begin:begin+width] widened or narrowed to word boundaries."""
    if begin > 0:
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if space >= 0 and begin - space < 20 else begin
    end = begin + width
    if end >= len(text):
        return text[begin:].rstrip(), begin, False
    space = text.rfind(" ", begin, end)
    end = space if space > begin else end
    return text[begin:end].rstrip(), begin, True
