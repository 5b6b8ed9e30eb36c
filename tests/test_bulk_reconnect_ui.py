"""Bulk re-connect against the real Authlib server: profiles over Facebook, Instagram and LinkedIn.

The server is a plain OpenID Connect provider (``userinfo_url``): per docs/interfaces.md the signed-in
account (its ``sub``) is the one account a sign-in manages, so of each platform's expired profiles
the one with that platform id is re-connected and the others are "wrong account". One sign-in per
platform in the real QWebEngineView (``WebRobot``); per profile the result and, for a
failure, the reason (wrong account, missing permission); profiles for which the type is unsupported,
not expired or not allowed are listed as such; Cancel changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton, QTreeWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from socialdesk.models.catalogue import ConnectionType, GrantState, Role, Visibility
from socialdesk.models.schema import Connection, Grant, Member
from socialdesk.services.reconnect import PlanState
from socialdesk.ui.bulk_reconnect import BulkReconnectDialog
from socialdesk.ui.sign_in import SignInDialog
from socialdesk.ui.sign_in_flows import bulk_reconnect
from tests import factory
from tests.test_sign_in_ui import GPU_NOISE, WAIT, services, shot

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import OAuthWorkspace, User, WebRobot, keyring_entries, providers_toml  # noqa: E402

pytest_plugins = ("tests.oauth_server",)
pytestmark = pytest.mark.qt_log_ignore(*GPU_NOISE)

PUB = ConnectionType.PUBLISHING
#: Expired Publishing profiles per platform, and how many of them the agency account manages.
SELECTED = {"facebook": 3, "instagram": 3, "linkedin": 3}
MANAGED = {"facebook": 1, "instagram": 1, "linkedin": 1}
AGENCY_SUB = "u-2001"
PREFIX = {"facebook": "fb", "instagram": "ig", "linkedin": "li"}
KIND = {"facebook": "page", "instagram": "account", "linkedin": "organization_page"}


@pytest.fixture
def ws(oauth_ws: OAuthWorkspace) -> OAuthWorkspace:
    """The test server behind Facebook, Instagram and LinkedIn; *me* is Alex Morgan (Administrator)."""
    (oauth_ws.data_dir / "providers.toml").write_text(
        providers_toml(oauth_ws.server.url, ("facebook", "instagram", "linkedin")), encoding="utf-8"
    )
    oauth_ws.reload(timeout=(2.0, 5.0))
    return oauth_ws


def account(platform: str, i: int) -> dict[str, Any]:
    return {
        "id": f"{PREFIX[platform]}-{i:03}",
        "name": f"Fabrikam {platform.capitalize()} {i:03}",
        "username": f"fabrikam{PREFIX[platform]}{i:03}",
    }


def agency(ws: OAuthWorkspace) -> dict[str, Any]:
    """The agency's account on the server, and a workspace selection of 200 expired + 8 other profiles."""
    ws.server.add_user(
        User(
            "u-2001",
            "agency",
            "Agency Admin",
            "agency-pass",
            pages=[account("facebook", i) for i in range(MANAGED["facebook"])],
            accounts={p: [account(p, i) for i in range(MANAGED[p])] for p in ("instagram", "linkedin")},
        )
    )
    ids: dict[str, list[int]] = {p: [] for p in SELECTED}
    others: dict[str, int] = {}
    with ws.workspace.session() as s:
        me = s.get(Member, ws.me_id)
        assert me is not None
        lena = factory.member(s, "Lena Novak", Role.MANAGER)
        for platform, n in SELECTED.items():
            for i in range(n):
                data = account(platform, i)
                p = factory.profile(
                    s, platform, KIND[platform], handle=data["username"], name=data["name"], owners=(me,)
                )
                p.platform_id = AGENCY_SUB if i == 0 else data["id"]
                factory.connect(s, p, PUB, (me, GrantState.EXPIRED))
                ids[platform].append(p.id)
        connected = factory.profile(
            s, "facebook", "page", handle="fabrikamlive", name="Fabrikam Live", owners=(me,)
        )
        factory.connect(s, connected, PUB, (me, GrantState.ACTIVE))
        others["connected"] = connected.id
        others["never"] = factory.profile(
            s, "x", "account", handle="fabrikamnews", name="Fabrikam News", owners=(me,)
        ).id
        others["snapchat"] = factory.profile(s, "snapchat", "account", handle="fabrikamsnap", owners=(me,)).id
        others["chat"] = factory.profile(s, "live_chat", "widget", handle="webchat", owners=(me,)).id
        others["public"] = factory.profile(
            s, "instagram", "account", handle="competitor", owners=(me,), visibility=Visibility.PUBLIC
        ).id
        theirs = factory.profile(
            s, "facebook", "page", handle="lenaspage", name="Lena's page", owners=(lena,)
        )
        factory.connect(s, theirs, PUB, (lena, GrantState.EXPIRED))
        others["theirs"] = theirs.id
    return {"ids": ids, "others": others, "all": [i for v in ids.values() for i in v] + list(others.values())}


