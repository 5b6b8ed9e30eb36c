"""The team members dialog's "Add…": one form with the name and the role, errors shown where the name is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from socialdesk.models.catalogue import Role
from socialdesk.services import members as members_service
from socialdesk.services.workspace import Workspace
from socialdesk.ui.members import MembersDialog


def test_add_member_asks_name_and_role_and_keeps_the_name_after_a_refusal(
    qtbot: QtBot, demo_ws: Workspace
) -> None:
    members = MembersDialog(demo_ws)
    qtbot.addWidget(members)
    members.list.setCurrentRow(0)  # the selected member's role must not leak into the new one
    dialog = members.add_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.role.currentData() == Role.RESPONDER.value  # the least powerful role that can get shares
    assert not dialog.ok_button.isEnabled()  # nothing typed yet
    assert dialog.role_help.text()

    qtbot.keyClicks(dialog.name, "priya shah")  # taken, case-insensitively
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "already a team member" in dialog.error.text() and dialog.error.isVisible()
    assert dialog.name.text() == "priya shah"
    assert members.error.text() == ""  # said once, in the add dialog

    dialog.name.setText("Nora Field")
    assert not dialog.error.isVisible()  # the error goes once the name changes
    dialog.role.setCurrentIndex(dialog.role.findData(Role.ANALYST.value))
    assert "Read-only" in dialog.role_help.text()
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    with demo_ws.session() as s:
        nora = members_service.find(s, "Nora Field")
        assert Role(nora.role) is Role.ANALYST
    assert any("Nora Field — Analyst" in members.list.item(i).text() for i in range(members.list.count()))


def test_who_are_you_on_an_empty_team_hints_and_enter_adds_me(qtbot: QtBot, workspace: Workspace) -> None:
    from socialdesk.ui.members import WhoAreYouPage

    page = WhoAreYouPage(workspace)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    for label in page.findChildren(QLabel):
        if label.isVisible() and label.wordWrap():  # every wrapped text shown whole at 900×600
            assert label.height() >= label.heightForWidth(label.width()), label.text()
    assert page.list.isHidden() and page.pick_button.isHidden()  # no empty list to pick from
    assert not page.empty_hint.isHidden() and "add yourself" in page.empty_hint.text()
    assert not page.add_button.isEnabled()
    qtbot.keyClick(page.name, Qt.Key.Key_Return)  # Enter on an empty name does nothing
    assert page.error.text() == ""
    qtbot.keyClicks(page.name, "Ada Lovelace")
    assert page.add_button.isEnabled()
    with qtbot.waitSignal(page.chosen, timeout=5000) as chosen:
        qtbot.keyClick(page.name, Qt.Key.Key_Return)
    with workspace.session() as s:
        me = members_service.me_actor(s)
        assert me is not None and me.id == chosen.args[0] and Role(me.role) is Role.ADMINISTRATOR


def test_who_are_you_enter_on_a_member_picks_them(qtbot: QtBot, demo_ws: Workspace) -> None:
    from socialdesk.ui.members import WhoAreYouPage

    page = WhoAreYouPage(demo_ws)
    qtbot.addWidget(page)
    page.show()
    assert page.empty_hint.isHidden() and not page.list.isHidden()
    page.list.setCurrentRow(1)
    page.list.setFocus()
    expected = page.list.currentItem().data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(page.chosen, timeout=5000) as chosen:
        qtbot.keyClick(page.list, Qt.Key.Key_Return)
    assert chosen.args == [expected]
