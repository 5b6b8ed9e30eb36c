"""From a fresh token to profiles and grants: which accounts a sign-in can manage, and recording it.

:func:`discover` asks the platform who signed in (the provider's ``identity`` endpoint, or the
OpenID Connect ``userinfo`` ``sub``/``name`` when ``providers.toml`` sets ``userinfo_url``) and which
accounts that person manages (per platform, as data in ``providers``: Facebook pages, Instagram
business accounts, LinkedIn organization pages, WhatsApp business accounts; the account itself
elsewhere).

:func:`record_sign_in` turns the accounts the user chose into grants: a profile is matched by
platform + platform id (a re-connect updates the profile and keeps its history, never a
duplicate; a deleted one is restored), its connections get a grant of the signed-in member with the
token stored in the keyring under ``Grant.token_ref``, and every change goes to the audit log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import (
    ConnectionType,
    GrantState,
    ProfileFacts,
    Visibility,
    platform,
    unsupported_reason,
)
from socialdesk.models.schema import Connection, Grant, Member, Profile, ProfileOwner
from socialdesk.services import audit, redact
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotFoundError, ValidationError
from socialdesk.services.oauth import OAuthService, ProviderError
from socialdesk.services.providers import Endpoint, Provider, dig
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace

log = logging.getLogger(__name__)

_HANDLE_CHARS = re.compile(r"[^\w.\-+]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Account:
    """One platform account a sign-in returned."""

    platform: str
    kind: str
    platform_id: str
    name: str
    handle: str
    like_count: int | None = None
    #: The business account a WhatsApp phone number belongs to (kept on the profile).
    business_account_id: str | None = None


@dataclass(frozen=True, slots=True)
class Discovery:
    """Who signed in (``identity``) and the accounts that sign-in can manage."""

    platform: str
    identity: Account
    accounts: tuple[Account, ...]
    #: Account id -> its own access token (Meta Page tokens; Instagram accounts use their Page's).
    page_tokens: Mapping[str, str] = field(default_factory=dict)

    def account(self, platform_id: str) -> Account | None:
        return next((a for a in self.accounts if a.platform_id == platform_id), None)


def _clean_handle(value: Any, fallback: str) -> str:
    text = str(value or "").strip().lstrip("@").strip()
    text = _HANDLE_CHARS.sub("_", text)[:200].strip("_")
    return text or fallback


def _read_account(
    provider: Provider, kind: str, record: Any, endpoint: Endpoint, parent: str | None = None
) -> Account | None:
    pid = dig(record, endpoint.id)
    if pid is None or pid == "":
        return None
    pid = str(pid)
    if endpoint.id_prefix and pid.startswith(endpoint.id_prefix):
        pid = pid[len(endpoint.id_prefix) :]
    name = dig(record, endpoint.name) if endpoint.name else None
    handle = dig(record, endpoint.handle) if endpoint.handle else None
    likes = dig(record, endpoint.likes) if endpoint.likes else None
    return Account(
        platform=provider.platform,
        kind=kind,
        platform_id=pid,
        name=str(name or handle or pid),
        handle=_clean_handle(handle or name, pid),
        like_count=int(likes) if isinstance(likes, int | float) and not isinstance(likes, bool) else None,
        business_account_id=parent,
    )


def _walk(record: Any, path: str, holder: Any) -> Iterator[tuple[Any, Any]]:
    """(item, the record holding it) at a dotted ``path``; lists met on the way are flattened."""
    if not path:
        yield record, holder
        return
    head, _, rest = path.partition(".")
    if isinstance(record, list):
        for element in record:
            yield from _walk(element, path, holder)
        return
    if isinstance(record, Mapping) and head in record:
        yield from _walk(record[head], rest, record)


def _read_accounts(
    provider: Provider,
    kind: str,
    records: Iterable[Any],
    endpoint: Endpoint,
    page_tokens: dict[str, str],
    parent: str | None = None,
) -> list[Account]:
    """The accounts in ``records``; each account's own token (``endpoint.token``) into ``page_tokens``."""
    out: list[Account] = []
    for record in records:
        paths = endpoint.item.split(",") if endpoint.item else [""]
        for path in paths:
            for item, holder in _walk(record, path, record):
                for one in item if isinstance(item, list) else [item]:
                    if not isinstance(one, Mapping):
                        continue
                    account = _read_account(provider, kind, one, endpoint, parent)
                    if account is None:
                        continue
                    out.append(account)
                    if endpoint.token:
                        token = dig(one, endpoint.token) or (
                            dig(holder, endpoint.token) if isinstance(holder, Mapping) else None
                        )
                        if isinstance(token, str) and token:
                            redact.remember(token)
                            page_tokens.setdefault(account.platform_id, token)
    return out


