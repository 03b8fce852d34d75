"""The languages as data: casesearch.lang's tables survive JSON, and an analysis built
from that JSON alone gives the golden file's tokens (what the static export will ship)."""

from __future__ import annotations

import json
import re

import pytest
from unidecode import unidecode

from casesearch import analysis, lang
from test_analysis import GOLDEN_CASES


@pytest.fixture(scope="module")
def json_chains():
    """One Chain per language from the JSON text of its tables, without unidecode."""
    return {code: analysis.Chain.from_tables(json.loads(json.dumps(lang.tables(code)))) for code in lang.LANGUAGES}


def test_tables_are_json_data():
    for code in lang.LANGUAGES:
        tables = lang.tables(code)
        assert json.loads(json.dumps(tables)) == tables
        assert tables["lang"] == code and tables["stopwords"] and tables["word_pattern"]
    with pytest.raises(ValueError):
        lang.tables("de")


def test_golden_file_from_the_json_tables_alone(json_chains):
    for case in GOLDEN_CASES:
        chain, code, text, expected, _ = case.values
        got = [t.text for t in analysis.tokens(text, code, chain, chains=json_chains)]
        assert got == expected, (chain, code, text)
        assert got == [t.text for t in analysis.tokens(text, code, chain)]


def test_json_chains_give_the_same_offsets_positions_and_stop_words(json_chains):
    for case in GOLDEN_CASES:
        chain, code, text, _, _ = case.values
        assert list(analysis.tokens(text, code, chain, True, chains=json_chains)) == list(
            analysis.tokens(text, code, chain, True))


def test_fold_table_is_unidecode_character_by_character(json_chains):
    chain = json_chains["fr"]
    for a, b in lang.FOLD_RANGES:
        for code in range(a, b):
            char = chr(code)
            assert chain.fold(char) == re.sub("[^a-z0-9]", "", unidecode(char).lower()), hex(code)
    assert chain.fold("Œuvre Straße Ça e\u0301te\u0301 ﬁn Ｆ") == "oeuvrestrassecaetefinf" == analysis.fold(
        "Œuvre Straße Ça e\u0301te\u0301 ﬁn Ｆ")


def test_characters_are_defined_once():
    assert analysis.APOSTROPHES is lang.APOSTROPHES
    assert lang.tables("fr")["apostrophes"] == "'\u2019\u02bc\u2018"
    assert "\u200b" in lang.INVISIBLE and "\u00ad" in lang.INVISIBLE
