"""The main window's actions, menus, toolbar, table context menu and Help menu.

Built once per window (``MainMenus(window)``); the actions keep the object names of
docs/interfaces.md (``actionShare``, ``actionSettings``...). A disabled action says why in its tooltip,
and the menus show those tooltips.
"""

from __future__ import annotations

import sys
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk import __version__
from socialdesk.ui.resources import icon

if TYPE_CHECKING:
    from socialdesk.ui.main_window import MainWindow

#: (object name, text, shortcut, reason it is not available yet — None when it works)
ACTIONS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("actionAddProfile", "Add profiles…", "Ctrl+N", None),
    ("actionAddPublicProfile", "Add public profile…", "Ctrl+Shift+N", None),
    ("actionShare", "Share…", None, None),
    ("actionStopSharing", "Stop sharing…", None, None),
    ("actionClaimOwnership", "Claim ownership…", None, None),
    ("actionRemoveOwnership", "Remove my ownership…", None, None),
    ("actionDelete", "Delete…", "Del", None),
    ("actionRestore", "Restore", None, None),
    ("actionReconnect", "Re-connect", "Ctrl+R", None),
    ("actionBulkReconnect", "Re-connect many…", "Ctrl+Shift+R", None),
    ("actionGroups", "Groups…", "Ctrl+G", None),
    ("actionExport", "Export…", "Ctrl+E", None),
    ("actionExportSelected", "Export selected profiles…", "Ctrl+Shift+E", None),
    ("actionImport", "Import…", "Ctrl+I", None),
    ("actionProfileManager", "Profile manager…", "Ctrl+M", None),
    ("actionMembers", "Team members…", None, None),
)  # fmt: skip

#: The table's context menu, in groups (None = a separator); "Add to group" follows the first group's end.
CONTEXT_MENU: tuple[str | None, ...] = (
    "actionProfileManager",
    None,
    "actionShare",
    "actionStopSharing",
    "actionClaimOwnership",
    "actionRemoveOwnership",
    None,
    "actionReconnect",
    "actionBulkReconnect",
    None,
    "actionDelete",
    "actionRestore",
    None,
    "actionAddProfile",
    "actionAddPublicProfile",
    "actionImport",
    "actionExport",
    "actionExportSelected",
    None,
    "actionGroups",
    "actionMembers",
)
#: Where "Add to group" goes in the context menu: after this action.
ADD_TO_GROUP_AFTER = "actionGroups"


def preferences_shortcuts() -> list[QKeySequence]:
    """The platform's Preferences key, with Ctrl+, as well where the platform has none or another one
    (GNOME has none; KDE uses Ctrl+Shift+,)."""
    keys = list(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences))
    fallback = QKeySequence("Ctrl+,")
    if not any(k.matches(fallback) == QKeySequence.SequenceMatch.ExactMatch for k in keys):
        keys.append(fallback)
    return keys


