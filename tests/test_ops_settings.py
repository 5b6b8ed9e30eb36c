"""``socialdesk.ops.settings`` and ``ops.profile_settings`` on a real workspace: records and changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import DeclarativeBase

from socialdesk.ops import profile_settings as ops_profiles
from socialdesk.ops import settings as ops
from socialdesk.ops.changes import Kind
from socialdesk.services import rules
from socialdesk.services.errors import NotAllowedError
from socialdesk.services.workspace import Workspace

FACEBOOK = 1
X_PROFILE = 7  # its Publishing connection has expired
X_CONNECTED = 8
LIVE_CHAT = 28
LINKEDIN = 10  # colour only


def _no_orm(value: Any) -> None:
    assert not isinstance(value, DeclarativeBase)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _no_orm(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _no_orm(item)


def test_view_check_save_and_push_decisions(demo_ws: Workspace) -> None:
    shown = ops.view(demo_ws, FACEBOOK)
    _no_orm(shown)
    assert shown.decision and "Welcome" in shown.flows
    checked = ops.check(demo_ws, FACEBOOK, {"greeting_text": "Hello"})
    assert checked.changed == ("greeting_text",) and not checked.problems
    done = ops.save(demo_ws, FACEBOOK, {"greeting_text": "Hello"})
    _no_orm(done.value)
    assert done.change.touches(Kind.SETTINGS) and done.change.profile_ids == (FACEBOOK,)
    assert ops.load(demo_ws, FACEBOOK).values["greeting_text"] == "Hello"
    again = ops.save(demo_ws, FACEBOOK, {"greeting_text": "Hello"})
    assert again.value.changed == () and not again.change and not ops.needs_push(again.value)
    x = ops.load(demo_ws, X_PROFILE)
    assert not ops.push_decision(demo_ws, x)  # synced: nothing waits
    pending = dataclasses.replace(x, sync_state=ops.SyncState.PENDING)
    assert ops.push_decision(demo_ws, pending).reason == (
        "Pushing needs an active X/Twitter Publishing connection; connect it first"
    )
    connected = dataclasses.replace(ops.load(demo_ws, X_CONNECTED), sync_state=ops.SyncState.PENDING)
    assert ops.push_decision(demo_ws, connected)


def test_save_and_push_pushes_only_what_is_left_pending(demo_ws: Workspace) -> None:
    done = ops.save_and_push(demo_ws, X_PROFILE, {"location": "Osaka"}, ops.no_credentials)
    _no_orm(done.value)
    assert done.value.saved.changed == ("location",)
    assert done.value.outcome is not None and done.value.outcome.state is ops.SyncState.PENDING
    assert done.change.profile_ids == (X_PROFILE,)
    colour = ops.save_and_push(demo_ws, LINKEDIN, {"color": "#112233"}, ops.no_credentials)
    assert colour.value.outcome is None  # kept in SocialDesk: nothing to send


def test_embed_code_only_for_live_chat(demo_ws: Workspace) -> None:
    assert "socialdesk-chat-config" in ops.embed_code(demo_ws, LIVE_CHAT)
    with pytest.raises(NotAllowedError):
        ops.embed_code(demo_ws, FACEBOOK)


def test_the_profile_list_comes_from_the_shared_read_model(demo_ws: Workspace) -> None:
    columns = ops_profiles.profile_list(demo_ws)
    _no_orm(columns)
    assert len(columns.ids) == 58 and columns.position[columns.ids[0]] == 0
    first_colour_only = columns.with_form.index(False)
    assert all(columns.with_form[:first_colour_only]) and not any(columns.with_form[first_colour_only:])
    i = columns.position[LINKEDIN]
    assert not columns.with_form[i]
    assert columns.with_form[columns.position[FACEBOOK]]


def test_custom_profiles_through_operations(demo_ws: Workspace, tmp_path: Path) -> None:
    from tests.test_profile_manager_ui import png

    empty = ops_profiles.custom_profiles(demo_ws, X_PROFILE)
    assert empty.terms is None and empty.items == ()
    accepted = ops_profiles.accept_terms(demo_ws)
    assert accepted.value.member_name == "Alex Morgan" and accepted.change.touches(Kind.SETTINGS)
    ops.save(demo_ws, X_PROFILE, {"privacy_policy_url": "https://www.fabrikam.example/privacy"})
    added = ops_profiles.add_custom_profile(demo_ws, X_PROFILE, "Ada", png(tmp_path / "a.png", 400, 400))
    _no_orm(added.value)
    assert added.value.name == "Ada" and added.value.avatar.exists()
    assert added.change.profile_ids == (X_PROFILE,)
    listed = ops_profiles.custom_profiles(demo_ws, X_PROFILE)
    assert [c.name for c in listed.items] == ["Ada"]
    deleted = ops_profiles.delete_custom_profile(demo_ws, X_PROFILE, added.value.id)
    assert deleted.value == "Ada" and not added.value.avatar.exists()


def test_the_settings_rules() -> None:
    assert rules.settings_form("facebook", "page", "owned")
    assert rules.settings_form("facebook", "page", "public").reason == rules.COLOUR_ONLY_PUBLIC
    assert rules.settings_form("linkedin", "user", "owned").reason == rules.COLOUR_ONLY_KIND
    assert rules.has_embed_code("live_chat") and not rules.has_embed_code("x")
    assert rules.push_after_save(("bio",), pending=True)
    assert not rules.push_after_save((), pending=True) and not rules.push_after_save(("bio",), pending=False)
    assert not rules.can_push_now(True, None, "X/Twitter Publishing")
    assert rules.can_push_now(True, rules.ConnectionState.ACTIVE, "X/Twitter Publishing")
