"""Small builders for tests: members, profiles, connections and grants written to a real workspace."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from socialdesk.models.catalogue import ConnectionType, GrantState, Role, Visibility
from socialdesk.models.schema import Connection, Grant, Member, Meta, Profile, ProfileOwner, ProfileShare
from socialdesk.services.clock import utcnow
from socialdesk.services.rules import Actor


def member(s: Session, name: str, role: Role = Role.MANAGER, *, me: bool = False) -> Member:
    m = Member(name=name, name_key=name.casefold(), role=role.value, created_at=utcnow())
    s.add(m)
    s.flush()
    if me:
        s.merge(Meta(key="me", value=str(m.id)))
    return m


def actor(m: Member) -> Actor:
    return Actor(m.id, Role(m.role))


def profile(
    s: Session,
    platform: str = "facebook",
    kind: str = "page",
    *,
    handle: str | None = None,
    owners: tuple[Member, ...] = (),
    shared_with: tuple[Member, ...] = (),
    shared_with_all: bool = False,
    visibility: Visibility = Visibility.OWNED,
    likes: int | None = 1000,
    name: str | None = None,
    notes: str = "",
) -> Profile:
    handle = handle or f"{platform}_{kind}_{id(object())}"
    p = Profile(
        platform=platform,
        kind=kind,
        handle=handle,
        handle_key=handle.casefold(),
        display_name=name or handle,
        platform_id=f"pid-{handle}" if visibility is Visibility.OWNED else None,
        visibility=visibility.value,
        like_count=likes,
        added_at=utcnow(),
        shared_with_all=shared_with_all,
        notes=notes,
    )
    s.add(p)
    s.flush()
    for o in owners:
        s.add(ProfileOwner(profile_id=p.id, member_id=o.id, since=utcnow()))
    for m in shared_with:
        s.add(ProfileShare(profile_id=p.id, member_id=m.id, since=utcnow()))
    s.flush()
    return p


def connect(
    s: Session,
    p: Profile,
    ctype: ConnectionType,
    *grants: tuple[Member, GrantState],
) -> Connection:
    c = Connection(profile_id=p.id, type=ctype.value, created_at=utcnow())
    s.add(c)
    s.flush()
    for m, state in grants:
        s.add(
            Grant(
                connection_id=c.id,
                member_id=m.id,
                state=state.value,
                scopes="",
                granted_at=utcnow(),
                expires_at=utcnow() + timedelta(days=30),
            )
        )
    s.flush()
    return c
