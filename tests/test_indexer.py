"""Full and incremental builds, atomic publishing, bad pages, safety check, locking."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from casesearch import generations, schema
from casesearch.errors import IndexBusy, IndexOutdated, SafetyCheckFailed
from casesearch.generations import current_generation
from casesearch.indexer import reindex
from casesearch.manifest import write_manifest
from casesearch.searcher import RECHECK_SECONDS, Searcher
from casesearch.survey import survey as survey_site


def titles(settings, q):
    s = Searcher(settings)
    try:
        return [h.title for h in s.search(q).hits]
    finally:
        s.close()


def test_full_build_indexes_every_page(built):
    gen = current_generation(built.index_dir)
    manifest = generations.read_manifest(gen)
    assert sorted(manifest.pages) == ["_posts/2020-03-02-donnees-de-sante.md",
                                         "_posts/2021-06-10-logiciel-libre.md", "a-propos.md"]
    assert "Le logiciel libre dans l'administration" in titles(built, "logiciel libre")


def test_second_run_with_nothing_changed_publishes_nothing(built):
    before = current_generation(built.index_dir)
    report = reindex(built)
    assert not report.published
    assert report.summary() == "indexed 3 pages: 0 added, 0 updated, 0 removed, 0 skipped"
    assert current_generation(built.index_dir) == before


def test_changed_added_and_removed_pages_are_applied_incrementally(built, site):
    (site / "a-propos.md").write_text("---\ntitle: Qui sommes-nous\n---\nUne équipe de cartographes.\n",
                                      encoding="utf-8")
    (site / "_posts/2021-06-10-logiciel-libre.md").unlink()
    (site / "_posts/2022-01-01-velo.md").write_text(
        "---\ntitle: Le vélo en ville\n---\nDes pistes cyclables sûres.\n", encoding="utf-8")
    report = reindex(built)
    assert (report.added, report.updated, report.removed) == (
        ["_posts/2022-01-01-velo.md"], ["a-propos.md"], ["_posts/2021-06-10-logiciel-libre.md"])
    assert not report.full and report.published
    assert titles(built, "cartographes") == ["Qui sommes-nous"]
    assert titles(built, "logiciel") == []
    assert titles(built, "cyclables") == ["Le vélo en ville"]


def test_full_flag_rebuilds_everything(built):
    report = reindex(built, full=True)
    assert report.full and report.published
    assert len(report.added) + len(report.updated) == 3


def test_broken_edit_keeps_last_good_version_as_stale(built, site):
    page = site / "_posts/2021-06-10-logiciel-libre.md"
    page.write_text("---\ntitle: [oops\n---\ntexte\n", encoding="utf-8")
    report = reindex(built)
    assert [e.source for e in report.errors] == ["_posts/2021-06-10-logiciel-libre.md"]
    assert report.stale == ["_posts/2021-06-10-logiciel-libre.md"]
    assert "kept from the last good build" in report.summary()
    assert titles(built, "logiciel libre") == ["Le logiciel libre dans l'administration"]
    # and a full rebuild still keeps it
    report = reindex(built, full=True)
    assert report.stale == ["_posts/2021-06-10-logiciel-libre.md"]
    assert titles(built, "logiciel libre") == ["Le logiciel libre dans l'administration"]


def test_new_broken_page_is_reported_and_others_indexed(built, site):
    (site / "casse.md").write_text("---\ntitle: x\ndate: 2019-02-30\n---\ntexte\n", encoding="utf-8")
    (site / "neuf.md").write_text("---\ntitle: Page neuve\n---\nhorticulture\n", encoding="utf-8")
    report = reindex(built)
    assert [e.source for e in report.errors] == ["casse.md"]
    assert "casse.md" in str(report.errors[0])
    assert report.added == ["neuf.md"]
    assert titles(built, "horticulture") == ["Page neuve"]


def test_strict_publishes_nothing_when_a_page_fails(built, site):
    before = current_generation(built.index_dir)
    (site / "neuf.md").write_text("---\ntitle: Page neuve\n---\nhorticulture\n", encoding="utf-8")
    (site / "casse.md").write_text("---\ntitle: x\n", encoding="utf-8")
    report = reindex(built, strict=True)
    assert report.errors and not report.published
    assert current_generation(built.index_dir) == before
    assert titles(built, "horticulture") == []


def test_safety_check_refuses_to_lose_most_pages(built, site):
    for page in site.rglob("*.md"):
        if page.name != "a-propos.md":
            page.unlink()
    with pytest.raises(SafetyCheckFailed, match="--force"):
        reindex(built)
    assert titles(built, "logiciel") != []
    report = reindex(built, force=True)
    assert report.published and report.indexed == 1


def test_second_reindex_at_once_is_refused(built):
    with open(built.index_dir / generations.LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(IndexBusy, match="another reindex"):
            reindex(built)


def test_reindex_wait_waits_for_the_running_one_and_loses_no_edit(built, site):
    """A publish hook's `reindex --wait`: the edit made while another reindex runs is published."""
    cli = [str(Path(sys.executable).with_name("casesearch")), "reindex", "--content", str(site),
           "--index", str(built.index_dir)]
    (site / "neuf.md").write_text("---\ntitle: Page neuve\n---\nhorticulture\n", encoding="utf-8")
    with open(built.index_dir / generations.LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = subprocess.run(cli, capture_output=True, text=True, timeout=60)
        assert busy.returncode == 4 and "--wait" in busy.stderr
        waiting = subprocess.Popen([*cli, "--wait", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert waiting.poll() is None   # still waiting for the lock
        fcntl.flock(handle, fcntl.LOCK_UN)
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "1 added" in out, out + err
    assert titles(built, "horticulture") == ["Page neuve"]
    with open(built.index_dir / generations.LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        gave_up = subprocess.run([*cli, "--wait", "0.5"], capture_output=True, text=True, timeout=60)
    assert gave_up.returncode == 4 and "waited 0.5 s" in gave_up.stderr


def test_killed_build_leaves_live_index_serving(built, site):
    live = current_generation(built.index_dir)
    # a run killed mid-build leaves an unpublished generation folder behind
    half = built.index_dir / "gen-000002"
    half.mkdir()
    (half / "_MAIN_1.toc").write_bytes(b"garbage")
    assert current_generation(built.index_dir) == live
    assert titles(built, "logiciel")
    (site / "neuf.md").write_text("---\ntitle: Page neuve\n---\nhorticulture\n", encoding="utf-8")
    report = reindex(built)
    # numbers only grow: the leftover's number is not used again, and the leftover is gone
    assert report.published and report.generation == 3
    assert not half.exists()
    assert titles(built, "horticulture") == ["Page neuve"]


def test_open_reader_keeps_answering_while_a_new_generation_is_published(built, site):
    searcher = Searcher(built)
    try:
        assert searcher.search("logiciel").total == 1
        snap = searcher.snapshot()
        (site / "_posts/2021-06-10-logiciel-libre.md").unlink()
        reindex(built, force=True)
        # the old snapshot still answers; the searcher switches within RECHECK_SECONDS
        assert snap.pages() == 3 and snap.postings.weights("body", "licenc")
        time.sleep(RECHECK_SECONDS)
        assert searcher.search("logiciel").total == 0
    finally:
        searcher.close()


def test_format_change_triggers_full_rebuild(built, monkeypatch):
    monkeypatch.setattr(generations, "FORMAT", generations.FORMAT + "-next")
    report = reindex(built)
    assert report.full and report.published
    assert "full rebuild" in report.reason


def _built_with_format(built, fmt: str) -> None:
    """The live generation as another version of casesearch would have left it."""
    gen = current_generation(built.index_dir)
    manifest = generations.read_manifest(gen)
    write_manifest(gen, dataclasses.replace(manifest, format=fmt))


def test_an_index_of_another_format_is_not_served_and_says_to_reindex(built):
    _built_with_format(built, "s1-a1")
    searcher = Searcher(built)
    with pytest.raises(IndexOutdated, match=r"format s1-a1.*run `casesearch reindex`"):
        searcher.search("logiciel")
    searcher.close()
    assert "format s1-a1" in generations.outdated(built.index_dir)
    assert reindex(built).full   # and reindex rebuilds it whole
    assert generations.outdated(built.index_dir) == ""
    assert titles(built, "logiciel libre")


def test_a_serving_searcher_keeps_its_generation_when_a_newer_format_is_published(built, site, caplog):
    searcher = Searcher(built)
    live = searcher.refresh()
    (site / "a-propos.md").write_text("---\ntitle: Zythologie\n---\nLa zythologie.\n", encoding="utf-8")
    reindex(built)
    _built_with_format(built, generations.FORMAT + "-next")
    assert searcher.refresh() == live
    assert searcher.search("logiciel").total == 1 and searcher.search("zythologie").total == 0
    assert any("this casesearch reads" in r.getMessage() for r in caplog.records)
    searcher.close()


def test_stored_pages_read_back_as_they_were_written(built):
    survey = survey_site(built)
    written = {doc.source: schema.StoredPage.of(doc) for doc in survey.documents}
    from casesearch import pagestore, pagetable

    gen = current_generation(built.index_dir)
    table = pagetable.read(gen)
    store = pagestore.Store(gen, table.offsets, table.sources())
    stored = [store.page(d).to_json() for d, source in enumerate(table.sources()) if source is not None]
    store.close()
    ix = whoosh_index.open_dir(str(gen))
    with ix.searcher() as s:   # whoosh keeps no copy of the records: the page store is their one place
        assert {tuple(fields) for fields in s.all_stored_fields()} == {("source",)}
    ix.close()
    assert len(stored) == len(written) == 3
    for data in stored:
        page = schema.StoredPage.from_json(data)
        assert page == written[page.source] and page.to_json() == data
        assert page.document() == next(d for d in survey.documents if d.source == page.source)
    sante = written["_posts/2020-03-02-donnees-de-sante.md"]
    assert sante.body_words == 21 and [s.anchor for s in sante.sections] == ["", "contexte", "rsultats"]   # kramdown drops é
    assert sante.folded.startswith("les donnees de sante au service des patients\n")


def test_duplicate_url_is_an_error_naming_both_files(built, site):
    (site / "copie.md").write_text("---\ntitle: Copie\npermalink: /a-propos.html\n---\ntexte\n",
                                   encoding="utf-8")
    report = reindex(built)
    messages = [str(e) for e in report.errors]
    assert len(messages) == 1 and "duplicate URL" in messages[0]
    assert "a-propos.md" in messages[0] or "copie.md" in messages[0]


def test_manifest_records_generation_and_hashes(built):
    manifest = json.loads((current_generation(built.index_dir) / "manifest.json").read_text())
    assert manifest["generation"] == 1
    assert all(len(p["hash"]) == 40 for p in manifest["pages"].values())
    assert not os.path.exists(built.index_dir / "CURRENT.tmp")
    read = generations.read_manifest(current_generation(built.index_dir))
    assert read.to_json() == manifest and read.pages["a-propos.md"].url == "/a-propos.html"


@pytest.mark.parametrize("text", ["{not json", '{"format": "s7-a1"}', "[1, 2]", '{"pages": 3}'])
def test_unreadable_manifest_triggers_a_full_rebuild(built, text):
    (current_generation(built.index_dir) / "manifest.json").write_text(text, encoding="utf-8")

    report = reindex(built)
    assert report.full and report.published and report.indexed == 3
    assert titles(built, "logiciel libre") == ["Le logiciel libre dans l'administration"]


def test_searcher_keeps_serving_when_a_new_generation_cannot_be_opened(built, site):
    searcher = Searcher(built)
    try:
        assert searcher.search("logiciel").total == 1
        (built.index_dir / "gen-000099").mkdir()          # a broken generation...
        (built.index_dir / "CURRENT").write_text("gen-000099\n")   # ...published by mistake
        time.sleep(RECHECK_SECONDS)
        assert searcher.search("logiciel").total == 1      # the last good one still answers
    finally:
        searcher.close()


def test_publishing_removes_old_generations_but_nothing_else_in_the_index_folder(built, site):
    mine = built.index_dir / "gen-old"          # a folder someone put there, not a generation
    mine.mkdir()
    (built.index_dir / "notes.txt").write_text("à garder")
    for n in range(3):
        (site / f"p{n}.md").write_text(f"---\ntitle: Page {n}\n---\nTexte {n}.\n", encoding="utf-8")
        assert reindex(built).published
    generations = sorted(p.name for p in built.index_dir.glob("gen-0*"))
    assert generations == ["gen-000003", "gen-000004"]       # the live one and the one before
    assert mine.is_dir() and (built.index_dir / "notes.txt").is_file()


def test_changing_the_heading_id_style_rebuilds_every_page(built):
    from casesearch.config import replace

    report = reindex(replace(built, heading_ids="gfm"))
    assert report.full and report.reason == "index format or settings changed: full rebuild"


@pytest.mark.parametrize("text", ["L’emploi des données publiques, l'e-mail et la DocumentIA : agent·e·s 2020.\n\n"
                                  "Les données, les DONNÉES et l'emploi encore : données.",
                                  "\u2063en\u2063", "", "le la les"])
def test_the_writer_gives_each_field_the_postings_whoosh_would(text):
    """segments.Writer reads the chains' term positions instead of whoosh's token stream,
    into its posting file instead of whoosh's: the same terms, frequencies, weights,
    positions and field length as whoosh's own indexing of every scored field."""
    import io

    from whoosh import formats

    from casesearch import analysis, postlists, segments

    built = schema.build_schema()
    kinds = {name: segments._kind(built[name]) for name in schema.SCORED_FIELDS}
    assert kinds["body"] == postlists.POSITIONS and kinds["words"] == postlists.PRESENCE
    for value in (text, analysis.lang_prefix("en") + text):
        for name, kind in kinds.items():
            field = built[name]
            pool = postlists.Pool(kinds, 64)
            length = pool.add(0, name, segments.field_terms(kind, field.analyzer.chain, value))
            out = io.BytesIO()
            pool.write(out, 1)
            data = out.getvalue()

            class _Storage:
                def file_exists(self, _: str) -> bool:
                    return True

                def file_length(self, _: str) -> int:
                    return len(data)

                def open_file(self, _: str):  # noqa: ANN202
                    return type("F", (), {"get": lambda self, at, n: data[at:at + n]})()

            posting_file = postlists.PostingFile.open(_Storage(), "MAIN_x")
            whooshs = list(field.index(value))
            assert sorted(posting_file.terms(name)) == sorted(t for t, *_ in whooshs), name
            assert length == sum(freq for _, freq, _, _ in whooshs), name
            for term, freq, weight, encoded in whooshs:
                docs, weights = posting_file.find(name, term)
                assert docs.tolist() == [0] and weights.tolist() == [weight], (name, term)
                if isinstance(field.format, formats.Positions):
                    positions = field.format.decoder("positions")(encoded)
                    assert posting_file.positions(name, term, [0]) == {0: tuple(positions)}, (name, term)


def _table_from_stored(gen: Path, store):  # noqa: ANN001 - the generation's page store
    """The page table worked out the slow way, from every stored page of the generation
    (each whoosh document's source read from whoosh, its record from the page store)."""
    from casesearch import pagetable, segments

    with segments.reader(gen) as reader:
        rows = [None] * reader.doc_count_all()
        for docnum, fields in reader.iter_docs():
            page = store.page(docnum)
            assert page.source == fields["source"]   # the store's record of that document
            rows[docnum] = pagetable.row(page)
        table = pagetable.from_index(reader, {r.source: r for r in rows if r is not None})
    assert table.rows == rows   # the source postings give each page its stored document number
    return table


def test_the_page_table_written_by_each_build_is_the_index_s_own(settings, site):
    """Full, incremental (add, change, delete, a failing page kept stale, link texts
    changed) and a build on a base generation that lost its table (rebuilt in full): the
    table the build wrote is, document number by document number, what the stored pages
    give."""
    from casesearch import pagetable

    def check() -> None:
        from casesearch import pagestore, segments

        gen = current_generation(settings.index_dir)
        written = pagetable.read(gen)
        store = pagestore.Store(gen, written.offsets, written.sources())
        assert dataclasses.replace(written, offsets=None, arrays=None) == _table_from_stored(gen, store)
        assert written.arrays == pagetable.Arrays.of(written.rows)   # the per-page arrays, of the same rows
        assert sum(r is not None for r in written.rows) == reindex(settings).indexed
        survey = {doc.source: doc for doc in survey_site(settings).documents}
        with segments.reader(gen) as reader:
            for docnum, fields in reader.iter_docs():   # each page's record as the site has it now
                page = store.page(docnum)
                if page.source in survey:
                    now = dataclasses.replace(survey[page.source], anchors=page.anchors)
                    assert page.to_json() == schema.StoredPage.of(now).to_json()
        store.close()

    reindex(settings, full=True)
    check()
    pages = sorted(p for p in site.rglob("*.md"))
    pages[0].write_text(pages[0].read_text(encoding="utf-8") + "\n\nUn mot nouveau : quetzalcoatlite.\n",
                        encoding="utf-8")
    (site / "nouvelle.md").write_text("---\ntitle: Nouvelle page\n---\nElle parle de [la première](/) "
                                      "et de quetzalcoatlite.\n", encoding="utf-8")
    pages[1].unlink()
    pages[2].write_text("---\ntitle: [cassé\n---\ntexte\n", encoding="utf-8")   # fails: kept stale
    assert reindex(settings).published
    check()
    generations_dir = current_generation(settings.index_dir)   # a generation that lost its table and store
    manifest = json.loads((generations_dir / "manifest.json").read_text())
    for name in (pagetable.FILE, "pages.store"):
        (generations_dir / name).unlink()
        manifest["files"].pop(name)
    (generations_dir / "manifest.json").write_text(json.dumps(manifest))
    (site / "encore.md").write_text("---\ntitle: Encore une\n---\nTexte.\n", encoding="utf-8")
    report = reindex(settings)
    assert report.published and report.full
    check()


def test_a_generation_without_its_page_table_is_damage_and_a_reindex_rebuilds_it(built):
    """The page table and store hold what a result shows (whoosh keeps no copy): a
    generation without them cannot be served, and says so; the next reindex rebuilds it."""
    from casesearch import pagetable
    from casesearch.errors import IndexDamaged
    from casesearch.snapshot import Snapshot

    gen = current_generation(built.index_dir)
    with_table = Searcher(built).search("publique").to_dict()
    manifest = json.loads((gen / "manifest.json").read_text())
    for name in (pagetable.FILE, "pages.store"):
        (gen / name).unlink()
        manifest["files"].pop(name)
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexDamaged, match=rf"'{gen}' has no page table or page store"):
        Snapshot(gen, generations.read_manifest(gen), generations.open_index(gen), built)
    report = reindex(built)
    assert report.published and report.full
    body = Searcher(built).search("publique").to_dict()
    assert body["total"] > 0
    assert {**body, "took_ms": 0} == {**with_table, "took_ms": 0}


def _doc(source: str, title: str):
    from casesearch.content import Document
    return Document(source=source, url="/" + source, title=title, summary="", tags=(), category="",
                    date=None, lang="fr", sections=())


@pytest.mark.parametrize("memory", [0, 10_000, 2_500])
def test_the_spool_keeps_documents_and_gives_them_back(memory):
    """On disk (no memory budget), in memory (under it), or in memory, then all on disk once
    over it: the same documents back, in the order first put."""
    from casesearch.spool import Spool

    spool = Spool(memory=memory, weigh=lambda doc: 1000)
    spool["a.md"], spool["b.md"], spool["c.md"] = _doc("a.md", "A"), _doc("b.md", "B"), _doc("c.md", "C")
    assert (spool._file is None) == (memory >= 3000)   # 2,500: the third page went over
    spool["a.md"] = _doc("a.md", "A2")
    spool.pop("b.md")
    assert "b.md" not in spool and len(spool) == 2
    assert [d.title for d in spool.documents()] == ["A2", "C"]
    assert spool["c.md"] == _doc("c.md", "C") and spool.get("b.md") is None
    spool.close()
    assert len(spool) == 0


def test_a_build_over_its_spool_budget_writes_the_same_index(tmp_path, monkeypatch):
    """A site whose pages weigh more than `SPOOL_MEMORY` has them pickled to the spool's
    file: the same pages and answers as one held in memory."""
    from conftest import PAGES, build_site

    from casesearch import indexer

    held = build_site(tmp_path / "held", PAGES)
    monkeypatch.setattr(indexer, "SPOOL_MEMORY", 3000)   # a page or two
    spilled = build_site(tmp_path / "spilled", PAGES)
    for q in ("donnees de sante", "logiciel libre", "propos"):
        a, b = Searcher(held).search(q).to_dict(), Searcher(spilled).search(q).to_dict()
        assert a["total"] > 0
        assert {**a, "took_ms": 0} == {**b, "took_ms": 0}


def test_a_build_weighs_the_pages_it_holds_about_as_they_weigh(tmp_path):
    """`indexer._weight`, the spool's figure for a page read, is near what it takes in memory
    (tracemalloc): a budget in MB is about that many MB."""
    import tracemalloc

    from conftest import ROOT

    from casesearch.config import load_settings
    from casesearch.content import load_page
    from casesearch.indexer import _weight
    from casesearch.reader import read_files

    settings = load_settings({"content_dir": ROOT / "content", "index_dir": tmp_path / "index"}, environ={})
    pages = read_files(settings).pages
    load_page(pages[0], settings)   # what a first page loads once (tables, caches)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        docs = [load_page(page, settings) for page in pages]
        taken = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.5 * taken <= sum(_weight(d) for d in docs) <= 2 * taken


def test_a_page_table_of_the_format_before_reads_the_same_rows(built):
    """Generations written before the table's rows were chunked (format 2: one pickle, no
    per-page arrays) still open: their rows read the same, their arrays are made when opened."""
    import pickle

    from casesearch import pagetable

    gen = current_generation(built.index_dir)
    table = pagetable.read(gen)
    assert table is not None and table.arrays is not None and len(table.rows) > 1
    with open(gen / pagetable.FILE, "wb") as f:
        pickle.dump({"format": 2, "rows": [None if r is None else tuple(r) for r in table.rows],
                     "lengths": table.lengths, "words": table.words, "terms": table.terms,
                     "offsets": table.offsets}, f)
    old = pagetable.read(gen)
    assert old.rows == table.rows and old.offsets == table.offsets and old.arrays is None
    assert pagetable.Arrays.of(old.rows) == table.arrays


def test_a_reindex_that_changes_nothing_does_not_work_out_link_texts_again(tmp_path, monkeypatch):
    """Link texts come from every page's links: when no page was read anew and none is gone
    they are the live index's. A changed page has them worked out again, the page it now
    links to gets its text."""
    from conftest import titled_site

    from casesearch import indexer

    settings = titled_site(tmp_path, {"a": ("Alpha", "Voir [la formation](/b.html)."), "b": ("Beta", "texte")})
    calls = []
    real = indexer.anchors
    monkeypatch.setattr(indexer, "anchors", lambda *a: calls.append(1) or real(*a))
    assert reindex(settings).reason == "nothing changed" and not calls
    (settings.content_dir / "a.md").write_text("---\ntitle: Alpha\n---\nVoir [le recrutement](/b.html).\n",
                                               encoding="utf-8")
    reindex(settings)
    assert calls
    searcher = Searcher(settings)
    assert "/b.html" in [h.url for h in searcher.search("recrutement").hits]
    searcher.close()
