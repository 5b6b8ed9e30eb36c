"""The app's own settings: notification channels, the check interval, each platform's sign-in app.

What the Settings dialog and ``socialdesk providers`` do. The dialog's pages each put their part into
one :class:`PreferencesDraft`; :func:`check_preferences` validates the whole draft and
:func:`save_preferences` writes it all or nothing: the database rows, ``providers.toml`` and the
client secrets in the keyring. A write that fails puts back what the earlier writes changed (the
previous file and the previous secrets, read before anything was written) and the database is not
committed, so a failure on the third platform leaves nothing saved.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from socialdesk.models.catalogue import PLATFORMS, ConnectionType
from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import health, notifications
from socialdesk.services import members as members_service
from socialdesk.services.errors import NotAllowedError, SocialDeskError, ValidationError
from socialdesk.services.listing import format_table as format_table
from socialdesk.services.providers import BUILT_IN, ProviderEdit, plan_provider_settings, write_providers_file
from socialdesk.services.providers import Provider as Provider
from socialdesk.services.providers import ProviderCatalogue as ProviderCatalogue
from socialdesk.services.providers import load_providers as _load_providers
from socialdesk.services.tokens import KeyringReadError as KeyringReadError
from socialdesk.services.tokens import TokenStore as TokenStore
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "AppEdit",
    "AppStatus",
    "KeyringReadError",
    "Preferences",
    "PreferencesDraft",
    "Provider",
    "ProviderCatalogue",
    "SavedPreferences",
    "TokenStore",
    "Workspace",
    "app_problem",
    "check_preferences",
    "clear_client_secret",
    "connect_pasted_token",
    "find_app",
    "format_table",
    "load_catalogue",
    "load_preferences",
    "save_preferences",
    "set_client_secret",
    "sign_in_apps",
    "token_store",
]

log = logging.getLogger(__name__)

MIN_INTERVAL_MINUTES = health.MIN_INTERVAL_MINUTES
MAX_INTERVAL_MINUTES = health.MAX_INTERVAL_MINUTES


@dataclass(frozen=True, slots=True)
class Preferences:
    """The notification channels and the minutes between automatic connection checks."""

    in_app: bool
    desktop: bool
    interval_minutes: int
    min_interval: int = MIN_INTERVAL_MINUTES
    max_interval: int = MAX_INTERVAL_MINUTES


@dataclass(frozen=True, slots=True)
class AppEdit:
    """One sign-in app's row of the Sign-in page, as typed.

    ``key`` is ``Provider.secret_key`` (``x``, ``linkedin:organization_page``); ``secret`` is ``None``
    when the user left the secret field empty (the stored secret stays).
    """

    key: str
    client_id: str
    browser: str
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class PreferencesDraft:
    """Everything the Settings dialog's pages would save; ``None`` (or no app edit) keeps a value."""

    in_app: bool | None = None
    desktop: bool | None = None
    interval_minutes: int | None = None
    apps: tuple[AppEdit, ...] = ()


@dataclass(frozen=True, slots=True)
class SavedPreferences:
    preferences: Preferences
    #: The catalogue as it is now (``None``: ``providers.toml`` could not be read, nothing of it changed).
    catalogue: ProviderCatalogue | None
    #: What was written, in order: "notifications", "interval", "providers.toml", "secret:<key>".
    written: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AppStatus:
    """One row of ``socialdesk providers list`` (docs/interfaces.md): a sign-in app and what is set."""

    platform: str
    kind: str | None
    client_id_set: bool
    client_secret_set: bool | None  # None: unknown (no keyring, or it could not be read)
    redirect_uri: str | None
    redirect_mode: str
    secret_required: bool
    browser: str
    docs_url: str
    notes: str


@dataclass(frozen=True, slots=True)
class AppsReport:
    apps: tuple[AppStatus, ...]
    #: Why secrets are not in a keyring (None when one works).
    keyring_warning: str | None = None


# -- reading ----------------------------------------------------------------------------------------


def load_preferences(workspace: Workspace) -> Preferences:
    with workspace.reading() as s:
        ch = notifications.channels(s)
        interval = health.check_interval(s)
    return Preferences(ch.in_app, ch.desktop, interval)


def load_catalogue(workspace: Workspace) -> ProviderCatalogue:
    """The providers with the workspace's ``providers.toml`` applied; raises when the file is broken."""
    return _load_providers(workspace.data_dir)


def token_store(workspace: Workspace) -> TokenStore:
    """The keyring of this workspace's secrets (client secrets and tokens)."""
    return TokenStore(workspace.workspace_id)


# -- checking and saving ----------------------------------------------------------------------------


