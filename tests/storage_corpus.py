"""Builders shared by the storage tests: old-schema workspaces, digests, running the CLI, lock holders."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from socialdesk import cli
from socialdesk.services.workspace import DB_NAME, _alembic_config

TESTS = Path(__file__).resolve().parent


def digest(path: Path) -> str | None:
    """sha256 of a file; of every file below a folder (names too); None when nothing is there."""
    if path.is_symlink() and not path.exists():
        return "dangling:" + str(path.readlink())
    if not path.exists():
        return None
    if path.is_dir():
        h = hashlib.sha256()
        for p in sorted(path.rglob("*")):
            h.update(str(p.relative_to(path)).encode())
            if p.is_file():
                h.update(hashlib.sha256(p.read_bytes()).digest())
        return "dir:" + h.hexdigest()
    if not path.is_file():
        return "special"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def legacy_workspace(data_dir: Path, revision: str = "0003", profiles: int = 300) -> Path:
    """A workspace as an older SocialDesk left it: migrations up to ``revision`` only (rollback journal)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / DB_NAME
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)
        conn.exec_driver_sql(
            "INSERT INTO members (id, name, name_key, role, created_at) "
            "VALUES (1, 'Old Timer', 'old timer', 'manager', '2024-01-01 00:00:00')"
        )
        conn.exec_driver_sql(
            "INSERT INTO meta (key, value) "
            "VALUES ('workspace_id', 'feedfacefeedfacefeedfacefeedface'), ('me', '1')"
        )
        rows = [
            (
                i,
                "x",
                "account",
                f"old{i}",
                f"old{i}",
                f"Old profile {i} " + "n" * 40,
                "owned",
                "2024-01-02 00:00:00",
            )
            for i in range(1, profiles + 1)
        ]
        conn.exec_driver_sql(
            "INSERT INTO profiles "
            "(id, platform, kind, handle, handle_key, display_name, visibility, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    engine.dispose()
    return db


def run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """``socialdesk ARGV`` in this process, as the console script runs it: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def one_line_error(code: int | None, stderr: str, pattern: str) -> str:
    """Assert exit 1 with exactly one line on stderr matching ``pattern`` (case-insensitive), no traceback."""
    import re

    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 1, f"exit {code}, stderr: {stderr!r}"
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected one line, got {lines!r}"
    assert re.search(pattern, lines[0], re.IGNORECASE), lines[0]
    return lines[0]


HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    path, mode = sys.argv[1], sys.argv[2]
    c = sqlite3.connect(path, isolation_level=None, timeout=5)
    if mode == "immediate":            # a writer between BEGIN and COMMIT, nothing written yet
        c.execute("BEGIN IMMEDIATE")
    elif mode == "writing":            # a writer that has written but not committed
        c.execute("BEGIN IMMEDIATE")
        c.execute("INSERT INTO meta (key, value) VALUES ('holder', 'uncommitted')")
    elif mode == "exclusive-mode":     # a program that keeps the file to itself (locking_mode=EXCLUSIVE)
        c.execute("PRAGMA locking_mode = EXCLUSIVE")
        c.execute("BEGIN EXCLUSIVE")
    elif mode == "shared":             # a reader: in rollback-journal mode a commit must wait for it
        c.execute("BEGIN")
        c.execute("SELECT count(*) FROM sqlite_master").fetchone()
    elif mode == "reader":             # a long read in WAL mode: writers go on beside it
        c.execute("BEGIN")
        c.execute("SELECT count(*) FROM profiles").fetchone()
    elif mode == "exclusive":
        c.execute("BEGIN EXCLUSIVE")
    print("ready", flush=True)
    sys.stdin.readline()
    c.rollback()
    c.close()
    """
)


@contextlib.contextmanager
def lock_holder(db: Path, mode: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding a lock of ``mode`` on ``db`` for the duration of the block."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=20)


def integrity_ok(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


class LockProbe:
    """Tells from outside whether some other process is inside a write transaction on a workspace.

    It reads SQLite's own POSIX locks (os_unix.c): the WAL write lock (byte 120 of ``-shm``) or, in
    rollback-journal mode, RESERVED (byte 0x40000001 of the database) with F_GETLK, never disturbing the
    writer. Its descriptors stay open until ``close()``: closing any descriptor of a file drops ALL of this
    process's POSIX locks on it, including those of a SQLite connection this process holds there."""

    SHM_WRITE_LOCK = 120
    RESERVED_BYTE = 0x40000001

    def __init__(self, db: Path) -> None:
        self.db = db
        self._fds: dict[Path, int] = {}

    def _held(self, path: Path, offset: int) -> bool:
        import fcntl
        import struct

        fd = self._fds.get(path)
        if fd is None:
            try:
                fd = self._fds[path] = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                return False
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
        return bool(struct.unpack_from("h", fcntl.fcntl(fd, fcntl.F_GETLK, query))[0] != fcntl.F_UNLCK)

    def writer_active(self) -> bool:
        shm = self.db.with_name(self.db.name + "-shm")
        return self._held(shm, self.SHM_WRITE_LOCK) or self._held(self.db, self.RESERVED_BYTE)

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
