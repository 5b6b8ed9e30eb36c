"""The connection check as the window and the command line run it, and what it found.

``run_check`` runs ``services.health.run_health_check`` with the workspace's providers and keyring,
and stops it as soon as it is asked to: between chunks (the service's own ``cancelled``), and between
network calls, since every refresh or verification first asks whether the check was cancelled. A
cancelled check writes nothing for the chunk it was in (its outcomes are not kept) and reports what
the chunks before it did. ``CheckSummary`` is what the status bar says: checked, refreshed, expired,
could not be checked, expiring within 7 days, whether or not anything expired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from socialdesk.ops.changes import NOTHING, Change, Done, Kind
from socialdesk.services import health as health_service
from socialdesk.services.health import EXPIRING_SOON, HealthReport
from socialdesk.services.oauth import OAuthService
from socialdesk.services.providers import load_providers
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace

__all__ = [
    "EXPIRING_SOON",
    "CheckCancelled",
    "CheckSummary",
    "HealthReport",
    "TokenStore",
    "check_interval",
    "provider_warnings",
    "run_check",
    "token_store",
]


class CheckCancelled(BaseException):
    """Raised inside a check's worker before a network call once the check was cancelled.

    A ``BaseException`` on purpose: the service's per-token handlers record an ``Exception`` as
    "could not be checked — will retry" (a back-off in the database); a cancel must record nothing."""


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """What one check did, in the counts the window shows."""

    checked: int
    ok: int
    refreshed: int
    expired: int
    failed: int  # could not be checked now (network, server): will retry
    not_checked: int  # tokens not on this computer, providers not set up, waiting for a retry
    expiring_soon: int  # within EXPIRING_SOON and without a refresh token: connect again in time
    seconds: float
    cancelled: bool
    changed_profile_ids: tuple[int, ...]
    report: HealthReport | None  # None when the check was cancelled before it finished

    @property
    def expiring_days(self) -> int:
        return EXPIRING_SOON.days


class _StoppableService(OAuthService):
    """The OAuth service whose refresh and verification calls stop once ``cancelled()`` says so."""

    def __init__(self, service: OAuthService, cancelled: Callable[[], bool]) -> None:
        super().__init__(
            service.catalogue, service.tokens, timeout=service.timeout, deadline=service.deadline
        )
        self._cancelled = cancelled

    def _go_on(self) -> None:
        if self._cancelled():
            raise CheckCancelled

    def refresh_stored(self, platform: str, ref: str, tokens: TokenSet) -> TokenSet:
        self._go_on()
        return super().refresh_stored(platform, ref, tokens)

    def check(self, platform: str, tokens: TokenSet) -> TokenSet | None:
        self._go_on()
        return super().check(platform, tokens)


def token_store(workspace: Workspace) -> TokenStore:
    """The keyring entries of this workspace (tokens and client secrets)."""
    return TokenStore(workspace.workspace_id)


def check_interval(workspace: Workspace) -> int:
    """Minutes between two automatic checks (a workspace setting)."""
    with workspace.reading() as s:
        return health_service.check_interval(s)


def provider_warnings(workspace: Workspace) -> tuple[str, ...]:
    """What ``providers.toml`` ignored (unknown keys, a client secret), said before a check from the command
    line; a broken file raises ``ProvidersFileError``."""
    return tuple(load_providers(workspace.data_dir).warnings)


def summarise(report: HealthReport, *, cancelled: bool = False) -> CheckSummary:
    return CheckSummary(
        checked=report.checked,
        ok=report.ok,
        refreshed=len(report.refreshed),
        expired=len(report.expired),
        failed=len(report.failed),
        not_checked=sum(sum(c.values()) for c in report.unchecked.values()),
        expiring_soon=len(report.expiring_soon),
        seconds=report.seconds,
        cancelled=cancelled,
        changed_profile_ids=tuple(dict.fromkeys(c.grant.profile_id for c in report.changes)),
        report=report,
    )


def run_check(
    workspace: Workspace,
    tokens: TokenStore | None = None,
    *,
    cancelled: Callable[[], bool] | None = None,
    force: bool = False,
    service: OAuthService | None = None,
    yield_to_user: Callable[[], object] | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> Done[CheckSummary]:
    """Check the due connections now (``force`` ignores the back-off); stops between calls on ``cancelled``.

    Runs in a worker (never on the GUI thread). A broken ``providers.toml`` raises
    ``ProvidersFileError`` before anything is checked. ``yield_to_user`` is called at every checkpoint
    (before each network call, between chunks) and may wait there while the user works the window:
    the check's Python work competes with the window's for the one interpreter lock, so a sort or a
    filter while a chunk is being written took twice its time. ``progress(done, due)`` is called (in
    the worker) when the due grants are known and after each chunk."""
    stop = cancelled or (lambda: False)

    def checkpoint() -> bool:
        if yield_to_user is not None:
            yield_to_user()
        return stop()

    base = service or OAuthService(load_providers(workspace.data_dir), tokens or token_store(workspace))
    stoppable = _StoppableService(base, checkpoint)
    try:
        report = health_service.run_health_check(
            workspace, stoppable, force=force, cancelled=checkpoint, progress=progress
        )
    except CheckCancelled:
        summary = CheckSummary(0, 0, 0, 0, 0, 0, 0, 0.0, True, (), None)
        return Done(summary, NOTHING)
    summary = summarise(report, cancelled=stop())
    if not summary.changed_profile_ids and not report.notifications:
        return Done(summary, NOTHING)
    kinds = [Kind.CONNECTIONS, Kind.PROFILES] if summary.changed_profile_ids else []
    if report.notifications:
        kinds.append(Kind.NOTIFICATIONS)
    return Done(summary, Change.of(*kinds, profile_ids=summary.changed_profile_ids))
