"""The real corpus (../shared/corpus): both sites and the broken files, end to end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import shared_missing

from casesearch.config import load_settings
from casesearch.content import Document, load_page
from casesearch.errors import ContentError
from casesearch.generations import current_generation
from casesearch.indexer import reindex
from casesearch.manifest import read_manifest
from casesearch.reader import discover
from casesearch.searcher import Searcher

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

if why := shared_missing(CORPUS):  # a plain clone has no corpus; CI lays shared/ beside the clone and runs these
    pytest.skip(why, allow_module_level=True)


@pytest.mark.parametrize("folder", ["site-eig", "beta.gouv.fr", "bad"])
def test_whole_corpus_reindexes_reporting_every_bad_file(tmp_path, folder):
    # each site as its owner runs it: its own folder, its own _config.yml (bad/ has none)
    settings = load_settings({"content_dir": CORPUS / folder, "index_dir": tmp_path / "index"}, environ={})
    report = reindex(settings)
    assert report.published
    # the same verdicts as loading each file on its own: every good page indexed, every bad one reported
    files, walk_errors = discover(settings)
    expected_ok, expected_bad = set(), {e.source for e in walk_errors}
    for page in files:
        try:
            if isinstance(load_page(page, settings), Document):
                expected_ok.add(page.source)
        except ContentError:
            expected_bad.add(page.source)
    manifest = read_manifest(current_generation(settings.index_dir))
    duplicates = {e.source for e in report.errors if "duplicate URL" in e.message}
    assert set(manifest.pages) == expected_ok - duplicates
    assert {e.source for e in report.errors} == expected_bad | duplicates
    assert len(expected_ok) > {"site-eig": 380, "beta.gouv.fr": 740, "bad": 10}[folder]
    if folder == "bad":
        reported_bad = {e.source for e in report.errors}
        assert len(reported_bad) >= 0.8 * len(files)
    for error in report.errors:
        assert error.source in str(error) and error.message


def test_killed_reindex_leaves_the_previous_index_serving(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CORPUS / "site-eig", content)
    settings = load_settings({"content_dir": content, "index_dir": tmp_path / "index"}, environ={})
    reindex(settings)
    live = current_generation(settings.index_dir)
    env = dict(os.environ, CASESEARCH_CONTENT=str(content), CASESEARCH_INDEX=str(settings.index_dir))
    proc = subprocess.Popen([sys.executable, "-m", "casesearch.cli", "reindex", "--full", "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(p.name != live.name for p in settings.index_dir.glob("gen-*")):
        time.sleep(0.05)
    time.sleep(0.5)  # well into writing the new generation
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_generation(settings.index_dir) == live
    searcher = Searcher(settings)
    try:
        assert searcher.search("logiciel libre").total > 0
    finally:
        searcher.close()
    # the lock died with the process: the next run goes through and cleans up
    report = reindex(settings, full=True)
    assert report.published
    assert sorted(p.name for p in settings.index_dir.glob("gen-*")) == sorted({live.name, report_gen(settings)})


def report_gen(settings) -> str:
    return current_generation(settings.index_dir).name
