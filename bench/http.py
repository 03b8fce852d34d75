"""Throughput and latency of GET /api/search under gunicorn, beside in-process search time.

    .venv/bin/python bench/http.py [--clients 16] [--duration 10] [--workers 2]
                                   [--worker-class sync|gthread] [--threads 1] [--rounds 1]
                                   [--site beta.gouv.fr] [--hard 200 [--seed 11] [--profile N]]
                                   [--answer-cache N] [--json]

For each site named by the dev queries (../shared/corpus/beta.gouv.fr, site-eig; `--site`
for one): a full build into a temporary index, a gunicorn on a free port of 127.0.0.1
serving it, then `--clients` threads, each with its own HTTP connection, asking the site's
queries in turn for `--duration` seconds. Before each such search phase, a phase of the
same clients asking `/api/health` for as long (`--rounds` turns of the two, pooled; 0: no
health phase): search requests/s over health requests/s is what a search costs beyond
the server's floor (HTTP, WSGI, Flask, JSON), in the same run. Reported per site:
requests/s, p50/p99/max latency and failures under that load; the latency of one client
alone (no queueing); and the same queries timed
in-process with `Searcher.search`: one client's median over the in-process median is the
cost of HTTP, WSGI and JSON. The search phases ask the same texts again and again: most
answers come from what the workers keep (`answer_cache`); `--answer-cache 0` ranks every
search anew.

`--hard N`: also N of bench/query_cost.py's generated queries (its 12-word classes in
turn, typo12 the typo-heavy one among them; seeded, the same for the same index), each
timed in process once cold before the server starts, then asked by the clients in turn
(one shared list: each client takes the next query), each at least once and for at least
`--duration` s, after the other phases. Reported: p50/p99/max of every answer and of each
query's first, how many queries had an answer over 100 ms, the 5 slowest beside their
in-process time (median of 3 cold runs once the server is stopped: what is left is
queueing and the host's other processes), requests/s, failures, the workers' CPU per
request and the cores other processes kept busy meanwhile; `--profile N`: cProfile of
those 5 in process. The load generator runs on the same machine and
shares its cores with the server: the figures are a floor of what the service can do.
"""

from __future__ import annotations

import os
import sys

if __name__ == "http":
    # This file's name shadows the standard library's `http` for anything run from bench/ (the
    # script's folder comes first on sys.path), this script included: put the real one in its place.
    _here = os.path.dirname(os.path.abspath(__file__))
    _saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
    del sys.modules["http"]
    try:
        import http as _stdlib_http
    finally:
        sys.path[:] = _saved
    sys.modules["http"] = _stdlib_http

import argparse
import http.client
import itertools
import json
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

import query_cost  # noqa: E402 - bench/query_cost.py, beside this script: its generated hard queries
from serving import start_gunicorn, stop  # noqa: E402 - bench/serving.py, beside this script
from timing import percentile, query_timings  # noqa: E402 - bench/timing.py, beside this script


def cpu_times() -> list[int]:
    """The machine's CPU counters (user ... steal), to see how much of the run the host took away."""
    try:
        with open("/proc/stat") as stat:
            return [int(x) for x in stat.readline().split()[1:9]]
    except OSError:
        return []


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's workers, the master's children."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def load(port: int, paths: list[str], clients: int, duration: float, master: int = 0, shared: bool = False) -> dict:
    """`clients` threads, each with its own connection, asking `paths` for `duration` seconds: the raw
    run, for `summary`. Each client walks the paths from its own start (client n from path n); with
    `shared` they take the next path of one list in turn instead, until every path was asked once
    and the time is up. Per request: its draw number k (the path is k modulo their count; with
    `shared`, k < len(paths) is the path's first asking), milliseconds and status."""
    records: list[list[tuple[int, float, int]]] = [[] for _ in range(clients)]
    failures: list[str] = []
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]
    taken = itertools.count()   # next() on it is atomic: each number goes to one client

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = records[n]
        i = n
        start.wait()
        while True:
            if shared:
                k = next(taken)
                if k >= len(paths) and time.perf_counter() >= stop_at[0]:
                    break
            else:
                if time.perf_counter() >= stop_at[0]:
                    break
                k, i = i, i + 1
            path = paths[k % len(paths)]
            began = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200 or not body.startswith(b'{"ok":true'):
                    failures.append(f"{response.status} {path}")
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{exc!r} {path}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append((k, (time.perf_counter() - began) * 1000, response.status))
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    began, cpu = time.perf_counter(), cpu_times()
    server_began, client_began = server_cpu(master), os.times()
    stop_at[0] = began + duration
    start.wait()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.perf_counter() - began
    server_used, client_now = server_cpu(master) - server_began, os.times()
    client_used = client_now.user + client_now.system - client_began.user - client_began.system
    return {"records": [r for per in records for r in per], "failures": failures, "seconds": elapsed,
            "server_cpu": server_used, "client_cpu": client_used, "cpu": [b - a for a, b in zip(cpu, cpu_times())]}


