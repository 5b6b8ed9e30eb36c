"""The main window's pages besides the list: the welcome page, the workspace error page, and what sits
on the list itself (the trash banner, the hint of an empty table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from socialdesk.ui.style import MUTED_STYLE, NOTICE_STYLE
from socialdesk.ui.widgets import WrapLabel

#: The widest the welcome and error texts get: a line longer than this is hard to read.
TEXT_WIDTH = 640
ERROR_ADVICE = (
    "Nothing in the folder was changed. Open another workspace folder (an empty one starts a new "
    "workspace), or put the database back from a backup (socialdesk.db.backup-* beside it) and open this "
    "folder again."
)
HINT_EMPTY = (
    "No profiles yet. Add yours with Profiles ▸ Add profiles… (Ctrl+N), a public one with Add public "
    "profile… (Ctrl+Shift+N), or import a spreadsheet with File ▸ Import… (Ctrl+I)."
)
HINT_FILTERED = "No profile matches the filters. Clear them with View ▸ Clear filters (Ctrl+Shift+L)."
HINT_TRASH_EMPTY = "No deleted profiles. A profile you delete comes here, and can be restored from here."
BANNER_STYLE = "background:#FFF4E5;color:#7A4100;border-bottom:1px solid #F5A623;padding:6px 10px;"
TRASH_BANNER = (
    "You are looking at the deleted profiles. Select one and choose Restore to bring it back; "
    "View ▸ Show deleted profiles returns to the list."
)


P = TypeVar("P", bound=QWidget)


class LazyPage(Generic[P]):
    """A page of a stack, made (and added to the stack) the first time it is asked for: a workspace
    that opens with its rows never shows the welcome or the error page, and making both cost ~1 ms of
    the window's creation (measured with 20 window creations)."""

    def __init__(self, stack: QStackedWidget, make: Callable[[], P]) -> None:
        self._stack = stack
        self._make = make
        self._page: P | None = None

    def __call__(self) -> P:
        if self._page is None:
            self._page = self._make()
            self._stack.addWidget(self._page)
        return self._page

    @property
    def made(self) -> bool:
        return self._page is not None


def _title(text: str, parent: QWidget, scale: float = 1.6) -> QLabel:
    title = WrapLabel(text, parent)
    font = title.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    title.setFont(font)
    return title


def _column(page: QWidget) -> QVBoxLayout:
    """A centred column at most ``TEXT_WIDTH`` wide whose wrapped labels get their full height."""
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    box = QWidget(page)
    box.setMaximumWidth(TEXT_WIDTH)
    row.addWidget(box, 20)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    return layout


