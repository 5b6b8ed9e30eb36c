"""The export dialog: all profile groups, the profile list as shown, or its selected profiles; XLSX or CSV.

The export (``ops.exports``) runs in a worker thread (``run_in_thread``); it reports progress through a
signal and poll a cancel flag, so the window stays responsive and no widget is touched from the
worker. The progress bar appears only when an export lasts longer than ``PROGRESS_DELAY_MS``.
The services write a temporary file and rename it at the end: a cancelled or failed export leaves
no file behind and an existing file untouched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socialdesk.ops import exports as ops_exports
from socialdesk.ops import groups as ops_groups
from socialdesk.ops.exports import ExportCancelled, ExportFormat, ExportResult, Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.query import ProfileRows
from socialdesk.ui.i18n import plural
from socialdesk.ui.style import ERROR_STYLE
from socialdesk.ui.workers import ProgressRelay, run_in_thread

log = logging.getLogger(__name__)

#: An export that takes longer than this shows its progress bar.
PROGRESS_DELAY_MS = 500
#: The worker sleeps this long at each progress report (every 500 rows). openpyxl's write-only writer
#: runs generator code that, on Python 3.11, seldom gives the interpreter lock to other threads. Measured
#: on 100,000 profiles, the longest the GUI thread waited: XLSX 1.2 s without the pause, 0.12 s with it;
#: CSV 0.55 s and 0.025 s. It costs 200 pauses of 1 ms per 100,000 rows.
GUI_YIELD_S = 0.001
What = Literal["groups", "profiles", "selected"]


def default_folder() -> Path:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents else Path.home()
    return folder if folder.is_dir() else Path.home()


def default_name(what: What, fmt: ExportFormat, today: date | None = None) -> str:
    stamp = (today or date.today()).isoformat()
    return f"socialdesk-{'groups' if what == 'groups' else 'profiles'}-{stamp}.{fmt.value}"


class ExportDialog(QDialog):
    """Choose what, the format and the file; export off the GUI thread with progress and Cancel."""

    #: The export ended: "done", "cancelled" or "failed".
    exportFinished = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        rows: ProfileRows | None = None,
        selected_rows: Sequence[int] | None = None,
        what: What | None = None,
        chosen_rows: Sequence[int] = (),
    ) -> None:
        """``selected_rows``: the rows as the table shows them (filtered and sorted; all rows by default);
        ``chosen_rows``: the rows the user selected, in the table's order ("only the selected profiles")."""
        super().__init__(parent)
        self.workspace = workspace
        self.rows = rows
        self.selected_rows: list[int] = (
            list(selected_rows) if selected_rows is not None else list(range(len(rows))) if rows else []
        )
        self.chosen_rows: list[int] = list(chosen_rows) if rows is not None else []
        self.outcome: ExportResult | None = None
        self.running = False
        self._cancel = threading.Event()
        self._close_when_done = False
        self._auto_name = True
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        n_groups = ops_groups.count_groups(workspace)
        what_box = QVBoxLayout()
        self.groups_radio = QRadioButton(
            plural("All profile groups (%Ln group(s))", n_groups), self
        )
        self.groups_radio.setObjectName("exportGroupsRadio")
        self.groups_radio.setToolTip(
            self.tr(
                "One row per profile in each group, nested groups included: group id, group name, "
                "handle, profile id, display name, platform, group path, colour."
            )
        )
        self.profiles_radio = QRadioButton(self)
        self.profiles_radio.setObjectName("exportProfilesRadio")
        if rows is not None:
            self.profiles_radio.setText(
                plural(
                    "The profile list as shown (%Ln profile(s), filtered and sorted as in the table)",
                    len(self.selected_rows),
                )
            )
        else:
            self.profiles_radio.setText(self.tr("The profile list as shown"))
            self.profiles_radio.setEnabled(False)
            self.profiles_radio.setToolTip(
                self.tr("Open Export from the profiles window to export its list.")
            )
        self.selected_radio = QRadioButton(self)
        self.selected_radio.setObjectName("exportSelectedRadio")
        if self.chosen_rows:
            self.selected_radio.setText(
                plural(
                    "Only the selected profiles (%Ln profile(s), in the table's order)", len(self.chosen_rows)
                )
            )
        else:
            self.selected_radio.setText(self.tr("Only the selected profiles"))
            self.selected_radio.setToolTip(self.tr("Select profiles in the table first."))
        self.selected_radio.setEnabled(bool(self.chosen_rows))
        what_box.addWidget(self.groups_radio)
        what_box.addWidget(self.profiles_radio)
        what_box.addWidget(self.selected_radio)
        self.what_group = QButtonGroup(self)
        for radio in (self.groups_radio, self.profiles_radio, self.selected_radio):
            self.what_group.addButton(radio)
        self._radio(what or ("profiles" if rows is not None else "groups")).setChecked(True)
        form.addRow(self.tr("Export"), what_box)

        format_box = QHBoxLayout()
        self.xlsx_radio = QRadioButton(self.tr("Excel workbook (.xlsx)"), self)
        self.xlsx_radio.setObjectName("exportXlsxRadio")
        self.csv_radio = QRadioButton(self.tr("CSV, UTF-8 (.csv)"), self)
        self.csv_radio.setObjectName("exportCsvRadio")
        self.csv_radio.setToolTip(
            self.tr(
                "Comma-separated, UTF-8 with a byte-order mark so spreadsheet programs read accents right."
            )
        )
        self.xlsx_radio.setChecked(True)
        self.format_group = QButtonGroup(self)
        self.format_group.addButton(self.xlsx_radio)
        self.format_group.addButton(self.csv_radio)
        format_box.addWidget(self.xlsx_radio)
        format_box.addWidget(self.csv_radio)
        format_box.addStretch(1)
        form.addRow(self.tr("Format"), format_box)

        file_box = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportPath")
        self.path_edit.setAccessibleName(self.tr("File to export to"))
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        self.browse_button.setObjectName("exportBrowse")
        file_box.addWidget(self.path_edit, 1)
        file_box.addWidget(self.browse_button)
        form.addRow(self.tr("File"), file_box)
        self.replace_note = QLabel(self)
        self.replace_note.setObjectName("exportReplaceNote")
        self.replace_note.setStyleSheet("color:#7A4100")
        self.replace_note.setWordWrap(True)
        form.addRow("", self.replace_note)
        layout.addLayout(form)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel(self)
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.error = QLabel(self)
        self.error.setObjectName("exportError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.error)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(self)
        self.folder_button = self.buttons.addButton(
            self.tr("Show in folder"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.folder_button.setObjectName("exportShowFolder")
        self.folder_button.hide()
        self.export_button = self.buttons.addButton(self.tr("Export"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("exportCancelButton")
        self.export_button.clicked.connect(lambda _c=False: self.start())
        self.cancel_button.clicked.connect(
            lambda _c=False: self.cancel_export() if self.running else self.reject()
        )
        self.folder_button.clicked.connect(lambda _c=False: self._show_folder())
        layout.addWidget(self.buttons)

        self.relay = ProgressRelay(self)
        self.relay.progress.connect(self._on_progress)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_DELAY_MS)
        self._progress_timer.timeout.connect(self._reveal_progress)

        self.what_group.buttonToggled.connect(lambda *_a: self._retarget())
        self.format_group.buttonToggled.connect(lambda *_a: self._retarget())
        self.path_edit.textEdited.connect(self._path_edited)
        self.path_edit.textChanged.connect(lambda _t: self._check_path())
        self.browse_button.clicked.connect(lambda _c=False: self._browse())
        self.path_edit.setText(str(default_folder() / default_name(self.what(), self.format())))
        self.resize(620, self.sizeHint().height())

    # -- choices -------------------------------------------------------------------------------------

    def what(self) -> What:
        if self.selected_radio.isChecked():
            return "selected"
        return "profiles" if self.profiles_radio.isChecked() else "groups"

    def _radio(self, what: What) -> QRadioButton:
        """The button for ``what``, falling back to what this dialog can export."""
        if what == "selected" and self.chosen_rows:
            return self.selected_radio
        if what in ("profiles", "selected") and self.rows is not None:
            return self.profiles_radio
        return self.groups_radio

    def rows_to_export(self) -> list[int]:
        """The rows an export of the current choice writes (empty for the groups export)."""
        return {"selected": self.chosen_rows, "profiles": self.selected_rows}.get(self.what(), [])

    def format(self) -> ExportFormat:
        return ExportFormat.CSV if self.csv_radio.isChecked() else ExportFormat.XLSX

    def set_choice(self, what: What, fmt: ExportFormat | str, path: Path | str | None = None) -> None:
        """Choose what, the format and (optionally) the file, as the user would."""
        self._radio(what).setChecked(True)
        (self.csv_radio if ExportFormat(fmt) is ExportFormat.CSV else self.xlsx_radio).setChecked(True)
        if path is not None:
            self._auto_name = False
            self.path_edit.setText(str(path))

    def target(self) -> Path | None:
        """The file to write: the typed path with the chosen format's suffix."""
        text = self.path_edit.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        suffix = f".{self.format().value}"
        if path.suffix.lower() in (".csv", ".xlsx"):
            return path.with_suffix(suffix)
        return path.with_name(path.name + suffix)

    def _retarget(self) -> None:
        """A new choice of what or format: a suggested name follows it, a typed one keeps its name."""
        current = Path(self.path_edit.text().strip() or str(default_folder() / "x"))
        if self._auto_name:
            self.path_edit.setText(str(current.parent / default_name(self.what(), self.format())))
        else:
            target = self.target()
            if target is not None:
                self.path_edit.setText(str(target))

    def _path_edited(self, _text: str) -> None:
        self._auto_name = False

    def _check_path(self) -> None:
        target = self.target()
        if target is not None and target.is_file():
            self.replace_note.setText(self.tr("{0} exists and will be replaced.").format(target.name))
        else:
            self.replace_note.clear()
        self.replace_note.setVisible(bool(self.replace_note.text()))

    def _browse(self) -> None:
        fmt = self.format()
        filters = {
            ExportFormat.XLSX: self.tr("Excel workbook (*.xlsx)"),
            ExportFormat.CSV: self.tr("CSV file (*.csv)"),
        }
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export to"), str(self.target() or default_folder()), filters[fmt]
        )
        if chosen:
            self._auto_name = False
            self.path_edit.setText(chosen)

    # -- running -------------------------------------------------------------------------------------

    def start(self) -> bool:
        """Start the export in a worker thread; False (with the reason shown) when it cannot start."""
        if self.running:
            return False
        self.error.clear()
        self.status.clear()
        target = self.target()
        if target is None:
            self.error.setText(self.tr("Choose a file to export to."))
            return False
        if self.what() == "profiles" and self.rows is None:
            self.error.setText(self.tr("There is no profile list to export here; choose the groups."))
            return False
        self.path_edit.setText(str(target))
        self.outcome = None
        self.running = True
        self._cancel = threading.Event()
        self._set_running(True)
        self._progress_timer.start()
        run_in_thread(self._job(target), self._on_done, self._on_failed)
        return True

    def _job(self, target: Path) -> Callable[[], ExportResult]:
        """The work for the worker thread: only plain data and thread-safe objects, no widget."""
        workspace, rows, selected, fmt = self.workspace, self.rows, self.rows_to_export(), self.format()
        what, emit, cancel = self.what(), self.relay.progress.emit, self._cancel.is_set

        def progress(done: int, total: int) -> None:
            emit(done, total)
            # Hand the interpreter to the GUI thread for a moment (see GUI_YIELD_S).
            time.sleep(GUI_YIELD_S)

        def job() -> ExportResult:
            if what in ("profiles", "selected"):
                assert rows is not None
                return ops_exports.export_profiles(
                    rows, selected, target, fmt, progress=progress, cancel=cancel
                )
            return ops_exports.export_groups(workspace, target, fmt, progress=progress, cancel=cancel)

        return job

    def cancel_export(self) -> None:
        """Ask a running export to stop; it stops within a few hundred rows and writes nothing."""
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("Cancelling…"))

    def _set_running(self, running: bool) -> None:
        for widget in (
            self.groups_radio,
            self.xlsx_radio,
            self.csv_radio,
            self.path_edit,
            self.browse_button,
            self.export_button,
        ):
            widget.setEnabled(not running)
        self.profiles_radio.setEnabled(not running and self.rows is not None)
        self.selected_radio.setEnabled(not running and bool(self.chosen_rows))
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Cancel") if running or self.outcome is None else self.tr("Close"))
        self.folder_button.setVisible(not running and self.outcome is not None)

    def _reveal_progress(self) -> None:
        if self.running:
            self.progress.show()
            if not self._cancel.is_set():
                self.status.setText(self.tr("Exporting…"))

    def _on_progress(self, done: int, total: int) -> None:
        if not self.running:
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        if self.progress.isVisible() and not self._cancel.is_set():
            self.status.setText(self.tr("Exporting… {0} of {1} rows").format(f"{done:,}", f"{total:,}"))

    def _finish(self) -> None:
        self.running = False
        self._progress_timer.stop()
        self.progress.hide()
        self._set_running(False)

    def _on_done(self, result: ExportResult) -> None:
        if not isValid(self):
            return  # the dialog was destroyed meanwhile; the file is complete
        self.outcome = result
        self._finish()
        self.status.setText(
            plural("Exported %Ln row(s) to {path}", result.rows).replace(
                "{path}", str(result.path)
            )
        )
        self.exportFinished.emit("done")
        if self._close_when_done:
            super().reject()

    def _on_failed(self, exc: BaseException, details: str) -> None:
        if not isValid(self):
            return  # destroyed meanwhile: its progress relay went with it, which stopped the export
        self._finish()
        if isinstance(exc, ExportCancelled):
            self.status.setText(self.tr("Cancelled; no file was written."))
            self.exportFinished.emit("cancelled")
        else:
            if isinstance(exc, SocialDeskError):
                self.error.setText(str(exc))
            else:
                log.error("Export failed: %s\n%s", exc, details)
                self.error.setText(
                    self.tr(
                        "The export failed: {0}. Nothing was written; the details are in the log."
                    ).format(exc)
                )
            self.exportFinished.emit("failed")
        if self._close_when_done:
            super().reject()

    def _show_folder(self) -> None:
        if self.outcome is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.outcome.path.parent)))

    # -- closing while an export runs: cancel it first, close when it has stopped ---------------------

    def reject(self) -> None:
        if self.running:
            self._close_when_done = True
            self.cancel_export()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self._close_when_done = True
            self.cancel_export()
            event.ignore()
            return
        super().closeEvent(event)
