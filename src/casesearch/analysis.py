"""The French (and English) analysis: one source for the index, the queries and the
JavaScript client.

The languages are data (``casesearch.lang``: stop words, elision, fold table, stemmer
rules, word pattern); ``chain.Chain`` applies one language's tables, and this module
holds the chains of the built-in languages and what the rest of casesearch calls:
``stem_terms`` and ``word_terms`` (the STEM and WORD chains), ``fold``, ``stem``,
``family_key`` and the whoosh analyzers pickled into the index (by class name: they
stay here).

Offsets are those of the string passed in (language mark and NFD accents included):
``text[start:end]`` is the original word, or the part of it that was indexed (after an
elided ``l'``, before an inclusive ``·e·s``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

import Stemmer
from unidecode import unidecode
from whoosh.analysis import Analyzer
from whoosh.analysis import Token as WhooshToken

from . import lang as _lang
from .chain import _MEMO_SIZE, Chain, Term, Token, _camel_bounds, _term  # noqa: F401 - re-exported
from .lang import APOSTROPHES, DEFAULT_LANG, LANG_MARK, LANGUAGES  # noqa: F401 - APOSTROPHES re-exported

# Bump whenever a rule or a table of casesearch.lang changes the tokens: the indexer rebuilds.
FORMAT_VERSION = 1

_CHAINS = {lang: Chain.from_tables(_lang.tables(lang), fallback=lambda c: unidecode(c).lower())
           for lang in LANGUAGES}
_CACHES = {(lang, chain): cache for lang, c in _CHAINS.items() for chain, cache in c.caches.items()}
_FR = _CHAINS[DEFAULT_LANG]
fold = _FR.fold  # the fold table is the same for every language

# The tables under their historical names (folded forms).
STOPWORDS = {lang: c.stopwords for lang, c in _CHAINS.items()}
STOPWORDS_FR, STOPWORDS_EN = STOPWORDS["fr"], STOPWORDS["en"]
ELISION_PREFIXES, ELISION_EXCEPTIONS = _FR.prefixes, _FR.exceptions
FR_IRREGULAR = _lang.fr.STEMMER["irregular"]
FR_STEM_STEPS = _lang.fr.STEMMER["steps"]

# Fold each Latin letter to one ASCII letter, so offsets still hold (é->e, ç->c; œ stays).
# The range is that of the folded copies stored in existing indexes: widening it changes them.
_CHAR_FOLDS = str.maketrans({c: v for c, v in _lang.fold_table().items()
                             if len(v) == 1 and (c.isascii() or 0xC0 <= ord(c) < 0x250)})


def fold_text(text: str) -> str:
    """Lowercase and fold each Latin letter to one ASCII letter, so offsets still hold
    (é->e, ç->c; ligatures such as œ stay as they are). For finding words fast in stored text."""
    return text.translate(_CHAR_FOLDS)


def _ligatures() -> dict[str, str]:
    """Ligatures fold_text leaves alone and the analysis spells out (œ -> oe, ß -> ss)."""
    return {c: f for c, f in _lang.fold_table().items() if len(f) > 1 and f.isalpha() and fold_text(c) == c}


_LIGATURES = _ligatures()
_CONNECTORS = re.escape(APOSTROPHES + _lang.HYPHENS + _lang.INVISIBLE) + "\u0300-\u036f"
_JOINED_WORD = re.compile(f"(?<!\\w)\\w+(?:[{_CONNECTORS}]+\\w+)+")
_LIGATURE = re.compile(f"[{re.escape(''.join(_LIGATURES))}]")
_LIGATURE_WORD = re.compile(f"(?<!\\w)\\w*[{re.escape(''.join(_LIGATURES))}]\\w*")
_CONNECTOR = re.compile(f"[{_CONNECTORS}]+")
_CONNECTOR_CHAR = re.compile(f"[{_CONNECTORS}]")  # one character: re scans for it with its fast loop
_SQUEEZE = str.maketrans({**{c: None for c in APOSTROPHES + _lang.HYPHENS + _lang.INVISIBLE},
                          **{chr(c): None for c in range(0x300, 0x370)}, **_LIGATURES})
_ELIDED = frozenset(_lang.fr.ELISION["prefixes"])


def loose_forms(folded: str) -> dict[str, list[int]]:
    """Words of a fold_text'ed text as the analysis joins them, where that differs from
    how they are written: 'e-mail' -> email, 'aujourd’hui' -> aujourdhui, 'cœur' -> coeur,
    each with the offsets it starts at. Highlighting looks up a query's words here, so that
    every way a word is found is also a way it is marked; computed once, at indexing."""
    out: dict[str, list[int]] = {}
    words = _in_chunks(folded, _CONNECTOR_CHAR, _JOINED_WORD) + _in_chunks(folded, _LIGATURE, _LIGATURE_WORD)
    for text, start in words:
        cuts = [0] + [m.end() for m in _CONNECTOR.finditer(text)]
        for i, at in enumerate(cuts):
            rest = text[at:]
            squeezed = rest.translate(_SQUEEZE)
            if squeezed == rest or not squeezed:
                continue   # written plainly: str.find sees it
            if i + 2 == len(cuts) and text[at:cuts[i + 1]].rstrip("".join(APOSTROPHES)) in _ELIDED \
                    and text[cuts[i + 1] - 1] in APOSTROPHES:
                continue   # l’emploi: the analysis elides l’, and emploi is written plainly
            out.setdefault(squeezed, []).append(start + at)
    return out


def _in_chunks(text: str, spot: re.Pattern, word: re.Pattern) -> list[tuple[str, int]]:
    """(match, start) of `word` in text, in order, searched only in the chunks between spaces
    and newlines (which neither word pattern matches nor looks past) that hold a `spot`
    character. Running the word patterns over the whole text cost 840 M instructions of a
    full build of site-eig (callgrind, 5 %); this, 470 M, mostly re's scan for `spot`."""
    found: list[tuple[str, int]] = []
    end = 0
    while (m := spot.search(text, end)) is not None:
        at = m.start()
        start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
        end = min(_end_of(text, " ", at), _end_of(text, "\n", at))
        found += ((w.group(), w.start()) for w in word.finditer(text, start, end))
    return found


