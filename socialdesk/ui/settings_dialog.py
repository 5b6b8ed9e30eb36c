"""The Settings dialog: notification channels and health checks; each platform's sign-in credentials.

Client ids and the browser choice go to ``providers.toml`` (the file docs/interfaces.md describes);
client secrets go only to the OS keyring. All checks run before anything is written.
"""

from __future__ import annotations

import html
from dataclasses import replace
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
from shiboken6 import isValid

from socialdesk.ops import preferences as ops_preferences
from socialdesk.ops.preferences import (
    AppEdit,
    PreferencesDraft,
    Provider,
    ProviderCatalogue,
    TokenStore,
    Workspace,
)
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import changes, run_op
from socialdesk.ui.pages import Page, PageCheckError, collect, first_problem
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import ERROR_STYLE, WARNING_COLOR
from socialdesk.ui.widgets import error_label, show_text

SECRET_UNCHANGED = ""


class NotificationsPage(QWidget):
    """How a manager hears of an expired connection, and how often connections are checked."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("notificationsPage")
        form = QFormLayout(self)
        self.in_app = QCheckBox(self.tr("Keep notifications in the notification centre"), self)
        self.in_app.setObjectName("notifyInApp")
        self.desktop = QCheckBox(self.tr("Show desktop notifications"), self)
        self.desktop.setObjectName("notifyDesktop")
        self.interval = QSpinBox(self)
        self.interval.setObjectName("checkInterval")
        self.interval.setRange(ops_preferences.MIN_INTERVAL_MINUTES, ops_preferences.MAX_INTERVAL_MINUTES)
        self.interval.setSuffix(self.tr(" min"))
        self.interval.setMaximumWidth(self.interval.sizeHint().width() + 24)  # not the whole row (~600 px)
        form.addRow(self.tr("When a connection expires"), self.in_app)
        form.addRow("", self.desktop)
        form.addRow(self.tr("Check connections every"), self.interval)

    def load(self) -> None:
        prefs = ops_preferences.load_preferences(self.workspace)
        self.in_app.setChecked(prefs.in_app)
        self.desktop.setChecked(prefs.desktop)
        self.interval.setRange(prefs.min_interval, prefs.max_interval)
        self.interval.setValue(prefs.interval_minutes)

    def check(self) -> None:
        low, high = self.interval.minimum(), self.interval.maximum()
        if not low <= self.interval.value() <= high:
            raise PageCheckError(
                self.tr("Check connections every {0} to {1} minutes.").format(low, high), self.interval
            )

    def save(self, draft: PreferencesDraft) -> PreferencesDraft:
        return replace(
            draft,
            in_app=self.in_app.isChecked(),
            desktop=self.desktop.isChecked(),
            interval_minutes=self.interval.value(),
        )


class SignInPage(QWidget):
    """Each platform's app: client id (providers.toml), client secret (keyring), browser, setup guide."""

    #: A pasted token was checked: the number of profiles connected (-1: refused).
    tokenConnected = Signal(int)

    def __init__(self, workspace: Workspace, tokens: TokenStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.tokens = tokens
        self.setObjectName("signInPage")
        self.rows: dict[str, tuple[QLineEdit, QLineEdit, QComboBox]] = {}
        self.guides: dict[str, QLabel] = {}
        self.redirects: dict[str, QLineEdit] = {}
        self.catalogue: ProviderCatalogue | None = None
        self.pasted_token: QLineEdit | None = None
        self.paste_button: QPushButton | None = None
        self.paste_status: QLabel | None = None
        self._layout = QVBoxLayout(self)
        keyring_note = QLabel(self)
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
            keyring_note.setStyleSheet(f"color:{WARNING_COLOR}")
        self._layout.addWidget(keyring_note)
        intro = QLabel(
            self.tr(
                "Each platform needs your organisation's own app. Enter its client id (saved in "
                "providers.toml in the workspace folder) and, if the platform gives one, its client "
                "secret (saved only in the keyring). Choose the system browser where a platform refuses "
                "embedded sign-in, or to use your password manager or single sign-on."
            ),
            self,
        )
        intro.setWordWrap(True)
        self._layout.addWidget(intro)
        self.broken = error_label(self, "providersError")
        self._layout.addWidget(self.broken)

    def load(self) -> None:
        """Read the catalogue and lay out one row per app (once: the rows keep what the user typed)."""
        if self.rows:
            return
        try:
            self.catalogue = ops_preferences.load_catalogue(self.workspace)
        except SocialDeskError as exc:
            self.catalogue = None
            show_text(self.broken, str(exc))
        scroll = QScrollArea(self)
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
        r = 0
        for provider in self.catalogue.apps() if self.catalogue is not None else []:
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
            self._secret_placeholder(provider, secret)
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
        grid.setRowStretch(r + 1, 1)
        scroll.setWidget(body)
        self._layout.addWidget(scroll)

    def _secret_placeholder(self, provider: Provider, secret: QLineEdit) -> None:
        try:
            has_secret = self.tokens.client_secret(provider.secret_key) is not None
        except SocialDeskError:
            has_secret = False
        if has_secret:
            secret.setPlaceholderText(self.tr("stored — type to replace"))
        elif provider.secret_required:
            secret.setPlaceholderText(self.tr("required — not set"))
        else:
            secret.setPlaceholderText(self.tr("none needed (PKCE)"))

    def check(self) -> None:
        """Nothing to check on the page itself: the rules of providers.toml run on the whole draft."""

    def save(self, draft: PreferencesDraft) -> PreferencesDraft:
        if self.catalogue is None:
            return draft  # the file could not be read: nothing of it is offered, nothing changes
        apps = tuple(
            AppEdit(key, client_id.text(), str(browser.currentData()), secret.text() or None)
            for key, (client_id, secret, browser) in self.rows.items()
        )
        return replace(draft, apps=apps)

    def saved(self, catalogue: ProviderCatalogue | None) -> None:
        """After a save: the secrets typed are stored, so they leave the screen."""
        if catalogue is not None:
            self.catalogue = catalogue
        for key, (_client_id, secret, _browser) in self.rows.items():
            if secret.text() != SECRET_UNCHANGED:
                secret.clear()
                if self.catalogue is not None:
                    platform_key, _, kind = key.partition(":")
                    self._secret_placeholder(self.catalogue.get(platform_key, kind or None), secret)

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
        assert (
            self.pasted_token is not None and self.paste_button is not None and self.paste_status is not None
        )
        token = self.pasted_token.text()
        button, status, field = self.paste_button, self.paste_status, self.pasted_token
        button.setEnabled(False)
        status.setText(self.tr("Checking the token…"))
        workspace, tokens = self.workspace, self.tokens

        def done(count: int) -> None:
            if not isValid(self):
                return
            button.setEnabled(True)
            field.clear()
            status.setText(
                plural("Connected %Ln phone number(s) with this token.", count)
            )
            self.tokenConnected.emit(count)

        def failed(exc: BaseException, _details: str) -> None:
            if not isValid(self):
                return
            button.setEnabled(True)
            status.setText(
                str(exc) if isinstance(exc, SocialDeskError) else self.tr("The token could not be checked.")
            )
            self.tokenConnected.emit(-1)

        run_op(
            lambda: ops_preferences.connect_pasted_token(workspace, tokens, platform_key, token), done, failed
        )


class SettingsDialog(QDialog):
    """Notification channels and health checks; each platform's sign-in app. Saved all or nothing."""

    #: A pasted token was checked: the number of profiles connected (-1: refused).
    tokenConnected = Signal(int)

    def __init__(self, workspace: Workspace, tokens: TokenStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.tokens = tokens
        self.data_dir: Path = workspace.data_dir
        self.saving = False
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)
        self.notifications_page = NotificationsPage(workspace, self)
        self.sign_in_page = SignInPage(workspace, tokens, self)
        self.sign_in_page.tokenConnected.connect(self.tokenConnected)
        self.pages: list[Page[PreferencesDraft]] = [self.notifications_page, self.sign_in_page]
        self.notifications_page.load()
        self.sign_in_page.load()
        self.tabs.addTab(self.notifications_page, self.tr("Notifications"))
        self.tabs.addTab(self.sign_in_page, self.tr("Sign-in"))
        self.error = error_label(self, "settingsError", ERROR_STYLE)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save_and_close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(760, 560)

    # The pages' widgets, by the names the rest of the app and the tests use.
    @property
    def in_app(self) -> QCheckBox:
        return self.notifications_page.in_app

    @property
    def desktop(self) -> QCheckBox:
        return self.notifications_page.desktop

    @property
    def interval(self) -> QSpinBox:
        return self.notifications_page.interval

    @property
    def rows(self) -> dict[str, tuple[QLineEdit, QLineEdit, QComboBox]]:
        return self.sign_in_page.rows

    @property
    def guides(self) -> dict[str, QLabel]:
        return self.sign_in_page.guides

    @property
    def redirects(self) -> dict[str, QLineEdit]:
        return self.sign_in_page.redirects

    @property
    def catalogue(self) -> ProviderCatalogue | None:
        return self.sign_in_page.catalogue

    @property
    def pasted_token(self) -> QLineEdit:
        widget = self.sign_in_page.pasted_token
        assert widget is not None, "no platform takes a pasted token"
        return widget

    @property
    def paste_button(self) -> QPushButton:
        widget = self.sign_in_page.paste_button
        assert widget is not None, "no platform takes a pasted token"
        return widget

    @property
    def paste_status(self) -> QLabel:
        widget = self.sign_in_page.paste_status
        assert widget is not None, "no platform takes a pasted token"
        return widget

    def connect_pasted_token(self, platform_key: str) -> None:
        self.sign_in_page.connect_pasted_token(platform_key)

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

    def _checked_draft(self) -> PreferencesDraft | None:
        """Every page checked, then every page's values in one draft; None (and why, on its page) if not."""
        show_text(self.error, "")
        refused = first_problem(self.pages)
        if refused is not None:
            page, problem = refused
            self._show_problem(page, problem.message, problem.widget)
            return None
        draft = collect(self.pages, PreferencesDraft())
        try:
            problems = ops_preferences.check_preferences(self.workspace, draft)
        except SocialDeskError as exc:
            problems = [("", str(exc))]
        if problems:
            on_notifications = all(f == "interval" for f, _ in problems)
            page = self.notifications_page if on_notifications else self.sign_in_page
            self._show_problem(page, ValidationError(problems).args[0], None)
            return None
        return draft

    def _show_problem(self, page: Page[PreferencesDraft], text: str, widget: QWidget | None) -> None:
        self.tabs.setCurrentWidget(page)  # type: ignore[arg-type]
        show_text(self.error, self.tr("Not saved: {0}").format(text))
        if widget is not None:
            widget.setFocus()

    def save(self) -> bool:
        """Write everything or nothing; False (and why, keeping every field) when something is wrong.

        Synchronous (the tests' and a caller's way to know at once); the Save button uses
        :meth:`save_and_close`, which runs the same operation off the GUI thread.
        """
        draft = self._checked_draft()
        if draft is None:
            return False
        try:
            done = ops_preferences.save_preferences(self.workspace, self.tokens, draft)
        except SocialDeskError as exc:
            self._failed(exc)
            return False
        self._saved(done.value)
        changes().publish(done.change)
        return True

    def _saved(self, saved: ops_preferences.SavedPreferences) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        self.sign_in_page.saved(saved.catalogue)

    def _failed(self, exc: BaseException, _details: str = "") -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        text = str(exc) if isinstance(exc, SocialDeskError) else self.tr("The settings could not be saved.")
        show_text(self.error, self.tr("Not saved: {0}").format(text))

    def save_and_close(self) -> None:
        """Save off the GUI thread (the keyring may be slow), then close; a failure keeps the dialog open."""
        if self.saving:
            return
        draft = self._checked_draft()
        if draft is None:
            return
        self.saving = True
        self.buttons.setEnabled(False)
        show_text(self.error, "")
        workspace, tokens = self.workspace, self.tokens

        def done(saved: ops_preferences.SavedPreferences) -> None:
            if isValid(self):
                self._saved(saved)
                self.accept()

        def failed(exc: BaseException, details: str) -> None:
            if isValid(self):
                self._failed(exc, details)

        run_op(lambda: ops_preferences.save_preferences(workspace, tokens, draft), done, failed)

    def reject(self) -> None:
        if not self.saving:  # a save under way finishes first (it writes all or nothing)
            super().reject()