def _records(service: OAuthService, provider: Provider, path: str, tokens: TokenSet, items: str) -> list[Any]:
    url = provider.api_url(path)
    if not items:
        return [service.get_json(provider.platform, url, tokens)]
    return service.get_all(provider.platform, url, tokens, items)


def discover(
    service: OAuthService, platform_key: str, tokens: TokenSet, *, kind: str | None = None
) -> Discovery:
    """The signed-in account and the accounts it can manage (raises a classified ``OAuthError``).

    Every list is followed to its last page. With ``userinfo_url`` (a plain OpenID provider) the
    userinfo answer is the one account, of ``kind`` (default: the platform's first kind), and
    nothing else is called.
    """
    provider = service.provider(platform_key, kind or tokens.app_kind)
    info = platform(platform_key)
    if provider.uses_userinfo:
        endpoint = Endpoint(provider.userinfo_url or "", id="sub", name="name", handle="preferred_username")
        body = service.get_json(platform_key, provider.verify_url, tokens)
        identity = _read_account(provider, kind or info.kinds[0], body, endpoint)
        if identity is None:
            raise ProviderError(
                f"{provider.label} did not say which account signed in (no 'sub'); SocialDesk cannot use "
                "this sign-in.",
                platform=platform_key,
            )
        return Discovery(platform_key, identity, (identity,))
    self_kind = next(
        (s.kind for s in provider.accounts if s.endpoint is None), provider.kind or info.kinds[0]
    )
    body = service.get_json(platform_key, provider.api_url(provider.identity.path), tokens)
    identity = _read_account(provider, self_kind, body, provider.identity)
    if identity is None:
        raise ProviderError(
            f"{provider.label} did not say which account signed in; SocialDesk cannot use this sign-in.",
            platform=platform_key,
        )
    page_tokens: dict[str, str] = {}
    accounts: list[Account] = []
    for source in provider.accounts:
        if source.endpoint is None:
            accounts.append(identity)
            continue
        endpoint = source.endpoint
        records = _records(service, provider, endpoint.path, tokens, endpoint.items)
        found = _read_accounts(provider, source.kind, records, endpoint, page_tokens)
        if endpoint.detail:
            found = [_detailed(service, provider, a, endpoint, tokens) for a in found]
        if source.each is not None:
            children: list[Account] = []
            for parent in found:
                path = source.each.path.replace("{id}", parent.platform_id)
                child_records = _records(service, provider, path, tokens, source.each.items)
                children += _read_accounts(
                    provider, source.kind, child_records, source.each, page_tokens, parent.platform_id
                )
            found = children
        accounts.extend(found)
    unique: dict[tuple[str, str], Account] = {}
    for account in accounts:
        unique.setdefault((account.kind, account.platform_id), account)
    return Discovery(platform_key, identity, tuple(unique.values()), page_tokens)


def _detailed(
    service: OAuthService, provider: Provider, account: Account, endpoint: Endpoint, tokens: TokenSet
) -> Account:
    """The account's name and handle from its own record (LinkedIn ACLs carry only the URN)."""
    body = service.get_json(
        provider.platform, provider.api_url(endpoint.detail.replace("{id}", account.platform_id)), tokens
    )
    named = _read_account(
        provider,
        account.kind,
        {**dict(body), "id": account.platform_id},
        replace(endpoint, id="id", id_prefix=""),
    )
    return named or account


