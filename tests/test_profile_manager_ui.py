"""The profile manager window (issue 7) against copies of the demo workspace.

Me is "Alex Morgan", an Administrator; "Lena Novak" is an Analyst. Pushes go to a real HTTP server on
127.0.0.1 standing in for the platform (the credentials callable is the push service's own injection point).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from socialdesk.models.catalogue import ConnectionType, GrantState
from socialdesk.models.schema import CustomProfile, Member, PlatformSettings, Profile
from socialdesk.models.settings_catalogue import full_spec
from socialdesk.services import custom_profiles, flows, livechat, members, settings
from socialdesk.services.settings import SyncState
from socialdesk.services.settings_push import Grantee, PushOutcome, no_credentials
from socialdesk.services.tokens import TokenSet
from socialdesk.services.workspace import Workspace
from socialdesk.ui.profile_manager import (
    HasFormRole,
    ProfileIdRole,
    ProfileListModel,
    ProfileManagerWindow,
    gear_icon,
    open_profile_manager,
)
from socialdesk.ui.settings_form import ListEditor
from tests import factory
from tests.push_setup import X_TOKEN
from tests.push_simulators import XSimulator

pytest_plugins = ["tests.push_fixtures"]  # the x_api simulator fixture

X_PROFILE = 7  # Fabrikam Japan: X/Twitter, Publishing connection expired
X_CONNECTED = 8  # Adventure Works Careers: X/Twitter with an active Publishing connection
FACEBOOK = 1
INSTAGRAM = 4
WHATSAPP = 25
LIVE_CHAT = 28
LINKEDIN = 10  # colour only
TOKEN = "ui-test-token"


@pytest.fixture
def ws(demo_dir: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(demo_dir)
    yield workspace
    workspace.close()


def make_window(qtbot: QtBot, ws: Workspace, credentials: Any = no_credentials) -> ProfileManagerWindow:
    window = ProfileManagerWindow(ws, credentials=credentials)

    def before_close(w: ProfileManagerWindow) -> None:
        # Pushes started by a save finish before the workspace closes; a test may end with unsaved
        # changes, and closing would then (rightly) ask, so they are thrown away first.
        qtbot.waitUntil(lambda: w.pushing is None and not w._push_queue, timeout=10000)
        if w.dirty:
            w.revert()

    qtbot.addWidget(window, before_close_func=before_close)
    with qtbot.waitSignal(window.profilesLoaded, timeout=10000):
        window.show()
    return window


@pytest.fixture
def window(qtbot: QtBot, ws: Workspace) -> ProfileManagerWindow:
    return make_window(qtbot, ws)


def saved(ws: Workspace, profile_id: int) -> dict[str, Any]:
    with ws.session() as s:
        return settings.load(s, profile_id).values


def become(ws: Workspace, name: str) -> None:
    with ws.session() as s:
        member = s.scalar(select(Member).where(Member.name == name))
        assert member is not None
        members.set_me(s, member.id)


def answer_next_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Answer the next modal message box (the real one) with ``button``."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.objectName() + ": " + box.text())
        box.button(button).click()

    QTimer.singleShot(0, answer)


# -- the list ------------------------------------------------------------------------------------------


def test_the_list_model_passes_the_item_model_tester(qtmodeltester: Any, ws: Workspace) -> None:
    model = ProfileListModel()
    model.load(ws)
    qtmodeltester.check(model)
    model.set_search("wingtip")
    qtmodeltester.check(model)


def test_every_profile_is_listed_with_a_gear_owned_settings_first(window: ProfileManagerWindow) -> None:
    model = window.model
    with window.workspace.session() as s:
        live = s.execute(
            select(Profile.platform, Profile.kind, Profile.visibility).where(Profile.deleted_at.is_(None))
        ).all()
    with_form = sum(1 for p, k, v in live if full_spec(p, k) is not None and v == "owned")
    assert model.rowCount() == len(live) == 58
    assert window.count_label.text() == "58 profiles"
    has_form = [model.data(model.index(r), HasFormRole) for r in range(model.rowCount())]
    first_colour_only = has_form.index(False)
    assert all(has_form[:first_colour_only]) and not any(has_form[first_colour_only:])
    assert first_colour_only == with_form == 22
    row = model.row_of(X_PROFILE)
    assert model.data(model.index(row), ProfileIdRole) == X_PROFILE
    assert model.data(model.index(row)) == "Fabrikam Japan"
    assert not gear_icon().isNull()
    assert not gear_icon().pixmap(16, 16).isNull()


def test_search_filters_and_says_when_nothing_matches(qtbot: QtBot, window: ProfileManagerWindow) -> None:
    qtbot.keyClicks(window.search, "wingtip")
    names = [window.model.data(window.model.index(r)) for r in range(window.model.rowCount())]
    assert names and all("wingtip" in n.casefold() for n in names)
    assert window.count_label.text() == f"{len(names)} of 58 profiles"
    window.search.setText("@litware_br")
    assert [window.model.profile_id(r) for r in range(window.model.rowCount())] == [54]
    window.search.setText("no such profile")
    assert window.model.rowCount() == 0
    assert not window.no_match.isHidden()
    assert window.no_match.text() == "No profile matches “no such profile”."
    # Opening a profile the search hides shows everything again.
    assert window.select_profile(X_PROFILE)
    assert window.search.text() == "" and window.model.rowCount() == 58


def test_a_profile_opens_before_the_list_is_read_and_is_selected_once_it_is(
    qtbot: QtBot, ws: Workspace
) -> None:
    window = ProfileManagerWindow(ws, credentials=no_credentials)
    qtbot.addWidget(window)
    window.show()
    assert window.list_loading and window.model.rowCount() == 0
    assert window.select_profile(WHATSAPP)  # the gear of the profiles window, right away
    assert window.form is not None and window.header_title.text() == "Blue Yonder Airlines Japan"
    with qtbot.waitSignal(window.profilesLoaded, timeout=10000):
        pass
    assert window.list.currentIndex().data(ProfileIdRole) == WHATSAPP
    assert window.count_label.text() == "58 profiles"


def test_clicking_a_profile_in_the_list_opens_its_form(window: ProfileManagerWindow) -> None:
    row = window.model.row_of(INSTAGRAM)
    window.list.setCurrentIndex(window.model.index(row))
    assert window.profile_id == INSTAGRAM
    assert window.form is not None and list(window.form.editors) == ["color", "ice_breakers"]
    assert window.header_title.text() == "Northwind Events"


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen has no window stacking
def test_open_profile_manager_reuses_the_window_of_its_parent(qtbot: QtBot, ws: Workspace) -> None:
    from PySide6.QtWidgets import QMainWindow

    parent = QMainWindow()
    qtbot.addWidget(parent)
    first = open_profile_manager(ws, parent, credentials=no_credentials)
    assert first.list_loading and first.count_label.text() == "Loading profiles…"
    qtbot.waitUntil(lambda: first.profile_id is not None, timeout=10000)
    assert first.profile_id == first.model.profile_id(0)  # opened on the first profile, once read
    again = open_profile_manager(ws, parent, WHATSAPP, credentials=no_credentials)
    assert again is first and again.profile_id == WHATSAPP and again.isVisible()


# -- forms per platform -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile_id", "platform", "extra"),
    [
        (X_PROFILE, "x", "customProfilesPanel"),
        (FACEBOOK, "facebook", None),
        (INSTAGRAM, "instagram", None),
        (WHATSAPP, "whatsapp", None),
        (LIVE_CHAT, "live_chat", "embedCodePanel"),
    ],
)
def test_each_platform_gets_its_generated_form(
    window: ProfileManagerWindow, profile_id: int, platform: str, extra: str | None
) -> None:
    assert window.select_profile(profile_id)
    loaded = window.loaded
    assert loaded is not None and loaded.platform == platform
    assert window.form is not None
    assert list(window.form.editors) == list(loaded.spec.keys)
    assert window.form.objectName() == f"settingsForm_{platform}"
    assert window.form.values() == loaded.values  # the saved settings, as shown
    assert window.form.errors() == {}
    assert window.custom_panel.isVisible() == (extra == "customProfilesPanel")
    assert window.embed_panel.isVisible() == (extra == "embedCodePanel")
    assert window.save_button.isVisible() and not window.save_button.isEnabled()  # nothing to save yet


def test_a_colour_only_profile_shows_only_the_colour_and_why(window: ProfileManagerWindow) -> None:
    assert window.select_profile(LINKEDIN)
    assert window.form is not None and list(window.form.editors) == ["color"]
    assert "this kind of profile has only the in-app colour" in window.header_subtitle.text()
    assert window.sync_badge.text() == "Kept in SocialDesk only"
    assert window.push_button.isHidden()
    window.form.editor("color").widget.setText("#123456")
    assert window.save()
    assert saved(window.workspace, LINKEDIN)["color"] == "#123456"


# -- typing, counters, messages --------------------------------------------------------------------------


def test_counters_and_inline_errors_follow_the_typing(qtbot: QtBot, window: ProfileManagerWindow) -> None:
    window.select_profile(X_PROFILE)
    assert window.form is not None
    bio = window.form.editor("bio")
    bio.widget.clear()
    link = "https://www.example.com/a/really/long/address/for/the/help/centre/of/the/shop"
    qtbot.keyClicks(bio.widget, f"Help: {link}")
    assert bio.counter.text() == f"{len('Help: ') + 23} / 160"
    assert window.form.errors() == {}
    qtbot.keyClicks(bio.widget, " " + "x" * 140)
    count = len("Help: ") + 23 + 141
    assert bio.counter.text() == f"{count} / 160"
    assert window.form.errors()["bio"] == [f"At most 160 characters; this has {count} (a link counts as 23)"]
    assert window.summary.text() == "1 problem to fix before saving"
    location = window.form.editor("location")
    location.widget.clear()
    qtbot.keyClicks(location.widget, "L" * 31)
    assert window.form.errors()["location"] == ["At most 30 characters; this has 31"]
    assert window.summary.text() == "2 problems to fix before saving"
    qtbot.keyClicks(location.widget, "\b")  # back to 30: fine
    assert "location" not in window.form.errors()
    assert window.isWindowModified() and window.save_button.isEnabled()


def test_warnings_show_at_the_field_and_do_not_block_saving(
    window: ProfileManagerWindow, tmp_path: Path
) -> None:
    window.select_profile(WHATSAPP)
    assert window.form is not None
    picture = png(tmp_path / "logo.png", 300, 200)
    window.form.editor("avatar").widget.setText(str(picture))
    assert window.form.warnings()["avatar"] == [
        "WhatsApp recommends a square JPG or PNG of 640×640 pixels; this picture is 300×200"
    ]
    assert window.form.errors() == {}
    assert window.save()
    stored = saved(window.workspace, WHATSAPP)["avatar"]
    assert (
        stored.startswith("media/")
        and (window.workspace.data_dir / stored).read_bytes() == picture.read_bytes()
    )
    window.select_profile(LIVE_CHAT)
    domains = window.form.editor("allowlisted_domains")
    assert isinstance(domains, ListEditor)
    for _ in range(len(domains.rows)):
        domains.remove_item(0)
    assert window.form.warnings()["allowlisted_domains"] == [
        "No domain is listed, so any web site may load this chat; list your sites to limit it"
    ]
    assert window.save()
    assert saved(window.workspace, LIVE_CHAT)["allowlisted_domains"] == []


def test_save_is_refused_while_a_rule_is_broken(window: ProfileManagerWindow) -> None:
    before = saved(window.workspace, X_PROFILE)
    assert before["quick_replies"]  # the demo account has quick replies under its welcome message
    window.select_profile(X_PROFILE)
    assert window.form is not None
    window.form.editor("welcome_message").widget.clear()
    window.form.editor("name").widget.setText("Fabrikam Japan Official")
    assert window.form.errors()["quick_replies"] == [
        "Quick replies need a welcome message: write the welcome message first"
    ]
    assert not window.save()
    assert not window.save_message.isHidden()
    assert window.save_message.text().startswith("Not saved: 1 problem must be fixed first (Quick replies).")
    assert saved(window.workspace, X_PROFILE) == before  # nothing written, not even the valid name
    assert window.isWindowModified()
    # Fixed, it saves.
    window.form.editor("welcome_message").widget.setPlainText("Hello! How can we help?")
    assert window.save_message.isHidden()
    assert window.save()
    after = saved(window.workspace, X_PROFILE)
    assert (
        after["name"] == "Fabrikam Japan Official" and after["welcome_message"] == "Hello! How can we help?"
    )
    assert not window.isWindowModified() and not window.save_button.isEnabled()
    assert window.statusBar().currentMessage() == "Saved locally: name, welcome_message."


def test_list_limits_and_rules_in_the_facebook_form(window: ProfileManagerWindow) -> None:
    window.select_profile(FACEBOOK)
    assert window.form is not None
    menu = window.form.editor("persistent_menu")
    assert isinstance(menu, ListEditor)
    while menu.add_item():
        menu.rows[-1].text.setText(f"Button {len(menu.rows)}")
        assert menu.rows[-1].flow is not None
        menu.rows[-1].flow.setCurrentIndex(1)
    assert len(menu.rows) == 3 and not menu.add_button.isEnabled()
    assert menu.add_button.toolTip() == "At most 3 buttons (the platform's limit); remove one to add another"
    menu.rows[0].text.setText("L" * 31)
    assert menu.rows[0].errors.text() == "At most 30 characters; this has 31"
    window.form.editor("case_creation").widget.setChecked(True)
    errors = window.form.errors()
    assert set(errors) >= {"ice_breakers", "persistent_menu"}
    assert any("automatic case creation is on" in e for e in errors["ice_breakers"])
    assert not window.save()
    with window.workspace.session() as s:
        assert settings.load(s, FACEBOOK).values["case_creation"] is False


def test_revert_throws_the_changes_away(window: ProfileManagerWindow) -> None:
    window.select_profile(INSTAGRAM)
    assert window.form is not None
    breakers = window.form.editor("ice_breakers")
    assert isinstance(breakers, ListEditor)
    breakers.remove_item(0)
    assert window.revert_button.isEnabled()
    window.revert()
    assert window.form.values() == saved(window.workspace, INSTAGRAM)
    assert not window.isWindowModified() and not window.revert_button.isEnabled()


# -- unsaved changes --------------------------------------------------------------------------------------


def test_leaving_unsaved_changes_asks_save_discard_or_cancel(window: ProfileManagerWindow) -> None:
    window.select_profile(X_PROFILE)
    assert window.form is not None
    window.form.editor("location").widget.setText("Tokyo")
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Cancel, seen)
    assert not window.select_profile(FACEBOOK)
    assert seen == ["unsavedChangesBox: The settings of Fabrikam Japan have unsaved changes."]
    assert window.profile_id == X_PROFILE and window.form.values()["location"] == "Tokyo"
    assert window.list.currentIndex().data(ProfileIdRole) == X_PROFILE
    # Clicking another profile in the list asks too; Discard leaves without saving.
    answer_next_box(QMessageBox.StandardButton.Discard, seen)
    window.list.setCurrentIndex(window.model.index(window.model.row_of(FACEBOOK)))
    assert window.profile_id == FACEBOOK and len(seen) == 2
    assert saved(window.workspace, X_PROFILE)["location"] == "London"
    # Save saves, then leaves.
    window.form.editor("greeting_text").widget.setPlainText("Hi! We answer within the hour.")
    answer_next_box(QMessageBox.StandardButton.Save, seen)
    assert window.select_profile(INSTAGRAM)
    assert saved(window.workspace, FACEBOOK)["greeting_text"] == "Hi! We answer within the hour."
    # Save while a rule is broken keeps the user where the problem is.
    window.select_profile(WHATSAPP)
    window.form.editor("email").widget.setText("not an address")
    answer_next_box(QMessageBox.StandardButton.Save, seen)
    assert not window.select_profile(X_PROFILE)
    assert window.profile_id == WHATSAPP
    assert window.save_message.text().startswith("Not saved: 1 problem must be fixed first (Email).")


def test_closing_with_unsaved_changes_asks(window: ProfileManagerWindow) -> None:
    window.select_profile(WHATSAPP)
    assert window.form is not None
    window.form.editor("about").widget.setText("Open every day")
    seen: list[str] = []
    answer_next_box(QMessageBox.StandardButton.Cancel, seen)
    assert not window.close()
    assert window.isVisible() and len(seen) == 1
    answer_next_box(QMessageBox.StandardButton.Discard, seen)
    assert window.close()
    assert not window.isVisible()
    assert saved(window.workspace, WHATSAPP)["about"] == "We reply on weekdays 9–17."
    window.show()  # reopened: the saved settings, nothing pending
    assert window.form is not None and window.form.values()["about"] == "We reply on weekdays 9–17."
    assert not window.isWindowModified()


# -- who may edit ------------------------------------------------------------------------------------------


def test_non_administrators_see_the_form_read_only_with_the_reason(qtbot: QtBot, ws: Workspace) -> None:
    become(ws, "Lena Novak")
    window = make_window(qtbot, ws)
    assert window.select_profile(X_PROFILE)
    assert window.form is not None
    assert not window.read_only_banner.isHidden()
    assert "Only Administrators can change profile settings" in window.read_only_banner.text()
    assert window.save_button.isHidden() and window.revert_button.isHidden()
    assert window.push_button.isHidden()
    assert window.form.editor("bio").widget.isReadOnly()
    replies = window.form.editor("quick_replies")
    assert isinstance(replies, ListEditor) and replies.add_button.isHidden()
    assert not window.custom_panel.add_button.isEnabled()
    assert "Only Administrators" in window.custom_panel.avatar_button.toolTip()
    assert not window.custom_panel.terms_check.isEnabled()
    assert not window.save()
    assert not window.custom_panel.accept_terms()
    assert "Only Administrators" in window.custom_panel.terms_error.text()
    dialog = window.make_flows_dialog()
    qtbot.addWidget(dialog)
    assert not dialog.add_button.isEnabled() and not dialog.notice.isHidden()
    assert not dialog.add_flow("Sneaky")
    # A Manager is refused too; an Administrator again can edit.
    become(ws, "Jonas Weber")
    window.select_profile(FACEBOOK)
    assert "you are a Manager" in window.read_only_banner.text() and window.save_button.isHidden()
    assert window.form.editor("greeting_text").widget.isReadOnly()
    become(ws, "Alex Morgan")
    window.select_profile(INSTAGRAM)
    assert window.read_only_banner.isHidden() and not window.save_button.isHidden()
    window.select_profile(X_PROFILE)
    assert window.custom_panel.add_button.isEnabled()
    assert window.custom_panel.avatar_button.toolTip().startswith("A PNG or JPEG of at most 700 KB")


# -- saving and pushing -----------------------------------------------------------------------------------


def to(x_api: XSimulator) -> Callable[[int], Grantee | None]:
    """The X account's token, as the keyring would give it, for the X simulator."""
    x_api.tokens.add(X_TOKEN)
    return lambda _profile_id: Grantee(x_api.base_url + "/2", TokenSet(X_TOKEN), "", (), frozenset())


