"""The main window: opens a workspace and shows its profiles."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from socialdesk.services.errors import WorkspaceError
from socialdesk.services.workspace import Workspace


class MainWindow(QMainWindow):
    def __init__(self, data_dir: Path, workspace: Workspace | None, error: str | None = None) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.workspace = workspace
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("SocialDesk — {0}").format(data_dir))
        self.resize(1280, 800)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.message = QLabel(central)
        self.message.setObjectName("workspaceMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.setCentralWidget(central)
        if error:
            self.message.setText(error)
        elif workspace is not None and workspace.is_empty():
            self.message.setText(self.tr("This workspace is empty."))

    @classmethod
    def open(cls, data_dir: Path) -> MainWindow:
        try:
            workspace = Workspace.open(data_dir, create=True)
        except WorkspaceError as exc:
            return cls(data_dir, None, str(exc))
        return cls(data_dir, workspace)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.workspace is not None:
            self.workspace.close()
        super().closeEvent(event)
