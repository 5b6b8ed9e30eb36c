"""The sign-in window: a platform's own pages in an embedded, private browser, or the system browser.

One :class:`SignInDialog` runs one OAuth 2.0 sign-in (authorization code + PKCE):

* **embedded** (default): the provider's pages in :class:`~socialdesk.ui.sign_in_web.WebPane` (a
  fresh off-the-record browser profile per attempt, the redirect caught and stopped there, pop-ups
  shown in the same dialog). QtWebEngine is imported when the first dialog starts, not before.
* **system** (``browser = "system"`` in ``providers.toml``; Google refuses embedded views, RFC 8252):
  the system browser opens the page (``QDesktopServices.openUrl``, injectable for tests) and the
  loopback listener (``services.loopback``, through ``ops.connections.listen_for_answer``) receives
  the answer on the redirect port; the dialog shows progress.

The code exchange, the discovery of accounts and the caller's ``finish`` step (recording grants, an
operation of ``ops.connections``) run off the GUI thread. Cancel and the time-out change nothing: the
pending sign-in is forgotten, so a late answer is refused. Every failure is shown in words with what
to do (``sign_in_texts``), and "Try again" starts a fresh attempt (a new private profile).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import ConnectionType
from socialdesk.ops import connections as ops_connections
from socialdesk.ops.connections import (
    AuthorizationRequest,
    Discovery,
    LoopbackListener,
    NotConfiguredError,
    SignInRefused,
    SignIns,
    TokenSet,
    TokenStore,
    begin_sign_in,
    cancel_sign_in,
    discover_accounts,
    exchange_code,
    listen_for_answer,
    provider_of,
)
from socialdesk.ops.workspace import Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.sign_in_pages import ErrorPage, WaitPage, WorkPage, text_label
from socialdesk.ui.sign_in_texts import (
    PROVIDER_ERRORS,
    PageLoadFailed,
    SignInState,
    SignInTimedOut,
    explain,
    port_busy,
    provider_error,
)
from socialdesk.ui.sign_in_web import WebPane, warm_up, webengine
from socialdesk.ui.workers import run_in_thread

__all__ = [
    "DEFAULT_TIMEOUT_MS",
    "PROVIDER_ERRORS",
    "PageLoadFailed",
    "SignInDialog",
    "SignInResult",
    "SignInServices",
    "SignInState",
    "SignInTimedOut",
    "explain",
    "provider_error",
    "warm_up",
    "webengine",
]

log = logging.getLogger(__name__)

#: A sign-in nobody finishes is stopped after this long (the provider's page may sit open forever).
DEFAULT_TIMEOUT_MS = 5 * 60 * 1000

MUTED_STYLE = "color:#546E7A"


@dataclass(frozen=True, slots=True)
class SignInResult:
    """A finished sign-in: its token, who signed in and what they manage, and what ``finish`` returned."""

    platform: str
    types: tuple[ConnectionType, ...]
    tokens: TokenSet
    discovery: Discovery
    value: Any = None


@dataclass
class SignInServices:
    """The services a sign-in needs; tests inject a short time-out or a scripted system browser."""

    service: SignIns
    store: TokenStore
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    open_browser: Callable[[str], bool] | None = None

    @classmethod
    def for_workspace(cls, workspace: Workspace, store: TokenStore | None = None) -> SignInServices:
        """From ``providers.toml`` (raises its ``ProvidersFileError``) and the workspace's keyring store."""
        store = store or ops_connections.token_store(workspace)
        return cls(ops_connections.sign_in_service(workspace, store), store)


class _Cancelled(Exception):
    """The user cancelled while the answer was being processed; the result is dropped."""