def test_a_saved_change_reaches_the_database_and_is_pushed_off_the_gui_thread(
    qtbot: QtBot, ws: Workspace, x_api: XSimulator
) -> None:
    window = make_window(qtbot, ws, to(x_api))
    window.select_profile(X_CONNECTED)
    assert window.form is not None
    window.form.editor("bio").widget.setPlainText("Careers at Adventure Works: https://careers.example.com")
    x_api.gate.clear()  # the platform holds the answer: the window must not wait for it
    with qtbot.waitSignal(window.pushFinished, timeout=10000) as pushed:
        assert window.save()
        assert window.pushing == X_CONNECTED
        assert window.sync_badge.text() == "Pending" and window.sync_reason.text() == "Pushing to X/Twitter…"
        assert not window.push_button.isEnabled()
        assert saved(ws, X_CONNECTED)["bio"] == "Careers at Adventure Works: https://careers.example.com"
        x_api.gate.set()
    outcome = pushed.args[0]
    assert isinstance(outcome, PushOutcome) and outcome.state is SyncState.SYNCED
    (request,) = x_api.calls()
    assert (request.method, request.path) == ("PUT", "/2/users/me")
    assert request.headers["Authorization"] == f"Bearer {X_TOKEN}"
    assert request.json["description"] == "Careers at Adventure Works: https://careers.example.com"
    assert window.sync_badge.text() == "Pushed"
    assert window.sync_reason.text().startswith("X/Twitter has these settings (pushed ")
    assert window.pushing is None


