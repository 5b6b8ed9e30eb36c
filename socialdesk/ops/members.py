"""The team: who is in it, who *me* is, and changing it (the members dialog and the first-run page)."""

from __future__ import annotations

from dataclasses import dataclass

from socialdesk.models.catalogue import Role
from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import members as members_service
from socialdesk.services.members import MemberRecord as MemberRecord
from socialdesk.services.members import Removal as Removal
from socialdesk.services.rules import Actor, Decision, can_manage_team
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "MemberRecord",
    "Removal",
    "RemovalFacts",
    "Team",
    "Workspace",
    "add_me",
    "add_member",
    "me_actor",
    "member_names",
    "members",
    "removal_facts",
    "remove_member",
    "rename_member",
    "set_me",
    "set_role",
    "team",
]

#: A change to the team: the Owners column, share recipients and the window's owner filter follow.
_TEAM = (Kind.MEMBERS, Kind.PROFILES)


@dataclass(frozen=True, slots=True)
class Team:
    """The members dialog's view: the members by name, who *me* is, and whether *me* may change it."""

    members: tuple[MemberRecord, ...]
    me: Actor | None
    manage: Decision

    @property
    def me_id(self) -> int | None:
        return self.me.id if self.me is not None else None


@dataclass(frozen=True, slots=True)
class RemovalFacts:
    """What the removal question shows: the member's name, what they own, who could take it over."""

    name: str
    owned: int
    heirs: tuple[MemberRecord, ...]


def team(workspace: Workspace) -> Team:
    with workspace.reading() as s:
        actor = members_service.me_actor(s)
        return Team(tuple(members_service.records(s)), actor, can_manage_team(actor))


def members(workspace: Workspace) -> list[MemberRecord]:
    with workspace.reading() as s:
        return members_service.records(s)


def member_names(workspace: Workspace) -> list[str]:
    """The active members' names by name: the main window's owner filter."""
    with workspace.reading() as s:
        return members_service.member_names(s)


def me_actor(workspace: Workspace) -> Actor | None:
    with workspace.reading() as s:
        return members_service.me_actor(s)


def add_member(workspace: Workspace, name: str, role: Role) -> Done[MemberRecord]:
    with workspace.session() as s:
        member = MemberRecord.of(members_service.add(s, members_service.me_actor(s), name, role))
    return Done(member, Change.of(Kind.MEMBERS, message=f"Added {member.name} to the team."))


def add_me(workspace: Workspace, name: str, role: Role) -> Done[MemberRecord]:
    """The first run: add a member and make them *me*, in one unit of work."""
    with workspace.session() as s:
        member = members_service.add(s, None, name, role)
        members_service.set_me(s, member.id)
        record = MemberRecord.of(member)
    return Done(record, Change.of(*_TEAM, message=f"Welcome, {record.name}."))


def set_me(workspace: Workspace, member_id: int) -> Done[MemberRecord]:
    with workspace.session() as s:
        record = MemberRecord.of(members_service.set_me(s, member_id))
    return Done(record, Change.of(*_TEAM, message=f"You are {record.name}."))


def rename_member(workspace: Workspace, member_id: int, name: str) -> Done[MemberRecord]:
    with workspace.session() as s:
        record = MemberRecord.of(members_service.rename(s, members_service.me_actor(s), member_id, name))
    return Done(record, Change.of(*_TEAM, message=f"Renamed to {record.name}."))


def set_role(workspace: Workspace, member_id: int, role: Role) -> Done[MemberRecord]:
    with workspace.session() as s:
        record = MemberRecord.of(members_service.set_role(s, members_service.me_actor(s), member_id, role))
    return Done(record, Change.of(*_TEAM, message=f"{record.name} is now {record.role.label}."))


def removal_facts(workspace: Workspace, member_id: int) -> RemovalFacts:
    with workspace.reading() as s:
        member = members_service.get(s, member_id)
        heirs = tuple(m for m in members_service.records(s) if m.id != member_id)
        return RemovalFacts(member.name, members_service.owned_count(s, member_id), heirs)


def remove_member(workspace: Workspace, member_id: int, heir: int | None) -> Done[Removal]:
    """Remove a member; their ownerships go to ``heir`` (or are released), their shares and grants end."""
    with workspace.session() as s:
        name = members_service.get(s, member_id).name
        counts = members_service.remove(s, members_service.me_actor(s), member_id, heir)
    removal = Removal(counts["ownerships"], counts["handed_over"], counts["shares"], counts["grants_revoked"])
    change = Change.of(*_TEAM, Kind.CONNECTIONS, message=f"Removed {name} from the team.")
    return Done(removal, change)
