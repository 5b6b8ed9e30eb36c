"""Plural-aware strings without a loaded translator: both forms go through ``tr()`` for translators."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def plural(n: int, one: str, many: str, context: str = "SocialDesk") -> str:
    """``one``/``many`` with ``{n}`` replaced, e.g. ``plural(3, "{n} day", "{n} days")``."""
    text = QCoreApplication.translate(context, one if n == 1 else many)
    return text.replace("{n}", f"{n:,}")
