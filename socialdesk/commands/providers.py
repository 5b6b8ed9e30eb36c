"""``socialdesk providers list|set-secret|clear-secret``: each platform's sign-in app (docs/interfaces.md).

``list`` shows, per app to register (each platform that signs in, then each kind that needs its own
app such as LinkedIn organization pages), whether its client id and secret are set, the redirect URI
the next sign-in will use and the platform's rules. ``set-secret`` reads a client secret from
standard input (no echo on a terminal) into the keyring — never into a file.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from socialdesk.commands.common import UsageError, open_workspace

TABLE_HEADER = ("platform", "kind", "client id", "secret", "redirect uri", "mode", "browser")


def register(commands: Any) -> None:
    parser = commands.add_parser("providers", help="the sign-in app of each platform")
    sub = parser.add_subparsers(dest="providers_command", metavar="list|set-secret|clear-secret")
    listing = sub.add_parser("list", help="one row per sign-in app")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(handler=run_list)
    for name, handler, help_text in (
        ("set-secret", run_set_secret, "read a client secret from standard input into the keyring"),
        ("clear-secret", run_clear_secret, "remove a client secret from the keyring"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("platform")
        cmd.add_argument("--kind", help="the kind whose own app this is (linkedin: organization_page)")
        cmd.set_defaults(handler=handler)
    parser.set_defaults(handler=run_list, format="table")


def rows(data_dir: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The ``providers list`` rows, and the keyring warning (None when a keyring works)."""
    from socialdesk.ops import preferences

    workspace = open_workspace(data_dir)
    try:
        report = preferences.sign_in_apps(workspace)
    finally:
        workspace.close()
    return [dataclasses.asdict(app) for app in report.apps], report.keyring_warning


def run_list(data_dir: Path, args: argparse.Namespace) -> int:
    found, warning = rows(data_dir)
    if warning:
        print(f"socialdesk: warning: {warning}", file=sys.stderr)
    if getattr(args, "format", "table") == "json":
        json.dump(found, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    from socialdesk.ops.preferences import format_table

    def yes(value: bool | None) -> str:
        return "unknown" if value is None else ("yes" if value else "no")

    table = [
        (
            r["platform"],
            r["kind"] or "",
            yes(r["client_id_set"]),
            yes(r["client_secret_set"]) + (" (required)" if r["secret_required"] else ""),
            r["redirect_uri"] or "(enter the registered https URL)",
            r["redirect_mode"],
            r["browser"],
        )
        for r in found
    ]
    print(format_table(TABLE_HEADER, table, max_width=60))
    return 0


def _app_problem(args: argparse.Namespace) -> None:
    """An unknown platform or kind is a usage error (exit 2), found before anything is read."""
    from socialdesk.ops.preferences import app_problem

    problem = app_problem(args.platform, args.kind)
    if problem is not None:
        raise UsageError(f"socialdesk providers: {problem}")


def _read_secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Client secret (not shown): ")
    text = sys.stdin.read()
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def run_set_secret(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import preferences

    _app_problem(args)
    secret = _read_secret()
    if not secret.strip():
        print(
            "socialdesk: no client secret was given on standard input; nothing was changed", file=sys.stderr
        )
        return 1
    workspace = open_workspace(data_dir)
    try:
        store = preferences.token_store(workspace)
        provider = preferences.set_client_secret(workspace, store, args.platform, args.kind, secret).value
    finally:
        workspace.close()
    if not store.available:
        print(f"socialdesk: warning: {store.warning}", file=sys.stderr)
    print(f"The client secret of {provider.app_label} is stored in the keyring.")
    return 0


def run_clear_secret(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import preferences

    _app_problem(args)
    workspace = open_workspace(data_dir)
    try:
        store = preferences.token_store(workspace)
        provider = preferences.find_app(workspace, args.platform, args.kind)
        removed = preferences.clear_client_secret(workspace, store, args.platform, args.kind).value
    finally:
        workspace.close()
    if not removed:
        print(f"{provider.app_label} has no client secret stored; nothing to remove.")
        return 0
    print(f"The client secret of {provider.app_label} was removed from the keyring.")
    return 0
