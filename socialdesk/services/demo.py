"""A realistic, deterministic demo workspace.

Deterministic for a seed, with dates relative to today. Every platform and kind, every ownership
category and status (each platform with connection types has an Owned profile Connected, Expired
and Not connected), grants that expire within 7 days, members in every role (and one removed, whose
grants are revoked), nested groups, flows and platform settings. Written with SQLAlchemy Core bulk
inserts and explicit ids, so 100,000 profiles take seconds.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import insert

from socialdesk.models.catalogue import (
    KIND_LABELS,
    PLATFORMS,
    STATUS_NEUTRAL_TYPES,
    ConnectionType,
    GrantState,
    Ownership,
    ProfileFacts,
    Role,
    Status,
    Visibility,
    supported_types,
)
from socialdesk.models.schema import (
    AuditEntry,
    Flow,
    Group,
    GroupItem,
    Member,
    Meta,
    Notification,
    PlatformSettings,
)
from socialdesk.models.settings_catalogue import spec_for
from socialdesk.services.clock import iso, utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.summaries import triggers_suspended
from socialdesk.services.workspace import Workspace

DEFAULT_PROFILES = 60
DEFAULT_SEED = 1

MEMBERS: tuple[tuple[str, Role], ...] = (
    ("Alex Morgan", Role.ADMINISTRATOR),  # me
    ("Priya Shah", Role.MANAGER),
    ("Jonas Weber", Role.MANAGER),
    ("María García", Role.RESPONDER),
    ("Tom Becker", Role.RESPONDER),
    ("Chen Wei", Role.RESPONDER),
    ("Lena Novak", Role.ANALYST),
    ("Sam Okafor", Role.ADMINISTRATOR),
)
REMOVED_MEMBER = ("Jordan Lee", Role.RESPONDER)

BRANDS = (
    ("Northwind", "northwind"),
    ("Contoso", "contoso"),
    ("Fabrikam", "fabrikam"),
    ("Tailspin Toys", "tailspintoys"),
    ("Wingtip", "wingtip"),
    ("Litware", "litware"),
    ("Proseware", "proseware"),
    ("Fourth Coffee", "fourthcoffee"),
    ("Woodgrove Bank", "woodgrove"),
    ("Adventure Works", "adventureworks"),
    ("Alpine Ski House", "alpineskihouse"),
    ("Blue Yonder Airlines", "blueyonder"),
)
MARKETS = (
    ("", ""),
    (" UK", "_uk"),
    (" Deutschland", "_de"),
    (" France", "_fr"),
    (" España", "_es"),
    (" USA", "_us"),
    (" Support", "support"),
    (" Careers", "careers"),
    (" News", "news"),
    (" Events", "events"),
    (" Japan", "_jp"),
    (" Brasil", "_br"),
)
FLOWS = (
    ("Welcome", "Greets new conversations and offers the main menu"),
    ("Order status", "Asks for the order number and looks it up"),
    ("Talk to an agent", "Hands the conversation to the care team"),
    ("Opening hours", "Replies with today's opening hours"),
    ("Returns and refunds", "Explains the returns policy and starts a return"),
    ("Newsletter sign-up", "Collects an e-mail address for the newsletter"),
)
NOTES = (
    "",
    "",
    "Main brand account; posts daily.",
    "Run by the regional team.",
    "Campaign account, archive after the season.",
    "Customer care handles replies here.",
    "",
)
COLORS = ("#E53935", "#8E24AA", "#3949AB", "#039BE5", "#00897B", "#7CB342", "#FDD835", "#FB8C00", "#6D4C41")


@dataclass
class _Plan:
    """One profile to create."""

    platform: str
    kind: str
    visibility: Visibility
    category: Ownership
    status: Status | None  # None for public profiles (always Not connected)
    deleted: bool = False
    like_count: int | None = None
    expiring_soon: bool = False


@dataclass
class _Rows:
    profiles: list[dict[str, Any]] = field(default_factory=list)
    owners: list[dict[str, Any]] = field(default_factory=list)
    shares: list[dict[str, Any]] = field(default_factory=list)
    connections: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)


def _guaranteed_plans() -> list[_Plan]:
    """The profiles every demo has, whatever its size."""
    plans: list[_Plan] = []
    for key, info in PLATFORMS.items():
        if info.connections:
            for status in Status:
                kind = (
                    "page"
                    if key == "facebook"
                    else ("organization_page" if key == "linkedin" else info.kinds[0])
                )
                plans.append(
                    _Plan(
                        key,
                        kind,
                        Visibility.OWNED,
                        Ownership.OWNED,
                        status,
                        expiring_soon=status is Status.CONNECTED,
                    )
                )
        else:
            plans.append(_Plan(key, info.kinds[0], Visibility.OWNED, Ownership.OWNED, Status.NOT_CONNECTED))
    # The other kinds, categories and the public side.
    plans += [
        _Plan("facebook", "user", Visibility.OWNED, Ownership.OWNED, Status.CONNECTED),
        _Plan("linkedin", "account", Visibility.OWNED, Ownership.SHARED, Status.CONNECTED),
        _Plan("instagram", "account", Visibility.OWNED, Ownership.SHARED, Status.CONNECTED),
        _Plan("x", "account", Visibility.OWNED, Ownership.SHARED, Status.EXPIRED),
        _Plan("facebook", "page", Visibility.OWNED, Ownership.NONE, Status.EXPIRED),
        _Plan("youtube", "channel", Visibility.OWNED, Ownership.NONE, Status.NOT_CONNECTED),
        _Plan("tiktok", "account", Visibility.OWNED, Ownership.OTHERS, Status.CONNECTED),
        _Plan("pinterest", "account", Visibility.OWNED, Ownership.OTHERS, Status.EXPIRED),
        _Plan("instagram", "account", Visibility.PUBLIC, Ownership.OWNED, None),
        _Plan("x", "account", Visibility.PUBLIC, Ownership.OWNED, None),
        _Plan("facebook", "page", Visibility.PUBLIC, Ownership.NONE, None),
        _Plan("snapchat", "account", Visibility.OWNED, Ownership.OWNED, Status.CONNECTED, deleted=True),
    ]
    return plans


MIN_PROFILES = len(_guaranteed_plans())


def _random_plan(rng: random.Random) -> _Plan:
    key = rng.choice(tuple(PLATFORMS))
    info = PLATFORMS[key]
    kind = rng.choice(info.kinds)
    visibility = Visibility.PUBLIC if rng.random() < 0.15 else Visibility.OWNED
    category = rng.choices(tuple(Ownership), weights=(55, 20, 10, 15))[0]
    status = None if visibility is Visibility.PUBLIC else rng.choices(tuple(Status), weights=(20, 60, 20))[0]
    return _Plan(key, kind, visibility, category, status, deleted=rng.random() < 0.01)


def _skip_choices(rng: random.Random, sizes: tuple[int, ...]) -> None:
    """Draw what ``rng.choice`` of sequences of these sizes would draw, and drop it.

    The same numbers as ``choice`` (CPython's ``_randbelow_with_getrandbits``: ``n.bit_length()``
    bits, again while too big), a test holds the demo identical to drawing with ``choice``.
    """
    getrandbits = rng.getrandbits
    for n in sizes:
        k = n.bit_length()
        while getrandbits(k) >= n:
            pass


class _Builder:
    def __init__(self, rng: random.Random, now: datetime, member_ids: dict[str, int], me: int) -> None:
        self.rng = rng
        self.now = now
        self.me = me
        self.members = member_ids
        self.others = [mid for name, mid in member_ids.items() if mid != me]
        self.shareable = [
            member_ids[name] for name, role in MEMBERS if role is not Role.ANALYST and member_ids[name] != me
        ]
        self.removed = member_ids[REMOVED_MEMBER[0]]
        self.rows = _Rows()
        self.used_handles: set[tuple[str, str]] = set()
        #: Brand-and-market handles (no number) taken per platform.
        self.base_handles: Counter[str] = Counter()
        self.next_connection = 1
        self.next_grant = 1
        self.current_owners: list[int] = []

    def _identity(self, platform: str, index: int) -> tuple[str, str]:
        rng = self.rng
        first = 0
        if self.base_handles[platform] >= len(BRANDS) * len(MARKETS):
            # Every brand-and-market handle of this platform is taken, so the first 20 tries must
            # fail: draw their numbers (the demo stays the same for a seed) without the work.
            _skip_choices(rng, (len(BRANDS), len(MARKETS)) * 20)
            first = 20
        for attempt in range(first, 40):
            brand, brand_handle = rng.choice(BRANDS)
            market, market_handle = rng.choice(MARKETS)
            handle = f"{brand_handle}{market_handle}"
            if attempt >= 20:
                handle = f"{handle}{index}"
            if (platform, handle) not in self.used_handles:
                self.used_handles.add((platform, handle))
                if attempt < 20:
                    self.base_handles[platform] += 1
                return handle, f"{brand}{market}"
        handle = f"{brand_handle}{market_handle}{index}_{rng.randrange(10**6)}"
        self.used_handles.add((platform, handle))
        return handle, f"{brand}{market}"

    def add(self, pid: int, plan: _Plan) -> None:
        rng, now = self.rng, self.now
        handle, name = self._identity(plan.platform, pid)
        info = PLATFORMS[plan.platform]
        likes = None
        if plan.platform == "facebook" and plan.kind == "page":
            likes = (
                rng.randint(30, 250_000)
                if plan.status is not Status.NOT_CONNECTED or rng.random() < 0.7
                else 12
            )
        added = now - timedelta(
            days=rng.randint(1, 900), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
        )
        owned = plan.visibility is Visibility.OWNED
        self.rows.profiles.append(
            {
                "id": pid,
                "platform": plan.platform,
                "kind": plan.kind,
                "handle": handle,
                "handle_key": handle.casefold(),
                "display_name": name,
                "platform_id": str(rng.randrange(10**14, 10**15)) if owned else None,
                "visibility": plan.visibility.value,
                "avatar_url": None,
                "url": info.profile_url(handle) or None,
                "like_count": likes,
                "added_at": added,
                "added_by": self.me,
                "shared_with_all": False,
                "acquire_data": False,
                "acquire_messages": False,
                "notes": rng.choice(NOTES),
                "deleted_at": now - timedelta(days=rng.randint(1, 30)) if plan.deleted else None,
                "deleted_by": self.me if plan.deleted else None,
            }
        )
        self._ownership(pid, plan, added)
        if owned and plan.status is not None:
            facts = ProfileFacts(plan.platform, plan.kind, plan.visibility, likes)
            self._connections(pid, plan, facts, added)
        if pid <= 200:
            self.rows.audit.append(
                {
                    "at": added,
                    "actor_id": self.me,
                    "action": "profile_added",
                    "profile_id": pid,
                    "member_id": None,
                    "details": f"{info.label} @{handle}",
                }
            )

    def _ownership(self, pid: int, plan: _Plan, since: datetime) -> None:
        rng = self.rng
        owners: list[int] = []
        if plan.category is Ownership.OWNED:
            owners = [self.me, *rng.sample(self.shareable, rng.choice((0, 0, 1, 2)))]
        elif plan.category in (Ownership.SHARED, Ownership.OTHERS):
            owners = rng.sample(self.shareable, rng.choice((1, 1, 2)))
        self.current_owners = owners
        for mid in owners:
            self.rows.owners.append({"profile_id": pid, "member_id": mid, "since": since})
        if plan.category is Ownership.SHARED:
            if rng.random() < 0.3:
                self.rows.profiles[-1]["shared_with_all"] = True
            else:
                self.rows.shares.append(
                    {"profile_id": pid, "member_id": self.me, "shared_by": owners[0], "since": since}
                )
        elif plan.category is Ownership.OWNED and rng.random() < 0.25 and plan.status is Status.CONNECTED:
            target = rng.choice([m for m in self.shareable if m not in owners] or [self.shareable[0]])
            if target not in owners:
                self.rows.shares.append(
                    {"profile_id": pid, "member_id": target, "shared_by": self.me, "since": since}
                )

    def _connections(self, pid: int, plan: _Plan, facts: ProfileFacts, since: datetime) -> None:
        rng = self.rng
        types = [t for t in supported_types(facts) if t not in STATUS_NEUTRAL_TYPES]
        if not types or plan.status is Status.NOT_CONNECTED:
            # Not connected: sometimes a connection row exists with no grants (never established).
            return
        if plan.status is Status.EXPIRED:
            expired = set(rng.sample(types, rng.randint(1, len(types))))
        else:
            expired = set()
        # Connected profiles use at least one type; others can stay not established.
        chosen = [t for t in types if t in expired or rng.random() < 0.75] or [types[0]]
        for ctype in chosen:
            cid = self.next_connection
            self.next_connection += 1
            self.rows.connections.append(
                {"id": cid, "profile_id": pid, "type": ctype.value, "created_at": since}
            )
            self._grants(pid, cid, ctype, ctype in expired, plan.expiring_soon and ctype is chosen[0], since)

    def _grants(
        self, pid: int, cid: int, ctype: ConnectionType, expired: bool, expiring_soon: bool, since: datetime
    ) -> None:
        rng, now = self.rng, self.now
        count = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        first = self.current_owners[0] if self.current_owners else self.me
        members = [first, *rng.sample([m for m in self.shareable if m != first], count - 1)]
        for n, mid in enumerate(members):
            if expired:
                state = GrantState.REVOKED if n > 0 and rng.random() < 0.2 else GrantState.EXPIRED
            else:
                # The first grant keeps the connection alive; a later one may have expired beside it.
                state = GrantState.ACTIVE if n == 0 or rng.random() < 0.7 else GrantState.EXPIRED
            has_refresh = rng.random() < 0.5 and not expiring_soon
            if state is GrantState.ACTIVE:
                expires = now + (
                    timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 20))
                    if expiring_soon and n == 0
                    else timedelta(days=rng.randint(8, 58))
                )
            else:
                expires = now - timedelta(days=rng.randint(1, 60))
            gid = self.next_grant
            self.next_grant += 1
            changed = expires if state is not GrantState.ACTIVE else since
            self.rows.grants.append(
                {
                    "id": gid,
                    "connection_id": cid,
                    "member_id": mid,
                    "state": state.value,
                    "scopes": ctype.value,
                    "granted_at": since,
                    "expires_at": expires,
                    "has_refresh_token": has_refresh,
                    "token_ref": None,  # demo grants are metadata only: no token on this computer
                    "account_id": None,
                    "last_checked_at": now - timedelta(hours=rng.randint(1, 48)),
                    "last_error": {
                        GrantState.EXPIRED: "the platform rejected the token (demo)",
                        GrantState.REVOKED: "revoked (demo)",
                    }.get(state),
                    "state_changed_at": changed,
                }
            )
        if expired and pid <= 5000:
            profile = self.rows.profiles[-1]
            info = PLATFORMS[profile["platform"]]
            kind = KIND_LABELS.get(profile["kind"], profile["kind"]).lower()
            name = profile["display_name"]
            self.rows.notifications.append(
                {
                    "kind": "connection_expired",
                    "profile_id": pid,
                    "connection_type": ctype.value,
                    "created_at": now - timedelta(hours=rng.randint(1, 72)),
                    "read": rng.random() < 0.4,
                    # The same words and dedupe key as services.notifications, so a later check
                    # never notifies this expiry again.
                    "text": f"The {ctype.label} connection of {info.label} {kind} “{name}” "
                    f"(@{profile['handle']}) has expired. Connect it again to keep it working.",
                    "dedupe_key": f"connection_expired:{cid}:{iso(since)}",
                }
            )


#: Profiles generated and written per chunk: what the builder holds at once, whatever the size.
CHUNK_PROFILES = 20_000
#: Columns written with the DB-API cursor (the big tables), in their insert order.
_BULK: dict[str, tuple[str, ...]] = {
    "profiles": (
        "id", "platform", "kind", "handle", "handle_key", "display_name", "platform_id", "visibility",
        "avatar_url", "url", "like_count", "added_at", "added_by", "shared_with_all", "acquire_data",
        "acquire_messages", "notes", "deleted_at", "deleted_by",
    ),
    "profile_owners": ("profile_id", "member_id", "since"),
    "profile_shares": ("profile_id", "member_id", "shared_by", "since"),
    "connections": ("id", "profile_id", "type", "created_at"),
    "grants": (
        "id", "connection_id", "member_id", "state", "scopes", "granted_at", "expires_at",
        "has_refresh_token", "token_ref", "account_id", "last_checked_at", "last_error", "state_changed_at",
    ),
}  # fmt: skip


_TIMES = frozenset(
    {"added_at", "deleted_at", "since", "created_at", "granted_at", "expires_at", "last_checked_at",
     "state_changed_at"}
)  # fmt: skip


@lru_cache(maxsize=256)  # a profile's times repeat over its owners, connections and grants
def _ts(value: datetime) -> str:
    """A time as SQLAlchemy's DateTime stores it in SQLite (text with microseconds)."""
    text = value.isoformat(" ")
    return text if value.microsecond else text + ".000000"