def _end_of(text: str, char: str, at: int) -> int:
    """Where the next `char` from `at` is, or the end of text."""
    i = text.find(char, at)
    return len(text) if i < 0 else i


def is_stopword(word: str, lang: str = DEFAULT_LANG) -> bool:
    """True if the folded word is a stop word of ``lang`` (unknown languages are French)."""
    return word in STOPWORDS.get(lang, STOPWORDS_FR)


@lru_cache(maxsize=_MEMO_SIZE)
def stem(word: str, lang: str = DEFAULT_LANG) -> str:
    """Index stem of one folded lowercase word (unknown languages are French)."""
    return _CHAINS.get(lang, _FR).stem(word)


_FAMILY_STEMMER = Stemmer.Stemmer("french")
_FAMILY_LOCK = threading.Lock()


@lru_cache(maxsize=_MEMO_SIZE)
def family_key(stem_text: str) -> str:
    """Aggressive (Snowball French) stem of a light stem: words sharing it form a family
    (recrutement, recruter, recrutés). Too loose to index with, useful as a discounted match."""
    with _FAMILY_LOCK:
        return _FAMILY_STEMMER.stemWord(stem_text)


_UNRELATED = frozenset((a, b) for a, b in _lang.fr.FAMILY_EXCEPTIONS)


def memos() -> Iterator[tuple[str, int, Callable[[], None]]]:
    """Every analysis memo: its name, how many words it holds, what empties it."""
    for lang, c in _CHAINS.items():
        for name, size, clear in c.memos():
            yield f"{lang} {name}", size, clear
    for memoised in (stem, family_key):
        yield f"{memoised.__name__}()", memoised.cache_info().currsize, memoised.cache_clear


def trim_memos(limit: int) -> None:
    """Bound every analysis memo to `limit` words, each started over when past it: what a
    serving process does after its requests."""
    for _, size, clear in memos():
        if size > limit:
            clear()


