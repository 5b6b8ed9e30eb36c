"""Small widgets and text helpers every window shares: error labels, wrapping and eliding labels.

Before, each dialog had its own error label, its own way of shortening a long name, and its own
colours; these are the one version of each.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from socialdesk.ui.style import ERROR_STYLE


class WrapLabel(QLabel):
    """A word-wrapped label whose size hints give its height at its current width.

    Qt caches height-for-width answers in nested layouts and, inside a resizable scroll area, then squeezes
    rows that were just added or messages that were just shown. These labels report no height-for-width;
    their hints follow their width instead (a width change asks the layout again).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def hasHeightForWidth(self) -> bool:
        return False

    def _height(self) -> int:
        width = self.width() if self.width() > 100 else 560
        return max(self.heightForWidth(width), 0)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(min(super().minimumSizeHint().width(), 100), self._height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()


class ElidedLabel(QLabel):
    """A one-line label that shortens a long text with "…" instead of widening its window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 40)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


def error_label(parent: QWidget, name: str, style: str = ERROR_STYLE) -> QLabel:
    """A hidden, wrapping, selectable error label with the object name tests and tools find it by.

    ``style``: the plain red sentence, or ``ERROR_BOX_STYLE`` inside a settings form.
    """
    label = WrapLabel("", parent)
    label.setObjectName(name)
    label.setStyleSheet(style)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def show_text(label: QLabel, text: str) -> None:
    """Set a message label's text; an empty text hides it (no blank line left behind)."""
    label.setText(text)
    label.setVisible(bool(text))


def shorten(text: str, limit: int = 48) -> str:
    """A name or handle cut in the middle for running text (a handle can be 200 unbreakable characters).

    The middle goes, so both the start and the end (often what tells two names apart) stay readable.
    """
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2 - 1]}…{text[-(limit // 2) :]}"
