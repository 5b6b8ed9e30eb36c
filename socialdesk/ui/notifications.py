"""The notification centre: missed notifications kept in the workspace, read/unread, jump to the profile.

Also the bridge for desktop notifications: the notifications service calls hooks from whatever
thread made the notification; the bridge hands them to the GUI thread, which shows them in the
system tray where one exists and skips them silently where none does.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, QSize, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socialdesk.ops import notifications as ops_notifications
from socialdesk.ops.changes import Done
from socialdesk.ops.notifications import NotificationView, Workspace
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import changes, run_op
from socialdesk.ui.resources import icon
from socialdesk.ui.style import MUTED

log = logging.getLogger(__name__)

IdRole = Qt.ItemDataRole.UserRole + 1
ProfileRole = Qt.ItemDataRole.UserRole + 2
UnreadRole = Qt.ItemDataRole.UserRole + 3

UNREAD_DOT = "#1E5AA8"
#: The profile's name in a notification's sentence (the service quotes it “like this”).
_QUOTED_NAME = re.compile("\u201c([^\u201d]+)\u201d")


def local_time(moment: datetime) -> datetime:
    """Stored times are UTC (naive ones too); the centre shows the user's local time."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone()


def entry_html(view: NotificationView, when: datetime) -> str:
    """One entry: an unread dot, the time, and the sentence with the profile's name as a link."""
    text = html.escape(view.text, quote=False)
    if view.profile_id is not None:
        text = _QUOTED_NAME.sub(
            lambda m: f'<a href="profile:{view.profile_id}">{m.group(1)}</a>', text, count=1
        )
    time = QLocale().toString(QTime(when.hour, when.minute), QLocale.FormatType.ShortFormat)
    dot_colour = UNREAD_DOT if not view.read else "transparent"
    stamp = f"<b>{time}</b>" if not view.read else f'<span style="color:{MUTED}">{time}</span>'
    return f'<span style="color:{dot_colour}">\u25cf</span>&nbsp;{stamp}&nbsp;&nbsp;{text}'


