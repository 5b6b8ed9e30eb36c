"""``socialdesk profiles``: list profiles as the main window would; ``profiles add`` adds a public one."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from socialdesk.commands.common import Parser, UsageError, open_workspace
from socialdesk.models.catalogue import PLATFORM_KEYS, ConnectionState, ConnectionType, Ownership, Status
from socialdesk.services.cells import terminal_text


def _connection_type_arg(value: str) -> tuple[ConnectionType, ConnectionState | None]:
    name, _, state = value.partition(":")
    try:
        ctype = ConnectionType(name)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"unknown connection type {name!r}; choose from {', '.join(t.value for t in ConnectionType)}"
        ) from None
    if not state:
        return ctype, None
    if state not in ("active", "expired"):
        raise argparse.ArgumentTypeError(f"connection state must be 'active' or 'expired', not {state!r}")
    return ctype, ConnectionState(state)


def _sort_arg(value: str) -> tuple[str, bool]:
    from socialdesk.services.query import COLUMN_KEYS

    column, _, direction = value.partition(":")
    if column not in COLUMN_KEYS:
        raise argparse.ArgumentTypeError(
            f"unknown sort column {column!r}; choose from {', '.join(COLUMN_KEYS)}"
        )
    if direction not in ("", "asc", "desc"):
        raise argparse.ArgumentTypeError(f"sort direction must be 'desc' (or 'asc'), not {direction!r}")
    return column, direction == "desc"


def register(commands: Any) -> None:
    profiles = commands.add_parser("profiles", help="list profiles as the main window would; add public ones")
    profiles.add_argument("--ownership", action="append", choices=[o.value for o in Ownership], default=[])
    profiles.add_argument("--status", action="append", choices=[s.value for s in Status], default=[])
    profiles.add_argument("--platform", action="append", choices=PLATFORM_KEYS, default=[])
    profiles.add_argument(
        "--connection-type",
        action="append",
        type=_connection_type_arg,
        default=[],
        metavar="TYPE[:active|:expired]",
    )
    profiles.add_argument("--group", action="append", default=[], metavar="NAME")
    profiles.add_argument("--owner", action="append", default=[], metavar="NAME")
    profiles.add_argument("--search", action="append", default=[], metavar="TEXT")
    profiles.add_argument("--sort", type=_sort_arg, default=None, metavar="COLUMN[:desc]")
    profiles.add_argument("--format", choices=("table", "csv", "json"), default="table")
    profile_commands = profiles.add_subparsers(
        dest="profiles_command", parser_class=Parser, metavar="add|import"
    )
    add = profile_commands.add_parser("add", help="add a public profile (or restore a deleted one)")
    add.add_argument("--platform", dest="add_platform", required=True, choices=PLATFORM_KEYS)
    add.add_argument("--handle", required=True)
    add.add_argument("--kind", default=None)
    add.add_argument("--display-name", default=None)
    load = profile_commands.add_parser(
        "import", help="add public profiles from a CSV/XLSX list of addresses or platform + handle"
    )
    load.add_argument("file", type=Path, help="CSV or XLSX: a URL column, or Platform and Handle columns")
    load.add_argument("--apply", action="store_true", help="apply (without it: only show what would change)")
    profiles.set_defaults(handler=run)
    add.set_defaults(handler=run_add)
    load.set_defaults(handler=run_import)


def run(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import profile_list as ops
    from socialdesk.services.query import ProfileFilter

    flt = ProfileFilter(
        ownership={Ownership(o) for o in args.ownership},
        status={Status(s) for s in args.status},
        platform=set(args.platform),
        connection_types=set(args.connection_type),
        groups=set(args.group),
        owners=set(args.owner),
        search="",
    )
    workspace = open_workspace(data_dir)
    try:
        listing = ops.list_profiles(workspace, flt, args.search or (), args.sort or (None, False))
        rows, selected = listing.rows, list(listing.selected)
        out = sys.stdout
        if args.format == "json":
            json.dump(ops.listing_json(workspace, listing), out, ensure_ascii=False, indent=2)
            out.write("\n")
        elif args.format == "csv":
            from socialdesk.services.cells import SafeCsvWriter

            writer = SafeCsvWriter(csv.writer(out, lineterminator="\n"))
            writer.writerow(ops.CSV_HEADER)
            writer.writerows(ops.csv_records(rows, selected))
        else:
            print(ops.format_table(ops.TABLE_HEADER, ops.table_records(rows, selected)))
            print(f"\nShowing {len(selected)} of {len(rows)} profiles")
    finally:
        workspace.close()
    return 0


def run_add(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.models.catalogue import PLATFORMS
    from socialdesk.ops import profiles as ops

    kinds = PLATFORMS[args.add_platform].kinds
    if args.kind is not None and args.kind not in kinds:
        raise UsageError(
            f"socialdesk profiles add: --kind for {args.add_platform} must be one of {', '.join(kinds)}, "
            f"not {args.kind!r} (see --help)"
        )
    workspace = open_workspace(data_dir)
    try:
        added = ops.add_public(workspace, args.add_platform, args.handle, args.kind, args.display_name).value
    finally:
        workspace.close()
    if added.restored:
        print(f"restored deleted profile {added.profile_id}", file=sys.stderr)
    print(added.profile_id)
    return 0


def run_import(data_dir: Path, args: argparse.Namespace) -> int:
    """Preview (and with ``--apply``, add all or nothing) public profiles from a list."""
    from socialdesk.ops import profiles as ops

    def show(lines: tuple[str, ...]) -> None:
        for line in lines:
            print(terminal_text(line))  # file text may hold control characters

    workspace = open_workspace(data_dir)
    try:
        outcome = ops.import_profiles(workspace, args.file, apply=args.apply, previewed=show).value
    finally:
        workspace.close()
    if not outcome.applied:
        if outcome.can_apply:
            print("Nothing was changed; run again with --apply to add them.")
        return 0
    print(f"Imported: {outcome.added} added, {outcome.restored} restored")
    return 0
