"""Pushing saved settings to the platform (PRODUCT.md §5: stored locally at once, pushed when possible).

A push needs the connection the catalogue names for the platform (Publishing; Messaging for WhatsApp) to be
active, and an access token on this computer. Both the platform's API address and the token come from an
injected ``credentials(profile_id) -> (api_base_url, access_token) | None`` callable;
``workspace_credentials`` is the one that reads them through the connections core (``providers.toml`` and the
keyring), tests inject their own.

What can happen, and the state it leaves (the local version is always kept):

* no active connection, no token here, the platform unreachable (offline) -> ``pending`` with the reason;
  it is pushed by a later retry;
* the platform answers 2xx -> ``synced``;
* the platform refuses (4xx), fails (5xx) or does not answer in time -> ``failed`` with the reason.

The HTTP call has a timeout and blocks; running it off the GUI thread is the caller's business. The access
token is sent only in the ``Authorization`` header and is scrubbed from every message that is stored or shown.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from sqlalchemy import select

from socialdesk.models.catalogue import PLATFORMS, ConnectionState, GrantState
from socialdesk.models.schema import Connection, Grant, PlatformSettings
from socialdesk.models.settings_catalogue import SettingsSpec, spec_for
from socialdesk.services import audit
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.profiles import connection_states, get_profile
from socialdesk.services.providers import ProviderCatalogue, load_providers
from socialdesk.services.settings import SyncState, pending_profile_ids, stored_values
from socialdesk.services.tokens import TokenStore
from socialdesk.services.workspace import Workspace

log = logging.getLogger(__name__)

Credentials = Callable[[int], tuple[str, str] | None]
"""``credentials(profile_id)`` -> ``(api_base_url, access_token)``; ``None``: no token on this computer."""

#: (connect, read) seconds. A platform that takes longer has failed for this attempt.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 20.0)
MAX_DETAIL = 200


def no_credentials(profile_id: int) -> tuple[str, str] | None:
    """A provider with no token anywhere: nothing is pushed, everything stays pending."""
    return None


def workspace_credentials(
    workspace: Workspace, providers: ProviderCatalogue | None = None, tokens: TokenStore | None = None
) -> Credentials:
    """Credentials from the connections core: the platform's ``api_base_url`` (``providers.toml`` applied)
    and the access token, in this computer's keyring, of an active grant of the connection a push needs."""

    def credentials(profile_id: int) -> tuple[str, str] | None:
        with workspace.session() as s:
            profile = get_profile(s, profile_id)
            ctype = spec_for(profile.platform, profile.kind, profile.visibility).push_connection
            if ctype is None:
                return None
            refs = s.scalars(
                select(Grant.token_ref)
                .join(Connection, Connection.id == Grant.connection_id)
                .where(
                    Connection.profile_id == profile.id,
                    Connection.type == ctype.value,
                    Grant.state == GrantState.ACTIVE.value,
                    Grant.token_ref.is_not(None),
                )
                .order_by(Grant.id)
            ).all()
            platform_key = profile.platform
        if not refs:
            return None
        # Read lazily: a broken providers.toml makes the push wait (with the reason), not the save fail.
        catalogue = providers or load_providers(workspace.data_dir)
        store = tokens or TokenStore(workspace.workspace_id)
        base_url = catalogue.get(platform_key).api_base_url
        for ref in refs:
            found = store.load(ref)
            if found is not None:
                return base_url, found.access_token
        return None

    return credentials


@dataclass(frozen=True, slots=True)
class PushOutcome:
    profile_id: int
    state: SyncState
    #: Why the state is not ``synced`` (None when pushed or nothing to push).
    reason: str | None = None

    def describe(self) -> str:
        return f"{self.state.label}" + (f": {self.reason}" if self.reason else "")


@dataclass(frozen=True, slots=True)
class _Job:
    profile_id: int
    platform: str
    platform_id: str
    spec: SettingsSpec
    snapshot: str
    payload: dict[str, Any]


def _record(
    workspace: Workspace,
    profile_id: int,
    state: SyncState,
    reason: str | None,
    snapshot: str | None = None,
) -> PushOutcome:
    """Write the outcome, unless the settings changed meanwhile (then the newer version stays pending)."""
    with workspace.session() as s:
        row = s.get(PlatformSettings, profile_id)
        if row is None:
            return PushOutcome(profile_id, SyncState.LOCAL)
        if snapshot is not None and row.values_json != snapshot:
            return PushOutcome(
                profile_id, SyncState(row.sync_state), "the settings changed while they were being pushed"
            )
        previous = row.sync_state
        row.sync_state, row.sync_error = state.value, reason
        if state is SyncState.SYNCED:
            row.pushed_at = utcnow()
        if snapshot is not None and (state is not SyncState.PENDING or previous != state.value):
            action = "settings_pushed" if state is SyncState.SYNCED else f"settings_push_{state.value}"
            audit.record(s, None, action, profile_id=profile_id, details=reason or "")
    return PushOutcome(profile_id, state, reason)


