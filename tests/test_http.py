"""The one HTTP helper: a total deadline per call, and URLs checked as urllib3 connects them.

A real dripping server on 127.0.0.1 (one byte at a time, well inside any per-read time-out) shows
that a call ends by its deadline; a second loopback address, 127.0.0.2, stands in for "another
host" and must never receive a byte over plain http.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from socialdesk.services import http


class _Recorder:
    """A raw TCP server: records every connection; answers with ``script`` (a callable per socket)."""

    def __init__(self, host: str, script: object) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.host = host
        self.connections = 0
        self.received = b""
        self.script = script
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            self.received += conn.recv(65536)
            self.script(conn, self._stop)  # type: ignore[operator]
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


@contextmanager
def server(script: object, host: str = "127.0.0.1") -> Iterator[_Recorder]:
    recorder = _Recorder(host, script)
    try:
        yield recorder
    finally:
        recorder.close()


def _drip(data: bytes, every: float):  # type: ignore[no-untyped-def]
    def script(conn: socket.socket, stop: threading.Event) -> None:
        for byte in data:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))

    return script


def _ok(body: bytes = b'{"ok": true}'):  # type: ignore[no-untyped-def]
    def script(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )

    return script


HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n"


@pytest.mark.parametrize(
    "payload",
    [HEADERS[:3] + b"x" * 2000, HEADERS + b" " * 400],
    ids=["dripping-headers", "dripping-body"],
)
def test_a_dripping_server_ends_the_call_by_its_deadline(payload: bytes) -> None:
    with server(_drip(payload, 0.2)) as srv:
        session = http.DeadlineSession()
        started = time.monotonic()
        with pytest.raises(http.DeadlineExceeded):
            # Per-read time-out 10 s never fires (a byte comes every 0.2 s); the 1.5 s deadline does.
            session.get(f"http://127.0.0.1:{srv.port}/me", timeout=(10, 10), deadline=1.5)
        took = time.monotonic() - started
    assert 1.4 <= took < 3.0, took
    assert isinstance(http.DeadlineExceeded("x"), requests.Timeout)  # callers' "will retry" path


def test_a_quick_answer_is_returned_and_the_deadline_does_not_linger() -> None:
    with server(_ok()) as srv:
        session = http.DeadlineSession(deadline=2)
        response = session.get(f"http://127.0.0.1:{srv.port}/me")
        assert response.json() == {"ok": True}
        time.sleep(2.2)  # the watchdog of the finished call must not cut a later one
        assert session.get(f"http://127.0.0.1:{srv.port}/me").json() == {"ok": True}


def test_the_backslash_trick_reaches_nobody() -> None:
    """``http://ELSEWHERE:P\\@127.0.0.1/`` — urlsplit sees 127.0.0.1, urllib3 would connect elsewhere."""
    with server(_ok(), host="127.0.0.2") as elsewhere, server(_ok()) as local:
        url = f"http://127.0.0.2:{elsewhere.port}\\@127.0.0.1:{local.port}/token"
        assert http.check_url(url) is not None
        with pytest.raises(http.UnsafeURLError):
            http.DeadlineSession().post(url, data={"client_secret": "s3cret-value", "refresh_token": "r"})
        time.sleep(0.3)
        assert elsewhere.connections == 0 and local.connections == 0


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://user:pw@127.0.0.1/token", "user name"),
        ("https://evil.example@graph.facebook.com/", "user name"),
        ("http://127.0.0.2/token", "https://"),
        ("http://10.0.0.5/token", "https://"),
        ("http://127.0.0.1 /token", "spaces"),
        ("http://127.0.0.1/to\nken", "control"),
        ("ftp://127.0.0.1/token", "https://"),
        ("http://127.0.0.1:99999/token", "valid URL"),
        ("//127.0.0.1/token", "https://"),
    ],
)
def test_ambiguous_or_unsafe_urls_are_refused(url: str, why: str) -> None:
    reason = http.check_url(url)
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/token",
        "http://[::1]:80/x",
        "http://localhost/cb",
        "https://api.x.com/2/users/me",
    ],
)
def test_plain_urls_pass(url: str) -> None:
    assert http.check_url(url) is None


def test_plain_http_to_another_host_is_never_sent_even_through_a_redirect() -> None:
    with server(_ok(), host="127.0.0.2") as elsewhere:

        def redirect(conn: socket.socket, stop: threading.Event) -> None:
            conn.sendall(
                f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.2:{elsewhere.port}/token\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )

        with server(redirect) as local:
            with pytest.raises(http.UnsafeURLError):
                http.DeadlineSession().post(
                    f"http://127.0.0.1:{local.port}/token", data={"client_secret": "s3cret-value"}
                )
            assert local.connections == 1
        time.sleep(0.3)
        assert elsewhere.connections == 0 and elsewhere.received == b""


def test_a_health_check_against_a_dripping_server_ends_within_its_deadline(
    workspace: object,
) -> None:
    """The issue's case: one byte every 5 s kept a check past 240 s. Now: "will retry" by the deadline."""
    from socialdesk.models.catalogue import ConnectionType, GrantState, Role
    from socialdesk.services import health
    from socialdesk.services.oauth import OAuthService
    from socialdesk.services.providers import load_providers
    from socialdesk.services.tokens import TokenSet, TokenStore
    from tests import factory

    with server(_drip(HEADERS + b" " * 400, 0.5)) as srv:
        ws = workspace
        (ws.data_dir / "providers.toml").write_text(  # type: ignore[attr-defined]
            "[providers.x]\n"
            f'authorize_url = "http://127.0.0.1:{srv.port}/authorize"\n'
            f'token_url = "http://127.0.0.1:{srv.port}/token"\n'
            f'userinfo_url = "http://127.0.0.1:{srv.port}/userinfo"\n'
            'client_id = "x-app"\nredirect_uri = "http://127.0.0.1/callback"\n',
            encoding="utf-8",
        )
        store = TokenStore(ws.workspace_id)  # type: ignore[attr-defined]
        ref = store.new_ref()
        store.save(ref, TokenSet("dripping-access-token-1"))
        with ws.session() as s:  # type: ignore[attr-defined]
            me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
            p = factory.profile(s, "x", "account", handle="alice", owners=(me,))
            factory.connect(s, p, ConnectionType.PUBLISHING, (me, GrantState.ACTIVE))
            from sqlalchemy import update

            from socialdesk.models.schema import Grant

            s.execute(update(Grant).values(token_ref=ref))
        service = OAuthService(load_providers(ws.data_dir), store, timeout=(10, 10), deadline=2.0)  # type: ignore[attr-defined]
        started = time.monotonic()
        report = health.run_health_check(ws, service)  # type: ignore[arg-type]
        took = time.monotonic() - started
    assert took < 5.0, took
    (failed,) = report.failed
    assert "in time" in failed.reason and not report.expired
    problems = report.platform_problems()["x"]
    assert "check failed — will retry" in problems[0]
