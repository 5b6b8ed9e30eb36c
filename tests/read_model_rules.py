"""The read model held to the rules: every profile's ownership, status and connection states the slow
way (plain rows and ``rules.py``), and the stored summaries (``profiles.owner_ids``,
``profiles.conn_states``, kept by triggers) against the same values computed from scratch.

Shared by tests/test_scale.py (the 20,000-profile demo) and tests/test_summaries.py (after every
kind of write).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, text

from socialdesk.models.catalogue import (
    CONN_STATE_SHIFT,
    ConnectionState,
    ConnectionType,
    Ownership,
    ProfileFacts,
    Status,
    Visibility,
    supported_types,
)
from socialdesk.models.schema import Connection, Grant, Profile, ProfileOwner, ProfileShare
from socialdesk.services import rules
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace

ConnStates = tuple[tuple[ConnectionType, ConnectionState], ...]

#: The summaries computed from scratch, as the read model did before they were stored: the owners
#: in member id order, and two bits per connection type (1 + "any grant active") per connection
#: that has grants.
_LIVE_OWNERS = (
    "SELECT p.id, (SELECT group_concat(member_id) FROM (SELECT member_id FROM profile_owners o "
    "WHERE o.profile_id = p.id ORDER BY member_id)) FROM profiles p ORDER BY p.id"
)
_LIVE_GRANTS = (
    "SELECT c.profile_id, c.type, max(g.state = 'active') FROM connections c "
    "JOIN grants g ON g.connection_id = c.id GROUP BY c.id"
)


def by_rules(ws: Workspace, *, deleted: bool = False) -> dict[int, tuple[Ownership, Status, ConnStates]]:
    """Every live (or deleted) profile's ownership, status and connection states, the slow way: plain
    rows and ``rules.py``, one profile at a time."""
    me = ws.me_id
    out = {}
    with ws.engine.connect() as conn:
        owners: dict[int, list[int]] = defaultdict(list)
        for pid, mid in conn.execute(select(ProfileOwner.profile_id, ProfileOwner.member_id)):
            owners[pid].append(mid)
        shares: dict[int, list[int]] = defaultdict(list)
        for pid, mid in conn.execute(select(ProfileShare.profile_id, ProfileShare.member_id)):
            shares[pid].append(mid)
        grants: dict[tuple[int, str], list[str]] = defaultdict(list)
        for pid, ctype, state in conn.execute(
            select(Connection.profile_id, Connection.type, Grant.state).join(
                Grant, Grant.connection_id == Connection.id
            )
        ):
            grants[(pid, ctype)].append(state)
        where = Profile.deleted_at.is_not(None) if deleted else Profile.deleted_at.is_(None)
        profiles = select(
            Profile.id, Profile.platform, Profile.kind, Profile.visibility, Profile.like_count,
            Profile.shared_with_all,
        ).where(where)  # fmt: skip
        for pid, platform, kind, visibility, likes, everyone in conn.execute(profiles):
            facts = ProfileFacts(platform, kind, Visibility(visibility), likes)
            states = tuple(
                (t, rules.connection_state(grants.get((pid, t.value), ()))) for t in supported_types(facts)
            )
            out[pid] = (
                rules.ownership(me, owners[pid], shares[pid], bool(everyone)),
                rules.profile_status(visibility, dict(states)),
                states,
            )
    return out


def live_summaries(ws: Workspace) -> dict[int, tuple[str | None, int]]:
    """Every profile's owners text and connection states, computed from the tables now."""
    with ws.engine.connect() as conn:
        owners = dict(conn.execute(text(_LIVE_OWNERS)).all())
        states: dict[int, int] = dict.fromkeys(owners, 0)
        for pid, ctype, active in conn.execute(text(_LIVE_GRANTS)):
            states[pid] += (1 + active) << CONN_STATE_SHIFT[ConnectionType(ctype)]
    return {pid: (owners[pid], states[pid]) for pid in owners}


def stored_summaries(ws: Workspace) -> dict[int, tuple[str | None, int]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, owner_ids, conn_states FROM profiles ORDER BY id")).all()
    return {pid: (owners, states) for pid, owners, states in rows}


def assert_read_model_right(ws: Workspace) -> None:
    """The stored summaries equal the tables, and the read model (live list and trash) equals the rules."""
    assert stored_summaries(ws) == live_summaries(ws)
    for deleted in (False, True):
        expected = by_rules(ws, deleted=deleted)
        with ws.engine.connect() as conn:
            rows = ProfileRows.load(conn, ws.me_id, deleted=deleted)
        got = {
            rows.ids[r]: (rows.ownership[r], rows.status[r], rows.connections[r]) for r in range(len(rows))
        }
        assert got == expected
