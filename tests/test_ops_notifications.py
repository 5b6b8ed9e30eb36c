"""ops.notifications on the demo workspace: NotificationView records, marks as Done with the change."""

from __future__ import annotations

from socialdesk.ops import notifications as ops_notifications
from socialdesk.ops.changes import Kind
from socialdesk.services.workspace import Workspace
from tests.ops_records import assert_annotations_are_records, assert_done, assert_record


def test_every_public_function_returns_records() -> None:
    assert_annotations_are_records(ops_notifications)


def test_list_count_and_mark_read(demo_ws: Workspace) -> None:
    entries = ops_notifications.notifications(demo_ws)
    assert_record(entries)
    unread = [n for n in entries if not n.read]
    assert unread and ops_notifications.unread_count(demo_ws) == len(unread)
    assert ops_notifications.notifications(demo_ws, unread_only=True) == unread
    one = assert_done(ops_notifications.mark_read(demo_ws, [unread[0].id, 10**9]), Kind.NOTIFICATIONS)
    assert one == 1 and ops_notifications.unread_count(demo_ws) == len(unread) - 1
    rest = assert_done(ops_notifications.mark_all_read(demo_ws), Kind.NOTIFICATIONS)
    assert rest == len(unread) - 1 and ops_notifications.unread_count(demo_ws) == 0
    assert assert_done(ops_notifications.mark_all_read(demo_ws), Kind.NOTIFICATIONS) == 0
