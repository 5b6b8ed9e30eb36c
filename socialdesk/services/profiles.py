"""Profile use cases: add, edit, share, stop sharing, claim, remove ownership, delete and restore.

Each use case asks ``rules`` first (so refusals carry the same reason everywhere) and writes the audit log.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qs, urlparse

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import (
    PLATFORMS,
    ConnectionState,
    ConnectionType,
    Role,
    Visibility,
    default_kind,
    platform,
)
from socialdesk.models.schema import (
    Connection,
    Grant,
    Group,
    GroupItem,
    Member,
    Profile,
    ProfileOwner,
    ProfileShare,
)
from socialdesk.services import audit, names
from socialdesk.services import members as members_service
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError, known_id
from socialdesk.services.rules import (
    Actor,
    Decision,
    ProfileView,
    can_acquire,
    can_claim,
    can_delete,
    can_edit,
    can_remove_ownership,
    can_restore,
    can_share,
    can_share_with,
    can_stop_sharing,
    claim_needs_sign_in,
    connection_state,
)

HANDLE_RE = re.compile(r"^[\w.\-+]{1,200}$", re.UNICODE)


def clean_handle(handle: str) -> str:
    """Handles are stored without the leading ``@`` and surrounding blanks."""
    return handle.strip().lstrip("@").strip()


def handle_key(handle: str) -> str:
    return clean_handle(handle).casefold()


def _known_or_read(session: Session, profile: Profile, known: ProfileView | None) -> ProfileView:
    return known if known is not None and known.id == profile.id else view(session, profile)


def _require(decision: Decision) -> None:
    if not decision:
        raise NotAllowedError(decision.reason)


def get_profile(session: Session, profile_id: int, *, include_deleted: bool = False) -> Profile:
    profile = session.get(Profile, known_id(profile_id, "profile"))
    if profile is None or (profile.deleted_at is not None and not include_deleted):
        raise NotFoundError(f"There is no profile with id {profile_id}")
    return profile


def connection_states(session: Session, profile_id: int) -> dict[ConnectionType, ConnectionState]:
    return _connection_states(session, [profile_id]).get(profile_id, {})


def _connection_states(
    session: Session, profile_ids: Sequence[int]
) -> dict[int, dict[ConnectionType, ConnectionState]]:
    rows = session.execute(
        select(Connection.profile_id, Connection.type, Grant.state)
        .select_from(Connection)
        .outerjoin(Grant, Grant.connection_id == Connection.id)
        .where(Connection.profile_id.in_(profile_ids))
    ).all()
    grants: dict[int, dict[ConnectionType, list[str]]] = defaultdict(lambda: defaultdict(list))
    for profile_id, ctype, state in rows:
        states = grants[profile_id][ConnectionType(ctype)]
        if state is not None:
            states.append(state)
    return {pid: {t: connection_state(s) for t, s in by_type.items()} for pid, by_type in grants.items()}


def group_names(session: Session, profile_id: int) -> tuple[str, ...]:
    return _group_names(session, [profile_id]).get(profile_id, ())


def _group_names(session: Session, profile_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    names: dict[int, list[str]] = defaultdict(list)
    for profile_id, name in session.execute(
        select(GroupItem.profile_id, Group.name)
        .join(Group, GroupItem.group_id == Group.id)
        .where(GroupItem.profile_id.in_(profile_ids))
        .order_by(Group.name_key)
    ):
        if profile_id is not None:  # the IN clause leaves out group-in-group items; mypy cannot know
            names[profile_id].append(name)
    return {pid: tuple(n) for pid, n in names.items()}


#: Profiles per query when views are read in bulk (stays far below SQLite's bound-parameter limit).
VIEW_CHUNK = 500


def view(session: Session, profile: Profile | int) -> ProfileView:
    """The rule-facing record of one profile."""
    if isinstance(profile, int):
        profile = get_profile(session, profile, include_deleted=True)
    return views(session, [profile.id])[profile.id]


def views(session: Session, profile_ids: Sequence[int]) -> dict[int, ProfileView]:
    """The rule-facing records of many profiles with a handful of queries per ``VIEW_CHUNK`` of them
    (one view at a time costs five queries each: 20,000 selected rows took tens of seconds).
    Unknown ids are left out."""
    out: dict[int, ProfileView] = {}
    for start in range(0, len(profile_ids), VIEW_CHUNK):
        chunk = [known_id(pid, "profile") for pid in profile_ids[start : start + VIEW_CHUNK]]
        profiles = session.execute(
            select(
                Profile.id,
                Profile.platform,
                Profile.kind,
                Profile.visibility,
                Profile.like_count,
                Profile.shared_with_all,
                Profile.deleted_at,
            ).where(Profile.id.in_(chunk))
        ).all()
        owners: dict[int, set[int]] = defaultdict(set)
        for profile_id, member_id in session.execute(
            select(ProfileOwner.profile_id, ProfileOwner.member_id).where(ProfileOwner.profile_id.in_(chunk))
        ):
            owners[profile_id].add(member_id)
        shares: dict[int, set[int]] = defaultdict(set)
        for profile_id, member_id in session.execute(
            select(ProfileShare.profile_id, ProfileShare.member_id).where(ProfileShare.profile_id.in_(chunk))
        ):
            shares[profile_id].add(member_id)
        connections = _connection_states(session, chunk)
        groups = _group_names(session, chunk)
        for profile in profiles:
            out[profile.id] = ProfileView(
                id=profile.id,
                platform=profile.platform,
                kind=profile.kind,
                visibility=Visibility(profile.visibility),
                like_count=profile.like_count,
                owners=frozenset(owners.get(profile.id, ())),
                shared_with=frozenset(shares.get(profile.id, ())),
                shared_with_all=profile.shared_with_all,
                deleted=profile.deleted_at is not None,
                connections=connections.get(profile.id, {}),
                in_groups=groups.get(profile.id, ()),
            )
    return out


# -- adding --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedProfileRef:
    platform: str | None
    handle: str
    kind: str | None = None


def parse_profile_ref(text: str) -> ParsedProfileRef:
    """Read platform and handle from a profile URL (or a bare ``@handle``)."""
    raw = text.strip()
    if not raw:
        raise ValidationError({"handle": "Enter a profile URL or a handle"})
    if "://" not in raw and "/" in raw and "." in raw.split("/", 1)[0]:
        raw = "https://" + raw
    if "://" not in raw:
        return ParsedProfileRef(None, clean_handle(raw))
    url = urlparse(raw)
    host = (url.hostname or "").lower()
    parts = [p for p in url.path.split("/") if p]
    for key, info in PLATFORMS.items():
        if host not in info.url_hosts:
            continue
        kind = None
        if parts and parts[0] in info.url_path_prefixes:
            kind = info.url_path_prefixes[parts[0]]
            parts = parts[1:]
        elif parts and parts[0] in info.url_query_handles:
            query = parse_qs(url.query)
            parts = query.get(info.url_query_handles[parts[0]], [""])[:1]
        if not parts or not parts[0]:
            raise ValidationError({"url": f"The {info.label} address has no profile name in it"})
        return ParsedProfileRef(key, clean_handle(parts[0]), kind)
    raise ValidationError({"url": f"{host or raw!r} is not an address of a supported platform"})


def find_by_handle(
    session: Session, platform_key: str, handle: str, kind: str | None = None
) -> Profile | None:
    query = select(Profile).where(Profile.platform == platform_key, Profile.handle_key == handle_key(handle))
    if kind is not None:
        query = query.where(Profile.kind == kind)
    return session.scalars(query.order_by(Profile.deleted_at.is_not(None), Profile.id)).first()


@dataclass(frozen=True, slots=True)
class PublicProfileSpec:
    """A public profile to add, checked: platform, kind, cleaned handle and display name."""

    platform: str
    kind: str
    handle: str
    display_name: str


def check_public_profile(
    platform_key: str, handle: str, kind: str | None = None, display_name: str | None = None
) -> PublicProfileSpec:
    """The checked profile to add, or a ValidationError naming the field (no database access)."""
    info = platform(platform_key)
    if not info.signs_in:
        own = f"{info.label} is the organisation's own widget"
        raise ValidationError({"platform": f"{own}: it is not tracked as a public profile"})
    kind = kind or default_kind(platform_key)
    if kind not in info.kinds:
        raise ValidationError(
            {"kind": f"{info.label} profiles are of kind {', '.join(info.kinds)}, not {kind!r}"}
        )
    clean = clean_handle(handle)
    if not HANDLE_RE.match(clean):
        raise ValidationError({"handle": "A handle is 1–200 letters, digits, '.', '_', '-' or '+'"})
    shown = names.check_display_name(display_name) if display_name and display_name.strip() else clean
    return PublicProfileSpec(platform_key, kind, clean, shown)


def _require_adder(actor: Actor | None) -> Actor:
    if actor is None:
        raise NotAllowedError("Choose who you are in the team first")
    if actor.role is Role.ANALYST:
        raise NotAllowedError("Analysts have read-only access")
    return actor


def add_public_profile(
    session: Session,
    actor: Actor | None,
    platform_key: str,
    handle: str,
    kind: str | None = None,
    display_name: str | None = None,
) -> tuple[Profile, bool]:
    """Add a profile the organisation only tracks; the member adding it owns the entry.

    A deleted profile with the same platform and handle is restored instead of duplicated.
    Returns the profile and whether it was restored.
    """
    spec = check_public_profile(platform_key, handle, kind, display_name)
    info = platform(platform_key)
    actor = _require_adder(actor)
    clean, kind = spec.handle, spec.kind
    existing = find_by_handle(session, platform_key, clean, kind)
    if existing is not None:
        if existing.deleted_at is None:
            raise ValidationError(
                {"handle": f"{info.label} profile @{clean} is already in the workspace (id {existing.id})"}
            )
        _restore(session, actor, existing)
        return existing, True
    now = utcnow()
    profile = Profile(
        platform=platform_key,
        kind=kind,
        handle=clean,
        handle_key=clean.casefold(),
        display_name=spec.display_name,
        platform_id=None,
        visibility=Visibility.PUBLIC.value,
        url=info.profile_url(clean) or None,
        added_at=now,
        added_by=actor.id,
        notes="",
    )
    session.add(profile)
    session.flush()
    session.add(ProfileOwner(profile_id=profile.id, member_id=actor.id, since=now))
    audit.record(
        session, actor.id, "profile_added", profile_id=profile.id, details=f"public {info.label} @{clean}"
    )
    return profile, False


def add_public_profiles(
    session: Session, actor: Actor | None, specs: Sequence[PublicProfileSpec]
) -> list[int]:
    """Add many new public profiles at once (an import): the same rows as ``add_public_profile`` writes
    — profile, owner, audit entry — inserted in bulk, in the caller's transaction (all or nothing).

    The caller has made sure none of them exists yet (the import plans this); ids come back in order.
    One ORM round trip per profile made a 200,000-row import take many minutes; this takes seconds.
    """
    from sqlalchemy import Table, func, insert

    from socialdesk.models.schema import AuditEntry

    actor = _require_adder(actor)
    if not specs:
        return []
    now = utcnow()
    rows = [
        {
            "platform": p.platform,
            "kind": p.kind,
            "handle": p.handle,
            "handle_key": p.handle.casefold(),
            "display_name": p.display_name,
            "platform_id": None,
            "visibility": Visibility.PUBLIC.value,
            "url": platform(p.platform).profile_url(p.handle) or None,
            "added_at": now,
            "added_by": actor.id,
            "notes": "",
        }
        for p in specs
    ]
    # Core executemany on the session's connection, without RETURNING: SQLite gives a table with an
    # INTEGER PRIMARY KEY the next rowids in order, and this transaction holds the write lock, so the
    # new ids are the ones after the largest. (ORM bulk inserts cost ~10x more per row.)
    conn = session.connection()
    profiles_t = cast(Table, Profile.__table__)
    owners_t = cast(Table, ProfileOwner.__table__)
    audit_t = cast(Table, AuditEntry.__table__)
    before = conn.execute(select(func.coalesce(func.max(profiles_t.c.id), 0))).scalar_one()
    conn.execute(insert(profiles_t), rows)
    ids = list(range(before + 1, before + 1 + len(rows)))
    check = select(func.count(), func.min(profiles_t.c.id), func.max(profiles_t.c.id)).where(
        profiles_t.c.id > before
    )
    if tuple(conn.execute(check).one()) != (len(ids), ids[0], ids[-1]):
        raise RuntimeError("new profile ids are not consecutive; the import was rolled back")
    conn.execute(insert(owners_t), [{"profile_id": i, "member_id": actor.id, "since": now} for i in ids])
    conn.execute(
        insert(audit_t),
        [
            {
                "at": now,
                "actor_id": actor.id,
                "action": "profile_added",
                "profile_id": i,
                "member_id": None,
                "details": f"public {platform(p.platform).label} @{p.handle}",
            }
            for i, p in zip(ids, specs, strict=True)
        ],
    )
    return ids


# -- editing --------------------------------------------------------------------------------------

MAX_DISPLAY_NAME = names.MAX_DISPLAY_NAME


def edit_profile(
    session: Session,
    actor: Actor | None,
    profile_id: int,
    *,
    display_name: str | None = None,
    url: str | None = None,
    notes: str | None = None,
    acquire_data: bool | None = None,
    acquire_messages: bool | None = None,
) -> Profile:
    profile = get_profile(session, profile_id)
    pv = view(session, profile)
    _require(can_edit(actor, pv))
    assert actor is not None
    problems: dict[str, str] = {}
    if display_name is not None:
        problem = names.display_name_problem(display_name.strip())
        if problem:
            problems["display_name"] = problem
    if url is not None and url.strip():
        parsed = urlparse(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            problems["url"] = "Enter a full address starting with https://"
    if acquire_data and not profile.acquire_data and not (d := can_acquire(pv)):
        problems["acquire_data"] = d.reason
    if acquire_messages and not profile.acquire_messages and not (d := can_acquire(pv, messages=True)):
        problems["acquire_messages"] = d.reason
    if problems:
        raise ValidationError(problems)
    changes = []
    if display_name is not None and display_name.strip() != profile.display_name:
        changes.append(f"name: {profile.display_name} → {display_name.strip()}")
        profile.display_name = display_name.strip()
    if url is not None and (url.strip() or None) != profile.url:
        changes.append("url")
        profile.url = url.strip() or None
    if notes is not None and notes != profile.notes:
        changes.append("notes")
        profile.notes = notes
    for attr, value in (("acquire_data", acquire_data), ("acquire_messages", acquire_messages)):
        if value is not None and value != getattr(profile, attr):
            changes.append(f"{attr}: {'on' if value else 'off'}")
            setattr(profile, attr, value)
    if changes:
        audit.record(session, actor.id, "profile_edited", profile_id=profile.id, details="; ".join(changes))
    return profile


# -- ownership and sharing ------------------------------------------------------------------------


def share(
    session: Session,
    actor: Actor | None,
    profile_id: int,
    member_ids: Iterable[int] = (),
    *,
    all_users: bool = False,
    known: ProfileView | None = None,
) -> list[str]:
    """Share with chosen members and/or all users. Returns the names shared with.

    ``known``: the profile's view, read in this same transaction (bulk actions read them in chunks)."""
    profile = get_profile(session, profile_id)
    pv = _known_or_read(session, profile, known)
    _require(can_share(actor, pv))
    assert actor is not None
    now = utcnow()
    done: list[str] = []
    for member_id in member_ids:
        member = members_service.get(session, member_id)
        _require(can_share_with(actor, pv, member.id, Role(member.role)))
        if member.id in pv.shared_with:
            continue
        session.add(ProfileShare(profile_id=profile.id, member_id=member.id, shared_by=actor.id, since=now))
        audit.record(
            session, actor.id, "shared", profile_id=profile.id, member_id=member.id, details=member.name
        )
        done.append(member.name)
    if all_users and not profile.shared_with_all:
        profile.shared_with_all = True
        audit.record(session, actor.id, "shared", profile_id=profile.id, details="all users")
        done.append("all users")
    return done


