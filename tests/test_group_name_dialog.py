"""Groups ▸ New…: a refusal that wraps over two lines is shown whole, and the typed name stays."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from socialdesk.ui.groups_dialog import GroupNameDialog

LONG = (
    "There is already a group named 'Spring campaign' (names are compared without case); "
    "choose another name"
)


def test_a_wrapped_refusal_is_shown_whole(qtbot: QtBot) -> None:
    dialog = GroupNameDialog(None, "New group", lambda _name, _color: LONG, color="#1E88E5", confirm="Create")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.name.setText("spring campaign")
    assert not dialog.submit()
    qtbot.wait(10)
    error = dialog.error
    assert error.isVisible() and error.text() == LONG
    lines = error.heightForWidth(error.width()) // error.fontMetrics().lineSpacing()
    assert lines >= 2  # the message does wrap at this width
    assert error.height() >= error.heightForWidth(error.width())  # and every line is on screen
    ok_top = dialog.ok_button.mapTo(dialog, dialog.ok_button.rect().topLeft()).y()
    assert error.mapTo(dialog, error.rect().bottomLeft()).y() < ok_top
    assert dialog.name.text() == "spring campaign" and dialog.isVisible()