def summary(*runs: dict) -> dict:
    """Requests/s, p50/p99/max latency, failures and CPU per request of one or more runs of `load`, pooled."""
    every = [ms for run in runs for _, ms, _ in run["records"]]
    seconds = sum(run["seconds"] for run in runs)
    count = max(1, len(every))
    used = [sum(x) for x in zip(*(run["cpu"] for run in runs))]
    steal = round(100 * used[7] / sum(used), 1) if used and sum(used) else None
    # cores kept busy by everything but this server and these clients: the other users of a shared host
    busy = (sum(used) - used[3] - used[4]) / os.sysconf("SC_CLK_TCK") if used else float("nan")
    others = busy - sum(run["server_cpu"] + run["client_cpu"] for run in runs)
    failures = [f for run in runs for f in run["failures"]]
    return {"requests": len(every), "seconds": round(seconds, 2), "rps": round(len(every) / seconds, 1),
            "p50_ms": round(percentile(every, 50), 2), "p99_ms": round(percentile(every, 99), 2),
            "max_ms": round(max(every, default=float("nan")), 2), "failures": len(failures), "steal_pct": steal,
            "server_cpu_ms": round(1000 * sum(run["server_cpu"] for run in runs) / count, 2),
            "client_cpu_ms": round(1000 * sum(run["client_cpu"] for run in runs) / count, 2),
            "server_cores": round(sum(run["server_cpu"] for run in runs) / seconds, 2),
            "other_cores": round(max(0.0, others) / seconds, 2), "failure_examples": failures[:5]}


def in_process(settings, queries: list[str], repeat: int) -> dict:  # noqa: ANN001 - casesearch Settings
    timings = query_timings(settings, queries, repeat)
    return {"p50_ms": round(statistics.median(timings), 2), "p99_ms": round(percentile(timings, 99), 2),
            "mean_ms": round(statistics.fmean(timings), 2)}


