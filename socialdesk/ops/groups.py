"""Profile groups: the groups editor, the "Add to group" menu and ``socialdesk groups``.

Each write is one unit of work through ``services.groups``: a refused change (the 20-group or 20-item
limit, a loop, a name in use) raises and changes nothing. Reads return ``GroupInfo`` records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import groups as groups_service
from socialdesk.services import members as members_service
from socialdesk.services.errors import ValidationError
from socialdesk.services.groups import DEFAULT_COLOR as DEFAULT_COLOR
from socialdesk.services.groups import MAX_GROUPS as MAX_GROUPS
from socialdesk.services.groups import MAX_ITEMS as MAX_ITEMS
from socialdesk.services.groups import MAX_NAME as MAX_NAME
from socialdesk.services.groups import PICKER_LIMIT as PICKER_LIMIT
from socialdesk.services.groups import AddResult as AddResult
from socialdesk.services.groups import GroupContainedError as GroupContainedError
from socialdesk.services.groups import GroupInfo as GroupInfo
from socialdesk.services.groups import ItemInfo as ItemInfo
from socialdesk.services.groups import ItemRef as ItemRef
from socialdesk.services.groups import ProfileHit as ProfileHit
from socialdesk.services.groups import clean_name as clean_name
from socialdesk.services.groups import group_limit_message as group_limit_message
from socialdesk.services.listing import format_table as format_table
from socialdesk.services.query import ProfileRows
from socialdesk.services.rules import Decision, can_add_items
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "DEFAULT_COLOR",
    "MAX_GROUPS",
    "MAX_ITEMS",
    "MAX_NAME",
    "PICKER_LIMIT",
    "AddResult",
    "GroupContainedError",
    "GroupInfo",
    "GroupOption",
    "Groups",
    "ItemInfo",
    "ItemRef",
    "ProfileHit",
    "ProfileSearch",
    "add_items",
    "clean_name",
    "containing_groups",
    "copy_group",
    "count_groups",
    "create_group",
    "delete_group",
    "find_group",
    "format_table",
    "group",
    "group_limit_message",
    "group_names",
    "group_options",
    "groups",
    "move_item",
    "profile_rows",
    "recolor_group",
    "remove_items",
    "rename_group",
    "search_profiles",
]


@dataclass(frozen=True, slots=True)
class Groups:
    """The groups editor's view: every group with its items, and whether *me* may change them."""

    groups: tuple[GroupInfo, ...]
    change: Decision


@dataclass(frozen=True, slots=True)
class GroupOption:
    """Another group, as the "Add group…" picker lists it for one group."""

    id: int
    name: str
    color: str
    #: Already an item of the group.
    inside: bool = False
    #: Why it would make a loop (None: it would not).
    loop: str | None = None

    @property
    def addable(self) -> bool:
        return not self.inside and self.loop is None


@dataclass(frozen=True, slots=True)
class ProfileSearch:
    hits: tuple[ProfileHit, ...]
    #: More profiles matched than were returned.
    more: bool


# -- reading ----------------------------------------------------------------------------------------


def groups(workspace: Workspace) -> Groups:
    with workspace.reading() as s:
        actor = members_service.me_actor(s)
        return Groups(tuple(groups_service.list_groups(s)), groups_service.can_change_groups(actor))


def group(workspace: Workspace, group_id: int) -> GroupInfo:
    with workspace.reading() as s:
        return groups_service.group_info(s, group_id)


def find_group(workspace: Workspace, key: str | int) -> GroupInfo:
    """A group by name (case-insensitive) or id."""
    with workspace.reading() as s:
        return groups_service.group_info(s, groups_service.find_group(s, key).id)


def group_names(workspace: Workspace) -> list[str]:
    """Every group's name in list order: the main window's group filter."""
    with workspace.reading() as s:
        return groups_service.group_names(s)


def count_groups(workspace: Workspace) -> int:
    with workspace.reading() as s:
        return groups_service.count_groups(s)


def containing_groups(workspace: Workspace, group_id: int) -> list[tuple[int, str]]:
    """The groups that hold this one directly (id, name): what a delete asks about."""
    with workspace.reading() as s:
        return groups_service.containing_groups(s, group_id)


def group_options(workspace: Workspace, group_id: int) -> list[GroupOption]:
    """Every other group, with whether it is in ``group_id`` already or would make a loop."""
    with workspace.reading() as s:
        graph = groups_service.GroupGraph.load(s)
    inside = set(graph.children(group_id))
    out: list[GroupOption] = []
    for gid in graph.sorted_ids():
        if gid == group_id:
            continue
        loop = None
        if gid not in inside:
            chain = graph.cycle_through(group_id, gid)
            if chain is not None:
                loop = groups_service.cycle_message(graph, group_id, gid, chain)
        out.append(GroupOption(gid, graph.names[gid], graph.colors[gid], gid in inside, loop))
    return out