class SignInDialog(QDialog):
    """One sign-in to one platform; ``signed_in`` holds the :class:`SignInResult` once it is accepted.

    ``finish(result)`` (optional) runs on a worker thread after the code exchange and discovery; its
    return value lands in ``signed_in.value``. It may raise ``reconnect.SignInRefused`` (wrong
    account, missing permission): the dialog shows it and offers to sign in again. Once
    ``finish`` has started it is not interrupted (Cancel waits for it: nothing is left half-done).
    """

    #: Each ``QWebEnginePage`` as it is created (the main page of an attempt and every pop-up).
    pageCreated = Signal(object)
    #: A :class:`SignInState`'s value: "browser", "waiting" (system browser), "working", "error", "done",
    #: "cancelled".
    stateChanged = Signal(str)
    # From the listener's and the worker's threads to the dialog: queued, since the dialog lives on the
    # GUI thread (the answer's URL; a phase of the work: "exchange", "discover", "save").
    _answered_from_thread = Signal(str)
    _phase_from_thread = Signal(str)

    def __init__(
        self,
        service: SignIns,
        platform_key: str,
        types: Sequence[ConnectionType],
        parent: QWidget | None = None,
        *,
        purpose: str = "",
        finish: Callable[[SignInResult], Any] | None = None,
        timeout_ms: int = DEFAULT_TIMEOUT_MS,
        open_browser: Callable[[str], bool] | None = None,
        browser: str | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.service = service
        self.platform = platform_key
        self.types = tuple(types)
        #: The kind of the profiles being connected: picks the kind's own app (LinkedIn organization
        #: pages) and, for an OpenID provider, the kind of the signed-in account.
        self.kind = kind
        self.provider = provider_of(service, platform_key, kind)
        self.label = self.provider.label
        self.finish_step = finish
        self.timeout_ms = timeout_ms
        self.open_browser = open_browser or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.browser_mode = browser
        self.request: AuthorizationRequest | None = None
        self.signed_in: SignInResult | None = None
        self.state = SignInState.NEW
        self.error_text = ""
        self.attempts = 0
        self._answered = False
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._saving = False
        self._listener: LoopbackListener | None = None
        self._answered_from_thread.connect(self._on_answer)
        self._phase_from_thread.connect(self._on_phase)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self.setWindowTitle(self.tr("Sign in to {0}").format(self.label))
        self._build(purpose)
        self.resize(640, 760)

    # -- building ---------------------------------------------------------------------------------

    def _build(self, purpose: str) -> None:
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        icon = QLabel(self)
        icon.setPixmap(platform_icon(self.platform).pixmap(32, 32))
        icon.setFixedSize(36, 36)
        header.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        title = QLabel(self.tr("Sign in to {0}").format(self.label), self)
        title.setObjectName("signInTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        texts.addWidget(title)
        self.purpose = text_label(QLabel(purpose, self))
        self.purpose.setObjectName("signInPurpose")
        self.purpose.setWordWrap(True)
        self.purpose.setVisible(bool(purpose))
        texts.addWidget(self.purpose)
        header.addLayout(texts, 1)
        layout.addLayout(header)

        self.address = text_label(QLabel(self), wrap=False)
        self.address.setObjectName("signInAddress")
        self.address.setStyleSheet(MUTED_STYLE)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.address)
        self.load_bar = QProgressBar(self)
        self.load_bar.setObjectName("signInLoadProgress")
        self.load_bar.setTextVisible(False)
        self.load_bar.setMaximumHeight(3)
        self.load_bar.setRange(0, 100)
        self.load_bar.hide()
        layout.addWidget(self.load_bar)

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("signInPages")
        layout.addWidget(self.stack, 1)

        # The browser: the provider's page, and pop-ups it opens on top of it (sign_in_web).
        self.web = WebPane(self.stack, self._is_redirect)
        self.browser_page = self.web
        self.web.redirectCaught.connect(self._on_answer)
        self.web.pageCreated.connect(self.pageCreated)
        self.web.addressChanged.connect(self.address.setText)
        self.web.progressChanged.connect(self._on_progress)
        self.web.loadFailed.connect(self._on_load_failed)
        self.stack.addWidget(self.web)

        # The system browser: waiting for its answer; finishing; a failure in words (sign_in_pages).
        self.wait_page = WaitPage(self.stack)
        self.wait_text = self.wait_page.text
        self.reopen_button, self.copy_button = self.wait_page.reopen_button, self.wait_page.copy_button
        self.reopen_button.clicked.connect(self._open_in_browser)
        self.copy_button.clicked.connect(self._copy_link)
        self.work_page = WorkPage(self.stack)
        self.work_text = self.work_page.text
        self.error_page = ErrorPage(self.stack)
        self.error_label, self.advice_label = self.error_page.error_label, self.error_page.advice_label
        self.retry_button = self.error_page.retry_button
        self.retry_button.clicked.connect(self.start)
        for page in (self.wait_page, self.work_page, self.error_page):
            self.stack.addWidget(page)

        bottom = QHBoxLayout()
        self.status = text_label(QLabel(self))
        self.status.setObjectName("signInStatus")
        self.status.setStyleSheet(MUTED_STYLE)
        self.status.setWordWrap(True)
        bottom.addWidget(self.status, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("signInCancel")
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

    # -- state ------------------------------------------------------------------------------------

    def _set_state(self, state: SignInState) -> None:
        self.state = state
        self.stateChanged.emit(state.value)

    def current_page(self) -> Any:
        """The page on top: the newest pop-up, else the main page (``None`` before the browser starts)."""
        return self.web.current_page()

    # The embedded browser's parts, named as the dialog's (tests and screenshots look at them).
    @property
    def view(self) -> Any:
        return self.web.view

    @property
    def _pages(self) -> list[Any]:
        return self.web.pages

    @property
    def views(self) -> QStackedWidget:
        return self.web.views

    @property
    def popup_bar(self) -> QFrame:
        return self.web.popup_bar

    @property
    def popup_label(self) -> QLabel:
        return self.web.popup_label

    @property
    def mode(self) -> str:
        if self.browser_mode:
            return self.browser_mode
        return self.request.browser if self.request is not None else self.provider.browser

    # -- starting ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start (or start again) a sign-in: a new request, a new private browser profile."""
        self._stop_attempt()
        self.attempts += 1
        self._answered = False
        self._saving = False
        self._cancelled = threading.Event()
        self.error_text = ""
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setEnabled(True)
        try:
            self.request = begin_sign_in(self.service, self.platform, self.types, kind=self.provider.kind)
        except Exception as exc:
            self._fail(exc, retry=False)
            return
        self._timer.start(self.timeout_ms)
        if self.mode == "system":
            self._start_system_browser()
        else:
            self._start_embedded()

    def _is_redirect(self, url: str) -> bool:
        request = self.request
        return request is not None and request.is_redirect(url)

    def _start_embedded(self) -> None:
        assert self.request is not None
        self.stack.setCurrentWidget(self.web)
        self.status.setText(self.tr("Sign in on {0}'s page and allow access.").format(self.label))
        self._set_state(SignInState.BROWSER)
        # A fresh private (off-the-record) profile per attempt: no cookie of a previous account.
        self.web.start(self.request.url, self.tr("{0} sign-in page").format(self.label))

    def _start_system_browser(self) -> None:
        assert self.request is not None
        try:
            self._listener = listen_for_answer(
                self.request, self._answer_from_thread, self.timeout_ms / 1000 + 5
            )
        except OSError as exc:
            self._listener = None
            port = urlsplit(self.request.redirect_uri).port
            self._fail(port_busy(self.label, port, exc.strerror or str(exc), self.platform))
            return
        self.wait_text.setText(
            self.tr(
                "Continue in your web browser: the {0} sign-in page opened there. Sign in and allow access; "
                "this window continues by itself."
            ).format(self.label)
        )
        self.address.setText(self.tr("Waiting for the answer on {0}").format(self.request.redirect_prefix))
        self.stack.setCurrentWidget(self.wait_page)
        self.status.setText(self.tr("Waiting for your web browser…"))
        self._set_state(SignInState.WAITING)
        self._open_in_browser()

    def _open_in_browser(self) -> None:
        if self.request is None:
            return
        if not self.open_browser(self.request.url):
            self.status.setText(
                self.tr("No web browser could be opened. Copy the link and open it in your browser.")
            )

    def _copy_link(self) -> None:
        if self.request is not None:
            QGuiApplication.clipboard().setText(self.request.url)
            self.status.setText(self.tr("Link copied. Paste it into your web browser."))

    # -- the browser's events (sign_in_web.WebPane) and the threads' ---------------------------------

    def _on_progress(self, value: int) -> None:
        self.load_bar.setValue(value)
        self.load_bar.setVisible(0 < value < 100)

    def _on_load_failed(self, host: str, error: str) -> None:
        if self._answered:
            return
        self._fail(
            PageLoadFailed(
                self.tr(
                    "The {0} sign-in page at {1} could not be opened ({2}). Nothing was changed. Check your "
                    "internet connection (and, if you set one, authorize_url for {0} in providers.toml), "
                    "then try again."
                ).format(self.label, host or self.label, error)
            )
        )

    def _answer_from_thread(self, url: str) -> None:
        """The loopback listener's answer (on its thread): handed to the dialog's thread."""
        if shiboken6.isValid(self):
            self._answered_from_thread.emit(url)

    def _phase_changed(self, phase: str) -> None:
        """A phase of the worker's part (on its thread): shown by the dialog's thread."""
        if shiboken6.isValid(self):
            self._phase_from_thread.emit(phase)

    # -- the answer -------------------------------------------------------------------------------

    def _on_answer(self, url: str) -> None:
        if self._answered or self.request is None or self.state in (SignInState.DONE, SignInState.CANCELLED):
            return
        if not self.request.is_redirect(url):
            return
        self._answered = True
        self._timer.stop()
        request = self.request
        self._stop_attempt(keep_request=True)
        refused = provider_error(url, self.label)
        if refused is not None:
            cancel_sign_in(self.service, request)
            self._show_error(*refused, retry=True)
            return
        self.stack.setCurrentWidget(self.work_page)
        self.address.clear()
        self._on_phase("exchange")
        self._set_state(SignInState.WORKING)
        attempt, cancelled, lock = self.attempts, self._cancelled, self._lock
        service, platform_key, types, finish = self.service, self.platform, self.types, self.finish_step
        kind = self.kind
        phase = self._phase_changed

        def work() -> SignInResult:
            tokens = exchange_code(service, request, url)
            if cancelled.is_set():
                raise _Cancelled
            phase("discover")
            found = discover_accounts(service, platform_key, tokens, kind=kind)
            result = SignInResult(platform_key, types, tokens, found)
            if finish is None:
                return result
            with lock:
                if cancelled.is_set():
                    raise _Cancelled
                self._saving = True
            phase("save")
            value = finish(result)
            return SignInResult(platform_key, types, tokens, found, value)

        def done(result: SignInResult) -> None:
            if not shiboken6.isValid(self) or attempt != self.attempts or cancelled.is_set():
                return
            self.signed_in = result
            self._set_state(SignInState.DONE)
            self.accept()

        def failed(exc: BaseException, details: str) -> None:
            if not shiboken6.isValid(self) or attempt != self.attempts or isinstance(exc, _Cancelled):
                return
            if cancelled.is_set():
                return
            if not isinstance(exc, SocialDeskError):
                log.error("Sign-in to %s failed: %s\n%s", platform_key, exc, details)
            self._saving = False
            self._fail(exc)

        run_in_thread(work, done, failed)

    def _on_phase(self, phase: str) -> None:
        texts = {
            "exchange": self.tr("Finishing the sign-in with {0}…"),
            "discover": self.tr("Finding the accounts you manage on {0}…"),
            "save": self.tr("Saving the connections…"),
        }
        self.work_text.setText(texts.get(phase, phase).format(self.label))
        self.status.setText(self.work_text.text())
        if phase == "save":
            self.cancel_button.setEnabled(False)  # recording is not interrupted: nothing half-done

    def _on_timeout(self) -> None:
        if self._answered or self.request is None:
            return
        minutes = self.timeout_ms / 60000
        when = (
            self.tr("{0:g} minutes").format(minutes)
            if minutes >= 1
            else self.tr("{0:g} seconds").format(self.timeout_ms / 1000)
        )
        cancel_sign_in(self.service, self.request)
        self._fail(
            SignInTimedOut(
                self.tr(
                    "The sign-in to {0} was stopped: no answer came within {1}. Nothing was changed. "
                    "Try again when you are ready to sign in."
                ).format(self.label, when)
            )
        )

    # -- ending -----------------------------------------------------------------------------------

    def _fail(self, exc: BaseException, *, retry: bool = True) -> None:
        message, advice = explain(exc, self.label)
        retry = retry and not isinstance(exc, NotConfiguredError)
        if isinstance(exc, SignInRefused) and exc.kind == "wrong_account":
            self.retry_button.setText(self.tr("Sign in with another account"))
        else:
            self.retry_button.setText(self.tr("Try again"))
        self._show_error(message, advice, retry=retry)

    def _show_error(self, message: str, advice: str, *, retry: bool) -> None:
        self._timer.stop()
        if self.request is not None:
            cancel_sign_in(self.service, self.request)
        self._stop_attempt(keep_request=True)
        self.error_text = message
        self.error_label.setText(message)
        self.advice_label.setText(advice)
        self.advice_label.setVisible(bool(advice))
        self.retry_button.setVisible(retry)
        if retry:
            self.retry_button.setDefault(True)
            self.retry_button.setFocus()
        self.stack.setCurrentWidget(self.error_page)
        self.address.clear()
        self.load_bar.hide()
        self.status.clear()
        self.cancel_button.setText(self.tr("Close"))
        self.cancel_button.setEnabled(True)
        self._set_state(SignInState.ERROR)

    def reject(self) -> None:
        """Cancel: forget the pending sign-in (a late answer is refused); a running save finishes first."""
        with self._lock:
            if self._saving:
                return
            self._cancelled.set()
        self._timer.stop()
        if self.request is not None:
            cancel_sign_in(self.service, self.request)
        self._stop_attempt()
        if self.state != SignInState.DONE:
            self._set_state(SignInState.CANCELLED)
        super().reject()

    def done(self, code: int) -> None:
        self._timer.stop()
        self._stop_attempt(keep_request=True)
        super().done(code)

    def _stop_attempt(self, *, keep_request: bool = False) -> None:
        """Stop the browser part of an attempt: the listener, the views, pages and their private profile."""
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self.web.stop()
        self.load_bar.hide()
        if not keep_request:
            self.request = None
