"""Exports to CSV and XLSX: all profile groups (PRODUCT.md §6), and the profile list as the window shows it.

Both formats are written to a temporary file next to the target and renamed over it at the end, so
a cancelled or failed export never leaves a half-written file (and an existing file stays intact).
Long exports report progress and can be cancelled: ``progress(done, total)`` and ``cancel()`` are
called from the worker thread every ``CHUNK`` rows; nothing here touches Qt.

Spreadsheet safety: text that a spreadsheet would run as a formula — starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return — is prefixed with an apostrophe in both formats, and XLSX
cells are always written as strings, never formulas. ``restore_text`` undoes the prefix on import.

CSV is UTF-8 with a byte-order mark, comma-separated, CRLF line ends and a header row: without the
BOM, Excel on Windows reads UTF-8 as the local code page and garbles names like "Zürich" or "東京".
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import (
    KIND_LABELS,
    PLATFORMS,
    ConnectionState,
    ConnectionType,
    Status,
)
from socialdesk.models.schema import Profile
from socialdesk.services.clock import iso
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.groups import PATH_SEPARATOR, GroupGraph
from socialdesk.services.query import ProfileRows

#: Progress and cancellation are checked every this many rows.
CHUNK = 500
#: First characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_SPECIAL_START = FORMULA_TRIGGERS | {"'"}
#: Characters XML 1.0 (and so XLSX) cannot hold; they are dropped from XLSX cells.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MIN_WIDTH, MAX_WIDTH = 8, 60
#: Rows looked at to size the XLSX columns of a long export.
WIDTH_SAMPLE = 500

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ExportCancelled(SocialDeskError):
    def __init__(self) -> None:
        super().__init__("The export was cancelled; no file was written")


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: ExportFormat
    #: Data rows written (the header not counted).
    rows: int


# -- formula neutralisation -------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Text that already starts with apostrophes before a trigger gets one more, so that
    ``restore_text`` gives back exactly the original.
    """
    bare = text.lstrip("'")
    if bare and bare[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def restore_text(text: str) -> str:
    """Undo ``neutralise`` (used when importing a file we exported)."""
    if text.startswith("'"):
        bare = text.lstrip("'")
        if bare and bare[0] in FORMULA_TRIGGERS:
            return text[1:]
    return text


def format_for(path: Path, fmt: str | ExportFormat | None = None) -> ExportFormat:
    """The format asked for, or the one the file name's suffix names."""
    if fmt is not None:
        try:
            return ExportFormat(str(fmt).lower())
        except ValueError:
            raise SocialDeskError(f"Cannot export as {fmt!r}; choose csv or xlsx") from None
    suffix = path.suffix.lower().lstrip(".")
    try:
        return ExportFormat(suffix)
    except ValueError:
        raise SocialDeskError(
            f"Cannot tell the format from {path.name!r}; name the file .csv or .xlsx or choose a format"
        ) from None


# -- the writer ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    sheet: str
    header: tuple[str, ...]
    #: Columns holding text people typed (names, handles): neutralised, cleaned for XML.
    text_columns: tuple[int, ...]
    widths: tuple[float, ...]


def _check_target(path: Path) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        raise SocialDeskError(f"{path} is a folder; choose a file name to export to")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise SocialDeskError(f"The folder {parent} does not exist; choose another place to export to")
    return path


def _temp_beside(path: Path) -> Path:
    """A new, empty file next to ``path`` (same file system, so the final rename is atomic)."""
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            with tmp.open("xb"):
                return tmp
        except FileExistsError:
            continue


def _write(
    path: Path,
    fmt: ExportFormat,
    table: _Table,
    rows: Iterable[list[Any]],
    total: int,
    progress: Progress | None,
    cancel: Cancel | None,
) -> ExportResult:
    target = _check_target(path)
    try:
        tmp = _temp_beside(target)
    except OSError as exc:
        raise SocialDeskError(
            f"Cannot write to {target.parent}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc

    def tick(done: int) -> None:
        if cancel is not None and cancel():
            raise ExportCancelled
        if progress is not None:
            progress(done, total)

    try:
        tick(0)
        if fmt is ExportFormat.CSV:
            written = _write_csv(tmp, table, rows, tick)
        else:
            written = _write_xlsx(tmp, table, rows, tick)
        if progress is not None:
            progress(total, total)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SocialDeskError(
            f"Cannot write {target}: {exc.strerror or exc}. Nothing was exported; "
            "check the disk has room and the file is not open in another program."
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(target, fmt, written)


def _prepare(values: list[Any], text_columns: tuple[int, ...], xlsx: bool) -> list[Any]:
    for i in text_columns:
        value = values[i]
        if not value:
            continue
        if value[0] in _SPECIAL_START:
            value = neutralise(value)
        if xlsx and _ILLEGAL_XML.search(value):
            value = _ILLEGAL_XML.sub("", value)
        values[i] = value
    return values


def _write_csv(tmp: Path, table: _Table, rows: Iterable[list[Any]], tick: Callable[[int], None]) -> int:
    import csv

    cols = table.text_columns
    done = 0
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(table.header)
        chunk: list[list[Any]] = []
        for values in rows:
            chunk.append(_prepare(values, cols, False))
            if len(chunk) == CHUNK:
                writer.writerows(chunk)
                done += len(chunk)
                chunk.clear()
                tick(done)
        writer.writerows(chunk)
        done += len(chunk)
    return done


def _write_xlsx(tmp: Path, table: _Table, rows: Iterable[list[Any]], tick: Callable[[int], None]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(table.sheet)
    for i, width in enumerate(table.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE3EA")
    border = Border(bottom=Side(style="thin", color="8A96A3"))
    align = Alignment(vertical="center")
    header = []
    for title in table.header:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill, cell.border, cell.alignment = font, fill, border, align
        header.append(cell)
    done = 0
    cols = table.text_columns
    try:
        ws.append(header)
        append = ws.append
        for values in rows:
            append(_prepare(values, cols, True))
            done += 1
            if done % CHUNK == 0:
                tick(done)
        last = get_column_letter(len(table.header))
        ws.auto_filter.ref = f"A1:{last}{done + 1}"
        wb.save(tmp)
    except BaseException:
        # openpyxl streams the sheet into its own temporary file; remove it with ours.
        # Close its row stream first, or the stream fails later when garbage-collected.
        for step in ("_rows.close", "_writer.close", "_writer.cleanup"):
            owner, method = step.split(".")
            target = getattr(ws, owner, None)
            if target is not None:
                with contextlib.suppress(Exception):  # best effort on an error path
                    getattr(target, method)()
        raise
    return done


def _widths(header: Sequence[str], sample: Iterable[Sequence[Any]]) -> tuple[float, ...]:
    widest = [len(h) for h in header]
    for values in sample:
        for i, value in enumerate(values):
            if value is None:
                continue
            n = 19 if isinstance(value, datetime) else len(str(value))
            if n > widest[i]:
                widest[i] = n
    return tuple(float(min(max(n + 2, MIN_WIDTH), MAX_WIDTH)) for n in widest)


# -- all groups ----------------------------------------------------------------------------------------

GROUP_COLUMNS: tuple[str, ...] = (
    "Group ID",
    "Group name",
    "Profile (handle)",
    "Profile ID",
    "Profile display name",
    "Platform",
    "Group path",
    "Group colour",
)
GROUP_SHEET = "Profile groups"
_GROUP_TEXT_COLUMNS = (1, 2, 4, 6)


@dataclass(frozen=True, slots=True)
class GroupExportRow:
    """One exported row: a profile reached from a group, or an empty group (profile fields None)."""

    group_id: int
    group_name: str
    handle: str | None
    profile_id: int | None
    display_name: str | None
    platform: str | None
    #: Group names from the exported group down to the group that holds the profile.
    path: tuple[str, ...]
    color: str

    def values(self) -> list[Any]:
        label = PLATFORMS[self.platform].label if self.platform in PLATFORMS else self.platform
        return [
            self.group_id,
            self.group_name,
            self.handle,
            self.profile_id,
            self.display_name,
            label,
            PATH_SEPARATOR.join(self.path),
            self.color,
        ]


def group_export_rows(session: Session) -> list[GroupExportRow]:
    """Every group by name; in each, its profiles in item order, nested groups expanded in place.

    Deleted profiles are left out; a group (or nested group) that reaches no profile gets one row
    with empty profile fields, so it still shows in the file.
    """
    graph = GroupGraph.load(session)
    wanted = {r.id for refs in graph.items.values() for r in refs if r.kind == "profile"}
    profiles: dict[int, tuple[str, str, str]] = {}
    if wanted:
        for pid, handle, name, plat in session.execute(
            select(Profile.id, Profile.handle, Profile.display_name, Profile.platform).where(
                Profile.id.in_(wanted), Profile.deleted_at.is_(None)
            )
        ):
            profiles[pid] = (handle, name, plat)
    out: list[GroupExportRow] = []
    for gid in graph.sorted_ids():
        name, color = graph.names[gid], graph.colors[gid]
        for row in graph.walk(gid, visible=profiles.__contains__):
            path = graph.path_names(row.path)
            if row.profile_id is None:
                out.append(GroupExportRow(gid, name, None, None, None, None, path, color))
            else:
                handle, display, plat = profiles[row.profile_id]
                out.append(GroupExportRow(gid, name, handle, row.profile_id, display, plat, path, color))
    return out


def export_groups(
    session: Session,
    path: Path,
    fmt: str | ExportFormat | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """Write all groups to ``path`` as CSV or XLSX (columns: ``GROUP_COLUMNS``)."""
    fmt = format_for(Path(path), fmt)
    records = [r.values() for r in group_export_rows(session)]
    table = _Table(GROUP_SHEET, GROUP_COLUMNS, _GROUP_TEXT_COLUMNS, _widths(GROUP_COLUMNS, records))
    return _write(Path(path), fmt, table, records, len(records), progress, cancel)


# -- the profile list ------------------------------------------------------------------------------------

PROFILE_COLUMNS: tuple[str, ...] = (
    "ID",
    "Name",
    "Handle",
    "Platform",
    "Kind",
    "Ownership",
    "Connection status",
    "Connections",
    "Owners",
    "Groups",
    "Added (UTC)",
)
PROFILE_SHEET = "Profiles"
_PROFILE_TEXT_COLUMNS = (1, 2, 8, 9)
_STATUS_TEXT = {
    Status.EXPIRED: "Expired",
    Status.CONNECTED: "Connected",
    Status.NOT_CONNECTED: "Not connected",
}
_STATE_TEXT = {
    ConnectionState.ACTIVE: "active",
    ConnectionState.EXPIRED: "expired",
    ConnectionState.NOT_ESTABLISHED: "not established",
}


def profile_records(rows: ProfileRows, selected: Iterable[int], *, xlsx: bool) -> Iterator[list[Any]]:
    """The exported values of the given rows, in that order (text not yet neutralised).

    ``xlsx`` keeps the date a real date cell; CSV gets ISO 8601 text like the command line.
    """
    platform_label = {k: p.label for k, p in PLATFORMS.items()}
    kind_label = KIND_LABELS
    conn_text: dict[tuple[tuple[ConnectionType, ConnectionState], ...], str] = {}
    ids, names, handles, plats, kinds = rows.ids, rows.display_name, rows.handle, rows.platform, rows.kind
    ownership, status, conns, owners, groups, added = (
        rows.ownership,
        rows.status,
        rows.connections,
        rows.owners,
        rows.groups,
        rows.added_at,
    )
    for r in selected:
        states = conns[r]
        text = conn_text.get(states)
        if text is None:
            text = "; ".join(f"{t.label}: {_STATE_TEXT[s]}" for t, s in states)
            conn_text[states] = text
        kind = kinds[r]
        yield [
            ids[r],
            names[r],
            handles[r],
            platform_label.get(plats[r], plats[r]),
            kind_label.get(kind, kind),
            ownership[r].label,
            _STATUS_TEXT[status[r]],
            text,
            "; ".join(owners[r]),
            "; ".join(groups[r]),
            added[r] if xlsx else iso(added[r]),
        ]


def export_profiles(
    rows: ProfileRows,
    selected: Sequence[int],
    path: Path,
    fmt: str | ExportFormat | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """Write the profile list rows ``selected`` (row indexes, as filtered and sorted) to CSV or XLSX.

    Reads only the already loaded ``rows`` (no database access), so a GUI worker thread may run it
    while the window keeps its model.
    """
    fmt = format_for(Path(path), fmt)
    xlsx = fmt is ExportFormat.XLSX
    sample = profile_records(rows, selected[:WIDTH_SAMPLE], xlsx=xlsx)
    table = _Table(PROFILE_SHEET, PROFILE_COLUMNS, _PROFILE_TEXT_COLUMNS, _widths(PROFILE_COLUMNS, sample))
    records = profile_records(rows, selected, xlsx=xlsx)
    return _write(Path(path), fmt, table, records, len(selected), progress, cancel)
