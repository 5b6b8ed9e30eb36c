"""The team members dialog's "Add…": one form with the name and the role, errors shown where the name is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
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
