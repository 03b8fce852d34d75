"""Fuzzes the query side: a visitor's text through `query.parse` and the `Searcher`'s
search, suggest and explain on a small index built once (tests/data/content, or --content).

The input is the query's UTF-8 (bytes that are not UTF-8 become lone surrogates, as
Python decodes a command line: `casesearch search` sees them); its last byte picks the
options (sort, page, per_page, filters, prefix, explain). QueryError (casesearch's error
family) is an answer; any other exception, or an input taking over 1 s, is a finding
(saved under fuzz/findings/queries/).

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python fuzz/queries.py --seconds 600 [--content DIR] [--corpus DIR] [libFuzzer options]
    .venv/bin/python fuzz/queries.py fuzz/findings/queries/slow-1234.bin   # replay one input
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from harness import ROOT, SHARED, arguments, main  # noqa: E402

with atheris.instrument_imports(include=["casesearch"]):
    from casesearch import query
    from casesearch.config import load_settings
    from casesearch.errors import CasesearchError
    from casesearch.indexer import reindex
    from casesearch.ranking import Filters
    from casesearch.searcher import Searcher


OPTIONS = arguments(__doc__)
OPTIONS.add_argument("--content", type=Path, default=ROOT / "tests" / "data" / "content",
                     help="the site to index and search (default: tests/data/content)")


def _searcher() -> Searcher:
    content = OPTIONS.parse_known_args()[0].content
    settings = load_settings({"content_dir": content, "index_dir": Path(tempfile.mkdtemp(prefix="fuzz-index-"))},
                             environ={})
    reindex(settings)
    return Searcher(settings)


SEARCHER = _searcher()
FILTERS = (Filters(), Filters(lang="fr"), Filters(year="2020"), Filters(tag="données"), Filters(category="blog"))


def run_query(data: bytes) -> None:
    options = data[-1] if data else 0
    text = data[:-1].decode("utf-8", "surrogateescape")
    try:
        query.parse(text, prefix=bool(options & 1))
        SEARCHER.search(text, page=1 + (options >> 1 & 1), per_page=(10, 50)[options >> 2 & 1],
                        sort=("relevance", "date")[options >> 3 & 1], filters=FILTERS[(options >> 4) % len(FILTERS)],
                        prefix=bool(options & 1))
        SEARCHER.suggest(text)
        if options >> 7:
            SEARCHER.explain(text, prefix=bool(options & 1))
    except CasesearchError:
        return


def seeds():
    texts = ["données publiques", "l'emploi", '"code source" -libre', "pole emploi", "adminstration", "lo"]
    texts += json.loads((ROOT / "tests" / "data" / "abusive-queries.json").read_text(encoding="utf-8"))["queries"]
    dev = SHARED / "eval" / "dev-queries.json"
    if dev.exists():
        texts += [q["query"] for q in json.loads(dev.read_text(encoding="utf-8"))["queries"]]
    for text in texts:
        for options in (0, 1, 0x8F):
            yield text.encode("utf-8", "surrogatepass") + bytes([options])


if __name__ == "__main__":
    main("queries", run_query, seeds, OPTIONS)
