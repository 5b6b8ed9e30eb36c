"""Benchmark of the account picker after an "add profiles" sign-in, at 100,000 or 1,000,000 profiles.

    .venv/bin/python benchmarks/bench_account_picker.py [--profiles 100000] [--workspace DIR]
                                                        [--accounts 500] [--repeat 5]

Builds a demo workspace (``socialdesk demo --profiles N`` in a subprocess, so its memory is not this
process's; ``--workspace`` copies a ready one instead, e.g. from ``bench_demo.py --keep``). A sign-in
that found ``--accounts`` accounts is staged as its ``Discovery``: half of them are owned profiles of
the workspace already (their real platform ids), half are new. Then, as a user gets it:

* which of the found accounts are already profiles (``ops.connections.known_accounts``: indexed
  lookups of the found ids, never a walk over the workspace), beside the floor measured in the same
  run: a bare sqlite3 query of the same ids on the same index;
* the picker opening: that lookup, the real ``AccountPickerDialog`` built, shown and its list painted,
  inside a real ``QEventLoop`` (``QTimer.singleShot``), beside a bare ``QTreeWidget`` of as many rows
  (built, shown, painted) as its floor;
* typing into its filter, one key at a time (``QTest.keyClick``, each key and its repaint timed), and
  clearing it.

Prints ``name: value unit`` lines with their targets; the exit status is 1 when a target is missed.
The machine's load is printed too: figures on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from demo_workspace import demo_workspace  # noqa: E402 - a sibling module, found through the path above
from figures import exit_status, say  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def stage(data: Path, accounts: int) -> tuple[str, list[str], list[str]]:
    """The platform with most owned profiles, ``accounts // 2`` of their platform ids, and as many new ids."""
    conn = sqlite3.connect(data / "socialdesk.db")
    try:
        platform, _count = conn.execute(
            "SELECT platform, count(*) FROM profiles WHERE platform_id IS NOT NULL AND deleted_at IS NULL "
            "GROUP BY platform ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT platform_id FROM profiles WHERE platform = ? AND platform_id IS NOT NULL", (platform,)
            )
        ]
    finally:
        conn.close()
    rng = random.Random(7)
    known = rng.sample(ids, min(len(ids), accounts // 2))
    taken = set(ids)
    new: list[str] = []
    while len(known) + len(new) < accounts:
        candidate = str(rng.randrange(10**15, 10**16))
        if candidate not in taken:
            taken.add(candidate)
            new.append(candidate)
    print(f"staged sign-in: {platform}, {len(known)} accounts already profiles, {len(new)} new", flush=True)
    return platform, known, new


def bare_lookup(data: Path, platform: str, ids: list[str], repeat: int) -> float:
    """Median ms of a bare sqlite3 query of the same ids on the same index (the floor of the lookup)."""
    conn = sqlite3.connect(data / "socialdesk.db")
    times = []
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            found = conn.execute(
                f"SELECT platform_id, id FROM profiles WHERE platform = ? AND platform_id IN "
                f"({','.join('?' * len(ids))})",
                (platform, *ids),
            ).fetchall()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    assert len(found) >= len(ids) // 2 - 1, len(found)
    return statistics.median(times)


def run(data: Path, profiles: int, accounts: int, repeat: int) -> None:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItem

    from socialdesk.app import one_malloc_arena

    one_malloc_arena()  # the process as run_gui sets it up, before Qt starts a thread
    app = QApplication(sys.argv)
    app.setApplicationName("SocialDesk benchmark")
    from socialdesk.ops import connections as ops_connections
    from socialdesk.ops.connections import Account, Discovery
    from socialdesk.ops.workspace import open_workspace
    from socialdesk.ui.account_picker import AccountPickerDialog

    big = profiles >= 500_000
    platform, known_ids, new_ids = stage(data, accounts)
    all_ids = known_ids + new_ids
    random.Random(3).shuffle(all_ids)
    found = tuple(
        Account(platform, "page", pid, f"Page {i:04d} of the agency", f"page_{i:04d}")
        for i, pid in enumerate(all_ids)
    )
    discovery = Discovery(platform, Account(platform, "account", "me-1", "Agency Admin", "agency"), found)
    floor_ms = bare_lookup(data, platform, all_ids, repeat)
    say("floor: bare sqlite3 lookup of the found ids (same index)", floor_ms, "ms")

    workspace = open_workspace(data)
    me = ops_connections.me(workspace)
    me_id = me.id if me is not None else None

    class PaintWatch(QObject):
        painted = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    def in_loop(action: Callable[[], object]) -> float:
        """ms of ``action`` run from a real event loop, until the loop is free again."""
        result: list[float] = []
        loop = QEventLoop()

        def go() -> None:
            started = time.perf_counter()
            action()
            result.append((time.perf_counter() - started) * 1000)
            QTimer.singleShot(10, loop.quit)

        QTimer.singleShot(0, go)
        loop.exec()
        return result[0]

    def until_painted(watch: PaintWatch) -> None:
        waiting = QEventLoop()
        poll = QTimer()
        poll.timeout.connect(lambda: waiting.quit() if watch.painted else None)
        poll.start(1)
        waiting.exec()
        poll.stop()

    lookups = []
    for _ in range(repeat):
        lookups.append(in_loop(lambda: ops_connections.known_accounts(workspace, me_id, discovery)))
    known = ops_connections.known_accounts(workspace, me_id, discovery)
    assert len(known) == len(known_ids), (len(known), len(known_ids))
    lookup_ms = statistics.median(lookups)
    say(
        f"known accounts lookup, {accounts} found (median)",
        lookup_ms,
        "ms",
        100 if big else 50,
        f"{lookup_ms / floor_ms:.1f}x the bare lookup",
    )

    def open_bare() -> float:
        watch = PaintWatch()
        started = time.perf_counter()
        tree = QTreeWidget()
        tree.setHeaderLabels(["Account", "Handle", "Kind", "In SocialDesk"])
        tree.setUniformRowHeights(True)
        for account in found:
            item = QTreeWidgetItem(tree, [account.name, f"@{account.handle}", "Page", "New"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
        tree.resize(680, 460)
        tree.show()
        tree.viewport().installEventFilter(watch)
        until_painted(watch)
        took = (time.perf_counter() - started) * 1000
        tree.close()
        tree.deleteLater()
        return took

    def open_picker() -> tuple[float, AccountPickerDialog]:
        watch = PaintWatch()
        started = time.perf_counter()
        found_known = ops_connections.known_accounts(workspace, me_id, discovery)
        picker = AccountPickerDialog(discovery, found_known)
        picker.show()
        picker.tree.viewport().installEventFilter(watch)
        until_painted(watch)
        return (time.perf_counter() - started) * 1000, picker

    bare = statistics.median([open_bare() for _ in range(repeat)])
    say(f"floor: bare QTreeWidget of {accounts} rows, built, shown and painted (median)", bare, "ms")
    opens = []
    picker = None
    for _ in range(repeat):
        took, picker = open_picker()
        opens.append(took)
        if len(opens) < repeat:
            picker.close()
            picker.deleteLater()
    assert picker is not None
    assert sum(1 for pid in picker.chosen()) == len(new_ids)  # new ones ticked, known ones not
    open_ms = statistics.median(opens)
    say(
        f"picker open with {accounts} found accounts (lookup, dialog, first paint; median)",
        open_ms,
        "ms",
        500 if big else 300,
        f"floors: bare lookup {floor_ms:.1f} ms + bare tree {bare:.1f} ms",
    )

    filter_field = picker.filter
    assert filter_field.isVisible()
    keys = []
    for word in ("page 01", "agency 9", "page_02"):
        for char in word:
            keys.append(
                in_loop(
                    lambda c=char: (
                        QTest.keyClick(filter_field, c),
                        picker.tree.viewport().repaint(),
                    )
                )
            )
        shown = sum(1 for item in picker.items.values() if not item.isHidden())
        assert 0 <= shown <= accounts
        in_loop(filter_field.clear)
    say("filter typing, one key and its repaint (median)", statistics.median(keys), "ms", 50)
    say("filter typing, slowest key", max(keys), "ms", 100)
    filter_field.setText("page 0")
    cleared = in_loop(lambda: (filter_field.clear(), picker.tree.viewport().repaint()))
    say("filter cleared (every row back) and repainted", cleared, "ms", 50)
    say("peak RSS of the process", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")
    picker.close()
    workspace.close()
    del app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--workspace", type=Path, default=None, help="copy this demo workspace instead")
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average, 2 cores shared)", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    data = tmp / "ws"
    try:
        started = time.perf_counter()
        if demo_workspace(data, args.profiles, args.workspace):
            say(f"demo build of {args.profiles:,} profiles (subprocess)", time.perf_counter() - started, "s")
        else:
            print(f"copied {args.workspace}")
        run(data, args.profiles, args.accounts, args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f}", flush=True)
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
