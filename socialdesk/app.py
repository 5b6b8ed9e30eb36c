"""GUI entry points: ``create_main_window`` (CONTRACTS.md) and ``run_gui`` for the console script."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow


def create_main_window(data_dir: Path) -> QMainWindow:
    """Open the workspace in ``data_dir`` (created when missing) in a main window; never blocks on a dialog.

    The caller owns the QApplication.
    """
    from socialdesk.ui.main_window import MainWindow

    return MainWindow.open(Path(data_dir))


def run_gui(data_dir: Path) -> int:
    if os.geteuid() == 0 if hasattr(os, "geteuid") else False:
        # Chromium (QtWebEngine, used for sign-in) refuses to run its sandbox as root.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("SocialDesk")
    app.setOrganizationName("SocialDesk")
    app.setApplicationDisplayName("SocialDesk")
    window = create_main_window(data_dir)
    window.show()
    return app.exec()
