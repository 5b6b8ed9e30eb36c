"""ops.connections on a real workspace: records, the rules' refusals, and a known-account lookup that
follows the accounts a sign-in found (indexed on their ids), never the size of the workspace."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import event

from socialdesk.models.catalogue import ConnectionType, GrantState, Ownership, Role, Visibility
from socialdesk.ops import connections as ops_connections
from socialdesk.ops.changes import Kind
from socialdesk.ops.connections import Account, Discovery, KnownAccount
from socialdesk.services import profiles as profiles_service
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.workspace import Workspace
from tests import factory
from tests.test_ops_records import assert_no_orm

PUB = ConnectionType.PUBLISHING


def discovery_of(platform_ids: list[str], platform: str = "facebook") -> Discovery:
    accounts = tuple(Account(platform, "page", pid, f"Page {pid}", f"h_{pid}") for pid in platform_ids)
    return Discovery(platform, Account(platform, "account", "me-1", "Agency Admin", "agency"), accounts)


def test_known_accounts_name_each_found_profile_relative_to_me(workspace: Workspace) -> None:
    with workspace.session() as s:
        me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
        other = factory.member(s, "Olga Other")
        mine = factory.profile(s, handle="mine", owners=(me,), name="Mine")
        shared = factory.profile(s, handle="shared", owners=(other,), shared_with=(me,))
        everyone = factory.profile(s, handle="everyone", owners=(other,), shared_with_all=True)
        nobody = factory.profile(s, handle="nobody")
        others = factory.profile(s, handle="others", owners=(other,))
        gone = factory.profile(s, handle="gone", owners=(me,))
        gone.deleted_at = utcnow()
        ids = {p.handle: (p.id, p.platform_id) for p in (mine, shared, everyone, nobody, others, gone)}
        me_id = me.id
    found = [pid for _id, pid in ids.values() if pid] + ["brand-new"]
    known = ops_connections.known_accounts(workspace, me_id, discovery_of(found))
    assert_no_orm(known)
    assert known == {
        ids["mine"][1]: KnownAccount(ids["mine"][0], "Mine", Ownership.OWNED, False),
        ids["shared"][1]: KnownAccount(ids["shared"][0], "shared", Ownership.SHARED, False),
        ids["everyone"][1]: KnownAccount(ids["everyone"][0], "everyone", Ownership.SHARED, False),
        ids["nobody"][1]: KnownAccount(ids["nobody"][0], "nobody", Ownership.NONE, False),
        ids["others"][1]: KnownAccount(ids["others"][0], "others", Ownership.OTHERS, False),
        ids["gone"][1]: KnownAccount(ids["gone"][0], "gone", Ownership.OWNED, True),
    }
    assert ops_connections.known_accounts(workspace, me_id, discovery_of([])) == {}
    # Another platform's profile with the same id is not this account.
    assert ops_connections.known_accounts(workspace, me_id, discovery_of(found, "instagram")) == {}


def _statements(workspace: Workspace) -> tuple[list[tuple[str, Any]], Any]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(workspace.engine, "before_cursor_execute", record)
    return seen, record


def test_the_known_lookup_follows_the_found_accounts_not_the_workspace(workspace: Workspace) -> None:
    """The same few statements for 5 or 1,200 found accounts (a chunk of 900 adds four), each on an index:
    the ids' lookup on ``ix_profiles_platform_pid``, the rest by primary key — no walk over the profiles."""
    with workspace.session() as s:
        me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
        pids = [factory.profile(s, handle=f"p{i}", owners=(me,)).platform_id or "" for i in range(1200)]
        me_id = me.id
    seen, record = _statements(workspace)
    try:
        small = ops_connections.known_accounts(workspace, me_id, discovery_of(pids[:5]))
        small_count = len([s for s, _ in seen if s.lstrip().upper().startswith("SELECT")])
        seen.clear()
        big = ops_connections.known_accounts(workspace, me_id, discovery_of(pids))
        big_statements = [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]
    finally:
        event.remove(workspace.engine, "before_cursor_execute", record)
    assert len(small) == 5 and len(big) == 1200
    assert small_count == 4
    assert len(big_statements) == 8  # two chunks of ids
    db = sqlite3.connect(workspace.data_dir / "socialdesk.db")
    try:
        for statement, parameters in big_statements:
            plan = " ".join(str(r[-1]) for r in db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
            assert "SCAN profiles" not in plan, (statement, plan)
            assert "USING" in plan, (statement, plan)  # an index or the primary key
            if "platform_id IN" in statement:
                assert "ix_profiles_platform_pid" in plan, plan
    finally:
        db.close()


def test_connect_target_and_claim_say_the_rules_reason(workspace: Workspace) -> None:
    with workspace.session() as s:
        me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
        expired = factory.profile(s, "x", "account", handle="alice", owners=(me,), name="Alice Adams")
        factory.connect(s, expired, PUB, (me, GrantState.EXPIRED))
        active = factory.profile(s, "x", "account", handle="bob", owners=(me,), name="Bob")
        factory.connect(s, active, PUB, (me, GrantState.ACTIVE))
        public = factory.profile(s, "x", "account", handle="pub", visibility=Visibility.PUBLIC)
        chat = factory.profile(s, "live_chat", "widget", handle="chat")
        ids = expired.id, active.id, public.id, chat.id
    start = ops_connections.connect_target(workspace, ids[0])
    assert_no_orm(start)
    assert (
        start.target.name == "Alice Adams"
        and start.types == (PUB,)
        and start.actor.role is Role.ADMINISTRATOR
    )
    with pytest.raises(SocialDeskError, match="Bob has no expired connection to re-connect"):
        ops_connections.connect_target(workspace, ids[1])
    assert ops_connections.connect_target(workspace, ids[1], [PUB]).types == (PUB,)
    with pytest.raises(SocialDeskError, match="Public profiles are tracked only"):
        ops_connections.connect_target(workspace, ids[2], [PUB])

    claimed = ops_connections.start_claim(workspace, ids[3])
    assert claimed.value.claimed and claimed.value.types == ()
    assert claimed.change.touches(Kind.PROFILES) and claimed.change.profile_ids == (ids[3],)
    with workspace.reading() as s:  # the claim was written: Live Chat is mine now
        assert profiles_service.view(s, ids[3]).relative_to(start.actor.id) is Ownership.OWNED
    with pytest.raises(SocialDeskError):
        ops_connections.start_claim(workspace, ids[0])  # already mine: nothing to claim


def test_me_writer_refuses_without_me_and_for_an_analyst(workspace: Workspace) -> None:
    with pytest.raises(SocialDeskError, match="Choose who you are in the team first"):
        ops_connections.me_writer(workspace)
    with workspace.session() as s:
        factory.member(s, "Lena Analyst", Role.ANALYST, me=True)
    with pytest.raises(SocialDeskError, match="read-only"):
        ops_connections.me_writer(workspace)
    assert ops_connections.me(workspace) is not None


def test_kind_apps_and_the_sign_in_service_of_a_workspace(workspace: Workspace) -> None:
    assert ("linkedin", "organization_page", "organization pages") in ops_connections.kind_apps()
    service = ops_connections.sign_in_service(workspace)
    assert isinstance(service, ops_connections.OAuthService)
    assert ops_connections.provider_of(service, "x").platform == "x"
    with pytest.raises(TypeError, match="not a sign-in service"):
        ops_connections.provider_of(object(), "x")
