"""The notification centre reads like a feed: a heading per day, unread marked by a dot and a bold time
(not whole bold paragraphs), the profile's name a link that selects the profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from socialdesk.services import notifications as notifications_service
from socialdesk.services.notifications import NotificationView
from socialdesk.services.workspace import Workspace
from socialdesk.ui.notifications import IdRole, NotificationCentre, UnreadRole, entry_html, local_time

SENTENCE = "The Publishing connection of Facebook page \u201cAcme <b>\u201d (@acme) has expired."


def view(read: bool, text: str = SENTENCE) -> NotificationView:
    return NotificationView(
        id=1, kind="connection_expired", profile_id=7, connection_type="publishing",
        created_at=datetime(2026, 12, 1, 9, 30), read=read, text=text,
    )


def test_entry_links_the_profile_name_escapes_it_and_marks_unread_only_by_dot_and_time() -> None:
    unread = entry_html(view(read=False), local_time(datetime(2026, 12, 1, 9, 30)))
    assert '<a href="profile:7">Acme &lt;b&gt;</a>' in unread  # the name is text, never markup
    assert "<b>" in unread and unread.count("<b>") == 1  # only the time is bold
    read = entry_html(view(read=True), local_time(datetime(2026, 12, 1, 9, 30)))
    assert "<b>" not in read and "transparent" in read  # no dot, no bold


def test_centre_groups_by_day_and_the_link_opens_the_profile(qtbot: QtBot, demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        entries = notifications_service.list_notifications(s)
    assert entries
    centre = NotificationCentre(demo_ws)
    qtbot.addWidget(centre)
    centre.show()
    days = {local_time(n.created_at).date() for n in entries}
    rows = [centre.list.item(i) for i in range(centre.list.count())]
    headings = [row for row in rows if row.data(IdRole) is None]
    assert len(headings) == len(days)
    today = datetime.now().astimezone().date()
    expected = {centre.day_heading(d, today) for d in days}
    assert {h.text() for h in headings} == expected
    assert centre.day_heading(today, today) == "Today"
    assert centre.day_heading(today - timedelta(days=1), today) == "Yesterday"
    # Entries under their heading, newest first, each sized to its wrapped text.
    items = centre.entry_items()
    assert [int(i.data(IdRole)) for i in items] == [n.id for n in entries]
    assert [bool(i.data(UnreadRole)) for i in items] == [not n.read for n in entries]
    label = centre.list.itemWidget(items[0])
    assert isinstance(label, QLabel) and label.height() <= 3 * label.fontMetrics().lineSpacing() + 12
    target = next(n for n in entries if n.profile_id is not None)
    item = items[[n.id for n in entries].index(target.id)]
    label = centre.list.itemWidget(item)
    assert isinstance(label, QLabel)
    with qtbot.waitSignal(centre.profileRequested) as requested:
        label.linkActivated.emit(f"profile:{target.profile_id}")
    assert requested.args == [target.profile_id]
    with demo_ws.session() as s:
        assert target.id not in {n.id for n in notifications_service.list_notifications(s) if not n.read}


def test_times_are_shown_in_local_time() -> None:
    stored = datetime(2026, 12, 1, 23, 30)  # naive values in the database are UTC
    assert local_time(stored) == stored.replace(tzinfo=UTC).astimezone()
