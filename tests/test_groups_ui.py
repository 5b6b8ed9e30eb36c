"""The groups editor (issue 8): create, rename, recolour, copy, delete; items, limits, loops, order.

Every test drives the real dialog against a copy of the demo workspace and checks the result in the
database through the groups service, so a dialog that only looked right would fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from socialdesk.models.schema import Member, Profile
from socialdesk.ops import groups as ops_groups
from socialdesk.services import groups as g
from socialdesk.services import members as members_service
from socialdesk.services.workspace import Workspace
from socialdesk.ui.groups_dialog import (
    AddToGroupMenu,
    GroupItemsModel,
    GroupListModel,
    GroupNameDialog,
    GroupsDialog,
    add_profiles_to_group,
    add_to_group_menu,
)

P = g.ItemRef.profile
G = g.ItemRef.group


@pytest.fixture
def dialog(qtbot: QtBot, demo_ws: Workspace) -> Iterator[GroupsDialog]:
    d = GroupsDialog(demo_ws)
    qtbot.addWidget(d)
    d.show()
    yield d


def _groups(ws: Workspace) -> dict[str, g.GroupInfo]:
    with ws.session() as s:
        return {i.name: i for i in g.list_groups(s)}


def _gid(ws: Workspace, name: str) -> int:
    return _groups(ws)[name].id


def _items(ws: Workspace, name: str) -> list[g.ItemRef]:
    return [i.ref for i in _groups(ws)[name].items]


def _profile_ids(ws: Workspace, n: int, *, skip: set[int] | None = None) -> list[int]:
    with ws.session() as s:
        ids = list(s.scalars(select(Profile.id).where(Profile.deleted_at.is_(None)).order_by(Profile.id)))
    return [i for i in ids if i not in (skip or set())][:n]


# -- models -------------------------------------------------------------------------------------------


def test_the_models_pass_the_item_model_tester(qtbot: QtBot, qtmodeltester: Any, demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        groups = g.list_groups(s)
    listing = GroupListModel()
    listing.set_groups(groups)
    qtmodeltester.check(listing)
    items = GroupItemsModel()
    all_brands = next(i for i in groups if i.name == "All brands")
    items.set_items(all_brands.items, {i.id: len(i.items) for i in groups}, {i.id: i.color for i in groups})
    items.mover = lambda _ref, _index: True
    qtmodeltester.check(items)
    assert listing.rowCount() == 9 and items.rowCount() == 3


def test_the_editor_lists_groups_with_counts_and_nested_groups_with_a_folder(dialog: GroupsDialog) -> None:
    model = dialog.group_model
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold) and "Global" in names
    row = names.index("Global")
    assert model.data(model.index(row, 1)) == f"3/{g.MAX_ITEMS}"
    assert dialog.groups_title.text().endswith(f"9/{g.MAX_GROUPS}")
    dialog.select_group(model.data(model.index(row, 0), Qt.ItemDataRole.UserRole + 1))
    labels = dialog.item_labels()
    assert [label.split("  ")[0] for label in labels] == ["EMEA", "North America", "APAC"]
    assert all("group" in label for label in labels)
    assert not dialog.items_model.data(
        dialog.items_model.index(0, 0), Qt.ItemDataRole.DecorationRole
    ).isNull()
    assert "Global" in dialog.items_title.full_text()


# -- create, rename, recolour, copy, delete -----------------------------------------------------------


def test_create_rename_recolour_copy_through_the_dialog(dialog: GroupsDialog, demo_ws: Workspace) -> None:
    changes: list[bool] = []
    dialog.groupsChanged.connect(lambda: changes.append(True))
    gid = dialog.create_group("Spring launch", "#1e88e5")
    assert gid is not None and dialog.current_group_id() == gid
    assert _groups(demo_ws)["Spring launch"].color == "#1E88E5"
    assert dialog.items_stack.currentWidget() is dialog.items_empty  # an empty group says so
    assert "empty" in dialog.items_empty.text()

    assert dialog.rename_group(gid, "Spring launch 2027")
    assert dialog.recolor_group(gid, "#43A047")
    info = _groups(demo_ws)["Spring launch 2027"]
    assert (info.id, info.color) == (gid, "#43A047")

    emea = _gid(demo_ws, "EMEA")
    copy_id = dialog.copy_group(emea)
    assert copy_id is not None
    groups = _groups(demo_ws)
    assert groups["Copy of EMEA"].items == groups["EMEA"].items
    assert dialog.current_group_id() == copy_id
    assert len(changes) == 4


def test_a_bad_name_is_shown_under_the_field_and_nothing_is_created(
    qtbot: QtBot, dialog: GroupsDialog, demo_ws: Workspace
) -> None:
    before = set(_groups(demo_ws))
    name_dialog = GroupNameDialog(
        dialog, "New group", lambda name, color: dialog.create_group_message(name, color), color="#607D8B"
    )
    qtbot.addWidget(name_dialog)
    name_dialog.show()
    name_dialog.name.setText("x" * 120)
    assert not name_dialog.submit()
    assert name_dialog.error.isVisible()
    assert "at most 100 characters (120 given)" in name_dialog.error.text()
    name_dialog.name.setText("emea")
    assert not name_dialog.submit()
    assert "already a group named 'EMEA'" in name_dialog.error.text()
    assert set(_groups(demo_ws)) == before
    assert name_dialog.result() == 0  # still open, nothing accepted

    name_dialog.name.setText("Spring launch")
    assert name_dialog.submit()
    assert set(_groups(demo_ws)) == before | {"Spring launch"}


def test_rename_to_a_taken_name_is_refused_inline(dialog: GroupsDialog, demo_ws: Workspace) -> None:
    apac = _gid(demo_ws, "APAC")
    assert not dialog.rename_group(apac, "Global")
    assert "already a group named 'Global'" in dialog.groups_error.text()
    assert dialog.groups_error.isVisible()
    assert "APAC" in _groups(demo_ws)


def test_the_twenty_group_limit_is_shown_and_nothing_more_is_made(
    dialog: GroupsDialog, demo_ws: Workspace
) -> None:
    for i in range(g.MAX_GROUPS - 9):
        assert dialog.create_group(f"Extra {i}") is not None
    assert len(_groups(demo_ws)) == g.MAX_GROUPS
    assert dialog.create_group("One too many") is None
    assert f"the most a workspace can have ({g.MAX_GROUPS})" in dialog.groups_error.text()
    assert dialog.copy_group(_gid(demo_ws, "EMEA")) is None
    assert f"({g.MAX_GROUPS})" in dialog.groups_error.text()
    # The New button says so at once instead of opening a name dialog that cannot succeed.
    dialog.groups_error.clear()
    dialog.new_button.click()
    assert QApplication.activeModalWidget() is None
    assert f"There are already {g.MAX_GROUPS} groups" in dialog.groups_error.text()
    assert len(_groups(demo_ws)) == g.MAX_GROUPS


def test_delete_asks_first_and_says_when_other_groups_contain_it(
    dialog: GroupsDialog, demo_ws: Workspace
) -> None:
    emea = _gid(demo_ws, "EMEA")
    asked: list[str] = []

    def refuse(question: str) -> bool:
        asked.append(question)
        return False

    assert not dialog.delete_group(emea, refuse)
    assert "EMEA" in _groups(demo_ws)
    assert "inside another group: “Global”" in asked[0]
    assert "takes it out of that group" in asked[0]

    def accept(question: str) -> bool:
        asked.append(question)
        return True

    assert dialog.delete_group(emea, accept)
    groups = _groups(demo_ws)
    assert "EMEA" not in groups
    assert G(emea) not in [i.ref for i in groups["Global"].items]
    assert len(groups["Global"].items) == 2

    # A group nobody contains: the question does not talk about containers.
    asked.clear()
    assert dialog.delete_group(_gid(demo_ws, "Customer care"), accept)
    assert "inside" not in asked[0] and "Customer care" not in _groups(demo_ws)


# -- items ----------------------------------------------------------------------------------------------


def test_adding_the_table_selection(qtbot: QtBot, demo_ws: Workspace) -> None:
    chosen = _profile_ids(demo_ws, 3, skip={p.id for p in _groups(demo_ws)["APAC"].items})
    d = GroupsDialog(demo_ws, selected_profile_ids=chosen)
    qtbot.addWidget(d)
    d.show()
    d.select_group(_gid(demo_ws, "APAC"))
    assert d.add_selected_button.text() == "Add 3 selected profiles"
    before = _items(demo_ws, "APAC")
    d.add_selected_button.click()
    assert _items(demo_ws, "APAC") == [*before, *(P(i) for i in chosen)]
    assert d.notice.text() == "Added 3 items to “APAC”."
    # Again: nothing to add, and it says so.
    assert d.add_selected()
    assert "3 were in the group already" in d.notice.text()


def test_without_a_selection_the_add_selected_button_says_why(dialog: GroupsDialog) -> None:
    assert not dialog.add_selected_button.isEnabled()
    assert "Select profiles in the profile table" in dialog.add_selected_button.toolTip()


def test_the_item_limit_is_shown_and_nothing_is_half_added(dialog: GroupsDialog, demo_ws: Workspace) -> None:
    gid = dialog.create_group("Full")
    assert gid is not None
    ids = _profile_ids(demo_ws, g.MAX_ITEMS + 5)
    # 25 at once: refused whole.
    assert not dialog.add_profiles(gid, ids)
    assert f"A group holds at most {g.MAX_ITEMS} items" in dialog.items_error.text()
    assert dialog.items_error.isVisible()
    assert _items(demo_ws, "Full") == []
    assert dialog.add_profiles(gid, ids[: g.MAX_ITEMS])
    assert (
        dialog.group_model.data(dialog.group_model.index(dialog.group_model.row_of(gid) or 0, 1)) == "20/20"
    )
    assert not dialog.add_profiles(gid, ids[g.MAX_ITEMS :][:1])
    assert "so 0 more fit and 1 were given" in dialog.items_error.text()
    assert not dialog.add_groups(gid, [_gid(demo_ws, "EMEA")])
    assert len(_items(demo_ws, "Full")) == g.MAX_ITEMS


def test_a_loop_through_three_levels_is_refused_with_the_path(
    dialog: GroupsDialog, demo_ws: Workspace
) -> None:
    a = dialog.create_group("Level A")
    b = dialog.create_group("Level B")
    c = dialog.create_group("Level C")
    assert a and b and c
    assert dialog.add_groups(a, [b]) and dialog.add_groups(b, [c])
    assert not dialog.add_groups(c, [a])
    message = dialog.items_error.text()
    assert "cannot go into 'Level C'" in message and "Level A > Level B > Level C" in message
    assert _items(demo_ws, "Level C") == []
    assert not dialog.add_groups(a, [a])
    assert "cannot contain itself" in dialog.items_error.text()
    # The group picker lists the loop with its reason and will not add it.
    dialog.select_group(c)
    picker = dialog.group_picker()
    assert picker is not None
    reasons = {
        str(picker.list.item(i).text()): picker.list.item(i).toolTip() for i in range(picker.list.count())
    }
    assert "Level C" not in reasons
    assert "would contain itself" in reasons["Level A"] and "would contain itself" in reasons["Level B"]
    assert "would contain itself" not in reasons["APAC"]
    for i in range(picker.list.count()):
        picker.list.item(i).setSelected(picker.list.item(i).text() == "Level A")
    assert not picker.add_button.isEnabled()
    assert "Level A > Level B > Level C" in picker.reason.text()
    for i in range(picker.list.count()):
        picker.list.item(i).setSelected(picker.list.item(i).text() == "APAC")
    assert picker.add_button.isEnabled()
    assert picker.submit()
    assert _items(demo_ws, "Level C") == [G(_gid(demo_ws, "APAC"))]


def test_remove_and_reorder_items(dialog: GroupsDialog, demo_ws: Workspace) -> None:
    global_id = _gid(demo_ws, "Global")
    emea, na, apac = _items(demo_ws, "Global")
    dialog.select_group(global_id)
    view = dialog.items_view
    view.setCurrentIndex(dialog.items_model.index(0, 0))
    assert dialog.down_button.isEnabled() and not dialog.up_button.isEnabled()
    assert dialog.move_current(1)
    assert _items(demo_ws, "Global") == [na, emea, apac]
    assert dialog.move_current(1)
    assert _items(demo_ws, "Global") == [na, apac, emea]
    assert not dialog.down_button.isEnabled()
    # What a drag and drop does: the view asks the model to move the row.
    assert dialog.items_model.moveRow(QModelIndex(), 2, QModelIndex(), 0)
    assert _items(demo_ws, "Global") == [emea, na, apac]
    assert [r.id for r in dialog.items_model.refs()] == [emea.id, na.id, apac.id]
    assert dialog.remove_items(global_id, [na])
    assert _items(demo_ws, "Global") == [emea, apac]
    assert dialog.item_labels()[1].startswith("APAC")
    # The other groups and the profiles stay.
    assert "North America" in _groups(demo_ws)


def test_the_profile_picker_searches_with_a_limit_and_adds(
    qtbot: QtBot, dialog: GroupsDialog, demo_ws: Workspace
) -> None:
    rows = ops_groups.profile_rows(demo_ws)
    hits, more = g.search_rows(rows, "", limit=5)
    assert len(hits) == 5 and more
    with demo_ws.session() as s:
        target = s.get(
            Profile, _profile_ids(demo_ws, 1, skip={p.id for p in _groups(demo_ws)["APAC"].items})[0]
        )
        assert target is not None
        handle, name = target.handle, target.display_name
    by_handle, _more = g.search_rows(rows, f"@{handle}")
    assert target.id in [h.id for h in by_handle]
    by_id, _ = g.search_rows(rows, str(target.id))
    assert target.id in [h.id for h in by_id]
    nothing, _ = g.search_rows(rows, "%_no such profile_%")
    assert nothing == []
    dialog.select_group(_gid(demo_ws, "APAC"))
    picker = dialog.profile_picker()
    assert picker is not None
    qtbot.addWidget(picker)
    picker.search_edit.setText(name)
    assert picker.search() >= 1
    picker.select_ids([target.id])
    assert picker.chosen_ids() == [target.id]
    assert picker.add_button.text() == "Add 1 profile"
    assert picker.submit()
    assert _items(demo_ws, "APAC")[-1] == P(target.id)
    # Profiles already in the group are listed but cannot be picked again.
    again = dialog.profile_picker()
    assert again is not None
    qtbot.addWidget(again)
    again.search_edit.setText(name)
    again.search()
    again.select_ids([target.id])
    assert again.chosen_ids() == []
    picker_none = dialog.profile_picker()
    assert picker_none is not None
    qtbot.addWidget(picker_none)
    picker_none.search_edit.setText("zz-no-such-profile-zz")
    assert picker_none.search() == 0
    assert "No profile matches" in picker_none.note.text()


def test_an_analyst_can_look_but_not_change(qtbot: QtBot, demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        lena = s.scalars(select(Member).where(Member.name == "Lena Novak")).one()
        members_service.set_me(s, lena.id)
    d = GroupsDialog(demo_ws, selected_profile_ids=[1])
    qtbot.addWidget(d)
    d.show()
    assert d.read_only.isVisible() and "read-only" in d.read_only.text()
    for button in (d.new_button, d.rename_button, d.delete_button, d.add_selected_button, d.add_group_button):
        assert not button.isEnabled()
        assert "read-only" in button.toolTip()
    assert d.create_group("Nope") is None
    assert "read-only" in d.groups_error.text()
    assert "Nope" not in _groups(demo_ws)
    assert d.items_model.mover is None  # no drag and drop either


def test_add_to_group_menu_adds_the_selection(qtbot: QtBot, demo_ws: Workspace) -> None:
    parent = QMenu()
    ids = _profile_ids(demo_ws, 2, skip={p.id for p in _groups(demo_ws)["Customer care"].items})
    outcomes: list[tuple[bool, str]] = []
    menu = add_to_group_menu(parent, demo_ws, ids, lambda changed, text: outcomes.append((changed, text)))
    assert menu.title() == "Add to group" and menu.isEnabled()
    target = next(a for a in menu.actions() if a.text().startswith("Customer care"))
    before = _items(demo_ws, "Customer care")
    target.trigger()  # written off the GUI thread; the outcome arrives on it
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
    assert _items(demo_ws, "Customer care") == [*before, *(P(i) for i in ids)]
    assert outcomes == [(True, "Added 2 profiles to “Customer care”.")]
    # Too many at once: refused whole, with the service's message.
    too_many = _profile_ids(demo_ws, g.MAX_ITEMS + 1)
    done, message = add_profiles_to_group(demo_ws, _gid(demo_ws, "Customer care"), too_many)
    assert not done and f"A group holds at most {g.MAX_ITEMS} items" in message
    assert _items(demo_ws, "Customer care") == [*before, *(P(i) for i in ids)]
    empty = add_to_group_menu(parent, demo_ws, [])
    assert [(a.text(), a.isEnabled()) for a in empty.actions()] == [("Select profiles first", False)]


def test_the_context_submenu_follows_the_selection_each_time_it_opens(
    qtbot: QtBot, demo_ws: Workspace
) -> None:
    selection: list[int] = []
    outcomes: list[tuple[bool, str]] = []
    menu = AddToGroupMenu(demo_ws, lambda: selection, lambda changed, text: outcomes.append((changed, text)))
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == ["Select profiles first"]
    selection[:] = _profile_ids(demo_ws, 1, skip={p.id for p in _groups(demo_ws)["APAC"].items})
    menu.aboutToShow.emit()
    entries = {a.text().split("   ")[0]: a for a in menu.actions()}
    assert len(entries) == 9 and entries["APAC"].text().endswith("4/20")
    entries["APAC"].trigger()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=5000)
    assert _items(demo_ws, "APAC")[-1] == P(selection[0])
    assert outcomes and outcomes[-1][0]
    menu.aboutToShow.emit()
    assert next(a for a in menu.actions() if a.text().startswith("APAC")).text().endswith("5/20")


def test_the_buttons_open_their_dialogs(qtbot: QtBot, dialog: GroupsDialog, demo_ws: Workspace) -> None:
    """The real modal paths: New… creates through the name dialog; Delete… asks in a message box."""
    seen: dict[str, str] = {}

    def fill_name() -> None:
        modal = QApplication.activeModalWidget()
        assert isinstance(modal, GroupNameDialog)
        modal.name.setText("From the button")
        modal.ok_button.click()

    QTimer.singleShot(0, fill_name)
    dialog.new_button.click()
    assert "From the button" in _groups(demo_ws)
    current = dialog.current_group()
    assert current is not None and current.name == "From the button"

    def answer_cancel() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen["text"] = box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Cancel).click()

    dialog.select_group(_gid(demo_ws, "EMEA"))
    QTimer.singleShot(0, answer_cancel)
    dialog.delete_button.click()
    assert "“Global”" in seen["text"]
    assert "EMEA" in _groups(demo_ws)
