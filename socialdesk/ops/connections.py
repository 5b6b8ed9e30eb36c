"""Connections as the sign-in window, the account picker and bulk re-connect use them.

The window's part of a sign-in is the provider's pages; everything around them is here: the sign-in
service for a workspace (``sign_in_service``: providers.toml and the keyring), the code exchange and
the discovery of the accounts it manages (network calls: run them in a worker), the system browser's
loopback listener, who may connect or claim a profile and for which types (``connect_target``,
``start_claim``), recording a sign-in (``connect_profiles``, ``claim_with_sign_in``, ``add_accounts``),
which discovered accounts are already profiles (``known_accounts``: indexed on the accounts' ids, never
a walk over the workspace), and the bulk re-connect's type choices and plan.

Reads use ``workspace.reading()``; the recording writes are the services' own units of work (one
transaction each, the keyring written with it) and return ``Done`` with a CONNECTIONS and PROFILES
change. A refusal raises ``SocialDeskError`` with the rule's reason; nothing is written. The flows hand
the change to the window through their ``FlowResult`` (the main window refreshes the rows and the push
queue pushes waiting settings), so they do not publish it a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from socialdesk.models.catalogue import ConnectionType, Role, unsupported_reason
from socialdesk.ops.changes import NOTHING, Change, Done, Kind
from socialdesk.services import discovery as discovery_service
from socialdesk.services import members as members_service
from socialdesk.services import profiles as profiles_service
from socialdesk.services import reconnect
from socialdesk.services.discovery import Account, Discovery
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.loopback import LoopbackListener, PortInUseError
from socialdesk.services.oauth import (
    AuthorizationRequest,
    NotConfiguredError,
    OAuthService,
    PortBusyError,
    ProviderError,
    SignInError,
    StateMismatchError,
    TransientError,
)
from socialdesk.services.providers import BUILT_IN, KIND_APP_LABELS, Provider, is_loopback_url, load_providers
from socialdesk.services.reconnect import (
    BulkPlan,
    ConnectOutcome,
    KnownAccount,
    PlanItem,
    PlanState,
    ProfileResult,
    SignInRefused,
    Target,
    TypeChoice,
    addable_types,
)
from socialdesk.services.rules import (
    READ_ONLY,
    Actor,
    can_claim,
    can_connect,
    claim_needs_sign_in,
    expired_types,
)
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace

__all__ = [
    "KIND_APP_LABELS",
    "Account",
    "AuthorizationRequest",
    "BulkPlan",
    "ClaimStart",
    "ConnectOutcome",
    "ConnectTarget",
    "Discovery",
    "KnownAccount",
    "LoopbackListener",
    "NotConfiguredError",
    "OAuthService",
    "PlanItem",
    "PlanState",
    "PortBusyError",
    "PortInUseError",
    "ProfileResult",
    "Provider",
    "ProviderError",
    "SignInError",
    "SignInRefused",
    "SignIns",
    "StateMismatchError",
    "Target",
    "TokenSet",
    "TokenStore",
    "TransientError",
    "TypeChoice",
    "add_accounts",
    "addable_types",
    "begin_sign_in",
    "bulk_plan",
    "cancel_sign_in",
    "claim_with_sign_in",
    "connect_profiles",
    "connect_target",
    "discover_accounts",
    "exchange_code",
    "is_loopback_url",
    "kind_apps",
    "known_accounts",
    "listen_for_answer",
    "me",
    "me_writer",
    "preflight",
    "provider_of",
    "sign_in_service",
    "start_claim",
    "token_store",
    "type_choices",
]


# -- the sign-in service and its network steps ---------------------------------------------------------


def token_store(workspace: Workspace) -> TokenStore:
    """The workspace's keyring entries (tokens and client secrets)."""
    return TokenStore(workspace.workspace_id)


class SignIns(Protocol):
    """The sign-in service as the windows hold it: a handle they pass back to the functions below.

    It declares no methods on purpose: a window begins, cancels and completes a sign-in through these
    operations, never by calling the service (under ``socialdesk/ui`` mypy refuses ``handle.begin()``).
    Any ``OAuthService`` is one (tests build theirs against a local server)."""


def _service(handle: SignIns) -> OAuthService:
    if not isinstance(handle, OAuthService):
        raise TypeError(f"not a sign-in service: {type(handle).__name__}")
    return handle


def sign_in_service(workspace: Workspace, store: TokenStore | None = None) -> SignIns:
    """The sign-in service of the workspace: its ``providers.toml`` (raises ``ProvidersFileError``) and
    keyring. A handle: it holds the pending sign-ins between ``begin_sign_in`` and their answer."""
    return OAuthService(load_providers(workspace.data_dir), store or token_store(workspace))


