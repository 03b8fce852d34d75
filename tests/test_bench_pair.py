"""bench/pair.py runs a base commit's casesearch beside the working tree's in one process:
the base, taken from git and imported under another name, answers as the working tree
does when they are the same code, and a query each version answers otherwise is named."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, titled_site


def _pair():
    spec = importlib.util.spec_from_file_location("bench_pair", ROOT / "bench" / "pair.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _base_commit() -> str:
    """The commit src/casesearch was last changed in (so its code is the working tree's), or skip."""
    done = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%H", "--", "src/casesearch"],
                          check=False, capture_output=True, text=True)
    if done.returncode or not done.stdout.strip():
        pytest.skip("not a git checkout: bench/pair.py takes its base from git")
    changed = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src/casesearch"],
                             check=False, capture_output=True, text=True).stdout
    if changed.strip():
        pytest.skip("src/casesearch has uncommitted changes: no commit holds the working tree's code")
    return done.stdout.strip()


def test_a_base_commit_and_the_working_tree_answer_alike_in_one_process(tmp_path: Path, monkeypatch) -> None:
    pair = _pair()
    settings = titled_site(tmp_path, {
        "donnees": ("Données ouvertes", "Les données ouvertes de l'État, open data."),
        "emploi": ("L'emploi des jeunes", "Formation et emploi, recrutement."),
        "sante": ("Santé numérique", "Le numérique en santé : données de santé."),
    })
    texts = tmp_path / "queries.json"
    texts.write_text(json.dumps(["données", "l'emploi", "santé numérique", "formaton", "zzz"]), encoding="utf-8")
    found = pair.run(_base_commit(), settings.content_dir, settings.index_dir, texts, 0, 12)
    assert found["queries"] == 5 and found["different"] == []
    assert found["base_ms"]["sum"] > 0 and found["tree_ms"]["sum"] > 0 and found["median_ratio"] > 0

    # a version that ranks otherwise is caught: the working tree's scores, halved
    from casesearch import searcher
    answer = pair.answer
    monkeypatch.setattr(pair, "answer", lambda result: answer(result) | (
        {"hits": [h | {"score": h["score"] / 2} for h in answer(result)["hits"]]}
        if type(result).__module__.startswith("casesearch.") else {}))
    assert searcher.SearchResult.__module__.startswith("casesearch.")
    found = pair.run(_base_commit(), settings.content_dir, settings.index_dir, texts, 0, 12)
    assert "données" in found["different"] and "zzz" not in found["different"]
