"""The connection health check: refresh what is near expiry, expire only what the platform rejects.

Run on start, on a timer (:func:`check_interval`, default 30 minutes, a workspace setting) and by
``socialdesk check``. It never runs on the GUI thread: the GUI calls :func:`run_health_check` in a
worker and shows the returned :class:`HealthReport`. Network and keyring work runs in a bounded
thread pool (:data:`MAX_WORKERS`); the database is written once, at the end, from the calling thread.

Per active grant:

* its token is not on this computer (``token_ref`` empty — made elsewhere, or demo data — or the
  keyring has no such entry): reported, never changed;
* access token past expiry and no refresh token: expired;
* access token past or near expiry (within the check interval + 5 minutes) with a refresh token:
  refreshed, the new tokens saved (a refresh without a new refresh token keeps the old one);
* otherwise one verification call (userinfo, or the platform's "me"): fine, or expired when the
  platform rejects the token (``oauth.AuthorizationFailed``: ``invalid_grant``, HTTP 401, Facebook
  190, ... per platform);
* a time-out, a 5xx, a refused connection, no network or any other unexpected answer: "check
  failed — will retry", the state unchanged, the next try backed off exponentially
  (``grants.next_check_at`` / ``check_failures``).

Grants that share a token (one sign-in for several profiles or types) are checked with one call.
A connection whose last active grant expires gets exactly one notification (``notifications``).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import KIND_LABELS, ConnectionType, GrantState, platform
from socialdesk.models.schema import Connection, Grant, Member, Meta, Profile
from socialdesk.services import notifications
from socialdesk.services.clock import iso, utcnow
from socialdesk.services.errors import ValidationError
from socialdesk.services.oauth import AuthorizationFailed, NotConfiguredError, OAuthError, OAuthService
from socialdesk.services.tokens import KeyringReadError, TokenSet
from socialdesk.services.workspace import Workspace

log = logging.getLogger(__name__)

INTERVAL_KEY = "health_check_interval_minutes"
DEFAULT_INTERVAL_MINUTES = 30
MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 24 * 60
EXPIRING_SOON = timedelta(days=7)
REFRESH_SLACK = timedelta(minutes=5)
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
MAX_WORKERS = 6

NOT_HERE = "the token is not on this computer (signed in elsewhere, or demo data): nothing changed"
NOT_IN_KEYRING = (
    "the token is missing from this computer's keyring: nothing changed; connect again to restore it"
)


# -- the interval setting ----------------------------------------------------------------------------


def check_interval(session: Session) -> int:
    """Minutes between automatic checks (the GUI timer)."""
    meta = session.get(Meta, INTERVAL_KEY)
    try:
        value = int(meta.value) if meta is not None else DEFAULT_INTERVAL_MINUTES
    except ValueError:
        return DEFAULT_INTERVAL_MINUTES
    return min(max(value, MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES)


def set_check_interval(session: Session, minutes: int) -> None:
    if not MIN_INTERVAL_MINUTES <= minutes <= MAX_INTERVAL_MINUTES:
        raise ValidationError(
            {"interval": f"Choose between {MIN_INTERVAL_MINUTES} and {MAX_INTERVAL_MINUTES} minutes"}
        )
    session.merge(Meta(key=INTERVAL_KEY, value=str(minutes)))


def backoff(failures: int) -> timedelta:
    """Wait after the ``failures``-th failed check in a row: 5, 10, 20, ... minutes, at most 6 hours."""
    wait: timedelta = BACKOFF_BASE * (2 ** min(max(failures - 1, 0), 16))
    return min(wait, BACKOFF_MAX)


# -- the report ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantRef:
    """A grant with what a person needs to recognise it."""

    grant_id: int
    connection_id: int
    profile_id: int
    platform: str
    kind: str
    connection_type: ConnectionType
    profile_name: str
    handle: str
    member: str
    expires_at: datetime | None
    has_refresh_token: bool
    token_ref: str | None
    next_check_at: datetime | None
    check_failures: int

    def describe(self) -> str:
        info = platform(self.platform)
        kind = KIND_LABELS.get(self.kind, self.kind).lower()
        return (
            f"{info.label} {kind} “{self.profile_name}” (@{self.handle}), {self.connection_type.label}, "
            f"grant of {self.member}"
        )


@dataclass(frozen=True, slots=True)
class GrantChange:
    grant: GrantRef
    change: str  # "expired" | "refreshed"
    reason: str


@dataclass(frozen=True, slots=True)
class FailedCheck:
    grant: GrantRef
    reason: str
    next_check_at: datetime


@dataclass(slots=True)
class HealthReport:
    """What a check did: changes, failures (will retry), what could not be checked, upcoming expiries."""

    started_at: datetime
    finished_at: datetime | None = None
    seconds: float = 0.0
    #: Grants whose token was tried against the platform (or judged by its expiry).
    checked: int = 0
    ok: int = 0
    changes: list[GrantChange] = field(default_factory=list)
    failed: list[FailedCheck] = field(default_factory=list)
    #: platform -> reason -> number of grants not checked.
    unchecked: dict[str, Counter[str]] = field(default_factory=dict)
    expiring_soon: list[GrantRef] = field(default_factory=list)
    notifications: list[notifications.NotificationView] = field(default_factory=list)
    keyring_warning: str | None = None

    @property
    def expired(self) -> list[GrantChange]:
        return [c for c in self.changes if c.change == "expired"]

    @property
    def refreshed(self) -> list[GrantChange]:
        return [c for c in self.changes if c.change == "refreshed"]

    def not_checked(self, platform_key: str, reason: str, count: int = 1) -> None:
        self.unchecked.setdefault(platform_key, Counter())[reason] += count

    def platform_problems(self) -> dict[str, list[str]]:
        """Per platform, why grants could not be checked (failures included), for display."""
        out: dict[str, list[str]] = defaultdict(list)
        for key, reasons in self.unchecked.items():
            for reason, count in reasons.items():
                out[key].append(f"{count} grant{'s' if count != 1 else ''}: {reason}")
        failed: dict[str, Counter[str]] = defaultdict(Counter)
        for f in self.failed:
            failed[f.grant.platform][f"check failed — will retry: {f.reason}"] += 1
        for key, reasons in failed.items():
            for reason, count in reasons.items():
                out[key].append(f"{count} grant{'s' if count != 1 else ''}: {reason}")
        return dict(out)

    def lines(self) -> list[str]:
        """The report as text (``socialdesk check``)."""
        out = [
            f"Connection health check at {iso(self.started_at)}: {self.checked} grant(s) checked in "
            f"{self.seconds:.1f} s; {self.ok} fine, {len(self.refreshed)} refreshed, "
            f"{len(self.expired)} expired, "
            f"{len(self.failed)} could not be checked (will retry)."
        ]
        if self.keyring_warning:
            out.append(f"Note: {self.keyring_warning}")
        if self.changes:
            out.append("Changed:")
            for c in self.changes:
                out.append(f"  {c.change}: {c.grant.describe()} — {c.reason}")
        else:
            out.append("No grant changed state.")
        problems = self.platform_problems()
        if problems:
            out.append("Not checked, per platform:")
            for key in sorted(problems, key=lambda k: platform(k).label.casefold()):
                for line in problems[key]:
                    out.append(f"  {platform(key).label}: {line}")
        if self.expiring_soon:
            out.append(
                f"Expiring within {EXPIRING_SOON.days} days (no refresh token; connect again in time):"
            )
            for g in self.expiring_soon:
                out.append(f"  {iso(g.expires_at)}: {g.describe()}")
        if self.notifications:
            out.append(f"{len(self.notifications)} new notification(s): see `socialdesk notifications`.")
        return out


# -- running it -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Outcome:
    kind: str  # ok | refreshed | expired | failed | absent | not_configured
    reason: str = ""
    tokens: TokenSet | None = None


def _active_grants(session: Session) -> list[GrantRef]:
    rows = session.execute(
        select(Grant, Connection, Profile, Member.name)
        .join(Connection, Connection.id == Grant.connection_id)
        .join(Profile, Profile.id == Connection.profile_id)
        .join(Member, Member.id == Grant.member_id)
        .where(Grant.state == GrantState.ACTIVE.value, Profile.deleted_at.is_(None))
        .order_by(Grant.id)
    ).all()
    return [
        GrantRef(
            grant_id=g.id,
            connection_id=c.id,
            profile_id=p.id,
            platform=p.platform,
            kind=p.kind,
            connection_type=ConnectionType(c.type),
            profile_name=p.display_name,
            handle=p.handle,
            member=name,
            expires_at=g.expires_at,
            has_refresh_token=g.has_refresh_token,
            token_ref=g.token_ref,
            next_check_at=g.next_check_at,
            check_failures=g.check_failures,
        )
        for g, c, p, name in rows
    ]


def expiring_soon(grants: list[GrantRef], now: datetime, within: timedelta = EXPIRING_SOON) -> list[GrantRef]:
    """Active grants whose token expires within ``within`` and cannot be refreshed, soonest first."""
    soon = [
        g
        for g in grants
        if g.expires_at is not None and now < g.expires_at <= now + within and not g.has_refresh_token
    ]
    return sorted(soon, key=lambda g: (g.expires_at or now, g.grant_id))


def _check_token(
    service: OAuthService,
    platform_key: str,
    ref: str,
    grant_expiry: datetime | None,
    now: datetime,
    margin: timedelta,
) -> _Outcome:
    """One token: refresh, verify or judge by its expiry. Runs in a worker thread; no database."""
    try:
        tokens = service.tokens.load(ref)
    except KeyringReadError as exc:
        return _Outcome("failed", str(exc))
    if tokens is None:
        return _Outcome("absent", NOT_IN_KEYRING)
    expires = tokens.expires_at or grant_expiry
    label = platform(platform_key).label
    try:
        provider = service.provider(platform_key, tokens.app_kind)
        if expires is not None and expires <= now + margin:
            if tokens.refresh_token:
                # One refresh per grant at a time; the rotated token is in the keyring before use.
                new = service.refresh_stored(platform_key, ref, tokens)
                return _Outcome(
                    "refreshed", f"new access token until {iso(new.expires_at) or 'no expiry given'}", new
                )
            if expires <= now:
                return _Outcome(
                    "expired",
                    f"the {label} access token expired at {iso(expires)} and there is no refresh token; "
                    "connect again",
                )
        if provider.health == "refresh" and tokens.refresh_token and expires is not None:
            # X: the refresh that keeps a 2-hour token alive is the proof; no users/me call each check.
            return _Outcome("ok")
        learned = service.check(platform_key, tokens)
        if learned is not None:
            service.tokens.save(ref, learned)
            return _Outcome(
                "refreshed",
                f"{label} says this sign-in is valid until {iso(learned.expires_at) or 'no expiry given'}",
                learned,
            )
        return _Outcome("ok")
    except AuthorizationFailed as exc:
        return _Outcome("expired", str(exc))
    except NotConfiguredError as exc:
        return _Outcome("not_configured", str(exc))
    except OAuthError as exc:
        return _Outcome("failed", str(exc))
    except Exception as exc:  # a bug or an unexpected library error must not stop the other checks
        log.exception("Health check of a %s token failed unexpectedly", platform_key)
        return _Outcome("failed", f"unexpected error ({type(exc).__name__})")


def run_health_check(
    workspace: Workspace,
    service: OAuthService,
    *,
    now: datetime | None = None,
    force: bool = False,
    max_workers: int = MAX_WORKERS,
) -> HealthReport:
    """Check every active grant of the workspace; ``force`` ignores the back-off of earlier failures.

    Safe to call from a worker thread; returns what changed. Desktop notification hooks are called
    (from this thread) after the changes are committed.
    """
    now = now or utcnow()
    started = time.perf_counter()
    report = HealthReport(started_at=now)
    with workspace.session() as session:
        grants = _active_grants(session)
        interval = check_interval(session)
    margin = timedelta(minutes=interval) + REFRESH_SLACK
    by_ref: dict[str, list[GrantRef]] = defaultdict(list)
    for g in grants:
        if not g.token_ref:
            report.not_checked(g.platform, NOT_HERE)
        elif not force and g.next_check_at is not None and g.next_check_at > now:
            report.not_checked(
                g.platform,
                f"waiting until {iso(g.next_check_at)} to retry after a failed check: nothing changed",
            )
        else:
            by_ref[g.token_ref].append(g)

    outcomes: dict[str, _Outcome] = {}
    if by_ref:
        # Only now is the keyring touched: a workspace without tokens here needs none.
        report.keyring_warning = None if service.tokens.available else service.tokens.warning
        with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="health") as pool:
            futures = {
                ref: pool.submit(
                    _check_token,
                    service,
                    group[0].platform,
                    ref,
                    min((g.expires_at for g in group if g.expires_at), default=None),
                    now,
                    margin,
                )
                for ref, group in by_ref.items()
            }
            outcomes = {ref: f.result() for ref, f in futures.items()}

    new_notes: list[notifications.NotificationView] = []
    with workspace.session() as session:
        became_expired: set[int] = set()
        for ref, outcome in outcomes.items():
            group = by_ref[ref]
            if outcome.kind in ("absent", "not_configured"):
                for g in group:
                    report.not_checked(g.platform, outcome.reason)
                continue
            report.checked += len(group)
            rows = {
                row.id: row
                for row in session.scalars(select(Grant).where(Grant.id.in_([g.grant_id for g in group])))
            }
            for g in group:
                row = rows.get(g.grant_id)
                if row is None or row.state != GrantState.ACTIVE.value:
                    continue  # changed meanwhile (another window, a sign-in): leave it
                if outcome.kind in ("ok", "refreshed"):
                    row.last_checked_at = now
                    row.last_error = None
                    row.check_failures = 0
                    row.next_check_at = None
                    if outcome.kind == "refreshed" and outcome.tokens is not None:
                        row.expires_at = outcome.tokens.expires_at
                        row.has_refresh_token = bool(outcome.tokens.refresh_token)
                        report.changes.append(GrantChange(g, "refreshed", outcome.reason))
                    else:
                        report.ok += 1
                elif outcome.kind == "expired":
                    row.state = GrantState.EXPIRED.value
                    row.state_changed_at = now
                    row.last_checked_at = now
                    row.last_error = outcome.reason
                    row.next_check_at = None
                    row.check_failures = 0
                    report.changes.append(GrantChange(g, "expired", outcome.reason))
                    became_expired.add(g.connection_id)
                else:  # failed: unchanged, back off
                    row.check_failures = (row.check_failures or 0) + 1
                    row.next_check_at = now + backoff(row.check_failures)
                    row.last_error = (
                        f"Check failed — will retry after {iso(row.next_check_at)}: {outcome.reason}"
                    )
                    report.failed.append(FailedCheck(g, outcome.reason, row.next_check_at))
        session.flush()
        for connection_id in sorted(became_expired):
            still_active = session.scalar(
                select(Grant.id)
                .where(Grant.connection_id == connection_id, Grant.state == GrantState.ACTIVE.value)
                .limit(1)
            )
            if still_active is None and (
                note := notifications.connection_expired(session, connection_id, now=now)
            ):
                new_notes.append(note)
        report.expiring_soon = expiring_soon(_active_grants(session), now)
    report.notifications = new_notes
    notifications.dispatch_desktop(workspace, new_notes)
    report.finished_at = utcnow()
    report.seconds = time.perf_counter() - started
    return report


def summary(report: HealthReport) -> dict[str, Any]:
    """A compact dict of the report (for logs and the GUI status line)."""
    return {
        "checked": report.checked,
        "ok": report.ok,
        "refreshed": len(report.refreshed),
        "expired": len(report.expired),
        "failed": len(report.failed),
        "unchecked": {k: sum(v.values()) for k, v in report.unchecked.items()},
        "expiring_soon": len(report.expiring_soon),
    }
