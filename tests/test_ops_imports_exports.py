"""ops.imports and ops.exports on the demo workspace: previews are records that change nothing; applying
returns Done with the change (the imported profiles by id); an export returns its ExportResult."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialdesk.ops import exports as ops_exports
from socialdesk.ops import groups as ops_groups
from socialdesk.ops import imports as ops_imports
from socialdesk.ops.changes import Kind
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace
from tests.ops_records import assert_annotations_are_records, assert_done, assert_record


def test_every_public_function_returns_records() -> None:
    assert_annotations_are_records(ops_imports)
    assert_annotations_are_records(ops_exports)


def test_groups_round_trip_through_an_export_and_an_import(demo_ws: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "groups.csv"
    result = ops_exports.export_groups(demo_ws, target, "csv")
    assert_record(result)
    assert result.path == target and result.rows > 0 and target.exists()
    text = target.read_text(encoding="utf-8-sig").replace("Customer care", "Customer care 2")
    target.write_text(text, encoding="utf-8")
    before = ops_groups.groups(demo_ws).groups
    preview = ops_imports.preview_groups(demo_ws, target)
    assert_record(preview)
    assert preview.can_apply and ops_imports.can_import_groups(demo_ws)
    assert ops_groups.groups(demo_ws).groups == before  # a preview changes nothing
    done = assert_done(ops_imports.apply_groups(demo_ws, preview), Kind.GROUPS)
    assert done.created == ("Customer care 2",)
    assert ops_groups.count_groups(demo_ws) == len(before) + 1
    with pytest.raises(ops_imports.ImportChangedError):  # the same preview again: the workspace moved on
        ops_imports.apply_groups(demo_ws, preview)


def test_profiles_import_and_export(demo_ws: Workspace, tmp_path: Path) -> None:
    source = tmp_path / "urls.csv"
    source.write_text("url\nhttps://www.instagram.com/acme.shop\nnot a url at all\n", encoding="utf-8")
    preview = ops_imports.preview_profiles(demo_ws, source)
    assert_record(preview)
    assert [r.action for r in preview.rows] == ["add", "skip"]
    done = ops_imports.apply_profiles(demo_ws, preview)
    result = assert_done(done, Kind.PROFILES)
    assert len(result.added) == 1 and result.restored == ()
    assert done.change.profile_ids == result.added  # the list refreshes exactly the profile it gained
    again = ops_imports.preview_profiles(demo_ws, source)
    assert [r.action for r in again.rows] == ["exists", "skip"]

    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
    out = ops_exports.export_profiles(rows, [0, 1, 2], tmp_path / "three.csv")
    assert_record(out)
    assert out.rows == 3 and out.format is ops_exports.ExportFormat.CSV
