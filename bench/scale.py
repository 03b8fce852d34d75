"""How casesearch grows with the number of pages (issue 12, "Performance at 50,000 pages").

    .venv/bin/python bench/scale.py [--sizes 1k,5k,20k] [--corpus ../shared/corpus/site-eig ...]
                                    [--seed 12] [--work DIR] [--rounds 1] [--generated 200]
                                    [--json] [--png FILE]

For each size, a generated Jekyll site of that many pages, made from the real pages of
../shared/corpus (both sites, or those given by --corpus): page k is a copy of a real
page that casesearch indexes, under a new file name (`-c<n>` added to its stem), its
paragraphs shuffled (seeded: the same size and seed give the same site). The site is the
first corpus's: its `_config.yml` copied, its pages' copies in their own folders (so in
the collections and included folders of that config); the other corpora's pages go to a
plain folder named after their site, their folders' leading `_` dropped
(`site-eig/_defis/x.md` -> `site-eig/defis/x-c0.md`), without their front-matter
`permalink`. A fixed front-matter permalink of a copy gets the same `-c<n>`, so every
copy has its own URL. With `--work DIR` the generated sites are kept there and reused
(50k pages are not generated again on each run).

Then, per size, each in a fresh process, in turns (`--rounds` times):

- full builds: casesearch (`indexer.reindex(settings, full=True)`), whoosh out of the box
  (`bench/reindex.py`'s `whoosh_baseline`) and SQLite FTS5 out of the box (`bench/relevance.py`'s
  `read_pages` and `FTS5OOB`, in memory); CPU seconds (user + sys of the process and of any
  child it starts, counted from after its imports), wall seconds, the process's peak RSS;
- casesearch's reindex with nothing changed, in a process of its own as an editor runs it, as a
  share of the full build;
- a worker: `Searcher(settings, background=True)` and `snapshot()` as the service opens it
  (`casesearch.web` imported first, as a gunicorn worker has it), timed; the process's
  private memory (Private_Clean + Private_Dirty of /proc/self/smaps_rollup) and RSS before
  and after; then the first 10 judged queries (different queries, in the file's order)
  one after the other: the first's time against the tenth's;
- in the same process, then: every judged query of ../shared/eval/dev-queries.json (whatever its
  site) and `--generated` queries of `bench/query_cost.py`'s generator (12 words of a page,
  with typos, scattered, rare words, synonyms, mixes, compounds, taken in turn; generated
  beforehand in a process of their own, as the generator reads every page), each timed
  once through `Searcher.search` (p50 / p99, and per class of query); between two queries,
  untimed, the worker rests as the service does once a response is sent (`Searcher.rest`:
  Python's garbage collections, put off from the queries; their total is reported); the
  worker's memory after them all; the same texts on the whoosh index (`MultifieldParser(["title", "body"])`,
  top 10), in its own process.

The host's load average at start and end and the share of CPU time stolen from this
virtual machine (/proc/stat) are reported with the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reindex import in_child, whoosh_baseline  # noqa: E402 - bench/, beside this script
from timing import percentile  # noqa: E402

DEFAULT_CORPORA = ("beta.gouv.fr", "site-eig")
DEFAULT_QUERIES = SHARED / "eval" / "dev-queries.json"
MARKER = "scale-corpus.json"   # written last in a generated corpus: what it was made from
GENERATOR = 1                  # raise it when generate() makes other sites: older ones are made again
FIRST_QUERIES = 10


# -- generating a site ---------------------------------------------------------------

def settings_for(content: Path, index_dir: Path):  # noqa: ANN201 - casesearch Settings
    from casesearch.config import load_settings
    return load_settings({"content_dir": content, "index_dir": index_dir}, environ={})


def indexed_sources(site: Path) -> list[str]:
    """The files casesearch indexes in `site` (a full build into a temporary folder)."""
    from casesearch.indexer import reindex
    with tempfile.TemporaryDirectory(prefix="scale-sources-") as tmp:
        report = reindex(settings_for(site, Path(tmp) / "index"), full=True)
    return sorted({*report.added, *report.updated})


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter with its fences, the rest); ("", text) when the file has none."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return "", text
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "".join(lines[:i + 1]), "".join(lines[i + 1:])
    return "", text


def shuffle_paragraphs(body: str, rng: random.Random) -> str:
    """The blocks between blank lines in a seeded order; a fenced code block stays one block."""
    blocks: list[str] = []
    current: list[str] = []
    fence = ""
    for line in body.splitlines():
        stripped = line.strip()
        opener = re.match(r"(`{3,}|~{3,})", stripped)
        if fence:
            current.append(line)
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = ""
        elif opener:
            current.append(line)
            fence = opener.group(1)
        elif stripped:
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    rng.shuffle(blocks)
    return "\n\n".join(blocks) + "\n"


def new_name(name: str, copy: int) -> str:
    """`name` with `-c<copy>` at the end of its stem (a post keeps its date prefix)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name}-c{copy}"
    return f"{stem}-c{copy}.{ext}"


