"""Opening workspaces: migrations from empty and from the first schema, and files we must not touch."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from socialdesk.models.schema import Base, Meta
from socialdesk.services.errors import WorkspaceError
from socialdesk.services.workspace import DB_NAME, HEAD_REVISION, Workspace, _alembic_config, known_revisions


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_empty_folder_becomes_a_workspace_matching_the_models(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "new", create=True)
    try:
        assert (tmp_path / "new" / DB_NAME).exists()
        with ws.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], f"models and migrations disagree: {diff}"
            assert (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                == known_revisions()[1]
            )
        assert len(ws.workspace_id) == 32
        assert ws.is_empty()
    finally:
        ws.close()


def test_head_constant_matches_the_migrations() -> None:
    assert known_revisions()[1] == HEAD_REVISION


def test_missing_workspace_is_reported_not_created(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="There is no workspace"):
        Workspace.open(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def test_upgrade_from_the_first_migration_keeps_data_and_makes_a_backup(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        conn.exec_driver_sql(
            "INSERT INTO members (id, name, name_key, role, created_at) "
            "VALUES (1, 'Old Timer', 'old timer', 'manager', '2024-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO profiles (id, platform, kind, handle, handle_key, display_name, visibility, "
            "added_at) "
            "VALUES (7, 'x', 'account', 'acme', 'acme', 'Acme', 'owned', '2024-01-02 00:00:00')"
        )
    engine.dispose()
    assert "platform_settings" not in inspect(create_engine(f"sqlite:///{db}")).get_table_names()

    ws = Workspace.open(tmp_path)
    try:
        assert ws.backup is not None and ws.backup.exists()
        # The backup is the database as it was: the old schema, the same rows.
        old = sqlite3.connect(ws.backup)
        assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert old.execute("SELECT display_name FROM profiles").fetchall() == [("Acme",)]
        old.close()
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT display_name FROM profiles WHERE id = 7").scalar() == "Acme"
            assert conn.exec_driver_sql("SELECT name FROM members").scalar() == "Old Timer"
            assert "platform_settings" in inspect(conn).get_table_names()
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        ws.close()
    # Opening an up-to-date workspace makes no further backup.
    again = Workspace.open(tmp_path)
    assert again.backup is None
    again.close()


def test_corrupt_file_gives_a_clear_error_and_stays_unchanged(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    db.write_bytes(b"this is not a database\x00" * 100)
    before = _digest(db)
    with pytest.raises(WorkspaceError, match="not a SQLite database"):
        Workspace.open(tmp_path)
    assert _digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_NAME]


def test_damaged_sqlite_file_gives_a_clear_error_and_stays_unchanged(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path, create=True)
    ws.close()
    db = tmp_path / DB_NAME
    data = bytearray(db.read_bytes())
    # Keep the header, wreck the schema page.
    data[100:4096] = b"\xff" * (4096 - 100)
    db.write_bytes(bytes(data))
    before = _digest(db)
    with pytest.raises(WorkspaceError, match=r"is damaged"):
        Workspace.open(tmp_path)
    assert _digest(db) == before


def test_foreign_sqlite_database_is_refused_and_unchanged(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO recipes VALUES (1, 'soup')")
    conn.commit()
    conn.close()
    before = _digest(db)
    with pytest.raises(WorkspaceError, match="not a SocialDesk workspace"):
        Workspace.open(tmp_path)
    assert _digest(db) == before


def test_newer_schema_is_refused_and_unchanged(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path, create=True)
    ws.close()
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = _digest(db)
    with pytest.raises(WorkspaceError, match="newer SocialDesk"):
        Workspace.open(tmp_path)
    assert _digest(db) == before


def test_locked_database_gives_a_clear_error(tmp_path: Path) -> None:
    """Another process holds an exclusive lock while an old schema would need upgrading."""
    db = tmp_path / DB_NAME
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
    engine.dispose()
    before = _digest(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sqlite3, sys, time
                c = sqlite3.connect({str(db)!r}, isolation_level=None)
                c.execute("BEGIN EXCLUSIVE")
                print("locked", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(WorkspaceError, match="locked"):
            Workspace.open(tmp_path)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=10)
    assert _digest(db) == before


def test_database_url_points_at_another_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "team" / "shared.db"
    shared.parent.mkdir()
    monkeypatch.setenv("SOCIALDESK_DATABASE_URL", f"sqlite:///{shared}")
    ws = Workspace.open(tmp_path / "local", create=True)
    try:
        assert shared.exists() and not (tmp_path / "local" / DB_NAME).exists()
        assert ws.is_empty()
    finally:
        ws.close()
    monkeypatch.setenv("SOCIALDESK_DATABASE_URL", "postgresql://db.example/social")
    with pytest.raises(WorkspaceError, match="must point at a SQLite database"):
        Workspace.open(tmp_path / "local", create=True)


# -- storage: journal mode, transactions, recognition (docs/storage.md) ------------------------------


def test_a_new_workspace_is_wal_with_its_marker_and_normal_sync(tmp_path: Path) -> None:
    from socialdesk.services.workspace import APPLICATION_ID

    ws = Workspace.open(tmp_path, create=True)
    try:
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA application_id").scalar() == APPLICATION_ID
            assert conn.exec_driver_sql("SELECT id, application FROM socialdesk_workspace").all() == [
                (1, "SocialDesk")
            ]
    finally:
        ws.close()


def test_a_failed_upgrade_leaves_no_half_applied_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DDL is inside the upgrade's transaction: tables made before the failure are rolled back too."""
    db = tmp_path / DB_NAME
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
    engine.dispose()
    tables_before = set(inspect(create_engine(f"sqlite:///{db}")).get_table_names())
    real_upgrade = command.upgrade

    def upgrade_then_fail(config: object, target: str) -> None:
        real_upgrade(config, "0003")  # creates platform_settings, notifications, custom_profiles ...
        raise RuntimeError("power cut simulated after 0003")

    monkeypatch.setattr(command, "upgrade", upgrade_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        Workspace.open(tmp_path)
    monkeypatch.undo()
    conn = sqlite3.connect(db)
    assert {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    } == tables_before
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    conn.close()
    ws = Workspace.open(tmp_path)  # and the next open upgrades it whole
    ws.close()


def test_write_sessions_take_the_write_lock_and_reads_never_do(tmp_path: Path) -> None:
    from socialdesk.services.errors import WorkspaceBusyError
    from socialdesk.services.workspace import Workspace as W
    from tests.storage_corpus import LockProbe, lock_holder

    ws = W.open(tmp_path, create=True, timeout=0.2)
    try:
        probe_script = (
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)\n"
            "try:\n    c.execute('BEGIN IMMEDIATE'); print('free')\n"
            "except sqlite3.OperationalError:\n    print('locked')\n"
        )

        def other_writer() -> str:
            return subprocess.run(
                [sys.executable, "-c", probe_script, str(ws.db_path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()

        with ws.reading() as s:
            s.get(Meta, "workspace_id")
            assert other_writer() == "free"  # a long read never keeps a writer out
        with ws.session() as s:
            s.get(Meta, "workspace_id")
            assert other_writer() == "locked"  # a unit of work holds the write lock from its first query
            with ws.session() as inner:  # nested in the same thread: reads instead of waiting on itself
                assert inner.get(Meta, "workspace_id") is not None
        # Another process writing: the session says so in the user's words, nothing is stored.
        with lock_holder(ws.db_path, "immediate"), pytest.raises(
            WorkspaceBusyError, match=r"(?i)another SocialDesk is writing this workspace; try again"
        ), ws.session() as s:
            s.add(Meta(key="lost", value="no"))
        assert ws.get_meta("lost") is None
        probe = LockProbe(ws.db_path)
        assert not probe.writer_active()
        probe.close()
    finally:
        ws.close()


def test_quick_check_runs_only_before_a_migration_or_after_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socialdesk.services.workspace as workspace_module

    seen: list[str] = []
    real_connect = sqlite3.connect

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(workspace_module.sqlite3, "connect", traced)
    Workspace.open(tmp_path / "new", create=True).close()
    seen.clear()
    Workspace.open(tmp_path / "new").close()  # clean, up to date: no check
    assert not any("quick_check" in s for s in seen)
    # A crash image: the database and its WAL as a killed process leaves them.
    keeper = real_connect(tmp_path / "new" / DB_NAME, isolation_level=None)
    keeper.execute("INSERT INTO meta (key, value) VALUES ('before', 'crash')")
    crash = tmp_path / "crash"
    crash.mkdir()
    for suffix in ("", "-wal"):
        (crash / (DB_NAME + suffix)).write_bytes((tmp_path / "new" / (DB_NAME + suffix)).read_bytes())
    keeper.close()
    seen.clear()
    ws = Workspace.open(crash)
    assert any("quick_check" in s for s in seen)
    assert ws.get_meta("before") == "crash"  # the committed write survived the crash
    ws.close()
    # An old schema is checked before it is migrated.
    db = tmp_path / "old" / DB_NAME
    db.parent.mkdir()
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0002")
    engine.dispose()
    seen.clear()
    Workspace.open(db.parent).close()
    assert any("quick_check" in s for s in seen)


def test_a_hot_rollback_journal_from_a_killed_upgrade_is_recovered_not_locked_out(tmp_path: Path) -> None:
    """The lock-out of the issue: a read-only open cannot roll back a hot journal. Ours is read-write."""
    from tests.storage_corpus import legacy_workspace

    db = legacy_workspace(tmp_path, "0003", profiles=50)
    before = sqlite3.connect(db).execute("SELECT count(*) FROM profiles").fetchone()
    # A writer killed mid-transaction in rollback-journal mode leaves a hot journal.
    script = (
        "import sqlite3, os, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size = 1')\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"UPDATE profiles SET display_name = 'half written' || hex(randomblob(500))\")\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db)], check=False)
    journal = tmp_path / (DB_NAME + "-journal")
    assert journal.exists() and journal.stat().st_size > 0
    ws = Workspace.open(tmp_path)
    try:
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("SELECT count(*) FROM profiles").fetchone() == before
            assert (
                conn.exec_driver_sql("SELECT count(*) FROM profiles WHERE display_name LIKE 'half%'").scalar()
                == 0
            )
    finally:
        ws.close()
