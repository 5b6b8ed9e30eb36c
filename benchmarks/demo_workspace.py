"""The demo workspace a benchmark runs on: built by the real command line, or copied from one built before.

Every benchmark that needs N profiles used to spell out the same ``socialdesk demo`` subprocess; this is
the one place. Building through the command line (not ``services.demo`` in-process) keeps the
benchmark's own process free of the build's memory, as a user's session is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_demo(data: Path, profiles: int) -> None:
    """``socialdesk --data-dir DATA demo --profiles N`` in a child process (its output dropped)."""
    subprocess.run(
        [sys.executable, "-m", "socialdesk", "--data-dir", str(data), "demo", "--profiles", str(profiles)],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )


def demo_workspace(data: Path, profiles: int, source: Path | None = None) -> bool:
    """Fill ``data`` with a demo of ``profiles`` (or a copy of ``source``'s database); True if built."""
    if source is not None:
        data.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / "socialdesk.db", data / "socialdesk.db")
        return False
    build_demo(data, profiles)
    return True
