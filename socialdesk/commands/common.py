"""What every sub-command shares: the one-line usage errors and opening the workspace."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from sqlalchemy.orm import Session

from socialdesk.services.errors import MAX_ID
from socialdesk.services.workspace import Workspace


class UsageError(Exception):
    """Reported as one line with exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2 (instead of usage + exit)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def open_workspace(data_dir: Path, *, create: bool = False) -> Workspace:
    return Workspace.open(data_dir, create=create)


@contextmanager
def workspace_session(data_dir: Path) -> Iterator[Session]:
    """One unit of work on the workspace in ``data_dir`` (committed at the end), then the workspace closes."""
    workspace = open_workspace(data_dir)
    try:
        with workspace.session() as session:
            yield session
    finally:
        workspace.close()


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
