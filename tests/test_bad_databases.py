"""Every kind of bad database, each run through the command line: exit 1, one clear line, file untouched.

The corpus is built here (no checked-in binaries): corrupt pages, foreign files, newer schemas, two version
rows, locks held by another process, read-only files and folders (as the unprivileged user ``nobody``: root
ignores permission bits), a full disk (``RLIMIT_FSIZE`` in the child) and folders named like the file. At
least ten inputs per category; the sha256 of every refused database is the same before and after.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialdesk.services.workspace import APPLICATION_ID, DB_NAME, Workspace
from tests.storage_corpus import (
    TESTS,
    digest,
    integrity_ok,
    legacy_workspace,
    lock_holder,
    one_line_error,
    run_cli,
)

GROUPS_CSV = (
    "\ufeffGroup ID,Group name,Profile (handle),Profile ID,Profile display name,Platform,Group path,"
    "Group colour\n"
    ",Imported crew,blueyonder_br,4,Blue Yonder Airlines Brasil,Instagram,Imported crew,#546E7A\n"
)

#: Commands that write (the dangerous ones) and commands that read, cycled over the inputs.
WRITES: list[list[str]] = [
    ["groups", "create", "Fresh group"],
    ["profiles", "add", "--platform", "x", "--handle", "brandnew"],
    ["settings", "set", "1", "{settings}"],
    ["groups", "import", "{groups_csv}", "--apply"],
    ["groups", "add", "Global", "1"],
    ["profiles", "import", "{profiles_csv}", "--apply"],
    ["flows", "create", "Fresh flow"],
    ["groups", "rename", "Global", "Worldwide"],
]
READS: list[list[str]] = [
    ["profiles", "--format", "json"],
    ["groups", "list", "--format", "json"],
    ["flows", "list"],
]
COMMANDS = WRITES + READS + [["demo", "--profiles", "40"]]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the commands read (world-readable: the read-only cases run as nobody)."""
    base = Path(tempfile.mkdtemp(prefix="sd-inputs-"))
    base.chmod(0o755)
    (base / "settings.json").write_text('{"color": "#336699"}', encoding="utf-8")
    (base / "groups.csv").write_text(GROUPS_CSV, encoding="utf-8")
    (base / "profiles.csv").write_text(
        "Platform,Handle\n" + "".join(f"x,imported{i}\n" for i in range(600)), encoding="utf-8"
    )
    for p in base.iterdir():
        p.chmod(0o644)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _argv(data_dir: Path, cmd: list[str], inputs: Path) -> list[str]:
    names = {
        "{settings}": str(inputs / "settings.json"),
        "{groups_csv}": str(inputs / "groups.csv"),
        "{profiles_csv}": str(inputs / "profiles.csv"),
    }
    return ["--data-dir", str(data_dir), *(names.get(a, a) for a in cmd)]


def _copy(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target / DB_NAME


def _refused(data_dir: Path, cmd: list[str], inputs: Path, pattern: str, target: Path | None = None) -> str:
    target = target or data_dir / DB_NAME
    before = digest(target)
    code, _out, err = run_cli(_argv(data_dir, cmd, inputs))
    line = one_line_error(code, err, pattern)
    assert digest(target) == before, f"{target} changed: {cmd}"
    return line


def _btree_pages(db: Path, table: str) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [
            r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (table,))
        ]
    finally:
        conn.close()


def _damage(db: Path, page: int, how: int) -> None:
    """Flip bits after page 1: in the b-tree page header of ``page`` (1-based), one of several ways."""
    data = bytearray(db.read_bytes())
    start = (page - 1) * 4096
    if how == 0:
        data[start] = 0x00  # page type: not a b-tree page
    elif how == 1:
        data[start + 3 : start + 5] = b"\xff\xff"  # cell count far beyond the page
    elif how == 2:
        data[start + 8 : start + 16] = b"\xff" * 8  # cell pointers past the end of the page
    else:
        data[start : start + 64] = bytes(b ^ 0xFF for b in data[start : start + 64])
    db.write_bytes(bytes(data))


