"""The profile list: one service computes its rows, filters, semantic sort orders and counts.

It serves both ``socialdesk profiles`` and the main window's table, so both agree by construction.
Rows are loaded once with SQLAlchemy Core into compact column arrays (ORM entities are 4–12x
slower at 100,000 rows); sorting keeps a cached order per column, and a direction change only
reverses it; filtering builds a mask over the rows.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress
from operator import and_
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection as DbConnection

from socialdesk.models.catalogue import (
    FACEBOOK_INSIGHTS_MIN_LIKES,
    KIND_LABELS,
    PLATFORMS,
    ConnectionState,
    ConnectionType,
    Ownership,
    ProfileFacts,
    Status,
    Visibility,
    supported_types,
)
from socialdesk.services.clock import utcnow
from socialdesk.services.rules import profile_status

#: Sortable columns, in table order: (key used by ``--sort``, title shown in the table).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("platform", "Platform"),
    ("kind", "Kind"),
    ("ownership", "Ownership"),
    ("status", "Connection status"),
    ("connections", "Connections"),
    ("owners", "Owners"),
    ("groups", "Groups"),
    ("added", "Added"),
)
COLUMN_KEYS: tuple[str, ...] = tuple(k for k, _ in COLUMNS)
EXPIRY_HINT_DAYS = 7

ConnTuple = tuple[tuple[ConnectionType, ConnectionState], ...]


@dataclass(slots=True)
class ProfileFilter:
    """The filter panel's choices. Values of one filter are OR'ed, different filters AND'ed.

    An empty ``ownership`` means "all but Owned by others", as in the GUI.
    ``connection_types`` holds (type, state) pairs; a state of ``None`` means "established"
    (active or expired).
    """

    ownership: set[Ownership] = field(default_factory=set)
    status: set[Status] = field(default_factory=set)
    platform: set[str] = field(default_factory=set)
    connection_types: set[tuple[ConnectionType, ConnectionState | None]] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)  # group names (case-insensitive); nested groups included
    owners: set[str] = field(default_factory=set)  # member names (case-insensitive)
    search: str = ""

    def is_default(self) -> bool:
        return not (
            self.ownership
            or self.status
            or self.platform
            or self.connection_types
            or self.groups
            or self.owners
            or self.search.strip()
        )

    def copy(self) -> ProfileFilter:
        return ProfileFilter(
            set(self.ownership),
            set(self.status),
            set(self.platform),
            set(self.connection_types),
            set(self.groups),
            set(self.owners),
            self.search,
        )


class ProfileRows:
    """All rows of the profile list as column arrays (index = row in load order, by id)."""

    def __init__(self, me: int | None) -> None:
        self.me = me
        self.ids: list[int] = []
        self.platform: list[str] = []
        self.kind: list[str] = []
        self.handle: list[str] = []
        self.display_name: list[str] = []
        self.visibility: list[str] = []
        self.platform_id: list[str | None] = []
        self.added_at: list[datetime] = []
        self.notes: list[str] = []
        self.ownership: list[Ownership] = []
        self.status: list[Status] = []
        self.connections: list[ConnTuple] = []
        self.owners: list[tuple[str, ...]] = []
        self.groups: list[tuple[str, ...]] = []
        #: Earliest expiry among active grants without a refresh token (for the "expires in N days" hint).
        self.next_expiry: list[datetime | None] = []
        self.deleted_at: list[datetime | None] = []
        self.row_of: dict[int, int] = {}
        #: Group name (casefolded) -> profile ids reachable through it, nested groups included.
        self.group_members: dict[str, frozenset[int]] = {}
        #: Cached sort order per column, as compact int arrays (a list of 100,000 ints costs ~3.6 MB,
        #: an array 0.4 MB).
        self._orders: dict[str, array[int]] = {}
        self._mask_cache: dict[tuple[str, Any], list[bool]] = {}
        self._haystack: list[str] | None = None
        #: True when these are the deleted profiles (the trash).
        self.trash = False

    def __len__(self) -> int:
        return len(self.ids)

    # -- loading ----------------------------------------------------------------------------------

    @classmethod
    def load(cls, conn: DbConnection, me: int | None, *, deleted: bool = False) -> ProfileRows:
        rows = cls(me)
        rows.trash = deleted
        rows._load(conn, deleted=deleted)
        return rows

    def _load(self, conn: DbConnection, *, deleted: bool, only_ids: Sequence[int] | None = None) -> None:
        """Read the rows (all, or ``only_ids``) with a handful of set-based queries.

        Everything is fetched with ``fetchall`` and assembled column-wise: per-row Python work is
        what decides the open time at 100,000 profiles.
        """
        # "+" keeps SQLite off the deleted_at index for the live rows (99 % of the table): a plain scan in
        # rowid order is faster and needs no sort. The trash (few rows) uses the index.
        where = "p.deleted_at IS NOT NULL" if deleted else "+p.deleted_at IS NULL"
        params: dict[str, Any] = {}
        scope = p_scope = ""
        if only_ids is not None:
            params["ids"] = "[" + ",".join(str(int(i)) for i in only_ids) + "]"
            scope = " WHERE profile_id IN (SELECT value FROM json_each(:ids))"
            p_scope = " AND p.id IN (SELECT value FROM json_each(:ids))"

        # The DB-API cursor of this Core connection: SQLAlchemy's Row objects cost more than the
        # query itself at this size, and these textual queries need no result processing.
        raw = conn.connection.driver_connection
        assert raw is not None

        def fetch(query: str, extra: dict[str, Any] | None = None) -> Any:
            """The rows one by one: big results are never held as a list of tuples."""
            return raw.execute(query, {**params, **(extra or {})})

        base_sql = (
            "SELECT p.id, p.platform, p.kind, p.handle, p.display_name, p.visibility, p.platform_id, "
            "p.added_at, p.notes, p.like_count, p.shared_with_all, p.deleted_at "
            f"FROM profiles p WHERE {where}{p_scope} ORDER BY p.id"
        )
        member_names = dict(fetch("SELECT id, name FROM members"))
        # Owners and connections come as one short text per profile ("1,3"; "insights=0,publishing=1"):
        # few distinct texts exist, so each is understood once, and nothing big is held meanwhile.
        owner_ids: dict[int, str] = dict(
            fetch(
                "SELECT profile_id, group_concat(member_id) FROM "
                f"(SELECT profile_id, member_id FROM profile_owners{scope} ORDER BY profile_id, member_id) "
                "GROUP BY profile_id"
            )
        )
        shared_with_me: set[int] = set()
        if self.me is not None:
            shared_with_me = {
                r[0]
                for r in fetch("SELECT profile_id FROM profile_shares WHERE member_id = :me", {"me": self.me})
            }
        # Established connections per profile as ((type, active), ...); connections without grants
        # never appear (inner join): they are not established.
        conns: dict[int, str] = dict(
            fetch(
                "SELECT profile_id, group_concat(type || '=' || active) FROM ("
                "SELECT c.profile_id, c.type, max(g.state = 'active') AS active FROM connections c "
                "JOIN grants g ON g.connection_id = c.id"
                + (
                    " WHERE c.profile_id IN (SELECT value FROM json_each(:ids))"
                    if only_ids is not None
                    else ""
                )
                + " GROUP BY c.id ORDER BY c.profile_id, c.type) GROUP BY profile_id"
            )
        )
        # The soonest expiry, within the hint's horizon, of an active grant that cannot refresh itself.
        horizon = (utcnow() + timedelta(days=EXPIRY_HINT_DAYS)).isoformat(sep=" ")
        expiry = {
            pid: datetime.fromisoformat(soonest)
            for pid, soonest in fetch(
                "SELECT c.profile_id, min(g.expires_at) FROM grants g "
                "JOIN connections c ON c.id = g.connection_id "
                "WHERE g.state = 'active' AND g.has_refresh_token = 0 AND g.expires_at < :horizon"
                + (" AND c.profile_id IN (SELECT value FROM json_each(:ids))" if only_ids is not None else "")
                + " GROUP BY c.profile_id",
                {"horizon": horizon},
            )
        }
        groups: dict[int, list[str]] = defaultdict(list)
        group_rows = conn.execute(
            text(
                "SELECT gi.group_id, g.name, gi.profile_id, gi.child_group_id "
                "FROM group_items gi JOIN groups g ON g.id = gi.group_id ORDER BY g.name_key, gi.position"
            )
        ).all()
        for _gid, gname, pid, _child in group_rows:
            if pid is not None:
                groups[pid].append(gname)
        self.group_members = _expand_groups(conn, group_rows)

        # Read in chunks straight into columns: holding 100,000 row tuples and their transposition at
        # once doubled the peak memory of a load.
        cursor = raw.execute(base_sql, params)
        base: list[list[Any]] = [[] for _ in range(12)]
        while chunk := cursor.fetchmany(5000):
            for column, values in zip(base, zip(*chunk, strict=True), strict=True):
                column.extend(values)
        columns = self._columns(base, owner_ids, member_names, shared_with_me, conns, groups, expiry)
        if only_ids is None:
            for field_name, column in zip(self._FIELDS, columns, strict=True):
                setattr(self, field_name, column)
            self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        else:
            for values in zip(*columns, strict=True):
                self._replace(values)

    def _columns(
        self,
        base: list[list[Any]],
        owner_ids: dict[int, str],
        member_names: dict[int, str],
        shared_with_me: set[int],
        conns: dict[int, str],
        groups: dict[int, list[str]],
        expiry: dict[int, datetime],
    ) -> list[list[Any]]:
        """The table's columns, built column by column (C-level transposition and maps where possible)."""
        if not base[0]:
            return [[] for _ in self._FIELDS]
        (
            ids,
            platforms,
            kinds,
            handles,
            names,
            visibility,
            platform_ids,
            added,
            notes,
            likes,
            all_users,
            deleted,
        ) = base
        me = self.me
        none, owned, shared, others = Ownership.NONE, Ownership.OWNED, Ownership.SHARED, Ownership.OTHERS

        mine: dict[str, bool] = {}  # owners text -> is *me* among them

        def category(pid: int, everyone: int) -> Ownership:
            key = owner_ids.get(pid)
            if not key:
                return none
            is_mine = mine.get(key)
            if is_mine is None:
                is_mine = mine[key] = me is not None and str(me) in key.split(",")
            if is_mine:
                return owned
            return shared if everyone or pid in shared_with_me else others

        ownership = list(map(category, ids, all_users))
        # The support matrix depends only on platform, kind, visibility and the 30-likes line;
        # few distinct (types, connections) combinations exist, so each is computed once.
        supported_cache: dict[tuple[str, str, str, bool], tuple[ConnectionType, ...]] = {}
        state_cache: dict[Any, tuple[ConnTuple, Status]] = {}

        def state(pid: int, plat: str, kind: str, vis: str, like: int | None) -> tuple[ConnTuple, Status]:
            key = (plat, kind, vis, like is not None and like >= FACEBOOK_INSIGHTS_MIN_LIKES)
            types = supported_cache.get(key)
            if types is None:
                types = supported_cache[key] = supported_types(
                    ProfileFacts(plat, kind, Visibility(vis), like)
                )
            summary = conns.get(pid, "")
            cached = state_cache.get((types, summary, vis))
            if cached is None:
                cached = state_cache[(types, summary, vis)] = _states_and_status(types, summary, vis)
            return cached

        pairs = list(map(state, ids, platforms, kinds, visibility, likes))
        no_names: tuple[str, ...] = ()
        owner_tuples: dict[str, tuple[str, ...]] = {}

        def owner_names(pid: int) -> tuple[str, ...]:
            key = owner_ids.get(pid)
            if not key:
                return no_names
            found = owner_tuples.get(key)
            if found is None:
                found = owner_tuples[key] = tuple(
                    sorted((member_names[int(m)] for m in key.split(",")), key=str.casefold)
                )
            return found

        parse = datetime.fromisoformat
        return [
            ids,
            platforms,
            kinds,
            handles,
            names,
            visibility,
            platform_ids,
            [parse(a) if isinstance(a, str) else a for a in added],
            [n or "" for n in notes],
            ownership,
            [p[1] for p in pairs],
            [p[0] for p in pairs],
            list(map(owner_names, ids)),
            [tuple(groups[pid]) if pid in groups else no_names for pid in ids],
            list(map(expiry.get, ids)),
            [parse(d) if isinstance(d, str) else d for d in deleted],
        ]

    _FIELDS = (
        "ids",
        "platform",
        "kind",
        "handle",
        "display_name",
        "visibility",
        "platform_id",
        "added_at",
        "notes",
        "ownership",
        "status",
        "connections",
        "owners",
        "groups",
        "next_expiry",
        "deleted_at",
    )

    def _append(self, values: tuple[Any, ...]) -> None:
        self.row_of[values[0]] = len(self.ids)
        for name, value in zip(self._FIELDS, values, strict=True):
            getattr(self, name).append(value)

    def _replace(self, values: tuple[Any, ...]) -> None:
        row = self.row_of.get(values[0])
        if row is None:
            self._append(values)
            return
        for name, value in zip(self._FIELDS, values, strict=True):
            getattr(self, name)[row] = value

    def refresh(self, conn: DbConnection, ids: Iterable[int]) -> list[int]:
        """Reload the given profiles in place; returns the rows that changed or were added.

        A profile that no longer belongs here (deleted, restored) keeps its row until the next full
        load but is reported; callers reload fully when membership changes.
        """
        wanted = sorted(set(ids))
        before = len(self.ids)
        self._load(conn, deleted=self.trash, only_ids=wanted)
        self._orders.clear()
        self._mask_cache.clear()
        self._haystack = None
        rows = [self.row_of[i] for i in wanted if i in self.row_of]
        return sorted(set(rows) | set(range(before, len(self.ids))))

    # -- presentation helpers ---------------------------------------------------------------------

    def connections_text(self, row: int) -> str:
        return "  ".join(f"{t.short} {_STATE_MARK[s]}" for t, s in self.connections[row])

    def expires_in_days(self, row: int, now: datetime | None = None) -> int | None:
        when = self.next_expiry[row]
        if when is None:
            return None
        delta = when - (now or utcnow())
        if delta < timedelta(0) or delta > timedelta(days=EXPIRY_HINT_DAYS):
            return None
        return delta.days

    # -- filtering ---------------------------------------------------------------------------------

    def _search_haystack(self) -> list[str]:
        if self._haystack is None:
            self._haystack = [
                f"{n}\x00{h}\x00{t}".casefold()
                for n, h, t in zip(self.display_name, self.handle, self.notes, strict=True)
            ]
        return self._haystack

    def _facet_masks(self, flt: ProfileFilter) -> dict[str, list[bool]]:
        """One boolean list per active filter, each cached by its value until the rows change.

        Per-row Python work dominates at 100,000 rows, so a mask is built once per filter value:
        a sort, a second filter or the counts reuse it.
        """
        owned = frozenset(flt.ownership or {Ownership.OWNED, Ownership.SHARED, Ownership.NONE})
        wanted: dict[str, Any] = {"ownership": owned}
        if flt.status:
            wanted["status"] = frozenset(flt.status)
        if flt.platform:
            wanted["platform"] = frozenset(flt.platform)
        if flt.connection_types:
            wanted["connection_types"] = frozenset(flt.connection_types)
        if flt.groups:
            wanted["groups"] = frozenset(g.casefold() for g in flt.groups)
        if flt.owners:
            wanted["owners"] = frozenset(o.casefold() for o in flt.owners)
        needle = flt.search.strip().casefold()
        if needle:
            wanted["search"] = needle
        masks: dict[str, list[bool]] = {}
        for name, value in wanted.items():
            key = (name, value)
            mask = self._mask_cache.get(key)
            if mask is None:
                if len(self._mask_cache) > 64:
                    self._mask_cache.clear()
                mask = self._mask_cache[key] = self._build_mask(name, value)
            masks[name] = mask
        return masks

    def _build_mask(self, name: str, value: Any) -> list[bool]:
        if name == "ownership":
            return [o in value for o in self.ownership]
        if name == "status":
            return [s in value for s in self.status]
        if name == "platform":
            return [p in value for p in self.platform]
        if name == "connection_types":
            # Few distinct connection tuples exist: decide each once.
            verdict: dict[ConnTuple, bool] = {}
            for states in set(self.connections):
                verdict[states] = any(
                    s is not ConnectionState.NOT_ESTABLISHED and ((t, s) in value or (t, None) in value)
                    for t, s in states
                )
            return [verdict[c] for c in self.connections]
        if name == "groups":
            reach: set[int] = set()
            for g in value:
                reach |= self.group_members.get(g, frozenset())
            return [i in reach for i in self.ids]
        if name == "owners":
            hit = {names: any(n.casefold() in value for n in names) for names in set(self.owners)}
            return [hit[names] for names in self.owners]
        if name == "search":
            return [value in h for h in self._search_haystack()]
        raise ValueError(name)

    @staticmethod
    def _and(masks: Iterable[list[bool]], size: int) -> list[bool]:
        result: list[bool] | None = None
        for m in masks:
            result = m if result is None else list(map(and_, result, m))
        return result if result is not None else [True] * size

    def mask(self, flt: ProfileFilter) -> list[bool]:
        return self._and(self._facet_masks(flt).values(), len(self.ids))

    def facet_counts(self, flt: ProfileFilter) -> dict[str, dict[Any, int]]:
        """For each filter, how many profiles each of its choices would show given the other filters.

        Each facet counts with every other filter applied but not its own; so the ownership facet
        also counts "Owned by others", which the default filter hides.
        """
        masks = self._facet_masks(flt)
        size = len(self.ids)
        every = self._and(masks.values(), size)

        def keep(name: str) -> list[bool]:
            if name not in masks:
                return every  # the facet does not filter: the others are all of them
            return self._and((m for k, m in masks.items() if k != name), size)

        counts: dict[str, dict[Any, int]] = {
            "ownership": dict(Counter(compress(self.ownership, keep("ownership")))),
            "status": dict(Counter(compress(self.status, keep("status")))),
            "platform": dict(Counter(compress(self.platform, keep("platform")))),
        }
        by_type: Counter[Any] = Counter()
        for states, n in Counter(compress(self.connections, keep("connection_types"))).items():
            for t, s in states:
                if s is not ConnectionState.NOT_ESTABLISHED:
                    by_type[(t, s)] += n
                    by_type[(t, None)] += n
        counts["connection_types"] = dict(by_type)
        kept_ids = set(compress(self.ids, keep("groups")))
        counts["groups"] = {g: len(members & kept_ids) for g, members in self.group_members.items()}
        by_owner: Counter[str] = Counter()
        for names, n in Counter(compress(self.owners, keep("owners"))).items():
            for owner in names:
                by_owner[owner.casefold()] += n
        counts["owners"] = dict(by_owner)
        return counts

    # -- sorting -----------------------------------------------------------------------------------

    def sort_key(self, column: str) -> Callable[[int], Any]:
        if column == "name":
            keys: list[Any] = [n.casefold() for n in self.display_name]
        elif column == "platform":
            keys = [PLATFORMS[p].label.casefold() for p in self.platform]
        elif column == "kind":
            keys = [KIND_LABELS.get(k, k).casefold() for k in self.kind]
        elif column == "ownership":
            keys = [o.rank for o in self.ownership]
        elif column == "status":
            keys = [s.rank for s in self.status]
        elif column == "connections":
            # Ascending: fewest active connections first, then fewest expired.
            rank = {
                c: (
                    sum(s is ConnectionState.ACTIVE for _, s in c),
                    sum(s is ConnectionState.EXPIRED for _, s in c),
                )
                for c in set(self.connections)
            }
            keys = [rank[c] for c in self.connections]
        elif column == "owners":
            keys = ["; ".join(o).casefold() for o in self.owners]
        elif column == "groups":
            keys = ["; ".join(g).casefold() for g in self.groups]
        elif column == "added":
            keys = self.added_at
        else:
            raise ValueError(f"unknown column {column!r}; choose from {', '.join(COLUMN_KEYS)}")
        return keys.__getitem__

    def order(self, column: str, descending: bool = False) -> Sequence[int]:
        """Row indexes sorted by ``column`` (ties by id); descending reverses the whole order."""
        cached = self._orders.get(column)
        if cached is None:
            # Rows are in id order and sort() is stable, so ties stay ordered by id.
            cached = array("l", sorted(range(len(self.ids)), key=self.sort_key(column)))
            self._orders[column] = cached
        return cached[::-1] if descending else cached

    def select(self, flt: ProfileFilter, column: str | None = None, descending: bool = False) -> list[int]:
        """Rows that pass the filter, in the requested order."""
        mask = self.mask(flt)
        source = self.order(column, descending) if column else range(len(self.ids))
        return list(compress(source, map(mask.__getitem__, source)))


