"""A serving worker's memory over a long stream of distinct queries (issue 12: "private
memory per worker"), and how full each of its bounded caches is at the end.

    .venv/bin/python bench/worker_memory.py --site SITE --index INDEX [--queries 3000]
                                            [--every 300] [--seed 100] [--json]
                                            [--score-cache-mb 64] [--answer-cache 1000]

`scale.py` measures a worker's memory after opening and after its 214 queries; a service
answers far more, nearly all different (typos, long texts). Here the queries are
`scale.py`'s generated hard queries (`query_cost.py`'s classes, taken in turn), made with
one seed per 200 from `--seed` on, in a process of their own (the generator reads every
page's record, which a worker never does), so SITE must be a site `scale.py` generated
(`--work DIR` keeps them). Then, in a fresh process, a worker opens INDEX as the service
does (`Searcher(background=True)`, `warm()`, the default settings: the answer cache on)
and answers them one after the other (`--score-cache-mb`, `--answer-cache`: the two
settings an operator bounds a worker's memory with, defaults otherwise). Printed: the
worker's private memory (Private_Clean + Private_Dirty of /proc/self/smaps_rollup) and
RSS after opening and after every `--every` queries, with the median query time of each
stretch; then how many entries each cache holds against its bound: the kept scores
(postings, `scoring`), the answers, the page records, the analysis memos (words) and the
others a query fills.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402 - bench/, beside this script
from reindex import in_child  # noqa: E402

PER_SEED = 200


def make_queries(site: str, index: str, count: int, seed: int) -> list[str]:
    """`count` distinct generated queries of the site (fewer when seeds repeat a text)."""
    from casesearch.searcher import Searcher

    searcher = Searcher(scale.settings_for(Path(site), Path(index)))
    try:
        snap = searcher.snapshot()
        copies = scale.copies(Path(site), snap.pages())
        texts: dict[str, None] = {}
        for k in range(-(-count // PER_SEED)):
            for _, text in scale.generated_queries(snap, min(PER_SEED, count - k * PER_SEED), seed + k, copies):
                texts[text] = None
        return list(texts)
    finally:
        searcher.close()


def caches(snap, answer_cache: int) -> dict[str, dict]:  # noqa: ANN001 - casesearch Snapshot
    """Entries each cache a worker's queries fill holds, and its bound."""
    from casesearch import (
        analysis,
        highlight,
        pagestore,
        postlists,
        query,
        scoring,
        searcher,
        typos,
    )

    out = {"kept scores (postings)": {"entries": snap.postings._kept_postings, "bound": snap.postings.kept_bound},
           "kept scores (figures)": {"entries": len(snap.postings._scores), "bound": scoring._CACHE_LIMIT},
           "answers": {"entries": len(snap.answers), "bound": answer_cache},
           "page records": {"entries": len(snap.store._kept), "bound": pagestore.KEPT},
           "query words analysed": {"entries": query._analysed.cache_info().currsize, "bound": query._WORDS_KEPT},
           "corrections": {"entries": len(snap.vocabulary._corrected), "bound": typos._CORRECTED_MAX},
           "posting-file keys looked up": {"entries": sum(len(f._known) for _, _, f in snap.postings.scored.segments),
                                           "bound": postlists._KNOWN_KEYS * len(snap.postings.scored.segments)}}
    out["highlighting: queries' words looked at"] = {"entries": sum(len(known) for known in highlight._KNOWN.values()),
                                                     "bound": None}
    out["highlighting: queries"] = {"entries": len(highlight._SEEDS), "bound": highlight._MATCHERS_KEPT}
    # each analysis memo is started over past the serving bound (searcher.MEMO_WORDS)
    for name, size, _ in analysis.memos():
        out[f"analysis {name}"] = {"entries": size, "bound": searcher.MEMO_WORDS}
    return out


def worker(site: str, index: str, texts: list[str], every: int, bounds: dict | None = None) -> dict:
    import casesearch.web  # noqa: F401 - what a gunicorn worker imports (wsgi.py)
    from casesearch.config import replace
    from casesearch.searcher import Searcher

    settings = replace(scale.settings_for(Path(site), Path(index)), **(bounds or {}))
    searcher = Searcher(settings, background=True)
    snap = searcher.snapshot()
    searcher.warm()
    rows = [{"queries": 0, **scale.memory_mb(), "p50_ms": None}]
    stretch: list[float] = []
    try:
        for n, text in enumerate(texts, 1):
            began = time.perf_counter()
            searcher.search(text)
            stretch.append((time.perf_counter() - began) * 1000)
            searcher.rest()   # as the service, once each response is sent
            if n % every == 0 or n == len(texts):
                rows.append({"queries": n, **scale.memory_mb(), "p50_ms": statistics.median(stretch)})
                stretch = []
        return {"rows": rows, "caches": caches(snap, settings.answer_cache), "pages": snap.pages()}
    finally:
        searcher.close()


def run(args: argparse.Namespace) -> dict:
    texts = in_child(make_queries, str(args.site), str(args.index), args.queries, args.seed)
    bounds = {name: value for name, value in (("score_cache_mb", args.score_cache_mb),
                                              ("answer_cache", args.answer_cache)) if value is not None}
    result = in_child(worker, str(args.site), str(args.index), texts, args.every, bounds)
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "code": scale.code_version(), "site": str(args.site),
            "queries": len(texts), "bounds": bounds, **result}


def report(result: dict) -> str:
    bounds = "".join(f", {name} = {value}" for name, value in result["bounds"].items())
    lines = [f"{result['date']}, casesearch at {result['code']}, {result['pages']:,} pages, "
             f"{result['queries']} distinct queries{bounds}", "",
             "| queries answered | private MB | RSS MB | median ms of the stretch |", "| --- | --- | --- | --- |"]
    for row in result["rows"]:
        median = "-" if row["p50_ms"] is None else f"{row['p50_ms']:.1f}"
        lines.append(f"| {row['queries']:,} | {row['private_mb']:.0f} | {row['rss_mb']:.0f} | {median} |")
    lines += ["", "| cache | entries | bound |", "| --- | --- | --- |"]
    for name, c in result["caches"].items():
        bound = "-" if c["bound"] is None else f"{c['bound']:,}"
        lines.append(f"| {name} | {c['entries']:,} | {bound} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True, help="a site scale.py generated (its content_dir)")
    parser.add_argument("--index", type=Path, required=True, help="an index of the site")
    parser.add_argument("--queries", type=int, default=3000, help="distinct queries to answer (default 3000)")
    parser.add_argument("--every", type=int, default=300, help="queries between two readings of memory")
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--score-cache-mb", type=int, help="the worker's score_cache_mb (default: the setting's)")
    parser.add_argument("--answer-cache", type=int, help="the worker's answer_cache (default: the setting's)")
    args = parser.parse_args(argv)
    if not (args.site.parent / scale.MARKER).is_file():
        parser.error(f"--site {args.site}: not a site scale.py generated (no {scale.MARKER} beside it)")
    if args.queries < 1 or args.every < 1:
        parser.error("--queries and --every are positive")
    if min(args.score_cache_mb or 0, args.answer_cache or 0) < 0:
        parser.error("--score-cache-mb and --answer-cache are 0 or more")
    result = run(args)
    print(json.dumps(result, indent=1) if args.json else report(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
