"""Opening a workspace: the folder, its SQLite database, the migrations run on open, and transactions.

The rules (docs/storage.md says why):

* The database runs in WAL journal mode with ``synchronous=NORMAL`` (``FULL`` while a migration runs):
  readers and one writer work at the same time, and a killed process loses at most the transaction it was
  writing, never the file.
* Opening never stands in SQLite's way: an existing file is opened read-write, so a hot rollback journal or
  WAL left by a crash is recovered by SQLite itself before anything else is looked at. Then the file is
  checked (is it ours, which schema, ``PRAGMA quick_check`` when it is about to be migrated or a crash was
  found) and everything we must not touch is reported and left byte-identical.
* A workspace is recognised by ``PRAGMA application_id`` and the one-row marker table
  ``socialdesk_workspace``; workspaces from before the marker (schema 0001-0003) by their exact tables.
* Transactions follow SQLAlchemy's documented pysqlite recipe ("Serializable isolation / Savepoints /
  Transactional DDL", https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl):
  the driver's own transaction handling is switched off (``isolation_level=None``) and the ``begin`` event
  emits the BEGIN. ``Workspace.session()`` (a unit of work that may write) begins IMMEDIATE, so a limit
  checked inside it is checked under the write lock; ``Workspace.reading()`` and ``engine.connect()`` begin
  DEFERRED and never take the write lock. A migration's DDL runs inside its transaction: all or nothing.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import stat
import struct
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.models.schema import Member, Meta
from socialdesk.services.errors import WorkspaceBusyError, WorkspaceError

try:  # POSIX only; without it a leftover WAL is always treated as a crash (one extra quick_check)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

DB_NAME = "socialdesk.db"
#: The newest migration. Opening a workspace already there skips loading Alembic (~0.2 s of start-up);
#: a test checks this equals Alembic's head.
HEAD_REVISION = "0007"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: ``PRAGMA application_id`` of every workspace from schema 0004 on: "SoDk" in ASCII.
APPLICATION_ID = 0x536F446B
MARKER_TABLE = "socialdesk_workspace"
MARKER_APPLICATION = "SocialDesk"
#: Schemas made before the marker existed; such a file is ours only if its tables are exactly theirs.
LEGACY_REVISIONS = ("0001", "0002", "0003")
#: How long a write waits for another process's write lock before giving up (seconds). The GUI waits less
#: than the command line: it waits on the user's time.
BUSY_TIMEOUT_S = 5.0
CLI_BUSY_TIMEOUT_S = 10.0
#: Overrides both (seconds; tests use a short one).
BUSY_TIMEOUT_ENV = "SOCIALDESK_BUSY_TIMEOUT"
#: Execution option read by the ``begin`` event: "DEFERRED" or "IMMEDIATE".
BEGIN_OPTION = "socialdesk_begin"

# SQLite's locks are POSIX advisory locks on fixed bytes (os_unix.c): the "dead man switch" every open
# connection holds in the -shm file; RESERVED in rollback-journal mode.
_SHM_DMS = 128
_RESERVED_BYTE = 0x40000001

# Primary SQLite result codes (https://www.sqlite.org/rescode.html).
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_READONLY_CODES = {3, 8}  # SQLITE_PERM, SQLITE_READONLY
_FULL_CODES = {13}  # SQLITE_FULL
_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_IO_CODES = {10, 14}  # SQLITE_IOERR, SQLITE_CANTOPEN


def busy_timeout(default: float = BUSY_TIMEOUT_S) -> float:
    """The busy timeout in seconds: ``SOCIALDESK_BUSY_TIMEOUT`` when set to a number, else ``default``."""
    value = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            log.warning("Ignoring %s=%r: not a number of seconds", BUSY_TIMEOUT_ENV, value)
    return default


# -- messages for storage failures ---------------------------------------------------------------


#: Extended I/O codes of a write that did not fit: a full disk or a file size limit shows as one of them
#: when the OS refuses the write outright (EFBIG, or ENOSPC on fsync) instead of writing it short.
_WRITE_FAILED_CODES = {778, 1034, 1546, 4874}  # IOERR_WRITE, IOERR_FSYNC, IOERR_TRUNCATE, IOERR_SHMSIZE


def _sqlite_code(exc: BaseException) -> int | None:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, sqlite3.Error):
        return None
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return 13 if code in _WRITE_FAILED_CODES else code & 0xFF
    text = str(orig).lower()  # an error raised by the sqlite3 module itself carries no code
    if "locked" in text or "busy" in text:
        return 5
    if "readonly" in text or "read-only" in text:
        return 8
    if "disk is full" in text:
        return 13
    if "malformed" in text or "not a database" in text:
        return 11
    return None


def storage_error(exc: BaseException, db_path: Path) -> WorkspaceError | None:
    """The one-line user message for a storage failure (locked, full, read-only, damaged, I/O), or None.

    ``exc`` may be a SQLAlchemy ``DBAPIError`` or a ``sqlite3.Error``. The GUI shows ``str()`` of the result;
    the command line prints it and exits 1. Constraint and programming errors are not storage failures."""
    code = _sqlite_code(exc)
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = str(orig).split("\n", 1)[0][:200]
    if code in _BUSY_CODES:
        return WorkspaceBusyError(
            f"Another SocialDesk is writing this workspace; try again in a moment ({db_path} stayed locked; "
            "nothing of the refused change was saved)."
        )
    if code in _FULL_CODES:
        return WorkspaceError(
            f"The disk is full (or a file size limit was reached, or the disk refused the write) while "
            f"writing {db_path}; free some space and try again. The change was not saved; the workspace is "
            "intact."
        )
    if code in _READONLY_CODES:
        return WorkspaceError(_readonly_message(db_path))
    if code in _CORRUPT_CODES:
        return WorkspaceError(_corrupt_message(db_path, detail))
    if code in _IO_CODES:
        return WorkspaceError(
            f"Cannot read or write the workspace database {db_path} ({detail}). "
            "Check the disk and the file's permissions; nothing was changed."
        )
    return None


def _readonly_message(db_path: Path) -> str:
    return (
        f"The workspace {db_path} is read-only for you: SocialDesk must be able to write the file and its "
        f"folder {db_path.parent} (its journal lives there). It was left unchanged; check their permissions "
        "or choose another workspace folder."
    )


def _corrupt_message(db_path: Path, detail: str) -> str:
    detail = " ".join(detail.split())[:200]  # quick_check's report spans lines; the message is one
    return (
        f"The workspace database {db_path} is damaged ({detail}). It was left unchanged; restore it from a "
        "backup (socialdesk.db.backup-*) or choose another workspace folder."
    )


def _not_ours(db_path: Path, why: str) -> WorkspaceError:
    return WorkspaceError(
        f"{db_path} is a SQLite database but not a SocialDesk workspace ({why}). "
        "It was left unchanged; choose another workspace folder."
    )


# -- Alembic -------------------------------------------------------------------------------------


def _script_location() -> str:
    return str(resources.files("socialdesk") / "migrations")


def _alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _script_location())
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def known_revisions() -> tuple[list[str], str]:
    """All revisions this app knows, and the head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    revisions = [r.revision for r in script.walk_revisions()]
    head = script.get_current_head()
    assert head is not None
    return revisions, head


