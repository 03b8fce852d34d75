"""A visitor's text to a structured query: words, "phrases", -exclusions, a typed prefix.

Visitors type text, never whoosh syntax: field names, wildcards, ranges, boolean
operators and brackets are plain characters here, dropped or analysed like any text.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from . import analysis
from .errors import QueryError
from .lang import APOSTROPHES, HYPHENS, en, fr
from .weights import WEIGHTS

# A quoted phrase, possibly excluded; else a bare word, possibly excluded.
_SYNTAX = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# what Python makes of bytes that are not UTF-8 on a command line (`casesearch search $'\xe9'`)
_SURROGATE = re.compile("[\ud800-\udfff]")
_WORDS_KEPT = 4096   # typed words whose analysis is remembered: about 1 KB each, 18 MB at most (200 letters)


@dataclass(frozen=True)
class QueryWord:
    raw: str
    # Each alternative is a tuple of stems that must all match; any alternative will do.
    # French analysis, matched against pages in French (every page not in English)...
    alternatives: tuple[tuple[str, ...], ...]
    # ... and English analysis, matched against English pages only.
    english: tuple[tuple[str, ...], ...]
    # Unstemmed forms as typed (accents kept when typed), for the exact-form bonus.
    exact: tuple[str, ...]
    # Folded, unstemmed main form: prefix expansion and typo correction start from it.
    folded: str
    # Inside a phrase: positions from the previous word (stop words in between count).
    gap: int = 1

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(t for alt in self.alternatives + self.english for t in alt)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    words: tuple[QueryWord, ...]
    phrases: tuple[tuple[QueryWord, ...], ...]
    excluded: tuple[QueryWord, ...]
    prefix: str | None = None
    # a question ("comment candidater", "...?"): its question words were dropped, and pages
    # with some of the other words rank with pages with all of them
    question: bool = False
    # the query's language when its function words are of one language only ("about us")
    lang: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def positive(self) -> tuple[QueryWord, ...]:
        return self.words + tuple(w for p in self.phrases for w in p)


def _alternatives(terms: list[analysis.Term]) -> list[tuple[str, ...]]:
    if not terms:
        return []
    by_pos: dict[int, list[str]] = {}
    for term in terms:
        by_pos.setdefault(term.pos, []).append(term.text)
    positions = sorted(by_pos)
    if len(positions) == 1:
        return [(text,) for text in dict.fromkeys(by_pos[positions[0]])]
    # A compound (start-up, DocumentIA): the joined form, or all of its parts.
    first = by_pos[positions[0]]
    joined = max(first, key=len)
    parts = [next((t for t in by_pos[p] if t != joined), by_pos[p][0]) for p in positions]
    return [(joined,), tuple(parts)]


def analyse_word(raw: str) -> QueryWord | None:
    """One typed word, analysed with every query language; None when nothing is left (stop word).

    A new QueryWord each time (ranking tells a query's words apart by identity), made from
    the analysis remembered for the word: visitors type the same words again and again."""
    word = _analysed(raw)
    return None if word is None else copy.copy(word)


@lru_cache(maxsize=_WORDS_KEPT)
def _analysed(raw: str) -> QueryWord | None:
    french = tuple(_alternatives(analysis.stem_terms(raw, "fr")))
    english = tuple(_alternatives(analysis.stem_terms(raw, "en")))
    if not french:  # the site's language decides what is a stop word
        return None
    words = analysis.word_terms(raw)
    folded_forms = [w.text for w in words if w.text == analysis.fold(w.text)]
    accented = [w.text for w in words if w.text != analysis.fold(w.text)]
    exact = tuple(dict.fromkeys(accented or folded_forms))
    folded = max(folded_forms, key=len) if folded_forms else analysis.fold(raw)
    return QueryWord(raw=raw, alternatives=french, english=english, exact=exact, folded=folded)


def _within(word: QueryWord, room: int) -> tuple[QueryWord, int]:
    """The word, and the room left for compounds' parts (WEIGHTS.compound_parts): a
    compound whose parts do not fit in what is left is searched as its joined form."""
    parts = max((len(alt) for alt in word.alternatives if len(alt) > 1), default=0)
    if not parts:
        return word, room
    if parts <= room:
        return word, room - parts
    return dataclasses.replace(word, alternatives=tuple(a for a in word.alternatives if len(a) == 1),
                               english=tuple(a for a in word.english if len(a) == 1)), room


def _phrase_words(phrase: str) -> list[QueryWord]:
    words, gap = [], 1
    for raw in phrase.split():
        word = analyse_word(raw)
        if word is None:
            gap += 1
            continue
        words.append(dataclasses.replace(word, gap=gap) if words else word)
        gap = 1
    return words


def clean(text: str) -> str:
    """Control and format characters become spaces; Unicode NFC."""
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():   # no control, format or line separator character: nothing to change
        return text
    # format characters (soft hyphen, zero-width) vanish as in the index; controls separate words
    return "".join("" if unicodedata.category(c) == "Cf" else " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text)


# -- questions and the query's language -------------------------------------------------

_LANGS = {"fr": fr, "en": en}
_QUESTIONS = {code: sorted({tuple(q.split()) for q in m.QUESTIONS}, key=len, reverse=True) for code, m in _LANGS.items()}
# the function words of each language: stop words and question words
_FUNCTION = {code: frozenset(m.STOPWORDS) | {w for q in m.QUESTIONS for w in q.split()} for code, m in _LANGS.items()}
# each language's questions by their length in pieces; the words that are function words of one language only
_QUESTIONS_BY_SIZE: dict[int, set[tuple[str, ...]]] = {}
for _qs in _QUESTIONS.values():
    for _q in _qs:
        _QUESTIONS_BY_SIZE.setdefault(len(_q), set()).add(_q)
_ONLY = {code: words.difference(*(_FUNCTION[o] for o in _FUNCTION if o != code)) for code, words in _FUNCTION.items()}
_PIECE_SPLIT = re.compile("[" + re.escape(APOSTROPHES + HYPHENS) + "]+")


def _pieces(raw: str) -> list[str]:
    """A typed word's folded pieces, split at apostrophes and hyphens: qu'est-ce -> qu est ce."""
    return [p for p in map(analysis.fold, _PIECE_SPLIT.split(raw)) if p]


def asked(tokens: list[str]) -> int:
    """How many of the words a query starts with ask a question: the longest question of
    either language they begin with, ending with a word (0 when none)."""
    pieces = [_pieces(t) for t in tokens]
    flat = tuple(p for ps in pieces for p in ps)
    ends = {sum(map(len, pieces[:n])): n for n in range(1, len(pieces) + 1)}   # pieces -> words
    return max((n for size, n in ends.items() if flat[:size] in _QUESTIONS_BY_SIZE.get(size, ())), default=0)


def language(tokens: list[str]) -> str | None:
    """The query's language when its function words (stop and question words) are of one
    language only: "about us" is English, "le guide" French, "open data" neither."""
    flat = [p for t in tokens for p in _pieces(t)]
    seen = [code for code, only in _ONLY.items() if any(p in only for p in flat)]
    return seen[0] if len(seen) == 1 else None


def parse(text: str, *, max_chars: int = 200, max_terms: int = 12, prefix: bool = True) -> ParsedQuery:
    """Parse a visitor's query; raise QueryError when it is over the limits."""
    if len(text) > 4 * max_chars:   # before any work on it
        raise QueryError(f"query is {len(text)} characters long; the limit is {max_chars}")
    if _SURROGATE.search(text):     # the API refuses such bytes before they get here
        raise QueryError("the query is not valid UTF-8: type it again, or encode it as UTF-8")
    text = clean(text)              # NFC first: an é typed as e + accent is one character
    if len(text) > max_chars:
        raise QueryError(f"query is {len(text)} characters long; the limit is {max_chars}")
    tokens = [(m.group(3) or "", m.group(4)) for m in _SYNTAX.finditer(text)]
    leading = []   # the bare words the query starts with
    for negative, word in tokens:
        if word is None or negative:
            break
        leading.append(word)
    lang = language([word for _, word in tokens if word is not None])
    if question := asked(leading):
        parsed = _parse(text, max_terms, prefix, skip=question, lang=lang)
        if not parsed.is_empty:
            return dataclasses.replace(parsed, question=True)
    parsed = _parse(text, max_terms, prefix, skip=0, lang=lang)
    return dataclasses.replace(parsed, question=text.rstrip().endswith("?")) if not parsed.is_empty else parsed


def _parse(text: str, max_terms: int, prefix: bool, skip: int, lang: str | None) -> ParsedQuery:
    """The query without its first `skip` words; in English (`lang`), English stop words
    are dropped too (French ones always are)."""
    words: list[QueryWord] = []
    phrases: list[tuple[QueryWord, ...]] = []
    excluded: list[QueryWord] = []
    typed = 0
    room = WEIGHTS.compound_parts
    last_plain: QueryWord | None = None
    for n, match in enumerate(_SYNTAX.finditer(text)):
        neg_phrase, phrase, neg_word, word = match.groups()
        if n < skip:
            typed += 1
            continue
        if phrase is not None:
            parts = []
            for part in _phrase_words(phrase):
                part, room = _within(part, room)
                parts.append(part)
            typed += len(phrase.split())
            last_plain = None
            if neg_phrase and parts:
                excluded.extend(parts)
            elif len(parts) > 1:
                phrases.append(tuple(parts))
            else:
                words.extend(parts)
            continue
        typed += 1
        negative = bool(neg_word) and len(word) > 0
        analysed = analyse_word(word)
        last_plain = None
        if analysed is None or (lang == "en" and not analysed.english):
            continue
        analysed, room = _within(analysed, room)
        if negative:
            excluded.append(analysed)
        else:
            words.append(analysed)
            last_plain = analysed
    if typed > max_terms:
        raise QueryError(f"query has {typed} words; the limit is {max_terms}")
    typed_prefix = None
    if prefix and last_plain is not None and text and not text[-1].isspace() and len(last_plain.folded) >= 2:
        typed_prefix = last_plain.folded
    return ParsedQuery(text=text.strip(), words=tuple(words), phrases=tuple(phrases),
                       excluded=tuple(excluded), prefix=typed_prefix, lang=lang)
