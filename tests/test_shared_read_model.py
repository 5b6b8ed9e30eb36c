"""The other windows read the profiles window's read model (issue 13, point 4): the profile manager's
list is made from the window's rows, not read a second time (the groups editor's picker:
tests/test_groups_search.py; the export: tests/test_export_ui.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from socialdesk.ops import profile_settings as ops_profiles
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace


def test_the_managers_list_from_the_windows_rows_is_the_list_read_anew(demo_ws: Workspace) -> None:
    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
    assert ops_profiles.profile_list(demo_ws, rows) == ops_profiles.profile_list(demo_ws)


def test_rows_changed_while_the_manager_reads_them_are_read_again(demo_ws: Workspace) -> None:
    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
    expected = ops_profiles.profile_list(demo_ws)
    rows.ids.array = np.append(rows.ids.array, 10**9)  # a refresh half done: the arrays disagree
    assert ops_profiles.profile_list(demo_ws, rows) == expected


def test_the_manager_opened_from_the_window_reads_no_profile_again(
    qtbot: QtBot, demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from socialdesk.app import create_main_window
    from socialdesk.ui import main_dialogs
    from socialdesk.ui.main_window import MainWindow
    from socialdesk.ui.profile_manager import ProfileManagerWindow

    window = create_main_window(demo_dir)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.rowsLoaded, timeout=60000):
        pass

    def no_load(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the profiles were read a second time")

    monkeypatch.setattr(ProfileRows, "load", no_load)
    main_dialogs.open_profile_manager(window)
    manager = window.findChild(ProfileManagerWindow, "profileManagerWindow")
    assert manager is not None and manager.shared_rows is window.model.rows
    qtbot.waitUntil(lambda: not manager.list_loading, timeout=10000)
    assert manager.model.total == window.model.total_count()
    manager.close()
    window.close()
