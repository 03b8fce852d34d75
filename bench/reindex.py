"""Build speed, memory and query latency, beside whoosh out of the box, in one run.

    .venv/bin/python bench/reindex.py [--corpus ../shared/corpus/site-eig ...] [--rounds 3] [--json]

For each corpus: full builds by whoosh out of the box (`LanguageAnalyzer("fr")` on
title and body, one writer, pages read with python-frontmatter) and by casesearch,
each in a fresh process so that its peak memory is its own, taken in turns for
`--rounds` rounds: the build ratio is the median of the rounds' ratios, so that a
slow spell of the shared host lands on both sides rather than on one; then, in casesearch's process, a reindex with nothing changed and one with one
page changed, as ratios of the full build; then the dev queries of that corpus,
timed in-process (p50 and p99 over repeated runs).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from timing import percentile, query_timings  # noqa: E402 - bench/timing.py, beside this script


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def whoosh_baseline(content: str, out: str) -> dict:
    import frontmatter
    from whoosh import fields, index
    from whoosh.analysis import LanguageAnalyzer

    started = time.perf_counter()
    schema = fields.Schema(path=fields.ID(stored=True), title=fields.TEXT(analyzer=LanguageAnalyzer("fr"), stored=True),
                           body=fields.TEXT(analyzer=LanguageAnalyzer("fr")))
    ix = index.create_in(out, schema)
    writer = ix.writer()
    pages = 0
    for path in sorted(Path(content).rglob("*")):
        if not path.is_file() or path.suffix not in (".md", ".markdown", ".html", ""):
            continue
        try:
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - out of the box: a bad page is just skipped
            continue
        title = post.get("title") or post.get("name") or path.stem
        writer.add_document(path=str(path), title=str(title), body=post.content)
        pages += 1
    writer.commit()
    return {"pages": pages, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def casesearch_run(content: str, index_dir: str, queries: list[str], repeat: int) -> dict:
    from casesearch.config import load_settings
    from casesearch.indexer import reindex

    settings = load_settings({"content_dir": content, "index_dir": index_dir}, environ={})
    full = reindex(settings, full=True)
    peak_after_build = _peak_mb()
    same = reindex(settings)
    page = next(p for p in sorted(Path(content).rglob("*.md")) if p.read_bytes().startswith(b"---"))
    page.write_text(page.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté pour le banc d'essai.\n",
                    encoding="utf-8")
    one = reindex(settings)
    assert one.updated, "the changed page was not re-indexed"

    timings = query_timings(settings, queries, repeat)
    return {
        "pages": full.indexed, "failed": len(full.errors), "seconds": full.took_s, "peak_mb": peak_after_build,
        "nochange_seconds": same.took_s, "onechange_seconds": one.took_s,
        "query_runs": len(timings), "query_p50_ms": percentile(timings, 50), "query_p99_ms": percentile(timings, 99),
        "query_mean_ms": statistics.fmean(timings) if timings else None,
    }


def casesearch_build(content: str, index_dir: str) -> dict:
    from casesearch.config import load_settings
    from casesearch.indexer import reindex

    settings = load_settings({"content_dir": content, "index_dir": index_dir}, environ={})
    full = reindex(settings, full=True)
    return {"pages": full.indexed, "seconds": full.took_s, "peak_mb": _peak_mb()}


def in_child(func, *args):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(func, args)


def bench(corpus: Path, queries: list[str], repeat: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(corpus, content, symlinks=True)
        bases, builds = [], []
        for n in range(rounds):
            out = Path(tmp) / f"whoosh-{n}"
            out.mkdir()
            bases.append(in_child(whoosh_baseline, str(content), str(out)))
            builds.append(in_child(casesearch_build, str(content), str(Path(tmp) / f"build-{n}")))
        ours = in_child(casesearch_run, str(content), str(Path(tmp) / "index"), queries, repeat)
    ratios = [c["seconds"] / b["seconds"] for b, c in zip(bases, builds)]
    base_s = statistics.median(b["seconds"] for b in bases)
    ours_s = statistics.median(c["seconds"] for c in builds)
    return {
        "corpus": corpus.name,
        "whoosh": {**bases[0], "seconds": base_s, "pages_per_s": bases[0]["pages"] / base_s},
        "casesearch": {**ours, "build_seconds": ours_s, "pages_per_s": ours["pages"] / ours_s},
        "build_time_ratio": statistics.median(ratios),
        "build_time_ratios": ratios,
        "nochange_ratio": ours["nochange_seconds"] / ours_s,
        "onechange_ratio": ours["onechange_seconds"] / ours_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", type=Path,
                        help="corpus folder (default: both sites of ../shared/corpus)")
    parser.add_argument("--queries", type=Path, default=SHARED / "eval" / "dev-queries.json")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each query")
    parser.add_argument("--rounds", type=int, default=3, help="full builds of each system, taken in turns")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpora = args.corpus or [SHARED / "corpus" / "site-eig", SHARED / "corpus" / "beta.gouv.fr"]
    judged = json.loads(args.queries.read_text(encoding="utf-8"))["queries"]
    results = []
    for corpus in corpora:
        qs = [q["query"] for q in judged if q["corpus"] == corpus.name]
        results.append(bench(corpus, qs, args.repeat, args.rounds))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| corpus | pages | whoosh OOB s (pages/s, peak MB) | casesearch s (pages/s, peak MB) "
          "| build ratio: median (rounds) | no-change / full | one-page / full | query p50 / p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        w, c = r["whoosh"], r["casesearch"]
        print(f"| {r['corpus']} | {c['pages']} | {w['seconds']:.2f} ({w['pages_per_s']:.0f}/s, {w['peak_mb']:.0f}) "
              f"| {c['build_seconds']:.2f} ({c['pages_per_s']:.0f}/s, {c['peak_mb']:.0f}) "
              f"| {r['build_time_ratio']:.2f}x ({', '.join(f'{x:.2f}' for x in r['build_time_ratios'])}) "
              f"| {r['nochange_ratio']:.1%} | {r['onechange_ratio']:.1%} "
              f"| {c['query_p50_ms']:.2f} / {c['query_p99_ms']:.2f} ({c['query_runs']} runs) |")


if __name__ == "__main__":
    main()
