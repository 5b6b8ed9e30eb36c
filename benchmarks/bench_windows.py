"""Benchmark of the other windows on the shared read model at 100,000 and 1,000,000 profiles: the
profile manager's list (open, search, scroll) and the groups editor's profile search (open, search,
scroll), with the start-up connection check running alongside.

    .venv/bin/python benchmarks/bench_windows.py [--profiles 100000] [--workspace DIR] [--repeat 5]

The setting is ``bench_profile_table.py``'s (its helpers are reused): a demo workspace (or a copy of
``--workspace``), 10 % of the profiles with tokens here sharing 200 tokens against a local server
answering in ~50 ms, the real main window offscreen, the check started by itself once the window is
idle, every measurement inside a real event loop with the check running (re-started if it ended;
asserted at the end). Each figure is printed beside a floor measured in the same run: the bare
sqlite3 read of the columns (open), a bare Python scan of the case-folded names for the same word
(search), and the table's own scroll repaint. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import bench_profile_table as table_bench  # noqa: E402 - the sibling benchmark: its server and tokens
import keyring_session  # noqa: E402
from demo_workspace import demo_workspace  # noqa: E402
from figures import exit_status, say  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
WORDS = ["support", "care", "north", "brand", "team", "daily", "season", "main", "run", "post", "e", "zz"]


def bare_search(names: list[str], word: str) -> float:
    """Floor of a search: a plain scan of the already case-folded names (ms)."""
    started = time.perf_counter()
    _found = [i for i, name in enumerate(names) if word in name]
    return (time.perf_counter() - started) * 1000


def run(data: Path, profiles: int, repeat: int, floor: dict[str, float]) -> None:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from socialdesk.app import one_malloc_arena

    one_malloc_arena()  # the process as run_gui sets it up, before Qt starts a thread
    app = QApplication(sys.argv)
    app.setApplicationName("SocialDesk benchmark")
    from socialdesk.app import create_main_window
    from socialdesk.ui import main_dialogs
    from socialdesk.ui.groups_dialog import GroupsDialog
    from socialdesk.ui.main_window import MainWindow

    big = profiles >= 500_000
    open_target, act_target = (8000.0, 300.0) if big else (1500.0, 50.0)

    class PaintWatch(QObject):
        painted = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    def wait_for(condition: Callable[[], bool], timeout_ms: int = 120_000) -> None:
        loop = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: loop.quit() if condition() else None)
        poll.start(1)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        poll.stop()

    window = create_main_window(data)
    assert isinstance(window, MainWindow)
    window.resize(1600, 1000)
    window.show()
    wait_for(lambda: window.model.total_count() >= profiles * 0.95)
    started = QEventLoop()
    window.healthCheckStarted.connect(started.quit)
    QTimer.singleShot(30_000, started.quit)
    started.exec()
    assert window.check.running, "the connection check did not start"
    restarts = 0

    def measure(action: Callable[[], None], view: object) -> float:
        """One action and the repaint of ``view``, from a real event loop, the check running."""
        nonlocal restarts
        if not window.check.running:
            window.run_health_check()
            restarts += 1
        result: list[float] = []
        loop = QEventLoop()

        def go() -> None:
            t = time.perf_counter()
            action()
            view.viewport().repaint()  # type: ignore[attr-defined]
            result.append((time.perf_counter() - t) * 1000)
            QTimer.singleShot(20, loop.quit)

        QTimer.singleShot(0, go)
        loop.exec()
        return result[0]

    names = [n.casefold() for n in window.model.rows.display_name]

    # -- the profile manager --------------------------------------------------------------------------
    watch = PaintWatch()
    t0 = time.perf_counter()
    main_dialogs.open_profile_manager(window)
    manager = window.findChild(QObject, "profileManagerWindow")
    assert manager is not None
    manager.list.viewport().installEventFilter(watch)  # type: ignore[attr-defined]
    wait_for(lambda: not manager.list_loading and manager.model.rowCount() > 0)  # type: ignore[attr-defined]
    watch.painted = False
    wait_for(lambda: watch.painted)
    opened = (time.perf_counter() - t0) * 1000
    say(
        "profile manager: open to its list painted",
        opened,
        "ms",
        open_target,
        f"{opened / floor['read']:.1f}x the bare read {floor['read']:.0f} ms",
    )
    search = manager.search  # type: ignore[attr-defined]
    times, floors_ = [], []
    for word in [*WORDS[:repeat], "e", "zz"]:
        times.append(measure(lambda w=word: search.setText(w), manager.list))  # type: ignore[attr-defined]
        floors_.append(bare_search(names, word))
        measure(lambda: search.setText(""), manager.list)  # type: ignore[attr-defined]
    say(
        "profile manager: search (median)",
        statistics.median(times),
        "ms",
        act_target,
        f"slowest {max(times):.1f} ms; bare scan of the folded names {statistics.median(floors_):.1f} ms",
    )
    bar = manager.list.verticalScrollBar()  # type: ignore[attr-defined]
    steps = [
        measure(lambda v=v: bar.setValue(v), manager.list)  # type: ignore[attr-defined]
        for v in range(0, bar.maximum(), max(1, bar.maximum() // 20))
    ]
    say("profile manager: scroll repaint (median)", statistics.median(steps), "ms", act_target)
    manager.close()  # type: ignore[attr-defined]

    # -- the groups editor's profile search ----------------------------------------------------------
    assert window.workspace is not None
    t0 = time.perf_counter()
    try:
        dialog = GroupsDialog(window.workspace, window, rows=window.model.rows)
    except TypeError:  # a version before the picker searched the read model (to compare)
        dialog = GroupsDialog(window.workspace, window)
    dialog.show()
    dialog.select_group(dialog.groups[0].id)
    picker = dialog.profile_picker()
    assert picker is not None
    picker.show()
    picker.list.viewport().repaint()
    opened = (time.perf_counter() - t0) * 1000
    say("groups editor: open with its profile picker listed", opened, "ms", act_target * 6)
    times, floors_ = [], []
    for word in [*WORDS[:repeat], "e", "zz"]:

        def typed(w: str = word) -> None:  # the typed word and its search, run at once
            picker.search_edit.setText(w)
            picker.search()

        times.append(measure(typed, picker.list))
        floors_.append(bare_search(names, word))
    say(
        "groups editor: profile search (median)",
        statistics.median(times),
        "ms",
        act_target,
        f"slowest {max(times):.1f} ms; bare scan of the folded names {statistics.median(floors_):.1f} ms",
    )
    picker.search_edit.setText("")
    picker.search()
    bar = picker.list.verticalScrollBar()
    steps = [
        measure(lambda v=v: bar.setValue(v), picker.list)
        for v in range(0, max(bar.maximum(), 1), max(1, bar.maximum() // 10))
    ]
    say("groups editor: picker scroll repaint (median)", statistics.median(steps), "ms", act_target)
    table_scroll = window.table.verticalScrollBar()
    step = max(1, table_scroll.maximum() // 10)
    floor_scroll = [
        measure(lambda v=v: table_scroll.setValue(v), window.table)
        for v in range(0, table_scroll.maximum(), step)
    ]
    say("floor: the profiles table's own scroll repaint (median)", statistics.median(floor_scroll), "ms")
    picker.close()
    dialog.close()
    print(f"connection checks started during the measurements: {restarts}")
    assert window.check.running, "the connection check had ended before the last measurement"
    print("the connection check was still running when the last measurement ended", flush=True)
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--workspace", type=Path, default=None, help="copy this demo workspace instead")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    status = keyring_session.ensure(__file__)
    if status is not None:
        return status
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average, 2 cores shared)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-windows-"))
    data = tmp / "ws"
    server = subprocess.Popen(
        [sys.executable, table_bench.__file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        demo_workspace(data, args.profiles, args.workspace)
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        table_bench.prepare_tokens(data, info["url"], info["tokens"])
        floor = table_bench.floors(data)
        run(data, args.profiles, args.repeat, floor)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f}", flush=True)
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
