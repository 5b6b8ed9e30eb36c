"""The profile manager's list: a model over ``ops.profile_settings.ProfileColumns``, painting, the gear."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QIcon,
    QPainter,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS
from socialdesk.ops import profile_settings as ops_profiles
from socialdesk.ops.profile_settings import ProfileColumns
from socialdesk.ops.settings import Workspace
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.settings_form import translate
from socialdesk.ui.style import MUTED

ProfileIdRole = Qt.ItemDataRole.UserRole + 1
SubtitleRole = Qt.ItemDataRole.UserRole + 2
HasFormRole = Qt.ItemDataRole.UserRole + 3


GEAR_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#546E7A" d="M19.14 12.94c.04-.3'
    ".06-.61.06-.94 0-.32-.02-.64-.07-.94l2.03-1.58a.49.49 0 0 0 .12-.61l-1.92-3.32a.488.488 0 0 0-.59-.22l"
    "-2.39.96c-.5-.38-1.03-.7-1.62-.94l-.36-2.54a.484.484 0 0 0-.48-.41h-3.84c-.24 0-.43.17-.47.41l-.36 2.54"
    "c-.59.24-1.13.57-1.62.94l-2.39-.96c-.22-.08-.47 0-.59.22L2.74 8.87c-.12.21-.08.47.12.61l2.03 1.58c-.05.3"
    "-.09.63-.09.94s.02.64.07.94l-2.03 1.58a.49.49 0 0 0-.12.61l1.92 3.32c.12.22.37.29.59.22l2.39-.96c.5.38 "
    "1.03.7 1.62.94l.36 2.54c.05.24.24.41.48.41h3.84c.24 0 .44-.17.47-.41l.36-2.54c.59-.24 1.13-.56 1.62-.94"
    "l2.39.96c.22.08.47 0 .59-.22l1.92-3.32c.12-.22.07-.47-.12-.61l-2.01-1.58zM12 15.6c-1.98 0-3.6-1.62-3.6"
    '-3.6s1.62-3.6 3.6-3.6 3.6 1.62 3.6 3.6-1.62 3.6-3.6 3.6z"/></svg>'
)
_gear: QIcon | None = None


def gear_icon() -> QIcon:
    """The gear shown beside every profile (also usable by the profiles window)."""
    global _gear
    if _gear is None:
        renderer = QSvgRenderer(QByteArray(GEAR_SVG.encode()))
        icon = QIcon()
        for side in (16, 24, 32, 48):
            pixmap = QPixmap(side, side)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter)
            painter.end()
            icon.addPixmap(pixmap)
        _gear = icon
    return _gear


# -- the list of profiles -------------------------------------------------------------------------------


class ProfileListModel(QAbstractListModel):
    """The profiles of ``ProfileColumns`` with a search over name, handle and platform.

    The search is a list comprehension over pre-folded keys and the rows shown are a list of positions,
    so 100,000 profiles stay quick without a proxy model; texts are built only for the rows painted.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = ProfileColumns()
        self._visible: list[int] = []
        self._search = ""
        self._kind_labels = {k: translate(v).lower() for k, v in KIND_LABELS.items()}
        self._colour_only = self.tr("colour only")

    def load(self, workspace: Workspace) -> None:
        """Read and show the profiles at once (the window reads them on a worker thread instead)."""
        self.set_columns(ops_profiles.profile_list(workspace))

    def set_columns(self, columns: ProfileColumns) -> None:
        self.beginResetModel()
        self._columns = columns
        self._visible = self._filtered()
        self.endResetModel()

    def _filtered(self) -> list[int]:
        if not self._search:
            return list(range(len(self._columns.ids)))
        needle = self._search
        return [i for i, key in enumerate(self._columns.keys) if needle in key]

    def set_search(self, text: str) -> None:
        search = " ".join(text.split()).casefold()
        if search == self._search:
            return
        self.beginResetModel()
        self._search = search
        self._visible = self._filtered()
        self.endResetModel()

    @property
    def total(self) -> int:
        return len(self._columns.ids)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def _subtitle(self, i: int) -> str:
        c = self._columns
        info = PLATFORMS.get(c.platforms[i])
        label = info.label if info is not None else c.platforms[i]
        text = f"@{c.handles[i]} · {label} {self._kind_labels.get(c.kinds[i], c.kinds[i])}"
        return text if c.with_form[i] else f"{text} · {self._colour_only}"

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        i = self._visible[index.row()]
        c = self._columns
        if role == Qt.ItemDataRole.DisplayRole:
            return c.names[i]
        if role == Qt.ItemDataRole.DecorationRole:
            return platform_icon(c.platforms[i])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{c.names[i]}\n{self._subtitle(i)}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{c.names[i]}, {self._subtitle(i)}"
        if role == SubtitleRole:
            return self._subtitle(i)
        if role == ProfileIdRole:
            return c.ids[i]
        if role == HasFormRole:
            return c.with_form[i]
        return None

    def profile_id(self, row: int) -> int:
        return self._columns.ids[self._visible[row]]

    def row_of(self, profile_id: int) -> int:
        """The row showing the profile, or -1 (not loaded, or hidden by the search)."""
        i = self._columns.position.get(profile_id)
        if i is None:
            return -1
        if not self._search:
            return i
        found = bisect_left(self._visible, i)
        return found if found < len(self._visible) and self._visible[found] == i else -1

    def contains(self, profile_id: int) -> bool:
        return profile_id in self._columns.position


class ProfileListDelegate(QStyledItemDelegate):
    """Platform icon, name, "@handle · platform kind", and the gear."""

    PAD = 6
    ICON = 20
    GEAR = 16

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = QIcon()
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        rect: QRect = opt.rect.adjusted(self.PAD, 0, -self.PAD, 0)
        painter.save()
        try:
            icon = index.data(Qt.ItemDataRole.DecorationRole)
            if isinstance(icon, QIcon):
                top = rect.center().y() - self.ICON // 2
                icon.paint(painter, QRect(rect.left(), top, self.ICON, self.ICON))
            gear = gear_icon()
            gear_rect = QRect(
                rect.right() - self.GEAR, rect.center().y() - self.GEAR // 2, self.GEAR, self.GEAR
            )
            gear.paint(
                painter, gear_rect, mode=QIcon.Mode.Normal if index.data(HasFormRole) else QIcon.Mode.Disabled
            )
            text_rect = rect.adjusted(self.ICON + 8, 3, -(self.GEAR + 8), -3)
            name_font = opt.font
            name_font.setBold(True)
            name_metrics = QFontMetrics(name_font)
            text_role = opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text
            painter.setFont(name_font)
            painter.setPen(opt.palette.color(text_role))
            name = name_metrics.elidedText(
                str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
                Qt.TextElideMode.ElideRight,
                text_rect.width(),
            )
            half = text_rect.height() // 2
            painter.drawText(
                QRect(text_rect.left(), text_rect.top(), text_rect.width(), half),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                name,
            )
            small = QFontMetrics(option.font)
            painter.setFont(option.font)
            painter.setPen(opt.palette.color(text_role) if selected else QColor(MUTED))
            subtitle = small.elidedText(
                str(index.data(SubtitleRole) or ""), Qt.TextElideMode.ElideRight, text_rect.width()
            )
            painter.drawText(
                QRect(text_rect.left(), text_rect.top() + half, text_rect.width(), text_rect.height() - half),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                subtitle,
            )
        finally:
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(200, 2 * line + 12)
