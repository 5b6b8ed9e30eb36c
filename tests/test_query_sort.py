"""First sorts of the read model cost less than a bare ``sorted()`` of the names (docs/scale.md):
ranks per distinct value spread with ``lut[codes]``, in the smallest unsigned type, so numpy's
stable sort is a radix sort."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from socialdesk.services.query import COLUMN_KEYS, ProfileRows
from socialdesk.services.workspace import Workspace


@pytest.fixture(scope="module")
def scale_rows(scale_dir: Path) -> ProfileRows:
    ws = Workspace.open(scale_dir)
    with ws.engine.connect() as conn:
        rows = ProfileRows.load(conn, ws.me_id)
    ws.close()
    return rows


def _best(fn: Callable[[], object], times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def test_coded_ranks_take_the_smallest_unsigned_type(scale_rows: ProfileRows) -> None:
    for key in COLUMN_KEYS:
        if key in ("name", "added"):
            continue
        scale_rows._ranks.pop(key, None)
        rank = scale_rows.rank(key)
        assert rank.dtype in (np.uint8, np.uint16), (key, rank.dtype)


def test_every_first_sort_is_faster_than_a_bare_sorted_of_the_names(scale_rows: ProfileRows) -> None:
    rows = scale_rows
    names = list(rows.display_name)
    bare = _best(lambda: sorted(names, key=str.casefold))
    for key in COLUMN_KEYS:
        if key == "name":  # its order comes with the load
            continue

        def first_sort(key: str = key) -> None:
            rows._orders.pop(key, None)
            rows._ranks.pop(key, None)
            rows.order_array(key)

        took = _best(first_sort)
        assert took < bare, (key, took, bare)
