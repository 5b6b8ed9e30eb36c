"""The profile list: the main window's (its rows and what surrounds them, read together; rows reloaded
in place) and the command line's (``socialdesk profiles``: the rows a filter selects; JSON, CSV, table).

Both read the shared read model (``services.query.ProfileRows``, column arrays); the window's filter
choices (group and member names) and unread count come with its rows. No Qt; the window runs these in a
worker. Apart from ``ops.workspace`` and ``ops.profiles`` so that opening a workspace and the other
commands do not load the read model and numpy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from socialdesk.services import listing as listing_service
from socialdesk.services import notifications as notifications_service
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.listing import CSV_HEADER, TABLE_HEADER, csv_records, format_table, table_records
from socialdesk.services.query import ProfileFilter, ProfileRows
from socialdesk.services.workspace import Workspace, filter_choices

__all__ = [
    "CSV_HEADER",
    "TABLE_HEADER",
    "ListState",
    "Listing",
    "csv_records",
    "format_table",
    "list_profiles",
    "listing_json",
    "load_list",
    "refresh_rows",
    "table_records",
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


# -- the command line's list (``socialdesk profiles``) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    """The profile list as the command line prints it: the rows and the selected ones, in order."""

    rows: ProfileRows
    selected: tuple[int, ...]


def list_profiles(
    workspace: Workspace,
    flt: ProfileFilter,
    searches: Sequence[str] = (),
    sort: tuple[str | None, bool] = (None, False),
) -> Listing:
    """The rows a filter selects (several searches are OR'ed like any other repeated filter), sorted.

    A group or member the filter names that does not exist is a typo: ``SocialDeskError`` says so."""
    with workspace.reading() as s:
        choices = filter_choices(s)
    for names, known, what in (
        (flt.groups, choices.groups, "group"),
        (flt.owners, choices.members, "team member"),
    ):
        folded = {n.casefold() for n in known}
        for name in sorted(names):
            if name.casefold() not in folded:
                raise SocialDeskError(f"There is no {what} named {name!r}")
    with workspace.engine.connect() as conn:
        rows = ProfileRows.load(conn, workspace.me_id)
    column, descending = sort
    if searches:
        chosen: set[int] = set()
        for needle in searches:
            chosen.update(rows.select(dataclasses.replace(flt, search=needle)))
        order = rows.order(column, descending) if column else range(len(rows))
        selected = tuple(r for r in order if r in chosen)
    else:
        selected = tuple(rows.select(flt, column, descending))
    return Listing(rows, selected)


def listing_json(workspace: Workspace, listing: Listing) -> list[dict[str, Any]]:
    """``profiles --format json`` records (docs/interfaces.md), with each profile's grants."""
    with workspace.engine.connect() as conn:
        return listing_service.json_records(listing.rows, list(listing.selected), conn)
