"""The import dialog: groups from a file of the export's shape, or public profiles from a list.

Choosing a file shows what the import would do (``ops.imports.preview_*``, read in a worker thread):
what would be created, changed or stay as it is, and every row that does not match or would break a
limit, with the reason. Nothing changes until Import; ``apply_*`` then makes exactly the previewed
changes, all or nothing. A file that cannot be read shows one message and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.ops import imports as ops_imports
from socialdesk.ops.changes import Done
from socialdesk.ops.groups import MAX_ITEMS
from socialdesk.ops.imports import (
    GroupChange,
    GroupsImportPreview,
    GroupsImportResult,
    ImportChangedError,
    ProfileRowPlan,
    ProfilesImportPreview,
    ProfilesImportResult,
    Workspace,
)
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import run_op
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import ERROR_STYLE, MUTED_STYLE
from socialdesk.ui.workers import ProgressRelay, run_in_thread

log = logging.getLogger(__name__)

Kind = Literal["groups", "profiles"]
Preview = GroupsImportPreview | ProfilesImportPreview
_Index = QModelIndex | QPersistentModelIndex

#: How each outcome is shown: label, colour, and sort rank (problems first, so they are seen).
OUTCOMES: dict[str, tuple[str, str, int]] = {
    "blocking": ("Cannot import", "#A1160A", 0),
    "skip": ("Skipped", "#A1160A", 1),
    "create": ("New group", "#2E7D32", 2),
    "change": ("Changes", "#1565C0", 3),
    "add": ("Add", "#2E7D32", 2),
    "restore": ("Restore", "#1565C0", 3),
    "unchanged": ("Unchanged", "#78909C", 4),
    "exists": ("Already there", "#78909C", 4),
}


@dataclass(frozen=True, slots=True)
class PreviewRow:
    outcome: str
    subject: str
    detail: str
    row: int | None = None
    platform: str | None = None


class PreviewModel(QAbstractTableModel):
    """The preview as a table: outcome, the group or profile, and what changes or why not."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PreviewRow] = []
        self._subject = "Group"

    def set_rows(self, rows: Sequence[PreviewRow], subject: str) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda r: (OUTCOMES[r.outcome][2], r.row or 0))
        self._subject = subject
        self.endResetModel()

    def preview_rows(self) -> list[PreviewRow]:
        return list(self._rows)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (self.tr("Result"), self.tr("File row"), self.tr(self._subject), self.tr("Details"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return self.tr(OUTCOMES[row.outcome][0])
            if column == 1:
                return str(row.row) if row.row is not None else ""
            return row.subject if column == 2 else row.detail
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3):
            return "\n".join(t for t in (row.subject, row.detail) if t)
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QColor(OUTCOMES[row.outcome][1])
        if role == Qt.ItemDataRole.DecorationRole and column == 2 and row.platform in PLATFORMS:
            return platform_icon(row.platform or "")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _profile_subject(plan: ProfileRowPlan) -> str:
    if plan.platform in PLATFORMS:
        return f"{PLATFORMS[plan.platform].label} @{plan.handle}"
    return plan.handle or "?"


class ImportDialog(QDialog):
    """Choose a file, look at what would change, then import it all or nothing (or cancel)."""

    #: A preview was shown (or the file's message): tests and the window may wait for it.
    previewReady = Signal()
    #: The import ended: "done" or "failed".
    applyFinished = Signal(str)
    #: Something was imported: ("groups" | "profiles"); the window reloads what it shows.
    imported = Signal(str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None, kind: Kind = "groups") -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.preview: Preview | None = None
        self.busy = False
        self._request = 0
        self.setObjectName("importDialog")
        self.setWindowTitle(self.tr("Import"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        kinds = QVBoxLayout()
        self.groups_radio = QRadioButton(
            self.tr("Profile groups — a file exported from SocialDesk, or one of the same shape"), self
        )
        self.groups_radio.setObjectName("importGroupsRadio")
        self.groups_radio.setToolTip(
            self.tr(
                "Columns Group name and Profile ID (or Profile (handle) and Platform); Group path for "
                "nested groups. Groups are matched by name; groups not in the file stay as they are."
            )
        )
        self.profiles_radio = QRadioButton(
            self.tr("Public profiles — a list of profile addresses, or Platform and Handle columns"), self
        )
        self.profiles_radio.setObjectName("importProfilesRadio")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.groups_radio)
        self.kind_group.addButton(self.profiles_radio)
        (self.profiles_radio if kind == "profiles" else self.groups_radio).setChecked(True)
        kinds.addWidget(self.groups_radio)
        kinds.addWidget(self.profiles_radio)
        form.addRow(self.tr("Import"), kinds)
        file_box = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText(self.tr("A .csv or .xlsx file"))
        self.path_edit.setAccessibleName(self.tr("File to import"))
        self.browse_button = QPushButton(self.tr("Choose…"), self)
        self.browse_button.setObjectName("importBrowse")
        file_box.addWidget(self.path_edit, 1)
        file_box.addWidget(self.browse_button)
        form.addRow(self.tr("File"), file_box)
        layout.addLayout(form)

        self.summary = QLabel(self.tr("Choose a file to see what importing it would change."), self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.error = QLabel(self)
        self.error.setObjectName("importError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)
        self.model = PreviewModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("importPreview")
        self.table.setAccessibleName(self.tr("What the import would do"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.resizeSection(2, 220)
        layout.addWidget(self.table, 1)
        self.untouched = QLabel(self)
        self.untouched.setObjectName("importUntouched")
        self.untouched.setWordWrap(True)
        self.untouched.setStyleSheet(MUTED_STYLE)
        self.untouched.hide()
        layout.addWidget(self.untouched)
        self.status = QLabel(self)
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("importCancel")
        self.apply_button = buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setObjectName("importApply")
        self.apply_button.setEnabled(False)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.relay = ProgressRelay(self)
        self.relay.progress.connect(self._on_progress)
        self.browse_button.clicked.connect(lambda _c=False: self._browse())
        self.path_edit.returnPressed.connect(lambda: self.load(self.path_edit.text()))
        self.kind_group.buttonToggled.connect(self._kind_toggled)
        self.resize(860, 560)

    # -- helpers -------------------------------------------------------------------------------------

    def kind(self) -> Kind:
        return "profiles" if self.profiles_radio.isChecked() else "groups"

    def _set_label(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.groups_radio, self.profiles_radio, self.path_edit, self.browse_button):
            widget.setEnabled(not busy)
        self._update_apply()

    def _update_apply(self) -> None:
        preview = self.preview
        allowed, reason = True, ""
        if preview is None:
            allowed, reason = False, self.tr("Choose a file first")
        elif not preview.can_apply:
            allowed = False
            if isinstance(preview, GroupsImportPreview) and preview.blocking:
                reason = self.tr("The file would break a limit; fix the file and choose it again")
            else:
                reason = self.tr("Nothing to import: everything in the file is already in the workspace")
        elif isinstance(preview, GroupsImportPreview):
            decision = ops_imports.can_import_groups(self.workspace)
            allowed, reason = bool(decision), decision.reason
        self.apply_button.setEnabled(allowed and not self.busy)
        self.apply_button.setToolTip("" if allowed else reason)

    # -- choosing and previewing ---------------------------------------------------------------------

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Import from"),
            self.path_edit.text() or str(Path.home()),
            self.tr("Spreadsheets (*.xlsx *.csv);;All files (*)"),
        )
        if chosen:
            self.load(chosen)

    def _kind_toggled(self, _button: object, checked: bool) -> None:
        """Another kind of import reads the same file anew: what was said of the file as the other kind
        (its error, its preview) no longer holds. A preview still being read is superseded (its
        result is dropped by the request counter)."""
        if not checked:
            return
        self._set_label(self.error, "")
        self._set_label(self.status, "")
        if self.path_edit.text().strip():
            self.load(self.path_edit.text())
        else:
            self.preview = None
            self.model.set_rows([], "")
            self.summary.clear()
            self._update_apply()

    def load(self, path: str | Path) -> None:
        """Read the file and show its preview (in a worker thread; ``previewReady`` when shown)."""
        self.path_edit.setText(str(path))
        self._set_label(self.status, "")
        self._preview_file(Path(str(path).strip()).expanduser(), keep_status=False)

    def _preview_file(self, path: Path, keep_status: bool) -> None:
        self._request += 1
        request = self._request
        kind, workspace = self.kind(), self.workspace
        self.preview = None
        self._set_label(self.error, "")
        if not keep_status:
            self._set_label(self.status, "")
        self.summary.setText(self.tr("Reading {0}…").format(path.name))
        self._set_busy(True)

        def work() -> Preview:
            if kind == "groups":
                return ops_imports.preview_groups(workspace, path)
            return ops_imports.preview_profiles(workspace, path)

        def done(preview: Preview) -> None:
            if isValid(self) and request == self._request:
                self._set_busy(False)
                self.show_preview(preview)

        def failed(exc: BaseException, details: str) -> None:
            if isValid(self) and request == self._request:
                self._set_busy(False)
                self._show_file_error(exc, details)

        run_in_thread(work, done, failed)

    def _show_file_error(self, exc: BaseException, details: str) -> None:
        self.preview = None
        self.model.set_rows([], "Group")
        self._set_label(self.untouched, "")
        self.summary.setText(self.tr("Nothing was imported."))
        if isinstance(exc, SocialDeskError):
            self._set_label(self.error, str(exc))
        else:
            log.error("Reading an import file failed: %s\n%s", exc, details)
            self._set_label(self.error, self.tr("The file could not be read: {0}").format(exc))
        self._update_apply()
        self.previewReady.emit()

    def show_preview(self, preview: Preview) -> None:
        self.preview = preview
        if isinstance(preview, GroupsImportPreview):
            self._show_groups(preview)
        else:
            self._show_profiles(preview)
        self._update_apply()
        self.previewReady.emit()

    def _change_detail(self, change: GroupChange) -> str:
        parts = []
        if change.added:
            parts.append(self.tr("adds {0}").format(", ".join(change.added)))
        if change.removed:
            parts.append(self.tr("removes {0}").format(", ".join(change.removed)))
        if change.reordered:
            parts.append(self.tr("changes the order"))
        if change.color:
            parts.append(self.tr("colour {0}").format(change.color))
        count = plural("%Ln item(s)", change.items)
        if change.kept_deleted:
            count += " " + plural("+ %Ln deleted profile(s) kept", change.kept_deleted)
        if change.action == "unchanged":
            return self.tr("{0}, as now").format(count)
        if not parts:
            parts.append(self.tr("no items"))
        return self.tr("{0} of {1} after the import — {2}").format(count, MAX_ITEMS, "; ".join(parts))

    def _show_groups(self, preview: GroupsImportPreview) -> None:
        rows = [PreviewRow("blocking", "", message) for message in preview.blocking]
        rows += [PreviewRow("skip", "", issue.message, issue.row) for issue in preview.skipped]
        rows += [PreviewRow(c.action, c.name, self._change_detail(c)) for c in preview.changes]
        self.model.set_rows(rows, "Group")
        c = preview.counts()
        text = self.tr("<b>{0}</b>: {1}, {2} changed, {3} unchanged; {4}.").format(
            preview.source,
            plural("%Ln new group(s)", c["create"]),
            c["change"],
            c["unchanged"],
            plural("%Ln row(s) skipped", len(preview.skipped)),
        )
        if preview.blocking:
            text += " " + self.tr("<b>It cannot be imported as it is:</b> see the first rows below.")
        elif not preview.has_changes:
            text += " " + self.tr("Nothing would change.")
        self.summary.setText(text)
        if preview.untouched:
            names = ", ".join(f"“{n}”" for n in preview.untouched)
            self._set_label(self.untouched, self.tr("Not in the file, left as they are: {0}").format(names))
        else:
            self._set_label(self.untouched, "")
        self.apply_button.setText(self.tr("Import"))

    def _show_profiles(self, preview: ProfilesImportPreview) -> None:
        rows = []
        for plan in preview.rows:
            if plan.action == "skip":
                detail = plan.message
            elif plan.action == "add":
                detail = self.tr("display name “{0}”").format(plan.display_name) if plan.display_name else ""
            elif plan.action == "restore":
                detail = self.tr("deleted earlier; importing restores it (id {0})").format(plan.profile_id)
            else:
                detail = self.tr("already in the workspace (id {0})").format(plan.profile_id)
            rows.append(PreviewRow(plan.action, _profile_subject(plan), detail, plan.row, plan.platform))
        self.model.set_rows(rows, "Profile")
        c = preview.counts()
        self.summary.setText(
            self.tr("<b>{0}</b>: {1} to add, {2} to restore, {3} already in the workspace; {4}.").format(
                preview.source,
                plural("%Ln profile(s)", c["add"]),
                c["restore"],
                c["exists"],
                plural("%Ln row(s) skipped", c["skip"]),
            )
        )
        self._set_label(self.untouched, "")
        todo = c["add"] + c["restore"]
        self.apply_button.setText(
            plural("Import %Ln profile(s)", todo) if todo else self.tr("Import")
        )

    # -- applying --------------------------------------------------------------------------------------

    def apply(self) -> bool:
        """Make the previewed changes in a worker thread, all or nothing (``applyFinished`` at the end)."""
        preview = self.preview
        if preview is None or not preview.can_apply or self.busy:
            return False
        workspace, emit = self.workspace, self.relay.progress.emit
        self._set_label(self.error, "")
        self._set_label(self.status, self.tr("Importing…"))
        self._set_busy(True)
        self.apply_button.setEnabled(False)

        def work() -> Done[GroupsImportResult | ProfilesImportResult]:
            done: Done[GroupsImportResult] | Done[ProfilesImportResult]
            if isinstance(preview, GroupsImportPreview):
                done = ops_imports.apply_groups(workspace, preview)
            else:
                done = ops_imports.apply_profiles(workspace, preview, progress=emit)
            return Done(done.value, done.change)

        run_op(work, self._applied, self._apply_failed)
        return True

    def _on_progress(self, done: int, total: int) -> None:
        if self.busy:
            self._set_label(self.status, self.tr("Importing… {0} of {1}").format(f"{done:,}", f"{total:,}"))

    def _applied(self, result: GroupsImportResult | ProfilesImportResult) -> None:
        if not isValid(self):
            return  # the dialog was destroyed meanwhile; the import itself is complete
        self._set_busy(False)
        if isinstance(result, GroupsImportResult):
            text = self.tr("Imported: {0} created, {1} changed.").format(
                plural("%Ln group(s)", len(result.created)), len(result.changed)
            )
            kind = "groups"
        else:
            text = self.tr("Imported: {0} added, {1} restored.").format(
                plural("%Ln profile(s)", len(result.added)), len(result.restored)
            )
            kind = "profiles"
        self._set_label(self.status, text)
        self.cancel_button.setText(self.tr("Close"))
        self.imported.emit(kind)
        self.applyFinished.emit("done")
        self._refresh_after_apply()

    def _refresh_after_apply(self) -> None:
        """Show the file against the workspace as it is now (everything should read as unchanged)."""
        text = self.path_edit.text().strip()
        if text:
            self._preview_file(Path(text).expanduser(), keep_status=True)

    def _apply_failed(self, exc: BaseException, details: str) -> None:
        if not isValid(self):
            log.warning("An import failed after its dialog was closed: %s", exc)
            return
        self._set_busy(False)
        self._set_label(self.status, "")
        if isinstance(exc, ValidationError):
            message = "\n".join(m for _f, m in exc.problems)
        elif isinstance(exc, SocialDeskError):
            message = str(exc)
        else:
            log.error("Import failed: %s\n%s", exc, details)
            message = self.tr("The import failed and nothing was changed: {0}").format(exc)
        self._set_label(self.error, message)
        self.applyFinished.emit("failed")
        if isinstance(exc, ImportChangedError):
            self._refresh_after_apply_keep_error(message)

    def _refresh_after_apply_keep_error(self, message: str) -> None:
        text = self.path_edit.text().strip()
        if not text:
            return

        def restore_message() -> None:
            self.previewReady.disconnect(restore_message)
            self._set_label(self.error, message)

        self.previewReady.connect(restore_message)
        self._preview_file(Path(text).expanduser(), keep_status=False)

    def reject(self) -> None:
        if self.busy and self.preview is not None and not self.apply_button.isEnabled():
            # An import is being written: it finishes (all or nothing) before the dialog closes.
            self.applyFinished.connect(lambda _state: QDialog.reject(self))
            return
        super().reject()


def open_import(workspace: Workspace, parent: QWidget | None, on_imported: Callable[[str], None]) -> int:
    """Show the import dialog modally; ``on_imported(kind)`` runs after each successful import."""
    dialog = ImportDialog(workspace, parent)
    dialog.imported.connect(on_imported)
    return dialog.exec()
