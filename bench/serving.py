"""What the HTTP benchmarks share: `gunicorn wsgi:app` on a free port, started and stopped."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(content: Path, index: Path) -> dict[str, str]:
    """The environment of the server and of the CLI runs beside it: this checkout's `src` first
    on PYTHONPATH, so they run the code the benchmark imports in-process, whichever checkout
    the venv's editable install points at."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASESEARCH_")}
    env.update(CASESEARCH_CONTENT=str(content), CASESEARCH_INDEX=str(index))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def start_gunicorn(content: Path, index: Path, options: list[str], log: Path,
                   env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """`gunicorn wsgi:app` from the project root (so gunicorn.conf.py is read) with `options`,
    and `env` added to `server_env`'s, once /api/health answers: (process, port)."""
    from gunicorn.config import Config

    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    if "control_socket_disable" in Config().settings:
        cmd.insert(-1, "--no-control-socket")
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**server_env(content, index), **(env or {})}, stdout=out,
                                stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn did not answer:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
