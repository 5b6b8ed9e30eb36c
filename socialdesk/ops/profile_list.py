"""The main window's profile list: its rows and what surrounds them, read together; rows reloaded in place.

The rows are the shared read model (``services.query.ProfileRows``, column arrays); the filter's
choices (group and member names) and the unread count come with them. No Qt; the window runs these
in a worker. Apart from ``ops.workspace`` so that opening a workspace (every command) does not load
the read model and numpy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from socialdesk.services import notifications as notifications_service
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace, filter_choices

__all__ = ["ListState", "load_list", "refresh_rows"]


@dataclass(frozen=True, slots=True)
class ListState:
    """Everything the main window shows around the list, read together."""

    rows: ProfileRows
    empty: bool  # no profile and no member: the welcome page
    groups: tuple[str, ...]  # group names, in the list's order (the filter's choices)
    members: tuple[str, ...]  # active members' names (the Owners filter)
    unread: int
    me_id: int | None


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