def test_a_refused_push_keeps_the_local_version_and_says_why(
    qtbot: QtBot, ws: Workspace, x_api: XSimulator
) -> None:
    x_api.answer_next(400, {"title": "Invalid Request", "detail": "location is not valid", "status": 400})
    window = make_window(qtbot, ws, to(x_api))
    window.select_profile(X_CONNECTED)
    assert window.form is not None
    window.form.editor("location").widget.setText("Seattle")
    with qtbot.waitSignal(window.pushFinished, timeout=10000):
        assert window.save()
    assert window.sync_badge.text() == "Push failed"
    assert window.sync_reason.text() == (
        "X/Twitter refused these settings; the local version is kept. Why: "
        "X/Twitter refused the profile (HTTP 400: location is not valid)."
    )
    assert window.push_button.text() == "Retry push" and window.push_button.isEnabled()
    assert saved(ws, X_CONNECTED)["location"] == "Seattle"
    with qtbot.waitSignal(window.pushFinished, timeout=10000):
        window.push_button.click()  # a person retries: it goes now
    assert window.sync_badge.text() == "Pushed" and len(x_api.calls()) == 2
    assert window.statusBar().currentMessage() == "Pushed to X/Twitter."


def test_a_server_error_stays_pending_with_the_next_try(
    qtbot: QtBot, ws: Workspace, x_api: XSimulator
) -> None:
    x_api.answer_next(503, {"title": "Service Unavailable", "status": 503})
    window = make_window(qtbot, ws, to(x_api))
    window.select_profile(X_CONNECTED)
    assert window.form is not None
    window.form.editor("location").widget.setText("Seattle")
    with qtbot.waitSignal(window.pushFinished, timeout=10000):
        assert window.save()
    assert window.sync_badge.text() == "Pending"
    assert window.sync_reason.text().startswith(
        "Saved here, not on X/Twitter yet: X/Twitter had a server error (HTTP 503: Service Unavailable); "
        "next try at "
    )


