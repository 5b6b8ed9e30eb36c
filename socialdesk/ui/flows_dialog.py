"""The flows editor: the workspace's named automations that quick replies, ice breakers and menus start.

Add, rename and delete are operations of ``ops.flows``: a rename rewrites every setting that points at the
flow, and a flow in use is not deleted — the dialog lists where it is used instead. Only Administrators
change flows (they are part of the profile manager); everyone else sees the list and the reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.ops import flows as ops_flows
from socialdesk.ops.flows import Workspace
from socialdesk.services.errors import NotAllowedError, SocialDeskError
from socialdesk.services.rules import Decision
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import changes
from socialdesk.ui.style import ERROR_STYLE, MUTED_STYLE, WARNING_COLOR

NOTICE_STYLE = (
    f"background:#FFF4E5;color:{WARNING_COLOR};border:1px solid #F5C27A;border-radius:4px;padding:6px;"
)
#: Where-used lists longer than this are cut (the count says how many there are).
MAX_USES_SHOWN = 200
NameRole = Qt.ItemDataRole.UserRole + 1
UsesRole = Qt.ItemDataRole.UserRole + 2
DescriptionRole = Qt.ItemDataRole.UserRole + 3


class FlowsDialog(QDialog):
    """List, add, rename and delete flows. Its operations are methods, callable without the input dialogs."""

    #: Flows changed: the list of (old name, new name) renames made so far in this dialog.
    changed = Signal(list)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.renames: list[tuple[str, str]] = []
        self.setObjectName("flowsDialog")
        self.setWindowTitle(self.tr("Flows"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Flows are the automations a conversation can start. Quick replies, ice breakers, menus, "
                "Get Started and the Live Chat start flow point at them by name; renaming a flow updates "
                "every setting that uses it."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.notice = QLabel(self)
        self.notice.setObjectName("flowsNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.list = QListWidget(self)
        self.list.setObjectName("flowsList")
        self.list.setAccessibleName(self.tr("Flows"))
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(False)
        self.list.setSpacing(3)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.list, 1)
        self.empty = QLabel(self.tr("No flows yet. Add one, then pick it in a profile's settings."), self)
        self.empty.setObjectName("flowsEmpty")
        self.empty.setStyleSheet(MUTED_STYLE)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add…"), self)
        self.add_button.setObjectName("addFlowButton")
        self.rename_button = QPushButton(self.tr("Rename…"), self)
        self.rename_button.setObjectName("renameFlowButton")
        self.describe_button = QPushButton(self.tr("Description…"), self)
        self.describe_button.setObjectName("describeFlowButton")
        self.delete_button = QPushButton(self.tr("Delete…"), self)
        self.delete_button.setObjectName("deleteFlowButton")
        for button in (self.add_button, self.rename_button, self.describe_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = QLabel(self)
        self.error.setObjectName("flowsError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        self.info = QLabel(self)
        self.info.setObjectName("flowsInfo")
        self.info.setStyleSheet("color:#1B6B24")
        self.info.setWordWrap(True)
        self.info.setVisible(False)
        layout.addWidget(self.info)
        self.uses = QListWidget(self)
        self.uses.setObjectName("flowUses")
        self.uses.setAccessibleName(self.tr("Where the flow is used"))
        self.uses.setVisible(False)
        self.uses.setMaximumHeight(160)
        layout.addWidget(self.uses)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.add_button.clicked.connect(self._add)
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._delete)
        self.describe_button.clicked.connect(self._describe)
        self.list.currentRowChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda _item: self._rename())
        self.decision = Decision(True)
        self.resize(520, 480)
        self.reload()

    # -- state ---------------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        current = select_id if select_id is not None else self.current_id()
        view = ops_flows.flows(self.workspace)
        self.decision = view.edit
        rows = [(f.id, f.name, f.description, f.used_by) for f in view.flows]
        self.list.blockSignals(True)
        self.list.clear()
        for flow_id, name, description, uses in rows:
            used = (
                plural("used in %Ln place(s)", uses) if uses else self.tr("not used yet")
            )
            second = f"{used} · {description}" if description else used
            item = QListWidgetItem(f"{name}\n{second}", self.list)
            item.setData(Qt.ItemDataRole.UserRole, flow_id)
            item.setData(NameRole, name)
            item.setData(UsesRole, uses)
            item.setData(DescriptionRole, description)
            item.setToolTip(f"{name}\n{second}")
            if flow_id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.empty.setVisible(not rows)
        self.list.setVisible(bool(rows))
        self.notice.setText(
            "" if self.decision else self.tr("{0}. You can look at the flows.").format(self.decision.reason)
        )
        self.notice.setVisible(not self.decision)
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        editable = bool(self.decision)
        has_current = self.current_id() is not None
        self.add_button.setEnabled(editable)
        self.rename_button.setEnabled(editable and has_current)
        self.describe_button.setEnabled(editable and has_current)
        self.delete_button.setEnabled(editable and has_current)
        for button in (self.add_button, self.rename_button, self.describe_button, self.delete_button):
            button.setToolTip("" if editable else self.decision.reason)

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(NameRole)) if item is not None else None

    def names(self) -> list[str]:
        return [str(self.list.item(i).data(NameRole)) for i in range(self.list.count())]

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            if str(self.list.item(i).data(NameRole)).casefold() == name.casefold():
                self.list.setCurrentRow(i)
                return

    def _clear_messages(self) -> None:
        self.info.clear()
        self.info.setVisible(False)
        self.error.clear()
        self.error.setVisible(False)
        self.uses.clear()
        self.uses.setVisible(False)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)

    # -- operations (tests call these directly) -------------------------------------------------------

    def add_flow(self, name: str) -> bool:
        self._clear_messages()
        try:
            done = ops_flows.create_flow(self.workspace, name)
        except SocialDeskError as exc:
            self._show_error(_message(exc))
            return False
        self.reload(done.value.id)
        changes().publish(done.change)
        self.changed.emit(list(self.renames))
        return True

    def rename_flow(self, flow_id: int, new_name: str) -> bool:
        self._clear_messages()
        try:
            done = ops_flows.rename_flow(self.workspace, flow_id, new_name)
        except SocialDeskError as exc:
            self._show_error(_message(exc))
            return False
        old, new, profiles = done.value.old, done.value.new, done.value.profiles
        if new != old:
            self.renames.append((old, new))
        self.reload(flow_id)
        changes().publish(done.change)
        if profiles:
            self.info.setText(
                plural("Renamed; %Ln profiles' settings now use the new name.", profiles)
            )  # fmt: skip
            self.info.setVisible(True)
        self.changed.emit(list(self.renames))
        return True

    def describe_flow(self, flow_id: int, description: str) -> bool:
        self._clear_messages()
        try:
            done = ops_flows.describe_flow(self.workspace, flow_id, description)
        except SocialDeskError as exc:
            self._show_error(_message(exc))
            return False
        self.reload(flow_id)
        changes().publish(done.change)
        return True

    def delete_flow(self, flow_id: int) -> bool:
        """Delete a flow nobody uses; when the service refuses because it is in use, list where."""
        self._clear_messages()
        try:
            done = ops_flows.delete_flow(self.workspace, flow_id)
        except NotAllowedError as exc:
            try:
                record = ops_flows.flow(self.workspace, flow_id)
            except SocialDeskError:
                record = None
            if record is not None and record.uses:
                self._show_uses(record.name, [u.describe() for u in record.uses])
            else:
                self._show_error(str(exc))
            return False
        except SocialDeskError as exc:
            self._show_error(_message(exc))
            return False
        self.reload()
        changes().publish(done.change)
        self.changed.emit(list(self.renames))
        return True

    def _show_uses(self, name: str, uses: list[str]) -> None:
        self._show_error(
            plural(
                "“{name}” is used in %Ln places, so it cannot be deleted. Point those settings at another "
                "flow first:",
                len(uses),
            ).replace("{name}", name)
        )
        for text in uses[:MAX_USES_SHOWN]:
            QListWidgetItem(text, self.uses)
        if len(uses) > MAX_USES_SHOWN:
            QListWidgetItem(self.tr("… and {0} more").format(len(uses) - MAX_USES_SHOWN), self.uses)
        self.uses.setVisible(True)

    # -- the buttons -----------------------------------------------------------------------------------

    def _add(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Add a flow"), self.tr("Name of the new flow"))
        if ok:
            self.add_flow(name)

    def _rename(self) -> None:
        flow_id, old = self.current_id(), self.current_name()
        if flow_id is None or old is None or not self.decision:
            return
        name, ok = QInputDialog.getText(self, self.tr("Rename flow"), self.tr("New name"), text=old)
        if ok:
            self.rename_flow(flow_id, name)

    def _describe(self) -> None:
        flow_id, name = self.current_id(), self.current_name()
        item = self.list.currentItem()
        if flow_id is None or name is None or item is None or not self.decision:
            return
        text, ok = QInputDialog.getMultiLineText(
            self,
            self.tr("Describe flow"),
            self.tr("What “{0}” does (shown here and by the command line):").format(name),
            str(item.data(DescriptionRole) or ""),
        )
        if ok:
            self.describe_flow(flow_id, text)

    def _delete(self) -> None:
        flow_id, name = self.current_id(), self.current_name()
        if flow_id is None or name is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete flow"),
            self.tr("Delete the flow “{0}”? A flow that is in use is not deleted.").format(name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_flow(flow_id)


def _message(exc: SocialDeskError) -> str:
    problems = getattr(exc, "problems", None)
    if problems:
        return "\n".join(message for _field, message in problems)
    return str(exc)
