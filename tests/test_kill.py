"""Kill matrix: a reindex SIGKILLed at 20 instants across scanning, writing, committing,
checksumming, fsyncing, renaming CURRENT and cleaning up. Each time the live index opens
and holds exactly the old page count (killed before CURRENT was replaced) or the new one
(after); the next reindex exits 0, leaves no leftover and frees the lock."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from casesearch import generations, readcache
from casesearch.config import load_settings
from casesearch.indexer import reindex
from casesearch.searcher import Searcher

HARNESS = Path(__file__).with_name("crash_reindex.py")
PAGES = 40


def _page(n: int, extra: str = "") -> str:
    return f"---\ntitle: Page {n}\n---\nLa page {n} parle d'urbanisme et de mobilité. {extra}\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("kill")
    content = base / "content"
    content.mkdir()
    for n in range(PAGES):
        (content / f"page-{n:02d}.md").write_text(_page(n), encoding="utf-8")
    settings = load_settings({"content_dir": content, "index_dir": base / "index"}, environ={})
    assert reindex(settings).published
    (content / "page-01.md").write_text(_page(1, "Édité."), encoding="utf-8")
    assert reindex(settings).generation == 2   # two generations: a build then removes the older
    # the edit the killed build was publishing: one page more, one page changed
    (content / f"page-{PAGES:02d}.md").write_text(_page(PAGES), encoding="utf-8")
    (content / "page-00.md").write_text(_page(0, "Une phrase de plus sur la voirie."), encoding="utf-8")
    return base


# (point, nth call, --full): the instants, in the order a build reaches them
INSTANTS = [
    ("scan", 1, True), ("scan", PAGES // 2, True), ("add", 1, True), ("add", PAGES, True),
    ("commit", 1, True), ("sums", 1, True), ("manifest", 1, True), ("manifest+", 1, True),
    ("fsync", 1, True), ("fsync", 3, True), ("rename", 1, True), ("rename+", 1, True),
    ("cleanup", 1, True), ("finish", 1, True),
    ("scan", PAGES, False), ("update", 2, False), ("commit", 1, False), ("fsync", 2, False),
    ("rename+", 1, False), ("cleanup+", 1, False),
]
PUBLISHED_FROM = ("rename+", "cleanup", "cleanup+", "finish")   # CURRENT was replaced before these


@pytest.mark.parametrize(("point", "nth", "full"), INSTANTS, ids=[f"{p}{n}{'-full' if f else ''}" for p, n, f in INSTANTS])
def test_a_reindex_killed_at_any_instant_leaves_a_working_index(template, tmp_path, point, nth, full):
    shutil.copytree(template, tmp_path / "site")
    settings = load_settings({"content_dir": tmp_path / "site" / "content", "index_dir": tmp_path / "site" / "index"},
                             environ={})
    args = [sys.executable, str(HARNESS), point, str(nth), "--quiet", "--content", str(settings.content_dir),
            "--index", str(settings.index_dir), *(["--full"] if full else [])]
    killed = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, f"not killed at {point} {nth}: {killed.stdout}{killed.stderr}"

    expected = PAGES + 1 if point in PUBLISHED_FROM else PAGES
    searcher = Searcher(settings)
    try:
        assert searcher.health()["pages"] == expected
        assert searcher.search("urbanisme").total == expected
    finally:
        searcher.close()

    report = reindex(settings)   # the lock is free (IndexBusy otherwise), and it finishes the work
    assert report.published or report.reason == "nothing changed"
    searcher = Searcher(settings)
    try:
        assert searcher.health() | {"built_at": ""} == searcher.health() | {
            "built_at": "", "pages": PAGES + 1, "status": "ok", "reason": None}
        assert searcher.search("voirie").total == 1
    finally:
        searcher.close()
    index = settings.index_dir
    assert sorted(p.name for p in index.iterdir()
                  if not generations._NAME.fullmatch(p.name) and p.name != readcache.FILE) == [".lock", "CURRENT"]
    assert len(generations.folders(index)) <= 2
    assert not [p for gen in generations.folders(index) for p in gen.rglob("*.tmp")]
    problem, verdicts = generations.check(index, every=True)
    assert problem == "" and all(not v.problem for v in verdicts), verdicts
    with generations.exclusive(index):
        pass