def test_a_change_saved_during_a_push_is_pushed_after_it(
    qtbot: QtBot, ws: Workspace, x_api: XSimulator
) -> None:
    window = make_window(qtbot, ws, to(x_api))
    window.select_profile(X_CONNECTED)
    assert window.form is not None
    x_api.gate.clear()
    window.form.editor("location").widget.setText("Seattle")
    assert window.save()
    qtbot.waitUntil(lambda: len(x_api.calls()) == 1, timeout=5000)  # the first push is on the wire
    window.form.editor("location").widget.setText("Portland")
    assert window.save()  # saving never waits for the platform
    assert saved(ws, X_CONNECTED)["location"] == "Portland"
    outcomes: list[PushOutcome] = []
    window.pushFinished.connect(outcomes.append)
    x_api.gate.set()
    qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=10000)
    assert outcomes[0].state is SyncState.PENDING  # the platform got a version that was replaced meanwhile
    assert outcomes[1].state is SyncState.SYNCED
    assert [r.json.get("location") for r in x_api.calls()] == ["Seattle", "Portland"]
    assert window.sync_badge.text() == "Pushed"


def test_without_a_connection_the_change_waits_as_pending_with_the_reason(
    qtbot: QtBot, window: ProfileManagerWindow
) -> None:
    window.select_profile(X_PROFILE)  # its Publishing connection has expired
    assert window.form is not None
    window.form.editor("location").widget.setText("Osaka")
    with qtbot.waitSignal(window.pushFinished, timeout=10000):
        assert window.save()
    assert window.sync_badge.text() == "Pending"
    assert window.sync_reason.text() == (
        "Saved here, not on X/Twitter yet: waiting for an active X/Twitter Publishing connection; connect it "
        "and the settings will be pushed."
    )
    assert window.statusBar().currentMessage().startswith("Not pushed yet: waiting for an active X/Twitter")
    with window.workspace.session() as s:
        row = s.get(PlatformSettings, X_PROFILE)
        assert row is not None and row.sync_state == "pending"


