"""The system browser's sign-in answer, received on the redirect URI's loopback port (RFC 8252 §7.3). No Qt.

When a platform's sign-in runs in the person's own web browser (``browser = "system"``; Google refuses
embedded views), the provider sends the browser on to ``http://127.0.0.1:PORT/path?code=…&state=…``.
:class:`LoopbackListener` listens there in a thread, for one answer:

* only ``GET`` of the redirect path whose ``state`` is the sign-in's own is delivered (to
  ``on_answer``, on the listener's thread), once, with a page telling the person to go back;
* anything else is refused and the listener keeps waiting: another path (``/favicon.ico``: 404), an
  answer with another or no ``state`` (400: an old tab, or someone else's answer), another method
  (405), a request naming another host (a web page reaching the port through a rebound DNS name:
  421), and a sub-resource or script request of a web page (``Sec-Fetch-Mode`` other than a
  navigation: 403). None of these can end or steer the sign-in;
* request lines are never logged: they carry the authorization code;
* it stops by itself after ``timeout`` seconds, and on :meth:`stop`.

A port that is taken is a :class:`PortInUseError` naming it.
"""

from __future__ import annotations

import errno
import hmac
import html
import http.server
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["LoopbackListener", "PortInUseError"]

#: How long one wait for a request lasts before the stop flag and the deadline are looked at again.
_POLL_S = 0.2


class PortInUseError(OSError):
    """The redirect URI's port is taken on this computer (another program, or another sign-in)."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(errno.EADDRINUSE, reason)
        self.host = host
        self.port = port

    def __str__(self) -> str:
        return f"port {self.port} on {self.host} is in use ({self.strerror})"


def _page(text: str) -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>SocialDesk</title></head>"
        f"<body style='font-family:sans-serif;margin:3em'><h1>SocialDesk</h1>"
        f"<p>{html.escape(text)}</p></body></html>"
    ).encode()


class LoopbackListener:
    """Receives the sign-in answer for ONE request (its ``state``) on the redirect URI's loopback port."""

    def __init__(
        self, redirect_uri: str, state: str, on_answer: Callable[[str], None], timeout: float
    ) -> None:
        parts = urlsplit(redirect_uri)
        self.host = parts.hostname or "127.0.0.1"
        if self.host == "localhost":
            self.host = "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"
        # The answer is named as the redirect URI names it (not by the browser's Host header), so it
        # always matches the sign-in's redirect prefix.
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.state = state
        self.on_answer = on_answer
        self.timeout = timeout
        self._stop = threading.Event()
        self._server: http.server.HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.answered = False

    # -- what is accepted ---------------------------------------------------------------------------

    def _hosts(self) -> set[str]:
        """The Host header values a browser sends for the redirect URI (by IP or by ``localhost``)."""
        names = {self.host, "localhost"} if self.host in ("127.0.0.1", "::1") else {self.host}
        out = set()
        for name in names:
            shown = f"[{name}]" if ":" in name else name
            out |= {f"{shown}:{self.port}".lower()} | ({shown.lower()} if self.port == 80 else set())
        return out

    def refusal(self, method: str, target: str, headers: Any) -> tuple[int, str] | None:
        """``(status, text)`` when a request is not the answer this listener waits for, else ``None``."""
        if method != "GET":
            return 405, "SocialDesk only takes the sign-in answer here."
        host = str(headers.get("Host") or "").strip().lower()
        if host not in self._hosts():
            return 421, "This address is not SocialDesk's sign-in address."
        mode = str(headers.get("Sec-Fetch-Mode") or "navigate").strip().lower()
        if mode != "navigate":
            return 403, "A web page cannot answer SocialDesk's sign-in."
        parts = urlsplit(target)
        if parts.path != self.path or self.answered:
            return 404, "Nothing here."
        states = parse_qs(parts.query).get("state", [])
        if len(states) != 1 or not hmac.compare_digest(states[0].encode(), self.state.encode()):
            return 400, (
                "This answer is not for the sign-in SocialDesk is waiting for (an older sign-in, or "
                "another one). Go back to SocialDesk and start the sign-in again if it is still waiting."
            )
        return None

    # -- running ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind the port (:class:`PortInUseError` when it is taken) and start waiting in a thread."""
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _refuse(self, status: int, text: str) -> None:
                body = _page(text)
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def _any(self) -> None:
                refused = listener.refusal(self.command, self.path, self.headers)
                if refused is not None:
                    self._refuse(*refused)
                    return
                listener.answered = True
                url = f"{listener.base}{self.path}"
                failed = "error" in parse_qs(urlsplit(self.path).query)
                text = (
                    "The sign-in was not completed. Go back to SocialDesk to see why."
                    if failed
                    else "You are signed in. You can close this tab and go back to SocialDesk."
                )
                self._refuse(200, text)
                listener.on_answer(url)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass  # request lines carry the authorization code: never logged

        class Server(http.server.HTTPServer):
            address_family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            allow_reuse_address = True

        try:
            server = Server((self.host, self.port), Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(self.host, self.port, exc.strerror or str(exc)) from exc
            raise
        server.timeout = _POLL_S
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

    @property
    def listening(self) -> bool:
        """Whether the port is still being listened on (False once answered, stopped or timed out)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None
