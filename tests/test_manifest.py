"""manifest.json is written a page at a time, byte for byte what json.dumps of the whole
document with sorted keys writes (and reads back the same)."""

from __future__ import annotations

import json

import pytest

from casesearch.manifest import (
    FileSum,
    Manifest,
    PageEntry,
    read_manifest,
    write_manifest,
)


def test_a_manifest_written_page_by_page_is_the_whole_document_dumped(tmp_path):
    pages = {
        "b/été.md": PageEntry("ab" * 20, "/été/", "L’été « chaud »", links=(("le guide", "/guide/"), ("x", "../y")),
                               anchors="cd" * 20, aliases=("/ancien/",)),
        "a.md": PageEntry("ef" * 20, "/a.html", "A", stale=True),
        "z\"quote.md": PageEntry("01" * 20, "/z/", 'un "titre"\n\tsur deux lignes'),
    }
    manifest = Manifest("9", "settings-1", 12, "2026-11-30T07:00:00+00:00", pages, ("a.md",),
                        {"pages.table": FileSum(10, "0" * 64), "MAIN_x.seg": FileSum(2000, "f" * 64)})
    write_manifest(tmp_path, manifest)
    written = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert written == json.dumps(manifest.to_json(), sort_keys=True, ensure_ascii=False)
    assert read_manifest(tmp_path) == manifest
    assert read_manifest(tmp_path, pages=False) == Manifest(manifest.format, manifest.settings, 12, manifest.built_at,
                                                            {}, ("a.md",), manifest.files)


def test_a_searcher_reads_the_manifest_without_parsing_its_pages(tmp_path):
    """read_manifest(pages=False) cuts the pages out before parsing: titles and paths that
    write the markers it looks for change nothing, and damage inside the pages does not
    stop a searcher (its files' sizes and checksums say whether it may serve)."""
    tricky = ', "settings": "x", "pages": {'
    pages = {f"p{i}{tricky}.md": PageEntry("ab" * 20, f"/p{i}/", f"Titre {tricky} {i}") for i in range(3)}
    manifest = Manifest("9", "settings-1", 3, "2026-11-30T07:00:00+00:00", pages, (f"p0{tricky}.md",),
                        {"pages.table": FileSum(10, "0" * 64)})
    write_manifest(tmp_path, manifest)
    head = Manifest(manifest.format, manifest.settings, 3, manifest.built_at, {}, manifest.stale, manifest.files)
    assert read_manifest(tmp_path, pages=False) == head
    assert read_manifest(tmp_path) == manifest
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    (tmp_path / "manifest.json").write_text(text.replace('"/p1/"', '"/p1/', 1), encoding="utf-8")
    assert read_manifest(tmp_path, pages=False) == head
    with pytest.raises(ValueError):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(text[:len(text) // 2], encoding="utf-8")   # cut short: no head to keep
    for pages_too in (True, False):
        with pytest.raises(ValueError):
            read_manifest(tmp_path, pages=pages_too)