def publishing_states(ws: OAuthWorkspace, profile_ids: list[int]) -> dict[str, int]:
    """How many of the profiles' Publishing grants are in each state."""
    out: dict[str, int] = {}
    with ws.workspace.session() as s:
        for (state,) in s.execute(
            select(Grant.state)
            .join(Connection, Connection.id == Grant.connection_id)
            .where(Connection.profile_id.in_(profile_ids), Connection.type == PUB.value)
        ):
            out[state] = out.get(state, 0) + 1
    return out


def top_level(dialog: BulkReconnectDialog) -> list[tuple[str, str]]:
    tree = dialog.tree
    return [
        (tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1)) for i in range(tree.topLevelItemCount())
    ]


def children(item: QTreeWidgetItem) -> list[tuple[str, str]]:
    return [(item.child(i).text(0), item.child(i).text(1)) for i in range(item.childCount())]


def open_dialog(qtbot: QtBot, ws: OAuthWorkspace, ids: list[int]) -> BulkReconnectDialog:
    dialog = bulk_reconnect(None, ws.workspace, ids, services=services(ws))
    assert isinstance(dialog, BulkReconnectDialog) and dialog.objectName() == "bulkReconnectDialog"
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.planReady, timeout=WAIT):
        pass
    return dialog


def test_bulk_reconnect_over_3_providers_with_one_sign_in_each(qtbot: QtBot, ws: OAuthWorkspace) -> None:
    data = agency(ws)
    ids, others = data["ids"], data["others"]
    dialog = open_dialog(qtbot, ws, data["all"])
    assert dialog.type_combo.currentText() == "Publishing — 9 expired"
    assert [dialog.type_combo.itemText(i) for i in range(dialog.type_combo.count())] == [
        "Publishing — 9 expired",
        "Insights — 0 expired",
        "Ads posts — 0 expired",
        "Messaging — 0 expired",
        "Product tags — 0 expired",
        "Shared insights — 0 expired",
    ]
    assert top_level(dialog) == [
        ("Facebook", "3 profiles to re-connect"),
        ("Instagram", "3 profiles to re-connect"),
        ("LinkedIn", "3 profiles to re-connect"),
        ("Not expired (2)", "Nothing to do"),
        ("Not supported for Publishing (3)", "Nothing to do"),
        ("Not allowed (1)", "Nothing to do"),
    ]
    tree = dialog.tree
    assert sorted(children(tree.topLevelItem(3))) == [
        ("Fabrikam Live (@fabrikamlive)", "connected: nothing to re-connect"),
        ("Fabrikam News (@fabrikamnews)", "never connected: nothing to re-connect"),
    ]
    assert sorted(r for _n, r in children(tree.topLevelItem(4))) == [
        "Live Chat has no Publishing connection",
        "Snapchat has no Publishing connection",
        "only profiles the organisation owns can connect",
    ]
    assert children(tree.topLevelItem(5)) == [
        (
            "Lena's page (@lenaspage)",
            "Only its owners and the members it is shared with can connect this profile",
        )
    ]
    assert dialog.summary.text() == "0 of 9 re-connected. 3 platforms left."
    assert dialog.progress.maximum() == 9 and dialog.progress.value() == 0

    untick: dict[str, tuple[str, ...]] = {
        "linkedin": ("w_organization_social",)
    }  # LinkedIn: missing permission
    robots: list[WebRobot] = []
    row_texts: list[str] = []

    def opened(sign_in: SignInDialog) -> None:
        robots.append(WebRobot(sign_in, "agency", "agency-pass", untick=untick.get(sign_in.platform, ())))
        sign_in.stateChanged.connect(
            lambda _s: row_texts.append(dialog.platform_items[sign_in.platform].text(1))
        )

    dialog.signInOpened.connect(opened)
    changed: list[tuple[list[int], bool]] = []
    dialog.profilesChanged.connect(lambda pids, membership: changed.append((pids, membership)))

    for platform in ("facebook", "instagram", "linkedin"):
        button = dialog.findChild(QPushButton, f"bulkConnect_{platform}")
        assert button is not None and button.isEnabled()
        with qtbot.waitSignal(dialog.platformDone, timeout=WAIT):
            button.click()
        if platform == "facebook":
            assert dialog.summary.text() == "1 of 9 re-connected, 2 failed. 2 platforms left."
            shot(dialog, qtbot, "bulk_midway", 50)
    assert ws.server.count("token") == 3  # ONE sign-in per platform
    assert [r.steps[:2] for r in robots] == [["login", "allow"]] * 3
    assert "Signing in…" in row_texts and "Saving…" in row_texts  # progress while it runs

    texts = dialog.result_texts()
    wrong = "Failed: wrong account: Agency Admin does not manage this profile"
    for platform in ("facebook", "instagram"):
        assert [texts[i] for i in ids[platform]] == ["Re-connected", wrong, wrong]
    assert [texts[i] for i in ids["linkedin"]] == [
        "Failed: missing permission: w_organization_social",
        wrong,
        wrong,
    ]
    assert top_level(dialog)[:3] == [
        ("Facebook", "1 re-connected, 2 failed (signed in as Agency Admin)"),
        ("Instagram", "1 re-connected, 2 failed (signed in as Agency Admin)"),
        ("LinkedIn", "0 re-connected, 3 failed (signed in as Agency Admin)"),
    ]
    assert dialog.summary.text() == "2 of 9 re-connected, 7 failed. All platforms done."
    assert dialog.progress.value() == 9
    assert publishing_states(ws, ids["facebook"]) == {"active": 1, "expired": 2}
    assert publishing_states(ws, ids["instagram"]) == {"active": 1, "expired": 2}
    assert publishing_states(ws, ids["linkedin"]) == {"expired": 3}  # nothing granted: nothing changed
    assert publishing_states(ws, [others["theirs"]]) == {"expired": 1}
    with ws.workspace.session() as s:
        refs = set(
            s.scalars(
                select(Grant.token_ref)
                .join(Connection, Connection.id == Grant.connection_id)
                .where(Connection.profile_id.in_(ids["facebook"]), Grant.state == "active")
            )
        )
    assert len(refs) == 1 and refs <= keyring_entries(ws.store.service)
    # The rows to refresh: every profile the sign-ins managed (the LinkedIn ones got no grant, but were read).
    assert sorted(i for pids, _m in changed for i in pids) == sorted(
        [ids["facebook"][0], ids["instagram"][0], ids["linkedin"][0]]
    )
    assert not any(membership for _p, membership in changed)
    shot(dialog, qtbot, "bulk_done", 50)

    # The failed LinkedIn profiles again, consenting fully this time: only they are signed in for.
    untick.clear()
    retry = dialog.connect_buttons["linkedin"]
    assert retry.text() == "Retry failed" and retry.isEnabled()
    with qtbot.waitSignal(dialog.platformDone, timeout=WAIT):
        retry.click()
    assert publishing_states(ws, ids["linkedin"]) == {"active": 1, "expired": 2}
    assert top_level(dialog)[2] == ("LinkedIn", "1 re-connected, 2 failed (signed in as Agency Admin)")
    assert dialog.summary.text() == "3 of 9 re-connected, 6 failed. All platforms done."
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.done_button.click()


