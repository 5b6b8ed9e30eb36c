"""The stored per-profile summaries (``profiles.owner_ids``, ``profiles.conn_states``, migration 0007):
kept right by SQLite triggers after every kind of write, so the read model that reads them stays
equal to ``rules.py``.

Each write goes through the service that makes it (adding and removing owners, a member removed
with an heir, a grant expired by the connection check, a sign-in that adds connections, trash and
restore, an import), and a random sequence of raw SQL writes covers what any other path could do.
After each: the stored summaries equal the tables, and the read model (list and trash) equals the
rules (``tests/read_model_rules.py``).
"""

from __future__ import annotations

import importlib.util
import sqlite3
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from socialdesk.models.catalogue import CONN_STATE_SHIFT, ConnectionType, GrantState, Role, Visibility
from socialdesk.models.schema import Connection, Grant, Member, Profile, ProfileOwner
from socialdesk.services import demo, health, importer, members, profiles, query, summaries
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import DB_NAME, Workspace
from tests import factory
from tests.read_model_rules import assert_read_model_right, live_summaries, stored_summaries

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import OAuthWorkspace  # noqa: E402

pytest_plugins = ("tests.oauth_server",)

PUB, INS = ConnectionType.PUBLISHING, ConnectionType.INSIGHTS


def _migration_0007() -> ModuleType:
    path = Path(query.__file__).parent.parent / "migrations" / "versions" / "0007_profile_summaries.py"
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_head_schema_has_every_summary_trigger_and_the_read_model_their_bit_layout(
    workspace: Workspace,
) -> None:
    """A later batch migration that copies one of the tables would drop its triggers silently."""
    migration = _migration_0007()
    with workspace.engine.connect() as conn:
        found = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        indexes = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert found == set(migration.TRIGGERS)
    assert {"ix_grants_connection_state", "ix_grants_token_ref", "ix_grants_expiring"} <= indexes
    assert {t.value: s for t, s in CONN_STATE_SHIFT.items()} == migration.TYPE_SHIFT
    assert set(CONN_STATE_SHIFT) == set(ConnectionType)  # a new type needs a shift and a migration


def test_the_demo_comes_with_right_summaries(demo_ws: Workspace) -> None:
    assert_read_model_right(demo_ws)


def _triggers(ws: Workspace) -> list[tuple[str, str]]:
    with ws.engine.connect() as conn:
        raw = conn.connection.driver_connection
        return summaries.summary_triggers(raw)


