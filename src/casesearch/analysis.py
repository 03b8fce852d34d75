"""The French (and English) analysis chain: one source for the index, the queries
and the JavaScript client.

A language is data tables plus a few small functions, in the spirit of Sphinx's
``search/fr.py``. Every rule below is a table the JS client can load (``export.py``)
and apply with a short loop.

Chain: normalise each word (NFC, invisible characters out, inclusive ``·e·s`` cut),
split it (elision, hyphen compounds, camelCase), fold it (lowercase + unidecode),
drop stop words (they keep their position), then stem (STEM chain) or keep the
folded and accented forms (WORD chain).

Offsets are those of the string passed in (language mark and NFD accents included):
``text[start:end]`` is the original word, or the part of it that was indexed (after an
elided ``l'``, before an inclusive ``·e·s``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
import re
import threading

import Stemmer
from unidecode import unidecode
from whoosh.analysis import Analyzer, Token

# Bump whenever a rule or a table below changes the tokens: the indexer rebuilds.
FORMAT_VERSION = 1

LANG_MARK = "\ue000"
DEFAULT_LANG = "fr"
LANGUAGES = ("fr", "en")

# ---------------------------------------------------------------- data tables
APOSTROPHES = "'\u2019\u02bc\u2018"  # ' ’ ʼ ‘
HYPHENS = "-\u2010\u2011"  # hyphen-minus, hyphen, non-breaking hyphen
# Middle dots of inclusive spellings (Entrepreneur·e·s): the word is cut at the first one.
INCLUSIVE_DOTS = "\u00b7\u2022\u2027\u22c5"  # · • ‧ ⋅
# ... but only when every piece after the dot is this short (e·s, trice·s, euse·s);
# otherwise the dot is a separator ("data·inclusion" is two words).
INCLUSIVE_SUFFIX_MAX = 5
# Removed from inside words: zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

# Folded elided words removed (with their apostrophe) at the start of a word or compound part.
ELISION_PREFIXES = frozenset(
    ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"]
)
# Folded words, apostrophe written "'", kept whole (apostrophe dropped: "aujourdhui").
ELISION_EXCEPTIONS = frozenset(
    [
        "aujourd'hui",
        "prud'homme", "prud'hommes", "prud'homal", "prud'homale", "prud'homales", "prud'homaux",
        "presqu'ile", "presqu'iles",
        "quelqu'un", "quelqu'une", "quelqu'uns", "quelqu'unes",
    ]
)
# English pages: the tail after an apostrophe that is dropped without taking a position.
ENGLISH_CLITICS = frozenset(["s", "t", "d", "m", "ll", "re", "ve"])


def _read_stopwords(name: str) -> frozenset[str]:
    text = resources.files(__package__).joinpath("data", name).read_text("utf-8")
    words = (line.split("#", 1)[0].split() for line in text.splitlines())
    return frozenset(fold(w) for line in words for w in line)


# ------------------------------------------------------------------- folding
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


_MEMO_SIZE = 1 << 18  # distinct words remembered; bounded for a long-running web server


@lru_cache(maxsize=_MEMO_SIZE)
def fold(word: str) -> str:
    """Lowercase ASCII form of one word: unidecode (œ->oe, é->e, ß->ss), then only [a-z0-9] kept."""
    return _NOT_ALNUM.sub("", unidecode(word).lower())


def _char_folds() -> dict[int, str]:
    table = {code: chr(code + 32) for code in range(65, 91)}
    for code in range(0xC0, 0x250):
        folded = unidecode(chr(code)).lower()
        if len(folded) == 1 and folded.isalnum():
            table[code] = folded
    return table


_CHAR_FOLDS = str.maketrans(_char_folds())


def fold_text(text: str) -> str:
    """Lowercase and fold each Latin letter to one ASCII letter, so offsets still hold
    (é->e, ç->c; ligatures such as œ stay as they are). For finding words fast in stored text."""
    return text.translate(_CHAR_FOLDS)


# Folded forms. Sources and curation are written at the top of each file.
STOPWORDS_FR = _read_stopwords("stopwords_fr.txt")
STOPWORDS_EN = _read_stopwords("stopwords_en.txt")
STOPWORDS = {"fr": STOPWORDS_FR, "en": STOPWORDS_EN}


def is_stopword(word: str, lang: str = DEFAULT_LANG) -> bool:
    """True if the folded word is a stop word of ``lang`` (unknown languages are French)."""
    return word in STOPWORDS.get(lang, STOPWORDS_FR)


# ------------------------------------------------------------ French stemmer
# A light stemmer in the spirit of Savoy's (Lucene FrenchLightStemmer), on FOLDED
# words, so "données" and "donnees" always meet. It joins inflections (plural,
# feminine, -er/-é participles) and leaves derivations alone: no -ation, -ement,
# -ment, -ite, -isme rules (precision: "recrutement" stays apart from "recruter",
# "departement" from "depart", "logement" from "log", "formation" from "forme").
# No doubled-letter squeeze either, so "donnee" (donn) never meets "don".
#
# Algorithm: a word with a digit is not stemmed; FR_IRREGULAR gives the stem of a
# few whole words outright; otherwise each step of FR_STEM_STEPS runs once, in order:
# the FIRST rule whose suffix ends the word decides; it applies when at least
# min_stem letters stay in front of the suffix, else the step does nothing.
# stem() then keeps the word itself when the result is shorter than 2 letters or
# a stop word.
#
# Measured (scratch script, not a test) on ../shared/corpus site-eig + beta.gouv.fr,
# 1359 .md files read raw, 352,433 kept French word tokens: 24,186 distinct folded
# words -> 17,771 light stems (-26.5 %); Snowball French on the same folded words
# -> 16,159 stems (-33.2 %), but it misses 9 of the joins we need (emplois, travaux,
# publique, actrice, chercheuse, active, premiere, handicapee, creee) and folding
# splits it (données -> don, donnees -> donne). The light stemmer makes all the joins
# of tests/data/analysis_golden.tsv and none of its not-joins. Biggest groups are one
# verb or noun with its inflections (appel: appel appels appele appelee appelle
# appeler ...; demand, contact, document, present, test: 7 forms each). Known false
# joins, accepted: donner/donne ~ donnee (folding makes donné = donne), mobilier ~
# mobiliser, port ~ porte, mer ~ mere, propos ~ proposer.

# Whole words whose stem the rules would get wrong; the value is the stem itself.
FR_IRREGULAR = {
    "travaux": "travail",  # not "traval"
    "nouvel": "nouveau",
    "nouvelle": "nouveau",
    "nouvelles": "nouveau",
    "fonds": "fonds",  # funds, not fond (bottom)
    "cours": "cours",  # lessons, not cour (Cour des comptes)
    "course": "course",
    "courses": "course",
}
FR_STEM_STEPS: tuple[tuple[tuple[str, str, int], ...], ...] = (
    # 1. plurals: journaux -> journal, reseaux -> reseau, jeux -> jeu, emplois -> emploi
    (("eaux", "eau", 0), ("aux", "al", 3), ("eux", "eu", 1), ("oux", "ou", 2),
     ("ss", "ss", 0), ("s", "", 2)),
    # 2. feminine and agent forms: actrice/acteur -> acteu, chercheuse -> chercheu,
    #    europeenne -> europeen, professionnelle -> professionnel, premiere -> premier,
    #    public -> publiqu(e), actif -> activ(e)
    (("trice", "teu", 2), ("euse", "eu", 2), ("eure", "eu", 3), ("elle", "el", 3),
     ("enne", "en", 3), ("eur", "eu", 3), ("ere", "er", 3), ("ic", "iqu", 2),
     ("if", "iv", 2)),
    # 3. participles and infinitives: creee -> cree, recruter -> recrut
    (("ee", "e", 2), ("er", "", 3)),
    # 4. final e: donnee -> donn, publique -> publiqu, handicape -> handicap
    (("e", "", 3),),
    # 5. an s bared by step 4: francaise -> francais -> francai (= francais); 4 letters
    #    must stay, so crise/cri and base/bas stay apart
    (("ss", "ss", 0), ("s", "", 4)),
)


def _light_stem(word: str) -> str:
    if word in FR_IRREGULAR:
        return FR_IRREGULAR[word]
    for rules in FR_STEM_STEPS:
        for suffix, replacement, min_stem in rules:
            if word.endswith(suffix):
                if len(word) - len(suffix) >= min_stem:
                    word = word[: len(word) - len(suffix)] + replacement
                break
    return word


_english = Stemmer.Stemmer("english")
_english_lock = threading.Lock()  # a PyStemmer object is not thread-safe


def _english_stem(word: str) -> str:
    with _english_lock:
        return _english.stemWord(word)


_STEMMERS = {"fr": _light_stem, "en": _english_stem}
_FAMILY_STEMMER = Stemmer.Stemmer("french")
_FAMILY_LOCK = threading.Lock()


@lru_cache(maxsize=_MEMO_SIZE)
def family_key(stem_text: str) -> str:
    """Aggressive (Snowball French) stem of a light stem: words sharing it form a family
    (recrutement, recruter, recrutés). Too loose to index with, useful as a discounted match."""
    with _FAMILY_LOCK:
        return _FAMILY_STEMMER.stemWord(stem_text)


@lru_cache(maxsize=_MEMO_SIZE)
def stem(word: str, lang: str = DEFAULT_LANG) -> str:
    """Index stem of one folded lowercase word; the word itself when the stem would be
    shorter than 2 letters or a stop word, and for anything with a digit."""
    if not word.isalpha():
        return word
    if lang not in _STEMMERS:
        lang = DEFAULT_LANG
    s = _STEMMERS[lang](word)
    if len(s) < 2 or s in STOPWORDS[lang]:
        return word
    return s


# ----------------------------------------------------------------- splitting
_W = r"[^\W_]"  # a letter or a digit


def _cls(chars: str) -> str:
    return "[" + re.escape(chars) + "]"


# One word: letters/digits, with combining accents (NFD input), invisible characters and
# single connectors (apostrophe, hyphen, inclusive dot) inside. Doubled or edge
# connectors are separators. Offsets are those of the input string.
_WORD_RE = re.compile(
    rf"{_W}+(?:[\u0300-\u036f]+{_W}*|{_cls(INVISIBLE)}+{_W}+"
    rf"|{_cls(APOSTROPHES + HYPHENS + INCLUSIVE_DOTS)}{_W}+)*"
)
_APOS_RE = re.compile(_cls(APOSTROPHES))
_HYPHEN_RE = re.compile(_cls(HYPHENS))
_DOTS_RE = re.compile(_cls(INCLUSIVE_DOTS))
_CONNECTORS_RE = re.compile(_cls(APOSTROPHES + HYPHENS))


def _clean(raw: str) -> tuple[str, list[int], list[int]]:
    """NFC, invisible characters removed; per clean character, its span in ``raw``."""
    starts: list[int] = []
    ends: list[int] = []
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(raw[j]):
            j += 1
        cluster = "".join(c for c in raw[i:j] if c not in INVISIBLE)
        for c in unicodedata.normalize("NFC", cluster):
            out.append(c)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


def _apostrophe_key(text: str) -> str:
    return "'".join(fold(p) for p in _APOS_RE.split(text))


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


def _pieces(text: str, a: int, b: int, lang: str) -> list[tuple[int, int, bool]]:
    """Apostrophe pieces (start, end, exception) of the compound part text[a:b]."""
    if _APOS_RE.search(text, a, b) is None:
        return [(a, b, False)]
    if lang == "fr" and _apostrophe_key(text[a:b]) in ELISION_EXCEPTIONS:
        return [(a, b, True)]
    spans, start = [], a
    for m in _APOS_RE.finditer(text, a, b):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, b))
    if lang == "fr":
        while len(spans) > 1 and fold(text[spans[0][0] : spans[0][1]]) in ELISION_PREFIXES:
            spans.pop(0)
            if _apostrophe_key(text[spans[0][0] : b]) in ELISION_EXCEPTIONS:
                return [(spans[0][0], b, True)]
    else:
        spans = spans[:1] + [s for s in spans[1:] if fold(text[s[0] : s[1]]) not in ENGLISH_CLITICS]
    return [(s, e, False) for s, e in spans if e > s]


def _split_word(text: str, lang: str) -> tuple[int, list[tuple[int, int, int, int, bool]]]:
    """Positions used by one clean word, and its tokens (pos, width, start, end, connectors).

    width is 0 for a leaf (a word part with its own position) and, for a joined form
    (compound or camelCase whole), the number of leaf positions it covers.
    """
    # Leading elision on the whole word first, so l'Île-de-France joins as "iledefrance".
    start = 0
    if lang == "fr":
        while True:
            m = _APOS_RE.search(text, start)
            h = _HYPHEN_RE.search(text, start)
            if m is None or (h is not None and h.start() < m.start()):
                break
            end_first = h.start() if h is not None else len(text)
            if _apostrophe_key(text[start:end_first]) in ELISION_EXCEPTIONS:
                break
            if fold(text[start : m.start()]) not in ELISION_PREFIXES:
                break
            start = m.end()
    parts, a = [], start
    for m in _HYPHEN_RE.finditer(text, start):
        if m.start() > a:
            parts.append((a, m.start()))
        a = m.end()
    if len(text) > a:
        parts.append((a, len(text)))

    tokens: list[tuple[int, int, int, int, bool]] = []
    pos = 0
    for pa, pb in parts:
        for s, e, exception in _pieces(text, pa, pb, lang):
            if exception:
                tokens.append((pos, 0, s, e, True))
                pos += 1
                continue
            cuts = _camel_bounds(text[s:e])
            if len(cuts) > 2:
                tokens.append((pos, len(cuts) - 1, s, e, False))
            for i in range(len(cuts) - 1):
                tokens.append((pos, 0, s + cuts[i], s + cuts[i + 1], False))
                pos += 1
    # The joined compound (e-mail -> email), unless it is only numbers (2015-2020).
    if len(parts) > 1 and any(not text[s:e].isdigit() for s, e in parts):
        tokens.insert(0, (0, pos, parts[0][0], parts[-1][1], True))
    return pos, tokens


_Entry = tuple[int, str, int, int, bool]  # (position delta, term, start, end, is stop word)


def _analyse_word(raw: str, lang: str, chain: str) -> tuple[int, tuple[_Entry, ...]]:
    if raw.isascii() and raw.isalnum():
        text, starts, ends = raw, None, None
    else:
        text, starts, ends = _clean(raw)
        dot = _DOTS_RE.search(text)
        if dot is not None:
            tails = _DOTS_RE.split(text[dot.end() :])
            if all(len(t) <= INCLUSIVE_SUFFIX_MAX for t in tails):
                text = text[: dot.start()]
            else:
                # A separator, not an inclusive spelling: analyse each side as its own word.
                return _analyse_joined(raw, text, starts, ends, lang, chain)
    npos, tokens = _split_word(text, lang)
    stops = STOPWORDS.get(lang, STOPWORDS_FR)
    per_token: list[list[_Entry]] = []
    kept: set[int] = set()  # positions of leaves that gave a term
    for pos, width, a, b, connectors in tokens:
        found: list[_Entry] = []
        per_token.append(found)
        piece = text[a:b]
        if connectors:
            piece = _CONNECTORS_RE.sub("", piece)
        folded = fold(piece)
        if starts is not None:
            a, b = starts[a], ends[b - 1]
        if folded in stops:
            found.append((pos, folded, a, b, True))
            continue
        if not folded or (len(folded) == 1 and not folded.isdigit()):
            continue
        if chain == "stem":
            forms = (stem(folded, lang),)
        else:
            lower = piece.lower()
            forms = (folded,) if lower == folded else (folded, lower)
        found.extend((pos, form, a, b, False) for form in forms)
        if not width:
            kept.add(pos)
    entries: list[_Entry] = []
    for (pos, width, *_), found in zip(tokens, per_token):
        # A joined form only where one of its parts is a real term: no "atil" from a-t-il.
        if width and not kept.intersection(range(pos, pos + width)):
            continue
        entries.extend(e for e in found if e not in entries)
    return npos, tuple(entries)


def _analyse_joined(raw, text, starts, ends, lang, chain):
    """A word with a separating dot: each side analysed alone, positions following."""
    npos, entries, a = 0, [], 0
    for m in list(_DOTS_RE.finditer(text)) + [None]:
        b = m.start() if m is not None else len(text)
        if b > a:
            sub_raw = raw[starts[a] : ends[b - 1]]
            n, sub = _analyse_word(sub_raw, lang, chain)
            off = starts[a]
            entries.extend((p + npos, t, s + off, e + off, st) for p, t, s, e, st in sub)
            npos += n
        if m is not None:
            a = m.end()
    return npos, tuple(entries)


# ---------------------------------------------------------------- the chains
_CACHES: dict[tuple[str, str], dict[str, tuple[int, tuple[_Entry, ...]]]] = {}
_CACHE_MAX = 500_000  # distinct raw words per chain before the memo starts over


def lang_prefix(lang: str) -> str:
    """Text prefix choosing the language of what follows: "" for French and unknown languages."""
    if lang == DEFAULT_LANG or lang not in LANGUAGES:
        return ""
    return LANG_MARK + lang + LANG_MARK


def _language(text: str, lang: str) -> tuple[str, int]:
    """(language, offset of the text after a leading language mark)."""
    if text.startswith(LANG_MARK):
        end = text.find(LANG_MARK, 1)
        if end > 0:
            lang = text[1:end]
            return (lang if lang in LANGUAGES else DEFAULT_LANG), end + 1
    return (lang if lang in LANGUAGES else DEFAULT_LANG), 0


def _entries(text: str, lang: str, chain: str, keep_stops: bool):
    """Yield (term, pos, start, end, stopped) for every token of text."""
    lang, offset = _language(text, lang)
    cache = _CACHES.setdefault((lang, chain), {})
    if len(cache) > _CACHE_MAX:
        cache.clear()
    pos = 0
    for m in _WORD_RE.finditer(text, offset):
        raw = m.group()
        found = cache.get(raw)
        if found is None:
            found = cache[raw] = _analyse_word(raw, lang, chain)
        npos, entries = found
        if entries:
            s = m.start()
            for d, term, a, b, stopped in entries:
                if keep_stops or not stopped:
                    yield term, pos + d, s + a, s + b, stopped
        pos += npos


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # the index term
    pos: int  # word position; stop words and dropped tokens keep theirs
    start: int  # text[start:end] is the original word (offsets into the string passed in)
    end: int


def _terms(text: str, lang: str, chain: str) -> list[Term]:
    return [Term(term, pos, a, b) for term, pos, a, b, _ in _entries(text, lang, chain, False)]


def stem_terms(text: str, lang: str = DEFAULT_LANG) -> list[Term]:
    """STEM chain: title, headings, tags, summary and body fields."""
    return _terms(text, lang, "stem")


def word_terms(text: str, lang: str = DEFAULT_LANG) -> list[Term]:
    """WORD chain: folded form, plus the lowercase accented form when different, unstemmed."""
    return _terms(text, lang, "word")


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
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        if not tokenize:
            lang, offset = _language(value, DEFAULT_LANG)
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
