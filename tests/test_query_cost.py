"""What one query may cost is bounded by counts (weights' limits), never by a clock: on a
small site built so that every expansion would run past its limit, the work a 12-word
query does (stems scored, words corrected, known words compared, positions decoded) is
counted by `Postings.read` and `Vocabulary.read` and stays under the limits, and such a
query still finds its page."""

from __future__ import annotations

import pytest
from conftest import titled_site

from casesearch import names, query, ranking, schema, synonyms
from casesearch.ranking import families
from casesearch.searcher import Searcher
from casesearch.weights import WEIGHTS

# Twelve verbs whose derived words share a family key: each verb's stem has three relatives
# in the index (participer: participant, participation, participement), 36 in all, more than
# WEIGHTS.family_terms.
ROOTS = ("inform", "particip", "accompagn", "administr", "transform", "développ",
         "install", "consult", "exploit", "publi", "financ", "document")
VERBS = [root + "er" for root in ROOTS]
# twelve words of the target page, none of them a stop word, all long enough to be corrected
TWELVE = ("municipaux rénovent patiemment plusieurs bibliothèques communales architectes bénévoles "
          "viennent renforcer modeste chantier").split()
TARGET = "Depuis janvier, les agents " + " ".join(TWELVE) + " régional."
ACRONYMS = "rsa urssaf cpam caf cpf dinum insee anct cnil anssi drees dares"


def _pages() -> dict[str, tuple[str, str]]:
    pages = {f"famille-{root}": (f"Les mots de {root}", " ".join(root + suffix for suffix in
                                                                   ("er", "ant", "ation", "ement")) + ".")
             for root in ROOTS}
    pages["chantier"] = ("Un chantier de bénévoles", TARGET + ".")
    pages["sigles"] = ("Les sigles", "Le revenu de solidarité active et l'union de recouvrement des cotisations de "
                       "sécurité sociale et d'allocations familiales, la caisse primaire d'assurance maladie.")
    for i in range(6):   # pages holding some of the target's words, for the tiers below
        pages[f"autre-{i}"] = (f"Autre page {i}", " ".join(TWELVE[i::3]) + " et un texte ordinaire.")
    return pages


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    s = Searcher(titled_site(tmp_path_factory.mktemp("cost"), _pages()))
    yield s
    s.close()


def _cold(s: Searcher):
    """The snapshot with its per-query caches emptied and its counters at zero: the next
    query costs what a query never seen costs."""
    snap = s.snapshot()
    snap.forget()
    snap.postings.read.clear()
    snap.vocabulary.read.clear()
    return snap


def _typo(word: str) -> str:
    """One letter swapped with the next (one edit), kept where the word's first letter is."""
    return word[:2] + word[3] + word[2] + word[4:]


def _own_stems(parsed: query.ParsedQuery) -> set[str]:
    return {t for w in parsed.positive for t in w.stems}


def test_word_families_of_a_query_stop_at_family_terms(searcher):
    snap = searcher.snapshot()
    parsed = query.parse(" ".join(VERBS), prefix=False)
    every = [len(snap.postings.family(alt[0])) for w in parsed.words for alt in w.alternatives if len(alt) == 1]
    assert sum(every) > WEIGHTS.family_terms, "the fixture's families must run past the limit"
    taken = families(snap.postings, parsed.words)
    assert sum(map(len, taken)) == WEIGHTS.family_terms
    assert len(taken[0]) == every[0] and not taken[-1], "the words take their families in order"
    snap = _cold(searcher)
    searcher.search(" ".join(VERBS), prefix=False)
    assert snap.postings.read["stems"] <= len(_own_stems(parsed)) + WEIGHTS.family_terms


def test_synonyms_of_a_query_stop_at_synonym_words(searcher):
    snap = searcher.snapshot()
    parsed = query.parse(ACRONYMS, prefix=False)
    spans = snap.synonyms.find(parsed.words)
    assert sum(len(v) for span in spans for v in span.variants) <= WEIGHTS.synonym_words
    assert spans and spans[0].start == 0, "the first acronym is expanded"
    assert len(spans) < len(parsed.words), "the budget ran out before the last acronyms"
    # one acronym alone gets all of its group: every built-in member fits in the limit
    builtin = [m for origin, text in synonyms.source_texts() for g in synonyms.parse_groups(text, origin) for m in g]
    assert max(map(len, builtin)) <= WEIGHTS.synonym_words
    urssaf = snap.synonyms.find(query.parse("urssaf").words)
    assert urssaf and len(urssaf[0].variants[0]) > 6
    assert [h.source for h in searcher.search("urssaf", prefix=False).hits] == ["sigles.md"]


