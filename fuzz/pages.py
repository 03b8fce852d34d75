"""Fuzzes the page reader: a page file's bytes (front matter + markdown or HTML) through
`content.load_page`, as the indexer reads each page, then `schema.document_fields`.

A bad page must raise ContentError (casesearch's error family) naming its file; any other
exception, an error that does not name the file, or an input taking over 1 s is a
finding (saved under fuzz/findings/pages/). The input's last byte picks the page's site
(with or without _config.yml), its path (page, post, collection document, HTML) and how
many times its body is repeated (1, 40 or 400, up to 50 KB).

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python fuzz/pages.py --seconds 600 [--corpus DIR] [libFuzzer options]
    .venv/bin/python fuzz/pages.py fuzz/findings/pages/crash-1234.bin   # replay one input
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from harness import ROOT, SHARED, arguments, main  # noqa: E402

with atheris.instrument_imports(include=["casesearch"]):
    from casesearch import schema
    from casesearch.config import load_settings
    from casesearch.content import Document, load_page
    from casesearch.errors import CasesearchError
    from casesearch.site import PageFile, load_site

PATHS = (("page.md", "page", ""), ("_posts/2020-01-02-titre.md", "document", "posts"),
         ("en/guide.markdown", "page", ""), ("index.html", "page", ""),
         ("_startups/outil.md", "document", "startups"))
CONFIG = "collections:\n  startups:\n    output: true\n    permalink: /startups/:name\n"


def _sites():
    base = Path(tempfile.mkdtemp(prefix="fuzz-pages-site-"))
    sites = []
    for name, config in (("legacy", None), ("jekyll", CONFIG)):
        root = base / name
        root.mkdir()
        if config:
            (root / "_config.yml").write_text(config, encoding="utf-8")
        settings = load_settings({"content_dir": root, "index_dir": base / "index"}, environ={})
        sites.append((settings, load_site(settings)))
    return sites


SITES = _sites()


REPEATS = (1, 1, 1, 40, 400)   # a small input repeated: super-linear reading shows within 1 s
MAX_REPEATED = 50_000   # atheris runs the code ~10x slower: a linear 200 KB page took over 1 s


def read_page(data: bytes) -> None:
    last = data[-1] if data else 0
    settings, site = SITES[last % len(SITES)]
    source, kind, collection = PATHS[last // len(SITES) % len(PATHS)]
    repeat = REPEATS[last // (len(SITES) * len(PATHS)) % len(REPEATS)]
    if repeat > 1 and len(data) > 1:
        head, _, body = data.partition(b"\n---\n")   # the body repeated, after any front matter
        data = head + _ + body[:-1] * min(repeat, MAX_REPEATED // len(data)) + data[-1:]
    try:
        result = load_page(PageFile(source, site.root / source, kind, collection), settings, data, site)
    except CasesearchError as exc:
        if f"'{source}'" not in str(exc):
            raise AssertionError(f"the error does not name the file '{source}': {exc}") from exc
        return
    if isinstance(result, Document):
        schema.document_fields(result)


def seeds():
    folders = [ROOT / "content", ROOT / "tests" / "data", SHARED / "corpus"]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".md", ".markdown", ".html") and path.is_file():
                yield path.read_bytes()[:16384]


if __name__ == "__main__":
    main("pages", read_page, seeds, arguments(__doc__))
