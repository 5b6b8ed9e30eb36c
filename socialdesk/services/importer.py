"""Imports with a preview: groups from a file of the export's shape, public profiles from a list.

Both work in two steps. ``preview_*`` reads the file and compares it with the workspace, changing
nothing: what would be created, changed or stay as it is, and every row that does not match or
would break a limit, with the reason. ``apply_*`` then makes exactly the previewed changes in the
caller's unit of work (``Workspace.session()``), all or nothing: it plans again first and refuses
when the workspace changed since the preview, and any failure raises so the unit of work rolls back.

A file that cannot be read as CSV or XLSX, is empty or lacks the needed columns raises
``ImportFileError`` with one message saying what is wrong and what to do; nothing is changed.

Groups import semantics: the file describes the groups it names. Each such group gets the file's
direct items in the file's order (profiles on rows whose group path is just the group, nested
groups from the first step of longer paths); groups absent from the file are left as they are.
Groups are matched by name (case-insensitively), never by the id column, which may come from
another workspace. Items pointing at deleted profiles are not in exports, so they are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS, default_kind
from socialdesk.models.schema import Group, GroupItem, Profile
from socialdesk.services import audit, sheetfile
from socialdesk.services import profiles as profiles_service
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotAllowedError, SocialDeskError, ValidationError
from socialdesk.services.groups import (
    DEFAULT_COLOR,
    MAX_GROUPS,
    MAX_ITEMS,
    MAX_NAME,
    PATH_SEPARATOR,
    GroupGraph,
    ItemRef,
    can_change_groups,
    check_color,
    clean_name,
    find_cycle,
)
from socialdesk.services.names import clean_display_name, control_problem, display_name_problem
from socialdesk.services.rules import Actor

#: Separators accepted between names in a group path (the export writes ``PATH_SEPARATOR``).
_PATH_SEPARATORS = (PATH_SEPARATOR.strip(), "›", "/")
#: Kept for callers that name them here; the reading itself lives in ``services.sheetfile``.
MAX_FILE_BYTES = sheetfile.MAX_FILE_BYTES
MAX_ROWS = sheetfile.MAX_ROWS
_XLS_MAGIC = sheetfile._XLS_MAGIC
ImportFileError = sheetfile.ImportFileError
#: A file naming more groups than this is only refused, without comparing every group (a hostile
#: file may name 200,000); up to it, the preview still lists each group's changes.
_GIVE_UP_GROUPS = 2 * MAX_GROUPS
#: New profiles are inserted this many at a time (progress is reported between chunks).
_APPLY_CHUNK = 5_000
SourceRow = sheetfile.SourceRow

Progress = Callable[[int, int], None]


class ImportChangedError(SocialDeskError):
    def __init__(self) -> None:
        super().__init__(
            "The workspace changed since this preview was made; nothing was imported. "
            "Look at the new preview, then import again."
        )


# -- reading files (see ``services.sheetfile`` for the limits) --------------------------------------


def _as_id(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def _norm(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


def _columns(header: SourceRow, aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header.cells):
        key = _norm(title)
        for fld, names in aliases.items():
            if key in names and fld not in found:
                found[fld] = index
    return found


def _platform_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for key, info in PLATFORMS.items():
        out[_norm(key)] = key
        out[_norm(info.label)] = key
        for part in info.label.split("/"):
            out[_norm(part)] = key
    return out


_PLATFORM_NAMES = _platform_names()
_KIND_NAMES = {**{_norm(k): k for k in KIND_LABELS}, **{_norm(v): k for k, v in KIND_LABELS.items()}}


def platform_key(text: str) -> str | None:
    """A platform key from its key or label ("X/Twitter", "twitter", "Live Chat"), else None."""
    return _PLATFORM_NAMES.get(_norm(text))


# -- groups: preview ------------------------------------------------------------------------------

GROUP_ALIASES: dict[str, tuple[str, ...]] = {
    "group_id": ("groupid",),
    "group_name": ("groupname", "group"),
    "handle": ("profilehandle", "profile", "handle"),
    "profile_id": ("profileid",),
    "display_name": ("profiledisplayname", "displayname"),
    "platform": ("platform",),
    "path": ("grouppath", "path"),
    "color": ("groupcolour", "groupcolor", "colour", "color"),
}

ChangeAction = Literal["create", "change", "unchanged"]


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A row left out of the import (or imported in part), with the reason."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What the import would do to one group named in the file."""

    name: str
    action: ChangeAction
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reordered: bool = False
    color: str | None = None  # the new colour, when it changes
    items: int = 0  # items after the import (deleted profiles not counted)
    #: Items that are deleted profiles: not in the file, kept, and counted toward the item limit.
    kept_deleted: int = 0

    def _count(self) -> str:
        text = f"{self.items} item{'s' if self.items != 1 else ''}"
        if self.kept_deleted:
            text += f" + {self.kept_deleted} deleted profile{'s' if self.kept_deleted != 1 else ''} kept"
        return text

    def describe(self) -> str:
        if self.action == "unchanged":
            return f"{self.name!r}: unchanged ({self._count()})"
        parts = []
        if self.added:
            parts.append(f"adds {_some(self.added)}")
        if self.removed:
            parts.append(f"removes {_some(self.removed)}")
        if self.reordered:
            parts.append("changes the order")
        if self.color:
            parts.append(f"colour {self.color}")
        what = "new group" if self.action == "create" else "changes"
        detail = "; ".join(parts) if parts else "no items"
        return f"{self.name!r}: {what} ({self._count()}) — {detail}"