def _provider_edits(catalogue: ProviderCatalogue, apps: Sequence[AppEdit]) -> list[ProviderEdit]:
    """The ``providers.toml`` keys each app's row changes (client id, browser), compared to the file."""
    edits: list[ProviderEdit] = []
    for app in apps:
        platform_key, _, kind = app.key.partition(":")
        provider = catalogue.get(platform_key, kind or None)
        changes: dict[str, object] = {}
        client_id = app.client_id.strip()
        if client_id != provider.client_id:
            changes["client_id"] = client_id or None
        if app.browser != provider.browser:
            changes["browser"] = app.browser
        if changes:
            edits.append((platform_key, kind or None, changes))
    return edits


def check_preferences(workspace: Workspace, draft: PreferencesDraft) -> list[tuple[str, str]]:
    """Every problem of the draft as ``(field, message)``; nothing is written. Empty: it can be saved."""
    problems: list[tuple[str, str]] = []
    minutes = draft.interval_minutes
    if minutes is not None and not MIN_INTERVAL_MINUTES <= minutes <= MAX_INTERVAL_MINUTES:
        problems.append(
            ("interval", f"Choose between {MIN_INTERVAL_MINUTES} and {MAX_INTERVAL_MINUTES} minutes")
        )
    if draft.apps:
        try:
            edits = _provider_edits(load_catalogue(workspace), draft.apps)
            if edits:
                plan_provider_settings(workspace.data_dir, edits)
        except ValidationError as exc:
            problems += list(exc.problems)
    return problems


def _secret_label(key: str) -> str:
    platform_key, _, kind = key.partition(":")
    label = PLATFORMS[platform_key].label if platform_key in PLATFORMS else platform_key
    return f"{label} ({kind.replace('_', ' ')})" if kind else label


def save_preferences(
    workspace: Workspace, tokens: TokenStore, draft: PreferencesDraft
) -> Done[SavedPreferences]:
    """Write the whole draft, or nothing of it.

    Every check runs first (``ValidationError`` with every problem). Then the database rows are
    written in one unit of work that commits last; ``providers.toml`` and the secrets are written
    inside it. When any write fails, the previous file and the previous secrets are put back and the
    unit of work rolls back; the error says that nothing was saved.
    """
    problems = check_preferences(workspace, draft)
    if problems:
        raise ValidationError(problems)
    catalogue: ProviderCatalogue | None = None
    plan = None
    if draft.apps:
        catalogue = load_catalogue(workspace)
        edits = _provider_edits(catalogue, draft.apps)
        plan = plan_provider_settings(workspace.data_dir, edits) if edits else None
    secrets = [(app.key, app.secret) for app in draft.apps if app.secret]
    # Read every secret that will be replaced before writing anything: what a rollback puts back.
    previous = {key: tokens.client_secret(key) for key, _ in secrets}
    written: list[str] = []
    file_written = False
    tried: list[str] = []
    try:
        with workspace.session() as s:
            if draft.in_app is not None or draft.desktop is not None:
                notifications.set_channels(s, in_app=draft.in_app, desktop=draft.desktop)
                written.append("notifications")
            if draft.interval_minutes is not None:
                health.set_check_interval(s, draft.interval_minutes)
                written.append("interval")
            s.flush()
            if plan is not None:
                file_written = True
                write_providers_file(workspace.data_dir, plan.data)
                catalogue = plan.catalogue
                written.append("providers.toml")
            for key, secret in secrets:
                tried.append(key)
                try:
                    tokens.set_client_secret(key, secret)
                except SocialDeskError:
                    raise
                except Exception as exc:
                    raise SocialDeskError(
                        f"The client secret of {_secret_label(key)} could not be stored in the keyring "
                        f"({type(exc).__name__}); nothing was saved. Try again, or unlock the keyring."
                    ) from exc
                written.append(f"secret:{key}")
    except BaseException:
        _roll_back(
            workspace, tokens, plan.previous if plan is not None else None, file_written, tried, previous
        )
        raise
    with workspace.reading() as s:
        ch = notifications.channels(s)
        prefs = Preferences(ch.in_app, ch.desktop, health.check_interval(s))
    return Done(
        SavedPreferences(prefs, catalogue, tuple(written)),
        Change.of(Kind.PREFERENCES, message="Settings saved."),
    )


def _roll_back(
    workspace: Workspace,
    tokens: TokenStore,
    previous_file: bytes | None,
    file_written: bool,
    tried: Sequence[str],
    previous: dict[str, str | None],
) -> None:
    """Put back what a failed save wrote outside the database (the database itself rolls back)."""
    for key in reversed(tried):
        try:
            tokens.set_client_secret(key, previous.get(key))
        except Exception:  # the keyring is failing: say so in the log, keep restoring the rest
            log.exception("Could not restore the previous client secret of %s", key)
    if file_written:
        try:
            write_providers_file(workspace.data_dir, previous_file)
        except OSError:
            log.exception("Could not restore the previous providers.toml")


