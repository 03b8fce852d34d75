"""Synonym groups (an acronym and its expansion, an organisation and its former name),
read from the built-in list and the site's own file, and found in a visitor's query.

Applied at query time only, so editing the file needs no reindex.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import ConfigError
from .query import QueryWord, analyse_word
from .weights import WEIGHTS

BUILTIN = "synonyms_fr.txt"


@dataclass(frozen=True)
class Span:
    """Query words start:end match a member of a group; `variants` are the other members."""

    start: int
    end: int
    variants: tuple[tuple[QueryWord, ...], ...]


def _key(words: tuple[QueryWord, ...]) -> tuple[str, ...]:
    return tuple(w.alternatives[0][0] for w in words)


class Synonyms:
    def __init__(self, groups: list[list[tuple[QueryWord, ...]]]) -> None:
        self._by_key: dict[tuple[str, ...], list[tuple[QueryWord, ...]]] = {}
        for group in groups:
            for member in group:
                others = [m for m in group if _key(m) != _key(member)]
                self._by_key.setdefault(_key(member), []).extend(others)
        self._longest = max((len(k) for k in self._by_key), default=0)

    def __len__(self) -> int:
        return len(self._by_key)

    def find(self, words: tuple[QueryWord, ...]) -> list[Span]:
        """Non-overlapping spans of the query that are members of a group, longest first,
        each with the other members of its group that fit in WEIGHTS.synonym_words (spans
        in order, members in order; a span left with none is not a span)."""
        keys = [w.alternatives[0][0] if len(w.alternatives[0]) == 1 else None for w in words]
        spans, i = [], 0
        room = WEIGHTS.synonym_words
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                key = tuple(keys[i:i + size])
                if None not in key and key in self._by_key:
                    variants = []
                    for variant in self._by_key[key]:
                        if len(variant) <= room:
                            variants.append(variant)
                            room -= len(variant)
                    if variants:
                        spans.append(Span(i, i + size, tuple(variants)))
                    i += size
                    break
            else:
                i += 1
        return spans


def parse_groups(text: str, origin: str) -> list[list[tuple[QueryWord, ...]]]:
    groups = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        members = []
        for part in line.split("="):
            words = tuple(w for w in (analyse_word(raw) for raw in part.split()) if w)
            if words:
                members.append(words)
        if len(members) < 2:
            raise ConfigError(f"synonyms file '{origin}', line {number}: a group needs two members or more "
                              "separated by ' = ', e.g. 'cpf = compte personnel de formation'")
        groups.append(members)
    return groups


def source_texts(site_file: Path | None = None) -> list[tuple[str, str]]:
    """(origin, text) of the built-in groups, and of the site's own file when given."""
    texts = [(BUILTIN, resources.files(__package__).joinpath("data", BUILTIN).read_text("utf-8"))]
    if site_file is not None:
        try:
            texts.append((str(site_file), Path(site_file).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read synonyms file '{site_file}': {exc}") from None
    return texts


@lru_cache(maxsize=8)
def load(site_file: Path | None = None) -> Synonyms:
    """The built-in groups, plus the site's own file when given."""
    return Synonyms([group for origin, text in source_texts(site_file) for group in parse_groups(text, origin)])
