"""SIGKILL a real `socialdesk` process in the middle of a write, then check the workspace (tests + benchmark).

A kill "lands while writing" when the process held the workspace's write lock right before SIGKILL
(``LockProbe`` reads SQLite's own POSIX locks: the WAL write lock, or RESERVED in rollback-journal mode)
and, after recovery, none of its write is there. A kill that finds the write already committed is valid
(everything is there) but does not count as landing mid-write.

After each kill, a copy of the files exactly as the kill left them (database + WAL or hot journal) is
recovered by plain SQLite and must pass ``PRAGMA integrity_check`` and hold either the state before or the
complete state after the write; then the next `socialdesk` command must open the original (SocialDesk's
own recovery path) and succeed, and the workspace must again pass ``integrity_check``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from socialdesk.services.workspace import DB_NAME, HEAD_REVISION, Workspace
from tests.storage_corpus import LockProbe, legacy_workspace, run_cli

Snapshot = Callable[[sqlite3.Connection], object]
_CLI_LOCK = threading.Lock()

BULK_DELETE = textwrap.dedent(
    """
    # The GUI's bulk delete (ui/profile_actions.py: ProfileActions.delete): a plan, then ONE apply unit of
    # work, each a services.bulk.BulkJob run as the window's child process runs it (bulk.run_job).
    import sys
    from socialdesk.models.schema import Profile
    from socialdesk.services import bulk
    from socialdesk.services.workspace import Workspace
    from sqlalchemy import select

    ws = Workspace.open(__import__("pathlib").Path(sys.argv[1]))
    with ws.reading() as s:
        ids = tuple(s.scalars(select(Profile.id).where(Profile.deleted_at.is_(None)).order_by(Profile.id)))
    ws.close()
    planned = bulk.run_job(bulk.BulkJob(sys.argv[1], "plan", "actionDelete", ids))
    allowed = tuple(item.profile_id for item in planned.will)
    bulk.run_job(bulk.BulkJob(sys.argv[1], "apply", "actionDelete", allowed))
    """
)


@dataclass
class WritePath:
    """One write path: how to build its workspace, the command, and the state it changes."""

    name: str
    build: Callable[[Path], None]  # fills an empty folder with the workspace the command starts from
    command: Callable[[Path, Path], list[str]]  # (data_dir, inputs folder) -> argv after the python
    snapshot: Snapshot
    before: object
    after: object
    #: How long after the lock was seen to kill (seconds); cycled over the kills of this path.
    delays: tuple[float, ...] = (0.0, 0.01, 0.05, 0.2, 0.5)
    template: Path | None = field(default=None)
    #: Which lock interval of the command is its write transaction (1-based), found by calibrate().
    write_ordinal: int = 0


def _count(sql: str) -> Snapshot:
    return lambda conn: conn.execute(sql).fetchone()[0]


def _demo(path: Path, profiles: int = 60) -> None:
    from socialdesk.services.demo import build_demo

    ws = Workspace.open(path, create=True)
    build_demo(ws, profiles)
    ws.close()


def write_paths(
    inputs: Path, rows: int = 20_000, demo_profiles: int = 3000, legacy_profiles: int = 3000
) -> list[WritePath]:
    """The six write paths of the acceptance; ``inputs`` receives the files the commands read."""
    (inputs / "import.csv").write_text(
        "Platform,Handle\n" + "".join(f"x,killed{i}\n" for i in range(rows)), encoding="utf-8"
    )
    (inputs / "groups.csv").write_text(
        "\ufeffGroup ID,Group name,Profile (handle),Profile ID,Profile display name,Platform,Group path,"
        "Group colour\n"
        + "".join(
            f",Killed {g},,{pid},,,Killed {g},#546E7A\n" for g in range(11) for pid in range(1 + g, 19 + g)
        ),
        encoding="utf-8",
    )
    (inputs / "settings.json").write_text('{"color": "#336699"}', encoding="utf-8")
    (inputs / "bulk_delete.py").write_text(BULK_DELETE, encoding="utf-8")
    py = [sys.executable, "-m", "socialdesk", "--data-dir"]
    return [
        WritePath(
            "profiles import --apply",
            _demo,
            lambda d, i: [*py, str(d), "profiles", "import", str(i / "import.csv"), "--apply"],
            _count("SELECT count(*) FROM profiles WHERE handle LIKE 'killed%'"),
            0,
            rows,
            # The import writes in bulk now: its one write transaction lasts a fraction of a second.
            delays=(0.0, 0.01, 0.02, 0.04, 0.07),
        ),
        WritePath(
            "demo",
            lambda p: Workspace.open(p, create=True).close(),
            lambda d, i: [*py, str(d), "demo", "--profiles", str(demo_profiles)],
            _count("SELECT count(*) FROM profiles"),
            0,
            demo_profiles,
            delays=(0.0, 0.02, 0.1, 0.3, 0.6),
        ),
        WritePath(
            "schema upgrade from 0001",
            lambda p: legacy_workspace(p, "0001", legacy_profiles) and None,
            lambda d, i: [*py, str(d), "groups", "list", "--format", "json"],
            lambda conn: (
                conn.execute("SELECT version_num FROM alembic_version").fetchall(),
                conn.execute("SELECT count(*) FROM profiles").fetchone()[0],
            ),
            ([("0001",)], legacy_profiles),
            ([(HEAD_REVISION,)], legacy_profiles),
            delays=(0.0, 0.01, 0.05, 0.1, 0.2),
        ),
        WritePath(
            "bulk delete (GUI service)",
            lambda p: _demo(p, 3000),  # big enough that the one apply transaction lasts a moment
            lambda d, i: [sys.executable, str(i / "bulk_delete.py"), str(d)],
            _count("SELECT count(*) FROM profiles WHERE deleted_at IS NULL"),
            None,  # what the demo left undeleted (read from the template)
            None,  # what is left once every profile I may delete is deleted (a full run on the template)
            delays=(0.0, 0.05, 0.2, 0.5, 1.0),
        ),
        WritePath(
            "groups import --apply",
            _demo,
            lambda d, i: [*py, str(d), "groups", "import", str(i / "groups.csv"), "--apply"],
            _count("SELECT count(*) FROM groups"),
            9,
            20,
            delays=(0.0, 0.005, 0.02, 0.05, 0.1),
        ),
        WritePath(
            "settings set",
            _demo,
            lambda d, i: [*py, str(d), "settings", "set", "1", str(i / "settings.json")],
            lambda conn: (
                "#336699"
                in conn.execute("SELECT values_json FROM platform_settings WHERE profile_id = 1").fetchone()[
                    0
                ]
            ),
            False,
            True,
            delays=(0.0, 0.0, 0.002, 0.005, 0.01),
        ),
    ]


@dataclass
class KillResult:
    path: str
    delay: float
    landed: bool  # killed while writing: the write is entirely absent
    committed: bool  # the kill came after the commit: the write is entirely there
    hot: bool  # the kill left a WAL or rollback journal for the next open to recover
    seconds: float


def _recovered_state(data_dir: Path, scratch: Path, snapshot: Snapshot) -> tuple[bool, object]:
    """Recover a copy of the files as the kill left them; (integrity ok, state)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir()
    for suffix in ("", "-wal", "-journal"):
        src = data_dir / (DB_NAME + suffix)
        if src.exists():
            shutil.copy(src, scratch / (DB_NAME + suffix))
    conn = sqlite3.connect(scratch / DB_NAME)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return ok, snapshot(conn)
    finally:
        conn.close()


