"""The notification centre: the notifications kept in the workspace, and marking them read."""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import notifications as notifications_service
from socialdesk.services.listing import format_table as format_table
from socialdesk.services.notifications import NotificationView as NotificationView
from socialdesk.services.notifications import register_desktop_hook as register_desktop_hook
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "NotificationView",
    "Workspace",
    "format_table",
    "mark_all_read",
    "mark_read",
    "notifications",
    "register_desktop_hook",
    "unread_count",
]


def notifications(workspace: Workspace, *, unread_only: bool = False) -> list[NotificationView]:
    """Newest first."""
    with workspace.reading() as s:
        return notifications_service.list_notifications(s, unread_only=unread_only)


def unread_count(workspace: Workspace) -> int:
    """How many notifications are unread: the main window's bell."""
    with workspace.reading() as s:
        return notifications_service.unread_count(s)


def _read(changed: int) -> Done[int]:
    noun = "notification" if changed == 1 else "notifications"
    return Done(changed, Change.of(Kind.NOTIFICATIONS, message=f"{changed} {noun} marked read"))


def mark_read(workspace: Workspace, ids: Iterable[int]) -> Done[int]:
    """Mark these notifications read; the value is how many changed (unknown ids are ignored)."""
    wanted = list(ids)
    with workspace.session() as s:
        return _read(notifications_service.mark_read(s, wanted))


def mark_all_read(workspace: Workspace) -> Done[int]:
    with workspace.session() as s:
        return _read(notifications_service.mark_all_read(s))
