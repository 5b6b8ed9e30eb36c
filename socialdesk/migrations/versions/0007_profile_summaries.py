"""profiles.owner_ids and profiles.conn_states: each profile's owners and connection states, stored

Revision ID: 0007
Revises: 0006

The profile list needs, for every profile, its owners and the state of each of its connections.
Computed at each open they cost two aggregate queries over profile_owners, connections and grants
(0.2 s at 100,000 profiles, 2.4 s at 1,000,000: docs/scale.md). They are now kept in the profiles
row itself and read with it:

* ``owner_ids``: the owners' member ids as one text in id order ("1,3"), NULL without owners;
* ``conn_states``: two bits per connection type (0 not established, 1 expired, 2 active) at the
  type's fixed shift below; a connection without grants is not established, one with grants but
  none active is expired (``rules.connection_state``).

SQLite triggers keep both right after every write to profile_owners, connections and grants, by
whatever path (the ORM, the demo's ``executemany``, the importer, another program's SQL): each
trigger recomputes the summary of the one profile touched, from index lookups. The covering index
``grants(connection_id, state)`` serves that recomputation; ``grants(token_ref)`` (partial: only the
grants whose token is on this computer) serves the connection check's per-chunk read;
``grants(expires_at)`` of the active grants without a refresh token (partial) gives the list's
"expires in N days" hints without a scan of every grant (17 ms at 100,000 profiles, now 0.02 ms).

The bit layout is frozen here: a connection type added later gets a new shift, and a migration
that recreates the triggers and backfills. A later batch migration that copies one of the four
tables (``batch_alter_table`` with a copy) drops the triggers of the copied table: it must call
``drop_triggers`` first and ``create_triggers`` after (tests/test_summaries.py checks the head
schema has every trigger).

The backfill is part of this migration's single transaction (docs/storage.md): a crash leaves the
old schema, the next open upgrades again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The bit shift of each connection type in ``conn_states``: frozen (``catalogue.CONN_STATE_SHIFT``
#: must agree).
TYPE_SHIFT = {
    "publishing": 0,
    "insights": 2,
    "ads_posts": 4,
    "messaging": 6,
    "product_tags": 8,
    "shared_insights": 10,
}
_TYPE_BIT = "CASE c.type " + " ".join(f"WHEN '{t}' THEN {1 << s}" for t, s in TYPE_SHIFT.items()) + " END"


def owners_of(pid: str) -> str:
    """The owners text of profile ``pid`` (an SQL expression)."""
    return (
        "(SELECT group_concat(member_id) FROM "
        f"(SELECT member_id FROM profile_owners WHERE profile_id = {pid} ORDER BY member_id))"
    )


def states_of(pid: str) -> str:
    """The connection states of profile ``pid`` as one integer (an SQL expression)."""
    return (
        f"coalesce((SELECT sum({_TYPE_BIT} * "
        "(SELECT 1 + max(g.state = 'active') FROM grants g WHERE g.connection_id = c.id)) "
        f"FROM connections c WHERE c.profile_id = {pid}), 0)"
    )


def _set_owners(pid: str) -> str:
    return f"UPDATE profiles SET owner_ids = {owners_of(pid)} WHERE id = {pid};"


def _set_states(pid: str) -> str:
    return f"UPDATE profiles SET conn_states = {states_of(pid)} WHERE id = {pid};"


def _of_connection(column: str) -> str:
    return f"(SELECT profile_id FROM connections WHERE id = {column})"


#: name -> (event, body). Each recomputes the summaries of the profiles the row belongs to (SQLite
#: triggers are FOR EACH ROW, said or not).
TRIGGERS: dict[str, tuple[str, str]] = {
    "tr_profile_owners_insert_summary": ("AFTER INSERT ON profile_owners", _set_owners("NEW.profile_id")),
    "tr_profile_owners_delete_summary": ("AFTER DELETE ON profile_owners", _set_owners("OLD.profile_id")),
    "tr_profile_owners_update_summary": (
        "AFTER UPDATE OF profile_id, member_id ON profile_owners",
        _set_owners("OLD.profile_id") + " " + _set_owners("NEW.profile_id"),
    ),
    "tr_connections_insert_summary": ("AFTER INSERT ON connections", _set_states("NEW.profile_id")),
    "tr_connections_delete_summary": ("AFTER DELETE ON connections", _set_states("OLD.profile_id")),
    "tr_connections_update_summary": (
        "AFTER UPDATE OF profile_id, type ON connections",
        _set_states("OLD.profile_id") + " " + _set_states("NEW.profile_id"),
    ),
    "tr_grants_insert_summary": (
        "AFTER INSERT ON grants",
        _set_states(_of_connection("NEW.connection_id")),
    ),
    # A grant deleted with its connection finds no connection (nothing to do): the connection's own
    # trigger recomputes its profile.
    "tr_grants_delete_summary": (
        "AFTER DELETE ON grants",
        _set_states(_of_connection("OLD.connection_id")),
    ),
    # Only a change of state or connection: the check's writes (last checked, back-off) cost nothing.
    "tr_grants_update_summary": (
        "AFTER UPDATE OF state, connection_id ON grants FOR EACH ROW "
        "WHEN OLD.state IS NOT NEW.state OR OLD.connection_id IS NOT NEW.connection_id",
        _set_states(_of_connection("OLD.connection_id"))
        + " "
        + _set_states(_of_connection("NEW.connection_id")),
    ),
}


def create_triggers() -> None:
    for name, (event, body) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {event} BEGIN {body} END")


def drop_triggers() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def backfill() -> None:
    """Every profile's summaries in two set-based updates (one pass over each table)."""
    op.execute(
        "UPDATE profiles SET owner_ids = o.ids FROM "
        "(SELECT profile_id, group_concat(member_id) AS ids FROM "
        "(SELECT profile_id, member_id FROM profile_owners ORDER BY profile_id, member_id) "
        "GROUP BY profile_id) AS o "
        "WHERE o.profile_id = profiles.id"
    )
    op.execute(
        f"UPDATE profiles SET conn_states = s.bits FROM (SELECT c.profile_id, sum({_TYPE_BIT} * "
        "(SELECT 1 + max(g.state = 'active') FROM grants g WHERE g.connection_id = c.id)) AS bits "
        "FROM connections c GROUP BY c.profile_id) AS s "
        "WHERE s.profile_id = profiles.id AND s.bits IS NOT NULL"
    )


def upgrade() -> None:
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_ids", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("conn_states", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index("ix_grants_connection_state", ["connection_id", "state"], unique=False)
        batch_op.create_index(
            "ix_grants_token_ref", ["token_ref"], unique=False, sqlite_where=sa.text("token_ref IS NOT NULL")
        )
        batch_op.create_index(
            "ix_grants_expiring",
            ["expires_at"],
            unique=False,
            sqlite_where=sa.text("state = 'active' AND has_refresh_token = 0"),
        )
    backfill()
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index("ix_grants_expiring")
        batch_op.drop_index("ix_grants_token_ref")
        batch_op.drop_index("ix_grants_connection_state")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_column("conn_states")
        batch_op.drop_column("owner_ids")
