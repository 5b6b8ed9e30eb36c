"""Exports to CSV and XLSX: all profile groups (docs/product.md §6), and the profile list as the window
shows it.

Both formats are written to a temporary file next to the target and renamed over it at the end, so
a cancelled or failed export never leaves a half-written file (and an existing file stays intact).
Long exports report progress and can be cancelled: ``progress(done, total)`` and ``cancel()`` are
called from the worker thread every ``CHUNK`` rows; nothing here touches Qt.

Spreadsheet safety lives in ``services.cells`` and is applied HERE, where rows become cells: every
cell of every row the writer gets goes through ``cells.csv_row`` or ``cells.xlsx_row``, whatever
built the row, so no column can be left out. Text that a spreadsheet would run as a formula gets a
leading apostrophe; XLSX cells are string cells, never formulas. ``cells.restore`` undoes it.

Leftovers: the temporary file is named ``.NAME.sdexport-HOST-PID-XXXXXXXX.part``, and the sheet
that openpyxl streams while an XLSX is written goes beside it as ``….sheet.part`` (not into the
system temp folder as ``openpyxl.*``, where nothing could tell it from another program's). A killed
export leaves them behind; the next export into that folder removes those whose process (HOST is a
short hash of this computer's name, PID its process id) no longer runs, and those of another
computer older than ``STALE_AFTER`` seconds (a folder may be shared). Nothing else is touched.

CSV is UTF-8 with a byte-order mark, comma-separated, CRLF line ends and a header row: without the
BOM, Excel on Windows reads UTF-8 as the local code page and garbles names like "Zürich" or "東京".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import (
    PLATFORMS,
)
from socialdesk.models.schema import Profile
from socialdesk.services import cells
from socialdesk.services import columns as registry
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.groups import PATH_SEPARATOR, GroupGraph
from socialdesk.services.query import ProfileRows

#: Progress and cancellation are checked every this many rows.
CHUNK = 500
#: A temporary file of another computer older than this (seconds) is a leftover of a killed export.
STALE_AFTER = 24 * 60 * 60
_PART_MARK = ".sdexport-"
_PART_RE = re.compile(r"\..+\.sdexport-([0-9a-f]{6})-([0-9]+)-[0-9a-f]{8}(?:\.sheet)?\.part")
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


# -- formula neutralisation (kept here for callers that import it from the export) --------------------

neutralise = cells.neutralise
restore_text = cells.restore
FORMULA_TRIGGERS = cells.FORMULA_TRIGGERS


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
    widths: tuple[float, ...]


#: Rows ready to write: text already neutralised (and cleaned for XML when writing XLSX).
Chunk = Sequence[Sequence[Any]]


def _check_target(path: Path) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        raise SocialDeskError(f"{path} is a folder; choose a file name to export to")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise SocialDeskError(f"The folder {parent} does not exist; choose another place to export to")
    return path


def _host_mark() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or a value we cannot check: leave its file alone
    return True


def remove_stale_parts(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files killed exports left in ``folder`` (see the module docstring)."""
    removed: list[Path] = []
    host = _host_mark()
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = _PART_RE.fullmatch(entry.name)
        if found is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if found.group(1) == host:
                stale = not _running(int(found.group(2)))
            else:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            if stale:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove: the export itself goes on
    return removed


def _temp_beside(path: Path) -> Path:
    """A new, empty file next to ``path`` (same file system, so the final rename is atomic)."""
    mark = f"{_PART_MARK}{_host_mark()}-{os.getpid()}-"
    while True:
        tmp = path.with_name(f".{path.name}{mark}{secrets.token_hex(4)}.part")
        try:
            with tmp.open("xb"):
                return tmp
        except FileExistsError:
            continue


def _write(
    path: Path,
    fmt: ExportFormat,
    table: _Table,
    chunks: Iterable[Chunk],
    total: int,
    progress: Progress | None,
    cancel: Cancel | None,
) -> ExportResult:
    target = _check_target(path)
    remove_stale_parts(target.parent if str(target.parent) else Path("."))
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
            written = _write_csv(tmp, table, chunks, tick)
        else:
            written = _write_xlsx(tmp, table, chunks, tick)
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


def _write_csv(tmp: Path, table: _Table, chunks: Iterable[Chunk], tick: Callable[[int], None]) -> int:
    import csv

    done = 0
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = cells.SafeCsvWriter(csv.writer(fh))
        writer.writerow(table.header)
        for chunk in chunks:
            writer.writerows(chunk)
            done += len(chunk)
            tick(done)
    return done


def _write_xlsx(tmp: Path, table: _Table, chunks: Iterable[Chunk], tick: Callable[[int], None]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter

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
    # openpyxl streams the sheet into a temporary file of its own; put it beside ours, under a name
    # the next export recognises, instead of an anonymous ``openpyxl.*`` in the system temp folder.
    # (``write_top`` writes the sheet's views and widths: everything above is set first.)
    sheet_tmp = str(tmp.with_name(tmp.name[: -len(".part")] + ".sheet.part"))
    ALL_TEMP_FILES.append(sheet_tmp)  # openpyxl removes it from this list (and the disk) when done
    done = 0
    try:
        ws._writer = WorksheetWriter(ws, out=sheet_tmp)
        ws._writer.write_top()
        ws.append(header)
        append = ws.append
        for chunk in chunks:
            for values in chunk:
                append(cells.xlsx_row(values, ws))
            done += len(chunk)
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
        with contextlib.suppress(OSError):
            os.unlink(sheet_tmp)
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
    table = _Table(GROUP_SHEET, GROUP_COLUMNS, _widths(GROUP_COLUMNS, records))
    chunks = [records[i : i + CHUNK] for i in range(0, len(records), CHUNK)]
    return _write(Path(path), fmt, table, chunks, len(records), progress, cancel)


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


def profile_chunks(
    rows: ProfileRows, selected: Sequence[int], *, xlsx: bool
) -> Iterator[list[tuple[Any, ...]]]:
    """The exported rows, ``CHUNK`` at a time, in the order of ``selected`` (row indexes).

    Built column by column with C-level helpers (``itemgetter``, ``map``, ``zip``): at 100,000 rows
    this costs a fraction of writing them. ``xlsx`` keeps the date a real date cell; CSV gets
    ISO 8601 text like the command line. The writer makes the cells safe (``services.cells``).
    """

    for start in range(0, len(selected), CHUNK):
        chunk = selected[start : start + CHUNK]
        columns: list[Iterable[Any]] = [
            c.export(rows, chunk, xlsx)
            for c in registry.EXPORT  # one declaration per column
        ]
        yield list(zip(*columns, strict=True))


def profile_records(rows: ProfileRows, selected: Sequence[int], *, xlsx: bool) -> Iterator[tuple[Any, ...]]:
    """The exported values of the given rows one by one, before the writer makes them safe cells."""
    for chunk in profile_chunks(rows, selected, xlsx=xlsx):
        yield from chunk


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
    table = _Table(PROFILE_SHEET, PROFILE_COLUMNS, _widths(PROFILE_COLUMNS, sample))
    chunks = profile_chunks(rows, selected, xlsx=xlsx)
    return _write(Path(path), fmt, table, chunks, len(selected), progress, cancel)
