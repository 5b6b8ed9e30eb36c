"""The connection health check: refresh what is near expiry, expire only what the platform rejects.

Run on start, on a timer (:func:`check_interval`, default 30 minutes, a workspace setting) and by
``socialdesk check``. It never runs on the GUI thread: the GUI calls :func:`run_health_check` in a
worker and shows the returned :class:`HealthReport`. Network and keyring work runs in a bounded
thread pool (:data:`MAX_WORKERS`); the database is read and written from the calling thread.

Cost: only grants whose tokens are on this computer and that are due are selected, in SQL (Core);
the rest are counted per platform in SQL. The due tokens go in chunks (:data:`CHUNK_TOKENS`), each
read, checked and written in its own short transaction, with a pause between chunks, so memory is
bounded by a chunk and the GUI and the profile loader keep running (docs/scale.md).

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

import contextlib
import json
import logging
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection as DbConnection
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import KIND_LABELS, ConnectionType, GrantState, platform
from socialdesk.models.schema import Grant, Meta
from socialdesk.models.wording import counted
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
            f"Connection health check at {iso(self.started_at)}: "
            f"{counted(self.checked, '{n} grant', '{n} grants')} checked in "
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
            new = counted(len(self.notifications), "{n} new notification", "{n} new notifications")
            out.append(f"{new}: see `socialdesk notifications`.")
        return out


# -- running it -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Outcome:
    kind: str  # ok | refreshed | expired | failed | absent | not_configured
    reason: str = ""
    tokens: TokenSet | None = None


#: Distinct tokens per chunk: each chunk is one short read, its checks, one short write, then a pause.
CHUNK_TOKENS = 200
#: How much lower the check's worker threads run (``nice``), see ``_background_priority``.
BACKGROUND_NICE = 10
#: Grants per chunk, about (a token's grants stay together): bounds the memory of a chunk.
CHUNK_GRANTS = 2000
#: The pause between chunks, so the GUI thread and the profile loader get the GIL and the database.
CHUNK_PAUSE_S = 0.02

#: Every query of the check that joins the profiles says ``+p.deleted_at IS NULL``: the unary ``+`` keeps
#: SQLite off ``ix_profiles_deleted_at``, which holds 99 % of the profiles (the live ones) and would make
#: the profiles drive the join; from the grants, their own indexes (``ix_grants_token_ref``,
#: ``ix_grants_expiring``) pick the few rows the check wants. Measured at 100,000 profiles: the
#: expiring grants 115 ms -> 0.1 ms, those waiting out a back-off 120 -> 23 ms, the due tokens
#: 115 -> 75 ms, the grants made elsewhere 114 -> 70 ms (``test_health.py`` asserts the plans).
_GRANT_COLUMNS = (
    "SELECT g.id, c.id, p.id, p.platform, p.kind, c.type, p.display_name, p.handle, m.name, "
    "g.expires_at, g.has_refresh_token, g.token_ref, g.next_check_at, g.check_failures "
    "FROM grants g JOIN connections c ON c.id = g.connection_id "
    "JOIN profiles p ON p.id = c.profile_id JOIN members m ON m.id = g.member_id "
    "WHERE g.state = 'active' AND +p.deleted_at IS NULL"
)
#: The token is on this computer (its keyring holds it, or should).
_HERE = " AND g.token_ref IS NOT NULL AND g.token_ref != ''"
#: Due: never failed, or its back-off has passed (``:now``), unless the check is forced (``:force``).
_DUE = " AND (:force OR g.next_check_at IS NULL OR g.next_check_at <= :now)"


def _when(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _grant_ref(row: Sequence[Any]) -> GrantRef:
    return GrantRef(
        grant_id=row[0],
        connection_id=row[1],
        profile_id=row[2],
        platform=row[3],
        kind=row[4],
        connection_type=ConnectionType(row[5]),
        profile_name=row[6],
        handle=row[7],
        member=row[8],
        expires_at=_when(row[9]),
        has_refresh_token=bool(row[10]),
        token_ref=row[11],
        next_check_at=_when(row[12]),
        check_failures=row[13] or 0,
    )


def _db_time(value: datetime) -> str:
    """A naive UTC time as SQLAlchemy stores it in SQLite, so text comparison in SQL is time order."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _due_tokens(conn: DbConnection, now: datetime, *, force: bool) -> list[tuple[str, int]]:
    """The distinct tokens (``token_ref``) on this computer that have a due active grant, with how many.

    Selected in SQL with Core, so a workspace of 100,000 profiles whose grants were mostly made
    elsewhere costs one read, not every grant in memory; a list of token names stays small (a few
    MB even if every grant had its own token).
    """
    return [
        (r[0], r[1])
        for r in conn.execute(
            text(
                "SELECT g.token_ref, count(*) FROM grants g JOIN connections c ON c.id = g.connection_id "
                "JOIN profiles p ON p.id = c.profile_id "
                "WHERE g.state = 'active' AND +p.deleted_at IS NULL"
                + _HERE
                + _DUE
                + " GROUP BY g.token_ref ORDER BY g.token_ref"
            ),
            {"now": _db_time(now), "force": force},
        )
    ]


