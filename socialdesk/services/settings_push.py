"""The settings push queue: saved settings reach each platform through its real API (docs/product.md §5, §7).

Saving stores locally at once and marks the profile *pending* (``services.settings``). This module is the
durable offline queue behind that state — durable because the state lives in the database
(``platform_settings``: ``sync_state``, ``attempted_at``, ``next_attempt_at``, ``push_failures``,
``synced_json``), so a pending push survives a restart and always sends the latest saved version.

Who tries: the GUI (``ui/push_queue.py``) once the rows are shown, then on a timer, and right after a
re-connect of the connection a push needs; the command line with ``settings push``. :func:`push_due`
is what the timer runs (it respects ``next_attempt_at``), :func:`push` with ``manual=True`` what a
person asks for (it tries now, failed ones too).

What a try can end in (the local version is always kept):

====================================  ==========  =====================================================
situation                             state       next automatic try
====================================  ==========  =====================================================
the platform took it                  synced      none
no network, a time-out, a 5xx         pending     after 1, 5, 15, then every 60 minutes
429, Meta 4/17/32/613                 pending     the platform's hint, else 15 minutes ("rate-limited")
Meta 190 / HTTP 401 (token dead)      pending     after a re-connect; the grant expires (notified once)
missing permission / Page token       pending     after a re-connect; the grant stays active
no active connection, no token here   pending     when the connection is back
a stored value breaks a rule          pending     when the value is fixed
the platform refused the content      failed      none until the settings change or a manual push
====================================  ==========  =====================================================

Which API each platform gets is the adapter the catalogue names (``services.push_adapters``). Every
message from a platform is scrubbed (``redact.platform_message``) before it is stored or logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from socialdesk.models.catalogue import PLATFORMS, ConnectionState, ConnectionType, GrantState
from socialdesk.models.schema import Connection, Flow, Grant, PlatformSettings, Profile
from socialdesk.models.settings_catalogue import SettingsSpec, flow_key, spec_for, upgrade_stored
from socialdesk.services import audit, notifications, redact
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.profiles import connection_states, get_profile
from socialdesk.services.providers import ProviderCatalogue, load_providers
from socialdesk.services.push_adapters import (
    ADAPTERS,
    DEFAULT_TIMEOUT,
    PushProblem,
    PushTarget,
)
from socialdesk.services.settings import SyncState, stored_values, validation_context
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace

log = logging.getLogger(__name__)

#: Waits after 1, 2, 3 transient failures in a row; every later one waits the last.
BACKOFF_MINUTES: tuple[int, ...] = (1, 5, 15, 60)
#: A push under way holds its row this long at most (a crashed process frees it by itself).
CLAIM = timedelta(minutes=2)
#: What a permission is called where the user allows it.
PERMISSION_NAMES = {"pages_messaging": "Messenger"}


@dataclass(frozen=True, slots=True)
class Grantee:
    """The token a push would use, with what its sign-in granted."""

    api_base_url: str
    tokens: TokenSet
    #: The app's client id (the WhatsApp avatar upload goes "to" the app).
    app_id: str
    #: The grants sharing this token: they expire together when the platform says the token is dead.
    grant_ids: tuple[int, ...]
    #: Scopes the grant recorded; empty when the platform did not say (then the request is trusted).
    scopes: frozenset[str]


Credentials = Callable[[int], Grantee | None]
"""``credentials(profile_id)`` -> the token of an active grant of the connection the push needs, or
``None`` when there is none on this computer."""


def no_credentials(profile_id: int) -> Grantee | None:
    """No token anywhere: nothing is sent, every push waits (tests and the GUI before a keyring)."""
    return None


def workspace_credentials(
    workspace: Workspace, providers: ProviderCatalogue | None = None, tokens: TokenStore | None = None
) -> Credentials:
    """Credentials from the connections core: the platform's ``api_base_url`` (``providers.toml``
    applied) and the token, in this computer's keyring, of an active grant of the needed connection."""

    def credentials(profile_id: int) -> Grantee | None:
        with workspace.session() as s:
            profile = get_profile(s, profile_id)
            ctype = spec_for(profile.platform, profile.kind, profile.visibility).push_connection
            if ctype is None:
                return None
            grants = s.execute(
                select(Grant.id, Grant.token_ref, Grant.scopes)
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
        if not grants:
            return None
        # Read lazily: a broken providers.toml makes the push wait (with the reason), not the save fail.
        catalogue = providers or load_providers(workspace.data_dir)
        store = tokens or TokenStore(workspace.workspace_id)
        provider = catalogue.get(platform_key)
        for grant_id, ref, scopes in grants:
            found = store.load(ref)
            if found is not None:
                same = tuple(g for g, r, _ in grants if r == ref) or (grant_id,)
                granted = frozenset(found.scopes) | frozenset((scopes or "").split())
                return Grantee(provider.api_base_url, found, provider.client_id, same, granted)
        return None

    return credentials


@dataclass(frozen=True, slots=True)
class PushOutcome:
    profile_id: int
    state: SyncState
    #: Why the state is not ``synced`` (None when pushed or nothing to push).
    reason: str | None = None
    next_attempt_at: datetime | None = None

    def describe(self) -> str:
        return f"{self.state.label}" + (f": {self.reason}" if self.reason else "")

    def line(self) -> str:
        """``ID: STATE`` or ``ID: STATE (reason)`` (docs/interfaces.md "Settings pushes")."""
        return f"{self.profile_id}: {self.state.value}" + (f" ({self.reason})" if self.reason else "")


def hhmm(when: datetime) -> str:
    """A stored UTC time as the user's clock shows it."""
    return when.replace(tzinfo=UTC).astimezone().strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class _Job:
    profile_id: int
    platform: str
    platform_id: str
    spec: SettingsSpec
    connection: ConnectionType
    snapshot: str
    values: dict[str, Any]
    previous: dict[str, Any] | None
    flow_ids: dict[str, int]


def _set_state(
    row: PlatformSettings,
    state: SyncState,
    reason: str | None,
    *,
    next_at: datetime | None = None,
    waiting_for: str | None = None,
) -> PushOutcome:
    row.sync_state, row.sync_error = state.value, reason
    row.next_attempt_at = next_at if state is SyncState.PENDING else None
    row.waiting_for = waiting_for if state is SyncState.PENDING else None
    return PushOutcome(row.profile_id, state, reason, row.next_attempt_at)


def _prepare(workspace: Workspace, profile_id: int, now: datetime, manual: bool) -> _Job | PushOutcome:
    """Decide whether to send now; when yes, claim the row (so no other process sends it too)."""
    with workspace.session() as s:
        profile = get_profile(s, profile_id)
        spec = spec_for(profile.platform, profile.kind, profile.visibility)
        row = s.get(PlatformSettings, profile.id)
        if not spec.pushes or spec.push_connection is None or spec.push_adapter is None:
            if row is not None and row.sync_state != SyncState.LOCAL.value:
                _set_state(row, SyncState.LOCAL, None)
            return PushOutcome(profile.id, SyncState.LOCAL)
        if row is None:
            return PushOutcome(profile.id, SyncState.SYNCED)
        state = SyncState(row.sync_state)
        if state is SyncState.SYNCED or (state is SyncState.FAILED and not manual):
            return PushOutcome(profile.id, state, row.sync_error)
        if state is SyncState.LOCAL:  # the catalogue now pushes what used to stay local
            state = SyncState.PENDING
        if not manual and row.next_attempt_at is not None and row.next_attempt_at > now:
            return PushOutcome(profile.id, SyncState.PENDING, row.sync_error, row.next_attempt_at)
        if row.claimed_until is not None and row.claimed_until > now:
            return PushOutcome(profile.id, SyncState.PENDING, "being pushed right now", row.next_attempt_at)
        label = PLATFORMS[profile.platform].label
        ctype = spec.push_connection
        values = upgrade_stored(spec, stored_values(row))
        ctx = validation_context(s, profile.id)
        problems = spec.validate({**spec.defaults(), **values}, ctx)
        # The waits below end with an event (a fix, a re-connect), not with time: the timer leaves them
        # alone until then.
        if problems:
            where, message = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            return _set_state(
                row, SyncState.PENDING, f"fix {where} first: {message}{more}", waiting_for="fix"
            )
        if connection_states(s, profile.id).get(ctype) is not ConnectionState.ACTIVE:
            return _set_state(
                row,
                SyncState.PENDING,
                f"waiting for an active {label} {ctype.label} connection; connect it and the settings "
                "will be pushed",
                waiting_for="connection",
            )
        if not profile.platform_id:
            return _set_state(
                row,
                SyncState.PENDING,
                f"the profile's {label} id is unknown; re-connect {label} {ctype.label} to push the settings",
                waiting_for="connection",
            )
        # Claimed only if nobody else claimed it meanwhile (another process, another window).
        claimed = s.execute(
            update(PlatformSettings)
            .where(
                PlatformSettings.profile_id == profile.id,
                or_(PlatformSettings.claimed_until.is_(None), PlatformSettings.claimed_until <= now),
            )
            .values(claimed_until=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return PushOutcome(profile.id, SyncState.PENDING, "being pushed right now", row.next_attempt_at)
        try:
            previous = json.loads(row.synced_json) if row.synced_json else None
        except ValueError:
            previous = None
        flow_ids = {flow_key(name): fid for fid, name in s.execute(select(Flow.id, Flow.name)).all()}
        return _Job(
            profile.id,
            profile.platform,
            profile.platform_id,
            spec,
            ctype,
            row.values_json,
            {**spec.defaults(), **values},
            previous if isinstance(previous, dict) else None,
            flow_ids,
        )


def _release(
    workspace: Workspace,
    job: _Job,
    outcome_state: SyncState,
    reason: str | None,
    now: datetime,
    next_at: datetime | None = None,
    waiting_for: str | None = "connection",
) -> PushOutcome:
    """Free the claim and record a wait that needed no call (no token, no permission)."""
    with workspace.session() as s:
        row = s.get(PlatformSettings, job.profile_id)
        if row is None:
            return PushOutcome(job.profile_id, SyncState.LOCAL)
        row.claimed_until = None
        if row.values_json != job.snapshot:
            return _set_state(
                row, SyncState.PENDING, "changed while being pushed; the newer version is next", next_at=None
            )
        row.attempted_at = now
        return _set_state(
            row, outcome_state, reason, next_at=next_at, waiting_for=None if next_at else waiting_for
        )


def _reconnect_hint(job: _Job) -> str:
    label = PLATFORMS[job.platform].label
    hint = f"Re-connect {label} {job.connection.label}"
    permission = job.spec.push_permission
    return hint + (f" and allow {PERMISSION_NAMES.get(permission, permission)}" if permission else "")


def push(
    workspace: Workspace,
    profile_id: int,
    credentials: Credentials,
    *,
    manual: bool = False,
    now: datetime | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> PushOutcome:
    """Try the profile's push (``manual``: now, failed too; else only when due) and record the outcome.

    Never raises for the platform's or the network's failures: they are the outcome.
    """
    now = now or utcnow()
    job = _prepare(workspace, profile_id, now, manual)
    if isinstance(job, PushOutcome):
        return job
    label = PLATFORMS[job.platform].label
    try:
        grantee = credentials(job.profile_id)
    except SocialDeskError as exc:
        return _release(
            workspace,
            job,
            SyncState.PENDING,
            redact.platform_message(f"the access token cannot be read: {exc}"),
            now,
            now + timedelta(minutes=BACKOFF_MINUTES[0]),  # the keyring was busy: soon again
        )
    if grantee is None:
        return _release(
            workspace,
            job,
            SyncState.PENDING,
            f"no {label} access token for this profile on this computer; {_reconnect_hint(job)} here "
            "to push the settings",
            now,
        )
    adapter = ADAPTERS[job.spec.push_adapter or ""]
    permission = job.spec.push_permission
    page_token = grantee.tokens.page_tokens.get(job.platform_id)
    if (permission and grantee.scopes and permission not in grantee.scopes) or (
        adapter.needs_page_token and not page_token
    ):
        # The connection stays active for what it is for (publishing); only the push waits.
        return _release(workspace, job, SyncState.PENDING, _reconnect_hint(job), now)
    target = PushTarget(
        label=label,
        platform_id=job.platform_id,
        api_base_url=grantee.api_base_url,
        user_token=grantee.tokens.access_token,
        page_token=page_token,
        app_id=grantee.app_id,
        data_dir=workspace.data_dir,
        flow_ids=job.flow_ids,
        timeout=timeout,
        now=lambda: now,
    )
    try:
        current = adapter.snapshot(job.values, target)
        synced = adapter.push(current, job.previous, target)
    except PushProblem as problem:
        return _record_problem(workspace, job, grantee, problem, now)
    except Exception as exc:  # a bug must not lose the change: it stays pending, with the reason
        log.exception("Settings push of profile %s failed unexpectedly", job.profile_id)
        unexpected = PushProblem("transient", f"unexpected error ({type(exc).__name__})")
        return _record_problem(workspace, job, grantee, unexpected, now)
    log.info("Settings push of profile %s: synced", job.profile_id)
    return _record(workspace, job, SyncState.SYNCED, None, now, synced=synced)


def _record_problem(
    workspace: Workspace, job: _Job, grantee: Grantee, problem: PushProblem, now: datetime
) -> PushOutcome:
    reason = redact.platform_message(
        problem.reason, grantee.tokens.access_token, *grantee.tokens.page_tokens.values()
    )
    log.info("Settings push of profile %s: %s (%s)", job.profile_id, problem.kind, reason)
    if problem.kind == "refused":
        return _record(workspace, job, SyncState.FAILED, reason, now, synced=problem.partial)
    if problem.kind == "rate_limited":
        when = max(problem.retry_at or now, now + timedelta(seconds=30))
        return _record(
            workspace,
            job,
            SyncState.PENDING,
            f"rate-limited, next try at {hhmm(when)} ({reason})",
            now,
            next_at=when,
            synced=problem.partial,
        )
    if problem.kind == "expired":
        _expire(workspace, grantee.grant_ids, reason, now)
        return _record(
            workspace,
            job,
            SyncState.PENDING,
            f"{reason}; {_reconnect_hint(job)} to push the settings",
            now,
            synced=problem.partial,
            waiting_for="connection",
        )
    if problem.kind == "permission":
        return _record(
            workspace,
            job,
            SyncState.PENDING,
            f"{reason}; {_reconnect_hint(job)}",
            now,
            synced=problem.partial,
            waiting_for="permission",
        )
    return _record(workspace, job, SyncState.PENDING, reason, now, transient=True, synced=problem.partial)


def _record(
    workspace: Workspace,
    job: _Job,
    state: SyncState,
    reason: str | None,
    now: datetime,
    *,
    next_at: datetime | None = None,
    transient: bool = False,
    synced: dict[str, Any] | None = None,
    waiting_for: str | None = None,
) -> PushOutcome:
    """Write the outcome and free the claim; settings saved meanwhile stay pending (they go next)."""
    with workspace.session() as s:
        row = s.get(PlatformSettings, job.profile_id)
        if row is None:
            return PushOutcome(job.profile_id, SyncState.LOCAL)
        row.claimed_until = None
        row.attempted_at = now
        if synced is not None:
            row.synced_json = json.dumps(synced, ensure_ascii=False, sort_keys=True)
        if transient:
            row.push_failures = (row.push_failures or 0) + 1
            wait = BACKOFF_MINUTES[min(row.push_failures, len(BACKOFF_MINUTES)) - 1]
            next_at = now + timedelta(minutes=wait)
            reason = f"{reason}; next try at {hhmm(next_at)}"
        elif state is not SyncState.PENDING or next_at is None:
            row.push_failures = 0
        if row.values_json != job.snapshot:
            return _set_state(row, SyncState.PENDING, "changed while being pushed; the newer version is next")
        if state is SyncState.SYNCED:
            row.pushed_at = now
        previous = row.sync_state
        outcome = _set_state(row, state, reason, next_at=next_at, waiting_for=waiting_for)
        if state is not SyncState.PENDING or previous != state.value:
            action = "settings_pushed" if state is SyncState.SYNCED else f"settings_push_{state.value}"
            audit.record(s, None, action, profile_id=job.profile_id, details=reason or "")
        return outcome


def _expire(workspace: Workspace, grant_ids: Iterable[int], reason: str, now: datetime) -> None:
    """The platform says the token is dead: its grants expire (one notification per connection)."""
    new: list[notifications.NotificationView] = []
    with workspace.session() as s:
        connections: set[int] = set()
        for grant in s.scalars(select(Grant).where(Grant.id.in_(list(grant_ids)))):
            if grant.state != GrantState.ACTIVE.value:
                continue
            grant.state = GrantState.EXPIRED.value
            grant.state_changed_at = now
            grant.last_error = reason
            connections.add(grant.connection_id)
        s.flush()
        for connection_id in sorted(connections):
            still = s.scalar(
                select(Grant.id)
                .where(Grant.connection_id == connection_id, Grant.state == GrantState.ACTIVE.value)
                .limit(1)
            )
            if still is None and (note := notifications.connection_expired(s, connection_id, now=now)):
                new.append(note)
    notifications.dispatch_desktop(workspace, new)


# -- the queue ----------------------------------------------------------------------------------------


def due_profile_ids(
    workspace: Workspace,
    now: datetime | None = None,
    limit: int | None = None,
    *,
    waiting: bool = False,
) -> list[int]:
    """Pending pushes whose next try has come: saved since their last try, or their back-off is over.

    Pushes that wait for an event (a re-connect, a fix) are left out unless ``waiting`` (the GUI's first
    round after start: a connection may have come back while it was closed). Failed ones wait for a
    change or a person.
    """
    now = now or utcnow()
    settings_row = PlatformSettings
    due = or_(
        settings_row.next_attempt_at <= now,
        and_(settings_row.next_attempt_at.is_(None), settings_row.waiting_for.is_(None)),
    )
    with workspace.session() as s:
        query = (
            select(settings_row.profile_id)
            .join(Profile, Profile.id == settings_row.profile_id)
            .where(
                settings_row.sync_state == SyncState.PENDING.value,
                or_(settings_row.next_attempt_at <= now, settings_row.next_attempt_at.is_(None))
                if waiting
                else due,
                Profile.deleted_at.is_(None),
            )
            .order_by(
                settings_row.attempted_at.is_not(None), settings_row.attempted_at, settings_row.profile_id
            )
        )
        if limit is not None:
            query = query.limit(limit)
        return list(s.scalars(query))


def push_due(
    workspace: Workspace,
    credentials: Credentials,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    waiting: bool = False,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> list[PushOutcome]:
    """What the timer runs: every due pending push, once (``waiting``: those waiting for an event too)."""
    ids = due_profile_ids(workspace, now, limit, waiting=waiting)
    return [push(workspace, pid, credentials, now=now, timeout=timeout) for pid in ids]


def has_waiting_push(workspace: Workspace, profile_id: int) -> bool:
    """Whether the profile has a push waiting (the GUI re-tries it right after a re-connect)."""
    with workspace.session() as s:
        row = s.get(PlatformSettings, profile_id)
        return row is not None and row.sync_state == SyncState.PENDING.value


def push_after_reconnect(
    workspace: Workspace, profile_id: int, credentials: Credentials, *, now: datetime | None = None
) -> PushOutcome | None:
    """A connection of the profile was re-connected: a pending push goes now (its wait is over)."""
    if not has_waiting_push(workspace, profile_id):
        return None
    now = now or utcnow()
    with workspace.session() as s:
        row = s.get(PlatformSettings, profile_id)
        if row is not None:
            row.next_attempt_at, row.waiting_for = None, None
    return push(workspace, profile_id, credentials, now=now)


def all_queued_ids(workspace: Workspace) -> list[int]:
    """``settings push --all``: every pending or failed push."""
    from socialdesk.services.settings import pending_profile_ids

    with workspace.session() as s:
        return pending_profile_ids(s)


def push_pending(
    workspace: Workspace,
    credentials: Credentials,
    *,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> list[PushOutcome]:
    """Try every pending or failed push now (a person asked: ``settings push --all``)."""
    return [
        push(workspace, pid, credentials, manual=True, timeout=timeout) for pid in all_queued_ids(workspace)
    ]
