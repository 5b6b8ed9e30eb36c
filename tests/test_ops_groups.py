"""ops.groups on the demo workspace: GroupInfo records, the Change names the groups (and the profiles
whose Groups column changed), and the item limit is the rule's, asked before any id is looked up."""

from __future__ import annotations

import pytest

from socialdesk.ops import groups as ops_groups
from socialdesk.ops.changes import Kind
from socialdesk.ops.groups import ItemRef
from socialdesk.services import rules
from socialdesk.services.errors import ValidationError
from socialdesk.services.workspace import Workspace
from tests.ops_records import assert_annotations_are_records, assert_done, assert_record


def test_every_public_function_returns_records() -> None:
    assert_annotations_are_records(ops_groups)


def _by_name(ws: Workspace) -> dict[str, ops_groups.GroupInfo]:
    return {g.name: g for g in ops_groups.groups(ws).groups}


def test_reads(demo_ws: Workspace) -> None:
    view = ops_groups.groups(demo_ws)
    assert_record(view)
    assert view.change and len(view.groups) == 9
    assert ops_groups.group_names(demo_ws) == [g.name for g in view.groups]
    assert ops_groups.count_groups(demo_ws) == 9
    groups = _by_name(demo_ws)
    emea = groups["EMEA"]
    assert ops_groups.find_group(demo_ws, "emea") == emea == ops_groups.group(demo_ws, emea.id)
    assert ops_groups.containing_groups(demo_ws, emea.id) == [(groups["Global"].id, "Global")]
    options = {o.name: o for o in ops_groups.group_options(demo_ws, emea.id)}
    assert_record(list(options.values()))
    assert "EMEA" not in options and options["Global"].loop and not options["Global"].addable
    assert options["APAC"].addable
    search = ops_groups.search_profiles(demo_ws, "", limit=5)
    assert_record(search)
    assert len(search.hits) == 5 and search.more


def test_writes_and_their_changes(demo_ws: Workspace) -> None:
    made = assert_done(ops_groups.create_group(demo_ws, "Spring  launch", "#1e88e5"), Kind.GROUPS)
    assert (made.name, made.color, made.items) == ("Spring launch", "#1E88E5", ())
    assert assert_done(ops_groups.rename_group(demo_ws, made.id, "Spring"), Kind.GROUPS).name == "Spring"
    assert assert_done(ops_groups.recolor_group(demo_ws, made.id, "#43a047"), Kind.GROUPS).color == "#43A047"
    hits = ops_groups.search_profiles(demo_ws, "", limit=3).hits
    ids = [h.id for h in hits]
    done = ops_groups.add_items(demo_ws, made.id, [ItemRef.profile(i) for i in ids])
    added = assert_done(done, Kind.GROUPS, profile_ids=tuple(ids))
    assert added.added == tuple(ItemRef.profile(i) for i in ids) and added.already == ()
    moved = assert_done(ops_groups.move_item(demo_ws, made.id, ItemRef.profile(ids[2]), 0), Kind.GROUPS)
    assert [i.id for i in moved.items] == [ids[2], ids[0], ids[1]]
    removed = ops_groups.remove_items(demo_ws, made.id, [ItemRef.profile(ids[0])])
    assert assert_done(removed, Kind.GROUPS, profile_ids=(ids[0],)) == 1
    copy = assert_done(ops_groups.copy_group(demo_ws, made.id), Kind.GROUPS)
    assert copy.name == "Copy of Spring"
    assert [i.ref for i in copy.items] == [ItemRef.profile(ids[2]), ItemRef.profile(ids[1])]
    emea = _by_name(demo_ws)["EMEA"]
    with pytest.raises(ops_groups.GroupContainedError):
        ops_groups.delete_group(demo_ws, emea.id)
    assert assert_done(
        ops_groups.delete_group(demo_ws, emea.id, remove_from_containing=True), Kind.GROUPS
    ) == ["Global"]


def test_more_items_than_a_group_holds_are_refused_by_the_rule_before_any_lookup(demo_ws: Workspace) -> None:
    target = _by_name(demo_ws)["APAC"]
    unknown = [ItemRef.profile(10**9 + i) for i in range(100_000)]  # ids nobody has: never looked up
    expected = rules.can_add_items("APAC", len(target.items), len(unknown))
    assert not expected
    with pytest.raises(ValidationError) as refused:
        ops_groups.add_items(demo_ws, target.id, unknown)
    assert [m for _f, m in refused.value.problems] == [expected.reason]
    assert ops_groups.group(demo_ws, target.id) == target
