"""Everything the details pane shows about one profile, and what *me* may do with it (and why not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from socialdesk.models.catalogue import (
    ConnectionState,
    ConnectionType,
    GrantState,
    Ownership,
    Status,
    Visibility,
    supported_types,
)
from socialdesk.models.schema import AuditEntry, Connection, Grant, Member
from socialdesk.services import profiles as profiles_service
from socialdesk.services.rules import (
    Actor,
    Decision,
    ProfileView,
    can_acquire,
    can_claim,
    can_connect,
    can_delete,
    can_edit,
    can_reconnect,
    can_remove_ownership,
    can_restore,
    can_share,
    can_stop_sharing,
    claim_needs_sign_in,
    connection_state,
)

#: The actions of the profiles window that the rules decide, by QAction object name.
RULED_ACTIONS = (
    "actionShare",
    "actionStopSharing",
    "actionClaimOwnership",
    "actionRemoveOwnership",
    "actionDelete",
)


@dataclass(frozen=True, slots=True)
class GrantInfo:
    member: str
    member_removed: bool
    state: GrantState
    scopes: str
    granted_at: datetime
    expires_at: datetime | None
    has_refresh_token: bool
    on_this_computer: bool
    last_checked_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    type: ConnectionType
    state: ConnectionState
    grants: tuple[GrantInfo, ...]


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    actor: str | None
    action: str
    member: str | None
    details: str

    def text(self) -> str:
        what = AUDIT_WORDS.get(self.action, self.action.replace("_", " "))
        parts = [what]
        if self.member:
            parts.append(f"({self.member})")
        if self.details:
            parts.append(f"— {self.details}")
        return " ".join(parts)


AUDIT_WORDS = {
    "profile_added": "Added",
    "profile_edited": "Edited",
    "profile_deleted": "Deleted",
    "profile_restored": "Restored",
    "shared": "Shared",
    "sharing_stopped": "Stopped sharing",
    "ownership_removed": "Ownership removed",
    "ownership_claimed": "Ownership claimed",
    "ownership_handed_over": "Ownership handed over",
    "ownership_released": "Ownership released",
}


@dataclass(frozen=True, slots=True)
class ProfileDetails:
    id: int
    platform: str
    kind: str
    handle: str
    display_name: str
    url: str | None
    platform_id: str | None
    avatar_url: str | None
    like_count: int | None
    visibility: Visibility
    added_at: datetime
    deleted_at: datetime | None
    notes: str
    acquire_data: bool
    acquire_messages: bool
    ownership: Ownership
    status: Status
    owners: tuple[tuple[int, str], ...]
    shared_with: tuple[tuple[int, str], ...]
    shared_with_all: bool
    groups: tuple[str, ...]
    connections: tuple[ConnectionInfo, ...]
    audit: tuple[AuditLine, ...]
    #: QAction object name (and "edit", "acquire_data", "acquire_messages", "restore") -> decision.
    decisions: dict[str, Decision]
    claim_needs_sign_in: bool


def decisions(actor: Actor | None, view: ProfileView) -> dict[str, Decision]:
    return {
        "actionShare": can_share(actor, view),
        "actionStopSharing": can_stop_sharing(actor, view),
        "actionClaimOwnership": can_claim(actor, view),
        "actionRemoveOwnership": can_remove_ownership(actor, view),
        "actionDelete": can_delete(actor, view),
        "restore": can_restore(actor, view),
        "edit": can_edit(actor, view),
        "acquire_data": can_acquire(view),
        "acquire_messages": can_acquire(view, messages=True),
        "connect": can_connect(actor, view),
        "actionReconnect": can_reconnect(actor, view),
    }


def load(
    session: Session, profile_id: int, actor: Actor | None, audit_limit: int | None = 8
) -> ProfileDetails:
    profile = profiles_service.get_profile(session, profile_id, include_deleted=True)
    view = profiles_service.view(session, profile)
    names: dict[int, str] = {mid: name for mid, name in session.execute(select(Member.id, Member.name)).all()}
    owners = tuple(sorted(((m, names[m]) for m in view.owners), key=lambda x: x[1].casefold()))
    shares = tuple(sorted(((m, names[m]) for m in view.shared_with), key=lambda x: x[1].casefold()))
    return ProfileDetails(
        id=profile.id,
        platform=profile.platform,
        kind=profile.kind,
        handle=profile.handle,
        display_name=profile.display_name,
        url=profile.url,
        platform_id=profile.platform_id,
        avatar_url=profile.avatar_url,
        like_count=profile.like_count,
        visibility=Visibility(profile.visibility),
        added_at=profile.added_at,
        deleted_at=profile.deleted_at,
        notes=profile.notes,
        acquire_data=profile.acquire_data,
        acquire_messages=profile.acquire_messages,
        ownership=view.relative_to(actor.id if actor else None),
        status=view.status,
        owners=owners,
        shared_with=shares,
        shared_with_all=profile.shared_with_all,
        groups=view.in_groups,
        connections=_connections(session, view),
        audit=history(session, profile.id, audit_limit),
        decisions=decisions(actor, view),
        claim_needs_sign_in=claim_needs_sign_in(view),
    )


def _connections(session: Session, view: ProfileView) -> tuple[ConnectionInfo, ...]:
    rows = session.execute(
        select(Connection.type, Grant, Member.name, Member.removed_at)
        .join(Grant, Grant.connection_id == Connection.id)
        .join(Member, Member.id == Grant.member_id)
        .where(Connection.profile_id == view.id)
        .order_by(Grant.id)
    ).all()
    grants: dict[ConnectionType, list[GrantInfo]] = {}
    for ctype, grant, name, removed in rows:
        grants.setdefault(ConnectionType(ctype), []).append(
            GrantInfo(
                member=name,
                member_removed=removed is not None,
                state=GrantState(grant.state),
                scopes=grant.scopes,
                granted_at=grant.granted_at,
                expires_at=grant.expires_at,
                has_refresh_token=grant.has_refresh_token,
                on_this_computer=grant.token_ref is not None,
                last_checked_at=grant.last_checked_at,
                last_error=grant.last_error,
            )
        )
    out = []
    for ctype in supported_types(view.facts):
        mine = tuple(grants.get(ctype, ()))
        out.append(ConnectionInfo(ctype, connection_state(g.state for g in mine), mine))
    return tuple(out)


def history(session: Session, profile_id: int, limit: int | None = None) -> tuple[AuditLine, ...]:
    actor = aliased(Member)
    member = aliased(Member)
    query = (
        select(AuditEntry, actor.name, member.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(member, member.id == AuditEntry.member_id)
        .where(AuditEntry.profile_id == profile_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return tuple(
        AuditLine(entry.at, actor_name, entry.action, member_name, entry.details)
        for entry, actor_name, member_name in session.execute(query).all()
    )
