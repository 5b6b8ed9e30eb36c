"""Connecting profiles that are already in the workspace through a sign-in (no Qt).

The sign-in window (``ui/sign_in.py``) gets a token and a :class:`~socialdesk.services.discovery.Discovery`;
the use cases here decide what that sign-in may change and record it:

* :func:`connect_profiles` — re-connect one profile's expired connections, one connection, or many
  profiles of one platform (bulk re-connect: one sign-in serves them all). A profile the signed-in
  account does not manage is a *wrong account*; when it manages none of them, or grants none of the
  permissions asked for, nothing is changed at all (:class:`SignInRefused`).
* :func:`claim_with_sign_in` — claiming ownership needs a sign-in that returns the profile.
* :func:`add_accounts` — the accounts chosen after an "add profiles" sign-in become owned profiles.
* :func:`bulk_plan` — for a selection and ONE connection type: the profiles to re-connect grouped per
  platform, and those for which the type is unsupported, not expired or not allowed, with the reason.

Rules live here and in ``rules``; the GUI only shows the answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import (
    PLATFORM_KEYS,
    ConnectionState,
    ConnectionType,
    Ownership,
    ProfileFacts,
    Role,
    Visibility,
    platform,
    supported_types,
    unsupported_reason,
)
from socialdesk.models.schema import Connection, Grant, Profile, ProfileOwner, ProfileShare
from socialdesk.services import discovery as discovery_service
from socialdesk.services import members as members_service
from socialdesk.services import profiles as profiles_service
from socialdesk.services.discovery import Discovery
from socialdesk.services.errors import NotAllowedError, SocialDeskError
from socialdesk.services.providers import Provider
from socialdesk.services.rules import (
    Actor,
    ProfileView,
    can_connect,
    claim_needs_sign_in,
    connection_state,
    ownership,
)
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace

#: SQLite limits the number of bound parameters; selections are read in chunks of this size.
_CHUNK = 900


class SignInRefused(SocialDeskError):
    """The sign-in worked but cannot be used for what was asked; nothing was changed.

    ``str()`` says what happened, ``advice`` what to do (both for the user).
    """

    def __init__(self, message: str, advice: str = "", *, kind: str = "") -> None:
        super().__init__(message)
        self.advice = advice
        #: ``wrong_account`` or ``missing_permission`` (for the caller's wording and tests).
        self.kind = kind


# -- what a sign-in is for (who may connect: ``rules.can_connect``) -----------------------------------


def claim_types(view: ProfileView) -> list[ConnectionType]:
    """What a claim signs in for: the profile's established connections, else its first supported type."""
    established = [
        t for t, s in view.supported_connections().items() if s is not ConnectionState.NOT_ESTABLISHED
    ]
    return established or list(supported_types(view.facts))[:1]


# -- the profiles a sign-in is for -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A profile to connect, as the sign-in window and the results name it."""

    profile_id: int
    platform: str
    kind: str
    name: str
    handle: str
    platform_id: str | None


def _target(profile: Profile) -> Target:
    return Target(
        profile.id, profile.platform, profile.kind, profile.display_name, profile.handle, profile.platform_id
    )


def load_target(session: Session, profile_id: int) -> Target:
    return _target(profiles_service.get_profile(session, profile_id))


@dataclass(frozen=True, slots=True)
class ProfileResult:
    """What one sign-in did for one profile: the types connected and, for the rest, why not."""

    profile_id: int
    name: str
    connected: tuple[ConnectionType, ...] = ()
    failed: tuple[tuple[ConnectionType, str], ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.connected) and not self.failed

    @property
    def reason(self) -> str:
        """The failures in words ("" when everything was connected)."""
        return "; ".join(f"{t.label}: {why}" if len(self.failed) > 1 else why for t, why in self.failed)


