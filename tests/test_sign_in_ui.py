"""The sign-in window against the real Authlib server: the real QWebEngineView logs in and consents.

Each test drives the embedded browser with :class:`tests.oauth_server.WebRobot` (``runJavaScript`` in
the provider's own login and consent pages) or, in system-browser mode, a scripted "browser" that
follows the URL over HTTP; the code is exchanged, the accounts discovered and the grants recorded
with the token in the keyring (the Secret Service under ``scripts/test.sh``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from socialdesk.models.catalogue import ConnectionType, GrantState, Role, Visibility
from socialdesk.models.schema import AuditEntry, Connection, Grant, Member, Profile, ProfileOwner
from socialdesk.services import reconnect, rules
from socialdesk.services.oauth import StateMismatchError
from socialdesk.services.tokens import TokenSet
from socialdesk.ui.account_picker import AccountPickerDialog, PlatformChoiceDialog
from socialdesk.ui.sign_in import SignInDialog
from socialdesk.ui.sign_in_flows import (
    FlowResult,
    SignInServices,
    add_profiles,
    claim_ownership,
    connect_connection,
    reconnect_profile,
)
from tests import factory

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import (  # noqa: E402 - after the rewrite registration
    OAuthWorkspace,
    WebRobot,
    keyring_entries,
    providers_toml,
    sign_in_over_http,
)

pytest_plugins = ("tests.oauth_server",)

PUB = ConnectionType.PUBLISHING
INS = ConnectionType.INSIGHTS
SHOTS = Path(os.environ.get("SOCIALDESK_SHOTS", "/tmp/shots/sign-in"))
#: QtWebEngine falls back to software rendering where there is no GPU (offscreen, Xvfb) and says so
#: once per process; nothing to act on.
GPU_NOISE = (
    "QRhiGles2: Failed to create",
    "Failed to create RHI for backend",
    "createPlatformVulkanInstance",
    "QVulkanInstance: Failed to initialize Vulkan",
    "GBM is not supported",
    "GPUInfo not initialized",
    "Unable to detect GPU vendor",
)
pytestmark = pytest.mark.qt_log_ignore(*GPU_NOISE)
WAIT = 20000


# -- fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture
def ws(oauth_ws: OAuthWorkspace) -> OAuthWorkspace:
    """The test server behind X, Facebook, Instagram and LinkedIn; *me* is Alex Morgan (Administrator)."""
    (oauth_ws.data_dir / "providers.toml").write_text(
        providers_toml(oauth_ws.server.url, ("x", "facebook", "instagram", "linkedin")), encoding="utf-8"
    )
    oauth_ws.reload(timeout=(2.0, 5.0))
    return oauth_ws


def services(ws: OAuthWorkspace, **kwargs: Any) -> SignInServices:
    return SignInServices(ws.service, ws.store, **kwargs)


def shot(widget: QWidget, qtbot: QtBot, name: str, wait_ms: int = 500) -> Path:
    """A screenshot to look at (offscreen grab; web pages need a moment after loading to paint)."""
    qtbot.wait(wait_ms)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def run_flow(qtbot: QtBot, flow: Any, robot_for: Any = None) -> FlowResult:
    """Wait for a flow's end; ``robot_for(dialog)`` is called for each sign-in dialog it opens."""
    if robot_for is not None:
        flow.dialogOpened.connect(lambda d: robot_for(d) if isinstance(d, SignInDialog) else None)
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        pass
    result = blocker.args[0]
    assert isinstance(result, FlowResult)
    return result


def x_profile(
    ws: OAuthWorkspace,
    *,
    owned: bool = True,
    states: dict[ConnectionType, GrantState],
    name: str = "Alice Adams",
    handle: str = "alice",
) -> int:
    """Alice's X account (platform id u-1001) in the workspace, with grants in the given states."""
    with ws.workspace.session() as s:
        me = s.get(Member, ws.me_id)
        assert me is not None
        lena = factory.member(s, "Lena Novak", Role.ANALYST)
        p = factory.profile(s, "x", "account", handle=handle, name=name, owners=(me,) if owned else ())
        p.platform_id = "u-1001"
        for ctype, state in states.items():
            factory.connect(s, p, ctype, (me if ctype is PUB else lena, state))
        return p.id


