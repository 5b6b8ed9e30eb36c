"""The per-profile summaries the profile list reads with each row (``profiles.owner_ids``,
``profiles.conn_states``; migration 0007, docs/scale.md), for writers of many rows at once.

SQLite triggers keep the summaries right after every write. A bulk load into an empty workspace
(the demo) pays a trigger run per owner, connection and grant row (+50 % of the demo at 100,000
profiles, measured); ``triggers_suspended`` drops the triggers for the load, computes every
profile's summaries in two set-based statements at the end, and puts the same triggers back (their
SQL as the database holds it, so there is one definition: the migration's). DDL is part of the
transaction (docs/storage.md): a load that fails or is killed rolls the drop back with the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from socialdesk.models.catalogue import CONN_STATE_SHIFT

_TYPE_BIT = (
    "CASE c.type " + " ".join(f"WHEN '{t.value}' THEN {1 << s}" for t, s in CONN_STATE_SHIFT.items()) + " END"
)

#: Every profile's summaries from the tables, as migration 0007's backfill computes them.
BACKFILL = (
    "UPDATE profiles SET owner_ids = o.ids FROM (SELECT profile_id, group_concat(member_id) AS ids "
    "FROM (SELECT profile_id, member_id FROM profile_owners ORDER BY profile_id, member_id) "
    "GROUP BY profile_id) AS o WHERE o.profile_id = profiles.id",
    f"UPDATE profiles SET conn_states = s.bits FROM (SELECT c.profile_id, sum({_TYPE_BIT} * "
    "(SELECT 1 + max(g.state = 'active') FROM grants g WHERE g.connection_id = c.id)) AS bits "
    "FROM connections c GROUP BY c.profile_id) AS s WHERE s.profile_id = profiles.id AND s.bits IS NOT NULL",
)

_TRIGGERS_SQL = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tr\\_%\\_summary' ESCAPE '\\' "
    "ORDER BY name"
)


def summary_triggers(raw: Any) -> list[tuple[str, str]]:
    """The summary triggers of the database (name, SQL)."""
    return [(str(name), str(sql)) for name, sql in raw.execute(_TRIGGERS_SQL)]


@contextmanager
def triggers_suspended(raw: Any) -> Iterator[None]:
    """Inside a write transaction on the DB-API connection ``raw``: no summary trigger runs in the
    block; at its end every profile's summaries are computed and the triggers are back. On an
    error nothing is put back here: the transaction's rollback restores the triggers with the rest."""
    saved = summary_triggers(raw)
    for name, _sql in saved:
        raw.execute(f'DROP TRIGGER "{name}"')
    yield
    for statement in BACKFILL:
        raw.execute(statement)
    for _name, sql in saved:
        raw.execute(sql)
