"""End to end at the desk: the real application as a process under X, on the shared 20,000-profile workspace,
driven with real key presses: select all, Delete, cancel the confirmation, and quit while a connection check
waits for a stalled server. The process must be gone within 2 s of the quit key."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from socialdesk.models.catalogue import ConnectionType
from socialdesk.services.workspace import Workspace
from tests.test_e2e import display  # noqa: F401 - the fixture

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import OAuthTestServer, OAuthWorkspace, providers_toml  # noqa: E402

pytest_plugins = ("tests.oauth_server",)
pytestmark = pytest.mark.e2e

#: Quitting during a running check ends the process within this (issue "a day at the desk").
QUIT_WITHIN_S = 2.0


def prepare(source: Path, target: Path, server: OAuthTestServer) -> None:
    """A copy of a big workspace with one real sign-in whose token the keyring holds (so the check calls
    the server)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("socialdesk-ui.ini"))
    ws = Workspace.open(target)
    try:
        (target / "providers.toml").write_text(providers_toml(server.url), encoding="utf-8")
        me = ws.me_id
        assert me is not None
        wired = OAuthWorkspace(ws, server, None, None, me)
        wired.reload()
        wired.connect("x", [ConnectionType.PUBLISHING])
    finally:
        ws.close()


class App:
    """The real app in a process; its log lines (``--verbose``) read in a thread."""

    def __init__(self, data_dir: Path, screen: str) -> None:
        exe = Path(sys.executable).with_name("socialdesk")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialdesk"]
        env = {**os.environ, "DISPLAY": screen, "QT_QPA_PLATFORM": "xcb"}
        self.proc = subprocess.Popen(
            [*cmd, "--verbose", "--data-dir", str(data_dir)], env=env, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line)

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                assert self.proc.poll() is None, "the app ended:\n" + "".join(self.lines)
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} within {timeout} s:\n" + "".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def run_the_desk(data_dir: Path, screen: str, server: OAuthTestServer, load_timeout: float) -> float:
    """Select all, Delete, cancel, then quit during the check; the seconds from the quit key to the end."""
    from tests.x11_input import X11Keyboard

    server.mode = "stall"
    server.stall_seconds = 60.0
    before = server.count("userinfo")
    app = App(data_dir, screen)
    keys = X11Keyboard(screen)
    try:
        app.wait_for("Main window ready: Showing", load_timeout)
        keys.move(700, 400)  # over the window (no window manager: the pointer's window gets the keys)
        deadline = time.monotonic() + 30
        while server.count("userinfo") == before:  # the first check starts once the window is idle
            assert time.monotonic() < deadline, "the connection check did not call the server"
            time.sleep(0.1)
        keys.press("Control_L", "a")
        time.sleep(0.3)
        keys.press("Delete")
        app.wait_for("Bulk actionDelete: planned", 60)
        app.wait_for("Asking the user: planDialog", 30)
        time.sleep(0.3)
        keys.press("Escape")
        app.wait_for("The user cancelled planDialog", 10)
        assert server.count("userinfo") > before  # the check is still out, waiting for the stalled server
        started = time.monotonic()
        keys.press("Control_L", "q")
        try:
            app.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("running 30 s after the quit key:\n" + "".join(app.lines[-30:])) from None
        took = time.monotonic() - started
    finally:
        keys.close()
        app.stop()
        server.reset()
    assert app.proc.returncode == 0, "".join(app.lines)
    assert "Traceback" not in "".join(app.lines)
    return took


def test_quitting_during_a_check_after_a_cancelled_delete_of_everything_is_immediate(
    display: str,  # noqa: F811 - the fixture
    scale_dir: Path,
    auth_server: OAuthTestServer,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "desk-20k"
    prepare(scale_dir, data_dir, auth_server)
    took = run_the_desk(data_dir, display, auth_server, load_timeout=60)
    assert took <= QUIT_WITHIN_S, f"the process lingered {took:.1f} s after the quit key"
