"""Python's side of the JavaScript parity tests (tests/js/*.test.mjs run it):

    python tests/js/python_side.py tables    stdin: a text; stdout: the client tables of every
                                             language for the text's characters, as JSON
    python tests/js/python_side.py tokens    stdin: [[chain, lang, text], ...]; stdout: for each,
                                             its tokens [text, pos, start, end, stopped] with stop
                                             words, offsets in UTF-16 units as JavaScript counts
    python tests/js/python_side.py search    stdin: {"site": folder (default tests/data/static_site),
                                             "queries": [[text, {page, per_page, prefix, filters,
                                             sort}], ...]}; builds the site's index and its bundle
                                             in a new temporary folder and runs the searches;
                                             stdout: {"dir": that folder (the caller removes it),
                                             "bundle": the bundle's folder, "results": the API's
                                             JSON body of each query, or {"error": message}}
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from casesearch import analysis  # noqa: E402
from casesearch.export.tables import all_client_tables  # noqa: E402

STATIC_SITE = Path(__file__).resolve().parents[1] / "data" / "static_site"


def utf16(text: str) -> list[int]:
    """UTF-16 offset of each code point offset of text (and of its end)."""
    out, at = [], 0
    for c in text:
        out.append(at)
        at += 2 if ord(c) > 0xFFFF else 1
    return out + [at]


def tokens(cases: list) -> list:
    out = []
    for chain, lang, text in cases:
        units = utf16(text)
        out.append([[t.text, t.pos, units[t.start], units[t.end], t.stopped]
                    for t in analysis.tokens(text, lang, chain, keep_stops=True)])
    return out


def search(request: dict) -> dict:
    from casesearch.config import load_settings
    from casesearch.errors import QueryError
    from casesearch.export import bundle
    from casesearch.indexer import reindex
    from casesearch.ranking import Filters
    from casesearch.searcher import Searcher

    work = Path(tempfile.mkdtemp(prefix="casesearch-js-"))
    settings = load_settings({"content_dir": Path(request.get("site") or STATIC_SITE), "index_dir": work / "index"},
                             environ={})
    reindex(settings, full=True)
    bundle.export(settings, work / "bundle")
    searcher = Searcher(settings)
    results = []
    try:
        for text, options in request["queries"]:
            try:
                found = searcher.search(text, page=options.get("page", 1), per_page=options.get("per_page", 10),
                                        prefix=options.get("prefix", True), sort=options.get("sort", "relevance"),
                                        filters=Filters(**options.get("filters", {})).check())
                results.append(found.to_dict())
            except QueryError as exc:
                results.append({"error": str(exc)})
    finally:
        searcher.close()
    return {"dir": str(work), "bundle": str(work / "bundle"), "results": results}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "tables":
        json.dump(all_client_tables(sys.stdin.read()), sys.stdout, ensure_ascii=False)
    elif what == "tokens":
        json.dump(tokens(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
    elif what == "search":
        json.dump(search(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
    else:
        sys.exit(f"unknown request {what!r}: tables, tokens or search")
