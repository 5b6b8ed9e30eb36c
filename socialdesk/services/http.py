"""Every network call SocialDesk makes, with a TOTAL deadline and the URL checked as it is connected.

Why a helper: ``requests``' ``timeout`` bounds each socket operation, not the call. A server that
drips one byte every few seconds keeps a call alive for ever (a health check was seen running past
240 s). Here every call — connect, TLS handshake, sending, the answer's headers and its whole body,
redirects included — ends by its deadline: a watchdog shuts the call's sockets down when the time
is up, and the call raises :class:`DeadlineExceeded` (a ``requests.Timeout``, so callers that
already treat a time-out as "could not be checked — will retry" need nothing new).

Every URL is also checked the way the HTTP client will connect (:func:`check_url`): ``urlsplit`` and
urllib3 disagree on ``http://192.0.2.2:1\\@127.0.0.1/`` (127.0.0.1 for one, 192.0.2.2 for the other),
so userinfo, backslashes, control characters, whitespace and any URL the two parsers read
differently are refused; plain ``http://`` goes only to this computer (127.0.0.1, ::1, localhost —
not the rest of 127.0.0.0/8, which tests use to stand in for "elsewhere"). The check runs again in
the transport adapter on every request actually sent, redirects included, so nothing can slip past
it: secrets and tokens never travel over plain http to another host.

Public API (stable; the settings pushes use it too):

* :class:`DeadlineSession` — a ``requests.Session``; ``session.get(url, deadline=10.0, ...)`` etc.
  (``deadline`` in seconds, default :attr:`DeadlineSession.deadline`);
* :class:`DeadlineMixin` — the same for another ``requests.Session`` subclass (``OAuth2Session``):
  ``class S(DeadlineMixin, OAuth2Session)`` and call :func:`mount` on the instance;
* :func:`mount` — install the checking, deadline-aware adapters on any session;
* :func:`check_url` — why a URL may not be used (``None``: it may); :func:`is_loopback_host`;
* :class:`DeadlineExceeded`, :class:`UnsafeURLError` (both ``requests.RequestException``);
* :data:`DEFAULT_TIMEOUT` (per-operation connect/read), :data:`DEFAULT_DEADLINE` (whole call).

Not bounded: the name lookup (``getaddrinfo`` cannot be interrupted from Python); a dead resolver
costs its own time-out (about 5 s per server) before the connect starts.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
from urllib3.util import parse_url

#: (connect, read) seconds for one socket operation.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 20.0)
#: Seconds for a whole call (connect, send, the full answer, redirects).
DEFAULT_DEADLINE = 30.0
USER_AGENT = "SocialDesk/0.1 (+desktop app)"
#: Hosts that plain http may reach: this computer, exactly as docs/interfaces.md names them.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class DeadlineExceeded(requests.Timeout):
    """The whole call took longer than its deadline and was cut off."""


class UnsafeURLError(requests.RequestException):
    """The URL is ambiguous or would send data over plain http to another host; nothing was sent."""


# -- URLs -----------------------------------------------------------------------------------------


def is_loopback_host(host: str | None) -> bool:
    """True for this computer as docs/interfaces.md names it: 127.0.0.1, ::1 or localhost."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address == ipaddress.ip_address("127.0.0.1") or address == ipaddress.ip_address("::1")


def _connect_host(url: str) -> tuple[str, str | None, int | None]:
    """(scheme, host, port) as urllib3 — the library requests connects with — reads ``url``."""
    parsed = parse_url(url)
    return (parsed.scheme or "").lower(), (parsed.host or "").strip("[]").lower() or None, parsed.port


def check_url(url: str, *, allow_http: bool = True) -> str | None:
    """Why ``url`` may not be used for a platform call (``None``: it may).

    Refused: anything but a full http(s) URL; userinfo (``user@``); backslashes, whitespace and
    control characters; a URL that ``urllib.parse`` and urllib3 read as different hosts or ports;
    plain ``http://`` to a host other than this computer (or at all, with ``allow_http=False``).
    """
    if not isinstance(url, str) or not url:
        return "must be a full URL starting with https://"
    if "\\" in url:
        return "must not contain a backslash (\\)"
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(url)
        split_port = parts.port
        scheme, host, port = _connect_host(url)
    except ValueError:
        return "is not a valid URL (check the host and port)"
    except Exception:  # urllib3's LocationParseError and friends
        return "is not a valid URL (check the host and port)"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "must be a full URL starting with https://"
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        return "must not contain a user name or password (user@host)"
    if host != (parts.hostname or "").lower() or port != split_port or scheme != parts.scheme.lower():
        return "is ambiguous (it would be read as two different addresses); write it plainly"
    if scheme == "http":
        if not allow_http:
            return "must use https://"
        if not is_loopback_host(host):
            return "must use https:// (http:// is allowed only on this computer: 127.0.0.1, ::1 or localhost)"
    return None


