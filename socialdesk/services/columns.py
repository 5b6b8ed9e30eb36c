"""The profile list's columns, each declared once (after Anki's library-owned browser columns).

A :class:`Column` says everything every consumer needs: its key (``--sort``), its title, its sort
key (a rank array over all rows), the text of its cell as the table shows it, its tooltip, its
machine value (the command line's CSV and JSON) and its export value (the table exported to
CSV/XLSX). The table model (``ui/profile_model.py``), the command line (``services/listing.py``)
and the export (``services/export.py``) read the same declarations, so they cannot drift apart.

Cell functions take ``(rows, r)``: the read model and a row index. Export functions take a chunk of
row indexes and return that column's values for them, built with C-level helpers (``map``), since
an export of 1,000,000 rows cannot afford a Python call per cell and column.

"–" for Not connected is a display glyph of the table only: the label ("Not connected") is what
exports, tooltips and accessibility tools get.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from socialdesk.models.catalogue import (
    KIND_LABELS,
    OWNERSHIP_LABELS,
    PLATFORMS,
    ConnectionState,
    Ownership,
    Status,
)
from socialdesk.services.clock import iso
from socialdesk.services.query import COLUMN_KEYS, ConnTuple, ProfileRows

#: The labels of the statuses; the table shows ``NOT_CONNECTED_GLYPH`` in the cell instead.
STATUS_TEXT = {
    Status.EXPIRED: "Expired",
    Status.CONNECTED: "Connected",
    Status.NOT_CONNECTED: "Not connected",
}
NOT_CONNECTED_GLYPH = "–"
STATE_MARK = {
    ConnectionState.ACTIVE: "✓",
    ConnectionState.EXPIRED: "✗",
    ConnectionState.NOT_ESTABLISHED: "–",
}
STATE_TEXT = {
    ConnectionState.ACTIVE: "active",
    ConnectionState.EXPIRED: "expired",
    ConnectionState.NOT_ESTABLISHED: "not established",
}
STATUS_TOOLTIP = {
    Status.EXPIRED: "At least one connection has expired: re-connect it",
    Status.CONNECTED: "All established connections are active",
    Status.NOT_CONNECTED: "No active or expired connection",
}
NO_TYPES_TOOLTIP = "No connection types exist for this profile"
NO_OWNERS_TOOLTIP = "Nobody owns this profile: it cannot be used for publishing until someone claims it"
CONNECTIONS_HEADER_TOOLTIP = "State of each connection type: ✓ active, ✗ expired, – not established"

Cell = Callable[[ProfileRows, int], Any]
Export = Callable[[ProfileRows, Sequence[int], bool], Sequence[Any]]


class _PerValue(dict[Any, str]):
    """A text per distinct value, computed once (connection tuples, owner lists are few)."""

    def __init__(self, fn: Callable[[Any], str]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: Any) -> str:
        value = self[key] = self.fn(key)
        return value


def _pick(rows_: Sequence[int]) -> Callable[[Any], Sequence[Any]]:
    if len(rows_) == 1:
        only = rows_[0]
        return lambda column: (column[only],)
    return itemgetter(*rows_)


def _platform_label(key: str) -> str:
    info = PLATFORMS.get(key)
    return info.label if info is not None else key


def _kind_label(key: str) -> str:
    return KIND_LABELS.get(key, key)


def connections_text(states: ConnTuple) -> str:
    """The table's Connections cell: short type names with ✓ ✗ –."""
    return "  ".join(f"{t.short} {STATE_MARK[s]}" for t, s in states)


def connections_label(states: ConnTuple) -> str:
    """The exported Connections cell, in words."""
    return "; ".join(f"{t.label}: {STATE_TEXT[s]}" for t, s in states)


def connections_value(states: ConnTuple) -> str:
    """The command line's CSV value: ``type:state;type:state``."""
    return ";".join(f"{t.value}:{s.value}" for t, s in states)


def connections_json(states: ConnTuple) -> list[dict[str, Any]]:
    """The command line's JSON value: one ``{type, state}`` per supported type (a new list each
    time: the listing adds each connection's grants to it)."""
    return [{"type": t.value, "state": s.value} for t, s in states]


def _connections_tooltip(rows: ProfileRows, r: int) -> str | None:
    states = rows.connections[r]
    if not states:
        return NO_TYPES_TOOLTIP
    return "\n".join(f"{t.label}: {s.value.replace('_', ' ')}" for t, s in states)


def _status_cell(rows: ProfileRows, r: int) -> str:
    status = rows.status[r]
    return NOT_CONNECTED_GLYPH if status is Status.NOT_CONNECTED else STATUS_TEXT[status]


