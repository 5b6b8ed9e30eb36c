"""'Add to group ▸' for a selection in the profile table: one entry per group, each adding the selection."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMenu, QWidget

from socialdesk.ops import groups as ops_groups
from socialdesk.ops.groups import MAX_ITEMS, ItemRef, Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.rules import can_add_items
from socialdesk.ui.groups_models import error_text, swatch
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import run_op
from socialdesk.ui.widgets import shorten


def _tr(text: str) -> str:
    return QCoreApplication.translate("GroupsDialog", text)


def _added_text(name: str, result: ops_groups.AddResult) -> str:
    text = plural("Added %Ln profile(s) to {group}.", len(result.added))
    text = text.replace("{group}", f"“{name}”")
    if result.already:
        text += " " + plural("%Ln were there already.", len(result.already))
    return text


def _refs(profile_ids: Sequence[int]) -> list[ItemRef]:
    return [ItemRef.profile(p) for p in dict.fromkeys(profile_ids)]


def add_profiles_to_group(
    workspace: Workspace, group_id: int, profile_ids: Sequence[int]
) -> tuple[bool, str]:
    """Add profiles to a group in one unit of work, now: (done, message for the status bar)."""
    try:
        name = ops_groups.group(workspace, group_id).name
        result = ops_groups.add_items(workspace, group_id, _refs(profile_ids)).value
    except SocialDeskError as exc:
        return False, error_text(exc).replace("\n", " ")
    return True, _added_text(name, result)


def add_profiles_to_group_later(
    workspace: Workspace,
    group_id: int,
    group_name: str,
    profile_ids: Sequence[int],
    on_done: Callable[[bool, str], None] | None = None,
) -> None:
    """The menu's way: the same, written off the GUI thread; ``on_done(done, message)`` on the GUI thread."""
    refs = _refs(profile_ids)

    def done(result: ops_groups.AddResult) -> None:
        if on_done is not None:
            on_done(True, _added_text(group_name, result))

    def failed(exc: BaseException, _details: str) -> None:
        if on_done is None:
            return
        if isinstance(exc, SocialDeskError):
            on_done(False, error_text(exc).replace("\n", " "))
        else:
            on_done(False, _tr("Could not add to the group: {0}").format(exc))

    run_op(lambda: ops_groups.add_items(workspace, group_id, refs), done, failed)


def fill_add_to_group_menu(
    menu: QMenu,
    workspace: Workspace,
    profile_ids: Sequence[int],
    on_done: Callable[[bool, str], None] | None = None,
) -> None:
    """(Re)fill ``menu`` with one entry per group that adds ``profile_ids`` to it.

    Each entry shows the group's colour and "n/20"; a full group is disabled with the limit's
    reason (``rules.can_add_items``) as tooltip; without a selection, or for an Analyst, one
    disabled line says why. The entry adds off the GUI thread.
    ``on_done(changed, message)`` gets each outcome (e.g. for the status bar, and to reload the
    Groups column when ``changed``).
    """
    menu.clear()
    menu.setToolTipsVisible(True)
    ids = list(dict.fromkeys(profile_ids))
    view = ops_groups.groups(workspace)
    groups, decision = view.groups, view.change
    reason = "" if ids else _tr("Select profiles first")
    reason = reason or ("" if decision else decision.reason)
    reason = reason or ("" if groups else _tr("No groups yet: create one in Groups…"))
    if reason:
        menu.addAction(reason).setEnabled(False)
        return
    for group in groups:
        action = menu.addAction(
            swatch(group.color), f"{shorten(group.name, 60)}   {len(group.items)}/{MAX_ITEMS}"
        )
        action.setObjectName(f"addToGroup{group.id}")
        action.setData(group.id)
        if not can_add_items(group.name, len(group.items), 1):  # full: not even one more fits
            action.setEnabled(False)
            action.setToolTip(can_add_items(group.name, len(group.items), len(ids)).reason)

        def add(_checked: bool = False, gid: int = group.id, name: str = group.name) -> None:
            add_profiles_to_group_later(workspace, gid, name, ids, on_done)

        action.triggered.connect(add)


def add_to_group_menu(
    parent_menu: QMenu,
    workspace: Workspace,
    profile_ids: Sequence[int],
    on_done: Callable[[bool, str], None] | None = None,
) -> QMenu:
    """Add an "Add to group" submenu for the given profiles to a menu being built (a context menu)."""
    menu = parent_menu.addMenu(_tr("Add to group"))
    menu.setObjectName("addToGroupMenu")
    fill_add_to_group_menu(menu, workspace, profile_ids, on_done)
    return menu


class AddToGroupMenu(QMenu):
    """An "Add to group" submenu that refills itself each time it opens, for the selection then.

    For a view with ``ActionsContextMenu``: ``view.addAction(AddToGroupMenu(...).menuAction())``.
    """

    def __init__(
        self,
        workspace: Workspace,
        selection: Callable[[], Sequence[int]],
        on_done: Callable[[bool, str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(_tr("Add to group"), parent)
        self.setObjectName("addToGroupMenu")
        self.menuAction().setObjectName("actionAddToGroup")
        self.workspace = workspace
        self.selection = selection
        self.on_done = on_done
        self.aboutToShow.connect(self.refill)

    def refill(self) -> None:
        fill_add_to_group_menu(self, self.workspace, self.selection(), self.on_done)
