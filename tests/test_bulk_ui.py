"""Bulk actions in the window: planned off the GUI thread for any selection size (no silent cap), grouped
warnings that leave room for the list, and Cancel as the default of a destructive confirmation."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QToolButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from socialdesk.models.schema import Profile
from socialdesk.services import bulk, members
from socialdesk.services.workspace import Workspace
from socialdesk.ui.dialogs import PlanDialog
from socialdesk.ui.main_window import MainWindow

BIG = 20_000


def open_window(qtbot: QtBot, data_dir: Path) -> MainWindow:
    window = MainWindow.open(data_dir)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.rowsLoaded, timeout=60000):
        window.show()
    return window


@pytest.fixture
def big_window(qtbot: QtBot, scale_dir: Path, tmp_path: Path) -> Iterator[MainWindow]:
    target = tmp_path / "big"
    shutil.copytree(scale_dir, target)
    yield open_window(qtbot, target)


def deleted_ids(ws: Workspace) -> set[int]:
    with ws.session() as s:
        return set(s.scalars(select(Profile.id).where(Profile.deleted_at.is_not(None))))


def test_delete_of_twenty_thousand_selected_rows_is_planned_off_the_gui_thread(
    qtbot: QtBot, big_window: MainWindow
) -> None:
    window = big_window
    assert window.workspace is not None
    window.table.selectAll()
    selected = window.table.selected_profile_ids()
    assert len(selected) == window.model.rowCount() > 15_000
    with window.workspace.session() as s:
        expected = len(bulk.plan(s, members.me_actor(s), "actionDelete", selected).will)
    before = deleted_ids(window.workspace)

    stalls: list[float] = []
    clock = QElapsedTimer()
    ticker = QTimer()
    ticker.setInterval(10)

    def tick() -> None:
        stalls.append(clock.restart())

    ticker.timeout.connect(tick)
    seen: dict[str, Any] = {}

    def plan_ready(_plan: object) -> None:  # the plan is back: planning is over, the dialog comes next
        ticker.stop()
        seen["ready"] = time.perf_counter()

    window.profile_actions.planReady.connect(plan_ready)

    def wait_for_plan() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PlanDialog):
            QTimer.singleShot(10, wait_for_plan)
            return
        seen["dialog"] = time.perf_counter()
        seen["summary"] = dialog.summary.toPlainText()
        seen["default"] = dialog.cancel_button.isDefault()
        dialog.reject()  # Cancel: nothing may change

    started = time.perf_counter()
    clock.start()
    ticker.start()
    QTimer.singleShot(0, wait_for_plan)
    with qtbot.waitSignal(window.profile_actions.bulkFinished, timeout=120000):
        window.action("actionDelete").trigger()
    took = time.perf_counter() - started
    longest = max(stalls[1:], default=0)
    print(f"\nplan of {len(selected)} rows: {took:.2f} s, longest GUI stall {longest} ms")
    assert f"Will be done ({expected:,})" in seen["summary"]  # the whole selection, not the first 5,000
    assert seen["default"] is True
    assert longest <= 50, f"the GUI stalled {longest} ms while {len(selected)} profiles were planned"
    building = (seen["dialog"] - seen["ready"]) * 1000
    print(f"confirmation built in {building:.0f} ms")
    assert building <= 150, f"the confirmation of {len(selected)} profiles took {building:.0f} ms to show"
    assert deleted_ids(window.workspace) == before


def test_grouped_warnings_and_cancel_as_the_default(qtbot: QtBot, demo_dir: Path) -> None:
    window = open_window(qtbot, demo_dir)
    window.table.selectAll()
    seen: dict[str, Any] = {}

    def look(dialog: PlanDialog) -> None:
        seen["warnings"] = [w.text() for w in dialog.findChildren(QLabel, "planWarning")]
        toggles = dialog.findChildren(QToolButton, "planWarningDetails")
        lists = dialog.findChildren(QListWidget, "planWarningList")
        seen["hidden_before"] = all(not lst.isVisible() for lst in lists)
        for toggle in toggles:
            toggle.click()
        seen["details"] = [lst.item(i).text() for lst in lists for i in range(lst.count())]
        seen["summary_height"] = dialog.summary.height()
        seen["default"] = dialog.cancel_button.isDefault() and not dialog.confirm_button.isDefault()
        seen["focus"] = dialog.focusWidget() is dialog.cancel_button
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Enter answers the default: Cancel
        seen["rejected"] = dialog.result() == PlanDialog.DialogCode.Rejected

    def wait() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, PlanDialog):
            look(dialog)
        else:
            QTimer.singleShot(10, wait)

    assert window.workspace is not None
    before = deleted_ids(window.workspace)
    QTimer.singleShot(0, wait)
    with qtbot.waitSignal(window.profile_actions.bulkFinished, timeout=20000):
        window.action("actionDelete").trigger()
    warnings = seen["warnings"]
    assert len(warnings) == 2  # one for shares, one for groups — not one box per share
    assert "profiles are shared with" in warnings[0] and "they lose access" in warnings[0]
    assert "profiles are in" in warnings[1] and "groups" in warnings[1]
    assert seen["hidden_before"] and any(" — " in d and "profile" in d for d in seen["details"])
    assert seen["summary_height"] >= 120  # the list keeps its room
    assert seen["default"] and seen["focus"] and seen["rejected"]
    assert deleted_ids(window.workspace) == before


def test_one_profile_is_this_profile(qtbot: QtBot, demo_dir: Path) -> None:
    from socialdesk.services import profiles as profiles_service

    window = open_window(qtbot, demo_dir)
    assert window.workspace is not None
    with window.workspace.session() as s:
        actor = members.me_actor(s)
        ids = list(s.scalars(select(Profile.id).where(Profile.deleted_at.is_(None))))
        planned = bulk.plan(s, actor, "actionDelete", ids)
        views = profiles_service.views(s, [i.profile_id for i in planned.will])
    shared = next(v.id for v in views.values() if v.shared_with or v.shared_with_all)
    grouped = next(v.id for v in views.values() if v.in_groups)
    cases = ((shared, "This profile is shared with "), (grouped, "This profile is in the groups "))
    for pid, expected in cases:
        assert window.table.select_profile(pid)
        seen: list[str] = []

        def wait(seen: list[str] = seen) -> None:
            dialog = QApplication.activeModalWidget()
            if isinstance(dialog, PlanDialog):
                seen.extend(w.text() for w in dialog.findChildren(QLabel, "planWarning"))
                dialog.reject()
            else:
                QTimer.singleShot(10, wait)

        QTimer.singleShot(0, wait)
        with qtbot.waitSignal(window.profile_actions.bulkFinished, timeout=20000):
            window.action("actionDelete").trigger()
        assert any(w.startswith(expected) for w in seen), seen
        assert not any("profiles are" in w for w in seen)
