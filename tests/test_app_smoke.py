"""The GUI entry point opens a workspace in a main window without blocking."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from socialdesk.app import create_main_window


def test_create_main_window_on_a_new_folder(qtbot: QtBot, tmp_path: Path) -> None:
    window = create_main_window(tmp_path / "fresh")
    qtbot.addWidget(window)
    assert isinstance(window, QMainWindow)
    qtbot.waitSignal(window.workspaceOpened, timeout=10000).wait()  # type: ignore[attr-defined]
    assert (tmp_path / "fresh" / "socialdesk.db").exists()
    window.show()
    qtbot.waitExposed(window)


def test_create_main_window_reports_a_broken_workspace_inside_the_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    (tmp_path / "socialdesk.db").write_bytes(b"garbage" * 20)
    window = create_main_window(tmp_path)
    qtbot.addWidget(window)
    # The workspace opens in a worker: the window is there at once, the message (and the error page
    # that holds it) comes when it fails.
    def said() -> bool:
        message = window.findChild(QLabel, "workspaceMessage")
        return message is not None and "not a SQLite database" in message.text()

    qtbot.waitUntil(said, timeout=10000)


_ARENA_PROBE = """
import sys, threading
if sys.argv[1] == "one":
    from socialdesk.app import one_malloc_arena
    assert one_malloc_arena()
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20
holes, keep = [], []
for _ in range(300):  # 19 MB freed in holes that the small blocks between them keep from shrinking
    holes.append(bytearray(64 * 1024)); keep.append(bytearray(1024))  # > 512 B: from malloc
del holes
before = rss()
def work():
    blocks = [bytearray(64 * 1024) for _ in range(300)]
    work.grew = rss() - before
t = threading.Thread(target=work); t.start(); t.join()
print(work.grew)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_one_malloc_arena_lets_a_new_thread_reuse_what_others_freed() -> None:
    """``run_gui``'s ``one_malloc_arena``: a worker's allocations go into memory freed by the GUI thread
    instead of a fresh arena that adds its peak to the process (the connection check's thread: 5.4 MB)."""
    grew = {
        how: float(
            subprocess.run(
                [sys.executable, "-c", _ARENA_PROBE, how], capture_output=True, text=True, check=True
            ).stdout
        )
        for how in ("default", "one")
    }
    assert grew["default"] > 12, grew  # its own arena: the thread's 19 MB is new memory
    assert grew["one"] < 5, grew  # the shared arena: it reuses the freed holes
