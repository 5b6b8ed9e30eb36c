"""GUI entry points: ``create_main_window`` (docs/interfaces.md) and ``run_gui`` for the console script."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

log = logging.getLogger("socialdesk")

#: glibc's ``mallopt`` parameter for the most malloc arenas a process may have (``malloc.h``).
M_ARENA_MAX = -8


def one_malloc_arena() -> bool:
    """Let every thread of the process allocate from one malloc arena (glibc; elsewhere nothing).

    glibc gives each new thread an arena of its own, up to eight per core, and memory freed in one
    arena is never reused by another: each worker that ever ran (the workspace's opener, the list's
    loader, the connection check's own thread) keeps its peak in the process's RSS. Measured at
    100,000 profiles (``benchmarks/bench_profile_table.py``): the connection check's thread grew the
    RSS by 5.4 MB in its first 3 s on an arena of its own and by 0.2 MB on the shared one; the whole
    process's peak went from 244 to 230 MB. Its cost, 8 runs each way: sorts, most filters and the
    scroll as fast; the open to first rows (median 559 vs 489 ms), the window's creation (28 vs 24 ms)
    and the text filter (19.5 vs 14.8 ms) slower in the medians, their runs overlapping (docs/scale.md).
    Called by ``run_gui`` before the QApplication starts any thread.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, 1))


def create_main_window(data_dir: Path) -> QMainWindow:
    """Open the workspace in ``data_dir`` (created when missing) in a main window; never blocks on a dialog.

    The caller owns the QApplication.
    """
    from socialdesk.ui.main_window import MainWindow

    return MainWindow.open(Path(data_dir))


def run_gui(data_dir: Path, *, verbose: bool = False) -> int:
    from socialdesk.ui import app_log

    one_malloc_arena()

    app_log.install(verbose=verbose)  # QtWebEngine's GPU/Vulkan/D-Bus noise to the log, not the terminal
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium (QtWebEngine, used for sign-in) refuses to run its sandbox as root.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("SocialDesk")
    app.setOrganizationName("SocialDesk")
    app.setApplicationDisplayName("SocialDesk")
    window = create_main_window(data_dir)

    # SIGTERM (logout, shutdown) and Ctrl+C close the window the normal way, so its state is saved.
    # Python only sees a signal when it runs, hence the idle timer.
    def _stop(signum: int, _frame: object) -> None:
        log.info("Received signal %s; closing", signum)
        window.close()
        app.quit()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)

    loaded = getattr(window, "rowsLoaded", None)
    count = window.findChild(QLabel, "statusCount")
    if loaded is not None and count is not None:
        loaded.connect(lambda: log.info("Main window ready: %s", count.text()))
    window.show()
    window.activateWindow()  # the keyboard goes to the window just started (also without a window manager)
    code = app.exec()
    return _leave(code)


def _leave(code: int) -> int:
    """Return the exit code, or end the process at once when a connection check is still out.

    A cancelled check stops between calls, but a call already sent waits for its server (up to its
    time-out): Python would join those threads at exit and keep the process alive for seconds after the
    window has gone. The window has saved its state and closed the workspace by now; nothing else is
    pending, so the process ends without joining them (SQLite rolls back whatever write was open)."""
    from socialdesk.ui.connection_check import still_running

    if still_running():
        log.info("Quitting while a connection check waits for a server: not waiting for it")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
