"""The term chunks and the word pieces of the static bundle, and how their numbers and
words are written.

Postings (in ``terms`` files): ``{term: row}``, a row holding one string per field of the
entry's ``"row"`` (the words field first, then the fields by how many terms they hold;
trailing empty strings left out, "" where the term is not in the field). A string is
the field's postings of the term as numbers, page ids ascending::

    words field        id gap, id gap, ...                    (existence only)
    phrase fields      id gap, count, count position gaps, ... (the count is the frequency)
    other fields       id gap, frequency, ...

each number in base 32, most significant digit first, one character a digit: the
number's last digit is one of LAST_DIGITS (0-9a-v), the digits before it MORE_DIGITS
(A-Z, w-z, -, _), so that no separator is needed (``encode``, ``decode``).

Words (in ``words`` files) are sorted and ``front_code``d; their page counts (in
``counts`` files) ``encode``d.
"""

from __future__ import annotations

import bisect
import hashlib
import re

from .. import schema
from ..errors import CasesearchError
from ..snapshot import Snapshot

# A chunk ends after a term whose hash is 0 modulo this (about this many terms a chunk).
CHUNK_TERMS = 64
# The folded words are cut so, about this many a piece (completions read one or two).
PIECE_WORDS = 512


class ExportError(CasesearchError):
    """The bundle cannot be written, or a bundle does not check."""


def postings(snap: Snapshot, of_doc: list[int | None]) -> tuple[list[str], dict[str, list[str]]]:
    """The row's fields (the words field, then the fields by how many terms they hold) and
    term -> its row: per field, its postings as ``encode``d numbers, ids ascending ("": none)."""
    found_in: dict[str, dict[str, str]] = {}
    for name in [schema.WORDS] + [f.name for f in schema.FIELDS]:
        for btext in snap.terms.lexicon(name):
            term = btext.decode("utf-8")
            found = [(of_doc[d], count, positions) for d, count, positions in snap.terms.postings(name, term)]
            if found:
                found_in.setdefault(name, {})[term] = encode(_flat(name, term, sorted(found)))
    fields = [schema.WORDS] + sorted(set(found_in) - {schema.WORDS}, key=lambda f: (-len(found_in[f]), f))
    rows: dict[str, list[str]] = {}
    for column, name in enumerate(fields):
        for term, flat in found_in.get(name, {}).items():
            row = rows.setdefault(term, [])
            row += [""] * (column - len(row))
            row.append(flat)
    return fields, rows


def _flat(name: str, term: str, found: list[tuple[int, float, tuple[int, ...]]]) -> list[int]:
    """One field's postings of a term as numbers: page id gaps (the words field); id gap,
    count, position gaps (a phrase field: the count is the frequency); id gap, frequency."""
    flat, last = [], 0
    for d, tf, positions in found:
        if name == schema.WORDS:
            flat.append(d - last)
        elif name in schema.PHRASE_FIELDS:
            if tf != len(positions):
                raise ExportError(f"'{term}' in {name}: frequency {tf} but {len(positions)} positions")
            flat += [d - last, len(positions), *_gaps(list(positions))]
        else:
            if tf != int(tf):
                raise ExportError(f"'{term}' in {name}: frequency {tf} is not a whole number")
            flat += [d - last, int(tf)]
        last = d
    return flat


def front_code(words: list[str]) -> str:
    """Sorted lowercase words as one string: each word is a capital letter saying how many
    of its first letters it shares with the word before (A: none, ... Z: 25), then the rest."""
    out, before = [], ""
    for word in words:
        if any("A" <= c <= "Z" for c in word):
            raise ExportError(f"the folded word {word!r} has a capital letter: it cannot be front-coded")
        shared = 0
        while shared < min(len(word), len(before), 25) and word[shared] == before[shared]:
            shared += 1
        out.append(chr(ord("A") + shared) + word[shared:])
        before = word
    return "".join(out)


def front_decode(text: str) -> list[str]:
    words: list[str] = []
    for part in re.findall("[A-Z][^A-Z]*", text):
        words.append((words[-1][:ord(part[0]) - ord("A")] if words else "") + part[1:])
    return words


# A number is written in base 32, most significant digit first: its last digit is one of
# LAST_DIGITS, the digits before it are MORE_DIGITS (ids, counts and gaps are all >= 0).
LAST_DIGITS = "0123456789abcdefghijklmnopqrstuv"
MORE_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_"


def encode(numbers: list[int]) -> str:
    out = []
    for n in numbers:
        digits = [LAST_DIGITS[n & 31]]
        n >>= 5
        while n:
            digits.append(MORE_DIGITS[n & 31])
            n >>= 5
        out += reversed(digits)
    return "".join(out)


def decode(text: str) -> list[int]:
    out, n = [], 0
    for c in text:
        more = MORE_DIGITS.find(c)
        if more >= 0:
            n = n * 32 + more
        else:
            out.append(n * 32 + LAST_DIGITS.index(c))
            n = 0
    return out


def _gaps(values: list[int]) -> list[int]:
    return [v - (values[i - 1] if i else 0) for i, v in enumerate(values)]


def _cut_after(term: str, every: int) -> bool:
    """Whether a piece ends after this term: its hash is 0 modulo `every`."""
    return int.from_bytes(hashlib.sha1(term.encode("utf-8")).digest()[:4], "big") % every == 0


def chunks_of(rows: dict[str, list[str]]) -> list[tuple[str, dict]]:
    """(first term, {term: row}) of each chunk, terms in order."""
    out: list[tuple[str, dict]] = []
    current: dict = {}
    for term in sorted(rows):
        current[term] = rows[term]
        if _cut_after(term, CHUNK_TERMS):
            out.append((next(iter(current)), current))
            current = {}
    if current:
        out.append((next(iter(current)), current))
    return out


def word_pieces(snap: Snapshot) -> tuple[dict, list[tuple[str, dict, dict]]]:
    """The vocabulary file ({"accented": {folded: [form, ...]}}) and (first word, words,
    counts) of each piece of the folded (ASCII) words, in order, cut where a word's hash
    says so (as the term chunks are). The page counts are apart from the words because
    they change with any page that holds the words (whoosh counts a replaced page until
    its segment merges), the words seldom: a re-export rewrites the small counts files."""
    vocabulary = snap.vocabulary
    pieces: list[list[str]] = [[]]
    for word in sorted(vocabulary.load()):
        pieces[-1].append(word)
        if _cut_after(word, PIECE_WORDS):
            pieces.append([])
    pieces = [piece for piece in pieces if piece]
    accented = {folded: sorted(forms) for folded, forms in sorted(vocabulary.accented().items())}
    firsts = [piece[0] for piece in pieces]
    forms_of: list[list[str]] = [[] for _ in pieces]   # each piece's accented forms, in order
    for folded, forms in accented.items():
        forms_of[max(0, bisect.bisect_right(firsts, folded) - 1)] += forms
    out = [(piece[0], {"words": front_code(piece)},
            {"words": encode([vocabulary.frequency(w) for w in piece]),
             "accented": encode([vocabulary.doc_frequency(form) for form in forms])})
           for piece, forms in zip(pieces, forms_of)]
    return {"accented": accented}, out