def test_compounds_of_a_query_stop_at_compound_parts(searcher):
    short = "projet donnée santé emploi école ville route vélo train livre musée sport".split()
    text = " ".join(f"{a}-{b}" for a, b in zip(short, short[1:] + short[:1]))   # twelve compounds
    parsed = query.parse(text, prefix=False)
    parts = [max((len(alt) for alt in w.alternatives if len(alt) > 1), default=0) for w in parsed.words]
    assert sum(parts) <= WEIGHTS.compound_parts < 2 * len(parts)
    assert parts[0] == 2 and parts[-1] == 0, "the words take their parts in order"
    assert all(w.alternatives and w.stems for w in parsed.words), "a compound past the limit keeps its joined form"
    snap = _cold(searcher)
    searcher.search(text, prefix=False)
    assert snap.postings.read["stems"] <= len(_own_stems(parsed))


def test_typo_correction_looks_at_typo_words_words_at_most(searcher):
    text = " ".join(_typo(w) for w in TWELVE)
    parsed = query.parse(text, prefix=False)
    snap = _cold(searcher)
    assert sum(not snap.vocabulary.frequency(w.folded) for w in parsed.words) > WEIGHTS.typo_words
    searcher.search(text, prefix=False)
    assert 0 < snap.vocabulary.read["words"] <= WEIGHTS.typo_words
    # each word corrected compares at most the known words of its first letter and near lengths
    known = snap.vocabulary.load()
    nearby = max(sum(1 for k in known if k[0] == w.folded[0] and abs(len(k) - len(w.folded)) <= 2)
                 for w in parsed.words)
    assert snap.vocabulary.read["compared"] <= WEIGHTS.typo_words * nearby


@pytest.mark.parametrize("typos", [WEIGHTS.typo_words, 6])
def test_a_twelve_word_query_with_typos_finds_its_page(searcher, typos):
    words = [_typo(w) if i % 2 == 0 and i < 2 * typos else w for i, w in enumerate(TWELVE)]
    assert sum(a != b for a, b in zip(words, TWELVE)) == typos
    hits = searcher.search(" ".join(words)).hits
    assert hits[0].source == "chantier.md"


def test_a_twelve_word_query_reads_positions_of_candidate_pages_only(searcher):
    text = " ".join(TWELVE)
    parsed = query.parse(text, prefix=False)
    snap = _cold(searcher)
    found = searcher.search(text, prefix=False)
    assert found.hits[0].source == "chantier.md"
    # the proximity test decodes, per grade and field, the positions of each word on the
    # pages that hold all of them there (here the target page only), not on every page
    # holding a word
    holding = len(set().union(*(snap.postings.field_tf("body", t).docs.tolist() for t in _own_stems(parsed))))
    assert holding > 1
    grades, fields = len(WEIGHTS.proximity), len(schema.PHRASE_FIELDS)
    assert snap.postings.read["positions decoded"] <= grades * fields * len(parsed.words)
    assert snap.postings.read["stems"] <= len(_own_stems(parsed))


def test_a_twelve_word_query_of_everything_stays_under_every_limit(searcher):
    """Typos, acronyms and word families together, as you type: every count is bounded."""
    words = [_typo(w) for w in TWELVE[:4]] + ACRONYMS.split()[:4] + VERBS[:4]
    text = " ".join(words)
    parsed = query.parse(text)
    snap = _cold(searcher)
    searcher.search(text)
    assert snap.vocabulary.read["words"] <= WEIGHTS.typo_words
    corrected = 2 * WEIGHTS.typo_words   # a correction's stems, French and English
    synonyms = 2 * WEIGHTS.synonym_words
    bound = len(_own_stems(parsed)) + corrected + WEIGHTS.family_terms + synonyms + WEIGHTS.prefix_expansions
    assert snap.postings.read["stems"] <= bound


