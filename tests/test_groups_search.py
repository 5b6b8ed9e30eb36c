"""The groups editor's profile search reads the shared read model (the window's list), not the database:
the same hits as a plain Python search over every row, in the list's name order, with the limit."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from socialdesk.ops import groups as ops_groups
from socialdesk.services import groups as g
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace
from socialdesk.ui.groups_dialog import GroupsDialog


@pytest.fixture(scope="module")
def demo_rows(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> ProfileRows:
    copy = tmp_path_factory.mktemp("search") / "demo"
    shutil.copytree(demo_template, copy)
    ws = Workspace.open(copy)
    try:
        return ops_groups.profile_rows(ws)
    finally:
        ws.close()


def _plain(rows: ProfileRows, text: str, platform: str | None, limit: int) -> tuple[list[int], bool]:
    words = [w.lstrip("@#") for w in text.split()]
    words = [w for w in words if w]
    kept = []
    for r in range(len(rows)):
        name, handle, pid = rows.display_name[r].casefold(), rows.handle[r].casefold(), rows.ids[r]
        if platform and rows.platform[r] != platform:
            continue
        if all(
            w.casefold() in name or w.casefold() in handle or (w.isdigit() and int(w) == pid) for w in words
        ):
            kept.append(r)
    kept.sort(key=lambda r: (rows.display_name[r].casefold(), rows.ids[r]))
    return [rows.ids[r] for r in kept[:limit]], len(kept) > limit


WORD = st.one_of(
    st.sampled_from(
        ["", "brand", "SUPPORT", "@acme", "#team", "Ünïcode", "ß", "zz-none", "e", "a b", "1", "12"]
    ),
    st.integers(1, 80).map(str),
    st.text(alphabet="aeiorstnlSTUß@ 0123", max_size=4),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=WORD,
    extra=st.sampled_from(["", " care", " x"]),
    platform=st.sampled_from([None, "x", "facebook", "instagram"]),
    limit=st.sampled_from([1, 5, 200]),
)
def test_the_search_is_a_plain_search_of_the_read_model(
    demo_rows: ProfileRows, text: str, extra: str, platform: str | None, limit: int
) -> None:
    hits, more = g.search_rows(demo_rows, text + extra, platform, limit)
    assert ([h.id for h in hits], more) == _plain(demo_rows, text + extra, platform, limit)
    for h in hits:
        r = demo_rows.row_of[h.id]
        assert (h.name, h.handle, h.platform) == (
            demo_rows.display_name[r],
            demo_rows.handle[r],
            demo_rows.platform[r],
        )


def test_a_handle_and_a_name_match_whatever_their_case(demo_rows: ProfileRows) -> None:
    r = 3
    name, handle = demo_rows.display_name[r], demo_rows.handle[r]
    for text in (name.upper(), f"@{handle.upper()}", str(demo_rows.ids[r])):
        assert demo_rows.ids[r] in [h.id for h in g.search_rows(demo_rows, text)[0]], text


def test_the_picker_searches_the_windows_list_without_reading_the_database(
    qtbot: QtBot, demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ops_groups.profile_rows(demo_ws)

    def no_load(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the picker read the profile list again")

    monkeypatch.setattr(ProfileRows, "load", no_load)
    monkeypatch.setattr(ops_groups, "profile_rows", no_load)
    dialog = GroupsDialog(demo_ws, rows=rows)
    qtbot.addWidget(dialog)
    dialog.select_group(dialog.groups[0].id)
    picker = dialog.profile_picker()
    assert picker is not None
    qtbot.addWidget(picker)
    assert picker.rows is rows
    picker.search_edit.setText(rows.display_name[0])
    with qtbot.waitSignal(picker.searched, timeout=5000):
        pass  # the typed search, after the pause
    assert rows.ids[0] in [int(picker.list.item(i).data(256)) for i in range(picker.list.count())]


def test_a_picker_opened_from_the_trash_searches_the_live_profiles(qtbot: QtBot, demo_ws: Workspace) -> None:
    with demo_ws.engine.connect() as conn:
        trash = ProfileRows.load(conn, demo_ws.me_id, deleted=True)
    dialog = GroupsDialog(demo_ws, rows=trash)
    qtbot.addWidget(dialog)
    dialog.select_group(dialog.groups[0].id)
    picker = dialog.profile_picker()
    assert picker is not None
    qtbot.addWidget(picker)
    assert picker.rows is not trash and not picker.rows.trash
    assert len(picker.rows) > len(trash)
