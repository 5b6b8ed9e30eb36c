"""Profile operations: what the profiles window and the profile commands do to one profile or many.

Each function opens its own unit of work and reads *me* inside it (the rules are asked for the member
the workspace says runs the app, at the moment of the change). Writes return ``Done`` with a PROFILES
change naming the profiles; a refusal raises ``SocialDeskError`` with the rule's reason, nothing
written. Bulk steps (plan, apply) are ``BulkJob`` records run by ``run_bulk`` in a worker or a child
process (``ui/bulk_task.py``); a bulk plan and its result are records too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialdesk.models.catalogue import Role
from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import bulk as bulk_service
from socialdesk.services import details as details_service
from socialdesk.services import importer as importer_service
from socialdesk.services import members as members_service
from socialdesk.services import profiles as profiles_service
from socialdesk.services.bulk import (
    CHUNK,
    SHOWN,
    BulkCancelled,
    BulkItem,
    BulkJob,
    BulkPlan,
    BulkResult,
    Impact,
)
from socialdesk.services.details import AuditLine, ProfileDetails
from socialdesk.services.profiles import ParsedProfileRef, parse_profile_ref
from socialdesk.services.rules import Actor, Decision, can_share_with, can_write
from socialdesk.services.settings import ProfileSettings, SyncState
from socialdesk.services.workspace import Workspace

__all__ = [
    "CHUNK",
    "SHOWN",
    "Added",
    "AuditLine",
    "BulkCancelled",
    "BulkItem",
    "BulkJob",
    "BulkPlan",
    "BulkResult",
    "History",
    "Impact",
    "ImportOutcome",
    "ParsedProfileRef",
    "ProfileDetails",
    "ProfileSettings",
    "Recipients",
    "Selection",
    "SyncState",
    "add_public",
    "bulk_job",
    "child_main",
    "decode",
    "details",
    "edit",
    "history",
    "import_profiles",
    "me",
    "parse_profile_ref",
    "plan",
    "remove_ownership",
    "run_bulk",
    "selection",
    "share_recipients",
]


@dataclass(frozen=True, slots=True)
class Selection:
    """What the window needs for its actions when the selection changes."""

    actor: Actor | None
    writable: Decision  # rules.can_write for me: adding, editing, bulk actions
    details: ProfileDetails | None  # the one selected profile in full, else None


@dataclass(frozen=True, slots=True)
class Added:
    profile_id: int
    restored: bool  # a deleted profile came back instead of a new one


@dataclass(frozen=True, slots=True)
class History:
    title: str
    lines: tuple[AuditLine, ...]


@dataclass(frozen=True, slots=True)
class Recipients:
    """Whom a share may go to: (member id, name, role value) for each member ``can_share_with`` allows,
    and who already has it (a single profile's shares)."""

    members: tuple[tuple[int, str, str], ...]
    already: frozenset[int]


def _profiles(ids: Sequence[int], message: str = "") -> Change:
    return Change.of(Kind.PROFILES, profile_ids=ids, message=message)


def me(workspace: Workspace) -> Actor | None:
    with workspace.reading() as s:
        return members_service.me_actor(s)


def selection(workspace: Workspace, ids: Sequence[int]) -> Selection:
    """*Me*, whether I may write, and the details of a single selected profile (a read; never waits)."""
    with workspace.reading() as s:
        actor = members_service.me_actor(s)
        shown = details_service.load(s, ids[0], actor) if len(ids) == 1 else None
    return Selection(actor, can_write(actor), shown)


def details(workspace: Workspace, profile_id: int) -> ProfileDetails:
    with workspace.reading() as s:
        return details_service.load(s, profile_id, members_service.me_actor(s))


def edit(workspace: Workspace, profile_id: int, fields: dict[str, Any]) -> Done[None]:
    """Save the edited fields (display_name, url, notes, acquire_data, acquire_messages)."""
    with workspace.session() as s:
        profiles_service.edit_profile(s, members_service.me_actor(s), profile_id, **fields)
    return Done(None, _profiles([profile_id], "Saved"))


def add_public(
    workspace: Workspace, platform: str, handle: str, kind: str | None = None, display_name: str | None = None
) -> Done[Added]:
    """Track a public profile (or restore the deleted one with that handle)."""
    with workspace.session() as s:
        profile, restored = profiles_service.add_public_profile(
            s, members_service.me_actor(s), platform, handle, kind=kind, display_name=display_name
        )
        s.flush()
        added = Added(profile.id, restored)
    message = f"Restored the deleted profile @{handle}" if restored else f"Added @{handle}"
    return Done(added, _profiles([added.profile_id], message))


def remove_ownership(workspace: Workspace, profile_id: int) -> Done[None]:
    with workspace.session() as s:
        profiles_service.remove_ownership(s, members_service.me_actor(s), profile_id)
    return Done(None, _profiles([profile_id], "Removed your ownership"))


def plan(workspace: Workspace, action: str, ids: Sequence[int]) -> BulkPlan:
    """A plan on the calling thread, for a small selection (one profile's confirmation)."""
    with workspace.reading() as s:
        return bulk_service.plan(s, members_service.me_actor(s), action, ids)


def share_recipients(workspace: Workspace, profiles: Sequence[int]) -> Recipients:
    """Members a share of these profiles may go to, as ``rules.can_share_with`` decides per profile (a
    member is offered when the rule allows at least one of them); ``already``: a single profile's shares."""
    with workspace.reading() as s:
        actor = members_service.me_actor(s)
        views = profiles_service.views(s, list(profiles))
        offered = []
        for m in members_service.active_members(s):
            role = Role(m.role)
            if actor is not None and m.id == actor.id:
                continue  # oneself: an owner already
            if any(can_share_with(actor, v, m.id, role) for v in views.values()):
                offered.append((m.id, m.name, m.role))
        already: frozenset[int] = frozenset()
        if len(views) == 1:
            (view,) = views.values()
            already = frozenset(view.shared_with)
    return Recipients(tuple(offered), already)


def history(workspace: Workspace, profile_id: int) -> History:
    with workspace.reading() as s:
        profile = profiles_service.get_profile(s, profile_id, include_deleted=True)
        return History(profile.display_name, details_service.history(s, profile_id))


# -- bulk steps ---------------------------------------------------------------------------------------------


def bulk_job(workspace: Workspace, step: str, action: str, ids: Sequence[int], **options: Any) -> BulkJob:
    return BulkJob(str(workspace.data_dir), step, action, tuple(ids), **options)


def run_bulk(
    job: BulkJob,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workspace: Workspace | None = None,
) -> BulkPlan | BulkResult:
    """One bulk step in one unit of work (a plan reads; an apply writes, all or nothing)."""
    return bulk_service.run_job(job, progress, cancelled, workspace)


def changed_by(result: BulkResult, membership: bool) -> Change:
    """The change a bulk apply made: its profiles; a delete or restore changes the list itself."""
    return Change.of(Kind.PROFILES, profile_ids=() if membership else result.done)


child_main = bulk_service.child_main
decode = bulk_service.decode


# -- the command line's import ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    lines: tuple[str, ...]  # the preview, as text (file text: print it terminal-safe)
    can_apply: bool
    applied: bool
    added: int = 0
    restored: int = 0


def import_profiles(
    workspace: Workspace,
    path: Path,
    *,
    apply: bool,
    previewed: Callable[[tuple[str, ...]], None] | None = None,
) -> Done[ImportOutcome]:
    """Preview a list of public profiles; with ``apply``, add all of them or nothing, in one unit of work.

    ``previewed`` gets the preview's lines before anything is applied (so a refusal follows them)."""
    with workspace.session() as s:
        preview = importer_service.preview_profiles_import(s, path)
        lines = tuple(preview.lines())
        if previewed is not None:
            previewed(lines)
        if not apply:
            return Done(ImportOutcome(lines, preview.can_apply, False))
        result = importer_service.apply_profiles_import(s, members_service.me_actor(s), preview)
    outcome = ImportOutcome(lines, preview.can_apply, True, len(result.added), len(result.restored))
    return Done(outcome, Change.of(Kind.PROFILES, message=f"Imported {outcome.added + outcome.restored}"))
