"""What both fuzzers share: run one target on each input, time it, record what goes wrong.

A target gets the input's bytes; casesearch's own errors (`CasesearchError`) are answers,
not failures (a target checks what they must say). Anything else raised (a warning too,
as in the tests) and any input taking over a second is printed and saved under
fuzz/findings/<name>/ (the input as `crash-<sha1>.bin` or `slow-<sha1>.bin`, the traceback
beside it as `.txt`), once per exception and place; fuzzing goes on.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SLOW_SECONDS = 1.0


class Harness:
    def __init__(self, name: str, target: Callable[[bytes], None], seconds: float) -> None:
        self.name = name
        self.target = target
        self.findings = ROOT / "fuzz" / "findings" / name
        self.seconds = seconds
        self.started = time.monotonic()
        self.runs = 0
        self.seen: set[str] = set()
        self.found: list[str] = []
        self.slowest = (0.0, b"")

    def one_input(self, data: bytes) -> None:
        began = time.perf_counter()
        try:
            self.target(data)
        except Exception as exc:   # noqa: BLE001 - every escape is a finding, recorded and survived
            self.record("crash", data, exc)
        took = time.perf_counter() - began
        self.runs += 1
        if took > self.slowest[0]:
            self.slowest = (took, data)
        if took > SLOW_SECONDS:
            self.record("slow", data, None, took)
        if time.monotonic() - self.started > self.seconds:
            self.finish()

    def record(self, kind: str, data: bytes, exc: BaseException | None, took: float = 0.0) -> None:
        if exc is not None:
            frames = traceback.extract_tb(exc.__traceback__)
            where = next((f"{f.filename}:{f.lineno}" for f in reversed(frames) if "casesearch" in f.filename), "?")
            key = f"{type(exc).__name__} at {where}"
            detail = "".join(traceback.format_exception(exc))
        else:
            key = f"slow ({took:.1f} s, input {hashlib.sha1(data).hexdigest()[:16]})"
            detail = f"took {took:.2f} s (limit {SLOW_SECONDS} s)\n"
        slow_ones = sum(f.startswith("slow") for f in self.found)
        if key in self.seen or (exc is None and slow_ones >= 20):   # each slow input counts
            return
        self.seen.add(key)
        self.findings.mkdir(parents=True, exist_ok=True)
        stem = self.findings / f"{kind}-{hashlib.sha1(data).hexdigest()[:16]}"
        stem.with_suffix(".bin").write_bytes(data)
        stem.with_suffix(".txt").write_text(f"{key}\ninput: {data[:300]!r}\n\n{detail}", encoding="utf-8")
        self.found.append(f"{key}: {stem}.bin")
        print(f"\n=== {self.name}: {key}, input {data[:120]!r}... saved as {stem}.bin\n{detail}", flush=True)

    def finish(self) -> None:
        elapsed = time.monotonic() - self.started
        self.findings.mkdir(parents=True, exist_ok=True)
        (self.findings / "slowest.bin").write_bytes(self.slowest[1])   # worth a look even under 1 s
        print(f"\n{self.name}: {self.runs} inputs in {elapsed:.0f} s ({self.runs / elapsed:.0f}/s); "
              f"slowest {self.slowest[0] * 1000:.0f} ms ({self.slowest[1][:60]!r}); "
              f"{len(self.found)} finding(s)", flush=True)
        for line in self.found:
            print("  " + line, flush=True)
        os._exit(1 if self.found else 0)   # libFuzzer's own exit would skip this summary


def arguments(doc: str) -> argparse.ArgumentParser:
    """The options every fuzzer takes; a fuzzer may add its own before calling main."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="how long to fuzz (default 60)")
    parser.add_argument("--corpus", type=Path, help="corpus folder, kept between runs (default: a fresh one)")
    return parser


def main(name: str, target: Callable[[bytes], None], seeds: Callable[[], Iterable[bytes]],
         parser: argparse.ArgumentParser) -> None:
    """`--seconds N` of coverage-guided fuzzing from the seeds (or the given corpus folder);
    other arguments go to libFuzzer (a file name there runs that one input)."""
    args, libfuzzer = parser.parse_known_args()
    warnings.simplefilter("error")   # as in the tests (pyproject: filterwarnings = error)
    harness = Harness(name, target, args.seconds)
    if not any(not a.startswith("-") for a in libfuzzer):
        corpus = args.corpus or Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
        corpus.mkdir(parents=True, exist_ok=True)
        if not any(corpus.iterdir()):
            for seed in seeds():
                (corpus / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        libfuzzer.append(str(corpus))
    tokens = ROOT / "fuzz" / f"{name}.dict"   # the input language's tokens, for the mutator
    harness.findings.mkdir(parents=True, exist_ok=True)   # libFuzzer's own slow-unit-*, timeout-* files too
    atheris.Setup([sys.argv[0], "-max_len=16384", "-timeout=120", f"-dict={tokens}",
                   f"-artifact_prefix={harness.findings}/", *libfuzzer], harness.one_input)
    atheris.Fuzz()
    harness.finish()
