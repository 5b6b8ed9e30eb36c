"""The main window's status bar: the connection check while it runs, and two permanent places.

``Showing N of M profiles`` and the selection count are permanent widgets on the right: a passing
message (``showMessage``, on the left) never hides them. While a connection check runs, a small bar
of the due connections checked and its Cancel button sit beside them; its result is a message afterwards.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from socialdesk.ops.health import CheckSummary
from socialdesk.ui.i18n import plural

#: How long the check's result stays (ms); a check that found nothing to do says so more briefly.
RESULT_MS = 15000
QUIET_RESULT_MS = 8000


class CheckProgress(QWidget):
    """ "Checking connections…" with how far it is (a bar of the due grants done) and Cancel, shown while
    a check runs.

    The bar is never a busy indicator: that animates for the whole check (minutes at 100,000 profiles)
    and its repaints (then each through an application-wide event filter while a check ran) tripled the
    window's CPU time while idle (55-88 ms per 3 s before it, ~190 ms with it, measured at 100,000)."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkProgress")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = QLabel(self)
        self.label.setObjectName("checkProgressLabel")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("checkProgressBar")
        self.bar.setMaximumWidth(80)
        self.bar.setMaximumHeight(12)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton(self.tr("Cancel"), self)
        self.cancel.setObjectName("cancelCheckButton")
        self.cancel.setToolTip(self.tr("Stop the connection check (what it already checked is kept)"))
        self.cancel.setFlat(True)
        self.cancel.clicked.connect(self._cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self._reset()
        self.hide()

    def start(self) -> None:
        self._reset()
        self.show()

    def _reset(self) -> None:
        """A check starting: its label, Cancel enabled, and the bar empty until the check knows how
        many grants are due."""
        self.label.setText(self.tr("Checking connections…"))
        self.cancel.setEnabled(True)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setToolTip("")

    def set_progress(self, done: int, due: int) -> None:
        """``done`` of the ``due`` grants checked (none due: the bar is full at once)."""
        self.bar.setRange(0, max(due, 1))
        self.bar.setValue(min(done, due) if due else 1)
        self.bar.setToolTip(plural("{done} of %Ln due connection(s) checked", due, done=f"{done:,}"))

    def _cancel(self) -> None:
        self.label.setText(self.tr("Stopping the check…"))
        self.cancel.setEnabled(False)
        self.cancelRequested.emit()


class MainStatus:
    """Builds the status bar's widgets; ``count`` (``statusCount``) and ``selection`` stay put."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.count = QLabel(bar)
        self.count.setObjectName("statusCount")
        # Room for a big list from the start: a permanent widget does not grow back after a shorter text.
        self.count.setMinimumWidth(
            self.count.fontMetrics().horizontalAdvance("Showing 100,000 of 100,000 profiles")
        )
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.selection = QLabel(bar)
        self.selection.setObjectName("selectionCount")
        self.check = CheckProgress(bar)
        bar.addPermanentWidget(self.check)
        bar.addPermanentWidget(self.selection)
        bar.addPermanentWidget(self.count)

    def show_check_result(self, summary: CheckSummary) -> str:
        """Say what a check did, whether or not something expired; returns the sentence."""
        text = check_result_text(summary)
        quiet = not (summary.expired or summary.failed or summary.expiring_soon or summary.refreshed)
        self.bar.showMessage(text, QUIET_RESULT_MS if quiet else RESULT_MS)
        return text


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainStatus", text)


def check_result_text(s: CheckSummary) -> str:
    """ "Connections checked: 12 checked, 1 refreshed, 0 expired, 2 could not be checked (will retry)…"."""
    if s.cancelled and s.report is None:
        return _tr("Connection check stopped; what it had checked is kept.")
    head = _tr("Connection check stopped") if s.cancelled else _tr("Connections checked")
    parts = [
        plural("%Ln connection(s) checked", s.checked),
        plural("%Ln refreshed", s.refreshed),
        plural("%Ln expired", s.expired),
        plural("%Ln could not be checked (will retry)", s.failed),
    ]
    if s.not_checked:
        parts.append(plural("%Ln not checkable here", s.not_checked))
    soon = plural("%Ln expire within {days} days", s.expiring_soon)
    soon = soon.replace("{days}", str(s.expiring_days))
    return f"{head}: {', '.join(parts)}; {soon}."