def test_proximity_decodes_a_page_once_for_every_grade(searcher):
    """Words on the same page but apart: every proximity grade looks at the page, and its
    positions are decoded once."""
    text = "municipaux chantier"   # eleven words apart in the target's text
    stems = [w.alternatives[0][0] for w in query.parse(text, prefix=False).words]
    snap = _cold(searcher)
    assert searcher.search(text, prefix=False).hits[0].source == "chantier.md"
    pages = sum(len(set(snap.postings.field_tf(f, stems[0]).docs.tolist())
                     & set(snap.postings.field_tf(f, stems[1]).docs.tolist()))
                for f in schema.PHRASE_FIELDS)
    assert pages and len(WEIGHTS.proximity) > 1
    assert snap.postings.read["positions decoded"] == len(stems) * pages


def test_a_joined_name_asks_each_piece_once():
    """A word typed joined is cut in every 2 and 3 pieces (names.candidates): a piece is
    part of many cuts, and its frequency is asked once."""
    asked = []

    def frequency(piece: str) -> int:
        asked.append(piece)
        return 1 if piece in ("mon", "compte", "formation", "format", "ion") else 0

    word = "moncompteformation"
    assert ("mon", "compte", "formation") in names.candidates(word, frequency)
    assert len(asked) == len(set(asked))
    assert len(asked) < (len(word) - 1) * len(word) // 2   # fewer than the pieces of all the 3-cuts


def test_a_name_split_is_looked_up_by_positions_only(searcher):
    """Whether a split of a joined name stands in a page reads the words' positions, not
    their scores in every field, and stops at the first page."""
    snap = _cold(searcher)
    assert ranking._occurs(snap, "bibliothèques communales")
    assert not ranking._occurs(snap, "communales bibliothèques")
    assert snap.postings.read["stems"] == 0
    assert snap.postings.read["positions decoded"] <= 2 * 2


def test_name_splits_of_a_query_stop_at_name_splits(searcher, monkeypatch):
    """A word unknown to the index is looked up as phrases of its known pieces: a query
    of twelve such words looks up WEIGHTS.name_splits phrases in all, not per word; a word
    typed in parts (les-agents) is looked up as the phrase of its parts only, and only when
    pages do not match it as typed."""
    asked: list[str] = []
    occurs = ranking._occurs

    def counted(snap, phrase: str) -> bool:
        asked.append(phrase)
        return occurs(snap, phrase)

    monkeypatch.setattr(ranking, "_occurs", counted)
    # pairs of the page's words joined the wrong way round: no split of them stands in a page
    joined = [b + a for a, b in zip(TWELVE, TWELVE[1:])]
    text = " ".join(joined)
    while len(text) > 200:
        text = text.rsplit(" ", 1)[0]
    assert len(text.split()) > WEIGHTS.name_splits
    searcher.search(text, prefix=False)
    assert len(asked) == WEIGHTS.name_splits, asked
    asked.clear()
    # "les" is a stop word: pages hold no "lesagents", nor the compound's parts as typed
    result = searcher.search("les-agents", prefix=False)
    assert asked == ["les agents"]
    assert result.hits[0].source == "chantier.md"
    asked.clear()
    # words typed in parts that pages hold as typed (both parts) are no names to split
    apart = [f"{b}-{a}" for a, b in zip(TWELVE[:6], TWELVE[1:7])]
    assert searcher.search(" ".join(apart), prefix=False).total
    assert asked == []


def test_words_typed_in_known_parts_take_no_typo_correction(searcher):
    """A word typed in parts that are all known words (municipaux-rénovent) is no typo: its
    joined form, unknown, is not corrected, and it leaves WEIGHTS.typo_words to the words
    that need them."""
    snap = searcher.snapshot()
    apart = [f"{a}-{b}" for a, b in zip(TWELVE[0:8:2], TWELVE[1:8:2])]
    assert len(apart) >= WEIGHTS.typo_words
    typo = _typo("chantier")
    parsed = query.parse(" ".join(apart + [typo]), prefix=False)
    assert snap.vocabulary.corrections(parsed.words) == {typo: "chantier"}
