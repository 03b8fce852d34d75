"""Relevance of casesearch on judged queries, beside whoosh and SQLite FTS5 out of the box.

    .venv/bin/python bench/relevance.py [QUERIES.json] [--corpus-root DIR] [--k 10] [--json]
                                        [--systems casesearch,whoosh,fts5]

QUERIES.json has the shape of ../shared/eval/dev-queries.json: {"queries": [{"id", "corpus",
"query", "relevant": [paths relative to the corpus root], ...}]}; `corpus` names the site
folder under the corpus root (default: the `corpus` folder beside the queries file's folder).

Each site is indexed once per system, over the same candidate files (casesearch's own
`reader.discover`), then every query of that site is run and its top k mapped back to
files. Systems:

- casesearch: `Searcher.search(q, per_page=k, prefix=False)`, i.e. a submitted query;
- casesearch (as you type): the same with the API's default `prefix=True` (the last word
  is also completed as a prefix);
- whoosh OOB: `LanguageAnalyzer("fr")` on title (field_boost 2) and body, pages read with
  python-frontmatter (body = raw markdown), `MultifieldParser(["title", "body"])` with its
  default AND grouping, BM25F defaults;
- SQLite FTS5: `fts5(title, body, tokenize="unicode61 remove_diacritics 2")` over the same
  pages, ordered by `bm25(pages, 5.0, 1.0)`; the query is each whitespace-separated word
  quoted as an FTS5 string (inner `"` doubled, words without a letter or digit dropped),
  implicit AND, and if AND finds nothing the same strings joined with OR.

Metrics over queries: success@1, success@3 (a judged page in the top 1 / 3), MRR@k
(1/rank of the first judged page, 0 past k), recall@k (share of the judged pages in the top
k), and per query the rank of the first judged page.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_QUERIES = SHARED / "eval" / "dev-queries.json"
sys.path.insert(0, str(ROOT / "src"))

CASESEARCH = "casesearch"
CASESEARCH_TYPING = "casesearch (as you type)"
WHOOSH = "whoosh OOB"
FTS5 = "SQLite FTS5"
SYSTEMS = {"casesearch": (CASESEARCH, CASESEARCH_TYPING), "whoosh": (WHOOSH,), "fts5": (FTS5,)}


# -- metrics -------------------------------------------------------------------

@dataclass
class QueryScore:
    """One query's outcome for one system."""
    first_rank: int | None      # rank (1-based) of the first judged page within the top k
    found: int                  # judged pages within the top k
    judged: int

    @property
    def reciprocal_rank(self) -> float:
        return 1.0 / self.first_rank if self.first_rank else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.judged if self.judged else 0.0

    def success(self, at: int) -> bool:
        return self.first_rank is not None and self.first_rank <= at


@dataclass
class Summary:
    queries: int
    success_at_1: float
    success_at_3: float
    mrr: float
    recall: float


def score_query(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> QueryScore:
    """Compare a ranking (paths, best first) with the judged pages; only the top k counts."""
    judged = set(relevant)
    top = list(dict.fromkeys(ranked))[:k]     # a page listed twice counts once, at its best rank
    first = next((i for i, path in enumerate(top, 1) if path in judged), None)
    return QueryScore(first_rank=first, found=len(judged.intersection(top)), judged=len(judged))


def summarize(scores: Sequence[QueryScore]) -> Summary:
    n = len(scores)
    if not n:
        return Summary(0, 0.0, 0.0, 0.0, 0.0)
    return Summary(
        queries=n,
        success_at_1=sum(s.success(1) for s in scores) / n,
        success_at_3=sum(s.success(3) for s in scores) / n,
        mrr=sum(s.reciprocal_rank for s in scores) / n,
        recall=sum(s.recall for s in scores) / n,
    )


# -- judged queries ------------------------------------------------------------

@dataclass
class Judged:
    id: str
    corpus: str
    query: str
    relevant: list[str]
    extra: dict = field(default_factory=dict)


def load_queries(path: Path) -> list[Judged]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for i, q in enumerate(data["queries"]):
        missing = {"corpus", "query", "relevant"} - set(q)
        if missing:
            raise ValueError(f"{path}: query #{i} lacks {', '.join(sorted(missing))}")
        rest = {k: v for k, v in q.items() if k not in ("id", "corpus", "query", "relevant")}
        out.append(Judged(str(q.get("id", i + 1)), q["corpus"], q["query"], list(q["relevant"]), rest))
    ids = [q.id for q in out]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"{path}: query ids used more than once: {', '.join(twice)}")
    return out


