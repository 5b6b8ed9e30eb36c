"""The groups editor's two panes and what they show: the groups list and the selected group's items.

``GroupsPanes`` builds the widgets and keeps them in step with ``groups`` (the records the dialog
read last); ``GroupsDialog`` (groups_dialog.py) adds the operations and connects the buttons.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from socialdesk.ops.groups import MAX_ITEMS, GroupInfo
from socialdesk.ui.groups_models import GroupIdRole, GroupItemsModel, GroupListModel
from socialdesk.ui.i18n import plural
from socialdesk.ui.style import MUTED_STYLE
from socialdesk.ui.widgets import ElidedLabel, error_label

EMPTY_STYLE = "color:#607D8B;border:1px solid #CFD8DC;padding:12px;"


class GroupsPanes(QDialog):
    """The groups editor's widgets and view state (no database: ``groups`` is set by the dialog)."""

    groups: list[GroupInfo]
    selected_profile_ids: list[int]
    can_change: bool
    read_only_reason: str

    # -- building ----------------------------------------------------------------------------------

    def _button(self, parent: QWidget, text: str, name: str) -> QPushButton:
        """A button; the dialog connects it to its handler (``GroupsDialog._connect``)."""
        button = QPushButton(text, parent)
        button.setObjectName(name)
        return button

    def _build_groups_pane(self) -> QWidget:
        pane = QWidget(self)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 6, 0)
        self.groups_title = QLabel(pane)
        self.groups_title.setObjectName("groupsCount")
        layout.addWidget(self.groups_title)
        self.groups_stack = QStackedWidget(pane)
        self.group_model = GroupListModel(self)
        self.group_view = QTableView(pane)
        self.group_view.setObjectName("groupsList")
        self.group_view.setAccessibleName(self.tr("Groups"))
        self.group_view.setModel(self.group_model)
        self.group_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.group_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.group_view.setShowGrid(False)
        self.group_view.setWordWrap(False)
        self.group_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.group_view.verticalHeader().hide()
        self.group_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.group_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.group_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.group_view.selectionModel().currentRowChanged.connect(lambda *_a: self._show_items())
        self.groups_stack.addWidget(self.group_view)
        self.groups_empty = QLabel(
            self.tr("No groups yet.\nCreate one with “New…”, then add profiles or other groups to it."), pane
        )
        self.groups_empty.setObjectName("groupsEmpty")
        self.groups_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.groups_empty.setWordWrap(True)
        self.groups_empty.setStyleSheet(EMPTY_STYLE)
        self.groups_stack.addWidget(self.groups_empty)
        layout.addWidget(self.groups_stack, 1)
        grid = QGridLayout()
        self.new_button = self._button(pane, self.tr("New…"), "newGroupButton")
        self.rename_button = self._button(pane, self.tr("Rename…"), "renameGroupButton")
        self.color_button = self._button(pane, self.tr("Colour…"), "colorGroupButton")
        self.copy_button = self._button(pane, self.tr("Copy"), "copyGroupButton")
        self.delete_button = self._button(pane, self.tr("Delete…"), "deleteGroupButton")
        grid.addWidget(self.new_button, 0, 0)
        grid.addWidget(self.rename_button, 0, 1)
        grid.addWidget(self.color_button, 0, 2)
        grid.addWidget(self.copy_button, 1, 0)
        grid.addWidget(self.delete_button, 1, 1)
        layout.addLayout(grid)
        self.groups_error = error_label(pane, "groupsError")
        layout.addWidget(self.groups_error)
        return pane

    def _build_items_pane(self) -> QWidget:
        pane = QWidget(self)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(6, 0, 0, 0)
        self.items_title = ElidedLabel(pane)
        self.items_title.setObjectName("itemsTitle")
        layout.addWidget(self.items_title)
        self.items_stack = QStackedWidget(pane)
        self.items_model = GroupItemsModel(self)
        self.items_view = QListView(pane)
        self.items_view.setObjectName("itemsList")
        self.items_view.setAccessibleName(self.tr("Items of the group"))
        self.items_view.setModel(self.items_model)
        self.items_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.items_view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.items_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.items_view.setDropIndicatorShown(True)
        self.items_view.setUniformItemSizes(True)
        self.items_view.setSpacing(1)
        self.items_view.setIconSize(QSize(16, 16))
        self.items_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.items_view.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        # A moved row keeps its selection without a selectionChanged signal: update the buttons too.
        self.items_model.rowsMoved.connect(lambda *_a: self._update_buttons())
        self.remove_action = QAction(self.tr("Remove from the group"), self.items_view)
        self.remove_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.items_view.addAction(self.remove_action)
        self.items_stack.addWidget(self.items_view)
        self.items_empty = QLabel(pane)
        self.items_empty.setObjectName("itemsEmpty")
        self.items_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.items_empty.setWordWrap(True)
        self.items_empty.setStyleSheet(EMPTY_STYLE)
        self.items_stack.addWidget(self.items_empty)
        layout.addWidget(self.items_stack, 1)
        grid = QGridLayout()
        self.add_selected_button = self._button(pane, "", "addSelectedButton")
        self.add_profiles_button = self._button(pane, self.tr("Find profiles…"), "addProfilesButton")
        self.add_group_button = self._button(pane, self.tr("Add group…"), "addGroupButton")
        self.remove_button = self._button(pane, self.tr("Remove"), "removeItemsButton")
        self.up_button = self._button(pane, self.tr("Move up"), "moveUpButton")
        self.down_button = self._button(pane, self.tr("Move down"), "moveDownButton")
        grid.addWidget(self.add_selected_button, 0, 0)
        grid.addWidget(self.add_profiles_button, 0, 1)
        grid.addWidget(self.add_group_button, 0, 2)
        grid.addWidget(self.remove_button, 1, 0)
        grid.addWidget(self.up_button, 1, 1)
        grid.addWidget(self.down_button, 1, 2)
        layout.addLayout(grid)
        hint = QLabel(self.tr("Drag items, or use Move up and Move down, to change their order."), pane)
        hint.setObjectName("itemsHint")
        hint.setStyleSheet(MUTED_STYLE)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.items_error = error_label(pane, "itemsError")
        layout.addWidget(self.items_error)
        return pane

    # -- what is shown ---

    def current_group_id(self) -> int | None:
        index = self.group_view.currentIndex()
        if not index.isValid():
            return None
        return int(self.group_model.data(index, GroupIdRole))

    def current_group(self) -> GroupInfo | None:
        gid = self.current_group_id()
        return next((g for g in self.groups if g.id == gid), None)

    def select_group(self, group_id: int) -> None:
        row = self.group_model.row_of(group_id)
        if row is not None:
            self.group_view.selectRow(row)
            self.group_view.setCurrentIndex(self.group_model.index(row, 0))

    def item_labels(self) -> list[str]:
        """What the items list shows, in order (for tests and screen readers alike)."""
        return [
            str(self.items_model.data(self.items_model.index(r, 0)))
            for r in range(self.items_model.rowCount())
        ]

    def _show_items(self) -> None:
        group = self.current_group()
        sizes = {g.id: len(g.items) for g in self.groups}
        colors = {g.id: g.color for g in self.groups}
        if group is None:
            self.items_model.set_items([], sizes, colors)
            self.items_title.set_full_text(self.tr("Items"))
            self.items_empty.setText(self.tr("Select or create a group to see its items."))
            self.items_stack.setCurrentWidget(self.items_empty)
        else:
            self.items_model.set_items(group.items, sizes, colors)
            self.items_title.set_full_text(
                self.tr("Items of “{0}” — {1}/{2}").format(group.name, len(group.items), MAX_ITEMS)
            )
            self.items_empty.setText(
                self.tr(
                    "This group is empty.\nAdd the profiles selected in the table, find profiles by name, "
                    "or add another group."
                )
            )
            self.items_stack.setCurrentWidget(self.items_view if group.items else self.items_empty)
        self._update_buttons()

    def _update_buttons(self) -> None:
        group = self.current_group()
        have = group is not None
        rows = self._selected_rows()
        n_selected = len(self.selected_profile_ids)
        self.add_selected_button.setText(
            plural("Add %Ln selected profile(s)", n_selected)
            if n_selected
            else self.tr("Add selected profiles")
        )
        for button, enabled, why in (
            (self.new_button, True, ""),
            (self.rename_button, have, self.tr("Select a group first")),
            (self.color_button, have, self.tr("Select a group first")),
            (self.copy_button, have, self.tr("Select a group first")),
            (self.delete_button, have, self.tr("Select a group first")),
            (
                self.add_selected_button,
                have and n_selected > 0,
                self.tr("Select profiles in the profile table first, then open Groups")
                if have
                else self.tr("Select a group first"),
            ),
            (self.add_profiles_button, have, self.tr("Select a group first")),
            (self.add_group_button, have, self.tr("Select a group first")),
            (self.remove_button, bool(rows), self.tr("Select items to remove")),
            (self.up_button, len(rows) == 1 and rows[0] > 0, self.tr("Select one item that is not first")),
            (
                self.down_button,
                len(rows) == 1 and rows[0] < self.items_model.rowCount() - 1,
                self.tr("Select one item that is not last"),
            ),
        ):
            allowed = enabled and self.can_change
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else (self.read_only_reason if not self.can_change else why))

    def _selected_rows(self) -> list[int]:
        return sorted(i.row() for i in self.items_view.selectionModel().selectedRows())
