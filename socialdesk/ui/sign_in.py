"""The sign-in window: a platform's own pages in an embedded, private browser, or the system browser.

One :class:`SignInDialog` runs one OAuth 2.0 sign-in (authorization code + PKCE, ``services.oauth``):

* **embedded** (default): a fresh off-the-record ``QWebEngineProfile`` per attempt, so another account
  can sign in right after (no cookies survive). The loopback redirect is caught in
  ``acceptNavigationRequest`` and stopped there: nothing needs to listen on the port. Pages the
  provider opens with ``window.open`` or ``target=_blank`` (``createWindow``) are shown in the same
  dialog, with a bar to close them. QtWebEngine is imported when the first dialog starts, not before.
* **system** (``browser = "system"`` in ``providers.toml``; Google refuses embedded views, RFC 8252):
  the system browser opens the page (``QDesktopServices.openUrl``, injectable for tests) and a
  :class:`LoopbackListener` on the redirect port receives the answer; the dialog shows progress.

The code exchange, the discovery of accounts and the caller's ``finish`` step (recording grants) run
off the GUI thread. Cancel and the time-out change nothing: the pending sign-in is forgotten, so a
late answer is refused. Every failure is shown in words with what to do, and "Try again" starts a
fresh attempt (a new private profile).
"""

from __future__ import annotations

import html
import http.server
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import ConnectionType
from socialdesk.services.discovery import Discovery, discover
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.oauth import (
    AuthorizationRequest,
    NotConfiguredError,
    OAuthService,
    ProviderError,
    SignInError,
    StateMismatchError,
    TransientError,
)
from socialdesk.services.providers import is_loopback_url
from socialdesk.services.reconnect import SignInRefused
from socialdesk.services.tokens import TokenSet
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import ERROR_STYLE
from socialdesk.ui.workers import run_in_thread

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


class SignInTimedOut(SocialDeskError):
    pass


class PageLoadFailed(SocialDeskError):
    pass


class _Cancelled(Exception):
    """The user cancelled while the answer was being processed; the result is dropped."""


#: Provider error codes (RFC 6749 §4.1.2.1 and OpenID Connect) in words, with what to do.
PROVIDER_ERRORS: dict[str, tuple[str, str]] = {
    "access_denied": (
        "You did not allow SocialDesk access on {label}. Nothing was changed.",
        "To connect, sign in again and choose Allow on {label}'s consent page.",
    ),
    "invalid_scope": (
        "{label} refused a permission SocialDesk asks for (missing permission). Nothing was changed.",
        "Check the scopes for {label} in providers.toml, or that your {label} app may ask for them.",
    ),
    "unauthorized_client": (
        "{label} does not allow SocialDesk's app to sign in this way. Nothing was changed.",
        "Check the client id in Settings ▸ Sign-in and your app's settings at {label}.",
    ),
    "login_required": (
        "{label} needs you to sign in first. Nothing was changed.",
        "Try again and sign in on {label}'s page.",
    ),
    "consent_required": (
        "{label} needs your consent. Nothing was changed.",
        "Try again and choose Allow on {label}'s consent page.",
    ),
    "server_error": (
        "{label} had a problem on its side. Nothing was changed.",
        "Wait a moment and try again.",
    ),
    "temporarily_unavailable": (
        "{label} is temporarily unavailable. Nothing was changed.",
        "Wait a moment and try again.",
    ),
}


def explain(exc: BaseException, label: str) -> tuple[str, str]:
    """(what happened, what to do) for a failure of a sign-in, in words for the user."""
    if isinstance(exc, SignInRefused):
        return str(exc), exc.advice
    if isinstance(exc, SignInTimedOut | PageLoadFailed):
        return str(exc), ""
    if isinstance(exc, StateMismatchError):
        return str(exc), "Start the sign-in again from SocialDesk."
    if isinstance(exc, TransientError):
        return str(exc), "Check your internet connection, then try again."
    if isinstance(exc, NotConfiguredError):
        return str(exc), "Open Settings ▸ Sign-in to enter it."
    if isinstance(exc, ProviderError):
        return str(exc), f"Check the client id and secret for {label} in Settings ▸ Sign-in."
    if isinstance(exc, SignInError):
        return str(exc), "Try again."
    if isinstance(exc, SocialDeskError):
        return str(exc), "Try again."
    return (
        f"The sign-in to {label} failed unexpectedly ({type(exc).__name__}). Nothing was changed.",
        "Try again; if it keeps failing, the log has the details.",
    )


