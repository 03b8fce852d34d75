"""The service under a real gunicorn: `gunicorn wsgi:app` from the project root, a
reindex while clients query, and `casesearch serve` on a machine with no index yet."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import CORPUS, shared_missing
from gunicorn.config import Config

from casesearch.config import load_settings
from casesearch.indexer import reindex
from casesearch.searcher import Searcher

ROOT = Path(__file__).resolve().parents[1]
CASESEARCH = Path(sys.executable).with_name("casesearch")
# gunicorn 27+ opens one control socket per user by default: servers side by side would share it.
NO_CONTROL_SOCKET = ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen, port: int, log: Path, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if get(port, "/api/health", timeout=1.0)[0] == 200:
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer within {seconds} s:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_env(settings=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASESEARCH_")}
    if settings is not None:
        env.update(CASESEARCH_CONTENT=str(settings.content_dir), CASESEARCH_INDEX=str(settings.index_dir))
    return env


@pytest.fixture
def server(built, tmp_path):
    """`gunicorn wsgi:app` run from the project root, as README tells operators: (port, process)."""
    port, log = free_port(), tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--timeout", "30",
                                 "--bind", f"127.0.0.1:{port}", *NO_CONTROL_SOCKET, "wsgi:app"],
                                cwd=ROOT, env=server_env(built), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(proc, port, log)
        yield port, proc
    finally:
        stop(proc)


@pytest.fixture
def gunicorn(server):
    return server[0]


def _memory(pid: int) -> dict[str, int]:
    """A process's memory from /proc/PID/smaps_rollup, kB per kind (Rss, Shared_Dirty...)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc/PID/smaps_rollup")
def test_workers_share_the_app_and_generation_the_master_opened(server):
    """gunicorn.conf.py preloads the app: the master opens and warms the live generation
    once, and the workers, forked from it, share those pages (dirty in the master, shared
    by the children) rather than each importing and opening everything again."""
    port, proc = server
    for q in ("logiciel+libre", "formation", "donnees"):
        assert get(port, f"/api/search?q={q}")[0] == 200
    # gunicorn forks its workers one after the other, a random 0-0.1 s apart: the first
    # may have answered all three before the second is born
    deadline = time.monotonic() + 10
    while True:
        workers = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                   and _parent(int(p.name)) == proc.pid]
        if len(workers) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(workers) == 2
    for pid in workers:
        shared = _memory(pid)["Shared_Dirty"]
        # a worker that imported and opened everything itself shares ~3 MB with the master
        assert shared > 20_000, f"worker {pid} shares {shared} kB with the master"


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_gunicorn_serves_wsgi_app(gunicorn):
    status, body = get(gunicorn, "/api/search?q=logiciel+libre")
    assert status == 200 and body["ok"] is True and body["total"] >= 1
    assert "<mark>" in body["hits"][0]["title_html"]
    status, body = get(gunicorn, "/api/nope")
    assert status == 404 and body == {"ok": False, "status": 404,
                                      "error": {"code": "not_found", "message": body["error"]["message"]}}


def test_reindex_under_load_fails_no_request_and_shows_new_content_within_a_second(gunicorn, built, site):
    stop_at = [time.monotonic() + 20]          # a bound whatever happens
    reindex_started = published = stop_at[0]
    failures: list[str] = []
    seen: list[tuple[float, bool]] = []        # (request start, found the new word)
    counts = {"stable": 0}

    def client(n: int) -> None:
        while time.monotonic() < stop_at[0]:
            started = time.monotonic()
            try:
                status, body = get(gunicorn, "/api/search?q=logiciel+libre")
                if status != 200 or not body.get("ok") or body["total"] < 1:
                    failures.append(f"stable query: {status} {body}")
                counts["stable"] += 1
                status, body = get(gunicorn, "/api/search?q=zythologie")
                if status != 200 or not body.get("ok"):
                    failures.append(f"new word: {status} {body}")
                else:
                    seen.append((started, body["total"] == 1))
            except (OSError, http.client.HTTPException, ValueError) as exc:
                failures.append(f"client {n}: {exc!r}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        page = site / "_posts/2021-06-10-logiciel-libre.md"
        page.write_text(page.read_text(encoding="utf-8") + "\nUn mot nouveau : zythologie.\n", encoding="utf-8")
        reindex_started = time.monotonic()
        done = subprocess.run([str(CASESEARCH), "reindex", "--content", str(built.content_dir),
                               "--index", str(built.index_dir)], capture_output=True, text=True, timeout=60,
                              env=server_env(built))
        published = time.monotonic()
        assert done.returncode == 0 and "1 updated" in done.stdout, done.stdout + done.stderr
        stop_at[0] = published + 2.0
    finally:
        for thread in threads:
            thread.join(timeout=25)
    assert not failures, failures[:5]
    before = [found for started, found in seen if started < reindex_started]
    after = [found for started, found in seen if started > published + 1.0]
    assert before and not any(before), "the new word was found before the reindex"
    assert len(after) >= 10 and all(after), f"{after.count(False)} of {len(after)} answers a second later were old"
    assert counts["stable"] > 20


def test_casesearch_serve_builds_the_index_when_there_is_none(site, tmp_path):
    port, log, index = free_port(), tmp_path / "serve.log", tmp_path / "fresh-index"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(CASESEARCH), "serve", "--content", str(site), "--index", str(index),
                                 "--port", str(port), "--workers", "1"],
                                cwd=tmp_path, env=server_env(),   # serve hands its options to the workers
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(proc, port, log)
        status, body = get(port, "/api/health")
        assert status == 200 and body["pages"] == 3
        status, body = get(port, "/api/search?q=open+data")
        assert status == 200 and body["ok"] is True
        assert "Booting worker" in log.read_text() and "no index in" in log.read_text()
    finally:
        stop(proc)
    assert proc.returncode == 0, log.read_text()


