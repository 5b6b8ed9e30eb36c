"""A profile just added is selected in the table (or, hidden by the filters, the status bar says so)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from socialdesk.models.catalogue import Status
from socialdesk.ui.dialogs import AddPublicProfileDialog
from socialdesk.ui.main_window import MainWindow


def answer(callback: Callable[[QWidget], None]) -> None:
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        callback(dialog)

    QTimer.singleShot(0, run)


def open_window(qtbot: QtBot, data_dir: Path) -> MainWindow:
    window = MainWindow.open(data_dir)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.show()
    return window


def add(qtbot: QtBot, window: MainWindow, url: str) -> int:
    dialog = AddPublicProfileDialog(window)
    qtbot.addWidget(dialog)
    dialog.ref.setText(url)
    answer(lambda d: d.accept())  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        new_id = window.profile_actions.add_public_profile(dialog)
    assert new_id is not None
    return new_id


def test_a_new_profile_is_selected_and_shown(qtbot: QtBot, demo_dir: Path) -> None:
    window = open_window(qtbot, demo_dir)
    new_id = add(qtbot, window, "https://www.instagram.com/brand.new.shop/")
    assert window.table.selected_profile_ids() == [new_id]
    assert window.details.details is not None and window.details.details.id == new_id


def test_a_new_profile_hidden_by_the_filters_is_said(qtbot: QtBot, demo_dir: Path) -> None:
    window = open_window(qtbot, demo_dir)
    window.filter_panel.set_filter(window.model.filter.__class__(status={Status.EXPIRED}))
    window._on_filter_changed(window.filter_panel.filter())
    new_id = add(qtbot, window, "https://x.com/brand_new_x")  # public: never Expired
    assert new_id not in window.table.selected_profile_ids()
    assert "hidden by the current filters" in window.statusBar().currentMessage()
