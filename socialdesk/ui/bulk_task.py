"""A step of a bulk action (plan or apply) off the GUI thread, with progress and Cancel.

A small selection runs in Qt's thread pool. A big one runs in a child process (multiprocessing,
"spawn"): the plan of 20,000 profiles is seconds of Python, and a Python worker thread competes with the
window's thread for the GIL — every paint of the table waited for it and the window froze for seconds.
A child has its own interpreter; the window only reads its progress from a queue on a timer.

Progress appears in the window's status bar only when the step lasts (after ``SHOW_AFTER_MS``). Cancel
asks the step to stop at its next chunk; the bulk service then raises and its transaction rolls back, so
a cancelled step changes nothing. ``finished(result)`` or ``failed(exc, details)`` arrive on the GUI thread.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import traceback
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QProgressDialog,
    QToolButton,
    QWidget,
)

from socialdesk.ops import profiles as bulk
from socialdesk.ops.workspace import Workspace
from socialdesk.services.errors import SocialDeskError

log = logging.getLogger(__name__)

#: The progress dialog shows only for work that lasts longer than this.
SHOW_AFTER_MS = 500
#: Up to this many profiles a step runs in a thread (a fraction of a second); above, in a child process.
THREAD_LIMIT = bulk.CHUNK
#: How often the window reads a child's messages.
POLL_MS = 40


class ChildError(SocialDeskError):
    """An error raised in the child process, carried over by name and message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class _Signals(QObject):
    progressed = Signal(int, int)
    done = Signal(object)
    failed = Signal(object, str)


class _Runnable(QRunnable):
    def __init__(
        self, job: bulk.BulkJob, workspace: Workspace, signals: _Signals, stop: threading.Event
    ) -> None:
        super().__init__()
        self.job, self.workspace, self.signals, self.stop = job, workspace, signals, stop

    @Slot()
    def run(self) -> None:
        try:
            result = bulk.run_bulk(self.job, self._progress, self.stop.is_set, self.workspace)
        except BaseException as exc:  # reported on the GUI thread, never lost
            self._emit(self.signals.failed, exc, traceback.format_exc())
            return
        self._emit(self.signals.done, result)

    def _progress(self, done: int, total: int) -> None:
        self._emit(self.signals.progressed, done, total)

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the application is closing and took the receiver with it
            log.debug("A bulk step's message arrived after shutdown and was dropped")


class _StatusProgress(QObject):
    """Progress in the main window's status bar (a label, a bar and Cancel), shown only when the work lasts.

    Not a dialog: a new window over the table made the table repaint (tens of milliseconds with 100,000
    rows) and, when modal, walk its whole selection. Without a status bar (a bare widget as parent) a
    progress dialog stands in."""

    cancelled = Signal()

    def __init__(self, parent: QWidget, label: str) -> None:
        super().__init__(parent)
        self.label_text = label
        self.bar_host = parent.statusBar() if isinstance(parent, QMainWindow) else None
        self.widget: QWidget | None = None
        self.label: QLabel | None = None
        self.bar: QProgressBar | None = None
        self.dialog: QProgressDialog | None = None
        self._value = (0, 0)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show)

    def start(self) -> None:
        self._timer.start(SHOW_AFTER_MS)

    def _show(self) -> None:
        parent = self.parent()
        assert isinstance(parent, QWidget)
        if self.bar_host is None:
            self.dialog = QProgressDialog(self.label_text, self.tr("Cancel"), 0, 0, parent)
            self.dialog.setObjectName("bulkProgress")
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
            self.dialog.canceled.connect(self.cancelled)
            self.dialog.show()
        else:
            self.widget = QWidget(self.bar_host)
            self.widget.setObjectName("bulkProgress")
            row = QHBoxLayout(self.widget)
            row.setContentsMargins(0, 0, 0, 0)
            self.label = QLabel(self.label_text, self.widget)
            self.bar = QProgressBar(self.widget)
            self.bar.setMaximumWidth(160)
            self.bar.setTextVisible(False)
            cancel = QToolButton(self.widget)
            cancel.setText(self.tr("Cancel"))
            cancel.setAutoRaise(True)
            cancel.setObjectName("bulkCancel")
            cancel.clicked.connect(self.cancelled)
            for widget in (self.label, self.bar, cancel):
                row.addWidget(widget)
            # As tall as the status bar already is: a taller bar would shrink the table and repaint it.
            height = max(self.bar_host.height() - 4, self.label.sizeHint().height())
            self.widget.setMaximumHeight(height)
            self.bar.setMaximumHeight(height)
            cancel.setMaximumHeight(height)
            self.bar_host.addPermanentWidget(self.widget)
        self.set_value(*self._value)

    def set_text(self, text: str) -> None:
        self.label_text = text
        if self.label is not None:
            self.label.setText(text)
        if self.dialog is not None:
            self.dialog.setLabelText(text)

    def set_value(self, done: int, total: int) -> None:
        self._value = (done, total)
        for bar in (self.bar, self.dialog):
            if bar is not None:
                if bar.maximum() != max(total, 1):
                    bar.setMaximum(max(total, 1))
                bar.setValue(min(done, max(total, 1)))

    @property
    def shown(self) -> bool:
        return self.widget is not None or self.dialog is not None

    def finish(self) -> None:
        self._timer.stop()
        if self.widget is not None and self.bar_host is not None:
            self.bar_host.removeWidget(self.widget)
            self.widget.deleteLater()
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
        self.widget = self.dialog = None


