"""bench/scale.py's generator makes Jekyll sites casesearch reads whole: every generated page
indexed, each under its own URL. Real pages of both shared sites (a part of each, to stay
fast): three folders of beta.gouv.fr's `_pages` (fixed front-matter permalinks, kept and suffixed) as the
base site, site-eig's English posts (permalinks with placeholders, moved to a plain folder) beside
them; one and a half times as many pages as real ones, so that pages are copied twice."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, shared_missing

from casesearch.config import load_settings
from casesearch.indexer import reindex
from casesearch.searcher import Searcher

PARTS = {"beta.gouv.fr": ("_pages/accessibilite", "_pages/bilan", "_pages/programme"), "site-eig": ("en/_posts",)}


def _bench(name: str):  # noqa: ANN202 - a bench/ script as a module
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scale():  # noqa: ANN202 - the bench/scale.py module
    return _bench("scale")


def test_generated_site_is_read_whole(tmp_path: Path) -> None:
    why = shared_missing(*(CORPUS / name for name in PARTS))
    if why:
        pytest.skip(why)
    scale = _scale()
    corpora = []
    for name, folders in PARTS.items():
        site = tmp_path / "real" / name
        site.mkdir(parents=True)
        shutil.copy2(CORPUS / name / "_config.yml", site / "_config.yml")
        for folder in folders:
            shutil.copytree(CORPUS / name / folder, site / folder)
        corpora.append(site)
    sources = {site.name: scale.indexed_sources(site) for site in corpora}
    real = sum(map(len, sources.values()))
    pages = real * 3 // 2

    made = scale.generate(corpora, pages, 7, tmp_path / "work", sources, log=lambda _: None)
    assert (made / "_config.yml").read_bytes() == (CORPUS / "beta.gouv.fr" / "_config.yml").read_bytes()
    files = sorted(str(p.relative_to(made)) for p in made.rglob("*") if p.is_file() and p.name != "_config.yml")
    assert len(files) == pages
    assert any(f.startswith("site-eig/en/posts/") for f in files) and any("-c1." in f for f in files)

    settings = load_settings({"content_dir": made, "index_dir": tmp_path / "index"}, environ={})
    report = reindex(settings, full=True)
    assert not report.errors, [f"{e.source}: {e.message}" for e in report.errors]
    assert sorted(report.added) == files
    searcher = Searcher(settings)
    try:
        urls = [p.url for p in searcher.snapshot().stored if p is not None]
    finally:
        searcher.close()
    assert len(urls) == pages == len(set(urls))

    again = scale.generate(corpora, pages, 7, tmp_path / "work", {}, log=pytest.fail)   # reused, not made again
    assert again == made

    # bench/worker_memory.py on the same site: distinct generated queries, a worker's memory as it answers them
    memory = _bench("worker_memory")
    texts = memory.make_queries(str(made), str(tmp_path / "index"), 30, 1)
    assert len(texts) == len(set(texts)) >= 25
    found = memory.worker(str(made), str(tmp_path / "index"), texts, 10)
    assert [row["queries"] for row in found["rows"]] == [0, 10, 20, 30][:len(found["rows"]) - 1] + [len(texts)]
    assert all(row["private_mb"] > 0 for row in found["rows"])
    assert found["caches"]["answers"] == {"entries": len(texts), "bound": settings.answer_cache}
    assert all(c["bound"] is None or c["entries"] <= c["bound"] for c in found["caches"].values())
    assert found["caches"]["page records"]["entries"] > 0
    printed = memory.report({"date": "d", "code": "c", "queries": len(texts), "bounds": {}, **found})
    assert f"| {len(texts)} |" in printed and "| answers |" in printed
    # an operator's bounds (--score-cache-mb, --answer-cache) are the worker's settings
    bounds = {"score_cache_mb": 1, "answer_cache": 2}
    bounded = memory.worker(str(made), str(tmp_path / "index"), texts[:6], 3, bounds)
    assert bounded["caches"]["kept scores (postings)"]["bound"] == 62_500
    assert bounded["caches"]["answers"] == {"entries": 2, "bound": 2}
    printed = memory.report({"date": "d", "code": "c", "queries": 6, "bounds": bounds, **bounded})
    assert "6 distinct queries, score_cache_mb = 1, answer_cache = 2" in printed


def test_query_figures_per_class() -> None:
    scale = _scale()
    kinds = ["judged", "page12", "judged", "typo12", "page12", "judged"]
    times = [1.0, 8.0, 3.0, 20.0, 4.0, 2.0]
    found = scale.by_class(kinds, times)
    assert list(found) == ["judged", "page12", "typo12"]   # in the order first met
    assert found["judged"]["queries"] == 3 and found["judged"]["p50_ms"] == 2.0 and found["judged"]["max_ms"] == 3.0
    assert found["page12"]["queries"] == 2 and found["page12"]["max_ms"] == 8.0
    assert found["typo12"] == {"queries": 1, "p50_ms": 20.0, "p99_ms": 20.0, "max_ms": 20.0}
    with pytest.raises(ValueError):   # a time without its class is a bug of the caller, not a figure
        scale.by_class(kinds[:-1], times)