_STATE_MARK = {
    ConnectionState.ACTIVE: "✓",
    ConnectionState.EXPIRED: "✗",
    ConnectionState.NOT_ESTABLISHED: "–",
}


def _states_and_status(
    types: tuple[ConnectionType, ...], summary: str, visibility: str
) -> tuple[ConnTuple, Status]:
    """Connection states for the supported ``types`` from "type=1,type=0" (1: active), and the status."""
    established: dict[ConnectionType, ConnectionState] = {}
    for part in summary.split(",") if summary else ():
        name, _, active = part.partition("=")
        established[ConnectionType(name)] = (
            ConnectionState.ACTIVE if active == "1" else ConnectionState.EXPIRED
        )
    states = tuple((t, established.get(t, ConnectionState.NOT_ESTABLISHED)) for t in types)
    return states, profile_status(visibility, dict(states))


def _count(values: Iterable[Any]) -> dict[Any, int]:
    out: dict[Any, int] = defaultdict(int)
    for v in values:
        out[v] += 1
    return dict(out)


def _expand_groups(conn: DbConnection, rows: Sequence[Any]) -> dict[str, frozenset[int]]:
    """Group name (casefolded) -> profiles reachable through it, nested groups included (cycles cut)."""
    names: dict[int, str] = {
        gid: name for gid, name in conn.execute(text("SELECT id, name FROM groups")).all()
    }
    direct: dict[int, set[int]] = defaultdict(set)
    children: dict[int, list[int]] = defaultdict(list)
    for gid, _name, pid, child in rows:
        if pid is not None:
            direct[gid].add(pid)
        if child is not None:
            children[gid].append(child)

    def reach(gid: int, seen: frozenset[int]) -> set[int]:
        out = set(direct.get(gid, ()))
        for child in children.get(gid, ()):
            if child not in seen:
                out |= reach(child, seen | {child})
        return out

    return {name.casefold(): frozenset(reach(gid, frozenset({gid}))) for gid, name in names.items()}
