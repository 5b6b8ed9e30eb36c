"""Benchmark of the exports at 100,000 profiles (issue 8: groups, export and import).

Builds a demo workspace in a temp folder (in a subprocess), loads the profile list as the window
does, then exports all of it, sorted by name, to XLSX and CSV through ``services.export`` and, in the
same run, the floor: a bare openpyxl ``write_only`` loop (and a bare ``csv.writer`` loop) over the
same rows and columns, values computed beforehand. Runs alternate export and floor so both see the
same machine load; the best of ``--repeat`` runs counts. Peak memory growth is measured in separate
runs under tracemalloc (which slows Python down, so it never overlaps the timed runs).

Prints one line per figure, ``name: value unit``. Targets: export ≤ 1.2 × floor, peak growth ≤ 50 MB.
Run: ``.venv/bin/python benchmarks/bench_export.py [--profiles N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import csv
import gc
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from socialdesk.models.catalogue import Ownership
from socialdesk.services import export
from socialdesk.services.query import ProfileFilter, ProfileRows
from socialdesk.services.workspace import Workspace

MB = 1024 * 1024


def say(name: str, value: float, unit: str, digits: int = 2) -> None:
    print(f"{name}: {value:.{digits}f} {unit}", flush=True)


def timed(work: Callable[[], Any]) -> float:
    gc.collect()
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def peak_growth(work: Callable[[], Any]) -> float:
    """Peak of Python allocations during ``work`` above what was allocated before it, in MB."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / MB


def floor_xlsx(rows: list[list[Any]], path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Profiles")
    ws.append(list(export.PROFILE_COLUMNS))
    for row in rows:
        ws.append(row)
    wb.save(path)


def floor_csv(rows: list[list[Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(export.PROFILE_COLUMNS)
        writer.writerows(rows)


def best_times(rows: ProfileRows, selected: list[int], out: Path, repeat: int) -> dict[str, float]:
    """Best time of each export and floor; the floors' values are computed before timing."""
    floor_rows_xlsx = list(export.profile_records(rows, selected, xlsx=True))
    floor_rows_csv = list(export.profile_records(rows, selected, xlsx=False))
    figures: dict[str, list[float]] = {}
    for _ in range(repeat):
        for name, work in (
            ("xlsx floor", lambda: floor_xlsx(floor_rows_xlsx, out / "floor.xlsx")),
            ("xlsx export", lambda: export.export_profiles(rows, selected, out / "list.xlsx")),
            ("csv floor", lambda: floor_csv(floor_rows_csv, out / "floor.csv")),
            ("csv export", lambda: export.export_profiles(rows, selected, out / "list.csv")),
        ):
            figures.setdefault(name, []).append(timed(work))
    return {k: min(v) for k, v in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-export-"))
    try:
        return run(tmp, args.profiles, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, n_profiles: int, repeat: int) -> int:
    data = tmp / "ws"
    cmd = [sys.executable, "-m", "socialdesk", "--data-dir", str(data), "demo", "--profiles", str(n_profiles)]
    say(
        "demo build (subprocess)",
        timed(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)),
        "s",
    )

    ws = Workspace.open(data)
    holder: dict[str, ProfileRows] = {}

    def load() -> None:
        with ws.engine.connect() as conn:
            holder["rows"] = ProfileRows.load(conn, ws.me_id)

    say("profile list load", timed(load), "s")
    rows = holder["rows"]
    # The whole list (every ownership category), as the window shows it sorted by name.
    everything = ProfileFilter(ownership=set(Ownership))
    selected = rows.select(everything, "name")
    say("rows exported", len(selected), "rows", 0)

    out = tmp / "out"
    out.mkdir()
    best = best_times(rows, selected, out, repeat)
    for fmt in ("xlsx", "csv"):
        say(f"{fmt} export time", best[f"{fmt} export"], "s")
        say(f"{fmt} floor time", best[f"{fmt} floor"], "s")
        say(f"{fmt} export / floor", best[f"{fmt} export"] / best[f"{fmt} floor"], "x")

    say(
        "xlsx export peak memory growth",
        peak_growth(lambda: export.export_profiles(rows, selected, out / "list.xlsx")),
        "MB",
    )
    say(
        "csv export peak memory growth",
        peak_growth(lambda: export.export_profiles(rows, selected, out / "list.csv")),
        "MB",
    )
    floor_memory_rows = export.profile_records(rows, selected, xlsx=True)  # a generator: nothing held

    def floor_streaming() -> None:
        wb = Workbook(write_only=True)
        sheet = wb.create_sheet("Profiles")
        for row in floor_memory_rows:
            sheet.append(row)
        wb.save(out / "floor.xlsx")

    say("xlsx floor peak memory growth", peak_growth(floor_streaming), "MB")

    def groups(fmt: str) -> None:
        with ws.session() as session:
            export.export_groups(session, out / f"groups.{fmt}", fmt)

    say("groups xlsx export time", timed(lambda: groups("xlsx")) * 1000, "ms", 1)
    say("groups csv export time", timed(lambda: groups("csv")) * 1000, "ms", 1)
    say("xlsx file size", (out / "list.xlsx").stat().st_size / MB, "MB")
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
