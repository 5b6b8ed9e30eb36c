"""The profile manager as a manager meets it (issue 15, point 13): messages, pickers, Push now, placement.

Screenshots of these states are taken by hand (``widget.grab()``) and looked at; the tests pin the
behaviour behind each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QComboBox, QMainWindow
from pytestqt.qtbot import QtBot

from socialdesk.ops import settings as ops_settings
from socialdesk.services.workspace import Workspace
from socialdesk.ui.profile_manager import ProfileManager, ProfileManagerWindow, open_profile_manager
from tests.test_profile_manager_ui import FACEBOOK, X_CONNECTED, X_PROFILE, make_window, png


@pytest.fixture
def ws(demo_dir: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(demo_dir)
    yield workspace
    workspace.close()


@pytest.fixture
def window(qtbot: QtBot, ws: Workspace) -> ProfileManagerWindow:
    return make_window(qtbot, ws)


def test_the_documented_name_is_the_window(window: ProfileManagerWindow) -> None:
    assert ProfileManager is ProfileManagerWindow and isinstance(window, ProfileManager)


def test_the_status_bar_forgets_the_previous_profiles_message(window: ProfileManagerWindow) -> None:
    window.select_profile(FACEBOOK)
    window.statusBar().showMessage("Saved locally: welcome_message.", 8000)
    window.select_profile(X_PROFILE)
    assert window.statusBar().currentMessage() == ""
    window.statusBar().showMessage("Custom profile “Ada” added.", 8000)
    window.select_profile(X_PROFILE)  # the same profile again: its message stays
    assert window.statusBar().currentMessage() == "Custom profile “Ada” added."


def test_a_flow_picker_shows_the_whole_flow_name(window: ProfileManagerWindow) -> None:
    window.select_profile(FACEBOOK)
    assert window.form is not None
    combos = [c for c in window.form.findChildren(QComboBox) if c.findText("Newsletter sign-up") >= 0]
    assert combos, "the Facebook form has flow pickers"
    for combo in combos:
        combo.setCurrentIndex(combo.findText("Newsletter sign-up"))
        text_room = combo.style().subControlRect(
            combo.style().ComplexControl.CC_ComboBox,
            _option(combo),
            combo.style().SubControl.SC_ComboBoxEditField,
            combo,
        )
        needed = combo.fontMetrics().horizontalAdvance("Newsletter sign-up")
        assert combo.sizeHint().width() >= needed and text_room.width() >= needed
        assert combo.toolTip() == "Newsletter sign-up"


def _option(combo: QComboBox) -> object:
    from PySide6.QtWidgets import QStyleOptionComboBox

    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    option.rect = QRect(QPoint(0, 0), combo.sizeHint())
    return option


def test_push_now_is_disabled_without_a_connection_and_says_why(
    qtbot: QtBot, window: ProfileManagerWindow
) -> None:
    window.select_profile(X_PROFILE)  # its Publishing connection has expired
    assert window.form is not None
    window.form.editor("location").widget.setText("Osaka")
    with qtbot.waitSignal(window.pushFinished, timeout=10000):
        assert window.save()
    assert window.sync_badge.text() == "Pending"
    assert window.push_button.isVisible() and not window.push_button.isEnabled()
    assert window.push_button.toolTip() == (
        "Pushing needs an active X/Twitter Publishing connection; connect it first"
    )


def test_push_now_with_a_connection_is_enabled_only_while_something_waits(
    window: ProfileManagerWindow,
) -> None:
    window.select_profile(X_CONNECTED)
    assert window.loaded is not None and window.loaded.sync_state is ops_settings.SyncState.SYNCED
    assert not window.push_button.isEnabled()
    assert window.push_button.toolTip().startswith("Nothing waits to be pushed")
    window._show_sync(dataclasses.replace(window.loaded, sync_state=ops_settings.SyncState.PENDING))
    assert window.push_button.isEnabled()
    assert window.push_button.toolTip() == "Send the saved settings to the platform now"


def test_a_refused_custom_profile_is_scrolled_into_view(
    qtbot: QtBot, window: ProfileManagerWindow, tmp_path: Path
) -> None:
    window.resize(900, 560)
    window.select_profile(X_PROFILE)
    panel = window.custom_panel
    window.form_scroll.verticalScrollBar().setValue(0)
    assert not panel.add_custom_profile("Ada", png(tmp_path / "ada.png", 400, 400))
    viewport = window.form_scroll.viewport()

    def shown(label: object) -> bool:
        top = label.mapTo(viewport, QPoint(0, 0))  # type: ignore[attr-defined]
        height = label.height()  # type: ignore[attr-defined]
        return top.y() >= 0 and top.y() + height <= viewport.height()

    qtbot.waitUntil(lambda: shown(panel.terms_error), timeout=3000)
    assert panel.terms_error.text() == "Accept the X/Twitter custom-profile terms first"


def test_the_list_says_how_it_is_ordered(window: ProfileManagerWindow) -> None:
    assert window.order_label.isVisible()
    assert window.order_label.text() == "Profiles with settings first; by platform, then name"
    assert "colour-only" in window.order_label.toolTip()


def test_an_empty_workspace_gives_one_consistent_hint(qtbot: QtBot, workspace: Workspace) -> None:
    window = make_window(qtbot, workspace)
    window.show_first_profile()
    assert window.no_match.isVisible()
    assert window.no_match.text() == "There are no profiles in this workspace yet."
    assert window.stack.currentWidget() is window.placeholder
    assert window.placeholder.text() == (
        "Profiles you add in the main window appear here with their settings."
    )
    assert not window.order_label.isVisible()


def test_the_window_opens_centred_on_its_parent_and_fits_the_screen(qtbot: QtBot, ws: Workspace) -> None:
    parent = QMainWindow()
    qtbot.addWidget(parent)
    screen = parent.screen()
    free = screen.availableGeometry()
    parent.setGeometry(free.left() + 40, free.top() + 30, free.width() // 2, free.height() // 2)
    parent.show()
    window = open_profile_manager(ws, parent)
    qtbot.waitUntil(lambda: window.isVisible(), timeout=3000)
    frame = window.frameGeometry()
    assert free.contains(frame), (frame, free)
    # As close to the parent's centre as the screen allows (never stuck to the left edge).
    expected = parent.frameGeometry().center()
    wanted_x = min(max(expected.x() - frame.width() // 2, free.left()), free.right() - frame.width() + 1)
    wanted_y = min(max(expected.y() - frame.height() // 2, free.top()), free.bottom() - frame.height() + 1)
    assert abs(frame.left() - wanted_x) <= 2 and abs(frame.top() - wanted_y) <= 2
    qtbot.waitUntil(lambda: window.list_loading is False, timeout=10000)
    window.close()