@dataclass(frozen=True, slots=True)
class ConnectOutcome:
    platform: str
    signed_in_as: str
    results: tuple[ProfileResult, ...]
    #: Profiles whose rows changed (connected, renamed, restored).
    changed: tuple[int, ...]
    #: Profiles that were created or restored (the list's membership changed).
    added: tuple[int, ...] = ()

    @property
    def succeeded(self) -> tuple[ProfileResult, ...]:
        return tuple(r for r in self.results if r.ok)

    @property
    def failures(self) -> tuple[ProfileResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def wrong_account_reason(discovery: Discovery) -> str:
    return f"wrong account: {discovery.identity.name} does not manage this profile"


def _missing(provider: Provider, ctype: ConnectionType, tokens: TokenSet) -> list[str]:
    if not tokens.scopes:
        return []  # the platform did not say which scopes it granted: trust the request
    granted = set(tokens.scopes)
    return [s for s in provider.scopes.get(ctype, ()) if s not in granted]


def _require_permissions(provider: Provider, types: Sequence[ConnectionType], tokens: TokenSet) -> None:
    """Refuse a sign-in that granted none of the types asked for: nothing would be connected."""
    missing = {t: _missing(provider, t, tokens) for t in types}
    if all(missing.values()):
        scopes = sorted({s for m in missing.values() for s in m})
        raise SignInRefused(
            f"{provider.label} did not give the permission SocialDesk needs "
            f"({', '.join(scopes)}). Nothing was changed.",
            "Sign in again and leave every permission ticked on the consent page.",
            kind="missing_permission",
        )


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
) -> ConnectOutcome:
    """Record one sign-in as ``member_id``'s grants for ``types`` on the profiles it manages.

    Profiles of ``profile_ids`` that the signed-in account does not manage get a *wrong account*
    result; types whose permission was not granted get a *missing permission* result. When the
    sign-in manages none of the profiles, or (with ``refuse_without_permission``) granted none of
    the types, :class:`SignInRefused` is raised and nothing is changed (no grant, no keyring
    entry). Bulk re-connect passes ``False`` to show *missing permission* per profile instead.
    """
    ctypes = [ConnectionType(t) for t in types]
    with workspace.session() as s:
        targets = [load_target(s, pid) for pid in profile_ids]
    wrong = [t for t in targets if t.platform != provider.platform]
    if wrong:
        raise NotAllowedError(f"{wrong[0].name} is not a {provider.label} profile")
    managed = [t for t in targets if t.platform_id and discovery.account(t.platform_id) is not None]
    if not managed:
        names = ", ".join(t.name for t in targets[:3]) + ("…" if len(targets) > 3 else "")
        raise SignInRefused(
            f"This sign-in is for another account: {discovery.identity.name} does not manage {names}. "
            "Nothing was changed.",
            "Sign in again with the account that manages "
            + ("this profile." if len(targets) == 1 else "these profiles."),
            kind="wrong_account",
        )
    if refuse_without_permission:
        _require_permissions(provider, ctypes, tokens)
    record = discovery_service.record_sign_in(
        workspace,
        store,
        provider,
        member_id=member_id,
        types=ctypes,
        tokens=tokens,
        discovery=discovery,
        chosen=sorted({t.platform_id for t in managed if t.platform_id}),
        expected_profile_ids=[t.profile_id for t in targets],
    )
    by_id = {o.profile_id: o for o in record.outcomes}
    results = []
    for target in targets:
        outcome = by_id.get(target.profile_id)
        if outcome is None:
            results.append(
                ProfileResult(
                    target.profile_id,
                    target.name,
                    failed=tuple((t, wrong_account_reason(discovery)) for t in ctypes),
                )
            )
            continue
        results.append(
            ProfileResult(target.profile_id, target.name, tuple(outcome.connected), tuple(outcome.skipped))
        )
    return ConnectOutcome(
        provider.platform,
        discovery.identity.name,
        tuple(results),
        changed=tuple(o.profile_id for o in record.outcomes),
        added=tuple(o.profile_id for o in record.outcomes if o.created or o.restored),
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
) -> ConnectOutcome:
    """Claim ownership with a sign-in that returned the profile, then record the sign-in's grants.

    A sign-in for another account is refused with the rule's reason and changes nothing. The claim
    is committed before the grants are recorded: the proof was valid even if recording then fails.
    """
    ctypes = [ConnectionType(t) for t in types]
    with workspace.session() as s:
        member = members_service.get(s, member_id)
        actor = Actor(member.id, Role(member.role))
        profile = profiles_service.get_profile(s, profile_id)
        account = discovery.account(profile.platform_id) if profile.platform_id else None
        signed_in = account.platform_id if account is not None else discovery.identity.platform_id
        try:
            profiles_service.claim_ownership(s, actor, profile_id, signed_in)
        except NotAllowedError as exc:
            raise SignInRefused(
                f"{exc}. Nothing was changed.",
                "Sign in again with the account that manages this profile.",
                kind="wrong_account",
            ) from None
        name = profile.display_name
    try:
        outcome = connect_profiles(
            workspace,
            store,
            provider,
            member_id=member_id,
            types=ctypes,
            tokens=tokens,
            discovery=discovery,
            profile_ids=[profile_id],
        )
    except SignInRefused as exc:  # claimed, but no permission to connect: say so, keep the claim
        return ConnectOutcome(
            provider.platform,
            discovery.identity.name,
            (ProfileResult(profile_id, name, failed=tuple((t, str(exc)) for t in ctypes)),),
            changed=(profile_id,),
        )
    return ConnectOutcome(
        outcome.platform, outcome.signed_in_as, outcome.results, changed=(profile_id,), added=outcome.added
    )


