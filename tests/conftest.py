"""Shared fixtures. Qt runs offscreen; every workspace lives in ``tmp_path``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from socialdesk.services.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws", create=True)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace built once; tests get a copy (``demo_dir``) so they may change it."""
    from socialdesk.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template")
    ws = Workspace.open(path, create=True)
    build_demo(ws)
    ws.close()
    return path


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def demo_ws(demo_dir: Path) -> Iterator[Workspace]:
    ws = Workspace.open(demo_dir)
    yield ws
    ws.close()


#: The shared big workspace of the suite's scale tests (the 100,000 and 1,000,000 runs are benchmarks).
SCALE_PROFILES = 20_000


@pytest.fixture(scope="session")
def scale_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-profile demo workspace, built once per test session; tests must not change it (copy it)."""
    from socialdesk.services.demo import build_demo

    path = tmp_path_factory.mktemp("scale-20k")
    ws = Workspace.open(path, create=True)
    build_demo(ws, profiles=SCALE_PROFILES)
    ws.close()
    return path