#: Platform ids looked up per query (SQLite's bound-parameter limit; the lookup stays on the index).
_LOOKUP_CHUNK = 900


def existing_profiles(session: Session, accounts: Iterable[Account]) -> dict[str, int]:
    """platform id → id of the profile already in the workspace for it (deleted ones too).

    One indexed query (``ix_profiles_platform_pid``) per chunk of the accounts' ids; a live profile
    wins over a deleted one with the same id."""
    accounts = list(accounts)
    if not accounts:
        return {}
    platform_key = accounts[0].platform
    ids = list(dict.fromkeys(a.platform_id for a in accounts))
    out: dict[str, int] = {}
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        rows = session.execute(
            select(Profile.platform_id, Profile.id)
            .where(
                Profile.platform == platform_key, Profile.platform_id.in_(ids[start : start + _LOOKUP_CHUNK])
            )
            .order_by(Profile.deleted_at.is_not(None), Profile.id)
        ).all()
        for pid, profile_id in rows:
            out.setdefault(str(pid), profile_id)
    return out


# -- recording a sign-in -------------------------------------------------------------------------


@dataclass(slots=True)
class ProfileOutcome:
    """What recording did for one chosen account."""

    profile_id: int
    platform_id: str
    created: bool = False
    restored: bool = False
    connected: list[ConnectionType] = field(default_factory=list)
    #: Types not connected for this profile, with the reason (unsupported, missing permission).
    skipped: list[tuple[ConnectionType, str]] = field(default_factory=list)


@dataclass(slots=True)
class SignInRecord:
    token_ref: str
    outcomes: list[ProfileOutcome]
    #: Profiles the caller expected (re-connect) that this sign-in does not manage: wrong account.
    wrong_account: list[int] = field(default_factory=list)


def _missing_scopes(provider: Provider, ctype: ConnectionType, tokens: TokenSet) -> list[str]:
    if not tokens.scopes:
        return []  # the platform did not say; trust the request
    granted = set(tokens.scopes)
    return [s for s in provider.scopes.get(ctype, ()) if s not in granted]


def _find_or_create_profile(
    session: Session, account: Account, member: Member, known: Mapping[str, int], outcome_args: dict[str, Any]
) -> Profile:
    info = platform(account.platform)
    now = utcnow()
    profile_id = known.get(account.platform_id)
    profile: Profile | None = session.get(Profile, profile_id) if profile_id is not None else None
    if profile is None:
        # A tracked (public) profile of the same handle becomes this owned account.
        profile = session.scalar(
            select(Profile).where(
                Profile.platform == account.platform,
                Profile.handle_key == account.handle.casefold(),
                Profile.platform_id.is_(None),
            )
        )
        if profile is not None:
            profile.platform_id = account.platform_id
    if profile is None and account.business_account_id:
        # Recorded before phone numbers were profiles: its platform id is the business account's.
        profile = session.scalar(
            select(Profile).where(
                Profile.platform == account.platform,
                Profile.platform_id == account.business_account_id,
            )
        )
        if profile is not None:
            profile.platform_id = account.platform_id
    if profile is None:
        profile = Profile(
            platform=account.platform,
            kind=account.kind,
            handle=account.handle,
            handle_key=account.handle.casefold(),
            display_name=account.name[:300],
            platform_id=account.platform_id,
            visibility=Visibility.OWNED.value,
            url=info.profile_url(account.handle) or None,
            like_count=account.like_count,
            business_account_id=account.business_account_id,
            added_at=now,
            added_by=member.id,
            notes="",
        )
        session.add(profile)
        session.flush()
        session.add(ProfileOwner(profile_id=profile.id, member_id=member.id, since=now))
        audit.record(
            session,
            member.id,
            "profile_added",
            profile_id=profile.id,
            details=f"{info.label} @{account.handle} (signed in)",
        )
        outcome_args["created"] = True
        return profile
    changes = []
    if profile.deleted_at is not None:
        profile.deleted_at = None
        profile.deleted_by = None
        audit.record(session, member.id, "profile_restored", profile_id=profile.id, details="signed in again")
        outcome_args["restored"] = True
    if profile.visibility != Visibility.OWNED.value:
        profile.visibility = Visibility.OWNED.value
        changes.append("owned")
    if account.name and account.name != profile.display_name:
        changes.append(f"name: {profile.display_name} → {account.name}")
        profile.display_name = account.name[:300]
    if (
        account.handle
        and account.handle.casefold() != profile.handle_key
        and account.handle != account.platform_id
    ):
        changes.append(f"handle: @{profile.handle} → @{account.handle}")
        profile.handle = account.handle
        profile.handle_key = account.handle.casefold()
    if account.like_count is not None:
        profile.like_count = account.like_count
    if account.business_account_id and profile.business_account_id != account.business_account_id:
        profile.business_account_id = account.business_account_id
    if changes:
        audit.record(session, member.id, "profile_updated", profile_id=profile.id, details="; ".join(changes))
    return profile


