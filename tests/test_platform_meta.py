"""Facebook, Instagram and WhatsApp against the strict Meta Graph simulator (tests/simulators/meta.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from socialdesk.models.catalogue import ConnectionType, GrantState
from socialdesk.models.schema import Grant, Profile
from socialdesk.services import health
from socialdesk.services.clock import utcnow
from socialdesk.services.oauth import MissingSecretError, PermissionsDeclined
from tests.simulators.base import authorize, query, refused
from tests.simulators.harness import Wired, wire
from tests.simulators.meta import FB_REDIRECT, MetaSimulator, page

PUB, INS, MSG = ConnectionType.PUBLISHING, ConnectionType.INSIGHTS, ConnectionType.MESSAGING


def meta_urls(sim: MetaSimulator) -> dict[str, str]:
    return {
        "authorize_url": f"{sim.api}/dialog/oauth",
        "token_url": f"{sim.api}/oauth/access_token",
        "api_base_url": sim.api,
    }


@pytest.fixture
def sim() -> Iterator[MetaSimulator]:
    s = MetaSimulator(
        pages=[
            page(
                "501",
                "Alice's Bakery",
                "alicesbakery",
                ig={"id": "ig-1", "name": "Bakery IG", "username": "bakery"},
            ),
            page("502", "Alice's Café", "alicescafe", fans=12),
            page("503", "Alice's Deli", "alicesdeli"),
        ],
        businesses=[
            {
                "id": "biz-1",
                "owned_pages": [
                    page("601", "Portfolio Page", "portfolio", ig={"id": "ig-2", "username": "portig"})
                ],
                "client_pages": [page("602", "Client Page", "clientpage")],
                "owned_whatsapp_business_accounts": [{"id": "waba-1", "name": "Bakery WhatsApp"}],
            },
            {"id": "biz-2", "client_whatsapp_business_accounts": [{"id": "waba-2", "name": "Client WA"}]},
        ],
        phone_numbers={
            "waba-1": [
                {"id": "ph-1", "display_phone_number": "+1 555 0101", "verified_name": "Bakery Main"},
                {"id": "ph-2", "display_phone_number": "+1 555 0102", "verified_name": "Bakery Orders"},
                {"id": "ph-3", "display_phone_number": "+1 555 0103", "verified_name": "Bakery Night"},
            ],
            "waba-2": [{"id": "ph-9", "display_phone_number": "+44 20 0000", "verified_name": "Client"}],
        },
    )
    yield s
    s.stop()


def wired(tmp_path: Path, sim: MetaSimulator, platform: str = "facebook", **kw: object) -> Wired:
    return wire(tmp_path, sim, platform, meta_urls(sim), **kw)  # type: ignore[arg-type]


def test_facebook_sign_in_is_the_documented_desktop_flow_with_a_long_lived_token(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    w = wired(tmp_path, sim)
    request = w.service.begin("facebook", [PUB])
    q = query(request.url)
    assert q["redirect_uri"] == FB_REDIRECT and request.redirect_uri == FB_REDIRECT
    assert "code_challenge" not in q and q["client_id"] == sim.rules.client_id
    assert "," in q["scope"] and " " not in q["scope"]
    assert {"pages_messaging", "business_management"} <= set(q["scope"].split(","))
    tokens = w.service.complete(request, authorize(request.url))
    exchange = [c for c in sim.calls("/v21.0/oauth/access_token") if c["args"].get("grant_type")]
    assert [c["args"]["grant_type"] for c in exchange] == ["fb_exchange_token"]
    assert tokens.access_token in sim.long_lived and tokens.refresh_token is None
    assert tokens.expires_at is not None and tokens.expires_at > utcnow() + timedelta(days=59)
    assert tokens.data_access_expires_at is not None
    assert set(tokens.scopes) == set(q["scope"].split(","))  # read back from /me/permissions
    code_call = next(c for c in sim.calls("/v21.0/oauth/access_token", "POST"))
    assert code_call["form"]["client_secret"] == sim.rules.client_secret  # secret in the body


def test_discovery_finds_every_page_business_pages_and_keeps_page_tokens_in_one_entry(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    w = wired(tmp_path, sim)
    tokens, found, record = w.connect([PUB])
    pages = {a.platform_id for a in found.accounts if a.kind == "page"}
    assert pages == {"501", "502", "503", "601", "602"}  # two result pages of me/accounts + portfolio
    assert len(sim.calls("/v21.0/me/accounts")) == 2  # paging.next followed
    stored = w.store.load(record.token_ref)
    assert stored is not None
    assert set(stored.page_tokens) == pages and stored.page_tokens["601"] == sim.page_tokens["601"]
    # A Page call needs the Page token; the user token is refused (error 210).
    user = requests.get(
        f"{sim.api}/501/feed", headers={"Authorization": f"Bearer {tokens.access_token}"}, timeout=5
    )
    assert user.status_code == 400 and user.json()["error"]["code"] == 210
    ok = requests.get(
        f"{sim.api}/501/feed", headers={"Authorization": f"Bearer {stored.page_token('501')}"}, timeout=5
    )
    assert ok.status_code == 200
    # Re-connect matches by platform id: no duplicate.
    w.connect([PUB])
    with w.workspace.session() as s:
        assert s.scalar(select(func.count()).select_from(Profile).where(Profile.kind == "page")) == 5


def test_instagram_accounts_come_through_their_pages_with_the_page_token(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    w = wired(tmp_path, sim, "instagram")
    _tokens, found, record = w.connect([PUB])
    assert {a.platform_id for a in found.accounts} == {"ig-1", "ig-2"}
    stored = w.store.load(record.token_ref)
    assert stored is not None and stored.page_token("ig-1") == sim.page_tokens["501"]


def test_whatsapp_is_one_profile_per_phone_number_with_its_business_account(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    w = wired(tmp_path, sim, "whatsapp")
    _tokens, found, _record = w.connect([MSG])
    numbers = {(a.platform_id, a.business_account_id) for a in found.accounts}
    assert numbers == {("ph-1", "waba-1"), ("ph-2", "waba-1"), ("ph-3", "waba-1"), ("ph-9", "waba-2")}
    assert len(sim.calls("/v21.0/waba-1/phone_numbers")) == 2  # paged
    with w.workspace.session() as s:
        rows = s.execute(select(Profile.platform_id, Profile.business_account_id, Profile.kind)).all()
    assert sorted(rows) == sorted((p, b, "business_account") for p, b in numbers)


def test_a_whatsapp_profile_recorded_with_its_business_account_id_becomes_its_number(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    """Migrated profiles (platform id = WABA id) are adopted by their first number: never a duplicate."""
    w = wired(tmp_path, sim, "whatsapp")
    sim.phone_numbers = {"waba-1": sim.phone_numbers["waba-1"][:1]}
    sim.businesses = sim.businesses[:1]
    from tests import factory

    with w.workspace.session() as s:
        p = factory.profile(s, "whatsapp", "business_account", handle="bakerywa")
        p.platform_id, p.business_account_id = "waba-1", "waba-1"
        pid = p.id
    w.connect([MSG])
    with w.workspace.session() as s:
        assert s.scalar(select(func.count()).select_from(Profile)) == 1
        assert s.get(Profile, pid).platform_id == "ph-1"  # type: ignore[union-attr]


def test_a_declined_permission_is_said_and_nothing_is_recorded(tmp_path: Path, sim: MetaSimulator) -> None:
    w = wired(tmp_path, sim)
    sim.decline = {"pages_manage_posts"}
    request = w.service.begin("facebook", [PUB])
    with pytest.raises(PermissionsDeclined) as info:
        w.service.complete(request, authorize(request.url))
    assert info.value.missing == ("pages_manage_posts",)
    assert "pages_manage_posts" in str(info.value) and "Nothing was changed" in str(info.value)
    with w.workspace.session() as s:
        assert s.scalar(select(func.count()).select_from(Grant)) == 0


def test_declining_only_messenger_still_connects_publishing_without_it(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    """pages_messaging is optional (docs/product.md §5): declined, the Publishing connection is made and
    the grant's scopes say Messenger is missing, so settings pushes wait for a re-connect."""
    w = wired(tmp_path, sim)
    sim.decline = {"pages_messaging"}
    request = w.service.begin("facebook", [PUB])
    assert "pages_messaging" in query(request.url)["scope"].split(",")  # still asked for
    tokens = w.service.complete(request, authorize(request.url))
    assert "pages_manage_posts" in tokens.scopes and "pages_messaging" not in tokens.scopes


