"""LinkedIn (member and organization apps), YouTube, TikTok, Pinterest and Snapchat: strict simulators."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from socialdesk.models.catalogue import ConnectionType
from socialdesk.services import health
from socialdesk.services.clock import utcnow
from socialdesk.services.oauth import NotConfiguredError, pkce_pair
from tests.simulators.base import authorize, query, refused
from tests.simulators.harness import wire
from tests.simulators.linkedin import MEMBER_CALLBACK, ORG_CALLBACK, LinkedInSimulator
from tests.simulators.others import (
    SNAP_REDIRECT,
    GoogleSimulator,
    PinterestSimulator,
    SnapchatSimulator,
    TikTokSimulator,
)

PUB, INS = ConnectionType.PUBLISHING, ConnectionType.INSIGHTS


@pytest.fixture
def linkedin() -> Iterator[LinkedInSimulator]:
    sim = LinkedInSimulator(
        organizations=[
            {"id": 101, "name": "Fabrikam", "vanity": "fabrikam"},
            {"id": 102, "name": "Fabrikam Labs", "vanity": "fabrikam-labs"},
            {"id": 103, "name": "Fabrikam Careers", "vanity": "fabrikam-careers"},
        ]
    )
    yield sim
    sim.stop()


def li_urls(sim: LinkedInSimulator, api: str) -> dict[str, str]:
    return {
        "authorize_url": f"{sim.url}/oauth/v2/authorization",
        "token_url": f"{sim.url}/oauth/v2/accessToken",
        "api_base_url": f"{sim.url}/{api}",
    }


def test_linkedin_member_sign_in_secret_in_body_60_days_no_refresh_warned_before(
    tmp_path: Path, linkedin: LinkedInSimulator
) -> None:
    w = wire(tmp_path, linkedin, "linkedin", li_urls(linkedin, "v2"))
    request = w.service.begin("linkedin", [PUB])
    assert request.redirect_uri == MEMBER_CALLBACK and "code_challenge" not in query(request.url)
    tokens, found, _record = w.connect([PUB])
    call = linkedin.calls("/oauth/v2/accessToken")[-1]
    assert (
        call["form"]["client_secret"] == linkedin.rules.client_secret
        and "Authorization" not in call["headers"]
    )
    assert tokens.refresh_token is None and tokens.expires_at is not None
    assert [(a.kind, a.platform_id) for a in found.accounts] == [("account", "abc123")]
    report = health.run_health_check(w.workspace, w.service, now=utcnow() + timedelta(days=55))
    assert [g.handle for g in report.expiring_soon] == [found.accounts[0].handle]


def test_linkedin_organization_pages_use_their_own_app_and_the_versioned_api(
    tmp_path: Path, linkedin: LinkedInSimulator
) -> None:
    w = wire(tmp_path, linkedin, "linkedin", li_urls(linkedin, "rest"), kind="organization_page")
    request = w.service.begin("linkedin", [PUB], kind="organization_page")
    assert request.redirect_uri == ORG_CALLBACK
    assert query(request.url)["scope"] == "w_organization_social r_organization_admin"
    _tokens, found, record = w.connect([PUB])
    orgs = {(a.kind, a.platform_id, a.name, a.handle) for a in found.accounts}
    assert orgs == {
        ("organization_page", "101", "Fabrikam", "fabrikam"),
        ("organization_page", "102", "Fabrikam Labs", "fabrikam-labs"),
        ("organization_page", "103", "Fabrikam Careers", "fabrikam-careers"),
    }
    acl_calls = linkedin.calls("/rest/organizationAcls")
    assert (
        len([c for c in acl_calls if "ADMINISTRATOR" in c["args"].get("role", "")]) == 2
    )  # start/count paging
    assert all(c["headers"].get("X-Restli-Protocol-Version") == "2.0.0" for c in acl_calls)
    assert w.store.load(record.token_ref).app_kind == "organization_page"  # type: ignore[union-attr]
    # The member app's secret is another keyring entry: not set here, and not needed.
    assert w.store.client_secret("linkedin") is None
    # Without its version headers the versioned API refuses.
    bare = requests.get(f"{linkedin.url}/rest/organizationAcls?q=roleAssignee", timeout=5)
    assert bare.status_code == 426
    no_restli = requests.get(
        f"{linkedin.url}/rest/organizations/101", headers={"LinkedIn-Version": "202510"}, timeout=5
    )
    assert no_restli.status_code == 400


def test_linkedin_refuses_basic_auth_pkce_and_a_changed_redirect(
    tmp_path: Path, linkedin: LinkedInSimulator
) -> None:
    w = wire(tmp_path, linkedin, "linkedin", li_urls(linkedin, "v2"))
    url = w.service.begin("linkedin", [PUB]).url
    refused(url.replace("8711", "8719"))
    refused(url + "&code_challenge=abc&code_challenge_method=S256")
    code = query(authorize(url))["code"]
    answer = requests.post(
        f"{linkedin.url}/oauth/v2/accessToken",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": MEMBER_CALLBACK},
        auth=(linkedin.rules.client_id, linkedin.rules.client_secret),
        timeout=5,
    )
    assert answer.status_code == 401
    assert len(linkedin.refusals) == 3


def test_youtube_any_loopback_port_offline_access_every_channel_and_revoke(tmp_path: Path) -> None:
    sim = GoogleSimulator(
        channels=[{"id": f"UC{i}", "title": f"Channel {i}", "handle": f"@chan{i}"} for i in range(3)]
    )
    try:
        w = wire(
            tmp_path,
            sim,
            "youtube",
            {
                "authorize_url": f"{sim.url}/o/oauth2/v2/auth",
                "token_url": f"{sim.url}/token",
                "revoke_url": f"{sim.url}/revoke",
                "api_base_url": f"{sim.url}/youtube/v3",
            },
        )
        request = w.service.begin("youtube", [PUB])
        q = query(request.url)
        assert q["access_type"] == "offline" and q["code_challenge_method"] == "S256"
        assert request.redirect_uri.startswith("http://127.0.0.1:") and request.browser == "system"
        tokens, found, _record = w.connect([PUB])
        assert {a.platform_id for a in found.accounts} == {"UC0", "UC1", "UC2"}  # three pages followed
        assert tokens.refresh_token and "Testing" in w.service.provider("youtube").sign_in_warning
        assert w.service.revoke("youtube", tokens)
        refused(request.url.replace("access_type=offline", "access_type=online"))
        assert (
            requests.get(
                f"{sim.url}/youtube/v3/channels?part=snippet&mine=true",
                headers={"Authorization": f"Bearer {tokens.access_token}"},
                timeout=5,
            ).status_code
            == 401
        )
    finally:
        sim.stop()


def test_tiktok_hex_pkce_client_key_and_rotating_refresh(tmp_path: Path) -> None:
    sim = TikTokSimulator()
    try:
        w = wire(
            tmp_path,
            sim,
            "tiktok",
            {
                "authorize_url": f"{sim.url}/v2/auth/authorize/",
                "token_url": f"{sim.url}/v2/oauth/token/",
                "api_base_url": f"{sim.url}/v2",
            },
        )
        request = w.service.begin("tiktok", [PUB])
        q = query(request.url)
        assert len(q["code_challenge"]) == 64 and q["client_key"] == sim.rules.client_id
        assert "user.info.profile" in q["scope"].split(",")
        tokens, found, record = w.connect([PUB])
        assert [a.handle for a in found.accounts] == ["alice.tt"]
        report = health.run_health_check(w.workspace, w.service, now=utcnow() + timedelta(hours=24))
        assert [c.change for c in report.changes] == ["refreshed"]
        stored = w.store.load(record.token_ref)
        assert stored is not None and stored.refresh_token != tokens.refresh_token
        _verifier, b64 = pkce_pair("S256")
        assert "hex" in refused(request.url.replace(q["code_challenge"], b64))["error_description"]
    finally:
        sim.stop()


def test_pinterest_basic_auth_only_and_rotating_refresh(tmp_path: Path) -> None:
    sim = PinterestSimulator()
    try:
        w = wire(
            tmp_path,
            sim,
            "pinterest",
            {
                "authorize_url": f"{sim.url}/oauth/",
                "token_url": f"{sim.url}/v5/oauth/token",
                "api_base_url": f"{sim.url}/v5",
            },
        )
        tokens, found, _record = w.connect([PUB])
        assert "Authorization" in sim.calls("/v5/oauth/token")[-1]["headers"]
        assert [a.platform_id for a in found.accounts] == ["pin-1"]
        new = w.service.refresh("pinterest", tokens)
        assert new.refresh_token != tokens.refresh_token
        in_body = requests.post(
            f"{sim.url}/v5/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": new.refresh_token,
                "client_id": sim.rules.client_id,
                "client_secret": sim.rules.client_secret,
            },
            timeout=5,
        )
        assert in_body.status_code == 401
        reused = requests.post(
            f"{sim.url}/v5/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
            auth=(sim.rules.client_id, sim.rules.client_secret),
            timeout=5,
        )
        assert reused.status_code == 400
    finally:
        sim.stop()


def test_snapchat_needs_its_registered_https_redirect_and_the_embedded_view(tmp_path: Path) -> None:
    sim = SnapchatSimulator()
    try:
        urls = {
            "authorize_url": f"{sim.url}/login/oauth2/authorize",
            "token_url": f"{sim.url}/login/oauth2/access_token",
            "api_base_url": f"{sim.url}/v1",
        }
        w = wire(tmp_path, sim, "snapchat", urls)
        with pytest.raises(NotConfiguredError) as info:
            w.service.begin("snapchat", [INS])
        assert "https redirect URI" in str(info.value) and sim.log == []
        w = wire(tmp_path / "2", sim, "snapchat", {**urls, "redirect_uri": SNAP_REDIRECT})
        with pytest.raises(NotConfiguredError) as info:
            w.service.preflight("snapchat", browser="system")
        assert "embedded" in str(info.value)
        _tokens, found, _record = w.connect([INS])
        assert [a.platform_id for a in found.accounts] == ["snap-me-1"]
        refused(w.service.begin("snapchat", [INS]).url.replace("snap%2Fcallback", "snap%2Fcallbacks"))
        assert "allow-list" in w.service.provider("snapchat").notes
    finally:
        sim.stop()


def test_adding_linkedin_organization_pages_signs_in_with_their_own_app_in_the_real_view(
    qtbot: object, tmp_path: Path, linkedin: LinkedInSimulator
) -> None:
    """The platform choice offers "LinkedIn organization pages"; the embedded view stops at its callback."""
    from socialdesk.ui.account_picker import AccountPickerDialog, PlatformChoiceDialog
    from socialdesk.ui.sign_in_flows import SignInServices, add_profiles
    from tests.test_sign_in_ui import WAIT

    w = wire(tmp_path, linkedin, "linkedin", li_urls(linkedin, "rest"), kind="organization_page")
    choice = PlatformChoiceDialog()
    qtbot.addWidget(choice)  # type: ignore[attr-defined]
    choice.choose("linkedin:organization_page")
    assert choice.platform.currentText() == "LinkedIn organization pages"
    assert choice.values() == ("linkedin:organization_page", [PUB, INS])
    flow = add_profiles(
        None,
        w.workspace,
        platform_key="linkedin:organization_page",
        types=[PUB],
        services=SignInServices(w.service, w.store),
    )
    opened: list[object] = []
    flow.dialogOpened.connect(opened.append)
    qtbot.waitUntil(lambda: any(isinstance(d, AccountPickerDialog) for d in opened), timeout=WAIT)  # type: ignore[attr-defined]
    picker = next(d for d in opened if isinstance(d, AccountPickerDialog))
    assert sorted(picker.items) == ["101", "102", "103"]
    with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:  # type: ignore[attr-defined]
        picker.add_button.click()
    assert blocker.args[0].message == "Added 3 profiles"
    assert linkedin.calls("/oauth/v2/authorization")[0]["args"]["redirect_uri"] == ORG_CALLBACK


def test_a_youtube_sign_in_in_the_system_browser_says_testing_apps_lose_refresh_tokens(
    qtbot: object, tmp_path: Path
) -> None:
    """Google refuses embedded views: the system browser (scripted here) hands the code to the listener."""
    import threading

    from socialdesk.ui.account_picker import AccountPickerDialog
    from socialdesk.ui.sign_in_flows import SignInServices, add_profiles
    from tests.test_sign_in_ui import WAIT

    sim = GoogleSimulator(channels=[{"id": "UC1", "title": "Bakery TV", "handle": "@bakerytv"}])
    try:
        w = wire(
            tmp_path,
            sim,
            "youtube",
            {
                "authorize_url": f"{sim.url}/o/oauth2/v2/auth",
                "token_url": f"{sim.url}/token",
                "api_base_url": f"{sim.url}/youtube/v3",
            },
        )

        def browser(url: str) -> bool:  # the person's browser: follows the redirect to the listener
            threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()
            return True

        flow = add_profiles(
            None,
            w.workspace,
            platform_key="youtube",
            types=[PUB],
            services=SignInServices(w.service, w.store, open_browser=browser),
        )
        opened: list[object] = []
        flow.dialogOpened.connect(opened.append)
        qtbot.waitUntil(lambda: any(isinstance(d, AccountPickerDialog) for d in opened), timeout=WAIT)  # type: ignore[attr-defined]
        picker = next(d for d in opened if isinstance(d, AccountPickerDialog))
        with qtbot.waitSignal(flow.finished, timeout=WAIT) as blocker:  # type: ignore[attr-defined]
            picker.add_button.click()
        message = blocker.args[0].message
        assert message.startswith("Added 1 profile") and "Testing" in message and "7 days" in message
    finally:
        sim.stop()
