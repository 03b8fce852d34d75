"""What one query costs at worst: generated hard queries on the real sites, timed in process.

    .venv/bin/python bench/query_cost.py [--corpus ../shared/corpus/site-eig ...] [--per-class 30]
                                         [--repeat 3] [--seed 11] [--work DIR] [--profile N]
                                         [--cold-analysis] [--callgrind PREFIX] [--json]

For each site: a full build into a temporary index (or `--work DIR`, reused when it
holds one), then about 200 queries generated from the site itself with a fixed seed,
in classes:

- `page12`: 12 consecutive words of a page's text;
- `typo12`: the same with 1 or 2 edits in each word (letters deleted, inserted,
  replaced or swapped);
- `scatter12`: 12 words drawn from anywhere in one page;
- `rare12`: 12 words that only one page holds;
- `synonym12`: members of the synonym groups (`data/synonyms_fr.txt`) up to 12 words;
- `mix`: 1 to 12 words mixing all of the above, stop words, a quoted phrase and an
  excluded word;
- `compound12`: 12 pairs of consecutive words of a page joined by hyphens
  (`projet-données`), each searched as its joined form or its two parts;
- `judged`: the site's dev and own judged queries.

Each query runs through `Searcher.search` as the API runs it (prefix on, 10 per page),
every run as the first time the query is seen: the per-query caches of the generation
(posting lists, scores, positions, word frequencies, highlighting's) are emptied before it
(`--cold-analysis`: the analysis' memos of words too). The figure of a query is the
median of `--repeat` runs, wall clock and the thread's CPU time (the host is shared:
CPU time leaves out what other processes took). Printed per class: median, p99 and
max ms; for the classes taken from a page, how often that page comes first / in the
top 10; and the most any query of the class read (`scoring.Postings.read`,
`typos.Vocabulary.read`: stems scored, posting lists and postings, position lists and pages'
positions decoded, words corrected and known words compared); then the 5 slowest
queries. `--profile N` also runs every query once under cProfile and prints the N
costliest functions (cumulative). `--callgrind PREFIX` counts each query's instructions
under valgrind instead of timing it (see its help): figures that a busy host does not
move.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import glob
import io
import json
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

from timing import percentile  # noqa: E402 - bench/timing.py, beside this script

QUERY_FILES = (SHARED / "eval" / "dev-queries.json", ROOT / "bench" / "queries" / "own-queries.json")
WORD = re.compile(r"^[^\W\d_]{2,}(?:['’-][^\W\d_]+)*$")
STOP = ("le", "la", "les", "de", "des", "du", "et", "en", "pour", "sur", "un", "une", "au", "aux", "à", "dans")
LETTERS = "abcdefghijklmnopqrstuvwxyzéèàç"
COUNTERS = ("stems", "lists", "postings", "position lists", "positions decoded", "words", "compared")


# -- the site's index ----------------------------------------------------------

def open_searcher(site: Path, work: Path):  # noqa: ANN201 - casesearch Searcher
    """A Searcher over `work`'s index of `site`, built first when `work` holds none."""
    from casesearch import generations
    from casesearch.config import load_settings
    from casesearch.indexer import reindex
    from casesearch.searcher import Searcher

    settings = load_settings({"content_dir": site, "index_dir": work}, environ={})
    if generations.current_generation(settings.index_dir) is None:
        reindex(settings, full=True)
    return Searcher(settings)


def forget(snap, analysis: bool = False) -> None:  # noqa: ANN001 - casesearch Snapshot
    """Empty what a generation keeps from one query to the next (answers, posting lists, scores,
    positions, word frequencies, typo corrections, highlighting's words): the next query costs what a
    query never seen costs.
    What opening a generation reads (word list, families, each field's term list) is
    kept, as a worker keeps it; what `Postings.kept` keeps (a prefix's completions) goes
    with the scores.
    `analysis`: also the analysis' memos of words (stems, folds, families), as in a
    worker that has seen none of the words of the query or of the pages it shows."""
    from casesearch import highlight
    snap.forget()
    highlight._SEEDS.clear()
    highlight._KNOWN.clear()
    if analysis:
        from casesearch import analysis as a
        for chain in a._CHAINS.values():
            for memo in chain.caches.values():
                memo.clear()
            chain.fold.cache_clear()
            chain.stem.cache_clear()
        a.stem.cache_clear()
        a.family_key.cache_clear()


# -- generated queries ---------------------------------------------------------

