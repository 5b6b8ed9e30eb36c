"""The text filter of the read model (``ProfileRows``/``TextIndex``): the same rows as plain Python
(``needle in field.casefold()`` for the name, the handle and the notes), found with numpy over one
joined byte string instead of a Python test per row (docs/scale.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from socialdesk.models.catalogue import Ownership
from socialdesk.services.query import Coded, ProfileFilter, ProfileRows, TextIndex
from socialdesk.services.workspace import Workspace

FIELD_TEXT = st.text(alphabet=st.sampled_from(list("abcABC xyzß·ẞİıΣσς€😀_-\x00\x01é")), max_size=12)


def _rows(names: list[str], handles: list[str], notes: list[str]) -> ProfileRows:
    rows = ProfileRows(None)
    rows.ids.array = np.arange(1, len(names) + 1, dtype=np.int64)
    rows.display_name, rows.handle, rows.notes = names, handles, notes
    rows.ownership = Coded([Ownership.OWNED], np.zeros(len(names), np.int32))
    return rows


def _plain(names: list[str], handles: list[str], notes: list[str], needle: str) -> list[int]:
    return [
        r for r in range(len(names)) if any(needle in f.casefold() for f in (names[r], handles[r], notes[r]))
    ]


@settings(max_examples=200, deadline=None)
@given(
    fields=st.lists(st.tuples(FIELD_TEXT, FIELD_TEXT, FIELD_TEXT), max_size=12),
    needle=FIELD_TEXT,
)
def test_the_index_finds_what_plain_python_finds(fields: list[tuple[str, str, str]], needle: str) -> None:
    names, handles, notes = (list(c) for c in zip(*fields, strict=True)) if fields else ([], [], [])
    rows = _rows(names, handles, notes)
    folded = needle.casefold()
    found = np.flatnonzero(rows._build_mask("search", folded)).tolist()
    assert found == _plain(names, handles, notes, folded)


def test_a_match_never_spans_two_fields_or_two_rows() -> None:
    rows = _rows(["ab", "cd"], ["ef", "gh"], ["", "ij"])
    assert np.flatnonzero(rows._build_mask("search", "bef")).tolist() == []
    assert np.flatnonzero(rows._build_mask("search", "fc")).tolist() == []
    assert np.flatnonzero(rows._build_mask("search", "gh")).tolist() == [1]
    assert np.flatnonzero(rows._build_mask("search", "a")).tolist() == [0]


def test_the_search_is_case_folded_and_accepts_any_script() -> None:
    rows = _rows(["Straße Nord", "İstanbul Café", "ΣΟΦΙΑ"], ["x", "y", "z"], ["", "", "😀 team"])
    flt = ProfileFilter(search="  STRASSE ")
    assert rows.select(flt) == [0]
    assert rows.select(ProfileFilter(search="CAFÉ")) == [1]
    assert rows.select(ProfileFilter(search="σοφια")) == [2]
    assert rows.select(ProfileFilter(search="😀")) == [2]


def test_the_search_runs_no_python_test_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    n = 50_000
    names = [f"Brand {i} Support" if i % 7 else f"Brand {i} Care" for i in range(n)]
    rows = _rows(names, [f"h{i}" for i in range(n)], ["Run by the regional team."] * n)
    rows._search_index()

    def per_row(_r: int) -> tuple[str, ...]:
        raise AssertionError("a row was tested in Python")

    monkeypatch.setattr(rows, "_fields", per_row)
    for needle in ("care", "e", "regional team", "brand 49999 s", "zz"):
        mask = rows._build_mask("search", needle)
        assert np.flatnonzero(mask).tolist() == _plain(names, rows.handle, rows.notes, needle)


def test_rows_changed_by_a_refresh_are_searched_in_their_new_text() -> None:
    rows = _rows(["Alpha", "Beta"], ["a", "b"], ["", ""])
    index = rows._search_index()
    rows.display_name[1] = "Gamma"
    index.dirty[1] = rows._fields(1)
    rows.display_name.append("Beta again")
    rows.handle.append("c")
    rows.notes.append("")
    rows.ids.array = np.arange(1, 4, dtype=np.int64)
    index.dirty[2] = rows._fields(2)
    assert np.flatnonzero(rows._build_mask("search", "beta")).tolist() == [2]
    assert np.flatnonzero(rows._build_mask("search", "gamma")).tolist() == [1]


def test_a_field_holding_a_nul_falls_back_to_the_plain_way() -> None:
    index = TextIndex(["a\x00b", "c"], ["", ""], ["", ""])
    assert not index.usable
    rows = _rows(["a\x00b", "c"], ["", ""], ["", ""])
    assert np.flatnonzero(rows._build_mask("search", "b")).tolist() == [0]


def test_a_refresh_keeps_the_search_right_without_rebuilding_the_index(demo_ws: Workspace) -> None:
    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id)
    index = rows._text_index
    assert index is not None and index.usable  # built with the load, in the loader's thread
    first = rows.ids[0]
    old = rows.display_name[0].casefold()
    with demo_ws.engine.begin() as conn:
        conn.execute(text("UPDATE profiles SET display_name = 'Zebra Qwerty' WHERE id = :i"), {"i": first})
    with demo_ws.engine.connect() as conn:
        rows.refresh(conn, [first])
    assert rows._text_index is index  # patched, not rebuilt
    assert rows.select(ProfileFilter(search="zebra qwerty")) == [0]
    assert 0 not in rows.select(ProfileFilter(search=old)) or old in rows.handle[0] + rows.notes[0]


def test_the_name_order_and_the_index_prepared_after_the_load_serve_sorts_and_searches(
    demo_ws: Workspace,
) -> None:
    import threading

    with demo_ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, demo_ws.me_id, prepare=False)
        fresh = ProfileRows.load(conn, demo_ws.me_id)
    assert rows._text_index is None and "name" not in rows._orders  # left to the window's worker
    # A worker holds the lock while it prepares: a sort by name on the GUI thread waits for it.
    entered, release = threading.Event(), threading.Event()
    real_index = TextIndex

    class SlowIndex(real_index):
        def __init__(self, *args: Any) -> None:
            entered.set()
            release.wait(5)
            super().__init__(*args)

    import socialdesk.services.query as query_module

    query_module.TextIndex = SlowIndex  # type: ignore[misc]
    try:
        worker = threading.Thread(target=rows.prepare)
        worker.start()
        assert entered.wait(5)
        name_rank = rows._ranks["name"]  # computed by the worker, before the index
        release.set()
        assert rows.order("name") == fresh.order("name")
        worker.join(5)
    finally:
        query_module.TextIndex = real_index  # type: ignore[misc]
    assert rows._ranks["name"] is name_rank  # the GUI thread used the worker's rank
    index = rows._text_index
    assert index is not None
    rows.prepare()
    assert rows._text_index is index  # prepared once
    for needle in ("brand", "SUPPORT", "zz-none"):
        assert rows.select(ProfileFilter(search=needle)) == fresh.select(ProfileFilter(search=needle))


def test_the_window_prepares_the_name_order_and_the_index_after_the_rows_are_shown(
    qtbot: QtBot, demo_dir: Path
) -> None:
    from socialdesk.app import create_main_window
    from socialdesk.ui.main_window import MainWindow

    window = create_main_window(demo_dir)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.rowsLoaded, timeout=60000):
        pass
    rows = window.model.rows
    qtbot.waitUntil(lambda: rows._text_index is not None and "name" in rows._orders, timeout=10000)
    window.close()