def _joined(rows: ProfileRows, name: str, sep: str) -> Callable[[int], str]:
    return lambda r: sep.join(getattr(rows, name)[r])


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the profile list, declared once.

    ``text`` is the cell as shown (the table, the command line's table); ``label`` says the text is
    a fixed label (the GUI translates it). ``value`` is the machine value (the command line's CSV,
    and its JSON unless ``json`` gives a structured one: lists stay lists); ``export`` the values of
    a chunk of rows for the exported table (``xlsx``: a real date).
    ``sort`` returns the rank of every row (``ProfileRows.rank`` caches it); ``None`` for columns
    the table does not show.
    """

    key: str
    title: str
    text: Cell
    value: Cell
    export: Export
    sort: Callable[[ProfileRows], npt.NDArray[Any]] | None = None
    tooltip: Cell | None = None
    label: bool = False
    #: The machine name (JSON key, CSV header of the command line) when it is not ``key``.
    field: str = ""
    #: The JSON value when it is not ``value`` (a list where CSV joins it into one text).
    json: Cell | None = None

    @property
    def name(self) -> str:
        return self.field or self.key

    def json_value(self, rows: ProfileRows, r: int) -> Any:
        """The command line's JSON value of row ``r``."""
        return (self.json or self.value)(rows, r)


def _map(fn: Callable[[Any], Any], name: str) -> Export:
    def export(rows: ProfileRows, chunk: Sequence[int], _xlsx: bool) -> Sequence[Any]:
        return list(map(fn, _pick(chunk)(getattr(rows, name))))

    return export


def _plain(name: str) -> Export:
    def export(rows: ProfileRows, chunk: Sequence[int], _xlsx: bool) -> Sequence[Any]:
        return _pick(chunk)(getattr(rows, name))

    return export


def _added_export(rows: ProfileRows, chunk: Sequence[int], xlsx: bool) -> Sequence[Any]:
    added = _pick(chunk)(rows.added_at)
    return added if xlsx else [t + "Z" for t in map(datetime.isoformat, added)]


_CONN_TEXT = _PerValue(connections_text)
_CONN_LABEL = _PerValue(connections_label)
_CONN_VALUE = _PerValue(connections_value)
_JOIN_COMMA = _PerValue(", ".join)
_JOIN_SEMI = _PerValue("; ".join)


def _by_name(rows: ProfileRows) -> npt.NDArray[Any]:
    return rows.text_rank(rows.display_name)


COLUMNS: tuple[Column, ...] = (
    Column(
        "id",
        "ID",
        text=lambda rows, r: str(rows.ids[r]),
        value=lambda rows, r: rows.ids[r],
        export=_plain("ids"),
    ),
    Column(
        "name",
        "Name",
        text=lambda rows, r: rows.display_name[r],
        value=lambda rows, r: rows.display_name[r],
        export=_plain("display_name"),
        sort=_by_name,
        tooltip=lambda rows, r: f"{rows.display_name[r]}\n@{rows.handle[r]}",
        field="display_name",
    ),
    Column(
        "handle",
        "Handle",
        text=lambda rows, r: rows.handle[r],
        value=lambda rows, r: rows.handle[r],
        export=_plain("handle"),
    ),
    Column(
        "platform",
        "Platform",
        text=lambda rows, r: _platform_label(rows.platform[r]),
        value=lambda rows, r: rows.platform[r],
        export=_map(_platform_label, "platform"),
        sort=lambda rows: rows.coded_rank(rows.platform, lambda p: _platform_label(p).casefold()),
    ),
    Column(
        "kind",
        "Kind",
        text=lambda rows, r: _kind_label(rows.kind[r]),
        value=lambda rows, r: rows.kind[r],
        export=_map(_kind_label, "kind"),
        sort=lambda rows: rows.coded_rank(rows.kind, lambda k: _kind_label(k).casefold()),
    ),
    Column(
        "visibility",
        "Visibility",
        text=lambda rows, r: rows.visibility[r],
        value=lambda rows, r: rows.visibility[r],
        export=_plain("visibility"),
    ),
    Column(
        "platform_id",
        "Platform id",
        text=lambda rows, r: rows.platform_id[r] or "",
        value=lambda rows, r: rows.platform_id[r],
        export=_plain("platform_id"),
    ),
    Column(
        "ownership",
        "Ownership",
        text=lambda rows, r: OWNERSHIP_LABELS[rows.ownership[r]],
        value=lambda rows, r: rows.ownership[r].value,
        export=_map(OWNERSHIP_LABELS.__getitem__, "ownership"),
        sort=lambda rows: rows.coded_rank(rows.ownership, lambda o: o.rank),
        tooltip=lambda rows, r: NO_OWNERS_TOOLTIP if rows.ownership[r] is Ownership.NONE else None,
        label=True,
    ),
    Column(
        "status",
        "Connection status",
        text=_status_cell,
        value=lambda rows, r: rows.status[r].value,
        export=_map(STATUS_TEXT.__getitem__, "status"),
        sort=lambda rows: rows.coded_rank(rows.status, lambda s: s.rank),
        tooltip=lambda rows, r: STATUS_TOOLTIP[rows.status[r]],
        label=True,
    ),
    Column(
        "connections",
        "Connections",
        text=lambda rows, r: _CONN_TEXT[rows.connections[r]],
        value=lambda rows, r: _CONN_VALUE[rows.connections[r]],
        json=lambda rows, r: connections_json(rows.connections[r]),
        export=_map(_CONN_LABEL.__getitem__, "connections"),
        # Ascending: fewest active connections first, then fewest expired.
        sort=lambda rows: rows.coded_rank(
            rows.connections,
            lambda c: (
                sum(s is ConnectionState.ACTIVE for _, s in c),
                sum(s is ConnectionState.EXPIRED for _, s in c),
            ),
        ),
        tooltip=_connections_tooltip,
    ),
    Column(
        "owners",
        "Owners",
        text=lambda rows, r: _JOIN_COMMA[rows.owners[r]],
        value=lambda rows, r: _JOIN_SEMI[rows.owners[r]],
        json=lambda rows, r: list(rows.owners[r]),
        export=_map(_JOIN_SEMI.__getitem__, "owners"),
        sort=lambda rows: rows.coded_rank(rows.owners, lambda o: "; ".join(o).casefold()),
        tooltip=lambda rows, r: _JOIN_COMMA[rows.owners[r]] or None,
    ),
    Column(
        "groups",
        "Groups",
        text=lambda rows, r: _JOIN_COMMA[rows.groups[r]],
        value=lambda rows, r: _JOIN_SEMI[rows.groups[r]],
        json=lambda rows, r: list(rows.groups[r]),
        export=_map(_JOIN_SEMI.__getitem__, "groups"),
        sort=lambda rows: rows.coded_rank(rows.groups, lambda g: "; ".join(g).casefold()),
        tooltip=lambda rows, r: _JOIN_COMMA[rows.groups[r]] or None,
    ),
    Column(
        "added",
        "Added",
        text=lambda rows, r: rows.added_at[r].strftime("%Y-%m-%d"),
        value=lambda rows, r: iso(rows.added_at[r]),
        export=_added_export,
        sort=lambda rows: rows.added_at.seconds,
        field="added_at",
    ),
)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

#: The table's columns, in order (their keys are ``--sort``'s choices).
TABLE: tuple[Column, ...] = tuple(BY_KEY[k] for k in COLUMN_KEYS)
TABLE_KEYS: tuple[str, ...] = COLUMN_KEYS
#: ``socialdesk profiles --format table``: the table's columns after the id.
CLI_TABLE: tuple[Column, ...] = (BY_KEY["id"], *TABLE)
#: ``socialdesk profiles --format csv``: machine values, headed by their machine names.
CLI_CSV: tuple[Column, ...] = tuple(
    BY_KEY[k]
    for k in ("id", "name", "handle", "platform", "kind", "visibility", "platform_id", *COLUMN_KEYS[3:])
)
#: ``socialdesk profiles --format json``: the keys of each object, in order (docs/interfaces.md); the
#: listing adds each connection's grants to the ``connections`` value.
CLI_JSON: tuple[Column, ...] = tuple(
    BY_KEY[k]
    for k in (
        "id", "platform", "kind", "handle", "name", "visibility", "platform_id", "ownership", "status",
        "owners", "groups", "added", "connections",
    )
)  # fmt: skip
#: The exported table (CSV/XLSX): the table's columns with id and handle.
EXPORT: tuple[Column, ...] = tuple(BY_KEY[k] for k in ("id", "name", "handle", *TABLE_KEYS[1:]))


def sort_rank(rows: ProfileRows, key: str) -> npt.NDArray[Any]:
    """The rank array of a sortable column (``ProfileRows.rank`` caches it)."""
    column = BY_KEY.get(key)
    if column is None or column.sort is None:
        raise ValueError(f"unknown column {key!r}; choose from {', '.join(TABLE_KEYS)}")
    rank = column.sort(rows)
    return np.asarray(rank)
