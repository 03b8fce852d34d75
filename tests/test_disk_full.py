"""A build that cannot write (a full disk): a clear error naming the folder and the space
needed, the partial generation removed, the live one untouched and still served, exit 1."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PAGES, write_pages

from casesearch import indexer
from casesearch.cli import main
from casesearch.config import load_settings
from casesearch.errors import IndexWriteError
from casesearch.generations import check, current_generation, folders
from casesearch.indexer import reindex
from casesearch.searcher import Searcher


def _full_disk_after_some_bytes(monkeypatch) -> None:
    real = indexer._write_generation

    def write(plan, gen_dir: Path):
        real(plan, gen_dir)   # the whole generation is written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(gen_dir / "_MAIN_2.toc"))

    monkeypatch.setattr(indexer, "_write_generation", write)


def test_a_write_error_removes_the_partial_generation_and_says_what_space_it_needs(built, site, monkeypatch):
    live = current_generation(built.index_dir)
    (site / "neuf.md").write_text("---\ntitle: Page neuve\n---\nhorticulture\n", encoding="utf-8")
    _full_disk_after_some_bytes(monkeypatch)
    with pytest.raises(IndexWriteError) as caught:
        reindex(built, full=True)
    message = str(caught.value)
    assert "gen-000002" in message and "No space left on device" in message
    assert " MB on " in message and "MB free now" in message and "live index is untouched" in message
    assert folders(built.index_dir) == [live] and current_generation(built.index_dir) == live
    assert not (built.index_dir / "CURRENT.tmp").exists()
    assert Searcher(built).search("logiciel").total == 1
    monkeypatch.undo()
    assert reindex(built).generation == 2   # the removed folder left nothing behind, not even its number
    assert Searcher(built).search("horticulture").total == 1


def test_the_cli_says_it_in_one_message_and_exits_1(built, site, monkeypatch, runner):
    _full_disk_after_some_bytes(monkeypatch)
    result = runner.invoke(main, ["reindex", "--full", "--content", str(site), "--index", str(built.index_dir)])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert result.output.startswith("Error: cannot write the new index generation") and "Traceback" not in result.output


# -- a real full file system --------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root, where mounting is allowed; CI runs as root on a fresh machine)."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)],
                             capture_output=True, text=True) if shutil.which("mount") else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip() if mounted else 'no mount command'}); "
                    "the simulated full disk above still runs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_real_full_disk(small_disk, tmp_path):
    content = tmp_path / "content"
    write_pages(content, PAGES)
    settings = load_settings({"content_dir": content, "index_dir": small_disk / "index"}, environ={})
    assert reindex(settings).published
    live = current_generation(settings.index_dir)
    free = shutil.disk_usage(small_disk).free
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (free - 4096))   # a page of room left: the next build cannot fit
    (content / "neuf.md").write_text("---\ntitle: Page neuve\n---\nhorticulture\n", encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("casesearch")), "reindex", "--full", "--content",
                           str(content), "--index", str(settings.index_dir)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "cannot write the new index generation" in done.stderr
    assert str(small_disk / "index") in done.stderr and "MB free now" in done.stderr
    assert folders(settings.index_dir) == [live] and current_generation(settings.index_dir) == live
    problem, verdicts = check(settings.index_dir)
    assert problem == "" and not verdicts[0].problem
    assert Searcher(settings).search("logiciel").total == 1
    filler.unlink()
    assert CliRunner().invoke(main, ["reindex", "--content", str(content), "--index",
                                     str(settings.index_dir)]).exit_code == 0
    assert Searcher(settings).search("horticulture").total == 1
