"""Latency of /api/search around publishes: does a reindex make visitors wait?

    .venv/bin/python bench/swap.py [--corpus ../shared/corpus/beta.gouv.fr] [--publishes 5] [--clients 4]

A copy of the site is indexed and served by `gunicorn wsgi:app` (2 workers, from the
project root); `--clients` threads query the site's dev queries continuously while
`casesearch reindex` publishes `--publishes` new generations, one changed page each,
4 s apart. Reported: latency of the requests that started within 1.5 s after a publish
(when each worker opens the new generation) beside those of the same run away from any
reindex, the count of answers other than 200 (there must be none), and how long after
each publish a query first found the word it added (both workers must have switched:
the probe asks twice in a row).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote_plus

from serving import server_env, start_gunicorn, stop
from timing import percentile

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
AFTER = 1.5     # seconds after a publish counted as "around" it
NEW_WORDS = ("quorblex", "zythologie", "brindezingue", "farfadouille", "gloubiboulga",
             "tartempion", "saperlipopette", "galimatias", "billevesee", "coquecigrue")


def probe(port: int, word: str, since: float) -> float:
    """Seconds from `since` until two answers in a row (so, likely, both workers) find `word`."""
    conn, streak = http.client.HTTPConnection("127.0.0.1", port, timeout=10), 0
    while time.monotonic() - since < 10:
        conn.request("GET", f"/api/search?q={word}")
        body = json.loads(conn.getresponse().read())
        streak = streak + 1 if body.get("total") else 0
        if streak == 2:
            return time.monotonic() - since
        time.sleep(0.02)
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "beta.gouv.fr")
    parser.add_argument("--queries", type=Path, default=SHARED / "eval" / "dev-queries.json")
    parser.add_argument("--publishes", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="casesearch-swap-"))
    content, index = work / "content", work / "index"
    shutil.copytree(args.corpus, content)
    env = server_env(content, index)
    casesearch = str(Path(sys.executable).parent / "casesearch")
    subprocess.run([casesearch, "reindex", "-q"], env=env, check=True, capture_output=True)
    server, port = start_gunicorn(content, index, ["--workers", "2", "--access-logfile", "/dev/null"],
                                  work / "gunicorn.log")
    name = args.corpus.name
    paths = ["/api/search?q=" + quote_plus(q["query"])
             for q in json.loads(args.queries.read_text(encoding="utf-8"))["queries"] if q["corpus"] == name]
    seen: list[tuple[float, float, int]] = []      # (start, ms, status)
    stop_at = [float("inf")]

    def client(n: int) -> None:
        conn, i = http.client.HTTPConnection("127.0.0.1", port, timeout=10), n
        while time.monotonic() < stop_at[0]:
            began = time.monotonic()
            try:
                conn.request("GET", paths[i % len(paths)])
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn, status = http.client.HTTPConnection("127.0.0.1", port, timeout=10), 0
            seen.append((began, (time.monotonic() - began) * 1000, status))
            i += 1

    try:
        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(3)                               # every worker has opened the first generation
        warm = time.monotonic()
        page = next(p for p in sorted(content.rglob("*.md")) if p.read_bytes().startswith(b"---"))
        reindexing, published, fresh = [], [], []
        for k in range(args.publishes):
            word = NEW_WORDS[k % len(NEW_WORDS)]
            page.write_text(page.read_text(encoding="utf-8") + f"\n\nUn mot nouveau : {word}.\n", encoding="utf-8")
            reindexing.append(time.monotonic())
            subprocess.run([casesearch, "reindex", "-q"], env=env, check=True, capture_output=True)
            published.append(time.monotonic())
            fresh.append(probe(port, word, published[-1]))
            time.sleep(max(0.0, published[-1] + 4 - time.monotonic()))
        stop_at[0] = time.monotonic()
        for thread in threads:
            thread.join(15)
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)

    print(f"new content found by every worker {', '.join(f'{x:.2f}' for x in fresh)} s after each publish")
    around = [ms for t, ms, _ in seen if any(0 <= t - p < AFTER for p in published)]
    away = [ms for t, ms, _ in seen if t > warm and not any(r - 0.5 <= t < p + AFTER + 0.5 for r, p in zip(reindexing, published))]
    errors = sum(status != 200 for *_, status in seen)
    print(f"{name}: {len(seen)} requests from {args.clients} clients, {args.publishes} publishes, "
          f"{errors} answers other than 200")
    print("| requests | n | p50 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    for label, values in ((f"within {AFTER} s after a publish", around), ("away from any reindex", away)):
        print(f"| {label} | {len(values)} | {percentile(values, 50):.1f} | {percentile(values, 99):.1f} | "
              f"{max(values, default=float('nan')):.1f} |")


if __name__ == "__main__":
    main()
