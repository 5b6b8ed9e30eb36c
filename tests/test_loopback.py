"""The system browser's sign-in answer on a real loopback socket (``services.loopback``).

Only the redirect path with the sign-in's own state is delivered, once; another path, another or no
state, another method, another Host (a rebound DNS name) and a web page's sub-resource request are
refused and the listener keeps waiting. It stops at its time-out and on ``stop``; a taken port is an
error naming it. Request lines (they carry the code) are never logged.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from socialdesk.ops.connections import listen_for_answer
from socialdesk.services.loopback import LoopbackListener, PortInUseError

STATE = "s-3f9a1c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Answers:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.arrived = threading.Event()

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        self.arrived.set()


@pytest.fixture
def listening() -> Iterator[tuple[LoopbackListener, Answers, str]]:
    port = free_port()
    answers = Answers()
    listener = LoopbackListener(f"http://127.0.0.1:{port}/callback", STATE, answers, timeout=10)
    listener.start()
    try:
        yield listener, answers, f"http://127.0.0.1:{port}"
    finally:
        listener.stop()


def test_the_right_path_and_state_deliver_the_code_once(
    listening: tuple[LoopbackListener, Answers, str],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    listener, answers, base = listening
    caplog.set_level(logging.DEBUG)
    page = requests.get(f"{base}/callback?code=the-code-123&state={STATE}", timeout=5)
    assert page.status_code == 200
    assert "You are signed in. You can close this tab and go back to SocialDesk." in page.text
    assert answers.arrived.wait(5)
    assert answers.urls == [f"{base}/callback?code=the-code-123&state={STATE}"]
    deadline = time.monotonic() + 5
    while listener.listening and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not listener.listening  # one answer, then the port is closed
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/callback?code=again&state={STATE}", timeout=2)
    assert answers.urls == [f"{base}/callback?code=the-code-123&state={STATE}"]
    # The test's own HTTP client (urllib3) logs its request line; the listener logs nothing of it.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("urllib3")]
    assert not any("the-code-123" in m for m in ours)
    assert "the-code-123" not in capfd.readouterr().err  # http.server's request log is off


def test_a_provider_error_with_the_state_is_delivered_and_says_so(
    listening: tuple[LoopbackListener, Answers, str],
) -> None:
    _listener, answers, base = listening
    page = requests.get(f"{base}/callback?error=access_denied&state={STATE}", timeout=5)
    assert page.status_code == 200 and "The sign-in was not completed." in page.text
    assert answers.arrived.wait(5) and "error=access_denied" in answers.urls[0]


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/favicon.ico", 404),
        ("/callback/other?code=c&state=" + STATE, 404),
        ("/callback?code=c", 400),  # no state
        ("/callback?code=c&state=someone-elses", 400),
        (f"/callback?code=c&state={STATE}&state=second", 400),
    ],
)
def test_a_wrong_path_or_state_is_refused_and_the_listener_keeps_waiting(
    listening: tuple[LoopbackListener, Answers, str], target: str, status: int
) -> None:
    listener, answers, base = listening
    assert requests.get(base + target, timeout=5).status_code == status
    assert not answers.urls and listener.listening
    ok = requests.get(f"{base}/callback?code=right&state={STATE}", timeout=5)
    assert ok.status_code == 200 and answers.arrived.wait(5)
    assert answers.urls == [f"{base}/callback?code=right&state={STATE}"]


def test_foreign_requests_are_refused(listening: tuple[LoopbackListener, Answers, str]) -> None:
    """A page elsewhere cannot answer: not by POST, not through a rebound DNS name, not as an image."""
    listener, answers, base = listening
    answer = f"{base}/callback?code=c&state={STATE}"
    assert requests.post(answer, timeout=5).status_code == 405
    port = base.rsplit(":", 1)[1]
    assert requests.get(answer, headers={"Host": f"evil.example:{port}"}, timeout=5).status_code == 421
    fetched = requests.get(
        answer, headers={"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}, timeout=5
    )
    assert fetched.status_code == 403
    assert not answers.urls and listener.listening
    # A browser's own navigation (by name or by address) is the answer.
    navigated = requests.get(
        answer, headers={"Host": f"localhost:{port}", "Sec-Fetch-Mode": "navigate"}, timeout=5
    )
    assert navigated.status_code == 200 and answers.arrived.wait(5)


def test_it_stops_at_its_time_out_and_on_stop() -> None:
    port = free_port()
    answers = Answers()
    listener = LoopbackListener(f"http://localhost:{port}/cb", STATE, answers, timeout=0.5)
    listener.start()
    assert listener.listening
    time.sleep(1.2)
    assert not listener.listening
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/cb?code=late&state={STATE}", timeout=2)
    listener.stop()
    assert not answers.urls

    other = LoopbackListener(f"http://127.0.0.1:{port}/cb", STATE, answers, timeout=30)
    other.start()
    other.stop()
    assert not other.listening
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/cb?code=late&state={STATE}", timeout=2)


def test_a_busy_port_is_an_error_naming_it() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        listener = LoopbackListener(f"http://127.0.0.1:{port}/cb", STATE, Answers(), timeout=5)
        with pytest.raises(PortInUseError) as caught:
            listener.start()
    assert caught.value.port == port and isinstance(caught.value, OSError)
    assert f"port {port} on 127.0.0.1 is in use" in str(caught.value)


def test_the_operation_listens_for_its_request() -> None:
    """``ops.connections.listen_for_answer`` listens on the request's redirect port for its state."""
    port = free_port()

    class Request:  # the two fields the listener reads of an AuthorizationRequest
        redirect_uri = f"http://127.0.0.1:{port}/callback"
        state = STATE

    answers = Answers()
    listener = listen_for_answer(Request(), answers, 10)  # type: ignore[arg-type]
    try:
        assert requests.get(f"http://127.0.0.1:{port}/callback?code=c&state=x", timeout=5).status_code == 400
        assert requests.get(f"http://127.0.0.1:{port}/callback?code=c&state={STATE}", timeout=5).ok
        assert answers.arrived.wait(5)
    finally:
        listener.stop()
