"""Imports: groups from a file of the export's shape, public profiles from a list (the import dialog,
``groups import``, ``profiles import``).

A preview reads the file against the workspace and changes nothing; applying makes exactly the
previewed changes, all or nothing, and refuses with ``ImportChangedError`` when the workspace changed
in between (preview again). A file that cannot be read raises ``ImportFileError`` with one message.
"""

from __future__ import annotations

from pathlib import Path

from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import importer
from socialdesk.services import members as members_service
from socialdesk.services.groups import can_change_groups
from socialdesk.services.importer import GroupChange as GroupChange
from socialdesk.services.importer import GroupsImportPreview as GroupsImportPreview
from socialdesk.services.importer import GroupsImportResult as GroupsImportResult
from socialdesk.services.importer import ImportChangedError as ImportChangedError
from socialdesk.services.importer import ImportFileError as ImportFileError
from socialdesk.services.importer import ProfileRowPlan as ProfileRowPlan
from socialdesk.services.importer import ProfilesImportPreview as ProfilesImportPreview
from socialdesk.services.importer import ProfilesImportResult as ProfilesImportResult
from socialdesk.services.importer import Progress
from socialdesk.services.rules import Decision
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "GroupChange",
    "GroupsImportPreview",
    "GroupsImportResult",
    "ImportChangedError",
    "ImportFileError",
    "ProfileRowPlan",
    "ProfilesImportPreview",
    "ProfilesImportResult",
    "Workspace",
    "apply_groups",
    "apply_profiles",
    "can_import_groups",
    "preview_groups",
    "preview_profiles",
]


def preview_groups(workspace: Workspace, path: Path) -> GroupsImportPreview:
    with workspace.reading() as s:
        return importer.preview_groups_import(s, path)


def preview_profiles(workspace: Workspace, path: Path) -> ProfilesImportPreview:
    with workspace.reading() as s:
        return importer.preview_profiles_import(s, path)


def can_import_groups(workspace: Workspace) -> Decision:
    """Importing groups changes them: anyone who may change groups (not an Analyst)."""
    with workspace.reading() as s:
        return can_change_groups(members_service.me_actor(s))


def apply_groups(workspace: Workspace, preview: GroupsImportPreview) -> Done[GroupsImportResult]:
    with workspace.session() as s:
        result = importer.apply_groups_import(s, members_service.me_actor(s), preview)
    message = f"Imported groups: {len(result.created)} created, {len(result.changed)} changed."
    return Done(result, Change.of(Kind.GROUPS, message=message))


def apply_profiles(
    workspace: Workspace, preview: ProfilesImportPreview, *, progress: Progress | None = None
) -> Done[ProfilesImportResult]:
    with workspace.session() as s:
        result = importer.apply_profiles_import(s, members_service.me_actor(s), preview, progress=progress)
    message = f"Imported profiles: {len(result.added)} added, {len(result.restored)} restored."
    ids = (*result.added, *result.restored)
    return Done(result, Change.of(Kind.PROFILES, profile_ids=ids, message=message))
