"""The profiles window, part 2: actions by ownership and role, dialogs end to end, bulk, trash, team,
notification centre, first run. Against a real workspace file (a copy of the demo)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from socialdesk.models.catalogue import ConnectionState, Ownership, Role, Status
from socialdesk.models.schema import AuditEntry, Member, Profile, ProfileOwner
from socialdesk.services import members as members_service
from socialdesk.services import notifications as notifications_service
from socialdesk.services import profiles as profiles_service
from socialdesk.services.workspace import Workspace
from socialdesk.ui.dialogs import AddPublicProfileDialog, PlanDialog, ShareDialog
from socialdesk.ui.main_window import MainWindow
from socialdesk.ui.members import MembersDialog
from socialdesk.ui.notifications import NotificationCentre, UnreadRole

RULED = ("actionShare", "actionStopSharing", "actionRemoveOwnership", "actionDelete")


def open_window(qtbot: QtBot, data_dir: Path) -> MainWindow:
    window = MainWindow.open(data_dir)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.show()
    return window


def answer(callback: Callable[[QWidget], None]) -> None:
    """Answer the next modal dialog from the event loop (it is shown with exec())."""

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, run)
            return
        callback(dialog)

    QTimer.singleShot(0, run)


def audit_actions(ws: Workspace, profile_id: int) -> list[str]:
    with ws.session() as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.profile_id == profile_id)))


@pytest.fixture
def window(qtbot: QtBot, demo_dir: Path) -> Iterator[MainWindow]:
    yield open_window(qtbot, demo_dir)


def find_profile(
    window: MainWindow,
    category: Ownership,
    *,
    shareable: bool | None = None,
    shared: bool | None = None,
    status: Status | None = None,
) -> int:
    """A profile of the demo in a category (shareable: has an active Publishing or Messaging connection)."""
    assert window.workspace is not None
    with window.workspace.session() as s:
        me = window.workspace.me_id
        for pid in s.scalars(select(Profile.id).where(Profile.deleted_at.is_(None)).order_by(Profile.id)):
            view = profiles_service.view(s, pid)
            if view.relative_to(me) is not category:
                continue
            if shareable is not None and view.allows_interactions != shareable:
                continue
            if shared is not None and view.is_shared != shared:
                continue
            if status is not None and (view.status is not status or view.visibility.value != "owned"):
                continue
            return pid
    raise AssertionError(f"no {category} profile in the demo")


def pick(window: MainWindow, profile_id: int) -> None:
    window.filter_panel.set_filter(window.model.filter.__class__(ownership=set(Ownership)))
    window._on_filter_changed(window.filter_panel.filter())
    assert window.table.select_profile(profile_id)


def states(window: MainWindow) -> dict[str, tuple[bool, str]]:
    return {n: (window.action(n).isEnabled(), window.action(n).toolTip()) for n in RULED}


# -- actions by category, owner and role -------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.MANAGER, Role.RESPONDER, Role.ANALYST])
def test_actions_follow_the_rules_for_each_category_and_role(
    qtbot: QtBot, demo_dir: Path, role: Role
) -> None:
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        me = members_service.me(s)
        assert me is not None
        me.role = role.value
    ws.close()
    window = open_window(qtbot, demo_dir)
    owned = find_profile(window, Ownership.OWNED, shareable=True, shared=True)
    shared = find_profile(window, Ownership.SHARED)
    ownerless = find_profile(window, Ownership.NONE)
    others = find_profile(window, Ownership.OTHERS)

    pick(window, owned)
    got = states(window)
    assert window.details.name_edit.isReadOnly() is (role is Role.ANALYST)
    if role is Role.ANALYST:
        for name in RULED:
            assert got[name] == (False, "Analysts have read-only access"), name
        assert not window.action("actionAddPublicProfile").isEnabled()
        return
    assert window.action("actionAddPublicProfile").isEnabled()
    assert got["actionShare"][0] and got["actionStopSharing"][0]
    assert got["actionRemoveOwnership"][0] and got["actionDelete"][0]
    claim = window.action("actionClaimOwnership")
    assert (claim.isEnabled(), claim.toolTip()) == (False, "You already own this profile")
    assert window.details.connect_button.isEnabled()

    pick(window, shared)
    got = states(window)
    # Editing in the pane follows the same rules: a profile only shared with me is read-only there.
    assert window.details.name_edit.isReadOnly()
    assert window.details.name_edit.toolTip() == "Only an owner can edit this profile"
    assert got["actionShare"] == (False, "Only an owner of the profile can share it")
    assert got["actionStopSharing"] == (False, "Only an owner of the profile can stop sharing it")
    assert got["actionRemoveOwnership"] == (False, "You are not an owner of this profile")
    assert got["actionDelete"] == (
        False,
        "A profile that is only shared with you cannot be deleted; ask an owner",
    )
    assert window.action("actionClaimOwnership").isEnabled()  # with a sign-in that returns the profile

    pick(window, ownerless)
    got = states(window)
    assert got["actionDelete"][0]  # anyone may delete a profile without owners
    assert got["actionShare"] == (False, "Only an owner of the profile can share it")

    pick(window, others)
    got = states(window)
    assert not window.details.connect_button.isEnabled()
    assert "Only its owners and the members it is shared with" in window.details.connect_button.toolTip()
    assert got["actionDelete"] == (False, "Only an owner can delete this profile")
    assert not got["actionRemoveOwnership"][0]


def test_share_needs_an_interaction_connection(window: MainWindow) -> None:
    pid = find_profile(window, Ownership.OWNED, shareable=False)
    pick(window, pid)
    assert states(window)["actionShare"] == (
        False,
        "Sharing needs an active Publishing or Messaging connection",
    )


# -- dialogs end to end -------------------------------------------------------------------------------


def test_share_dialog_offers_no_analysts_and_spells_out_the_risk(qtbot: QtBot, window: MainWindow) -> None:
    pid = find_profile(window, Ownership.OWNED, shareable=True, shared=False)
    pick(window, pid)
    seen: dict[str, Any] = {}

    def fill(dialog: QWidget) -> None:
        assert isinstance(dialog, ShareDialog)
        seen["members"] = [dialog.list.item(i).text() for i in range(dialog.list.count())]
        seen["risk"] = dialog.findChild(QWidget, "riskWarning").text()  # type: ignore[union-attr]
        for i in range(dialog.list.count()):
            if dialog.list.item(i).text().startswith("Priya Shah"):
                dialog.list.item(i).setCheckState(Qt.CheckState.Checked)
        dialog.share_button.click()

    answer(fill)
    with qtbot.waitSignal(window.profile_actions.bulkFinished, timeout=10000):
        window.action("actionShare").trigger()  # planned and applied off the GUI thread
    assert not any("Lena Novak" in m for m in seen["members"])  # the Analyst
    assert any(m.startswith("Priya Shah") for m in seen["members"])
    assert "post" in seen["risk"]
    assert window.workspace is not None
    with window.workspace.session() as s:
        priya = members_service.find(s, "Priya Shah")
        assert priya.id in profiles_service.view(s, pid).shared_with
    assert "shared" in audit_actions(window.workspace, pid)
    # The pane shows the share, and stopping it is now allowed.
    assert "Priya Shah" in window.details.info.text()
    assert window.action("actionStopSharing").isEnabled()

    answer(lambda d: d.confirm_button.click())  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.profile_actions.bulkFinished, timeout=10000):
        window.action("actionStopSharing").trigger()
    with window.workspace.session() as s:
        assert not profiles_service.view(s, pid).is_shared
    assert "sharing_stopped" in audit_actions(window.workspace, pid)


def test_remove_my_ownership_of_a_sole_owned_profile_warns_and_orphans_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window.workspace is not None
    with window.workspace.session() as s:
        me = window.workspace.me_id
        pid = next(
            p
            for p in s.scalars(select(Profile.id).where(Profile.deleted_at.is_(None)))
            if profiles_service.view(s, p).owners == {me}
        )
    pick(window, pid)
    warnings: list[str] = []

    def confirm(dialog: QWidget) -> None:
        assert isinstance(dialog, PlanDialog)
        warnings.extend(w.text() for w in dialog.findChildren(QWidget, "planWarning"))  # type: ignore[attr-defined]
        dialog.confirm_button.click()

    answer(confirm)
    window.action("actionRemoveOwnership").trigger()
    assert any("Without owners" in w for w in warnings)
    with window.workspace.session() as s:
        assert profiles_service.view(s, pid).owners == frozenset()
    row = window.model.row_of_profile(pid)
    assert row is not None
    assert window.model.rows.ownership[window.model.source_row(row)] is Ownership.NONE
    assert "ownership_removed" in audit_actions(window.workspace, pid)


def test_delete_names_shares_and_groups_then_restore_from_trash(qtbot: QtBot, window: MainWindow) -> None:
    assert window.workspace is not None
    with window.workspace.session() as s:
        # An owned profile in a group; share it with a member so both warnings show.
        me = window.workspace.me_id
        pid = next(
            p
            for p in s.scalars(select(Profile.id).where(Profile.deleted_at.is_(None)).order_by(Profile.id))
            if me in profiles_service.view(s, p).owners and profiles_service.view(s, p).in_groups
        )
        s.add(
            ProfileOwner(
                profile_id=pid,
                member_id=members_service.find(s, "Tom Becker").id,
                since=s.get(Profile, pid).added_at,
            )
        )  # type: ignore[union-attr]
        profiles_service.get_profile(s, pid).shared_with_all = True
        groups = profiles_service.view(s, pid).in_groups
    window.reload()
    qtbot.waitUntil(lambda: not window._loading)
    pick(window, pid)
    warnings: list[str] = []

    def confirm(dialog: QWidget) -> None:
        warnings.extend(w.text() for w in dialog.findChildren(QWidget, "planWarning"))  # type: ignore[attr-defined]
        dialog.confirm_button.click()  # type: ignore[attr-defined]

    answer(confirm)
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action("actionDelete").trigger()
    assert any("all users" in w for w in warnings)
    assert any(groups[0] in w for w in warnings)
    assert window.model.row_of_profile(pid) is None
    assert "profile_deleted" in audit_actions(window.workspace, pid)

    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action_show_trash.setChecked(True)
    assert "deleted profiles" in window.status_count.text()
    pick(window, pid)
    assert window.action("actionRestore").isEnabled()
    assert not window.action("actionShare").isEnabled()
    assert "Deleted" in window.details.title.text()
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action("actionRestore").trigger()
    assert window.model.row_of_profile(pid) is None  # gone from the trash
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action_show_trash.setChecked(False)
    pick(window, pid)  # back in the list
    with window.workspace.session() as s:
        assert s.get(Profile, pid).deleted_at is None  # type: ignore[union-attr]
    assert "profile_restored" in audit_actions(window.workspace, pid)


@pytest.mark.parametrize(
    ("url", "platform", "handle", "kind"),
    [
        ("https://www.facebook.com/acmeshoes", "facebook", "acmeshoes", "page"),
        ("https://www.instagram.com/acme.shop/", "instagram", "acme.shop", "account"),
        ("https://x.com/AcmeSupport", "x", "AcmeSupport", "account"),
        ("https://twitter.com/acme", "x", "acme", "account"),
        ("https://www.linkedin.com/company/acme-corp/", "linkedin", "acme-corp", "organization_page"),
        ("https://www.linkedin.com/in/jane-doe", "linkedin", "jane-doe", "account"),
        ("https://www.youtube.com/@AcmeTV", "youtube", "AcmeTV", "channel"),
        ("https://www.pinterest.com/acmeboards/", "pinterest", "acmeboards", "account"),
        ("https://www.tiktok.com/@acme", "tiktok", "acme", "account"),
        ("https://www.snapchat.com/add/acmesnaps", "snapchat", "acmesnaps", "account"),
        ("https://wa.me/4915112345678", "whatsapp", "4915112345678", "business_account"),
    ],
)
def test_add_public_profile_from_a_url_of_each_platform(
    qtbot: QtBot, window: MainWindow, url: str, platform: str, handle: str, kind: str
) -> None:
    dialog = AddPublicProfileDialog(window)
    qtbot.addWidget(dialog)
    dialog.ref.setText(url)
    assert dialog.ok_button.isEnabled()
    assert dialog.values()[:3] == (platform, handle, kind)
    answer(lambda d: d.accept())  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        new_id = window.profile_actions.add_public_profile(dialog)
    assert new_id is not None
    assert window.workspace is not None
    with window.workspace.session() as s:
        p = s.get(Profile, new_id)
        assert p is not None and (p.platform, p.handle, p.kind, p.visibility) == (
            platform,
            handle,
            kind,
            "public",
        )
    assert "profile_added" in audit_actions(window.workspace, new_id)


def test_add_public_profile_refusal_keeps_the_typed_text(qtbot: QtBot, window: MainWindow) -> None:
    dialog = AddPublicProfileDialog(window)
    qtbot.addWidget(dialog)
    dialog.ref.setText("https://www.facebook.com/wingtip")  # already in the demo
    calls = {"n": 0}

    def first_accept_then_cancel(d: QWidget) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            d.accept()  # type: ignore[attr-defined]
            answer(first_accept_then_cancel)
        else:
            d.reject()  # type: ignore[attr-defined]

    answer(first_accept_then_cancel)
    assert window.profile_actions.add_public_profile(dialog) is None
    assert "already in the workspace" in dialog.error.text()
    assert dialog.ref.text() == "https://www.facebook.com/wingtip"


def test_unknown_address_is_refused_in_the_dialog(qtbot: QtBot) -> None:
    dialog = AddPublicProfileDialog()
    qtbot.addWidget(dialog)
    dialog.ref.setText("https://example.org/whoever")
    assert not dialog.ok_button.isEnabled()
    assert "not an address of a supported platform" in dialog.error.text()


def test_edit_fields_in_the_pane(qtbot: QtBot, window: MainWindow) -> None:
    pid = find_profile(window, Ownership.OWNED, shareable=True)
    pick(window, pid)
    pane = window.details
    assert not pane.save_button.isEnabled()
    pane.name_edit.setText("Renamed Brand")
    pane.notes_edit.setPlainText("Handled by the night shift.")
    assert pane.save_button.isEnabled()
    pane.save_button.click()
    assert window.workspace is not None
    with window.workspace.session() as s:
        p = s.get(Profile, pid)
        assert (
            p is not None and p.display_name == "Renamed Brand" and p.notes == "Handled by the night shift."
        )
    assert "profile_edited" in audit_actions(window.workspace, pid)
    row = window.model.row_of_profile(pid)
    assert row is not None and window.model.data(window.model.index(row, 0)) == "Renamed Brand"
    # A broken field is refused at the form and the typed text stays.
    pane.url_edit.setText("not a url")
    pane.save_button.click()
    assert pane.edit_error.isVisibleTo(pane) and "https://" in pane.edit_error.text()
    assert pane.url_edit.text() == "not a url"


def test_acquisition_switch_is_disabled_without_a_valid_token(window: MainWindow) -> None:
    pid = find_profile(window, Ownership.OWNED, status=Status.NOT_CONNECTED)
    assert window.workspace is not None
    with window.workspace.session() as s:
        view = profiles_service.view(s, pid)
    assert not any(st == ConnectionState.ACTIVE for st in view.connections.values())
    pick(window, pid)
    assert not window.details.acquire_data.isEnabled()
    assert "valid token" in window.details.acquire_data.toolTip()


# -- bulk ---------------------------------------------------------------------------------------------


def test_bulk_delete_on_a_mixed_selection_lists_what_will_and_will_not_be_done(
    qtbot: QtBot, window: MainWindow
) -> None:
    owned = find_profile(window, Ownership.OWNED)
    shared = find_profile(window, Ownership.SHARED)
    pick(window, owned)
    model = window.model
    flags = window.table.selectionModel().SelectionFlag
    row = model.row_of_profile(shared)
    assert row is not None
    window.table.selectionModel().select(model.index(row, 0), flags.Select | flags.Rows)
    assert sorted(window.table.selected_profile_ids()) == sorted([owned, shared])
    assert window.action("actionDelete").isEnabled()
    summary: list[str] = []

    def confirm(dialog: QWidget) -> None:
        assert isinstance(dialog, PlanDialog)
        summary.append(dialog.summary.toPlainText())
        dialog.confirm_button.click()

    answer(confirm)
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.action("actionDelete").trigger()
    text = summary[0]
    assert "Will be done (1)" in text and "Will not be done (1)" in text
    assert "only shared with you" in text
    assert window.workspace is not None
    with window.workspace.session() as s:
        assert s.get(Profile, owned).deleted_at is not None  # type: ignore[union-attr]
        assert s.get(Profile, shared).deleted_at is None  # type: ignore[union-attr]


# -- team members -------------------------------------------------------------------------------------


def test_remove_a_member_with_hand_over(qtbot: QtBot, window: MainWindow) -> None:
    assert window.workspace is not None
    dialog = MembersDialog(window.workspace, window, on_change=window.reload)
    qtbot.addWidget(dialog)
    with window.workspace.session() as s:
        jonas = members_service.find(s, "Jonas Weber")
        priya = members_service.find(s, "Priya Shah")
        owned = set(s.scalars(select(ProfileOwner.profile_id).where(ProfileOwner.member_id == jonas.id)))
    assert owned
    assert dialog.remove_member(jonas.id, heir=priya.id)
    assert "handed over" in dialog.notice.text()
    with window.workspace.session() as s:
        now_priya = set(s.scalars(select(ProfileOwner.profile_id).where(ProfileOwner.member_id == priya.id)))
        assert owned <= now_priya
        assert s.get(Member, jonas.id).removed_at is not None  # type: ignore[union-attr]
    assert all("Jonas Weber" not in dialog.list.item(i).text() for i in range(dialog.list.count()))
    with window.workspace.session() as s:
        logged = set(s.scalars(select(AuditEntry.action).where(AuditEntry.member_id == jonas.id)))
    assert {"member_removed", "ownership_handed_over"} <= logged
    # Adding and renaming, with the same name rule as everywhere.
    assert not dialog.add_member("priya shah", Role.MANAGER)
    assert "already a team member" in dialog.error.text()
    assert dialog.add_member("Nora Field", Role.RESPONDER)
    with window.workspace.session() as s:
        nora = members_service.find(s, "nora field")
    assert dialog.rename_member(nora.id, "Nora Fields")


def test_members_dialog_is_read_only_for_a_responder(qtbot: QtBot, demo_dir: Path) -> None:
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        members_service.set_me(s, members_service.find(s, "Tom Becker").id)
    dialog = MembersDialog(ws)
    qtbot.addWidget(dialog)
    assert not dialog.add_button.isEnabled()
    assert "Only Administrators and Managers" in dialog.add_button.toolTip()
    ws.close()


# -- first run ----------------------------------------------------------------------------------------


def test_first_run_asks_who_you_are_inside_the_window(qtbot: QtBot, demo_dir: Path) -> None:
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        from socialdesk.models.schema import Meta

        s.delete(s.get(Meta, "me"))
    ws.close()
    window = open_window(qtbot, demo_dir)
    assert window.stack.currentWidget() is window.who_page
    assert QApplication.activeModalWidget() is None  # never a modal dialog at start
    items = [window.who_page.list.item(i).text() for i in range(window.who_page.list.count())]
    assert any(t.startswith("Priya Shah") for t in items)
    for i in range(window.who_page.list.count()):
        if window.who_page.list.item(i).text().startswith("Priya Shah"):
            window.who_page.list.setCurrentRow(i)
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.who_page.pick_button.click()
    assert window.stack.currentWidget() is window.splitter
    assert window.workspace is not None
    with window.workspace.session() as s:
        me = members_service.me(s)
        assert me is not None and me.name == "Priya Shah"


def test_start_empty_then_add_yourself(qtbot: QtBot, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path / "fresh")
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.empty_page().start_empty_button.click()
    assert window.stack.currentWidget() is window.who_page
    window.who_page.name.setText("Ada Lovelace")
    with qtbot.waitSignal(window.rowsLoaded, timeout=10000):
        window.who_page.add_button.click()
    assert window.stack.currentWidget() is window.splitter
    assert window.action("actionAddPublicProfile").isEnabled()


# -- notification centre ------------------------------------------------------------------------------


def test_notification_centre_counts_and_mark_read(qtbot: QtBot, window: MainWindow) -> None:
    assert window.workspace is not None
    with window.workspace.session() as s:
        unread = notifications_service.unread_count(s)
        total = len(notifications_service.list_notifications(s))
    assert unread > 0
    assert window.notification_button.text() == str(unread)
    centre = window.show_notifications()
    assert isinstance(centre, NotificationCentre)  # owned by the window, deleted when it closes
    assert len(centre.entry_items()) == total
    assert centre.summary.text() == f"{unread} unread notifications"
    # Mark one read.
    first_unread = next(item for item in centre.entry_items() if item.data(UnreadRole))
    centre.list.setCurrentItem(first_unread)
    centre.mark_read_button.click()  # written off the GUI thread
    qtbot.waitUntil(lambda: window.notification_button.text() == str(unread - 1), timeout=5000)
    centre.mark_all_button.click()
    qtbot.waitUntil(lambda: window.notification_button.text() == "", timeout=5000)
    assert centre.summary.text() == "0 unread notifications"
    # Choosing one selects its profile in the list.
    item = centre.entry_items()[0]
    pid = item.data(Qt.ItemDataRole.UserRole + 2)
    centre.list.setCurrentItem(item)
    centre.show_button.click()
    assert window.table.current_profile_id() == pid


def test_settings_dialog_writes_channels_and_credentials(qtbot: QtBot, window: MainWindow) -> None:
    dialog = window.show_settings()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.desktop.setChecked(False)
    dialog.interval.setValue(45)
    client_id, secret, browser = dialog.rows["x"]
    client_id.setText("my-x-app")
    secret.setText("x-app-s3cr3t")
    browser.setCurrentIndex(browser.findData("system"))
    assert dialog.save()
    assert window.workspace is not None
    with window.workspace.session() as s:
        assert not notifications_service.channels(s).desktop
        from socialdesk.services import health

        assert health.check_interval(s) == 45
    text = (window.workspace.data_dir / "providers.toml").read_text()
    assert 'client_id = "my-x-app"' in text and 'browser = "system"' in text
    assert "secret" not in text and "x-app-s3cr3t" not in text
    # The secret went to the token store (the OS keyring; session memory where there is none).
    assert window.tokens().client_secret("x") == "x-app-s3cr3t"
    assert secret.text() == ""  # not left on screen


def test_dialogs_are_not_left_open(window: MainWindow) -> None:
    assert QApplication.activeModalWidget() is None
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_the_gear_opens_the_profile_manager_on_that_profile(qtbot: QtBot, window: MainWindow) -> None:
    from socialdesk.ui.profile_manager import ProfileManagerWindow

    pid = find_profile(window, Ownership.OWNED, shareable=True)
    pick(window, pid)
    gear = window.details.gear
    assert gear.isVisible() and not gear.icon().isNull()
    gear.click()
    manager = window.findChild(ProfileManagerWindow)
    assert manager is not None
    qtbot.waitUntil(lambda: manager.profile_id == pid, timeout=5000)
    assert window.action("actionProfileManager").isEnabled()
    manager.close()


def test_desktop_notifications_reach_the_window_and_are_skipped_without_a_tray(
    qtbot: QtBot, window: MainWindow
) -> None:
    from socialdesk.services.clock import utcnow
    from socialdesk.services.notifications import NotificationView

    assert window.workspace is not None
    view = NotificationView(999, "connection_expired", None, "publishing", utcnow(), False, "Test expiry")
    with qtbot.waitSignal(window.desktop_notifier.shown, timeout=3000) as blocker:
        # From a worker thread, as the health check does.
        import threading

        threading.Thread(
            target=notifications_service.dispatch_desktop, args=(window.workspace, [view])
        ).start()
    assert blocker.args[0].text == "Test expiry"
    # Offscreen there is no system tray: the message is skipped silently (no tray icon, no error).
    assert window.desktop_notifier.tray is None or window.desktop_notifier.tray.isVisible()
    with window.workspace.session() as s:
        notifications_service.set_channels(s, desktop=False)
    assert notifications_service.dispatch_desktop(window.workspace, [view]) == 0
