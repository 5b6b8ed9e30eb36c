"""The command line as docs/interfaces.md describes it: demo, profiles (filters, sort, formats), add."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from socialdesk.cli import main
from socialdesk.models.catalogue import PLATFORMS, platforms_with_connections

ALL = ["--ownership", "owned", "--ownership", "shared", "--ownership", "none", "--ownership", "others"]
OWNERSHIP_ORDER = ["owned", "shared", "none", "others"]
STATUS_ORDER = ["expired", "connected", "not_connected"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def profiles_json(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "--data-dir", str(data), "profiles", *args, "--format", "json")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


@pytest.fixture
def everything(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> list[dict[str, Any]]:
    return profiles_json(capsys, demo_dir, *ALL)


# -- demo -------------------------------------------------------------------------------------------


def test_demo_json_follows_the_contract_and_status_agrees_with_connections(
    everything: list[dict[str, Any]],
) -> None:
    keys = {
        "id",
        "platform",
        "kind",
        "handle",
        "display_name",
        "visibility",
        "platform_id",
        "ownership",
        "status",
        "owners",
        "groups",
        "added_at",
        "connections",
    }
    assert len(everything) >= 55  # 60 minus the deleted ones
    for p in everything:
        assert set(p) == keys
        assert p["platform"] in PLATFORMS and p["kind"] in PLATFORMS[p["platform"]].kinds
        assert not p["handle"].startswith("@")
        assert p["added_at"].endswith("Z")
        assert (p["platform_id"] is None) == (p["visibility"] == "public")
        counted = [c["state"] for c in p["connections"] if c["type"] != "shared_insights"]
        if p["visibility"] == "public":
            expected = "not_connected"
        elif "expired" in counted:
            expected = "expired"
        elif "active" in counted:
            expected = "connected"
        else:
            expected = "not_connected"
        assert p["status"] == expected, p
        for c in p["connections"]:
            states = [g["state"] for g in c["grants"]]
            if c["state"] == "active":
                assert "active" in states
            elif c["state"] == "expired":
                assert states and "active" not in states
            else:
                assert states == []


def test_json_is_the_column_registrys_json_value_of_every_column(
    everything: list[dict[str, Any]], demo_dir: Path
) -> None:
    """``--format json`` goes through the registry like csv, table and the export: every column's
    key and value is the registry's (``Column.json_value``); only the grants are added."""
    from socialdesk.services import columns
    from socialdesk.services.query import ProfileRows
    from socialdesk.services.workspace import Workspace

    assert set(columns.CLI_JSON) == set(columns.COLUMNS)  # every column, once
    ws = Workspace.open(demo_dir)
    try:
        with ws.engine.connect() as conn:
            rows = ProfileRows.load(conn, ws.me_id)
    finally:
        ws.close()
    for p in everything:
        r = rows.row_of[p["id"]]
        assert list(p) == [c.name for c in columns.CLI_JSON]
        for c in columns.CLI_JSON:
            got = p[c.name]
            if c.key == "connections":
                got = [{k: v for k, v in item.items() if k != "grants"} for item in got]
            assert got == c.json_value(rows, r), (c.key, p["id"])
            if c.json is None:
                assert got == c.value(rows, r)  # the CSV's machine value
            else:  # the CSV joins what JSON keeps as a list
                assert isinstance(got, list) and isinstance(c.value(rows, r), str)


def test_demo_covers_every_platform_category_and_status(everything: list[dict[str, Any]]) -> None:
    seen = {(p["platform"], p["kind"]) for p in everything}
    assert seen >= {(k, kind) for k, info in PLATFORMS.items() for kind in info.kinds}
    assert {p["ownership"] for p in everything} == set(OWNERSHIP_ORDER)
    for key in platforms_with_connections():
        statuses = {p["status"] for p in everything if p["platform"] == key and p["ownership"] == "owned"}
        assert statuses == set(STATUS_ORDER), key
    grants = [g for p in everything for c in p["connections"] for g in c["grants"]]
    assert {g["state"] for g in grants} == {"active", "expired", "revoked"}
    assert {p["visibility"] for p in everything} == {"owned", "public"}


