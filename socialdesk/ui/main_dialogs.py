"""The dialogs and windows the main window opens: groups, the profile manager, export, import, the
notification centre, settings. Functions of the window (``MainWindow`` binds them as its methods)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from socialdesk.models.catalogue import Ownership
from socialdesk.ops import workspace as ops_workspace
from socialdesk.services.query import ProfileFilter
from socialdesk.ui.export_dialog import ExportDialog, What
from socialdesk.ui.groups_dialog import GroupsDialog
from socialdesk.ui.import_dialog import ImportDialog
from socialdesk.ui.notifications import NotificationCentre
from socialdesk.ui.profile_manager import open_profile_manager as _open_manager
from socialdesk.ui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from socialdesk.ui.main_window import MainWindow


def _selected_ids(window: MainWindow) -> list[int]:
    return [window.model.profile_id(r) for r in window.table.selected_rows()]


def open_groups(window: MainWindow) -> None:
    if window.workspace is None:
        return
    changed: list[bool] = []
    dialog = GroupsDialog(
        window.workspace, window, selected_profile_ids=window._selected_ids(), rows=window.model.rows
    )
    dialog.groupsChanged.connect(lambda: changed.append(True))
    dialog.exec()
    # Once, after the dialog: a reload while one runs would be skipped and lose the last change.
    if changed:
        window.reload()


def open_profile_manager(window: MainWindow, profile_id: int | None = None) -> None:
    """The profile manager (one window, reused), on the given or the selected profile."""
    if window.workspace is None:
        return
    if profile_id is None and (ids := window._selected_ids()):
        profile_id = ids[0]
    manager = _open_manager(window.workspace, window, profile_id, rows=window.model.rows)
    if not manager.property("wired"):
        manager.setProperty("wired", True)
        manager.settingsSaved.connect(lambda pid: window._on_profiles_changed([pid], False))


def open_export(window: MainWindow) -> ExportDialog | None:
    """Export, on the list as shown; "only the selected profiles" is offered when some are selected."""
    return window._export("profiles")


def export_selected(window: MainWindow) -> ExportDialog | None:
    """Export with "only the selected profiles" (in the table's order) chosen."""
    return window._export("selected")


def _export(window: MainWindow, what: What) -> ExportDialog | None:
    if window.workspace is None:
        return None
    chosen = [window.model.source_row(r) for r in window.table.selected_rows()]
    # Modal: the rows must not be refreshed in place while the export reads them.
    dialog = ExportDialog(
        window.workspace,
        window,
        rows=window.model.rows,
        selected_rows=window.model.source_rows(),
        what=what,
        chosen_rows=chosen,
    )
    dialog.exec()
    return dialog


def open_import(window: MainWindow) -> None:
    if window.workspace is None:
        return
    dialog = ImportDialog(window.workspace, window)
    dialog.imported.connect(lambda _kind: window.reload())
    dialog.exec()


def _group_added(window: MainWindow, changed: bool, message: str) -> None:
    window.statusBar().showMessage(message, 8000)
    if changed:
        window.reload()


def show_notifications(window: MainWindow) -> NotificationCentre | None:
    """The notification centre, non-modal; choosing an entry selects its profile."""
    if window.workspace is None:
        return None
    centre = NotificationCentre(window.workspace, window)
    centre.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    centre.changed.connect(window._refresh_unread)
    centre.profileRequested.connect(window.show_profile)
    centre.show()
    return centre


def show_profile(window: MainWindow, profile_id: int) -> None:
    """Select a profile in the table, clearing filters that hide it."""
    if window.table.select_profile(profile_id):
        return
    window.filter_panel.set_filter(ProfileFilter(ownership=set(Ownership)))
    window._on_filter_changed(window.filter_panel.filter())
    if not window.table.select_profile(profile_id):
        window.statusBar().showMessage(window.tr("That profile is no longer in the list (deleted?)"), 8000)


def _refresh_unread(window: MainWindow, *_args: Any) -> None:
    if window.workspace is None or window._closing:
        return
    window._set_unread(ops_workspace.unread_count(window.workspace))


def show_settings(window: MainWindow) -> SettingsDialog | None:
    if window.workspace is None:
        return None
    dialog = SettingsDialog(window.workspace, window.tokens(), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(window.check.schedule)
    dialog.open()
    return dialog
