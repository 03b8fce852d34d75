"""tests/data/family_pairs.json (issue 10): word pairs casesearch joins as one family today,
labelled wrong or right by reading them. These checks keep the file true to the analysis
(bench/family_pairs.py made it; rerun it with --out after a change of the analysis)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build_site

from casesearch.analysis import family_key, fold, stem
from casesearch.searcher import Searcher
from casesearch.weights import WEIGHTS

DATA = json.loads((Path(__file__).parent / "data" / "family_pairs.json").read_text(encoding="utf-8"))
PAIRS = DATA["pairs"]
EVERY = PAIRS + DATA["left_out"]  # the pairs left out are candidates too


def _id(pair: dict) -> str:
    return "/".join(pair["words"])


def test_stems_and_key_are_todays():
    """The light stems and the family key recorded are what casesearch computes now."""
    stale = [(_id(p), p["stems"], p["family_key"]) for p in EVERY
             if p["stems"] != [stem(fold(w)) for w in p["words"]]
             or not p["family_key"] == family_key(p["stems"][0]) == family_key(p["stems"][1])]
    assert not stale


def test_would_be_joined_by_the_prefix_rule():
    """The candidates' rule: one light stem extends the other, both alphabetic and at least
    family_min letters long, and they share the family key (checked above)."""
    def joined(short: str, long: str) -> bool:
        return short != long and long.startswith(short) and \
            all(s.isalpha() and len(s) >= WEIGHTS.family_min for s in (short, long))
    assert [_id(p) for p in EVERY if not joined(*p["stems"])] == []


def test_labels_and_counts():
    assert {p["label"] for p in PAIRS} == {"wrong", "right"}
    assert all(p["why"] for p in EVERY)
    assert not {_id(p) for p in PAIRS} & {_id(p) for p in DATA["left_out"]}
    assert len({_id(p) for p in EVERY}) == len(EVERY)
    wrong = sum(p["label"] == "wrong" for p in PAIRS)
    assert wrong >= 60
    assert len(PAIRS) - wrong >= 20
    assert DATA["about"]["counts"] == {**DATA["about"]["counts"], "wrong": wrong, "right": len(PAIRS) - wrong,
                                       "left_out": len(DATA["left_out"]), "read": len(EVERY)}


def test_sample_is_a_prefix_of_the_order():
    """Every pair of ranks 1..n was read: labelled, or left out with the doubt."""
    ranks = sorted(p["rank"] for p in EVERY)
    assert ranks == list(range(1, len(ranks) + 1))


@pytest.fixture(scope="module")
def postings(tmp_path_factory):
    """An index with a page per labelled pair holding its two words."""
    pages = {f"p{i}.md": f"---\ntitle: Page {i}\n---\n{p['words'][0]} et {p['words'][1]}.\n"
             for i, p in enumerate(PAIRS)}
    searcher = Searcher(build_site(tmp_path_factory.mktemp("families"), pages))
    yield searcher.snapshot().postings
    searcher.close()


def test_no_wrong_pair_is_joined(postings):
    joined = [_id(p) for p in PAIRS if p["label"] == "wrong"
              and (p["stems"][1] in postings.family(p["stems"][0]) or p["stems"][0] in postings.family(p["stems"][1]))]
    assert joined == []


def test_right_pairs_stay_joined(postings):
    """Every right pair is still a family, except where the family holds more members than
    family_size and the pair's are not among the most frequent."""
    lost = [_id(p) for p in PAIRS if p["label"] == "right"
            and p["stems"][1] not in postings.family(p["stems"][0])
            and len(postings.families().get(p["family_key"], ())) <= WEIGHTS.family_size]
    assert lost == []