# -- corrupt pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE profiles SET visibility = 'sideways' WHERE id = (SELECT min(id) FROM profiles)",
        "UPDATE profiles SET platform = 'myspace' WHERE id = (SELECT max(id) FROM profiles)",
        "UPDATE profiles SET owner_ids = '99999' WHERE id = (SELECT min(id) FROM profiles)",
    ],
    ids=["garbage-visibility", "unknown-platform", "unknown-owner"],
)
def test_values_a_damaged_page_can_read_back_as_are_reported_as_damage(
    demo_template: Path, tmp_path: Path, inputs: Path, damage: str
) -> None:
    """A damaged page may read back as NULL or garbage without SQLite noticing (seen with the corrupt-page
    corpus): the listing names the damaged file, as for damage SQLite finds itself."""
    db = _copy(demo_template, tmp_path / "garbage")
    conn = sqlite3.connect(db)
    try:
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _sql in triggers:  # write the garbage itself, as damage would, not through the triggers
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("PRAGMA ignore_check_constraints = ON")  # damage does not ask the constraints either
        conn.execute(damage)
        for _name, sql in triggers:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()
    line = _refused(db.parent, ["profiles", "--format", "json"], inputs, r"is damaged")
    assert "malformed" in line and "restore it from a backup" in line


def test_corrupt_pages_are_reported_and_left_unchanged(
    demo_template: Path, tmp_path: Path, inputs: Path
) -> None:
    cases = 0
    # Pages of the profile table of an up-to-date workspace: every listing reads them all.
    pages = _btree_pages(demo_template / DB_NAME, "profiles")
    assert len(pages) >= 2
    for i in range(6):
        db = _copy(demo_template, tmp_path / f"head{i}")
        _damage(db, pages[i % len(pages)], i % 4)
        _refused(db.parent, ["profiles", "--format", "json"], inputs, r"is damaged")
        cases += 1
    # An old workspace is checked (quick_check) before it is upgraded: damage anywhere is found.
    for i, table in enumerate(("profiles", "members", "alembic_version", "profiles")):
        db = legacy_workspace(tmp_path / f"legacy{i}")
        page = _btree_pages(db, table)[-1]
        _damage(db, page, i % 4)
        _refused(db.parent, WRITES[i], inputs, r"is damaged")
        assert not list(db.parent.glob("*.backup-*")), "no backup of a damaged file is left to be mistaken"
        cases += 1
    # After a crash (a WAL left behind) the check runs too, before anything else reads or writes.
    for i in range(3):
        db = _copy(demo_template, tmp_path / f"crashed{i}")
        keeper = sqlite3.connect(db, isolation_level=None)
        keeper.execute("PRAGMA wal_autocheckpoint = 0")
        keeper.execute("INSERT INTO meta (key, value) VALUES ('crash', 'image')")
        shutil.copy(db, tmp_path / "img.db")
        shutil.copy(db.with_name(DB_NAME + "-wal"), tmp_path / "img.db-wal")
        keeper.close()
        shutil.copy(tmp_path / "img.db", db)
        shutil.copy(tmp_path / "img.db-wal", db.with_name(DB_NAME + "-wal"))
        db.with_name(DB_NAME + "-shm").unlink(missing_ok=True)
        audit_pages = _btree_pages(tmp_path / "img.db", "audit_log")
        _damage(db, audit_pages[-1], i)
        _refused(db.parent, ["groups", "list", "--format", "json"], inputs, r"is damaged")
        cases += 1
    assert cases >= 10


# -- foreign files -----------------------------------------------------------------------------------


