"""The profile list: one service computes its rows, filters, semantic sort orders and counts.

It serves both ``socialdesk profiles`` and the main window's table, so both agree by construction.
Rows are loaded once with SQLAlchemy Core into compact column arrays (ORM entities are 4–12x
slower at 100,000 rows); sorting keeps a cached order per column, and a direction change only
reverses it; filtering builds a mask over the rows.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.engine import Connection as DbConnection

from socialdesk.models.catalogue import (
    CONN_STATE_SHIFT,
    FACEBOOK_INSIGHTS_MIN_LIKES,
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

#: The table's columns in order: the keys ``--sort`` takes. Each is declared once, with its title,
#: sort key, cell text, tooltip and export values, in ``services/columns.py``.
COLUMN_KEYS: tuple[str, ...] = (
    "name", "platform", "kind", "ownership", "status", "connections", "owners", "groups", "added",
)  # fmt: skip
EXPIRY_HINT_DAYS = 7

ConnTuple = tuple[tuple[ConnectionType, ConnectionState], ...]
T = TypeVar("T")


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


class Coded(Sequence[T]):
    """A categorical column: one small integer code per row into a tuple of distinct values.

    ``column[r]`` gives the value, as a list would; the codes (``codes``) let sorts, masks and
    counts work on the whole column in numpy instead of Python loops over rows.
    """

    __slots__ = ("_index", "codes", "values")

    def __init__(self, values: Sequence[T] = (), codes: npt.NDArray[np.int32] | None = None) -> None:
        self.values: list[T] = list(values)
        self.codes: npt.NDArray[np.int32] = codes if codes is not None else np.zeros(0, np.int32)
        self._index: dict[T, int] = {v: i for i, v in enumerate(self.values)}

    @classmethod
    def factorize(cls, items: Iterable[T], size: int) -> Coded[T]:
        """Codes for ``items`` in first-seen order (a dict lookup per row, in C through ``map``)."""
        items = items if isinstance(items, list) else list(items)
        # Two C-level passes: the distinct values (a dict keeps first-seen order), then a lookup per row.
        index: dict[T, int] = dict.fromkeys(items, 0)
        for i, value in enumerate(index):
            index[value] = i
        return cls(list(index), np.fromiter(map(index.__getitem__, items), np.int32, size))

    def code(self, value: T) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found

    @overload
    def __getitem__(self, row: int) -> T: ...
    @overload
    def __getitem__(self, row: slice) -> list[T]: ...
    def __getitem__(self, row: int | slice) -> T | list[T]:
        if isinstance(row, slice):
            values = self.values
            return [values[c] for c in self.codes[row].tolist()]
        return self.values[int(self.codes[row])]

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[T]:
        values = self.values
        return (values[c] for c in self.codes.tolist())

    def __setitem__(self, row: int, value: T) -> None:
        self.codes[row] = self.code(value)

    def append(self, value: T) -> None:
        self.codes = np.append(self.codes, np.int32(self.code(value)))

    def lut(self, fn: Callable[[T], Any], dtype: Any) -> npt.NDArray[Any]:
        """``fn`` of each distinct value, indexable by code: ``lut[codes]`` maps the whole column."""
        return np.array([fn(v) for v in self.values], dtype=dtype) if self.values else np.zeros(0, dtype)


class IntColumn(Sequence[int]):
    """An integer column (ids) on a numpy array that hands out plain Python ints."""

    __slots__ = ("array",)

    def __init__(self, array: npt.NDArray[np.int64] | None = None) -> None:
        self.array: npt.NDArray[np.int64] = array if array is not None else np.zeros(0, np.int64)

    @overload
    def __getitem__(self, row: int) -> int: ...
    @overload
    def __getitem__(self, row: slice) -> list[int]: ...
    def __getitem__(self, row: int | slice) -> int | list[int]:
        if isinstance(row, slice):
            return self.array[row].tolist()  # type: ignore[no-any-return]
        return int(self.array[row])

    def __len__(self) -> int:
        return len(self.array)

    def __iter__(self) -> Iterator[int]:
        return iter(self.array.tolist())

    def append(self, value: int) -> None:
        self.array = np.append(self.array, np.int64(value))

    def __setitem__(self, row: int, value: int) -> None:
        self.array[row] = value


class TimeColumn(Sequence[datetime]):
    """A time column as seconds since 1970 (int64); ``column[r]`` is a naive UTC ``datetime``."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: npt.NDArray[np.int64] | None = None) -> None:
        self.seconds: npt.NDArray[np.int64] = seconds if seconds is not None else np.zeros(0, np.int64)

    @overload
    def __getitem__(self, row: int) -> datetime: ...
    @overload
    def __getitem__(self, row: slice) -> list[datetime]: ...
    def __getitem__(self, row: int | slice) -> datetime | list[datetime]:
        if isinstance(row, slice):
            return [_EPOCH + timedelta(seconds=v) for v in self.seconds[row].tolist()]
        return _EPOCH + timedelta(seconds=int(self.seconds[row]))

    def __len__(self) -> int:
        return len(self.seconds)

    def __iter__(self) -> Iterator[datetime]:
        return (_EPOCH + timedelta(seconds=v) for v in self.seconds.tolist())

    def append(self, value: datetime) -> None:
        self.seconds = np.append(self.seconds, np.int64(_seconds(value)))

    def __setitem__(self, row: int, value: datetime) -> None:
        self.seconds[row] = _seconds(value)


