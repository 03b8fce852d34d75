"""manifest.json is written a page at a time, byte for byte what json.dumps of the whole
document with sorted keys writes (and reads back the same)."""

from __future__ import annotations

import json

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
