"""Per-profile platform settings: read, check, save then push; the push queue; the Live Chat embed code.

What the profile manager, the main window's push queue and ``socialdesk settings`` do. The one
sequence "save, then push when the save left the settings pending" is :func:`save_and_push`
(``services.rules.push_after_save`` decides); the profile manager uses its first half,
:func:`save`, on the GUI thread and queues the push with :func:`push` on a worker, the command line
runs both at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from socialdesk.models.catalogue import PLATFORMS, ConnectionState
from socialdesk.ops.changes import NOTHING, Change, Done, Kind
from socialdesk.services import flows as flows_service
from socialdesk.services import livechat, settings_push
from socialdesk.services import members as members_service
from socialdesk.services import settings as settings_service
from socialdesk.services.profiles import connection_states, get_profile
from socialdesk.services.rules import Decision, can_push_now, push_after_save
from socialdesk.services.settings import Checked as Checked
from socialdesk.services.settings import ProfileSettings as ProfileSettings
from socialdesk.services.settings import Saved as Saved
from socialdesk.services.settings import SyncState as SyncState
from socialdesk.services.settings_push import Credentials as Credentials
from socialdesk.services.settings_push import Grantee as Grantee
from socialdesk.services.settings_push import PushOutcome as PushOutcome
from socialdesk.services.settings_push import hhmm as hhmm
from socialdesk.services.settings_push import no_credentials as no_credentials
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "DEFAULT_SCRIPT_URL",
    "Checked",
    "Credentials",
    "Grantee",
    "ProfileSettings",
    "PushOutcome",
    "Saved",
    "SavedAndPushed",
    "SettingsView",
    "SyncState",
    "Workspace",
    "check",
    "embed_code",
    "flow_names",
    "hhmm",
    "load",
    "needs_push",
    "no_credentials",
    "push",
    "push_after_reconnect",
    "push_decision",
    "push_due",
    "queued_ids",
    "require_profiles",
    "save",
    "save_and_push",
    "view",
    "workspace_credentials",
]

DEFAULT_SCRIPT_URL = livechat.DEFAULT_SCRIPT_URL


@dataclass(frozen=True, slots=True)
class SettingsView:
    """What the profile manager shows for one profile: its settings, the flows, and who may edit."""

    settings: ProfileSettings
    flows: tuple[str, ...]
    #: Whether *I* may change these settings (Administrators only), with the reason when not.
    decision: Decision


@dataclass(frozen=True, slots=True)
class SavedAndPushed:
    saved: Saved
    #: The push that followed the save (None: nothing needed sending).
    outcome: PushOutcome | None


def workspace_credentials(workspace: Workspace) -> Credentials:
    """Where pushes get ``(api_base_url, access_token)``: ``providers.toml`` and this computer's keyring."""
    return settings_push.workspace_credentials(workspace)


def _settings_change(profile_id: int, message: str) -> Change:
    return Change.of(Kind.SETTINGS, Kind.PROFILES, profile_ids=(profile_id,), message=message)


# -- reading ------------------------------------------------------------------------------------------


def load(workspace: Workspace, profile_id: int) -> ProfileSettings:
    with workspace.reading() as s:
        return settings_service.load(s, profile_id)


def view(workspace: Workspace, profile_id: int) -> SettingsView:
    """One read for showing a profile's form: its settings, the flow names and my right to edit."""
    with workspace.reading() as s:
        loaded = settings_service.load(s, profile_id)
        flows = tuple(f.name for f in flows_service.list_flows(s))
        decision = settings_service.can_edit_settings(members_service.me_actor(s))
    return SettingsView(loaded, flows, decision)


def push_decision(workspace: Workspace, loaded: ProfileSettings) -> Decision:
    """Whether "Push now" can send this profile's saved settings now, and why not (its tooltip)."""
    ctype = loaded.spec.push_connection
    if not loaded.spec.pushes or ctype is None:
        return can_push_now(False, None, "")
    with workspace.reading() as s:
        state = connection_states(s, loaded.profile_id).get(ctype, ConnectionState.NOT_ESTABLISHED)
    waiting = loaded.sync_state in (SyncState.PENDING, SyncState.FAILED)
    return can_push_now(waiting, state, f"{PLATFORMS[loaded.platform].label} {ctype.label}")


def flow_names(workspace: Workspace) -> tuple[str, ...]:
    with workspace.reading() as s:
        return tuple(f.name for f in flows_service.list_flows(s))


def check(workspace: Workspace, profile_id: int, values: Mapping[str, Any]) -> Checked:
    """Validate values against the stored settings without writing (what the form shows as one types)."""
    with workspace.reading() as s:
        return settings_service.check(s, profile_id, values)


def require_profiles(workspace: Workspace, profile_ids: Sequence[int]) -> None:
    """Raise ``NotFoundError`` for the first id that names no profile (before anything is sent)."""
    with workspace.reading() as s:
        for pid in profile_ids:
            get_profile(s, pid)


def embed_code(workspace: Workspace, profile_id: int, script_url: str = DEFAULT_SCRIPT_URL) -> str:
    with workspace.reading() as s:
        return livechat.embed_code_for(s, profile_id, script_url)


# -- saving and pushing ---------------------------------------------------------------------------------


def save(workspace: Workspace, profile_id: int, values: Mapping[str, Any]) -> Done[Saved]:
    """Validate and store the changes as *me*; ``ValidationError`` with every problem writes nothing.

    ``push_after_save(saved.changed, pending)`` then says whether the platform should get them now.
    """
    with workspace.session() as s:
        saved = settings_service.save(s, members_service.me_actor(s), profile_id, values)
    if not saved.changed:
        return Done(saved, NOTHING)
    return Done(saved, _settings_change(profile_id, f"Saved locally: {', '.join(saved.changed)}."))


def needs_push(saved: Saved) -> bool:
    return push_after_save(saved.changed, saved.settings.sync_state is SyncState.PENDING)


def save_and_push(
    workspace: Workspace, profile_id: int, values: Mapping[str, Any], credentials: Credentials
) -> Done[SavedAndPushed]:
    """Save, then push at once when the save left the settings pending (``settings set``)."""
    done = save(workspace, profile_id, values)
    outcome = push(workspace, profile_id, credentials).value if needs_push(done.value) else None
    change = done.change
    if outcome is not None:
        change = change.merged(_settings_change(profile_id, outcome.describe()))
    return Done(SavedAndPushed(done.value, outcome), change)


def push(
    workspace: Workspace, profile_id: int, credentials: Credentials, *, manual: bool = False
) -> Done[PushOutcome]:
    """Send the saved settings to the platform (network: a worker's job). ``manual`` ignores the back-off."""
    outcome = settings_push.push(workspace, profile_id, credentials, manual=manual)
    return Done(outcome, _settings_change(profile_id, outcome.describe()))


def push_after_reconnect(
    workspace: Workspace, profile_id: int, credentials: Credentials
) -> PushOutcome | None:
    return settings_push.push_after_reconnect(workspace, profile_id, credentials)


def push_due(
    workspace: Workspace, credentials: Credentials, *, limit: int, waiting: bool = False
) -> list[PushOutcome]:
    return settings_push.push_due(workspace, credentials, limit=limit, waiting=waiting)


def queued_ids(workspace: Workspace) -> list[int]:
    """Every profile whose push is pending or failed (``settings push --all``)."""
    return settings_push.all_queued_ids(workspace)
