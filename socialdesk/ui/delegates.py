"""Painting of the ownership and connection-status badges: colour and text, never colour alone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from socialdesk.models.catalogue import Ownership, Status
from socialdesk.ui.profile_model import BadgeRole, ShortHintRole

#: (background, text) per badge value.
BADGE_COLORS: dict[Any, tuple[str, str]] = {
    Ownership.OWNED: ("#DCEBFF", "#0B4A9E"),
    Ownership.SHARED: ("#D9F2EC", "#0B6150"),
    Ownership.NONE: ("#FFF0CC", "#7A5200"),
    Ownership.OTHERS: ("#ECEFF1", "#455A64"),
    Status.EXPIRED: ("#FDE0DE", "#A1160A"),
    Status.CONNECTED: ("#DDF3DF", "#1B6B24"),
}
HINT_COLOR = "#B45F06"


class BadgeDelegate(QStyledItemDelegate):
    """Draws the cell's text as a rounded badge; a status cell may add an expiry hint after it."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        value = index.data(BadgeRole)
        colors = BADGE_COLORS.get(value)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        hint = index.data(ShortHintRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        try:
            metrics = QFontMetrics(opt.font)
            rect: QRect = opt.rect.adjusted(6, 0, -4, 0)
            selected = bool(opt.state & QStyle.StateFlag.State_Selected)
            if colors is not None:
                pad = 7
                width = min(metrics.horizontalAdvance(text) + 2 * pad, rect.width())
                height = min(metrics.height() + 4, rect.height() - 4)
                badge = QRect(rect.left(), rect.center().y() - height // 2 + 1, width, height)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(colors[0]))
                painter.drawRoundedRect(badge, height / 2, height / 2)
                painter.setPen(QColor(colors[1]))
                elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, badge.width() - 2 * pad + 2)
                painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, elided)
                rect.setLeft(badge.right() + 6)
            else:
                role = opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text
                painter.setPen(opt.palette.color(role))
                painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
                rect.setLeft(rect.left() + metrics.horizontalAdvance(text) + 6)
            if hint and rect.width() > 12:
                painter.setPen(QColor("#FFFFFF" if selected else HINT_COLOR))
                elided = metrics.elidedText(hint, Qt.TextElideMode.ElideRight, rect.width())
                painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)
        finally:
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        hint = index.data(ShortHintRole)
        if hint:
            size.setWidth(size.width() + QFontMetrics(option.font).horizontalAdvance(hint) + 24)
        return QSize(size.width() + 20, size.height())