def default_corpus_root(queries_file: Path) -> Path:
    return Path(queries_file).resolve().parent.parent / "corpus"


# -- casesearch ----------------------------------------------------------------

def settings_for(site: Path, index_dir: Path):  # noqa: ANN201 - casesearch.config.Settings
    from casesearch.config import load_settings
    return load_settings({"content_dir": site, "index_dir": index_dir}, environ={})


def build_casesearch(site: Path, index_dir: Path):  # noqa: ANN201
    """Full build of `site` into `index_dir`; (settings, report)."""
    from casesearch.indexer import reindex
    settings = settings_for(site, index_dir)
    report = reindex(settings, full=True)
    return settings, report


def casesearch_ranking(searcher, text: str, k: int, prefix: bool, corpus: str) -> list[str]:  # noqa: ANN001
    """Top k of a casesearch Searcher, as paths relative to the corpus root."""
    from casesearch.searcher import MAX_PER_PAGE
    per_page = min(k, MAX_PER_PAGE)
    out: list[str] = []
    page = 1
    while len(out) < k:
        result = searcher.search(text, page=page, per_page=per_page, prefix=prefix)
        out += [f"{corpus}/{hit.source}" for hit in result.hits]
        if page * per_page >= result.total:
            break
        page += 1
    return out[:k]


# -- out-of-the-box baselines --------------------------------------------------

@dataclass
class Page:
    source: str      # relative to the site folder
    title: str
    body: str


def read_pages(site: Path, work: Path) -> tuple[list[Page], list[str]]:
    """Pages as a user of python-frontmatter would read them: (pages, sources it could not parse).

    Candidates are casesearch's own (`reader.discover`: .md, .markdown, .html and extension-less
    files with front matter; no `_drafts`, no `_*` file, no `_includes`-like or hidden folder),
    so every system sees the same files. `work` is only a placeholder index folder."""
    import frontmatter

    from casesearch.reader import discover

    files, _ = discover(settings_for(site, work / "unused-index"))
    pages, bad = [], []
    for f in files:
        try:
            post = frontmatter.loads(f.path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - out of the box, a page that does not parse is skipped
            bad.append(f.source)
            continue
        title = post.get("title") or post.get("name") or post.get("nom") or f.path.stem
        pages.append(Page(f.source, str(title), post.content))
    return pages, bad


class WhooshOOB:
    def __init__(self, pages: list[Page], index_dir: Path) -> None:
        from whoosh import fields, index
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.qparser import MultifieldParser

        schema = fields.Schema(
            path=fields.ID(stored=True),
            title=fields.TEXT(analyzer=LanguageAnalyzer("fr"), field_boost=2.0),
            body=fields.TEXT(analyzer=LanguageAnalyzer("fr")))
        index_dir.mkdir(parents=True, exist_ok=True)
        self.ix = index.create_in(str(index_dir), schema)
        writer = self.ix.writer()
        for p in pages:
            writer.add_document(path=p.source, title=p.title, body=p.body)
        writer.commit()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema)
        self.searcher = self.ix.searcher()

    def ranking(self, text: str, k: int, corpus: str) -> list[str]:
        results = self.searcher.search(self.parser.parse(text), limit=k)
        return [f"{corpus}/{hit['path']}" for hit in results]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


def fts5_query(text: str, op: str = " ") -> str:
    """The visitor's words as FTS5 strings: quoted (so no word is taken as syntax), joined by `op`."""
    words = [w for w in text.split() if re.search(r"\w", w)]
    return op.join('"' + w.replace('"', '""') + '"' for w in words)


def fts5_available() -> str | None:
    """None if this sqlite3 has FTS5 with remove_diacritics 2, else why not."""
    if sqlite3.sqlite_version_info < (3, 27, 0):
        return f"SQLite {sqlite3.sqlite_version} is older than 3.27 (remove_diacritics 2)"
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
    except sqlite3.OperationalError as exc:
        return f"SQLite {sqlite3.sqlite_version} has no FTS5: {exc}"
    finally:
        db.close()
    return None


