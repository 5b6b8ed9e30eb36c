"""Imports with a preview: groups from an export (round trip, edits, limits), public profiles from a list."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from socialdesk.models.schema import AuditEntry, Group, Profile
from socialdesk.services import export, importer, members
from socialdesk.services import groups as g
from socialdesk.services.errors import ValidationError
from socialdesk.services.workspace import Workspace


def _export(ws: Workspace, path: Path) -> Path:
    with ws.session() as s:
        export.export_groups(s, path)
    return path


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _state(ws: Workspace) -> tuple[str, int]:
    """Everything a groups import may touch: the groups with items and colours, and the audit log size."""
    with ws.session() as s:
        listing = json.dumps(
            [(i.id, i.name, i.color, [x.ref for x in i.items]) for i in g.list_groups(s)], default=str
        )
        return listing, s.scalar(select(func.count(AuditEntry.id))) or 0


def _preview(ws: Workspace, path: Path) -> importer.GroupsImportPreview:
    with ws.session() as s:
        return importer.preview_groups_import(s, path)


def _apply(ws: Workspace, preview: importer.GroupsImportPreview) -> importer.GroupsImportResult:
    with ws.session() as s:
        return importer.apply_groups_import(s, members.me_actor(s), preview)


# -- groups: round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_unchanged_export_imports_as_unchanged(demo_ws: Workspace, tmp_path: Path, suffix: str) -> None:
    path = _export(demo_ws, tmp_path / f"groups.{suffix}")
    before = _state(demo_ws)
    preview = _preview(demo_ws, path)
    assert preview.counts() == {"create": 0, "change": 0, "unchanged": 9}
    assert preview.skipped == () and preview.blocking == () and preview.untouched == ()
    assert not preview.can_apply
    assert _state(demo_ws) == before


def test_an_edited_export_shows_the_changes_then_applies_exactly_them(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    rows = _read(_export(demo_ws, tmp_path / "groups.csv"))
    header, body = rows[0], rows[1:]
    with demo_ws.session() as s:
        emea = g.group_info(s, g.find_group(s, "EMEA").id)
        first, second = emea.visible_items[0], emea.visible_items[1]
        outsider = s.scalars(
            select(Profile).where(Profile.deleted_at.is_(None), Profile.id.not_in([i.id for i in emea.items]))
        ).first()
        assert outsider is not None
        outsider_label = f"{export.PLATFORMS[outsider.platform].label} @{outsider.handle}"
        out_platform, out_handle, out_id = (
            export.PLATFORMS[outsider.platform].label,
            outsider.handle,
            outsider.id,
        )
    # EMEA: drop its first profile, add one by platform + handle only (a row typed by hand).
    edited = [r for r in body if not (r[1] == "EMEA" and r[3] == str(first.id) and r[6] == "EMEA")]
    edited.append(["", "EMEA", out_handle, "", "", out_platform, "EMEA", ""])
    # A new group with two profiles, nested into Global; APAC gets a new colour.
    edited.append(["", "Nordics", "", str(second.id), "", "", "Nordics", "#00ACC1"])
    edited.append(["", "Nordics", "", str(out_id), "", "", "", ""])
    edited.append(["", "Global", "", "", "", "", "Global > Nordics", ""])
    edited = [[*r[:7], "#123456"] if r[1] == "APAC" else r for r in edited]
    path = _write(tmp_path / "edited.csv", [header, *edited])
    before = _state(demo_ws)

    preview = _preview(demo_ws, path)
    assert _state(demo_ws) == before  # a preview changes nothing
    by_name = {c.name: c for c in preview.changes}
    assert preview.counts() == {"create": 1, "change": 3, "unchanged": 6}
    assert by_name["EMEA"].action == "change"
    assert by_name["EMEA"].added == (outsider_label,)
    assert by_name["EMEA"].removed == (first.describe(),)
    assert by_name["Nordics"].action == "create" and by_name["Nordics"].items == 2
    assert by_name["Nordics"].color == "#00ACC1"
    assert by_name["Global"].added == ("group 'Nordics'",) and by_name["Global"].removed == ()
    assert by_name["APAC"].color == "#123456" and by_name["APAC"].added == ()
    assert preview.skipped == () and preview.blocking == () and preview.can_apply
    assert any("new group" in line and "Nordics" in line for line in preview.lines())

    result = _apply(demo_ws, preview)
    assert result.created == ("Nordics",) and set(result.changed) == {"EMEA", "Global", "APAC"}
    with demo_ws.session() as s:
        emea_after = g.group_info(s, g.find_group(s, "EMEA").id)
        visible = [i.id for i in emea_after.visible_items]
        assert first.id not in visible and visible[-1] == out_id
        # Deleted profiles were not in the file and are kept.
        assert [i.id for i in emea_after.items if i.deleted] == [i.id for i in emea.items if i.deleted]
        nordics = g.group_info(s, g.find_group(s, "nordics").id)
        assert [i.id for i in nordics.items] == [second.id, out_id] and nordics.color == "#00ACC1"
        glob = g.group_info(s, g.find_group(s, "Global").id)
        assert [i.label for i in glob.items] == ["EMEA", "North America", "APAC", "Nordics"]
        assert g.find_group(s, "APAC").color == "#123456"
    # Exporting again and importing that changes nothing more.
    again = _preview(demo_ws, _export(demo_ws, tmp_path / "again.xlsx"))
    assert again.counts() == {"create": 0, "change": 0, "unchanged": 10}


def test_an_edited_xlsx_with_formula_like_names_round_trips(demo_ws: Workspace, tmp_path: Path) -> None:
    with demo_ws.session() as s:
        actor = members.me_actor(s)
        plus = g.create_group(s, actor, "+Campaign")
        g.add_items(s, actor, plus.id, [g.ItemRef.profile(2)])
    path = _export(demo_ws, tmp_path / "groups.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert [v[1] for v in values if v[0] == plus.id] == ["'+Campaign"]
    # Delete the '+Campaign' row and add it back with another profile, the way a user edits.
    ws.delete_rows(next(i for i, v in enumerate(values, 1) if v[0] == plus.id))
    ws.append([None, "'+Campaign", None, 3, None, None, "'+Campaign", None])
    wb.save(path)
    preview = _preview(demo_ws, path)
    change = {c.name: c for c in preview.changes}["+Campaign"]
    assert change.action == "change" and len(change.added) == 1 and len(change.removed) == 1
    _apply(demo_ws, preview)
    with demo_ws.session() as s:
        assert [i.id for i in g.group_info(s, plus.id).items] == [3]


# -- groups: rows that do not match, limits, loops ----------------------------------------------------


def test_rows_that_do_not_match_are_listed_with_the_reason_and_left_out(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    with demo_ws.session() as s:
        deleted = s.scalars(select(Profile).where(Profile.deleted_at.is_not(None))).first()
        live = s.scalars(select(Profile).where(Profile.deleted_at.is_(None))).first()
        assert deleted is not None and live is not None
        live_id, live_handle = live.id, live.handle
        deleted_id = deleted.id
        live_label = f"{export.PLATFORMS[live.platform].label} @{live_handle}"
        deleted_label = f"{export.PLATFORMS[deleted.platform].label} @{deleted.handle}"
    header = list(export.GROUP_COLUMNS)
    path = _write(
        tmp_path / "bad-rows.csv",
        [
            header,
            ["", "Fresh", "", str(live_id), "", "", "", ""],  # row 2: fine
            ["", "Fresh", "", "99999", "", "", "", ""],  # row 3: no such profile
            ["", "Fresh", "somebody_else", str(live_id), "", "", "", ""],  # row 4: id and handle disagree
            ["", "Fresh", live_handle, "", "", "Myspace", "", ""],  # row 5: unknown platform
            ["", "", "", str(live_id), "", "", "", ""],  # row 6: no group name
            ["", "Fresh", "", str(deleted_id), "", "", "", ""],  # row 7: deleted profile
            ["", "Fresh", "", "", "", "", "Fresh > Nowhere", ""],  # row 8: unknown nested group
            ["", "Fresh", "", "", "", "", "Elsewhere > EMEA", ""],  # row 9: path of another group
            ["", "Fresh", "", "", "", "", "", "blue"],  # row 10: not a colour
        ],
    )
    preview = _preview(demo_ws, path)
    assert [(i.row, i.message) for i in preview.skipped] == [
        (3, "there is no profile with id 99999"),
        (
            4,
            f"profile {live_id} is {live_label}, not @somebody_else",
        ),
        (5, "unknown platform 'Myspace'"),
        (6, "no group name"),
        (
            7,
            f"profile {deleted_id} ({deleted_label}) is deleted; restore it first",
        ),
        (8, "the group path names a group 'nowhere' that does not exist"),
        (9, "the group path does not start with the group name 'Fresh'"),
        (10, "'blue' is not a colour like #1E88E5; the colour stays as it is"),
    ]
    assert [(c.name, c.action, c.items) for c in preview.changes] == [("Fresh", "create", 1)]
    assert len(preview.untouched) == 9 and preview.can_apply
    _apply(demo_ws, preview)
    with demo_ws.session() as s:
        assert [i.id for i in g.group_info(s, g.find_group(s, "Fresh").id).items] == [live_id]


def test_limits_and_loops_block_the_import_and_nothing_changes(demo_ws: Workspace, tmp_path: Path) -> None:
    header = list(export.GROUP_COLUMNS)
    before = _state(demo_ws)
    many = _write(
        tmp_path / "many.csv", [header, *[["", f"New {i}", "", "", "", "", "", ""] for i in range(12)]]
    )
    preview = _preview(demo_ws, many)
    assert preview.blocking == (
        "the import would make 21 groups (9 now, 12 new); a workspace holds at most 20",
    )
    assert not preview.can_apply
    with pytest.raises(ValidationError, match="would make 21 groups"):
        _apply(demo_ws, preview)

    full = _write(
        tmp_path / "full.csv", [header, *[["", "Big", "", str(i), "", "", "", ""] for i in range(2, 23)]]
    )
    preview = _preview(demo_ws, full)
    assert preview.blocking == ("group 'Big' would hold 21 items; a group holds at most 20",)

    loop = _write(tmp_path / "loop.csv", [header, ["", "EMEA", "", "", "", "", "EMEA > Global", ""]])
    preview = _preview(demo_ws, loop)
    assert preview.blocking == ("groups would contain themselves: EMEA > Global > EMEA",)
    with pytest.raises(ValidationError, match="would contain themselves"):
        _apply(demo_ws, preview)
    assert _state(demo_ws) == before


def test_apply_refuses_when_the_workspace_changed_since_the_preview(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    header = list(export.GROUP_COLUMNS)
    path = _write(tmp_path / "one.csv", [header, ["", "Solo", "", "2", "", "", "", ""]])
    preview = _preview(demo_ws, path)
    with demo_ws.session() as s:
        g.create_group(s, members.me_actor(s), "Solo")
    before = _state(demo_ws)
    with pytest.raises(importer.ImportChangedError, match="changed since this preview"):
        _apply(demo_ws, preview)
    assert _state(demo_ws) == before


def _zip_not_xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("empty.csv", lambda p: p.write_bytes(b""), "empty.csv is empty"),
        ("blank.csv", lambda p: p.write_text("\n , \n\n"), "blank.csv has no rows with data"),
        (
            "image.png",
            lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
            "not a CSV or XLSX file",
        ),
        ("old.xls", lambda p: p.write_bytes(importer._XLS_MAGIC + b"\x00" * 64), "old Excel .xls workbook"),
        ("fake.xlsx", _zip_not_xlsx, "fake.xlsx is not a CSV or XLSX file (or it is damaged)"),
        ("cut.xlsx", lambda p: p.write_bytes(b"PK\x03\x04broken"), "cut.xlsx is not a CSV or XLSX file"),
        (
            "other.csv",
            lambda p: p.write_text("Name,Email\nAda,ada@example.com\n"),
            "does not look like a groups export",
        ),
        (
            "header.csv",
            lambda p: p.write_text(",".join(export.GROUP_COLUMNS) + "\n"),
            "header row but no data rows",
        ),
        ("missing.csv", None, "There is no file"),
    ],
)
def test_a_broken_file_gives_one_clear_message_and_changes_nothing(
    demo_ws: Workspace, tmp_path: Path, name: str, make: Any, message: str
) -> None:
    path = tmp_path / name
    if make is not None:
        make(path)
    before = _state(demo_ws)
    with pytest.raises(importer.ImportFileError) as exc:
        _preview(demo_ws, path)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value) and "Traceback" not in str(exc.value)
    assert _state(demo_ws) == before


def test_semicolon_separated_csv_from_a_european_spreadsheet_is_read(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "semi.csv"
    path.write_bytes("Group name;Profile ID\nÅrhus;2\nÅrhus;3\n".encode("cp1252"))
    preview = _preview(demo_ws, path)
    assert [(c.name, c.action, c.items) for c in preview.changes] == [("Århus", "create", 2)]


# -- public profiles ------------------------------------------------------------------------------------


def test_a_list_of_addresses_previews_then_adds_public_profiles(demo_ws: Workspace, tmp_path: Path) -> None:
    with demo_ws.session() as s:
        deleted = s.scalars(
            select(Profile).where(Profile.deleted_at.is_not(None), Profile.platform == "pinterest")
        ).first()
        live = s.scalars(select(Profile).where(Profile.deleted_at.is_(None), Profile.platform == "x")).first()
        assert deleted is not None and live is not None
        deleted_id, live_id = deleted.id, live.id
        count_before = s.scalar(select(func.count(Profile.id)))
    lines = [
        "https://www.instagram.com/acme.shop/",  # 1 add
        f"https://twitter.com/{live.handle}",  # 2 exists
        f"pinterest.com/{deleted.handle}",  # 3 restore
        "https://www.tiktok.com/@acme_dance",  # 4 add
        "https://www.instagram.com/ACME.shop",  # 5 same as row 1
        "@no_platform",  # 6 skipped
        "https://myspace.com/tom",  # 7 skipped
    ]
    path = tmp_path / "urls.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with demo_ws.session() as s:
        preview = importer.preview_profiles_import(s, path)
    assert [(r.row, r.action) for r in preview.rows] == [
        (1, "add"),
        (2, "exists"),
        (3, "restore"),
        (4, "add"),
        (5, "skip"),
        (6, "skip"),
        (7, "skip"),
    ]
    assert preview.rows[1].profile_id == live_id and preview.rows[2].profile_id == deleted_id
    assert preview.rows[4].message == "the same profile as row 1"
    assert "has no platform" in preview.rows[5].message
    assert "'myspace.com' is not an address of a supported platform" in preview.rows[6].message
    assert preview.counts() == {"add": 2, "restore": 1, "exists": 1, "skip": 3}
    with demo_ws.session() as s:
        assert s.scalar(select(func.count(Profile.id))) == count_before  # the preview added nothing
        result = importer.apply_profiles_import(s, members.me_actor(s), preview)
    assert len(result.added) == 2 and result.restored == (deleted_id,)
    with demo_ws.session() as s:
        added = {(p.platform, p.handle, p.visibility) for p in (s.get(Profile, i) for i in result.added) if p}
        assert added == {("instagram", "acme.shop", "public"), ("tiktok", "acme_dance", "public")}
        assert s.get(Profile, deleted_id).deleted_at is None  # type: ignore[union-attr]


def test_an_xlsx_with_platform_and_handle_columns_is_imported_all_or_nothing(
    demo_ws: Workspace, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Platform", "Handle", "Display name", "Kind"])
    ws.append(["X/Twitter", "@newsdesk", "News Desk", None])
    ws.append(["LinkedIn", "contoso-ltd", "Contoso Ltd", "Organization page"])
    ws.append(["Facebook", "fan page", None, None])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    with demo_ws.session() as s:
        preview = importer.preview_profiles_import(s, path)
    assert [r.action for r in preview.rows] == ["add", "add", "skip"]
    assert preview.rows[1].kind == "organization_page"
    assert "is not a handle" in preview.rows[2].message
    # Someone adds one of them before the import is applied: the import refuses as a whole.
    with demo_ws.session() as s:
        from socialdesk.services import profiles

        profiles.add_public_profile(s, members.me_actor(s), "x", "newsdesk")
        count = s.scalar(select(func.count(Profile.id)))
    with pytest.raises(importer.ImportChangedError), demo_ws.session() as s:
        importer.apply_profiles_import(s, members.me_actor(s), preview)
    with demo_ws.session() as s:
        assert s.scalar(select(func.count(Profile.id))) == count
        fresh = importer.preview_profiles_import(s, path)
        assert [r.action for r in fresh.rows] == ["exists", "add", "skip"]
        result = importer.apply_profiles_import(s, members.me_actor(s), fresh)
        made = s.get(Profile, result.added[0])
        assert made is not None and (made.display_name, made.kind) == ("Contoso Ltd", "organization_page")
    with demo_ws.session() as s:
        assert s.scalar(select(func.count(Group.id))) == 9


def test_a_profile_list_without_usable_columns_is_refused(demo_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("First name,Last name\nAda,Lovelace\n", encoding="utf-8")
    with (
        demo_ws.session() as s,
        pytest.raises(importer.ImportFileError, match="does not look like a list of profiles"),
    ):
        importer.preview_profiles_import(s, path)
