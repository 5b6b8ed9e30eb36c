"""The groups editor's small dialogs: a group's name (and colour), the profile picker, the group picker."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.ops import groups as ops_groups
from socialdesk.ops.groups import DEFAULT_COLOR, MAX_NAME, PICKER_LIMIT, ProfileSearch, Workspace
from socialdesk.services.query import ProfileRows
from socialdesk.ui.groups_models import MUTED, folder_icon, swatch
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import NOTICE_STYLE
from socialdesk.ui.widgets import error_label, shorten, show_text

SEARCH_DELAY_MS = 150


class GroupNameDialog(QDialog):
    """A name (and, for a new group, a colour); ``apply`` saves and returns None or the message to show
    under the field, in which case the dialog stays open with what was typed."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        apply: Callable[[str, str], str | None],
        name: str = "",
        color: str | None = None,
        confirm: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("groupNameDialog")
        self.setWindowTitle(title)
        self.apply = apply
        self.color = color or DEFAULT_COLOR
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(name, self)
        self.name.setObjectName("groupNameEdit")
        self.name.setMaxLength(MAX_NAME + 50)  # longer input gets the service's message
        self.name.setPlaceholderText(self.tr("For example: Campaign: Spring sale"))
        form.addRow(self.tr("Name"), self.name)
        self.error = error_label(self, "groupNameError")
        form.addRow("", self.error)
        self.color_button: QPushButton | None = None
        if color is not None:
            self.color_button = QPushButton(self)
            self.color_button.setObjectName("groupColorButton")
            self.color_button.clicked.connect(self._choose_color)
            form.addRow(self.tr("Colour"), self.color_button)
            self._show_color()
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = buttons.addButton(confirm or self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("groupNameOk")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.textEdited.connect(lambda _t: show_text(self.error, ""))
        self.resize(440, self.sizeHint().height())

    def _fit_height(self) -> None:
        """Grow to show a wrapped message whole: a top-level layout does not follow a label's
        height-for-width by itself, so a two-line error was cut to one and a half lines."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        self.error.setMinimumHeight(self.error.heightForWidth(max(1, self.error.width())))
        layout.activate()
        self.resize(self.width(), max(self.height(), layout.totalMinimumSize().height()))

    def _show_color(self) -> None:
        if self.color_button is not None:
            self.color_button.setIcon(swatch(self.color, 16))
            self.color_button.setText(self.color)

    def _choose_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, self.tr("Group colour"))
        if chosen.isValid():
            self.color = chosen.name().upper()
            self._show_color()

    def submit(self) -> bool:
        message = self.apply(self.name.text(), self.color)
        if message:
            show_text(self.error, message)
            self._fit_height()
            self.name.setFocus()
            return False
        self.accept()
        return True


class ProfilePickerDialog(QDialog):
    """Find profiles by name, handle or id and add the chosen ones to a group.

    Each search runs over the shared read model (``rows``: the profile list the window loaded;
    ``ops.groups.search_profiles``), milliseconds at 100,000 profiles, so it runs here; the list never
    holds more than ``PICKER_LIMIT`` rows. ``apply(ids)`` adds them and
    returns None or the message to show here.
    """

    #: A typed search's results are shown (tests wait for it).
    searched = Signal()

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None,
        group_name: str,
        present: Iterable[int],
        apply: Callable[[list[int]], str | None],
        rows: ProfileRows | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        # Without the window's live list (the trash is shown, or no window), the list is read once.
        self.rows = rows if rows is not None and not rows.trash else ops_groups.profile_rows(workspace)
        self.apply = apply
        self.present = set(present)
        self.setObjectName("profilePickerDialog")
        self.setWindowTitle(self.tr("Add profiles to {0}").format(shorten(group_name, 60)))
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("profilePickerSearch")
        self.search_edit.setPlaceholderText(self.tr("Search by name, @handle or id"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Search profiles"))
        self.platform = QComboBox(self)
        self.platform.setObjectName("profilePickerPlatform")
        self.platform.addItem(self.tr("All platforms"), "")
        for key, info in PLATFORMS.items():
            self.platform.addItem(platform_icon(key), info.label, key)
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.platform)
        layout.addLayout(row)
        self.list = QListWidget(self)
        self.list.setObjectName("profilePickerList")
        self.list.setAccessibleName(self.tr("Matching profiles"))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(16, 16))
        layout.addWidget(self.list, 1)
        self.note = QLabel(self)
        self.note.setObjectName("profilePickerNote")
        self.note.setStyleSheet(NOTICE_STYLE)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.error = error_label(self, "profilePickerError")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.add_button = buttons.addButton(self.tr("Add"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("profilePickerAdd")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_later)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.platform.currentIndexChanged.connect(lambda _i: self.search())
        self.list.itemSelectionChanged.connect(self._update)
        self.list.itemDoubleClicked.connect(lambda _item: self.submit())
        self.resize(480, 520)
        self.search()

    def search(self) -> int:
        """Run the current search now; returns how many rows are listed."""
        self._timer.stop()
        text, platform = self.search_edit.text(), self.platform.currentData() or None
        self._show(text, ops_groups.search_profiles(self.workspace, text, platform, rows=self.rows))
        return self.list.count()

    def search_later(self) -> None:
        """The search as the user types, once the typing pauses (``SEARCH_DELAY_MS``)."""
        if isValid(self):
            self.search()
            self.searched.emit()

    def _show(self, text: str, result: ProfileSearch) -> None:
        hits, more = result.hits, result.more
        self.list.clear()
        for hit in hits:
            label = hit.name if hit.name.casefold() == hit.handle.casefold() else f"{hit.name}  @{hit.handle}"
            item = QListWidgetItem(platform_icon(hit.platform), label, self.list)
            item.setData(Qt.ItemDataRole.UserRole, hit.id)
            where = PLATFORMS[hit.platform].label if hit.platform in PLATFORMS else hit.platform
            item.setToolTip(f"{hit.name}\n{where} @{hit.handle} · id {hit.id}")
            if hit.id in self.present:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText("✓ " + label)
                item.setToolTip(item.toolTip() + "\n" + self.tr("Already in the group"))
        if not hits:
            note = self.tr("No profile matches “{0}”.").format(text.strip()) if text.strip() else ""
            note = note or self.tr("There are no profiles in this workspace yet.")
        elif more:
            note = self.tr("Showing the first {0} matches; type more of a name or handle to narrow the list.")
            note = note.format(PICKER_LIMIT)
        else:
            note = plural("%Ln match(es)", len(hits))
        self.note.setText(note)
        self._update()

    def select_ids(self, ids: Iterable[int]) -> None:
        wanted = set(ids)
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setSelected(int(item.data(Qt.ItemDataRole.UserRole)) in wanted)

    def chosen_ids(self) -> list[int]:
        return [
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in self.list.selectedItems()
            if item.flags() & Qt.ItemFlag.ItemIsEnabled
        ]

    def _update(self) -> None:
        n = len(self.chosen_ids())
        self.add_button.setEnabled(n > 0)
        self.add_button.setText(plural("Add %Ln profile(s)", n) if n else self.tr("Add"))
        show_text(self.error, "")

    def submit(self) -> bool:
        ids = self.chosen_ids()
        if not ids:
            return False
        message = self.apply(ids)
        if message:
            show_text(self.error, message)
            return False
        self.accept()
        return True


class GroupPickerDialog(QDialog):
    """Choose groups to put inside a group; groups that would make a loop are listed with the reason."""

    def __init__(
        self,
        parent: QWidget | None,
        group_name: str,
        options: Sequence[tuple[int, str, str, str | None]],
        apply: Callable[[list[int]], str | None],
    ) -> None:
        super().__init__(parent)
        self.apply = apply
        self.setObjectName("groupPickerDialog")
        self.setWindowTitle(self.tr("Add groups to {0}").format(shorten(group_name, 60)))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("The profiles of a group you add count as members of this group too."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setObjectName("groupPickerList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setWordWrap(True)
        for gid, name, color, reason in options:
            item = QListWidgetItem(folder_icon(color), name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, gid)
            item.setData(Qt.ItemDataRole.UserRole + 1, reason or "")
            item.setToolTip(reason or name)
            if reason:
                item.setForeground(MUTED)
        layout.addWidget(self.list, 1)
        self.reason = error_label(self, "groupPickerReason")
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.add_button = buttons.addButton(self.tr("Add"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("groupPickerAdd")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.itemSelectionChanged.connect(self._update)
        self._update()
        self.resize(440, 420)

    def chosen_ids(self) -> list[int]:
        return [int(item.data(Qt.ItemDataRole.UserRole)) for item in self.list.selectedItems()]

    def _update(self) -> None:
        selected = self.list.selectedItems()
        reasons = [str(item.data(Qt.ItemDataRole.UserRole + 1)) for item in selected]
        blocked = [r for r in reasons if r]
        show_text(self.reason, "\n".join(blocked))
        self.add_button.setEnabled(bool(selected) and not blocked)

    def submit(self) -> bool:
        message = self.apply(self.chosen_ids())
        if message:
            show_text(self.reason, message)
            return False
        self.accept()
        return True


def _tr(text: str) -> str:
    return QCoreApplication.translate("GroupsDialog", text)