def test_cancel_stops_the_sign_in_and_changes_nothing_then_connect_works(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    data = agency(ws)
    ids = data["ids"]["instagram"]
    dialog = open_dialog(qtbot, ws, ids)
    assert [k for k, _v in top_level(dialog)] == ["Instagram"]
    before = publishing_states(ws, ids), keyring_entries(ws.store.service)
    watchers: list[WebRobot] = []
    dialog.signInOpened.connect(lambda d: watchers.append(WebRobot(d, "agency", "agency-pass", act=False)))
    dialog.connect_buttons["instagram"].click()
    qtbot.waitUntil(lambda: bool(watchers) and watchers[0].loads == ["Sign in"], timeout=WAIT)
    assert dialog.cancel_button.isEnabled() and not dialog.done_button.isEnabled()
    assert not dialog.type_combo.isEnabled()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: dialog.active is None, timeout=WAIT)
    assert top_level(dialog)[0] == ("Instagram", "Cancelled: nothing was changed")
    assert (publishing_states(ws, ids), keyring_entries(ws.store.service)) == before
    assert dialog.connect_buttons["instagram"].isEnabled() and dialog.done_button.isEnabled()
    assert dialog.summary.text() == "0 of 3 re-connected. 1 platform left."

    dialog.signInOpened.connect(lambda d: watchers.append(WebRobot(d, "agency", "agency-pass")))
    with qtbot.waitSignal(dialog.platformDone, timeout=WAIT):
        dialog.connect_buttons["instagram"].click()
    assert publishing_states(ws, ids) == {"active": 1, "expired": 2}


