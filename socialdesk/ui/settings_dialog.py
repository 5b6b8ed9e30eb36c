"""The Settings dialog: notification channels and health checks; each platform's sign-in credentials.

Client ids and the browser choice go to ``providers.toml`` (the file docs/interfaces.md describes);
client secrets go only to the OS keyring. All checks run before anything is written.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socialdesk.services import health, notifications
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.providers import Provider, ProviderCatalogue, load_providers, save_provider_settings
from socialdesk.services.tokens import TokenStore
from socialdesk.services.workspace import Workspace
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon

SECRET_UNCHANGED = ""


class SettingsDialog(QDialog):
    #: A pasted token was checked: the number of profiles connected (-1: refused).
    tokenConnected = Signal(int)

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
        self.interval.setMaximumWidth(self.interval.sizeHint().width() + 24)  # not the whole row (~600 px)
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
        self.guides: dict[str, QLabel] = {}
        self.redirects: dict[str, QLineEdit] = {}
        r = 0
        for provider in catalogue.apps() if catalogue is not None else []:
            r += 1
            key = provider.secret_key
            suffix = key.replace(":", "_")
            icon = QLabel(body)
            icon.setPixmap(platform_icon(provider.platform).pixmap(20, 20))
            name = QLabel(f"<a href='{provider.docs_url}'>{provider.app_label}</a>", body)
            name.setOpenExternalLinks(True)
            name.setToolTip(self.tr("The platform's developer documentation"))
            client_id = QLineEdit(provider.client_id, body)
            client_id.setObjectName(f"clientId_{suffix}")
            client_id.setPlaceholderText(self.tr("not set"))
            secret = QLineEdit(body)
            secret.setObjectName(f"clientSecret_{suffix}")
            secret.setEchoMode(QLineEdit.EchoMode.Password)
            has_secret = self.tokens.client_secret(key) is not None
            if has_secret:
                secret.setPlaceholderText(self.tr("stored — type to replace"))
            elif provider.secret_required:
                secret.setPlaceholderText(self.tr("required — not set"))
            else:
                secret.setPlaceholderText(self.tr("none needed (PKCE)"))
            browser = QComboBox(body)
            browser.setObjectName(f"browser_{suffix}")
            if "embedded" in provider.browsers:
                browser.addItem(self.tr("Embedded window"), "embedded")
            if "system" in provider.browsers:
                browser.addItem(self.tr("System browser"), "system")
            browser.setCurrentIndex(max(0, browser.findData(provider.browser)))
            for c, widget in enumerate((icon, name, client_id, secret, browser)):
                grid.addWidget(widget, r, c, Qt.AlignmentFlag.AlignVCenter)
            self.rows[key] = (client_id, secret, browser)
            r += 1
            grid.addWidget(self._setup_guide(provider, body), r, 1, 1, 4)
        self._row_count = r
        grid.setRowStretch(self._row_count + 1, 1)
        scroll.setWidget(body)
        layout.addWidget(scroll)
        self.catalogue = catalogue
        return outer

    def _setup_guide(self, provider: Provider, parent: QWidget) -> QWidget:
        """The setup guide: create the app, the exact redirect URI (Copy), permissions, approvals."""
        box = QWidget(parent)
        box.setObjectName(f"setupGuide_{provider.secret_key.replace(':', '_')}")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 8)
        try:
            redirect = provider.sign_in_redirect_uri() if provider.redirect_mode != "any_loopback" else ""
        except SocialDeskError:
            redirect = ""
        redirect = redirect or provider.redirect_uri
        modes = {
            "fixed_loopback": self.tr("register exactly this redirect URI, port included"),
            "any_loopback": self.tr("any port on 127.0.0.1 is accepted"),
            "https_intercept": self.tr(
                "the https redirect is read by SocialDesk's sign-in window, never loaded"
            ),
        }
        steps = "".join(f"<li>{html.escape(step)}</li>" for step in provider.setup)
        permissions = ", ".join(sorted({s for scopes in provider.scopes.values() for s in scopes}))
        approvals = " · ".join(
            f"<a href='{html.escape(url)}'>{html.escape(title)}</a>" for title, url in provider.approval_links
        )
        text = (
            f"<ol>{steps}</ol>"
            + self.tr("<b>Permissions to request:</b> {0}").format(html.escape(permissions))
            + (
                f"<br><b>{self.tr('Token')}:</b> {html.escape(provider.lifetime)}"
                if provider.lifetime
                else ""
            )
            + (f"<br><b>{self.tr('Limits')}:</b> {html.escape(provider.notes)}" if provider.notes else "")
            + (f"<br><b>{self.tr('Approvals')}:</b> {approvals}" if approvals else "")
        )
        guide = QLabel(text, box)
        guide.setWordWrap(True)
        guide.setOpenExternalLinks(True)
        guide.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(guide)
        line = QHBoxLayout()
        line.addWidget(
            QLabel(self.tr("Redirect URI ({0}):").format(modes.get(provider.redirect_mode, "")), box)
        )
        uri = QLineEdit(redirect or self.tr("enter the https URL registered with the app"), box)
        uri.setObjectName(f"redirectUri_{provider.secret_key.replace(':', '_')}")
        uri.setReadOnly(True)
        uri.setCursorPosition(0)  # show where the address starts; the tooltip has it whole
        uri.setToolTip(uri.text())
        line.addWidget(uri, 1)
        copy = QPushButton(self.tr("Copy"), box)
        copy.setObjectName(f"copyRedirect_{provider.secret_key.replace(':', '_')}")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(uri.text()))
        line.addWidget(copy)
        layout.addLayout(line)
        if provider.accepts_pasted_token:
            layout.addLayout(self._token_paste(provider, box))
        self.guides[provider.secret_key] = guide
        self.redirects[provider.secret_key] = uri
        return box

    def _token_paste(self, provider: Provider, parent: QWidget) -> QHBoxLayout:
        """WhatsApp for one's own business: a system-user token becomes my Messaging grant."""
        line = QHBoxLayout()
        line.addWidget(QLabel(self.tr("Or paste a system-user token:"), parent))
        self.pasted_token = QLineEdit(parent)
        self.pasted_token.setObjectName(f"pastedToken_{provider.platform}")
        self.pasted_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.pasted_token.setPlaceholderText(self.tr("from Business Manager ▸ System users"))
        line.addWidget(self.pasted_token, 1)
        self.paste_button = QPushButton(self.tr("Connect with this token"), parent)
        self.paste_button.setObjectName(f"connectToken_{provider.platform}")
        self.paste_button.clicked.connect(lambda: self.connect_pasted_token(provider.platform))
        line.addWidget(self.paste_button)
        self.paste_status = QLabel(parent)
        self.paste_status.setObjectName(f"pastedTokenStatus_{provider.platform}")
        self.paste_status.setWordWrap(True)
        line.addWidget(self.paste_status, 1)
        return line

    def connect_pasted_token(self, platform_key: str) -> None:
        """Check the pasted token (debug_token), find its numbers, record my grants — off the GUI thread."""
        from socialdesk.models.catalogue import ConnectionType
        from socialdesk.services import discovery
        from socialdesk.services import members as members_service
        from socialdesk.services.oauth import OAuthService
        from socialdesk.ui.workers import run_in_thread

        token = self.pasted_token.text()
        with self.workspace.session() as s:
            me = members_service.me(s)
            me_id = me.id if me is not None else None
        if me_id is None:
            self.paste_status.setText(self.tr("Choose who you are in the team first."))
            return
        try:
            service = OAuthService(load_providers(self.data_dir), self.tokens)
        except SocialDeskError as exc:
            self.paste_status.setText(str(exc))
            return
        self.paste_button.setEnabled(False)
        self.paste_status.setText(self.tr("Checking the token…"))
        workspace = self.workspace

        def work() -> int:
            record = discovery.connect_with_token(
                workspace, service, platform_key, token, member_id=me_id, types=[ConnectionType.MESSAGING]
            )
            return sum(1 for o in record.outcomes if o.connected)

        def done(count: int) -> None:
            self.paste_button.setEnabled(True)
            self.pasted_token.clear()
            self.paste_status.setText(
                plural(
                    count,
                    "Connected {n} phone number with this token.",
                    "Connected {n} phone numbers with this token.",
                )
            )
            self.tokenConnected.emit(count)

        def failed(exc: BaseException, _details: str) -> None:
            self.paste_button.setEnabled(True)
            self.paste_status.setText(
                str(exc) if isinstance(exc, SocialDeskError) else self.tr("The token could not be checked.")
            )
            self.tokenConnected.emit(-1)

        run_in_thread(work, done, failed)

    def browsers_for(self, key: str) -> list[str]:
        """The browsers offered for ``key``'s sign-in (only the embedded view where https is the redirect)."""
        combo = self.rows[key][2]
        return [str(combo.itemData(i)) for i in range(combo.count())]

    def show_sign_in(self, key: str | None = None) -> None:
        """Open on the Sign-in page, scrolled to ``key``'s row, its client id focused."""
        self.tabs.setCurrentIndex(1)
        row = self.rows.get(key or "")
        if row is not None:
            row[0].setFocus()

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
                    platform_key, _, kind = key.partition(":")
                    provider = self.catalogue.get(platform_key, kind or None)
                    changes: dict[str, object] = {}
                    if client_id.text().strip() != provider.client_id:
                        changes["client_id"] = client_id.text().strip() or None
                    if browser.currentData() != provider.browser:
                        changes["browser"] = browser.currentData()
                    if changes:
                        self.catalogue = save_provider_settings(
                            self.data_dir, platform_key, kind=kind or None, **changes
                        )
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