def stop_sharing(
    session: Session,
    actor: Actor | None,
    profile_id: int,
    member_ids: Iterable[int] | None = None,
    *,
    known: ProfileView | None = None,
) -> int:
    """Stop sharing with the given members, or entirely (``None``). Returns how many shares ended."""
    profile = get_profile(session, profile_id)
    pv = _known_or_read(session, profile, known)
    _require(can_stop_sharing(actor, pv))
    assert actor is not None
    targets = set(pv.shared_with if member_ids is None else member_ids) & pv.shared_with
    ended = 0
    for member_id in sorted(targets):
        session.execute(
            delete(ProfileShare).where(
                ProfileShare.profile_id == profile.id, ProfileShare.member_id == member_id
            )
        )
        audit.record(session, actor.id, "sharing_stopped", profile_id=profile.id, member_id=member_id)
        ended += 1
    if member_ids is None and profile.shared_with_all:
        profile.shared_with_all = False
        audit.record(session, actor.id, "sharing_stopped", profile_id=profile.id, details="all users")
        ended += 1
    return ended


def remove_ownership(session: Session, actor: Actor | None, profile_id: int) -> bool:
    """Remove my ownership. Returns True when the profile is now without owners."""
    profile = get_profile(session, profile_id)
    pv = view(session, profile)
    _require(can_remove_ownership(actor, pv))
    assert actor is not None
    session.execute(
        delete(ProfileOwner).where(ProfileOwner.profile_id == profile.id, ProfileOwner.member_id == actor.id)
    )
    orphaned = pv.owners == {actor.id}
    audit.record(
        session,
        actor.id,
        "ownership_removed",
        profile_id=profile.id,
        member_id=actor.id,
        details="the profile is now without owners" if orphaned else "",
    )
    return orphaned