def test_demo_is_deterministic_and_refuses_a_non_empty_workspace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outputs = []
    for name in ("a", "b"):
        # Dates too: they are relative to today's midnight, not to the second the demo was made.
        code, _, err = run(
            capsys, "--data-dir", str(tmp_path / name), "demo", "--profiles", "80", "--seed", "7"
        )
        assert code == 0, err
        rows = profiles_json(capsys, tmp_path / name, *ALL)
        outputs.append(
            [
                (p["handle"], p["status"], p["ownership"], p["owners"], p["added_at"], p["connections"])
                for p in rows
            ]
        )
    assert outputs[0] == outputs[1]
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "c"), "demo", "--profiles", "80", "--seed", "8")
    assert code == 0
    other = [
        (p["handle"], p["status"], p["ownership"], p["owners"], p["added_at"], p["connections"])
        for p in profiles_json(capsys, tmp_path / "c", *ALL)
    ]
    assert other != outputs[0]
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "a"), "demo")
    assert code == 1 and "not empty" in err and err.count("\n") == 1


# -- filters ----------------------------------------------------------------------------------------


def _ids(rows: list[dict[str, Any]]) -> list[int]:
    return [p["id"] for p in rows]


def test_default_leaves_out_owned_by_others(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, everything: list[dict[str, Any]]
) -> None:
    default = profiles_json(capsys, demo_dir)
    assert _ids(default) == [p["id"] for p in everything if p["ownership"] != "others"]


@pytest.mark.parametrize(
    ("args", "predicate"),
    [
        (["--ownership", "owned"], lambda p: p["ownership"] == "owned"),
        (["--ownership", "shared", "--ownership", "none"], lambda p: p["ownership"] in ("shared", "none")),
        (["--ownership", "others"], lambda p: p["ownership"] == "others"),
        (["--status", "expired"], lambda p: p["status"] == "expired" and p["ownership"] != "others"),
        (
            ["--status", "connected", "--status", "not_connected", *ALL],
            lambda p: p["status"] in ("connected", "not_connected"),
        ),
        (["--platform", "x", "--platform", "whatsapp", *ALL], lambda p: p["platform"] in ("x", "whatsapp")),
        (
            ["--connection-type", "insights", *ALL],
            lambda p: any(
                c["type"] == "insights" and c["state"] != "not_established" for c in p["connections"]
            ),
        ),
        (
            ["--connection-type", "publishing:expired", *ALL],
            lambda p: any(c["type"] == "publishing" and c["state"] == "expired" for c in p["connections"]),
        ),
        (
            ["--connection-type", "publishing:active", "--connection-type", "messaging:active", *ALL],
            lambda p: any(
                c["type"] in ("publishing", "messaging") and c["state"] == "active" for c in p["connections"]
            ),
        ),
        (["--owner", "priya shah", *ALL], lambda p: "Priya Shah" in p["owners"]),
        (
            ["--owner", "Priya Shah", "--owner", "Chen Wei", *ALL],
            lambda p: bool({"Priya Shah", "Chen Wei"} & set(p["owners"])),
        ),
        (["--group", "emea", *ALL], lambda p: "EMEA" in p["groups"]),
        (["--search", "SUPPORT", *ALL], lambda p: "support" in (p["display_name"] + p["handle"]).casefold()),
        # AND across filters
        (
            ["--ownership", "owned", "--status", "expired", "--platform", "facebook"],
            lambda p: p["ownership"] == "owned" and p["status"] == "expired" and p["platform"] == "facebook",
        ),
    ],
)
def test_filters_match_the_rows(
    capsys: pytest.CaptureFixture[str],
    demo_dir: Path,
    everything: list[dict[str, Any]],
    args: list[str],
    predicate: Any,
) -> None:
    expected = [p["id"] for p in everything if predicate(p)]
    assert expected, "the demo should have rows for every filter"
    assert _ids(profiles_json(capsys, demo_dir, *args)) == expected


