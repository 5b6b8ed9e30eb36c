"""Workspace operations: open it (the window, a command), whether it is empty, the unread count, the demo.

Every command opens its workspace through here, so this module stays light: the profile list's reads
(the read model, numpy) are ``ops.profile_list``, and the demo builder is imported by ``build_demo``
only (``socialdesk --help`` took +245 ms when both came with it). No Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import notifications as notifications_service
from socialdesk.services import rules
from socialdesk.services.rules import Decision
from socialdesk.services.workspace import CLI_BUSY_TIMEOUT_S, Workspace, busy_timeout

__all__ = [
    "Workspace",
    "build_demo",
    "can_load_demo",
    "is_empty",
    "open_for_command",
    "open_workspace",
    "unread_count",
]


def open_workspace(data_dir: Path) -> Workspace:
    """The window's workspace (created when missing); a bad one raises ``WorkspaceError``."""
    return Workspace.open(data_dir, create=True)


def open_for_command(data_dir: Path, *, create: bool = False) -> Workspace:
    """A command's workspace: it waits longer for another writer than the window (``CLI_BUSY_TIMEOUT_S``)."""
    return Workspace.open(data_dir, create=create, timeout=busy_timeout(CLI_BUSY_TIMEOUT_S))


def unread_count(workspace: Workspace) -> int:
    with workspace.reading() as s:
        return notifications_service.unread_count(s)


def is_empty(workspace: Workspace) -> bool:
    return workspace.is_empty()


def can_load_demo(workspace: Workspace) -> Decision:
    """The demo fills an empty workspace only (``rules.can_load_demo``)."""
    return rules.can_load_demo(workspace.is_empty())


def build_demo(
    workspace: Workspace,
    profiles: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Done[dict[str, int]]:
    """Fill an empty workspace with the demo (``profiles`` and ``seed`` default to the demo's own,
    ``services.demo.DEFAULT_PROFILES`` and ``DEFAULT_SEED``); the counts of what was made."""
    from socialdesk.services import demo as demo_service

    counts = demo_service.build_demo(
        workspace,
        profiles=demo_service.DEFAULT_PROFILES if profiles is None else profiles,
        seed=demo_service.DEFAULT_SEED if seed is None else seed,
        progress=progress,
    )
    change = Change.of(
        Kind.PROFILES, Kind.GROUPS, Kind.MEMBERS, Kind.FLOWS, Kind.SETTINGS, Kind.CONNECTIONS,
        Kind.NOTIFICATIONS, message="Loaded the demo workspace",
    )  # fmt: skip
    return Done(counts, change)
