"""ops.flows on the demo workspace: FlowRecords with their uses, and Changes that name the flows."""

from __future__ import annotations

import pytest

from socialdesk.ops import flows as ops_flows
from socialdesk.ops.changes import Kind
from socialdesk.services.errors import NotAllowedError
from socialdesk.services.workspace import Workspace
from tests.ops_records import assert_annotations_are_records, assert_done, assert_record


def test_every_public_function_returns_records() -> None:
    assert_annotations_are_records(ops_flows)


def test_the_flows_with_their_uses_and_the_writes(demo_ws: Workspace) -> None:
    view = ops_flows.flows(demo_ws)
    assert_record(view)
    assert view.edit  # the demo's *me* is an Administrator
    used = next(f for f in view.flows if f.used_by > 1)
    assert used.used_by == len(used.uses) and all(u.describe() for u in used.uses)
    assert ops_flows.flow_names(demo_ws) == [f.name for f in view.flows]
    assert ops_flows.flow(demo_ws, used.name) == used

    made = assert_done(ops_flows.create_flow(demo_ws, "Holiday hours", "Opening hours"), Kind.FLOWS)
    assert (made.name, made.description, made.uses) == ("Holiday hours", "Opening hours", ())
    described = assert_done(ops_flows.describe_flow(demo_ws, made.id, "  Closed  "), Kind.FLOWS)
    assert described.description == "Closed"
    unused = assert_done(ops_flows.rename_flow(demo_ws, made.id, "Holidays"), Kind.FLOWS)
    assert (unused.old, unused.new, unused.profiles) == ("Holiday hours", "Holidays", 0)
    assert assert_done(ops_flows.delete_flow(demo_ws, "holidays"), Kind.FLOWS) == "Holidays"

    # A rename of a flow in use rewrites the settings that point at it: the change says so.
    renamed = assert_done(
        ops_flows.rename_flow(demo_ws, used.id, used.name + " 2"), Kind.FLOWS, Kind.SETTINGS
    )
    assert renamed.profiles > 0
    assert ops_flows.flow(demo_ws, used.id).used_by == used.used_by
    with pytest.raises(NotAllowedError, match="is used in"):
        ops_flows.delete_flow(demo_ws, used.id)
