"""Exports of all groups and of the profile list, read back with the csv module and openpyxl."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from socialdesk.models.catalogue import Status
from socialdesk.models.schema import Profile
from socialdesk.services import export, members
from socialdesk.services import groups as g
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.query import ProfileFilter, ProfileRows
from socialdesk.services.workspace import Workspace
from tests import factory as f

FORMULA = '=HYPERLINK("http://x")'
FIRST_FIVE = ["Group ID", "Group name", "Profile (handle)", "Profile ID", "Profile display name"]


@pytest.fixture
def shaped(demo_ws: Workspace) -> dict[str, Any]:
    """The demo plus a unicode group holding a formula-named profile, a nested group and an empty group."""
    with demo_ws.session() as s:
        me = members.me(s)
        assert me is not None
        actor = members.me_actor(s)
        evil = f.profile(s, "instagram", "account", handle="-minus", owners=(me,), name=FORMULA)
        cafe = f.profile(s, "x", "account", handle="cafe_zurich", owners=(me,), name="Café Zürich 東京")
        uni = g.create_group(s, actor, "Zürich 東京 ☕")
        empty = g.create_group(s, actor, "Empty")
        emea = g.find_group(s, "EMEA")
        g.add_items(s, actor, uni.id, [g.ItemRef.profile(evil.id), g.ItemRef.group(emea.id)])
        g.add_items(s, actor, uni.id, [g.ItemRef.profile(cafe.id), g.ItemRef.group(empty.id)])
        deleted = set(s.scalars(select(Profile.id).where(Profile.deleted_at.is_not(None))))
        expected = {
            gid: [(r.profile_id, r.path_names) for r in g.expand(s, gid)]
            for gid in (i.id for i in g.list_groups(s))
        }
        return {
            "evil": evil.id,
            "cafe": cafe.id,
            "uni": uni.id,
            "empty": empty.id,
            "emea": emea.id,
            "deleted": deleted,
            "expected": expected,
        }


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_groups_csv_has_the_columns_in_order_nested_rows_unicode_and_neutralised_formulas(
    demo_ws: Workspace, shaped: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "groups.csv"
    with demo_ws.session() as s:
        result = export.export_groups(s, target, "csv")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the file as UTF-8
    assert b"\r\n" in raw
    rows = _read_csv(target)
    header, body = rows[0], rows[1:]
    assert header[:5] == FIRST_FIVE
    assert header == list(export.GROUP_COLUMNS)
    assert len(body) == result.rows
    # Every group, by name, with the profiles reached through it (nested ones included), in item order.
    by_group: dict[int, list[list[str]]] = {}
    for row in body:
        by_group.setdefault(int(row[0]), []).append(row)
    for gid, reached in shaped["expected"].items():
        got = [(int(r[3]), tuple(r[6].split(" > "))) for r in by_group[gid] if r[3]]
        assert got == reached
    uni = by_group[shaped["uni"]]
    assert uni[0][:6] == [
        str(shaped["uni"]),
        "Zürich 東京 ☕",
        "'-minus",
        str(shaped["evil"]),
        "'" + FORMULA,
        "Instagram",
    ]
    assert [r[6] for r in uni[1:-2]] == ["Zürich 東京 ☕ > EMEA"] * (len(uni) - 3)
    assert uni[-2][4] == "Café Zürich 東京" and uni[-2][6] == "Zürich 東京 ☕"
    # The nested empty group shows as one row with empty profile columns and its path.
    assert uni[-1][2:6] == ["", "", "", ""] and uni[-1][6] == "Zürich 東京 ☕ > Empty"
    assert by_group[shaped["empty"]] == [
        [str(shaped["empty"]), "Empty", "", "", "", "", "Empty", g.DEFAULT_COLOR]
    ]
    exported_ids = {int(r[3]) for r in body if r[3]}
    assert not exported_ids & shaped["deleted"]
    names = [r[1] for r in body]
    assert names == sorted(names, key=str.casefold)


def test_groups_xlsx_reads_back_as_text_with_a_styled_frozen_filtered_header(
    demo_ws: Workspace, shaped: dict[str, Any], tmp_path: Path
) -> None:
    csv_path, xlsx_path = tmp_path / "groups.csv", tmp_path / "groups.xlsx"
    with demo_ws.session() as s:
        export.export_groups(s, csv_path, "csv")
        result = export.export_groups(s, xlsx_path, "xlsx")
    wb = load_workbook(xlsx_path)
    ws = wb.active
    assert ws is not None
    assert wb.sheetnames == ["Profile groups"]
    assert [c.value for c in ws[1]] == list(export.GROUP_COLUMNS)
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:H{result.rows + 1}"
    assert ws.max_row == result.rows + 1
    widths = [ws.column_dimensions[c].width for c in "ABCDEFGH"]
    assert all(8 <= w <= 60 for w in widths) and widths[4] > widths[0]
    # No cell is a formula; the formula-like display name comes back as text.
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    evil = [row for row in ws.iter_rows(min_row=2, values_only=True) if row[3] == shaped["evil"]]
    assert evil and evil[0][4] == "'" + FORMULA and evil[0][2] == "'-minus"
    # Ids are numbers, and the XLSX holds the same rows as the CSV.
    as_text = [
        ["" if v is None else str(v) for v in row] for row in ws.iter_rows(min_row=2, values_only=True)
    ]
    assert as_text == _read_csv(csv_path)[1:]
    assert isinstance(ws["A2"].value, int)


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-minus", "'-minus"),
        ("@handle", "'@handle"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("'=already", "''=already"),
        ("plain", "plain"),
        ("'quoted", "'quoted"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_prefixes_formula_starts_and_restore_undoes_it(text: str, safe: str) -> None:
    assert export.neutralise(text) == safe
    assert export.restore_text(safe) == text


@given(st.text(alphabet=st.sampled_from("=+-@\t\r'ab "), max_size=6))
def test_neutralised_text_never_starts_a_formula_and_restores_exactly(text: str) -> None:
    safe = export.neutralise(text)
    assert safe[:1] not in export.FORMULA_TRIGGERS
    assert export.restore_text(safe) == text


# -- the profile list ----------------------------------------------------------------------------------


def _rows(ws: Workspace) -> ProfileRows:
    with ws.engine.connect() as conn:
        return ProfileRows.load(conn, ws.me_id)


def test_profile_list_export_keeps_the_filter_and_order_of_the_window(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    rows = _rows(demo_ws)
    selected = rows.select(ProfileFilter(status={Status.EXPIRED}), "name", True)
    assert len(selected) >= 5
    expected_ids = [rows.ids[r] for r in selected]
    csv_result = export.export_profiles(rows, selected, tmp_path / "list.csv")
    xlsx_result = export.export_profiles(rows, selected, tmp_path / "list.xlsx")
    assert (csv_result.format, xlsx_result.format) == (export.ExportFormat.CSV, export.ExportFormat.XLSX)
    body = _read_csv(tmp_path / "list.csv")
    assert body[0] == list(export.PROFILE_COLUMNS)
    assert [int(r[0]) for r in body[1:]] == expected_ids
    assert {r[6] for r in body[1:]} == {"Expired"}
    assert body[1][10].endswith("Z")  # ISO 8601 UTC, like the command line
    wb = load_workbook(tmp_path / "list.xlsx")
    ws = wb["Profiles"]
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == list(export.PROFILE_COLUMNS)
    assert [v[0] for v in values[1:]] == expected_ids
    assert [v[1] for v in values[1:]] == [r[1] for r in body[1:]]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:K{len(selected) + 1}"
    assert ws["K2"].is_date


def _recorder(seen: list[tuple[int, int]]) -> export.Progress:
    return lambda done, total: seen.append((done, total))


def _cancel_on_call(n: int) -> export.Cancel:
    calls: list[int] = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= n

    return cancel


def test_progress_is_reported_and_cancel_leaves_no_file(demo_ws: Workspace, tmp_path: Path) -> None:
    from openpyxl.worksheet import _writer

    rows = _rows(demo_ws)
    many = list(range(len(rows))) * 40  # a few thousand rows, so the export has several chunks
    for fmt in ("csv", "xlsx"):
        seen: list[tuple[int, int]] = []
        done = export.export_profiles(rows, many, tmp_path / f"all.{fmt}", progress=_recorder(seen))
        assert done.rows == len(many)
        assert seen[0] == (0, len(many)) and seen[-1] == (len(many), len(many))
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)

        target = tmp_path / f"kept.{fmt}"
        target.write_bytes(b"the previous export")
        temp_before = list(_writer.ALL_TEMP_FILES)
        with pytest.raises(export.ExportCancelled, match="cancelled; no file was written"):
            export.export_profiles(rows, many, target, cancel=_cancel_on_call(3))
        assert target.read_bytes() == b"the previous export"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
        assert temp_before == _writer.ALL_TEMP_FILES


def test_a_target_that_cannot_be_written_gives_a_clear_message(demo_ws: Workspace, tmp_path: Path) -> None:
    with demo_ws.session() as s:
        with pytest.raises(SocialDeskError, match=r"The folder .* does not exist; choose another place"):
            export.export_groups(s, tmp_path / "missing" / "g.csv", "csv")
        with pytest.raises(SocialDeskError, match="is a folder; choose a file name"):
            export.export_groups(s, tmp_path, "csv")
        with pytest.raises(SocialDeskError, match=r"Cannot tell the format from 'g\.txt'"):
            export.export_groups(s, tmp_path / "g.txt")
        assert export.export_groups(s, tmp_path / "g.XLSX").format is export.ExportFormat.XLSX
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".part", ".csv")) == []


def test_characters_xlsx_cannot_hold_are_dropped_not_fatal(workspace: Workspace, tmp_path: Path) -> None:
    with workspace.session() as s:
        me = f.member(s, "Ada", me=True)
        bell = f.profile(s, handle="bell", owners=(me,), name="Ring\x07 the bell")
        group = g.create_group(s, f.actor(me), "Bells")
        g.add_items(s, f.actor(me), group.id, [g.ItemRef.profile(bell.id)])
        export.export_groups(s, tmp_path / "b.xlsx", "xlsx")
        export.export_groups(s, tmp_path / "b.csv", "csv")
    ws = load_workbook(tmp_path / "b.xlsx").active
    assert ws is not None and ws["E2"].value == "Ring the bell"
    assert _read_csv(tmp_path / "b.csv")[1][4] == "Ring\x07 the bell"


def test_profile_list_export_neutralises_typed_text_anywhere_in_the_list(
    workspace: Workspace, tmp_path: Path
) -> None:
    with workspace.session() as s:
        me = f.member(s, "@Ada", me=True)
        plain = f.profile(s, handle="plain", owners=(me,), name="Plain")
        formula = f.profile(s, handle="-dash", owners=(me,), name="=SUM(A1:A9)")
        bell = f.profile(s, handle="bell", owners=(me,), name="Bell\x07")
        group = g.create_group(s, f.actor(me), "+Plus")
        g.add_items(s, f.actor(me), group.id, [g.ItemRef.profile(formula.id)])
        ids = [plain.id, formula.id, bell.id]
    rows = _rows(workspace)
    selected = [rows.row_of[i] for i in ids]
    export.export_profiles(rows, selected, tmp_path / "p.csv")
    export.export_profiles(rows, selected, tmp_path / "p.xlsx")
    body = _read_csv(tmp_path / "p.csv")[1:]
    assert [(r[1], r[2], r[8], r[9]) for r in body] == [
        ("Plain", "plain", "'@Ada", ""),
        ("'=SUM(A1:A9)", "'-dash", "'@Ada", "'+Plus"),
        ("Bell\x07", "bell", "'@Ada", ""),
    ]
    ws = load_workbook(tmp_path / "p.xlsx").active
    assert ws is not None
    assert [(c.value, c.data_type) for c in ws["B"][1:]] == [
        ("Plain", "s"),
        ("'=SUM(A1:A9)", "s"),
        ("Bell", "s"),
    ]
    assert ws["J3"].value == "'+Plus" and ws["C3"].value == "'-dash"
