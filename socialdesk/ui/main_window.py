"""The main window: filter panel, profile table, details pane, actions and status bar.

It opens without blocking: the profile rows load in a worker thread and arrive by signal. An empty
workspace shows an offer to load the demo inside the window; a workspace that cannot be opened
shows why, also inside the window.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select

from socialdesk.models.catalogue import ConnectionState, ConnectionType, Ownership, Status
from socialdesk.models.schema import Group, Member, Notification
from socialdesk.services import health
from socialdesk.services import notifications as notifications_service
from socialdesk.services.errors import WorkspaceError
from socialdesk.services.oauth import OAuthService
from socialdesk.services.providers import load_providers
from socialdesk.services.query import ProfileFilter, ProfileRows
from socialdesk.services.tokens import TokenStore
from socialdesk.services.workspace import Workspace
from socialdesk.ui.details_pane import DetailsPane
from socialdesk.ui.export_dialog import ExportDialog
from socialdesk.ui.filter_panel import FilterPanel
from socialdesk.ui.groups_dialog import AddToGroupMenu, GroupsDialog
from socialdesk.ui.i18n import plural
from socialdesk.ui.import_dialog import ImportDialog
from socialdesk.ui.members import WhoAreYouPage
from socialdesk.ui.notifications import DesktopNotifier, NotificationCentre
from socialdesk.ui.profile_actions import ProfileActions
from socialdesk.ui.profile_manager import gear_icon, open_profile_manager
from socialdesk.ui.profile_model import ProfileTableModel
from socialdesk.ui.profile_table import ProfileTableView
from socialdesk.ui.push_queue import PushQueue
from socialdesk.ui.resources import icon
from socialdesk.ui.settings_dialog import SettingsDialog
from socialdesk.ui.workers import run_in_thread

log = logging.getLogger(__name__)

UI_STATE_FILE = "socialdesk-ui.ini"
COUNTS_DELAY_MS = 120
#: The first connection check starts once the rows are shown and no input came for this long.
FIRST_CHECK_IDLE_MS = 1500
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
    }
)
#: Beyond this many selected rows the bulk actions apply to the first ones only.

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
    ("actionImport", "Import…", "Ctrl+I", None),
    ("actionProfileManager", "Profile manager…", "Ctrl+M", None),
    ("actionMembers", "Team members…", None, None),
)  # fmt: skip


def filter_to_json(flt: ProfileFilter) -> str:
    return json.dumps(
        {
            "ownership": sorted(o.value for o in flt.ownership),
            "status": sorted(s.value for s in flt.status),
            "platform": sorted(flt.platform),
            "connection_types": sorted([t.value, s.value if s else None] for t, s in flt.connection_types),
            "groups": sorted(flt.groups),
            "owners": sorted(flt.owners),
            "search": flt.search,
        }
    )


def filter_from_json(text: str) -> ProfileFilter:
    """The saved filter; anything unreadable is dropped rather than failing the start."""
    try:
        data = json.loads(text)
        return ProfileFilter(
            ownership={Ownership(v) for v in data.get("ownership", [])},
            status={Status(v) for v in data.get("status", [])},
            platform=set(data.get("platform", [])),
            connection_types={
                (ConnectionType(t), ConnectionState(s) if s else None)
                for t, s in data.get("connection_types", [])
            },
            groups=set(data.get("groups", [])),
            owners=set(data.get("owners", [])),
            search=str(data.get("search", "")),
        )
    except (ValueError, TypeError, AttributeError):
        log.warning("Ignoring an unreadable saved filter")
        return ProfileFilter()


class MainWindow(QMainWindow):
    #: Emitted each time profile rows have been (re)loaded and shown.
    rowsLoaded = Signal()
    #: Emitted with the report after each connection health check.
    healthChecked = Signal(object)
    #: Emitted when a connection health check starts (in a worker).
    healthCheckStarted = Signal()
    #: Emitted once the workspace is open and wired (``open`` opens it in a worker).
    workspaceOpened = Signal()

    def __init__(self, data_dir: Path, workspace: Workspace | None, error: str | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.workspace = workspace
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("SocialDesk — {0}").format(data_dir))
        self.resize(1360, 820)
        self.setMinimumSize(760, 480)
        self.actions_by_name: dict[str, QAction] = {}
        self.model = ProfileTableModel(self)
        self._loading = False
        self._closing = False
        self._started_empty = False
        self.trash = False
        self._tokens: TokenStore | None = None
        self._checking = False
        self.last_health_report: health.HealthReport | None = None
        self._health_timer = QTimer(self)
        self._health_timer.timeout.connect(self.run_health_check)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_DELAY_MS)
        self._counts_timer.timeout.connect(self._update_counts)

        self._build_actions()
        self._build_central()
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self.settings: QSettings | None = None
        self._idle_check = QTimer(self)
        self._idle_check.setSingleShot(True)
        self._idle_check.setInterval(FIRST_CHECK_IDLE_MS)
        self._idle_check.timeout.connect(self._first_check_when_idle)
        self._first_check_pending = True
        self._added_profile: int | None = None  # select it once the reload has it
        if error is not None:
            self._show_error(error)
            return
        if workspace is not None:
            self._attach(workspace)
        else:
            # The workspace opens in a worker (see ``open``): until then nothing can act on it.
            self.status_count.setText(self.tr("Loading profiles…"))
            for action in self.actions_by_name.values():
                action.setEnabled(False)
            self.action_load_demo.setEnabled(False)

    def _attach(self, workspace: Workspace) -> None:
        """Wire everything that needs the open workspace, then load the rows (in a worker)."""
        if self._closing:
            workspace.close()
            return
        self.workspace = workspace
        self.action_load_demo.setEnabled(True)
        self.profile_actions = ProfileActions(self, workspace, self.actions_by_name)
        self.profile_actions.changed.connect(self._on_profiles_changed)
        self.profile_actions.added.connect(self._select_when_loaded)
        self.profile_actions.teamChanged.connect(self.reload)
        self.profile_actions.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.push_queue = PushQueue.attach(self, workspace)  # settings pushes: after rows, timer, re-connect
        self.details.saveRequested.connect(self._save_edits)
        self.details.historyRequested.connect(self.profile_actions.history)
        self.details.settingsRequested.connect(self.open_profile_manager)
        self.details.connectRequested.connect(self.profile_actions.connect_one)
        self.details.set_gear_icon(gear_icon())
        # Pairs whose labels fit side by side in the pane's narrowest width.
        self.details.set_actions(
            [
                [self.action("actionShare"), self.action("actionStopSharing")],
                [self.action("actionDelete"), self.action("actionRestore")],
                [self.action("actionReconnect"), self.action("actionClaimOwnership")],
                [self.action("actionRemoveOwnership")],
            ]
        )
        for name, enabled in (("actionGroups", True), ("actionProfileManager", True), ("actionExport", True)):
            self.action(name).setEnabled(enabled)
        self.action("actionImport").setEnabled(True)
        self.action("actionGroups").triggered.connect(self.open_groups)
        self.action("actionProfileManager").triggered.connect(lambda: self.open_profile_manager())
        self.action("actionExport").triggered.connect(self.open_export)
        self.action("actionImport").triggered.connect(self.open_import)
        self.add_to_group = AddToGroupMenu(workspace, self._selected_ids, self._group_added, self)
        self.table.addAction(self.add_to_group.menuAction())
        self.desktop_notifier = DesktopNotifier(self)
        self.desktop_notifier.shown.connect(self._refresh_unread)
        self.who_page = WhoAreYouPage(workspace, self)
        self.who_page.chosen.connect(lambda _id: self.reload())
        self.stack.addWidget(self.who_page)
        self.settings = QSettings(str(self.data_dir / UI_STATE_FILE), QSettings.Format.IniFormat)
        self._restore_state()
        self.reload()
        # The first check waits until the rows are shown and the window has been idle for a moment
        # (``_on_loaded``); then it runs on the interval from Settings.
        self._schedule_health_check()
        self.workspaceOpened.emit()

    @classmethod
    def open(cls, data_dir: Path) -> MainWindow:
        """The window at once; the workspace opens (inspected, migrated, checked) in a worker.

        At 1,000,000 profiles opening and checking the file takes longer than a window may take
        to appear, so the window shows "Loading profiles…" and fills in when the workspace is open.
        """
        window = cls(data_dir, None)

        def opened(workspace: Workspace) -> None:
            window._attach(workspace)

        def failed(exc: BaseException, details: str) -> None:
            if isinstance(exc, WorkspaceError):
                window._show_error(str(exc))
            else:
                log.error("Opening the workspace failed: %s\n%s", exc, details)
                window._show_error(window.tr("The workspace could not be opened: {0}").format(exc))

        run_in_thread(lambda: Workspace.open(data_dir, create=True), opened, failed)
        return window

    # -- building --------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        for name, text, shortcut, not_yet in ACTIONS:
            action = QAction(self.tr(text), self)
            action.setObjectName(name)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            if not_yet:
                action.setEnabled(False)
                action.setToolTip(self.tr(not_yet))
                action.setStatusTip(self.tr(not_yet))
            self.actions_by_name[name] = action
        self.action_find = QAction(self.tr("Find"), self)
        self.action_find.setObjectName("actionFind")
        self.action_find.setShortcut(QKeySequence.StandardKey.Find)
        self.action_find.triggered.connect(lambda: self.filter_panel.focus_search())
        self.action_clear_filters = QAction(self.tr("Clear filters"), self)
        self.action_clear_filters.setObjectName("actionClearFilters")
        self.action_clear_filters.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.action_clear_filters.triggered.connect(lambda: self.filter_panel.clear())
        self.action_refresh = QAction(self.tr("Reload"), self)
        self.action_refresh.setObjectName("actionRefresh")
        self.action_refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        self.action_refresh.triggered.connect(self.reload)
        self.action_load_demo = QAction(self.tr("Load the demo workspace"), self)
        self.action_load_demo.setObjectName("actionLoadDemo")
        self.action_load_demo.triggered.connect(self.load_demo)
        self.action_show_trash = QAction(self.tr("Show deleted profiles"), self)
        self.action_show_trash.setObjectName("actionShowTrash")
        self.action_show_trash.setCheckable(True)
        self.action_show_trash.toggled.connect(self._toggle_trash)
        self.action_settings = QAction(self.tr("Settings…"), self)
        self.action_settings.setObjectName("actionSettings")
        self.action_settings.setShortcut(QKeySequence.StandardKey.Preferences)
        self.action_settings.triggered.connect(self.show_settings)
        self.action_check = QAction(self.tr("Check connections now"), self)
        self.action_check.setObjectName("actionCheckConnections")
        self.action_check.triggered.connect(self.run_health_check)
        self.action_notifications = QAction(self.tr("Notifications…"), self)
        self.action_notifications.setObjectName("actionNotifications")
        self.action_notifications.triggered.connect(self.show_notifications)
        self.action_quit = QAction(self.tr("Quit"), self)
        self.action_quit.setObjectName("actionQuit")
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.action_quit.triggered.connect(self.close)
        for action in (self.action_find, self.action_clear_filters, self.action_refresh, self.action_quit):
            self.addAction(action)

    def action(self, name: str) -> QAction:
        return self.actions_by_name[name]

    def _build_central(self) -> None:
        self.stack = QStackedWidget(self)
        self.filter_panel = FilterPanel(self)
        self.filter_panel.changed.connect(self._on_filter_changed)
        self.table = ProfileTableView(self.model, self)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_selection_changed)
        self.model.layoutChanged.connect(self._on_selection_changed)
        self.details = DetailsPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.filter_panel)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([260, 820, 270])
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(2, True)
        self.stack.addWidget(self.splitter)
        self.empty_page = self._build_empty_page()
        self.stack.addWidget(self.empty_page)
        self.error_page = QWidget(self)
        error_layout = QVBoxLayout(self.error_page)
        error_layout.addStretch(1)
        self.error_label = QLabel(self.error_page)
        self.error_label.setObjectName("workspaceMessage")
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setMaximumWidth(640)
        error_layout.addWidget(self.error_label, 0, Qt.AlignmentFlag.AlignHCenter)
        error_layout.addStretch(2)
        self.stack.addWidget(self.error_page)
        self.setCentralWidget(self.stack)
        for action in self.actions_by_name.values():
            self.table.addAction(action)
        self.setTabOrder(self.filter_panel.search, self.table)

    def _build_empty_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("emptyWorkspacePage")
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        title = QLabel(self.tr("Welcome to SocialDesk"), page)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            self.tr(
                "This workspace has no profiles yet. Load the demo to look around: a team, profiles on every "
                "platform in every state, groups and settings. Or start empty and add your own."
            ),
            page,
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A word-wrapped label placed with an alignment gets its one-line height: give it its real one.
        text.setFixedWidth(560)
        text.setMinimumHeight(text.heightForWidth(560))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.load_demo_button = QPushButton(self.tr("Load the demo workspace"), page)
        self.load_demo_button.setObjectName("loadDemoButton")
        self.load_demo_button.setDefault(True)
        self.load_demo_button.clicked.connect(self.load_demo)
        self.start_empty_button = QPushButton(self.tr("Start empty"), page)
        self.start_empty_button.setObjectName("startEmptyButton")
        self.start_empty_button.clicked.connect(self._start_empty)
        buttons.addWidget(self.load_demo_button)
        buttons.addWidget(self.start_empty_button)
        buttons.addStretch(1)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addStretch(2)
        return page

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.action_load_demo)
        file_menu.addAction(self.action("actionExport"))
        file_menu.addAction(self.action("actionImport"))
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        profiles = bar.addMenu(self.tr("&Profiles"))
        for name in (
            "actionAddProfile",
            "actionAddPublicProfile",
            None,
            "actionShare",
            "actionStopSharing",
            "actionClaimOwnership",
            "actionRemoveOwnership",
            "actionDelete",
            "actionRestore",
            None,
            "actionReconnect",
            "actionBulkReconnect",
        ):
            if name is None:
                profiles.addSeparator()
            else:
                profiles.addAction(self.action(name))
        view = bar.addMenu(self.tr("&View"))
        self.action_show_filters = self._pane_toggle(
            self.tr("Filter panel"), "Ctrl+Shift+F", self.filter_panel
        )
        self.action_show_filters.setObjectName("actionShowFilters")
        self.action_show_details = self._pane_toggle(self.tr("Details pane"), "Ctrl+Shift+D", self.details)
        self.action_show_details.setObjectName("actionShowDetails")
        view.addAction(self.action_show_filters)
        view.addAction(self.action_show_details)
        view.addSeparator()
        view.addAction(self.action_show_trash)
        view.addSeparator()
        view.addAction(self.action_find)
        view.addAction(self.action_clear_filters)
        view.addAction(self.action_refresh)
        tools = bar.addMenu(self.tr("&Tools"))
        for name in ("actionGroups", "actionProfileManager", "actionMembers"):
            tools.addAction(self.action(name))
        tools.addSeparator()
        tools.addAction(self.action_check)
        tools.addAction(self.action_notifications)
        tools.addAction(self.action_settings)

        toolbar = QToolBar(self.tr("Main toolbar"), self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in (
            "actionAddProfile",
            "actionAddPublicProfile",
            None,
            "actionShare",
            "actionDelete",
            "actionRestore",
            None,
            "actionReconnect",
            "actionBulkReconnect",
            None,
            "actionGroups",
            "actionExport",
            "actionProfileManager",
            "actionMembers",
        ):
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.action(name))
        # The notification button sits in the menu bar's corner, where a narrow window never hides it.
        self.notification_button = QToolButton(bar)
        self.notification_button.setObjectName("notificationButton")
        self.notification_button.setIcon(icon("bell"))
        self.notification_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.notification_button.setAccessibleName(self.tr("Notifications"))
        self.notification_button.clicked.connect(self.show_notifications)
        self.notification_button.setAutoRaise(True)
        self.notification_button.setIconSize(QSize(16, 16))
        # Room for the bell and up to "99,999" from the start: the corner of a menu bar is laid out once.
        digits = self.notification_button.fontMetrics().horizontalAdvance("99,999")
        self.notification_button.setMinimumWidth(digits + 40)
        corner = QWidget(bar)
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(0, 0, 8, 0)
        corner_layout.addWidget(self.notification_button)
        bar.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.addToolBar(toolbar)

    def _pane_toggle(self, text: str, shortcut: str, pane: QWidget) -> QAction:
        """A checkable View action that shows or hides a side pane (hidden panes give the table room)."""
        action = QAction(text, self)
        action.setCheckable(True)
        action.setChecked(True)
        action.setShortcut(QKeySequence(shortcut))
        action.toggled.connect(pane.setVisible)
        self.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        self.status_count = QLabel(self)
        self.status_count.setObjectName("statusCount")
        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("selectionCount")
        self.statusBar().addWidget(self.status_count)
        self.statusBar().addPermanentWidget(self.selection_label)

    # -- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load all rows again in a worker thread; the table keeps showing the old ones meanwhile."""
        if self.workspace is None or self._loading:
            return
        self._loading = True
        self.status_count.setText(self.tr("Loading profiles…"))
        workspace = self.workspace

        trash = self.trash

        def load() -> tuple[ProfileRows, bool, list[str], list[str], int]:
            with workspace.engine.connect() as conn:
                rows = ProfileRows.load(conn, workspace.me_id, deleted=trash)
            with workspace.reading() as s:  # a read: never waits for a writer
                groups = list(s.scalars(select(Group.name).order_by(Group.name_key)))
                members = list(
                    s.scalars(
                        select(Member.name).where(Member.removed_at.is_(None)).order_by(Member.name_key)
                    )
                )
                unread = s.scalar(
                    select(func.count()).select_from(Notification).where(Notification.read.is_(False))
                )
            return rows, workspace.is_empty(), groups, members, int(unread or 0)

        run_in_thread(load, self._on_loaded, self._on_load_failed)

    def _on_loaded(self, result: tuple[ProfileRows, bool, list[str], list[str], int]) -> None:
        self._loading = False
        if self._closing:
            return
        rows, empty, groups, members, unread = result
        snapshot = self.table.selection_snapshot()
        self.filter_panel.set_choices(groups, members)
        self.model.set_rows(rows)
        self.table.restore_selection(snapshot)
        self._select_added()
        assert self.workspace is not None
        if empty and not self._started_empty:
            self._show_page(self.empty_page)
        elif self.workspace.me_id is None:
            self.who_page.reload()
            self._show_page(self.who_page)
        elif self.stack.currentWidget() is not self.splitter:
            self._show_page(self.splitter)
        self._set_unread(unread)
        self._update_status()
        self._on_selection_changed()
        self._counts_timer.start()
        if self._first_check_pending:
            self._wait_for_idle()
        self.rowsLoaded.emit()

    def _select_when_loaded(self, profile_id: int) -> None:
        self._added_profile = profile_id

    def _select_added(self) -> None:
        """A profile just added is selected (and scrolled to) once the rows have it; when the filters hide
        it, the status bar says so instead of leaving the user to look for it."""
        profile_id, self._added_profile = self._added_profile, None
        if profile_id is None:
            return
        if self.table.select_profile(profile_id):
            self.table.setFocus()
        else:
            self.statusBar().showMessage(
                self.tr("The new profile is hidden by the current filters (Ctrl+Shift+L clears them)."), 8000
            )

    def _on_load_failed(self, exc: BaseException, details: str) -> None:
        self._loading = False
        log.error("Loading profiles failed: %s\n%s", exc, details)
        self._show_error(self.tr("The profiles could not be loaded: {0}").format(exc))

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self._show_page(self.error_page)
        self.status_count.setText(self.tr("No workspace open"))
        for action in self.actions_by_name.values():
            action.setEnabled(False)
        self.action_load_demo.setEnabled(False)

    def load_demo(self) -> None:
        if self.workspace is None:
            return
        workspace = self.workspace
        self.load_demo_button.setEnabled(False)
        self.action_load_demo.setEnabled(False)
        self.status_count.setText(self.tr("Loading the demo…"))

        def build() -> dict[str, int]:
            from socialdesk.services.demo import build_demo

            return build_demo(workspace)

        def done(_counts: dict[str, int]) -> None:
            self._show_page(self.splitter)
            self.reload()

        def failed(exc: BaseException, _details: str) -> None:
            self.load_demo_button.setEnabled(True)
            self.statusBar().showMessage(self.tr("The demo could not be loaded: {0}").format(exc), 10000)

        run_in_thread(build, done, failed)

    # -- reacting --------------------------------------------------------------------------------

    def _on_filter_changed(self, flt: ProfileFilter) -> None:
        snapshot = self.table.selection_snapshot()
        self.model.set_filter(flt)
        self.table.restore_selection(snapshot)
        self._update_status()
        self._counts_timer.start()

    def _update_counts(self) -> None:
        if len(self.model.rows):
            self.filter_panel.set_counts(self.model.rows.facet_counts(self.model.filter))

    def _update_status(self) -> None:
        shown, total = self.model.visible_count(), self.model.total_count()
        text = "Showing {0} of {1} deleted profiles" if self.trash else "Showing {0} of {1} profiles"
        # Plain digits: scripts and accessibility tools read "Showing N of M profiles" (docs/interfaces.md).
        self.status_count.setText(self.tr(text).format(shown, total))

    def _on_selection_changed(self, *_args: Any) -> None:
        rows = self.table.selected_rows()
        n = len(rows)
        self.selection_label.setText(plural(n, "{n} selected", "{n} selected") if n else "")
        if self.workspace is None:
            return
        # Bulk actions plan the whole selection off the GUI thread (services.bulk): no cap.
        ids = [self.model.profile_id(r) for r in rows]
        details = self.profile_actions.update(ids, self.trash)
        if details is not None:
            shown = self.details.details
            if shown is not None and shown.id == details.id and self.details.is_dirty():
                return  # keep what the user is typing
            self.details.show_details(details)
        elif n > 1:
            self.details.show_many(self.model.rows, [self.model.source_row(r) for r in rows])
        else:
            self.details.show_nothing()

    def _on_profiles_changed(self, ids: list[int], membership: bool) -> None:
        """Refresh only what a change touched; a change of membership (deleted, added) reloads the list."""
        if self.workspace is None:
            return
        if membership:
            self.reload()
            return
        snapshot = self.table.selection_snapshot()
        with self.workspace.engine.connect() as conn:
            changed = self.model.rows.refresh(conn, ids)
        self.model.refresh_rows(changed)
        self.table.restore_selection(snapshot)
        self._update_status()
        self._counts_timer.start()
        self._on_selection_changed()

    def _save_edits(self, profile_id: int, fields: dict[str, Any]) -> None:
        refusal = self.profile_actions.save_edits(profile_id, fields)
        if refusal is not None:
            self.details.show_error(refusal)
        else:
            self.statusBar().showMessage(self.tr("Saved"), 4000)

    def _show_page(self, page: QWidget) -> None:
        """Switch the central page; the profile actions only make sense on the profiles page."""
        self.stack.setCurrentWidget(page)
        on_profiles = page is self.splitter
        for toolbar in self.findChildren(QToolBar):
            toolbar.setEnabled(on_profiles)

    def _toggle_trash(self, on: bool) -> None:
        self.trash = on
        prefix = self.tr("Deleted profiles — ") if on else ""
        self.setWindowTitle(prefix + self.tr("SocialDesk — {0}").format(self.data_dir))
        self.reload()

    def _start_empty(self) -> None:
        self._started_empty = True
        self.reload()

    def _set_unread(self, unread: int) -> None:
        text = f"{unread:,}" if unread else ""
        self.notification_button.setText(text)
        self.notification_button.setToolTip(
            plural(unread, "{n} unread notification", "{n} unread notifications")
        )

    # -- groups, export, import ------------------------------------------------------------------

    def _selected_ids(self) -> list[int]:
        return [self.model.profile_id(r) for r in self.table.selected_rows()]

    def open_groups(self) -> None:
        if self.workspace is None:
            return
        changed: list[bool] = []
        dialog = GroupsDialog(self.workspace, self, selected_profile_ids=self._selected_ids())
        dialog.groupsChanged.connect(lambda: changed.append(True))
        dialog.exec()
        # Once, after the dialog: a reload while one runs would be skipped and lose the last change.
        if changed:
            self.reload()

    def open_profile_manager(self, profile_id: int | None = None) -> None:
        """The profile manager (one window, reused), on the given or the selected profile."""
        if self.workspace is None:
            return
        if profile_id is None and (ids := self._selected_ids()):
            profile_id = ids[0]
        window = open_profile_manager(self.workspace, self, profile_id)
        if not window.property("wired"):
            window.setProperty("wired", True)
            window.settingsSaved.connect(lambda pid: self._on_profiles_changed([pid], False))

    def open_export(self) -> None:
        if self.workspace is None:
            return
        shown = self.model.source_rows()
        # Modal: the rows must not be refreshed in place while the export reads them.
        ExportDialog(self.workspace, self, rows=self.model.rows, selected_rows=shown).exec()

    def open_import(self) -> None:
        if self.workspace is None:
            return
        dialog = ImportDialog(self.workspace, self)
        dialog.imported.connect(lambda _kind: self.reload())
        dialog.exec()

    def _group_added(self, changed: bool, message: str) -> None:
        self.statusBar().showMessage(message, 8000)
        if changed:
            self.reload()

    def show_notifications(self) -> NotificationCentre | None:
        """The notification centre, non-modal; choosing an entry selects its profile."""
        if self.workspace is None:
            return None
        centre = NotificationCentre(self.workspace, self)
        centre.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        centre.changed.connect(self._refresh_unread)
        centre.profileRequested.connect(self.show_profile)
        centre.show()
        return centre

    def show_profile(self, profile_id: int) -> None:
        """Select a profile in the table, clearing filters that hide it."""
        if self.table.select_profile(profile_id):
            return
        self.filter_panel.set_filter(ProfileFilter(ownership=set(Ownership)))
        self._on_filter_changed(self.filter_panel.filter())
        if not self.table.select_profile(profile_id):
            self.statusBar().showMessage(self.tr("That profile is no longer in the list (deleted?)"), 8000)

    def _refresh_unread(self, *_args: Any) -> None:
        if self.workspace is None or self._closing:
            return
        with self.workspace.session() as s:
            self._set_unread(notifications_service.unread_count(s))

    def show_settings(self) -> SettingsDialog | None:
        if self.workspace is None:
            return None
        dialog = SettingsDialog(self.workspace, self.tokens(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._schedule_health_check)
        dialog.open()
        return dialog

    # -- connection health -----------------------------------------------------------------------

    def tokens(self) -> TokenStore:
        assert self.workspace is not None
        if self._tokens is None:
            self._tokens = TokenStore(self.workspace.workspace_id)
        return self._tokens

    def _schedule_health_check(self) -> None:
        if self.workspace is None:
            return
        with self.workspace.session() as s:
            minutes = health.check_interval(s)
        self._health_timer.start(minutes * 60 * 1000)

    def _wait_for_idle(self) -> None:
        """Start the first check after the rows are shown and the user left the window alone for
        ``FIRST_CHECK_IDLE_MS``: input meanwhile restarts the wait (``eventFilter``)."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._idle_check.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._idle_check.isActive() and event.type() in _INPUT_EVENTS:
            self._idle_check.start()
        return False

    def _first_check_when_idle(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self._first_check_pending:
            self._first_check_pending = False
            self.run_health_check()

    def run_health_check(self) -> None:
        """Check the due grants in a worker thread; a network fault changes nothing and is reported.

        The worker reads and writes in chunks with pauses (``health.run_health_check``), so the GUI
        thread never waits on it; closing the window stops it between chunks.
        """
        if self.workspace is None or self._checking or self._closing:
            return
        self._first_check_pending = False
        self._checking = True
        workspace, store = self.workspace, self.tokens()

        def check() -> health.HealthReport:
            service = OAuthService(load_providers(workspace.data_dir), store)
            return health.run_health_check(workspace, service, cancelled=lambda: self._closing)

        self.healthCheckStarted.emit()

        def done(report: health.HealthReport) -> None:
            self._checking = False
            if self._closing:
                return
            self.last_health_report = report
            if report.changes:
                self._on_profiles_changed([c.grant.profile_id for c in report.changes], False)
            self._refresh_unread()
            expired, failed = len(report.expired), len(report.failed)
            if expired or failed:
                self.statusBar().showMessage(
                    self.tr("Connection check: {0} expired, {1} could not be checked (will retry)").format(
                        expired, failed
                    ),
                    15000,
                )
            self.healthChecked.emit(report)

        def failed(exc: BaseException, details: str) -> None:
            self._checking = False
            log.warning("Connection check could not run: %s\n%s", exc, details)
            if not self._closing:
                self.statusBar().showMessage(
                    self.tr("Connection check could not run: {0}").format(exc), 15000
                )

        run_in_thread(check, done, failed)

    # -- remembered state ------------------------------------------------------------------------

    def _restore_state(self) -> None:
        assert self.settings is not None
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        for key, action in (
            ("window/filters", self.action_show_filters),
            ("window/details", self.action_show_details),
        ):
            action.setChecked(str(self.settings.value(key, "true")).lower() != "false")
        header = self.settings.value("table/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
        saved = self.settings.value("table/filter")
        if isinstance(saved, str):
            flt = filter_from_json(saved)
            self.filter_panel.set_filter(flt)
            self.model.set_filter(flt)

    def save_state(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("window/filters", self.action_show_filters.isChecked())
        self.settings.setValue("window/details", self.action_show_details.isChecked())
        self.settings.setValue("table/header", self.table.horizontalHeader().saveState())
        self.settings.setValue("table/filter", filter_to_json(self.model.filter))
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self._health_timer.stop()
        self._idle_check.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if hasattr(self, "desktop_notifier"):
            self.desktop_notifier.close()
        self.save_state()
        if self.workspace is not None:
            self.workspace.close()
        super().closeEvent(event)
