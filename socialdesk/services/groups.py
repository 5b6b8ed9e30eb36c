"""Profile groups: create, rename, recolour, copy, delete; add, remove and reorder items; expand.

A group holds up to ``MAX_ITEMS`` items, each a profile or another group, in a chosen order; a
workspace holds up to ``MAX_GROUPS`` groups (docs/product.md §6, after the Qualtrics profile groups).
Nesting never loops: a group cannot contain itself through any path. Names are unique
case-insensitively, so commands accept them as keys.

Items pointing at a soft-deleted profile stay stored (restoring the profile brings it back into its
groups) and count toward the item limit, but listings, expansion and exports leave them out.

Every change is written to the audit log. Functions take the caller's session and never commit: the
caller's unit of work decides (``Workspace.session()``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import PLATFORMS, Role
from socialdesk.models.schema import Group, GroupItem, Profile
from socialdesk.services import audit
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError, known_id
from socialdesk.services.names import control_problem
from socialdesk.services.rules import (
    ALLOW,
    GROUP_ITEM_LIMIT,
    READ_ONLY,
    Actor,
    Decision,
    can_add_items,
    deny,
    item_limit_reason,
)

if TYPE_CHECKING:  # the read model (numpy) is the caller's: the command line's group commands never load it
    from socialdesk.services.query import ProfileRows

K = TypeVar("K")

MAX_GROUPS = 20
MAX_ITEMS = GROUP_ITEM_LIMIT  # the rule lives in services.rules (can_add_items)
MAX_NAME = 100
DEFAULT_COLOR = "#607D8B"
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
#: Shown between group names in a group path ("Global > EMEA").
PATH_SEPARATOR = " > "

ItemKind = Literal["profile", "group"]


# -- plain records for the GUI, the command line and the exports ----------------------------------


@dataclass(frozen=True, slots=True, order=True)
class ItemRef:
    """An item of a group: a profile or a group, by id."""

    kind: ItemKind
    id: int

    @classmethod
    def profile(cls, profile_id: int) -> ItemRef:
        return cls("profile", profile_id)

    @classmethod
    def group(cls, group_id: int) -> ItemRef:
        return cls("group", group_id)


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """An item as the groups editor shows it."""

    ref: ItemRef
    #: The profile's display name or the group's name.
    label: str
    handle: str | None = None
    platform: str | None = None
    #: A soft-deleted profile: hidden, but it still takes a place in the group.
    deleted: bool = False

    @property
    def kind(self) -> ItemKind:
        return self.ref.kind

    @property
    def id(self) -> int:
        return self.ref.id

    def describe(self) -> str:
        """One short phrase for messages and previews."""
        if self.ref.kind == "group":
            return f"group {self.label!r}"
        where = PLATFORMS[self.platform].label if self.platform in PLATFORMS else (self.platform or "")
        return f"{where} @{self.handle}" if self.handle else f"profile {self.ref.id}"


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    name: str
    color: str
    items: tuple[ItemInfo, ...]

    @property
    def visible_items(self) -> tuple[ItemInfo, ...]:
        return tuple(i for i in self.items if not i.deleted)

    def as_json(self) -> dict[str, Any]:
        """The ``groups list --format json`` record (docs/interfaces.md); deleted profiles are left out."""
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "items": [{"kind": i.ref.kind, "id": i.ref.id} for i in self.visible_items],
        }


@dataclass(frozen=True, slots=True)
class AddResult:
    added: tuple[ItemRef, ...]
    #: Items that were in the group already (nothing to do: an item is in a group at most once).
    already: tuple[ItemRef, ...]


@dataclass(frozen=True, slots=True)
class ReachedProfile:
    """A profile reached from a group, directly or through nested groups."""

    profile_id: int
    #: Group ids from the expanded group down to the group that holds the profile.
    path: tuple[int, ...]
    #: The same path as names.
    path_names: tuple[str, ...]

    @property
    def nested(self) -> bool:
        return len(self.path) > 1


@dataclass(frozen=True, slots=True)
class WalkRow:
    """One step of a group's expansion: a profile at the end of ``path``, or an empty group (``None``)."""

    path: tuple[int, ...]
    profile_id: int | None