class FTS5OOB:
    def __init__(self, pages: list[Page]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute('CREATE VIRTUAL TABLE pages USING fts5(title, body, '
                        'tokenize="unicode61 remove_diacritics 2")')
        self.db.executemany("INSERT INTO pages(rowid, title, body) VALUES (?, ?, ?)",
                            [(i, p.title, p.body) for i, p in enumerate(pages)])
        self.sources = [p.source for p in pages]

    def ranking(self, text: str, k: int, corpus: str) -> list[str]:
        rows: list[tuple[int]] = []
        for op in (" ", " OR "):
            match = fts5_query(text, op)
            if not match:
                return []
            rows = self.db.execute("SELECT rowid FROM pages WHERE pages MATCH ? "
                                   "ORDER BY bm25(pages, 5.0, 1.0) LIMIT ?", (match, k)).fetchall()
            if rows:
                break
        return [f"{corpus}/{self.sources[r[0]]}" for r in rows]

    def close(self) -> None:
        self.db.close()


# -- a run ---------------------------------------------------------------------

def run_corpus(site: Path, corpus: str, queries: list[Judged], k: int, systems: Sequence[str],
               work: Path) -> tuple[dict[str, dict[str, list[str]]], dict]:
    """{system: {query id: ranked paths}} and facts about the build, for one site."""
    from casesearch.searcher import Searcher

    rankings: dict[str, dict[str, list[str]]] = {}
    facts: dict = {"corpus": corpus, "site": str(site)}
    if "casesearch" in systems:
        started = time.perf_counter()
        settings, report = build_casesearch(site, work / "casesearch")
        facts["casesearch"] = {"pages": report.indexed, "skipped": len(report.skipped),
                               "failed": len(report.errors), "build_s": round(time.perf_counter() - started, 2),
                               # a full build writes every page: new ones as added, the others as updated
                               "indexed": sorted({*report.added, *report.updated})}
        searcher = Searcher(settings)
        try:
            for name, prefix in ((CASESEARCH, False), (CASESEARCH_TYPING, True)):
                rankings[name] = {q.id: casesearch_ranking(searcher, q.query, k, prefix, corpus) for q in queries}
        finally:
            searcher.close()
    if "whoosh" in systems or "fts5" in systems:
        pages, bad = read_pages(site, work)
        facts["baseline_pages"] = {"pages": len(pages), "unparsable": len(bad),
                                   "indexed": sorted(p.source for p in pages)}
        if "whoosh" in systems:
            started = time.perf_counter()
            engine = WhooshOOB(pages, work / "whoosh")
            facts["whoosh"] = {"build_s": round(time.perf_counter() - started, 2)}
            try:
                rankings[WHOOSH] = {q.id: engine.ranking(q.query, k, corpus) for q in queries}
            finally:
                engine.close()
        if "fts5" in systems:
            why_not = fts5_available()
            if why_not:
                facts["fts5"] = {"skipped": why_not}
            else:
                started = time.perf_counter()
                fts = FTS5OOB(pages)
                facts["fts5"] = {"build_s": round(time.perf_counter() - started, 2)}
                try:
                    rankings[FTS5] = {q.id: fts.ranking(q.query, k, corpus) for q in queries}
                finally:
                    fts.close()
    return rankings, facts


def code_version() -> str:
    """The commit measured, and whether casesearch's sources differ from it (read-only git calls)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "src"], cwd=ROOT,
                               capture_output=True, timeout=10).returncode != 0
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + uncommitted changes in src/" if dirty else "")


def evaluate(queries_file: Path, corpus_root: Path, k: int = 10,
             systems: Sequence[str] = tuple(SYSTEMS), work: Path | None = None) -> dict:
    """Index every corpus named by the queries, run them, score them. `work` keeps the indexes
    (default: a temporary folder removed at the end)."""
    queries = load_queries(queries_file)
    corpora = list(dict.fromkeys(q.corpus for q in queries))
    for corpus in corpora:
        if not (corpus_root / corpus).is_dir():
            raise FileNotFoundError(f"corpus folder '{corpus_root / corpus}' (named by {queries_file}) does not "
                                    "exist: give the folder holding the sites with --corpus-root")
    started = time.perf_counter()
    rankings: dict[str, dict[str, list[str]]] = {}
    builds = []
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        for corpus in corpora:
            mine = [q for q in queries if q.corpus == corpus]
            ranked, facts = run_corpus(corpus_root / corpus, corpus, mine, k, systems,
                                       Path(work or tmp) / corpus)
            for name, per_query in ranked.items():
                rankings.setdefault(name, {}).update(per_query)
            builds.append(facts)

    names = [n for s in SYSTEMS if s in systems for n in SYSTEMS[s] if n in rankings]
    scores = {n: {q.id: score_query(rankings[n][q.id], q.relevant, k) for q in queries} for n in names}
    indexed = {}
    for b in builds:
        for key, label in (("casesearch", CASESEARCH), ("baseline_pages", "baselines")):
            if key in b:
                indexed.setdefault(label, set()).update(f"{b['corpus']}/{s}" for s in b[key].pop("indexed"))
    not_indexed = {label: sorted({p for q in queries for p in q.relevant} - pages)
                   for label, pages in indexed.items()}
    missing_files = sorted({p for q in queries for p in q.relevant if not (corpus_root / p).is_file()})
    return {
        "queries_file": str(queries_file), "corpus_root": str(corpus_root), "k": k,
        "date": _dt.date.today().isoformat(), "code": code_version(), "seconds": round(time.perf_counter() - started, 1),
        "builds": builds, "systems": names,
        "summary": {n: asdict(summarize(list(scores[n].values()))) for n in names},
        "queries": [{"id": q.id, "corpus": q.corpus, "query": q.query, "relevant": q.relevant, **q.extra,
                     "results": {n: {**asdict(scores[n][q.id]), "top": rankings[n][q.id]} for n in names}}
                    for q in queries],
        "judged_missing_files": missing_files,
        "judged_not_indexed": not_indexed,
    }


# -- printing ------------------------------------------------------------------

def markdown_table(result: dict) -> str:
    k = result["k"]
    lines = [f"| system | success@1 | success@3 | MRR@{k} | recall@{k} |", "| --- | --- | --- | --- | --- |"]
    for name in result["systems"]:
        s = result["summary"][name]
        lines.append(f"| {name} | {s['success_at_1']:.2f} | {s['success_at_3']:.2f} "
                     f"| {s['mrr']:.2f} | {s['recall']:.2f} |")
    return "\n".join(lines)


def per_query_table(result: dict) -> str:
    names = result["systems"]
    lines = ["| id | query | judged | " + " | ".join(names) + " |", "| --- | --- | --- |" + " --- |" * len(names)]
    for q in result["queries"]:
        ranks = []
        for n in names:
            r = q["results"][n]
            ranks.append("-" if r["first_rank"] is None else str(r["first_rank"])
                         + (f" ({r['found']}/{r['judged']})" if r["judged"] > 1 else ""))
        lines.append(f"| {q['id']} | {q['query']} | {len(q['relevant'])} | " + " | ".join(ranks) + " |")
    return "\n".join(lines)


def report(result: dict) -> str:
    out = [f"Relevance on {result['queries_file']} ({len(result['queries'])} queries), "
           f"corpus root {result['corpus_root']}, k={result['k']}", f"{result['date']}, casesearch at {result['code']}, "
           f"{result['seconds']} s", ""]
    for b in result["builds"]:
        parts = []
        if "casesearch" in b:
            c = b["casesearch"]
            parts.append(f"casesearch {c['pages']} pages ({c['skipped']} skipped, {c['failed']} failed) in {c['build_s']} s")
        if "baseline_pages" in b:
            p = b["baseline_pages"]
            parts.append(f"baselines {p['pages']} pages ({p['unparsable']} unparsable by python-frontmatter)")
        if "fts5" in b and "skipped" in b["fts5"]:
            parts.append(f"FTS5 skipped: {b['fts5']['skipped']}")
        out.append(f"- {b['corpus']}: " + "; ".join(parts))
    if result["judged_missing_files"]:
        out.append(f"- judged pages that do not exist: {', '.join(result['judged_missing_files'])}")
    for label, paths in result["judged_not_indexed"].items():
        if paths:
            out.append(f"- judged pages not indexed by {label}: {', '.join(paths)}")
    out += ["", "First judged page's rank per query ('-': none in the top k; (found/judged) in the top k):", "",
            per_query_table(result), "", markdown_table(result)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("queries", nargs="?", type=Path, default=DEFAULT_QUERIES,
                        help=f"judged queries (default: {DEFAULT_QUERIES})")
    parser.add_argument("--corpus-root", type=Path,
                        help="folder holding the sites named by `corpus` (default: ../corpus beside the queries' folder)")
    parser.add_argument("--k", type=int, default=10, help="depth of the ranking looked at (default 10)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated subset of {','.join(SYSTEMS)} (default: all)")
    parser.add_argument("--json", action="store_true", help="print everything as JSON")
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown or not systems:
        parser.error(f"--systems: unknown {', '.join(sorted(unknown)) or '(empty)'}; choose from {', '.join(SYSTEMS)}")
    if args.k < 3:
        parser.error("--k must be at least 3 (success@3 is reported)")
    if not args.queries.is_file():
        parser.error(f"queries file '{args.queries}' does not exist")
    corpus_root = args.corpus_root or default_corpus_root(args.queries)
    try:
        result = evaluate(args.queries, corpus_root, args.k, systems)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
