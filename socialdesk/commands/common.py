"""What every sub-command shares: the one-line usage errors and opening the workspace."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from socialdesk.ops.workspace import Workspace, open_for_command
from socialdesk.services.errors import MAX_ID


class UsageError(Exception):
    """Reported as one line with exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2 (instead of usage + exit)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def open_workspace(data_dir: Path, *, create: bool = False) -> Workspace:
    """The workspace for a command. A command line can wait longer for another writer than the GUI
    (``CLI_BUSY_TIMEOUT_S``); after that it says "another SocialDesk is writing this workspace; try again"."""
    return open_for_command(data_dir, create=create)


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, not {value}")
    if number > MAX_ID:
        raise argparse.ArgumentTypeError(f"{value} is too large to be an id (at most {MAX_ID})")
    return number
