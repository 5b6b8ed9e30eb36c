"""More SIGKILLs than CI runs: every write path killed at many instants; counts per path beside the floor.

    .venv/bin/python benchmarks/bench_kill.py [--per-path N] [--rows N] [--profiles N]

Uses the harness of tests/test_crash_safety.py (tests/kill_harness.py): each kill lands while the process
holds the workspace's write lock inside its write transaction; after it, the files as left are recovered
and must pass ``PRAGMA integrity_check`` with the write there entirely or not at all, and the next
`socialdesk` command must open the workspace. Any violation stops the run with an AssertionError.

Prints one line per write path: ``PATH: landed N (floor F), after-commit N, attempts N, mean S s``, then
the total. The floor is what CI asserts per path (tests/test_crash_safety.py: PER_PATH). Settings pushes
may read the keyring: run it inside ``scripts/test.sh``'s environment, or where a keyring works.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.kill_harness import build_templates, run_kills, write_paths  # noqa: E402 - path set above
from tests.test_crash_safety import PER_PATH  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--per-path", type=int, default=12, help="kills that must land per write path")
    parser.add_argument("--rows", type=int, default=1000, help="rows of the profiles import")
    parser.add_argument("--profiles", type=int, default=5000, help="profiles of the demo and old workspace")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sd-bench-kill-") as tmp:
        inputs = Path(tmp) / "inputs"
        inputs.mkdir()
        size = args.profiles
        paths = write_paths(inputs, rows=args.rows, demo_profiles=size, legacy_profiles=size)
        # More instants than CI: spread over the longer writes as well.
        for wp in paths:
            wp.delays = (*wp.delays, *(d * 3 for d in wp.delays if d))
        started = time.monotonic()
        build_templates(paths, Path(tmp) / "templates", inputs)
        print(f"templates: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        results = run_kills(paths, inputs, per_path=args.per_path, max_tries=args.per_path * 3)
        elapsed = time.monotonic() - started
    total = 0
    for wp in paths:
        mine = [r for r in results if r.path == wp.name]
        landed = sum(r.landed for r in mine)
        total += landed
        mean = sum(r.seconds for r in mine) / max(1, len(mine))
        committed = sum(r.committed for r in mine)
        hot = sum(r.hot for r in mine if r.landed)
        print(
            f"{wp.name}: landed {landed} (floor {PER_PATH}), after-commit {committed}, attempts {len(mine)}, "
            f"left a WAL/journal {hot}, mean {mean:.2f} s"
        )
    print(f"total: {total} kills landed mid-write (CI floor {PER_PATH * len(paths)}) in {elapsed:.1f} s")
    return 0 if all(sum(r.landed for r in results if r.path == wp.name) >= PER_PATH for wp in paths) else 1


if __name__ == "__main__":
    sys.exit(main())