def profile_rows(workspace: Workspace) -> ProfileRows:
    """The live profiles as the shared read model, for a picker opened without the window's list."""
    with workspace.engine.connect() as conn:
        return ProfileRows.load(conn, workspace.me_id)


def search_profiles(
    workspace: Workspace,
    text: str,
    platform: str | None = None,
    limit: int = PICKER_LIMIT,
    rows: ProfileRows | None = None,
) -> ProfileSearch:
    """Live profiles matching every word of ``text`` by name, handle or id: at most ``limit``.

    Searched in the shared read model ``rows`` (the list the window loaded: no database access,
    milliseconds at 100,000 profiles), or in the list read now when none is given."""
    if rows is None or rows.trash:
        rows = profile_rows(workspace)
    hits, more = groups_service.search_rows(rows, text, platform, limit)
    return ProfileSearch(tuple(hits), more)


# -- changing ---------------------------------------------------------------------------------------


def _groups_changed(message: str, profile_ids: Iterable[int] = ()) -> Change:
    return Change.of(Kind.GROUPS, profile_ids=profile_ids, message=message)


def create_group(workspace: Workspace, name: str, color: str | None = None) -> Done[GroupInfo]:
    with workspace.session() as s:
        created = groups_service.create_group(s, members_service.me_actor(s), name, color)
        info = groups_service.group_info(s, created.id)
    return Done(info, _groups_changed(f"Created the group {info.name}."))


def rename_group(workspace: Workspace, group_id: int, name: str) -> Done[GroupInfo]:
    with workspace.session() as s:
        groups_service.rename_group(s, members_service.me_actor(s), group_id, name)
        info = groups_service.group_info(s, group_id)
    return Done(info, _groups_changed(f"Renamed the group to {info.name}."))


def recolor_group(workspace: Workspace, group_id: int, color: str) -> Done[GroupInfo]:
    with workspace.session() as s:
        groups_service.recolor_group(s, members_service.me_actor(s), group_id, color)
        info = groups_service.group_info(s, group_id)
    return Done(info, _groups_changed(f"Changed the colour to {info.color}."))


def copy_group(workspace: Workspace, group_id: int, name: str | None = None) -> Done[GroupInfo]:
    with workspace.session() as s:
        copied = groups_service.copy_group(s, members_service.me_actor(s), group_id, name)
        info = groups_service.group_info(s, copied.id)
    return Done(info, _groups_changed(f"Made a copy: {info.name}."))


def delete_group(
    workspace: Workspace, group_id: int, *, remove_from_containing: bool = False
) -> Done[list[str]]:
    """Delete a group (its profiles stay); the value names the groups it was taken out of.

    A group other groups hold is refused with ``GroupContainedError`` unless ``remove_from_containing``.
    """
    with workspace.session() as s:
        name = groups_service.get_group(s, group_id).name
        taken_from = groups_service.delete_group(
            s, members_service.me_actor(s), group_id, remove_from_containing=remove_from_containing
        )
    return Done(taken_from, _groups_changed(f"Deleted the group {name}."))


def add_items(workspace: Workspace, group_id: int, refs: Sequence[ItemRef]) -> Done[AddResult]:
    """Append profiles and groups to a group, all or nothing.

    More items than any group holds are refused by ``rules.can_add_items`` before a single id is
    looked up (a selection of 100,000 profiles is answered at once).
    """
    wanted = list(dict.fromkeys(refs))
    with workspace.session() as s:
        if len(wanted) > MAX_ITEMS:
            info = groups_service.group_info(s, group_id)
            present = {i.ref for i in info.items}
            new = [r for r in wanted if r not in present]
            hidden = sum(1 for i in info.items if i.deleted)
            fits = can_add_items(info.name, len(info.items), len(new), hidden)
            if not fits:
                raise ValidationError([("items", fits.reason)])
        result = groups_service.add_items(s, members_service.me_actor(s), group_id, wanted)
        name = groups_service.get_group(s, group_id).name
    profiles = [r.id for r in result.added if r.kind == "profile"]
    return Done(result, _groups_changed(f"Added {len(result.added)} to {name}.", profiles))


def remove_items(workspace: Workspace, group_id: int, refs: Iterable[ItemRef]) -> Done[int]:
    wanted = list(refs)
    with workspace.session() as s:
        removed = groups_service.remove_items(s, members_service.me_actor(s), group_id, wanted)
    profiles = [r.id for r in wanted if r.kind == "profile"]
    return Done(removed, _groups_changed(f"Removed {removed} from the group.", profiles))


def move_item(workspace: Workspace, group_id: int, ref: ItemRef, index: int) -> Done[GroupInfo]:
    """Move one item to ``index`` (clamped), the others keeping their order; the group as it is then."""
    with workspace.session() as s:
        groups_service.move_item(s, members_service.me_actor(s), group_id, ref, index)
        info = groups_service.group_info(s, group_id)
    return Done(info, _groups_changed(""))