@dataclass(slots=True)
class GroupGraph:
    """All groups and their items, loaded once; answers nesting questions without more queries."""

    names: dict[int, str] = field(default_factory=dict)
    colors: dict[int, str] = field(default_factory=dict)
    items: dict[int, list[ItemRef]] = field(default_factory=dict)
    #: Profiles that are soft-deleted among those referenced by items.
    deleted_profiles: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> GroupGraph:
        graph = cls()
        for gid, name, color in session.execute(select(Group.id, Group.name, Group.color)):
            graph.names[gid] = name
            graph.colors[gid] = color
            graph.items[gid] = []
        rows = session.execute(
            select(GroupItem.group_id, GroupItem.profile_id, GroupItem.child_group_id).order_by(
                GroupItem.group_id, GroupItem.position, GroupItem.id
            )
        )
        for gid, pid, child in rows:
            ref = ItemRef.profile(pid) if pid is not None else ItemRef.group(child or 0)
            graph.items.setdefault(gid, []).append(ref)
        graph.deleted_profiles = set(
            session.scalars(
                select(Profile.id)
                .join(GroupItem, GroupItem.profile_id == Profile.id)
                .where(Profile.deleted_at.is_not(None))
            )
        )
        return graph

    @classmethod
    def from_rows(cls, groups: Iterable[Sequence[Any]], items: Iterable[Sequence[Any]]) -> GroupGraph:
        """From plain rows, for readers on a Core connection (the profile list): ``(id, name,
        color)`` per group and ``(group_id, profile_id, child_group_id)`` per item, in item order."""
        graph = cls()
        for gid, name, color in groups:
            graph.names[gid] = name
            graph.colors[gid] = color
            graph.items[gid] = []
        for gid, pid, child in items:
            ref = ItemRef.profile(pid) if pid is not None else ItemRef.group(child or 0)
            graph.items.setdefault(gid, []).append(ref)
        return graph

    def reach(self, gid: int) -> set[int]:
        """Every profile reached from the group, nested groups included, deleted ones too (the
        caller decides what it shows); cycles are cut."""
        return {row.profile_id for row in self.walk(gid, lambda _pid: True) if row.profile_id is not None}

    def sorted_ids(self) -> list[int]:
        """Group ids by name, case-insensitively (the order of lists and exports)."""
        return sorted(self.names, key=lambda g: (self.names[g].casefold(), g))

    def children(self, gid: int) -> list[int]:
        return [r.id for r in self.items.get(gid, ()) if r.kind == "group"]

    def parents(self, gid: int) -> list[int]:
        """Groups that hold ``gid`` directly, by name."""
        return [g for g in self.sorted_ids() if gid in self.children(g)]

    def path_to(self, start: int, target: int) -> list[int] | None:
        """A chain of groups from ``start`` down to ``target`` (both included), or None."""
        if start == target:
            return [start]
        seen = {start}
        stack: list[tuple[int, list[int]]] = [(start, [start])]
        while stack:
            gid, path = stack.pop()
            for child in self.children(gid):
                if child == target:
                    return [*path, child]
                if child not in seen:
                    seen.add(child)
                    stack.append((child, [*path, child]))
        return None

    def cycle_through(self, parent: int, child: int) -> list[int] | None:
        """If ``child`` went into ``parent``: the chain child → … → parent that would close a loop."""
        return self.path_to(child, parent)

    def walk(self, root: int, visible: Callable[[int], bool] | None = None) -> Iterator[WalkRow]:
        """Depth-first expansion in item order: each visible profile ONCE, with the path it is listed on.

        A profile reached on several paths is listed once: on the root's own row when it is a direct
        item of the root, else on the first path that reaches it. Each nested group is expanded once
        (20 groups each holding all later ones have ~2^19 paths; this walk stays linear). A group —
        the root or a nested one — that yields no row of its own gets one row with ``profile_id``
        None, so empty groups stay visible in exports and every direct item of the root shows up (a
        groups import reads the root's items back from these rows). Cycles (impossible through the
        services, but a database may be edited by hand) are cut.
        """
        is_visible = visible or (lambda pid: pid not in self.deleted_profiles)
        direct = {r.id for r in self.items.get(root, ()) if r.kind == "profile"}
        seen: set[int] = set(direct)
        expanded: set[int] = {root}

        def rows(gid: int, path: tuple[int, ...]) -> Iterator[WalkRow]:
            any_row = False
            for ref in self.items.get(gid, ()):
                if ref.kind == "profile":
                    if not is_visible(ref.id):
                        continue
                    if gid == root or ref.id not in seen:
                        seen.add(ref.id)
                        any_row = True
                        yield WalkRow(path, ref.id)
                elif ref.id in self.names and ref.id not in path:
                    child_path = (*path, ref.id)
                    if ref.id not in expanded:
                        expanded.add(ref.id)
                        for row in rows(ref.id, child_path):
                            any_row = True
                            yield row
                    elif gid == root:
                        any_row = True
                        yield WalkRow(child_path, None)
            if not any_row:
                yield WalkRow(path, None)

        return rows(root, (root,))

    def path_names(self, path: Iterable[int]) -> tuple[str, ...]:
        return tuple(self.names[g] for g in path)


