"""Opening a workspace: the folder, its SQLite database, and the migrations run on open.

Before anything writes to an existing file it is inspected read-only, so a file that is not a
SocialDesk database, is newer than this app, is corrupt or is locked is reported and left untouched.
An older schema is upgraded only after a backup copy has been made next to it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.models.schema import Member, Meta
from socialdesk.services.errors import WorkspaceError

log = logging.getLogger(__name__)

DB_NAME = "socialdesk.db"
#: The newest migration. Opening a workspace already there skips loading Alembic (~0.2 s of start-up);
#: a test checks this equals Alembic's head.
HEAD_REVISION = "0006"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 3.0


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


@dataclass(frozen=True, slots=True)
class Inspection:
    """What a read-only look at the database file found."""

    exists: bool
    revision: str | None  # None: empty or new


def inspect_file(path: Path) -> Inspection:
    """Look at the file read-only and raise a clear ``WorkspaceError`` for anything we must not touch."""
    if not path.exists() or path.stat().st_size == 0:
        return Inspection(exists=path.exists(), revision=None)
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot read the workspace database {path}: {exc.strerror}. Check its permissions."
        ) from exc
    if header != SQLITE_MAGIC:
        raise WorkspaceError(
            f"{path} is not a SQLite database (it may be corrupt or another kind of file). "
            "It was left unchanged; restore it from a backup or choose another workspace folder."
        )
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"Cannot open the workspace database {path}: {exc}.") from exc
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return Inspection(exists=True, revision=None)
        if "alembic_version" not in tables or "profiles" not in tables:
            raise WorkspaceError(
                f"{path} is a SQLite database but not a SocialDesk workspace. "
                "It was left unchanged; choose another workspace folder."
            )
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        # A light integrity probe: reading the main table catches most damage before any write.
        conn.execute("SELECT count(*) FROM profiles").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise WorkspaceError(
                f"The workspace database {path} is locked by another program (another SocialDesk?). "
                "Close it and try again."
            ) from exc
        raise WorkspaceError(
            f"The workspace database {path} cannot be read: {exc}. It was left unchanged."
        ) from exc
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(
            f"The workspace database {path} is corrupt ({exc}). It was left unchanged; "
            "restore it from a backup (socialdesk.db.backup-*) or choose another workspace folder."
        ) from exc
    finally:
        conn.close()
    revision = row[0] if row else None
    if revision == HEAD_REVISION:
        return Inspection(exists=True, revision=revision)
    known, _head = known_revisions()
    if revision is not None and revision not in known:
        raise WorkspaceError(
            f"The workspace {path} was made by a newer SocialDesk (schema {revision}). "
            "Update SocialDesk to open it; the file was left unchanged."
        )
    return Inspection(exists=True, revision=revision)


def backup_database(path: Path, revision: str) -> Path:
    """A consistent copy (SQLite backup API) next to the file, before an upgrade."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S} if url.startswith("sqlite") else {})
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Workspace:
    """An open workspace: its folder, engine and session factory."""

    def __init__(self, data_dir: Path, engine: Engine, backup: Path | None = None) -> None:
        self.data_dir = data_dir
        self.engine = engine
        self.backup = backup
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @classmethod
    def open(cls, data_dir: Path, *, create: bool = False, database_url: str | None = None) -> Workspace:
        """Open (and migrate) the workspace in ``data_dir``; ``create`` makes a missing one."""
        data_dir = Path(data_dir).expanduser()
        database_url = database_url or os.environ.get("SOCIALDESK_DATABASE_URL") or None
        db_path = data_dir / DB_NAME
        if database_url is None and not db_path.exists() and not create:
            raise WorkspaceError(
                f"There is no workspace in {data_dir}. Create one with "
                f"`socialdesk --data-dir {data_dir} demo` or by starting the app there."
            )
        if create:
            try:
                data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WorkspaceError(
                    f"Cannot create the workspace folder {data_dir}: {exc.strerror}."
                ) from exc
        backup: Path | None = None
        if database_url is None:
            found = inspect_file(db_path)
            head = HEAD_REVISION if found.revision == HEAD_REVISION else known_revisions()[1]
            if found.revision is not None and found.revision != head:
                backup = backup_database(db_path, found.revision)
                log.info("Backed up the workspace to %s before upgrading it", backup)
            url = f"sqlite:///{db_path}"
            needs_migration = found.revision != head
        else:
            if not database_url.startswith("sqlite"):
                raise WorkspaceError(
                    f"SOCIALDESK_DATABASE_URL must point at a SQLite database (sqlite:///PATH), not "
                    f"{database_url.split(':', 1)[0]!r}: the profile list relies on SQLite's JSON functions."
                )
            url = database_url
            needs_migration = True
        engine = make_engine(url)
        if needs_migration:
            cls._migrate(engine, db_path)
        workspace = cls(data_dir, engine, backup)
        workspace._ensure_identity()
        return workspace

    @staticmethod
    def _migrate(engine: Engine, db_path: Path) -> None:
        from alembic import command

        try:
            with engine.begin() as connection:
                command.upgrade(_alembic_config(connection), "head")
        except OperationalError as exc:
            engine.dispose()
            if "locked" in str(exc.orig):
                raise WorkspaceError(
                    f"The workspace database {db_path} is locked by another program (another SocialDesk?). "
                    "Close it and try again; nothing was changed."
                ) from exc
            raise WorkspaceError(f"Cannot upgrade the workspace database {db_path}: {exc.orig}.") from exc

    def _ensure_identity(self) -> None:
        with self.session() as s:
            if s.get(Meta, "workspace_id") is None:
                s.add(Meta(key="workspace_id", value=uuid.uuid4().hex))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        s = self._sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def close(self) -> None:
        self.engine.dispose()

    # -- workspace facts -------------------------------------------------------------------------

    @property
    def workspace_id(self) -> str:
        with self.session() as s:
            meta = s.get(Meta, "workspace_id")
            assert meta is not None
            return meta.value

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.session() as s:
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

        with self.session() as s:
            has_profile = s.scalar(select(Profile.id).limit(1)) is not None
            has_member = s.scalar(select(Member.id).limit(1)) is not None
        return not (has_profile or has_member)
