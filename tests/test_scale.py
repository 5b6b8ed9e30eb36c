"""Scale: the read model's fast path against the rules, the health check's selection, chunks and
memory, the demo's single transaction, on a shared 20,000-profile workspace (built once).

The 100,000 and 1,000,000 profile runs live in ``benchmarks/`` (docs/scale.md).
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from socialdesk.models.catalogue import (
    ConnectionState,
    ConnectionType,
    GrantState,
    Ownership,
    Status,
)
from socialdesk.models.schema import Grant
from socialdesk.services import columns, demo, health, rules
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.query import COLUMN_KEYS, ProfileFilter, ProfileRows
from socialdesk.services.workspace import Workspace

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import OAuthWorkspace  # noqa: E402
from tests.read_model_rules import by_rules  # noqa: E402

pytest_plugins = ("tests.oauth_server",)

SCALE_PROFILES = 20_000
PUB = ConnectionType.PUBLISHING


@pytest.fixture(scope="session")
def scale_rows(scale_dir: Path) -> ProfileRows:
    ws = Workspace.open(scale_dir)
    with ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, ws.me_id)
    ws.close()
    return rows


@pytest.fixture
def scale_ws(scale_dir: Path) -> Iterator[Workspace]:
    ws = Workspace.open(scale_dir)
    yield ws
    ws.close()


# -- the read model against the rules ---------------------------------------------------------------


def test_fast_path_agrees_with_the_rules_for_every_demo_profile(
    scale_ws: Workspace, scale_rows: ProfileRows
) -> None:
    expected = by_rules(scale_ws)
    rows = scale_rows
    assert len(rows) == len(expected) > SCALE_PROFILES * 0.95
    for r in range(len(rows)):
        pid = rows.ids[r]
        assert (rows.ownership[r], rows.status[r], rows.connections[r]) == expected[pid], pid
    # The categorical columns really are codes into a handful of values.
    assert rows.ownership.codes.dtype == np.int32 and len(rows.ownership.values) == 4
    assert len(rows.connections.values) < 200


FILTERS = st.builds(
    ProfileFilter,
    ownership=st.sets(st.sampled_from(list(Ownership))),
    status=st.sets(st.sampled_from(list(Status))),
    platform=st.sets(st.sampled_from(["facebook", "instagram", "x", "linkedin", "live_chat"])),
    connection_types=st.sets(
        st.tuples(
            st.sampled_from([ConnectionType.PUBLISHING, ConnectionType.INSIGHTS, ConnectionType.MESSAGING]),
            st.sampled_from([None, ConnectionState.ACTIVE, ConnectionState.EXPIRED]),
        ),
        max_size=2,
    ),
    owners=st.sets(st.sampled_from(["Priya Shah", "alex morgan", "Tom Becker"]), max_size=2),
    groups=st.sets(st.sampled_from(["Global", "EMEA", "all brands"]), max_size=1),
    search=st.sampled_from(["", "support", "NORTH", "care", "zz-no-match"]),
)


def _slow_select(rows: ProfileRows, flt: ProfileFilter, column: str | None, descending: bool) -> list[int]:
    """The filter and sort of the product rules, written plainly over Python values per row."""
    owned = flt.ownership or {Ownership.OWNED, Ownership.SHARED, Ownership.NONE}
    reach: set[int] = set()
    for g in flt.groups:
        reach |= rows.group_members.get(g.casefold(), frozenset())
    needle = flt.search.strip().casefold()
    kept = []
    for r in range(len(rows)):
        states = rows.connections[r]
        if rows.ownership[r] not in owned:
            continue
        if flt.status and rows.status[r] not in flt.status:
            continue
        if flt.platform and rows.platform[r] not in flt.platform:
            continue
        if flt.connection_types and not any(
            s is not ConnectionState.NOT_ESTABLISHED
            and ((t, s) in flt.connection_types or (t, None) in flt.connection_types)
            for t, s in states
        ):
            continue
        if flt.groups and rows.ids[r] not in reach:
            continue
        if flt.owners and not any(o.casefold() in {w.casefold() for w in flt.owners} for o in rows.owners[r]):
            continue
        if needle and not any(
            needle in v.casefold() for v in (rows.display_name[r], rows.handle[r], rows.notes[r])
        ):
            continue
        kept.append(r)
    if column is None:
        return kept
    key = _SLOW_KEYS[column]
    ordered = sorted(kept, key=lambda r: (key(rows, r), rows.ids[r]))
    return ordered[::-1] if descending else ordered


_SLOW_KEYS = {
    "name": lambda rows, r: rows.display_name[r].casefold(),
    "platform": lambda rows, r: columns.BY_KEY["platform"].text(rows, r).casefold(),
    "kind": lambda rows, r: columns.BY_KEY["kind"].text(rows, r).casefold(),
    "ownership": lambda rows, r: rows.ownership[r].rank,
    "status": lambda rows, r: rows.status[r].rank,
    "connections": lambda rows, r: (
        sum(s is ConnectionState.ACTIVE for _, s in rows.connections[r]),
        sum(s is ConnectionState.EXPIRED for _, s in rows.connections[r]),
    ),
    "owners": lambda rows, r: "; ".join(rows.owners[r]).casefold(),
    "groups": lambda rows, r: "; ".join(rows.groups[r]).casefold(),
    "added": lambda rows, r: rows.added_at[r],
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flt=FILTERS, column=st.sampled_from([None, *COLUMN_KEYS]), descending=st.booleans())
def test_masks_sorts_and_counts_agree_with_plain_python(
    scale_rows: ProfileRows, flt: ProfileFilter, column: str | None, descending: bool
) -> None:
    rows = scale_rows
    assert rows.select(flt, column, descending) == _slow_select(rows, flt, column, descending)
    counts = rows.facet_counts(flt)
    # Each facet counts with the other filters: its own choice's count is the plain count.
    for status in Status:
        other = flt.copy()
        other.status = {status}
        assert counts["status"].get(status, 0) == len(_slow_select(rows, other, None, False))


def test_every_column_is_declared_once_and_serves_table_cli_and_export(scale_rows: ProfileRows) -> None:
    assert [c.key for c in columns.TABLE] == list(COLUMN_KEYS)
    assert all(c.sort is not None for c in columns.TABLE)
    r = scale_rows.select(ProfileFilter(status={Status.NOT_CONNECTED}))[0]
    status = columns.BY_KEY["status"]
    # "–" is the table's glyph; exports and the machine value say what it means.
    assert status.text(scale_rows, r) == "–"
    assert list(status.export(scale_rows, [r], False)) == ["Not connected"]
    assert status.value(scale_rows, r) == "not_connected"
    with pytest.raises(ValueError, match="unknown column"):
        scale_rows.rank("handle")


# -- the health check -------------------------------------------------------------------------------


def test_health_check_selects_only_tokens_here_in_sql_and_stays_small(scale_ws: Workspace) -> None:
    """The demo's grants were made elsewhere (no token here): counted in SQL, never loaded."""
    with scale_ws.engine.connect() as conn:
        active = dict(
            conn.execute(
                text(
                    "SELECT p.platform, count(*) FROM grants g "
                    "JOIN connections c ON c.id = g.connection_id JOIN profiles p ON p.id = c.profile_id "
                    "WHERE g.state = 'active' AND p.deleted_at IS NULL GROUP BY p.platform"
                )
            ).all()
        )
    assert sum(active.values()) > 10_000

    class NoKeyring:
        """The check must never ask the keyring or the network for grants made elsewhere."""

        @property
        def tokens(self) -> object:
            raise AssertionError("the keyring was touched")

    tracemalloc.start()
    try:
        report = health.run_health_check(scale_ws, NoKeyring())  # type: ignore[arg-type]
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert {k: sum(v.values()) for k, v in report.unchecked.items()} == active
    assert report.checked == 0
    # The old check built a GrantRef per active grant (~10 MB here); now only what expires soon.
    assert peak < 2_000_000, peak
    assert report.expiring_soon and all(not g.has_refresh_token for g in report.expiring_soon)


