"""When the connection check runs, and running it without ever holding up the window or its closing.

The first check waits until the rows are shown and the user left the window alone for
``FIRST_CHECK_IDLE_MS``; then it runs on the interval from Settings, and on "Check connections now".
It runs ``ops.health.run_check`` in a daemon thread of its own (not Qt's pool, which the application
waits for when it ends): Cancel, or closing the window, stops it between network calls, and a call
still waiting for its server is not waited for when the app quits (``still_running``; ``app.run_gui``).

While it runs, it gives way to the user: a key, a click or the wheel anywhere in the application makes
it wait at its next checkpoint (before a network call, between chunks) until no input came for
``USER_QUIET_MS``. Its Python work competes with the window's for the interpreter lock; measured at
100,000 profiles, a sort or a filter during a chunk took up to twice its time.

The input is watched on the application's top-level windows (their ``QWindow``, which the platform's
keys, clicks and wheel reach before any widget does), not with an application-wide event filter: that
one is called for every event of every object (each timer, each paint), and each call waits for the
interpreter lock while the check's thread holds it. With it, the window's longest idle stall while a
check ran was 10-12 ms; without, 3-6 ms (3 runs each, 100,000 profiles).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow

from socialdesk.ops import health as ops_health
from socialdesk.ops.health import CheckSummary
from socialdesk.ops.workspace import Workspace
from socialdesk.ui.ops_runner import changes

log = logging.getLogger(__name__)

#: The first connection check starts once the rows are shown and no input came for this long.
FIRST_CHECK_IDLE_MS = 1500
#: While the user works the window (a key, a click, the wheel) the running check waits at its next
#: checkpoint until no input came for this long...
USER_QUIET_MS = 400
#: ...but never longer than this at one checkpoint (someone who never stops still gets their check).
MAX_YIELD_S = 2.0
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
    #: How far the running check is: (grants done, grants due), once they are known and after each chunk.
    progress = Signal(int, int)
    # From the check's own thread to this object's (the GUI thread): queued. The one check running
    # (``running``) is the only sender, so no answer can be taken for another's.
    _finished_from_thread = Signal(object)
    _failed_from_thread = Signal(object, str)
    _progress_from_thread = Signal(int, int)

    def __init__(self, parent: QObject, workspace_source: Callable[[], Workspace | None]) -> None:
        super().__init__(parent)
        self._workspace = workspace_source
        self._tokens: ops_health.TokenStore | None = None
        self._cancel = threading.Event()
        #: Set while the user leaves the window alone; the check's checkpoints wait for it.
        self._user_quiet = threading.Event()
        self._user_quiet.set()
        self._quiet_again = QTimer(self)
        self._quiet_again.setSingleShot(True)
        self._quiet_again.setInterval(USER_QUIET_MS)
        self._quiet_again.timeout.connect(self._user_quiet.set)
        self._watching = False
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
        self._progress_from_thread.connect(self._progressed)

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

        self._watch()
        self.idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self._user_input()
        return False

    def _user_input(self) -> None:
        if self.idle.isActive():
            self.idle.start()
        if self.running:  # the check waits at its next checkpoint until the user stops
            self._user_quiet.clear()
            self._quiet_again.start()

    def _watch(self) -> None:
        """Watch the user's input (before the first check, and while a check runs) on every top-level
        window, and on each window that gets the focus meanwhile (a dialog opened)."""
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication) or self._watching:
            return
        self._watching = True
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)
        app.focusWindowChanged.connect(self._focus_moved)

    def _focus_moved(self, window: QWindow | None) -> None:
        """Another window got the focus: the user did something; watch that window too (installing
        a filter again only moves it first)."""
        if window is None or not self._watching:
            return
        window.installEventFilter(self)
        self._user_input()

    def _stop_watching(self) -> None:
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication) or not self._watching:
            return
        self._watching = False
        app.focusWindowChanged.disconnect(self._focus_moved)
        for window in QGuiApplication.topLevelWindows():
            window.removeEventFilter(self)

    def _first_when_idle(self) -> None:
        self._stop_watching()
        if self.first_pending:
            self.run()

    def _yield_to_user(self) -> None:
        """On the check's thread, at a checkpoint: wait while the user works the window."""
        self._user_quiet.wait(MAX_YIELD_S)

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
        progressed = self._progress_from_thread
        wait = self._yield_to_user
        self._user_quiet.set()
        self._watch()

        def work() -> None:
            try:
                result = ops_health.run_check(
                    workspace,
                    tokens,
                    cancelled=cancel.is_set,
                    force=force,
                    yield_to_user=wait,
                    progress=lambda done, due: _emit(progressed, done, due),
                )
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
        self._user_quiet.set()  # a checkpoint waiting for the user goes on to stop

    def close(self) -> None:
        """The window closes: stop the timers and the check, and wait for nothing."""
        self._closing = True
        self.timer.stop()
        self.idle.stop()
        self._quiet_again.stop()
        self._stop_watching()
        self._cancel.set()
        self._user_quiet.set()

    def _ended(self) -> None:
        self.running = False
        self._quiet_again.stop()
        self._user_quiet.set()
        if not self.idle.isActive():
            self._stop_watching()

    def _done(self, result: Any) -> None:
        self._ended()
        if self._closing:
            return
        summary: CheckSummary = result.value
        self.finished.emit(summary)
        changes().publish(result.change)

    def _progressed(self, done: int, due: int) -> None:
        if self.running and not self._closing:
            self.progress.emit(done, due)

    def _failed(self, exc: BaseException, details: str) -> None:
        self._ended()
        log.warning("Connection check could not run: %s\n%s", exc, details)
        if not self._closing:
            self.failed.emit(exc, details)


def _emit(signal: Any, *args: Any) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the application ended and took the check (and its signals) with it
        log.debug("A connection check ended after the window had gone")