def claim_without_sign_in(session: Session, actor: Actor | None, profile_id: int) -> None:
    """Live Chat (nothing to sign in to) and tracked public profiles are claimed directly."""
    view = profiles_service.view(session, profile_id)
    if claim_needs_sign_in(view):
        raise NotAllowedError(f"Sign in to {platform(view.platform).label} as this profile to claim it")
    profiles_service.claim_ownership(session, actor, profile_id)


# -- adding accounts found by a sign-in --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnownAccount:
    """A discovered account that is already in the workspace."""

    profile_id: int
    name: str
    ownership: Ownership
    deleted: bool


def known_accounts(session: Session, me_id: int | None, discovery: Discovery) -> dict[str, KnownAccount]:
    """platform id → the workspace's profile for each discovered account that is already there.

    Four indexed queries per chunk of accounts (``ix_profiles_platform_pid`` for the ids, then the found
    profiles' names, owners and shares by primary key), and only what the picker shows (name,
    ownership, deleted): the cost follows the accounts the sign-in found, never the workspace's size (an
    agency's sign-in can find hundreds of pages in a workspace of a million profiles).
    """
    found = discovery_service.existing_profiles(session, discovery.accounts)
    ids = list(dict.fromkeys(found.values()))
    rows: dict[int, tuple[str, bool, bool]] = {}
    owners: dict[int, set[int]] = defaultdict(set)
    shares: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for profile_id, name, shared_with_all, deleted_at in session.execute(
            select(Profile.id, Profile.display_name, Profile.shared_with_all, Profile.deleted_at).where(
                Profile.id.in_(chunk)
            )
        ):
            rows[profile_id] = (name, bool(shared_with_all), deleted_at is not None)
        for profile_id, member_id in session.execute(
            select(ProfileOwner.profile_id, ProfileOwner.member_id).where(ProfileOwner.profile_id.in_(chunk))
        ):
            owners[profile_id].add(member_id)
        for profile_id, member_id in session.execute(
            select(ProfileShare.profile_id, ProfileShare.member_id).where(ProfileShare.profile_id.in_(chunk))
        ):
            shares[profile_id].add(member_id)
    out: dict[str, KnownAccount] = {}
    for pid, profile_id in found.items():
        if (row := rows.get(profile_id)) is None:
            continue
        name, shared_with_all, deleted = row
        relation = ownership(me_id, owners[profile_id], shares[profile_id], shared_with_all)
        out[pid] = KnownAccount(profile_id, name, relation, deleted)
    return out


