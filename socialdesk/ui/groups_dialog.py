"""The groups editor: the groups on the left, the selected group's items on the right (docs/product.md §6).

Every change goes through ``services.groups`` in its own unit of work, so a refused change (the
20-group or 20-item limit, a loop, a name in use) changes nothing and its message is shown next to
what was tried. The operations are methods (``create_group``, ``add_profiles``, ``delete_group``, …)
that tests call directly; the buttons only collect input for them with small dialogs.

The profile picker queries the database for each search with a LIMIT, so it stays quick with
100,000 profiles; nothing lists every profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.models.schema import Profile
from socialdesk.services import groups as groups_service
from socialdesk.services import members as members_service
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.services.groups import MAX_GROUPS, MAX_ITEMS, GroupInfo, ItemInfo, ItemRef
from socialdesk.services.rules import Actor
from socialdesk.services.workspace import Workspace
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import NOTICE_STYLE, error_color, muted_color
from socialdesk.ui.widgets import ElidedLabel, error_label, shorten, show_text

#: The profile picker shows at most this many matches; typing more narrows the list.
PICKER_LIMIT = 200
SEARCH_DELAY_MS = 150
GroupIdRole = Qt.ItemDataRole.UserRole + 1
ItemRefRole = Qt.ItemDataRole.UserRole + 2
MUTED = muted_color()
FULL = error_color()

_Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


# -- small pictures ---------------------------------------------------------------------------------


@cache
def swatch(color: str, size: int = 14) -> QIcon:
    """A rounded square of the group's colour."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(color)
    painter.setPen(fill.darker(140))
    painter.setBrush(fill)
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
    painter.end()
    return _untinted(pix)


def _untinted(pix: QPixmap) -> QIcon:
    """An icon that keeps its colours on a selected row (the style would tint it otherwise)."""
    icon = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
        icon.addPixmap(pix, mode)
    return icon


@cache
def folder_icon(color: str, size: int = 16) -> QIcon:
    """A folder in the group's colour: marks an item that is a group, not a profile."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = QColor(color)
    unit = size / 16
    painter.setPen(fill.darker(150))
    painter.setBrush(fill.lighter(125))
    painter.drawRoundedRect(QRectF(1.5 * unit, 2.5 * unit, 6 * unit, 4 * unit), unit, unit)
    painter.setBrush(fill)
    painter.drawRoundedRect(QRectF(1.5 * unit, 4.5 * unit, 13 * unit, 9.5 * unit), 1.5 * unit, 1.5 * unit)
    painter.end()
    return _untinted(pix)


def error_text(exc: SocialDeskError) -> str:
    """The user-facing message: a validation error's messages one per line, without field names."""
    if isinstance(exc, ValidationError):
        return "\n".join(message for _field, message in exc.problems)
    return str(exc)


# -- the profile search behind the picker ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileHit:
    id: int
    name: str
    handle: str
    platform: str


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_profiles(
    session: Session, text: str, platform: str | None = None, limit: int = PICKER_LIMIT
) -> tuple[list[ProfileHit], bool]:
    """Live profiles whose name or handle contains every word of ``text`` (or whose id is a word).

    Returns at most ``limit`` hits by name and whether more matched. Read-only: one SQL query with a
    LIMIT, so it costs the same whether the workspace has 60 profiles or 100,000.
    """
    query = select(Profile.id, Profile.display_name, Profile.handle, Profile.platform).where(
        Profile.deleted_at.is_(None)
    )
    for word in text.split():
        bare = word.lstrip("@#")
        if not bare:
            continue
        pattern = f"%{_like_escape(bare)}%"
        condition = or_(
            Profile.display_name.like(pattern, escape="\\"),
            Profile.handle_key.like(pattern.casefold(), escape="\\"),
        )
        if bare.isdigit() and len(bare) <= 18:
            condition = or_(condition, Profile.id == int(bare))
        query = query.where(condition)
    if platform:
        query = query.where(Profile.platform == platform)
    query = query.order_by(func.lower(Profile.display_name), Profile.id).limit(limit + 1)
    hits = [ProfileHit(*row) for row in session.execute(query)]
    return hits[:limit], len(hits) > limit


# -- item models -------------------------------------------------------------------------------------