# -- a pasted token (WhatsApp system user) -----------------------------------------------------------


def connect_pasted_token(
    workspace: Workspace, tokens: TokenStore, platform_key: str, token: str
) -> Done[int]:
    """Check a pasted system-user token, find its phone numbers, record my Messaging grants.

    Returns how many profiles are connected now; the network calls make this a worker's job.
    """
    from socialdesk.services import discovery
    from socialdesk.services.oauth import OAuthService

    with workspace.reading() as s:
        me = members_service.me(s)
        me_id = me.id if me is not None else None
    if me_id is None:
        raise NotAllowedError("Choose who you are in the team first.")
    service = OAuthService(load_catalogue(workspace), tokens)
    record = discovery.connect_with_token(
        workspace, service, platform_key, token, member_id=me_id, types=[ConnectionType.MESSAGING]
    )
    connected = [o for o in record.outcomes if o.connected]
    ids = [o.profile_id for o in connected]
    return Done(
        len(connected),
        Change.of(
            Kind.PROFILES, Kind.CONNECTIONS, profile_ids=ids, message="Connected with the pasted token."
        ),
    )


# -- the command line's sign-in apps (``socialdesk providers``) -----------------------------------------


def sign_in_apps(workspace: Workspace) -> AppsReport:
    """Per app to register: whether its client id and secret are set, and the redirect it will use."""
    store = token_store(workspace)
    catalogue = load_catalogue(workspace)
    available = store.available
    out: list[AppStatus] = []
    for provider in catalogue.apps():
        secret_set: bool | None = None
        if available:
            try:
                secret_set = store.client_secret(provider.secret_key) is not None
            except KeyringReadError:
                secret_set = None
        try:
            redirect: str | None = (
                provider.sign_in_redirect_uri()
                if provider.redirect_mode != "any_loopback"
                else provider.redirect_uri
            )
        except Exception:
            redirect = provider.redirect_uri or None
        out.append(
            AppStatus(
                platform=provider.platform,
                kind=provider.kind,
                client_id_set=bool(provider.client_id),
                client_secret_set=secret_set,
                redirect_uri=redirect,
                redirect_mode=provider.redirect_mode,
                secret_required=provider.secret_required,
                browser=provider.browser,
                docs_url=provider.docs_url,
                notes=provider.notes,
            )
        )
    return AppsReport(tuple(out), None if available else store.warning)


def app_problem(platform_key: str, kind: str | None) -> str | None:
    """Why ``platform_key`` [``kind``] names no sign-in app (the command line's usage error), or None."""
    if platform_key not in BUILT_IN:
        why = "has no sign-in" if platform_key in PLATFORMS else "is not a platform"
        return f"{platform_key!r} {why}; use one of {', '.join(BUILT_IN)}"
    if kind is not None and kind not in BUILT_IN[platform_key].kinds:
        own = ", ".join(BUILT_IN[platform_key].kinds)
        return f"{BUILT_IN[platform_key].label} has no separate app for kind {kind!r}" + (
            f" (kinds with their own app: {own})" if own else ""
        )
    return None


def find_app(workspace: Workspace, platform_key: str, kind: str | None) -> Provider:
    problem = app_problem(platform_key, kind)
    if problem is not None:
        raise ValidationError({"platform": problem})
    return load_catalogue(workspace).get(platform_key, kind)


def set_client_secret(
    workspace: Workspace, tokens: TokenStore, platform_key: str, kind: str | None, secret: str
) -> Done[Provider]:
    """Store an app's client secret in the keyring (never in a file)."""
    provider = find_app(workspace, platform_key, kind)
    if not secret.strip():
        raise ValidationError({"secret": "no client secret was given; nothing was changed"})
    tokens.set_client_secret(provider.secret_key, secret)
    return Done(
        provider,
        Change.of(Kind.PREFERENCES, message=f"The client secret of {provider.app_label} is stored."),
    )


def clear_client_secret(
    workspace: Workspace, tokens: TokenStore, platform_key: str, kind: str | None
) -> Done[bool]:
    """Remove an app's client secret; the value says whether there was one."""
    provider = find_app(workspace, platform_key, kind)
    if tokens.client_secret(provider.secret_key) is None:
        return Done(False)
    tokens.set_client_secret(provider.secret_key, None)
    return Done(
        True, Change.of(Kind.PREFERENCES, message=f"The client secret of {provider.app_label} was removed.")
    )
