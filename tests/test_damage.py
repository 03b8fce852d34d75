"""Damage matrix: each way an index folder gets damaged on disk, applied to an index of two
generations, against a searcher that was serving (and a real gunicorn) and again after a
restart: no failed query (the newest generation that verifies answers), health says why,
`casesearch check` exits 1 naming what is damaged, and the next plain `reindex` repairs
it: exit 0, `check` passes, every page is found again."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_service_live import (
    CASESEARCH,
    NO_CONTROL_SOCKET,
    ROOT,
    free_port,
    get,
    server_env,
    stop,
    wait_ready,
)

from casesearch import searcher as searcher_module
from casesearch.cli import main
from casesearch.config import load_settings
from casesearch.generations import current_generation, folders
from casesearch.indexer import reindex
from casesearch.manifest import MANIFEST, read_manifest
from casesearch.searcher import RECHECK_SECONDS, Searcher

# one made-up word per page: found by that page only, whatever the analysis does to it
WORDS = ["quokkarium", "zebulonite", "pangolinade", "ornithorynque", "axolotlerie"]


def _page(n: int) -> str:
    return f"---\ntitle: Page {n}\n---\nCette page parle de {WORDS[n]} et de rien d'autre.\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """content/ and index/ with two generations: gen-000001 holds pages 0-3, gen-000002 (an
    incremental build, the live one) adds page 4."""
    base = tmp_path_factory.mktemp("damage")
    content = base / "content"
    content.mkdir()
    for n in range(4):
        (content / f"page-{n}.md").write_text(_page(n), encoding="utf-8")
    settings = load_settings({"content_dir": content, "index_dir": base / "index"}, environ={})
    assert reindex(settings).generation == 1
    (content / "page-4.md").write_text(_page(4), encoding="utf-8")
    report = reindex(settings)
    assert report.generation == 2 and not report.full
    return base


@pytest.fixture
def site(template, tmp_path):
    """A fresh copy of the template: its settings."""
    shutil.copytree(template, tmp_path / "site")
    return load_settings({"content_dir": tmp_path / "site" / "content", "index_dir": tmp_path / "site" / "index"},
                         environ={})


def _segments(gen: Path) -> list[Path]:
    return sorted(gen.glob("*.seg"), key=lambda p: p.stat().st_size)


def _newest_segment(index: Path) -> Path:
    """The segment the last build wrote (the others are copies of the previous generation's)."""
    live, previous = folders(index)[:2]
    return next(p for p in _segments(live) if not (previous / p.name).exists())


def _truncate(path: Path, size: int) -> str:
    with open(path, "r+b") as handle:
        handle.truncate(size)
    return path.name


def _garbage_inside(path: Path) -> str:
    size = path.stat().st_size
    start, length = size // 4, min(64 * 1024, size // 2)
    with open(path, "r+b") as handle:
        handle.seek(start)
        handle.write(bytes((i * 151 + 7) % 256 for i in range(length)))
    assert path.stat().st_size == size
    return path.name


def _current_unreadable(index: Path) -> str:
    (index / "CURRENT").unlink()
    (index / "CURRENT").mkdir()   # reading it fails (root reads files whatever their mode)
    return "CURRENT"


# name -> damage(index folder) -> what `check` and health must name
DAMAGES: dict[str, Callable[[Path], str]] = {
    "newest segment truncated to 0": lambda ix: _truncate(_newest_segment(ix), 0),
    "segment cut in half": lambda ix: _truncate(_segments(folders(ix)[0])[-1], _segments(folders(ix)[0])[-1].stat().st_size // 2),
    "64 KB of garbage inside a segment": lambda ix: _garbage_inside(_segments(folders(ix)[0])[-1]),
    "table of contents deleted": lambda ix: [p.unlink() for p in folders(ix)[0].glob("_MAIN_*.toc")] and "_MAIN_",
    "manifest of the live generation is garbage": lambda ix: (folders(ix)[0] / MANIFEST).write_bytes(b"\x00\xff{") and MANIFEST,
    "CURRENT deleted": lambda ix: (ix / "CURRENT").unlink() or "CURRENT",
    "CURRENT unreadable": _current_unreadable,
    "CURRENT holds binary garbage": lambda ix: (ix / "CURRENT").write_bytes(bytes(range(256)) * 4) and "CURRENT",
}
CURRENT_ONLY = {name for name in DAMAGES if name.startswith("CURRENT")}


def _found(searcher: Searcher, words: list[str]) -> list[str]:
    """The words whose page is not the first hit (empty when every page is found)."""
    missing = []
    for n, word in ((WORDS.index(w), w) for w in words):
        hits = searcher.search(word, prefix=False).hits
        if not hits or hits[0].source != f"page-{n}.md":
            missing.append(word)
    return missing


def _cli(settings, *args: str):
    result = CliRunner().invoke(main, [*args, "--content", str(settings.content_dir), "--index",
                                       str(settings.index_dir)], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_index_keeps_answering_says_why_and_the_next_reindex_repairs_it(site, damage):
    running = Searcher(site)
    assert _found(running, WORDS) == []
    named = DAMAGES[damage](site.index_dir)
    time.sleep(2 * RECHECK_SECONDS)
    # every page the served generation holds is found: the live one when only CURRENT is
    # damaged (it holds all five), else the one before it (the first four)
    served = WORDS if damage in CURRENT_ONLY else WORDS[:4]
    restarted = Searcher(site)
    try:
        for searcher in (running, restarted):
            assert _found(searcher, served) == []
            health = searcher.health()
            assert health["status"] == "degraded" and named in health["reason"], health
        code, out = _cli(site, "check")
        assert code == 1 and named in out and "casesearch reindex" in out, out
        code, out = _cli(site, "reindex")
        assert code == 0, out
        assert "repairing the index" in out
        code, out = _cli(site, "check", "--all")
        assert code == 0, out
        running.refresh()
        again = Searcher(site)
        try:
            for searcher in (running, again):
                assert _found(searcher, WORDS) == []
                assert searcher.health()["status"] == "ok"
        finally:
            again.close()
    finally:
        running.close()
        restarted.close()


def test_numbers_only_grow_so_a_lost_current_never_brings_an_old_name_back(site):
    (site.index_dir / "CURRENT").unlink()
    assert reindex(site).generation == 3
    assert current_generation(site.index_dir).name == "gen-000003"


def test_generations_share_no_file(site):
    live, previous = folders(site.index_dir)[:2]
    shared = [p.name for p in live.iterdir() if (previous / p.name).exists() and p.name != MANIFEST
              and (previous / p.name).stat().st_ino == p.stat().st_ino]
    assert shared == []
    assert set(read_manifest(live).files) >= {p.name for p in _segments(live)}


def test_check_reads_checksums_not_only_sizes(site):
    assert _cli(site, "check")[0] == 0
    _garbage_inside(_segments(folders(site.index_dir)[0])[-1])
    code, out = _cli(site, "check")
    assert code == 1 and "checksum differs" in out


def test_a_query_that_fails_on_a_damaged_generation_is_answered_from_the_one_before(site, monkeypatch):
    """A read error during a query (what a damaged file gives when its stat looks the same):
    the searcher verifies its generation, falls back, and answers the same query."""
    searcher = Searcher(site)
    try:
        assert _found(searcher, WORDS[4:]) == []   # the others are not read yet (no cache holds them)
        live = searcher.snapshot()
        seg = _segments(site.index_dir / live.name)[-1]
        stat = seg.stat()
        _garbage_inside(seg)
        os.utime(seg, ns=(stat.st_atime_ns, stat.st_mtime_ns))   # the stat no longer tells
        monkeypatch.setattr("casesearch.searcher.signature", lambda gen, manifest: searcher._signature)
        real_rank = searcher_module.rank

        def rank(snap, *args, **kwargs):   # what reading the damaged bytes gives
            if snap is live:
                raise OSError("read error")
            return real_rank(snap, *args, **kwargs)

        monkeypatch.setattr(searcher_module, "rank", rank)
        assert _found(searcher, WORDS[:4]) == []
        assert searcher.snapshot().name == "gen-000001"
        assert searcher.health()["status"] == "degraded"
    finally:
        searcher.close()


@pytest.mark.parametrize("how", ["cut short", "garbage inside"])
def test_a_page_record_damaged_under_a_running_searcher_is_answered_from_the_one_before(site, monkeypatch, how):
    """Page records are read when a hit shows the page (pages.store, by pread): one cut
    short or garbled after the generation verified is found when read, and the query is
    answered from the generation before; never a SIGBUS, as a mapped file would give."""
    searcher = Searcher(site)
    try:
        live = searcher.snapshot()
        store = site.index_dir / live.name / "pages.store"
        stat = store.stat()
        if how == "cut short":
            _truncate(store, stat.st_size // 2)
        else:
            with open(store, "r+b") as handle:
                handle.write(b"\x00" * stat.st_size)
        monkeypatch.setattr("casesearch.searcher.signature", lambda gen, manifest: searcher._signature)
        assert _found(searcher, WORDS[:4]) == []
        assert searcher.snapshot().name == "gen-000001"
        assert "pages.store" in searcher.health()["reason"]
    finally:
        searcher.close()


def test_a_query_error_on_a_sound_generation_is_not_hidden(site, monkeypatch):
    searcher = Searcher(site)
    try:
        live = searcher.snapshot()

        def rank(*args, **kwargs):
            raise RuntimeError("a bug, not damage")

        monkeypatch.setattr(searcher_module, "rank", rank)
        with pytest.raises(RuntimeError, match="a bug"):
            searcher.search(WORDS[0])
        assert searcher.snapshot() is live
    finally:
        searcher.close()


def test_when_no_generation_verifies_the_cli_says_what_to_do(site):
    for gen in folders(site.index_dir):
        _truncate(_segments(gen)[-1], 0)
    result = subprocess.run([str(Path(sys.executable).with_name("casesearch")), "search", WORDS[0],
                             "--content", str(site.content_dir), "--index", str(site.index_dir)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no generation of the index can be served" in result.stderr and "casesearch reindex" in result.stderr
    assert reindex(site).published
    assert _found(Searcher(site), WORDS) == []


# -- the same against a real gunicorn, 2 workers ---------------------------------------

def _gunicorn(settings, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    with open(log, "a") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--timeout", "30",
                                 "--bind", f"127.0.0.1:{port}", *NO_CONTROL_SOCKET, "wsgi:app"],
                                cwd=ROOT, env=server_env(settings), stdout=out, stderr=subprocess.STDOUT)
    wait_ready(proc, port, log)
    return proc, port


def _answers(port: int, words: list[str], rounds: int = 3) -> list[str]:
    """Failures among `rounds` searches of each word (both workers get some): any status but
    200, or the word's page not first."""
    failures = []
    for _ in range(rounds):
        for word in words:
            try:
                status, body = get(port, f"/api/search?q={word}")
            except (OSError, ValueError) as exc:
                failures.append(f"{word}: {exc!r}")
                continue
            if status != 200 or not body["hits"] or body["hits"][0]["source"] != f"page-{WORDS.index(word)}.md":
                failures.append(f"{word}: {status} {str(body)[:200]}")
    return failures


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_running_service_and_a_restarted_one_survive_the_damage(site, damage, tmp_path):
    log = tmp_path / "gunicorn.log"
    proc, port = _gunicorn(site, log)
    try:
        assert _answers(port, WORDS, 1) == []
        named = DAMAGES[damage](site.index_dir)
        time.sleep(0.5)   # the workers' watchers look every RECHECK_SECONDS
        served = WORDS if damage in CURRENT_ONLY else WORDS[:4]
        for round_ in ("running", "restarted"):
            assert _answers(port, served) == [], f"{round_}:\n{log.read_text()[-3000:]}"
            for _ in range(4):
                status, health = get(port, "/api/health")
                assert status == 200 and health["status"] == "degraded" and named in health["reason"], health
            if round_ == "running":
                stop(proc)
                proc, port = _gunicorn(site, log)
        done = subprocess.run([str(CASESEARCH), "reindex", "--content", str(site.content_dir), "--index",
                               str(site.index_dir)], capture_output=True, text=True, timeout=60, env=server_env(site))
        assert done.returncode == 0, done.stdout + done.stderr
        time.sleep(0.5)
        assert _answers(port, WORDS) == []
        assert all(get(port, "/api/health")[1]["status"] == "ok" for _ in range(4))
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text()


def test_a_generation_its_build_stamped_opens_without_its_bytes_read_again_until_a_file_is_written(
        tmp_path, monkeypatch):
    """The build that summed a generation's files stamps what a stat sees of them: a process
    opening it reads sizes and times, not every byte (0.4 s at 50,000 pages); a file written
    to since (its mtime set back: its ctime still tells) is read and found damaged."""
    from casesearch import manifest as manifest_module
    from casesearch.errors import IndexMissing
    content = tmp_path / "content"
    content.mkdir()
    (content / "page-0.md").write_text(_page(0), encoding="utf-8")
    settings = load_settings({"content_dir": content, "index_dir": tmp_path / "index"}, environ={})
    reindex(settings)
    read: list[str] = []
    real = manifest_module._sha256
    monkeypatch.setattr(manifest_module, "_sha256", lambda path: read.append(path.name) or real(path))
    searcher = Searcher(settings)
    assert _found(searcher, WORDS[:1]) == [] and read == []
    searcher.close()
    seg = _segments(current_generation(settings.index_dir))[-1]
    stat = seg.stat()
    _garbage_inside(seg)
    os.utime(seg, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(IndexMissing, match="checksum differs"):
        Searcher(settings).snapshot()
    assert seg.name in read
    assert _cli(settings, "check")[0] == 1


@pytest.mark.parametrize("data", [zlib.compress(b"\x00not marshal"), zlib.compress(marshal.dumps([1, 2]))[:-3],
                                  zlib.compress(marshal.dumps(["a list, not a record"])), b""])
def test_a_record_that_does_not_read_is_damage_named_with_its_file(tmp_path, data):
    """A record whose bytes do not read back (not a zlib stream, not marshal's format, not
    a record's dict, cut inside) is IndexDamaged naming the file and the record: never
    another exception, which the searcher would take for a bug rather than damage."""
    from array import array

    from casesearch.errors import IndexDamaged
    from casesearch.pagestore import Store, encode

    good = encode({"url": "/a/"})
    (tmp_path / "pages.store").write_bytes(good + data)
    store = Store(tmp_path, array("Q", [0, len(good), len(good) + len(data)]), ["a.md", "b.md"])
    try:
        with pytest.raises(IndexDamaged, match=r"pages.store'?: record 1 does not read.*casesearch reindex"):
            store.page(1)
    finally:
        store.close()