# -- serving through reindexes, one of them killed, on a real site --------------------------

LOAD_SECONDS = 60
LOAD_CLIENTS = 8


def _load(port: int, words: list[str], until: float, n: int, results: list) -> None:
    """One client: searches the words in turn until `until`: (status, total, seconds, word)."""
    i = n
    while time.monotonic() < until:
        word = words[i % len(words)]
        i += 1
        started = time.perf_counter()
        try:
            status, body = get(port, f"/api/search?q={quote(word)}", timeout=10)
            results.append((status, body.get("total", 0), time.perf_counter() - started, word))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            results.append((0, 0, time.perf_counter() - started, f"{word}: {exc!r}"))


def test_serving_through_three_reindexes_and_a_killed_one(tmp_path, record_property):
    """2 workers, 8 clients for 60 s on site-eig, searching words it holds, while 3
    reindexes publish and a 4th (--full) is SIGKILLed mid-build: every answer 200, none empty."""
    if why := shared_missing(CORPUS / "site-eig"):
        pytest.skip(why)
    content = tmp_path / "content"
    shutil.copytree(CORPUS / "site-eig", content)
    settings = load_settings({"content_dir": content, "index_dir": tmp_path / "index"}, environ={})
    assert reindex(settings).published
    words = ["données", "formation", "intelligence artificielle", "santé", "défi", "open data", "l'emploi"]
    searcher = Searcher(settings)
    assert all(searcher.search(w).total for w in words)
    searcher.close()
    page = next(iter(sorted((content / "_defis").glob("*.md"))))
    cli = [str(CASESEARCH), "reindex", "--quiet", "--content", str(content), "--index", str(settings.index_dir)]
    port, log = free_port(), tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--timeout", "30",
                                 "--bind", f"127.0.0.1:{port}", *NO_CONTROL_SOCKET, "wsgi:app"],
                                cwd=ROOT, env=server_env(settings), stdout=out, stderr=subprocess.STDOUT)
    results: list = []
    try:
        wait_ready(proc, port, log)
        until = time.monotonic() + LOAD_SECONDS
        clients = [threading.Thread(target=_load, args=(port, words, until, n, results), daemon=True)
                   for n in range(LOAD_CLIENTS)]
        for client in clients:
            client.start()
        for round_ in range(3):
            time.sleep(LOAD_SECONDS / 6)
            page.write_text(page.read_text(encoding="utf-8") + f"\nMise à jour {round_} : zythologie.\n",
                            encoding="utf-8")
            done = subprocess.run(cli, capture_output=True, text=True, timeout=120, env=server_env(settings))
            assert done.returncode == 0, done.stdout + done.stderr
        time.sleep(LOAD_SECONDS / 6)
        killed = subprocess.Popen([*cli, "--full"], env=server_env(settings))
        time.sleep(1.0)   # mid-build: a full build of site-eig takes several seconds
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(10) == -signal.SIGKILL
        for client in clients:
            client.join(LOAD_SECONDS + 30)
        assert get(port, "/api/search?q=zythologie")[1]["total"] == 1
    finally:
        stop(proc)
    failed = [r for r in results if r[0] != 200]
    empty = [r for r in results if r[0] == 200 and r[1] == 0]
    times = sorted(r[2] for r in results)
    p99 = times[int(len(times) * 0.99)] * 1000
    record_property("requests", len(results))
    record_property("p99_ms", round(p99, 1))
    print(f"\n{len(results)} requests in {LOAD_SECONDS} s, {LOAD_CLIENTS} clients: p50 "
          f"{times[len(times) // 2] * 1000:.1f} ms, p99 {p99:.1f} ms, max {times[-1] * 1000:.1f} ms")
    assert len(results) > 100
    assert not failed, failed[:5]
    assert not empty, empty[:5]