_EPOCH = datetime(1970, 1, 1)
_STATE_SPAN = 1 << (max(CONN_STATE_SHIFT.values()) + 2)
_STATE_OF_BITS = (
    ConnectionState.NOT_ESTABLISHED,
    ConnectionState.EXPIRED,
    ConnectionState.ACTIVE,
    ConnectionState.ACTIVE,
)
#: The time added as seconds since 1970, computed by SQLite: ``unixepoch`` (SQLite 3.38) costs a
#: fifth of the read less than ``strftime('%s')`` at 100,000 rows.
_ADDED_SQL = (
    "unixepoch(p.added_at)"
    if sqlite3.sqlite_version_info >= (3, 38)
    else "CAST(strftime('%s', p.added_at) AS INTEGER)"
)
#: The profile's own columns, in id order, with its owners ("1,3", NULL without owners) and, in one
#: integer, its connection states (the integer above, kept in the row by SQLite triggers: migration
#: 0007), whether it has enough likes for insights and whether it is shared with everyone: each
#: column less is ~5 % less of the read at 100,000 rows.
_BASE_COLUMNS = (
    "p.id, p.platform, p.kind, p.handle, p.display_name, p.visibility, p.platform_id, "
    f"{_ADDED_SQL}, coalesce(p.notes, ''), p.owner_ids, "
    f"p.conn_states * 4 + coalesce(p.like_count >= {FACEBOOK_INSIGHTS_MIN_LIKES}, 0) * 2 "
    "+ coalesce(p.shared_with_all, 0)"
)
#: The trash's rows also say when each profile was deleted.
_TRASH_COLUMNS = _BASE_COLUMNS + ", p.deleted_at"
_ROWS_SQL = "SELECT {columns} FROM profiles p WHERE {where} ORDER BY p.id"
#: Rows per ``fetchmany``: big results are never held as one list of tuples, and a small chunk's
#: transposition stays in the CPU cache (measured at 1,000,000 rows: 500 rows a chunk ~20 % faster
#: than 5,000).
_FETCH = 500
#: Texts joined and case-folded at a time.
_CHUNK = 5000
#: Bytes of text searched at a time (a block and its scratch mask stay in the cache).
_BLOCK = 1 << 18


def _read_columns(cursor: Any, width: int, shared: Iterable[int] = ()) -> list[list[Any]]:
    """A query's result as one list per column, read in chunks (C-level transposition).

    SQLite hands out a new string per row: the ``shared`` columns repeat (platform, kind, notes...),
    so each of their values is kept once (a dict's ``setdefault``, in C) and the row's copy freed
    with its chunk.
    """
    columns: list[list[Any]] = [[] for _ in range(width)]
    seen: dict[int, dict[Any, Any]] = {i: {} for i in shared}
    while chunk := cursor.fetchmany(_FETCH):
        for i, (column, values) in enumerate(zip(columns, zip(*chunk, strict=True), strict=True)):
            known = seen.get(i)
            column.extend(values if known is None else map(known.setdefault, values, values))
    return columns


def casefold_all(texts: Sequence[str]) -> list[str]:
    """Every text case-folded, by chunks of joined text (three C calls a chunk, not one a text)."""
    out: list[str] = []
    for lo in range(0, len(texts), _CHUNK):
        chunk = texts[lo : lo + _CHUNK]
        parts = "\x00".join(chunk).casefold().split("\x00")
        out.extend(parts if len(parts) == len(chunk) else [t.casefold() for t in chunk])
    return out


_gc_lock = threading.Lock()
_gc_pausers = 0


def _check_stored(
    platforms: Sequence[Any], kinds: Sequence[Any], visibilities: Sequence[Any], member_names: dict[int, str]
) -> None:
    """The distinct stored codes are ones SocialDesk writes, or the file is damaged.

    A damaged page can read back as NULL or garbage without SQLite noticing; the read model then says so
    as SQLite would ("malformed"), so the window and the command line name the damaged file and what to
    do, instead of failing on a value (once per distinct value: a few dozen checks)."""
    known_vis = {v.value for v in Visibility}
    bad = (
        [f"platform {p!r}" for p in platforms if p not in PLATFORMS]
        + [f"kind {k!r}" for k in kinds if not isinstance(k, str) or not k]
        + [f"visibility {v!r}" for v in visibilities if v not in known_vis]
    )
    if bad:
        raise sqlite3.DatabaseError(f"database disk image is malformed: profiles hold {', '.join(bad[:3])}")


