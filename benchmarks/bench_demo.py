"""Benchmark: ``socialdesk demo --profiles N`` against a bare sqlite3 ``executemany`` of the same rows.

    .venv/bin/python benchmarks/bench_demo.py [--profiles 1000000] [--keep DIR]

The demo runs as the command line runs it (a subprocess), so its peak memory is its own
(``RUSAGE_CHILDREN``). The floor, measured in the same run: the rows the demo wrote to its five big
tables (profiles, owners, shares, connections, grants), written again with a bare sqlite3
``executemany`` in one transaction into an empty workspace of the same schema (same indexes, no
triggers), only the ``executemany`` calls and the commit timed. Prints ``name: value unit`` lines
and exits 1 when a target is missed (ratio ≤ 3, peak memory ≤ 1 GB). ``--keep DIR`` leaves the
built workspace there (``bench_profile_table.py --workspace DIR`` reuses it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from demo_workspace import build_demo  # noqa: E402 - a sibling module, found through the path above

TABLES = ("profiles", "profile_owners", "profile_shares", "connections", "grants")


def say(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.1f} {unit}", flush=True)


def floor(source: Path, folder: Path) -> float:
    """Seconds of bare ``executemany`` (and the commit) of the demo's big tables into a fresh schema."""
    sys.path.insert(0, str(ROOT))
    from socialdesk.services.workspace import Workspace

    Workspace.open(folder, create=True).close()  # the same schema, indexes included
    src = sqlite3.connect(source / "socialdesk.db")
    dst = sqlite3.connect(folder / "socialdesk.db")
    # Bare rows: without the summary triggers (the demo suspends them too and computes the
    # summaries at the end, which the floor does not).
    for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        dst.execute(f'DROP TRIGGER "{name}"')
    took = 0.0
    try:
        for table in TABLES:
            columns = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            cursor = src.execute(f"SELECT {', '.join(columns)} FROM {table}")
            while chunk := cursor.fetchmany(20_000):
                started = time.perf_counter()
                dst.executemany(sql, chunk)
                took += time.perf_counter() - started
        started = time.perf_counter()
        dst.commit()
        took += time.perf_counter() - started
    finally:
        src.close()
        dst.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the workspace here and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-demo-"))
    data = args.keep or tmp / "ws"
    try:
        print(f"load: {os.getloadavg()[0]:.2f} (1-minute average, 2 cores shared)", flush=True)
        started = time.perf_counter()
        build_demo(data, args.profiles)
        built = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        bare = floor(data, tmp / "floor")
        ratio = built / bare
        say(f"demo --profiles {args.profiles}", built, "s")
        say("floor: bare sqlite3 executemany of the same rows", bare, "s")
        say("demo / floor", ratio, "x (target <= 3)")
        say("demo peak RSS", peak, "MB (target <= 1024)")
        print(f"load: {os.getloadavg()[0]:.2f}", flush=True)
        return 0 if ratio <= 3 and peak <= 1024 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
