"""The groups editor: the groups on the left, the selected group's items on the right (docs/product.md §6).

Every change is an operation of ``ops.groups`` in its own unit of work, so a refused change (the
20-group or 20-item limit, a loop, a name in use) changes nothing and its message is shown next to
what was tried. The operations are methods (``create_group``, ``add_profiles``, ``delete_group``, …)
that tests call directly; the buttons only collect input for them with small dialogs.

The pieces: ``groups_models`` (the item models and pictures), ``groups_pickers`` (the name dialog and
the pickers), ``groups_menu`` (the table's "Add to group" menu). The profile picker searches with a
LIMIT, so it stays quick with 100,000 profiles; nothing lists every profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from socialdesk.ops import groups as ops_groups
from socialdesk.ops.changes import Done
from socialdesk.ops.groups import (
    DEFAULT_COLOR,
    MAX_GROUPS,
    MAX_ITEMS,
    GroupInfo,
    ItemRef,
    ProfileHit,
    Workspace,
    group_limit_message,
)
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.query import ProfileRows
from socialdesk.services.rules import can_add_items
from socialdesk.ui.groups_menu import (
    AddToGroupMenu,
    add_profiles_to_group,
    add_to_group_menu,
    fill_add_to_group_menu,
)
from socialdesk.ui.groups_models import (
    FULL,
    MUTED,
    GroupIdRole,
    GroupItemsModel,
    GroupListModel,
    ItemRefRole,
    error_text,
    folder_icon,
    swatch,
)
from socialdesk.ui.groups_panes import GroupsPanes
from socialdesk.ui.groups_pickers import GroupNameDialog, GroupPickerDialog, ProfilePickerDialog
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import changes
from socialdesk.ui.style import NOTICE_STYLE, WARNING_COLOR
from socialdesk.ui.widgets import show_text

__all__ = [
    "FULL",
    "MUTED",
    "AddToGroupMenu",
    "GroupIdRole",
    "GroupItemsModel",
    "GroupListModel",
    "GroupNameDialog",
    "GroupPickerDialog",
    "GroupsDialog",
    "ItemRefRole",
    "ProfileHit",
    "ProfilePickerDialog",
    "add_profiles_to_group",
    "add_to_group_menu",
    "error_text",
    "fill_add_to_group_menu",
    "folder_icon",
    "swatch",
]

BANNER_STYLE = (
    f"background:#FFF4E5;color:{WARNING_COLOR};border:1px solid #F5C27A;border-radius:4px;padding:6px;"
)


class GroupsDialog(GroupsPanes):
    """Create, rename, recolour, copy and delete groups; add, remove and reorder their items."""

    #: Groups or their items changed: the window reloads its group filter and Groups column.
    groupsChanged = Signal()

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        selected_profile_ids: Sequence[int] = (),
        rows: ProfileRows | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        #: The window's read model: the profile picker searches it (no second load).
        self.rows = rows
        self.selected_profile_ids = list(dict.fromkeys(selected_profile_ids))
        self.groups: list[GroupInfo] = []
        self.can_change = False
        self.read_only_reason = ""
        self.setObjectName("groupsDialog")
        self.setWindowTitle(self.tr("Profile groups"))
        layout = QVBoxLayout(self)
        self.read_only = QLabel(self)
        self.read_only.setObjectName("groupsReadOnly")
        self.read_only.setWordWrap(True)
        self.read_only.setStyleSheet(BANNER_STYLE)
        self.read_only.hide()
        layout.addWidget(self.read_only)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_groups_pane())
        self.splitter.addWidget(self._build_items_pane())
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout.addWidget(self.splitter, 1)
        self.notice = QLabel(self)
        self.notice.setObjectName("groupsNotice")
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = buttons.addButton(
            self.tr("Export groups…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setObjectName("exportGroupsButton")
        self.export_button.clicked.connect(self._export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(940, 580)
        self.splitter.setSizes([380, 560])
        self._connect()
        self.reload()

    def _connect(self) -> None:
        handlers: tuple[tuple[QPushButton, Callable[[], object]], ...] = (
            (self.new_button, self._new),
            (self.rename_button, self._rename),
            (self.color_button, self._recolor),
            (self.copy_button, self._copy),
            (self.delete_button, self._delete),
            (self.add_selected_button, self.add_selected),
            (self.add_profiles_button, self._pick_profiles),
            (self.add_group_button, self._pick_groups),
            (self.remove_button, self._remove),
            (self.up_button, lambda: self.move_current(-1)),
            (self.down_button, lambda: self.move_current(1)),
        )
        for button, handler in handlers:
            button.clicked.connect(lambda _checked=False, h=handler: h())
        self.group_view.doubleClicked.connect(lambda _i: self._rename())
        self.items_view.doubleClicked.connect(self._open_item)
        self.remove_action.triggered.connect(self._remove)

    # -- state -------------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        """Read the groups again and show them, keeping (or moving) the selection."""
        current = select_id if select_id is not None else self.current_group_id()
        view = ops_groups.groups(self.workspace)
        self.groups = list(view.groups)
        decision = view.change
        self.can_change = bool(decision)
        self.read_only_reason = "" if decision else decision.reason
        show_text(
            self.read_only,
            self.tr("You can look at the groups but not change them: {0}").format(decision.reason)
            if not decision
            else "",
        )
        self.group_model.set_groups(self.groups)
        self.groups_stack.setCurrentWidget(self.group_view if self.groups else self.groups_empty)
        count = len(self.groups)
        shown = f"{count}/{MAX_GROUPS}"
        if count >= MAX_GROUPS:
            shown = f"<span style='color:{FULL.name()}'>{shown}</span> " + self.tr("(full)")
        self.groups_title.setText(self.tr("<b>Groups</b> {0}").format(shown))
        row = self.group_model.row_of(current) if current is not None else None
        if row is None and self.groups:
            row = 0
        if row is not None:
            self.group_view.selectRow(row)
            self.group_view.setCurrentIndex(self.group_model.index(row, 0))
        self.items_model.mover = self._save_move if self.can_change else None
        self._show_items()

    # -- operations (tests call these directly) ---------------------------------------------------

    def _try(self, operation: Callable[[], Done[Any]]) -> tuple[Any, str]:
        """Run one operation of ``ops.groups`` (its own unit of work): (value, "") or (None, the message).

        The change goes out to every view (``ops_runner.changes``), besides ``groupsChanged``.
        """
        try:
            done = operation()
        except SocialDeskError as exc:
            return None, error_text(exc)
        changes().publish(done.change)
        return done.value, ""

    def _done(self, notice: str, select_id: int | None = None) -> None:
        self.notice.setText(notice)
        self.reload(select_id)
        self.groupsChanged.emit()

    def _clear_errors(self) -> None:
        self.notice.clear()
        show_text(self.groups_error, "")
        show_text(self.items_error, "")

    def create_group_message(self, name: str, color: str | None = None) -> str | None:
        """Create a group and select it; returns None, or the message saying why not."""
        self._clear_errors()
        created, message = self._try(lambda: ops_groups.create_group(self.workspace, name, color))
        if created is None:
            return message
        self._done(self.tr("Created the group {0}.").format(created.name), created.id)
        return None

    def create_group(self, name: str, color: str | None = None) -> int | None:
        """Create a group; on refusal the message shows under the groups. Returns the new id."""
        message = self.create_group_message(name, color)
        if message is not None:
            show_text(self.groups_error, message)
            return None
        return self.current_group_id()

    def rename_group_message(self, group_id: int, name: str) -> str | None:
        self._clear_errors()
        renamed, message = self._try(lambda: ops_groups.rename_group(self.workspace, group_id, name))
        if renamed is None:
            return message
        self._done(self.tr("Renamed the group to {0}.").format(renamed.name), group_id)
        return None

    def rename_group(self, group_id: int, name: str) -> bool:
        message = self.rename_group_message(group_id, name)
        if message is not None:
            show_text(self.groups_error, message)
        return message is None

    def recolor_group(self, group_id: int, color: str) -> bool:
        self._clear_errors()
        done, message = self._try(lambda: ops_groups.recolor_group(self.workspace, group_id, color))
        if done is None:
            show_text(self.groups_error, message)
            return False
        self._done(self.tr("Changed the colour to {0}.").format(done.color), group_id)
        return True

    def copy_group(self, group_id: int) -> int | None:
        self._clear_errors()
        copied, message = self._try(lambda: ops_groups.copy_group(self.workspace, group_id))
        if copied is None:
            show_text(self.groups_error, message)
            return None
        copy: GroupInfo = copied
        self._done(self.tr("Made a copy: {0}.").format(copy.name), copy.id)
        return copy.id

    def delete_question(self, group_id: int) -> str:
        """What deleting asks: the group, how many items, and the groups it would be taken out of."""
        info = ops_groups.group(self.workspace, group_id)
        parents = [name for _gid, name in ops_groups.containing_groups(self.workspace, group_id)]
        text = self.tr("Delete the group {0}?").format(f"“{info.name}”")
        if parents:
            listed = ", ".join(f"“{p}”" for p in parents)
            text += "\n\n" + plural(
                "It is inside %Ln other groups: {groups}. Deleting it also takes it out of them.",
                len(parents),
            ).replace("{groups}", listed)
        text += "\n\n" + self.tr("The profiles themselves stay in the workspace.")
        return text

    def delete_group(self, group_id: int, confirm: Callable[[str], bool] | None = None) -> bool:
        """Ask (``confirm`` gets the question; by default a message box), then delete.

        A group that other groups contain is taken out of them too: the question said so.
        """
        self._clear_errors()
        try:
            question = self.delete_question(group_id)
            contained = bool(ops_groups.containing_groups(self.workspace, group_id))
        except SocialDeskError as exc:
            show_text(self.groups_error, error_text(exc))
            return False
        if not (confirm or self._confirm)(question):
            return False
        removed_from, message = self._try(
            lambda: ops_groups.delete_group(self.workspace, group_id, remove_from_containing=contained)
        )
        if removed_from is None:
            show_text(self.groups_error, message)
            return False
        self._done(self.tr("Deleted the group."))
        return True

    def _confirm(self, question: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Delete group"), question, parent=self)
        box.setObjectName("deleteGroupConfirm")
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not delete
        box.exec()
        return box.clickedButton() is delete

    def _add_message(self, group_id: int, refs: list[ItemRef]) -> str | None:
        """Add items to the group; returns None or the refusal (nothing added then)."""
        self._clear_errors()
        group = next((g for g in self.groups if g.id == group_id), None)
        if group is not None and len(refs) > MAX_ITEMS:
            # Over the limit whatever is in the group already: say so without sending every id.
            present = {i.ref for i in group.items}
            new = [r for r in refs if r not in present]
            hidden = sum(1 for i in group.items if i.deleted)
            fits = can_add_items(group.name, len(group.items), len(new), hidden)
            if not fits:
                return fits.reason
        result, message = self._try(lambda: ops_groups.add_items(self.workspace, group_id, refs))
        if result is None:
            return message
        name = group.name if group is not None else ""
        notice = plural("Added %Ln item(s) to {group}.", len(result.added))
        notice = notice.replace("{group}", f"“{name}”")
        if result.already:
            notice += " " + plural("%Ln were in the group already.", len(result.already))
        self._done(notice, group_id)
        return None

    def add_profiles(self, group_id: int, profile_ids: Iterable[int]) -> bool:
        message = self._add_message(group_id, [ItemRef.profile(p) for p in profile_ids])
        if message is not None:
            show_text(self.items_error, message)
        return message is None

    def add_selected(self) -> bool:
        """Add the profiles selected in the table (``selected_profile_ids``) to the current group."""
        gid = self.current_group_id()
        if gid is None or not self.selected_profile_ids:
            return False
        return self.add_profiles(gid, self.selected_profile_ids)

    def add_groups(self, group_id: int, child_ids: Iterable[int]) -> bool:
        message = self._add_message(group_id, [ItemRef.group(g) for g in child_ids])
        if message is not None:
            show_text(self.items_error, message)
        return message is None

    def remove_items(self, group_id: int, refs: Iterable[ItemRef]) -> bool:
        self._clear_errors()
        wanted = list(refs)
        removed, message = self._try(lambda: ops_groups.remove_items(self.workspace, group_id, wanted))
        if removed is None:
            show_text(self.items_error, message)
            return False
        self._done(plural("Removed %Ln item(s).", removed), group_id)
        return True

    def move_item(self, row: int, to_row: int) -> bool:
        """Move the item at ``row`` so that it ends up at ``to_row`` (the model's moveRows semantics)."""
        destination = to_row + 1 if to_row > row else to_row
        return self.items_model.moveRow(QModelIndex(), row, QModelIndex(), destination)

    def move_current(self, delta: int) -> bool:
        rows = self._selected_rows()
        if len(rows) != 1:
            return False
        row, target = rows[0], rows[0] + delta
        if not 0 <= target < self.items_model.rowCount():
            return False
        if not self.move_item(row, target):
            return False
        self.items_view.setCurrentIndex(self.items_model.index(target, 0))
        self.items_view.selectionModel().select(
            self.items_model.index(target, 0), self.items_view.selectionModel().SelectionFlag.ClearAndSelect
        )
        return True

    def _save_move(self, ref: ItemRef, index: int) -> bool:
        """The items model's mover: one reorder through the service (refreshes nothing, the model moved)."""
        gid = self.current_group_id()
        if gid is None:
            return False
        self._clear_errors()

        fresh, message = self._try(lambda: ops_groups.move_item(self.workspace, gid, ref, index))
        if fresh is None:
            show_text(self.items_error, message)
            return False
        self.groups = [fresh if g.id == gid else g for g in self.groups]
        self.groupsChanged.emit()
        return True

    # -- button handlers (open the small dialogs) ---------------------------------------------------

    def _new(self) -> None:
        self._clear_errors()
        if len(self.groups) >= MAX_GROUPS:
            show_text(self.groups_error, group_limit_message(len(self.groups)))
            return
        dialog = GroupNameDialog(
            self,
            self.tr("New group"),
            lambda name, color: self.create_group_message(name, color),
            color=DEFAULT_COLOR,
            confirm=self.tr("Create"),
        )
        dialog.exec()

    def _rename(self) -> None:
        group = self.current_group()
        if group is None or not self.can_change:
            return
        dialog = GroupNameDialog(
            self,
            self.tr("Rename group"),
            lambda name, _color: self.rename_group_message(group.id, name),
            name=group.name,
            confirm=self.tr("Rename"),
        )
        dialog.exec()

    def _recolor(self) -> None:
        group = self.current_group()
        if group is None:
            return
        chosen = QColorDialog.getColor(QColor(group.color), self, self.tr("Colour of {0}").format(group.name))
        if chosen.isValid():
            self.recolor_group(group.id, chosen.name().upper())

    def _copy(self) -> None:
        group = self.current_group()
        if group is not None:
            self.copy_group(group.id)

    def _delete(self) -> None:
        group = self.current_group()
        if group is not None:
            self.delete_group(group.id)

    def _remove(self) -> None:
        group = self.current_group()
        rows = self._selected_rows()
        if group is not None and rows and self.can_change:
            self.remove_items(group.id, [self.items_model.item_at(r).ref for r in rows])

    def profile_picker(self) -> ProfilePickerDialog | None:
        group = self.current_group()
        if group is None:
            return None
        present = [i.id for i in group.items if i.kind == "profile"]
        return ProfilePickerDialog(
            self.workspace,
            self,
            group.name,
            present,
            lambda ids: self._add_message(group.id, [ItemRef.profile(p) for p in ids]),
            rows=self.rows,
        )

    def _pick_profiles(self) -> None:
        picker = self.profile_picker()
        if picker is not None:
            picker.exec()

    def group_options(self, group_id: int) -> list[tuple[int, str, str, str | None]]:
        """Every other group, with the reason it cannot go into ``group_id`` (None when it can)."""
        return [
            (o.id, o.name, o.color, self.tr("Already in this group") if o.inside else o.loop)
            for o in ops_groups.group_options(self.workspace, group_id)
        ]

    def group_picker(self) -> GroupPickerDialog | None:
        group = self.current_group()
        if group is None:
            return None
        return GroupPickerDialog(
            self,
            group.name,
            self.group_options(group.id),
            lambda ids: self._add_message(group.id, [ItemRef.group(g) for g in ids]),
        )

    def _pick_groups(self) -> None:
        picker = self.group_picker()
        if picker is not None:
            picker.exec()

    def _open_item(self, index: QModelIndex) -> None:
        """Double-clicking a nested group shows that group."""
        ref = self.items_model.data(index, ItemRefRole)
        if isinstance(ref, ItemRef) and ref.kind == "group":
            self.select_group(ref.id)

    def _export(self) -> None:
        from socialdesk.ui.export_dialog import ExportDialog

        ExportDialog(self.workspace, self).exec()