def grants(ws: OAuthWorkspace, profile_id: int) -> dict[ConnectionType, list[tuple[int, str, str | None]]]:
    """Per connection type: (member id, state, token_ref) of each grant."""
    out: dict[ConnectionType, list[tuple[int, str, str | None]]] = {}
    with ws.workspace.session() as s:
        rows = s.execute(
            select(Connection.type, Grant.member_id, Grant.state, Grant.token_ref)
            .join(Grant, Grant.connection_id == Connection.id)
            .where(Connection.profile_id == profile_id)
            .order_by(Grant.id)
        ).all()
    for ctype, member_id, state, ref in rows:
        out.setdefault(ConnectionType(ctype), []).append((member_id, state, ref))
    return out


def robot(username: str, **kwargs: Any) -> Any:
    robots: list[WebRobot] = []

    def attach(dialog: SignInDialog) -> None:
        password = {"alice": "alice-pass", "bob": "bob-pass", "carol": "carol-pass"}[username]
        robots.append(WebRobot(dialog, username, password, **kwargs))

    attach.robots = robots  # type: ignore[attr-defined]
    return attach


# -- re-connect one profile -------------------------------------------------------------------------


def test_embedded_sign_in_reconnects_all_expired_connections_with_one_sign_in(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED, INS: GrantState.EXPIRED})
    before = keyring_entries(ws.store.service)
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    seen: list[SignInDialog] = []
    drive = robot("alice")

    def opened(dialog: Any) -> None:
        seen.append(dialog)
        drive(dialog)

    result = run_flow(qtbot, flow, opened)

    assert result.changed == (pid,) and not result.cancelled
    assert result.message == "Re-connected Alice Adams: Publishing, Insights"
    dialog_robot = drive.robots[0]
    assert dialog_robot.steps[:2] == ["login", "allow"]  # the provider's own pages, in the web view
    assert ws.server.count("token") == 1  # ONE sign-in for both connections
    after = grants(ws, pid)
    mine = [g for t in (PUB, INS) for g in after[t] if g[0] == ws.me_id]
    assert [g[1] for g in mine] == ["active", "active"]
    refs = {g[2] for g in mine}
    assert len(refs) == 1 and None not in refs  # one keyring entry for the sign-in
    (ref,) = refs
    assert ref is not None
    assert keyring_entries(ws.store.service) - before == {ref}
    tokens = ws.store.load(ref)
    assert isinstance(tokens, TokenSet)
    assert ws.service.verify("x", tokens)["sub"] == "u-1001"  # a live token of the signed-in account
    if os.environ.get("SOCIALDESK_ALLOW_NO_KEYRING") != "1":
        assert "SecretService" in ws.store.backend_name
    # Lena's old expired grant is kept: more grants make a connection more reliable.
    assert (ws.me_id, "active", ref) in after[INS] and any(g[1] == "expired" for g in after[INS])


def test_connect_one_connection_signs_in_for_that_type_only(qtbot: QtBot, ws: OAuthWorkspace) -> None:
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED, INS: GrantState.EXPIRED})
    flow = connect_connection(None, ws.workspace, pid, INS, services=services(ws))
    result = run_flow(qtbot, flow, robot("alice"))
    assert result.message == "Connected Alice Adams: Insights"
    after = grants(ws, pid)
    assert [g[1] for g in after[PUB]] == ["expired"]  # not asked for: untouched
    assert [g[1] for g in after[INS]] == ["expired", "active"]
    with ws.workspace.session() as s:
        scopes = s.scalars(select(Grant.scopes).where(Grant.state == "active")).all()
    assert scopes == ["openid profile"]  # Insights' scopes only (Publishing would add tweet.write)


