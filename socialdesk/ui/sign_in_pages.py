"""The sign-in window's pages besides the browser: waiting for the system browser, finishing, a failure.

Each page only lays out its widgets; the dialog (``sign_in.SignInDialog``) fills in the words and
connects the buttons. Every label that shows user data or provider text wraps or is cut
(:func:`text_label`), so a 150-character name never widens the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from socialdesk.ui.style import ERROR_STYLE


def text_label(label: QLabel, *, wrap: bool = True) -> QLabel:
    """A label whose text (names, handles, URLs: any length) never widens the dialog: it wraps or is cut."""
    label.setWordWrap(wrap)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(60)
    return label


def busy_bar(parent: QWidget, name: str) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setObjectName(name)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    return bar


def _centred_text(parent: QWidget, name: str) -> QLabel:
    label = text_label(QLabel(parent))
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class WaitPage(QWidget):
    """The system browser has the provider's page: a busy bar, "Open the page again", "Copy the link"."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        wait = QVBoxLayout(self)
        wait.addStretch(1)
        self.text = _centred_text(self, "signInWaitText")
        wait.addWidget(self.text)
        wait.addWidget(busy_bar(self, "signInWaitProgress"))
        again = QHBoxLayout()
        again.addStretch(1)
        self.reopen_button = QPushButton(self.tr("Open the page again"), self)
        self.reopen_button.setObjectName("signInReopen")
        again.addWidget(self.reopen_button)
        self.copy_button = QPushButton(self.tr("Copy the link"), self)
        self.copy_button.setObjectName("signInCopyLink")
        again.addWidget(self.copy_button)
        again.addStretch(1)
        wait.addLayout(again)
        wait.addStretch(2)


class WorkPage(QWidget):
    """Finishing: code exchange, discovery, saving (the text says which)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        work = QVBoxLayout(self)
        work.addStretch(1)
        self.text = _centred_text(self, "signInWorkText")
        work.addWidget(self.text)
        work.addWidget(busy_bar(self, "signInWorkProgress"))
        work.addStretch(2)


class ErrorPage(QWidget):
    """A failure in words (bold, selectable), what to do, and "Try again" where it helps."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.error_box = QFrame(self)
        self.error_box.setObjectName("signInErrorBox")
        self.error_box.setStyleSheet(
            "#signInErrorBox{background:#FDECEA;border:1px solid #F1A9A0;border-radius:4px}"
        )
        outer.addWidget(self.error_box)
        outer.addStretch(2)
        err = QVBoxLayout(self.error_box)
        err.setContentsMargins(14, 12, 14, 12)
        err.setSpacing(8)
        self.error_label = text_label(QLabel(self.error_box))
        self.error_label.setObjectName("signInError")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.error_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        font.setBold(True)
        self.error_label.setFont(font)
        err.addWidget(self.error_label)
        self.advice_label = text_label(QLabel(self.error_box))
        self.advice_label.setObjectName("signInAdvice")
        err.addWidget(self.advice_label)
        retry_row = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("Try again"), self.error_box)
        self.retry_button.setObjectName("signInRetry")
        retry_row.addWidget(self.retry_button)
        retry_row.addStretch(1)
        err.addLayout(retry_row)