def new_permalink(front: str, copy: int, relocated: bool) -> str:
    """A fixed `permalink` gets `-c<copy>` (one with placeholders takes the new file name
    by itself); a page moved out of its site loses it, its URL comes from its new path."""
    def fix(match: re.Match[str]) -> str:
        key, quote, value, end = match.groups()
        if relocated:
            return ""
        if re.search(r":[a-z_]", value):
            return match.group(0)
        if value.endswith("/"):
            value = value.rstrip("/") + f"-c{copy}/"
        else:
            head, dot, ext = value.rpartition(".")
            value = f"{head}-c{copy}.{ext}" if dot and "/" not in ext else f"{value}-c{copy}"
        return f"{key}{quote}{value}{quote}{end}"
    return re.sub(r"^(permalink:[ \t]*)([\"']?)(.*?)\2([ \t]*(?:\n|$))", fix, front, flags=re.M)


def place(site: Path, source: str, base: Path, copy: int) -> str:
    """Where the copy of `site`'s `source` goes in the generated site of `base`."""
    folder, _, name = source.rpartition("/")
    if site == base:
        return f"{folder}/{new_name(name, copy)}" if folder else new_name(name, copy)
    parts = [site.name] + [p.lstrip("_") or p for p in folder.split("/") if p]
    return "/".join(parts + [new_name(name, copy)])


def copy_page(site: Path, source: str, target: Path, copy: int, relocated: bool, rng: random.Random) -> None:
    data = (site / source).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        target.write_bytes(data)
        return
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, body = split_front_matter(text)
    if front:
        text = new_permalink(front, copy, relocated) + "\n" + shuffle_paragraphs(body, rng)
    elif "." in source.rpartition("/")[2]:   # an extension-less page needs its front matter first
        text = shuffle_paragraphs(body, rng)
    target.write_bytes(text.encode("utf-8"))