def claim_ownership(
    session: Session, actor: Actor | None, profile_id: int, signed_in_account_id: str | None = None
) -> None:
    """Become an owner. Where the platform signs in, a sign-in must have returned this very profile."""
    profile = get_profile(session, profile_id)
    pv = view(session, profile)
    _require(can_claim(actor, pv))
    assert actor is not None
    if claim_needs_sign_in(pv):
        if signed_in_account_id is None:
            raise NotAllowedError(
                f"Sign in to {platform(profile.platform).label} as this profile to claim it"
            )
        if profile.platform_id is None or signed_in_account_id != profile.platform_id:
            raise NotAllowedError(
                "This sign-in is for another account; sign in as the profile you want to claim"
            )
    session.add(ProfileOwner(profile_id=profile.id, member_id=actor.id, since=utcnow()))
    audit.record(session, actor.id, "ownership_claimed", profile_id=profile.id, member_id=actor.id)


@dataclass(frozen=True, slots=True)
class DeleteImpact:
    """What a deletion affects, for the confirmation."""

    shared_with: tuple[str, ...]
    groups: tuple[str, ...]


def delete_impact(session: Session, profile_id: int) -> DeleteImpact:
    profile = get_profile(session, profile_id)
    pv = view(session, profile)
    shared = [m.name for m in session.scalars(select(Member).where(Member.id.in_(pv.shared_with))).all()]
    if profile.shared_with_all:
        shared.insert(0, "all users")
    return DeleteImpact(tuple(shared), pv.in_groups)