def test_a_sign_in_for_another_account_is_refused_and_changes_nothing_then_another_account_works(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED})
    before_grants, before_keys = grants(ws, pid), keyring_entries(ws.store.service)
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    bob = robot("bob")
    flow.dialogOpened.connect(bob)
    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].state == "error", timeout=WAIT)
    dialog = dialogs[0]
    assert dialog.error_text == (
        "This sign-in is for another account: Bob Brown does not manage Alice Adams. Nothing was changed."
    )
    assert dialog.advice_label.text() == "Sign in again with the account that manages this profile."
    assert dialog.retry_button.text() == "Sign in with another account" and dialog.retry_button.isVisible()
    assert grants(ws, pid) == before_grants and keyring_entries(ws.store.service) == before_keys
    shot(dialog, qtbot, "sign_in_wrong_account", 100)
    bob.robots[0].act = False
    # A fresh private browser profile: no cookie of Bob's session, the login page comes again.
    alice = WebRobot(dialog, "alice", "alice-pass")
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        dialog.retry_button.click()
    assert alice.steps[:2] == ["login", "allow"]
    assert blocker.args[0].changed == (pid,)
    assert [g[1] for g in grants(ws, pid)[PUB]] == ["active"]


def test_long_names_wrap_or_are_cut_and_never_widen_the_sign_in_dialog(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    name = "Fabrikam International Customer Care and Community Management for Europe, Middle East and Africa"
    name = (name + " — Official Account")[:120]
    handle = "fabrikam_" + "x" * 140
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED}, name=name, handle=handle)
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    flow.dialogOpened.connect(robot("bob"))
    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].state == "error", timeout=WAIT)
    dialog = dialogs[0]
    assert (
        name in dialog.error_text and "(@fabrikam_xxxxxxxxxxxxxx…" + "x" * 24 + ")" in dialog.purpose.text()
    )
    assert dialog.width() == 640 and dialog.minimumSizeHint().width() < 640
    shot(dialog, qtbot, "sign_in_long_names", 100)
    dialog.reject()


def test_access_denied_and_missing_permission_are_shown_in_words_and_change_nothing(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED})
    before = grants(ws, pid), keyring_entries(ws.store.service)
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    denying = robot("alice", allow=False)
    flow.dialogOpened.connect(denying)
    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].state == "error", timeout=WAIT)
    dialog = dialogs[0]
    assert dialog.error_text == "You did not allow SocialDesk access on X/Twitter. Nothing was changed."
    assert (
        dialog.advice_label.text()
        == "To connect, sign in again and choose Allow on X/Twitter's consent page."
    )
    assert ws.server.count("token") == 0  # no code was exchanged
    shot(dialog, qtbot, "sign_in_access_denied", 100)

    # Again, now unticking the permission Publishing needs on the consent page.
    denying.robots[0].act = False
    WebRobot(dialog, "alice", "alice-pass", untick=("tweet.write",))
    dialog.retry_button.click()
    qtbot.waitUntil(lambda: dialog.state == "error" and ws.server.count("token") == 1, timeout=WAIT)
    assert dialog.error_text == (
        "X/Twitter did not give the permission SocialDesk needs (tweet.write). Nothing was changed."
    )
    assert (
        dialog.advice_label.text() == "Sign in again and leave every permission ticked on the consent page."
    )
    assert (grants(ws, pid), keyring_entries(ws.store.service)) == before
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        dialog.cancel_button.click()  # "Close"
    assert blocker.args[0].cancelled


def test_cancel_and_time_out_change_nothing_and_a_late_answer_is_refused(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED})
    before = grants(ws, pid), keyring_entries(ws.store.service)

    # Cancel while the provider's login page is shown.
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    watchers: list[WebRobot] = []
    flow.dialogOpened.connect(lambda d: watchers.append(WebRobot(d, "alice", "alice-pass", act=False)))
    qtbot.waitUntil(lambda: bool(watchers) and watchers[0].loads == ["Sign in"], timeout=WAIT)
    request = dialogs[0].request
    assert request is not None
    shot(dialogs[0], qtbot, "sign_in_provider_page")
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        dialogs[0].cancel_button.click()
    assert blocker.args[0].cancelled and blocker.args[0].message == "Sign-in cancelled; nothing was changed."
    late = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    with pytest.raises(StateMismatchError):
        ws.service.complete(request, late)  # the answer of a cancelled sign-in is refused

    # No answer within the time-out.
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws, timeout_ms=1500))
    dialogs.clear()
    flow.dialogOpened.connect(dialogs.append)
    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].state == "error", timeout=WAIT)
    dialog = dialogs[0]
    assert dialog.error_text == (
        "The sign-in to X/Twitter was stopped: no answer came within 1.5 seconds. Nothing was changed. "
        "Try again when you are ready to sign in."
    )
    assert dialog.view is None  # the private browser is gone
    request = dialog.request
    assert request is not None
    late = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    with pytest.raises(StateMismatchError):
        ws.service.complete(request, late)
    assert (grants(ws, pid), keyring_entries(ws.store.service)) == before
    with qtbot.waitSignal(flow.finished, timeout=WAIT):
        dialog.reject()