def related(stem_a: str, stem_b: str) -> bool:
    """Whether two light stems of one family key may be joined: not a pair a reader never
    relates (lang.fr.FAMILY_EXCEPTIONS: format / formation)."""
    return (min(stem_a, stem_b), max(stem_a, stem_b)) not in _UNRELATED


def lang_prefix(lang: str) -> str:
    """Text prefix choosing the language of what follows: "" for French and unknown languages."""
    if lang == DEFAULT_LANG or lang not in LANGUAGES:
        return ""
    return LANG_MARK + lang + LANG_MARK


def language(text: str, lang: str) -> tuple[str, int]:
    """(language, offset of the text after a leading language mark); unknown ones are French."""
    if text.startswith(LANG_MARK):
        end = text.find(LANG_MARK, 1)
        if end > 0:
            lang = text[1:end]
            return (lang if lang in LANGUAGES else DEFAULT_LANG), end + 1
    return (lang if lang in LANGUAGES else DEFAULT_LANG), 0


def tokens(text: str, lang: str = DEFAULT_LANG, chain: str = "stem", keep_stops: bool = False, chains=None):
    """Tokens of text in `lang` (or the language its mark names), by `chains` (default: casesearch.lang's)."""
    lang, offset = language(text, lang)
    return (chains or _CHAINS)[lang].tokens(text, chain, keep_stops, offset)


def _entries(text: str, lang: str, chain: str, keep_stops: bool = False):
    """`tokens` as plain tuples (Chain.entries): what the analyzers and the term lists read."""
    lang, offset = language(text, lang)
    return _CHAINS[lang].entries(text, chain, keep_stops, offset)


def term_positions(text: str, chain: str) -> dict[str, list[int]]:
    """Each index term of a field's text (its language mark read) with its positions:
    the postings `_ChainAnalyzer` would give whoosh token by token, in one loop (Chain.positions)."""
    lang, offset = language(text, DEFAULT_LANG)
    return _CHAINS[lang].positions(text, chain, offset)


class Joined(str):
    """`mark` and texts joined by newlines, which keeps its texts (`parts`): the words field
    holds all of a page's text again, and `term_set` takes the words of each text from
    its other fields' analysis (`Chain.terms`) instead of cutting them again."""

    parts: tuple[str, ...]

    @classmethod
    def of(cls, mark: str, parts: Iterable[str]) -> Joined:
        parts = tuple(parts)
        joined = cls(mark + "\n".join(parts))
        joined.parts = parts
        return joined


def term_set(text: str, chain: str) -> set[str]:
    """`term_positions`' terms, without their positions (Chain.terms)."""
    lang, offset = language(text, DEFAULT_LANG)
    return _CHAINS[lang].terms(text, chain, offset)


def stem_terms(text: str, lang: str = DEFAULT_LANG) -> list[Term]:
    """STEM chain: title, headings, tags, summary and body fields."""
    return [_term(t[:4]) for t in _entries(text, lang, "stem")]


def word_terms(text: str, lang: str = DEFAULT_LANG) -> list[Term]:
    """WORD chain: folded form, plus the lowercase accented form when different, unstemmed."""
    return [_term(t[:4]) for t in _entries(text, lang, "word")]


# ------------------------------------------------------------ whoosh analyzers
class _ChainAnalyzer(Analyzer):
    """Whoosh analyzer over one chain. Stateless: pickled into the index by class name."""

    chain = "stem"

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __hash__(self):
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        if not tokenize:
            lang, offset = language(value, DEFAULT_LANG)
            word = fold(value[offset:])
            t.original = t.text = stem(word, lang) if self.chain == "stem" else word
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char + offset, start_char + len(value)
            yield t
            return
        for term, pos, start, end, stopped in _entries(value, DEFAULT_LANG, self.chain, not removestops):
            t.text = term
            t.stopped = stopped
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


class StemAnalyzer(_ChainAnalyzer):
    """The STEM chain (stem_terms) as a whoosh analyzer."""

    chain = "stem"


class WordAnalyzer(_ChainAnalyzer):
    """The WORD chain (word_terms) as a whoosh analyzer."""

    chain = "word"