def _chunks(refs: Sequence[tuple[str, int]], tokens: int, grants: int) -> Iterator[list[str]]:
    """Consecutive runs of at most ``tokens`` tokens and about ``grants`` grants (a token's grants
    stay together, so one token with more grants is a chunk of its own)."""
    chunk: list[str] = []
    size = 0
    for ref, count in refs:
        if chunk and (len(chunk) >= tokens or size + count > grants):
            yield chunk
            chunk, size = [], 0
        chunk.append(ref)
        size += count
    if chunk:
        yield chunk


def _grants_of(conn: DbConnection, refs: Sequence[str], now: datetime, *, force: bool) -> list[GrantRef]:
    """The due active grants of the given tokens: one chunk of the check, grants sharing a token together."""
    rows = conn.execute(
        text(
            _GRANT_COLUMNS
            + _HERE
            + _DUE
            + " AND g.token_ref IN (SELECT value FROM json_each(:refs)) ORDER BY g.id"
        ),
        {"now": _db_time(now), "force": force, "refs": json.dumps(list(refs))},
    )
    return [_grant_ref(r) for r in rows]


def _count_not_checked(conn: DbConnection, report: HealthReport, now: datetime, *, force: bool) -> None:
    """Grants the check leaves alone, counted per platform in SQL: tokens made elsewhere, and tokens
    waiting out the back-off of an earlier failure."""
    for key, n in conn.execute(
        text(
            "SELECT p.platform, count(*) FROM grants g JOIN connections c ON c.id = g.connection_id "
            "JOIN profiles p ON p.id = c.profile_id WHERE g.state = 'active' AND +p.deleted_at IS NULL "
            "AND (g.token_ref IS NULL OR g.token_ref = '') GROUP BY p.platform"
        )
    ):
        report.not_checked(key, NOT_HERE, n)
    if force:
        return
    for key, until, n in conn.execute(
        text(
            "SELECT p.platform, g.next_check_at, count(*) FROM grants g "
            "JOIN connections c ON c.id = g.connection_id JOIN profiles p ON p.id = c.profile_id "
            "WHERE g.state = 'active' AND +p.deleted_at IS NULL" + _HERE + " AND g.next_check_at > :now "
            "GROUP BY p.platform, g.next_check_at"
        ),
        {"now": _db_time(now)},
    ):
        report.not_checked(
            key, f"waiting until {iso(_when(until))} to retry after a failed check: nothing changed", n
        )