def _some(labels: Sequence[str], most: int = 25) -> str:
    """Labels for one preview line: the first ``most`` and how many more (a file may name thousands)."""
    if len(labels) <= most:
        return ", ".join(labels)
    return f"{', '.join(labels[:most])} and {len(labels) - most:,} more"


@dataclass(slots=True)
class _FileGroup:
    key: str
    name: str
    first_row: int
    color: str | None = None
    #: ("profile", id) or ("group", name key), in file order, once each.
    items: list[tuple[str, int | str]] = field(default_factory=list)
    #: The same as a set: a file of 200,000 rows must not test membership in a list per row.
    seen: set[tuple[str, int | str]] = field(default_factory=set)

    def add(self, item: tuple[str, int | str]) -> None:
        if item not in self.seen:
            self.seen.add(item)
            self.items.append(item)


@dataclass(frozen=True, slots=True)
class GroupsImportPreview:
    source: str
    changes: tuple[GroupChange, ...]
    #: Rows left out (no such profile, no group name, …).
    skipped: tuple[RowIssue, ...]
    #: Limits the result would break; while there are any, the import cannot be applied.
    blocking: tuple[str, ...]
    #: Groups of the workspace that the file does not name (left as they are).
    untouched: tuple[str, ...]
    rows: tuple[SourceRow, ...] = field(repr=False)
    columns: tuple[tuple[str, int], ...] = field(repr=False)

    @property
    def has_changes(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)

    @property
    def can_apply(self) -> bool:
        return not self.blocking and self.has_changes

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "change": 0, "unchanged": 0}
        for c in self.changes:
            out[c.action] += 1
        return out

    def lines(self) -> list[str]:
        """The preview as text lines (the command line prints them; the GUI may show them)."""
        c = self.counts()
        out = [
            f"{self.source}: {c['create']} new, {c['change']} changed, {c['unchanged']} unchanged groups; "
            f"{len(self.skipped)} rows skipped"
        ]
        out += [f"  {ch.describe()}" for ch in self.changes]
        if self.untouched:
            out.append(f"  Not in the file, left as they are: {', '.join(repr(n) for n in self.untouched)}")
        out += [f"  skipped {issue}" for issue in self.skipped]
        out += [f"  cannot import: {message}" for message in self.blocking]
        return out


def _split_path(path: str, root_key: str, known: Iterable[str]) -> tuple[bool, str | None]:
    """Read a group path against the row's group (name key ``root_key``).

    Returns whether the path starts with that group, and the name key of the nested group it goes
    through next (None for the group's own profiles). Names are matched against the known group
    names, longest first, so a name may itself contain a separator character.
    """
    text = clean_name(path).casefold()
    if not text:
        return True, None
    if not text.startswith(root_key):
        return False, None
    rest = text[len(root_key) :].strip()
    if not rest:
        return True, None
    sep = next((s for s in _PATH_SEPARATORS if rest.startswith(s)), None)
    if sep is None:
        return False, None
    rest = rest[len(sep) :].strip()
    best: str | None = None
    for key in known:
        tail = rest[len(key) :].strip() if rest.startswith(key) else None
        fits = tail is not None and (not tail or tail.startswith(_PATH_SEPARATORS))
        if fits and (best is None or len(key) > len(best)):
            best = key
    if best is None:
        # An unknown name: everything up to the next separator, so the message can name it.
        cuts = [at for at in (rest.find(s) for s in _PATH_SEPARATORS) if at > 0]
        best = rest[: min(cuts)].strip() if cuts else rest
    return True, best