def record_sign_in(
    workspace: Workspace,
    store: TokenStore,
    provider: Provider,
    *,
    member_id: int,
    types: Iterable[ConnectionType | str],
    tokens: TokenSet,
    discovery: Discovery,
    chosen: Iterable[str] | None = None,
    expected_profile_ids: Iterable[int] = (),
) -> SignInRecord:
    """Record one sign-in: grants of ``member_id`` for ``types`` on the chosen accounts' profiles.

    ``chosen`` are platform ids from ``discovery.accounts`` (``None``: all of them). Profiles are
    matched by platform + platform id and updated (or created, owned by the member, or restored).
    The tokens go to the keyring under a new ``token_ref`` shared by all the grants made here; a
    grant re-connected by this sign-in lets go of its old keyring entry when nothing else uses it.
    ``expected_profile_ids`` (a re-connect) are reported in ``wrong_account`` when this sign-in
    does not manage them.
    """
    ctypes = [ConnectionType(t) for t in types]
    if not ctypes:
        raise ValidationError({"connection_type": "Choose at least one connection type"})
    wanted = set(chosen) if chosen is not None else {a.platform_id for a in discovery.accounts}
    accounts = [a for a in discovery.accounts if a.platform_id in wanted]
    unknown = wanted - {a.platform_id for a in accounts}
    if unknown:
        raise ValidationError(
            {"accounts": "This sign-in does not manage the chosen accounts; sign in again"}
        )
    if discovery.page_tokens:
        # Only the chosen accounts' Page tokens, in the sign-in's one keyring entry.
        tokens = replace(
            tokens,
            page_tokens={
                **tokens.page_tokens,
                **{pid: t for pid, t in discovery.page_tokens.items() if pid in wanted},
            },
        )
    ref = store.new_ref()
    store.save(ref, tokens)
    old_refs: set[str] = set()
    try:
        with workspace.session() as session:
            member = session.get(Member, member_id)
            if member is None or member.removed_at is not None:
                raise NotFoundError(f"There is no team member with id {member_id}")
            known = existing_profiles(session, accounts)
            outcomes: list[ProfileOutcome] = []
            now = utcnow()
            for account in accounts:
                flags: dict[str, Any] = {}
                profile = _find_or_create_profile(session, account, member, known, flags)
                outcome = ProfileOutcome(profile.id, account.platform_id, **flags)
                facts = ProfileFacts(
                    profile.platform, profile.kind, Visibility(profile.visibility), profile.like_count
                )
                for ctype in ctypes:
                    if (reason := unsupported_reason(facts, ctype)) is not None:
                        outcome.skipped.append((ctype, reason))
                        continue
                    if missing := _missing_scopes(provider, ctype, tokens):
                        outcome.skipped.append((ctype, f"missing permission: {', '.join(missing)}"))
                        continue
                    old = _grant(
                        session, profile, ctype, member, ref, tokens, discovery.identity.platform_id, now
                    )
                    if old:
                        old_refs.add(old)
                    outcome.connected.append(ctype)
                if outcome.connected:
                    audit.record(
                        session,
                        member.id,
                        "connection_granted",
                        profile_id=profile.id,
                        member_id=member.id,
                        details=f"{', '.join(t.label for t in outcome.connected)} "
                        f"(signed in as {discovery.identity.name})",
                    )
                outcomes.append(outcome)
            returned = {o.profile_id for o in outcomes}
            expected = [pid for pid in expected_profile_ids if pid not in returned]
            session.flush()
            still_used = (
                set(session.scalars(select(Grant.token_ref).where(Grant.token_ref.in_(old_refs))).all())
                if old_refs
                else set()
            )
            if not any(o.connected for o in outcomes):
                still_used.add(ref)  # nothing uses the new entry: removed below
                unused_new = True
            else:
                unused_new = False
    except BaseException:
        store.delete(ref)
        raise
    for old in old_refs - still_used:
        store.delete(old)
    if unused_new:
        store.delete(ref)
    return SignInRecord(ref, outcomes, expected)


