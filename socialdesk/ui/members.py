"""Team members: the first-run "who are you?" page and the members dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import Role
from socialdesk.ops import members as ops_members
from socialdesk.ops.changes import Done
from socialdesk.ops.members import Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import changes
from socialdesk.ui.style import ERROR_STYLE, MUTED_STYLE


def _role_combo(parent: QWidget, current: Role = Role.MANAGER) -> QComboBox:
    combo = QComboBox(parent)
    for role in Role:
        combo.addItem(role.label, role.value)
    combo.setCurrentIndex(combo.findData(current.value))
    return combo


class WhoAreYouPage(QWidget):
    """Shown inside the window while the workspace does not know who runs the app."""

    chosen = Signal(int)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("whoAreYouPage")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget(self)
        box.setMinimumWidth(480)  # centred, the box gets its size hint: wrapped text needs a real width
        box.setMaximumWidth(560)
        layout = QVBoxLayout(box)
        title = QLabel(self.tr("Who are you?"), box)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        text = QLabel(
            self.tr(
                "SocialDesk shows profiles relative to you: owned by you, shared with you, without owners. "
                "Pick yourself in the team, or add yourself. You can change this later in Team members."
            ),
            box,
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.list = QListWidget(box)
        self.list.setObjectName("whoAreYouList")
        self.list.setAccessibleName(self.tr("Team members"))
        layout.addWidget(self.list)
        self.empty_hint = QLabel(
            self.tr("Nobody is in the team yet: add yourself below, then the others in Team members."),
            box,
        )
        self.empty_hint.setObjectName("whoAreYouEmpty")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet(MUTED_STYLE)
        layout.addWidget(self.empty_hint)
        self.pick_button = QPushButton(self.tr("That's me"), box)
        self.pick_button.setObjectName("pickMeButton")
        self.pick_button.clicked.connect(self._pick)
        layout.addWidget(self.pick_button, 0, Qt.AlignmentFlag.AlignRight)
        self.add_label = QLabel(self.tr("Not in the list? Add yourself:"), box)
        layout.addWidget(self.add_label)
        row = QHBoxLayout()
        self.name = QLineEdit(box)
        self.name.setObjectName("newMeName")
        self.name.setPlaceholderText(self.tr("Your name"))
        self.role = _role_combo(box, Role.ADMINISTRATOR)
        self.role.setObjectName("newMeRole")
        self.add_button = QPushButton(self.tr("Add me"), box)
        self.add_button.setObjectName("addMeButton")
        self.add_button.clicked.connect(self._add)
        row.addWidget(self.name, 1)
        row.addWidget(self.role)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.error = QLabel(box)
        self.error.setObjectName("whoAreYouError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        # Centred with stretches, not an alignment flag: an aligned widget gets its size hint and the
        # wrapped texts lost their height-for-width (cut to one and a half lines).
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(box, 3)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)
        self.list.itemDoubleClicked.connect(lambda _item: self._pick())
        self.list.itemActivated.connect(lambda _item: self._pick())  # Enter on a member
        self.name.returnPressed.connect(self._add)  # Enter in "Your name"
        self.name.textChanged.connect(self._name_changed)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for m in ops_members.members(self.workspace):
            item = QListWidgetItem(f"{m.name} — {m.role.label}", self.list)
            item.setData(Qt.ItemDataRole.UserRole, m.id)
        has_members = self.list.count() > 0
        self.pick_button.setEnabled(has_members)
        self.list.setVisible(has_members)
        self.pick_button.setVisible(has_members)
        self.empty_hint.setVisible(not has_members)
        self.add_label.setText(
            self.tr("Not in the list? Add yourself:") if has_members else self.tr("Your name and role:")
        )
        if has_members:
            self.list.setCurrentRow(0)
        else:
            self.name.setFocus()
        self._name_changed()

    def _name_changed(self, *_args: object) -> None:
        self.add_button.setEnabled(bool(self.name.text().strip()))
        self.error.clear()

    def _pick(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        member_id = int(item.data(Qt.ItemDataRole.UserRole))
        changes().publish(ops_members.set_me(self.workspace, member_id).change)
        self.chosen.emit(member_id)

    def _add(self) -> None:
        if not self.name.text().strip():
            return
        try:
            done = ops_members.add_me(self.workspace, self.name.text(), Role(self.role.currentData()))
        except SocialDeskError as exc:
            self.error.setText(str(exc))
            return
        changes().publish(done.change)
        self.chosen.emit(done.value.id)


class RemoveMemberDialog(QDialog):
    """Who takes over a removed member's ownerships, or leave those profiles without owners."""

    def __init__(self, parent: QWidget | None, name: str, owned: int, heirs: list[tuple[int, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("removeMemberDialog")
        self.setWindowTitle(self.tr("Remove {0}").format(name))
        layout = QVBoxLayout(self)
        text = QLabel(
            plural(
                "{name} owns %Ln profile(s). Their shares end and the connections they made are revoked.",
                owned,
            ).replace("{name}", name),
            self,
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.hand_over = QRadioButton(self.tr("Hand their ownerships to:"), self)
        self.hand_over.setObjectName("handOverRadio")
        self.heir = QComboBox(self)
        self.heir.setObjectName("heirCombo")
        for member_id, heir_name in heirs:
            self.heir.addItem(heir_name, member_id)
        self.release = QRadioButton(self.tr("Leave those profiles without owners"), self)
        self.release.setObjectName("releaseRadio")
        self.hand_over.setChecked(bool(heirs))
        self.release.setChecked(not heirs)
        self.hand_over.setEnabled(bool(heirs))
        layout.addWidget(self.hand_over)
        layout.addWidget(self.heir)
        layout.addWidget(self.release)
        self.hand_over.toggled.connect(self.heir.setEnabled)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.remove_button = buttons.addButton(self.tr("Remove"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.remove_button.setObjectName("confirmRemoveMember")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def heir_id(self) -> int | None:
        return int(self.heir.currentData()) if self.hand_over.isChecked() and self.heir.count() else None


class AddMemberDialog(QDialog):
    """Name and role of a new team member in one small form.

    ``submit(name, role)`` returns an error message or None; on an error the dialog stays open with the
    typed name, so nothing is retyped after a refusal (a taken name, a name too long).
    """

    def __init__(self, parent: QWidget | None, submit: Callable[[str, Role], str | None]) -> None:
        super().__init__(parent)
        self.submit = submit
        self.setObjectName("addMemberDialog")
        self.setWindowTitle(self.tr("Add a team member"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = QLineEdit(self)
        self.name.setObjectName("newMemberName")
        self.name.setPlaceholderText(self.tr("e.g. Dana Fischer"))
        form.addRow(self.tr("&Name"), self.name)
        self.role = _role_combo(self, Role.RESPONDER)
        self.role.setObjectName("newMemberRole")
        form.addRow(self.tr("&Role"), self.role)
        layout.addLayout(form)
        self.role_help = QLabel(self)
        self.role_help.setObjectName("newMemberRoleHelp")
        self.role_help.setWordWrap(True)
        layout.addWidget(self.role_help)
        self.error = QLabel(self)
        self.error.setObjectName("addMemberError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Add member"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._changed)
        self.role.currentIndexChanged.connect(self._explain_role)
        self._changed()
        self._explain_role()
        self.setMinimumWidth(420)

    def _changed(self, *_args: object) -> None:
        self.ok_button.setEnabled(bool(self.name.text().strip()))
        self.error.hide()

    def _explain_role(self, *_args: object) -> None:
        explanations = {
            Role.ADMINISTRATOR.value: self.tr(
                "Everything a Manager can do, plus the profile manager (platform settings)."
            ),
            Role.MANAGER.value: self.tr("Manages profiles, sharing and the team."),
            Role.RESPONDER.value: self.tr("Works with the profiles shared with them; can receive shares."),
            Role.ANALYST.value: self.tr("Read-only everywhere; never receives shares."),
        }
        self.role_help.setText(explanations.get(str(self.role.currentData()), ""))

    def _submit(self) -> None:
        problem = self.submit(self.name.text(), Role(self.role.currentData()))
        if problem:
            self.error.setText(problem)
            self.error.show()
            self.name.setFocus()
            return
        self.accept()


class MembersDialog(QDialog):
    """Add, rename, change role and remove team members; choose who *me* is."""

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, on_change: Callable[[], None] | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.on_change = on_change
        self.setObjectName("membersDialog")
        self.setWindowTitle(self.tr("Team members"))
        layout = QVBoxLayout(self)
        self.notice = QLabel(self)
        self.notice.setObjectName("membersNotice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        self.list = QListWidget(self)
        self.list.setObjectName("membersList")
        self.list.setAccessibleName(self.tr("Team members"))
        layout.addWidget(self.list)
        form = QFormLayout()
        self.role = _role_combo(self)
        self.role.setObjectName("memberRole")
        form.addRow(self.tr("Role of the selected member"), self.role)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"), self)
        self.add_button.setObjectName("addMemberButton")
        self.rename_button = QPushButton(self.tr("Rename…"), self)
        self.rename_button.setObjectName("renameMemberButton")
        self.remove_button = QPushButton(self.tr("Remove…"), self)
        self.remove_button.setObjectName("removeMemberButton")
        self.me_button = QPushButton(self.tr("This is me"), self)
        self.me_button.setObjectName("setMeButton")
        for b in (self.add_button, self.rename_button, self.remove_button, self.me_button):
            row.addWidget(b)
        layout.addLayout(row)
        self.error = QLabel(self)
        self.error.setObjectName("membersError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.add_button.clicked.connect(self._add)
        self.rename_button.clicked.connect(self._rename)
        self.remove_button.clicked.connect(self._remove)
        self.me_button.clicked.connect(self._set_me)
        self.role.activated.connect(self._set_role)
        self.list.currentRowChanged.connect(self._current_changed)
        self.resize(460, 420)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        team = ops_members.team(self.workspace)
        me_id = team.me_id
        rows = [(m.id, m.name, m.role) for m in team.members]
        self.can_manage = bool(team.manage)
        current = select_id if select_id is not None else self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        for member_id, name, role in rows:
            label = f"{name} — {role.label}" + (f"  ({self.tr('me')})" if member_id == me_id else "")
            item = QListWidgetItem(label, self.list)
            item.setData(Qt.ItemDataRole.UserRole, member_id)
            item.setData(Qt.ItemDataRole.UserRole + 1, role.value)
            if member_id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        if not self.can_manage:
            self.notice.setText(self.tr("{0}; you can look.").format(team.manage.reason))
        for widget in (self.add_button, self.rename_button, self.remove_button, self.role):
            widget.setEnabled(self.can_manage)
            widget.setToolTip("" if self.can_manage else self.notice.text())
        self._current_changed()

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _current_changed(self, *_args: object) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.role.setCurrentIndex(self.role.findData(item.data(Qt.ItemDataRole.UserRole + 1)))

    def _run(self, operation: Callable[[], Done[Any]], select_id: int | None = None) -> Any:
        """Run one operation of ``ops.members``: its value, or None with the refusal shown."""
        self.error.clear()
        try:
            done = operation()
        except SocialDeskError as exc:
            self.error.setText(str(exc))
            return None
        self.reload(select_id)
        changes().publish(done.change)
        if self.on_change is not None:
            self.on_change()
        return done.value

    # The dialog's operations, callable without the small input dialogs (tests use them directly).

    def add_member(self, name: str, role: Role) -> bool:
        return self._run(lambda: ops_members.add_member(self.workspace, name, role)) is not None

    def rename_member(self, member_id: int, name: str) -> bool:
        done = self._run(lambda: ops_members.rename_member(self.workspace, member_id, name), member_id)
        return done is not None

    def remove_member(self, member_id: int, heir: int | None) -> bool:
        removal = self._run(lambda: ops_members.remove_member(self.workspace, member_id, heir))
        if removal is None:
            return False
        self.notice.setText(
            self.tr("Removed: {0} ownerships {1}, {2} shares ended, {3} grants revoked.").format(
                removal.ownerships,
                self.tr("handed over") if heir is not None else self.tr("released"),
                removal.shares,
                removal.grants_revoked,
            )
        )
        return True

    def add_dialog(self) -> AddMemberDialog:
        def submit(name: str, role: Role) -> str | None:
            if self.add_member(name, role):
                return None
            problem = self.error.text()
            self.error.clear()  # shown in the add dialog, where the name is
            return problem

        return AddMemberDialog(self, submit)

    def _add(self) -> None:
        self.add_dialog().exec()

    def _rename(self) -> None:
        member_id = self.current_id()
        item = self.list.currentItem()
        if member_id is None or item is None:
            return
        old = item.text().split(" — ")[0]
        name, ok = QInputDialog.getText(self, self.tr("Rename"), self.tr("Name"), text=old)
        if ok:
            self.rename_member(member_id, name)

    def _set_role(self, *_args: object) -> None:
        member_id = self.current_id()
        if member_id is None:
            return
        role = Role(self.role.currentData())
        self._run(lambda: ops_members.set_role(self.workspace, member_id, role), member_id)

    def _set_me(self) -> None:
        member_id = self.current_id()
        if member_id is not None:
            self._run(lambda: ops_members.set_me(self.workspace, member_id), member_id)

    def remove_dialog(self, member_id: int) -> RemoveMemberDialog:
        facts = ops_members.removal_facts(self.workspace, member_id)
        return RemoveMemberDialog(self, facts.name, facts.owned, [(m.id, m.name) for m in facts.heirs])

    def _remove(self) -> None:
        member_id = self.current_id()
        if member_id is None:
            return
        dialog = self.remove_dialog(member_id)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.remove_member(member_id, dialog.heir_id())