def find_cycle(children: Mapping[K, Iterable[K]]) -> list[K] | None:
    """A chain of groups that comes back to its start (``[a, b, a]``), if the nesting has one.

    Depth-first from each group in sorted order, children in item order; used for the database's
    groups and for an import's proposed ones alike.
    """
    state: dict[K, int] = {}  # 1: on the current path, 2: done

    def visit(key: K, path: list[K]) -> list[K] | None:
        state[key] = 1
        for child in children.get(key, ()):
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if child not in state:
                found = visit(child, [*path, child])
                if found:
                    return found
        state[key] = 2
        return None

    for key in sorted(children):  # type: ignore[type-var]
        if key not in state:
            found = visit(key, [key])
            if found:
                return found
    return None


# -- permissions and checks -----------------------------------------------------------------------


def can_change_groups(actor: Actor | None) -> Decision:
    """Groups are shared workspace data: anyone who can write may change them; Analysts only read."""
    if actor is None:
        return deny("Choose who you are in the team first")
    if actor.role is Role.ANALYST:
        return deny(READ_ONLY)
    return ALLOW


def _require_writer(actor: Actor | None) -> Actor:
    decision = can_change_groups(actor)
    if not decision:
        raise NotAllowedError(decision.reason)
    assert actor is not None
    return actor


def clean_name(name: str) -> str:
    """Names are stored with runs of blanks collapsed; comparisons ignore case."""
    return " ".join(name.split())


def name_key(name: str) -> str:
    return clean_name(name).casefold()


def check_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    """The cleaned name, or a ValidationError on field ``name`` saying what is wrong."""
    clean = clean_name(name)
    if not clean:
        raise ValidationError({"name": "A group needs a name"})
    if len(clean) > MAX_NAME:
        raise ValidationError(
            {"name": f"A group name has at most {MAX_NAME} characters ({len(clean)} given)"}
        )
    problem = control_problem(clean, "A group name")
    if problem:
        raise ValidationError({"name": problem})
    clash = session.scalar(
        select(Group.name).where(Group.name_key == clean.casefold(), Group.id != (exclude_id or -1))
    )
    if clash is not None:
        raise ValidationError({"name": f"There is already a group named {clash!r}; choose another name"})
    return clean


def check_color(color: str | None) -> str:
    if color is None or not color.strip():
        return DEFAULT_COLOR
    clean = color.strip()
    if not COLOR_RE.match(clean):
        raise ValidationError({"color": f"Enter a colour as #RRGGBB, for example #1E88E5 (not {color!r})"})
    return clean.upper()


def group_limit_message(count: int) -> str:
    return (
        f"There are already {count} groups, the most a workspace can have ({MAX_GROUPS}); "
        "delete a group or reuse one first"
    )


def _check_group_count(session: Session) -> None:
    count = session.scalar(select(func.count(Group.id))) or 0
    if count >= MAX_GROUPS:
        raise ValidationError([("", group_limit_message(count))])


def cycle_message(graph: GroupGraph, parent: int, child: int, chain: Sequence[int]) -> str:
    if parent == child:
        return f"Group {graph.names[parent]!r} cannot contain itself"
    via = PATH_SEPARATOR.join(graph.names[g] for g in chain)
    return (
        f"Group {graph.names[child]!r} cannot go into {graph.names[parent]!r}: "
        f"{graph.names[parent]!r} is already inside it ({via}), so the group would contain itself"
    )


