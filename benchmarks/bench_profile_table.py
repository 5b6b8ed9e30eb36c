"""Benchmark of the profiles window at 100,000 profiles (issue: the profile table).

Builds a demo workspace in a temp folder (in a subprocess, so it does not inflate this process's
memory), opens the real main window offscreen and prints one line per figure: ``name: value unit``.
Each timed step includes the repaint of the table.
Run: ``.venv/bin/python benchmarks/bench_profile_table.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt
from PySide6.QtWidgets import QApplication


def say(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.1f} {unit}", flush=True)


class PaintWatch(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    data = tmp / "ws"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "socialdesk",
            "--data-dir",
            str(data),
            "demo",
            "--profiles",
            str(args.profiles),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    say("demo build (subprocess)", time.perf_counter() - started, "s")

    # Floors: the same work without SocialDesk.
    conn = sqlite3.connect(data / "socialdesk.db")
    t = time.perf_counter()
    names = [
        r[0]
        for r in conn.execute(
            "SELECT display_name, handle, platform, kind, notes, added_at FROM profiles "
            "WHERE deleted_at IS NULL"
        ).fetchall()
    ]
    say("floor: bare sqlite3 read of the columns", (time.perf_counter() - t) * 1000, "ms")
    t = time.perf_counter()
    sorted(names)
    say("floor: bare sorted() of the names", (time.perf_counter() - t) * 1000, "ms")
    conn.close()

    app = QApplication(sys.argv)
    from socialdesk.app import create_main_window
    from socialdesk.models.catalogue import ConnectionType, Ownership, Status
    from socialdesk.services.query import COLUMN_KEYS
    from socialdesk.ui.main_window import MainWindow

    watch = PaintWatch()
    t0 = time.perf_counter()
    window = create_main_window(data)
    assert isinstance(window, MainWindow)
    window.resize(1600, 1000)
    window.table.viewport().installEventFilter(watch)
    # Wait in a real event loop (a busy processEvents() loop would steal the GIL from the loader).
    loop = QEventLoop()
    window.rowsLoaded.connect(loop.quit)
    window.show()
    loop.exec()
    watch.painted = False
    while not watch.painted:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    say("open to first rows painted", (time.perf_counter() - t0) * 1000, "ms")
    assert window.model.total_count() >= args.profiles * 0.95

    table, panel = window.table, window.filter_panel

    def timed(action: Callable[[], None]) -> float:
        t = time.perf_counter()
        action()
        table.viewport().repaint()
        return (time.perf_counter() - t) * 1000

    for column, key in enumerate(COLUMN_KEYS):
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        window.model.rows._orders.clear()  # a first sort: no cached order for the column yet
        first = timed(lambda c=column: table.sortByColumn(c, Qt.SortOrder.AscendingOrder))
        again = []
        for _ in range(args.repeat):
            table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
            again.append(timed(lambda c=column: table.sortByColumn(c, Qt.SortOrder.AscendingOrder)))
        say(f"sort {key} (first)", first, "ms")
        say(f"sort {key} (again, median)", statistics.median(again), "ms")
    reverse = [
        timed(lambda o=o: table.sortByColumn(0, o))
        for o in [Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder] * args.repeat
    ]
    say("reverse (median)", statistics.median(reverse), "ms")

    def filter_cycle(name: str, on: Callable[[], None], off: Callable[[], None]) -> None:
        values = []
        for _ in range(args.repeat):
            values.append(timed(on))
            off()
        say(f"filter {name} (median)", statistics.median(values), "ms")

    o = panel.ownership[Ownership.OWNED]
    filter_cycle("ownership", lambda: o.setChecked(True), lambda: o.setChecked(False))
    s = panel.status[Status.EXPIRED]
    filter_cycle("status", lambda: s.setChecked(True), lambda: s.setChecked(False))
    p = panel.platforms["instagram"]
    filter_cycle("platform", lambda: p.setChecked(True), lambda: p.setChecked(False))
    combo = panel.types[ConnectionType.PUBLISHING]
    filter_cycle("connection type", lambda: combo.setCurrentIndex(3), lambda: combo.setCurrentIndex(0))
    g = panel.groups["Global"]
    filter_cycle("group", lambda: g.setChecked(True), lambda: g.setChecked(False))
    w = panel.owners["Priya Shah"]
    filter_cycle("owner", lambda: w.setChecked(True), lambda: w.setChecked(False))

    def search_on() -> None:
        panel.search.setText("support")
        panel._flush_search()

    filter_cycle("search text", search_on, lambda: panel.search.setText(""))
    s.setChecked(True)
    p.setChecked(True)
    say("clear filters", timed(panel.clear), "ms")
    counts = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        window._update_counts()
        counts.append((time.perf_counter() - t) * 1000)
    say("filter counts update (median)", statistics.median(counts), "ms")
    scroll = table.verticalScrollBar()
    steps = [
        timed(lambda v=v: scroll.setValue(v))
        for v in range(0, scroll.maximum(), max(1, scroll.maximum() // 20))
    ]
    say("scroll repaint (median)", statistics.median(steps), "ms")
    say("peak RSS", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
