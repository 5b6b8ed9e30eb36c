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

from socialdesk.models.schema import Base
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
