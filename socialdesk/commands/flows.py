"""``socialdesk flows``: list, create, rename and delete the workspace's flows (names are keys)."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from socialdesk.commands.common import Parser, open_workspace


def register(commands: Any) -> None:
    flows = commands.add_parser("flows", help="the named flows quick replies, ice breakers and menus start")
    sub = flows.add_subparsers(
        dest="flows_command", parser_class=Parser, metavar="list|create|rename|delete", required=True
    )
    show = sub.add_parser("list", help="every flow, with where it is used")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(handler=run_list)
    create = sub.add_parser("create", help="add a flow")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--description", default="")
    create.set_defaults(handler=run_create)
    rename = sub.add_parser("rename", help="rename a flow; settings that use it follow")
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEW_NAME")
    rename.set_defaults(handler=run_rename)
    delete = sub.add_parser("delete", help="delete a flow that no setting uses")
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(handler=run_delete)


def run_list(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import flows

    with closing(open_workspace(data_dir)) as workspace:
        view = flows.flows(workspace)
    records: list[dict[str, Any]] = [
        {
            "id": flow.id,
            "name": flow.name,
            "description": flow.description,
            "used_by": [{"profile_id": u.profile_id, "field": u.field} for u in flow.uses],
        }
        for flow in view.flows
    ]
    if args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    from socialdesk.services.cells import terminal_text

    names = [terminal_text(r["name"]) for r in records]
    width = max((len(n) for n in names), default=4)
    print(f"{'ID':>4}  {'Name':<{width}}  Used  Description")
    for r, name in zip(records, names, strict=True):
        print(f"{r['id']:>4}  {name:<{width}}  {len(r['used_by']):>4}  {terminal_text(r['description'])}")
    return 0


def run_create(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import flows

    with closing(open_workspace(data_dir)) as workspace:
        flow = flows.create_flow(workspace, args.name, args.description).value
    print(flow.id)
    return 0


def run_rename(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import flows

    with closing(open_workspace(data_dir)) as workspace:
        renamed = flows.rename_flow(workspace, args.name, args.new_name).value
    name, touched = renamed.new, renamed.profiles
    profiles = "profile" if touched == 1 else "profiles"
    print(f"Renamed to {name!r}; settings of {touched} {profiles} now point at the new name")
    return 0


def run_delete(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import flows

    with closing(open_workspace(data_dir)) as workspace:
        name = flows.delete_flow(workspace, args.name).value
    print(f"Deleted the flow {name!r}")
    return 0