def delete_profile(
    session: Session, actor: Actor | None, profile_id: int, *, known: ProfileView | None = None
) -> None:
    """Soft delete: the profile is hidden; its acquired data, messages, owners and history stay."""
    profile = get_profile(session, profile_id)
    _require(can_delete(actor, _known_or_read(session, profile, known)))
    assert actor is not None
    profile.deleted_at = utcnow()
    profile.deleted_by = actor.id
    audit.record(session, actor.id, "profile_deleted", profile_id=profile.id)


def _restore(session: Session, actor: Actor, profile: Profile) -> None:
    profile.deleted_at = None
    profile.deleted_by = None
    audit.record(session, actor.id, "profile_restored", profile_id=profile.id)


def restore_profile(
    session: Session, actor: Actor | None, profile_id: int, *, known: ProfileView | None = None
) -> Profile:
    profile = get_profile(session, profile_id, include_deleted=True)
    _require(can_restore(actor, _known_or_read(session, profile, known)))
    assert actor is not None
    _restore(session, actor, profile)
    return profile


def deleted_profiles(session: Session) -> Sequence[Profile]:
    return session.scalars(
        select(Profile).where(Profile.deleted_at.is_not(None)).order_by(Profile.deleted_at.desc())
    ).all()


def grants_by_connection(session: Session, profile_id: int) -> dict[ConnectionType, list[tuple[Grant, str]]]:
    """Each connection's grants with the member's name, for the details pane and the JSON output."""
    rows = session.execute(
        select(Connection.type, Grant, Member.name)
        .join(Grant, Grant.connection_id == Connection.id)
        .join(Member, Member.id == Grant.member_id)
        .where(Connection.profile_id == profile_id)
        .order_by(Grant.id)
    ).all()
    out: dict[ConnectionType, list[tuple[Grant, str]]] = defaultdict(list)
    for ctype, grant, name in rows:
        out[ConnectionType(ctype)].append((grant, name))
    return dict(out)
