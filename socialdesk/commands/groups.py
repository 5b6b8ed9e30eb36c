"""``socialdesk groups``: list, create, add, remove, rename, colour, copy, delete, export and import groups.

Groups are named by NAME (case-insensitive) or by id. The operations, limits and messages are those
the GUI uses (``ops.groups``): at most 20 groups, 20 items per group, no loops.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from socialdesk.commands.common import Parser, UsageError, open_workspace, positive_int
from socialdesk.services.cells import terminal_text
from socialdesk.services.errors import SocialDeskError


def register(commands: Any) -> None:
    groups = commands.add_parser("groups", help="profile groups: list, create, add, export, import, …")
    sub = groups.add_subparsers(dest="groups_command", parser_class=Parser, metavar="COMMAND", required=True)

    show = sub.add_parser("list", help="all groups with their items in order")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(handler=run_list)

    create = sub.add_parser("create", help="create a group; prints its id")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--color", "--colour", default=None, metavar="#RRGGBB")
    create.set_defaults(handler=run_create)

    for verb, helptext, handler in (
        ("add", "add profiles (and with --group, groups) to the end of a group", run_add),
        ("remove", "take profiles (and with --group, groups) out of a group", run_remove),
    ):
        cmd = sub.add_parser(verb, help=helptext)
        cmd.add_argument("name", metavar="NAME")
        cmd.add_argument("profile_ids", nargs="*", type=positive_int, metavar="PROFILE_ID")
        cmd.add_argument("--group", action="append", default=[], metavar="GROUP", help="a nested group")
        cmd.set_defaults(handler=handler)

    rename = sub.add_parser("rename", help="rename a group")
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEW_NAME")
    rename.set_defaults(handler=run_rename)

    color = sub.add_parser("color", aliases=["colour"], help="change a group's colour")
    color.add_argument("name", metavar="NAME")
    color.add_argument("color", metavar="#RRGGBB")
    color.set_defaults(handler=run_color)

    copy = sub.add_parser("copy", help="copy a group with its items; prints the copy's id")
    copy.add_argument("name", metavar="NAME")
    copy.add_argument("--name", dest="new_name", default=None, help='default: "Copy of NAME"')
    copy.set_defaults(handler=run_copy)

    remove = sub.add_parser("delete", help="delete a group (its profiles stay)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument(
        "--force", action="store_true", help="also when other groups contain it (it is taken out of them)"
    )
    remove.set_defaults(handler=run_delete)

    export = sub.add_parser("export", help="export all groups to CSV or XLSX")
    export.add_argument("--format", required=True, choices=("csv", "xlsx"))
    export.add_argument("--output", required=True, type=Path, metavar="FILE")
    export.set_defaults(handler=run_export)

    load = sub.add_parser("import", help="import groups from a file of the export's shape (preview first)")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--apply", action="store_true", help="make the changes (default: only show them)")
    load.set_defaults(handler=run_import)


def run_list(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        infos = groups.groups(workspace).groups
    if args.format == "json":
        json.dump([g.as_json() for g in infos], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    records = []
    for g in infos:
        shown = g.visible_items
        contents = ", ".join(
            f"[{i.label}]" if i.kind == "group" else f"@{i.handle}" if i.handle else str(i.id) for i in shown
        )
        records.append((str(g.id), g.name, g.color, str(len(shown)), contents))
    print(groups.format_table(("ID", "Name", "Colour", "Items", "Contents"), records, max_width=60))
    print(f"\n{len(infos)} of at most {groups.MAX_GROUPS} groups")
    return 0


def run_create(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        group = groups.create_group(workspace, args.name, args.color).value
    print(group.id)
    return 0


def _refs(workspace: Any, args: argparse.Namespace) -> list[Any]:
    from socialdesk.ops import groups

    if not args.profile_ids and not args.group:
        raise UsageError(
            f"socialdesk groups {args.groups_command}: give at least one PROFILE_ID or --group GROUP"
        )
    refs = [groups.ItemRef.profile(pid) for pid in args.profile_ids]
    refs += [groups.ItemRef.group(groups.find_group(workspace, name).id) for name in args.group]
    return refs


def _count(n: int, what: str = "item") -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def run_add(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        group = groups.find_group(workspace, args.name)
        result = groups.add_items(workspace, group.id, _refs(workspace, args)).value
    if result.already:
        print(
            f"{_count(len(result.already))} already in {group.name!r} (left where they are)", file=sys.stderr
        )
    print(f"Added {_count(len(result.added))} to {group.name!r}")
    return 0


def run_remove(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        group = groups.find_group(workspace, args.name)
        removed = groups.remove_items(workspace, group.id, _refs(workspace, args)).value
    print(f"Removed {_count(removed)} from {group.name!r}")
    return 0


def run_rename(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        group = groups.find_group(workspace, args.name)
        renamed = groups.rename_group(workspace, group.id, args.new_name).value
    print(f"Renamed to {renamed.name!r}")
    return 0


def run_color(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        group = groups.find_group(workspace, args.name)
        recoloured = groups.recolor_group(workspace, group.id, args.color).value
    print(f"{recoloured.name!r} is now {recoloured.color}")
    return 0


def run_copy(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        source = groups.find_group(workspace, args.name)
        copy = groups.copy_group(workspace, source.id, args.new_name).value
    print(f"created {copy.name!r}", file=sys.stderr)
    print(copy.id)
    return 0


def run_delete(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import groups

    with closing(open_workspace(data_dir)) as workspace:
        group = groups.find_group(workspace, args.name)
        name = group.name
        try:
            taken_from = groups.delete_group(workspace, group.id, remove_from_containing=args.force).value
        except groups.GroupContainedError as exc:
            where = ", ".join(repr(n) for n in exc.containers)
            raise SocialDeskError(
                f"Group {name!r} is inside {where}; run again with --force to take it out and delete it"
            ) from exc
    if taken_from:
        print(f"Deleted {name!r} and took it out of {', '.join(repr(n) for n in taken_from)}")
    else:
        print(f"Deleted {name!r}")
    return 0


def run_export(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import exports

    with closing(open_workspace(data_dir)) as workspace:
        result = exports.export_groups(workspace, args.output, args.format)
    print(f"Exported {_count(result.rows, 'row')} to {result.path}")
    return 0


def run_import(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import imports
    from socialdesk.services.errors import ValidationError

    with closing(open_workspace(data_dir)) as workspace:
        preview = imports.preview_groups(workspace, args.file)
        for line in preview.lines():
            print(terminal_text(line))  # file text may hold control characters
        if preview.blocking:
            raise ValidationError([("", f"cannot import: {m}") for m in preview.blocking])
        if not args.apply:
            if preview.has_changes:
                print("Nothing was changed; run again with --apply to import.")
            return 0
        result = imports.apply_groups(workspace, preview).value
    created, changed = _count(len(result.created), "new group"), _count(len(result.changed), "changed group")
    print(f"Imported: {created}, {changed}")
    return 0
