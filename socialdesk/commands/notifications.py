"""``socialdesk notifications``: the notification centre's entries; ``notifications read`` marks them read."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from socialdesk.commands.common import Parser, open_workspace, positive_int
from socialdesk.services.clock import iso

TABLE_HEADER = ("id", "created", "kind", "profile", "type", "read", "text")


def register(commands: Any) -> None:
    parser = commands.add_parser("notifications", help="list the notification centre's entries")
    parser.add_argument("--unread", action="store_true", help="only the unread ones")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    sub = parser.add_subparsers(dest="notifications_command", parser_class=Parser, metavar="read")
    read = sub.add_parser("read", help="mark notifications read")
    read.add_argument("ids", nargs="*", type=positive_int, metavar="ID")
    read.add_argument("--all", action="store_true", help="mark every notification read")
    parser.set_defaults(handler=run)
    read.set_defaults(handler=run_read)


def run(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import notifications

    with closing(open_workspace(data_dir)) as workspace:
        entries = notifications.notifications(workspace, unread_only=args.unread)
    if args.format == "json":
        json.dump([e.to_json() for e in entries], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    from socialdesk.ops.notifications import format_table

    rows = [
        (
            str(e.id),
            iso(e.created_at) or "",
            e.kind,
            "" if e.profile_id is None else str(e.profile_id),
            e.connection_type or "",
            "yes" if e.read else "no",
            e.text,
        )
        for e in entries
    ]
    print(format_table(TABLE_HEADER, rows, max_width=160))
    unread = sum(1 for e in entries if not e.read)
    total = len(entries)
    print(f"\n{total} {'notification' if total == 1 else 'notifications'}, {unread} unread")
    return 0


def run_read(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.commands.common import UsageError
    from socialdesk.ops import notifications

    if not args.ids and not args.all:
        raise UsageError("socialdesk notifications read: give notification ids or --all (see --help)")
    with closing(open_workspace(data_dir)) as workspace:
        if args.all:
            changed = notifications.mark_all_read(workspace).value
        else:
            changed = notifications.mark_read(workspace, args.ids).value
    print(f"{changed} {'notification' if changed == 1 else 'notifications'} marked read")
    return 0
