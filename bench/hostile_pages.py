"""How long the markdown reader takes on hostile pages: 250 KB of one markup character
repeated (the kind of page that made a regular expression run for minutes), as a ratio
of the time it takes on 250 KB of plain French text, in one process.

    .venv/bin/python bench/hostile_pages.py [--size 250000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from casesearch.markdown import to_sections  # noqa: E402

CHARACTERS = "[]{}<>*_`()!&$\\|#-~:=+.\"'"


def seconds(body: str) -> float:
    started = time.perf_counter()
    to_sections(body)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=250_000)
    args = parser.parse_args()
    words = "Les données publiques de santé au service des patients et des hôpitaux. "
    base = min(seconds((words * (args.size // len(words) + 1))[:args.size]) for _ in range(3))
    print(f"plain text, {args.size:,} characters: {base * 1000:.1f} ms")
    print("| character | ms | ratio to plain text |\n| --- | --- | --- |")
    for char in CHARACTERS:
        took = seconds(char * args.size)
        print(f"| `{char}` | {took * 1000:.1f} | {took / base:.2f} |")


if __name__ == "__main__":
    main()