def provider_of(handle: SignIns, platform_key: str, kind: str | None = None) -> Provider:
    """The platform's app as providers.toml sets it up (the kind's own app where it has one)."""
    return _service(handle).provider(platform_key, kind)


def preflight(handle: SignIns, platform_key: str, *, kind: str | None = None) -> Provider:
    """Is the platform's app set up for a sign-in? Raises ``NotConfiguredError`` saying what is missing."""
    return _service(handle).preflight(platform_key, kind=kind)


def begin_sign_in(
    handle: SignIns, platform_key: str, types: Iterable[ConnectionType], *, kind: str | None = None
) -> AuthorizationRequest:
    """Start a sign-in for ``types``: the URL to open, the redirect to wait for, the PKCE secret."""
    return _service(handle).begin(platform_key, types, kind=kind)


def cancel_sign_in(handle: SignIns, request: AuthorizationRequest) -> None:
    """Forget a pending sign-in: a late answer to it is refused."""
    _service(handle).cancel(request)


def exchange_code(handle: SignIns, request: AuthorizationRequest, redirect_url: str) -> TokenSet:
    """The answer's code for the token (a network call: in a worker). A refused answer raises its error."""
    return _service(handle).complete(request, redirect_url)


def discover_accounts(
    handle: SignIns, platform_key: str, tokens: TokenSet, *, kind: str | None = None
) -> Discovery:
    """Who signed in and the accounts they manage (network calls: in a worker)."""
    return discovery_service.discover(_service(handle), platform_key, tokens, kind=kind)


def listen_for_answer(
    request: AuthorizationRequest, on_answer: Callable[[str], None], timeout: float
) -> LoopbackListener:
    """Start listening for the system browser's answer to ``request`` (its redirect port, its state).

    ``on_answer`` is called on the listener's thread; a taken port raises :class:`PortInUseError`."""
    listener = LoopbackListener(request.redirect_uri, request.state, on_answer, timeout)
    listener.start()
    return listener


def kind_apps() -> tuple[tuple[str, str, str], ...]:
    """(platform, kind, label) of the kinds that sign in with their own app (LinkedIn organization pages)."""
    return tuple(
        (key, kind, KIND_APP_LABELS.get(kind, kind))
        for key, provider in BUILT_IN.items()
        for kind in provider.kinds
    )


# -- who connects what --------------------------------------------------------------------------------


def me(workspace: Workspace) -> Actor | None:
    """*Me* (``None`` until chosen), read without waiting for a writer."""
    with workspace.reading() as s:
        return members_service.me_actor(s)


def me_writer(workspace: Workspace) -> Actor:
    """*Me*, able to write: raises with the reason otherwise (not chosen yet, an Analyst)."""
    actor = me(workspace)
    if actor is None:
        raise SocialDeskError("Choose who you are in the team first")
    if actor.role is Role.ANALYST:
        raise SocialDeskError(READ_ONLY)
    return actor


@dataclass(frozen=True, slots=True)
class ConnectTarget:
    """A profile I may connect, and the types one sign-in will ask for."""

    actor: Actor
    target: Target
    types: tuple[ConnectionType, ...]


def connect_target(
    workspace: Workspace, profile_id: int, types: Sequence[ConnectionType] | None = None
) -> ConnectTarget:
    """Re-connect (``types=None``: the expired ones) or connect the given types: refused with the reason
    when I may not (``rules.can_connect``), a type does not exist for the profile, or nothing expired."""
    actor = me_writer(workspace)
    with workspace.reading() as s:
        view = profiles_service.view(s, profile_id)
        target = reconnect.load_target(s, profile_id)
    if not (decision := can_connect(actor, view)):
        raise SocialDeskError(decision.reason)
    chosen = list(types) if types is not None else expired_types(view)
    for ctype in chosen:
        if (reason := unsupported_reason(view.facts, ctype)) is not None:
            raise SocialDeskError(f"{target.name}: {reason}")
    if not chosen:
        raise SocialDeskError(f"{target.name} has no expired connection to re-connect")
    return ConnectTarget(actor, target, tuple(chosen))


@dataclass(frozen=True, slots=True)
class ClaimStart:
    """A claim I may make: done already (Live Chat, public profiles), or the types its sign-in asks for."""

    actor: Actor
    target: Target
    claimed: bool
    types: tuple[ConnectionType, ...]


