"""Flows: unique names in any case, renames that follow into the settings, deletes that say where used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from socialdesk.cli import main
from socialdesk.models.catalogue import Role
from socialdesk.models.schema import Flow, Member, Meta, PlatformSettings, Profile
from socialdesk.services import flows, members, settings
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError
from socialdesk.services.workspace import Workspace
from tests import factory


def test_names_are_unique_case_insensitively(workspace: Workspace) -> None:
    with workspace.session() as s:
        admin = factory.actor(factory.member(s, "Ada", Role.ADMINISTRATOR, me=True))
        flow = flows.create(s, admin, "  Order   status ", "Looks the order up")
        assert flow.name == "Order status"
        with pytest.raises(ValidationError) as err:
            flows.create(s, admin, "ORDER STATUS")
        assert err.value.problems == [("name", "There is already a flow named 'Order status'")]
        for bad, message in (
            ("   ", "A flow needs a name"),
            ("x" * 201, "At most 200 characters; this has 201"),
        ):
            with pytest.raises(ValidationError) as err:
                flows.create(s, admin, bad)
            assert err.value.problems == [("name", message)]
        assert flows.find(s, "order STATUS").id == flow.id
        assert flows.find(s, str(flow.id)).id == flow.id
        with pytest.raises(NotFoundError):
            flows.find(s, "Returns")
        # Renaming to itself in another case is allowed; to another flow's name is not.
        other = flows.create(s, admin, "Returns")
        flows.rename(s, admin, other.id, "RETURNS")
        assert flows.find(s, "returns").name == "RETURNS"
        with pytest.raises(ValidationError):
            flows.rename(s, admin, "returns", "order status")


def test_only_administrators_change_flows(workspace: Workspace) -> None:
    with workspace.session() as s:
        manager = factory.actor(factory.member(s, "Max", Role.MANAGER, me=True))
        with pytest.raises(NotAllowedError, match="Only Administrators"):
            flows.create(s, manager, "Welcome")
        with pytest.raises(NotAllowedError, match="Choose who you are"):
            flows.create(s, None, "Welcome")


def test_a_flow_in_use_cannot_be_deleted_and_the_refusal_says_where(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        used = flows.usages(s, flows.find(s, "Opening hours"))
        assert used, "the demo's Facebook ice breakers and Live Chat quick replies use it"
        assert {u.field for u in used} >= {"ice_breakers[1].flow", "quick_replies[0].flow"}
        with pytest.raises(NotAllowedError) as err:
            flows.delete(s, me, "opening hours")
        message = str(err.value)
        assert message.startswith(f"The flow 'Opening hours' is used in {len(used)} places: ")
        first = used[0]
        assert f"(@{first.handle}, id {first.profile_id}" in message and first.field in message
        assert message.endswith("Point those settings at another flow first")
        assert flows.find(s, "Opening hours")  # still there
        unused = flows.create(s, me, "Holiday greetings")
        assert flows.usages(s, unused) == []
        assert flows.delete(s, me, "holiday greetings") == "Holiday greetings"
        with pytest.raises(NotFoundError):
            flows.find(s, "Holiday greetings")


def test_rename_follows_into_every_setting(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        before = flows.usages(s, "Order status")
        assert len(before) >= 3
        flow, touched = flows.rename(s, me, "order status", "Order tracking")
        assert flow.name == "Order tracking" and touched == len({u.profile_id for u in before})
    with demo_ws.session() as s:
        assert flows.usages(s, "Order status") == []
        after = flows.usages(s, "Order tracking")
        assert [(u.profile_id, u.field) for u in after] == [(u.profile_id, u.field) for u in before]
        shown = settings.load(s, before[0].profile_id)
        assert shown.problems == []  # the references still resolve
        refs = [ref for _, ref in shown.spec.flow_references(shown.values)]
        assert "Order tracking" in refs and "Order status" not in refs


def test_a_deleted_flow_name_in_a_file_is_refused(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        flows.create(s, me, "Temporary")
        flows.delete(s, me, "Temporary")
        pid = s.scalar(
            select(Profile.id)
            .join(PlatformSettings, PlatformSettings.profile_id == Profile.id)
            .where(Profile.platform == "instagram", Profile.visibility == "owned")
        )
        assert pid is not None
        with pytest.raises(ValidationError) as err:
            settings.save(s, me, pid, {"ice_breakers": [{"question": "Hi?", "flow": "Temporary"}]})
        assert err.value.problems[0][0] == "ice_breakers[0].flow"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_flows_command(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    d = ("--data-dir", str(demo_dir))
    code, out, _ = run(capsys, *d, "flows", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [f["name"] for f in listed] == sorted((f["name"] for f in listed), key=str.casefold)
    assert {f["name"] for f in listed} >= {"Welcome", "Order status", "Talk to an agent", "Opening hours"}
    assert all(set(f) == {"id", "name", "description", "used_by"} for f in listed)
    assert any(f["used_by"] for f in listed)
    code, out, _ = run(capsys, *d, "flows", "create", "Survey", "--description", "Asks for a rating")
    assert code == 0 and out.strip().isdigit()
    code, _, err = run(capsys, *d, "flows", "create", "survey")
    assert code == 1 and err.strip() == "name: There is already a flow named 'Survey'"
    code, out, _ = run(capsys, *d, "flows", "rename", "Survey", "Satisfaction survey")
    assert code == 0 and "Satisfaction survey" in out
    code, _, err = run(capsys, *d, "flows", "delete", "Welcome")
    assert code == 1 and "is used in" in err and len(err.splitlines()) == 1
    code, out, _ = run(capsys, *d, "flows", "delete", "satisfaction SURVEY")
    assert code == 0 and out.strip() == "Deleted the flow 'Satisfaction survey'"
    code, out, _ = run(capsys, *d, "flows", "list")
    assert code == 0 and out.splitlines()[0].split() == ["ID", "Name", "Used", "Description"]
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        assert s.scalar(select(Flow).where(Flow.name_key == "satisfaction survey")) is None
        analyst = s.scalar(select(Member).where(Member.role == "analyst"))
        assert analyst is not None
        s.merge(Meta(key="me", value=str(analyst.id)))
    ws.close()
    code, _, err = run(capsys, *d, "flows", "create", "Another")
    assert code == 1 and "Only Administrators" in err