class NotificationCentre(QDialog):
    """Lists notifications newest first, under a heading per day; unread ones have a dot and a bold time.

    The profile's name in each entry is a link that selects the profile in the main window (as does
    Enter or a double-click on the entry).
    """

    #: The user wants to see this profile in the list.
    profileRequested = Signal(int)
    #: Read states changed (the window updates its unread count).
    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("notificationCentre")
        self.setWindowTitle(self.tr("Notifications"))
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("notificationSummary")
        layout.addWidget(self.summary)
        self.list = QListWidget(self)
        self.list.setObjectName("notificationList")
        self.list.setAccessibleName(self.tr("Notifications"))
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.itemActivated.connect(self._open)
        self.list.viewport().installEventFilter(self)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.mark_read_button = QPushButton(self.tr("Mark as read"), self)
        self.mark_read_button.setObjectName("markReadButton")
        self.mark_all_button = QPushButton(self.tr("Mark all as read"), self)
        self.mark_all_button.setObjectName("markAllReadButton")
        self.show_button = QPushButton(self.tr("Show profile"), self)
        self.show_button.setObjectName("showProfileButton")
        row.addWidget(self.show_button)
        row.addStretch(1)
        row.addWidget(self.mark_read_button)
        row.addWidget(self.mark_all_button)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.mark_read_button.clicked.connect(self.mark_selected_read)
        self.mark_all_button.clicked.connect(self.mark_all_read)
        self.show_button.clicked.connect(lambda: self._open(self.list.currentItem()))
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.resize(560, 440)
        self.reload()

    def day_heading(self, day: date, today: date) -> str:
        if day == today:
            return self.tr("Today")
        if day == today - timedelta(days=1):
            return self.tr("Yesterday")
        return QLocale().toString(QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat)

    def entry_items(self) -> list[QListWidgetItem]:
        """The notifications' rows (not the day headings), top to bottom."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return [item for item in items if item.data(IdRole) is not None]

    def reload(self) -> None:
        entries = ops_notifications.notifications(self.workspace)
        unread = sum(1 for n in entries if not n.read)
        self.list.clear()
        today = datetime.now().astimezone().date()
        current_day: date | None = None
        for n in entries:
            when = local_time(n.created_at)
            if when.date() != current_day:
                current_day = when.date()
                heading = QListWidgetItem(self.day_heading(current_day, today), self.list)
                heading.setFlags(Qt.ItemFlag.NoItemFlags)
                font = heading.font()
                font.setBold(True)
                heading.setFont(font)
                heading.setForeground(self.palette().placeholderText())
            item = QListWidgetItem(self.list)
            item.setData(IdRole, n.id)
            item.setData(ProfileRole, n.profile_id)
            item.setData(UnreadRole, not n.read)
            state = self.tr("Unread") if not n.read else self.tr("Read")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{state}: {n.text}")
            item.setToolTip(state)
            label = QLabel(entry_html(n, when), self.list)
            label.setObjectName("notificationEntry")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
            label.setContentsMargins(6, 3, 6, 3)
            label.linkActivated.connect(lambda _link, it=item: self._open(it))
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
            self.list.setItemWidget(item, label)
        self._fit_entries()
        if not entries:
            empty = QListWidgetItem(
                self.tr("No notifications. Expired connections will show up here."), self.list
            )
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
        self.summary.setText(
            plural("%Ln unread notification(s)", unread) if entries else ""
        )
        self.mark_all_button.setEnabled(unread > 0)
        self._selection_changed()

    def _fit_entries(self) -> None:
        """Give each wrapped entry the height its text needs at the list's current width."""
        width = max(120, self.list.viewport().width() - 4)
        for item in self.entry_items():
            label = self.list.itemWidget(item)
            if label is not None:
                item.setSizeHint(QSize(width, label.heightForWidth(width)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_entries()
        return super().eventFilter(watched, event)

    def _selected_ids(self) -> list[int]:
        return [int(i.data(IdRole)) for i in self.list.selectedItems() if i.data(IdRole) is not None]

    def _selection_changed(self) -> None:
        ids = self._selected_ids()
        self.mark_read_button.setEnabled(bool(ids))
        current = self.list.currentItem()
        self.show_button.setEnabled(current is not None and current.data(ProfileRole) is not None)

    def mark_selected_read(self) -> None:
        ids = self._selected_ids()
        if ids:
            self._apply(lambda: ops_notifications.mark_read(self.workspace, ids))

    def mark_all_read(self) -> None:
        self._apply(lambda: ops_notifications.mark_all_read(self.workspace))

    def _apply(self, operation: Callable[[], Done[int]]) -> None:
        """Mark read off the GUI thread; the list shows it when written (``changed`` then)."""

        def done(_count: int) -> None:
            if isValid(self):
                self.reload()
                self.changed.emit()

        run_op(operation, done, self._failed)

    def _failed(self, exc: BaseException, details: str) -> None:
        log.error("Marking notifications read failed: %s\n%s", exc, details)
        if isValid(self):
            self.summary.setText(self.tr("Could not mark as read: {0}").format(exc))

    def _open(self, item: QListWidgetItem | None) -> None:
        if item is None or item.data(ProfileRole) is None:
            return
        notification_id = item.data(IdRole)
        if notification_id is not None:
            # One row, written before the centre closes (a worker's answer would find it gone).
            changes().publish(ops_notifications.mark_read(self.workspace, [int(notification_id)]).change)
            self.changed.emit()
        self.profileRequested.emit(int(item.data(ProfileRole)))
        self.accept()


class DesktopNotifier(QObject):
    """Shows desktop notifications through the system tray; silently does nothing without one."""

    _arrived = Signal(object)
    #: Emitted on the GUI thread for each notification (the window refreshes its count).
    shown = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("bell"), self)
            self.tray.setToolTip("SocialDesk")
            self.tray.show()
        self._arrived.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._unregister = ops_notifications.register_desktop_hook(self._hook)

    def _hook(self, view: NotificationView) -> None:
        # Any thread: hand over to the GUI thread.
        self._arrived.emit(view)

    def _show(self, view: NotificationView) -> None:
        if self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage("SocialDesk", view.text, QSystemTrayIcon.MessageIcon.Warning, 10000)
        self.shown.emit(view)

    def close(self) -> None:
        self._unregister()
        if self.tray is not None:
            self.tray.hide()