class MainMenus:
    """Builds and holds the window's own actions (those not in ``ACTIONS``) and its bars."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._build_actions()

    def _make(self, name: str, text: str, slot: object = None, *, shortcut: object = None) -> QAction:
        window = self.window
        action = QAction(window.tr(text), window)
        action.setObjectName(name)
        if isinstance(shortcut, QKeySequence.StandardKey | str):
            action.setShortcut(QKeySequence(shortcut))
        if callable(slot):
            action.triggered.connect(lambda _checked=False, s=slot: s())
        return action

    def _build_actions(self) -> None:
        w = self.window
        for name, text, shortcut, not_yet in ACTIONS:
            action = QAction(w.tr(text), w)
            action.setObjectName(name)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            if not_yet:
                action.setEnabled(False)
                action.setToolTip(w.tr(not_yet))
                action.setStatusTip(w.tr(not_yet))
            w.actions_by_name[name] = action
        w.action_find = self._make(
            "actionFind",
            "Find",
            lambda: w.filter_panel.focus_search(),
            shortcut=QKeySequence.StandardKey.Find,
        )
        w.action_clear_filters = self._make(
            "actionClearFilters", "Clear filters", lambda: w.filter_panel.clear(), shortcut="Ctrl+Shift+L"
        )
        w.action_refresh = self._make(
            "actionRefresh", "Reload", w.reload, shortcut=QKeySequence.StandardKey.Refresh
        )
        w.action_load_demo = self._make("actionLoadDemo", "Load the demo workspace", w.load_demo)
        w.action_show_trash = self._make("actionShowTrash", "Show deleted profiles")
        w.action_show_trash.setCheckable(True)
        w.action_show_trash.toggled.connect(w._toggle_trash)
        w.action_settings = self._make("actionSettings", "Settings…", w.show_settings)
        w.action_settings.setShortcuts(preferences_shortcuts())
        w.action_check = self._make("actionCheckConnections", "Check connections now", w.check_now)
        w.action_notifications = self._make("actionNotifications", "Notifications…", w.show_notifications)
        w.action_quit = self._make("actionQuit", "Quit", w.close, shortcut=QKeySequence.StandardKey.Quit)
        w.action_about = self._make("actionAbout", "About SocialDesk", self.about)
        w.action_about.setMenuRole(QAction.MenuRole.AboutRole)
        w.action_shortcuts = self._make("actionShortcuts", "Keyboard shortcuts", self.shortcuts)
        w.action_open_data_folder = self._make(
            "actionOpenDataFolder", "Open the data folder", self.open_data_folder
        )
        w.action_open_log = self._make("actionOpenLog", "Open the log", self.open_log)
        for action in (
            w.action_find,
            w.action_clear_filters,
            w.action_refresh,
            w.action_quit,
            w.action_settings,
        ):
            w.addAction(action)

    # -- bars ---------------------------------------------------------------------------------------------

    def build(self) -> None:
        self._build_menus()
        self._build_toolbar()
        self._build_context_menu()

    def _menu(self, title: str) -> QMenu:
        menu = self.window.menuBar().addMenu(self.window.tr(title))
        menu.setToolTipsVisible(True)  # a disabled item says why, as in the toolbar
        return menu

    def _add(self, container: QMenu | QToolBar, names: tuple[str | None, ...]) -> None:
        for name in names:
            if name is None:
                container.addSeparator()
            else:
                container.addAction(self.window.action(name))

    def _build_menus(self) -> None:
        w = self.window
        file_menu = self._menu("&File")
        file_menu.addAction(w.action_load_demo)
        file_menu.addAction(w.action("actionExport"))
        file_menu.addAction(w.action("actionExportSelected"))
        file_menu.addAction(w.action("actionImport"))
        file_menu.addSeparator()
        file_menu.addAction(w.action_quit)
        profiles = self._menu("&Profiles")
        self._add(
            profiles,
            (
                "actionAddProfile", "actionAddPublicProfile", None, "actionShare", "actionStopSharing",
                "actionClaimOwnership", "actionRemoveOwnership", "actionDelete", "actionRestore", None,
                "actionReconnect", "actionBulkReconnect",
            ),
        )  # fmt: skip
        view = self._menu("&View")
        w.action_show_filters = self._pane_toggle(
            "actionShowFilters", "Filter panel", "Ctrl+Shift+F", w.filter_panel
        )
        w.action_show_details = self._pane_toggle(
            "actionShowDetails", "Details pane", "Ctrl+Shift+D", w.details
        )
        for item in (
            w.action_show_filters, w.action_show_details, None, w.action_show_trash, None, w.action_find,
            w.action_clear_filters, w.action_refresh,
        ):  # fmt: skip
            view.addAction(item) if item is not None else view.addSeparator()
        tools = self._menu("&Tools")
        self._add(tools, ("actionGroups", "actionProfileManager", "actionMembers"))
        tools.addSeparator()
        for item in (w.action_check, w.action_notifications, w.action_settings):
            tools.addAction(item)
        help_menu = self._menu("&Help")
        help_menu.setObjectName("helpMenu")
        help_items = (
            w.action_shortcuts,
            None,
            w.action_open_data_folder,
            w.action_open_log,
            None,
            w.action_about,
        )
        for item in help_items:
            help_menu.addAction(item) if item is not None else help_menu.addSeparator()

    def _pane_toggle(self, name: str, text: str, shortcut: str, pane: QWidget) -> QAction:
        """A checkable View action that shows or hides a side pane (hidden panes give the table room)."""
        action = self._make(name, text, shortcut=shortcut)
        action.setCheckable(True)
        action.setChecked(True)
        action.toggled.connect(pane.setVisible)
        self.window.addAction(action)
        return action

    def _build_toolbar(self) -> None:
        w = self.window
        toolbar = QToolBar(w.tr("Main toolbar"), w)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._add(
            toolbar,
            (
                "actionAddProfile", "actionAddPublicProfile", None, "actionShare", "actionDelete",
                "actionRestore", None, "actionReconnect", "actionBulkReconnect", None, "actionGroups",
                "actionExport", "actionProfileManager", "actionMembers",
            ),
        )  # fmt: skip
        bar = w.menuBar()
        # The notification button sits in the menu bar's corner, where a narrow window never hides it.
        button = QToolButton(bar)
        button.setObjectName("notificationButton")
        button.setIcon(icon("bell"))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAccessibleName(w.tr("Notifications"))
        button.clicked.connect(w.show_notifications)
        button.setAutoRaise(True)
        button.setIconSize(QSize(16, 16))
        # Room for the bell and up to "99,999" from the start: the corner of a menu bar is laid out once.
        button.setMinimumWidth(button.fontMetrics().horizontalAdvance("99,999") + 40)
        corner = QWidget(bar)
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 8, 0)
        corner_layout.addWidget(button)
        bar.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        w.notification_button = button
        w.addToolBar(toolbar)

    def _build_context_menu(self) -> None:
        """The table's context menu: its actions in groups, with separators between the groups."""
        table = self.window.table
        for name in CONTEXT_MENU:
            if name is None:
                separator = QAction(table)
                separator.setSeparator(True)
                table.addAction(separator)
            else:
                table.addAction(self.window.action(name))

    def add_to_context_menu(self, action: QAction) -> None:
        """Put an action (the "Add to group" menu) right after ``ADD_TO_GROUP_AFTER``."""
        table = self.window.table
        actions = table.actions()
        anchor = self.window.action(ADD_TO_GROUP_AFTER)
        index = actions.index(anchor) if anchor in actions else len(actions) - 1
        before = actions[index + 1] if index + 1 < len(actions) else None
        table.insertAction(before, action) if before is not None else table.addAction(action)

    # -- Help ---------------------------------------------------------------------------------------------

    def about(self) -> QMessageBox:
        w = self.window
        box = QMessageBox(w)
        box.setObjectName("aboutBox")
        box.setWindowTitle(w.tr("About SocialDesk"))
        box.setIcon(QMessageBox.Icon.Information)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(
            f"<h3>SocialDesk {escape(__version__)}</h3>"
            f"<p>{escape(w.tr('Every social profile of the organisation in one window.'))}</p>"
            f"<p>{escape(w.tr('Workspace folder'))}: {escape(str(w.data_dir))}<br>"
            f"Python {escape(sys.version.split()[0])}</p>"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.open()
        return box

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(what, keys) of every action with a shortcut, as the Keyboard shortcuts list shows them."""
        w = self.window
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for action in [*w.actions_by_name.values(), *w.actions()]:
            native = QKeySequence.SequenceFormat.NativeText
            keys = [k.toString(native) for k in action.shortcuts() if not k.isEmpty()]
            name = action.text().replace("&", "").replace("…", "")
            if keys and name not in seen:
                seen.add(name)
                rows.append((name, ", ".join(keys)))
        rows += [
            (w.tr("Open the selected profile's details"), w.tr("Enter, or double-click")),
            (w.tr("Next pane (table, details, filters)"), w.tr("Tab")),
            (w.tr("Select all shown profiles"), QKeySequence(QKeySequence.StandardKey.SelectAll).toString()),
        ]
        return rows

    def shortcuts(self) -> QDialog:
        w = self.window
        dialog = QDialog(w)
        dialog.setObjectName("shortcutsDialog")
        dialog.setWindowTitle(w.tr("Keyboard shortcuts"))
        layout = QVBoxLayout(dialog)
        rows = self.shortcut_rows()
        table = QTableWidget(len(rows), 2, dialog)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels([w.tr("Action"), w.tr("Keys")])
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (what, keys) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(what))
            table.setItem(r, 1, QTableWidgetItem(keys))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(520, 560)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_data_folder(self) -> bool:
        return open_url(QUrl.fromLocalFile(str(self.window.data_dir)))

    def open_log(self) -> bool:
        from socialdesk.ui import app_log

        path = app_log.current_path() or app_log.log_path()
        if not path.exists():
            message = self.window.tr("There is no log file yet ({0})").format(path)
            self.window.statusBar().showMessage(message, 8000)
            return False
        return open_url(QUrl.fromLocalFile(str(path)))


def open_url(url: QUrl) -> bool:
    """Open a folder or file with the desktop's application (patched in tests)."""
    return QDesktopServices.openUrl(url)