# -- the watchdog ---------------------------------------------------------------------------------


class _Watch:
    """The sockets of one call in progress, shut down when its deadline passes."""

    def __init__(self, deadline: float) -> None:
        self.ends_at = time.monotonic() + deadline
        self.deadline = deadline
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline), self._fire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.fired:
                _shutdown(sock)
            elif sock not in self._sockets:
                self._sockets.append(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.cancel()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()


def _active_watch() -> _Watch | None:
    return getattr(_current, "watch", None)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    """Registers its socket with the current call's watchdog (new and reused connections alike)."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if (watch := _active_watch()) is not None:
            watch.add(sock)
        return sock

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> None:
        if (watch := _active_watch()) is not None and self.sock is not None:
            watch.add(self.sock)
        super().request(method, url, *args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class CheckedAdapter(requests.adapters.HTTPAdapter):
    """Checks each URL actually sent (redirects too) and uses sockets the watchdog can cut off."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if (reason := check_url(url)) is not None:
            raise UnsafeURLError(f"{url.split('?')[0]} {reason}; nothing was sent", request=request)
        watch = _active_watch()
        if watch is not None:
            remaining = watch.remaining()
            if remaining <= 0:
                raise DeadlineExceeded(f"no answer within {watch.deadline:g} s", request=request)
            kwargs["timeout"] = _clip(kwargs.get("timeout"), remaining)
        return super().send(request, *args, **kwargs)


def _clip(timeout: Any, remaining: float) -> tuple[float, float]:
    """A (connect, read) pair, each no longer than the time left."""
    if timeout is None:
        connect, read = DEFAULT_TIMEOUT
    elif isinstance(timeout, tuple):
        connect = timeout[0] if timeout[0] is not None else DEFAULT_TIMEOUT[0]
        read = timeout[1] if timeout[1] is not None else DEFAULT_TIMEOUT[1]
    else:
        connect = read = float(timeout)
    return (min(float(connect), remaining), min(float(read), remaining))


def mount(session: requests.Session) -> requests.Session:
    """Install :class:`CheckedAdapter` for http and https on ``session`` (returned for chaining)."""
    adapter = CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextlib.contextmanager
def deadline_scope(seconds: float) -> Iterator[_Watch]:
    """Run the calls inside with one total deadline (the innermost scope wins on nesting)."""
    outer = _active_watch()
    if outer is not None and outer.remaining() < seconds:
        yield outer
        return
    watch = _Watch(seconds)
    _current.watch = watch
    watch.start()
    try:
        yield watch
    except requests.RequestException as exc:
        if watch.fired and not isinstance(exc, DeadlineExceeded):
            raise DeadlineExceeded(f"no complete answer within {seconds:g} s") from None
        raise
    finally:
        watch.stop()
        _current.watch = outer


class DeadlineMixin:
    """Gives a ``requests.Session`` subclass ``request(..., deadline=SECONDS)`` (see DeadlineSession)."""

    #: Seconds for one whole call when the caller names none.
    deadline: float = DEFAULT_DEADLINE

    def request(self, method: str, url: str, *args: Any, deadline: float | None = None, **kwargs: Any) -> Any:
        if (reason := check_url(url)) is not None:
            raise UnsafeURLError(f"{url.split('?')[0]} {reason}; nothing was sent")
        seconds = self.deadline if deadline is None else deadline
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        with deadline_scope(seconds) as watch:
            response = super().request(method, url, *args, **kwargs)  # type: ignore[misc]
            if watch.fired:
                raise DeadlineExceeded(f"no complete answer within {seconds:g} s")
            return response


class DeadlineSession(DeadlineMixin, requests.Session):  # type: ignore[misc]  # adds deadline=
    """A ``requests.Session`` whose every call has a total deadline and a checked URL.

    >>> s = DeadlineSession(deadline=10)
    >>> s.get("https://graph.facebook.com/v21.0/me", deadline=5)   # doctest: +SKIP

    ``stream=True`` answers must be read inside :func:`deadline_scope` to stay bounded; SocialDesk
    never streams.
    """

    def __init__(self, *, deadline: float = DEFAULT_DEADLINE, user_agent: str = USER_AGENT) -> None:
        super().__init__()
        self.deadline = deadline
        self.headers["User-Agent"] = user_agent
        mount(self)