def _write(raw: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """``executemany`` straight on the DB-API cursor: the same rows a bare sqlite3 loop would write."""
    if not rows:
        return
    columns = _BULK[table]
    getter = itemgetter(*columns)
    times = [i for i, c in enumerate(columns) if c in _TIMES]
    values = []
    for row in rows:
        cells = list(getter(row))
        for i in times:
            if cells[i] is not None:
                cells[i] = _ts(cells[i])
        values.append(cells)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    raw.executemany(sql, values)


def build_demo(
    workspace: Workspace,
    profiles: int = DEFAULT_PROFILES,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Fill an empty workspace with the demo. Returns counts of what was made.

    One transaction, so an interrupted demo leaves the workspace empty. The profiles are generated
    and written in chunks of :data:`CHUNK_PROFILES` (memory stays bounded at 1,000,000 profiles);
    ``progress(done, total)`` is called after each chunk.
    """
    if profiles < MIN_PROFILES:
        raise SocialDeskError(
            f"A demo needs at least {MIN_PROFILES} profiles to show every platform, category and status"
        )
    if not workspace.is_empty():
        raise SocialDeskError(
            f"The workspace in {workspace.data_dir} is not empty; the demo fills only an empty one"
        )
    rng = random.Random(seed)
    # Dates are relative to today (midnight UTC), so the same seed gives the same demo all day long.
    now = utcnow().replace(hour=0, minute=0, second=0)
    member_rows: list[dict[str, Any]] = [
        {
            "id": i,
            "name": name,
            "name_key": name.casefold(),
            "role": role.value,
            "email": None,
            "created_at": now - timedelta(days=1000 - i),
            "removed_at": None,
        }
        for i, (name, role) in enumerate((*MEMBERS, REMOVED_MEMBER), start=1)
    ]
    member_rows[-1]["removed_at"] = now - timedelta(days=20)
    member_ids: dict[str, int] = {row["name"]: row["id"] for row in member_rows}
    me: int = member_ids[MEMBERS[0][0]]

    guaranteed = _guaranteed_plans()
    # The random plans are drawn before any profile is built (so a seed's demo stays the same).
    # Few distinct plans exist (platform, kind, visibility, category, status, deleted): each is kept
    # once, so a million plans cost a list of references.
    distinct: dict[tuple[Any, ...], _Plan] = {}
    random_plans = []
    for _ in range(profiles - len(guaranteed)):
        plan = _random_plan(rng)
        random_plans.append(distinct.setdefault(astuple(plan), plan))
    plans = iter((*guaranteed, *random_plans))
    builder = _Builder(rng, now, member_ids, me)
    first_profiles: list[dict[str, Any]] = []  # the settings go to the first 400
    counts = {"profiles": 0, "connections": 0, "grants": 0}

    with workspace.engine.begin() as conn:
        conn.execute(insert(Member), member_rows)
        conn.execute(insert(Meta), [{"key": "me", "value": str(me)}])
        raw = conn.connection.driver_connection
        with triggers_suspended(raw):  # the summaries are computed once at the end, not per row
            _write_profiles(raw, builder, plans, profiles, first_profiles, counts, progress)
        counts["grants"] -= _revoke_removed_members_grants(raw, builder.next_grant - 1, me, builder.removed)
        flows, groups, items = _groups_and_flows(rng, now, profiles)
        settings = _settings(rng, now, first_profiles)
        for model, data in (
            (Flow, flows),
            (Group, groups),
            (GroupItem, items),
            (PlatformSettings, settings),
            (Notification, builder.rows.notifications),
            (AuditEntry, builder.rows.audit),
        ):
            if data:
                conn.execute(insert(model), data)
    return {
        "members": len(member_rows),
        **counts,
        "groups": len(groups),
        "flows": len(flows),
    }


def _write_profiles(
    raw: Any,
    builder: _Builder,
    plans: Iterator[_Plan],
    profiles: int,
    first_profiles: list[dict[str, Any]],
    counts: dict[str, int],
    progress: Callable[[int, int], None] | None,
) -> None:
    """The profiles and their owners, shares, connections and grants, in chunks of ``CHUNK_PROFILES``."""
    pid = 0
    while pid < profiles:
        for _ in range(min(CHUNK_PROFILES, profiles - pid)):
            pid += 1
            builder.add(pid, next(plans))
        rows = builder.rows
        if len(first_profiles) < 400:
            first_profiles += rows.profiles[: 400 - len(first_profiles)]
        for table, data in (
            ("profiles", rows.profiles),
            ("profile_owners", rows.owners),
            ("profile_shares", rows.shares),
            ("connections", rows.connections),
            ("grants", rows.grants),
        ):
            _write(raw, table, data)
        counts["profiles"] += len(rows.profiles)
        counts["connections"] += len(rows.connections)
        counts["grants"] += len(rows.grants)
        builder.rows = _Rows(notifications=rows.notifications, audit=rows.audit)
        if progress:
            progress(pid, profiles)


def _revoke_removed_members_grants(raw: Any, last_grant: int, me: int, removed: int) -> int:
    """The removed member's grants are revoked: a dozen grants spread over the demo (ids 1, 1+step, …)
    are reassigned to them when not mine and not active. One grant per member and connection: a
    second pick on a connection that already went to the removed member is dropped. Returns the
    number of grants dropped."""
    step = max(1, last_grant // 12)
    picked = list(range(1, last_grant + 1, step))[:12]
    found = raw.execute(
        f"SELECT id, connection_id, member_id, state FROM grants WHERE id IN ({','.join('?' * len(picked))}) "
        "ORDER BY id",
        picked,
    ).fetchall()
    given: set[int] = set()
    dropped = 0
    for gid, cid, member, state in found:
        if member == me or state == GrantState.ACTIVE.value:
            continue
        if (
            cid in given
            or raw.execute(
                "SELECT 1 FROM grants WHERE connection_id = ? AND member_id = ? AND id < ?",
                (cid, removed, gid),
            ).fetchone()
        ):
            raw.execute("DELETE FROM grants WHERE id = ?", (gid,))
            dropped += 1
            continue
        given.add(cid)
        raw.execute(
            "UPDATE grants SET member_id = ?, state = ?, last_error = ? WHERE id = ?",
            (removed, GrantState.REVOKED.value, "member removed from the team", gid),
        )
    return dropped


def _dedupe_grants(grants: list[dict[str, Any]]) -> None:
    """One grant per member and connection (the reassignment above may have made a pair)."""
    seen: set[tuple[int, int]] = set()
    keep = []
    for g in grants:
        key = (g["connection_id"], g["member_id"])
        if key not in seen:
            seen.add(key)
            keep.append(g)
    grants[:] = keep


def _groups_and_flows(
    rng: random.Random, now: datetime, n_profiles: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    flows = [
        {
            "id": i,
            "name": name,
            "name_key": name.casefold(),
            "description": desc,
            "created_at": now - timedelta(days=200),
        }
        for i, (name, desc) in enumerate(FLOWS, start=1)
    ]
    names = (
        ("EMEA", "#3949AB"),
        ("North America", "#00897B"),
        ("APAC", "#FB8C00"),
        ("Customer care", "#E53935"),
        ("Campaign: Winter sale", "#8E24AA"),
        ("Brand: Contoso", "#039BE5"),
        ("Brand: Northwind", "#7CB342"),
        ("Global", "#6D4C41"),  # nests the regions
        ("All brands", "#546E7A"),  # nests the brand groups
    )
    groups = [
        {
            "id": i,
            "name": name,
            "name_key": name.casefold(),
            "color": color,
            "created_at": now - timedelta(days=100 + i),
        }
        for i, (name, color) in enumerate(names, start=1)
    ]
    items: list[dict[str, Any]] = []
    pool = list(range(1, min(n_profiles, 400) + 1))
    for gid in range(1, 8):
        for pos, pid in enumerate(rng.sample(pool, rng.randint(4, 12))):
            items.append({"group_id": gid, "position": pos, "profile_id": pid, "child_group_id": None})
    for pos, child in enumerate((1, 2, 3)):
        items.append({"group_id": 8, "position": pos, "profile_id": None, "child_group_id": child})
    for pos, child in enumerate((6, 7)):
        items.append({"group_id": 9, "position": pos, "profile_id": None, "child_group_id": child})
    items.append({"group_id": 9, "position": 2, "profile_id": 1, "child_group_id": None})
    return flows, groups, items


def _settings(rng: random.Random, now: datetime, profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in profiles[:400]:
        if p["visibility"] != Visibility.OWNED.value:
            continue
        values: dict[str, Any] = {"color": rng.choice(COLORS)}
        platform = p["platform"]
        if platform == "x":
            values.update(
                name=p["display_name"][:50],
                location=rng.choice(("London", "Berlin", "Seattle", "Madrid")),
                bio=f"Official account of {p['display_name']}. Help: https://example.com/help",
                welcome_message="Hi! How can we help you today?",
                quick_replies=[
                    {"label": "Order status", "flow": "Order status"},
                    {"label": "Talk to us", "flow": "Talk to an agent"},
                ],
                attach_quick_replies=False,
                attached_quick_replies=[],
            )
        elif platform == "facebook" and p["kind"] == "page":
            values.update(
                greeting_text="Welcome! Send us a message and we will reply within the hour.",
                ice_breakers=[
                    {"question": "Where is my order?", "flow": "Order status"},
                    {"question": "What are your opening hours?", "flow": "Opening hours"},
                ],
                get_started_flow=None,
                # Facebook shows a persistent menu only with Get Started, which ice breakers override.
                persistent_menu=[],
                case_creation=False,
            )
        elif platform == "instagram":
            values.update(ice_breakers=[{"question": "Do you ship abroad?", "flow": "Welcome"}])
        elif platform == "whatsapp":
            values.update(
                about="We reply on weekdays 9–17.",
                address="1 Harbour Street, Bristol BS1 4ST",
                description=f"{p['display_name']} customer service on WhatsApp.",
                email="care@example.com",
                vertical="RETAIL",
                websites=["https://example.com"],
            )
        elif platform == "live_chat":
            values.update(
                allowlisted_domains=["https://www.example.com", "https://shop.example.com"],
                quick_replies=[{"label": "Opening hours", "flow": "Opening hours"}],
            )
        out.append(
            {
                "profile_id": p["id"],
                "values_json": json.dumps(values, ensure_ascii=False),
                "sync_state": (
                    "synced" if spec_for(platform, p["kind"], p["visibility"]).pushes else "local_only"
                ),
                "sync_error": None,
                "updated_at": now - timedelta(days=rng.randint(1, 60)),
                "updated_by": None,
                "pushed_at": None,
            }
        )
    return out