#: The item limit in words (``rules.item_limit_reason``); the decision is ``rules.can_add_items``.
item_limit_message = item_limit_reason


# -- reading --------------------------------------------------------------------------------------


def get_group(session: Session, group_id: int) -> Group:
    group = session.get(Group, known_id(group_id, "group"))
    if group is None:
        raise NotFoundError(f"There is no group with id {group_id}")
    return group


def find_group(session: Session, key: str | int) -> Group:
    """A group by name (case-insensitive) or, failing that, by id."""
    if isinstance(key, str):
        group = session.scalar(select(Group).where(Group.name_key == name_key(key)))
        if group is not None:
            return group
        if not key.strip().isdigit():
            raise NotFoundError(f"There is no group named {clean_name(key)!r}")
        key = int(key.strip())
    return get_group(session, key)


def _item_infos(session: Session, graph: GroupGraph) -> dict[int, list[ItemInfo]]:
    pids = {r.id for refs in graph.items.values() for r in refs if r.kind == "profile"}
    profiles: dict[int, tuple[str, str, str, bool]] = {}
    if pids:
        for pid, handle, name, plat, deleted_at in session.execute(
            select(
                Profile.id, Profile.handle, Profile.display_name, Profile.platform, Profile.deleted_at
            ).where(Profile.id.in_(pids))
        ):
            profiles[pid] = (handle, name, plat, deleted_at is not None)
    out: dict[int, list[ItemInfo]] = {}
    for gid, refs in graph.items.items():
        infos = []
        for ref in refs:
            if ref.kind == "group":
                infos.append(ItemInfo(ref, graph.names.get(ref.id, f"group {ref.id}")))
            else:
                handle, name, plat, deleted = profiles.get(ref.id, ("", f"profile {ref.id}", "", True))
                infos.append(ItemInfo(ref, name, handle, plat, deleted))
        out[gid] = infos
    return out


def list_groups(session: Session) -> list[GroupInfo]:
    """All groups by name, each with its items in order (deleted profiles flagged, not dropped)."""
    graph = GroupGraph.load(session)
    infos = _item_infos(session, graph)
    return [
        GroupInfo(gid, graph.names[gid], graph.colors[gid], tuple(infos.get(gid, ())))
        for gid in graph.sorted_ids()
    ]


def group_info(session: Session, group_id: int) -> GroupInfo:
    get_group(session, group_id)
    for info in list_groups(session):
        if info.id == group_id:
            return info
    raise NotFoundError(f"There is no group with id {group_id}")  # pragma: no cover - checked above


def containing_groups(session: Session, group_id: int) -> list[tuple[int, str]]:
    """The groups that hold this group directly (id, name), by name: asked before a delete."""
    get_group(session, group_id)
    rows = session.execute(
        select(Group.id, Group.name)
        .join(GroupItem, GroupItem.group_id == Group.id)
        .where(GroupItem.child_group_id == group_id)
        .order_by(Group.name_key)
    ).all()
    return [(gid, name) for gid, name in rows]


def addable_groups(session: Session, group_id: int) -> list[tuple[int, str]]:
    """Groups that may go into this one without a loop and are not in it yet (for the picker)."""
    graph = GroupGraph.load(session)
    if group_id not in graph.names:
        raise NotFoundError(f"There is no group with id {group_id}")
    present = set(graph.children(group_id))
    return [
        (g, graph.names[g])
        for g in graph.sorted_ids()
        if g not in present and graph.cycle_through(group_id, g) is None
    ]


def expand(session: Session, group_id: int) -> list[ReachedProfile]:
    """Every live profile reached from the group, once, in item order, with the path it is listed on."""
    graph = GroupGraph.load(session)
    if group_id not in graph.names:
        raise NotFoundError(f"There is no group with id {group_id}")
    return [
        ReachedProfile(row.profile_id, row.path, graph.path_names(row.path))
        for row in graph.walk(group_id)
        if row.profile_id is not None
    ]


def expand_ids(session: Session, group_id: int) -> list[int]:
    """The distinct profiles reached from the group, in first-reached order."""
    return list(dict.fromkeys(r.profile_id for r in expand(session, group_id)))