def test_choosing_another_type_lists_the_selection_again(qtbot: QtBot, ws: OAuthWorkspace) -> None:
    with ws.workspace.session() as s:
        me = s.get(Member, ws.me_id)
        assert me is not None
        page = factory.profile(
            s, "facebook", "page", handle="bigpage", name="Big page", owners=(me,), likes=5000
        )
        small = factory.profile(
            s, "facebook", "page", handle="smallpage", name="Small page", owners=(me,), likes=3
        )
        factory.connect(s, page, ConnectionType.INSIGHTS, (me, GrantState.EXPIRED))
        factory.connect(s, page, PUB, (me, GrantState.ACTIVE))
        factory.connect(s, small, PUB, (me, GrantState.EXPIRED))
        pids = [page.id, small.id]
    dialog = open_dialog(qtbot, ws, pids)
    assert dialog.connection_type is PUB  # the most expired first (a tie goes to the catalogue order)
    with qtbot.waitSignal(dialog.planReady, timeout=WAIT):
        dialog.set_connection_type(ConnectionType.INSIGHTS)
    assert dialog.plan is not None and dialog.plan.connection_type is ConnectionType.INSIGHTS
    assert [(i.target.name, i.state, i.reason) for i in dialog.plan.items] == [
        ("Big page", PlanState.TO_CONNECT, ""),
        ("Small page", PlanState.UNSUPPORTED, "the page has fewer than 30 likes"),
    ]
    assert top_level(dialog) == [
        ("Facebook", "1 profile to re-connect"),
        ("Not supported for Insights (1)", "Nothing to do"),
    ]


def test_an_empty_or_unconnectable_selection_says_so(qtbot: QtBot, ws: OAuthWorkspace) -> None:
    dialog = open_dialog(qtbot, ws, [])
    assert dialog.summary.text() == "Select the profiles to re-connect first."
    with ws.workspace.session() as s:
        chat = factory.profile(s, "live_chat", "widget", handle="webchat").id
    dialog = open_dialog(qtbot, ws, [chat])
    assert dialog.summary.text() == "None of the selected profiles has a connection type to re-connect."
    assert not dialog.type_combo.isEnabled()


def test_a_platform_without_a_client_id_says_so_and_opens_no_sign_in(
    qtbot: QtBot, ws: OAuthWorkspace
) -> None:
    (ws.data_dir / "providers.toml").write_text(
        providers_toml(ws.server.url, ("instagram", "linkedin")), encoding="utf-8"
    )
    ws.reload()
    data = agency(ws)
    ids = data["ids"]["facebook"]
    dialog = open_dialog(qtbot, ws, ids)
    opened: list[Any] = []
    told: list[tuple[str, str]] = []
    dialog.signInOpened.connect(opened.append)
    dialog.notConfigured.connect(lambda p, m: told.append((p, m)))
    assert dialog.connect_platform("facebook") is None
    assert opened == [] and told and told[0][0] == "facebook"
    text = top_level(dialog)[0][1]
    assert text.startswith("Facebook has no client id yet") and "Settings ▸ Sign-in" in text
    assert "Cancelled" not in text
    assert publishing_states(ws, ids) == {"expired": 3}


def test_the_browser_warm_up_asks_each_kinds_own_app(
    qtbot: QtBot, ws: OAuthWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LinkedIn organization pages sign in with their own app, which may use another browser than the
    member app: the warm-up looked only at the platform's default app (found by the bulk re-connect
    benchmark, whose organization-pages app is the embedded one)."""
    from socialdesk.ui import bulk_reconnect as module

    asked: list[tuple[str, str | None]] = []
    real = module.ops_connections.provider_of

    def recording(handle: Any, platform: str, kind: str | None = None) -> Any:
        asked.append((platform, kind))
        return real(handle, platform, kind)

    monkeypatch.setattr(module.ops_connections, "provider_of", recording)
    data = agency(ws)
    open_dialog(qtbot, ws, data["ids"]["linkedin"])
    assert ("linkedin", "organization_page") in asked
