"""The main window: filter panel, profile table, details pane, actions and status bar.

It opens without blocking: the workspace opens and the profile rows load in workers
(``ops.workspace``) and arrive by signal. An empty workspace shows an offer to load the demo inside
the window; a workspace that cannot be opened shows why, also inside the window. The menus live in
``ui/main_menus.py``, the status bar in ``ui/main_status.py``, the pages in ``ui/main_pages.py`` and the
connection check's schedule in ``ui/connection_check.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from socialdesk.ops import profile_list as ops_profile_list
from socialdesk.ops import workspace as ops_workspace
from socialdesk.ops.changes import Change, Kind
from socialdesk.ops.health import CheckSummary, HealthReport, TokenStore
from socialdesk.ops.profile_list import ListState
from socialdesk.ops.workspace import Workspace
from socialdesk.services import rules
from socialdesk.services.errors import WorkspaceError
from socialdesk.services.query import ProfileFilter
from socialdesk.ui import main_dialogs, main_state
from socialdesk.ui.connection_check import FIRST_CHECK_IDLE_MS, ConnectionCheck
from socialdesk.ui.details_pane import DetailsPane
from socialdesk.ui.filter_panel import FilterPanel
from socialdesk.ui.groups_dialog import AddToGroupMenu
from socialdesk.ui.i18n import plural
from socialdesk.ui.main_menus import ACTIONS, MainMenus, open_url
from socialdesk.ui.main_pages import ErrorPage, LazyPage, TableOverlay, WelcomePage, hint_for
from socialdesk.ui.main_state import UI_STATE_FILE, filter_from_json, filter_to_json
from socialdesk.ui.main_status import MainStatus
from socialdesk.ui.members import WhoAreYouPage
from socialdesk.ui.notifications import DesktopNotifier
from socialdesk.ui.ops_runner import changes
from socialdesk.ui.profile_actions import ProfileActions
from socialdesk.ui.profile_manager import gear_icon
from socialdesk.ui.profile_model import ProfileTableModel
from socialdesk.ui.profile_table import ProfileTableView
from socialdesk.ui.push_queue import PushQueue
from socialdesk.ui.workers import run_in_thread

log = logging.getLogger(__name__)

__all__ = ["ACTIONS", "FIRST_CHECK_IDLE_MS", "MainWindow", "filter_from_json", "filter_to_json"]

COUNTS_DELAY_MS = 120
#: The name's order and the text index are prepared in a worker this long after the rows come.
PREPARE_DELAY_MS = 60
#: Below this window width the side panes give way: the details pane narrows, the filter panel folds.
NARROW_WIDTH = 1000
#: Windows that replaced another ("Open another workspace folder…"): kept alive while shown.
_windows: list[QMainWindow] = []


class MainWindow(QMainWindow):
    #: Emitted each time profile rows have been (re)loaded and shown.
    rowsLoaded = Signal()
    #: Emitted with the report after each connection health check.
    healthChecked = Signal(object)
    #: Emitted when a connection health check starts (in a worker).
    healthCheckStarted = Signal()
    #: Emitted once the workspace is open and wired (``open`` opens it in a worker).
    workspaceOpened = Signal()

    # Built by ``MainMenus`` (ui/main_menus.py).
    action_find: QAction
    action_clear_filters: QAction
    action_refresh: QAction
    action_load_demo: QAction
    action_show_trash: QAction
    action_show_filters: QAction
    action_show_details: QAction
    action_settings: QAction
    action_check: QAction
    action_notifications: QAction
    action_quit: QAction
    action_about: QAction
    action_shortcuts: QAction
    action_open_data_folder: QAction
    action_open_log: QAction
    notification_button: QToolButton

    def __init__(self, data_dir: Path, workspace: Workspace | None, error: str | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.workspace = workspace
        self.setObjectName("mainWindow")
        self._set_title()
        self.resize(1360, 820)
        self.setMinimumSize(760, 480)
        self.actions_by_name: dict[str, QAction] = {}
        self.model = ProfileTableModel(self)
        self._loading = False
        self._closing = False
        self._started_empty = False
        self._empty = False
        self._quiet = False
        self.trash = False
        self.last_health_report: HealthReport | None = None
        self.last_check: CheckSummary | None = None
        self.check = ConnectionCheck(self, lambda: self.workspace)
        self.check.started.connect(self._on_check_started)
        self.check.finished.connect(self._on_checked)
        self.check.failed.connect(self._on_check_failed)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(COUNTS_DELAY_MS)
        self._counts_timer.timeout.connect(self._update_counts)

        self.menus = MainMenus(self)
        self._build_central()
        self.menus.build()
        self.status = MainStatus(self.statusBar())
        self.status_count, self.selection_label = self.status.count, self.status.selection
        self.status.check.cancelRequested.connect(self.check.cancel)
        self.check.progress.connect(self.status.check.set_progress)
        self.settings: QSettings | None = None
        self._added_profile: int | None = None  # select it once the reload has it
        changes().changed.connect(self._on_change)
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

    def _set_title(self) -> None:
        """The folder (and the trash); Qt adds the application's display name, "SocialDesk", once."""
        prefix = self.tr("Deleted profiles — ") if getattr(self, "trash", False) else ""
        self.setWindowTitle(prefix + str(self.data_dir))

    def _attach(self, workspace: Workspace) -> None:
        """Wire everything that needs the open workspace, then load the rows (in a worker)."""
        if self._closing:
            workspace.close()
            return
        self.workspace = workspace
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
        for name in ("actionGroups", "actionProfileManager", "actionExport", "actionImport"):
            self.action(name).setEnabled(True)
        self.action("actionGroups").triggered.connect(self.open_groups)
        self.action("actionProfileManager").triggered.connect(lambda: self.open_profile_manager())
        self.action("actionExport").triggered.connect(self.open_export)
        self.action("actionImport").triggered.connect(self.open_import)
        self.action("actionExportSelected").triggered.connect(self.export_selected)
        self.add_to_group = AddToGroupMenu(workspace, self._selected_ids, self._group_added, self)
        self.menus.add_to_context_menu(self.add_to_group.menuAction())
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
        self.check.schedule()
        self.workspaceOpened.emit()

    @classmethod
    def open(cls, data_dir: Path) -> MainWindow:
        """The window at once; the workspace opens (inspected, migrated, checked) in a worker.

        At 1,000,000 profiles opening and checking the file takes longer than a window may take
        to appear, so the window shows "Loading profiles…" and fills in when the workspace is open.
        """
        window = cls(data_dir, None)

        def failed(exc: BaseException, details: str) -> None:
            if isinstance(exc, WorkspaceError):
                window._show_error(str(exc))
            else:
                log.error("Opening the workspace failed: %s\n%s", exc, details)
                window._show_error(window.tr("The workspace could not be opened: {0}").format(exc))

        run_in_thread(lambda: ops_workspace.open_workspace(data_dir), window._attach, failed)
        return window

    # -- building --------------------------------------------------------------------------------

    def action(self, name: str) -> QAction:
        return self.actions_by_name[name]

    def _build_central(self) -> None:
        self.stack = QStackedWidget(self)
        self.filter_panel = FilterPanel(self)
        self.filter_panel.changed.connect(self._on_filter_changed)
        self.table = ProfileTableView(self.model, self)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_selection_changed)
        self.table.activated.connect(self._on_activated)  # Enter (and a double-click, by the style)
        self.table.doubleClicked.connect(self._on_activated)
        self.model.layoutChanged.connect(self._on_selection_changed)
        self.overlay = TableOverlay(self.table, self)
        self.details = DetailsPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.filter_panel)
        self.splitter.addWidget(self.overlay.container)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([240, 840, 270])
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(1, False)
        self.splitter.setCollapsible(2, True)
        self.stack.addWidget(self.splitter)
        self.empty_page = LazyPage(self.stack, lambda: WelcomePage(self, self.load_demo, self._start_empty))
        self.error_page = LazyPage(
            self.stack, lambda: ErrorPage(self, lambda: self.open_other_folder(), self._show_data_folder)
        )
        self.setCentralWidget(self.stack)
        # Tab: filter search → table → details pane (the table does not keep Tab for its cells).
        self.setTabOrder(self.filter_panel.search, self.table)
        self.setTabOrder(self.table, self.details.name_edit)

    # -- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load all rows again in a worker thread; the table keeps showing the old ones meanwhile."""
        if self.workspace is None or self._loading:
            return
        self._loading = True
        self.status_count.setText(self.tr("Loading profiles…"))
        workspace, trash = self.workspace, self.trash
        # The name's order and the text index come after the first paint (a worker), unless the
        # list is shown sorted by name or searched at once.
        now = bool(self.model.filter.search.strip()) or self.model.sort_state()[0] == "name"
        run_in_thread(
            lambda: ops_profile_list.load_list(workspace, trash=trash, prepare=now),
            self._on_loaded,
            self._on_load_failed,
        )

    def _on_loaded(self, state: ListState) -> None:
        self._loading = False
        if self._closing:
            return
        snapshot = self.table.selection_snapshot()
        self.filter_panel.set_choices(list(state.groups), list(state.members))
        self._quiet = True  # the selection is stale while the rows are swapped: restored by profile id
        try:
            self.model.set_rows(state.rows)
            self.table.restore_selection(snapshot)
        finally:
            self._quiet = False
        # Once the rows are painted: started at once, the worker competes with the paint for the GIL.
        QTimer.singleShot(PREPARE_DELAY_MS, lambda: run_in_thread(state.rows.prepare, lambda _none: None))
        self._select_added()
        self._empty = state.empty
        demo = rules.can_load_demo(state.empty)
        self.action_load_demo.setEnabled(bool(demo))
        self.action_load_demo.setToolTip(self.action_load_demo.text() if demo else self.tr(demo.reason))
        self.action_load_demo.setStatusTip("" if demo else self.tr(demo.reason))
        if state.empty and not self._started_empty:
            self._show_page(self.empty_page())
        elif state.me_id is None:
            self.who_page.reload()
            self._show_page(self.who_page)
        elif self.stack.currentWidget() is not self.splitter:
            self._show_page(self.splitter)
        if self.table.auto_fit:
            QTimer.singleShot(0, self.table.fit_columns)  # once laid out: the viewport's real width
        self._set_unread(state.unread)
        self._update_status()
        self._on_selection_changed()
        self._counts_timer.start()
        if self.check.first_pending:
            self.check.wait_for_idle()
            if self.stack.currentWidget() is self.splitter:
                self.table.setFocus()  # the first time: the list has the keyboard (Ctrl+F goes to search)
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
        self._show_error(self.tr("The profiles could not be loaded: {0}").format(exc), advice=False)

    def _show_error(self, message: str, *, advice: bool = True) -> None:
        self.error_page().set_message(message, advice=advice)
        self._show_page(self.error_page())
        self.status_count.setText(self.tr("No workspace open"))
        for action in self.actions_by_name.values():
            action.setEnabled(False)
        self.action_load_demo.setEnabled(False)
        self.action_check.setEnabled(False)

    def _show_data_folder(self) -> None:
        open_url(QUrl.fromLocalFile(str(self.data_dir)))

    def open_other_folder(self, folder: Path | None = None) -> MainWindow | None:
        """ "Open another workspace folder…": a window on that folder replaces this one."""
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, self.tr("Open another workspace folder"), str(self.data_dir.parent)
            )
            if not chosen:
                return None
            folder = Path(chosen)
        window = MainWindow.open(folder)
        _windows.append(window)
        window.destroyed.connect(lambda *_: _windows.remove(window) if window in _windows else None)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        self.close()
        return window

    def load_demo(self) -> None:
        if self.workspace is None or not self._empty:
            return
        workspace = self.workspace
        self.empty_page().load_demo_button.setEnabled(False)
        self.action_load_demo.setEnabled(False)
        self.status_count.setText(self.tr("Loading the demo…"))

        def done(_counts: dict[str, int]) -> None:
            self._show_page(self.splitter)
            self.reload()

        def failed(exc: BaseException, _details: str) -> None:
            self.empty_page().load_demo_button.setEnabled(True)
            self.statusBar().showMessage(self.tr("The demo could not be loaded: {0}").format(exc), 10000)

        run_in_thread(lambda: ops_workspace.build_demo(workspace).value, done, failed)

    # -- reacting --------------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        """A change an operation made (``ops_runner.changes``): refresh what it names."""
        if self.workspace is None or self._closing:
            return
        if change.touches(Kind.PROFILES):
            self._on_profiles_changed(list(change.profile_ids), not change.profile_ids)
        if change.touches(Kind.NOTIFICATIONS):
            self._refresh_unread()

    def _on_filter_changed(self, flt: ProfileFilter) -> None:
        snapshot = self.table.selection_snapshot()
        self._quiet = True
        try:
            self.model.set_filter(flt)
            kept = self.table.restore_selection(snapshot)
        finally:
            self._quiet = False
        self._update_status()
        self._counts_timer.start()
        if not kept:  # the actions and details follow the selection: a read only when it moved
            self._on_selection_changed()

    def _update_counts(self) -> None:
        if len(self.model.rows):
            self.filter_panel.set_counts(self.model.rows.facet_counts(self.model.filter))

    def _update_status(self) -> None:
        shown, total = self.model.visible_count(), self.model.total_count()
        text = "Showing {0} of {1} deleted profiles" if self.trash else "Showing {0} of {1} profiles"
        # Plain digits: scripts and accessibility tools read "Showing N of M profiles" (docs/interfaces.md).
        self.status_count.setText(self.tr(text).format(shown, total))
        hint = hint_for(shown=shown, total=total, trash=self.trash, loading=self._loading)
        self.overlay.set_hint(self.tr(hint) if hint else "")

    def _on_selection_changed(self, *_args: Any) -> None:
        if self._quiet:
            return
        rows = self.table.selected_rows()
        n = len(rows)
        self.selection_label.setText(plural("%Ln selected", n) if n else "")
        self.action("actionExportSelected").setEnabled(n > 0 and self.workspace is not None)
        if self.workspace is None:
            return
        ids = [self.model.profile_id(r) for r in rows]
        shown = self.details.details
        leaving = shown is not None and self.details.is_dirty() and ids != [shown.id]
        if leaving and shown is not None and not self._keep_edits(shown.id):
            return
        # Bulk actions plan the whole selection off the GUI thread (services.bulk): no cap.
        details = self.profile_actions.update(ids, self.trash)
        if details is not None:
            if shown is not None and shown.id == details.id and self.details.is_dirty():
                return  # keep what the user is typing
            self.details.show_details(details)
        elif n > 1:
            self.details.show_many(self.model.rows, [self.model.source_row(r) for r in rows])
        else:
            self.details.show_nothing()

    def _keep_edits(self, profile_id: int) -> bool:
        """The selection moved away from a profile with unsaved edits: Save, Discard or Cancel.

        True when the selection may move on (saved or discarded); False when it went back to the
        edited profile (Cancel, or a refused save: the edits stay in the form with the reason)."""
        self._quiet = True
        try:
            answer = self.details.ask_unsaved(self)
            if answer == QMessageBox.StandardButton.Save:
                refusal = self.profile_actions.save_edits(profile_id, self.details.edits())
                if refusal is None:
                    self.statusBar().showMessage(self.tr("Saved"), 4000)
                    return True
                self.details.show_error(refusal)
            elif answer == QMessageBox.StandardButton.Discard:
                return True
            self.table.select_profile(profile_id)
            return False
        finally:
            self._quiet = False

    def _on_activated(self, index: QModelIndex) -> None:
        """Enter or double-click on a row: the details pane, shown and focused (the profile manager when
        the pane is hidden)."""
        if not index.isValid() or self.workspace is None:
            return
        if not self.action_show_details.isChecked() or self.splitter.sizes()[2] == 0:
            self.open_profile_manager(self.model.profile_id(index.row()))
            return
        self.details.focus_first()

    def _on_profiles_changed(self, ids: list[int], membership: bool) -> None:
        """Refresh only what a change touched; a change of membership (deleted, added) reloads the list."""
        if self.workspace is None:
            return
        if membership or not ids:
            self.reload()
            return
        snapshot = self.table.selection_snapshot()
        changed = ops_profile_list.refresh_rows(self.workspace, self.model.rows, ids)
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
        """Switch the central page. The toolbar stays enabled: each action says itself whether it works."""
        self.stack.setCurrentWidget(page)

    def _toggle_trash(self, on: bool) -> None:
        self.trash = on
        self._set_title()
        self.overlay.set_trash(on)
        self.reload()

    def _start_empty(self) -> None:
        self._started_empty = True
        self.reload()

    def _set_unread(self, unread: int) -> None:
        self.notification_button.setText(f"{unread:,}" if unread else "")
        self.notification_button.setToolTip(plural("%Ln unread notification(s)", unread))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_panes()

    def _fit_panes(self) -> None:
        """In a narrow window the side panes give way: the details pane narrows to its minimum and the
        filter panel folds (View ▸ Filter panel, or dragging the splitter, brings it back)."""
        sizes = self.splitter.sizes()
        if len(sizes) != 3 or not any(sizes):
            return
        width = self.width()
        if width < NARROW_WIDTH and not getattr(self, "_narrow", False):
            self._narrow = True
            self._wide_sizes = sizes
            total = sum(sizes)
            details = self.details.minimumWidth() if sizes[2] else 0
            self.splitter.setSizes([0, total - details, details])
        elif width >= NARROW_WIDTH and getattr(self, "_narrow", False):
            self._narrow = False
            self.splitter.setSizes(self._wide_sizes)

    # -- groups, export, import, notifications, settings (ui/main_dialogs.py) -----------------------

    _selected_ids = main_dialogs._selected_ids
    open_groups = main_dialogs.open_groups
    open_profile_manager = main_dialogs.open_profile_manager
    open_export = main_dialogs.open_export
    export_selected = main_dialogs.export_selected
    _export = main_dialogs._export
    open_import = main_dialogs.open_import
    _group_added = main_dialogs._group_added
    show_notifications = main_dialogs.show_notifications
    show_profile = main_dialogs.show_profile
    _refresh_unread = main_dialogs._refresh_unread
    show_settings = main_dialogs.show_settings

    # -- connection health -----------------------------------------------------------------------

    def tokens(self) -> TokenStore:
        return self.check.tokens()

    def check_now(self) -> bool:
        """ "Check connections now": every due connection, the back-off ignored; said in the status bar."""
        if self.check.running:
            self.statusBar().showMessage(self.tr("A connection check is already running"), 4000)
            return False
        return self.check.run(force=True)

    def run_health_check(self) -> bool:
        """The scheduled check (the back-off respected), in a worker; closing the window stops it."""
        return self.check.run()

    def _on_check_started(self) -> None:
        self.status.check.start()
        self.healthCheckStarted.emit()

    def _on_checked(self, summary: CheckSummary) -> None:
        self.status.check.hide()
        self.last_check = summary
        if summary.report is not None:
            self.last_health_report = summary.report
        self.status.show_check_result(summary)
        self._refresh_unread()
        if summary.report is not None:
            self.healthChecked.emit(summary.report)

    def _on_check_failed(self, exc: BaseException, _details: str) -> None:
        self.status.check.hide()
        self.statusBar().showMessage(self.tr("Connection check could not run: {0}").format(exc), 15000)

    # -- remembered state (ui/main_state.py) ---------------------------------------------------------

    _restore_state = main_state.restore_state
    save_state = main_state.save_state

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.check.close()  # stops between calls; nothing waits for a call still out
        if hasattr(self, "desktop_notifier"):
            self.desktop_notifier.close()
        self.save_state()
        if self.workspace is not None:
            self.workspace.close()
        super().closeEvent(event)
