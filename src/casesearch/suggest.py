"""As-you-type suggestions: page titles, then what the pages write after the words typed,
or, for one word typed, frequent words starting with it: only what pages write.

"logiciel li" should offer "logiciel libre" before "logiciel lien": the words that follow
the typed ones in the pages' own text (as they write them: accents, elisions) come
before words that merely share a page with them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from . import analysis, query, scoring
from .lang import APOSTROPHES, char_class
from .query import ParsedQuery
from .ranking import completions
from .snapshot import Snapshot

PAGES_SCANNED = 500        # pages read for the words that follow the typed ones
_APOSTROPHE = char_class(APOSTROPHES)
_BETWEEN = char_class(" \t\u00a0\u202f" + APOSTROPHES + "-") + "+"   # within a sentence: not across a full stop, comma or line
_KEY_SPLIT = re.compile(r"[\s" + re.escape(APOSTROPHES + "-") + "]+")


def suggestions(snap: Snapshot, parsed: ParsedQuery, text: str, limit: int) -> list[dict]:
    """[{"text", "kind": "title" | "term", "url" (titles)}], at most `limit`, titles first."""
    raw = text.split()
    if not raw or not any(analysis.fold(w) for w in raw):
        return []
    open_end = text[-1:].isspace()           # "logiciel ": the next word, whatever it is
    head, last = (raw, "") if open_end else (raw[:-1], raw[-1])
    out = _titles(snap, head, last, limit // 2)
    seen = {_key(s["text"]) for s in out}
    with snap.lock:
        # after typed words, only what pages write after them: "formation al" is never
        # completed as "formation aller" because both words occur somewhere in a page
        phrases = _next_words(snap, head, last) if head else []
        terms = [] if head or open_end or not parsed.words else _terms(snap, parsed, last)
    for completed in phrases + terms:
        if len(out) >= limit:
            break
        if _key(completed) not in seen:
            seen.add(_key(completed))
            out.append({"text": completed, "kind": "term"})
    return out


def _key(text: str) -> str:
    """What makes two suggestions the same: "Pôle emploi" = "pôle-emploi", "d'emploi" = "d’emploi"."""
    return " ".join(w for w in map(analysis.fold, _KEY_SPLIT.split(text)) if w)


def _titles(snap: Snapshot, head: list[str], last: str, limit: int) -> list[dict]:
    """Titles holding every typed word, the last one as a prefix."""
    folded_head = [w for w in map(analysis.fold, head) if w]
    folded_last = analysis.fold(last)
    found = []
    for page, folded_title in zip(snap.stored, snap.folded_titles):
        if page is None:
            continue
        words = folded_title.split()
        if all(h in words for h in folded_head) and any(w.startswith(folded_last) for w in words):
            found.append({"text": page.title, "kind": "title", "url": page.url})
            if len(found) >= limit:
                break
    return found


def _pattern(word: str) -> str:
    """A typed word as a pattern over stored folded text (fold_text: lowercase, no accents)."""
    return _APOSTROPHE.join(re.escape(part) for part in re.split(_APOSTROPHE, analysis.fold_text(word)))


def _next_words(snap: Snapshot, head: list[str], last: str) -> list[str]:
    """The typed words and the word the pages write right after them, as the pages write
    them (accents, elisions), the most pages first."""
    words = query.parse(" ".join(head), prefix=False).words
    if not words:
        return []
    pages = None   # the pages holding every word, each word looked for among those holding the ones before
    for w in words:
        pages = scoring.word_scores(snap.postings, w, within=pages).docs
    pages = pages[:PAGES_SCANNED].tolist()
    # no look-behind for the word start: it would keep re from skipping ahead to the literal
    follows = re.compile(_BETWEEN.join(map(_pattern, head)) + _BETWEEN + "(" + _pattern(last)
                         + (r"\w*)" if last else r"\w+)"))
    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    typed = analysis.fold(last)
    for docnum in pages:
        page = snap.stored[docnum]
        folded = page.folded
        found = [(m.start(), m.start(1), m.end(1)) for m in follows.finditer(folded)
                 if not m.start() or not folded[m.start() - 1].isalnum()]
        if not found:
            continue
        original = "\n".join(page.texts())   # fold_text keeps offsets
        in_page = set()
        for start, word_start, end in found:
            word = analysis.fold(original[word_start:end])
            if word and word != typed and not analysis.is_stopword(word):
                phrase = " ".join(original[start:end].split())
                key = _key(phrase)
                forms[key][phrase] += 1
                in_page.add(key)
        counts.update(in_page)
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return [_as_typed(forms[key].most_common(1)[0][0], head[0]) for key in ranked]


def _as_typed(phrase: str, first: str) -> str:
    """A capital the visitor did not type (a sentence start in the page) is dropped."""
    return phrase[0].lower() + phrase[1:] if first[:1].islower() and phrase[:1].isupper() else phrase


def _terms(snap: Snapshot, parsed: ParsedQuery, last: str) -> list[str]:
    """Frequent words of the index starting with the one word typed (after its elision),
    as the pages write them."""
    prefix = parsed.prefix or analysis.fold(re.split(_APOSTROPHE, last)[-1])
    if not prefix:
        return []
    elided = last[:len(last) - len(re.split(_APOSTROPHE, last)[-1])]   # "d'" of "d'em"
    return [elided + snap.vocabulary.written(word) for word in completions(snap.terms, prefix)]