def test_health_check_goes_in_chunks_skips_what_is_not_due_and_stops_when_asked(
    oauth_ws: OAuthWorkspace,
) -> None:
    for user in ("alice", "bob", "carol"):
        oauth_ws.connect("x", [PUB], username=user)
    ws = oauth_ws.workspace
    with ws.session() as s:
        first = s.scalars(select(Grant).order_by(Grant.id)).first()
        assert first is not None
        first.next_check_at = utcnow() + timedelta(hours=1)  # backing off after a failure
        first_id = first.id
    before = oauth_ws.server.count("userinfo")
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # stop before the second chunk

    report = health.run_health_check(ws, oauth_ws.service, chunk_tokens=1, pause=0.0, cancelled=cancelled)
    # Two tokens are due; chunks of one token; stopped after the first chunk.
    assert report.checked == 1 and oauth_ws.server.count("userinfo") == before + 1
    assert sum(report.unchecked["x"].values()) == 1  # the one waiting out its back-off
    with ws.session() as s:
        waiting = s.get(Grant, first_id)
        assert waiting is not None and waiting.next_check_at is not None and waiting.next_check_at > utcnow()
    again = health.run_health_check(ws, oauth_ws.service, chunk_tokens=1, pause=0.0)
    assert again.checked == 2 and again.ok == 2


