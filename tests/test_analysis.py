"""The French analysis chain: golden cases per rule, positions, offsets, whoosh analyzers."""

from __future__ import annotations

import json
import pickle
import re
import unicodedata
from pathlib import Path

import pytest
from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser
from whoosh.query import Phrase
from whoosh.query import Term as WhooshTerm

from casesearch import analysis
from casesearch.analysis import (
    APOSTROPHES,
    ELISION_EXCEPTIONS,
    ELISION_PREFIXES,
    FORMAT_VERSION,
    FR_IRREGULAR,
    FR_STEM_STEPS,
    LANG_MARK,
    STOPWORDS_EN,
    STOPWORDS_FR,
    StemAnalyzer,
    Term,
    WordAnalyzer,
    fold,
    is_stopword,
    lang_prefix,
    stem,
    stem_terms,
    word_terms,
)

GOLDEN = Path(__file__).parent / "data" / "analysis_golden.tsv"
CHAINS = {"stem": stem_terms, "word": word_terms}


def decode(text: str) -> str:
    """The golden file writes invisible characters as \\uXXXX."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def load_golden() -> list:
    cases, section = [], ""
    for number, line in enumerate(GOLDEN.read_text("utf-8").splitlines(), 1):
        if line.startswith("# "):
            section = line[2:]
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 4, f"line {number}: expected 4 tab-separated fields: {line!r}"
        chain, lang, text, expected = fields
        assert chain in CHAINS, f"line {number}: unknown chain {chain!r}"
        cases.append(
            pytest.param(chain, lang, decode(text), expected.split(), section, id=f"L{number}-{chain}-{lang}-{text}")
        )
    return cases


GOLDEN_CASES = load_golden()


@pytest.mark.parametrize("chain, lang, text, expected, section", GOLDEN_CASES)
def test_golden_case(chain, lang, text, expected, section):
    assert [t.text for t in CHAINS[chain](text, lang)] == expected


def test_golden_file_covers_every_rule():
    sections = {case.values[4].split(":")[0] for case in GOLDEN_CASES}
    assert len(GOLDEN_CASES) >= 180
    for rule in ["Elision", "Elision exceptions", "Folding", "Unicode normalisation", "Inclusive spellings",
                 "Stop words (folded) are removed; content words that look like them are kept",
                 "Hyphenated compounds", "camelCase and glued acronyms", "Numbers", "Light stemmer",
                 "Never lose a word", "Accent independence", "English pages (lang en, or the language mark)"]:
        assert rule in sections


@pytest.mark.parametrize("chain, lang, text, expected, section", GOLDEN_CASES)
def test_offsets_point_at_the_original_word(chain, lang, text, expected, section):
    # The folded term is the folded original span: elided prefixes, cut inclusive
    # suffixes and invisible characters are outside it or fold to nothing.
    for t in word_terms(text, lang):
        span = text[t.start : t.end]
        assert span and not span[0].isspace() and not span[-1].isspace()
        if t.text.isascii():
            assert t.text == fold(span)
        else:  # the accented form: the NFC lowercase span, without hyphens and apostrophes
            clean = unicodedata.normalize("NFC", span).lower()
            clean = re.sub(f"[{APOSTROPHES}\\-\u2010\u2011\u00ad\u200b\u200c\u200d\u2060\ufeff]", "", clean)
            assert t.text == clean


# ------------------------------------------------------------------ positions
def terms(text, chain=stem_terms, lang="fr"):
    return [(t.text, t.pos) for t in chain(text, lang)]


def test_stop_words_keep_their_position_so_phrases_keep_gaps():
    assert terms("Les données publiques de la France") == [("donn", 1), ("publiqu", 2), ("franc", 5)]


def test_phrase_gap_is_the_same_in_text_and_query():
    text = terms("l’accès à l’emploi des jeunes")
    query = terms("accès à emploi des jeunes")
    assert [p for _, p in text] == [p for _, p in query] == [0, 2, 4]


@pytest.mark.parametrize("prefix", "l d j m n s t c qu jusqu lorsqu puisqu quoiqu".split())
def test_elided_word_takes_no_position(prefix):
    assert prefix in ELISION_PREFIXES
    for apostrophe in APOSTROPHES:
        assert terms(f"{prefix}{apostrophe}imparfait demain", word_terms) == [("imparfait", 0), ("demain", 1)]


def test_compound_parts_take_consecutive_positions_and_the_joined_form_the_first():
    assert terms("en Île-de-France demain") == [("iledefranc", 1), ("ile", 1), ("franc", 3), ("demain", 4)]


def test_camel_case_parts_take_consecutive_positions():
    assert terms("la DocumentIA marche", word_terms) == [
        ("documentia", 1), ("document", 1), ("ia", 2), ("marche", 3)
    ]


def test_word_chain_puts_both_forms_at_the_same_position():
    assert terms("Données ouvertes", word_terms) == [("donnees", 0), ("données", 0), ("ouvertes", 1)]


def test_dropped_one_letter_token_keeps_its_position():
    assert terms("plan A bis") == [("plan", 0), ("bi", 2)]


def test_english_clitic_takes_no_position():
    assert terms("the company's data", lang="en") == [("compani", 1), ("data", 2)]


# -------------------------------------------------------------------- offsets
def test_offsets_cover_the_original_text():
    text = "L’Île-de-France\u00a0: les Entrepreneur·e·s d’aujourd’hui, e-mail"
    got = [(t.text, text[t.start : t.end]) for t in stem_terms(text)]
    assert got == [
        ("iledefranc", "Île-de-France"),
        ("ile", "Île"),
        ("franc", "France"),
        ("entrepreneu", "Entrepreneur"),
        ("aujourdhui", "aujourd’hui"),
        ("email", "e-mail"),
        ("mail", "mail"),
    ]


def test_offsets_refer_to_the_input_even_when_it_is_not_nfc():
    # NFD input is normalised word by word: offsets stay those of the string passed in.
    text = "Les donne\u0301es de\u0301cisives"
    got = [(t.text, text[t.start : t.end]) for t in stem_terms(text)]
    assert got == [("donn", "donne\u0301es"), ("decisiv", "de\u0301cisives")]


def test_offsets_skip_zero_width_characters_between_words():
    text = "\ufeffmot\u200b clé\u2060 final"
    assert [text[t.start : t.end] for t in word_terms(text)] == ["mot", "clé", "clé", "final"]


# -------------------------------------------------------------- language mark
def test_lang_prefix():
    assert lang_prefix("fr") == ""
    assert lang_prefix("en") == LANG_MARK + "en" + LANG_MARK
    assert lang_prefix("xx") == ""


def test_language_mark_chooses_english_and_offsets_count_the_mark():
    text = lang_prefix("en") + "The running tests"
    got = stem_terms(text)
    assert [(t.text, t.pos, text[t.start : t.end]) for t in got] == [("run", 1, "running"), ("test", 2, "tests")]


def test_language_mark_overrides_the_argument_and_unknown_languages_are_french():
    assert terms(lang_prefix("en") + "les données") == terms("les données", lang="en")
    assert terms(LANG_MARK + "fr" + LANG_MARK + "les données", lang="en") == [("donn", 1)]
    assert terms("les données", lang="de") == terms("les données")


# ------------------------------------------------------------------- stemmer
def corpus_words():
    return sorted({t.text for case in GOLDEN_CASES for t in word_terms(case.values[2]) if t.text.isalpha()})


def test_a_stem_is_never_a_stop_word_or_empty():
    words = corpus_words() + ["sure", "mois", "sons", "verser", "care", "ete", "eaux", "ons", "ceased"]
    for lang in ("fr", "en"):
        for word in words:
            if len(word) > 1 and not is_stopword(word, lang):
                s = stem(word, lang)
                assert len(s) >= 2 and not is_stopword(s, lang), (lang, word, s)


def test_accented_and_folded_words_get_the_same_stems():
    assert stem_terms("données numériques créées") == stem_terms("donnees numeriques creees")
    assert [t.text for t in stem_terms("Données")] == [stem(fold("Données"))] == [stem("donnees")]


def test_stem_is_memoised():
    stem.cache_clear()
    stem("formations")
    stem("formations")
    assert stem.cache_info().hits == 1


def test_numbers_are_not_stemmed():
    assert stem("2015") == "2015"
    assert stem("1er") == "1er"
    assert stem("covid19s") == "covid19s"


def test_irregular_stems_are_fixed_points():
    for word, value in FR_IRREGULAR.items():
        assert stem(word) == value == stem(value)


def test_stemmer_only_touches_suffixes():
    for word in ["formation", "information", "transformation"]:
        assert stem(word) == word
    assert stem("don") != stem("donnee")
    assert stem("stage") != stem("stagiaire")


# --------------------------------------------------------------- data tables
def test_tables_are_plain_data_for_the_javascript_client():
    for table in (ELISION_PREFIXES, ELISION_EXCEPTIONS, STOPWORDS_FR, STOPWORDS_EN):
        assert all(isinstance(w, str) and w == w.lower() for w in table)
    assert all(w == fold(w) for w in STOPWORDS_FR | STOPWORDS_EN | ELISION_PREFIXES)
    for step in FR_STEM_STEPS:
        for suffix, replacement, min_stem in step:
            assert isinstance(suffix, str) and isinstance(replacement, str) and isinstance(min_stem, int)
    json.dumps([sorted(STOPWORDS_FR), sorted(ELISION_PREFIXES), FR_STEM_STEPS, FR_IRREGULAR, APOSTROPHES])
    assert isinstance(FORMAT_VERSION, int)


def test_curated_stop_words():
    for word in "les ils elles cette leurs plus tres au aux du des un une et ou a le la de ce ces se sa son ses qui que quoi dont".split():
        assert is_stopword(word), word
    for word in ["ete", "fait", "faits", "avoir", "ia", "ue", "si", "rh", "ux"]:
        assert not is_stopword(word), word
    assert is_stopword("the", "en") and not is_stopword("the")


def test_fold():
    assert fold("Œuvre") == "oeuvre"
    assert fold("Straße") == "strasse"
    assert fold("Ça") == "ca"
    assert fold("e\u0301te\u0301") == "ete"


# -------------------------------------------------------------------- whoosh
@pytest.mark.parametrize("analyzer, function", [(StemAnalyzer(), stem_terms), (WordAnalyzer(), word_terms)])
def test_analyzer_yields_the_terms_of_its_chain(analyzer, function):
    text = "Les données de l’Île-de-France, DocumentIA et les Entrepreneur·e·s"
    got = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
    assert got == [(t.text, t.pos, t.start, t.end) for t in function(text)]
    shifted = [(t.pos, t.startchar) for t in analyzer(text, positions=True, chars=True, start_pos=10, start_char=5)]
    assert shifted == [(t.pos + 10, t.start + 5) for t in function(text)]


def test_analyzer_honours_the_language_mark():
    text = lang_prefix("en") + "running tests"
    assert [t.text for t in StemAnalyzer()(text)] == ["run", "test"]


def test_analyzer_can_keep_stop_words_marked_as_stopped():
    tokens = [(t.text, t.pos, t.stopped) for t in StemAnalyzer()("les données", positions=True, removestops=False)]
    assert tokens == [("les", 0, True), ("donn", 1, False)]


def test_analyzer_without_tokenizing_folds_and_stems_the_whole_value():
    assert [t.text for t in StemAnalyzer()("Données", tokenize=False)] == ["donn"]
    assert [t.text for t in WordAnalyzer()("Données", tokenize=False)] == ["donnees"]


def test_analyzers_are_picklable_and_equal_by_class():
    for analyzer in (StemAnalyzer(), WordAnalyzer()):
        copy = pickle.loads(pickle.dumps(analyzer))
        assert copy == analyzer and type(copy) is type(analyzer)
        assert hash(copy) == hash(analyzer)
    assert StemAnalyzer() != WordAnalyzer()


def test_whoosh_index_finds_a_page_by_stem_phrase_and_exact_form(tmp_path):
    schema = Schema(path=ID(stored=True), body=TEXT(analyzer=StemAnalyzer()), words=TEXT(analyzer=WordAnalyzer()))
    ix = index.create_in(str(tmp_path), schema)
    with ix.writer() as writer:
        writer.add_document(path="a", body="Les données publiques", words="Les données publiques")
        writer.add_document(path="b", body="Le don du sang", words="Le don du sang")
    ix = index.open_dir(str(tmp_path))  # analyzers come back from the pickled schema
    assert ix.schema["body"].analyzer == StemAnalyzer()
    with ix.searcher() as searcher:
        def paths(query):
            return [hit["path"] for hit in searcher.search(query)]

        assert paths(WhooshTerm("body", stem("donnees"))) == ["a"]
        assert paths(WhooshTerm("body", "don")) == ["b"]
        assert paths(Phrase("body", ["donn", "publiqu"])) == ["a"]
        assert paths(QueryParser("body", ix.schema).parse("donnée publique")) == ["a"]
        assert paths(WhooshTerm("words", "données")) == ["a"]
        assert paths(WhooshTerm("words", "donnees")) == ["a"]


def test_memo_is_keyed_by_language_and_chain():
    stem_terms("running")
    word_terms("running")
    stem_terms("running", "en")
    assert {("fr", "stem"), ("fr", "word"), ("en", "stem")} <= set(analysis._CACHES)
    assert stem_terms("running") == [Term("running", 0, 0, 7)]
    assert stem_terms("running", "en") == [Term("run", 0, 0, 7)]


# Words the shortcut for plain words (Chain._plain_word) takes, and neighbours it must not:
# letters that are apostrophes (ʼ), compounds, camelCase, NFD accents, digits, one letter.
PLAIN_AND_NOT = ["formation", "Formation", "FORMATION", "données", "Données", "DONNÉES", "œuvre", "Œuvre",
                 "straße", "STRASSE", "le", "Le", "LES", "a", "à", "É", "x", "Ǝ", "ƽ", "東京", "Ελλάδα", "İstanbul",
                 "uʼn", "dʼincubateurs", "lʼhorizon", "aujourd’hui", "e-mail", "DocumentIA", "XMLParser", "aB",
                 "ǅemal", "ﬁn", "donne\u0301es", "ab\u200dc", "agent·e·s", "covid19", "2020"]


@pytest.mark.parametrize("lang", sorted(analysis.LANGUAGES))
@pytest.mark.parametrize("chain", ["stem", "word"])
def test_the_plain_word_shortcut_gives_what_the_general_path_gives(chain, lang):
    c = analysis._CHAINS[lang]
    for word in PLAIN_AND_NOT:
        assert c._analyse(word, chain) == c._analyse_general(word, chain), word
    assert c._analyse("Formation", chain) == c._analyse_general("Formation", chain) == (
        1, ((analysis.stem("formation", lang) if chain == "stem" else "formation", 0, 0, 9, False),))


@pytest.mark.parametrize("text", ["L’emploi des données publiques, l'e-mail et la DocumentIA : agent·e·s 2020.",
                                  analysis.lang_prefix("en") + "Open data for everyone, the API's docs", "", "a à le"])
def test_term_positions_are_the_postings_of_the_token_stream(text):
    for chain in ("stem", "word"):
        expected: dict[str, list[int]] = {}
        for term, pos, *_ in analysis._entries(text, analysis.DEFAULT_LANG, chain):
            expected.setdefault(term, []).append(pos)
        assert analysis.term_positions(text, chain) == expected


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_words_field_has_the_terms_of_its_text_cut_once(lang):
    """The words field joins a page's texts again (`analysis.Joined`): its terms are those
    of the joined text, and the words of the texts the page's other fields cut first are
    not cut again (an English page's fields carry a mark: those are cut again)."""
    chain = analysis._CHAINS[lang]
    mark = analysis.lang_prefix(lang)
    parts = ("L’Open Data à l’État", "e-mail, aujourd’hui, cœur", "start-up DocumentIA Entrepreneur·e·s",
             "", "mot")
    chain._cut.clear()   # what earlier tests cut
    for part in parts[:3]:   # as the title, summary and body fields are
        analysis.term_positions(mark + part, "stem")
    cut_again = []
    real = chain.word_re

    class Spy:
        def findall(self, text, *at):
            cut_again.append(text)
            return real.findall(text, *at)

    joined = analysis.Joined.of(mark, parts)
    chain.word_re = Spy()
    try:
        found = analysis.term_set(joined, "word")
    finally:
        chain.word_re = real
    assert found == analysis.term_set(str(joined), "word") and "email" in found and "open" in found
    assert cut_again == (list(parts[3:]) if lang == "fr" else list(parts))
    assert not chain._cut


def _memo_sizes() -> dict[str, int]:
    sizes = {}
    for lang, c in analysis._CHAINS.items():
        for name, memo in (*c.caches.items(), *(("index " + k, m) for k, m in c._index_memo.items())):
            sizes[f"{lang} {name}"] = len(memo)
        for name in ("fold", "stem"):
            sizes[f"{lang} {name}()"] = getattr(c, name).cache_info().currsize
    sizes["stem()"] = analysis.stem.cache_info().currsize
    sizes["family_key()"] = analysis.family_key.cache_info().currsize
    return sizes


def test_trimming_starts_over_the_memos_past_the_limit_and_the_analysis_is_unchanged():
    text = " ".join(f"recrutements{i} formation mot{i}s développeuses-{i}" for i in range(40))
    before = list(analysis.tokens(text))
    analysis.term_positions(text, "stem")
    for word in ("formations", "recrutement", "donnees"):
        analysis.family_key(analysis.stem(word))
    grown = _memo_sizes()
    assert all(grown[name] > 0 for name in ("fr stem", "fr index stem", "fr fold()", "stem()", "family_key()"))
    limit = 5
    analysis.trim_memos(limit)
    trimmed = _memo_sizes()
    for name, size in grown.items():
        assert trimmed[name] == (0 if size > limit else size), name
    assert list(analysis.tokens(text)) == before   # the same tokens, analysed again
    assert _memo_sizes()["fr stem"] > 0