def test_search_matches_notes_too(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    rows = profiles_json(capsys, demo_dir, "--search", "regional TEAM", *ALL)
    assert rows, "demo notes include 'Run by the regional team.'"
    # Neither name nor handle says it: the match came from the notes.
    assert all("regional" not in (p["display_name"] + p["handle"]).casefold() for p in rows)


def test_group_filter_includes_nested_groups(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, everything: list[dict[str, Any]]
) -> None:
    # "Global" holds the groups EMEA, North America and APAC, not profiles.
    regions = {"EMEA", "North America", "APAC"}
    expected = [p["id"] for p in everything if regions & set(p["groups"])]
    assert expected
    assert _ids(profiles_json(capsys, demo_dir, "--group", "Global", *ALL)) == expected


# -- sorting ----------------------------------------------------------------------------------------


def _key(column: str, p: dict[str, Any]) -> Any:
    return {
        "name": lambda: p["display_name"].casefold(),
        "platform": lambda: PLATFORMS[p["platform"]].label.casefold(),
        "kind": lambda: p["kind"].replace("_", " "),
        "ownership": lambda: OWNERSHIP_ORDER.index(p["ownership"]),
        "status": lambda: STATUS_ORDER.index(p["status"]),
        "connections": lambda: (
            sum(c["state"] == "active" for c in p["connections"]),
            sum(c["state"] == "expired" for c in p["connections"]),
        ),
        "owners": lambda: "; ".join(sorted(p["owners"], key=str.casefold)).casefold(),
        "groups": lambda: "; ".join(p["groups"]).casefold(),
        "added": lambda: p["added_at"],
    }[column]()


@pytest.mark.parametrize(
    "column", ["name", "platform", "kind", "ownership", "status", "connections", "owners", "groups", "added"]
)
def test_sort_each_column_ties_by_id_and_desc_reverses(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, everything: list[dict[str, Any]], column: str
) -> None:
    expected = [p["id"] for p in sorted(everything, key=lambda p: (_key(column, p), p["id"]))]
    assert _ids(profiles_json(capsys, demo_dir, *ALL, "--sort", column)) == expected
    assert _ids(profiles_json(capsys, demo_dir, *ALL, "--sort", f"{column}:desc")) == expected[::-1]


def test_semantic_orders(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    rows = profiles_json(capsys, demo_dir, *ALL, "--sort", "ownership")
    seen = [p["ownership"] for p in rows]
    assert seen == sorted(seen, key=OWNERSHIP_ORDER.index) and seen[0] == "owned" and seen[-1] == "others"
    rows = profiles_json(capsys, demo_dir, *ALL, "--sort", "status")
    seen = [p["status"] for p in rows]
    assert seen == sorted(seen, key=STATUS_ORDER.index) and seen[0] == "expired"


# -- formats ----------------------------------------------------------------------------------------


def test_csv_and_table_formats(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, everything: list[dict[str, Any]]
) -> None:
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "profiles", *ALL, "--format", "csv")
    assert code == 0
    records = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["id"]) for r in records] == [p["id"] for p in everything]
    assert records[0]["status"] == everything[0]["status"]
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "profiles", "--platform", "whatsapp")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "Name", "Platform"]
    assert "WhatsApp" in lines[1]
    assert lines[-1].startswith("Showing ")


# -- profiles add -----------------------------------------------------------------------------------


def test_profiles_add_prints_the_id_and_restores_a_deleted_one(
    capsys: pytest.CaptureFixture[str], demo_dir: Path
) -> None:
    code, out, err = run(
        capsys,
        "--data-dir",
        str(demo_dir),
        "profiles",
        "add",
        "--platform",
        "tiktok",
        "--handle",
        "@NewBrand",
        "--display-name",
        "New Brand",
    )
    assert code == 0, err
    new_id = int(out.strip())
    rows = profiles_json(capsys, demo_dir, "--search", "newbrand")
    assert [(p["id"], p["handle"], p["visibility"], p["platform_id"], p["kind"]) for p in rows] == [
        (new_id, "NewBrand", "public", None, "account")
    ]
    code, _, err = run(
        capsys, "--data-dir", str(demo_dir), "profiles", "add", "--platform", "tiktok", "--handle", "newbrand"
    )
    assert code == 1 and "already in the workspace" in err
    # The demo has a deleted Snapchat profile; adding it again restores it.
    from socialdesk.services.workspace import Workspace

    ws = Workspace.open(demo_dir)
    with ws.engine.connect() as conn:
        pid, handle = conn.exec_driver_sql(
            "SELECT id, handle FROM profiles WHERE deleted_at IS NOT NULL AND platform = 'snapchat'"
        ).first()  # type: ignore[misc]
    ws.close()
    code, out, err = run(
        capsys, "--data-dir", str(demo_dir), "profiles", "add", "--platform", "snapchat", "--handle", handle
    )
    assert code == 0 and int(out) == pid and "restored" in err


