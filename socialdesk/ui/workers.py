"""Running work off the GUI thread and getting the result back on it.

``run_in_thread(fn, on_done, on_error)`` runs ``fn`` in Qt's global thread pool; the callbacks are
called on the GUI thread through a queued signal, so no widget is ever touched from a worker.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object, str)


class ProgressRelay(QObject):
    """Progress from a worker to a dialog: made on the GUI thread, it delivers ``(done, total)`` there
    (a queued connection), so the worker's ``emit`` never touches a widget. Export and import use it."""

    progress = Signal(int, int)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # reported on the GUI thread, never lost
            self._deliver(self.relay.failed, exc, traceback.format_exc())
            return
        self._deliver(self.relay.finished, result)

    @staticmethod
    def _deliver(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The application is shutting down and took the relay with it: nobody is left to tell.
            log.debug("A background result arrived after shutdown and was dropped")


_alive: set[_Relay] = set()


def run_in_thread(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException, str], None] | None = None,
) -> None:
    relay = _Relay()
    _alive.add(relay)  # keep the relay alive until its signal has been delivered

    def done(result: Any) -> None:
        _alive.discard(relay)
        on_done(result)

    def failed(exc: BaseException, details: str) -> None:
        _alive.discard(relay)
        if on_error is None:
            log.error("Background task failed: %s\n%s", exc, details)
        else:
            on_error(exc, details)

    relay.finished.connect(done)
    relay.failed.connect(failed)
    QThreadPool.globalInstance().start(_Task(fn, relay))