class WelcomePage(QWidget):
    """An empty workspace: load the demo, or start empty."""

    def __init__(
        self, parent: QWidget, load_demo: Callable[[], None], start_empty: Callable[[], None]
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emptyWorkspacePage")
        layout = _column(self)
        title = _title(self.tr("Welcome to SocialDesk"), self)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = WrapLabel(
            self.tr(
                "This workspace has no profiles yet. Load the demo to look around: a team, profiles on every "
                "platform in every state, groups and settings. Or start empty and add your own."
            ),
            self,
        )
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.load_demo_button = QPushButton(self.tr("Load the demo workspace"), self)
        self.load_demo_button.setObjectName("loadDemoButton")
        self.load_demo_button.setDefault(True)
        self.load_demo_button.clicked.connect(load_demo)
        self.start_empty_button = QPushButton(self.tr("Start empty"), self)
        self.start_empty_button.setObjectName("startEmptyButton")
        self.start_empty_button.clicked.connect(start_empty)
        buttons.addWidget(self.load_demo_button)
        buttons.addWidget(self.start_empty_button)
        buttons.addStretch(1)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(text)
        layout.addSpacing(16)
        layout.addLayout(buttons)


class ErrorPage(QWidget):
    """A workspace that cannot be opened: the whole message, wrapped, what to do, and another folder."""

    def __init__(
        self, parent: QWidget, open_other: Callable[[], object], show_folder: Callable[[], object]
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workspaceErrorPage")
        layout = _column(self)
        self.title = _title(self.tr("This workspace cannot be opened"), self, 1.3)
        self.message = WrapLabel("", self)
        self.message.setObjectName("workspaceMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = WrapLabel(self.tr(ERROR_ADVICE), self)
        self.advice.setObjectName("workspaceAdvice")
        self.advice.setStyleSheet(NOTICE_STYLE)
        buttons = QHBoxLayout()
        self.open_other_button = QPushButton(self.tr("Open another workspace folder…"), self)
        self.open_other_button.setObjectName("openOtherWorkspaceButton")
        self.open_other_button.setDefault(True)
        self.open_other_button.clicked.connect(open_other)
        self.show_folder_button = QPushButton(self.tr("Show this folder"), self)
        self.show_folder_button.setObjectName("showWorkspaceFolderButton")
        self.show_folder_button.clicked.connect(show_folder)
        buttons.addWidget(self.open_other_button)
        buttons.addWidget(self.show_folder_button)
        buttons.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(6)
        layout.addWidget(self.message)
        layout.addSpacing(6)
        layout.addWidget(self.advice)
        layout.addSpacing(12)
        layout.addLayout(buttons)

    def set_message(self, text: str, *, advice: bool = True) -> None:
        self.message.setText(text)
        self.advice.setVisible(advice)
        self.message.updateGeometry()


class TableOverlay(QObject):
    """Above the table: the trash banner; inside its empty viewport: a hint of what to do."""

    def __init__(self, table: QTableView, parent: QWidget) -> None:
        super().__init__(parent)
        self.table = table
        self.container = QWidget(parent)
        self.container.setObjectName("profileListPane")
        self._layout = QVBoxLayout(self.container)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(table)
        self._banner: WrapLabel | None = None
        self._hint: WrapLabel | None = None

    @property
    def banner(self) -> WrapLabel:
        """The trash banner above the table, made the first time the trash is shown."""
        if self._banner is None:
            self._banner = WrapLabel(self.tr(TRASH_BANNER), self.container)
            self._banner.setObjectName("trashBanner")
            self._banner.setStyleSheet(BANNER_STYLE)
            self._banner.hide()
            self._layout.insertWidget(0, self._banner)
        return self._banner

    @property
    def hint(self) -> WrapLabel:
        """The hint label, made the first time it is needed: a workspace with rows never shows one, and
        the first look at the table's viewport from Python costs ~8 ms of PySide type set-up that the
        window's creation would otherwise pay."""
        if self._hint is None:
            viewport = self.table.viewport()
            self._hint = WrapLabel("", viewport)
            self._hint.setObjectName("emptyTableHint")
            self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._hint.setStyleSheet(MUTED_STYLE)
            self._hint.setFrameShape(QFrame.Shape.NoFrame)
            self._hint.hide()
            viewport.installEventFilter(self)
        return self._hint

    def set_trash(self, on: bool) -> None:
        if on or self._banner is not None:
            self.banner.setVisible(on)

    def set_hint(self, text: str) -> None:
        if not text and self._hint is None:
            return
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        self._place()

    def _place(self) -> None:
        viewport = self.table.viewport()
        width = min(viewport.width() - 40, 520)
        self.hint.setFixedWidth(max(width, 120))
        height = self.hint.heightForWidth(self.hint.width())
        self.hint.setFixedHeight(max(height, 20))
        self.hint.move((viewport.width() - self.hint.width()) // 2, max(24, viewport.height() // 4))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self._hint is not None and self._hint.isVisible():
            self._place()
        return False


def hint_for(*, shown: int, total: int, trash: bool, loading: bool) -> str:
    """The empty table's hint, or "" when rows are shown (or still coming)."""
    if shown or loading:
        return ""
    if trash:
        return HINT_TRASH_EMPTY
    return HINT_FILTERED if total else HINT_EMPTY
