"""The notification centre: missed notifications kept in the workspace, read/unread, jump to the profile.

Also the bridge for desktop notifications: the notifications service calls hooks from whatever
thread made the notification; the bridge hands them to the GUI thread, which shows them in the
system tray where one exists and skips them silently where none does.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont
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

from socialdesk.services import notifications as notifications_service
from socialdesk.services.notifications import NotificationView
from socialdesk.services.workspace import Workspace
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import icon

IdRole = Qt.ItemDataRole.UserRole + 1
ProfileRole = Qt.ItemDataRole.UserRole + 2


class NotificationCentre(QDialog):
    """Lists notifications, newest first; unread ones in bold."""

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

    def reload(self) -> None:
        with self.workspace.session() as s:
            entries = notifications_service.list_notifications(s)
            unread = notifications_service.unread_count(s)
        self.list.clear()
        bold = QFont(self.list.font())
        bold.setBold(True)
        for n in entries:
            item = QListWidgetItem(f"{n.created_at:%Y-%m-%d %H:%M}  {n.text}", self.list)
            item.setData(IdRole, n.id)
            item.setData(ProfileRole, n.profile_id)
            if not n.read:
                item.setFont(bold)
            item.setToolTip(self.tr("Unread") if not n.read else self.tr("Read"))
        if not entries:
            empty = QListWidgetItem(
                self.tr("No notifications. Expired connections will show up here."), self.list
            )
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
        self.summary.setText(
            plural(unread, "{n} unread notification", "{n} unread notifications") if entries else ""
        )
        self.mark_all_button.setEnabled(unread > 0)
        self._selection_changed()

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
            with self.workspace.session() as s:
                notifications_service.mark_read(s, ids)
            self.reload()
            self.changed.emit()

    def mark_all_read(self) -> None:
        with self.workspace.session() as s:
            notifications_service.mark_all_read(s)
        self.reload()
        self.changed.emit()

    def _open(self, item: QListWidgetItem | None) -> None:
        if item is None or item.data(ProfileRole) is None:
            return
        notification_id = item.data(IdRole)
        if notification_id is not None:
            with self.workspace.session() as s:
                notifications_service.mark_read(s, [int(notification_id)])
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
        self._unregister = notifications_service.register_desktop_hook(self._hook)

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