def test_an_unreachable_provider_page_is_a_network_error_with_what_to_do(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]  # nothing listens here once the socket is closed
    toml = providers_toml(ws.server.url, ("x",)).replace(
        f'authorize_url = "{ws.server.url}/authorize"', f'authorize_url = "http://127.0.0.1:{dead}/authorize"'
    )
    (ws.data_dir / "providers.toml").write_text(toml, encoding="utf-8")
    ws.reload()
    dialog = SignInDialog(ws.service, "x", [PUB])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.state == "error", timeout=WAIT)
    assert dialog.error_text.startswith(
        "The X/Twitter sign-in page at 127.0.0.1 could not be opened ("
    ) and dialog.error_text.endswith(
        "Nothing was changed. Check your internet connection (and, if you set one, authorize_url for "
        "X/Twitter in providers.toml), then try again."
    )
    assert "CONNECTION_REFUSED" in dialog.error_text.upper().replace(" ", "_")
    assert dialog.retry_button.isVisible()
    dialog.reject()


# -- pop-ups ------------------------------------------------------------------------------------------


def test_a_pop_up_window_of_the_provider_is_shown_in_the_same_dialog(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    ws.server.login_popup = True  # the login page only opens a window.open() pop-up with the form
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED})
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    drive = robot("alice", delay_ms=600)  # time to look at the pop-up
    flow.dialogOpened.connect(drive)
    popup_seen: list[tuple[bool, str, str]] = []

    def watch(dialog: SignInDialog) -> None:
        def on_load(ok: bool) -> None:
            if ok and len(dialog._pages) > 1:  # a pop-up's page loaded: it is on top, in this dialog
                popup_seen.append(
                    (
                        dialog.popup_bar.isVisibleTo(dialog),
                        dialog.views.currentWidget().objectName(),
                        dialog.popup_label.text(),
                    )
                )
                if len(popup_seen) == 1:
                    QTimer.singleShot(450, lambda: dialog.grab().save(str(SHOTS / "sign_in_popup.png")))

        dialog.pageCreated.connect(lambda page: page.loadFinished.connect(on_load))

    flow.dialogOpened.connect(watch)
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        pass
    steps = drive.robots[0].steps
    assert steps[:3] == [
        "popup",
        "login",
        "allow",
    ]  # pop-up button, form in the pop-up, consent in the main page
    assert popup_seen[0] == (True, "signInPopupView", "Pop-up window: Sign in")
    assert len(drive.robots[0].pages) == 2  # the main page and the pop-up, both in this dialog
    assert blocker.args[0].changed == (pid,)


# -- claim ownership ----------------------------------------------------------------------------------


