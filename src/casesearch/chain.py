"""The chain that turns a text into tokens, driven by one language's tables alone.

`Chain.from_tables(lang.tables("fr"))` is the whole French analysis: normalise each word
(NFC, invisible characters out, inclusive ``·e·s`` cut), split it (elision, hyphen
compounds, camelCase), fold it through the fold table, mark stop words (they keep their
position), then stem with the table's rules or keep the folded and accented forms. A JSON
copy of the tables gives the same tokens (tests/test_lang.py): what the export ships.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import NamedTuple

import Stemmer

from .lang import char_class

__all__ = ["Chain", "Term", "Token"]


_MEMO_SIZE = 1 << 18  # distinct words remembered; bounded for a long-running web server
_CACHE_MAX = 500_000  # distinct raw words per chain before the memo starts over
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_CUT_KEPT = 64   # texts whose words `Chain.positions` keeps for `Chain.terms` (a page's fields), at most


class Token(NamedTuple):
    """One token of a text (of a word, in a chain's memo: then pos and offsets are the word's)."""

    text: str  # the index term
    pos: int  # word position; stop words and dropped tokens keep theirs
    start: int  # text[start:end] is the original word (offsets into the string passed in)
    end: int
    stopped: bool  # a stop word (kept only when asked, for its position)


class Term(NamedTuple):
    """A token the index keeps: a Token without stop words."""

    text: str
    pos: int
    start: int
    end: int


# Building the tuples without NamedTuple's Python-level __new__: analysis runs on every word of every build.
_token = partial(tuple.__new__, Token)
_term = partial(tuple.__new__, Term)


# A part of one clean word, (pos, width, start, end, joined): a leaf (width 0, its own
# position) or a joined form (compound or camelCase whole) covering `width` leaf positions
# from `pos`; a joined part drops the connectors inside (e-mail -> email, aujourd'hui ->
# aujourdhui). Parts, and the tokens of a word below, are plain tuples: a NamedTuple's
# Python-level __new__ for each cost a full build of site-eig 264 M instructions (callgrind).
_Part = tuple[int, int, int, int, bool]


def _stemmer(spec: dict):
    """The stemming function of a ``stemmer`` table: light rules, or a Snowball algorithm."""
    if spec["kind"] == "snowball":
        snowball, lock = Stemmer.Stemmer(spec["language"]), threading.Lock()  # not thread-safe

        def snowball_stem(word: str) -> str:
            with lock:
                return snowball.stemWord(word)
        return snowball_stem
    irregular = dict(spec["irregular"])
    steps = [[(suffix, replacement, min_stem) for suffix, replacement, min_stem in step] for step in spec["steps"]]

    def light_stem(word: str) -> str:
        if word in irregular:
            return irregular[word]
        for rules in steps:
            for suffix, replacement, min_stem in rules:
                if word.endswith(suffix):
                    if len(word) - len(suffix) >= min_stem:
                        word = word[: len(word) - len(suffix)] + replacement
                    break
        return word
    return light_stem


class Chain:
    """The analysis of one language, from its tables (``lang.tables``, or their JSON)."""

    def __init__(self, tables: dict, fallback=None):
        """`fallback` folds a character outside the tables' fold ranges (default: drop it)."""
        self.lang = tables["lang"]
        self.stopwords = frozenset(tables["stopwords"])
        elision = tables["elision"]
        self.prefixes = frozenset(elision["prefixes"])
        self.exceptions = frozenset(elision["exceptions"])
        self.clitics = frozenset(elision["clitics"])
        self.invisible = tables["invisible"]
        self.suffix_max = tables["inclusive_suffix_max"]
        self.word_re = re.compile(tables["word_pattern"])
        self.apos_re = re.compile(char_class(tables["apostrophes"]))
        self.hyphen_re = re.compile(char_class(tables["hyphens"]))
        self.dots_re = re.compile(char_class(tables["inclusive_dots"]))
        self.connectors_re = re.compile(char_class(tables["apostrophes"] + tables["hyphens"]))
        # what a word of letters may still hold that the analysis reads (ʼ is a letter)
        self.marks_re = re.compile(char_class(tables["apostrophes"] + tables["hyphens"] + tables["inclusive_dots"]
                                              + tables["invisible"]))
        folds = {ord(c): v for c, v in tables["fold"].items()}
        for a, b in tables["fold_ranges"]:
            folds.update((code, None) for code in range(a, b) if code not in folds)
        self._folds = folds
        self._fallback = fallback or (lambda char: "")
        self._stem_rule = _stemmer(tables["stemmer"])
        # raw word -> its (positions, tokens), the tokens as plain tuples (_analyse)
        self.caches: dict[str, dict[str, tuple[int, tuple[tuple, ...]]]] = {"stem": {}, "word": {}}
        # raw word -> (positions, (term, position) kept), for `positions`
        self._index_memo: dict[str, dict[str, tuple[int, tuple[tuple[str, int], ...]]]] = {"stem": {}, "word": {}}
        # the words of the texts `positions` cut last (a page's fields): `terms` of a text
        # joined from them (the words field, a page's text again) takes them from here
        self._cut: dict[str, list[str]] = {}
        self.fold = lru_cache(maxsize=_MEMO_SIZE)(self._fold)
        self.stem = lru_cache(maxsize=_MEMO_SIZE)(self._stem)

    @classmethod
    def from_tables(cls, tables: dict, fallback=None) -> Chain:
        return cls(tables, fallback)

    def memos(self) -> Iterator[tuple[str, int, Callable[[], None]]]:
        """Each memo of the chain: its name, how many words it holds, what empties it. A
        build lets them grow to _CACHE_MAX and _MEMO_SIZE (each word of a site analysed
        once); a serving process bounds them lower (`analysis.trim_memos`)."""
        for name, memo in self.caches.items():
            yield f"{name} words", len(memo), memo.clear
        for name, memo in self._index_memo.items():
            yield f"index {name} words", len(memo), memo.clear
        for name in ("fold", "stem"):
            memoised = getattr(self, name)
            yield name, memoised.cache_info().currsize, memoised.cache_clear

    def _fold(self, word: str) -> str:
        """Lowercase ASCII form of one word (œ->oe, é->e, ß->ss): only [a-z0-9] kept."""
        folded = word.translate(self._folds)
        if not folded.isascii():
            folded = "".join(c if c.isascii() else self._fallback(c) for c in folded)
        return _NOT_ALNUM.sub("", folded)

    def _stem(self, word: str) -> str:
        """Index stem of one folded lowercase word; the word itself when the stem would be
        shorter than 2 letters or a stop word, and for anything with a digit."""
        if not word.isalpha():
            return word
        s = self._stem_rule(word)
        return word if len(s) < 2 or s in self.stopwords else s

    # ------------------------------------------------------------- splitting
    def _clean(self, raw: str) -> tuple[str, list[int], list[int]]:
        """NFC, invisible characters removed; per clean character, its span in ``raw``."""
        if (not any(c in raw for c in self.invisible)
                and (raw.isascii() or (unicodedata.is_normalized("NFC", raw)
                                       and not any(map(unicodedata.combining, raw))))):
            # most words: each character its own cluster, already NFC (what the loop below gives)
            return raw, list(range(len(raw))), list(range(1, len(raw) + 1))
        starts: list[int] = []
        ends: list[int] = []
        out: list[str] = []
        i, n = 0, len(raw)
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(raw[j]):
                j += 1
            cluster = "".join(c for c in raw[i:j] if c not in self.invisible)
            for c in unicodedata.normalize("NFC", cluster):
                out.append(c)
                starts.append(i)
                ends.append(j)
            i = j
        return "".join(out), starts, ends

    def _apostrophe_key(self, text: str) -> str:
        return "'".join(self.fold(p) for p in self.apos_re.split(text))

    def _pieces(self, text: str, a: int, b: int) -> list[tuple[int, int, bool]]:
        """Apostrophe pieces (start, end, exception) of the compound part text[a:b]."""
        if self.apos_re.search(text, a, b) is None:
            return [(a, b, False)]
        if self.exceptions and self._apostrophe_key(text[a:b]) in self.exceptions:
            return [(a, b, True)]
        spans, start = [], a
        for m in self.apos_re.finditer(text, a, b):
            spans.append((start, m.start()))
            start = m.end()
        spans.append((start, b))
        while len(spans) > 1 and self.fold(text[spans[0][0] : spans[0][1]]) in self.prefixes:
            spans.pop(0)
            if self._apostrophe_key(text[spans[0][0] : b]) in self.exceptions:
                return [(spans[0][0], b, True)]
        if self.clitics:
            spans = spans[:1] + [s for s in spans[1:] if self.fold(text[s[0] : s[1]]) not in self.clitics]
        return [(s, e, False) for s, e in spans if e > s]

    def _split_word(self, text: str) -> tuple[int, list[_Part]]:
        """Positions used by one clean word, and its parts."""
        # Leading elision on the whole word first, so l'Île-de-France joins as "iledefrance".
        start = 0
        while self.prefixes:
            m = self.apos_re.search(text, start)
            h = self.hyphen_re.search(text, start)
            if m is None or (h is not None and h.start() < m.start()):
                break
            end_first = h.start() if h is not None else len(text)
            if self._apostrophe_key(text[start:end_first]) in self.exceptions:
                break
            if self.fold(text[start : m.start()]) not in self.prefixes:
                break
            start = m.end()
        bounds, a = [], start
        for m in self.hyphen_re.finditer(text, start):
            if m.start() > a:
                bounds.append((a, m.start()))
            a = m.end()
        if len(text) > a:
            bounds.append((a, len(text)))
        parts: list[_Part] = []
        pos = 0
        for pa, pb in bounds:
            for s, e, exception in self._pieces(text, pa, pb):
                if exception:
                    parts.append((pos, 0, s, e, True))
                    pos += 1
                    continue
                piece = text[s:e]
                # a cut falls before a capital only: none in a piece with no capital after its first letter
                cuts = [0, e - s] if piece[1:] == piece[1:].lower() else _camel_bounds(piece)
                if len(cuts) > 2:
                    parts.append((pos, len(cuts) - 1, s, e, False))
                for i in range(len(cuts) - 1):
                    parts.append((pos, 0, s + cuts[i], s + cuts[i + 1], False))
                    pos += 1
        # The joined compound (e-mail -> email), unless it is only numbers (2015-2020).
        if len(bounds) > 1 and any(not text[s:e].isdigit() for s, e in bounds):
            parts.insert(0, (0, pos, bounds[0][0], bounds[-1][1], True))
        return pos, parts

    # ---------------------------------------------------------------- words
    def analyse_word(self, raw: str, chain: str) -> tuple[int, tuple[Token, ...]]:
        """(positions used, tokens) of one word of the word pattern; offsets are raw's."""
        npos, tokens = self._analyse(raw, chain)
        return npos, tuple(map(_token, tokens))

    def _analyse(self, raw: str, chain: str) -> tuple[int, tuple[tuple, ...]]:
        """analyse_word, its tokens as plain (text, pos, start, end, stopped) tuples."""
        if raw.isalpha() and (raw.islower() or raw.isupper() or raw[1:].islower()) and (
                raw.isascii() or (unicodedata.is_normalized("NFC", raw) and self.marks_re.search(raw) is None)):
            return 1, self._plain_word(raw, chain)
        return self._analyse_general(raw, chain)

    def _analyse_general(self, raw: str, chain: str) -> tuple[int, tuple[tuple, ...]]:
        """_analyse for any word: clean, split, fold, stem each part, join compounds."""
        if raw.isascii() and raw.isalnum():
            text, starts, ends = raw, None, None
        else:
            text, starts, ends = self._clean(raw)
            dot = self.dots_re.search(text)
            if dot is not None:
                tails = self.dots_re.split(text[dot.end() :])
                if all(len(t) <= self.suffix_max for t in tails):
                    text = text[: dot.start()]
                else:
                    # A separator, not an inclusive spelling: analyse each side as its own word.
                    return self._analyse_sides(raw, text, starts, ends, chain)
        npos, parts = self._split_word(text)
        per_part: list[list[tuple]] = []
        kept: set[int] = set()  # positions of leaves that gave a term
        for pos, width, a, b, joined in parts:
            found: list[tuple] = []
            per_part.append(found)
            piece = text[a:b]
            if joined:
                piece = self.connectors_re.sub("", piece)
            folded = self.fold(piece)
            if starts is not None:
                a, b = starts[a], ends[b - 1]
            if folded in self.stopwords:
                found.append((folded, pos, a, b, True))
                continue
            if not folded or (len(folded) == 1 and not folded.isdigit()):
                continue
            if chain == "stem":
                forms = (self.stem(folded),)
            else:
                lower = piece.lower()
                forms = (folded,) if lower == folded else (folded, lower)
            found.extend((form, pos, a, b, False) for form in forms)
            if not width:
                kept.add(pos)
        tokens: list[tuple] = []
        for (pos, width, *_), found in zip(parts, per_part):
            # A joined form only where one of its parts is a real term: no "atil" from a-t-il.
            if width and not kept.intersection(range(pos, pos + width)):
                continue
            tokens.extend(t for t in found if t not in tokens)
        return npos, tuple(tokens)

    def _plain_word(self, raw: str, chain: str) -> tuple[tuple, ...]:
        """The tokens of a word of letters alone, in one case or capitalised (most words):
        nothing to clean, elide, split or join, so one part at position 0; what the general
        path gives, without its walks over the characters."""
        folded = self.fold(raw)
        if folded in self.stopwords:
            return ((folded, 0, 0, len(raw), True),)
        if not folded or (len(folded) == 1 and not folded.isdigit()):
            return ()
        if chain == "stem":
            return ((self.stem(folded), 0, 0, len(raw), False),)
        lower = raw.lower()
        if lower == folded:
            return ((folded, 0, 0, len(raw), False),)
        return ((folded, 0, 0, len(raw), False), (lower, 0, 0, len(raw), False))

    def _analyse_sides(self, raw, text, starts, ends, chain):
        """A word with a separating dot: each side analysed alone, positions following."""
        npos, tokens, a = 0, [], 0
        for m in list(self.dots_re.finditer(text)) + [None]:
            b = m.start() if m is not None else len(text)
            if b > a:
                n, sub = self._analyse(raw[starts[a] : ends[b - 1]], chain)
                off = starts[a]
                tokens.extend((t, p + npos, s + off, e + off, stopped) for t, p, s, e, stopped in sub)
                npos += n
            if m is not None:
                a = m.end()
        return npos, tuple(tokens)

    def entries(self, text: str, chain: str, keep_stops: bool = False, offset: int = 0):
        """``tokens`` as plain (text, pos, start, end, stopped) tuples, for the whoosh analyzers.

        The loop of every build: yielding plain tuples and memoising them untyped spares a
        Token per token and the garbage collector's walks over the memo (a NamedTuple is
        never untracked, a tuple of str and int is)."""
        cache = self.caches[chain]
        if len(cache) > _CACHE_MAX:
            cache.clear()
        pos = 0
        for m in self.word_re.finditer(text, offset):
            raw = m.group()
            found = cache.get(raw)
            if found is None:
                found = cache[raw] = self._analyse(raw, chain)
            npos, tokens = found
            if tokens:
                s = m.start()
                for text_, p, a, b, stopped in tokens:
                    if keep_stops or not stopped:
                        yield text_, pos + p, s + a, s + b, stopped
            pos += npos

    def positions(self, text: str, chain: str, offset: int = 0) -> dict[str, list[int]]:
        """Each term of text[offset:] (stop words out) with its positions, in the order
        `entries` gives them: what a whoosh field's postings hold, read in one loop. Each
        distinct word is analysed once per process (`_index_terms`), and a build then only
        looks words up: the whoosh analyzer's token stream cost a third of a build."""
        found: dict[str, list[int]] = {}
        memo = self._index_memo[chain]
        if len(memo) > _CACHE_MAX:
            memo.clear()
        pos = 0
        raws = self.word_re.findall(text, offset)
        if not offset:
            if len(self._cut) >= _CUT_KEPT:
                self._cut.clear()
            self._cut[text] = raws
        for raw in raws:
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = self._index_terms(raw, chain)
            npos, terms = entry
            for term, p in terms:
                at = found.get(term)
                if at is None:
                    found[term] = [pos + p]
                else:
                    at.append(pos + p)
            pos += npos
        return found

    def terms(self, text: str, chain: str, offset: int = 0) -> set[str]:
        """The terms of text[offset:] (stop words out), without positions: `positions`' keys,
        each distinct word looked up once (a field that only says which pages hold a word).

        A text with `parts` (`analysis.Joined`: texts joined by newlines, which no word
        crosses) has the words of its parts: those `positions` cut last are not cut again."""
        found: set[str] = set()
        memo = self._index_memo[chain]
        if len(memo) > _CACHE_MAX:
            memo.clear()
        parts = getattr(text, "parts", None)
        if parts is None:
            raws = set(self.word_re.findall(text, offset))
        else:
            raws = set()
            for part in parts:
                cut = self._cut.get(part)
                raws.update(self.word_re.findall(part) if cut is None else cut)
            self._cut.clear()   # the page's last field: what it kept is of no more use
        for raw in raws:
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = self._index_terms(raw, chain)
            for term, _ in entry[1]:
                found.add(term)
        return found

    def _index_terms(self, raw: str, chain: str) -> tuple[int, tuple[tuple[str, int], ...]]:
        """(positions used, (term, position) of each token kept) of one word."""
        npos, tokens = self._analyse(raw, chain)
        return npos, tuple((t[0], t[1]) for t in tokens if not t[4])

    def tokens(self, text: str, chain: str, keep_stops: bool = False, offset: int = 0):
        """Yield the Tokens of text[offset:] (offsets into text) for the "stem" or "word" chain."""
        return map(_token, self.entries(text, chain, keep_stops, offset))

def _camel_bounds(text: str) -> list[int]:
    """Split points of camelCase and glued acronyms: DocumentIA, XMLParser (not APIs)."""
    cuts = [0]
    for i in range(1, len(text)):
        prev, cur = text[i - 1], text[i]
        after = text[i + 1 : i + 3]
        if cur.isupper() and (
            prev.islower() or (prev.isupper() and len(after) == 2 and after.isalpha() and after.islower())
        ):
            cuts.append(i)
    cuts.append(len(text))
    return cuts


# ------------------------------------------------------------ the languages