# -- the demo -----------------------------------------------------------------------------------------


def test_an_interrupted_demo_leaves_the_workspace_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "CHUNK_PROFILES", 50)
    ws = Workspace.open(tmp_path / "ws", create=True)
    seen: list[int] = []

    def stop_after_two_chunks(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 2:
            raise KeyboardInterrupt  # as Ctrl+C would

    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(ws, profiles=300, progress=stop_after_two_chunks)
    assert seen == [50, 100]
    assert ws.is_empty()  # one transaction: nothing of the 100 written profiles stayed
    counts = demo.build_demo(ws, profiles=300)
    assert counts["profiles"] == 300
    ws.close()


def test_a_demo_in_chunks_is_the_demo_in_one_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dumps = []
    for chunk in (10_000, 37):
        monkeypatch.setattr(demo, "CHUNK_PROFILES", chunk)
        ws = Workspace.open(tmp_path / f"ws{chunk}", create=True)
        demo.build_demo(ws, profiles=400)
        with ws.engine.connect() as conn:
            dumps.append(
                [
                    conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2")).all()
                    for t in ("profiles", "profile_owners", "connections", "grants", "notifications")
                ]
            )
        ws.close()
    assert dumps[0] == dumps[1]


def test_skipped_handle_draws_are_the_draws_of_choice() -> None:
    sizes = (23, 9, 1, 64, 100) * 10
    a, b = random.Random(5), random.Random(5)
    for n in sizes:
        a.choice(range(n))
    demo._skip_choices(b, sizes)
    assert a.random() == b.random()


def test_demo_refuses_a_non_empty_workspace(scale_ws: Workspace) -> None:
    with pytest.raises(SocialDeskError, match="not empty"):
        demo.build_demo(scale_ws, profiles=100)
    assert not scale_ws.is_empty()


def test_grant_states_in_the_big_demo_cover_every_state(scale_ws: Workspace) -> None:
    with scale_ws.engine.connect() as conn:
        states = {r[0] for r in conn.execute(text("SELECT DISTINCT state FROM grants"))}
    assert states == {s.value for s in GrantState}


def test_one_group_graph_reaches_nested_profiles_and_finds_loops() -> None:
    from socialdesk.services.groups import GroupGraph, find_cycle

    # 1 holds profile 10 and group 2; 2 holds profile 20 and (edited by hand) group 1 again.
    graph = GroupGraph.from_rows(
        [(1, "Global", None), (2, "EMEA", None), (3, "Empty", None)],
        [(1, 10, None), (1, None, 2), (2, 20, None), (2, None, 1)],
    )
    assert graph.reach(1) == graph.reach(2) == {10, 20}
    assert graph.reach(3) == set()
    assert find_cycle({1: [2], 2: [1], 3: []}) == [1, 2, 1]
    assert find_cycle({"a": ["b"], "b": []}) is None


def test_a_one_row_refresh_patches_the_name_order_without_sorting_every_name(demo_ws: Workspace) -> None:
    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
    names_before = rows._names_sorted
    first, second = rows.ids[0], rows.ids[5]
    existing = rows.display_name[9]
    with demo_ws.engine.begin() as conn:
        conn.execute(text("UPDATE profiles SET display_name = 'Mmm brand new' WHERE id = :i"), {"i": first})
        conn.execute(
            text("UPDATE profiles SET display_name = :n WHERE id = :i"), {"n": existing, "i": second}
        )
    with demo_ws.engine.connect() as conn:
        rows.refresh(conn, [first, second])
        fresh = ProfileRows.load(conn, demo_ws.me_id)
    assert rows._names_sorted is names_before  # patched, not sorted again
    for descending in (False, True):
        assert rows.order("name", descending) == fresh.order("name", descending)
    assert rows.display_name[0] == "Mmm brand new"


def test_the_window_is_there_at_once_and_fills_in_when_the_rows_come(qtbot: Any, scale_dir: Path) -> None:
    import time

    from PySide6.QtWidgets import QLabel

    from socialdesk.app import create_main_window
    from socialdesk.ui.main_window import MainWindow

    started = time.perf_counter()
    window = create_main_window(scale_dir)
    took = time.perf_counter() - started
    qtbot.addWidget(window)
    assert isinstance(window, MainWindow)
    status = window.findChild(QLabel, "statusCount")
    assert status is not None and status.text() == "Loading profiles…"
    assert window.workspace is None  # opened in a worker, not on the GUI thread
    assert took < 0.3, took
    with qtbot.waitSignal(window.rowsLoaded, timeout=60000):
        window.show()
    assert status.text().startswith("Showing ") and window.model.total_count() > SCALE_PROFILES * 0.95
    # The first check waits for the rows and a quiet moment; then it runs in a worker.
    with qtbot.waitSignal(window.healthCheckStarted, timeout=10000):
        pass
    with qtbot.waitSignal(window.healthChecked, timeout=60000):
        pass
    report = window.last_health_report
    assert report is not None and report.checked == 0  # the demo's tokens are not on this computer
    window.close()


def test_the_demo_draws_a_progress_bar_on_a_terminal_and_is_quiet_otherwise() -> None:
    import io

    from socialdesk.commands.demo import progress_bar

    assert progress_bar(io.StringIO()) is None  # a pipe or a log: only the summary line

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    show = progress_bar(screen, width=10)
    assert show is not None
    show(500_000, 1_000_000)
    show(1_000_000, 1_000_000)
    lines = screen.getvalue()
    assert "\r[#####.....] 500,000/1,000,000 profiles" in lines
    assert "\r[##########] 1,000,000/1,000,000 profiles" in lines and lines.endswith("\n")


def test_the_profile_managers_list_is_the_plain_sort_of_the_read_model(scale_rows: ProfileRows) -> None:
    """``ProfileColumns.of`` (numpy) against the plain Python it replaced: a tuple per row, sorted."""
    from socialdesk.models.catalogue import PLATFORMS
    from socialdesk.ops.profile_settings import ProfileColumns

    rows = scale_rows
    labels = {key: info.label for key, info in PLATFORMS.items()}
    plain = []
    for i in range(len(rows)):
        platform, kind, visibility = rows.platform[i], rows.kind[i], rows.visibility[i]
        has = bool(rules.settings_form(platform, kind, visibility))
        name, handle = rows.display_name[i], rows.handle[i]
        label = labels.get(platform, platform)
        plain.append((not has, label, name.casefold(), rows.ids[i], platform, kind, name, handle))
    plain.sort()
    got = ProfileColumns.of(rows)
    assert got.ids == [r[3] for r in plain]
    assert got.platforms == [r[4] for r in plain] and got.kinds == [r[5] for r in plain]
    assert got.names == [r[6] for r in plain] and got.handles == [r[7] for r in plain]
    assert got.with_form == [not r[0] for r in plain]
    assert got.keys == [f"{r[2]} @{r[7].casefold()} {r[1].casefold()}" for r in plain]
    assert got.position == {pid: i for i, pid in enumerate(got.ids)}
