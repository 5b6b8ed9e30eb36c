"""The sign-in window's embedded browser: QtWebEngine's profile, page and view, imported on first use.

:class:`WebPane` is the browser part of one :class:`~socialdesk.ui.sign_in.SignInDialog`: per attempt
a fresh off-the-record ``QWebEngineProfile`` (no cookie of a previous account survives), a page that
stops the redirect in ``acceptNavigationRequest`` and hands it over (nothing needs to listen on a
loopback port, and an https redirect is read from its URL without being fetched), and pop-ups the
provider opens (``window.open``, ``target=_blank``) shown on top in the same pane, with a bar to close
them. It tells the dialog what to show (``addressChanged``, ``progressChanged``, ``loadFailed``) and
never decides what the answer means.

QtWebEngine costs ~0.25 s and ~200 MB to import, so it is imported by :func:`webengine` when the first
sign-in starts (or :func:`warm_up`), never when the window's modules load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import shiboken6
from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from socialdesk.ops.connections import is_loopback_url

log = logging.getLogger(__name__)


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
        bury([], [page], profile)

    page.loadFinished.connect(lambda _ok: QTimer.singleShot(0, release))


#: Views, pages and profiles of finished attempts, until they are deleted in a safe order.
_graveyard: list[list[Any]] = []


def bury(views: Sequence[Any], pages: Sequence[Any], profile: Any) -> None:
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


def _cut(label: QLabel) -> QLabel:
    """A one-line label whose text (a page title, any length) never widens the dialog: it is cut."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(60)
    return label