def test_the_x_direct_message_settings_say_they_stay_in_socialdesk(window: ProfileManagerWindow) -> None:
    window.select_profile(X_CONNECTED)
    assert window.form is not None
    for key in ("welcome_message", "quick_replies", "attached_quick_replies"):
        note = window.form.editor(key).note
        assert not note.isHidden() and note.text() == "Kept in SocialDesk only — X offers no API for this"
    assert window.form.editor("bio").note.isHidden()
    window.select_profile(FACEBOOK)
    assert "allows 6" in window.form.editor("ice_breakers").note.text()


# -- X/Twitter custom profiles ------------------------------------------------------------------------------


def png(path: Path, width: int, height: int, noise: bool = False) -> Path:
    if noise:
        data = os.urandom(width * height * 3)
        image = QImage(data, width, height, width * 3, QImage.Format.Format_RGB888)
    else:
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(0xFF3949AB)
    assert image.save(str(path), "PNG")
    return path


def test_custom_profiles_terms_add_refuse_oversized_and_delete(
    window: ProfileManagerWindow, tmp_path: Path
) -> None:
    window.select_profile(X_PROFILE)
    panel = window.custom_panel
    assert panel.isVisible() and not panel.terms_check.isChecked()
    good = png(tmp_path / "ada.png", 400, 400)
    # Before the terms and the privacy policy URL: both refusals at once, shown where they belong.
    assert not panel.add_custom_profile("Ada", good)
    assert panel.terms_error.text() == "Accept the X/Twitter custom-profile terms first"
    assert "need a privacy policy URL" in panel.other_error.text()
    panel.terms_check.setChecked(True)  # the checkbox accepts the terms, once, for the workspace
    with window.workspace.session() as s:
        accepted = custom_profiles.terms_acceptance(s)
        assert accepted is not None and accepted.member_name == "Alex Morgan"
    assert panel.terms_check.isChecked() and not panel.terms_check.isEnabled()
    assert (
        panel.terms_state.text().startswith("Accepted on ") and "by Alex Morgan" in panel.terms_state.text()
    )
    assert window.form is not None
    window.form.editor("privacy_policy_url").widget.setText("https://www.fabrikam.example/privacy")
    assert window.save()
    # An oversized avatar is refused with the reason at the avatar; nothing is added.
    big = png(tmp_path / "big.png", 700, 700, noise=True)
    assert big.stat().st_size > 700 * 1024
    assert not panel.add_custom_profile("Ada", big)
    assert panel.avatar_error.text().startswith("The image is ")
    assert "an avatar may be at most 700 KB" in panel.avatar_error.text()
    wide = png(tmp_path / "wide.png", 5000, 60)
    assert not panel.add_custom_profile("Ada", wide)
    assert "each side must be 48 to 4096 pixels" in panel.avatar_error.text()
    assert panel.names() == []
    # A fitting avatar is added and listed.
    assert panel.add_custom_profile("Ada", good)
    assert panel.names() == ["Ada"] and panel.name_edit.text() == ""
    with window.workspace.session() as s:
        (custom,) = s.scalars(select(CustomProfile).where(CustomProfile.profile_id == X_PROFILE)).all()
        stored = custom_profiles.avatar_file(window.workspace, custom)
    assert stored.exists() and panel.list.item(0).icon().isNull() is False
    assert not panel.add_custom_profile("ada", good)  # names are unique per account
    assert panel.name_error.text() == "This account already has a custom profile named 'ada'"
    # The privacy policy URL cannot be emptied while custom profiles exist.
    window.form.editor("privacy_policy_url").widget.clear()
    assert "delete it first" in window.form.errors()["privacy_policy_url"][0]
    window.revert()
    assert panel.delete_custom_profile(panel.custom_ids()[0])
    assert panel.names() == [] and not stored.exists()