def page_words(snap) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    """Per page of 24 words or more, its source and its words in order (letters, with
    inner apostrophes or hyphens)."""
    out = []
    for page in snap.stored:
        if page is None:
            continue
        words = [w.strip(".,;:!?()[]«»\"“”*_`") for w in " ".join(page.texts()).split()]
        words = [w for w in words if WORD.match(w)]
        if len(words) >= 24:
            out.append((page.source, words))
    return out


def rare_words(snap) -> list[str]:  # noqa: ANN001
    """Folded words of the index that one page holds, longest first then in order."""
    vocab = snap.vocabulary
    return sorted((w for w in vocab.load() if w.isalpha() and len(w) >= 4 and vocab.doc_frequency(w) == 1),
                  key=lambda w: (-len(w) // 4, w))


def synonym_members() -> list[str]:
    from casesearch import synonyms
    members = []
    for _, text in synonyms.source_texts():
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            members += [m.strip() for m in line.split("=") if m.strip()]
    return members


def typo(rng: random.Random, word: str) -> str:
    """The word with 1 or 2 edits (2 only for words of 5 letters and more)."""
    for _ in range(1 if len(word) < 5 else rng.choice((1, 2))):
        i = rng.randrange(len(word))
        kind = rng.choice(("delete", "insert", "replace", "swap"))
        if kind == "delete" and len(word) > 2:
            word = word[:i] + word[i + 1:]
        elif kind == "insert":
            word = word[:i] + rng.choice(LETTERS) + word[i:]
        elif kind == "swap" and i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            word = word[:i] + rng.choice(LETTERS) + word[i + 1:]
    return word


def fit(words: list[str], limit: int = 12, chars: int = 200) -> str:
    """The words joined, at most `limit` of them (a quoted phrase counts its words) and `chars` characters."""
    out: list[str] = []
    for w in words:
        if len(" ".join(out + [w]).split()) > limit or len(" ".join(out + [w])) > chars:
            break
        out.append(w)
    return " ".join(out)


class Query(NamedTuple):
    kind: str
    text: str
    source: str | None = None   # the page the words were taken from, which it should find


def generate(snap, corpus: str, per_class: int, seed: int) -> list[Query]:  # noqa: ANN001
    """The generated queries, the same for the same index and seed."""
    rng = random.Random(f"{seed}-{corpus}")
    pages = page_words(snap)
    rare = rare_words(snap)
    members = synonym_members()
    out: list[Query] = []

    def any_words() -> list[str]:
        return rng.choice(pages)[1]

    for kind in ("page12", "typo12"):
        for _ in range(per_class):
            source, words = rng.choice(pages)
            start = rng.randrange(len(words) - 11)
            words = words[start:start + 12]
            out.append(Query(kind, fit([typo(rng, w) for w in words] if kind == "typo12" else words), source))
    for _ in range(per_class):
        source, words = rng.choice(pages)
        out.append(Query("scatter12", fit(rng.sample(words, 12)), source))
    for _ in range(per_class):
        out.append(Query("rare12", fit(rng.sample(rare, 12))))
    for _ in range(per_class):
        words: list[str] = []
        while len(words) < 12:
            words += rng.choice(members).split()
        out.append(Query("synonym12", fit(words)))
    for _ in range(per_class):
        words = []
        size = rng.randint(1, 12)
        while len(words) < size:
            kind = rng.random()
            if kind < 0.3:
                words.append(rng.choice(any_words()))
            elif kind < 0.5:
                words.append(typo(rng, rng.choice(any_words())))
            elif kind < 0.6:
                words.append(rng.choice(rare))
            elif kind < 0.75:
                words += rng.choice(members).split()
            elif kind < 0.85:
                words.append(rng.choice(STOP))
            elif kind < 0.92:
                page = any_words()
                start = rng.randrange(len(page) - 2)
                words.append('"' + " ".join(page[start:start + 3]) + '"')
            else:
                words.append("-" + rng.choice(any_words()))
        text = fit(words[:size])
        if text.count('"') % 2:
            text = text.replace('"', "")
        out.append(Query("mix", text))
    for _ in range(per_class):
        source, words = rng.choice(pages)
        start = rng.randrange(len(words) - 23)
        pairs = [a + "-" + b for a, b in zip(words[start:start + 24:2], words[start + 1:start + 24:2])]
        out.append(Query("compound12", fit(pairs), source))
    return [q for q in out if q.text]


def judged(corpus: str) -> list[Query]:
    out = []
    for path in QUERY_FILES:
        if path.is_file():
            out += [Query("judged", q["query"]) for q in json.loads(path.read_text(encoding="utf-8"))["queries"]
                    if q["corpus"] == corpus]
    return out


# -- timing ----------------------------------------------------------------------

def time_queries(searcher, queries: list[Query], repeat: int,  # noqa: ANN001
                 analysis: bool = False) -> tuple[list[float], list[float]]:
    """Per query, the median ms of `repeat` cold runs: wall clock, and the CPU time of
    the thread (which leaves out the time other processes of a busy host took)."""
    snap = searcher.snapshot()
    wall, cpu = [], []
    for _, text, _ in queries:
        runs, used = [], []
        for _ in range(repeat):
            forget(snap, analysis)
            began, began_cpu = time.perf_counter(), time.thread_time()
            searcher.search(text)
            runs.append((time.perf_counter() - began) * 1000)
            used.append((time.thread_time() - began_cpu) * 1000)
        wall.append(statistics.median(runs))
        cpu.append(statistics.median(used))
    return wall, cpu


def instructions(searcher, queries: list[Query], prefix: str) -> list[float]:  # noqa: ANN001
    """Millions of instructions of each query, run once cold, under callgrind told to count
    inside functools.reduce only and to dump after each call (see `--callgrind`): each
    query runs inside one reduce, and its dump, `prefix.N`, is read back."""
    snap = searcher.snapshot()
    before = set(glob.glob(f"{glob.escape(prefix)}.*"))
    for _, text, _ in queries:
        forget(snap)
        functools.reduce(lambda _, t: searcher.search(t), [text], None)
    dumps = sorted(set(glob.glob(f"{glob.escape(prefix)}.*")) - before, key=lambda f: int(f.rsplit(".", 1)[1]))
    if len(dumps) != len(queries):
        raise SystemExit(f"--callgrind: {len(dumps)} dumps for {len(queries)} queries; run under valgrind as "
                         "the help says")
    out = []
    for dump in dumps:
        found = re.search(r"^(?:summary|totals): (\d+)", Path(dump).read_text(), re.M)
        out.append(int(found.group(1)) / 1e6)
    return out


def work_done(searcher, queries: list[Query]) -> list[dict]:  # noqa: ANN001
    """What each query read, cold: posting lists and postings, position lists and pages'
    positions decoded, words corrected and known words compared (the counters of
    `scoring.Postings.read` and `typos.Vocabulary.read`, when the code has them); and
    the rank of the page its words came from (None: not in the top 10)."""
    snap = searcher.snapshot()
    out = []
    for _, text, source in queries:
        forget(snap)
        counters = [getattr(x, "read", Counter()) for x in (snap.postings, snap.vocabulary)]
        for c in counters:
            c.clear()
        hits = searcher.search(text).hits
        rank = next((i for i, h in enumerate(hits, 1) if h.source == source), None)
        out.append({**counters[0], **counters[1], "rank": rank})
    return out


def profile(searcher, queries: list[Query], top: int, analysis: bool = False) -> str:  # noqa: ANN001
    snap = searcher.snapshot()
    prof = cProfile.Profile()
    for _, text, _ in queries:
        forget(snap, analysis)
        prof.enable()
        searcher.search(text)
        prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def run(site: Path, work: Path, per_class: int, repeat: int, seed: int, top: int, analysis: bool = False,
        callgrind: str | None = None) -> dict:
    corpus = site.name
    searcher = open_searcher(site, work)
    try:
        snap = searcher.snapshot()
        queries = generate(snap, corpus, per_class, seed) + judged(corpus)
        searcher.search("formation")   # the generation is open and the analysis warm
        if callgrind:
            timings = cpu = instructions(searcher, queries, callgrind)
        else:
            timings, cpu = time_queries(searcher, queries, repeat, analysis)
        work = work_done(searcher, queries)
        result = {"corpus": corpus, "pages": snap.pages(), "queries": len(queries), "classes": {}, "slowest": [],
                  "unit": "M instructions" if callgrind else "ms"}
        for kind in dict.fromkeys(q.kind for q in queries):
            mine = [t for q, t in zip(queries, timings) if q.kind == kind]
            used = [t for q, t in zip(queries, cpu) if q.kind == kind]
            read = [w for q, w in zip(queries, work) if q.kind == kind]
            own = [w["rank"] for q, w in zip(queries, work) if q.kind == kind and q.source]
            result["classes"][kind] = {"n": len(mine), "median": round(statistics.median(mine), 2),
                                       "p99": round(percentile(mine, 99), 2), "max": round(max(mine), 2),
                                       "cpu_median": round(statistics.median(used), 2), "cpu_max": round(max(used), 2),
                                       "most_read": {name: max(w.get(name, 0) for w in read) for name in COUNTERS},
                                       "own_page": own and [sum(r == 1 for r in own), sum(r is not None for r in own)]}
        result["all"] = {"n": len(timings), "median": round(statistics.median(timings), 2),
                         "p99": round(percentile(timings, 99), 2), "max": round(max(timings), 2),
                         "cpu_median": round(statistics.median(cpu), 2), "cpu_max": round(max(cpu), 2),
                         "over_50ms": sum(t >= 50 for t in timings), "cpu_over_50ms": sum(t >= 50 for t in cpu)}
        order = sorted(range(len(queries)), key=lambda i: -timings[i])[:5]
        result["slowest"] = [{"class": queries[i].kind, "query": queries[i].text, "ms": round(timings[i], 2),
                              "cpu_ms": round(cpu[i], 2), "read": work[i]} for i in order]
        result["all"]["most_read"] = {name: max(w.get(name, 0) for w in work) for name in COUNTERS}
        result["all"]["own_page"] = [sum(c["own_page"][i] for c in result["classes"].values() if c["own_page"])
                                     for i in (0, 1)]
        if top:
            result["profile"] = profile(searcher, queries, top, analysis)
        return result
    finally:
        searcher.close()


def report(results: list[dict], args: argparse.Namespace) -> str:
    memos = ", analysis memos emptied too" if args.cold_analysis else ""
    runs = "one cold run per query under callgrind" if args.callgrind else f"median of {args.repeat} cold runs per query"
    lines = [f"query cost, seed {args.seed}, {args.per_class} per class, {runs}{memos}", ""]
    for r in results:
        unit = r["unit"]
        cpu_column = "" if args.callgrind else " CPU median / max ms |"
        lines += [f"## {r['corpus']} ({r['pages']} pages, {r['queries']} queries)", "",
                  f"| class | n | median {unit} | p99 {unit} | max {unit} |{cpu_column} own page @1 / @10 | most read: "
                  + " / ".join(COUNTERS) + " |", "| --- " * (7 if args.callgrind else 8) + "|"]
        for kind, s in {**r["classes"], "all": r["all"]}.items():
            most = " / ".join(str(s["most_read"][name]) for name in COUNTERS)
            own = " / ".join(map(str, s["own_page"])) if s["own_page"] else ""
            cpu = "" if args.callgrind else f" {s['cpu_median']} / {s['cpu_max']} |"
            lines.append(f"| {kind} | {s['n']} | {s['median']} | {s['p99']} | {s['max']} |{cpu} {own} | {most} |")
        over = "" if args.callgrind else f"over 50 ms: {r['all']['over_50ms']} (CPU time: {r['all']['cpu_over_50ms']}); "
        lines += ["", f"{over}slowest:"]
        lines += [f"- {s['ms']} {unit}" + ("" if args.callgrind else f" (CPU {s['cpu_ms']})")
                  + f" [{s['class']}] {s['query']} ("
                  + ", ".join(f"{s['read'].get(name, 0)} {name}" for name in COUNTERS) + ")" for s in r["slowest"]]
        if "profile" in r:
            lines += ["", r["profile"]]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, action="append",
                        help="a site folder (default: every site of ../shared/corpus but 'bad')")
    parser.add_argument("--per-class", type=int, default=30, help="generated queries per class (default 30)")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per query; its median counts (default 3)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--work", type=Path, help="keep the indexes here (reused when present)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--cold-analysis", action="store_true",
                        help="also empty the analysis' memos of words before each run")
    parser.add_argument("--callgrind", metavar="PREFIX",
                        help="count instructions instead of timing (stable on a busy host); run as "
                             "valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce "
                             "--dump-after=functools_reduce --callgrind-out-file=PREFIX .venv/bin/python "
                             "bench/query_cost.py --callgrind PREFIX --work DIR (with the index built already)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sites = args.corpus or [SHARED / "corpus" / name for name in ("beta.gouv.fr", "site-eig")]
    results = []
    with tempfile.TemporaryDirectory(prefix="query-cost-") as tmp:
        for site in sites:
            results.append(run(site, Path(args.work or tmp) / site.name / "index", args.per_class,
                               args.repeat, args.seed, args.profile, args.cold_analysis, args.callgrind))
    print(json.dumps(results, indent=1, ensure_ascii=False) if args.json else report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