class WebPane(QWidget):
    """The provider's page of one sign-in, and the pop-ups it opens on top of it."""

    #: The redirect (the answer), after the navigation that carried it has been refused.
    redirectCaught = Signal(str)
    #: Each ``QWebEnginePage`` as it is created (the main page of an attempt and every pop-up).
    pageCreated = Signal(object)
    #: The text above the page ("Secure page at …"; "" when there is no page).
    addressChanged = Signal(str)
    #: The page on top loads: 0–100.
    progressChanged = Signal(int)
    #: The main page could not be loaded: (host, Chromium's error text).
    loadFailed = Signal(str, str)

    def __init__(self, parent: QWidget, is_redirect: Callable[[str], bool]) -> None:
        super().__init__(parent)
        self._is_redirect = is_redirect
        self.profile: Any = None
        self.pages: list[Any] = []
        self.popup_views: list[Any] = []
        self.view: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.popup_bar = QFrame(self)
        self.popup_bar.setObjectName("signInPopupBar")
        self.popup_bar.setStyleSheet(
            "#signInPopupBar{background:#E3F2FD;border:1px solid #90CAF9;border-radius:3px}"
        )
        bar_layout = QHBoxLayout(self.popup_bar)
        bar_layout.setContentsMargins(8, 4, 4, 4)
        self.popup_label = _cut(QLabel(self.popup_bar))
        self.popup_label.setObjectName("signInPopupLabel")
        bar_layout.addWidget(self.popup_label, 1)
        self.popup_close = QPushButton(self.tr("Close pop-up"), self.popup_bar)
        self.popup_close.setObjectName("signInPopupClose")
        self.popup_close.clicked.connect(self._close_top_popup)
        bar_layout.addWidget(self.popup_close)
        self.popup_bar.hide()
        layout.addWidget(self.popup_bar)
        self.views = QStackedWidget(self)
        layout.addWidget(self.views, 1)

    def current_page(self) -> Any:
        """The page on top: the newest pop-up, else the main page (``None`` before the browser starts)."""
        return self.pages[-1] if self.pages else None

    def start(self, url: str, accessible_name: str) -> None:
        """A fresh private (off-the-record) profile, its page and view, and the provider's page loading."""
        web = webengine()
        self.profile = web.Profile()
        page = self._new_page(self.profile)
        self.view = web.View(self.views)
        self.view.setObjectName("signInView")
        self.view.setAccessibleName(accessible_name)
        self.view.setPage(page)
        self.views.addWidget(self.view)
        self.views.setCurrentWidget(self.view)
        page.load(QUrl.fromEncoded(url.encode()))

    def stop(self) -> None:
        """Stop and let go of the attempt's views, pages and private profile (deleted in a safe order)."""
        views = [v for v in [self.view, *self.popup_views] if v is not None]
        pages, profile = self.pages, self.profile
        self.view, self.popup_views, self.pages, self.profile = None, [], [], None
        for view in views:
            self.views.removeWidget(view)
        for page in pages:
            if shiboken6.isValid(page):
                page.triggerAction(page.WebAction.Stop)
        bury(views, pages, profile)
        self.popup_bar.hide()

    # -- the pages' events --------------------------------------------------------------------------

    def _new_page(self, profile: Any, page: Any = None) -> Any:
        web = webengine()
        if page is None:
            page = web.Page(profile, self._is_redirect)
        page.redirectCaught.connect(self._on_redirect)
        page.popupRequested.connect(self._on_popup)
        page.urlChanged.connect(lambda _url, p=page: self._show_address(p))
        page.loadProgress.connect(lambda value, p=page: self._on_progress(p, value))
        page.loadingChanged.connect(lambda info, p=page: self._on_loading(p, info))
        self.pages.append(page)
        self.pageCreated.emit(page)
        return page

    def _on_redirect(self, url: str) -> None:
        # Called from inside acceptNavigationRequest: only note it, work after the page has returned.
        QTimer.singleShot(0, lambda: self.redirectCaught.emit(url))

    def _show_address(self, page: Any) -> None:
        if page is not self.current_page():
            return
        url = page.url()
        host = url.host()
        port = url.port()
        where = f"{host}:{port}" if port > 0 else host
        if not host:
            self.addressChanged.emit("")
        elif url.scheme() == "https":
            self.addressChanged.emit(self.tr("Secure page at {0}").format(where))
        elif is_loopback_url(url.toString()):
            self.addressChanged.emit(self.tr("Page on this computer at {0}").format(where))
        else:
            self.addressChanged.emit(self.tr("Not secure: {0}").format(where))

    def _on_progress(self, page: Any, value: int) -> None:
        if page is self.current_page():
            self.progressChanged.emit(value)

    def _on_loading(self, page: Any, info: Any) -> None:
        web = webengine()
        if not self.pages or page is not self.pages[0]:
            return
        if info.status() != web.LoadingInfo.LoadStatus.LoadFailedStatus:
            return
        if info.errorDomain() == web.LoadingInfo.ErrorDomain.HttpStatusCodeDomain:
            return  # the provider's own error page is shown as it is
        if self._is_redirect(bytes(info.url().toEncoded().data()).decode()):
            return
        self.loadFailed.emit(info.url().host(), info.errorString() or str(info.errorCode()))

    def _on_popup(self, page: Any) -> None:
        """A page opened by the provider (``window.open``, ``target=_blank``): shown here, on top."""
        web = webengine()
        self._new_page(self.profile, page)
        view = web.View(self.views)
        view.setObjectName("signInPopupView")
        view.setPage(page)
        self.popup_views.append(view)
        self.views.addWidget(view)
        self.views.setCurrentWidget(view)
        page.windowCloseRequested.connect(lambda p=page: self._close_popup(p))
        page.titleChanged.connect(lambda _t: self._update_popup_bar())
        self._update_popup_bar()

    def _update_popup_bar(self) -> None:
        if not self.popup_views:
            self.popup_bar.hide()
            return
        page = self.pages[-1]
        title = page.title()
        if not title or "://" in title or title == page.url().toString():
            title = page.url().host()  # no title yet: QtWebEngine would show the whole URL
        self.popup_label.setText(self.tr("Pop-up window: {0}").format(title))
        self.popup_label.setToolTip(page.url().toString().split("?", 1)[0])
        self.popup_bar.show()
        self._show_address(page)

    def _close_top_popup(self) -> None:
        if self.popup_views:
            self._close_popup(self.pages[-1])

    def _close_popup(self, page: Any) -> None:
        if page not in self.pages[1:]:
            return
        index = self.pages.index(page)
        view = self.popup_views.pop(index - 1)
        self.pages.remove(page)
        self.views.removeWidget(view)
        bury([view], [page], None)
        self.views.setCurrentWidget(self.popup_views[-1] if self.popup_views else self.view)
        self._update_popup_bar()
        if not self.popup_views and self.pages:
            self._show_address(self.pages[0])