def generate(corpora: list[Path], pages: int, seed: int, work: Path, sources: dict[str, list[str]] | None = None,
             log=print) -> Path:  # noqa: ANN001
    """The generated site of `pages` pages (reused when `work` holds it already)."""
    out = work / f"corpus-{'+'.join(c.name for c in corpora)}-{pages}-seed{seed}"
    site_dir = out / "site"
    wanted = {"corpora": [str(c.resolve()) for c in corpora], "pages": pages, "seed": seed, "generator": GENERATOR}
    marker = out / MARKER
    if marker.is_file():
        made = json.loads(marker.read_text(encoding="utf-8"))
        if {k: made.get(k) for k in wanted} == wanted:
            return site_dir
    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    sources = sources if sources is not None else {}
    for c in corpora:
        listed = work / f"sources-{c.name}.json"   # kept with the generated sites: a new size reuses it
        if c.name not in sources and listed.is_file():
            kept = json.loads(listed.read_text(encoding="utf-8"))
            if kept["corpus"] == str(c.resolve()):
                sources[c.name] = kept["sources"]
        if c.name not in sources:
            log(f"listing the pages casesearch indexes in {c} ...")
            sources[c.name] = in_child(indexed_sources, c)
            listed.write_text(json.dumps({"corpus": str(c.resolve()), "sources": sources[c.name]}), encoding="utf-8")
    pool = [(c, s) for c in corpora for s in sources[c.name]]
    random.Random(f"{seed}-order").shuffle(pool)
    base = corpora[0]
    site_dir.mkdir(parents=True)
    shutil.copy2(base / "_config.yml", site_dir / "_config.yml")
    written = []
    for k in range(pages):
        site, source = pool[k % len(pool)]
        rel = place(site, source, base, k // len(pool))
        target = site_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_page(site, source, target, k // len(pool), site != base, random.Random(f"{seed}-{k}"))
        written.append(rel)
    marker.write_text(json.dumps({**wanted, "files": len(written), "real_pages": len(pool),
                                  "seconds": round(time.perf_counter() - started, 1)}, indent=1), encoding="utf-8")
    log(f"generated {pages} pages ({len(pool)} real ones) in {out} in {time.perf_counter() - started:.1f} s")
    return site_dir


# -- what a process used -----------------------------------------------------------------

def cpu_seconds() -> float:
    """User + system CPU of this process and of the children it waited for."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_mb() -> float:
    """This process's peak RSS, MB: VmHWM, not ru_maxrss, which in a child started by fork and
    exec (multiprocessing's spawn) is at least the parent's RSS at the fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_mb() -> dict:
    """This process's RSS and private memory (Private_Clean + Private_Dirty), MB."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0]) / 1024
    return {"rss_mb": round(fields.get("Rss", 0), 1),
            "private_mb": round(fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0), 1)}


def host_cpu() -> list[int]:
    """The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal ..."""
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


# -- in fresh processes ------------------------------------------------------------------

def casesearch_build(content: str, index_dir: str) -> dict:
    from casesearch.indexer import reindex

    settings = settings_for(Path(content), Path(index_dir))
    cpu, wall = cpu_seconds(), time.perf_counter()
    full = reindex(settings, full=True)
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    return {"pages": full.indexed, "failed": len(full.errors), "skipped": len(full.skipped),
            "errors": [f"{e.source}: {e.message}" for e in full.errors[:5]],
            "cpu_s": cpu, "wall_s": wall, "peak_mb": peak_mb()}


def casesearch_nochange(content: str, index_dir: str) -> dict:
    """`casesearch reindex` with nothing changed, as an editor runs it after publishing:
    a process of its own."""
    from casesearch.indexer import reindex

    settings = settings_for(Path(content), Path(index_dir))
    cpu, wall = cpu_seconds(), time.perf_counter()
    same = reindex(settings)
    return {"nochange_cpu_s": cpu_seconds() - cpu, "nochange_wall_s": time.perf_counter() - wall,
            "nochange_published": same.published}


def whoosh_build(content: str, out: str) -> dict:
    import frontmatter  # noqa: F401 - imported before the clock, as casesearch's are
    import whoosh.analysis  # noqa: F401

    cpu = cpu_seconds()
    made = whoosh_baseline(content, out)   # its own peak_mb is ru_maxrss: see peak_mb()
    return {"pages": made["pages"], "cpu_s": cpu_seconds() - cpu, "wall_s": made["seconds"], "peak_mb": peak_mb()}


def fts5_build(content: str, work: str) -> dict:
    import frontmatter  # noqa: F401
    from relevance import FTS5OOB, fts5_available, read_pages

    import casesearch.reader  # noqa: F401

    why_not = fts5_available()
    if why_not:
        return {"skipped": why_not}
    cpu, wall = cpu_seconds(), time.perf_counter()
    pages, _ = read_pages(Path(content), Path(work))
    fts = FTS5OOB(pages)
    result = {"pages": len(pages), "cpu_s": cpu_seconds() - cpu, "wall_s": time.perf_counter() - wall,
              "peak_mb": peak_mb()}
    fts.close()
    return result


def timed(search, texts: list[str], rest=None, rested: list[float] | None = None) -> list[float]:  # noqa: ANN001
    """ms each search of `texts` took; `rest` runs after each, untimed (a service's worker
    rests between two requests: `Searcher.rest`), its ms appended to `rested`."""
    out = []
    for text in texts:
        began = time.perf_counter()
        search(text)
        out.append((time.perf_counter() - began) * 1000)
        if rest is not None:
            began = time.perf_counter()
            rest()
            if rested is not None:
                rested.append((time.perf_counter() - began) * 1000)
    return out


def copies(site: Path, pages: int) -> int:
    """How many copies of each real page a generated site of `pages` pages holds, at most
    (from the marker `generate` wrote beside it)."""
    real = json.loads((site.parent / MARKER).read_text(encoding="utf-8"))["real_pages"]
    return -(-pages // real)


def query_texts(content: str, index_dir: str, judged: list[str], generated: int, seed: int,
                copies: int) -> list[tuple[str, str]]:
    """(class, text) of every query to time: the judged ones, then `generated` of
    query_cost.py's. Made in a process of its own: the generator reads every page's record,
    which a worker never does, so the worker's memory is what serving alone costs."""
    from casesearch.searcher import Searcher

    searcher = Searcher(settings_for(Path(content), Path(index_dir)))
    try:
        return [("judged", text) for text in judged] + generated_queries(searcher.snapshot(), generated, seed, copies)
    finally:
        searcher.close()


def casesearch_worker(content: str, index_dir: str, queries: list[tuple[str, str]]) -> dict:
    """Open as a service worker, memory, the first queries; then every query timed once."""
    import casesearch.web  # noqa: F401 - what a gunicorn worker imports (wsgi.py)
    from casesearch.searcher import Searcher

    settings = settings_for(Path(content), Path(index_dir))
    judged = [text for kind, text in queries if kind == "judged"]
    before = memory_mb()
    began = time.perf_counter()
    searcher = Searcher(settings, background=True)
    snap = searcher.snapshot()
    open_s = time.perf_counter() - began
    after = memory_mb()
    try:
        began = time.perf_counter()
        searcher.warm()   # what the service does next, before it accepts requests (web.create_app)
        warm_s = time.perf_counter() - began
        # between two queries the worker rests as the service does once a response is sent
        # (Python's collections of what the requests left, `Searcher.rest`): untimed, summed
        first = timed(searcher.search, judged[:FIRST_QUERIES], searcher.rest)
        again = timed(searcher.search, judged[:1], searcher.rest)[0]
        after_first = memory_mb()
        texts = [text for _, text in queries]
        rested: list[float] = []
        collections = searcher._rests
        times = timed(searcher.search, texts, searcher.rest, rested)
        return {"open_s": open_s, "warm_s": warm_s, "pages": snap.pages(), "memory_before_open": before, "memory_open": after,
                "memory_after_first_queries": after_first, "first_queries_ms": first, "first_again_ms": again,
                "queries": texts, "kinds": [kind for kind, _ in queries], "query_ms": times,
                "rest_ms": sum(rested), "rests": searcher._rests - collections,
                "memory_end": memory_mb(), "peak_mb": peak_mb()}
    finally:
        searcher.close()


def by_class(kinds: list[str], times: list[float]) -> dict[str, dict]:
    """Per class of query (judged, page12, typo12, ...: query_cost.py's), in the order first
    met: how many, and p50 / p99 / max ms."""
    found: dict[str, list[float]] = {}
    for kind, ms in zip(kinds, times, strict=True):
        found.setdefault(kind, []).append(ms)
    return {kind: {"queries": len(ms), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99), "max_ms": max(ms)}
            for kind, ms in found.items()}


class _Copies:
    """A generation seen by query_cost.py's generator as if each real page were one page:
    a word held by no more pages than a real page has copies counts as held by one (its
    `rare12` words), which no word of a site of copies is otherwise."""

    def __init__(self, snap, copies: int) -> None:  # noqa: ANN001 - casesearch Snapshot
        self.stored, self.vocabulary, self.copies = snap.stored, self, copies
        self._vocabulary = snap.vocabulary

    def load(self):  # noqa: ANN201
        return self._vocabulary.load()

    def doc_frequency(self, word: str) -> int:
        found = self._vocabulary.doc_frequency(word)
        return 1 if 0 < found <= self.copies else found


def generated_queries(snap, n: int, seed: int, copies: int = 1) -> list[tuple[str, str]]:  # noqa: ANN001
    """n of query_cost.py's generated queries, as (class, text), its classes taken in turn."""
    from query_cost import generate as hard_queries

    classes: dict[str, list[str]] = {}
    for q in hard_queries(_Copies(snap, copies), f"scale-{snap.pages()}", -(-n // 7), seed):
        classes.setdefault(q.kind, []).append(q.text)
    out: list[tuple[str, str]] = []
    while len(out) < n and any(classes.values()):
        for kind, texts in classes.items():
            if texts and len(out) < n:
                out.append((kind, texts.pop(0)))
    return out


def whoosh_queries(out: str, judged: list[str], texts: list[str]) -> dict:
    from whoosh import index
    from whoosh.qparser import MultifieldParser

    began = time.perf_counter()
    ix = index.open_dir(out)
    searcher = ix.searcher()
    parser = MultifieldParser(["title", "body"], ix.schema)
    open_s = time.perf_counter() - began

    def search(text: str) -> None:
        [hit["path"] for hit in searcher.search(parser.parse(text), limit=10)]
    try:
        timed(search, judged[:FIRST_QUERIES])   # as casesearch's worker ran them before
        return {"open_s": open_s, "query_ms": timed(search, texts)}
    finally:
        searcher.close()
        ix.close()


# -- a run ---------------------------------------------------------------------------

def one_size(site: Path, pages: int, judged: list[str], args: argparse.Namespace, tmp: Path, log=print) -> dict:  # noqa: ANN001
    rounds = []
    for n in range(args.rounds):
        turn = {}
        whoosh_dir = tmp / f"whoosh-{n}"
        whoosh_dir.mkdir()
        log(f"  {pages} pages, round {n + 1}: whoosh ...")
        turn["whoosh"] = in_child(whoosh_build, str(site), str(whoosh_dir))
        log(f"  {pages} pages, round {n + 1}: casesearch ...")
        turn["casesearch"] = in_child(casesearch_build, str(site), str(tmp / f"casesearch-{n}"))
        turn["casesearch"] |= in_child(casesearch_nochange, str(site), str(tmp / f"casesearch-{n}"))
        log(f"  {pages} pages, round {n + 1}: FTS5 ...")
        turn["fts5"] = in_child(fts5_build, str(site), str(tmp / "fts5"))
        rounds.append(turn)
        if n:
            shutil.rmtree(whoosh_dir)
            shutil.rmtree(tmp / f"casesearch-{n}")
    log(f"  {pages} pages: a casesearch worker, queries ...")
    queries = in_child(query_texts, str(site), str(tmp / "casesearch-0"), judged, args.generated, args.seed,
                       copies(site, pages))
    worker = in_child(casesearch_worker, str(site), str(tmp / "casesearch-0"), queries)
    log(f"  {pages} pages: whoosh queries ...")
    theirs = in_child(whoosh_queries, str(tmp / "whoosh-0"), judged, worker["queries"])

    def median(system: str, key: str) -> float | None:
        values = [r[system][key] for r in rounds if key in r[system]]
        return statistics.median(values) if values else None

    builds = {s: {k: median(s, k) for k in ("cpu_s", "wall_s", "peak_mb")} for s in ("casesearch", "whoosh", "fts5")}
    cs = rounds[0]["casesearch"]
    return {
        "pages": pages,
        "indexed": {"casesearch": cs["pages"], "whoosh": rounds[0]["whoosh"]["pages"],
                    "fts5": rounds[0]["fts5"].get("pages"), "casesearch_failed": cs["failed"],
                    "casesearch_skipped": cs["skipped"], "casesearch_errors": cs["errors"]},
        "build": builds,
        "build_cpu_ratio": statistics.median(r["casesearch"]["cpu_s"] / r["whoosh"]["cpu_s"] for r in rounds),
        "build_cpu_ratios": [r["casesearch"]["cpu_s"] / r["whoosh"]["cpu_s"] for r in rounds],
        "nochange_share": statistics.median(r["casesearch"]["nochange_wall_s"] / r["casesearch"]["wall_s"]
                                            for r in rounds),
        "nochange_cpu_share": statistics.median(r["casesearch"]["nochange_cpu_s"] / r["casesearch"]["cpu_s"]
                                                for r in rounds),
        "rounds": rounds,
        "queries": {"judged": len(judged), "generated": len(worker["queries"]) - len(judged),
                    "casesearch_p50_ms": percentile(worker["query_ms"], 50),
                    "casesearch_p99_ms": percentile(worker["query_ms"], 99),
                    "casesearch_max_ms": max(worker["query_ms"]),
                    "whoosh_p50_ms": percentile(theirs["query_ms"], 50),
                    "whoosh_p99_ms": percentile(theirs["query_ms"], 99),
                    "whoosh_max_ms": max(theirs["query_ms"]), "whoosh_open_s": theirs["open_s"],
                    "slowest": sorted(zip(worker["query_ms"], worker["queries"]), reverse=True)[:5],
                    "by_class": by_class(worker["kinds"], worker["query_ms"])},
        "worker": {k: v for k, v in worker.items() if k not in ("queries", "kinds", "query_ms")},
    }


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if part:
            sizes.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be page counts such as 1k,5k,20k, not {text!r}")
    return sizes


def run(args: argparse.Namespace, log=print) -> dict:  # noqa: ANN001
    corpora = args.corpus or [SHARED / "corpus" / name for name in DEFAULT_CORPORA]
    judged = [q["query"] for q in json.loads(args.queries.read_text(encoding="utf-8"))["queries"]]
    load_start, stat_start, began = os.getloadavg(), host_cpu(), time.perf_counter()
    results = []
    sources: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for pages in args.sizes:
            site = generate(corpora, pages, args.seed, work, sources, log)
            with tempfile.TemporaryDirectory(prefix="scale-index-", dir=work) as indexes:
                results.append(one_size(site, pages, judged, args, Path(indexes), log))
            log(table({"sizes": results[-1:]}).splitlines()[-1])
    stat_end = host_cpu()
    spent = [b - a for a, b in zip(stat_start, stat_end)]
    return {
        "corpora": [c.name for c in corpora], "seed": args.seed, "rounds": args.rounds,
        "date": time.strftime("%Y-%m-%d %H:%M"), "code": code_version(), "seconds": round(time.perf_counter() - began),
        "host": {"cores": os.cpu_count(), "load_start": [round(x, 2) for x in load_start],
                 "load_end": [round(x, 2) for x in os.getloadavg()],
                 "busy_share": round(1 - (spent[3] + spent[4]) / sum(spent), 3) if sum(spent) else None,
                 "steal_share": round(spent[7] / sum(spent), 4) if len(spent) > 7 and sum(spent) else None},
        "sizes": results,
    }


def code_version() -> str:
    from relevance import code_version as version
    return version()


# -- printing ------------------------------------------------------------------------

def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(result: dict) -> str:
    lines = ["| pages | full build CPU s: casesearch / whoosh / FTS5 | ratio | build peak RSS MB "
             "| query p50 / p99 ms (whoosh) | open per worker s / private MB | first / tenth query ms "
             "| no-change reindex % of full |", "| --- " * 8 + "|"]
    for r in result["sizes"]:
        b, q, w = r["build"], r["queries"], r["worker"]
        first = w["first_queries_ms"]
        lines.append(
            f"| {r['pages']:,} | {_f(b['casesearch']['cpu_s'])} / {_f(b['whoosh']['cpu_s'])} / {_f(b['fts5']['cpu_s'])} "
            f"| {r['build_cpu_ratio']:.2f}x "
            f"| {_f(b['casesearch']['peak_mb'], 0)} / {_f(b['whoosh']['peak_mb'], 0)} / {_f(b['fts5']['peak_mb'], 0)} "
            f"| {q['casesearch_p50_ms']:.1f} / {q['casesearch_p99_ms']:.1f} "
            f"({q['whoosh_p50_ms']:.1f} / {q['whoosh_p99_ms']:.1f}) "
            f"| {w['open_s']:.2f} / {w['memory_open']['private_mb']:.0f} "
            f"(+{w['memory_open']['private_mb'] - w['memory_before_open']['private_mb']:.0f}) "
            f"| {first[0]:.1f} / {first[-1]:.1f} | {r['nochange_share']:.1%} |")
    return "\n".join(lines)


def details(result: dict) -> str:
    h = result["host"]
    lines = [f"{result['date']}, casesearch at {result['code']}, corpora {' + '.join(result['corpora'])}, "
             f"seed {result['seed']}, {result['rounds']} round(s), {result['seconds']} s",
             f"host: {h['cores']} cores, load average {' '.join(map(str, h['load_start']))} at start, "
             f"{' '.join(map(str, h['load_end']))} at end; busy {_f(100 * (h['busy_share'] or 0))}%, "
             f"steal {_f(100 * (h['steal_share'] or 0), 2)}% of all CPU time during the run", ""]
    lines += ["| pages | indexed: casesearch / whoosh / FTS5 | build wall s: casesearch / whoosh / FTS5 "
              "| casesearch pages/s (CPU) | queries timed (judged + generated) | query max ms (whoosh) "
              "| worker private MB after open / after 11 queries / after all (RSS) | worker warm-up s "
              "| first query again ms | collections between the queries: ms in all (how many) |",
              "| --- " * 10 + "|"]
    for r in result["sizes"]:
        b, q, w, i = r["build"], r["queries"], r["worker"], r["indexed"]
        lines.append(
            f"| {r['pages']:,} | {i['casesearch']} / {i['whoosh']} / {i['fts5']} "
            f"| {_f(b['casesearch']['wall_s'])} / {_f(b['whoosh']['wall_s'])} / {_f(b['fts5']['wall_s'])} "
            f"| {i['casesearch'] / b['casesearch']['cpu_s']:.0f} "
            f"| {q['judged']} + {q['generated']} | {q['casesearch_max_ms']:.0f} ({q['whoosh_max_ms']:.0f}) "
            f"| {w['memory_open']['private_mb']:.0f} / {w['memory_after_first_queries']['private_mb']:.0f} "
            f"/ {w['memory_end']['private_mb']:.0f} ({w['memory_end']['rss_mb']:.0f}) "
            f"| {_f(w.get('warm_s'), 2)} | {w['first_again_ms']:.1f} "
            f"| {_f(w.get('rest_ms'))} ({w.get('rests', '-')}) |")
    lines += ["", "| pages | class of query | queries | p50 / p99 / max ms |", "| --- " * 4 + "|"]
    for r in result["sizes"]:
        for kind, c in r["queries"].get("by_class", {}).items():
            lines.append(f"| {r['pages']:,} | {kind} | {c['queries']} "
                         f"| {c['p50_ms']:.1f} / {c['p99_ms']:.1f} / {c['max_ms']:.1f} |")
    for r in result["sizes"]:
        i = r["indexed"]
        if i["casesearch_failed"] or i["casesearch"] != r["pages"]:
            lines.append(f"\n{r['pages']} pages: casesearch indexed {i['casesearch']} ({i['casesearch_failed']} "
                         f"failed, {i['casesearch_skipped']} skipped): {'; '.join(i['casesearch_errors'])}")
    return "\n".join(lines)


def draw(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    x = [r["pages"] for r in sizes]
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4.5))
    for system, label in (("casesearch", "casesearch"), ("whoosh", "whoosh OOB"), ("fts5", "SQLite FTS5")):
        a.plot(x, [r["build"][system]["cpu_s"] for r in sizes], "o-", label=label)
    a.set(title="full build", xlabel="pages", ylabel="CPU s", xscale="log", yscale="log")
    for color, (system, label) in enumerate((("casesearch", "casesearch"), ("whoosh", "whoosh OOB"))):
        for p, style in ((50, "o-"), (99, "s--")):
            b.plot(x, [r["queries"][f"{system}_p{p}_ms"] for r in sizes], style, color=f"C{color}",
                   label=f"{label} p{p}")
    b.set(title="queries (judged + generated), each once", xlabel="pages", ylabel="ms", xscale="log", yscale="log")
    c.plot(x, [r["worker"]["open_s"] for r in sizes], "o-", color="C0", label="open s")
    c.set(title="a worker opening the index", xlabel="pages", ylabel="open s", xscale="log", yscale="log")
    mem = c.twinx()
    mem.plot(x, [r["worker"]["memory_open"]["private_mb"] for r in sizes], "s--", color="C1", label="private MB")
    mem.set(ylabel="private MB", yscale="log")
    for ax in (a, b):
        ax.legend()
    c.legend(handles=c.get_lines() + mem.get_lines(), loc="upper left")
    h = result["host"]
    fig.suptitle(f"casesearch at {result['code']}, {result['date']}, load {h['load_start'][0]} -> {h['load_end'][0]} "
                 f"on {h['cores']} cores")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1k,5k,20k"),
                        help="page counts, comma-separated, k for thousands (default 1k,5k,20k; 50k when asked)")
    parser.add_argument("--corpus", type=Path, action="append",
                        help="a real site to copy pages from, its _config.yml for the first one "
                             f"(default: {', '.join(DEFAULT_CORPORA)} of ../shared/corpus)")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="judged queries (all are run)")
    parser.add_argument("--generated", type=int, default=200, help="generated hard queries (default 200)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--work", type=Path, help="keep the generated sites here, reused by later runs")
    parser.add_argument("--rounds", type=int, default=1, help="builds of each system per size, in turns (median)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--png", type=Path, help="draw the figures into this PNG file (matplotlib)")
    args = parser.parse_args(argv)
    for c in args.corpus or []:
        if not (c / "_config.yml").is_file():
            parser.error(f"--corpus {c}: no _config.yml there")
    if args.png and importlib.util.find_spec("matplotlib") is None:   # said now, not after the run
        parser.error("--png needs matplotlib: .venv/bin/pip install -e '.[bench]'")
    result = run(args, log=lambda text: print(text, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else table(result) + "\n\n" + details(result),
          flush=True)
    if args.png:
        draw(result, args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
