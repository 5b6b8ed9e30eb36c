"""``socialdesk check``: run the connection health check now and say what changed and what was not checked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialdesk.commands.common import open_workspace


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="run the connection health check now",
        description="Refresh tokens near expiry, verify the others with their platform, mark expired only "
        "what the platform rejects, and say per platform what could not be checked and why.",
    )
    check.add_argument(
        "--respect-backoff",
        action="store_true",
        help="skip grants still waiting to retry after a failed check (as the timer does)",
    )
    check.set_defaults(handler=run)


def run(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import health

    workspace = open_workspace(data_dir)
    try:
        for warning in health.provider_warnings(workspace):
            print(f"socialdesk: warning: {warning}", file=sys.stderr)
        summary = health.run_check(workspace, force=not args.respect_backoff).value
    finally:
        workspace.close()
    assert summary.report is not None  # never cancelled here
    for line in summary.report.lines():
        print(line)
    return 0
