"""When the connection check runs, and running it without ever holding up the window or its closing.

The first check waits until the rows are shown and the user left the window alone for
``FIRST_CHECK_IDLE_MS``; then it runs on the interval from Settings, and on "Check connections now".
It runs ``ops.health.run_check`` in a daemon thread of its own (not Qt's pool, which the application
waits for when it ends): Cancel, or closing the window, stops it between network calls, and a call
still waiting for its server is not waited for when the app quits (``still_running``; ``app.run_gui``).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from socialdesk.ops import health as ops_health
from socialdesk.ops.health import CheckSummary
from socialdesk.ops.workspace import Workspace
from socialdesk.ui.ops_runner import changes

log = logging.getLogger(__name__)

#: The first connection check starts once the rows are shown and no input came for this long.
FIRST_CHECK_IDLE_MS = 1500
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
    }
)
_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def still_running() -> int:
    """Checks whose thread has not ended (cancelled ones may wait for a server's answer or time-out)."""
    with _threads_lock:
        return sum(1 for t in _threads if t.is_alive())


class ConnectionCheck(QObject):
    """The window's connection check: its schedule, one run at a time, its cancel."""

    started = Signal()
    #: A check ended (finished or cancelled): its ``CheckSummary``.
    finished = Signal(object)
    #: A check could not run (a broken providers file, no keyring...): the exception and its traceback.
    failed = Signal(object, str)
    # From the check's own thread to this object's (the GUI thread): queued. The one check running
    # (``running``) is the only sender, so no answer can be taken for another's.
    _finished_from_thread = Signal(object)
    _failed_from_thread = Signal(object, str)

    def __init__(self, parent: QObject, workspace_source: Callable[[], Workspace | None]) -> None:
        super().__init__(parent)
        self._workspace = workspace_source
        self._tokens: ops_health.TokenStore | None = None
        self._cancel = threading.Event()
        self._closing = False
        self.running = False
        self.first_pending = True
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run)
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(FIRST_CHECK_IDLE_MS)
        self.idle.timeout.connect(self._first_when_idle)
        self._finished_from_thread.connect(self._done)
        self._failed_from_thread.connect(self._failed)

    def tokens(self) -> ops_health.TokenStore:
        workspace = self._workspace()
        assert workspace is not None
        if self._tokens is None:
            self._tokens = ops_health.token_store(workspace)
        return self._tokens

    # -- schedule -----------------------------------------------------------------------------------------

    def schedule(self) -> None:
        """(Re)start the interval timer from the workspace's setting."""
        workspace = self._workspace()
        if workspace is None or self._closing:
            return
        self.timer.start(ops_health.check_interval(workspace) * 60 * 1000)

    def wait_for_idle(self) -> None:
        """Start the first check after the user left the window alone for ``FIRST_CHECK_IDLE_MS``:
        input meanwhile restarts the wait (``eventFilter``)."""
        if not self.first_pending or self._closing:
            return
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.idle.isActive() and event.type() in _INPUT_EVENTS:
            self.idle.start()
        return False

    def _stop_watching(self) -> None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _first_when_idle(self) -> None:
        self._stop_watching()
        if self.first_pending:
            self.run()

    # -- running ------------------------------------------------------------------------------------------

    def run(self, *, force: bool = False) -> bool:
        """Start a check unless one runs (or the window closes); True when one started."""
        workspace = self._workspace()
        if workspace is None or self.running or self._closing:
            return False
        self.first_pending = False
        self.running = True
        cancel = self._cancel = threading.Event()
        tokens = self.tokens()
        finished, failed = self._finished_from_thread, self._failed_from_thread

        def work() -> None:
            try:
                result = ops_health.run_check(workspace, tokens, cancelled=cancel.is_set, force=force)
            except BaseException as exc:  # said on the GUI thread, never lost
                _emit(failed, exc, traceback.format_exc())
            else:
                _emit(finished, result)
            finally:
                with _threads_lock:
                    _threads.discard(threading.current_thread())

        thread = threading.Thread(target=work, name="connection-check", daemon=True)
        with _threads_lock:
            _threads.add(thread)
        self.started.emit()
        thread.start()
        return True

    def cancel(self) -> None:
        """Stop the running check between two calls; what it already wrote stays."""
        self._cancel.set()

    def close(self) -> None:
        """The window closes: stop the timers and the check, and wait for nothing."""
        self._closing = True
        self.timer.stop()
        self.idle.stop()
        self._stop_watching()
        self._cancel.set()

    def _done(self, result: Any) -> None:
        self.running = False
        if self._closing:
            return
        summary: CheckSummary = result.value
        self.finished.emit(summary)
        changes().publish(result.change)

    def _failed(self, exc: BaseException, details: str) -> None:
        self.running = False
        log.warning("Connection check could not run: %s\n%s", exc, details)
        if not self._closing:
            self.failed.emit(exc, details)


def _emit(signal: Any, *args: Any) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the application ended and took the check (and its signals) with it
        log.debug("A connection check ended after the window had gone")
