"""ops.members on a real workspace: records out (no ORM rows), the Change names the team."""

from __future__ import annotations

import pytest

from socialdesk.models.catalogue import Role
from socialdesk.ops import members as ops_members
from socialdesk.ops.changes import Kind
from socialdesk.services.errors import NotAllowedError, ValidationError
from socialdesk.services.workspace import Workspace
from tests.ops_records import assert_annotations_are_records, assert_done, assert_record


def test_every_public_function_returns_records() -> None:
    assert_annotations_are_records(ops_members)


def test_first_run_add_me_then_the_team(workspace: Workspace) -> None:
    assert ops_members.me_actor(workspace) is None
    first = ops_members.team(workspace)
    assert first.members == () and first.me is None and first.manage  # anyone sets the team up
    ada = assert_done(
        ops_members.add_me(workspace, "Ada  Lovelace", Role.ADMINISTRATOR), Kind.MEMBERS, Kind.PROFILES
    )
    assert isinstance(ada, ops_members.MemberRecord)
    assert (ada.name, ada.role) == ("Ada Lovelace", Role.ADMINISTRATOR)
    team = ops_members.team(workspace)
    assert_record(team)
    assert team.me_id == ada.id and [m.name for m in team.members] == ["Ada Lovelace"]
    assert ops_members.member_names(workspace) == ["Ada Lovelace"]


def test_add_rename_role_remove_with_hand_over(demo_ws: Workspace) -> None:
    nora = assert_done(ops_members.add_member(demo_ws, "Nora Field", Role.RESPONDER), Kind.MEMBERS)
    renamed = assert_done(
        ops_members.rename_member(demo_ws, nora.id, "Nora Fields"), Kind.MEMBERS, Kind.PROFILES
    )
    assert renamed.name == "Nora Fields"
    analyst = assert_done(ops_members.set_role(demo_ws, nora.id, Role.ANALYST), Kind.MEMBERS, Kind.PROFILES)
    assert analyst.role is Role.ANALYST
    with pytest.raises(ValidationError, match="already a team member"):
        ops_members.add_member(demo_ws, "nora fields", Role.MANAGER)

    jonas = next(m for m in ops_members.members(demo_ws) if m.name == "Jonas Weber")
    priya = next(m for m in ops_members.members(demo_ws) if m.name == "Priya Shah")
    facts = ops_members.removal_facts(demo_ws, jonas.id)
    assert_record(facts)
    assert facts.name == "Jonas Weber" and facts.owned > 0
    assert jonas.id not in {m.id for m in facts.heirs} and priya in facts.heirs
    removal = assert_done(
        ops_members.remove_member(demo_ws, jonas.id, priya.id), Kind.MEMBERS, Kind.PROFILES, Kind.CONNECTIONS
    )
    assert isinstance(removal, ops_members.Removal)
    assert removal.ownerships == facts.owned
    assert "Jonas Weber" not in ops_members.member_names(demo_ws)


def test_a_responder_may_look_but_not_change_the_team(demo_ws: Workspace) -> None:
    tom = next(m for m in ops_members.members(demo_ws) if m.name == "Tom Becker")
    assert_done(ops_members.set_me(demo_ws, tom.id), Kind.MEMBERS, Kind.PROFILES)
    team = ops_members.team(demo_ws)
    assert not team.manage and team.manage.reason == "Only Administrators and Managers can change the team"
    with pytest.raises(NotAllowedError, match="Only Administrators and Managers"):
        ops_members.add_member(demo_ws, "Someone", Role.RESPONDER)