def _grant(
    session: Session,
    profile: Profile,
    ctype: ConnectionType,
    member: Member,
    ref: str,
    tokens: TokenSet,
    account_id: str,
    now: Any,
) -> str | None:
    """Create or renew the member's grant on the profile's connection; returns the replaced token_ref."""
    connection = session.scalar(
        select(Connection).where(Connection.profile_id == profile.id, Connection.type == ctype.value)
    )
    if connection is None:
        connection = Connection(profile_id=profile.id, type=ctype.value, created_at=now)
        session.add(connection)
        session.flush()
    grant = session.scalar(
        select(Grant).where(Grant.connection_id == connection.id, Grant.member_id == member.id)
    )
    old_ref = None
    if grant is None:
        grant = Grant(connection_id=connection.id, member_id=member.id, state=GrantState.ACTIVE.value)
        session.add(grant)
    else:
        old_ref = grant.token_ref if grant.token_ref != ref else None
    if grant.state != GrantState.ACTIVE.value or grant.state_changed_at is None:
        grant.state_changed_at = now
    grant.state = GrantState.ACTIVE.value
    grant.scopes = " ".join(tokens.scopes)
    grant.granted_at = now
    grant.expires_at = tokens.expires_at
    grant.has_refresh_token = bool(tokens.refresh_token)
    grant.token_ref = ref
    grant.account_id = account_id
    grant.last_checked_at = now
    grant.last_error = None
    grant.next_check_at = None
    grant.check_failures = 0
    return old_ref


def connect_with_token(
    workspace: Workspace,
    service: OAuthService,
    platform_key: str,
    access_token: str,
    *,
    member_id: int,
    types: Iterable[ConnectionType | str],
) -> SignInRecord:
    """A token made elsewhere (WhatsApp: a Business Manager system-user token) becomes my grant.

    Its validity, expiry and permissions are read with ``debug_token``; discovery is the platform's
    (every business account's phone numbers); every account found is recorded, like a sign-in of
    all of them. Raises a classified ``OAuthError`` (nothing recorded) when the token is refused.
    """
    provider = service.provider(platform_key)
    if not provider.accepts_pasted_token:
        raise ValidationError({"token": f"{provider.label} connects through a sign-in, not a pasted token"})
    text = access_token.strip()
    if len(text) < 20 or any(c.isspace() for c in text):
        raise ValidationError({"token": "This does not look like an access token; paste the whole token"})
    redact.remember(text)
    tokens = TokenSet(text)
    data = service.debug_token(platform_key, tokens)
    raw = data.get("scopes")
    granted = tuple(str(x) for x in raw) if isinstance(raw, list) else ()
    tokens = replace(tokens, scopes=granted)
    tokens = service.check(platform_key, tokens) or tokens
    found = discover(service, platform_key, tokens)
    return record_sign_in(
        workspace,
        service.tokens,
        provider,
        member_id=member_id,
        types=types,
        tokens=tokens,
        discovery=found,
    )