def _profile_label(plat: str, handle: str) -> str:
    info = PLATFORMS.get(plat)
    return f"{info.label if info else plat} @{handle}"


@dataclass(slots=True)
class _Resolver:
    """Finds profiles by id or by platform + handle, with few queries."""

    session: Session
    by_id: dict[int, tuple[str, str, bool]] = field(default_factory=dict)
    #: (platform, handle key) -> (id, deleted) or None: one query per distinct profile, not per row.
    by_handle: dict[tuple[str, str], tuple[int, bool] | None] = field(default_factory=dict)

    def load_handles(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Look up many (platform, handle) pairs with one query per 500 handles."""
        wanted = sorted({(p, h.casefold()) for p, h in pairs} - set(self.by_handle))
        for key in wanted:
            self.by_handle[key] = None
        keys = sorted({h for _p, h in wanted})
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for pid, plat, hkey, deleted_at in self.session.execute(
                select(Profile.id, Profile.platform, Profile.handle_key, Profile.deleted_at)
                .where(Profile.handle_key.in_(chunk))
                .order_by(Profile.deleted_at.is_not(None), Profile.id)
            ):
                if (plat, hkey) in self.by_handle and self.by_handle[(plat, hkey)] is None:
                    self.by_handle[(plat, hkey)] = (pid, deleted_at is not None)

    def find(self, plat: str, handle: str) -> tuple[int, bool] | None:
        key = (plat, handle.casefold())
        if key not in self.by_handle:
            found = profiles_service.find_by_handle(self.session, plat, handle)
            self.by_handle[key] = None if found is None else (found.id, found.deleted_at is not None)
        return self.by_handle[key]

    def load_ids(self, ids: Iterable[int]) -> None:
        wanted = sorted(set(ids) - set(self.by_id))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for pid, plat, handle, deleted_at in self.session.execute(
                select(Profile.id, Profile.platform, Profile.handle, Profile.deleted_at).where(
                    Profile.id.in_(chunk)
                )
            ):
                self.by_id[pid] = (plat, handle, deleted_at is not None)


def _resolve_group_row_profile(
    session: Session, resolver: _Resolver, row: SourceRow, cols: dict[str, int]
) -> tuple[int | None, str]:
    """(profile id, "") or (None, reason)."""
    raw_id = row.get(cols.get("profile_id"))
    handle = profiles_service.clean_handle(row.get(cols.get("handle")))
    plat_text = row.get(cols.get("platform"))
    plat = platform_key(plat_text) if plat_text else None
    if plat_text and plat is None:
        return None, f"unknown platform {plat_text!r}"
    if handle and plat:
        found = resolver.find(plat, handle)
        if found is None:
            return None, f"there is no {_profile_label(plat, handle)} in the workspace"
        if found[1]:
            return None, f"{_profile_label(plat, handle)} is deleted; restore it first"
        return found[0], ""
    if raw_id:
        pid = _as_id(raw_id)
        if pid is None:
            return None, f"{raw_id!r} is not a profile id"
        info = resolver.by_id.get(pid)
        if info is None:
            return None, f"there is no profile with id {pid}"
        p_plat, p_handle, deleted = info
        if handle and handle.casefold() != p_handle.casefold():
            return None, f"profile {pid} is {_profile_label(p_plat, p_handle)}, not @{handle}"
        if deleted:
            return None, f"profile {pid} ({_profile_label(p_plat, p_handle)}) is deleted; restore it first"
        return pid, ""
    return None, "the row names no profile (give a Profile ID, or a handle and a platform)"


def preview_groups_import(session: Session, path: Path) -> GroupsImportPreview:
    """Read a groups file (the export's shape) and say what importing it would do; changes nothing."""
    name = Path(path).name

    def layout(header: SourceRow) -> sheetfile.Layout:
        cols = _columns(header, GROUP_ALIASES)
        if "group_name" not in cols or not ({"profile_id", "handle"} & set(cols)):
            found = _shown_header(header)
            raise ImportFileError(
                f"{name} does not look like a groups export: it needs the columns Group name and "
                f"Profile ID (or Profile (handle) and Platform); its first row has {found}"
            )
        return sheetfile.Layout(cols)

    table = sheetfile.read_table(Path(path), layout, sheet="Profile groups")
    if not table.rows:
        raise ImportFileError(f"{name} has a header row but no data rows; nothing to import")
    return _plan_groups(session, name, table.rows, tuple(table.columns.items()))


def _shown_header(header: SourceRow) -> str:
    """The first row's titles for a message: at most a few, each cut short."""
    titles = [c if len(c) <= 40 else c[:39] + "…" for c in header.cells if c]
    shown = ", ".join(titles[:12]) + (f" and {len(titles) - 12:,} more" if len(titles) > 12 else "")
    return repr(shown)[1:-1] if shown else "nothing"


def _plan_groups(
    session: Session, source: str, data: tuple[SourceRow, ...], columns: tuple[tuple[str, int], ...]
) -> GroupsImportPreview:
    graph = GroupGraph.load(session)
    file_groups, skipped, resolver = _read_file_groups(session, data, dict(columns), graph)
    return _compare(source, data, columns, graph, file_groups, skipped, resolver)


def _read_file_groups(
    session: Session, data: tuple[SourceRow, ...], cols: dict[str, int], graph: GroupGraph
) -> tuple[dict[str, _FileGroup], list[RowIssue], _Resolver]:
    """The groups the file names, each with its direct items resolved, and the rows left out."""
    existing = {name.casefold(): gid for gid, name in graph.names.items()}
    skipped: list[RowIssue] = []

    # Pass 1: the groups the file names (so paths can be read against every known name).
    file_groups: dict[str, _FileGroup] = {}
    for row in data:
        name = clean_name(row.get(cols["group_name"]))
        if not name:
            skipped.append(RowIssue(row.number, "no group name"))
            continue
        if len(name) > MAX_NAME:
            skipped.append(RowIssue(row.number, f"a group name has at most {MAX_NAME} characters"))
            continue
        control = control_problem(name, "a group name")
        if control:
            skipped.append(RowIssue(row.number, control))
            continue
        key = name.casefold()
        if key not in file_groups:
            shown = graph.names[existing[key]] if key in existing else name
            file_groups[key] = _FileGroup(key, shown, row.number)
    known = {
        **{k: graph.names[g] for k, g in existing.items()},
        **{k: g.name for k, g in file_groups.items()},
    }
    resolver = _Resolver(session)
    if len(known) > _GIVE_UP_GROUPS:
        return file_groups, skipped, resolver  # blocked whatever the items: do not read them

    # Pass 2: items.
    id_col = cols.get("profile_id")
    resolver.load_ids(i for i in (_as_id(r.get(id_col)) for r in data) if i is not None)
    handle_col, plat_col = cols.get("handle"), cols.get("platform")
    resolver.load_handles(
        (plat, profiles_service.clean_handle(r.get(handle_col)))
        for r in data
        if (plat := platform_key(r.get(plat_col)) if r.get(plat_col) else None) and r.get(handle_col)
    )
    skipped_rows = {i.row for i in skipped}
    for row in data:
        if row.number in skipped_rows:
            continue
        key = clean_name(row.get(cols["group_name"])).casefold()
        fg = file_groups[key]
        color_text = row.get(cols.get("color"))
        if color_text and fg.color is None:
            try:
                fg.color = check_color(color_text)
            except ValidationError:
                message = f"{color_text!r} is not a colour like #1E88E5; the colour stays as it is"
                skipped.append(RowIssue(row.number, message))
        starts, child = _split_path(row.get(cols.get("path")), key, known)
        if not starts:
            skipped.append(
                RowIssue(row.number, f"the group path does not start with the group name {fg.name!r}")
            )
            continue
        if child is not None:
            if child not in known:
                message = f"the group path names a group {child!r} that does not exist"
                skipped.append(RowIssue(row.number, message))
            else:
                fg.add(("group", child))
            continue
        if not any(row.get(cols.get(f)) for f in ("profile_id", "handle")):
            continue  # an empty group's row
        pid, reason = _resolve_group_row_profile(session, resolver, row, cols)
        if pid is None:
            skipped.append(RowIssue(row.number, reason))
        else:
            fg.add(("profile", pid))
    return file_groups, skipped, resolver


def _compare(
    source: str,
    data: tuple[SourceRow, ...],
    columns: tuple[tuple[str, int], ...],
    graph: GroupGraph,
    file_groups: dict[str, _FileGroup],
    skipped: list[RowIssue],
    resolver: _Resolver,
) -> GroupsImportPreview:
    existing = {name.casefold(): gid for gid, name in graph.names.items()}
    key_of = {gid: name.casefold() for gid, name in graph.names.items()}
    total_groups = len(existing.keys() | file_groups.keys())
    if total_groups > _GIVE_UP_GROUPS:
        new_count = total_groups - len(existing)
        message = (
            f"the file names {len(file_groups):,} groups: the import would make {total_groups:,} groups "
            f"({len(existing)} now, {new_count:,} new); a workspace holds at most {MAX_GROUPS}"
        )
        skipped.sort(key=lambda i: i.row)
        return GroupsImportPreview(source, (), tuple(skipped), (message,), (), data, columns)
    resolver.load_ids(r.id for refs in graph.items.values() for r in refs if r.kind == "profile")
    names = {
        **{k: graph.names[g] for k, g in existing.items()},
        **{k: g.name for k, g in file_groups.items()},
    }

    def label(item: tuple[str, int | str]) -> str:
        kind, ident = item
        if kind == "group":
            return f"group {names.get(str(ident), str(ident))!r}"
        plat, handle, _deleted = resolver.by_id.get(int(ident), ("", str(ident), False))
        return _profile_label(plat, handle)

    def current(gid: int) -> list[tuple[str, int | str]]:
        return [
            ("group", key_of[r.id]) if r.kind == "group" else ("profile", r.id)
            for r in graph.items.get(gid, ())
            if r.kind == "group" or r.id not in graph.deleted_profiles
        ]

    # The state after the import, by name key: what the file says, else what is there now.
    final: dict[str, list[tuple[str, int | str]]] = {k: current(g) for k, g in existing.items()}
    hidden = {
        key_of[g]: [
            r for r in graph.items.get(g, ()) if r.kind == "profile" and r.id in graph.deleted_profiles
        ]
        for g in graph.names
    }
    changes: list[GroupChange] = []
    for key, fg in file_groups.items():
        final[key] = list(fg.items)
        count, kept = len(fg.items), len(hidden.get(key, ()))
        if key not in existing:
            added = tuple(label(i) for i in fg.items)
            changes.append(GroupChange(fg.name, "create", added, (), False, fg.color, count, kept))
            continue
        gid = existing[key]
        before = current(gid)
        added = tuple(label(i) for i in fg.items if i not in before)
        removed = tuple(label(i) for i in before if i not in fg.items)
        common_before = [i for i in before if i in fg.items]
        common_after = [i for i in fg.items if i in before]
        reordered = common_before != common_after
        color = fg.color if fg.color is not None and fg.color != graph.colors[gid] else None
        action: ChangeAction = "change" if (added or removed or reordered or color) else "unchanged"
        changes.append(GroupChange(fg.name, action, added, removed, reordered, color, count, kept))

    blocking: list[str] = []
    new_count = sum(1 for k in file_groups if k not in existing)
    if len(existing) + new_count > MAX_GROUPS:
        blocking.append(
            f"the import would make {len(existing) + new_count} groups ({len(existing)} now, "
            f"{new_count} new); a workspace holds at most {MAX_GROUPS}"
        )
    for key in file_groups:
        total = len(final[key]) + len(hidden.get(key, ()))
        if total > MAX_ITEMS:
            blocking.append(
                f"group {names[key]!r} would hold {total} items; a group holds at most {MAX_ITEMS}"
            )
    loop = _find_loop(final)
    if loop:
        chain = PATH_SEPARATOR.join(names.get(k, k) for k in loop)
        blocking.append(f"groups would contain themselves: {chain}")

    untouched = tuple(graph.names[g] for g in graph.sorted_ids() if key_of[g] not in file_groups)
    return GroupsImportPreview(
        source,
        tuple(changes),
        tuple(sorted(skipped, key=lambda i: i.row)),
        tuple(blocking),
        untouched,
        data,
        columns,
    )


def _find_loop(final: dict[str, list[tuple[str, int | str]]]) -> list[str] | None:
    """A chain of group keys that comes back to its start, if the nesting has one."""
    return find_cycle({k: [str(i) for kind, i in items if kind == "group"] for k, items in final.items()})


# -- groups: apply --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupsImportResult:
    created: tuple[str, ...]
    changed: tuple[str, ...]


def apply_groups_import(
    session: Session, actor: Actor | None, preview: GroupsImportPreview
) -> GroupsImportResult:
    """Make the previewed changes, all or nothing (see the module docstring)."""
    decision = can_change_groups(actor)
    if not decision:
        raise NotAllowedError(decision.reason)
    assert actor is not None
    graph = GroupGraph.load(session)
    file_groups, skipped, resolver = _read_file_groups(session, preview.rows, dict(preview.columns), graph)
    fresh = _compare(preview.source, preview.rows, preview.columns, graph, file_groups, skipped, resolver)
    if fresh.blocking:
        raise ValidationError([("", message) for message in fresh.blocking])
    if fresh.changes != preview.changes:
        raise ImportChangedError
    ids = {name.casefold(): gid for gid, name in graph.names.items()}
    by_key = {c.name.casefold(): c for c in fresh.changes}
    created: list[str] = []
    changed: list[str] = []
    now = utcnow()
    for key, fg in file_groups.items():
        if key in ids:
            continue
        group = Group(name=fg.name, name_key=key, color=fg.color or DEFAULT_COLOR, created_at=now)
        session.add(group)
        session.flush()
        ids[key] = group.id
        audit.record(
            session, actor.id, "group_created", details=f"{fg.name} (id {group.id}) from {preview.source}"
        )
        created.append(fg.name)
    for key, fg in file_groups.items():
        change = by_key[key]
        if change.action == "unchanged":
            continue
        gid = ids[key]
        if change.color:
            target = session.get(Group, gid)
            assert target is not None
            target.color = change.color
        # Deleted profiles are not in exports: keep them (a restore brings them back here).
        kept = [r for r in graph.items.get(gid, ()) if r.kind == "profile" and r.id in graph.deleted_profiles]
        refs = [
            ItemRef.profile(int(ident)) if kind == "profile" else ItemRef.group(ids[str(ident)])
            for kind, ident in fg.items
        ]
        session.execute(delete(GroupItem).where(GroupItem.group_id == gid))
        for pos, ref in enumerate([*refs, *kept]):
            session.add(
                GroupItem(
                    group_id=gid,
                    position=pos,
                    profile_id=ref.id if ref.kind == "profile" else None,
                    child_group_id=ref.id if ref.kind == "group" else None,
                )
            )
        if change.action == "change":
            audit.record(
                session, actor.id, "group_imported", details=f"{change.describe()} from {preview.source}"
            )
            changed.append(fg.name)
    session.flush()
    return GroupsImportResult(tuple(created), tuple(changed))


# -- public profiles --------------------------------------------------------------------------------

PROFILE_ALIASES: dict[str, tuple[str, ...]] = {
    "url": ("url", "profileurl", "link", "profilelink", "address", "profileaddress", "website"),
    "platform": ("platform", "network", "socialnetwork"),
    "handle": ("handle", "profilehandle", "profile", "username", "account", "accountname"),
    "display_name": ("displayname", "profiledisplayname", "name", "profilename"),
    "kind": ("kind", "profilekind", "type"),
}

ProfileAction = Literal["add", "restore", "exists", "skip"]


@dataclass(frozen=True, slots=True)
class ProfileRowPlan:
    """What importing one row would do."""

    row: int
    action: ProfileAction
    platform: str | None = None
    handle: str = ""
    kind: str | None = None
    display_name: str | None = None
    #: The existing profile (``exists``, ``restore``).
    profile_id: int | None = None
    #: Why a row is skipped, or a note.
    message: str = ""

    def describe(self) -> str:
        what = _profile_label(self.platform, self.handle) if self.platform else (self.handle or "?")
        if self.action == "add":
            return f"row {self.row}: add {what}"
        if self.action == "restore":
            return f"row {self.row}: restore deleted {what} (id {self.profile_id})"
        if self.action == "exists":
            return f"row {self.row}: {what} is already in the workspace (id {self.profile_id})"
        return f"row {self.row}: skipped — {self.message}"


@dataclass(frozen=True, slots=True)
class ProfilesImportPreview:
    source: str
    rows: tuple[ProfileRowPlan, ...]

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "restore": 0, "exists": 0, "skip": 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    @property
    def skipped(self) -> tuple[ProfileRowPlan, ...]:
        return tuple(r for r in self.rows if r.action == "skip")

    @property
    def can_apply(self) -> bool:
        return any(r.action in ("add", "restore") for r in self.rows)

    def lines(self) -> list[str]:
        c = self.counts()
        out = [
            f"{self.source}: {c['add']} to add, {c['restore']} to restore, "
            f"{c['exists']} already in the workspace, {c['skip']} rows skipped"
        ]
        out += [f"  {r.describe()}" for r in self.rows if r.action != "exists"]
        return out


@dataclass(frozen=True, slots=True)
class _ProfileSpec:
    row: int
    platform: str
    handle: str
    kind: str
    display_name: str | None


def preview_profiles_import(session: Session, path: Path) -> ProfilesImportPreview:
    """Read a list of profile URLs (or platform + handle) and say what adding them would do."""
    name = Path(path).name

    def layout(header: SourceRow) -> sheetfile.Layout:
        cols = _columns(header, PROFILE_ALIASES)
        if "url" in cols or "handle" in cols:
            return sheetfile.Layout(cols)
        if _looks_like_profile_address(header.get(0)):
            return sheetfile.Layout({"url": 0}, first_row_is_data=True)  # addresses without a header
        raise ImportFileError(
            f"{name} does not look like a list of profiles: it needs a column URL (profile addresses) or "
            f"the columns Platform and Handle; its first row has {_shown_header(header)}"
        )

    table = sheetfile.read_table(Path(path), layout, sheet="Profiles")
    if not table.rows:
        raise ImportFileError(f"{name} has a header row but no data rows; nothing to import")
    specs: list[_ProfileSpec | ProfileRowPlan] = [_read_profile_row(row, table.columns) for row in table.rows]
    return ProfilesImportPreview(name, _plan_profiles(session, specs))


def _looks_like_profile_address(text: str) -> bool:
    if "/" not in text:
        return False
    try:
        return profiles_service.parse_profile_ref(text).platform is not None
    except SocialDeskError:
        return False


def _read_profile_row(row: SourceRow, cols: dict[str, int]) -> _ProfileSpec | ProfileRowPlan:
    url = row.get(cols.get("url"))
    handle_text = row.get(cols.get("handle"))
    plat_text = row.get(cols.get("platform"))
    kind_text = row.get(cols.get("kind"))
    display = clean_display_name(row.get(cols.get("display_name"))) or None
    text = url or handle_text
    if display is not None and (why := display_name_problem(display)):
        return ProfileRowPlan(row.number, "skip", handle=text, message=why[:1].lower() + why[1:])
    if not text:
        return ProfileRowPlan(row.number, "skip", message="no profile address or handle")
    try:
        ref = profiles_service.parse_profile_ref(text)
    except ValidationError as exc:
        return ProfileRowPlan(row.number, "skip", handle=text, message=exc.problems[0][1])
    plat = ref.platform
    if plat_text:
        named = platform_key(plat_text)
        if named is None:
            choices = ", ".join(PLATFORMS)
            message = f"unknown platform {plat_text!r}; use one of {choices}"
            return ProfileRowPlan(row.number, "skip", handle=ref.handle, message=message)
        if plat is not None and plat != named:
            message = f"the address is a {PLATFORMS[plat].label} one but the platform says {plat_text!r}"
            return ProfileRowPlan(row.number, "skip", handle=ref.handle, message=message)
        plat = named
    if plat is None:
        if not profiles_service.HANDLE_RE.match(ref.handle):
            # Neither an address nor a handle (words, a sentence): say what the row should hold.
            message = "not a profile address or handle; paste the address from your browser"
            return ProfileRowPlan(row.number, "skip", handle=ref.handle, message=message)
        message = f"@{ref.handle} has no platform; use the full address or a Platform column"
        return ProfileRowPlan(row.number, "skip", handle=ref.handle, message=message)
    info = PLATFORMS[plat]
    kind = ref.kind
    if kind_text:
        kind = _KIND_NAMES.get(_norm(kind_text), kind_text)
    kind = kind or default_kind(plat)
    if kind not in info.kinds:
        message = f"{info.label} profiles are of kind {', '.join(info.kinds)}, not {kind!r}"
        return ProfileRowPlan(row.number, "skip", plat, ref.handle, message=message)
    if not profiles_service.HANDLE_RE.match(ref.handle):
        message = f"{ref.handle!r} is not a handle (1–200 letters, digits, '.', '_', '-' or '+')"
        return ProfileRowPlan(row.number, "skip", plat, ref.handle, message=message)
    return _ProfileSpec(row.number, plat, ref.handle, kind, display)


def _plan_profiles(
    session: Session, specs: Sequence[_ProfileSpec | ProfileRowPlan]
) -> tuple[ProfileRowPlan, ...]:
    wanted = sorted({s.handle.casefold() for s in specs if isinstance(s, _ProfileSpec)})
    # (platform, handle key, kind) -> (id, deleted); a live profile wins over a deleted one.
    known: dict[tuple[str, str, str], tuple[int, bool]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for pid, plat, hkey, kind, deleted_at in session.execute(
            select(Profile.id, Profile.platform, Profile.handle_key, Profile.kind, Profile.deleted_at)
            .where(Profile.handle_key.in_(chunk))
            .order_by(Profile.deleted_at.is_not(None), Profile.id)
        ):
            known.setdefault((plat, hkey, kind), (pid, deleted_at is not None))
    seen: dict[tuple[str, str, str], int] = {}
    out: list[ProfileRowPlan] = []
    for spec in specs:
        if isinstance(spec, ProfileRowPlan):
            out.append(spec)
            continue
        key = (spec.platform, spec.handle.casefold(), spec.kind)
        args = (spec.platform, spec.handle, spec.kind, spec.display_name)
        if key in seen:
            out.append(
                ProfileRowPlan(spec.row, "skip", *args, message=f"the same profile as row {seen[key]}")
            )
            continue
        seen[key] = spec.row
        found = known.get(key)
        if found is None:
            out.append(ProfileRowPlan(spec.row, "add", *args))
        elif found[1]:
            out.append(ProfileRowPlan(spec.row, "restore", *args, profile_id=found[0]))
        else:
            out.append(ProfileRowPlan(spec.row, "exists", *args, profile_id=found[0]))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ProfilesImportResult:
    added: tuple[int, ...]
    restored: tuple[int, ...]


def apply_profiles_import(
    session: Session,
    actor: Actor | None,
    preview: ProfilesImportPreview,
    *,
    progress: Progress | None = None,
) -> ProfilesImportResult:
    """Add (or restore) the previewed profiles, all or nothing; skipped and existing rows are left out."""
    specs: list[_ProfileSpec | ProfileRowPlan] = [
        _ProfileSpec(r.row, r.platform, r.handle, r.kind, r.display_name)
        if r.action != "skip" and r.platform is not None and r.kind is not None
        else r
        for r in preview.rows
    ]
    if _plan_profiles(session, specs) != preview.rows:
        raise ImportChangedError
    todo = [r for r in preview.rows if r.action in ("add", "restore")]
    added: list[int] = []
    restored: list[int] = []
    done = 0
    for plan in (r for r in todo if r.action == "restore"):
        assert plan.platform is not None
        profile, _ = profiles_service.add_public_profile(
            session, actor, plan.platform, plan.handle, plan.kind, plan.display_name
        )
        restored.append(profile.id)
        done += 1
    fresh = [r for r in todo if r.action == "add"]
    for start in range(0, len(fresh), _APPLY_CHUNK):
        chunk = fresh[start : start + _APPLY_CHUNK]
        checked = [
            profiles_service.check_public_profile(r.platform or "", r.handle, r.kind, r.display_name)
            for r in chunk
        ]
        added += profiles_service.add_public_profiles(session, actor, checked)
        done += len(chunk)
        if progress is not None:
            progress(done, len(todo))
    session.flush()
    if todo:
        audit.record(
            session,
            actor.id if actor else None,
            "profiles_imported",
            details=f"{len(added)} added, {len(restored)} restored from {preview.source}",
        )
    return ProfilesImportResult(tuple(added), tuple(restored))