class BulkTask(QObject):
    """One step of a bulk action with its (delayed) progress dialog."""

    finished = Signal(object)
    failed = Signal(object, str)

    _running: ClassVar[set[BulkTask]] = set()  # kept alive until the step has reported

    def __init__(self, parent: QWidget, label: str, job: bulk.BulkJob, workspace: Workspace) -> None:
        super().__init__(parent)
        self.job = job
        self.workspace = workspace
        self.in_process = len(job.ids) > THREAD_LIMIT
        self.signals = _Signals(self)
        self.progress = _StatusProgress(parent, label)
        self.progress.cancelled.connect(self.cancel)
        self.signals.progressed.connect(self._progressed)
        self.signals.done.connect(self._done)
        self.signals.failed.connect(self._failed)
        self._thread_stop = threading.Event()
        self._process: Any = None
        self._messages: Any = None
        self._process_stop: Any = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._read_child)
        self._ended = False

    def start(self) -> BulkTask:
        BulkTask._running.add(self)
        self.progress.start()
        if self.in_process:
            context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
            self._messages = context.Queue()
            self._process_stop = context.Event()
            self._process = context.Process(
                target=bulk.child_main,
                args=(self.job, self._messages, self._process_stop),
                name="socialdesk-bulk",
                daemon=True,
            )
            self._process.start()
            self._poll.start()
        else:
            runnable = _Runnable(self.job, self.workspace, self.signals, self._thread_stop)
            QThreadPool.globalInstance().start(runnable)
        return self

    def cancel(self) -> None:
        self._thread_stop.set()
        if self._process_stop is not None:
            self._process_stop.set()
        self.progress.set_text(self.tr("Cancelling… nothing will be changed."))

    def _read_child(self) -> None:
        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                break
            if message[0] == "progress":
                self._progressed(message[1], message[2])
            elif message[0] == "done":
                self._done(bulk.decode(message[1]))
                return
            else:
                _tag, kind, text, details = message
                cancelled = kind == bulk.BulkCancelled.__name__
                exc: SocialDeskError = bulk.BulkCancelled(text) if cancelled else ChildError(kind, text)
                self._failed(exc, details)
                return
        if self._process is not None and not self._process.is_alive() and self._messages.empty():
            code = self._process.exitcode
            why = f"the background step ended unexpectedly (exit status {code})"
            self._failed(ChildError("exit", why), "")

    def _progressed(self, done: int, total: int) -> None:
        self.progress.set_value(done, total)

    def _close(self) -> bool:
        if self._ended:
            return False
        self._ended = True
        self._poll.stop()
        if self._process is not None:
            self._reap(self._process)
        BulkTask._running.discard(self)
        self.progress.finish()
        return True

    @staticmethod
    def _reap(process: Any) -> None:
        """Collect the finished child without waiting on the GUI thread (it may still be flushing its
        queue for a moment)."""
        process.join(timeout=0)
        if process.is_alive() or process.exitcode is None:
            QTimer.singleShot(200, lambda: BulkTask._reap(process))

    def _done(self, result: Any) -> None:
        if self._close():
            self.finished.emit(result)

    def _failed(self, exc: BaseException, details: str) -> None:
        if self._close():
            self.failed.emit(exc, details)