def _owner_name(member_names: dict[int, str], member_id: str) -> str:
    try:
        return member_names[int(member_id)]
    except (KeyError, ValueError):
        raise sqlite3.DatabaseError(
            f"database disk image is malformed: a profile's owners name member {member_id!r}"
        ) from None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while rows are read: every row arrives as a new tuple, so the
    collector would otherwise run thousands of times over everything the process holds (measured:
    17 % of a 100,000-row load in a bare process, more in the window's). Nothing read here forms
    cycles; loads in several threads share the pause, and the collector resumes after the last."""
    global _gc_pausers
    with _gc_lock:
        if _gc_pausers == 0:
            paused = gc.isenabled()
            gc.disable()
        else:
            paused = True
        _gc_pausers += 1 if paused else 0
    try:
        yield
    finally:
        with _gc_lock:
            if paused:
                _gc_pausers -= 1
                if _gc_pausers == 0:
                    gc.enable()


def _age_young_objects() -> None:
    """One collection of the young generations now, in this (the loader's or the worker's) thread.

    The rows are long-lived: the columns of text are lists of every row (four of ~100,000 items at
    100,000 profiles) that the collector walks item by item while they are young. Left there, the
    first young collection after the load walked them wherever it fell; measured at 100,000
    profiles: 10-18 ms with the interpreter lock held, in the connection check's first chunk, the
    window's longest idle stall. Collected here, they move to the old generation at once (a young
    collection never walks them again), while the window is still waiting for these rows."""
    if gc.isenabled():
        gc.collect(1)


def _compact(values: Sequence[T], codes: npt.NDArray[Any]) -> Coded[T]:
    """A :class:`Coded` column of ``codes`` into ``values``, keeping only the values that occur."""
    present = np.bincount(codes, minlength=len(values)) > 0 if len(codes) else np.zeros(len(values), bool)
    remap = (np.cumsum(present) - 1).astype(np.int32)
    return Coded([v for v, p in zip(values, present.tolist(), strict=True) if p], remap[codes])


def _seconds(value: datetime | str) -> int:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return int((when - _EPOCH).total_seconds())


class RowIndex:
    """Profile id -> row. The rows of a full load are in id order, so a binary search over the
    id array finds them (a dict of 1,000,000 ids would cost ~100 MB); rows appended by a refresh
    go to a small dict."""

    __slots__ = ("_extra", "_ids")

    def __init__(self, ids: npt.NDArray[np.int64] | None = None) -> None:
        self._ids: npt.NDArray[np.int64] = ids if ids is not None else np.zeros(0, np.int64)
        self._extra: dict[int, int] = {}

    def get(self, profile_id: int, default: int | None = None) -> int | None:
        ids = self._ids
        i = int(np.searchsorted(ids, profile_id))
        if i < len(ids) and ids[i] == profile_id:
            return i
        return self._extra.get(profile_id, default)

    def __getitem__(self, profile_id: int) -> int:
        row = self.get(profile_id)
        if row is None:
            raise KeyError(profile_id)
        return row

    def __contains__(self, profile_id: object) -> bool:
        return isinstance(profile_id, int | np.integer) and self.get(int(profile_id)) is not None

    def __setitem__(self, profile_id: int, row: int) -> None:
        self._extra[profile_id] = row

    def lookup(self, profile_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Rows of many ids at once (-1 where unknown), vectorised."""
        ids = self._ids
        found = np.full(len(profile_ids), -1, np.int64)
        if len(ids):
            pos = np.minimum(np.searchsorted(ids, profile_ids), len(ids) - 1)
            hit = ids[pos] == profile_ids
            found[hit] = pos[hit]
        for i in np.flatnonzero(found < 0).tolist() if self._extra else ():
            found[i] = self._extra.get(int(profile_ids[i]), -1)
        return found


class TextIndex:
    """The searched text of every row (display name, handle, notes), case-folded, as one UTF-8 byte
    string with a NUL between fields, and the offset where each row starts.

    A search finds every occurrence of the needle's bytes with numpy (the rarest byte of the needle
    first, then the others checked at those positions only), maps the positions to rows with one
    ``searchsorted`` and marks them: no Python loop over rows, whatever the needle. UTF-8 is
    self-synchronising, so a byte match is a match of the characters; a match never spans two fields
    because the needle holds no NUL (a needle or a field with a NUL goes the plain way instead).

    Rows changed by a refresh (and rows it appended) are kept aside as text (``dirty``) and checked
    one by one, so a one-row refresh does not rebuild the index on the GUI thread.
    """

    __slots__ = ("_buf", "_freq", "_rows", "_starts", "dirty")

    #: Beyond this many changed rows, the index is rebuilt rather than patched.
    MAX_DIRTY = 2000

    def __init__(self, names: Sequence[str], handles: Sequence[str], notes: Sequence[str]) -> None:
        self.dirty: dict[int, tuple[str, ...]] = {}
        n = len(names)
        # Joined and case-folded in chunks: one string of all rows would take 4 bytes a character
        # as soon as one name holds an emoji (~230 MB at 1,000,000 rows, twice, for a moment).
        pieces = []
        for lo in range(0, n, _CHUNK):
            hi = lo + _CHUNK
            fields = chain.from_iterable(zip(names[lo:hi], handles[lo:hi], notes[lo:hi], strict=True))
            pieces.append("\x00".join(fields).casefold().encode("utf-8"))
        data = b"\x00".join(pieces)
        del pieces
        buf = np.frombuffer(data, np.uint8)
        seps = np.flatnonzero(buf == 0)
        self._rows = n
        if n and len(seps) != 3 * n - 1:  # a field holds a NUL: rows cannot be told apart by it
            self._buf: npt.NDArray[np.uint8] | None = None
            self._starts: npt.NDArray[np.int64] = np.zeros(0, np.int64)
            self._freq: npt.NDArray[np.int64] = np.zeros(256, np.int64)
            return
        starts = np.zeros(n, np.int64)
        starts[1:] = seps[2::3] + 1
        self._buf, self._starts = buf, starts
        # How common each byte is, from a sample: the search starts with the needle's rarest byte.
        self._freq = np.bincount(buf[::61], minlength=256)

    @property
    def usable(self) -> bool:
        return self._buf is not None

    def find(self, needle: str, size: int, fields: Callable[[int], tuple[str, ...]]) -> npt.NDArray[np.bool_]:
        """Rows (of ``size``) whose text holds the case-folded ``needle``; ``fields(r)`` gives a
        row's case-folded fields for the plain way (an index that is not usable, a needle with a NUL)."""
        if not needle:
            return np.ones(size, bool)
        mask = np.zeros(size, bool)
        buf = self._buf
        if buf is None or "\x00" in needle:
            for r in range(size):
                mask[r] = any(needle in f for f in fields(r))
            return mask
        pat = np.frombuffer(needle.encode("utf-8"), np.uint8)
        k, total = len(pat), len(buf)
        # The rarest byte of the needle first: the fewest candidate positions to check further. The
        # text is scanned in blocks that stay in the cache, with one small scratch array.
        order = np.argsort(self._freq[pat], kind="stable").tolist()
        j, others = order[0], order[1:]
        starts = total - k + 1  # the positions a match can start at
        scratch = np.empty(min(_BLOCK, max(starts, 0)), bool)
        for lo in range(0, max(starts, 0), _BLOCK):
            segment = buf[lo + j : min(lo + _BLOCK, starts) + j]
            hits = scratch[: len(segment)]
            np.equal(segment, pat[j], out=hits)
            pos = np.flatnonzero(hits)
            for i in others:
                if not len(pos):
                    break
                pos = pos[buf[pos + (lo + i)] == pat[i]]
            if len(pos):
                mask[np.searchsorted(self._starts, pos + lo, side="right") - 1] = True
        for r, texts in self.dirty.items():
            if r < size:
                mask[r] = any(needle in f for f in texts)
        return mask