class GroupListModel(QAbstractTableModel):
    """The groups: name with a colour swatch, and how full each is ("n/20")."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._groups: list[GroupInfo] = []

    def set_groups(self, groups: Sequence[GroupInfo]) -> None:
        self.beginResetModel()
        self._groups = list(groups)
        self.endResetModel()

    def group_at(self, row: int) -> GroupInfo:
        return self._groups[row]

    def row_of(self, group_id: int) -> int | None:
        return next((i for i, g in enumerate(self._groups) if g.id == group_id), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._groups)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("Group"), self.tr("Items"))[section] if 0 <= section < 2 else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._groups):
            return None
        group = self._groups[index.row()]
        count = len(group.items)
        if role == GroupIdRole:
            return group.id
        if index.column() == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return group.name
            if role == Qt.ItemDataRole.DecorationRole:
                return swatch(group.color)
            if role == Qt.ItemDataRole.ToolTipRole:
                return group.name
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{count}/{MAX_ITEMS}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and count >= MAX_ITEMS:
            return FULL
        if role == Qt.ItemDataRole.ToolTipRole:
            return plural(count, "{n} item", "{n} items") + self.tr(" (at most {0})").format(MAX_ITEMS)
        return None


class GroupItemsModel(QAbstractListModel):
    """The items of one group in their order; rows move through ``mover`` (the groups service).

    ``moveRows`` is what the list view calls for an internal drag and drop, and what the up/down
    buttons call, so both reorder through the same service call.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[ItemInfo] = []
        self._sizes: dict[int, int] = {}
        self._colors: dict[int, str] = {}
        #: Saves a move; returns whether it was allowed. None: the items cannot be reordered.
        self.mover: Callable[[ItemRef, int], bool] | None = None

    def set_items(self, items: Sequence[ItemInfo], sizes: dict[int, int], colors: dict[int, str]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._sizes = dict(sizes)
        self._colors = dict(colors)
        self.endResetModel()

    def refs(self) -> list[ItemRef]:
        return [i.ref for i in self._items]

    def item_at(self, row: int) -> ItemInfo:
        return self._items[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == ItemRefRole:
            return item.ref
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item)
        if role == Qt.ItemDataRole.DecorationRole:
            if item.kind == "group":
                return folder_icon(self._colors.get(item.id, groups_service.DEFAULT_COLOR))
            return platform_icon(item.platform) if item.platform in PLATFORMS else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item)
        if role == Qt.ItemDataRole.ForegroundRole and item.deleted:
            return MUTED
        if role == Qt.ItemDataRole.FontRole and item.deleted:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _display(self, item: ItemInfo) -> str:
        if item.kind == "group":
            size = self._sizes.get(item.id, 0)
            return self.tr("{0}  — group, {1}").format(item.label, plural(size, "{n} item", "{n} items"))
        text = item.label
        if item.handle and item.handle.casefold() != item.label.casefold():
            text += f"  @{item.handle}"
        if item.deleted:
            text += self.tr("  (deleted)")
        return text

    def _tooltip(self, item: ItemInfo) -> str:
        if item.kind == "group":
            return self.tr("Group {0}: its profiles count as members of this group too").format(item.label)
        where = PLATFORMS[item.platform].label if item.platform in PLATFORMS else (item.platform or "")
        text = f"{item.label}\n{where} @{item.handle} · id {item.id}"
        if item.deleted:
            text += "\n" + self.tr(
                "This profile is deleted: hidden everywhere, but it still takes one of the {0} places. "
                "Remove it to make room, or restore the profile."
            ).format(MAX_ITEMS)
        return text

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if self.mover is None:
            return base
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def moveRows(
        self,
        sourceParent: _Index,
        sourceRow: int,
        count: int,
        destinationParent: _Index,
        destinationChild: int,
    ) -> bool:
        n = len(self._items)
        if count != 1 or sourceParent.isValid() or destinationParent.isValid() or self.mover is None:
            return False
        if not (0 <= sourceRow < n and 0 <= destinationChild <= n):
            return False
        if destinationChild in (sourceRow, sourceRow + 1):
            return False
        target = destinationChild - 1 if destinationChild > sourceRow else destinationChild
        if not self.mover(self._items[sourceRow].ref, target):
            return False
        self.beginMoveRows(QModelIndex(), sourceRow, sourceRow, QModelIndex(), destinationChild)
        self._items.insert(target, self._items.pop(sourceRow))
        self.endMoveRows()
        return True