# -- changing -------------------------------------------------------------------------------------


def create_group(session: Session, actor: Actor | None, name: str, color: str | None = None) -> Group:
    who = _require_writer(actor)
    problems: list[tuple[str, str]] = []
    clean = ""
    try:
        clean = check_name(session, name)
    except ValidationError as exc:
        problems += exc.problems
    try:
        color = check_color(color)
    except ValidationError as exc:
        problems += exc.problems
    if problems:
        raise ValidationError(problems)
    _check_group_count(session)
    group = Group(name=clean, name_key=clean.casefold(), color=color, created_at=utcnow())
    session.add(group)
    session.flush()
    audit.record(session, who.id, "group_created", details=f"{clean} (id {group.id})")
    return group


def rename_group(session: Session, actor: Actor | None, group_id: int, name: str) -> Group:
    who = _require_writer(actor)
    group = get_group(session, group_id)
    clean = check_name(session, name, exclude_id=group.id)
    if clean != group.name:
        old = group.name
        group.name, group.name_key = clean, clean.casefold()
        audit.record(session, who.id, "group_renamed", details=f"{old} → {clean} (id {group.id})")
    return group


def recolor_group(session: Session, actor: Actor | None, group_id: int, color: str) -> Group:
    who = _require_writer(actor)
    group = get_group(session, group_id)
    clean = check_color(color)
    if clean != group.color:
        old = group.color
        group.color = clean
        audit.record(session, who.id, "group_recoloured", details=f"{group.name}: {old} → {clean}")
    return group


def copy_name(session: Session, name: str) -> str:
    """ "Copy of NAME", then "Copy of NAME (2)", … — the first that is free and short enough."""
    taken = set(session.scalars(select(Group.name_key)))
    n = 1
    while True:
        suffix = "" if n == 1 else f" ({n})"
        base = f"Copy of {name}"
        candidate = base[: MAX_NAME - len(suffix)].rstrip() + suffix
        if candidate.casefold() not in taken:
            return candidate
        n += 1


def copy_group(session: Session, actor: Actor | None, group_id: int, name: str | None = None) -> Group:
    """A new group with the same colour and items (deleted profiles included, so a restore shows them)."""
    who = _require_writer(actor)
    source = get_group(session, group_id)
    clean = check_name(session, name) if name is not None else copy_name(session, source.name)
    _check_group_count(session)
    copy = Group(name=clean, name_key=clean.casefold(), color=source.color, created_at=utcnow())
    session.add(copy)
    session.flush()
    items = session.scalars(
        select(GroupItem).where(GroupItem.group_id == source.id).order_by(GroupItem.position, GroupItem.id)
    ).all()
    for pos, item in enumerate(items):
        session.add(
            GroupItem(
                group_id=copy.id,
                position=pos,
                profile_id=item.profile_id,
                child_group_id=item.child_group_id,
            )
        )
    session.flush()
    audit.record(
        session, who.id, "group_copied", details=f"{source.name} → {clean} (id {copy.id}, {len(items)} items)"
    )
    return copy


class GroupContainedError(NotAllowedError):
    """Deleting a group that other groups hold needs a confirmation; ``containers`` names them."""

    def __init__(self, name: str, containers: Sequence[str]) -> None:
        self.group_name = name
        self.containers = tuple(containers)
        listed = _and_list(containers)
        super().__init__(
            f"Group {name!r} is inside {listed}; confirm to remove it from "
            f"{'them' if len(containers) > 1 else 'it'} and delete it"
        )