def start_claim(workspace: Workspace, profile_id: int) -> Done[ClaimStart]:
    """Claim ownership: refused with the rule's reason (``rules.can_claim``); claimed at once when no
    sign-in can prove it (``rules.claim_needs_sign_in``), else the types the proving sign-in asks for."""
    actor = me_writer(workspace)
    with workspace.session() as s:
        view = profiles_service.view(s, profile_id)
        target = reconnect.load_target(s, profile_id)
        if not (decision := can_claim(actor, view)):
            raise SocialDeskError(decision.reason)
        if not claim_needs_sign_in(view):
            reconnect.claim_without_sign_in(s, actor, profile_id)
            return Done(
                ClaimStart(actor, target, True, ()),
                Change.of(Kind.PROFILES, profile_ids=[profile_id]),
            )
    return Done(ClaimStart(actor, target, False, tuple(reconnect.claim_types(view))), NOTHING)


# -- recording a sign-in --------------------------------------------------------------------------------


def _recorded(outcome: ConnectOutcome) -> Done[ConnectOutcome]:
    """The change of a recorded sign-in: the rows it touched, the whole list when profiles were added."""
    if not outcome.changed:
        return Done(outcome, NOTHING)
    ids = () if outcome.added else outcome.changed
    return Done(outcome, Change.of(Kind.CONNECTIONS, Kind.PROFILES, profile_ids=ids))


def connect_profiles(
    workspace: Workspace,
    store: TokenStore,
    provider: Provider,
    *,
    member_id: int,
    types: Iterable[ConnectionType | str],
    tokens: TokenSet,
    discovery: Discovery,
    profile_ids: Sequence[int],
    refuse_without_permission: bool = True,
) -> Done[ConnectOutcome]:
    """Record one sign-in as the member's grants on the profiles it manages (``reconnect.connect_profiles``:
    a wrong account or no permission at all is ``SignInRefused`` with nothing changed)."""
    return _recorded(
        reconnect.connect_profiles(
            workspace,
            store,
            provider,
            member_id=member_id,
            types=types,
            tokens=tokens,
            discovery=discovery,
            profile_ids=profile_ids,
            refuse_without_permission=refuse_without_permission,
        )
    )


def claim_with_sign_in(
    workspace: Workspace,
    store: TokenStore,
    provider: Provider,
    *,
    member_id: int,
    profile_id: int,
    types: Iterable[ConnectionType | str],
    tokens: TokenSet,
    discovery: Discovery,
) -> Done[ConnectOutcome]:
    """Claim with a sign-in that returned the profile, then record its grants (the claim first)."""
    return _recorded(
        reconnect.claim_with_sign_in(
            workspace,
            store,
            provider,
            member_id=member_id,
            profile_id=profile_id,
            types=types,
            tokens=tokens,
            discovery=discovery,
        )
    )


def add_accounts(
    workspace: Workspace,
    store: TokenStore,
    provider: Provider,
    *,
    member_id: int,
    types: Iterable[ConnectionType | str],
    tokens: TokenSet,
    discovery: Discovery,
    chosen: Sequence[str],
) -> Done[ConnectOutcome]:
    """The chosen accounts become owned profiles (known ones are re-connected, their owners kept)."""
    return _recorded(
        reconnect.add_accounts(
            workspace,
            store,
            provider,
            member_id=member_id,
            types=types,
            tokens=tokens,
            discovery=discovery,
            chosen=chosen,
        )
    )


# -- the account picker and bulk re-connect --------------------------------------------------------------


def known_accounts(workspace: Workspace, me_id: int | None, discovery: Discovery) -> dict[str, KnownAccount]:
    """platform id → the profile already in the workspace for each discovered account (a read).

    Indexed lookups of the discovered ids in chunks: its cost follows the accounts found (500 pages of
    an agency), not the workspace (a million profiles)."""
    with workspace.reading() as s:
        return reconnect.known_accounts(s, me_id, discovery)


def type_choices(workspace: Workspace, profile_ids: Sequence[int]) -> list[TypeChoice]:
    """Every connection type some selected profile supports, with how many of them *I* can re-connect."""
    with workspace.reading() as s:
        return reconnect.type_choices(s, members_service.me_actor(s), profile_ids)


def bulk_plan(workspace: Workspace, profile_ids: Sequence[int], ctype: ConnectionType | str) -> BulkPlan:
    """For ONE type: the expired profiles per platform, and why the others are not re-connected."""
    with workspace.reading() as s:
        return reconnect.bulk_plan(s, members_service.me_actor(s), profile_ids, ctype)