SchemaShape = dict[str, tuple[str, ...]]


def _schema_shape(conn: sqlite3.Connection) -> SchemaShape:
    """Table name -> sorted column names, SQLite's own tables left out."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
    ]
    shape: SchemaShape = {}
    for name in names:
        quoted = '"' + str(name).replace('"', '""') + '"'
        shape[str(name)] = tuple(sorted(str(r[1]) for r in conn.execute(f"PRAGMA table_info({quoted})")))
    return shape


@functools.cache
def _legacy_shape(revision: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The tables our migrations make up to ``revision``, built in memory (only on the upgrade path)."""
    from alembic import command

    engine = make_engine("sqlite://", 0.0)
    try:
        with engine.connect() as conn:
            with conn.begin():
                command.upgrade(_alembic_config(conn), revision)
            raw = conn.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            return tuple(sorted(_schema_shape(raw).items()))
    finally:
        engine.dispose()


# -- locks and leftovers -------------------------------------------------------------------------


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _open_in_this_process(path: Path) -> bool:
    """Whether this process already has ``path`` open (Linux: /proc/self/fd).

    POSIX locks belong to the process, and closing ANY descriptor of a file drops all of them: probing a
    file this process's SQLite connections hold would silently release their locks. So we never do."""
    try:
        target = path.stat()
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return True  # cannot tell: assume so, and do not probe
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if st.st_ino == target.st_ino and st.st_dev == target.st_dev:
            return True
    return False