def _prepare(workspace: Workspace, profile_id: int) -> _Job | PushOutcome:
    """Read what to push, or decide there is nothing to push now (and record why)."""
    with workspace.session() as s:
        profile = get_profile(s, profile_id)
        spec = spec_for(profile.platform, profile.kind, profile.visibility)
        row = s.get(PlatformSettings, profile.id)
        if row is None:
            return PushOutcome(profile.id, SyncState.LOCAL)
        state = SyncState(row.sync_state)
        if spec.push_connection is None:
            if state is not SyncState.LOCAL:
                row.sync_state, row.sync_error = SyncState.LOCAL.value, None
            return PushOutcome(profile.id, SyncState.LOCAL)
        if state not in (SyncState.PENDING, SyncState.FAILED):
            return PushOutcome(profile.id, state, row.sync_error)
        label = PLATFORMS[profile.platform].label
        ctype = spec.push_connection
        if connection_states(s, profile.id).get(ctype) is not ConnectionState.ACTIVE:
            reason = (
                f"waiting for an active {ctype.label} connection; connect the profile and the settings "
                f"will be pushed to {label}"
            )
            row.sync_state, row.sync_error = SyncState.PENDING.value, reason
            return PushOutcome(profile.id, SyncState.PENDING, reason)
        if not profile.platform_id:
            reason = f"the profile's {label} id is unknown; re-connect the profile to push the settings"
            row.sync_state, row.sync_error = SyncState.PENDING.value, reason
            return PushOutcome(profile.id, SyncState.PENDING, reason)
        values = stored_values(row)
        return _Job(
            profile.id,
            profile.platform,
            profile.platform_id,
            spec,
            row.values_json,
            {
                "platform": profile.platform,
                "platform_id": profile.platform_id,
                "settings": spec.pushed_values(values),
            },
        )


def push(
    workspace: Workspace,
    profile_id: int,
    credentials: Credentials,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> PushOutcome:
    """Push the profile's pending (or failed) settings now and record the outcome; never raises for the
    platform's or the network's failures (they are the outcome)."""
    job = _prepare(workspace, profile_id)
    if isinstance(job, PushOutcome):
        return job
    label = PLATFORMS[job.platform].label
    try:
        found = credentials(job.profile_id)
    except SocialDeskError as exc:
        return _record(
            workspace, job.profile_id, SyncState.PENDING, f"the access token cannot be read: {exc}"
        )
    if found is None:
        return _record(
            workspace,
            job.profile_id,
            SyncState.PENDING,
            f"no {label} access token for this profile on this computer; connect the profile here "
            "to push the settings",
        )
    base_url, token = found
    url = base_url.rstrip("/") + job.spec.push_path.format(platform_id=quote(job.platform_id, safe=""))
    state, sent = _send(url, token, job.payload, label, timeout)
    reason = _scrub(sent, token) if sent else None
    log.info("Settings push of profile %s: %s", job.profile_id, state.value)
    return _record(workspace, job.profile_id, state, reason, job.snapshot)


def _send(
    url: str, token: str, payload: dict[str, Any], label: str, timeout: float | tuple[float, float]
) -> tuple[SyncState, str | None]:
    seconds = timeout[1] if isinstance(timeout, tuple) else timeout
    try:
        response = requests.put(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "User-Agent": "SocialDesk",
            },
            timeout=timeout,
        )
    except requests.exceptions.ConnectTimeout:
        return SyncState.PENDING, f"could not reach {label} (no network?); the settings will be pushed later"
    except requests.exceptions.Timeout:
        return SyncState.FAILED, f"{label} did not answer within {seconds:g} s; retry later"
    except requests.exceptions.ConnectionError:
        return SyncState.PENDING, f"could not reach {label} (no network?); the settings will be pushed later"
    except requests.exceptions.RequestException as exc:
        return (
            SyncState.FAILED,
            f"the {label} API address is not usable ({type(exc).__name__}); "
            "check api_base_url in providers.toml",
        )
    with response:
        code = response.status_code
        if 200 <= code < 300:
            return SyncState.SYNCED, None
        detail = _detail(response)
    if code in (401, 403):
        return (
            SyncState.FAILED,
            f"{label} refused the access token (HTTP {code}{detail}); re-connect the profile",
        )
    if code == 429:
        return SyncState.FAILED, f"{label} asks to slow down (HTTP 429{detail}); retry later"
    if 400 <= code < 500:
        return SyncState.FAILED, f"{label} refused the settings (HTTP {code}{detail})"
    return SyncState.FAILED, f"{label} had a server error (HTTP {code}{detail}); retry later"


def _detail(response: requests.Response) -> str:
    """The platform's own short explanation, if it gave one."""
    text = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            error = error.get("message")
        message = error if isinstance(error, str) else body.get("message")
        text = message if isinstance(message, str) else ""
    elif response.headers.get("Content-Type", "").startswith("text/plain"):
        text = response.text
    text = " ".join(text.split())[:MAX_DETAIL]
    return f": {text}" if text else ""


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def push_pending(
    workspace: Workspace,
    credentials: Credentials,
    *,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> list[PushOutcome]:
    """Retry every pending or failed push (e.g. when the network is back)."""
    with workspace.session() as s:
        ids = pending_profile_ids(s)
    return [push(workspace, pid, credentials, timeout=timeout) for pid in ids]
