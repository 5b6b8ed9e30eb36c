"""Team members: add, rename, change role, remove (handing over ownerships), and who *me* is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import GrantState, Role
from socialdesk.models.schema import Grant, Member, Meta, ProfileOwner, ProfileShare
from socialdesk.services import audit
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError, known_id
from socialdesk.services.names import control_problem
from socialdesk.services.rules import Actor, can_manage_team

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A team member as the windows and the command line show one."""

    id: int
    name: str
    role: Role

    @classmethod
    def of(cls, member: Member) -> MemberRecord:
        return cls(member.id, member.name, Role(member.role))


@dataclass(frozen=True, slots=True)
class Removal:
    """What removing a member changed."""

    ownerships: int
    handed_over: int
    shares: int
    grants_revoked: int


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def active_members(session: Session) -> Sequence[Member]:
    return session.scalars(select(Member).where(Member.removed_at.is_(None)).order_by(Member.name_key)).all()


def get(session: Session, member_id: int) -> Member:
    member = session.get(Member, known_id(member_id, "team member"))
    if member is None or member.removed_at is not None:
        raise NotFoundError(f"There is no team member with id {member_id}")
    return member


def find(session: Session, key: str | int) -> Member:
    """A member by id or by name (case-insensitive)."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        return get(session, int(key))
    member = session.scalar(
        select(Member).where(Member.name_key == name_key(key), Member.removed_at.is_(None))
    )
    if member is None:
        raise NotFoundError(f"There is no team member named {key!r}")
    return member


def me(session: Session) -> Member | None:
    meta = session.get(Meta, "me")
    if meta is None or not meta.value:
        return None
    member = session.get(Member, int(meta.value))
    return member if member is not None and member.removed_at is None else None


def me_actor(session: Session) -> Actor | None:
    member = me(session)
    return Actor(member.id, Role(member.role)) if member is not None else None


def set_me(session: Session, member_id: int) -> Member:
    member = get(session, member_id)
    session.merge(Meta(key="me", value=str(member.id)))
    return member


def _check_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"name": "A member needs a name"})
    if len(clean) > MAX_NAME:
        raise ValidationError({"name": f"At most {MAX_NAME} characters"})
    problem = control_problem(clean, "A member's name")
    if problem:
        raise ValidationError({"name": problem})
    clash = session.scalar(
        select(Member.id).where(
            Member.name_key == name_key(clean), Member.removed_at.is_(None), Member.id != (exclude_id or -1)
        )
    )
    if clash is not None:
        raise ValidationError({"name": f"There is already a team member named {clean!r}"})
    return clean


def _may_manage(actor: Actor | None) -> None:
    # With no *me* yet (first run) anyone may set the team up (rules.can_manage_team).
    decision = can_manage_team(actor)
    if not decision:
        raise NotAllowedError(decision.reason)


def add(session: Session, actor: Actor | None, name: str, role: Role, email: str | None = None) -> Member:
    _may_manage(actor)
    clean = _check_name(session, name)
    member = Member(
        name=clean, name_key=name_key(clean), role=Role(role).value, email=email, created_at=utcnow()
    )
    session.add(member)
    session.flush()
    audit.record(
        session, actor.id if actor else None, "member_added", member_id=member.id, details=f"{clean} ({role})"
    )
    return member


def rename(session: Session, actor: Actor | None, member_id: int, name: str) -> Member:
    _may_manage(actor)
    member = get(session, member_id)
    clean = _check_name(session, name, exclude_id=member.id)
    old = member.name
    member.name, member.name_key = clean, name_key(clean)
    audit.record(
        session,
        actor.id if actor else None,
        "member_renamed",
        member_id=member.id,
        details=f"{old} → {clean}",
    )
    return member


def set_role(session: Session, actor: Actor | None, member_id: int, role: Role) -> Member:
    _may_manage(actor)
    member = get(session, member_id)
    old = member.role
    member.role = Role(role).value
    if role is Role.ANALYST:
        # Analysts are read-only: shares (which let others post) no longer apply to them.
        session.execute(delete(ProfileShare).where(ProfileShare.member_id == member.id))
    audit.record(
        session, actor.id if actor else None, "member_role", member_id=member.id, details=f"{old} → {role}"
    )
    return member


def remove(session: Session, actor: Actor | None, member_id: int, hand_over_to: int | None) -> dict[str, int]:
    """Remove a member: their ownerships go to ``hand_over_to`` (or the profiles are left without owners),
    their shares end and their grants are revoked. Returns counts of what changed."""
    _may_manage(actor)
    member = get(session, member_id)
    if actor is not None and actor.id == member.id:
        raise NotAllowedError("You cannot remove yourself; choose another member as *me* first")
    heir = get(session, hand_over_to) if hand_over_to is not None else None
    if heir is not None and heir.id == member.id:
        raise ValidationError({"hand_over_to": "Choose another member to take over the ownerships"})
    now = utcnow()
    owned = session.scalars(select(ProfileOwner.profile_id).where(ProfileOwner.member_id == member.id)).all()
    handed = 0
    for profile_id in owned:
        if heir is not None and session.get(ProfileOwner, (profile_id, heir.id)) is None:
            session.add(ProfileOwner(profile_id=profile_id, member_id=heir.id, since=now))
            handed += 1
        audit.record(
            session,
            actor.id if actor else None,
            "ownership_handed_over" if heir else "ownership_released",
            profile_id=profile_id,
            member_id=member.id,
            details=f"from {member.name} to {heir.name}" if heir else f"{member.name} removed from the team",
        )
    session.execute(delete(ProfileOwner).where(ProfileOwner.member_id == member.id))
    shares = _rowcount(session.execute(delete(ProfileShare).where(ProfileShare.member_id == member.id)))
    revoked = _rowcount(
        session.execute(
            update(Grant)
            .where(Grant.member_id == member.id, Grant.state != GrantState.REVOKED.value)
            .values(
                state=GrantState.REVOKED.value,
                state_changed_at=now,
                last_error="member removed from the team",
            )
        )
    )
    member.removed_at = now
    audit.record(
        session,
        actor.id if actor else None,
        "member_removed",
        member_id=member.id,
        details=f"{member.name}: {len(owned)} ownerships, {shares} shares ended, {revoked} grants revoked",
    )
    return {
        "ownerships": len(owned),
        "handed_over": handed,
        "shares": shares or 0,
        "grants_revoked": revoked or 0,
    }


def _rowcount(result: Any) -> int:
    """Rows touched by a bulk UPDATE/DELETE (a CursorResult; typed loosely by SQLAlchemy)."""
    return int(getattr(result, "rowcount", 0) or 0)


def records(session: Session) -> list[MemberRecord]:
    """The active members by name, as records."""
    return [MemberRecord.of(m) for m in active_members(session)]


def owned_count(session: Session, member_id: int) -> int:
    """How many profiles the member owns (what a removal hands over or releases)."""
    count = session.scalar(
        select(func.count()).select_from(ProfileOwner).where(ProfileOwner.member_id == member_id)
    )
    return int(count or 0)


def member_names(session: Session) -> list[str]:
    """The active members' names by name (the main window's owner filter)."""
    return list(
        session.scalars(select(Member.name).where(Member.removed_at.is_(None)).order_by(Member.name_key))
    )
