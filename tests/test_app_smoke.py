"""The GUI entry point opens a workspace in a main window without blocking."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from socialdesk.app import create_main_window


def test_create_main_window_on_a_new_folder(qtbot: QtBot, tmp_path: Path) -> None:
    window = create_main_window(tmp_path / "fresh")
    qtbot.addWidget(window)
    assert isinstance(window, QMainWindow)
    qtbot.waitSignal(window.workspaceOpened, timeout=10000).wait()  # type: ignore[attr-defined]
    assert (tmp_path / "fresh" / "socialdesk.db").exists()
    window.show()
    qtbot.waitExposed(window)


def test_create_main_window_reports_a_broken_workspace_inside_the_window(
    qtbot: QtBot, tmp_path: Path
) -> None:
    (tmp_path / "socialdesk.db").write_bytes(b"garbage" * 20)
    window = create_main_window(tmp_path)
    qtbot.addWidget(window)
    # The workspace opens in a worker: the window is there at once, the message (and the error page
    # that holds it) comes when it fails.
    def said() -> bool:
        message = window.findChild(QLabel, "workspaceMessage")
        return message is not None and "not a SQLite database" in message.text()

    qtbot.waitUntil(said, timeout=10000)
