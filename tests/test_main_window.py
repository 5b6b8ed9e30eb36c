"""The main window at the desk (issue "a day at the desk"): unsaved edits, the error page, columns and panes,
keys, the title, the Help menu, the context menu, the demo action, the status bar's count, the trash banner,
empty hints, exporting the selection and the details pane at its narrowest."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QToolBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from socialdesk import __version__
from socialdesk.ops import profiles as ops_profiles
from socialdesk.ops import workspace as ops_workspace
from socialdesk.ui import main_menus
from socialdesk.ui.main_window import MainWindow
from socialdesk.ui.profile_model import COL

SHOTS = Path("/tmp/desk-shots")


def shot(widget: QWidget, name: str) -> None:
    """Screenshots for a person to look at (not compared): /tmp/desk-shots/NAME.png."""
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def answer(callback: Callable[[QWidget], None]) -> None:
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        callback(dialog)

    QTimer.singleShot(0, run)


def open_window(qtbot: QtBot, data_dir: Path, size: tuple[int, int] = (1360, 820)) -> MainWindow:
    window = MainWindow.open(data_dir)
    qtbot.addWidget(window)
    window.resize(*size)
    with qtbot.waitSignal(window.rowsLoaded, timeout=20000):
        window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, demo_dir: Path) -> MainWindow:
    return open_window(qtbot, demo_dir)


def editable_rows(window: MainWindow) -> list[int]:
    """Rows whose profile I may edit (owned by me), first two."""
    rows = []
    for r in range(window.model.rowCount()):
        window.table.selectRow(r)
        d = window.details.details
        if d is not None and d.decisions["edit"]:
            rows.append(r)
        if len(rows) == 2:
            break
    return rows


# -- 4: unsaved edits in the details pane ---------------------------------------------------------------


@pytest.mark.parametrize("choice", ["save", "discard", "cancel"])
def test_leaving_an_edited_profile_asks_save_discard_or_cancel(
    qtbot: QtBot, window: MainWindow, choice: str
) -> None:
    first, second = editable_rows(window)
    window.table.selectRow(first)
    edited = window.details.details
    assert edited is not None
    window.details.name_edit.setText("Renamed at the desk")
    assert window.details.is_dirty()
    seen: list[str] = []

    def reply(box: QWidget) -> None:
        assert isinstance(box, QMessageBox) and box.objectName() == "unsavedEditsBox"
        seen.append(box.text())
        button = {
            "save": QMessageBox.StandardButton.Save,
            "discard": QMessageBox.StandardButton.Discard,
            "cancel": QMessageBox.StandardButton.Cancel,
        }[choice]
        box.button(button).click()

    answer(reply)
    window.table.selectRow(second)
    assert seen and edited.display_name in seen[0]
    stored = ops_profiles.details(window.workspace, edited.id).display_name  # type: ignore[arg-type]
    shown = window.details.details
    assert shown is not None
    if choice == "save":
        assert stored == "Renamed at the desk"
        assert shown.id == window.model.profile_id(second)
    elif choice == "discard":
        assert stored == edited.display_name
        assert shown.id == window.model.profile_id(second) and not window.details.is_dirty()
    else:  # back on the edited profile, the typing kept
        assert stored == edited.display_name
        assert window.table.selected_profile_ids() == [edited.id]
        assert shown.id == edited.id and window.details.name_edit.text() == "Renamed at the desk"


# -- 5: the workspace error page ------------------------------------------------------------------------


def test_the_error_page_shows_the_whole_message_wrapped_with_what_to_do(qtbot: QtBot, tmp_path: Path) -> None:
    folder = tmp_path / "a-workspace-folder-with-a-rather-long-name" / "inside-another-long-folder"
    folder.mkdir(parents=True)
    (folder / "socialdesk.db").write_bytes(b"garbage" * 20)
    window = MainWindow.open(folder)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    assert window.findChild(QLabel, "workspaceMessage") is None  # the error page is made when needed

    def said() -> bool:
        label = window.findChild(QLabel, "workspaceMessage")
        return label is not None and "not a SQLite database" in label.text()

    qtbot.waitUntil(said, timeout=10000)
    message = window.findChild(QLabel, "workspaceMessage")
    assert message is not None and window.stack.currentWidget() is window.error_page()
    qtbot.wait(50)
    text = message.text()
    assert str(folder / "socialdesk.db") in text
    # All of it is laid out: the label is as tall as its wrapped text needs, and inside the window.
    assert message.height() >= message.heightForWidth(message.width()) > message.fontMetrics().height()
    bottom = message.mapTo(window, QPoint(0, message.height())).y()
    assert 0 < bottom <= window.height()
    assert message.width() <= 660
    advice = window.findChild(QLabel, "workspaceAdvice")
    assert advice is not None and advice.isVisible() and "another workspace folder" in advice.text()
    button = window.findChild(QPushButton, "openOtherWorkspaceButton")
    assert button is not None and button.isVisible()
    shot(window, "error-page-1000x700")
    # The button opens another folder in a window of its own, instead of this one.
    other = window.open_other_folder(tmp_path / "fresh")
    assert other is not None
    qtbot.addWidget(other)
    qtbot.waitSignal(other.workspaceOpened, timeout=10000).wait()
    assert (tmp_path / "fresh" / "socialdesk.db").exists() and not window.isVisible()


# -- 8: columns and panes ------------------------------------------------------------------------------


def test_all_nine_columns_fit_a_1280_window_and_the_panes_give_way_at_900(
    qtbot: QtBot, demo_dir: Path
) -> None:
    window = open_window(qtbot, demo_dir, (1280, 800))
    qtbot.wait(50)
    table = window.table
    widths = [table.columnWidth(c) for c in range(window.model.columnCount())]
    assert len(widths) == 9 and min(widths) >= 60
    assert sum(widths) <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    shot(window, "main-1280x800")
    window.resize(900, 600)
    qtbot.wait(50)
    filters, middle, details = window.splitter.sizes()
    assert filters == 0 and 0 < details <= window.details.minimumWidth() + 4
    assert middle >= 900 - details - 40
    shot(window, "main-900x600")
    window.resize(1360, 820)
    qtbot.wait(50)
    assert window.splitter.sizes()[0] > 0  # wide again: the filter panel is back


def test_columns_sized_by_hand_stay_as_they_are(qtbot: QtBot, window: MainWindow) -> None:
    window.table.horizontalHeader().resizeSection(COL["name"], 333)
    assert not window.table.auto_fit
    window.resize(1200, 800)
    qtbot.wait(50)
    assert window.table.columnWidth(COL["name"]) == 333


# -- 9: keys --------------------------------------------------------------------------------------------


def test_preferences_is_the_platform_key_with_ctrl_comma_as_well(window: MainWindow) -> None:
    keys = window.action_settings.shortcuts()
    assert any(k.matches(QKeySequence("Ctrl+,")) == QKeySequence.SequenceMatch.ExactMatch for k in keys)
    for standard in QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences):
        assert standard in keys


def test_ctrl_comma_opens_settings(qtbot: QtBot, window: MainWindow) -> None:
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(QWidget, "settingsDialog") is not None, timeout=5000)
    dialog = window.findChild(QWidget, "settingsDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.close()


def test_tab_leaves_the_table_for_the_details_pane(qtbot: QtBot, window: MainWindow) -> None:
    window.table.selectRow(0)
    window.table.setFocus()
    assert window.table.hasFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None and focused is not window.table
    assert window.details.isAncestorOf(focused) or window.filter_panel.isAncestorOf(focused)


@pytest.mark.parametrize("how", ["enter", "double-click"])
def test_enter_or_double_click_on_a_row_opens_its_details(qtbot: QtBot, window: MainWindow, how: str) -> None:
    row = editable_rows(window)[0]
    window.table.selectRow(row)
    index = window.model.index(row, COL["name"])
    window.table.setCurrentIndex(index)
    window.table.setFocus()
    if how == "enter":
        qtbot.keyClick(window.table, Qt.Key.Key_Return)
    else:
        centre = window.table.visualRect(index).center()
        viewport = window.table.viewport()
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)  # a double-click's first press
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(window.details.name_edit.hasFocus, timeout=2000)
    assert window.details.details is not None and window.details.details.id == window.model.profile_id(row)


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no window stacking
def test_enter_with_the_details_pane_hidden_opens_the_profile_manager(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.action_show_details.setChecked(False)
    window.table.selectRow(0)
    window.table.setCurrentIndex(window.model.index(0, 0))
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    manager = window.findChild(QWidget, "profileManagerWindow")
    assert manager is not None and manager.isVisible()
    manager.close()


def test_enter_in_your_name_on_the_first_run_page_adds_me(qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path / "new")
    window.empty_page().start_empty_button.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.who_page, timeout=10000)
    hint = window.who_page.findChild(QLabel, "whoAreYouEmpty")
    assert hint is not None and hint.isVisible()  # an empty team says what to do
    name = window.who_page.findChild(QLineEdit, "newMeName")
    assert name is not None
    name.setText("Robin Desk")
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        qtbot.keyClick(name, Qt.Key.Key_Return)
    assert window.workspace is not None and window.workspace.me_id is not None
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.splitter, timeout=5000)
    # ... and the empty table says how to add profiles.
    hint = window.findChild(QLabel, "emptyTableHint")
    assert hint is not None and hint.isVisible() and "Add profiles" in hint.text()
    shot(window, "start-empty-hint")


# -- 10: title ------------------------------------------------------------------------------------------


def test_the_title_names_socialdesk_once(window: MainWindow) -> None:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    before = app.applicationDisplayName()
    app.setApplicationDisplayName("SocialDesk")
    try:
        title = f"{window.windowTitle()} — {app.applicationDisplayName()}"  # as the window manager shows it
        assert title.count("SocialDesk") == 1 and str(window.data_dir) in title
    finally:
        app.setApplicationDisplayName(before)


# -- 11: menus -------------------------------------------------------------------------------------------


def test_the_help_menu_has_about_shortcuts_the_data_folder_and_the_log(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    menu = window.findChild(QMenu, "helpMenu")
    assert menu is not None
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    assert names == ["actionShortcuts", "actionOpenDataFolder", "actionOpenLog", "actionAbout"]
    box = window.menus.about()
    qtbot.addWidget(box)
    assert __version__ in box.text()
    box.close()
    dialog = window.menus.shortcuts()
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    assert table is not None
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert "Ctrl+," in rows["Settings"] and rows["Delete"] == "Del" and "Enter" in "".join(rows.values())
    shot(dialog, "keyboard-shortcuts")
    dialog.close()
    opened: list[str] = []
    monkeypatch.setattr(main_menus, "open_url", lambda url: opened.append(url.toLocalFile()) or True)
    window.action_open_data_folder.trigger()
    log = tmp_path / "socialdesk.log"
    log.write_text("a line\n")
    monkeypatch.setattr("socialdesk.ui.app_log.current_path", lambda: log)
    window.action_open_log.trigger()
    assert opened == [str(window.data_dir), str(log)]


def test_the_context_menu_groups_its_actions_with_separators(window: MainWindow) -> None:
    actions = window.table.actions()
    separators = [i for i, a in enumerate(actions) if a.isSeparator()]
    assert len(separators) >= 5
    assert all(b - a > 1 for a, b in itertools.pairwise(separators))
    names = [a.objectName() for a in actions]
    assert names.index("actionDelete") > separators[0] and "actionExportSelected" in names


def test_the_toolbar_is_not_grey_on_the_welcome_page_and_the_demo_action_says_why_not(
    qtbot: QtBot, tmp_path: Path, demo_dir: Path
) -> None:
    empty = open_window(qtbot, tmp_path / "empty")
    assert empty.stack.currentWidget() is empty.empty_page()
    toolbar = empty.findChild(QToolBar, "mainToolbar")
    assert toolbar is not None and toolbar.isEnabled()
    button = toolbar.widgetForAction(empty.action("actionGroups"))
    assert button is not None and button.isEnabled()  # the same as Tools ▸ Groups…, which works here
    assert empty.action_load_demo.isEnabled()
    shot(empty, "welcome")
    full = open_window(qtbot, demo_dir)
    assert not full.action_load_demo.isEnabled()
    assert "empty workspace" in full.action_load_demo.toolTip()
    assert not ops_workspace.can_load_demo(full.workspace)  # type: ignore[arg-type]


# -- 12: status bar, trash, export selected --------------------------------------------------------------


def test_the_count_keeps_its_place_while_a_message_shows(window: MainWindow) -> None:
    count = window.findChild(QLabel, "statusCount")
    assert count is not None
    window.statusBar().showMessage("A long message about something that happened just now", 8000)
    assert count.isVisible() and count.text().startswith("Showing ")
    assert re.fullmatch(r"Showing \d+ of \d+ profiles", count.text())


def test_the_trash_view_has_a_banner(qtbot: QtBot, window: MainWindow) -> None:
    assert window.findChild(QLabel, "trashBanner") is None  # made the first time the trash is shown
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action_show_trash.setChecked(True)
    banner = window.findChild(QLabel, "trashBanner")
    assert banner is not None and banner.isVisible() and "deleted profiles" in banner.text()
    pane = window.overlay.container.layout()
    assert pane is not None and pane.indexOf(banner) == 0 and pane.indexOf(window.table) == 1  # above it
    assert window.windowTitle().startswith("Deleted profiles")
    shot(window, "trash-banner")
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action_show_trash.setChecked(False)
    assert not banner.isVisible()


def test_export_selected_profiles_passes_only_the_selection(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.ui.export_dialog import ExportDialog

    monkeypatch.setattr(ExportDialog, "exec", lambda self: 0)
    action = window.action("actionExportSelected")
    assert not action.isEnabled()
    window.table.selectRow(2)
    window.table.selectionModel().select(
        window.model.index(4, 0),
        window.table.selectionModel().SelectionFlag.Select | window.table.selectionModel().SelectionFlag.Rows,
    )
    assert action.isEnabled()
    dialog = window.export_selected()
    assert dialog is not None and dialog.what() == "selected"
    assert dialog.rows_to_export() == [window.model.source_row(2), window.model.source_row(4)]
    everything = window.open_export()
    assert everything is not None and everything.what() == "profiles"
    assert len(everything.rows_to_export()) == window.model.rowCount()
    assert everything.selected_radio.isEnabled() and "(2 profiles," in everything.selected_radio.text()


# -- 15: the details pane at its narrowest ----------------------------------------------------------------


def test_the_details_pane_at_270_px_with_a_long_name(qtbot: QtBot, window: MainWindow) -> None:
    assert window.workspace is not None
    row = editable_rows(window)[0]
    pid = window.model.profile_id(row)
    long_name = "The Extraordinarily Long Regional Customer Support And Community Care Team Of Northwind"
    ops_profiles.edit(window.workspace, pid, {"display_name": long_name})
    window.reload()
    qtbot.waitUntil(lambda: not window._loading, timeout=10000)
    window.splitter.setSizes([240, 1360 - 240 - 270, 270])
    window.table.select_profile(pid)
    qtbot.wait(50)
    title = window.details.title
    shot(window.details, "details-270-long-name")
    lines = title.heightForWidth(title.width()) // title.fontMetrics().height()
    # The name in at most 3 bold lines, then the handle and the badges: 8 lines of body text at most
    # (the whole name took 10 bold lines before).
    assert lines <= 8 and long_name not in title.text() and long_name in title.toolTip()
    info = window.details.info.text()
    assert info.count("Address") == 0 and "Open on" in info  # one Address row (the editor's)


# -- a filter change reads the database only when the selection moved -------------------------------------


def test_a_filter_change_reads_the_selection_again_only_when_it_moved(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every filter click used to read *me* and the selected profile again even with nothing selected
    (a database read per click, +50-75 % on each filter at 100,000 profiles); a filter that hides the
    selected profile still clears the details pane and the actions."""
    from socialdesk.ui import profile_actions

    reads: list[list[int]] = []
    real = profile_actions.ops.selection

    def counting(workspace: object, ids: list[int]) -> object:
        reads.append(list(ids))
        return real(workspace, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(profile_actions.ops, "selection", counting)
    panel = window.filter_panel
    window.table.clearSelection()
    reads.clear()
    check = next(iter(panel.platforms.values()))
    check.setChecked(True)
    check.setChecked(False)
    assert reads == []  # nothing selected before or after: no read
    row = editable_rows(window)[0]
    window.table.selectRow(row)
    pid = window.model.profile_id(row)
    assert window.details.details is not None
    keep = panel.platforms[window.details.details.platform]
    reads.clear()
    keep.setChecked(True)  # the selected profile stays shown: no read, the details stay
    assert reads == [] and window.details.details is not None and window.details.details.id == pid
    keep.setChecked(False)
    panel.search.setText("no profile is called this 7f3a")
    panel._flush_search()  # hides the selected profile: the selection moved, read once
    assert reads == [[]] and window.details.details is None
    assert not window.action("actionDelete").isEnabled()


def test_the_empty_table_hint_is_made_only_when_there_is_one_to_show(window: MainWindow) -> None:
    """Making it looked at the table's viewport from Python during the window's creation: ~8 ms of PySide
    type set-up (a third of ``create_main_window``) for a label a workspace with rows never shows."""
    assert window.model.rowCount() > 0 and window.overlay._hint is None
    window.filter_panel.search.setText("no profile is called this 7f3a")
    window.filter_panel._flush_search()
    hint = window.findChild(QLabel, "emptyTableHint")
    assert hint is window.overlay._hint and hint is not None and hint.isVisible() and hint.text()


def test_a_workspace_with_rows_never_makes_the_welcome_or_the_error_page(window: MainWindow) -> None:
    """Both are made the first time they are shown (``main_pages.LazyPage``): ~1 ms of creation."""
    assert window.model.rowCount() > 0
    assert not window.empty_page.made and not window.error_page.made
    assert window.findChild(QWidget, "emptyWorkspacePage") is None
    assert window.findChild(QWidget, "workspaceErrorPage") is None
    page = window.error_page()
    assert window.error_page.made and window.stack.indexOf(page) >= 0 and window.error_page() is page