def _locked_by_another_process(path: Path, offset: int) -> bool | None:
    """Whether another process holds a POSIX lock on byte ``offset`` of ``path`` (F_GETLK; cheap);
    None when it cannot be told safely (no fcntl, or this process has the file open itself)."""
    if fcntl is None or _open_in_this_process(path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        return bool(struct.unpack_from("h", answer)[0] != fcntl.F_UNLCK)
    except OSError:
        return None
    finally:
        os.close(fd)


def unclean_shutdown(db_path: Path) -> bool:
    """A hot rollback journal, or a WAL no running process has open: the last writer did not close cleanly.

    A file some process still has open (including this one) is in use, not crashed."""
    journal = _sidecar(db_path, "-journal")
    if journal.exists() and journal.stat().st_size > 0:
        return _locked_by_another_process(db_path, _RESERVED_BYTE) is False
    wal = _sidecar(db_path, "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        shm = _sidecar(db_path, "-shm")
        return not shm.exists() or _locked_by_another_process(shm, _SHM_DMS) is False
    return False


# -- inspecting an existing file -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the look at the database file found."""

    exists: bool
    revision: str | None  # None: no file, an empty file, or a SQLite file without tables
    unclean: bool = False  # a crash was recovered on open (then quick_check ran)
    wal: bool = False  # already in WAL journal mode


def _check_places(data_dir: Path, db_path: Path, create: bool) -> None:
    """The folder and the file must be what they claim to be, and writable, before SQLite sees them."""
    if data_dir.exists() and not data_dir.is_dir():
        raise WorkspaceError(f"{data_dir} is a file, not a folder; choose a workspace folder.")
    if db_path.is_dir():
        raise WorkspaceError(
            f"{db_path} is a folder, not a database file. It was left unchanged; move it away or choose "
            "another workspace folder."
        )
    try:
        mode = db_path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot reach the workspace {db_path}: {exc.strerror}. Check its folder."
        ) from exc
    if mode is not None and not stat.S_ISREG(mode):
        raise WorkspaceError(
            f"{db_path} is not a regular file (a device, pipe or socket). It was left unchanged; choose "
            "another workspace folder."
        )
    for suffix in ("-wal", "-shm", "-journal"):
        side = _sidecar(db_path, suffix)
        if side.exists() and not side.is_file():
            raise WorkspaceError(
                f"{side} is not a file: SQLite keeps the journal of {db_path.name} under that name. The "
                "workspace was left unchanged; move that folder away and try again."
            )
    if mode is None:
        if not create:
            raise WorkspaceError(
                f"There is no workspace in {data_dir}. Create one with "
                f"`socialdesk --data-dir {data_dir} demo` or by starting the app there."
            )
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"Cannot create the workspace folder {data_dir}: {exc.strerror}.") from exc
        if not os.access(data_dir, os.W_OK | os.X_OK):
            raise WorkspaceError(
                f"Cannot create a workspace in {data_dir}: the folder is read-only for you. "
                "Check its permissions or choose another workspace folder."
            )
        return
    if not os.access(db_path, os.R_OK):
        raise WorkspaceError(
            f"Cannot read the workspace database {db_path}: permission denied. It was left unchanged; "
            "check its permissions."
        )
    if not os.access(db_path, os.W_OK) or not os.access(data_dir, os.W_OK | os.X_OK):
        raise WorkspaceError(_readonly_message(db_path))