def test_a_missing_secret_refuses_before_anything_is_sent(tmp_path: Path, sim: MetaSimulator) -> None:
    w = wired(tmp_path, sim, secret=False)
    with pytest.raises(MissingSecretError) as info:
        w.service.begin("facebook", [PUB])
    assert "Settings ▸ Sign-in" in str(info.value) and "providers set-secret facebook" in str(info.value)
    assert sim.log == []


def test_health_uses_debug_token_and_expires_only_what_meta_rejects(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    w = wired(tmp_path, sim)
    _tokens, _found, record = w.connect([PUB], chosen=["501"])
    report = health.run_health_check(w.workspace, w.service)
    assert report.ok == 1 and sim.calls("/v21.0/debug_token")
    sim.failures["/v21.0/debug_token"] = (400, {"error": {"code": 613, "message": "Calls limit reached"}})
    report = health.run_health_check(w.workspace, w.service, force=True)
    assert report.failed and not report.expired  # rate limit: will retry
    del sim.failures["/v21.0/debug_token"]
    sim.revoke_user()  # password changed: is_valid false, 190/460
    report = health.run_health_check(w.workspace, w.service, force=True)
    assert [c.change for c in report.changes] == ["expired"]
    with w.workspace.session() as s:
        assert s.scalars(select(Grant.state)).all() == [GrantState.EXPIRED.value]
    assert w.store.load(record.token_ref) is not None


def test_data_access_expiry_is_warned_seven_days_before(tmp_path: Path, sim: MetaSimulator) -> None:
    sim.data_access_days = 5
    w = wired(tmp_path, sim)
    w.connect([PUB], chosen=["501"])
    report = health.run_health_check(w.workspace, w.service)
    assert [g.profile_name for g in report.expiring_soon] == ["Alice's Bakery"]


@pytest.mark.parametrize(
    "change, words",
    [
        (("redirect_uri", FB_REDIRECT + "x"), "redirect_uri"),
        (("redirect_uri", FB_REDIRECT.replace("https", "http")), "redirect_uri"),
        (("client_id", "999"), "client_id"),
        (("code_challenge", "abc"), "PKCE"),
    ],
)
def test_the_simulator_refuses_a_dialog_that_deviates(
    tmp_path: Path, sim: MetaSimulator, change: tuple[str, str], words: str
) -> None:
    w = wired(tmp_path, sim)
    url = w.service.begin("facebook", [PUB]).url
    key, value = change
    bad = url.replace(f"{key}=", f"ignored_{key}=") + f"&{key}={requests.utils.quote(value)}"
    body = refused(bad)
    assert words.lower() in body["error"]["message"].lower() or sim.refusals


def test_the_simulator_refuses_code_exchanges_that_deviate(tmp_path: Path, sim: MetaSimulator) -> None:
    w = wired(tmp_path, sim)
    request = w.service.begin("facebook", [PUB])
    code = query(authorize(request.url))["code"]
    token_url = f"{sim.api}/oauth/access_token"
    base = {"client_id": sim.rules.client_id, "redirect_uri": FB_REDIRECT, "code": code}
    for data, auth in (
        (base, None),  # no secret
        ({**base, "client_secret": "wrong"}, None),
        (base, (sim.rules.client_id, sim.rules.client_secret)),  # Basic instead of the parameter
        ({**base, "client_secret": sim.rules.client_secret, "redirect_uri": FB_REDIRECT + "?x=1"}, None),
    ):
        answer = requests.post(token_url, data=data, auth=auth, timeout=5)
        assert answer.status_code in (400, 401) and "error" in answer.json()
    # debug_token without the app token
    assert (
        requests.get(
            f"{sim.api}/debug_token", params={"input_token": "x", "access_token": "user"}, timeout=5
        ).status_code
        == 400
    )
    assert len(sim.refusals) == 5


def test_a_pasted_whatsapp_system_user_token_becomes_my_messaging_grant(
    tmp_path: Path, sim: MetaSimulator
) -> None:
    from socialdesk.services import discovery
    from socialdesk.services.errors import ValidationError
    from socialdesk.services.oauth import AuthorizationFailed

    w = wired(tmp_path, sim, "whatsapp")
    issued = sim.issue(
        "sysuser-1", ("business_management", "whatsapp_business_management", "whatsapp_business_messaging")
    )
    record = discovery.connect_with_token(
        w.workspace, w.service, "whatsapp", issued["access_token"], member_id=w.me_id, types=[MSG]
    )
    assert {o.platform_id for o in record.outcomes} == {"ph-1", "ph-2", "ph-3", "ph-9"}
    assert all(o.connected == [MSG] for o in record.outcomes)
    assert sim.calls("/v21.0/debug_token") and not sim.calls("/v21.0/dialog/oauth")
    with pytest.raises(AuthorizationFailed):
        discovery.connect_with_token(
            w.workspace,
            w.service,
            "whatsapp",
            "EAAG-not-a-valid-token-123456",
            member_id=w.me_id,
            types=[MSG],
        )
    with pytest.raises(ValidationError):
        discovery.connect_with_token(
            w.workspace, w.service, "facebook", issued["access_token"], member_id=w.me_id, types=[PUB]
        )
    with w.workspace.session() as s:
        assert s.scalar(select(func.count()).select_from(Profile)) == 4


def test_the_settings_page_connects_a_pasted_system_user_token(
    qtbot: object, tmp_path: Path, sim: MetaSimulator
) -> None:
    from socialdesk.ui.settings_dialog import SettingsDialog

    w = wired(tmp_path, sim, "whatsapp")
    issued = sim.issue(
        "sysuser-1", ("business_management", "whatsapp_business_management", "whatsapp_business_messaging")
    )
    dialog = SettingsDialog(w.workspace, w.store)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.pasted_token.echoMode() == dialog.pasted_token.EchoMode.Password
    dialog.pasted_token.setText(issued["access_token"])
    with qtbot.waitSignal(dialog.tokenConnected, timeout=10000) as blocker:  # type: ignore[attr-defined]
        dialog.paste_button.click()
    assert blocker.args == [4]
    assert "4 phone number" in dialog.paste_status.text() and dialog.pasted_token.text() == ""
    with w.workspace.session() as s:
        assert s.scalar(select(func.count()).select_from(Grant).where(Grant.state == "active")) == 4


@pytest.mark.parametrize(
    "status, error, expected",
    [
        (
            400,
            {"code": 190, "error_subcode": 463, "type": "OAuthException", "message": "Session has expired"},
            "expired",
        ),
        (
            400,
            {"code": 190, "error_subcode": 460, "type": "OAuthException", "message": "password changed"},
            "expired",
        ),
        (
            400,
            {"code": 190, "error_subcode": 458, "type": "OAuthException", "message": "app removed"},
            "expired",
        ),
        (400, {"code": 102, "type": "OAuthException", "message": "Session key invalid"}, "expired"),
        (400, {"code": 4, "message": "Application request limit reached"}, "retry"),
        (400, {"code": 17, "message": "User request limit reached"}, "retry"),
        (400, {"code": 613, "message": "Calls to this api have exceeded the rate limit"}, "retry"),
        (429, {"code": 32, "message": "Page request limit reached"}, "retry"),
        (500, {"code": 1, "message": "An unknown error occurred"}, "retry"),
    ],
)
def test_graph_errors_are_classified_as_documented(
    tmp_path: Path, sim: MetaSimulator, status: int, error: dict[str, object], expected: str
) -> None:
    from socialdesk.services import discovery
    from socialdesk.services.oauth import AuthorizationFailed, TransientError

    w = wired(tmp_path, sim)
    tokens = w.sign_in([PUB])
    sim.failures["/v21.0/me/accounts"] = (status, {"error": error})
    kind = AuthorizationFailed if expected == "expired" else TransientError
    with pytest.raises(kind):
        discovery.discover(w.service, "facebook", tokens)


def test_migration_0005_keeps_each_whatsapp_profiles_business_account(tmp_path: Path) -> None:
    """Profiles recorded before 0005 (platform id = the WABA) keep it as their business account."""
    from alembic import command
    from sqlalchemy import create_engine

    from socialdesk.services.workspace import DB_NAME, Workspace, _alembic_config

    db = tmp_path / DB_NAME
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0003")
        for pid, platform_key, platform_id in (
            (1, "whatsapp", "waba-1"),
            (2, "x", "x-9"),
            (3, "whatsapp", None),
        ):
            conn.exec_driver_sql(
                "INSERT INTO profiles (id, platform, kind, handle, handle_key, display_name, platform_id, "
                f"visibility, added_at) VALUES ({pid}, '{platform_key}', 'account', 'h{pid}', 'h{pid}', 'P', "
                f"{'NULL' if platform_id is None else repr(platform_id)}, 'owned', '2024-01-02 00:00:00')"
            )
    engine.dispose()
    ws = Workspace.open(tmp_path)
    try:
        with ws.session() as s:
            rows = s.execute(select(Profile.id, Profile.business_account_id).order_by(Profile.id)).all()
        assert rows == [(1, "waba-1"), (2, None), (3, None)]
    finally:
        ws.close()
