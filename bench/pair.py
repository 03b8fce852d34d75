"""Two versions of casesearch answer the same queries in one process, in turns: each
query's CPU time under a base commit and under the working tree, and whether their
answers are the same.

    python bench/pair.py --base 3a5d99c --site SITE --index INDEX [--generated 200]

The host's speed moves a run's timings by more than most changes do: the same code's
median query at 50,000 pages ranged from 12 to 17 ms within one session, and two runs
of a version, one after the other, often disagree more than two versions. Here both
versions open the same index in one process and each query is run by one, then by the
other (the first to run alternates), so both see the same host at the same moment: the
ratio of their times, query by query, is what the change did.

The base's `src/casesearch` is taken from git (`git archive`) and imported as
`casesearch_base`: its modules import each other relatively, so the two versions share
nothing but numpy and whoosh. Both must read the index's format (build it with either);
when a change is to the format, `--base-index` is the same site built by the base (each
version then reads its own build, in the same process).

Queries: the judged ones (`--queries`, a dev-queries file, or a JSON list of texts) and,
on a site `scale.py` generated, `--generated` of its hard queries (typos, 12 words, rare
words). Answers are compared whole (every hit, score, facet and the suggestion): a
change meant to be faster only must print "answers: the same".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale
from timing import percentile


def base_package(ref: str, into: Path) -> Path:
    """`src/casesearch` at git `ref`, as the package `casesearch_base` under `into`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src/casesearch"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "casesearch_base"
    (into / "src" / "casesearch").rename(package)
    # its compiled modules (setup.py's): the working tree's build of each C file that is the
    # same at `ref`, under the base's name; a C file that differs is left unbuilt there (its
    # Python code does the work) and said so
    tree = ROOT / "src" / "casesearch"
    for source in package.glob("*.c"):
        built = sorted(tree.glob(source.stem + ".*.so"))
        if built and (tree / source.name).exists() and (tree / source.name).read_bytes() == source.read_bytes():
            (package / built[0].name).write_bytes(built[0].read_bytes())
        else:
            print(f"base: {source.name} differs from the working tree's or is not built: not compiled at {ref}")
    return into


def queries(site: Path, judged: Path, generated: int, seed: int, snap) -> list[str]:
    data = json.loads(judged.read_text(encoding="utf-8"))
    texts = [q if isinstance(q, str) else q["query"] for q in (data["queries"] if isinstance(data, dict) else data)]
    marker = site.parent / scale.MARKER
    if generated and marker.exists():
        texts += [text for _, text in scale.generated_queries(snap, generated, seed, scale.copies(site, snap.pages()))]
    return texts


def answer(result) -> dict:
    out = result.to_dict()
    out.pop("took_ms", None)
    return out


def percentiles(ms: list[float]) -> dict:
    return {"p50": percentile(ms, 50), "p90": percentile(ms, 90), "p99": percentile(ms, 99), "max": max(ms),
            "sum": sum(ms)}


def run(base_ref: str, site: Path, index: Path, judged: Path, generated: int, seed: int,
        base_index: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="casesearch-pair-") as tmp:
        for name in [m for m in sys.modules if m == "casesearch_base" or m.startswith("casesearch_base.")]:
            del sys.modules[name]   # an earlier run's, from a folder gone since
        sys.path.insert(0, str(base_package(base_ref, Path(tmp))))
        import casesearch_base.searcher as base_searcher

        from casesearch import searcher

        for package in ("casesearch_base", "casesearch"):
            compiled = sorted(name.split(".")[-1] for name, module in sys.modules.items()
                              if name.startswith(package + ".") and (getattr(module, "__file__", "") or "").endswith(".so"))
            print(f"{package}: compiled modules {', '.join(compiled) or 'none'}")

        versions = {}
        for name, module, read in (("base", base_searcher, base_index or index), ("tree", searcher, index)):
            opened = module.Searcher(scale.settings_for(site, read), background=True)
            opened.snapshot()
            opened.warm()   # as the service does before its first request
            versions[name] = opened
        texts = queries(site, judged, generated, seed, versions["tree"].snapshot())
        ms: dict[str, list[float]] = {"base": [], "tree": []}
        different = []
        for i, text in enumerate(texts):
            answers = {}
            for name in ("base", "tree") if i % 2 == 0 else ("tree", "base"):
                began = time.process_time()
                result = versions[name].search(text)
                ms[name].append((time.process_time() - began) * 1000)
                answers[name] = answer(result)
            if answers["base"] != answers["tree"]:
                different.append(text)
            for opened in versions.values():   # both under the service's collector (`Searcher.rest`), untimed
                rest = getattr(opened, "rest", None)
                if rest is not None:
                    rest()
        for opened in versions.values():
            opened.close()
        sys.path.remove(tmp)
    ratios = [t / b for t, b in zip(ms["tree"], ms["base"]) if b > 0]
    return {"base": base_ref, "queries": len(texts), "base_ms": percentiles(ms["base"]),
            "tree_ms": percentiles(ms["tree"]), "median_ratio": statistics.median(ratios),
            "sum_ratio": sum(ms["tree"]) / sum(ms["base"]), "different": different}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the git commit (or any ref) to compare the working tree with")
    parser.add_argument("--site", type=Path, required=True, help="the site's folder (its content_dir)")
    parser.add_argument("--index", type=Path, required=True, help="an index of the site both versions read")
    parser.add_argument("--base-index", type=Path,
                        help="the base's own build of the site, when the change is to the index's format")
    parser.add_argument("--queries", type=Path, default=scale.DEFAULT_QUERIES,
                        help="judged queries: a dev-queries file or a JSON list of texts")
    parser.add_argument("--generated", type=int, default=200, help="scale.py's hard queries, on a site it generated")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    found = run(args.base, args.site, args.index, args.queries, args.generated, args.seed, args.base_index)
    for name in ("base", "tree"):
        f = found[f"{name}_ms"]
        print(f"{name:5} query CPU ms: p50 {f['p50']:.2f}  p90 {f['p90']:.2f}  p99 {f['p99']:.2f}  "
              f"max {f['max']:.1f}  sum {f['sum']:.0f}")
    print(f"tree / base, {found['queries']} queries: median of the per-query ratios {found['median_ratio']:.3f}, "
          f"ratio of the sums {found['sum_ratio']:.3f}")
    print("answers: the same" if not found["different"] else
          f"answers: {len(found['different'])} differ, such as {found['different'][:3]}")
    if args.json:
        args.json.write_text(json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
