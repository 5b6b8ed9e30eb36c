"""``socialdesk groups`` as docs/interfaces.md says: list, create, add, export (remove, delete, import)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from socialdesk.cli import main
from socialdesk.models.schema import Member, Meta
from socialdesk.services import export
from socialdesk.services.workspace import Workspace


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), "groups", *args])
    out, err = capsys.readouterr()
    return code, out, err


def listing(capsys: pytest.CaptureFixture[str], data: Path) -> list[dict[str, Any]]:
    code, out, err = run(capsys, data, "list", "--format", "json")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def by_name(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in groups}


def test_list_json_follows_the_contract(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    groups = listing(capsys, demo_dir)
    assert len(groups) == 9
    for group in groups:
        assert set(group) == {"id", "name", "color", "items"}
        assert isinstance(group["id"], int) and group["color"].startswith("#")
        for item in group["items"]:
            assert set(item) == {"kind", "id"} and item["kind"] in ("profile", "group")
            assert isinstance(item["id"], int)
    named = by_name(groups)
    assert named["Global"]["items"] == [
        {"kind": "group", "id": named[n]["id"]} for n in ("EMEA", "North America", "APAC")
    ]
    assert [i["kind"] for i in named["All brands"]["items"]] == ["group", "group", "profile"]
    assert [i["id"] for i in named["All brands"]["items"][:2]] == [
        named["Brand: Contoso"]["id"],
        named["Brand: Northwind"]["id"],
    ]
    code, out, _ = run(capsys, demo_dir, "list")
    assert code == 0 and "Global" in out and "[EMEA], [North America], [APAC]" in out


def test_create_and_add_keep_the_order_and_accept_names_in_any_case(
    capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    code, out, err = run(capsys, demo_dir, "create", "Launch Week")
    assert code == 0, err
    new_id = int(out.strip())
    code, out, err = run(capsys, demo_dir, "add", "launch week", "5", "3", "9")
    assert (code, out.strip(), err) == (0, "Added 3 items to 'Launch Week'", "")
    code, out, err = run(capsys, demo_dir, "add", str(new_id), "3", "2", "--group", "emea")
    assert code == 0 and out.strip() == "Added 2 items to 'Launch Week'"
    assert err.strip() == "1 item already in 'Launch Week' (left where they are)"
    group = by_name(listing(capsys, demo_dir))["Launch Week"]
    emea = by_name(listing(capsys, demo_dir))["EMEA"]["id"]
    assert group["id"] == new_id
    assert group["items"] == [
        {"kind": "profile", "id": 5},
        {"kind": "profile", "id": 3},
        {"kind": "profile", "id": 9},
        {"kind": "profile", "id": 2},
        {"kind": "group", "id": emea},
    ]
    code, out, _ = run(capsys, demo_dir, "remove", "Launch Week", "3", "--group", "EMEA")
    assert code == 0 and out.strip() == "Removed 2 items from 'Launch Week'"
    assert [i["id"] for i in by_name(listing(capsys, demo_dir))["Launch Week"]["items"]] == [5, 9, 2]


def test_limits_and_errors_exit_1_with_one_line_per_problem(
    capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    before = listing(capsys, demo_dir)
    cases = [
        (("create", "emea"), ["name: There is already a group named 'EMEA'; choose another name"]),
        (
            ("create", "New", "--color", "red"),
            ["color: Enter a colour as #RRGGBB, for example #1E88E5 (not 'red')"],
        ),
        (("add", "Nope", "1"), ["socialdesk: There is no group named 'Nope'"]),
        (
            ("add", "EMEA", "99998", "99999"),
            ["items: There is no profile with id 99998", "items: There is no profile with id 99999"],
        ),
        (
            ("add", "EMEA", "--group", "Global"),
            [
                "items: Group 'Global' cannot go into 'EMEA': 'EMEA' is already inside it (Global > EMEA), "
                "so the group would contain itself"
            ],
        ),
        (
            ("delete", "APAC"),
            [
                "socialdesk: Group 'APAC' is inside 'Global'; "
                "run again with --force to take it out and delete it"
            ],
        ),
    ]
    for args, lines in cases:
        code, out, err = run(capsys, demo_dir, *args)
        assert (code, out, err.splitlines()) == (1, "", lines), args
    assert listing(capsys, demo_dir) == before
    code, out, _ = run(capsys, demo_dir, "delete", "APAC", "--force")
    assert code == 0 and out.strip() == "Deleted 'APAC' and took it out of 'Global'"
    assert "APAC" not in by_name(listing(capsys, demo_dir))


def test_the_21st_group_and_the_21st_item_are_refused(
    capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    for i in range(11):
        assert run(capsys, demo_dir, "create", f"Extra {i}")[0] == 0
    code, out, err = run(capsys, demo_dir, "create", "Extra 11")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "There are already 20 groups, the most a workspace can have (20); delete a group or reuse one first"
    ]
    assert run(capsys, demo_dir, "add", "Extra 0", *[str(i) for i in range(1, 21)])[0] == 0
    code, _, err = run(capsys, demo_dir, "add", "Extra 0", "21")
    assert code == 1
    assert err.splitlines() == [
        "items: A group holds at most 20 items; 'Extra 0' has 20, so 0 more fit and 1 were given"
    ]
    assert len(by_name(listing(capsys, demo_dir))["Extra 0"]["items"]) == 20


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    for args in (
        ("add", "EMEA", "abc"),
        ("add", "EMEA"),
        ("export", "--format", "pdf", "--output", "x.pdf"),
        ("export", "--format", "csv"),
        ("list", "--format", "yaml"),
        (),
    ):
        code, out, err = run(capsys, demo_dir, *args)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, args


def test_an_analyst_cannot_change_groups(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        analyst = s.query(Member).filter(Member.role == "analyst").one()
        s.merge(Meta(key="me", value=str(analyst.id)))
    ws.close()
    code, _, err = run(capsys, demo_dir, "create", "Mine")
    assert (code, err.strip()) == (1, "socialdesk: Analysts have read-only access")


def test_export_writes_csv_and_xlsx_with_the_contract_columns(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, demo_dir, "export", "--format", "csv", "--output", str(tmp_path / "g.csv"))
    assert code == 0, err
    with (tmp_path / "g.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["Group ID", "Group name", "Profile (handle)", "Profile ID", "Profile display name"]
    assert out.strip() == f"Exported {len(rows) - 1} rows to {tmp_path / 'g.csv'}"
    assert {r[1] for r in rows[1:]} == {g["name"] for g in listing(capsys, demo_dir)}
    assert any(r[1] == "Global" and r[6] == "Global > EMEA" for r in rows[1:])
    code, _, err = run(capsys, demo_dir, "export", "--format", "xlsx", "--output", str(tmp_path / "g.xlsx"))
    assert code == 0, err
    ws = load_workbook(tmp_path / "g.xlsx").active
    assert ws is not None
    assert [c.value for c in ws[1]] == list(export.GROUP_COLUMNS)
    assert ws.max_row == len(rows)
    code, _, err = run(
        capsys, tmp_path / "nowhere", "export", "--format", "csv", "--output", str(tmp_path / "n.csv")
    )
    assert code == 1 and "There is no workspace in" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(
        capsys, demo_dir, "export", "--format", "csv", "--output", str(tmp_path / "no" / "g.csv")
    )
    assert code == 1 and "does not exist; choose another place" in err


def test_import_previews_by_default_and_applies_with_apply(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Group name,Profile ID\nImported,4\nImported,6\nEMEA,1\n", encoding="utf-8")
    before = listing(capsys, demo_dir)
    code, out, err = run(capsys, demo_dir, "import", str(path))
    assert code == 0, err
    assert out.splitlines()[0] == "in.csv: 1 new, 1 changed, 0 unchanged groups; 0 rows skipped"
    assert "Nothing was changed; run again with --apply to import." in out
    assert listing(capsys, demo_dir) == before
    code, out, err = run(capsys, demo_dir, "import", str(path), "--apply")
    assert code == 0, err
    assert out.splitlines()[-1] == "Imported: 1 new group, 1 changed group"
    named = by_name(listing(capsys, demo_dir))
    assert named["Imported"]["items"] == [{"kind": "profile", "id": 4}, {"kind": "profile", "id": 6}]
    assert named["EMEA"]["items"] == [{"kind": "profile", "id": 1}]
    # A broken file: one line, exit 1, nothing changed.
    after = listing(capsys, demo_dir)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    code, out, err = run(capsys, demo_dir, "import", str(broken), "--apply")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "socialdesk: broken.xlsx is not a CSV or XLSX file (or it is damaged); "
        "save it from your spreadsheet program as CSV (UTF-8) or XLSX and try again"
    ]
    assert listing(capsys, demo_dir) == after


def test_console_script_reports_group_errors_without_a_traceback(demo_dir: Path) -> None:
    exe = Path(sys.executable).with_name("socialdesk")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialdesk"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [*cmd, "--data-dir", str(demo_dir), "groups", "create", "Emea"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == ["name: There is already a group named 'EMEA'; choose another name"]