def _and_list(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def delete_group(
    session: Session, actor: Actor | None, group_id: int, *, remove_from_containing: bool = False
) -> list[str]:
    """Delete a group (its profiles stay). Returns the names of the groups it was taken out of.

    A group that other groups hold is deleted only with ``remove_from_containing`` (the user
    confirmed after seeing ``containing_groups``); otherwise ``GroupContainedError`` says where it is.
    """
    who = _require_writer(actor)
    group = get_group(session, group_id)
    parents = containing_groups(session, group.id)
    if parents and not remove_from_containing:
        raise GroupContainedError(group.name, [n for _, n in parents])
    name = group.name
    session.execute(delete(GroupItem).where(GroupItem.child_group_id == group.id))
    session.execute(delete(GroupItem).where(GroupItem.group_id == group.id))
    for pid, _ in parents:
        _compact(session, pid)
    session.delete(group)
    session.flush()
    detail = f"{name} (id {group_id})"
    if parents:
        detail += f"; removed from {', '.join(n for _, n in parents)}"
    audit.record(session, who.id, "group_deleted", details=detail)
    return [n for _, n in parents]


def _items(session: Session, group_id: int) -> list[GroupItem]:
    return list(
        session.scalars(
            select(GroupItem).where(GroupItem.group_id == group_id).order_by(GroupItem.position, GroupItem.id)
        )
    )


def _ref(item: GroupItem) -> ItemRef:
    return (
        ItemRef.profile(item.profile_id)
        if item.profile_id is not None
        else ItemRef.group(item.child_group_id or 0)
    )


def _compact(session: Session, group_id: int) -> None:
    for pos, item in enumerate(_items(session, group_id)):
        item.position = pos


def check_new_items(
    session: Session, graph: GroupGraph, group_id: int, refs: Sequence[ItemRef]
) -> list[tuple[str, str]]:
    """Problems with putting ``refs`` into the group: unknown or deleted profiles, unknown groups, loops."""
    problems: list[tuple[str, str]] = []
    pids = [r.id for r in refs if r.kind == "profile"]
    live: set[int] = set()
    deleted: set[int] = set()
    if pids:
        for pid, deleted_at in session.execute(
            select(Profile.id, Profile.deleted_at).where(Profile.id.in_(pids))
        ):
            (deleted if deleted_at is not None else live).add(pid)
    for ref in refs:
        if ref.kind == "profile":
            if ref.id in deleted:
                problems.append(("items", f"Profile {ref.id} is deleted; restore it before adding it"))
            elif ref.id not in live:
                problems.append(("items", f"There is no profile with id {ref.id}"))
        elif ref.id not in graph.names:
            problems.append(("items", f"There is no group with id {ref.id}"))
        else:
            chain = graph.cycle_through(group_id, ref.id)
            if chain is not None:
                problems.append(("items", cycle_message(graph, group_id, ref.id, chain)))
    return problems


def add_items(session: Session, actor: Actor | None, group_id: int, refs: Iterable[ItemRef]) -> AddResult:
    """Append items (profiles or groups) to the group; all or nothing.

    Items already in the group are left where they are and reported in ``already`` (an item is in
    a group at most once). Refused with every problem listed: unknown or deleted profiles, unknown
    groups, a loop, or more than ``MAX_ITEMS`` items.
    """
    who = _require_writer(actor)
    group = get_group(session, group_id)
    wanted = list(dict.fromkeys(refs))
    existing = _items(session, group.id)
    present = {_ref(i) for i in existing}
    new = [r for r in wanted if r not in present]
    already = tuple(r for r in wanted if r in present)
    graph = GroupGraph.load(session)
    problems = check_new_items(session, graph, group.id, new)
    if not problems:
        hidden = sum(1 for i in existing if i.profile_id in graph.deleted_profiles)
        fits = can_add_items(group.name, len(existing), len(new), hidden)
        if not fits:
            problems.append(("items", fits.reason))
    if problems:
        raise ValidationError(problems)
    for pos, ref in enumerate(new, start=len(existing)):
        session.add(
            GroupItem(
                group_id=group.id,
                position=pos,
                profile_id=ref.id if ref.kind == "profile" else None,
                child_group_id=ref.id if ref.kind == "group" else None,
            )
        )
        audit.record(
            session,
            who.id,
            "group_item_added",
            profile_id=ref.id if ref.kind == "profile" else None,
            details=f"{group.name} ← {_describe(graph, ref)}",
        )
    session.flush()
    return AddResult(tuple(new), already)


def _describe(graph: GroupGraph, ref: ItemRef) -> str:
    return f"group {graph.names.get(ref.id, ref.id)}" if ref.kind == "group" else f"profile {ref.id}"


def remove_items(session: Session, actor: Actor | None, group_id: int, refs: Iterable[ItemRef]) -> int:
    """Take items out of the group (the profiles and groups themselves stay). Returns how many."""
    who = _require_writer(actor)
    group = get_group(session, group_id)
    wanted = list(dict.fromkeys(refs))
    by_ref = {_ref(i): i for i in _items(session, group.id)}
    missing = [r for r in wanted if r not in by_ref]
    if missing:
        graph = GroupGraph.load(session)
        raise ValidationError(
            [("items", f"{_describe(graph, r).capitalize()} is not in group {group.name!r}") for r in missing]
        )
    graph = GroupGraph.load(session)
    for ref in wanted:
        session.delete(by_ref[ref])
        audit.record(
            session,
            who.id,
            "group_item_removed",
            profile_id=ref.id if ref.kind == "profile" else None,
            details=f"{group.name} → {_describe(graph, ref)}",
        )
    session.flush()
    _compact(session, group.id)
    session.flush()
    return len(wanted)


def reorder_items(session: Session, actor: Actor | None, group_id: int, order: Sequence[ItemRef]) -> None:
    """Put the group's items in the given order, which must name each item exactly once."""
    who = _require_writer(actor)
    group = get_group(session, group_id)
    items = _items(session, group.id)
    by_ref = {_ref(i): i for i in items}
    if len(order) != len(items) or set(order) != set(by_ref):
        raise ValidationError(
            {"items": f"The new order must list each of the {len(items)} items of {group.name!r} once"}
        )
    if [_ref(i) for i in items] == list(order):
        return
    for pos, ref in enumerate(order):
        by_ref[ref].position = pos
    session.flush()
    audit.record(session, who.id, "group_reordered", details=group.name)


def move_item(session: Session, actor: Actor | None, group_id: int, ref: ItemRef, index: int) -> None:
    """Move one item to ``index`` (clamped), keeping the others in their order."""
    order = [_ref(i) for i in _items(session, group_id)]
    if ref not in order:
        get_group(session, group_id)
        raise ValidationError({"items": "That item is not in the group"})
    order.remove(ref)
    order.insert(max(0, min(index, len(order))), ref)
    reorder_items(session, actor, group_id, order)


# -- the profile picker's search and small counts -------------------------------------------------

#: The profile picker shows at most this many matches; typing more narrows the list.
PICKER_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ProfileHit:
    """A live profile the groups editor's picker lists."""

    id: int
    name: str
    handle: str
    platform: str


def search_rows(
    rows: ProfileRows, text: str, platform: str | None = None, limit: int = PICKER_LIMIT
) -> tuple[list[ProfileHit], bool]:
    """Profiles of the read model ``rows`` whose name or handle holds every word of ``text``
    (case-insensitively; a leading @ or # is ignored), or whose id is a word.

    Returns at most ``limit`` hits in the list's name order (ties by id) and whether more matched.
    The text index narrows the rows with numpy (it also looks in the notes, so it finds a superset);
    the name and handle are then checked in Python only for the rows shown, in name order, until
    ``limit`` + 1 matched: milliseconds at 100,000 profiles, whatever is typed.
    """
    words = [w for w in (word.lstrip("@#") for word in text.split()) if w]
    folded = [w.casefold() for w in words]
    numbers = [int(w) if w.isdigit() and len(w) <= 18 else None for w in words]
    mask = rows.platform_mask(platform) if platform else None
    for word, number in zip(folded, numbers, strict=True):
        found = rows.text_mask(word)
        if number is not None:
            found = found | (rows.ids.array == number)
        mask = found if mask is None else mask & found
    order = rows.order_array("name")
    candidates = order if mask is None else order[mask[order]]
    hits: list[ProfileHit] = []
    for lo in range(0, len(candidates), 1024):
        for r in candidates[lo : lo + 1024].tolist():
            pid, name, handle = rows.ids[r], rows.display_name[r], rows.handle[r]
            name_f, handle_f = name.casefold(), handle.casefold()
            if all(w in name_f or w in handle_f or n == pid for w, n in zip(folded, numbers, strict=True)):
                hits.append(ProfileHit(pid, name, handle, rows.platform[r]))
                if len(hits) > limit:
                    return hits[:limit], True
    return hits, False


def count_groups(session: Session) -> int:
    return int(session.scalar(select(func.count(Group.id))) or 0)


def group_names(session: Session) -> list[str]:
    """Every group's name, in the order the lists show them (the main window's group filter)."""
    return list(session.scalars(select(Group.name).order_by(Group.name_key)))