def addable_types(platform_key: str, kind: str | None = None) -> tuple[ConnectionType, ...]:
    """Types an "add profiles" sign-in may ask for: the platform's (or ``kind``'s), not public-only ones."""
    info = platform(platform_key)
    kinds = (kind,) if kind else info.kinds
    return tuple(
        t
        for t in info.connections
        if any(
            unsupported_reason(ProfileFacts(platform_key, k, Visibility.OWNED, 10**6), t) is None
            for k in kinds
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
) -> ConnectOutcome:
    """The chosen accounts become owned profiles (new ones owned by the member), connected for ``types``."""
    ctypes = [ConnectionType(t) for t in types]
    if not chosen:
        raise NotAllowedError("Choose at least one account to add")
    record = discovery_service.record_sign_in(
        workspace,
        store,
        provider,
        member_id=member_id,
        types=ctypes,
        tokens=tokens,
        discovery=discovery,
        chosen=list(chosen),
    )
    names = {a.platform_id: a.name for a in discovery.accounts}
    results = tuple(
        ProfileResult(
            o.profile_id, names.get(o.platform_id, o.platform_id), tuple(o.connected), tuple(o.skipped)
        )
        for o in record.outcomes
    )
    return ConnectOutcome(
        provider.platform,
        discovery.identity.name,
        results,
        changed=tuple(o.profile_id for o in record.outcomes),
        added=tuple(o.profile_id for o in record.outcomes if o.created or o.restored),
    )


# -- bulk re-connect plan ---------------------------------------------------------------------------


class PlanState(StrEnum):
    TO_CONNECT = "to_connect"
    NOT_EXPIRED = "not_expired"
    UNSUPPORTED = "unsupported"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class PlanItem:
    target: Target
    state: PlanState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """The selection for one connection type: to re-connect per platform, and the rest with reasons."""

    connection_type: ConnectionType
    items: tuple[PlanItem, ...]
    by_platform: Mapping[str, tuple[PlanItem, ...]] = field(default_factory=dict)

    def with_state(self, state: PlanState) -> tuple[PlanItem, ...]:
        return tuple(i for i in self.items if i.state is state)

    @property
    def to_connect(self) -> int:
        return sum(len(v) for v in self.by_platform.values())


@dataclass(frozen=True, slots=True)
class TypeChoice:
    """One connection type the selection could be re-connected for, with how many profiles it concerns."""

    connection_type: ConnectionType
    expired: int
    supported: int


def _views(session: Session, profile_ids: Sequence[int]) -> list[tuple[Profile, ProfileView]]:
    """Rule views of many profiles with a few queries per chunk (a selection can be thousands)."""
    out: list[tuple[Profile, ProfileView]] = []
    ids = list(dict.fromkeys(profile_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        profiles = {p.id: p for p in session.scalars(select(Profile).where(Profile.id.in_(chunk)))}
        owners: dict[int, set[int]] = defaultdict(set)
        for pid, mid in session.execute(
            select(ProfileOwner.profile_id, ProfileOwner.member_id).where(ProfileOwner.profile_id.in_(chunk))
        ):
            owners[pid].add(mid)
        shares: dict[int, set[int]] = defaultdict(set)
        for pid, mid in session.execute(
            select(ProfileShare.profile_id, ProfileShare.member_id).where(ProfileShare.profile_id.in_(chunk))
        ):
            shares[pid].add(mid)
        grants: dict[int, dict[ConnectionType, list[str]]] = defaultdict(lambda: defaultdict(list))
        for pid, ctype, state in session.execute(
            select(Connection.profile_id, Connection.type, Grant.state)
            .select_from(Connection)
            .outerjoin(Grant, Grant.connection_id == Connection.id)
            .where(Connection.profile_id.in_(chunk))
        ):
            states = grants[pid][ConnectionType(ctype)]
            if state is not None:
                states.append(state)
        for pid in chunk:
            profile = profiles.get(pid)
            if profile is None:
                continue
            view = ProfileView(
                id=profile.id,
                platform=profile.platform,
                kind=profile.kind,
                visibility=Visibility(profile.visibility),
                like_count=profile.like_count,
                owners=frozenset(owners[pid]),
                shared_with=frozenset(shares[pid]),
                shared_with_all=profile.shared_with_all,
                deleted=profile.deleted_at is not None,
                connections={t: connection_state(s) for t, s in grants[pid].items()},
            )
            out.append((profile, view))
    return out


def type_choices(session: Session, actor: Actor | None, profile_ids: Sequence[int]) -> list[TypeChoice]:
    """Every connection type some selected profile supports, with how many of them *I* can re-connect."""
    expired: dict[ConnectionType, int] = defaultdict(int)
    supported: dict[ConnectionType, int] = defaultdict(int)
    for _profile, view in _views(session, profile_ids):
        allowed = bool(can_connect(actor, view))
        for ctype, state in view.supported_connections().items():
            supported[ctype] += 1
            if state is ConnectionState.EXPIRED and allowed:
                expired[ctype] += 1
    return [TypeChoice(t, expired[t], supported[t]) for t in ConnectionType if supported[t]]


def bulk_plan(
    session: Session, actor: Actor | None, profile_ids: Sequence[int], ctype: ConnectionType | str
) -> BulkPlan:
    """For ONE connection type: the expired profiles grouped per platform, and why the others are not."""
    ctype = ConnectionType(ctype)
    items: list[PlanItem] = []
    for profile, view in _views(session, profile_ids):
        target = _target(profile)
        if (reason := unsupported_reason(view.facts, ctype)) is not None:
            items.append(PlanItem(target, PlanState.UNSUPPORTED, reason))
            continue
        if not (decision := can_connect(actor, view)):
            items.append(PlanItem(target, PlanState.NOT_ALLOWED, decision.reason))
            continue
        state = view.connections.get(ctype, ConnectionState.NOT_ESTABLISHED)
        if state is ConnectionState.ACTIVE:
            items.append(PlanItem(target, PlanState.NOT_EXPIRED, "connected: nothing to re-connect"))
        elif state is ConnectionState.NOT_ESTABLISHED:
            items.append(PlanItem(target, PlanState.NOT_EXPIRED, "never connected: nothing to re-connect"))
        else:
            items.append(PlanItem(target, PlanState.TO_CONNECT))
    groups: dict[str, list[PlanItem]] = defaultdict(list)
    for item in items:
        if item.state is PlanState.TO_CONNECT:
            groups[item.target.platform].append(item)
    by_platform = {
        key: tuple(sorted(groups[key], key=lambda i: i.target.name.casefold()))
        for key in PLATFORM_KEYS
        if key in groups
    }
    return BulkPlan(ctype, tuple(items), by_platform)