def provider_error(redirect_url: str, label: str) -> tuple[str, str] | None:
    """The provider's answer ``error=…`` in words, or ``None`` when the answer carries a code."""
    query = parse_qs(urlsplit(redirect_url).query)
    if "error" not in query:
        return None
    code = query["error"][0]
    message, advice = PROVIDER_ERRORS.get(
        code,
        (
            f"{label} refused the sign-in ({code}). Nothing was changed.",
            f"Try again; if it keeps failing, check {label}'s client id and secret in Settings ▸ Sign-in.",
        ),
    )
    return message.format(label=label), advice.format(label=label)


# -- the system browser's answer ---------------------------------------------------------------------


class LoopbackListener:
    """Receives the sign-in answer on the redirect URI's port when the system browser is used.

    Listens on the redirect's loopback host and port in a thread, answers ONE request to the redirect
    path (with a page telling the user to return to SocialDesk) and hands its full URL to
    ``on_answer`` (called on the listener's thread). Other paths (``/favicon.ico``) get a 404. It
    stops by itself after ``timeout`` seconds, and on :meth:`stop`.
    """

    def __init__(self, redirect_uri: str, on_answer: Callable[[str], None], timeout: float) -> None:
        parts = urlsplit(redirect_uri)
        self.host = parts.hostname or "127.0.0.1"
        if self.host == "localhost":
            self.host = "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        # The answer is named as the redirect URI names it (not by the browser's Host header), so it
        # always matches the sign-in's redirect prefix.
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.on_answer = on_answer
        self.timeout = timeout
        self._stop = threading.Event()
        self._server: http.server.HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.answered = False

    def start(self) -> None:
        """Bind the port (``OSError`` when it is taken) and start waiting."""
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path != listener.path or listener.answered:
                    self.send_error(404)
                    return
                listener.answered = True
                url = f"{listener.base}{self.path}"
                failed = "error" in parse_qs(urlsplit(self.path).query)
                text = (
                    "The sign-in was not completed. Go back to SocialDesk to see why."
                    if failed
                    else "You are signed in. You can close this tab and go back to SocialDesk."
                )
                body = (
                    "<!doctype html><html><head><meta charset='utf-8'><title>SocialDesk</title></head>"
                    f"<body style='font-family:sans-serif;margin:3em'><h1>SocialDesk</h1>"
                    f"<p>{html.escape(text)}</p></body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
                listener.on_answer(url)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # request lines carry the authorization code: never logged

        class Server(http.server.HTTPServer):
            address_family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            allow_reuse_address = True

        server = Server((self.host, self.port), Handler)
        server.timeout = 0.2
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="sign-in-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        assert self._server is not None
        deadline = time.monotonic() + self.timeout
        try:
            while not self._stop.is_set() and not self.answered and time.monotonic() < deadline:
                self._server.handle_request()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None


# -- QtWebEngine, imported on first use --------------------------------------------------------------


@cache
def webengine() -> SimpleNamespace:
    """QtWebEngine's classes and the sign-in page class (the import costs ~0.25 s and ~200 MB: only now)."""
    from PySide6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage, QWebEngineProfile
    from PySide6.QtWebEngineWidgets import QWebEngineView

    class SignInPage(QWebEnginePage):
        """A provider page: stops the loopback redirect and hands it over; pop-ups stay in the dialog."""

        redirectCaught = Signal(str)
        popupRequested = Signal(object)

        def __init__(self, profile: QWebEngineProfile, is_redirect: Callable[[str], bool]) -> None:
            super().__init__(profile)
            self._is_redirect = is_redirect

        def acceptNavigationRequest(self, url: QUrl | str, nav_type: Any, is_main_frame: bool) -> bool:
            text = bytes(url.toEncoded().data()).decode() if isinstance(url, QUrl) else str(url)
            if self._is_redirect(text):
                # The answer: stop here and hand it over. Never loaded: nothing listens on a loopback
                # port, and an https redirect (Facebook's login_success.html, Snapchat's registered
                # URL) is read from the URL without fetching it (https_intercept).
                self.redirectCaught.emit(text)
                return False
            return bool(super().acceptNavigationRequest(url, nav_type, is_main_frame))

        def createWindow(self, _window_type: Any) -> QWebEnginePage:
            page = SignInPage(self.profile(), self._is_redirect)
            self.popupRequested.emit(page)
            return page

        def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
            log.debug("sign-in page console (%s:%s): %s", urlsplit(source).path, line, message[:300])

    return SimpleNamespace(
        Page=SignInPage, Profile=QWebEngineProfile, View=QWebEngineView, LoadingInfo=QWebEngineLoadingInfo
    )


_warm: list[Any] = []


def warm_up() -> None:
    """Start QtWebEngine now (import, browser context, an empty page) so the first sign-in does not.

    The start blocks the GUI thread for ~0.1–0.3 s once per process and cannot move off it; a window
    that is about to sign in (the bulk re-connect, once its plan is shown) pays it while the user is
    still choosing, instead of in the middle of the work.
    """
    if _warm:
        return
    engine = webengine()
    profile = engine.Profile()  # off the record, like every sign-in
    page = engine.Page(profile, lambda _url: False)
    page.setUrl(QUrl("about:blank"))
    _warm.extend((profile, page))

    def release() -> None:
        _bury([], [page], profile)

    page.loadFinished.connect(lambda _ok: QTimer.singleShot(0, release))


#: Views, pages and profiles of finished attempts, until they are deleted in a safe order.
_graveyard: list[list[Any]] = []


def _bury(views: Sequence[Any], pages: Sequence[Any], profile: Any) -> None:
    """Delete an attempt's browser objects soon, outside any of their callbacks: views, pages, profile.

    A profile deleted while a page still uses it makes Qt warn ("Release of profile requested but
    WebEnginePage still not deleted") and leaves the page dangling, so the order matters.
    """
    batch = [*views, *pages, *([profile] if profile is not None else [])]
    if not batch:
        return
    for view in views:
        view.hide()
        view.setParent(None)
    _graveyard.append(batch)

    def delete() -> None:
        if batch in _graveyard:
            _graveyard.remove(batch)
        for obj in batch:
            if shiboken6.isValid(obj):
                shiboken6.delete(obj)

    QTimer.singleShot(0, delete)


class _Relay(QObject):
    """Carries calls from worker and listener threads to the dialog on the GUI thread."""

    answer = Signal(str)
    phase = Signal(str)


def _text(label: QLabel, *, wrap: bool = True) -> QLabel:
    """A label whose text (names, handles, URLs: any length) never widens the dialog: it wraps or is cut."""
    label.setWordWrap(wrap)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(60)
    return label


def _busy_bar(parent: QWidget, name: str) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setObjectName(name)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    return bar


class SignInDialog(QDialog):
    """One sign-in to one platform; ``signed_in`` holds the :class:`SignInResult` once it is accepted.

    ``finish(result)`` (optional) runs on a worker thread after the code exchange and discovery; its
    return value lands in ``signed_in.value``. It may raise ``reconnect.SignInRefused`` (wrong
    account, missing permission): the dialog shows it and offers to sign in again. Once
    ``finish`` has started it is not interrupted (Cancel waits for it: nothing is left half-done).
    """

    #: Each ``QWebEnginePage`` as it is created (the main page of an attempt and every pop-up).
    pageCreated = Signal(object)
    #: "browser", "waiting" (system browser), "working", "error", "done", "cancelled".
    stateChanged = Signal(str)

    def __init__(
        self,
        service: OAuthService,
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
        self.provider = service.provider(platform_key, kind)
        self.label = self.provider.label
        self.finish_step = finish
        self.timeout_ms = timeout_ms
        self.open_browser = open_browser or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.browser_mode = browser
        self.request: AuthorizationRequest | None = None
        self.signed_in: SignInResult | None = None
        self.state = "new"
        self.error_text = ""
        self.attempts = 0
        self._answered = False
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._saving = False
        self._listener: LoopbackListener | None = None
        self._profile: Any = None
        self._pages: list[Any] = []
        self._popup_views: list[Any] = []
        self.view: Any = None
        self._relay = _Relay(self)
        self._relay.answer.connect(self._on_answer)
        self._relay.phase.connect(self._on_phase)
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
        self.purpose = _text(QLabel(purpose, self))
        self.purpose.setObjectName("signInPurpose")
        self.purpose.setWordWrap(True)
        self.purpose.setVisible(bool(purpose))
        texts.addWidget(self.purpose)
        header.addLayout(texts, 1)
        layout.addLayout(header)

        self.address = _text(QLabel(self), wrap=False)
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

        # The browser: the provider's page, and pop-ups it opens on top of it.
        self.browser_page = QWidget(self.stack)
        browser_layout = QVBoxLayout(self.browser_page)
        browser_layout.setContentsMargins(0, 0, 0, 0)
        browser_layout.setSpacing(0)
        self.popup_bar = QFrame(self.browser_page)
        self.popup_bar.setObjectName("signInPopupBar")
        self.popup_bar.setStyleSheet(
            "#signInPopupBar{background:#E3F2FD;border:1px solid #90CAF9;border-radius:3px}"
        )
        bar_layout = QHBoxLayout(self.popup_bar)
        bar_layout.setContentsMargins(8, 4, 4, 4)
        self.popup_label = _text(QLabel(self.popup_bar), wrap=False)
        self.popup_label.setObjectName("signInPopupLabel")
        bar_layout.addWidget(self.popup_label, 1)
        self.popup_close = QPushButton(self.tr("Close pop-up"), self.popup_bar)
        self.popup_close.setObjectName("signInPopupClose")
        self.popup_close.clicked.connect(self._close_top_popup)
        bar_layout.addWidget(self.popup_close)
        self.popup_bar.hide()
        browser_layout.addWidget(self.popup_bar)
        self.views = QStackedWidget(self.browser_page)
        browser_layout.addWidget(self.views, 1)
        self.stack.addWidget(self.browser_page)

        # The system browser: waiting for its answer.
        self.wait_page = QWidget(self.stack)
        wait = QVBoxLayout(self.wait_page)
        wait.addStretch(1)
        self.wait_text = _text(QLabel(self.wait_page))
        self.wait_text.setObjectName("signInWaitText")
        self.wait_text.setWordWrap(True)
        self.wait_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        wait.addWidget(self.wait_text)
        wait.addWidget(_busy_bar(self.wait_page, "signInWaitProgress"))
        again = QHBoxLayout()
        again.addStretch(1)
        self.reopen_button = QPushButton(self.tr("Open the page again"), self.wait_page)
        self.reopen_button.setObjectName("signInReopen")
        self.reopen_button.clicked.connect(self._open_in_browser)
        again.addWidget(self.reopen_button)
        self.copy_button = QPushButton(self.tr("Copy the link"), self.wait_page)
        self.copy_button.setObjectName("signInCopyLink")
        self.copy_button.clicked.connect(self._copy_link)
        again.addWidget(self.copy_button)
        again.addStretch(1)
        wait.addLayout(again)
        wait.addStretch(2)
        self.stack.addWidget(self.wait_page)

        # Finishing: code exchange, discovery, saving.
        self.work_page = QWidget(self.stack)
        work = QVBoxLayout(self.work_page)
        work.addStretch(1)
        self.work_text = _text(QLabel(self.work_page))
        self.work_text.setObjectName("signInWorkText")
        self.work_text.setWordWrap(True)
        self.work_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        work.addWidget(self.work_text)
        work.addWidget(_busy_bar(self.work_page, "signInWorkProgress"))
        work.addStretch(2)
        self.stack.addWidget(self.work_page)

        # A failure in words, with what to do.
        self.error_page = QWidget(self.stack)
        outer = QVBoxLayout(self.error_page)
        outer.addStretch(1)
        self.error_box = QFrame(self.error_page)
        self.error_box.setObjectName("signInErrorBox")
        self.error_box.setStyleSheet(
            "#signInErrorBox{background:#FDECEA;border:1px solid #F1A9A0;border-radius:4px}"
        )
        outer.addWidget(self.error_box)
        outer.addStretch(2)
        err = QVBoxLayout(self.error_box)
        err.setContentsMargins(14, 12, 14, 12)
        err.setSpacing(8)
        self.error_label = _text(QLabel(self.error_box))
        self.error_label.setObjectName("signInError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.error_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        font.setBold(True)
        self.error_label.setFont(font)
        err.addWidget(self.error_label)
        self.advice_label = _text(QLabel(self.error_box))
        self.advice_label.setObjectName("signInAdvice")
        self.advice_label.setWordWrap(True)
        err.addWidget(self.advice_label)
        retry_row = QHBoxLayout()
        self.retry_button = QPushButton(self.tr("Try again"), self.error_box)
        self.retry_button.setObjectName("signInRetry")
        self.retry_button.clicked.connect(self.start)
        retry_row.addWidget(self.retry_button)
        retry_row.addStretch(1)
        err.addLayout(retry_row)
        self.stack.addWidget(self.error_page)

        bottom = QHBoxLayout()
        self.status = _text(QLabel(self))
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

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)

    def current_page(self) -> Any:
        """The page on top: the newest pop-up, else the main page (``None`` before the browser starts)."""
        return self._pages[-1] if self._pages else None

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
            self.request = self.service.begin(self.platform, self.types, kind=self.provider.kind)
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
        web = webengine()
        # A fresh private (off-the-record) profile per attempt: no cookie of a previous account.
        self._profile = web.Profile()
        page = self._new_page(self._profile)
        self.view = web.View(self.views)
        self.view.setObjectName("signInView")
        self.view.setAccessibleName(self.tr("{0} sign-in page").format(self.label))
        self.view.setPage(page)
        self.views.addWidget(self.view)
        self.views.setCurrentWidget(self.view)
        self.stack.setCurrentWidget(self.browser_page)
        self.status.setText(self.tr("Sign in on {0}'s page and allow access.").format(self.label))
        self._set_state("browser")
        page.load(QUrl.fromEncoded(self.request.url.encode()))

    def _new_page(self, profile: Any, page: Any = None) -> Any:
        web = webengine()
        if page is None:
            page = web.Page(profile, self._is_redirect)
        page.redirectCaught.connect(self._on_redirect_caught)
        page.popupRequested.connect(self._on_popup)
        page.urlChanged.connect(lambda _url, p=page: self._show_address(p))
        page.loadProgress.connect(lambda value, p=page: self._on_progress(p, value))
        page.loadingChanged.connect(lambda info, p=page: self._on_loading(p, info))
        self._pages.append(page)
        self.pageCreated.emit(page)
        return page

    def _start_system_browser(self) -> None:
        assert self.request is not None
        self._listener = LoopbackListener(
            self.request.redirect_uri, self._relay.answer.emit, self.timeout_ms / 1000 + 5
        )
        try:
            self._listener.start()
        except OSError as exc:
            self._listener = None
            port = urlsplit(self.request.redirect_uri).port
            self._fail(
                SignInError(
                    f"SocialDesk cannot wait for the {self.label} answer: port {port} on this computer is in "
                    f"use ({exc.strerror or exc}). Nothing was changed. Close other sign-ins, or remove the "
                    "port from the redirect URI in providers.toml so a free one is chosen.",
                    platform=self.platform,
                )
            )
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
        self._set_state("waiting")
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

    # -- the browser's events ---------------------------------------------------------------------

    def _show_address(self, page: Any) -> None:
        if page is not self.current_page():
            return
        url = page.url()
        host = url.host()
        port = url.port()
        where = f"{host}:{port}" if port > 0 else host
        if not host:
            self.address.clear()
        elif url.scheme() == "https":
            self.address.setText(self.tr("Secure page at {0}").format(where))
        elif is_loopback_url(url.toString()):
            self.address.setText(self.tr("Page on this computer at {0}").format(where))
        else:
            self.address.setText(self.tr("Not secure: {0}").format(where))

    def _on_progress(self, page: Any, value: int) -> None:
        if page is self.current_page():
            self.load_bar.setValue(value)
            self.load_bar.setVisible(0 < value < 100)

    def _on_loading(self, page: Any, info: Any) -> None:
        web = webengine()
        if self._answered or not self._pages or page is not self._pages[0]:
            return
        if info.status() != web.LoadingInfo.LoadStatus.LoadFailedStatus:
            return
        if info.errorDomain() == web.LoadingInfo.ErrorDomain.HttpStatusCodeDomain:
            return  # the provider's own error page is shown as it is
        if self._is_redirect(bytes(info.url().toEncoded().data()).decode()):
            return
        host = info.url().host() or self.label
        self._fail(
            PageLoadFailed(
                self.tr(
                    "The {0} sign-in page at {1} could not be opened ({2}). Nothing was changed. Check your "
                    "internet connection (and, if you set one, authorize_url for {0} in providers.toml), "
                    "then try again."
                ).format(self.label, host, info.errorString() or info.errorCode())
            )
        )

    def _on_popup(self, page: Any) -> None:
        """A page opened by the provider (``window.open``, ``target=_blank``): shown here, on top."""
        web = webengine()
        self._new_page(self._profile, page)
        view = web.View(self.views)
        view.setObjectName("signInPopupView")
        view.setPage(page)
        self._popup_views.append(view)
        self.views.addWidget(view)
        self.views.setCurrentWidget(view)
        page.windowCloseRequested.connect(lambda p=page: self._close_popup(p))
        page.titleChanged.connect(lambda _t: self._update_popup_bar())
        self._update_popup_bar()

    def _update_popup_bar(self) -> None:
        if not self._popup_views:
            self.popup_bar.hide()
            return
        page = self._pages[-1]
        title = page.title()
        if not title or "://" in title or title == page.url().toString():
            title = page.url().host()  # no title yet: QtWebEngine would show the whole URL
        self.popup_label.setText(self.tr("Pop-up window: {0}").format(title))
        self.popup_label.setToolTip(page.url().toString().split("?", 1)[0])
        self.popup_bar.show()
        self._show_address(page)

    def _close_top_popup(self) -> None:
        if self._popup_views:
            self._close_popup(self._pages[-1])

    def _close_popup(self, page: Any) -> None:
        if page not in self._pages[1:]:
            return
        index = self._pages.index(page)
        view = self._popup_views.pop(index - 1)
        self._pages.remove(page)
        self.views.removeWidget(view)
        _bury([view], [page], None)
        self.views.setCurrentWidget(self._popup_views[-1] if self._popup_views else self.view)
        self._update_popup_bar()
        if not self._popup_views and self._pages:
            self._show_address(self._pages[0])

    def _on_redirect_caught(self, url: str) -> None:
        # Called from inside acceptNavigationRequest: only note it, work after the page has returned.
        QTimer.singleShot(0, lambda: self._on_answer(url))

    # -- the answer -------------------------------------------------------------------------------

    def _on_answer(self, url: str) -> None:
        if self._answered or self.request is None or self.state in ("done", "cancelled"):
            return
        if not self.request.is_redirect(url):
            return
        self._answered = True
        self._timer.stop()
        request = self.request
        self._stop_attempt(keep_request=True)
        refused = provider_error(url, self.label)
        if refused is not None:
            self.service.cancel(request)
            self._show_error(*refused, retry=True)
            return
        self.stack.setCurrentWidget(self.work_page)
        self.address.clear()
        self._on_phase("exchange")
        self._set_state("working")
        attempt, cancelled, lock = self.attempts, self._cancelled, self._lock
        service, platform_key, types, finish = self.service, self.platform, self.types, self.finish_step
        kind = self.kind
        phase = self._relay.phase.emit

        def work() -> SignInResult:
            tokens = service.complete(request, url)
            if cancelled.is_set():
                raise _Cancelled
            phase("discover")
            found = discover(service, platform_key, tokens, kind=kind)
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
            self._set_state("done")
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
        self.service.cancel(self.request)
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
            self.service.cancel(self.request)
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
        self._set_state("error")

    def reject(self) -> None:
        """Cancel: forget the pending sign-in (a late answer is refused); a running save finishes first."""
        with self._lock:
            if self._saving:
                return
            self._cancelled.set()
        self._timer.stop()
        if self.request is not None:
            self.service.cancel(self.request)
        self._stop_attempt()
        if self.state != "done":
            self._set_state("cancelled")
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
        views = [v for v in [self.view, *self._popup_views] if v is not None]
        pages, profile = self._pages, self._profile
        self.view, self._popup_views, self._pages, self._profile = None, [], [], None
        for view in views:
            self.views.removeWidget(view)
        for page in pages:
            if shiboken6.isValid(page):
                page.triggerAction(page.WebAction.Stop)
        _bury(views, pages, profile)
        self.popup_bar.hide()
        self.load_bar.hide()
        if not keep_request:
            self.request = None