def test_claim_ownership_needs_a_sign_in_that_returns_the_profile_live_chat_does_not(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    pid = x_profile(ws, owned=False, states={PUB: GrantState.EXPIRED})  # without owners

    def owners(profile_id: int) -> set[int]:
        with ws.workspace.session() as s:
            return set(s.scalars(select(ProfileOwner.member_id).where(ProfileOwner.profile_id == profile_id)))

    # Bob's sign-in does not return Alice's account: refused, nothing changed.
    flow = claim_ownership(None, ws.workspace, pid, services=services(ws))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    bob = robot("bob")
    flow.dialogOpened.connect(bob)
    qtbot.waitUntil(lambda: bool(dialogs) and dialogs[0].state == "error", timeout=WAIT)
    assert dialogs[0].error_text == (
        "This sign-in is for another account; sign in as the profile you want to claim. Nothing was changed."
    )
    assert owners(pid) == set()
    bob.robots[0].act = False
    WebRobot(dialogs[0], "alice", "alice-pass")
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        dialogs[0].retry_button.click()
    assert blocker.args[0].message == "You now own Alice Adams"
    assert owners(pid) == {ws.me_id}
    with ws.workspace.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.profile_id == pid)))
    assert "ownership_claimed" in actions and "connection_granted" in actions
    assert [g[1] for g in grants(ws, pid)[PUB] if g[0] == ws.me_id] == ["active"]

    # Live Chat has nothing to sign in to: claimed at once, no dialog.
    with ws.workspace.session() as s:
        chat = factory.profile(s, "live_chat", "widget", handle="webchat", visibility=Visibility.OWNED)
        chat_id = chat.id
    flow = claim_ownership(None, ws.workspace, chat_id, services=services(ws))
    opened: list[Any] = []
    flow.dialogOpened.connect(opened.append)
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        pass
    assert blocker.args[0].message == "You now own webchat" and opened == []
    assert owners(chat_id) == {ws.me_id}


# -- adding profiles -----------------------------------------------------------------------------------


def test_add_profiles_platform_then_sign_in_then_pick_accounts(qtbot: QtBot, ws: OAuthWorkspace) -> None:
    """With an OpenID provider the signed-in account is the one account offered, of the first kind."""
    flow = add_profiles(None, ws.workspace, services=services(ws))
    opened: list[Any] = []
    flow.dialogOpened.connect(opened.append)
    flow.dialogOpened.connect(lambda d: robot("alice")(d) if isinstance(d, SignInDialog) else None)
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT)
    choice = opened[0]
    assert isinstance(choice, PlatformChoiceDialog) and choice.objectName() == "addProfilesDialog"
    choice.choose("facebook", [PUB])
    shot(choice, qtbot, "add_profiles_platform", 50)
    api_calls = ws.server.count("api")
    choice.next_button.click()
    qtbot.waitUntil(lambda: isinstance(opened[-1], AccountPickerDialog), timeout=WAIT)
    picker = opened[-1]
    assert isinstance(picker, AccountPickerDialog) and picker.objectName() == "accountPickerDialog"
    rows = {
        picker.items[pid].text(0): (picker.items[pid].text(3), picker.items[pid].checkState(0).name)
        for pid in picker.items
    }
    assert rows == {"Alice Adams": ("New", "Checked")}
    assert ws.server.count("api") == api_calls  # no discovery call: userinfo names the account
    assert picker.chosen() == ["u-1001"] and picker.add_button.text() == "Add 1 profile"
    shot(picker, qtbot, "account_picker", 50)
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        picker.add_button.click()
    result = blocker.args[0]
    assert result.membership and result.message == "Added 1 profile"
    with ws.workspace.session() as s:
        added = s.scalar(select(Profile).where(Profile.platform_id == "u-1001"))
        assert added is not None and added.visibility == "owned" and added.display_name == "Alice Adams"
        assert added.kind == "page"  # facebook's first kind
        assert set(s.scalars(select(ProfileOwner.member_id).where(ProfileOwner.profile_id == added.id))) == {
            ws.me_id
        }
        added_id = added.id
    assert set(result.changed) == {added_id}
    assert [g[1] for g in grants(ws, added_id)[PUB]] == ["active"]