def _expiring(conn: DbConnection, now: datetime, within: timedelta = EXPIRING_SOON) -> list[GrantRef]:
    """Active grants that expire within ``within`` and cannot refresh themselves, found in SQL."""
    rows = conn.execute(
        text(
            _GRANT_COLUMNS + " AND g.has_refresh_token = 0 AND g.expires_at > :now AND g.expires_at <= :until"
        ),
        {"now": _db_time(now), "until": _db_time(now + within)},
    )
    return expiring_soon([_grant_ref(r) for r in rows], now, within)


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
    chunk_tokens: int = CHUNK_TOKENS,
    pause: float = CHUNK_PAUSE_S,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> HealthReport:
    """Check the due active grants whose tokens are on this computer; ``force`` ignores the back-off.

    Safe to call from a worker thread; returns what changed. The work goes in chunks of
    ``chunk_tokens`` distinct tokens: a short read, the checks in the pool, a short write (its own
    transaction), then a ``pause`` that lets the GUI thread and the profile loader run. So memory
    stays bounded by a chunk whatever the workspace's size, and a long check never holds the
    database. ``cancelled`` (e.g. the window closing) stops it between chunks, keeping what was
    written. Desktop notification hooks are called (from this thread) after each chunk is committed.
    ``progress(done, due)`` (from this thread) says how many of the due grants are done: once the due
    ones are known (0 of them), then after each chunk.
    """
    now = now or utcnow()
    started = time.perf_counter()
    report = HealthReport(started_at=now)
    with workspace.session() as session:
        interval = check_interval(session)
    margin = timedelta(minutes=interval) + REFRESH_SLACK
    with workspace.engine.connect() as conn:
        _count_not_checked(conn, report, now, force=force)
        refs = _due_tokens(conn, now, force=force)
    due = sum(n for _ref, n in refs)
    counts = dict(refs)
    done = 0
    if progress is not None:
        progress(done, due)
    if refs:
        # Only now is the keyring touched: a workspace without tokens here needs none. One keyring
        # session for the probe and all the reads: a session per read held the interpreter lock ~6 ms.
        with service.tokens.reading():
            report.keyring_warning = None if service.tokens.available else service.tokens.warning
            with ThreadPoolExecutor(
                max_workers=max(1, max_workers), thread_name_prefix="health", initializer=_background_priority
            ) as pool:
                for n, chunk in enumerate(_chunks(refs, max(1, chunk_tokens), CHUNK_GRANTS)):
                    if cancelled is not None and cancelled():
                        break
                    if n:
                        time.sleep(pause)
                    with workspace.engine.connect() as conn:
                        grants = _grants_of(conn, chunk, now, force=force)
                    _check_chunk(workspace, service, pool, grants, now, margin, report)
                    done += sum(counts[ref] for ref in chunk)
                    if progress is not None:
                        progress(done, due)
    with workspace.engine.connect() as conn:
        report.expiring_soon = _expiring(conn, now)
    report.finished_at = utcnow()
    report.seconds = time.perf_counter() - started
    return report


def _background_priority() -> None:
    """Lower this worker thread's CPU priority (Linux: nice +10 for the thread), so on a busy
    machine the GUI thread and the profile loader come first. The threads end with the check."""
    # Not Linux, or not allowed: the check runs as it is.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)


def _check_chunk(
    workspace: Workspace,
    service: OAuthService,
    pool: ThreadPoolExecutor,
    grants: list[GrantRef],
    now: datetime,
    margin: timedelta,
    report: HealthReport,
) -> None:
    """Check one chunk's tokens in the pool, then write its outcomes in one short transaction."""
    by_ref: dict[str, list[GrantRef]] = defaultdict(list)
    for g in grants:
        if g.token_ref:
            by_ref[g.token_ref].append(g)
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
    #: Grants whose token works: one UPDATE for all of them (most of a check; no ORM objects).
    fine: list[int] = []
    with workspace.session() as session:
        became_expired: set[int] = set()
        for ref, outcome in outcomes.items():
            group = by_ref[ref]
            if outcome.kind in ("absent", "not_configured"):
                for g in group:
                    report.not_checked(g.platform, outcome.reason)
                continue
            report.checked += len(group)
            if outcome.kind == "ok":
                fine.extend(g.grant_id for g in group)
                continue
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
        if fine:
            # Still active: a grant changed meanwhile (another window, a sign-in) is left alone.
            done = session.execute(
                text(
                    "UPDATE grants SET last_checked_at = :now, last_error = NULL, check_failures = 0, "
                    "next_check_at = NULL "
                    "WHERE state = 'active' AND id IN (SELECT value FROM json_each(:ids))"
                ),
                {"now": _db_time(now), "ids": json.dumps(fine)},
            )
            report.ok += getattr(done, "rowcount", 0)
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
    report.notifications.extend(new_notes)
    notifications.dispatch_desktop(workspace, new_notes)


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