def kill_once(wp: WritePath, inputs: Path, work: Path, delay: float, env: dict[str, str]) -> KillResult:
    """One kill of ``wp`` at ``delay`` after its write lock was seen; asserts what must hold."""
    assert wp.template is not None
    started = time.monotonic()
    data_dir = work / "ws"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    shutil.copytree(wp.template, data_dir)
    db = data_dir / DB_NAME
    witness = _witness(db)
    probe = LockProbe(db)
    proc = subprocess.Popen(
        wp.command(data_dir, inputs), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    writing = False
    ordinal, active, since = 0, False, 0.0
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if probe.writer_active():
                if not active:
                    ordinal, active, since = ordinal + 1, True, now
                if ordinal == wp.write_ordinal and now - since >= delay:
                    writing = True  # seen holding the lock of its write transaction just now
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            else:
                active = False
            if ordinal > wp.write_ordinal:
                break  # its write transaction is over: let it finish (the kill would not count)
            time.sleep(0.0002)
    except ProcessLookupError:
        writing = False
    _out, err = proc.communicate(timeout=60)
    if witness is not None:
        witness.close()
    probe.close()
    assert b"Traceback" not in err, err.decode(errors="replace")
    ok, state = _recovered_state(data_dir, work / "copy", wp.snapshot)
    assert ok, f"{wp.name}: integrity_check failed after a kill at {delay}s"
    assert state in (wp.before, wp.after), f"{wp.name}: half a write survived the kill: {state!r}"
    hot = (data_dir / (DB_NAME + "-journal")).exists() or (data_dir / (DB_NAME + "-wal")).exists()
    # The next command opens the original: SocialDesk's own open recovers it, then works.
    with _CLI_LOCK:  # the in-process CLI redirects this process's stdout/stderr: one at a time
        code, _o, next_err = run_cli(["--data-dir", str(data_dir), "groups", "list", "--format", "json"])
    assert code == 0, f"{wp.name}: the next command failed after the kill: {next_err}"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        final = wp.snapshot(conn)
    finally:
        conn.close()
    if wp.name.startswith("schema upgrade"):
        assert final == wp.after  # the next command finished the upgrade the kill interrupted
    else:
        assert final == state, f"{wp.name}: the next command saw {final!r}, the recovered copy {state!r}"
    landed = writing and state == wp.before and proc.returncode == -signal.SIGKILL
    return KillResult(wp.name, delay, landed, state == wp.after, hot, time.monotonic() - started)


def _witness(db: Path) -> sqlite3.Connection | None:
    """For a WAL-mode file: a read-only connection that sets up the WAL index before the command starts.

    Without it the command's first open rebuilds the index under the WAL write lock for a millisecond or
    two, an extra lock interval that a poll may or may not see. Read-only connections never checkpoint,
    so closing it after a kill leaves the WAL exactly as the kill did, for SocialDesk's open to recover."""
    if db.read_bytes()[18:19] != b"\x02":  # rollback-journal mode: nothing to set up
        return None
    witness = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    witness.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return witness


def _snapshot(data_dir: Path, snapshot: Snapshot) -> object:
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        return snapshot(conn)
    finally:
        conn.close()


def build_templates(paths: list[WritePath], root: Path, inputs: Path) -> None:
    for i, wp in enumerate(paths):
        target = root / f"template{i}"
        target.mkdir(parents=True)
        wp.build(target)
        wp.template = target
        if wp.before is None:
            wp.before = _snapshot(target, wp.snapshot)
        _calibrate(wp, root / f"full{i}", inputs)


def _calibrate(wp: WritePath, full: Path, inputs: Path) -> None:
    """One uninterrupted run on a copy: the complete state, and which of the command's lock intervals
    (a command may open short sessions before its write) is the write, i.e. the one after which the state
    has changed. Kills count only inside that interval."""
    assert wp.template is not None
    shutil.copytree(wp.template, full)
    db = full / DB_NAME
    witness = _witness(db)
    probe = LockProbe(db)
    proc = subprocess.Popen(
        wp.command(full, inputs), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=kill_env()
    )
    ends: list[object] = []
    active = False
    while proc.poll() is None:
        if probe.writer_active():
            active = True
        elif active:
            active = False
            ends.append(_snapshot(full, wp.snapshot))
        time.sleep(0.0002)
    if active:  # it committed and exited between two polls
        ends.append(_snapshot(full, wp.snapshot))
    _out, err = proc.communicate()
    if witness is not None:
        witness.close()
    probe.close()
    assert proc.returncode == 0, err.decode(errors="replace")
    final = _snapshot(full, wp.snapshot)
    if wp.after is None:
        wp.after = final
    assert final == wp.after != wp.before, f"{wp.name}: the command did not write what it should ({final!r})"
    changed = [i for i, state in enumerate(ends, start=1) if state == wp.after]
    assert changed, f"{wp.name}: no lock interval was seen before the write appeared: {ends!r} {final!r}"
    wp.write_ordinal = changed[0]


def kill_env() -> dict[str, str]:
    return {**os.environ, "SOCIALDESK_BUSY_TIMEOUT": "30"}


def _kill_path(wp: WritePath, inputs: Path, work: Path, per_path: int, max_tries: int) -> list[KillResult]:
    results: list[KillResult] = []
    env = kill_env()
    landed = 0
    for attempt in range(max_tries):
        if landed >= per_path:
            break
        delay = wp.delays[attempt % len(wp.delays)]
        if attempt >= len(wp.delays):  # it committed before the kill: aim earlier
            delay = delay / (2 ** (attempt // len(wp.delays)))
        result = kill_once(wp, inputs, work, delay, env)
        results.append(result)
        landed += result.landed
    return results


def run_kills(
    paths: list[WritePath], inputs: Path, per_path: int, max_tries: int, workers: int = 2
) -> list[KillResult]:
    """``per_path`` landed kills for each path (up to ``max_tries`` attempts each), ``workers`` paths at a
    time (each on its own copies)."""
    with tempfile.TemporaryDirectory(prefix="sd-kill-") as tmp:
        dirs = [Path(tmp) / f"w{i}" for i in range(len(paths))]
        for d in dirs:
            d.mkdir()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            chunks = pool.map(
                lambda a: _kill_path(a[0], inputs, a[1], per_path, max_tries), zip(paths, dirs, strict=False)
            )
            return [r for chunk in chunks for r in chunk]