def _foreign(db: Path, variant: int, demo_template: Path) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    if variant in (8, 9, 10):
        shutil.copy(demo_template / DB_NAME, db)
    conn = sqlite3.connect(db)
    statements = {
        0: [
            "CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO recipes VALUES (1, 'soup')",
        ],
        # Another application's Alembic database, with the very revision ids SocialDesk uses.
        1: [
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('0001')",
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY)",
        ],
        2: [
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('0002')",
            "CREATE TABLE profiles (id INTEGER PRIMARY KEY, nickname TEXT)",
        ],
        3: [
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('0003')",
            "CREATE TABLE profiles (id INTEGER PRIMARY KEY)",
            "CREATE TABLE members (id INTEGER PRIMARY KEY)",
        ],
        4: ["PRAGMA application_id = 1196444487"],  # a GeoPackage's id, no tables yet
        5: ["PRAGMA user_version = 7"],  # no tables, but another program's schema version
        6: ["CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"],
        7: ["PRAGMA application_id = 1196444487", "CREATE TABLE gpkg_contents (table_name TEXT)"],
        8: ["PRAGMA application_id = 0"],  # our tables and marker, but not our application id
        9: ["PRAGMA application_id = 1196444487"],  # our tables under another program's id
        10: ["DROP TABLE socialdesk_workspace"],  # our id, no marker
        11: [
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('0001')",
        ],
    }[variant]
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_foreign_databases_are_not_workspaces_and_stay_untouched(
    demo_template: Path, tmp_path: Path, inputs: Path
) -> None:
    for variant in range(12):
        db = tmp_path / f"foreign{variant}" / DB_NAME
        _foreign(db, variant, demo_template)
        cmd = COMMANDS[variant % len(COMMANDS)]
        _refused(db.parent, cmd, inputs, r"not a SocialDesk workspace")
        assert sorted(p.name for p in db.parent.iterdir()) == [DB_NAME]


# -- newer schemas and two version rows ----------------------------------------------------------


def _set_versions(db: Path, versions: list[str]) -> None:
    conn = sqlite3.connect(db)
    # A duplicate row needs the primary key gone, as a damaged or hand-edited file would have it.
    conn.execute("CREATE TABLE v2 (version_num VARCHAR(32) NOT NULL)")
    conn.executemany("INSERT INTO v2 VALUES (?)", [(v,) for v in versions])
    conn.execute("DROP TABLE alembic_version")
    conn.execute("ALTER TABLE v2 RENAME TO alembic_version")
    conn.commit()
    conn.close()


def test_newer_schemas_are_refused_and_untouched(demo_template: Path, tmp_path: Path, inputs: Path) -> None:
    for i, revision in enumerate(
        ["9001", "9002", "9999", "abcd", "ffff0001", "z", "9003", "a1b2c3", "9100", "99"]
    ):
        db = _copy(demo_template, tmp_path / f"newer{i}")
        conn = sqlite3.connect(db)
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()
        conn.close()
        line = _refused(db.parent, COMMANDS[i % len(COMMANDS)], inputs, r"newer SocialDesk")
        assert revision in line


def test_an_unknown_version_in_a_damaged_file_is_damage_not_a_newer_socialdesk(
    demo_template: Path, tmp_path: Path, inputs: Path
) -> None:
    """A damaged schema-version page once read back as revision "None" and was reported as "made by a newer
    SocialDesk": the file is checked before its version is believed."""
    for i in range(4):
        db = _copy(demo_template, tmp_path / f"damaged-newer{i}")
        conn = sqlite3.connect(db)
        conn.execute("UPDATE alembic_version SET version_num = 'None'")
        conn.commit()
        conn.close()
        _damage(db, _btree_pages(db, "profiles")[-1], i)
        _refused(db.parent, COMMANDS[i % len(COMMANDS)], inputs, r"is damaged")


