"""The desk's operations (ops.workspace, ops.profile_list, ops.profiles, ops.health) on a real workspace:
they return records and plain values, never ORM rows, and their changes name the right kind and profiles."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import DeclarativeBase

from socialdesk.models.catalogue import Ownership
from socialdesk.ops import health as ops_health
from socialdesk.ops import profile_list as ops_profile_list
from socialdesk.ops import profiles as ops_profiles
from socialdesk.ops import workspace as ops_workspace
from socialdesk.ops.changes import Done, Kind
from socialdesk.services import rules
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace


def no_orm(value: Any, depth: int = 0) -> None:
    """Walk a returned value: dataclasses, tuples, lists, dicts and plain values only."""
    assert not isinstance(value, DeclarativeBase), type(value)
    if depth > 6:
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            no_orm(getattr(value, f.name), depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in list(value)[:50]:
            no_orm(item, depth + 1)
    elif isinstance(value, dict):
        for k, v in list(value.items())[:50]:
            no_orm(k, depth + 1)
            no_orm(v, depth + 1)


def owned_profile(ws: Workspace) -> int:
    state = ops_profile_list.load_list(ws)
    rows = state.rows
    for r in range(len(rows)):
        pid = rows.ids[r]
        d = ops_profiles.details(ws, pid)
        if d.ownership is Ownership.OWNED and d.decisions["edit"] and d.decisions["actionShare"]:
            return pid
    raise AssertionError("the demo has an owned, shareable profile")


def test_workspace_operations_return_records(demo_ws: Workspace, tmp_path: Path) -> None:
    state = ops_profile_list.load_list(demo_ws)
    assert isinstance(state, ops_profile_list.ListState) and isinstance(state.rows, ProfileRows)
    assert not state.empty and state.groups and state.members and state.me_id == demo_ws.me_id
    assert all(isinstance(n, str) for n in (*state.groups, *state.members))
    assert state.unread == ops_workspace.unread_count(demo_ws) > 0
    trash = ops_profile_list.load_list(demo_ws, trash=True)
    assert len(trash.rows) < len(state.rows)
    assert ops_profile_list.refresh_rows(demo_ws, state.rows, [state.rows.ids[0]]) == [0]
    refused = ops_workspace.can_load_demo(demo_ws)
    assert not refused and "empty workspace" in refused.reason
    assert rules.can_load_demo(True) and not rules.can_load_demo(False)
    fresh = ops_workspace.open_workspace(tmp_path / "fresh")
    try:
        assert ops_workspace.is_empty(fresh) and ops_workspace.can_load_demo(fresh)
        done = ops_workspace.build_demo(fresh, profiles=40)
        assert isinstance(done, Done) and done.value["profiles"] == 40
        assert done.change.touches(Kind.PROFILES) and done.change.profile_ids == ()
    finally:
        fresh.close()


def test_profile_operations_return_records_and_name_their_profiles(demo_ws: Workspace) -> None:
    pid = owned_profile(demo_ws)
    me = ops_profiles.me(demo_ws)
    assert me is not None and dataclasses.is_dataclass(me)
    selection = ops_profiles.selection(demo_ws, [pid])
    assert selection.writable and selection.details is not None and selection.details.id == pid
    no_orm(selection)
    assert ops_profiles.selection(demo_ws, [pid, pid + 1]).details is None
    done = ops_profiles.edit(demo_ws, pid, {"notes": "from the desk"})
    assert done.change.kinds == frozenset({Kind.PROFILES}) and done.change.profile_ids == (pid,)
    assert ops_profiles.details(demo_ws, pid).notes == "from the desk"
    added = ops_profiles.add_public(demo_ws, "x", "desk_new_public")
    assert isinstance(added.value, ops_profiles.Added) and not added.value.restored
    assert added.change.profile_ids == (added.value.profile_id,)
    with pytest.raises(SocialDeskError):
        ops_profiles.add_public(demo_ws, "x", "desk_new_public")  # already tracked
    history = ops_profiles.history(demo_ws, pid)
    assert isinstance(history, ops_profiles.History) and history.lines
    no_orm(history)
    plan = ops_profiles.plan(demo_ws, "actionDelete", [pid])
    assert isinstance(plan, ops_profiles.BulkPlan) and plan.will_count == 1
    no_orm(plan)
    result = ops_profiles.run_bulk(ops_profiles.bulk_job(demo_ws, "apply", "actionDelete", [pid]))
    assert isinstance(result, ops_profiles.BulkResult) and result.done == (pid,)
    assert ops_profiles.changed_by(result, membership=True).profile_ids == ()


def test_share_recipients_are_what_can_share_with_allows(demo_ws: Workspace) -> None:
    pid = owned_profile(demo_ws)
    recipients = ops_profiles.share_recipients(demo_ws, [pid])
    no_orm(recipients)
    me = ops_profiles.me(demo_ws)
    assert me is not None
    offered = {mid for mid, _name, _role in recipients.members}
    assert me.id not in offered and offered
    assert all(role != "analyst" for _mid, _name, role in recipients.members)
    assert recipients.already <= offered | recipients.already


def test_remove_ownership_names_the_profile(demo_ws: Workspace) -> None:
    pid = owned_profile(demo_ws)
    done = ops_profiles.remove_ownership(demo_ws, pid)
    assert done.change.kinds == frozenset({Kind.PROFILES}) and done.change.profile_ids == (pid,)


def test_the_check_operation_returns_a_summary_record(demo_ws: Workspace) -> None:
    assert ops_health.check_interval(demo_ws) >= 5
    done = ops_health.run_check(demo_ws, ops_health.token_store(demo_ws))
    no_orm(done.value)
    assert done.value.checked == 0 and done.value.not_checked > 0 and not done.change


@pytest.mark.parametrize("module", [ops_workspace, ops_profile_list, ops_profiles, ops_health])
def test_every_public_operation_is_annotated_with_records(module: Any) -> None:
    """No public function of these modules says it returns an ORM row."""
    for name in module.__all__:
        fn = getattr(module, name)
        if not callable(fn) or isinstance(fn, type) or not hasattr(fn, "__annotations__"):
            continue
        hints = typing.get_type_hints(fn)
        returned = hints.get("return")
        for part in typing.get_args(returned) or (returned,):
            assert not (isinstance(part, type) and issubclass(part, DeclarativeBase)), (name, part)