def inspect_file(path: Path, timeout: float = BUSY_TIMEOUT_S) -> Inspection:
    """Open the existing file read-write (so SQLite recovers a crash), then raise a clear ``WorkspaceError``
    for anything we must not touch. Nothing but SQLite's own recovery writes to the file here."""
    if not path.exists():
        return Inspection(exists=False, revision=None)
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot read the workspace database {path}: {exc.strerror}. Check its permissions."
        ) from exc
    if not header:
        return Inspection(exists=True, revision=None)  # 0 bytes: empty (docs/storage.md)
    if header != SQLITE_MAGIC:
        raise WorkspaceError(
            f"{path} is not a SQLite database (it may be corrupt or another kind of file). "
            "It was left unchanged; restore it from a backup or choose another workspace folder."
        )
    unclean = unclean_shutdown(path)
    if unclean:
        log.warning("The workspace %s was not closed cleanly; SQLite recovers it, then it is checked", path)
    wal_path = _sidecar(path, "-wal")
    had_wal = wal_path.exists() and wal_path.stat().st_size > 0
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise storage_error(exc, path) or WorkspaceError(
            f"Cannot open the workspace database {path}: {exc}."
        ) from exc
    guard: sqlite3.Connection | None = None
    try:
        # The first read takes a shared lock; with it SQLite rolls back a hot journal or recovers the WAL.
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        if had_wal:
            guard = _checkpoint_guard(path)
        user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        wal = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
        tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            if app_id not in (0, APPLICATION_ID) or user_version != 0:
                raise _not_ours(path, "it belongs to another application")
            return Inspection(exists=True, revision=None, unclean=unclean, wal=wal)
        revision = _recognise(conn, path, app_id, tables)
        needs_migration = revision != HEAD_REVISION
        if needs_migration or unclean:
            # Before the version is believed: a damaged schema-version page can read back as a revision no
            # SocialDesk wrote (seen as "None"), which is damage, not a newer SocialDesk.
            problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise WorkspaceError(_corrupt_message(path, "; ".join(problems)[:200]))
        if needs_migration:
            known, _head = known_revisions()
            if revision not in known:
                raise WorkspaceError(
                    f"The workspace {path} was made by a newer SocialDesk (schema {revision}). "
                    "Update SocialDesk to open it; the file was left unchanged."
                )
    except sqlite3.Error as exc:
        raise storage_error(exc, path) or WorkspaceError(
            f"The workspace database {path} cannot be read ({exc}). It was left unchanged."
        ) from exc
    finally:
        conn.close()
        if guard is not None:
            guard.close()
    return Inspection(exists=True, revision=revision, unclean=unclean, wal=wal)


def _checkpoint_guard(path: Path) -> sqlite3.Connection | None:
    """A read-only connection kept open while the inspecting one closes, so that closing does not copy a
    recovered WAL into the main file: a file we refuse (damaged, foreign, newer) stays byte-identical with
    its WAL beside it, for whoever restores it. Read-only connections never checkpoint."""
    try:
        guard = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
        guard.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error:
        return None
    return guard


