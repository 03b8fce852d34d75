"""The static export beside Pagefind's bundle of the same pages, in one run.

    .venv/bin/pip install -e '.[bench]'      # Pagefind's Python API and its binary
    .venv/bin/python bench/export.py [--corpus ../shared/corpus/site-eig ...] [--repeat 5] [--json]

For each site (default: both of ../shared/corpus), on a copy of it:

- casesearch: a full index, then `casesearch export`; Pagefind: the same pages (title and
  section texts, URL, language fr) through its Python API's `add_custom_record`.
- Bundle: files and bytes. "sent" is what a CDN sends: casesearch's JSON and both
  modules gzipped (-9); Pagefind's index, meta, fragment and wasm files are gzipped on
  disk already and count as they are. Pagefind's UI files (its default search box, CSS)
  are left out: casesearch's box is not in the bundle either.
- Queries (Node, bench/export_node.mjs): the judged queries of the site (dev and own sets)
  one after the other as one visitor, typed (prefix=false) and, as a second visitor, as
  the box asks them while one types (prefix=true, the last word completed): bytes of the
  first query (the module and every file it needs), of each next one, and the search time
  once its files are loaded (p50 / p99).
- Re-export: one page changed (a paragraph added), reindex, export: the share of the
  bundle's bytes written again.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from casesearch.config import load_settings  # noqa: E402
from casesearch.export import bundle  # noqa: E402
from casesearch.indexer import reindex  # noqa: E402
from casesearch.survey import survey  # noqa: E402

PAGEFIND_UI = ("-ui.", "pagefind-highlight.js")
GZIPPED = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind")


def sent_bytes(path: Path) -> int:
    data = path.read_bytes()
    return len(data) if path.name.endswith(GZIPPED) else len(gzip.compress(data, 9))


def bundle_size(folder: Path, skip: tuple[str, ...] = ()) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file() and not any(s in p.name for s in skip)]
    return {"files": len(files), "disk_bytes": sum(p.stat().st_size for p in files),
            "sent_bytes": sum(sent_bytes(p) for p in files)}


async def pagefind_bundle(settings, out: Path) -> int:  # noqa: ANN001 - casesearch Settings
    from pagefind.index import IndexConfig, PagefindIndex

    docs = survey(settings).documents
    async with PagefindIndex(IndexConfig(output_path=str(out))) as index:
        for start in range(0, len(docs), 50):
            await asyncio.gather(*(index.add_custom_record(url=d.url, content=d.title + "\n\n" + d.body,
                                                           language="fr", meta={"title": d.title})
                                   for d in docs[start:start + 50]))
    return len(docs)


def node_queries(kind: str, folder: Path, queries: list[str], repeat: int, prefix: bool = False) -> dict:
    config = json.dumps({"kind": kind, "dir": str(folder), "queries": queries, "repeat": repeat, "prefix": prefix})
    done = subprocess.run(["node", str(ROOT / "bench" / "export_node.mjs"), config],
                          capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    rows = found["queries"]
    warm = sorted(r["warm_ms"] for r in rows)
    nxt = [r["bytes"] for r in rows[1:]]
    return {"first_query_bytes": found["first"]["bytes"], "first_query_requests": found["first"]["requests"],
            "next_query_bytes_mean": statistics.fmean(nxt) if nxt else 0,
            "next_query_bytes_max": max(nxt, default=0),
            "bytes_all_queries": found["total"]["bytes"], "files_fetched": found["total"]["files"],
            "warm_p50_ms": warm[len(warm) // 2], "warm_p99_ms": warm[min(len(warm) - 1, int(len(warm) * 0.99))],
            "queries": len(rows)}


def bench(corpus: Path, queries: list[str], repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(corpus, content, symlinks=True)
        settings = load_settings({"content_dir": content, "index_dir": Path(tmp) / "index"}, environ={})
        built = reindex(settings, full=True)
        ours = Path(tmp) / "casesearch"
        first = bundle.export(settings, ours)
        theirs = Path(tmp) / "pagefind"
        pages = asyncio.run(pagefind_bundle(settings, theirs))
        result = {
            "corpus": corpus.name, "pages": built.indexed, "pagefind_pages": pages,
            "casesearch": {**bundle_size(ours), **node_queries("casesearch", ours, queries, repeat),
                           "as_you_type": node_queries("casesearch", ours, queries, repeat, prefix=True)},
            "pagefind": {**bundle_size(theirs, PAGEFIND_UI), **node_queries("pagefind", theirs, queries, repeat)},
        }
        result["pagefind"]["as_you_type"] = dict(result["pagefind"])   # one mode: the last word is always a prefix
        page = next(p for p in sorted(content.rglob("*.md")) if p.read_bytes().startswith(b"---"))
        page.write_text(page.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté pour le banc d'essai.\n",
                        encoding="utf-8")
        assert reindex(settings).updated, "the changed page was not re-indexed"
        again = bundle.export(settings, ours)
        result["reexport"] = {"page": page.relative_to(content).as_posix(), "files_written": len(again.written),
                              "bytes_written": again.written_bytes, "bundle_bytes": first.bytes,
                              "share": again.written_bytes / again.bytes}
    return result


def table(results: list[dict]) -> str:
    lines = [("| site | system | files | sent kB (disk kB) | first query kB (requests), typed / as you type "
              "| next query kB mean / max, typed / as you type | p50 / p99 ms once loaded, typed / as you type |"),
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        for name in ("casesearch", "pagefind"):
            s, t = r[name], r[name]["as_you_type"]
            lines.append(f"| {r['corpus']} ({r['pages']} pages) | {name} | {s['files']} | "
                         f"{s['sent_bytes'] / 1e3:,.0f} ({s['disk_bytes'] / 1e3:,.0f}) | "
                         f"{s['first_query_bytes'] / 1e3:,.1f} ({s['first_query_requests']}) / "
                         f"{t['first_query_bytes'] / 1e3:,.1f} ({t['first_query_requests']}) | "
                         f"{s['next_query_bytes_mean'] / 1e3:,.1f} / {s['next_query_bytes_max'] / 1e3:,.1f}, "
                         f"{t['next_query_bytes_mean'] / 1e3:,.1f} / {t['next_query_bytes_max'] / 1e3:,.1f} | "
                         f"{s['warm_p50_ms']:.2f} / {s['warm_p99_ms']:.2f}, {t['warm_p50_ms']:.2f} / {t['warm_p99_ms']:.2f} |")
    lines.append("")
    for r in results:
        x = r["reexport"]
        lines.append(f"{r['corpus']}: one page changed ({x['page']}): {x['files_written']} files, "
                     f"{x['bytes_written']:,} of {x['bundle_bytes']:,} bytes written again ({x['share']:.1%})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", type=Path,
                        help="site folder (default: both sites of ../shared/corpus)")
    parser.add_argument("--queries", action="append", type=Path,
                        help="judged queries (default: ../shared/eval/dev-queries.json and bench/queries/own-queries.json)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query once its files are loaded")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpora = args.corpus or [SHARED / "corpus" / "site-eig", SHARED / "corpus" / "beta.gouv.fr"]
    files = args.queries or [SHARED / "eval" / "dev-queries.json", ROOT / "bench" / "queries" / "own-queries.json"]
    judged = [q for f in files for q in json.loads(f.read_text(encoding="utf-8"))["queries"]]
    results = [bench(c, [q["query"] for q in judged if q["corpus"] == c.name], args.repeat) for c in corpora]
    print(json.dumps(results, indent=2, ensure_ascii=False) if args.json else table(results))


if __name__ == "__main__":
    main()