def test_the_demo_suspends_the_triggers_and_puts_the_same_ones_back(
    demo_ws: Workspace, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _triggers(demo_ws) == _triggers(workspace) and len(_triggers(workspace)) == 9
    # Interrupted mid-load: the rollback brings the triggers back with the empty tables.
    monkeypatch.setattr(demo, "CHUNK_PROFILES", 50)
    ws = Workspace.open(tmp_path / "stopped", create=True)

    def stop(done: int, _total: int) -> None:
        if done >= 100:
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            demo.build_demo(ws, profiles=300, progress=stop)
        assert ws.is_empty() and _triggers(ws) == _triggers(workspace)
    finally:
        ws.close()


def test_adding_and_removing_owners_keeps_the_summaries(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        assert me is not None
        owned = s.scalars(select(ProfileOwner.profile_id).where(ProfileOwner.member_id == me.id)).all()
        orphan = s.scalars(
            select(Profile.id).where(
                Profile.visibility == Visibility.PUBLIC.value,
                Profile.deleted_at.is_(None),
                ~Profile.id.in_(select(ProfileOwner.profile_id)),
            )
        ).first()
        assert orphan is not None and len(owned) >= 2
        profiles.claim_ownership(s, me, orphan)
        profiles.remove_ownership(s, me, owned[0])
    assert_read_model_right(demo_ws)
    with demo_ws.session() as s:
        assert s.scalar(text("SELECT owner_ids FROM profiles WHERE id = :i"), {"i": orphan}) == str(me.id)


def test_a_member_removed_with_an_heir_moves_owners_and_revokes_grants(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        assert me is not None
        # Someone whose grant is the only active one of its connection: the connection expires.
        leaver = s.scalar(
            text(
                "SELECT g.member_id FROM grants g JOIN members m ON m.id = g.member_id "
                "WHERE g.state = 'active' AND g.member_id != :me AND m.removed_at IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM grants h WHERE h.connection_id = g.connection_id AND h.id != g.id "
                "AND h.state = 'active') LIMIT 1"
            ),
            {"me": me.id},
        )
        heir = s.scalars(select(Member.id).where(Member.id != leaver, Member.removed_at.is_(None))).first()
    before = stored_summaries(demo_ws)
    with demo_ws.session() as s:
        result = members.remove(s, members.me_actor(s), leaver, heir)
    assert result["grants_revoked"] >= 1 and result["ownerships"] >= 1
    after = stored_summaries(demo_ws)
    assert any(before[p][1] != after[p][1] for p in before)  # some connection expired
    assert any(before[p][0] != after[p][0] for p in before)  # some owners changed
    assert_read_model_right(demo_ws)


def test_a_member_removed_without_an_heir_leaves_profiles_without_owners(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        assert me is not None
        leaver = s.scalars(
            select(ProfileOwner.member_id).where(ProfileOwner.member_id != me.id).limit(1)
        ).one()
        assert members.remove(s, me, leaver, None)["ownerships"] >= 1
    assert_read_model_right(demo_ws)


def test_trash_and_restore_keep_the_summaries(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        me = members.me_actor(s)
        pid = s.scalars(
            select(ProfileOwner.profile_id).where(ProfileOwner.member_id == me.id)  # type: ignore[union-attr]
        ).first()
        assert pid is not None
        profiles.delete_profile(s, me, pid)
    assert_read_model_right(demo_ws)  # the trash shows it with its owners and states
    with demo_ws.session() as s:
        profiles.restore_profile(s, members.me_actor(s), pid)
    assert_read_model_right(demo_ws)


def test_removing_connections_and_grants_keeps_the_summaries(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        pid, cid = s.execute(
            select(Connection.profile_id, Connection.id)
            .join(Grant, Grant.connection_id == Connection.id)
            .where(Grant.state == GrantState.ACTIVE.value)
        ).first()  # type: ignore[misc]
        connection = s.get(Connection, cid)
        s.delete(connection)  # its grants go with it (ON DELETE CASCADE)
        # And a grant alone, through Core.
        other = s.scalars(select(Grant.id).where(Grant.state == GrantState.EXPIRED.value)).first()
        s.execute(delete(Grant).where(Grant.id == other))
    assert_read_model_right(demo_ws)
    assert stored_summaries(demo_ws)[pid][1] & (3 << CONN_STATE_SHIFT[PUB]) in (0, 1, 2, 3)


def test_an_import_keeps_the_summaries(demo_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "urls.csv"
    path.write_text("https://www.instagram.com/acme.summary/\nhttps://www.tiktok.com/@summary\n", "utf-8")
    with demo_ws.session() as s:
        preview = importer.preview_profiles_import(s, path)
        me = members.me_actor(s)
        assert me is not None
        result = importer.apply_profiles_import(s, me, preview)
    assert len(result.added) == 2
    # The adder owns them (written with Core, in bulk); no connection yet.
    assert all(stored_summaries(demo_ws)[pid] == (str(me.id), 0) for pid in result.added)
    assert_read_model_right(demo_ws)


def test_sign_ins_and_the_connection_check_keep_the_summaries(oauth_ws: OAuthWorkspace) -> None:
    oauth_ws.connect("x", [PUB, INS])  # adds profiles, connections and active grants
    ws = oauth_ws.workspace
    assert any(states for _owners, states in stored_summaries(ws).values())
    assert_read_model_right(ws)
    assert oauth_ws.server.revoke_user("alice") >= 1
    report = health.run_health_check(ws, oauth_ws.service)  # the grants expire (the ORM write)
    assert [c.change for c in report.changes].count("expired") >= 1
    assert_read_model_right(ws)
    expired_bits = {states for _o, states in stored_summaries(ws).values() if states}
    assert all(((bits >> CONN_STATE_SHIFT[PUB]) & 3) == 1 for bits in expired_bits)


# -- any write, by any path ----------------------------------------------------------------------

OPS = (
    "add owner", "remove owner", "move owner", "add connection", "remove connection", "retype connection",
    "move connection", "add grant", "set grant state", "move grant", "remove grant", "remove profile",
)  # fmt: skip
WRITES = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.sampled_from([s.value for s in GrantState]),
    ),
    min_size=1,
    max_size=25,
)


def _write(db: sqlite3.Connection, op: str, a: int, b: int, state: str) -> None:
    """One raw write, as another program (or a future service) could make it."""

    def pick(sql: str, n: int) -> int | None:
        ids = [r[0] for r in db.execute(sql)]
        return ids[n % len(ids)] if ids else None

    pid = pick("SELECT id FROM profiles", a)
    mid = pick("SELECT id FROM members", b)
    cid = pick("SELECT id FROM connections", a)
    gid = pick("SELECT id FROM grants", b)
    ctype = list(ConnectionType)[b % len(ConnectionType)].value
    now = "2026-01-01 00:00:00.000000"
    if op == "add owner" and pid and mid:
        db.execute("INSERT OR IGNORE INTO profile_owners VALUES (?, ?, ?)", (pid, mid, now))
    elif op == "remove owner" and pid:
        db.execute("DELETE FROM profile_owners WHERE profile_id = ? AND member_id = ?", (pid, mid))
    elif op == "move owner" and pid and mid:
        db.execute(
            "UPDATE OR IGNORE profile_owners SET profile_id = ? WHERE rowid = "
            "(SELECT rowid FROM profile_owners ORDER BY rowid LIMIT 1 OFFSET ?)",
            (pid, b % 5),
        )
    elif op == "add connection" and pid:
        db.execute(
            "INSERT OR IGNORE INTO connections (profile_id, type, created_at) VALUES (?, ?, ?)",
            (pid, ctype, now),
        )
    elif op == "remove connection" and cid:
        db.execute("DELETE FROM connections WHERE id = ?", (cid,))
    elif op == "retype connection" and cid:
        db.execute("UPDATE OR IGNORE connections SET type = ? WHERE id = ?", (ctype, cid))
    elif op == "move connection" and cid and pid:
        db.execute("UPDATE OR IGNORE connections SET profile_id = ? WHERE id = ?", (pid, cid))
    elif op == "add grant" and cid and mid:
        db.execute(
            "INSERT OR IGNORE INTO grants (connection_id, member_id, state, scopes, granted_at) "
            "VALUES (?, ?, ?, '', ?)",
            (cid, mid, state, now),
        )
    elif op == "set grant state" and gid:
        db.execute("UPDATE grants SET state = ?, last_checked_at = ? WHERE id = ?", (state, now, gid))
    elif op == "move grant" and gid and cid:
        db.execute("UPDATE OR IGNORE grants SET connection_id = ? WHERE id = ?", (cid, gid))
    elif op == "remove grant" and gid:
        db.execute("DELETE FROM grants WHERE id = ?", (gid,))
    elif op == "remove profile" and pid:
        db.execute("DELETE FROM profiles WHERE id = ?", (pid,))  # owners, connections, grants cascade


@pytest.fixture(scope="module")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("summaries")
    ws = Workspace.open(path, create=True)
    with ws.session() as s:
        a = factory.member(s, "Ana", Role.ADMINISTRATOR, me=True)
        b = factory.member(s, "Ben")
        c = factory.member(s, "Cem")
        for i, (platform, kind) in enumerate(
            [("facebook", "page"), ("instagram", "account"), ("x", "account")]
        ):
            p = factory.profile(s, platform, kind, owners=(a, b) if i else (c,))
            factory.connect(s, p, PUB, (a, GrantState.ACTIVE), (b, GrantState.EXPIRED))
            factory.connect(s, p, INS, (c, GrantState.REVOKED))
        factory.profile(s, "x", "account", visibility=Visibility.PUBLIC, likes=None)
    ws.close()
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_any_sequence_of_writes_keeps_the_stored_summaries_equal_to_the_tables(
    small_template: Path, tmp_path_factory: pytest.TempPathFactory, writes: list[tuple[str, int, int, str]]
) -> None:
    data = tmp_path_factory.mktemp("writes")
    source = sqlite3.connect(small_template / DB_NAME)
    db = sqlite3.connect(data / DB_NAME)
    source.backup(db)
    source.close()
    db.execute("PRAGMA foreign_keys = ON")
    ws = Workspace.open(data)
    try:
        for op, a, b, state in writes:
            _write(db, op, a, b, state)
            db.commit()
            assert stored_summaries(ws) == live_summaries(ws), op
        assert_read_model_right(ws)
    finally:
        ws.close()
        db.close()


def test_the_time_added_is_read_as_stored_whichever_sqlite_function_computes_it(demo_ws: Workspace) -> None:
    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
        stored = dict(conn.execute(text("SELECT id, added_at FROM profiles")).all())
        fallback = dict(
            conn.execute(text("SELECT id, CAST(strftime('%s', added_at) AS INTEGER) FROM profiles")).all()
        )
        if sqlite3.sqlite_version_info >= (3, 38):
            newer = dict(conn.execute(text("SELECT id, unixepoch(added_at) FROM profiles")).all())
            assert newer == fallback
    for r in range(len(rows)):
        pid = rows.ids[r]
        assert rows.added_at[r] == datetime.fromisoformat(stored[pid]).replace(microsecond=0)
        assert int(rows.added_at.seconds[r]) == fallback[pid]


def test_the_expiry_hints_and_the_checks_chunks_read_through_their_indexes(workspace: Workspace) -> None:
    expiring = (
        "SELECT c.profile_id, min(g.expires_at) FROM grants g JOIN connections c ON c.id = g.connection_id "
        "WHERE g.state = 'active' AND g.has_refresh_token = 0 AND g.expires_at < :horizon "
        "GROUP BY c.profile_id"
    )
    chunk = (
        health._GRANT_COLUMNS
        + health._HERE
        + health._DUE
        + " AND g.token_ref IN (SELECT value FROM json_each(:refs)) ORDER BY g.id"
    )
    with workspace.engine.connect() as conn:
        plans = [
            " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params))
            for sql, params in (
                (expiring, {"horizon": "2030-01-01"}),
                (chunk, {"now": "2030-01-01", "force": False, "refs": '["a"]'}),
            )
        ]
    assert "USING INDEX ix_grants_expiring" in plans[0]
    assert "USING INDEX ix_grants_token_ref" in plans[1]
