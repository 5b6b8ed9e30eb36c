"""Painting of the ownership and connection-status badges: colour and text, never colour alone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap
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


#: Badge pixmaps kept (a few per value, one per column width met): cleared when it grows past this.
_BADGE_CACHE = 256


class BadgeDelegate(QStyledItemDelegate):
    """Draws the cell's text as a rounded badge; a status cell may add an expiry hint after it.

    A repaint of the profiles table draws ~70 badges (two columns, a screen of rows) and there are only
    six of them per column width: each is drawn once into a pixmap (antialiased rounded rectangle, text
    elided to fit) and copied after that. Drawn each time, the badges took half of a repaint's Python
    time (~10 of ~25 ms at 100,000 profiles, measured), which every sort, filter and scroll pays.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._badges: dict[tuple[Any, ...], QPixmap] = {}
        self._font: QFont | None = None  # the badges' font: another one (a setting changed) clears them

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        value = index.data(BadgeRole)
        colors = BADGE_COLORS.get(value)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        hint = index.data(ShortHintRole)
        # The cell's background only (selection, hover, alternate row): the view's option has no text.
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        rect: QRect = option.rect.adjusted(6, 0, -4, 0)
        if colors is None and not text and not hint:
            return
        font = option.font
        if colors is not None:
            badge = self._badge(painter, value, colors, text, font, rect)
            size = badge.deviceIndependentSize()
            painter.drawPixmap(rect.left(), rect.center().y() - round(size.height()) // 2 + 1, badge)
            if not hint:
                return  # the usual cell: one copied pixmap, no text laid out
            rect.setLeft(rect.left() + round(size.width()) + 6)
        metrics = QFontMetrics(font)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        try:
            if colors is None:
                palette = option.palette
                role = palette.ColorRole.HighlightedText if selected else palette.ColorRole.Text
                painter.setPen(palette.color(role))
                painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
                rect.setLeft(rect.left() + metrics.horizontalAdvance(text) + 6)
            if hint and rect.width() > 12:
                painter.setPen(QColor("#FFFFFF" if selected else HINT_COLOR))
                elided = metrics.elidedText(hint, Qt.TextElideMode.ElideRight, rect.width())
                painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)
        finally:
            painter.restore()

    def _badge(
        self,
        painter: QPainter,
        value: Any,
        colors: tuple[str, str],
        text: str,
        font: QFont,
        rect: QRect,
    ) -> QPixmap:
        """The badge of ``text`` for a cell ``rect`` wide, drawn once per value, width and font."""
        # One font at a time (the table's): comparing it is cheaper than its key per cell.
        ratio = painter.device().devicePixelRatioF()
        if self._font is None or font != self._font:
            self._font = QFont(font)
            self._badges.clear()
        key = (value, text, rect.width(), rect.height(), ratio)
        pixmap = self._badges.get(key)
        if pixmap is not None:
            return pixmap
        if len(self._badges) >= _BADGE_CACHE:
            self._badges.clear()
        metrics = QFontMetrics(font)
        pad = 7
        width = max(1, min(metrics.horizontalAdvance(text) + 2 * pad, rect.width()))
        height = max(1, min(metrics.height() + 4, rect.height() - 4))
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        badge = QPainter(pixmap)
        try:
            badge.setFont(font)
            badge.setRenderHint(QPainter.RenderHint.Antialiasing)
            badge.setPen(Qt.PenStyle.NoPen)
            badge.setBrush(QColor(colors[0]))
            shape = QRect(0, 0, width, height)
            badge.drawRoundedRect(shape, height / 2, height / 2)
            badge.setPen(QColor(colors[1]))
            elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 2 * pad + 2)
            badge.drawText(shape, Qt.AlignmentFlag.AlignCenter, elided)
        finally:
            badge.end()
        self._badges[key] = pixmap
        return pixmap

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        hint = index.data(ShortHintRole)
        if hint:
            size.setWidth(size.width() + QFontMetrics(option.font).horizontalAdvance(hint) + 24)
        return QSize(size.width() + 20, size.height())
