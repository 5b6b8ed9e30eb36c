"""The profiles window, part 1: the table model, sorting, the filter panel, counts, remembered state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTableView, QWidget
from pytestqt.qtbot import QtBot

from socialdesk.cli import main
from socialdesk.models.catalogue import ConnectionState, ConnectionType, Ownership, Status
from socialdesk.services.query import COLUMN_KEYS, ProfileFilter, ProfileRows
from socialdesk.services.workspace import Workspace
from socialdesk.ui.main_window import MainWindow, filter_from_json, filter_to_json
from socialdesk.ui.profile_model import ProfileIdRole, ProfileTableModel

CONTRACT_ACTIONS = (
    "actionAddPublicProfile",
    "actionShare",
    "actionStopSharing",
    "actionClaimOwnership",
    "actionRemoveOwnership",
    "actionDelete",
    "actionReconnect",
    "actionBulkReconnect",
    "actionGroups",
    "actionExport",
    "actionProfileManager",
    "actionAddProfile",
    "actionMembers",
)
COLUMN_TITLES = [
    "Name",
    "Platform",
    "Kind",
    "Ownership",
    "Connection status",
    "Connections",
    "Owners",
    "Groups",
    "Added",
]


def open_window(qtbot: QtBot, data_dir: Path) -> MainWindow:
    window = MainWindow.open(data_dir)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.show()
    return window


def table_ids(window: MainWindow) -> list[int]:
    model = window.model
    return [model.profile_id(r) for r in range(model.rowCount())]


def cli_ids(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> list[int]:
    assert main(["--data-dir", str(data), "profiles", *args, "--format", "json"]) == 0
    out = capsys.readouterr().out
    return [p["id"] for p in json.loads(out)]


@pytest.fixture
def window(qtbot: QtBot, demo_dir: Path) -> MainWindow:
    return open_window(qtbot, demo_dir)


# -- the model ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("prepare", [True, False])
def test_loaded_rows_are_not_left_young_for_the_next_collection_to_walk(
    demo_ws: Workspace, prepare: bool
) -> None:
    """The load pauses the collector, so everything it made was young: the first young collection
    after it walked the columns (four lists of every row) wherever it fell, 10-18 ms with the
    interpreter lock held at 100,000 profiles, in the connection check's first chunk."""
    import gc

    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id, prepare=prepare)
    columns = {id(rows.display_name), id(rows.handle), id(rows.notes), id(rows.platform_id)}
    young = {id(o) for o in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
    assert len(rows.display_name) > 10 and not columns & young
    if not prepare:
        rows.prepare()  # what the window's worker runs once the rows are shown
        assert rows._names_sorted is not None
        young = {id(o) for o in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
        assert id(rows._names_sorted) not in young


def test_model_passes_the_item_model_tester(qtmodeltester: Any, demo_ws: Workspace) -> None:
    model = ProfileTableModel()
    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
    model.set_rows(rows)
    qtmodeltester.check(model)
    # Keep checking while it sorts, reverses and filters.
    model.sort(3, Qt.SortOrder.AscendingOrder)
    model.sort(3, Qt.SortOrder.DescendingOrder)
    model.set_filter(ProfileFilter(status={Status.EXPIRED}))
    model.sort(0, Qt.SortOrder.AscendingOrder)
    model.set_filter(ProfileFilter())
    assert model.rowCount() > 0
    assert [
        model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())
    ] == COLUMN_TITLES


def test_window_has_every_contract_name(window: MainWindow) -> None:
    for name in CONTRACT_ACTIONS:
        action = window.findChild(type(window.action("actionShare")), name)
        assert action is not None, name
        # A disabled action says why (not built yet, or the rule that refuses it).
        if not action.isEnabled():
            assert action.toolTip() and action.toolTip() != action.text().replace("…", ""), name
    assert isinstance(window.findChild(QTableView, "profileTable"), QTableView)
    assert isinstance(window.findChild(QLineEdit, "profileSearch"), QLineEdit)
    for name in ("filterPanel", "detailsPane", "notificationButton"):
        assert isinstance(window.findChild(QWidget, name), QWidget), name
    count = window.findChild(QLabel, "statusCount")
    assert count is not None and count.text() == f"Showing {window.model.visible_count()} of 58 profiles"


# -- sorting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", range(len(COLUMN_KEYS)))
def test_sorting_each_column_matches_the_command_line(
    window: MainWindow, capsys: pytest.CaptureFixture[str], demo_dir: Path, column: int
) -> None:
    key = COLUMN_KEYS[column]
    window.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert table_ids(window) == cli_ids(capsys, demo_dir, "--sort", key)
    window.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    assert table_ids(window) == cli_ids(capsys, demo_dir, "--sort", f"{key}:desc")


def test_semantic_sort_orders_in_the_table(window: MainWindow) -> None:
    window.filter_panel.ownership[Ownership.OTHERS].setChecked(True)
    for o in Ownership:
        window.filter_panel.ownership[o].setChecked(True)
    window.table.sortByColumn(COLUMN_KEYS.index("ownership"), Qt.SortOrder.AscendingOrder)
    rows = window.model.rows
    seen = [rows.ownership[window.model.source_row(r)] for r in range(window.model.rowCount())]
    assert seen == sorted(seen, key=lambda o: o.rank)
    assert seen[0] is Ownership.OWNED and seen[-1] is Ownership.OTHERS
    window.table.sortByColumn(COLUMN_KEYS.index("status"), Qt.SortOrder.AscendingOrder)
    statuses = [rows.status[window.model.source_row(r)] for r in range(window.model.rowCount())]
    assert statuses[0] is Status.EXPIRED and statuses[-1] is Status.NOT_CONNECTED
    assert statuses == sorted(statuses, key=lambda s: s.rank)


# -- filtering through the panel ---------------------------------------------------------------------


def _tick(window: MainWindow, args: list[str]) -> None:
    panel = window.filter_panel
    it = iter(args)
    for flag in it:
        value = next(it)
        if flag == "--ownership":
            panel.ownership[Ownership(value)].setChecked(True)
        elif flag == "--status":
            panel.status[Status(value)].setChecked(True)
        elif flag == "--platform":
            panel.platforms[value].setChecked(True)
        elif flag == "--group":
            panel.groups[value].setChecked(True)
        elif flag == "--owner":
            panel.owners[value].setChecked(True)
        elif flag == "--connection-type":
            name, _, state = value.partition(":")
            combo = panel.types[ConnectionType(name)]
            combo.setCurrentIndex(combo.findData(state or "established"))


@pytest.mark.parametrize(
    "args",
    [
        ["--ownership", "owned"],
        ["--ownership", "shared", "--ownership", "none"],
        ["--ownership", "others"],
        ["--status", "expired"],
        ["--status", "connected", "--status", "not_connected"],
        ["--platform", "x", "--platform", "whatsapp"],
        ["--connection-type", "insights"],
        ["--connection-type", "publishing:expired"],
        ["--connection-type", "publishing:active", "--connection-type", "messaging:active"],
        ["--owner", "Priya Shah", "--owner", "Chen Wei"],
        ["--group", "Global"],
        ["--group", "EMEA", "--status", "connected"],
        ["--ownership", "owned", "--status", "expired", "--platform", "facebook"],
    ],
)
def test_filter_panel_matches_the_command_line(
    window: MainWindow, capsys: pytest.CaptureFixture[str], demo_dir: Path, args: list[str]
) -> None:
    _tick(window, args)
    expected = cli_ids(capsys, demo_dir, *args)
    assert table_ids(window) == expected
    total = window.model.total_count()
    assert window.status_count.text() == f"Showing {len(expected)} of {total} profiles"


def test_search_is_debounced_and_matches_the_command_line(
    qtbot: QtBot, window: MainWindow, capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    before = table_ids(window)
    qtbot.keyClicks(window.filter_panel.search, "support")
    assert table_ids(window) == before  # not yet: typing is debounced
    qtbot.waitUntil(
        lambda: table_ids(window) == cli_ids(capsys, demo_dir, "--search", "support"), timeout=3000
    )
    assert 0 < len(table_ids(window)) < len(before)
    # Escape clears the search.
    qtbot.keyClick(window.filter_panel.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table_ids(window) == before, timeout=3000)


def test_counts_behind_each_choice(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.filter_panel
    window._update_counts()
    expired = sum(
        1
        for r in range(window.model.rowCount())
        if window.model.rows.status[window.model.source_row(r)] is Status.EXPIRED
    )
    assert panel.status[Status.EXPIRED].text().endswith(f"({expired})")
    # Counts follow the other filters: with Facebook only, the status counts are Facebook's.
    panel.platforms["facebook"].setChecked(True)
    window._update_counts()
    fb_expired = sum(
        1
        for r in range(window.model.rowCount())
        if window.model.rows.status[window.model.source_row(r)] is Status.EXPIRED
    )
    assert panel.status[Status.EXPIRED].text().endswith(f"({fb_expired})")
    assert fb_expired < expired
    assert "(" in panel.types[ConnectionType.PUBLISHING].itemText(3)


def test_clear_filters(window: MainWindow) -> None:
    everything = table_ids(window)
    window.filter_panel.status[Status.EXPIRED].setChecked(True)
    window.filter_panel.platforms["x"].setChecked(True)
    assert table_ids(window) != everything
    window.filter_panel.clear_button.click()
    assert table_ids(window) == everything
    assert window.model.filter.is_default()


# -- selection --------------------------------------------------------------------------------------


def test_selection_survives_sort_filter_and_reload(qtbot: QtBot, window: MainWindow) -> None:
    table = window.table
    model = window.model
    # Select two expired profiles and make one current.
    expired = [
        model.profile_id(r)
        for r in range(model.rowCount())
        if model.rows.status[model.source_row(r)] is Status.EXPIRED
    ][:2]
    table.select_profile(expired[0])
    flags = table.selectionModel().SelectionFlag
    table.selectionModel().select(
        model.index(model.row_of_profile(expired[1]), 0),
        flags.Select | flags.Rows,  # type: ignore[arg-type]
    )
    assert sorted(table.selected_profile_ids()) == sorted(expired)
    table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert sorted(table.selected_profile_ids()) == sorted(expired)
    assert table.current_profile_id() == expired[0]
    window.filter_panel.status[Status.EXPIRED].setChecked(True)
    assert sorted(table.selected_profile_ids()) == sorted(expired)
    assert table.current_profile_id() == expired[0]
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.reload()
    assert sorted(table.selected_profile_ids()) == sorted(expired)
    assert table.current_profile_id() == expired[0]
    # A filter that hides one of them keeps the other.
    window.filter_panel.status[Status.EXPIRED].setChecked(False)
    window.filter_panel.search.setText(window.model.rows.display_name[window.model.rows.row_of[expired[1]]])
    window.filter_panel._flush_search()
    assert expired[1] in table.selected_profile_ids()


def test_refresh_of_one_row_updates_only_that_row(qtbot: QtBot, window: MainWindow, demo_dir: Path) -> None:
    model = window.model
    pid = model.profile_id(0)
    assert window.workspace is not None
    with window.workspace.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE profiles SET notes = 'changed' WHERE id = ?", (pid,))
    with window.workspace.engine.connect() as conn:
        changed = model.rows.refresh(conn, [pid])
    with qtbot.waitSignal(model.dataChanged, timeout=1000) as blocker:
        model.refresh_rows(changed)
    top, bottom = blocker.args[0], blocker.args[1]
    assert top.row() == bottom.row() == 0
    assert model.rows.notes[model.source_row(0)] == "changed"


# -- details and keyboard ---------------------------------------------------------------------------


def test_details_pane_follows_the_selection(window: MainWindow) -> None:
    window.table.selectRow(0)
    name = window.model.data(window.model.index(0, 0))
    assert name in window.details.title.text()
    window.table.selectAll()
    assert f"{window.model.rowCount()} profiles selected" in window.details.title.text()
    assert window.selection_label.text() == f"{window.model.rowCount()} selected"


def test_keyboard_ctrl_f_focuses_search(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    window.table.setFocus()
    window.action_find.trigger()
    assert QApplication.focusWidget() is window.filter_panel.search


def test_profile_id_role_and_tooltips(window: MainWindow) -> None:
    model = window.model
    index = model.index(0, COLUMN_KEYS.index("connections"))
    assert model.data(index, ProfileIdRole) == model.profile_id(0)
    tooltip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert tooltip and ("Publishing" in tooltip or "Insights" in tooltip or "No connection" in tooltip)


def test_expiry_hint_for_grants_expiring_within_a_week(window: MainWindow) -> None:
    from socialdesk.ui.profile_model import HintRole

    model = window.model
    status_col = COLUMN_KEYS.index("status")
    hints = [model.data(model.index(r, status_col), HintRole) for r in range(model.rowCount())]
    assert any(h and h.startswith("expires in") for h in hints), "the demo has grants expiring within 7 days"


def test_the_cell_paints_a_compact_expiry_badge_and_the_tooltip_says_it_in_full(window: MainWindow) -> None:
    """No "expires in 6 d…" cut mid-word: the cell paints "6 d left"; the tooltip has the words."""
    from socialdesk.ui.profile_model import HintRole, ShortHintRole

    model = window.model
    status_col = COLUMN_KEYS.index("status")
    pairs = [
        (model.data(model.index(r, status_col), ShortHintRole), model.index(r, status_col))
        for r in range(model.rowCount())
    ]
    expiring = [(short, index) for short, index in pairs if short]
    assert expiring, "the demo has grants expiring within 7 days"
    for short, index in expiring:
        full = model.data(index, HintRole)
        assert len(short) <= len("expires today")
        assert short == "expires today" or short.endswith(" d left")
        assert full in model.data(index, Qt.ItemDataRole.ToolTipRole)


# -- remembered state and the empty workspace -------------------------------------------------------


def test_state_is_remembered_across_a_restart(qtbot: QtBot, demo_dir: Path) -> None:
    first = open_window(qtbot, demo_dir)
    first.resize(781, 561)  # the offscreen screen is 800 x 600
    first.table.sortByColumn(COLUMN_KEYS.index("status"), Qt.SortOrder.DescendingOrder)
    first.filter_panel.platforms["facebook"].setChecked(True)
    first.filter_panel.types[ConnectionType.PUBLISHING].setCurrentIndex(3)  # expired
    first.table.setColumnWidth(0, 333)
    first.action_show_details.setChecked(False)
    shown = table_ids(first)
    first.close()

    second = open_window(qtbot, demo_dir)
    assert (second.width(), second.height()) == (781, 561)
    assert second.model.sort_state() == ("status", True)
    assert second.model.filter.platform == {"facebook"}
    assert second.model.filter.connection_types == {(ConnectionType.PUBLISHING, ConnectionState.EXPIRED)}
    assert second.filter_panel.platforms["facebook"].isChecked()
    assert second.table.columnWidth(0) == 333
    assert not second.action_show_details.isChecked()
    assert table_ids(second) == shown


def test_filter_json_round_trip_and_garbage() -> None:
    flt = ProfileFilter(
        ownership={Ownership.OWNED},
        status={Status.EXPIRED},
        platform={"x"},
        connection_types={(ConnectionType.INSIGHTS, None)},
        groups={"EMEA"},
        owners={"Priya Shah"},
        search="ab",
    )
    assert filter_from_json(filter_to_json(flt)) == flt
    assert filter_from_json("{not json").is_default()


def test_empty_workspace_offers_the_demo_inside_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path / "new")
    assert window.stack.currentWidget() is window.empty_page()
    assert window.empty_page().load_demo_button.isVisible()
    with qtbot.waitSignal(window.rowsLoaded, timeout=20000):
        qtbot.mouseClick(window.empty_page().load_demo_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.splitter
    assert window.model.total_count() >= 50
    assert window.status_count.text().startswith("Showing ")


def test_status_count_is_plain_digits_past_a_thousand(qtbot: QtBot, tmp_path: Path) -> None:
    """Scripts read "Showing N of M profiles" (docs/interfaces.md): no thousands separators."""
    import re

    from socialdesk.services.demo import build_demo

    ws = Workspace.open(tmp_path / "big", create=True)
    build_demo(ws, profiles=1500)
    ws.close()
    window = open_window(qtbot, tmp_path / "big")
    text = window.status_count.text()
    match = re.fullmatch(r"Showing (\d+) of (\d+) profiles", text)
    assert match, text
    assert int(match.group(2)) >= 1000 and int(match.group(1)) == window.model.visible_count()


def test_badges_are_drawn_once_and_copied_after_that(qtbot: QtBot, window: MainWindow) -> None:
    """Each repaint drew ~70 antialiased badges by hand (half of a repaint's Python time at 100,000
    profiles); now each distinct badge of a column width is drawn once into a pixmap and reused. The
    pixels are the same on the next repaint, and a new column width makes new badges."""
    from socialdesk.ui.delegates import BadgeDelegate
    from socialdesk.ui.profile_model import COL

    table, ownership, status = window.table, COL["ownership"], COL["status"]
    delegate = table.itemDelegateForColumn(ownership)
    assert isinstance(delegate, BadgeDelegate)
    first = table.viewport().grab().toImage()
    drawn = dict(delegate._badges)
    model = window.model
    values = {model.index(r, c).data() for r in range(model.rowCount()) for c in (ownership, status)}
    assert 0 < len(drawn) <= len(values) and len(drawn) < window.model.rowCount()
    second = table.viewport().grab().toImage()
    assert second == first and delegate._badges == drawn  # copied, not drawn again
    table.horizontalHeader().resizeSection(ownership, table.columnWidth(ownership) - 30)
    qtbot.wait(10)
    table.viewport().grab()
    assert len(delegate._badges) > len(drawn)
