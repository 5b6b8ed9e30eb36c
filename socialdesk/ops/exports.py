"""Exports: all groups, or rows of the profile list, to CSV or XLSX (the export dialog, ``groups export``).

An export writes a file, not the workspace: it returns its ``ExportResult`` (no change to announce).
The writer works on a temporary file renamed at the end, so a cancelled or failed export leaves
nothing behind; ``progress`` and ``cancel`` are called from the thread that runs the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from socialdesk.services import export as export_service
from socialdesk.services.export import Cancel, Progress
from socialdesk.services.export import ExportCancelled as ExportCancelled
from socialdesk.services.export import ExportFormat as ExportFormat
from socialdesk.services.export import ExportResult as ExportResult
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace as Workspace

__all__ = ["ExportCancelled", "ExportFormat", "ExportResult", "Workspace", "export_groups", "export_profiles"]


def export_groups(
    workspace: Workspace,
    path: Path,
    fmt: str | ExportFormat | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """Every group's profiles, nested groups included, one row each (a read: no write lock)."""
    with workspace.reading() as s:
        return export_service.export_groups(s, path, fmt, progress=progress, cancel=cancel)


def export_profiles(
    rows: ProfileRows,
    selected: Sequence[int],
    path: Path,
    fmt: str | ExportFormat | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ExportResult:
    """The profile list's rows ``selected`` (row indexes, as filtered and sorted), from the list the
    window loaded (``rows``, the shared read model): no database access, so a worker may run it."""
    return export_service.export_profiles(rows, selected, path, fmt, progress=progress, cancel=cancel)