# -- small dialogs -------------------------------------------------------------------------------------


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
        self.color = color or groups_service.DEFAULT_COLOR
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(name, self)
        self.name.setObjectName("groupNameEdit")
        self.name.setMaxLength(groups_service.MAX_NAME + 50)  # longer input gets the service's message
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

    Each search is one query with a LIMIT (``search_profiles``); the list never holds more than
    ``PICKER_LIMIT`` rows. ``apply(ids)`` adds them and returns None or the message to show here.
    """

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None,
        group_name: str,
        present: Iterable[int],
        apply: Callable[[list[int]], str | None],
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
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
        self._timer.timeout.connect(self.search)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.platform.currentIndexChanged.connect(lambda _i: self.search())
        self.list.itemSelectionChanged.connect(self._update)
        self.list.itemDoubleClicked.connect(lambda _item: self.submit())
        self.resize(480, 520)
        self.search()

    def search(self) -> int:
        """Run the current search; returns how many rows are listed."""
        self._timer.stop()
        text = self.search_edit.text()
        with self.workspace.session() as s:
            hits, more = search_profiles(s, text, self.platform.currentData() or None)
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
            note = plural(len(hits), "{n} match", "{n} matches")
        self.note.setText(note)
        self._update()
        return len(hits)

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
        self.add_button.setText(plural(n, "Add {n} profile", "Add {n} profiles") if n else self.tr("Add"))
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


# -- the editor --------------------------------------------------------------------------------------


class GroupsDialog(QDialog):
    """Create, rename, recolour, copy and delete groups; add, remove and reorder their items."""

    #: Groups or their items changed: the window reloads its group filter and Groups column.
    groupsChanged = Signal()

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        selected_profile_ids: Sequence[int] = (),
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.selected_profile_ids = list(dict.fromkeys(selected_profile_ids))
        self.groups: list[GroupInfo] = []
        self.can_change = False
        self.read_only_reason = ""
        self.setObjectName("groupsDialog")
        self.setWindowTitle(self.tr("Profile groups"))
        layout = QVBoxLayout(self)
        self.read_only = QLabel(self)
        self.read_only.setObjectName("groupsReadOnly")
        self.read_only.setWordWrap(True)
        self.read_only.setStyleSheet(
            "background:#FFF4E5;color:#7A4100;border:1px solid #F5C27A;border-radius:4px;padding:6px;"
        )
        self.read_only.hide()
        layout.addWidget(self.read_only)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_groups_pane())
        self.splitter.addWidget(self._build_items_pane())
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout.addWidget(self.splitter, 1)
        self.notice = QLabel(self)
        self.notice.setObjectName("groupsNotice")
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = buttons.addButton(
            self.tr("Export groups…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setObjectName("exportGroupsButton")
        self.export_button.clicked.connect(self._export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(940, 580)
        self.splitter.setSizes([380, 560])
        self.reload()

    # -- building ----------------------------------------------------------------------------------

    def _button(self, parent: QWidget, text: str, name: str, handler: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, parent)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: handler())
        return button

    def _build_groups_pane(self) -> QWidget:
        pane = QWidget(self)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 6, 0)
        self.groups_title = QLabel(pane)
        self.groups_title.setObjectName("groupsCount")
        layout.addWidget(self.groups_title)
        self.groups_stack = QStackedWidget(pane)
        self.group_model = GroupListModel(self)
        self.group_view = QTableView(pane)
        self.group_view.setObjectName("groupsList")
        self.group_view.setAccessibleName(self.tr("Groups"))
        self.group_view.setModel(self.group_model)
        self.group_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.group_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.group_view.setShowGrid(False)
        self.group_view.setWordWrap(False)
        self.group_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.group_view.verticalHeader().hide()
        self.group_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.group_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.group_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.group_view.selectionModel().currentRowChanged.connect(lambda *_a: self._show_items())
        self.group_view.doubleClicked.connect(lambda _i: self._rename())
        self.groups_stack.addWidget(self.group_view)
        self.groups_empty = QLabel(
            self.tr("No groups yet.\nCreate one with “New…”, then add profiles or other groups to it."), pane
        )
        self.groups_empty.setObjectName("groupsEmpty")
        self.groups_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.groups_empty.setWordWrap(True)
        self.groups_empty.setStyleSheet("color:#607D8B;border:1px solid #CFD8DC;padding:12px;")
        self.groups_stack.addWidget(self.groups_empty)
        layout.addWidget(self.groups_stack, 1)
        grid = QGridLayout()
        self.new_button = self._button(pane, self.tr("New…"), "newGroupButton", self._new)
        self.rename_button = self._button(pane, self.tr("Rename…"), "renameGroupButton", self._rename)
        self.color_button = self._button(pane, self.tr("Colour…"), "colorGroupButton", self._recolor)
        self.copy_button = self._button(pane, self.tr("Copy"), "copyGroupButton", self._copy)
        self.delete_button = self._button(pane, self.tr("Delete…"), "deleteGroupButton", self._delete)
        grid.addWidget(self.new_button, 0, 0)
        grid.addWidget(self.rename_button, 0, 1)
        grid.addWidget(self.color_button, 0, 2)
        grid.addWidget(self.copy_button, 1, 0)
        grid.addWidget(self.delete_button, 1, 1)
        layout.addLayout(grid)
        self.groups_error = error_label(pane, "groupsError")
        layout.addWidget(self.groups_error)
        return pane

    def _build_items_pane(self) -> QWidget:
        pane = QWidget(self)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(6, 0, 0, 0)
        self.items_title = ElidedLabel(pane)
        self.items_title.setObjectName("itemsTitle")
        layout.addWidget(self.items_title)
        self.items_stack = QStackedWidget(pane)
        self.items_model = GroupItemsModel(self)
        self.items_view = QListView(pane)
        self.items_view.setObjectName("itemsList")
        self.items_view.setAccessibleName(self.tr("Items of the group"))
        self.items_view.setModel(self.items_model)
        self.items_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items_view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.items_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items_view.setDropIndicatorShown(True)
        self.items_view.setUniformItemSizes(True)
        self.items_view.setSpacing(1)
        self.items_view.setIconSize(QSize(16, 16))
        self.items_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.items_view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        # A moved row keeps its selection without a selectionChanged signal: update the buttons too.
        self.items_model.rowsMoved.connect(lambda *_a: self._update_buttons())
        self.items_view.doubleClicked.connect(self._open_item)
        remove = QAction(self.tr("Remove from the group"), self.items_view)
        remove.setShortcut(QKeySequence.StandardKey.Delete)
        remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        remove.triggered.connect(self._remove)
        self.items_view.addAction(remove)
        self.items_stack.addWidget(self.items_view)
        self.items_empty = QLabel(pane)
        self.items_empty.setObjectName("itemsEmpty")
        self.items_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.items_empty.setWordWrap(True)
        self.items_empty.setStyleSheet("color:#607D8B;border:1px solid #CFD8DC;padding:12px;")
        self.items_stack.addWidget(self.items_empty)
        layout.addWidget(self.items_stack, 1)
        grid = QGridLayout()
        self.add_selected_button = self._button(pane, "", "addSelectedButton", self.add_selected)
        self.add_profiles_button = self._button(
            pane, self.tr("Find profiles…"), "addProfilesButton", self._pick_profiles
        )
        self.add_group_button = self._button(pane, self.tr("Add group…"), "addGroupButton", self._pick_groups)
        self.remove_button = self._button(pane, self.tr("Remove"), "removeItemsButton", self._remove)
        self.up_button = self._button(pane, self.tr("Move up"), "moveUpButton", lambda: self.move_current(-1))
        self.down_button = self._button(
            pane, self.tr("Move down"), "moveDownButton", lambda: self.move_current(1)
        )
        grid.addWidget(self.add_selected_button, 0, 0)
        grid.addWidget(self.add_profiles_button, 0, 1)
        grid.addWidget(self.add_group_button, 0, 2)
        grid.addWidget(self.remove_button, 1, 0)
        grid.addWidget(self.up_button, 1, 1)
        grid.addWidget(self.down_button, 1, 2)
        layout.addLayout(grid)
        hint = QLabel(self.tr("Drag items, or use Move up and Move down, to change their order."), pane)
        hint.setObjectName("itemsHint")
        hint.setStyleSheet("color:#607D8B")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.items_error = error_label(pane, "itemsError")
        layout.addWidget(self.items_error)
        return pane

    # -- state -------------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        """Read the groups again and show them, keeping (or moving) the selection."""
        current = select_id if select_id is not None else self.current_group_id()
        with self.workspace.session() as s:
            self.groups = groups_service.list_groups(s)
            actor = members_service.me_actor(s)
        decision = groups_service.can_change_groups(actor)
        self.can_change = bool(decision)
        self.read_only_reason = "" if decision else decision.reason
        show_text(
            self.read_only,
            self.tr("You can look at the groups but not change them: {0}").format(decision.reason)
            if not decision
            else "",
        )
        self.group_model.set_groups(self.groups)
        self.groups_stack.setCurrentWidget(self.group_view if self.groups else self.groups_empty)
        count = len(self.groups)
        shown = f"{count}/{MAX_GROUPS}"
        if count >= MAX_GROUPS:
            shown = f"<span style='color:{FULL.name()}'>{shown}</span> " + self.tr("(full)")
        self.groups_title.setText(self.tr("<b>Groups</b> {0}").format(shown))
        row = self.group_model.row_of(current) if current is not None else None
        if row is None and self.groups:
            row = 0
        if row is not None:
            self.group_view.selectRow(row)
            self.group_view.setCurrentIndex(self.group_model.index(row, 0))
        self.items_model.mover = self._save_move if self.can_change else None
        self._show_items()

    def current_group_id(self) -> int | None:
        index = self.group_view.currentIndex()
        if not index.isValid():
            return None
        return int(self.group_model.data(index, GroupIdRole))

    def current_group(self) -> GroupInfo | None:
        gid = self.current_group_id()
        return next((g for g in self.groups if g.id == gid), None)

    def select_group(self, group_id: int) -> None:
        row = self.group_model.row_of(group_id)
        if row is not None:
            self.group_view.selectRow(row)
            self.group_view.setCurrentIndex(self.group_model.index(row, 0))

    def item_labels(self) -> list[str]:
        """What the items list shows, in order (for tests and screen readers alike)."""
        return [
            str(self.items_model.data(self.items_model.index(r, 0)))
            for r in range(self.items_model.rowCount())
        ]

    def _show_items(self) -> None:
        group = self.current_group()
        sizes = {g.id: len(g.items) for g in self.groups}
        colors = {g.id: g.color for g in self.groups}
        if group is None:
            self.items_model.set_items([], sizes, colors)
            self.items_title.set_full_text(self.tr("Items"))
            self.items_empty.setText(self.tr("Select or create a group to see its items."))
            self.items_stack.setCurrentWidget(self.items_empty)
        else:
            self.items_model.set_items(group.items, sizes, colors)
            self.items_title.set_full_text(
                self.tr("Items of “{0}” — {1}/{2}").format(group.name, len(group.items), MAX_ITEMS)
            )
            self.items_empty.setText(
                self.tr(
                    "This group is empty.\nAdd the profiles selected in the table, find profiles by name, "
                    "or add another group."
                )
            )
            self.items_stack.setCurrentWidget(self.items_view if group.items else self.items_empty)
        self._update_buttons()

    def _update_buttons(self) -> None:
        group = self.current_group()
        have = group is not None
        rows = self._selected_rows()
        n_selected = len(self.selected_profile_ids)
        self.add_selected_button.setText(
            plural(n_selected, "Add {n} selected profile", "Add {n} selected profiles")
            if n_selected
            else self.tr("Add selected profiles")
        )
        for button, enabled, why in (
            (self.new_button, True, ""),
            (self.rename_button, have, self.tr("Select a group first")),
            (self.color_button, have, self.tr("Select a group first")),
            (self.copy_button, have, self.tr("Select a group first")),
            (self.delete_button, have, self.tr("Select a group first")),
            (
                self.add_selected_button,
                have and n_selected > 0,
                self.tr("Select profiles in the profile table first, then open Groups")
                if have
                else self.tr("Select a group first"),
            ),
            (self.add_profiles_button, have, self.tr("Select a group first")),
            (self.add_group_button, have, self.tr("Select a group first")),
            (self.remove_button, bool(rows), self.tr("Select items to remove")),
            (self.up_button, len(rows) == 1 and rows[0] > 0, self.tr("Select one item that is not first")),
            (
                self.down_button,
                len(rows) == 1 and rows[0] < self.items_model.rowCount() - 1,
                self.tr("Select one item that is not last"),
            ),
        ):
            allowed = enabled and self.can_change
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else (self.read_only_reason if not self.can_change else why))

    def _selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.items_view.selectionModel().selectedRows())

    # -- operations (tests call these directly) ---------------------------------------------------

    def _try(self, work: Callable[[Session, Actor | None], T]) -> tuple[T | None, str]:
        """Run one change in its own unit of work: (result, "") or (None, the message)."""
        try:
            with self.workspace.session() as s:
                return work(s, members_service.me_actor(s)), ""
        except SocialDeskError as exc:
            return None, error_text(exc)

    def _done(self, notice: str, select_id: int | None = None) -> None:
        self.notice.setText(notice)
        self.reload(select_id)
        self.groupsChanged.emit()

    def _clear_errors(self) -> None:
        self.notice.clear()
        show_text(self.groups_error, "")
        show_text(self.items_error, "")

    def create_group_message(self, name: str, color: str | None = None) -> str | None:
        """Create a group and select it; returns None, or the message saying why not."""
        self._clear_errors()
        created, message = self._try(lambda s, a: groups_service.create_group(s, a, name, color).id)
        if created is None:
            return message
        self._done(self.tr("Created the group {0}.").format(groups_service.clean_name(name)), created)
        return None

    def create_group(self, name: str, color: str | None = None) -> int | None:
        """Create a group; on refusal the message shows under the groups. Returns the new id."""
        message = self.create_group_message(name, color)
        if message is not None:
            show_text(self.groups_error, message)
            return None
        return self.current_group_id()

    def rename_group_message(self, group_id: int, name: str) -> str | None:
        self._clear_errors()
        renamed, message = self._try(lambda s, a: groups_service.rename_group(s, a, group_id, name).name)
        if renamed is None:
            return message
        self._done(self.tr("Renamed the group to {0}.").format(renamed), group_id)
        return None

    def rename_group(self, group_id: int, name: str) -> bool:
        message = self.rename_group_message(group_id, name)
        if message is not None:
            show_text(self.groups_error, message)
        return message is None

    def recolor_group(self, group_id: int, color: str) -> bool:
        self._clear_errors()
        done, message = self._try(lambda s, a: groups_service.recolor_group(s, a, group_id, color).color)
        if done is None:
            show_text(self.groups_error, message)
            return False
        self._done(self.tr("Changed the colour to {0}.").format(done), group_id)
        return True

    def copy_group(self, group_id: int) -> int | None:
        self._clear_errors()
        copied, message = self._try(lambda s, a: groups_service.copy_group(s, a, group_id))
        if copied is None:
            show_text(self.groups_error, message)
            return None
        self._done(self.tr("Made a copy: {0}.").format(copied.name), copied.id)
        return copied.id

    def delete_question(self, group_id: int) -> str:
        """What deleting asks: the group, how many items, and the groups it would be taken out of."""
        with self.workspace.session() as s:
            info = groups_service.group_info(s, group_id)
            parents = [name for _gid, name in groups_service.containing_groups(s, group_id)]
        text = self.tr("Delete the group {0}?").format(f"“{info.name}”")
        if parents:
            listed = ", ".join(f"“{p}”" for p in parents)
            text += "\n\n" + plural(
                len(parents),
                "It is inside another group: {groups}. Deleting it also takes it out of that group.",
                "It is inside {n} other groups: {groups}. Deleting it also takes it out of them.",
            ).replace("{groups}", listed)
        text += "\n\n" + self.tr("The profiles themselves stay in the workspace.")
        return text

    def delete_group(self, group_id: int, confirm: Callable[[str], bool] | None = None) -> bool:
        """Ask (``confirm`` gets the question; by default a message box), then delete.

        A group that other groups contain is taken out of them too: the question said so.
        """
        self._clear_errors()
        try:
            question = self.delete_question(group_id)
            with self.workspace.session() as s:
                contained = bool(groups_service.containing_groups(s, group_id))
        except SocialDeskError as exc:
            show_text(self.groups_error, error_text(exc))
            return False
        if not (confirm or self._confirm)(question):
            return False
        removed_from, message = self._try(
            lambda s, a: groups_service.delete_group(s, a, group_id, remove_from_containing=contained)
        )
        if removed_from is None:
            show_text(self.groups_error, message)
            return False
        self._done(self.tr("Deleted the group."))
        return True

    def _confirm(self, question: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Delete group"), question, parent=self)
        box.setObjectName("deleteGroupConfirm")
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not delete
        box.exec()
        return box.clickedButton() is delete

    def _add_message(self, group_id: int, refs: list[ItemRef]) -> str | None:
        """Add items to the group; returns None or the refusal (nothing added then)."""
        self._clear_errors()
        group = next((g for g in self.groups if g.id == group_id), None)
        if group is not None and len(refs) > MAX_ITEMS:
            # Over the limit whatever is in the group already: say so without sending every id.
            present = {i.ref for i in group.items}
            new = [r for r in refs if r not in present]
            hidden = sum(1 for i in group.items if i.deleted)
            return groups_service.item_limit_message(group.name, len(group.items), len(new), hidden)
        result, message = self._try(lambda s, a: groups_service.add_items(s, a, group_id, refs))
        if result is None:
            return message
        name = group.name if group is not None else ""
        notice = plural(len(result.added), "Added {n} item to {group}.", "Added {n} items to {group}.")
        notice = notice.replace("{group}", f"“{name}”")
        if result.already:
            notice += " " + plural(
                len(result.already), "{n} was in the group already.", "{n} were in the group already."
            )
        self._done(notice, group_id)
        return None

    def add_profiles(self, group_id: int, profile_ids: Iterable[int]) -> bool:
        message = self._add_message(group_id, [ItemRef.profile(p) for p in profile_ids])
        if message is not None:
            show_text(self.items_error, message)
        return message is None

    def add_selected(self) -> bool:
        """Add the profiles selected in the table (``selected_profile_ids``) to the current group."""
        gid = self.current_group_id()
        if gid is None or not self.selected_profile_ids:
            return False
        return self.add_profiles(gid, self.selected_profile_ids)

    def add_groups(self, group_id: int, child_ids: Iterable[int]) -> bool:
        message = self._add_message(group_id, [ItemRef.group(g) for g in child_ids])
        if message is not None:
            show_text(self.items_error, message)
        return message is None

    def remove_items(self, group_id: int, refs: Iterable[ItemRef]) -> bool:
        self._clear_errors()
        wanted = list(refs)
        removed, message = self._try(lambda s, a: groups_service.remove_items(s, a, group_id, wanted))
        if removed is None:
            show_text(self.items_error, message)
            return False
        self._done(plural(removed, "Removed {n} item.", "Removed {n} items."), group_id)
        return True

    def move_item(self, row: int, to_row: int) -> bool:
        """Move the item at ``row`` so that it ends up at ``to_row`` (the model's moveRows semantics)."""
        destination = to_row + 1 if to_row > row else to_row
        return self.items_model.moveRow(QModelIndex(), row, QModelIndex(), destination)

    def move_current(self, delta: int) -> bool:
        rows = self._selected_rows()
        if len(rows) != 1:
            return False
        row, target = rows[0], rows[0] + delta
        if not 0 <= target < self.items_model.rowCount():
            return False
        if not self.move_item(row, target):
            return False
        self.items_view.setCurrentIndex(self.items_model.index(target, 0))
        self.items_view.selectionModel().select(
            self.items_model.index(target, 0), self.items_view.selectionModel().SelectionFlag.ClearAndSelect
        )
        return True

    def _save_move(self, ref: ItemRef, index: int) -> bool:
        """The items model's mover: one reorder through the service (refreshes nothing, the model moved)."""
        gid = self.current_group_id()
        if gid is None:
            return False
        self._clear_errors()

        def move(s: Session, a: Actor | None) -> bool:
            groups_service.move_item(s, a, gid, ref, index)
            return True

        done, message = self._try(move)
        if done is None:
            show_text(self.items_error, message)
            return False
        with self.workspace.session() as s:
            fresh = groups_service.group_info(s, gid)
        self.groups = [fresh if g.id == gid else g for g in self.groups]
        self.groupsChanged.emit()
        return True

    # -- button handlers (open the small dialogs) ---------------------------------------------------

    def _new(self) -> None:
        self._clear_errors()
        if len(self.groups) >= MAX_GROUPS:
            show_text(self.groups_error, groups_service.group_limit_message(len(self.groups)))
            return
        dialog = GroupNameDialog(
            self,
            self.tr("New group"),
            lambda name, color: self.create_group_message(name, color),
            color=groups_service.DEFAULT_COLOR,
            confirm=self.tr("Create"),
        )
        dialog.exec()

    def _rename(self) -> None:
        group = self.current_group()
        if group is None or not self.can_change:
            return
        dialog = GroupNameDialog(
            self,
            self.tr("Rename group"),
            lambda name, _color: self.rename_group_message(group.id, name),
            name=group.name,
            confirm=self.tr("Rename"),
        )
        dialog.exec()

    def _recolor(self) -> None:
        group = self.current_group()
        if group is None:
            return
        chosen = QColorDialog.getColor(QColor(group.color), self, self.tr("Colour of {0}").format(group.name))
        if chosen.isValid():
            self.recolor_group(group.id, chosen.name().upper())

    def _copy(self) -> None:
        group = self.current_group()
        if group is not None:
            self.copy_group(group.id)

    def _delete(self) -> None:
        group = self.current_group()
        if group is not None:
            self.delete_group(group.id)

    def _remove(self) -> None:
        group = self.current_group()
        rows = self._selected_rows()
        if group is not None and rows and self.can_change:
            self.remove_items(group.id, [self.items_model.item_at(r).ref for r in rows])

    def profile_picker(self) -> ProfilePickerDialog | None:
        group = self.current_group()
        if group is None:
            return None
        present = [i.id for i in group.items if i.kind == "profile"]
        return ProfilePickerDialog(
            self.workspace,
            self,
            group.name,
            present,
            lambda ids: self._add_message(group.id, [ItemRef.profile(p) for p in ids]),
        )

    def _pick_profiles(self) -> None:
        picker = self.profile_picker()
        if picker is not None:
            picker.exec()

    def group_options(self, group_id: int) -> list[tuple[int, str, str, str | None]]:
        """Every other group, with the reason it cannot go into ``group_id`` (None when it can)."""
        with self.workspace.session() as s:
            graph = groups_service.GroupGraph.load(s)
        inside = set(graph.children(group_id))
        out: list[tuple[int, str, str, str | None]] = []
        for gid in graph.sorted_ids():
            if gid == group_id:
                continue
            reason: str | None = None
            if gid in inside:
                reason = self.tr("Already in this group")
            else:
                chain = graph.cycle_through(group_id, gid)
                if chain is not None:
                    reason = groups_service.cycle_message(graph, group_id, gid, chain)
            out.append((gid, graph.names[gid], graph.colors[gid], reason))
        return out

    def group_picker(self) -> GroupPickerDialog | None:
        group = self.current_group()
        if group is None:
            return None
        return GroupPickerDialog(
            self,
            group.name,
            self.group_options(group.id),
            lambda ids: self._add_message(group.id, [ItemRef.group(g) for g in ids]),
        )

    def _pick_groups(self) -> None:
        picker = self.group_picker()
        if picker is not None:
            picker.exec()

    def _open_item(self, index: QModelIndex) -> None:
        """Double-clicking a nested group shows that group."""
        ref = self.items_model.data(index, ItemRefRole)
        if isinstance(ref, ItemRef) and ref.kind == "group":
            self.select_group(ref.id)

    def _export(self) -> None:
        from socialdesk.ui.export_dialog import ExportDialog

        ExportDialog(self.workspace, self).exec()


# -- "Add to group ▸" for a selection in the profile table --------------------------------------------


def add_profiles_to_group(
    workspace: Workspace, group_id: int, profile_ids: Sequence[int]
) -> tuple[bool, str]:
    """Add profiles to a group in one unit of work: (done, message for the status bar)."""
    refs = [ItemRef.profile(p) for p in dict.fromkeys(profile_ids)]
    try:
        with workspace.session() as s:
            name = groups_service.get_group(s, group_id).name
            if len(refs) > MAX_ITEMS:
                info = groups_service.group_info(s, group_id)
                present = {i.ref for i in info.items}
                new = [r for r in refs if r not in present]
                hidden = sum(1 for i in info.items if i.deleted)
                return False, groups_service.item_limit_message(name, len(info.items), len(new), hidden)
            result = groups_service.add_items(s, members_service.me_actor(s), group_id, refs)
    except SocialDeskError as exc:
        return False, error_text(exc).replace("\n", " ")
    text = plural(len(result.added), "Added {n} profile to {group}.", "Added {n} profiles to {group}.")
    text = text.replace("{group}", f"“{name}”")
    if result.already:
        text += " " + plural(len(result.already), "{n} was there already.", "{n} were there already.")
    return True, text


def fill_add_to_group_menu(
    menu: QMenu,
    workspace: Workspace,
    profile_ids: Sequence[int],
    on_done: Callable[[bool, str], None] | None = None,
) -> None:
    """(Re)fill ``menu`` with one entry per group that adds ``profile_ids`` to it.

    Each entry shows the group's colour and "n/20"; a full group is disabled with the service's
    limit message as tooltip; without a selection, or for an Analyst, one disabled line says why.
    ``on_done(changed, message)`` gets each outcome (e.g. for the status bar, and to reload the
    Groups column when ``changed``).
    """
    menu.clear()
    menu.setToolTipsVisible(True)
    ids = list(dict.fromkeys(profile_ids))
    with workspace.session() as s:
        groups = groups_service.list_groups(s)
        decision = groups_service.can_change_groups(members_service.me_actor(s))
    reason = "" if ids else _tr("Select profiles first")
    reason = reason or ("" if decision else decision.reason)
    reason = reason or ("" if groups else _tr("No groups yet: create one in Groups…"))
    if reason:
        menu.addAction(reason).setEnabled(False)
        return
    for group in groups:
        action = menu.addAction(
            swatch(group.color), f"{shorten(group.name, 60)}   {len(group.items)}/{MAX_ITEMS}"
        )
        action.setObjectName(f"addToGroup{group.id}")
        action.setData(group.id)
        if len(group.items) >= MAX_ITEMS:
            action.setEnabled(False)
            action.setToolTip(groups_service.item_limit_message(group.name, len(group.items), len(ids)))

        def add(_checked: bool = False, gid: int = group.id) -> None:
            changed, message = add_profiles_to_group(workspace, gid, ids)
            if on_done is not None:
                on_done(changed, message)

        action.triggered.connect(add)


def add_to_group_menu(
    parent_menu: QMenu,
    workspace: Workspace,
    profile_ids: Sequence[int],
    on_done: Callable[[bool, str], None] | None = None,
) -> QMenu:
    """Add an "Add to group" submenu for the given profiles to a menu being built (a context menu)."""
    menu = parent_menu.addMenu(_tr("Add to group"))
    menu.setObjectName("addToGroupMenu")
    fill_add_to_group_menu(menu, workspace, profile_ids, on_done)
    return menu


class AddToGroupMenu(QMenu):
    """An "Add to group" submenu that refills itself each time it opens, for the selection then.

    For a view with ``ActionsContextMenu``: ``view.addAction(AddToGroupMenu(...).menuAction())``.
    """

    def __init__(
        self,
        workspace: Workspace,
        selection: Callable[[], Sequence[int]],
        on_done: Callable[[bool, str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_tr("Add to group"), parent)
        self.setObjectName("addToGroupMenu")
        self.menuAction().setObjectName("actionAddToGroup")
        self.workspace = workspace
        self.selection = selection
        self.on_done = on_done
        self.aboutToShow.connect(self.refill)

    def refill(self) -> None:
        fill_add_to_group_menu(self, self.workspace, self.selection(), self.on_done)
