"""End to end: the real application in a subprocess on a real X display (Xvfb)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """The X display of the test run (scripts/test.sh runs under xvfb-run), or a private Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is needed for the end-to-end test: run scripts/test.sh, or apt-get install xvfb"
    number = 90 + os.getpid() % 100
    proc = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_real_app_starts_on_a_demo_workspace_and_quits_cleanly(display: str, demo_dir: Path) -> None:
    exe = Path(sys.executable).with_name("socialdesk")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialdesk"]
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen(
        [*cmd, "--verbose", "--data-dir", str(demo_dir)], env=env, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Main window ready:" in line:
                break
        assert any("Main window ready: Showing" in line for line in lines), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    rest = proc.stderr.read()
    assert code == 0, "".join(lines) + rest
    assert "Traceback" not in "".join(lines) + rest
    # It closed the normal way: the window's state was saved.
    state = (demo_dir / "socialdesk-ui.ini").read_text()
    assert "geometry" in state and "header" in state
