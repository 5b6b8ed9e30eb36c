"""Icons and styles, loaded from plain files with importlib.resources."""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtGui import QIcon


def _path(relative: str) -> str:
    return str(resources.files("socialdesk").joinpath("resources", relative))


@cache
def icon(name: str) -> QIcon:
    """An icon from ``resources/icons`` by file stem, e.g. ``"bell"``."""
    return QIcon(_path(f"icons/{name}.svg"))


@cache
def platform_icon(platform: str) -> QIcon:
    return QIcon(_path(f"icons/platforms/{platform}.svg"))
