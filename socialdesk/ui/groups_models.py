"""The groups editor's item models and small pictures: the groups list, a group's items, colour swatches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.ops.groups import DEFAULT_COLOR, MAX_ITEMS, GroupInfo, ItemInfo, ItemRef
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import error_color, muted_color

GroupIdRole = Qt.ItemDataRole.UserRole + 1
ItemRefRole = Qt.ItemDataRole.UserRole + 2
MUTED = muted_color()
FULL = error_color()

_Index = QModelIndex | QPersistentModelIndex


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
            return plural("%Ln item(s)", count) + self.tr(" (at most {0})").format(MAX_ITEMS)
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
                return folder_icon(self._colors.get(item.id, DEFAULT_COLOR))
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
            return self.tr("{0}  — group, {1}").format(item.label, plural("%Ln item(s)", size))
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
