"""The simulator fixtures (loaded with ``pytest_plugins = ["tests.push_fixtures"]``): each test that
uses one fails if the push sent anything the platform's documentation does not accept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.push_simulators import GraphSimulator, XSimulator, serve


@pytest.fixture
def graph() -> Iterator[GraphSimulator]:
    sim = GraphSimulator()
    yield from serve(sim)  # type: ignore[misc]
    assert sim.violations == [], sim.violations


@pytest.fixture
def x_api() -> Iterator[XSimulator]:
    sim = XSimulator()
    yield from serve(sim)  # type: ignore[misc]
    assert sim.violations == [], sim.violations
