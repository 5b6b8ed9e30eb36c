"""The notification centre: one notification per expiry, channels, desktop hook, read state, CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from socialdesk.cli import main
from socialdesk.models.catalogue import ConnectionType, GrantState, Role
from socialdesk.models.schema import Grant
from socialdesk.services import notifications
from socialdesk.services.clock import utcnow
from socialdesk.services.workspace import Workspace
from tests import factory


def expired_connection(ws: Workspace, handle: str = "contoso") -> int:
    with ws.session() as s:
        me = factory.member(s, f"Owner {handle}", Role.ADMINISTRATOR, me=True)
        p = factory.profile(s, "facebook", "page", handle=handle, name="Contoso", owners=(me,))
        c = factory.connect(s, p, ConnectionType.PUBLISHING, (me, GrantState.EXPIRED))
        return c.id


def test_one_notification_per_expiry_and_a_new_one_after_a_reconnect(workspace: Workspace) -> None:
    cid = expired_connection(workspace)
    with workspace.session() as s:
        note = notifications.connection_expired(s, cid)
        assert note is not None
        assert note.kind == "connection_expired" and note.connection_type == "publishing"
        assert "Publishing connection of Facebook page “Contoso” (@contoso) has expired" in note.text
        assert notifications.connection_expired(s, cid) is None
    data_dir = workspace.data_dir
    workspace.close()
    reopened = Workspace.open(data_dir)
    try:
        with reopened.session() as s:
            assert notifications.connection_expired(s, cid) is None  # also after a restart
            grant = s.scalar(select(Grant).where(Grant.connection_id == cid))
            assert grant is not None
            grant.granted_at = utcnow() + timedelta(seconds=5)  # re-connected, then expired again
        with reopened.session() as s:
            assert notifications.connection_expired(s, cid) is not None
            assert len(notifications.list_notifications(s)) == 2
    finally:
        reopened.close()


def test_in_app_channel_off_records_the_notification_as_read(workspace: Workspace) -> None:
    cid = expired_connection(workspace)
    with workspace.session() as s:
        assert notifications.channels(s) == notifications.Channels(in_app=True, desktop=True)
        notifications.set_channels(s, in_app=False)
    with workspace.session() as s:
        assert notifications.channels(s).in_app is False
        note = notifications.connection_expired(s, cid)
        assert note is not None and note.read
        assert notifications.unread_count(s) == 0
        assert notifications.list_notifications(s, unread_only=True) == []
        assert len(notifications.list_notifications(s)) == 1  # the centre keeps it


def test_desktop_hook_is_called_only_while_the_channel_is_on(workspace: Workspace) -> None:
    cid = expired_connection(workspace)
    seen: list[str] = []

    def broken(_note: notifications.NotificationView) -> None:
        raise RuntimeError("the desktop has no notification daemon")

    unregister = notifications.register_desktop_hook(lambda note: seen.append(note.text))
    unregister_broken = notifications.register_desktop_hook(broken)
    try:
        with workspace.session() as s:
            note = notifications.connection_expired(s, cid)
        assert note is not None
        assert notifications.dispatch_desktop(workspace, [note]) == 1  # the broken hook does not stop it
        assert seen == [note.text]
        with workspace.session() as s:
            notifications.set_channels(s, desktop=False)
        assert notifications.dispatch_desktop(workspace, [note]) == 0
        assert seen == [note.text]
    finally:
        unregister()
        unregister_broken()


def test_mark_read_and_mark_all_read(workspace: Workspace) -> None:
    ids = []
    for handle in ("one", "two", "three"):
        cid = expired_connection(workspace, handle)
        with workspace.session() as s:
            note = notifications.connection_expired(s, cid)
            assert note is not None
            ids.append(note.id)
    with workspace.session() as s:
        assert notifications.unread_count(s) == 3
        assert notifications.mark_read(s, [ids[0], 999]) == 1
        assert notifications.mark_read(s, [ids[0]]) == 0
    with workspace.session() as s:
        assert [n.id for n in notifications.list_notifications(s, unread_only=True)] == sorted(
            ids[1:], reverse=True
        )
        assert notifications.mark_all_read(s) == 2
        assert notifications.unread_count(s) == 0


def test_notifications_command_json_table_unread_and_read(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    first = expired_connection(workspace, "first")
    second = expired_connection(workspace, "second")
    with workspace.session() as s:
        a = notifications.connection_expired(s, first)
        b = notifications.connection_expired(s, second)
        assert a is not None and b is not None
        notifications.mark_read(s, [a.id])
    data_dir = str(workspace.data_dir)
    workspace.close()

    assert main(["--data-dir", data_dir, "notifications", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [set(n) for n in listed] == [
        {"id", "kind", "profile_id", "connection_type", "created_at", "read", "text"}
    ] * 2
    assert {n["id"]: n["read"] for n in listed} == {a.id: True, b.id: False}
    assert all(n["created_at"].endswith("Z") and n["kind"] == "connection_expired" for n in listed)

    assert main(["--data-dir", data_dir, "notifications", "--unread", "--format", "json"]) == 0
    assert [n["id"] for n in json.loads(capsys.readouterr().out)] == [b.id]

    assert main(["--data-dir", data_dir, "notifications"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["id", "created", "kind", "profile", "type", "read", "text"]
    assert "2 notifications, 1 unread" in table

    assert main(["--data-dir", data_dir, "notifications", "read", "--all"]) == 0
    assert "1 notification marked read" in capsys.readouterr().out
    assert main(["--data-dir", data_dir, "notifications", "--unread", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--data-dir", data_dir, "notifications", "read"]) == 2  # neither ids nor --all


def test_notifications_command_without_a_workspace_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path / "none"), "notifications"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "There is no workspace" in err[0]