def test_two_version_rows_are_refused_never_written(
    demo_template: Path, tmp_path: Path, inputs: Path
) -> None:
    variants = [
        ["0004", "0004"],
        ["0004", "0003"],
        ["0003", "0004"],
        ["0004", "9001"],
        ["0001", "0002"],
        ["0004", "0004", "0004"],
        ["0002", "0003"],
        [],
        ["0004", "0001"],
        ["9001", "9002"],
    ]
    for i, versions in enumerate(variants):
        db = _copy(demo_template, tmp_path / f"rows{i}")
        _set_versions(db, versions)
        line = _refused(db.parent, COMMANDS[i % len(COMMANDS)], inputs, r"records \d+ schema versions")
        assert f"records {len(versions)} schema versions" in line
    # An old workspace with two rows is refused before any backup or upgrade.
    db = legacy_workspace(tmp_path / "legacy-rows")
    _set_versions(db, ["0003", "0003"])
    _refused(db.parent, ["groups", "create", "X"], inputs, r"records 2 schema versions")
    assert not list(db.parent.glob("*.backup-*"))


# -- locks ---------------------------------------------------------------------------------------------


def test_locked_workspaces_say_try_again(
    demo_template: Path, tmp_path: Path, inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALDESK_BUSY_TIMEOUT", "0.3")
    busy = r"another SocialDesk is writing this workspace; try again"
    cases = 0
    for i, cmd in enumerate(WRITES):  # a writer between BEGIN and COMMIT (WAL: readers are not blocked)
        db = _copy(demo_template, tmp_path / f"writer{i}")
        with lock_holder(db, "immediate" if i % 2 else "writing"):
            _refused(db.parent, cmd, inputs, busy)
            code, out, _err = run_cli(_argv(db.parent, READS[0], inputs))
            assert code == 0 and json.loads(out), "a reader (the profile list) is not blocked by a writer"
        cases += 1
    db = _copy(demo_template, tmp_path / "exclusive-mode")
    with lock_holder(db, "exclusive-mode"):  # a program keeping the file to itself: even reading waits
        _refused(db.parent, ["profiles", "--format", "json"], inputs, busy)
        cases += 1
    # An old workspace (rollback journal) must be upgraded: a reader's shared lock stops the COMMIT,
    # a writer's reserved lock the BEGIN, an exclusive lock even the first look.
    for mode, cmd in (("shared", READS[1]), ("immediate", READS[0]), ("exclusive", WRITES[0])):
        db = legacy_workspace(tmp_path / f"legacy-{mode}")
        with lock_holder(db, mode):
            _refused(db.parent, cmd, inputs, busy)
        assert integrity_ok(db)
        cases += 1
        # Once the lock is gone the same command works: nothing was lost or half-done.
        code, _out, err = run_cli(_argv(db.parent, READS[1], inputs))
        assert code == 0, err
    assert cases >= 10


# -- read-only files and folders (as nobody) -----------------------------------------------------------


def _run_as(cases: list[dict[str, object]], base: Path, user: str | None) -> list[dict[str, object]]:
    spec = base / "cases.json"
    spec.write_text(json.dumps(cases), encoding="utf-8")
    spec.chmod(0o644)
    prefix = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups"] if user else []
    env = {**os.environ, "HOME": str(base / "home"), "SOCIALDESK_BUSY_TIMEOUT": "0.3"}
    env.pop("XDG_DATA_HOME", None)
    done = subprocess.run(
        [*prefix, sys.executable, str(TESTS / "cli_runner.py"), str(spec)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=base,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, object]] = json.loads(done.stdout)
    return results


@pytest.fixture
def world(demo_template: Path) -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's tmp_path is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="sd-nobody-"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o777)
    (base / "home").chmod(0o777)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_read_only_files_and_folders_as_an_unprivileged_user(
    demo_template: Path, world: Path, inputs: Path
) -> None:
    assert shutil.which("setpriv"), "setpriv (util-linux) runs the cases as nobody"
    cases: list[dict[str, object]] = []
    targets: list[tuple[Path, str | None, str]] = []
    for i in range(10):  # read-only FILE in a folder nobody may write
        ws = world / f"rofile{i}"
        db = _copy(demo_template, ws)
        ws.chmod(0o777)
        db.chmod((0o444, 0o644, 0o400, 0o440)[i % 4])  # owned by root: nobody cannot write any of them
        if i == 9:  # a crash left a WAL that nobody could recover
            shutil.copy(db, ws / (DB_NAME + "-wal"))
            (ws / (DB_NAME + "-wal")).chmod(0o444)
        cases.append({"argv": _argv(ws, COMMANDS[i % len(COMMANDS)], inputs)})
        targets.append((db, digest(db), r"read-only|cannot read"))
    for i in range(10):  # read-only FOLDER, the file itself writable by everyone
        ws = world / f"rodir{i}"
        db = _copy(demo_template, ws)
        db.chmod(0o666)
        ws.chmod((0o555, 0o755, 0o575, 0o755)[i % 4])
        if i == 8:  # no workspace yet: it cannot be created there
            db.unlink()
        cases.append({"argv": _argv(ws, COMMANDS[(i + 3) % len(COMMANDS)] if i != 8 else ["demo"], inputs)})
        targets.append((db, digest(db), r"read-only|cannot create a workspace"))
    results = _run_as(cases, world, "nobody")
    for (db, before, pattern), case, result in zip(targets, cases, results, strict=True):
        assert result["traceback"] is None, result["traceback"]
        one_line_error(result["code"], str(result["stderr"]), pattern)  # type: ignore[arg-type]
        assert digest(db) == before, case


# -- a full disk -------------------------------------------------------------------------------------


def test_full_disk_refuses_the_write_and_keeps_the_file(
    demo_template: Path, world: Path, inputs: Path
) -> None:
    cases: list[dict[str, object]] = []
    targets: list[Path] = []

    def add(ws: Path, cmd: list[str], fsize: int) -> None:
        cases.append({"argv": _argv(ws, cmd, inputs), "fsize": fsize})
        targets.append(ws / DB_NAME)

    for i, (cmd, fsize) in enumerate(
        [
            (WRITES[5], 32 * 1024),  # a 600-row import
            (WRITES[5], 4096),
            (WRITES[0], 1000),
            (WRITES[1], 4096),
            (WRITES[2], 2000),
            (WRITES[3], 5000),
            (WRITES[6], 3000),
        ]
    ):
        add(_copy(demo_template, world / f"full{i}").parent, cmd, fsize)
    empty = world / "empty-ws"
    Workspace.open(empty, create=True).close()
    add(empty, ["demo", "--profiles", "400"], 100 * 1024)
    for i, fsize in enumerate((2048, None)):  # an upgrade: the backup, then the migration's journal
        db = legacy_workspace(world / f"legacy{i}", profiles=500)
        add(db.parent, READS[0], fsize if fsize is not None else db.stat().st_size + 1024)
    add(world / "brand-new", ["demo", "--profiles", "40"], 1000)  # creating a workspace at all
    befores = [digest(t) for t in targets]
    results = _run_as(cases, world, None)
    for target, before, case, result in zip(targets, befores, cases, results, strict=True):
        assert result["traceback"] is None, result["traceback"]
        assert result["code"] == 1, (case, result)
        one_line_error(result["code"], str(result["stderr"]), r"disk is full")  # type: ignore[arg-type]
        assert digest(target) == before, case
        if before is not None:  # with space again, the workspace is whole and opens
            assert integrity_ok(target)
            Workspace.open(target.parent).close()
    assert len(cases) >= 10
    # The workspace that could not be created left no half-written file: `demo` works once space is back.
    assert not (world / "brand-new" / DB_NAME).exists()
    code, _out, err = run_cli(["--data-dir", str(world / "brand-new"), "demo", "--profiles", "40"])
    assert code == 0, err


# -- folders named like the file, and other non-files --------------------------------------------------


def test_folders_and_special_files_named_like_the_database(
    demo_template: Path, tmp_path: Path, inputs: Path
) -> None:
    cases = 0

    def folder_db(name: str, fill: bool = False, nested: bool = False) -> Path:
        ws = tmp_path / name
        (ws / DB_NAME).mkdir(parents=True)
        if fill:
            (ws / DB_NAME / "notes.txt").write_text("mine", encoding="utf-8")
        if nested:
            shutil.copy(demo_template / DB_NAME, ws / DB_NAME / DB_NAME)
        return ws

    for i, (ws, cmd) in enumerate(
        [
            (folder_db("d0"), READS[0]),
            (folder_db("d1", fill=True), WRITES[0]),
            (folder_db("d2"), ["demo"]),
            (folder_db("d3", nested=True), ["demo", "--profiles", "40"]),
            (folder_db("d4", fill=True), READS[1]),
        ]
    ):
        _refused(ws, cmd, inputs, r"is a folder, not a database file")
        cases += 1
        assert (ws / DB_NAME).is_dir(), i
    # A symbolic link to a folder.
    (tmp_path / "d5").mkdir()
    (tmp_path / "d5" / DB_NAME).symlink_to(tmp_path / "d0")
    _refused(tmp_path / "d5", ["demo"], inputs, r"is a folder, not a database file", tmp_path / "d0")
    cases += 1
    # A pipe or a device where the file should be: never opened (reading a FIFO would hang).
    (tmp_path / "d6").mkdir()
    os.mkfifo(tmp_path / "d6" / DB_NAME)
    _refused(tmp_path / "d6", READS[0], inputs, r"not a regular file", tmp_path / "d6" / "nothing")
    (tmp_path / "d7").mkdir()
    (tmp_path / "d7" / DB_NAME).symlink_to("/dev/null")
    _refused(tmp_path / "d7", ["demo"], inputs, r"not a regular file", tmp_path / "d7" / "nothing")
    cases += 2
    # The workspace "folder" is a file.
    (tmp_path / "d8").write_text("just a file", encoding="utf-8")
    _refused(tmp_path / "d8", ["demo"], inputs, r"is a file, not a folder", tmp_path / "d8")
    cases += 1
    # Folders named like SQLite's own files next to a real workspace: SQLite cannot use them.
    for suffix, cmd in (("-wal", WRITES[0]), ("-shm", READS[1]), ("-journal", READS[0])):
        if suffix == "-journal":
            db = legacy_workspace(tmp_path / f"side{suffix}")
        else:
            db = _copy(demo_template, tmp_path / f"side{suffix}")
        (db.parent / (DB_NAME + suffix)).mkdir()
        _refused(db.parent, cmd, inputs, r"is not a file: SQLite keeps the journal")
        cases += 1
    assert cases >= 10


# -- the empty-file decision -------------------------------------------------------------------------


def test_an_empty_file_is_no_workspace_yet(tmp_path: Path, inputs: Path) -> None:
    """0 bytes, or SQLite with no tables: nothing to lose. Commands that need a workspace say there is none
    (and leave the file); `demo` and the GUI (create) make the workspace in it. Docs: docs/storage.md."""
    for i, cmd in enumerate([READS[0], WRITES[0], READS[1], WRITES[1], READS[2]]):
        for kind in ("zero", "sqlite"):
            ws = tmp_path / f"{kind}{i}"
            ws.mkdir()
            db = ws / DB_NAME
            if kind == "zero":
                db.touch()
            else:
                sqlite3.connect(db).execute("PRAGMA user_version = 0").connection.close()
                conn = sqlite3.connect(db)
                conn.execute("CREATE TABLE t (x)")
                conn.execute("DROP TABLE t")
                conn.commit()
                conn.close()
            _refused(ws, cmd, inputs, r"no workspace in .* yet \(socialdesk\.db there is empty\)")
    for kind in ("zero", "sqlite"):
        ws = tmp_path / f"{kind}0"
        code, _out, err = run_cli(["--data-dir", str(ws), "demo", "--profiles", "40"])
        assert code == 0, err
        conn = sqlite3.connect(ws / DB_NAME)
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert conn.execute("SELECT count(*) FROM profiles").fetchone() == (40,)
        conn.close()
