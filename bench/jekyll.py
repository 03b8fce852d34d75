"""casesearch's pages, URLs and anchors against a real Jekyll build of the real sites.

    .venv/bin/python bench/jekyll.py [--corpus DIR ...] [--limit 10] [--json]

For each site (default: site-eig and beta.gouv.fr of ../shared/corpus, or $CASESEARCH_CORPUS):
Debian's `jekyll build` of a copy of it (tests/jekyll_oracle.py: no site plugins, no
Liquid, stub-less layouts) against `casesearch pages --json` with no casesearch settings.
Prints the HTML pages of each side, the pages in both / only Jekyll / only casesearch /
skipped by choice (by reason), URL equality and anchors found, the first mismatches of
each kind, and PASS/FAIL against the targets. Exit 1 when a target fails. Writes nothing
outside a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from jekyll_oracle import OracleError, build, casesearch_pages, compare  # noqa: E402 - tests/, shared with the test

CORPUS = Path(os.environ.get("CASESEARCH_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
SITES = ["site-eig", "beta.gouv.fr"]
TARGETS = {"urls": 0.99, "anchors": 0.98, "only_casesearch": 0.01}  # ≥, ≥, ≤


def pct(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.1f}%)" if total else f"{n}/0 (-)"


def run_site(site: Path, limit: int) -> dict:
    t0 = time.perf_counter()
    jekyll = build(site)
    report: dict = {
        "site": site.name, "jekyll_seconds": round(time.perf_counter() - t0, 1),
        "jekyll_html_pages": len(jekyll.pages),
        "jekyll_by_kind": dict(Counter(p.kind for p in jekyll.pages.values()).most_common()),
        "jekyll_other_outputs": sorted(jekyll.other_outputs),
        "jekyll_not_written": len(jekyll.not_written),
        "jekyll_errors": jekyll.errors,
        "jekyll_ids": sum(len(p.heading_ids) for p in jekyll.pages.values()),
    }
    try:
        t0 = time.perf_counter()
        cs = casesearch_pages(site)
        report["casesearch_seconds"] = round(time.perf_counter() - t0, 1)
    except OracleError as exc:
        report["casesearch_error"] = str(exc)
        return report
    result = compare(jekyll, cs)
    ratios = result.ratios()
    report.update({
        "casesearch_pages": result.cs_pages, "casesearch_errors": len(cs.errors),
        "both": len(result.both), "only_jekyll": len(result.only_jekyll),
        "only_casesearch": len(result.only_casesearch),
        "skipped_by_choice": dict(Counter(_reason_key(r) for r in result.skipped_by_choice.values())),
        "urls_equal": result.urls_equal, "urls_total": len(result.both),
        "anchors_found": result.anchors_found, "anchors_total": result.anchors_total,
        "jekyll_heading_ids_without_anchor": len(result.headings_missed),
        "ratios": {k: round(v, 4) for k, v in ratios.items()},
        "pass": {"urls": ratios["urls"] >= TARGETS["urls"], "anchors": ratios["anchors"] >= TARGETS["anchors"],
                 "only_casesearch": ratios["only_casesearch"] <= TARGETS["only_casesearch"]},
        "mismatches": {
            "only_jekyll": [f"{s} ({w})" for s, w in list(result.only_jekyll.items())[:limit]],
            "only_casesearch": [f"{s} ({w})" for s, w in list(result.only_casesearch.items())[:limit]],
            "urls": [f"{s}: Jekyll {j!r}, casesearch {c!r}" for s, j, c in result.url_mismatches[:limit]],
            "anchors": [f"{s}: #{a} (Jekyll: {', '.join(ids[:6])})" for s, a, ids in result.anchor_mismatches[:limit]],
            "headings_without_anchor": [f"{s}: #{h}" for s, h in result.headings_missed[:limit]],
        },
    })
    return report


def _reason_key(reason: str) -> str:
    low = reason.lower()
    return next((k for k in ("noindex", "redirect", "sitemap", "empty") if k in low), reason)


def print_report(r: dict) -> None:
    print(f"\n== {r['site']}  (jekyll build {r['jekyll_seconds']} s)")
    kinds = ", ".join(f"{k} {n}" for k, n in r["jekyll_by_kind"].items())
    print(f"  Jekyll HTML pages        {r['jekyll_html_pages']}  ({kinds})")
    print(f"  Jekyll, not HTML         {len(r['jekyll_other_outputs'])}  {r['jekyll_other_outputs'][:5]}")
    print(f"  Jekyll, docs not written {r['jekyll_not_written']}  (collections without output)")
    print(f"  Jekyll heading ids       {r['jekyll_ids']}")
    if r["jekyll_errors"]:
        print(f"  Jekyll errors            {len(r['jekyll_errors'])}: {r['jekyll_errors'][:3]}")
    if "casesearch_error" in r:
        print(f"  casesearch               unavailable: {r['casesearch_error'].splitlines()[0]}")
        print("  " + "\n  ".join(r["casesearch_error"].splitlines()[1:6]))
        return
    print(f"  casesearch pages         {r['casesearch_pages']}  ({r['casesearch_errors']} errors, {r['casesearch_seconds']} s)")
    print(f"  in both                  {r['both']}")
    print(f"  only Jekyll              {r['only_jekyll']}")
    print(f"  only casesearch          {r['only_casesearch']}")
    print(f"  skipped by choice        {sum(r['skipped_by_choice'].values())}  {r['skipped_by_choice']}")
    ok = r["pass"]
    print(f"  URLs equal               {pct(r['urls_equal'], r['urls_total']):24} "
          f"target ≥ 99%  {'PASS' if ok['urls'] else 'FAIL'}")
    print(f"  anchors found            {pct(r['anchors_found'], r['anchors_total']):24} "
          f"target ≥ 98%  {'PASS' if ok['anchors'] else 'FAIL'}")
    print(f"  only casesearch          {pct(r['only_casesearch'], r['casesearch_pages']):24} "
          f"target ≤ 1%   {'PASS' if ok['only_casesearch'] else 'FAIL'}")
    print(f"  (info) Jekyll heading ids with no casesearch anchor: {r['jekyll_heading_ids_without_anchor']}")
    for kind, lines in r["mismatches"].items():
        if lines:
            print(f"  first {kind.replace('_', ' ')}:")
            print("    " + "\n    ".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="site folder (repeatable)")
    parser.add_argument("--limit", type=int, default=10, help="mismatches shown per kind")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    args = parser.parse_args()
    sites = args.corpus or [CORPUS / name for name in SITES]
    reports = [run_site(site.resolve(), args.limit) for site in sites]
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            print_report(report)
    failed = any("casesearch_error" in r or not all(r["pass"].values()) for r in reports)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