# -- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["profiles", "--platform", "myspace"], 2, "myspace"),
        (["profiles", "--sort", "colour"], 2, "unknown sort column"),
        (["profiles", "--connection-type", "telepathy"], 2, "unknown connection type"),
        (["profiles", "--connection-type", "publishing:sleepy"], 2, "active"),
        (["profiles", "--format", "xml"], 2, "xml"),
        (["profiles", "--group", "No Such Group"], 1, "no group named"),
        (["profiles", "--owner", "Nobody"], 1, "no team member named"),
        (["profiles", "add", "--platform", "x", "--handle", "bad handle!"], 1, "handle"),
        (
            ["profiles", "add", "--platform", "x", "--handle", "ok", "--kind", "page"],
            2,
            "--kind for x must be one of",
        ),
        (["profiles", "add", "--platform", "live_chat", "--handle", "site"], 1, "own widget"),
        (["settings", "show", "40000000000000000000000"], 2, "too large to be an id"),
        (["groups", "add", "EMEA", "9223372036854775808"], 2, "too large to be an id"),
        (["settings", "show", "9223372036854775807"], 1, "no profile with id"),
        (["demo", "--profiles", "0"], 2, "positive"),
        (["frobnicate"], 2, "frobnicate"),
    ],
)
def test_bad_input_gives_one_clear_line(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, args: list[str], code: int, needle: str
) -> None:
    got, _out, err = run(capsys, "--data-dir", str(demo_dir), *args)
    assert got == code
    assert needle.casefold() in err.casefold()
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_missing_workspace_exits_1_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "none"), "profiles")
    assert code == 1 and "There is no workspace" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "none").exists()


def loaded_after(argv: list[str], modules: list[str]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after running ``socialdesk ARGV`` (exit 0)."""
    probe = (
        "import json, sys; from socialdesk.cli import main; code = main(sys.argv[1:]); "
        f"print(json.dumps([code, [m for m in {modules!r} if m in sys.modules]]))"
    )
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True)
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0, done.stdout + done.stderr
    return list(loaded)


def test_commands_load_only_what_they_run(demo_dir: Path, tmp_path: Path) -> None:
    """Every command pays for building the parser (all sub-commands register): that imports neither the
    read model (numpy), the demo builder, the sign-in stack (requests) nor Qt; and a command imports what
    it runs only (+0.2-0.5 s a command were measured when opening a workspace brought the read model and
    the demo, and the profile import brought the list and the sign-in stack)."""
    heavy = ["numpy", "socialdesk.services.query", "socialdesk.services.demo", "requests", "PySide6"]
    heavy.append("openpyxl")
    assert loaded_after(["--help"], heavy) == []
    listing = tmp_path / "list.csv"
    listing.write_text("Platform,Handle\nx,first\nx,second\n", encoding="utf-8")
    data = ["--data-dir", str(demo_dir)]
    assert loaded_after([*data, "profiles", "import", str(listing)], heavy) == []
    assert loaded_after([*data, "groups", "list"], ["requests", "PySide6", "socialdesk.services.demo"]) == []
    assert "numpy" in loaded_after([*data, "profiles", "--format", "json"], heavy)  # the list: the read model


def test_console_script_in_a_subprocess(tmp_path: Path) -> None:
    """The installed entry point: no traceback for a user error, and exit codes as promised."""
    exe = Path(sys.executable).with_name("socialdesk")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialdesk"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "socialdesk.db").write_bytes(b"garbage" * 50)
    done = subprocess.run(
        [*cmd, "--data-dir", str(corrupt), "profiles"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert "not a SQLite database" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [*cmd, "--data-dir", str(tmp_path / "d"), "demo", "--profiles", "40"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [*cmd, "--data-dir", str(tmp_path / "d"), "profiles", "--sort", "nope"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1


def test_profiles_import_previews_then_applies(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(
        "URL\nhttps://www.instagram.com/brand.new.one\nhttps://example.org/nothing\nhttps://x.com/another_new\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "--data-dir", str(demo_dir), "profiles", "import", str(listing))
    assert code == 0, err
    assert "2 to add" in out and "1 rows skipped" in out and "run again with --apply" in out
    assert profiles_json(capsys, demo_dir, "--search", "brand.new.one") == []  # nothing changed yet
    code, out, err = run(capsys, "--data-dir", str(demo_dir), "profiles", "import", str(listing), "--apply")
    assert code == 0, err
    assert "Imported: 2 added" in out
    added = profiles_json(capsys, demo_dir, "--search", "brand.new.one")
    assert [(p["platform"], p["handle"], p["visibility"]) for p in added] == [
        ("instagram", "brand.new.one", "public")
    ]
    broken = tmp_path / "broken.csv"
    broken.write_text("Colour,Size\nred,2\n", encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "profiles", "import", str(broken))
    assert code == 1 and "does not look like a list of profiles" in err and len(err.splitlines()) == 1
