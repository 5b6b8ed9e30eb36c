"""The GUI's log: native noise (Chromium, Qt plugins, child processes) goes to the log file, not the terminal;
SocialDesk's own messages still reach the terminal; Qt's messages are in the log with their level."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import logging, os, subprocess, sys
    from pathlib import Path
    from PySide6.QtCore import qWarning
    from socialdesk.services import redact
    from socialdesk.ui import app_log

    redact.install()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    path = app_log.install(verbose=sys.argv[2] == "verbose", path=Path(sys.argv[1]))
    os.write(2, b"[123:ERROR:gpu_init.cc] native noise from C++\\n")
    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('child process noise\\\\n')"])
    qWarning("Failed to create platform Vulkan instance")
    logging.getLogger("socialdesk").warning("a SocialDesk warning for the user")
    print("the user's own message", file=sys.stderr)
    """
)


def run(tmp_path: Path, mode: str) -> tuple[str, str]:
    log = tmp_path / "log" / "socialdesk.log"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(log), mode], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stderr, log.read_text(encoding="utf-8")


def test_native_noise_goes_to_the_log_and_our_messages_to_the_terminal(tmp_path: Path) -> None:
    terminal, log = run(tmp_path, "quiet")
    assert "native noise" not in terminal and "child process noise" not in terminal
    assert "Vulkan" not in terminal
    assert "a SocialDesk warning for the user" in terminal and "the user's own message" in terminal
    assert "native noise from C++" in log and "child process noise" in log
    assert "WARNING socialdesk.qt: [default] Failed to create platform Vulkan instance" in log
    assert "a SocialDesk warning for the user" in log and "SocialDesk started; log file" in log


def test_verbose_leaves_the_terminal_everything(tmp_path: Path) -> None:
    terminal, log = run(tmp_path, "verbose")
    assert "native noise" in terminal and "child process noise" in terminal
    assert "Failed to create platform Vulkan instance" in log


def test_an_unwritable_log_folder_redirects_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "log"
    blocker.write_text("a file where the folder should be")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    script = SCRIPT.replace("Path(sys.argv[1])", "Path(sys.argv[1]) / 'x.log'")
    result = subprocess.run(
        [sys.executable, "-c", script, str(blocker), "quiet"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode == 0
    assert "native noise" in result.stderr and "No log file" in result.stderr