def test_a_sign_in_that_is_not_set_up_opens_no_window_and_offers_settings(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    """No client id → one message naming where to enter it, a Settings button, no sign-in window."""
    (ws.data_dir / "providers.toml").write_text("", encoding="utf-8")
    ws.reload()
    with ws.workspace.session() as s:
        me = s.get(Member, ws.me_id)
        assert me is not None
        p = factory.profile(s, "facebook", "page", handle="bakery", name="Bakery", owners=(me,))
        p.platform_id = "501"
        factory.connect(s, p, PUB, (me, GrantState.EXPIRED))
        pid = p.id
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    opened: list[Any] = []
    offered: list[Any] = []
    flow.dialogOpened.connect(opened.append)
    flow.settingsOffered.connect(offered.append)
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        pass
    result = blocker.args[0]
    assert opened == []  # no sign-in window
    assert result.needs_settings == "facebook" and not result.changed
    assert (
        result.message.startswith("Facebook has no client id yet") and "Settings ▸ Sign-in" in result.message
    )
    box = offered[0]
    button = box.findChild(QPushButton, "openSignInSettings")
    assert button is not None
    button.click()
    settings = offered[-1]
    assert settings.objectName() == "settingsDialog" and settings.tabs.currentIndex() == 1
    guide = settings.redirects["facebook"]
    assert guide.text() == "https://www.facebook.com/connect/login_success.html" and guide.isReadOnly()
    settings.findChild(QPushButton, "copyRedirect_facebook").click()
    assert QApplication.clipboard().text() == guide.text()
    assert settings.browsers_for("facebook") == ["embedded"]  # only the embedded view reads https
    settings.reject()
    assert [g[1] for g in grants(ws, pid)[PUB]] == ["expired"]  # nothing changed


def test_the_account_picker_says_when_a_sign_in_manages_nothing_to_add(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    from socialdesk.services.discovery import Account, Discovery

    carol = Account("facebook", "user", "u-1003", "Carol Chen", "carol")
    picker = AccountPickerDialog(Discovery("facebook", carol, ()), {})
    qtbot.addWidget(picker)
    picker.show()
    assert picker.intro.text() == (
        "Signed in to Facebook as Carol Chen, who manages no account SocialDesk can add. Nothing was "
        "changed; sign in with another account to add its profiles."
    )
    assert not picker.add_button.isVisible() and not picker.tree.isVisible()
    long_name = "Very long page name " * 6
    many = tuple(Account("facebook", "page", f"p{i}", f"{long_name}{i}", f"handle{i}") for i in range(12))
    picker2 = AccountPickerDialog(Discovery("facebook", carol, many), {})
    qtbot.addWidget(picker2)
    picker2.show()
    assert picker2.filter.isVisible()
    picker2.filter.setText("name 11")
    assert [pid for pid, item in picker2.items.items() if not item.isHidden()] == ["p11"]
    picker2.select_none.click()
    assert picker2.chosen() == [f"p{i}" for i in range(12) if i != 11]
    shot(picker2, qtbot, "account_picker_long_names", 50)


# -- the system browser --------------------------------------------------------------------------------


def test_system_browser_mode_with_a_scripted_browser_and_a_loopback_listener(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    toml = providers_toml(ws.server.url, ("x",)).replace('browser = "embedded"', 'browser = "system"')
    (ws.data_dir / "providers.toml").write_text(toml, encoding="utf-8")
    ws.reload(timeout=(2.0, 5.0))
    pid = x_profile(ws, states={PUB: GrantState.EXPIRED})
    pages: list[str] = []

    def browser(url: str) -> bool:
        """The user's browser: follows the URL, logs in, consents, then loads the loopback redirect."""

        def run() -> None:
            redirect = url.split("redirect_uri=", 1)[1].split("&", 1)[0]
            prefix = requests.utils.unquote(redirect)
            answer = sign_in_over_http(url, prefix, "alice", "alice-pass")
            pages.append(requests.get(answer, timeout=5).text)

        threading.Thread(target=run, daemon=True).start()
        return True

    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws, open_browser=browser))
    dialogs: list[SignInDialog] = []
    flow.dialogOpened.connect(dialogs.append)
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:
        pass
    assert blocker.args[0].changed == (pid,)
    assert [g[1] for g in grants(ws, pid)[PUB]] == ["active"]
    assert "You are signed in. You can close this tab and go back to SocialDesk." in pages[0]
    assert dialogs[0].mode == "system" and dialogs[0].attempts == 1


def test_system_browser_mode_shows_progress_and_cancel_and_a_busy_port(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        toml = (
            providers_toml(ws.server.url, ("x",))
            .replace('browser = "embedded"', 'browser = "system"')
            .replace(
                'redirect_uri = "http://127.0.0.1/callback"', f'redirect_uri = "http://127.0.0.1:{port}/cb"'
            )
        )
        (ws.data_dir / "providers.toml").write_text(toml, encoding="utf-8")
        ws.reload()
        dialog = SignInDialog(ws.service, "x", [PUB], open_browser=lambda _url: True)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.start()
        assert dialog.state == "error"
        assert f"Port {port} on this computer is in use" in dialog.error_text
        dialog.reject()

    opened: list[str] = []
    toml = providers_toml(ws.server.url, ("x",)).replace('browser = "embedded"', 'browser = "system"')
    (ws.data_dir / "providers.toml").write_text(toml, encoding="utf-8")
    ws.reload()
    dialog = SignInDialog(ws.service, "x", [PUB], open_browser=lambda url: opened.append(url) or True)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    assert dialog.state == "waiting" and opened == [dialog.request.url if dialog.request else ""]
    assert dialog.wait_text.text().startswith("Continue in your web browser: the X/Twitter sign-in page")
    assert dialog.view is None  # no embedded browser in this mode
    shot(dialog, qtbot, "sign_in_system_browser", 50)
    request = dialog.request
    assert request is not None
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT):
        dialog.cancel_button.click()
    answer = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    with pytest.raises(requests.ConnectionError):
        requests.get(answer, timeout=2)  # the listener is gone
    with pytest.raises(StateMismatchError):
        ws.service.complete(request, answer)


# -- rules and laziness ----------------------------------------------------------------------------


def test_flows_refuse_with_the_rule_reason_before_any_sign_in(qtbot: QtBot, ws: OAuthWorkspace) -> None:
    pid = x_profile(ws, states={PUB: GrantState.ACTIVE})
    flow = reconnect_profile(None, ws.workspace, pid, services=services(ws))
    opened: list[Any] = []
    flow.dialogOpened.connect(opened.append)
    result = run_flow(qtbot, flow)
    assert result.message == "Alice Adams has no expired connection to re-connect" and opened == []
    with ws.workspace.session() as s:
        public = factory.profile(s, "x", "account", handle="someone", visibility=Visibility.PUBLIC)
        public_id = public.id
    result = run_flow(qtbot, connect_connection(None, ws.workspace, public_id, PUB, services=services(ws)))
    assert result.message == "Public profiles are tracked only: they cannot be connected"
    with ws.workspace.session() as s:
        view = reconnect.profiles_service.view(s, pid)
        me = reconnect.members_service.me_actor(s)
        lena = factory.member(s, "Lena Analyst", Role.ANALYST)
    assert rules.can_connect(None, view).reason == "Choose who you are in the team first"
    assert rules.can_connect(factory.actor(lena), view).reason == "Analysts have read-only access"
    assert rules.can_connect(me, view) and not rules.can_reconnect(me, view)
    assert rules.can_reconnect(me, view).reason == "The profile has no expired connection to re-connect"


def test_qtwebengine_is_imported_only_when_a_sign_in_starts() -> None:
    code = (
        "import sys\n"
        "import socialdesk.ui.sign_in, socialdesk.ui.sign_in_flows, socialdesk.ui.bulk_reconnect\n"
        "import socialdesk.ui.account_picker, socialdesk.ui.main_window\n"
        "print(sorted(m for m in sys.modules if 'WebEngine' in m))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_instagram_reconnect_through_an_openid_provider_reaches_no_other_host(tmp_path: Path) -> None:
    """docs/interfaces.md: with userinfo_url, re-connect works end to end and calls nothing but that server.

    In a child process (Chromium's flags are read once per process): ``--host-resolver-rules`` keeps
    the web view on 127.0.0.1, a request interceptor records every host it asks for, and a socket
    guard records every connection and name lookup of the app's own code.
    """
    out = subprocess.run(
        [sys.executable, "-m", "tests.openid_acceptance", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    assert line, out.stderr[-3000:]
    result = json.loads(line[-1])
    assert result["before"] == ["expired", "expired"]
    assert result["after"] == ["active", "active"], result
    assert result["message"] == "Re-connected Alice Adams: Publishing, Insights"
    assert result["steps"][0][:2] == ["login", "allow"]  # the real embedded view signed in
    assert result["web_requests"] > 0 and result["web_hosts_elsewhere"] == []
    assert result["python_elsewhere"] == []
    assert result["api_calls"] == 0  # no Graph-like discovery: userinfo names the account