# -- flows ---------------------------------------------------------------------------------------------------


def test_flows_dialog_adds_renames_and_refuses_to_delete_a_flow_in_use(
    qtbot: QtBot, window: ProfileManagerWindow
) -> None:
    window.select_profile(FACEBOOK)
    assert window.form is not None
    dialog = window.make_flows_dialog()
    qtbot.addWidget(dialog)
    assert dialog.objectName() == "flowsDialog"
    assert dialog.names() == [
        "Newsletter sign-up", "Opening hours", "Order status", "Returns and refunds", "Talk to an agent",
        "Welcome",
    ]  # fmt: skip
    assert dialog.add_flow("Holiday hours")
    assert "Holiday hours" in dialog.names()
    assert not dialog.add_flow("holiday HOURS")
    assert dialog.error.text() == "There is already a flow named 'Holiday hours'"
    # The pickers in the open form list the new flow.
    menu = window.form.editor("ice_breakers")
    assert isinstance(menu, ListEditor) and menu.rows[0].flow is not None
    assert menu.rows[0].flow.findData("Holiday hours") > 0
    # Delete a flow in use: refused, with where it is used.
    dialog.select("Order status")
    flow_id = dialog.current_id()
    assert flow_id is not None
    assert not dialog.delete_flow(flow_id)
    assert dialog.error.text().startswith("“Order status” is used in ")
    uses = [dialog.uses.item(i).text() for i in range(dialog.uses.count())]
    assert "Facebook Wingtip (@wingtip, id 1): ice_breakers[0].flow" in uses
    assert "Order status" in dialog.names()
    # Rename with unsaved changes in the form: the form follows, and the saved settings were rewritten.
    window.form.editor("greeting_text").widget.setPlainText("Hello there")
    assert dialog.rename_flow(flow_id, "Where is my order")
    assert dialog.info.text().startswith("Renamed; ")
    assert window.form.values()["ice_breakers"][0]["flow"] == "Where is my order"
    assert window.form.errors() == {}
    assert saved(window.workspace, FACEBOOK)["ice_breakers"][0]["flow"] == "Where is my order"
    assert window.form.values()["greeting_text"] == "Hello there"  # the unsaved change is still there
    # An unused flow goes.
    dialog.select("Holiday hours")
    holiday = dialog.current_id()
    assert holiday is not None and dialog.delete_flow(holiday)
    assert "Holiday hours" not in dialog.names()
    with window.workspace.session() as s:
        assert "Holiday hours" not in [f.name for f in flows.list_flows(s)]


