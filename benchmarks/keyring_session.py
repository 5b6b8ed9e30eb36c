"""Run a benchmark inside a private D-Bus session with an unlocked gnome-keyring (real keyring writes).

Like scripts/test.sh, but for one script: ``ensure(__file__)`` returns an exit status when it ran the
script again inside the session (the caller returns it), or ``None`` when already inside one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STAGE = "SOCIALDESK_BENCH_STAGE"


def _reexec(script: str) -> int:
    name = Path(script).stem
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            print(f"{name}: {tool} is missing; run `bash scripts/setup.sh` first", file=sys.stderr)
            return 1
    home = tempfile.mkdtemp(prefix="socialdesk-bench-")
    runtime = Path(home) / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        **os.environ,
        STAGE: "session",
        "HOME": home,
        "XDG_DATA_HOME": f"{home}/data",
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_CACHE_HOME": f"{home}/cache",
        "XDG_RUNTIME_DIR": str(runtime),
    }
    for var in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "GNOME_KEYRING_CONTROL"):
        env.pop(var, None)
    try:
        return subprocess.call(
            ["dbus-run-session", "--", sys.executable, script, *sys.argv[1:]],
            env=env,
            stdin=subprocess.DEVNULL,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _unlock() -> None:
    out = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input=secrets.token_hex(16),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines():
        var, sep, value = line.partition("=")
        if sep and var.isidentifier():
            os.environ[var] = value


def ensure(script: str) -> int | None:
    """Inside a session already: unlock its keyring if it is ours and return None; else run again in one."""
    if os.environ.get(STAGE) != "session" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return _reexec(script)
    if os.environ.get(STAGE) == "session":
        _unlock()
    return None
