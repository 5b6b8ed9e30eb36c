"""Running an operation off the GUI thread and telling every view what it changed.

``run_op(fn, on_done)`` runs ``fn`` (an operation of ``socialdesk.ops``, returning ``Done``) in Qt's
thread pool; ``on_done`` gets the value on the GUI thread, and the change goes out on
``changes().changed`` so that each view refreshes only what it names (the main window's list, its
group filter, an open profile manager...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from socialdesk.ops.changes import Change, Done
from socialdesk.ui.workers import run_in_thread

T = TypeVar("T")


class ChangeBus(QObject):
    """One per application: operations' changes, broadcast on the GUI thread."""

    changed = Signal(object)  # Change

    def publish(self, change: Change) -> None:
        if change:
            self.changed.emit(change)


_bus: ChangeBus | None = None


def changes() -> ChangeBus:
    global _bus
    if _bus is None:
        _bus = ChangeBus()
    return _bus


def run_op(
    fn: Callable[[], Done[T]],
    on_done: Callable[[T], None],
    on_error: Callable[[BaseException, str], None] | None = None,
) -> None:
    """Run ``fn`` in a worker; deliver its value, then publish its change (both on the GUI thread)."""

    def done(result: Any) -> None:
        on_done(result.value)
        changes().publish(result.change)

    run_in_thread(fn, done, on_error)