def abuse(port: int, texts: list[str]) -> dict:
    """Each abusive input once to search and suggest, after one warm-up round: slowest answer and statuses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings, statuses = [], set()
    for round_ in range(2):
        for text in texts:
            for endpoint in ("search", "suggest"):
                began = time.perf_counter()
                conn.request("GET", f"/api/{endpoint}?{urlencode({'q': text})}")
                response = conn.getresponse()
                response.read()
                if round_:
                    timings.append((time.perf_counter() - began) * 1000)
                    statuses.add(response.status)
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.close()
    return {"requests": len(timings), "max_ms": round(max(timings), 2), "p50_ms": round(percentile(timings, 50), 2),
            "statuses": sorted(statuses)}


def hard_queries(snap, corpus: str, n: int, seed: int) -> list:  # noqa: ANN001 - casesearch Snapshot
    """`n` of query_cost.py's generated queries (its `Query`s) for this site and seed: its
    12-word classes (`typo12`, the typo-heavy one, among them) taken in turn, so evenly,
    each text once."""
    made = query_cost.generate(snap, corpus, n, seed)
    kinds = [k for k in dict.fromkeys(q.kind for q in made) if k.endswith("12")]
    picked, seen = [], set()
    for row in itertools.zip_longest(*([q for q in made if q.kind == k] for k in kinds)):
        for q in row:
            if q is not None and q.text not in seen and len(picked) < n:
                seen.add(q.text)
                picked.append(q)
    return picked


def hard_report(queries: list, run: dict, wall: list[float], cpu: list[float], searcher,  # noqa: ANN001
                profile: int) -> dict:
    """The hard phase: latency of every answer and of each query's first, the queries over
    100 ms, the 5 slowest (their slowest answer) beside their in-process time (median of 3
    cold runs, `searcher` alone on the host's cores), and `wall`/`cpu`: one cold run of each
    before the server started."""
    worst: dict[int, float] = {}
    first: dict[int, float] = {}
    asks: dict[int, int] = {}
    for k, ms, _ in run["records"]:
        q = k % len(queries)
        worst[q] = max(worst.get(q, 0.0), ms)
        asks[q] = asks.get(q, 0) + 1
        if k < len(queries):
            first[q] = ms
    slowest = sorted(worst, key=lambda q: -worst[q])[:5]
    again_wall, again_cpu = query_cost.time_queries(searcher, [queries[q] for q in slowest], 3)
    out = {"queries": len(queries), "classes": dict(Counter(q.kind for q in queries)), "asked": len(worst),
           "http": summary(run),
           "first_answers": {"p50_ms": round(percentile(list(first.values()), 50), 2),
                             "p99_ms": round(percentile(list(first.values()), 99), 2),
                             "max_ms": round(max(first.values(), default=float("nan")), 2)},
           "loadavg_after": os.getloadavg(), "over_100ms": sum(ms > 100 for ms in worst.values()),
           "first_over_100ms": sum(ms > 100 for ms in first.values()),
           "in_process": {"p50_ms": round(percentile(wall, 50), 2), "p99_ms": round(percentile(wall, 99), 2),
                          "max_ms": round(max(wall), 2), "cpu_p99_ms": round(percentile(cpu, 99), 2),
                          "cpu_max_ms": round(max(cpu), 2), "over_100ms": sum(ms > 100 for ms in wall)},
           "slowest": [{"class": queries[q].kind, "query": queries[q].text, "ms": round(worst[q], 2),
                        "first_ms": round(first.get(q, float("nan")), 2), "asked": asks[q],
                        "in_process_ms": round(w, 2), "in_process_cpu_ms": round(c, 2)}
                       for q, w, c in zip(slowest, again_wall, again_cpu)]}
    if profile:
        out["profile"] = query_cost.profile(searcher, [queries[q] for q in slowest], profile)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=Path, default=SHARED / "eval" / "dev-queries.json")
    parser.add_argument("--corpus-root", type=Path, default=None, help="default: ../corpus beside the queries")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per site")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--repeat", type=int, default=30, help="in-process rounds over the queries")
    parser.add_argument("--answer-cache", type=int, metavar="N",
                        help="the workers' answer_cache setting (default: the setting's own; 0: every search "
                             "ranked anew, as if never asked before)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="turns of a /api/health phase then a search phase, each --duration s (0: search only)")
    parser.add_argument("--site", action="append", help="only this site of the queries (repeatable)")
    parser.add_argument("--hard", type=int, default=0, metavar="N",
                        help="also N of bench/query_cost.py's generated 12-word and typo-heavy queries, asked "
                             "under load by the clients in turn, each at least once, for --duration s")
    parser.add_argument("--seed", type=int, default=11, help="of the hard queries (query_cost.py's default)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="with --hard: cProfile the 5 slowest in process, print the N costliest functions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from casesearch.config import load_settings
    from casesearch.indexer import reindex

    corpus_root = args.corpus_root or args.queries.resolve().parent.parent / "corpus"
    abusive = json.loads((ROOT / "tests" / "data" / "abusive-queries.json").read_text(encoding="utf-8"))["queries"]
    queries: dict[str, list[str]] = {}
    for entry in json.loads(args.queries.read_text(encoding="utf-8"))["queries"]:
        if not args.site or entry["corpus"] in args.site:
            queries.setdefault(entry["corpus"], []).append(entry["query"])

    report = {"clients": args.clients, "duration_s": args.duration, "workers": args.workers,
              "worker_class": args.worker_class, "threads": args.threads, "rounds": args.rounds,
              "cores": os.cpu_count(), "loadavg_before": os.getloadavg(), "sites": {}}
    work = Path(tempfile.mkdtemp(prefix="casesearch-http-"))
    try:
        for corpus, texts in queries.items():
            content, index = corpus_root / corpus, work / corpus / "index"
            settings = load_settings({"content_dir": content, "index_dir": index}, environ={})
            built = reindex(settings, full=True)
            site = {"pages": built.indexed, "queries": len(texts), "in_process": in_process(settings, texts, args.repeat)}
            if args.hard:   # generated and timed in process (one cold run each) before the server takes the cores
                searcher = query_cost.open_searcher(content, index)
                try:
                    hard = hard_queries(searcher.snapshot(), corpus, args.hard, args.seed)
                    searcher.search("formation")
                    hard_wall, hard_cpu = query_cost.time_queries(searcher, hard, 1)
                finally:
                    searcher.close()
            options = ["--workers", str(args.workers), "--worker-class", args.worker_class,
                       "--threads", str(args.threads), "--timeout", "30", "--log-level", "warning"]
            proc, port = start_gunicorn(content, index, options, work / f"{corpus}.log",
                                        {} if args.answer_cache is None else
                                        {"CASESEARCH_ANSWER_CACHE": str(args.answer_cache)})
            try:
                paths = [f"/api/search?{urlencode({'q': q})}" for q in texts]
                load(port, paths, args.clients, min(2.0, args.duration))   # warm every worker
                health, search = [], []
                for _ in range(max(1, args.rounds)):   # health, search, health, search...: the host's load moves
                    if args.rounds:
                        health.append(load(port, ["/api/health"], args.clients, args.duration, proc.pid))
                    search.append(load(port, paths, args.clients, args.duration, proc.pid))
                site["http"] = summary(*search)
                if health:
                    site["health"] = summary(*health)
                    site["rounds"] = [{"health_rps": summary(h)["rps"], "search_rps": summary(q)["rps"]}
                                      for h, q in zip(health, search)]
                    site["search_health_ratio"] = round(site["http"]["rps"] / site["health"]["rps"], 3)
                site["unloaded"] = summary(load(port, paths, 1, min(3.0, args.duration)))   # one client: no queueing
                site["abusive"] = abuse(port, abusive)
                if args.hard:
                    hard_paths = [f"/api/search?{urlencode({'q': q.text})}" for q in hard]
                    hard_run = load(port, hard_paths, args.clients, args.duration, proc.pid, shared=True)
            finally:
                stop(proc)
            if args.hard:
                searcher = query_cost.open_searcher(content, index)
                try:
                    site["hard"] = hard_report(hard, hard_run, hard_wall, hard_cpu, searcher, args.profile)
                finally:
                    searcher.close()
            site["overhead_p50"] = round(site["unloaded"]["p50_ms"] / site["in_process"]["p50_ms"], 2)
            site["loadavg_after"] = os.getloadavg()
            report["sites"][corpus] = site
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"gunicorn {args.workers} x {args.worker_class}" + (f" ({args.threads} threads)" if args.threads > 1 else "")
          + f", {args.clients} clients for {args.duration:g} s per phase, on {os.cpu_count()} cores shared with the "
          f"clients; load average before: {' '.join(f'{x:.2f}' for x in report['loadavg_before'])}")
    print("| site | pages | requests/s | p50 ms | p99 ms | max ms | failures | CPU stolen by the host | "
          "CPU ms per request: workers / clients | one client p50 / p99 ms | in-process p50 / p99 ms "
          "| ratio (one client / in-process p50) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for corpus, site in report["sites"].items():
        h, u, p = site["http"], site["unloaded"], site["in_process"]
        print(f"| {corpus} | {site['pages']} | {h['rps']} | {h['p50_ms']} | {h['p99_ms']} | {h['max_ms']} | "
              f"{h['failures'] + u['failures']} | {h['steal_pct']}% | {h['server_cpu_ms']} / {h['client_cpu_ms']} | {u['p50_ms']} / {u['p99_ms']} | {p['p50_ms']} / {p['p99_ms']} | "
              f"{site['overhead_p50']} |")
    print(f"p50/p99 under load include queueing: {args.clients} clients wait for the workers in turn.")
    if args.rounds:
        print()
        print(f"Search beside /api/health, same server and {args.clients} clients, phases in turns "
              f"({args.rounds} x health then search, {args.duration:g} s each):")
        print("| site | health requests/s | health p99 ms | search requests/s | search p50 / p99 ms | failures "
              "| CPU ms per request, workers: health / search | cores busy, other processes: health / search "
              "| rounds: health, search requests/s | ratio search / health | load average after |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for corpus, site in report["sites"].items():
            h, q = site["health"], site["http"]
            turns = "; ".join(f"{r['health_rps']}, {r['search_rps']}" for r in site["rounds"])
            print(f"| {corpus} | {h['rps']} | {h['p99_ms']} | {q['rps']} | {q['p50_ms']} / {q['p99_ms']} | "
                  f"{h['failures'] + q['failures']} | {h['server_cpu_ms']} / {q['server_cpu_ms']} | "
                  f"{h['other_cores']} / {q['other_cores']} | {turns} | "
                  f"**{site['search_health_ratio']}** | {' '.join(f'{x:.2f}' for x in site['loadavg_after'])} |")
        for corpus, site in report["sites"].items():
            print(f"{corpus}: search / health requests/s = {site['search_health_ratio']} (target >= 0.5), "
                  f"search p99 {site['http']['p99_ms']} ms at {args.clients} clients (target < 100)")
    print()
    print(f"Abusive inputs (tests/data/abusive-queries.json, {len(abusive)} texts), one client, each to search and suggest:")
    print("| site | requests | p50 ms | max ms | statuses |")
    print("| --- | --- | --- | --- | --- |")
    for corpus, site in report["sites"].items():
        a = site["abusive"]
        print(f"| {corpus} | {a['requests']} | {a['p50_ms']} | {a['max_ms']} | {', '.join(map(str, a['statuses']))} |")
    if args.hard:
        print_hard(report, args)


def print_hard(report: dict, args: argparse.Namespace) -> None:
    print()
    print(f"Hard queries: {args.hard} of bench/query_cost.py's generated queries (seed {args.seed}, its 12-word "
          f"classes in turn), asked by {args.clients} clients in turn, each at least once, for {args.duration:g} s:")
    print("| site | queries per class | requests | requests/s | p50 / p99 / max ms | first answers p50 / p99 / max ms "
          "| queries over 100 ms: any answer / first | failures | CPU ms per request: workers / clients "
          "| cores busy: workers / other processes | in process, one cold run: p50 / p99 / max ms (CPU p99 / max) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for corpus, site in report["sites"].items():
        hard = site["hard"]
        h, f, p = hard["http"], hard["first_answers"], hard["in_process"]
        classes = ", ".join(f"{k} {n}" for k, n in hard["classes"].items())
        print(f"| {corpus} | {classes} | {h['requests']} | {h['rps']} | {h['p50_ms']} / {h['p99_ms']} / {h['max_ms']} "
              f"| {f['p50_ms']} / {f['p99_ms']} / {f['max_ms']} | {hard['over_100ms']} / {hard['first_over_100ms']} "
              f"| {h['failures']} | {h['server_cpu_ms']} / {h['client_cpu_ms']} | {h['server_cores']} / "
              f"{h['other_cores']} | {p['p50_ms']} / {p['p99_ms']} / "
              f"{p['max_ms']} ({p['cpu_p99_ms']} / {p['cpu_max_ms']}) |")
    for corpus, site in report["sites"].items():
        hard, h = site["hard"], site["hard"]["http"]
        print()
        print(f"{corpus}: hard p99 {h['p99_ms']} ms at {args.clients} clients (target < 100); "
              f"{hard['over_100ms']} of {hard['queries']} queries over 100 ms; {args.clients} clients / "
              f"{h['rps']} requests/s = {round(1000 * args.clients / h['rps'], 1)} ms mean in the system "
              f"(Little's law). Slowest under load: slowest answer (first answer, times asked); in process, "
              f"median of 3 cold runs: wall / CPU ms")
        for q in hard["slowest"]:
            print(f"- {q['ms']} ms ({q['first_ms']}, x{q['asked']}); in process {q['in_process_ms']} / "
                  f"{q['in_process_cpu_ms']} ms [{q['class']}] {q['query']}")
        if "profile" in hard:
            print()
            print(hard["profile"])


if __name__ == "__main__":
    main()
