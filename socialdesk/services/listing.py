"""Turning selected profile rows into records for the command line (JSON, CSV, table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection as DbConnection

from socialdesk.models.catalogue import ConnectionState
from socialdesk.services import columns
from socialdesk.services.cells import terminal_text
from socialdesk.services.clock import iso
from socialdesk.services.query import ProfileRows


def load_grants(
    conn: DbConnection, profile_ids: Sequence[int]
) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """Grants per (profile id, connection type), as ``{member, state, expires_at}``: only the given
    profiles' (not every grant of the workspace)."""
    out: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    if not profile_ids:
        return out
    query = text(
        "SELECT c.profile_id, c.type, m.name, g.state, g.expires_at FROM grants g "
        "JOIN connections c ON c.id = g.connection_id JOIN members m ON m.id = g.member_id "
        "WHERE c.profile_id IN (SELECT value FROM json_each(:ids)) ORDER BY g.id"
    )
    ids = "[" + ",".join(str(int(i)) for i in profile_ids) + "]"
    for pid, ctype, member, state, expires in conn.execute(query, {"ids": ids}):
        out[(pid, ctype)].append({"member": member, "state": state, "expires_at": _iso_text(expires)})
    return out


def _iso_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace(" ", "T").split(".")[0] + "Z"
    return iso(value)


def json_records(rows: ProfileRows, selected: Sequence[int], conn: DbConnection) -> list[dict[str, Any]]:
    """The command line's JSON: each object is the registry's JSON values (``columns.CLI_JSON``),
    with each established connection's grants added (they are not a column of the read model)."""
    grants = load_grants(conn, [rows.ids[r] for r in selected])
    out = []
    for r in selected:
        record = {c.name: c.json_value(rows, r) for c in columns.CLI_JSON}
        pid = record["id"]
        for connection in record["connections"]:
            established = connection["state"] != ConnectionState.NOT_ESTABLISHED.value
            connection["grants"] = grants.get((pid, connection["type"]), []) if established else []
        out.append(record)
    return out


CSV_HEADER = tuple(c.name for c in columns.CLI_CSV)


def csv_records(rows: ProfileRows, selected: Sequence[int]) -> list[list[str]]:
    out = []
    for r in selected:
        out.append(["" if (v := c.value(rows, r)) is None else str(v) for c in columns.CLI_CSV])
    return out


TABLE_HEADER = tuple(c.title for c in columns.CLI_TABLE)


def table_records(rows: ProfileRows, selected: Sequence[int]) -> list[tuple[str, ...]]:
    return [tuple(c.text(rows, r) for c in columns.CLI_TABLE) for r in selected]


def format_table(header: Sequence[str], records: Sequence[Sequence[str]], max_width: int = 34) -> str:
    """A plain-text table for a terminal; control and bidi characters in cells are shown escaped."""

    def cut(value: str) -> str:
        value = terminal_text(value)
        return value if len(value) <= max_width else value[: max_width - 1] + "…"

    cells = [[cut(c) for c in header]] + [[cut(c) for c in rec] for rec in records]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)