def _recognise(conn: sqlite3.Connection, path: Path, app_id: int, tables: set[str]) -> str:
    """The schema revision of a file that is a SocialDesk workspace; anything else raises."""
    if app_id not in (0, APPLICATION_ID):
        raise _not_ours(path, f"its application id is {app_id:#x}")
    if "alembic_version" not in tables:
        raise _not_ours(path, "it has no SocialDesk schema version")
    versions = [str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
    if app_id == APPLICATION_ID:
        if MARKER_TABLE not in tables:
            raise _not_ours(path, f"its {MARKER_TABLE} table is missing")
        marker = conn.execute(f"SELECT application FROM {MARKER_TABLE}").fetchall()
        if marker != [(MARKER_APPLICATION,)]:
            raise _not_ours(path, f"its {MARKER_TABLE} table does not name SocialDesk")
    else:
        # No application id: a workspace from before the marker, or another program's Alembic database
        # (which may well use the same revision ids): ours only if the tables are exactly those of ours.
        if MARKER_TABLE in tables:
            raise _not_ours(path, f"a {MARKER_TABLE} table without the SocialDesk application id")
        shape = tuple(sorted(_schema_shape(conn).items()))
        claimed = versions[0] if len(versions) == 1 and versions[0] in LEGACY_REVISIONS else None
        candidates = (claimed,) if claimed else LEGACY_REVISIONS
        if not any(shape == _legacy_shape(r) for r in candidates):
            what = f"schema {claimed}" if claimed else "any SocialDesk schema"
            raise _not_ours(path, f"its tables are not those of {what}")
    if len(versions) != 1:
        raise WorkspaceError(
            f"The workspace {path} records {len(versions)} schema versions instead of one, so its schema "
            "cannot be trusted. It was left unchanged; restore it from a backup (socialdesk.db.backup-*)."
        )
    return versions[0]


def backup_database(path: Path, revision: str) -> Path:
    """A consistent copy (SQLite backup API), flushed to disk, next to the file, before an upgrade."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    if target.exists():
        target = target.with_name(f"{target.name}-{uuid.uuid4().hex[:6]}")
    src = sqlite3.connect(path, timeout=busy_timeout(), isolation_level=None)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
        with target.open("rb") as fh:
            os.fsync(fh.fileno())
    except (sqlite3.Error, OSError) as exc:
        target.unlink(missing_ok=True)
        full = isinstance(exc, OSError) and exc.errno in (28, 27)  # ENOSPC, EFBIG
        translated = storage_error(exc, path) if isinstance(exc, sqlite3.Error) else None
        if full or (translated is not None and "disk is full" in str(translated)):
            raise WorkspaceError(
                f"Cannot make the backup {target.name} before upgrading {path}: the disk is full (or a file "
                "size limit was reached). Nothing was changed; free some space and try again."
            ) from exc
        raise translated or WorkspaceError(
            f"Cannot make the backup {target.name} before upgrading {path}: {exc}. Nothing was changed."
        ) from exc
    finally:
        src.close()
    return target


# -- engine and transactions ---------------------------------------------------------------------


def _on_connect(timeout: float) -> Any:
    def connect(dbapi_conn: Any, _record: Any) -> None:
        # The recipe: pysqlite must not emit BEGIN/COMMIT itself (it would leave DDL outside transactions).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        # WAL + NORMAL: a killed process loses nothing committed; a power cut may lose the last commits but
        # never the file (docs/storage.md). Migrations switch to FULL.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    return connect


def _on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"{BEGIN_OPTION} must be DEFERRED or IMMEDIATE, not {mode!r}")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, timeout: float | None = None) -> Engine:
    """An engine with the pysqlite transaction recipe, the busy timeout and the pragmas of each connection."""
    timeout = busy_timeout() if timeout is None else timeout
    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": timeout})
    event.listen(engine, "connect", _on_connect(timeout))
    event.listen(engine, "begin", _on_begin)
    return engine


def _raw(conn: Connection) -> sqlite3.Connection:
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _set_wal(engine: Engine) -> None:
    """Switch the file to WAL (persistent; outside any transaction, as SQLite requires)."""
    with engine.connect() as conn:
        mode = _raw(conn).execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        log.warning("SQLite kept journal mode %s instead of WAL", mode)


def _remove_unborn(db_path: Path) -> None:
    """After a failed creation (a full disk, say), remove the file we started, so that no half-written
    header locks the folder; only if no table made it into the file."""
    try:
        if db_path.exists() and db_path.stat().st_size >= 100:
            conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
            try:
                if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    return
            finally:
                conn.close()
    except sqlite3.Error:
        pass  # unreadable: a torn first page, exactly what must not stay
    for leftover in (db_path, *(_sidecar(db_path, x) for x in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


class Workspace:
    """An open workspace: its folder, engine and session factories."""

    def __init__(self, data_dir: Path, engine: Engine, backup: Path | None = None) -> None:
        self.data_dir = data_dir
        self.engine = engine
        self.backup = backup
        self._sessions = sessionmaker(
            engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}), expire_on_commit=False
        )
        self._read_sessions = sessionmaker(engine, expire_on_commit=False)
        self._writing = threading.local()  # depth of write sessions open in this thread

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        create: bool = False,
        database_url: str | None = None,
        timeout: float | None = None,
    ) -> Workspace:
        """Open (recover, check, back up and migrate) the workspace in ``data_dir``.

        ``create`` makes a missing (or empty) one. ``timeout`` is the busy timeout in seconds. This can take
        a while (``PRAGMA quick_check`` after a crash or before a migration, the migration itself): the GUI
        must call it off its thread. Raises ``WorkspaceError`` with the user's message."""
        data_dir = Path(data_dir).expanduser()
        timeout = busy_timeout() if timeout is None else timeout
        database_url = database_url or os.environ.get("SOCIALDESK_DATABASE_URL") or None
        if database_url is not None:
            return cls._open_url(data_dir, database_url, create, timeout)
        db_path = data_dir / DB_NAME
        _check_places(data_dir, db_path, create)
        found = inspect_file(db_path, timeout)
        if found.revision is None and found.exists and not create:
            raise WorkspaceError(
                f"There is no workspace in {data_dir} yet ({DB_NAME} there is empty). Create one with "
                f"`socialdesk --data-dir {data_dir} demo` or by starting the app there."
            )
        engine = make_engine(f"sqlite:///{db_path}", timeout)
        try:
            return cls._open_engine(data_dir, engine, found, db_path)
        except BaseException as exc:
            engine.dispose()
            if not found.exists and not isinstance(exc, WorkspaceBusyError):
                _remove_unborn(db_path)
            raise

    @classmethod
    def _open_engine(cls, data_dir: Path, engine: Engine, found: Inspection, db_path: Path) -> Workspace:
        backup: Path | None = None
        try:
            if found.revision is None:
                _set_wal(engine)  # a new workspace is born in WAL mode
                cls._migrate(engine, db_path)
            elif found.revision != HEAD_REVISION:
                backup = backup_database(db_path, found.revision)
                log.info("Backed up the workspace to %s before upgrading it", backup)
                cls._migrate(engine, db_path)
                _set_wal(engine)  # after the commit, so a refused upgrade leaves the file as it was
            elif not found.wal:
                _set_wal(engine)
            workspace = cls(data_dir, engine, backup)
            workspace._ensure_identity()
        except DBAPIError as exc:
            raise storage_error(exc, db_path) or WorkspaceError(
                f"Cannot open the workspace database {db_path}: {exc.orig}."
            ) from exc
        except sqlite3.Error as exc:
            raise storage_error(exc, db_path) or WorkspaceError(
                f"Cannot open the workspace database {db_path}: {exc}."
            ) from exc
        return workspace

    @classmethod
    def _open_url(cls, data_dir: Path, database_url: str, create: bool, timeout: float) -> Workspace:
        """``SOCIALDESK_DATABASE_URL``: another SQLite file (a shared or test database); always migrated."""
        if not database_url.startswith("sqlite"):
            raise WorkspaceError(
                f"SOCIALDESK_DATABASE_URL must point at a SQLite database (sqlite:///PATH), not "
                f"{database_url.split(':', 1)[0]!r}: the profile list relies on SQLite's JSON functions."
            )
        engine = make_engine(database_url, timeout)
        try:
            cls._migrate(engine, Path(database_url.split("///", 1)[-1]))
            workspace = cls(data_dir, engine)
            workspace._ensure_identity()
        except DBAPIError as exc:
            engine.dispose()
            raise storage_error(exc, Path(database_url)) or WorkspaceError(
                f"Cannot open the workspace database {database_url}: {exc.orig}."
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return workspace

    @staticmethod
    def _migrate(engine: Engine, db_path: Path, target: str = "head") -> None:
        """Upgrade in ONE transaction, DDL included: it commits whole or leaves the file as it was.

        Batch migrations copy tables, so foreign keys are off (set before BEGIN; inside a transaction the
        pragma is a no-op) and ``PRAGMA foreign_key_check`` must find nothing before the COMMIT."""
        from alembic import command

        with engine.connect() as conn:
            raw = _raw(conn)
            raw.execute("PRAGMA foreign_keys = OFF")
            raw.execute("PRAGMA synchronous = FULL")  # the upgrade must be on disk before we rely on it
            try:
                conn.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
                with conn.begin():
                    command.upgrade(_alembic_config(conn), target)
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise WorkspaceError(
                            f"Cannot upgrade the workspace {db_path}: {len(broken)} rows would point "
                            f"at missing rows (first in table {broken[0][0]}). Nothing was changed."
                        )
            finally:
                if not raw.in_transaction:
                    raw.execute("PRAGMA foreign_keys = ON")
                    raw.execute("PRAGMA synchronous = NORMAL")

    def _ensure_identity(self) -> None:
        with self.reading() as s:
            if s.get(Meta, "workspace_id") is not None:
                return
        with self.session() as s:
            if s.get(Meta, "workspace_id") is None:
                s.add(Meta(key="workspace_id", value=uuid.uuid4().hex))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that may write: BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout),
        committed when the block ends, rolled back on error. Rules checked inside it (limits, cycles) hold
        against other processes. A storage failure leaves as ``WorkspaceError`` (``WorkspaceBusyError``
        when locked) with the user's message.

        A session opened while this thread already holds one begins DEFERRED instead: asking for the write
        lock a second time from the same thread could only wait for itself (it reads as it always did)."""
        depth = getattr(self._writing, "depth", 0)
        s = self._sessions() if depth == 0 else self._read_sessions()
        self._writing.depth = depth + 1
        try:
            yield s
            s.commit()
        except DBAPIError as exc:
            self._rollback_quietly(s)
            translated = storage_error(exc, self.db_path)
            if translated is None:
                raise
            raise translated from exc
        except BaseException:
            self._rollback_quietly(s)
            raise
        finally:
            self._writing.depth = depth
            s.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work: BEGIN DEFERRED, never the write lock, so a long read (a listing, the
        profile table) never makes writers wait; WAL keeps its snapshot stable. Rolled back at the end."""
        s = self._read_sessions()
        try:
            yield s
        except DBAPIError as exc:
            translated = storage_error(exc, self.db_path)
            if translated is None:
                raise
            raise translated from exc
        finally:
            self._rollback_quietly(s)
            s.close()

    @staticmethod
    def _rollback_quietly(s: Session) -> None:
        try:
            s.rollback()
        except DBAPIError:  # the connection is gone (disk error); SQLite has rolled back already
            log.debug("rollback after a storage failure failed", exc_info=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- workspace facts -------------------------------------------------------------------------

    @property
    def workspace_id(self) -> str:
        with self.reading() as s:
            meta = s.get(Meta, "workspace_id")
            assert meta is not None
            return meta.value

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.reading() as s:
            meta = s.get(Meta, key)
            return meta.value if meta is not None else default

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(Meta(key=key, value=value))

    @property
    def me_id(self) -> int | None:
        value = self.get_meta("me")
        return int(value) if value else None

    def is_empty(self) -> bool:
        from socialdesk.models.schema import Profile

        with self.reading() as s:
            has_profile = s.scalar(select(Profile.id).limit(1)) is not None
            has_member = s.scalar(select(Member.id).limit(1)) is not None
        return not (has_profile or has_member)


# -- records the main window shows around the list -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """The names the filter panel offers: groups (by name) and active members (by name)."""

    groups: tuple[str, ...]
    members: tuple[str, ...]


def filter_choices(session: Session) -> FilterChoices:
    from socialdesk.models.schema import Group

    groups = session.scalars(select(Group.name).order_by(Group.name_key))
    active = select(Member.name).where(Member.removed_at.is_(None))
    members = session.scalars(active.order_by(Member.name_key))
    return FilterChoices(tuple(groups), tuple(members))
