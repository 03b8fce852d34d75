"""`explain` takes apart the very scores `search` gives: for the top 10 of every query of
the evaluation sets, the sum of a page's parts times the product of its factors is the
page's score."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import shared_missing, titled_site

from casesearch.config import load_settings
from casesearch.indexer import reindex
from casesearch.searcher import Searcher
from casesearch.weights import WEIGHTS, RankingWeights

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
SETS = (SHARED / "eval" / "dev-queries.json", ROOT / "bench" / "queries" / "own-queries.json",
        ROOT / "bench" / "queries" / "own-queries-2.json")


def _queries() -> list:
    if absent := shared_missing(SETS[0], CORPUS):
        return [pytest.param(None, marks=pytest.mark.skip(reason=absent))]
    return [pytest.param(q, id=q["id"])
            for path in SETS for q in json.loads(path.read_text(encoding="utf-8"))["queries"]]


@pytest.fixture(scope="module")
def searcher_of(tmp_path_factory):
    """A searcher per corpus site, each built once for the module."""
    made: dict[str, Searcher] = {}

    def get(corpus: str) -> Searcher:
        if corpus not in made:
            index = tmp_path_factory.mktemp("index")
            settings = load_settings({"content_dir": CORPUS / corpus, "index_dir": index}, environ={})
            reindex(settings, full=True)
            made[corpus] = Searcher(settings)
        return made[corpus]

    yield get
    for searcher in made.values():
        searcher.close()


def rebuilt(hit: dict) -> float:
    return sum(p["score"] for p in hit["parts"]) * math.prod(f["factor"] for f in hit["factors"])


@pytest.mark.parametrize("prefix", [False, True], ids=["submitted", "as-you-type"])
@pytest.mark.parametrize("q", _queries())
def test_explain_parts_add_up_to_the_search_score(searcher_of, q, prefix):
    searcher = searcher_of(q["corpus"])
    found = searcher.search(q["query"], per_page=10, prefix=prefix)
    report = searcher.explain(q["query"], top=10, prefix=prefix)
    assert report["total"] == found.total
    assert [h["source"] for h in report["hits"]] == [h.source for h in found.hits]
    for hit, shown in zip(found.hits, report["hits"]):
        assert shown["parts"] and all(p["score"] > 0 for p in shown["parts"])
        assert all(f["factor"] > 0 for f in shown["factors"])
        assert rebuilt(shown) == pytest.approx(hit.score, rel=1e-5, abs=1e-3), shown


PAGES = {
    "donnees": ("Les données de santé", "Les données publiques de santé sont ouvertes aux chercheurs."),
    "emploi": ("Pôle emploi", "Accompagner les demandeurs d'emploi vers la formation professionnelle."),
    "travail": ("France Travail", "France Travail accompagne chaque demandeur vers un emploi durable."),
    "recrutement": ("Recruter des développeurs", "Le recrutement de développeurs dans l'administration."),
    "stub": ("Incubateurs", ""),
}


@pytest.fixture
def small_site(tmp_path):
    searcher = Searcher(titled_site(tmp_path, PAGES))
    yield searcher
    searcher.close()


@pytest.mark.parametrize("text", ["données santé", "donnes", "pole emploi", "recruter développeurs",
                                  '"données publiques"', "santé zythologie", "emploi formation",
                                  "incubateurs", "recru"])
def test_explain_covers_every_tier_and_factor(small_site, text):
    # typo corrections, some-words fallback, synonyms, phrases, families, completions and
    # the title-match factor all reach the parts and factors, not only plain words
    found = small_site.search(text, per_page=10)
    report = small_site.explain(text, top=10, prefix=True)
    assert [h["source"] for h in report["hits"]] == [h.source for h in found.hits]
    for hit, shown in zip(found.hits, report["hits"]):
        assert rebuilt(shown) == pytest.approx(hit.score, rel=1e-5, abs=1e-3), shown


def test_weights_are_frozen_and_serialise_as_plain_json():
    data = WEIGHTS.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["field_boosts"]["title"] == 6.0 and data["proximity"] == [[0, 2.0], [3, 1.3]]
    with pytest.raises(AttributeError):
        WEIGHTS.k1f = 2.0
    with pytest.raises(TypeError):
        WEIGHTS.field_boosts["title"] = 1.0
    assert RankingWeights() == WEIGHTS
