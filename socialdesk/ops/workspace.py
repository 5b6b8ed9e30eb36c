"""Workspace operations: open it, load the profile list and the counts around it, build the demo.

What the main window needs to show a workspace, each read in one unit of work: the profile rows
(``services.query.ProfileRows``), the filter's choices (group and member names) and the unread
count. No Qt; the window runs these in a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import demo as demo_service
from socialdesk.services import notifications as notifications_service
from socialdesk.services import rules
from socialdesk.services.demo import DEFAULT_PROFILES, DEFAULT_SEED
from socialdesk.services.query import ProfileRows
from socialdesk.services.rules import Decision
from socialdesk.services.workspace import CLI_BUSY_TIMEOUT_S, Workspace, busy_timeout, filter_choices

__all__ = [
    "DEFAULT_PROFILES",
    "DEFAULT_SEED",
    "ListState",
    "Workspace",
    "build_demo",
    "can_load_demo",
    "is_empty",
    "load_list",
    "open_for_command",
    "open_workspace",
    "refresh_rows",
    "unread_count",
]


@dataclass(frozen=True, slots=True)
class ListState:
    """Everything the main window shows around the list, read together."""

    rows: ProfileRows
    empty: bool  # no profile and no member: the welcome page
    groups: tuple[str, ...]  # group names, in the list's order (the filter's choices)
    members: tuple[str, ...]  # active members' names (the Owners filter)
    unread: int
    me_id: int | None


def open_workspace(data_dir: Path) -> Workspace:
    """The window's workspace (created when missing); a bad one raises ``WorkspaceError``."""
    return Workspace.open(data_dir, create=True)


def open_for_command(data_dir: Path, *, create: bool = False) -> Workspace:
    """A command's workspace: it waits longer for another writer than the window (``CLI_BUSY_TIMEOUT_S``)."""
    return Workspace.open(data_dir, create=create, timeout=busy_timeout(CLI_BUSY_TIMEOUT_S))


def load_list(workspace: Workspace, *, trash: bool = False, prepare: bool = True) -> ListState:
    """The profile rows (or the deleted ones) and what surrounds them, read without waiting for a writer.

    ``prepare=False``: the name's order and the text index are left to ``ProfileRows.prepare`` (a
    worker, once the rows are shown)."""
    with workspace.engine.connect() as conn:
        rows = ProfileRows.load(conn, workspace.me_id, deleted=trash, prepare=prepare)
    with workspace.reading() as s:
        choices = filter_choices(s)
        unread = notifications_service.unread_count(s)
    return ListState(rows, workspace.is_empty(), choices.groups, choices.members, unread, workspace.me_id)


def refresh_rows(workspace: Workspace, rows: ProfileRows, profile_ids: Iterable[int]) -> list[int]:
    """Reload these profiles in ``rows`` in place; the rows that changed (see ``ProfileRows.refresh``)."""
    with workspace.engine.connect() as conn:
        return rows.refresh(conn, profile_ids)


def unread_count(workspace: Workspace) -> int:
    with workspace.reading() as s:
        return notifications_service.unread_count(s)


def is_empty(workspace: Workspace) -> bool:
    return workspace.is_empty()


def can_load_demo(workspace: Workspace) -> Decision:
    """The demo fills an empty workspace only (``rules.can_load_demo``)."""
    return rules.can_load_demo(workspace.is_empty())


def build_demo(
    workspace: Workspace,
    profiles: int = demo_service.DEFAULT_PROFILES,
    seed: int = demo_service.DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Done[dict[str, int]]:
    """Fill an empty workspace with the demo; the counts of what was made (profiles, members, ...)."""
    counts = demo_service.build_demo(workspace, profiles=profiles, seed=seed, progress=progress)
    change = Change.of(
        Kind.PROFILES, Kind.GROUPS, Kind.MEMBERS, Kind.FLOWS, Kind.SETTINGS, Kind.CONNECTIONS,
        Kind.NOTIFICATIONS, message="Loaded the demo workspace",
    )  # fmt: skip
    return Done(counts, change)
