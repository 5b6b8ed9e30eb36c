"""X against its strict simulator: PKCE S256, Basic client auth, 2-hour tokens and rotating refresh."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from socialdesk.models.catalogue import ConnectionType
from socialdesk.services import health
from socialdesk.services.clock import utcnow
from socialdesk.services.oauth import pkce_pair
from socialdesk.services.tokens import TokenSet
from tests.simulators.base import authorize, query, refused
from tests.simulators.harness import Wired, wire
from tests.simulators.x import CALLBACK, XSimulator

PUB = ConnectionType.PUBLISHING


@pytest.fixture
def sim() -> Iterator[XSimulator]:
    s = XSimulator()
    yield s
    s.stop()


def wired(tmp_path: Path, sim: XSimulator, **kw: object) -> Wired:
    urls = {
        "authorize_url": f"{sim.url}/i/oauth2/authorize",
        "token_url": f"{sim.url}/2/oauth2/token",
        "revoke_url": f"{sim.url}/2/oauth2/revoke",
        "api_base_url": f"{sim.url}/2",
    }
    return wire(tmp_path, sim, "x", urls, **kw)  # type: ignore[arg-type]


def test_sign_in_uses_the_registered_callback_pkce_and_basic_auth(tmp_path: Path, sim: XSimulator) -> None:
    w = wired(tmp_path, sim)
    request = w.service.begin("x", [PUB])
    q = query(request.url)
    assert q["redirect_uri"] == CALLBACK and q["code_challenge_method"] == "S256"
    assert "offline.access" in q["scope"].split(" ")
    tokens, found, _record = w.connect([PUB])
    token_call = sim.calls("/2/oauth2/token")[-1]
    assert "Authorization" in token_call["headers"] and "client_secret" not in token_call["form"]
    assert (
        tokens.refresh_token
        and tokens.expires_at
        and tokens.expires_at < utcnow() + timedelta(hours=2, minutes=1)
    )
    assert [(a.platform_id, a.handle) for a in found.accounts] == [("2244994945", "alice")]


def test_health_refreshes_2_hour_tokens_with_rotation_and_no_users_me_each_check(
    tmp_path: Path, sim: XSimulator
) -> None:
    w = wired(tmp_path, sim)
    tokens, _found, record = w.connect([PUB])
    me_calls = len(sim.calls("/2/users/me"))
    report = health.run_health_check(w.workspace, w.service)  # fresh token: nothing to call
    assert (
        report.ok == 1
        and len(sim.calls("/2/users/me")) == me_calls
        and len(sim.calls("/2/oauth2/token")) == 1
    )
    report = health.run_health_check(w.workspace, w.service, now=utcnow() + timedelta(hours=2))
    assert [c.change for c in report.changes] == ["refreshed"]
    stored = w.store.load(record.token_ref)
    assert stored is not None and stored.refresh_token != tokens.refresh_token  # rotated and saved
    assert len(sim.calls("/2/users/me")) == me_calls
    # The old refresh token is dead at X: using it again is refused.
    answer = requests.post(
        f"{sim.url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        auth=(sim.rules.client_id, sim.rules.client_secret),
        timeout=5,
    )
    assert (
        answer.status_code == 400
        and answer.json()["error_description"] == "Value passed for the token was invalid."
    )


def test_two_concurrent_refreshes_make_one_and_the_rotated_token_is_saved_before_use(
    tmp_path: Path, sim: XSimulator
) -> None:
    w = wired(tmp_path, sim)
    tokens, _found, record = w.connect([PUB])
    sim.token_delay = 0.5  # both callers are inside the refresh at once
    seen_in_keyring: list[bool] = []
    results: list[TokenSet] = []

    def caller() -> None:
        new = w.service.refresh_stored("x", record.token_ref, tokens)
        stored = w.store.load(record.token_ref)
        seen_in_keyring.append(stored is not None and stored.refresh_token == new.refresh_token)
        results.append(new)

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    refreshes = [c for c in sim.calls("/2/oauth2/token") if c["form"].get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    assert seen_in_keyring == [True, True]
    assert results[0].access_token == results[1].access_token
    assert sim.refusals == []  # nobody sent the used refresh token


def test_a_dead_refresh_token_expires_the_grant(tmp_path: Path, sim: XSimulator) -> None:
    w = wired(tmp_path, sim)
    w.connect([PUB])
    sim.revoke_user()
    report = health.run_health_check(w.workspace, w.service, now=utcnow() + timedelta(hours=2))
    assert [c.change for c in report.changes] == ["expired"]


def test_a_public_native_client_needs_no_secret(tmp_path: Path, sim: XSimulator) -> None:
    sim.rules.secret_required = False
    w = wired(tmp_path, sim, secret=False)
    tokens, _found, _record = w.connect([PUB])
    assert tokens.access_token
    assert sim.calls("/2/oauth2/token")[-1]["form"]["client_id"] == sim.rules.client_id


def test_revoke_withdraws_the_tokens(tmp_path: Path, sim: XSimulator) -> None:
    w = wired(tmp_path, sim)
    tokens = w.sign_in([PUB])
    assert w.service.revoke("x", tokens)
    assert (
        requests.get(
            f"{sim.url}/2/users/me", headers={"Authorization": f"Bearer {tokens.access_token}"}, timeout=5
        ).status_code
        == 401
    )


def test_the_simulator_refuses_each_deviation(tmp_path: Path, sim: XSimulator) -> None:
    w = wired(tmp_path, sim)
    url = w.service.begin("x", [PUB]).url
    assert "redirect_uri" in refused(url.replace("8710", "8711"))["error_description"]
    assert "redirect_uri" in refused(url.replace("127.0.0.1%3A8710", "localhost%3A8710"))["error_description"]
    q = query(url)
    no_pkce = url.replace(f"code_challenge={q['code_challenge']}", "")
    assert "S256" in refused(no_pkce)["error_description"]
    _verifier, hex_challenge = pkce_pair("S256-hex")
    assert "base64url" in refused(url.replace(q["code_challenge"], hex_challenge))["error_description"]
    code = query(authorize(url))["code"]
    token_url = f"{sim.url}/2/oauth2/token"
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": "x" * 64,
    }
    in_body = requests.post(
        token_url,
        data={**body, "client_id": sim.rules.client_id, "client_secret": sim.rules.client_secret},
        timeout=5,
    )
    assert in_body.status_code == 401
    no_auth = requests.post(token_url, data={**body, "client_id": sim.rules.client_id}, timeout=5)
    assert no_auth.status_code == 401
    wrong_verifier = requests.post(
        token_url, data=body, auth=(sim.rules.client_id, sim.rules.client_secret), timeout=5
    )
    assert wrong_verifier.status_code == 400
    assert (
        requests.get(f"{sim.url}/2/users/me", headers={"Authorization": "Bearer nope"}, timeout=5).status_code
        == 401
    )
    assert len(sim.refusals) == 8


def test_a_busy_fixed_port_is_one_message_naming_it_and_nothing_starts(
    tmp_path: Path, sim: XSimulator
) -> None:
    import socket

    w = wired(tmp_path, sim, extra="")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 8710))
        busy.listen()
        from socialdesk.services.oauth import PortBusyError

        with pytest.raises(PortBusyError) as info:
            w.service.preflight("x", browser="system")
        message = str(info.value)
        assert message.startswith("Port 8710 on this computer is in use by another program")
        assert "Settings ▸ Sign-in" in message and "http://127.0.0.1:8710/callback" in message
        # The embedded view stops at the redirect itself: the busy port does not matter there.
        assert w.service.preflight("x", browser="embedded").platform == "x"
    assert sim.log == []


def test_an_unsupported_platform_is_one_clear_message_and_nothing_changes(
    tmp_path: Path, sim: XSimulator
) -> None:
    from socialdesk.services.errors import ValidationError

    w = wired(tmp_path, sim)
    before = (w.workspace.data_dir / "providers.toml").read_bytes()
    for key, words in (("live_chat", "Live Chat has no sign-in"), ("myspace", "unknown platform 'myspace'")):
        with pytest.raises(ValidationError) as info:
            w.service.begin(key, [PUB])
        assert [m for _f, m in info.value.problems] == [words]
    assert (w.workspace.data_dir / "providers.toml").read_bytes() == before and sim.log == []


def test_x_429_is_try_later_and_401_is_expired(tmp_path: Path, sim: XSimulator) -> None:
    from socialdesk.services import discovery
    from socialdesk.services.oauth import AuthorizationFailed, TransientError

    w = wired(tmp_path, sim)
    tokens = w.sign_in([PUB])
    sim.failures["/2/users/me"] = (429, {"title": "Too Many Requests", "status": 429})
    with pytest.raises(TransientError):
        discovery.discover(w.service, "x", tokens)
    del sim.failures["/2/users/me"]
    sim.revoke_user()
    with pytest.raises(AuthorizationFailed):
        discovery.discover(w.service, "x", tokens)
