"""A reindex does not open a file a stat finds unchanged since it was read (`readcache`),
and never misses a change because of it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from casesearch import indexer, readcache, reader
from casesearch.indexer import reindex
from casesearch.searcher import Searcher

A_PROPOS = "a-propos.md"


class Opened:
    """Which page files a reindex read, and which it opened to look for front matter."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        self.looked: list[str] = []
        read_bytes, starts = indexer.read_bytes, reader._starts_with_front_matter

        def counted_read(page, settings):  # noqa: ANN001, ANN202
            self.read.append(page.source)
            return read_bytes(page, settings)

        def counted_look(path: str) -> bool:
            self.looked.append(Path(path).name)
            return starts(path)

        monkeypatch.setattr(indexer, "read_bytes", counted_read)
        monkeypatch.setattr(reader, "_starts_with_front_matter", counted_look)

    def clear(self) -> None:
        self.read.clear()
        self.looked.clear()


@pytest.fixture
def aged(monkeypatch: pytest.MonkeyPatch):
    """Reindexes that run as if the files had been written long before: their stats are kept."""
    monkeypatch.setattr(readcache, "RACY_NS", -60 * 10**9)


def titles(settings, text: str) -> list[str]:
    searcher = Searcher(settings)
    try:
        return [hit.title for hit in searcher.search(text).hits]
    finally:
        searcher.close()


def rewrite_keeping_size_and_mtime(path: Path, old: bytes, new: bytes) -> None:
    """What `rsync -t`, `cp -p` or a careless tool leave: other bytes, the same size and mtime."""
    assert len(old) == len(new) and old != new
    before = os.stat(path)
    deadline = time.monotonic() + 5
    while True:   # past the file system's clock tick, so that the write gives another ctime
        time.sleep(0.02)
        path.write_bytes(new)
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(path)
        if after.st_ctime_ns != before.st_ctime_ns or time.monotonic() > deadline:
            break
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns


def test_a_reindex_that_changes_nothing_opens_no_page(settings, aged, monkeypatch):
    assert reindex(settings).published
    opened = Opened(monkeypatch)
    report = reindex(settings)
    assert not report.published and report.reason == "nothing changed"
    assert report.indexed == 3
    assert opened.read == [] and opened.looked == []


def test_a_changed_page_is_read_and_only_it(settings, site, aged, monkeypatch):
    assert reindex(settings).published
    opened = Opened(monkeypatch)
    page = site / A_PROPOS
    page.write_text(page.read_text(encoding="utf-8") + "\nLes cartographes du quartier.\n", encoding="utf-8")
    report = reindex(settings)
    assert report.updated == [A_PROPOS] and report.published
    assert opened.read == [A_PROPOS] and opened.looked == [A_PROPOS]
    assert titles(settings, "cartographes")


def test_other_bytes_under_the_same_size_and_mtime_are_read(settings, site, aged, monkeypatch):
    assert reindex(settings).published
    page = site / A_PROPOS
    old = page.read_bytes()
    word = next(w for w in old.split() if len(w) >= 6 and w.isalpha() and w.isascii() and w.islower())
    other = (b"xylofj" * 4)[:len(word)]
    rewrite_keeping_size_and_mtime(page, old, old.replace(word, other, 1))
    opened = Opened(monkeypatch)
    report = reindex(settings)
    assert report.updated == [A_PROPOS] and opened.read == [A_PROPOS]
    assert titles(settings, other.decode())


def test_files_written_just_before_a_reindex_are_read_every_time(settings, monkeypatch):
    """Within RACY_NS of a reindex, a later write could leave the same stat: not trusted."""
    monkeypatch.setattr(readcache, "RACY_NS", 3600 * 10**9)
    assert reindex(settings).published
    opened = Opened(monkeypatch)
    assert reindex(settings).reason == "nothing changed"
    assert len(opened.read) == 3


def test_a_full_build_reads_every_file_whatever_the_cache_says(settings, aged, monkeypatch):
    assert reindex(settings).published
    opened = Opened(monkeypatch)
    assert reindex(settings, full=True).published
    assert len(opened.read) == 3 and len(opened.looked) == 1   # the posts need no look


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "root": "/", "files": {}}',
                                    b'{"format": 1, "files": []}', b"\xff\xfe"])
def test_a_damaged_or_foreign_cache_only_means_reading_the_files(settings, site, aged, monkeypatch, damage):
    assert reindex(settings).published
    (settings.index_dir / readcache.FILE).write_bytes(damage)
    page = site / A_PROPOS
    page.write_text(page.read_text(encoding="utf-8") + "\nLes cartographes du quartier.\n", encoding="utf-8")
    opened = Opened(monkeypatch)
    report = reindex(settings)
    assert report.updated == [A_PROPOS] and len(opened.read) == 3
    assert titles(settings, "cartographes")
    opened.clear()
    assert reindex(settings).reason == "nothing changed" and opened.read == []   # written anew


@pytest.mark.parametrize("entry", [5, None, "x", "", [], [1, 2, 3, 4, "a" * 40, 1], {"size": 1}, "1 2 3 4 " + "a" * 40,
                                   "1 2 3 4 " + "a" * 40 + " 1"])
def test_an_entry_of_another_shape_means_reading_that_file(settings, site, aged, monkeypatch, entry):
    assert reindex(settings).published
    cache = settings.index_dir / readcache.FILE
    kept = json.loads(cache.read_text(encoding="utf-8"))
    assert sorted(kept["files"]) == sorted(str(p.relative_to(site)) for p in site.rglob("*.md"))
    seen = kept["files"][A_PROPOS]
    assert seen.split()[:4] == [str(n) for n in readcache.seen(os.stat(site / A_PROPOS))]
    kept["files"][A_PROPOS] = entry
    cache.write_text(json.dumps(kept), encoding="utf-8")
    opened = Opened(monkeypatch)
    assert reindex(settings).reason == "nothing changed"
    assert opened.read == [A_PROPOS] and opened.looked == [A_PROPOS]


def test_a_cache_that_cannot_be_written_does_not_fail_the_reindex(settings, site, aged, monkeypatch):
    (settings.index_dir / readcache.FILE).mkdir(parents=True)   # a folder in its place
    assert reindex(settings).published
    opened = Opened(monkeypatch)
    assert reindex(settings).reason == "nothing changed" and len(opened.read) == 3
    assert not (settings.index_dir / (readcache.FILE + ".tmp")).exists()


def test_a_killed_reindex_s_temporary_cache_is_removed(settings, aged):
    assert reindex(settings).published
    leftover = settings.index_dir / (readcache.FILE + ".tmp")
    leftover.write_text("{", encoding="utf-8")
    reindex(settings)
    assert not leftover.exists()


def test_a_page_that_fails_is_read_again_and_its_error_reported_every_time(settings, site, aged, monkeypatch):
    assert reindex(settings).published
    (site / A_PROPOS).write_text("---\ntitle: [broken\n---\nTexte.\n", encoding="utf-8")
    for _ in range(2):
        opened = Opened(monkeypatch)
        report = reindex(settings)
        assert [e.source for e in report.errors] == [A_PROPOS] and A_PROPOS in opened.read
        monkeypatch.undo()
        monkeypatch.setattr(readcache, "RACY_NS", -60 * 10**9)
