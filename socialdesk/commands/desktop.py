"""``socialdesk install-desktop-entry``: put SocialDesk into the user's application menu.

Writes a freedesktop.org desktop entry and the app's icon under the user's data folder
(``$XDG_DATA_HOME``, else ``~/.local/share``): ``applications/socialdesk.desktop`` and
``icons/hicolor/scalable/apps/socialdesk.svg``. Needs no workspace. Running it again replaces both,
so it also repairs an entry that points at an older install.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from importlib import resources
from pathlib import Path
from typing import Any

DESKTOP_FILE = "socialdesk.desktop"
ICON_FILE = "socialdesk.svg"


def register(commands: Any) -> None:
    entry = commands.add_parser(
        "install-desktop-entry",
        help="add SocialDesk to your application menu",
        description="Write a desktop entry and the SocialDesk icon into your user data folder so that "
        "SocialDesk appears in the application menu. Needs no workspace.",
    )
    entry.add_argument(
        "--data-home",
        type=Path,
        help="where the entry goes (default: $XDG_DATA_HOME, else ~/.local/share)",
    )
    entry.set_defaults(handler=run)


def data_home(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit
    env = os.environ.get("XDG_DATA_HOME")
    return Path(env) if env else Path.home() / ".local" / "share"


def launcher() -> str:
    """The command line the menu runs: this install's ``socialdesk`` script, else this Python with -m."""
    script = shutil.which("socialdesk")
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if here is not None and here.name == "socialdesk" and here.is_file():
        script = str(here)
    if script:
        return _quote_exec(script)
    return f"{_quote_exec(sys.executable)} -m socialdesk"


def _quote_exec(path: str) -> str:
    # The desktop entry spec quotes arguments with double quotes; shlex is close enough for paths
    # without '"', '`', '$' or '\\', which is what installers produce.
    return shlex.quote(path) if any(c.isspace() for c in path) else path


def install(target: Path) -> tuple[Path, Path]:
    """Write the entry and the icon below ``target``; returns their paths."""
    package = resources.files("socialdesk") / "resources" / "desktop"
    template = (package / DESKTOP_FILE).read_text(encoding="utf-8")
    entry_path = target / "applications" / DESKTOP_FILE
    icon_path = target / "icons" / "hicolor" / "scalable" / "apps" / ICON_FILE
    entry_path.parent.mkdir(parents=True, exist_ok=True)
    icon_path.parent.mkdir(parents=True, exist_ok=True)
    entry_path.write_text(template.replace("@EXEC@", launcher()), encoding="utf-8")
    icon_path.write_bytes((package / ICON_FILE).read_bytes())
    return entry_path, icon_path


def run(_data_dir: Path, args: argparse.Namespace) -> int:
    try:
        entry_path, icon_path = install(data_home(args.data_home))
    except OSError as exc:
        print(
            f"socialdesk: could not write the desktop entry: {exc.strerror or exc} ({exc.filename})",
            file=sys.stderr,
        )
        return 1
    print(f"Desktop entry: {entry_path}")
    print(f"Icon: {icon_path}")
    print("SocialDesk now shows in your application menu (log out and in if it does not yet).")
    return 0
