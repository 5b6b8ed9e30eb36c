"""Benchmark of the profiles window at 100,000 and 1,000,000 profiles, with the connection check running.

    .venv/bin/python benchmarks/bench_profile_table.py [--profiles 100000] [--workspace DIR] [--repeat 5]

Builds a demo workspace (a subprocess, so its memory is not this process's; ``--workspace`` copies
a ready one instead, e.g. from ``bench_demo.py --keep``). Then, as users get it:

* 10 % of the profiles get grants whose tokens are on this computer, in the real keyring (a private
  Secret Service, ``keyring_session.py``), sharing 200 tokens as sign-ins do; their platforms point
  at a local OAuth server (``tests/oauth_server.py``, in a separate process) that answers each call
  after ~50 ms;
* the real main window opens offscreen; the connection check starts by itself once the rows are
  shown and the window is idle; every measurement runs inside a real ``QEventLoop``
  (``QTimer.singleShot``), never a busy ``processEvents`` loop, with the check running alongside
  (re-started if it finished: the benchmark asserts it was still running at the end);
* a 10 ms timer measures the longest GUI stall while the check runs;
* the sorts and filters come as a user's do: a mouse press on the column's header or the filter's box,
  then (timed) its release, which sorts or ticks; the search's words are typed key by key before the
  (timed) filter the debounce runs; the scroll is the mouse wheel's event. The window sees that input
  as it sees a user's (the running check waits while the user works the window).

Each figure is printed beside a floor measured in the same run (bare sqlite3 read, bare ``sorted()``
of the names, bare numpy ``argsort``) and its target; the exit status is 1 when a target is missed.
The machine's load is printed too: figures on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
import keyring_session  # noqa: E402 - a sibling module, found through the path set just above
from demo_workspace import demo_workspace  # noqa: E402
from figures import exit_status, missed, say  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TOKENS = 200
#: A click's press comes this long before its release (the release sorts or ticks a box).
PRESS_MS = 60
DELAY_S = 0.05
PLATFORMS = ("x", "facebook", "instagram", "linkedin")
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 2**20


# -- the token server (its own process, as a platform is) ---------------------------------------------


def serve() -> int:
    """Run the OAuth test server with ~50 ms per answer; print its URL and 200 minted tokens."""
    from tests.oauth_server import OAuthTestServer

    server = OAuthTestServer()
    app = server.app

    def slow(environ: Any, start_response: Any) -> Any:
        time.sleep(DELAY_S)  # a platform's round trip
        return app(environ, start_response)

    server.app = slow
    server.access_token_lifetime = 7 * 24 * 3600  # not near expiry: each check is one verify call
    server.start()
    users = [u.username for u in server.users.values()]
    minted = [server.mint_token(users[i % len(users)]) for i in range(TOKENS)]
    print(json.dumps({"url": server.url, "tokens": minted}), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    server.stop()
    return 0


# -- preparing the workspace ----------------------------------------------------------------------------


def prepare_tokens(data: Path, server_url: str, minted: list[dict[str, Any]]) -> int:
    """10 % of the profiles: their active grants get one of the 200 tokens, saved in the keyring."""
    from socialdesk.services.oauth import token_set
    from socialdesk.services.tokens import TokenStore
    from socialdesk.services.workspace import Workspace
    from tests.oauth_server import providers_toml

    ws = Workspace.open(data)
    (data / "providers.toml").write_text(providers_toml(server_url, PLATFORMS), encoding="utf-8")
    store = TokenStore(ws.workspace_id)
    assert store.available, store.warning
    refs = []
    for token in minted:
        ref = store.new_ref()
        store.save(ref, token_set(token))
        refs.append(ref)
    ws.close()
    conn = sqlite3.connect(data / "socialdesk.db")
    total = conn.execute("SELECT count(*) FROM profiles").fetchone()[0]
    chosen = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT c.profile_id FROM connections c JOIN grants g ON g.connection_id = c.id "
            f"JOIN profiles p ON p.id = c.profile_id WHERE g.state = 'active' AND p.platform IN "
            f"({','.join('?' * len(PLATFORMS))}) ORDER BY c.profile_id LIMIT ?",
            (*PLATFORMS, total // 10),
        )
    ]
    conn.executemany(
        "UPDATE grants SET token_ref = ? WHERE state = 'active' AND connection_id IN "
        "(SELECT id FROM connections WHERE profile_id = ?)",
        [(refs[i % len(refs)], pid) for i, pid in enumerate(chosen)],
    )
    conn.commit()
    grants = conn.execute("SELECT count(*) FROM grants WHERE token_ref IS NOT NULL").fetchone()[0]
    conn.close()
    print(
        f"tokens here: {len(chosen)} profiles ({len(chosen) / total:.0%}), {grants} grants, {TOKENS} tokens"
    )
    return len(chosen)


def floors(data: Path) -> dict[str, float]:
    import numpy as np

    conn = sqlite3.connect(data / "socialdesk.db")
    t = time.perf_counter()
    rows = conn.execute(
        "SELECT id, display_name, handle, platform, kind, notes, added_at FROM profiles "
        "WHERE deleted_at IS NULL"
    ).fetchall()
    read = (time.perf_counter() - t) * 1000
    conn.close()
    names = [r[1] for r in rows]
    del rows
    t = time.perf_counter()
    sorted(names, key=str.casefold)
    bare_sorted = (time.perf_counter() - t) * 1000
    values = np.random.default_rng(1).integers(0, len(names), len(names)).astype(np.int32)
    t = time.perf_counter()
    np.argsort(values, kind="stable")
    argsort = (time.perf_counter() - t) * 1000
    say("floor: bare sqlite3 read of the columns", read, "ms")
    say("floor: bare sorted() of the names (case-folded)", bare_sorted, "ms")
    say("floor: bare numpy argsort (stable) of as many ints", argsort, "ms")
    return {"read": read, "sorted": bare_sorted, "argsort": argsort}


# -- the window -------------------------------------------------------------------------------------------


def run_window(
    data: Path, profiles: int, repeat: int, floor: dict[str, float], *, check: bool = True
) -> None:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QPoint, QPointF, Qt, QTimer
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from socialdesk.app import one_malloc_arena

    one_malloc_arena()  # the process as run_gui sets it up, before Qt starts a thread
    app = QApplication(sys.argv)
    app.setApplicationName("SocialDesk benchmark")
    from socialdesk.app import create_main_window
    from socialdesk.models.catalogue import ConnectionType, Ownership, Status
    from socialdesk.services.query import COLUMN_KEYS
    from socialdesk.ui.main_window import MainWindow

    big = profiles >= 500_000
    sort_target = 300.0 if big else 50.0
    filter_target = 300.0 if big else 50.0

    class PaintWatch(QObject):
        painted = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    class Ticker:
        """The GUI thread's heartbeat: the longest gap between 10 ms ticks, and RSS samples."""

        def __init__(self) -> None:
            self.timer = QTimer()
            self.timer.setInterval(10)
            self.timer.timeout.connect(self.tick)
            self.reset()

        def reset(self) -> None:
            self.last = time.perf_counter()
            self.longest = 0.0
            self.peak_rss = rss_mb()

        def tick(self) -> None:
            now = time.perf_counter()
            self.longest = max(self.longest, (now - self.last) * 1000 - 10)
            self.last = now
            self.peak_rss = max(self.peak_rss, rss_mb())

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    watch = PaintWatch()
    t0 = time.perf_counter()
    window = create_main_window(data)
    created = (time.perf_counter() - t0) * 1000
    assert isinstance(window, MainWindow)
    window.resize(1600, 1000)
    loop = QEventLoop()
    window.rowsLoaded.connect(loop.quit)
    window.show()
    window.table.viewport().installEventFilter(watch)
    loop.exec()
    painted = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: painted.quit() if watch.painted else None)
    watch.painted = False
    poll.start(1)
    painted.exec()
    poll.stop()
    rows_ms = (time.perf_counter() - t0) * 1000
    say("window creation (create_main_window returns)", created, "ms", 300)
    say(
        "open to first rows painted",
        rows_ms,
        "ms",
        8000 if big else 1500,
        f"{rows_ms / floor['read']:.1f}x the bare read (target <= 3x)",
    )
    if not big and rows_ms > 3 * floor["read"]:
        missed.append("open vs floor")
    assert window.model.total_count() >= profiles * 0.95

    # The check starts by itself once the window is idle.
    ticker = Ticker()
    t_idle = time.perf_counter()
    # The text index is built in a worker once the rows are shown: its memory is the list's, so the
    # check's own growth is measured from when it is there.
    index_built = QEventLoop()
    poll.timeout.disconnect()
    poll.timeout.connect(lambda: index_built.quit() if window.model.rows._text_index is not None else None)
    poll.start(1)
    index_built.exec()
    poll.stop()
    built_ms = (time.perf_counter() - t_idle) * 1000
    say("text index built (in a worker) after the rows were painted", built_ms, "ms")
    before_check = rss_mb()
    started = QEventLoop()
    window.healthCheckStarted.connect(started.quit)
    QTimer.singleShot(30_000, started.quit)
    if not window.check.running:
        started.exec()
    assert window.check.running, "the connection check did not start"
    say("check started after the rows, idle for", (time.perf_counter() - t_idle) * 1000, "ms")
    ticker.reset()
    ticker.timer.start()
    wait(3000)
    say("longest GUI stall, idle, check running", ticker.longest, "ms", 50)
    # Nothing else runs in these 3 s: the growth is the check's (its chunks reach their size at once).
    check_memory = ticker.peak_rss - before_check
    restarts = 0
    table, panel = window.table, window.filter_panel
    rows = window.model.rows

    def measure(action: Callable[[], None], press: Callable[[], None] | None = None) -> float:
        """One action and its repaint, run from a real event loop while the check runs.

        ``press`` is the input that comes before the action as a user's does (the mouse button goes
        down ~60 ms before the click's release sorts or ticks a box; the keys typed before the
        search's debounce): not timed, but the window sees it, as it sees a user's."""
        nonlocal restarts
        if check and not window.check.running:
            window.run_health_check()
            restarts += 1
        result: list[float] = []
        loop = QEventLoop()

        def run() -> None:
            t = time.perf_counter()
            action()
            table.viewport().repaint()
            result.append((time.perf_counter() - t) * 1000)
            QTimer.singleShot(20, loop.quit)  # the workers get the GIL between measurements

        def start() -> None:
            if press is None:
                run()
                return
            press()
            QTimer.singleShot(PRESS_MS, run)

        QTimer.singleShot(0, start)
        loop.exec()
        return result[0]

    header = table.horizontalHeader()
    left = Qt.MouseButton.LeftButton
    plain = Qt.KeyboardModifier.NoModifier
    # The input goes to the window (its QWindow), as the platform delivers a user's: the window
    # passes it to the widget under the mouse or with the focus, and the connection check, which
    # watches the windows' input to give way to the user, sees it as it sees a user's. (QTest aimed at
    # a widget hands the event to that widget alone.)
    handle = window.windowHandle()

    def at_section(c: int) -> QPoint:
        point = QPoint(header.sectionViewportPosition(c) + header.sectionSize(c) // 2, header.height() // 2)
        return header.viewport().mapTo(window, point)

    def click_header(c: int) -> tuple[Callable[[], None], Callable[[], None]]:
        """(press, release) on column ``c``'s header: the release sorts, as a user's click does."""
        return (
            lambda: QTest.mousePress(handle, left, plain, at_section(c)),
            lambda: QTest.mouseRelease(handle, left, plain, at_section(c)),
        )

    def click(box: Any) -> tuple[Callable[[], None], Callable[[], None]]:
        """(press, release) on a filter's check box (its indicator, scrolled into view): the release
        ticks it."""

        def at_box() -> QPoint:
            panel.ensureWidgetVisible(box)
            return box.mapTo(window, QPoint(min(8, box.width() // 2), box.height() // 2))

        return (
            lambda: QTest.mousePress(handle, left, plain, at_box()),
            lambda: QTest.mouseRelease(handle, left, plain, at_box()),
        )

    slowest_sort = 0.0
    for column, key in enumerate(COLUMN_KEYS):
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        if key != "name":  # a first sort: nothing cached (the name's order comes with the load)
            rows._orders.pop(key, None)
            rows._ranks.pop(key, None)
        press, release = click_header(column)
        first = measure(release, press)
        assert window.model.sort_state()[0] == key, f"the click did not sort by {key}"
        again = []
        for _ in range(repeat):
            table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
            again.append(measure(release, press))
        median = statistics.median(again)
        slowest_sort = max(slowest_sort, first, median)
        say(f"sort {key} (first)", first, "ms", sort_target)
        say(f"sort {key} (again, median)", median, "ms", sort_target)
    say(
        "slowest sort",
        slowest_sort,
        "ms",
        None,
        f"bare sorted() of the names {floor['sorted']:.1f} ms, bare argsort {floor['argsort']:.1f} ms",
    )
    if not big and slowest_sort >= floor["sorted"]:
        missed.append("sort vs bare sorted()")
    press, release = click_header(0)  # the sorted column again: the order turns round
    reverse = [measure(release, press) for _ in range(2 * repeat)]
    say("reverse (median)", statistics.median(reverse), "ms", sort_target)

    def filter_cycle(
        name: str,
        on: Callable[[], None],
        off: Callable[[], None],
        press: Callable[[], None] | None = None,
        press_off: Callable[[], None] | None = None,
    ) -> None:
        values = []
        for _ in range(repeat):
            values.append(measure(on, press))
            measure(off, press_off or press)
        say(f"filter {name} (median)", statistics.median(values), "ms", filter_target)

    def box_cycle(name: str, box: Any) -> None:
        press, release = click(box)
        filter_cycle(name, release, release, press)
        assert not box.isChecked()

    box_cycle("ownership", panel.ownership[Ownership.OWNED])
    s = panel.status[Status.EXPIRED]
    box_cycle("status", s)
    p = panel.platforms["instagram"]
    box_cycle("platform", p)
    combo = panel.types[ConnectionType.PUBLISHING]
    filter_cycle("connection type", lambda: combo.setCurrentIndex(3), lambda: combo.setCurrentIndex(0))
    box_cycle("group", panel.groups["Global"])
    box_cycle("owner", panel.owners["Priya Shah"])
    words = iter(["support", "care", "north", "brand", "team", "daily", "season", "main", "run", "post"] * 3)

    def type_word() -> None:  # key by key into the focused box (the debounce restarts on each); not timed
        panel.search.setFocus()
        panel.search.clear()
        word = next(words)
        for char in word:
            QTest.keyClick(handle, char)
        assert panel.search.text() == word, "the keys did not reach the search box"
        panel._search_timer.stop()

    def erase() -> None:
        panel.search.setFocus()
        QTest.keyClick(handle, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(handle, Qt.Key.Key_Backspace)
        panel._search_timer.stop()

    # What the debounce timer calls once the typing stopped; a new word each time (no cached mask).
    filter_cycle(
        "search text (after the debounce)", panel._flush_search, panel._flush_search, type_word, erase
    )
    measure(lambda: s.setChecked(True))
    measure(lambda: p.setChecked(True))
    say("clear filters", measure(panel.clear), "ms", filter_target)
    counts = [measure(window._update_counts) for _ in range(repeat)]
    say("filter counts update (median)", statistics.median(counts), "ms", filter_target)
    scroll = table.verticalScrollBar()

    def wheel() -> None:  # one notch down over the table, sent to the window as the mouse wheel's event is
        centre = table.viewport().rect().center()
        event = QWheelEvent(
            QPointF(table.viewport().mapTo(window, centre)),
            QPointF(table.viewport().mapToGlobal(centre)),
            QPoint(),
            QPoint(0, -120),
            Qt.MouseButton.NoButton,
            plain,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(handle, event)

    steps = []
    for v in range(0, scroll.maximum(), max(1, scroll.maximum() // 20)):
        scroll.setValue(v)
        before = scroll.value()
        steps.append(measure(wheel))
        assert scroll.value() > before, "the wheel did not scroll"
    say("scroll repaint (median)", statistics.median(steps), "ms", 50)
    still_running = window.check.running or not check
    ticker.timer.stop()
    say("longest GUI stall over all measurements (the measured actions included)", ticker.longest, "ms")
    print(f"connection checks started during the measurements (one ended, the next began): {restarts}")
    say("check's own memory (RSS growth in the 3 s idle with the check running)", check_memory, "MB", 30)
    say(
        "peak RSS of the whole process (window, rows, check)",
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "MB",
        1200 if big else 250,
    )
    report = window.last_health_report
    if report is not None:
        print(
            f"last finished check: {report.checked} grants checked in {report.seconds:.1f} s, "
            f"{report.ok} fine"
        )
    assert still_running, "the connection check had ended before the last measurement"
    print("the connection check was still running when the last measurement ended", flush=True)
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--workspace", type=Path, default=None, help="copy this demo workspace instead")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-check", action="store_true", help="no tokens here: the figures without the check, to compare"
    )
    args = parser.parse_args()
    if args.serve:
        return serve()
    status = keyring_session.ensure(__file__)
    if status is not None:
        return status
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average, 2 cores shared)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    data = tmp / "ws"
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        started = time.perf_counter()
        if demo_workspace(data, args.profiles, args.workspace):
            say("demo build (subprocess)", time.perf_counter() - started, "s")
        else:
            print(f"copied {args.workspace}")
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        if not args.no_check:
            prepare_tokens(data, info["url"], info["tokens"])
        floor = floors(data)
        run_window(data, args.profiles, args.repeat, floor, check=not args.no_check)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f}", flush=True)
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
