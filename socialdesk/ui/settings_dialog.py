"""The Settings dialog: notification channels and health checks; each platform's sign-in credentials.

Client ids and the browser choice go to ``providers.toml`` (the file CONTRACTS.md describes);
client secrets go only to the OS keyring. All checks run before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socialdesk.services import health, notifications
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.providers import ProviderCatalogue, load_providers, save_provider_settings
from socialdesk.services.tokens import TokenStore
from socialdesk.services.workspace import Workspace
from socialdesk.ui.resources import platform_icon

SECRET_UNCHANGED = ""


class SettingsDialog(QDialog):
    def __init__(self, workspace: Workspace, tokens: TokenStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.tokens = tokens
        self.data_dir: Path = workspace.data_dir
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._notifications_page(), self.tr("Notifications"))
        self.tabs.addTab(self._connections_page(), self.tr("Sign-in"))
        self.error = QLabel(self)
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#A1160A")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save_and_close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(760, 560)

    # -- pages ------------------------------------------------------------------------------------

    def _notifications_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        with self.workspace.session() as s:
            ch = notifications.channels(s)
            interval = health.check_interval(s)
        self.in_app = QCheckBox(self.tr("Keep notifications in the notification centre"), page)
        self.in_app.setObjectName("notifyInApp")
        self.in_app.setChecked(ch.in_app)
        self.desktop = QCheckBox(self.tr("Show desktop notifications"), page)
        self.desktop.setObjectName("notifyDesktop")
        self.desktop.setChecked(ch.desktop)
        self.interval = QSpinBox(page)
        self.interval.setObjectName("checkInterval")
        self.interval.setRange(health.MIN_INTERVAL_MINUTES, health.MAX_INTERVAL_MINUTES)
        self.interval.setSuffix(self.tr(" min"))
        self.interval.setValue(interval)
        form.addRow(self.tr("When a connection expires"), self.in_app)
        form.addRow("", self.desktop)
        form.addRow(self.tr("Check connections every"), self.interval)
        return page

    def _connections_page(self) -> QWidget:
        outer = QWidget(self)
        layout = QVBoxLayout(outer)
        keyring_note = QLabel(outer)
        keyring_note.setObjectName("keyringStatus")
        keyring_note.setWordWrap(True)
        if self.tokens.available:
            keyring_note.setText(
                self.tr("Secrets are kept in your system keyring ({0}).").format(self.tokens.backend_name)
            )
        else:
            keyring_note.setText(
                self.tokens.warning or self.tr("No keyring: secrets are kept for this session only.")
            )
            keyring_note.setStyleSheet("color:#7A4100")
        layout.addWidget(keyring_note)
        intro = QLabel(
            self.tr(
                "Each platform needs your organisation's own app. Enter its client id (saved in "
                "providers.toml in the workspace folder) and, if the platform gives one, its client "
                "secret (saved only in the keyring). Choose the system browser where a platform refuses "
                "embedded sign-in, or to use your password manager or single sign-on."
            ),
            outer,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        try:
            catalogue: ProviderCatalogue | None = load_providers(self.data_dir)
        except SocialDeskError as exc:
            catalogue = None
            broken = QLabel(str(exc), outer)
            broken.setObjectName("providersError")
            broken.setWordWrap(True)
            broken.setStyleSheet("color:#A1160A")
            layout.addWidget(broken)
        scroll = QScrollArea(outer)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        grid = QGridLayout(body)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(3, 1)
        for col, title in enumerate(
            ("", self.tr("Platform"), self.tr("Client id"), self.tr("Client secret"), self.tr("Sign in with"))
        ):
            label = QLabel(f"<b>{title}</b>", body)
            grid.addWidget(label, 0, col)
        self.rows: dict[str, tuple[QLineEdit, QLineEdit, QComboBox]] = {}
        for r, provider in enumerate(catalogue or [], start=1):
            icon = QLabel(body)
            icon.setPixmap(platform_icon(provider.platform).pixmap(20, 20))
            name = QLabel(f"<a href='{provider.docs_url}'>{provider.label}</a>", body)
            name.setOpenExternalLinks(True)
            name.setToolTip(self.tr("The platform's developer documentation"))
            client_id = QLineEdit(provider.client_id, body)
            client_id.setObjectName(f"clientId_{provider.platform}")
            client_id.setPlaceholderText(self.tr("not set"))
            secret = QLineEdit(body)
            secret.setObjectName(f"clientSecret_{provider.platform}")
            secret.setEchoMode(QLineEdit.EchoMode.Password)
            has_secret = self.tokens.client_secret(provider.platform) is not None
            secret.setPlaceholderText(
                self.tr("stored — type to replace") if has_secret else self.tr("none (PKCE)")
            )
            browser = QComboBox(body)
            browser.setObjectName(f"browser_{provider.platform}")
            browser.addItem(self.tr("Embedded window"), "embedded")
            browser.addItem(self.tr("System browser"), "system")
            browser.setCurrentIndex(browser.findData(provider.browser))
            for c, widget in enumerate((icon, name, client_id, secret, browser)):
                grid.addWidget(widget, r, c, Qt.AlignmentFlag.AlignVCenter)
            self.rows[provider.platform] = (client_id, secret, browser)
        grid.setRowStretch(len(self.rows) + 1, 1)
        scroll.setWidget(body)
        layout.addWidget(scroll)
        self.catalogue = catalogue
        return outer

    # -- saving -----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Write what changed; returns False (and says why, keeping every field) when something is wrong."""
        self.error.clear()
        try:
            with self.workspace.session() as s:
                notifications.set_channels(
                    s, in_app=self.in_app.isChecked(), desktop=self.desktop.isChecked()
                )
                health.set_check_interval(s, self.interval.value())
            if self.catalogue is not None:
                for key, (client_id, secret, browser) in self.rows.items():
                    provider = self.catalogue.get(key)
                    changes: dict[str, object] = {}
                    if client_id.text().strip() != provider.client_id:
                        changes["client_id"] = client_id.text().strip() or None
                    if browser.currentData() != provider.browser:
                        changes["browser"] = browser.currentData()
                    if changes:
                        self.catalogue = save_provider_settings(self.data_dir, key, **changes)
                    if secret.text() != SECRET_UNCHANGED:
                        self.tokens.set_client_secret(key, secret.text())
                        secret.clear()
        except SocialDeskError as exc:
            self.error.setText(str(exc))
            return False
        return True

    def save_and_close(self) -> None:
        if self.save():
            self.accept()