# -- Live Chat ----------------------------------------------------------------------------------------------


def test_live_chat_embed_code_preview_and_copy(window: ProfileManagerWindow) -> None:
    window.select_profile(LIVE_CHAT)
    panel = window.embed_panel
    with window.workspace.session() as s:
        expected = livechat.embed_code_for(s, LIVE_CHAT)
    assert panel.code.toPlainText() == expected and panel.code.isReadOnly()
    assert 'data-widget="wingtip_uk"' in expected
    panel.copy_button.click()
    assert QGuiApplication.clipboard().text() == expected
    assert panel.copied_label.text() == "Copied to the clipboard."
    # Unsaved changes are not in the code until saved.
    assert window.form is not None
    window.form.editor("avatar_url").widget.setText("https://cdn.example.com/agent.png")
    assert not panel.note.isHidden()
    assert window.save()
    assert panel.note.isHidden()
    assert '"avatar": "https://cdn.example.com/agent.png"' in panel.code.toPlainText()


# -- long names ---------------------------------------------------------------------------------------------


def test_a_120_character_name_does_not_widen_the_window(qtbot: QtBot, ws: Workspace) -> None:
    long_name = "Northwind Traders International Customer Care and Support " * 2 + "Team"
    assert len(long_name) >= 120
    with ws.session() as s:
        admin = s.scalar(select(Member).where(Member.name == "Alex Morgan"))
        assert admin is not None
        p = factory.profile(s, "x", "account", owners=(admin,), name=long_name)
        factory.connect(s, p, ConnectionType.PUBLISHING, (admin, GrantState.ACTIVE))
        pid = p.id
    window = make_window(qtbot, ws)
    window.resize(900, 700)
    assert window.select_profile(pid)
    assert window.header_title.text() == long_name
    assert window.minimumSizeHint().width() <= 900
    assert window.width() == 900
