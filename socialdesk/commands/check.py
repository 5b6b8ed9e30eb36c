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
    from socialdesk.services.health import run_health_check
    from socialdesk.services.oauth import OAuthService
    from socialdesk.services.providers import load_providers
    from socialdesk.services.tokens import TokenStore

    workspace = open_workspace(data_dir)
    try:
        catalogue = load_providers(workspace.data_dir)
        for warning in catalogue.warnings:
            print(f"socialdesk: warning: {warning}", file=sys.stderr)
        service = OAuthService(catalogue, TokenStore(workspace.workspace_id))
        report = run_health_check(workspace, service, force=not args.respect_backoff)
    finally:
        workspace.close()
    for line in report.lines():
        print(line)
    return 0
