"""Counted words for the Qt-free layers: the command line's reports and the services' refusals.

The windows choose their plural forms through Qt's catalogue (``ui/i18n.py``, ``%Ln`` sources); below the
windows there is no Qt, and these messages are English only, so one form for 1 and another for the rest
is the whole rule. The count is written with a thousands separator, as everywhere in SocialDesk.
"""

from __future__ import annotations


def counted(n: int, one: str, many: str) -> str:
    """``one`` or ``many`` with ``{n}`` replaced by the count: ``counted(2, "{n} grant", "{n} grants")``."""
    return (one if n == 1 else many).replace("{n}", f"{n:,}")