class ProfileRows:
    """All rows of the profile list as column arrays (index = row in load order, by id).

    The read model of the profile list (docs/scale.md): text the user typed stays in Python lists
    (shown and searched as is); categorical columns are :class:`Coded` (int32 codes into their
    distinct values), ids and times are numpy int64. Sorting uses a rank array per column (text
    ranks are case-folded and precomputed once), so a sort is one stable ``argsort``; filters are
    boolean masks; facet counts are ``bincount`` over codes.
    """

    def __init__(self, me: int | None) -> None:
        self.me = me
        self.ids = IntColumn()
        self.platform: Coded[str] = Coded()
        self.kind: Coded[str] = Coded()
        self.handle: list[str] = []
        self.display_name: list[str] = []
        self.visibility: Coded[str] = Coded()
        self.platform_id: list[str | None] = []
        self.added_at = TimeColumn()
        self.notes: list[str] = []
        self.ownership: Coded[Ownership] = Coded()
        self.status: Coded[Status] = Coded()
        self.connections: Coded[ConnTuple] = Coded()
        self.owners: Coded[tuple[str, ...]] = Coded()
        self.groups: Coded[tuple[str, ...]] = Coded()
        #: Earliest expiry among active grants without a refresh token (for the "expires in N days" hint).
        self.next_expiry: _Sparse[datetime] = _Sparse()
        self.deleted_at: _Sparse[datetime] = _Sparse()
        self.row_of = RowIndex()
        #: Group name (casefolded) -> profile ids reachable through it, nested groups included.
        self.group_members: dict[str, frozenset[int]] = {}
        #: Cached sort order per column (int64 row indexes), and rank arrays behind them.
        self._orders: dict[str, npt.NDArray[np.int64]] = {}
        self._ranks: dict[str, npt.NDArray[Any]] = {}
        self._mask_cache: dict[tuple[str, Any], npt.NDArray[np.bool_]] = {}
        #: The searched text of every row (built with the load, or by ``prepare`` in a worker once
        #: the rows are shown).
        self._text_index: TextIndex | None = None
        #: Held while ``prepare`` computes (a worker), while a rank or the text index is computed,
        #: and during a refresh: a sort or a search meanwhile waits for the worker's result, and a
        #: refresh never changes the rows under it.
        self._lock = threading.RLock()
        #: The distinct case-folded names in order, behind the name's rank.
        self._names_sorted: list[str] | None = None
        #: True when these are the deleted profiles (the trash).
        self.trash = False

    def __len__(self) -> int:
        return len(self.ids)

    # -- loading ----------------------------------------------------------------------------------

    @classmethod
    def load(
        cls, conn: DbConnection, me: int | None, *, deleted: bool = False, prepare: bool = True
    ) -> ProfileRows:
        """Every row, with (``prepare``) the name's order and the text index. ``prepare=False``
        leaves them to :meth:`prepare`, which the window runs in a worker once the rows are painted
        (~20 % of the open at 100,000 profiles)."""
        rows = cls(me)
        rows.trash = deleted
        with _gc_paused():
            rows._load(conn, deleted=deleted)
        if prepare:
            rows.prepare()
        else:
            _age_young_objects()
        return rows

    def prepare(self) -> None:
        """The name's rank and order (the default and most used sort, the one that sorts text) and
        the text index, computed now, so no first click or search pays for them: in the loader's
        thread, or in a worker once the rows are shown (a sort by name, a search or a refresh on
        the GUI thread meanwhile waits for it)."""
        with self._lock:
            self.order_array("name")
            self._search_index()
        _age_young_objects()

    def _load(self, conn: DbConnection, *, deleted: bool, only_ids: Sequence[int] | None = None) -> None:
        """Read the rows (all, or ``only_ids``) with one query and a few small ones.

        One query gives every row with its owners (a short text, "1,3") and its connection states
        (one integer, two bits per connection type), both stored in the row and kept by triggers, in
        id order: no join, no aggregate, no Python dict joins per row. The derived columns
        (ownership, states, status, owner names) are computed once per distinct combination and
        spread with numpy; per-row Python work is what decides the open time at 100,000 and
        1,000,000 profiles.
        """
        # "+" keeps SQLite off the deleted_at index for the live rows (99 % of the table): a plain scan in
        # rowid order is faster and needs no sort. The trash (few rows) uses the index.
        where = "p.deleted_at IS NOT NULL" if deleted else "+p.deleted_at IS NULL"
        params: dict[str, Any] = {}
        scope = ""
        if only_ids is not None:
            params["ids"] = "[" + ",".join(str(int(i)) for i in only_ids) + "]"
            scope = " AND c.profile_id IN (SELECT value FROM json_each(:ids))"
            where += " AND p.id IN (SELECT value FROM json_each(:ids))"
        # The DB-API cursor of this Core connection: SQLAlchemy's Row objects cost more than the
        # query itself at this size, and these textual queries need no result processing.
        raw = conn.connection.driver_connection
        assert raw is not None
        member_names: dict[int, str] = dict(raw.execute("SELECT id, name FROM members"))
        shared_with_me: list[int] = []
        if self.me is not None:
            shared_with_me = [
                r[0]
                for r in raw.execute("SELECT profile_id FROM profile_shares WHERE member_id = ?", (self.me,))
            ]
        # The soonest expiry, within the hint's horizon, of an active grant that cannot refresh itself.
        horizon = (utcnow() + timedelta(days=EXPIRY_HINT_DAYS)).isoformat(sep=" ")
        expiry: dict[int, datetime] = {
            pid: datetime.fromisoformat(soonest)
            for pid, soonest in raw.execute(
                "SELECT c.profile_id, min(g.expires_at) FROM grants g "
                "JOIN connections c ON c.id = g.connection_id "
                "WHERE g.state = 'active' AND g.has_refresh_token = 0 AND g.expires_at < :horizon"
                + scope
                + " GROUP BY c.profile_id",
                {**params, "horizon": horizon},
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

        # Read in chunks straight into columns: holding 1,000,000 row tuples and their transposition
        # at once doubled the peak memory of a load. The owners' texts repeat: each is kept once.
        columns_sql = _TRASH_COLUMNS if deleted else _BASE_COLUMNS
        base = _read_columns(
            raw.execute(_ROWS_SQL.format(columns=columns_sql, where=where), params),
            12 if deleted else 11,
            shared=(1, 2, 5, 8, 9),
        )
        columns = self._derive(base, member_names, shared_with_me, groups, expiry)
        if only_ids is None:
            for name, column in columns.items():
                setattr(self, name, column)
            self.row_of = RowIndex(self.ids.array)
        else:
            for r in range(len(columns["ids"])):
                self._replace(tuple(columns[name][r] for name in self._FIELDS))

    def _derive(
        self,
        base: list[list[Any]],
        member_names: dict[int, str],
        shared_with_me: list[int],
        groups: dict[int, list[str]],
        expiry: dict[int, datetime],
    ) -> dict[str, Any]:
        """The read model's columns from the query's (``_ROWS_SQL``): numpy over codes, and Python
        once per distinct value (owner lists, connection combinations), never once per row."""
        ids_l, platforms, kinds, handles, names, visibility, platform_ids = base[:7]
        added, notes, owner_ids, packed = base[7:11]
        deleted = base[11] if len(base) > 11 else ()
        flags = np.array(packed, dtype=np.int64)
        size = len(ids_l)
        ids = np.array(ids_l, dtype=np.int64)
        platform = Coded.factorize(platforms, size)
        kind = Coded.factorize(kinds, size)
        vis = Coded.factorize(visibility, size)
        _check_stored(platform.values, kind.values, vis.values, member_names)

        # Owners: their names once per distinct text, then per distinct list of names.
        texts: Coded[str | None] = Coded.factorize(owner_ids, size)
        me = str(self.me) if self.me is not None else None
        owner_values: dict[tuple[str, ...], int] = {}
        text_to_owners = np.zeros(len(texts.values), np.int32)
        mine_lut = np.zeros(len(texts.values), bool)
        owned_lut = np.zeros(len(texts.values), bool)
        for i, key in enumerate(texts.values):
            ids_text = key.split(",") if key else []
            owners_ = tuple(sorted((_owner_name(member_names, m) for m in ids_text), key=str.casefold))
            text_to_owners[i] = owner_values.setdefault(owners_, len(owner_values))
            mine_lut[i] = me is not None and me in ids_text
            owned_lut[i] = bool(ids_text)
        owners = Coded(list(owner_values), text_to_owners[texts.codes])

        # Ownership: nobody, me among the owners, shared with everyone or with me, or others'.
        everyone = (flags & 1).astype(bool)
        if shared_with_me:
            everyone |= np.isin(ids, np.array(shared_with_me, dtype=np.int64))
        category = np.where(
            ~owned_lut[texts.codes], 0, np.where(mine_lut[texts.codes], 1, np.where(everyone, 2, 3))
        )
        ownership = _compact([Ownership.NONE, Ownership.OWNED, Ownership.SHARED, Ownership.OTHERS], category)

        # Connection states and status: once per distinct (platform, kind, visibility, likes, states).
        states_code = flags >> 2
        like_flag = (flags >> 1) & 1
        nk, nv = max(len(kind.values), 1), max(len(vis.values), 1)
        combined = (
            ((platform.codes.astype(np.int64) * nk + kind.codes) * nv + vis.codes) * 2 + like_flag
        ) * _STATE_SPAN + states_code
        distinct, inverse = np.unique(combined, return_inverse=True)
        conn_values: dict[ConnTuple, int] = {}
        status_values: dict[Status, int] = {}
        conn_lut = np.zeros(len(distinct), np.int32)
        status_lut = np.zeros(len(distinct), np.int32)
        types_cache: dict[tuple[int, int, int, int], tuple[ConnectionType, ...]] = {}
        for i, value in enumerate(distinct.tolist()):
            rest, bits = divmod(value, _STATE_SPAN)
            rest, like = divmod(rest, 2)
            rest, v = divmod(rest, nv)
            p, k = divmod(rest, nk)
            types = types_cache.get((p, k, v, like))
            if types is None:
                likes_ = FACEBOOK_INSIGHTS_MIN_LIKES if like else None
                facts = ProfileFacts(platform.values[p], kind.values[k], Visibility(vis.values[v]), likes_)
                types = types_cache[(p, k, v, like)] = supported_types(facts)
            states = tuple((t, _STATE_OF_BITS[(bits >> CONN_STATE_SHIFT[t]) & 3]) for t in types)
            status = profile_status(vis.values[v], dict(states))
            conn_lut[i] = conn_values.setdefault(states, len(conn_values))
            status_lut[i] = status_values.setdefault(status, len(status_values))
        inverse = inverse.reshape(-1)
        connections = Coded(list(conn_values), conn_lut[inverse])
        status_col = Coded(list(status_values), status_lut[inverse])

        # Groups, expiry hints: few profiles; found by a binary search over the ids.
        no_names: tuple[str, ...] = ()
        group_values: dict[tuple[str, ...], int] = {no_names: 0}
        group_codes = np.zeros(size, np.int32)
        if groups:
            pids = np.fromiter(groups, np.int64, len(groups))
            at = np.searchsorted(ids, pids)
            for pid, r in zip(pids.tolist(), at.tolist(), strict=True):
                if r < size and ids_l[r] == pid:
                    group_codes[r] = group_values.setdefault(tuple(groups[pid]), len(group_values))
        expiry_rows: dict[int, datetime] = {}
        if expiry:
            pids = np.fromiter(expiry, np.int64, len(expiry))
            at = np.searchsorted(ids, pids)
            for pid, r in zip(pids.tolist(), at.tolist(), strict=True):
                if r < size and ids_l[r] == pid:
                    expiry_rows[r] = expiry[pid]
        return {
            "ids": IntColumn(ids),
            "platform": platform,
            "kind": kind,
            "handle": handles,
            "display_name": names,
            "visibility": vis,
            "platform_id": platform_ids,
            "added_at": TimeColumn(np.array(added, dtype=np.int64)),
            "notes": notes,
            "ownership": ownership,
            "status": status_col,
            "connections": connections,
            "owners": owners,
            "groups": Coded(list(group_values), group_codes),
            "next_expiry": _Sparse(expiry_rows),
            "deleted_at": _Sparse({r: datetime.fromisoformat(d) for r, d in enumerate(deleted) if d}),
        }

    _FIELDS = (  # the columns of the read model, in the order ``_replace`` takes them
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
            column = getattr(self, name)
            if name in ("next_expiry", "deleted_at"):
                column[len(self.ids) - 1] = _when(value)
            elif name == "added_at":
                column.append(_when(value))
            else:
                column.append(value)

    def _replace(self, values: tuple[Any, ...]) -> None:
        row = self.row_of.get(values[0])
        if row is None:
            self._append(values)
            return
        for name, value in zip(self._FIELDS, values, strict=True):
            column = getattr(self, name)
            column[row] = _when(value) if name in ("added_at", "next_expiry", "deleted_at") else value

    def refresh(self, conn: DbConnection, ids: Iterable[int]) -> list[int]:
        """Reload the given profiles in place; returns the rows that changed or were added.

        A profile that no longer belongs here (deleted, restored) keeps its row until the next full
        load but is reported; callers reload fully when membership changes.
        """
        with self._lock:
            return self._refresh(conn, ids)

    def _refresh(self, conn: DbConnection, ids: Iterable[int]) -> list[int]:
        wanted = sorted(set(ids))
        before = len(self.ids)
        self._load(conn, deleted=self.trash, only_ids=wanted)
        self._orders.clear()
        self._mask_cache.clear()
        rows = [self.row_of[i] for i in wanted if i in self.row_of]
        changed = sorted(set(rows) | set(range(before, len(self.ids))))
        index = self._text_index
        if index is not None:
            if len(index.dirty) + len(changed) > index.MAX_DIRTY:
                self._text_index = None  # built again at the next search
            else:
                for r in changed:
                    index.dirty[r] = self._fields(r)
        # The name's rank (a sort of every name) is patched for the changed rows only; the other
        # ranks come from a handful of distinct values and are simply recomputed when needed.
        name_rank = self._ranks.get("name")
        self._ranks.clear()
        if name_rank is not None and self._names_sorted is not None:
            self._ranks["name"] = self._patch_text_rank(name_rank, changed)
        return changed

    def _patch_text_rank(
        self, rank: npt.NDArray[np.float64], changed: Sequence[int]
    ) -> npt.NDArray[np.float64]:
        """New ranks for ``changed`` rows: a known name keeps its rank, a new one falls between
        its neighbours (half ranks), so equal names still share a rank and no full sort is needed."""
        names = self._names_sorted
        assert names is not None
        if len(rank) < len(self.ids):
            rank = np.concatenate([rank, np.zeros(len(self.ids) - len(rank))])
        for r in changed:
            key = self.display_name[r].casefold()
            i = bisect_left(names, key)
            rank[r] = i if i < len(names) and names[i] == key else i - 0.5
        return rank

    # -- presentation helpers ---------------------------------------------------------------------

    def expires_in_days(self, row: int, now: datetime | None = None) -> int | None:
        when = self.next_expiry[row]
        if when is None:
            return None
        delta = when - (now or utcnow())
        if delta < timedelta(0) or delta > timedelta(days=EXPIRY_HINT_DAYS):
            return None
        return delta.days

    # -- filtering ---------------------------------------------------------------------------------

    def _fields(self, r: int) -> tuple[str, ...]:
        """The searched fields of a row, case-folded."""
        return (self.display_name[r].casefold(), self.handle[r].casefold(), self.notes[r].casefold())

    def _search_index(self) -> TextIndex:
        index = self._text_index
        if index is None:
            with self._lock:
                index = self._text_index
                if index is None:
                    index = self._text_index = TextIndex(self.display_name, self.handle, self.notes)
        return index

    def _facet_masks(self, flt: ProfileFilter) -> dict[str, npt.NDArray[np.bool_]]:
        """One boolean array per active filter, each cached by its value until the rows change."""
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
        masks: dict[str, npt.NDArray[np.bool_]] = {}
        for name, value in wanted.items():
            key = (name, value)
            mask = self._mask_cache.get(key)
            if mask is None:
                if len(self._mask_cache) > 64:
                    self._mask_cache.clear()
                mask = self._mask_cache[key] = self._build_mask(name, value)
            masks[name] = mask
        return masks

    def _build_mask(self, name: str, value: Any) -> npt.NDArray[np.bool_]:
        """A filter over all rows: decided once per distinct value, then spread by the codes."""
        coded: Coded[Any]
        if name in ("ownership", "status", "platform"):
            coded = getattr(self, name)
            return coded.lut(lambda v: v in value, bool)[coded.codes]
        if name == "connection_types":
            coded = self.connections
            return coded.lut(
                lambda states: any(
                    s is not ConnectionState.NOT_ESTABLISHED and ((t, s) in value or (t, None) in value)
                    for t, s in states
                ),
                bool,
            )[coded.codes]
        if name == "groups":
            reach: set[int] = set()
            for g in value:
                reach |= self.group_members.get(g, frozenset())
            return np.isin(self.ids.array, np.fromiter(reach, np.int64, len(reach)))
        if name == "owners":
            coded = self.owners
            return coded.lut(lambda names: any(n.casefold() in value for n in names), bool)[coded.codes]
        if name == "search":
            return self._search_index().find(value, len(self.ids), self._fields)
        raise ValueError(name)

    def text_mask(self, needle: str) -> npt.NDArray[np.bool_]:
        """Rows whose name, handle or notes hold ``needle`` (case-insensitively): the text index."""
        return self._build_mask("search", needle.casefold())

    def platform_mask(self, platform: str) -> npt.NDArray[np.bool_]:
        return self._build_mask("platform", frozenset({platform}))

    def _and(self, masks: Iterable[npt.NDArray[np.bool_]]) -> npt.NDArray[np.bool_]:
        result: npt.NDArray[np.bool_] | None = None
        for m in masks:
            result = m if result is None else result & m
        return result if result is not None else np.ones(len(self.ids), bool)

    def mask(self, flt: ProfileFilter) -> npt.NDArray[np.bool_]:
        return self._and(self._facet_masks(flt).values())

    def facet_counts(self, flt: ProfileFilter) -> dict[str, dict[Any, int]]:
        """For each filter, how many profiles each of its choices would show given the other filters.

        Each facet counts with every other filter applied but not its own; so the ownership facet
        also counts "Owned by others", which the default filter hides. ``bincount`` over the codes:
        no Python loop over rows.
        """
        masks = self._facet_masks(flt)
        every = self._and(masks.values())

        def keep(name: str) -> npt.NDArray[np.bool_]:
            if name not in masks:
                return every  # the facet does not filter: the others are all of them
            return self._and(m for k, m in masks.items() if k != name)

        def tally(coded: Coded[Any], kept: npt.NDArray[np.bool_]) -> dict[Any, int]:
            n = np.bincount(coded.codes[kept], minlength=len(coded.values)).tolist()
            return {v: c for v, c in zip(coded.values, n, strict=False) if c}

        counts: dict[str, dict[Any, int]] = {
            "ownership": tally(self.ownership, keep("ownership")),
            "status": tally(self.status, keep("status")),
            "platform": tally(self.platform, keep("platform")),
        }
        by_type: Counter[Any] = Counter()
        for states, n in tally(self.connections, keep("connection_types")).items():
            for t, s in states:
                if s is not ConnectionState.NOT_ESTABLISHED:
                    by_type[(t, s)] += n
                    by_type[(t, None)] += n
        counts["connection_types"] = dict(by_type)
        kept_groups = keep("groups")
        counts["groups"] = {}
        for g, members in self.group_members.items():
            found = self.row_of.lookup(np.fromiter(members, np.int64, len(members)))
            counts["groups"][g] = int(np.count_nonzero(kept_groups[found[found >= 0]]))
        by_owner: Counter[str] = Counter()
        for names, n in tally(self.owners, keep("owners")).items():
            for owner in names:
                by_owner[owner.casefold()] += n
        counts["owners"] = dict(by_owner)
        return counts

    # -- sorting -----------------------------------------------------------------------------------

    def text_rank(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Case-folded rank of each text (equal texts share a rank): sorted once per distinct text.

        The sorted distinct texts are kept (``_names_sorted``) so a one-row refresh can patch the
        rank instead of sorting every name again on the GUI thread.
        """
        folded = casefold_all(texts)
        self._names_sorted = sorted(set(folded))
        rank = {t: i for i, t in enumerate(self._names_sorted)}
        return np.fromiter(map(rank.__getitem__, folded), np.float64, len(folded))

    @staticmethod
    def coded_rank(coded: Coded[Any], key: Callable[[Any], Any]) -> npt.NDArray[np.unsignedinteger[Any]]:
        """Rank of each row by ``key`` of its distinct value: the values sorted once, spread by codes.

        The ranks take the smallest unsigned type that holds them (``uint8`` for a handful of
        values): numpy's stable sort of 8- and 16-bit integers is a radix sort, linear in the rows.
        """
        n = len(coded.values)
        dtype = np.uint8 if n <= 0xFF else np.uint16 if n <= 0xFFFF else np.uint32
        if not n:
            return np.zeros(len(coded), dtype)
        order = sorted(range(n), key=lambda i: key(coded.values[i]))
        lut = np.empty(n, dtype)
        lut[order] = np.arange(n, dtype=dtype)
        # Equal keys share a rank, so ties fall back to the id order.
        keys = [key(coded.values[i]) for i in order]
        for pos in range(1, len(order)):
            if keys[pos] == keys[pos - 1]:
                lut[order[pos]] = lut[order[pos - 1]]
        return lut[coded.codes]  # type: ignore[return-value]

    def rank(self, column: str) -> npt.NDArray[Any]:
        """The sort key of every row as one numeric array (cached): equal keys, equal ranks.

        The key is the column's own declaration (``services/columns.py``).
        """
        found = self._ranks.get(column)
        if found is None:
            from socialdesk.services.columns import sort_rank

            with self._lock:  # the name's: perhaps being computed by ``prepare`` in a worker
                found = self._ranks.get(column)
                if found is None:
                    found = self._ranks[column] = sort_rank(self, column)
        return found

    def order_array(self, column: str, descending: bool = False) -> npt.NDArray[np.int64]:
        """Row indexes sorted by ``column`` (ties by id); descending reverses the whole order."""
        cached = self._orders.get(column)
        if cached is None:
            # Rows are in id order and the sort is stable, so ties stay ordered by id.
            cached = np.argsort(self.rank(column), kind="stable").astype(np.int64)
            self._orders[column] = cached
        return cached[::-1] if descending else cached

    def order(self, column: str, descending: bool = False) -> list[int]:
        return self.order_array(column, descending).tolist()  # type: ignore[no-any-return]

    def select_array(
        self, flt: ProfileFilter, column: str | None = None, descending: bool = False
    ) -> npt.NDArray[np.int64]:
        """Rows that pass the filter, in the requested order, as an int64 array (for the table)."""
        mask = self.mask(flt)
        if column:
            source = self.order_array(column, descending)
            return source[mask[source]]
        return np.flatnonzero(mask).astype(np.int64)

    def select(self, flt: ProfileFilter, column: str | None = None, descending: bool = False) -> list[int]:
        """Rows that pass the filter, in the requested order."""
        return self.select_array(flt, column, descending).tolist()  # type: ignore[no-any-return]


class _Sparse(Generic[T]):
    """A column that is empty for most rows (expiry hints, deletion times): a dict by row."""

    __slots__ = ("by_row",)

    def __init__(self, by_row: dict[int, T] | None = None) -> None:
        self.by_row: dict[int, T] = by_row or {}

    def __getitem__(self, row: int) -> T | None:
        return self.by_row.get(int(row))

    def __setitem__(self, row: int, value: T | None) -> None:
        if value is None:
            self.by_row.pop(int(row), None)
        else:
            self.by_row[int(row)] = value


def _when(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


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
    """Group name (casefolded) -> profiles reachable through it, nested groups included (cycles cut).

    The one group graph of the services (``groups.GroupGraph``), built from the rows already read.
    """
    from socialdesk.services.groups import GroupGraph

    graph = GroupGraph.from_rows(
        conn.execute(text("SELECT id, name, color FROM groups")).all(),
        [(gid, pid, child) for gid, _name, pid, child in rows],
    )
    return {name.casefold(): frozenset(graph.reach(gid)) for gid, name in graph.names.items()}
