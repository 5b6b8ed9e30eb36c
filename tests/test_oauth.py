"""OAuth against a real authorization server (Authlib on 127.0.0.1): PKCE code flow, state, refresh,
revocation, failure classification, and discovery + recording of a sign-in."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from socialdesk.models.catalogue import ConnectionType, GrantState
from socialdesk.models.schema import AuditEntry, Grant, Profile
from socialdesk.services import discovery
from socialdesk.services.oauth import (
    AuthorizationFailed,
    OAuthError,
    OAuthService,
    ProviderError,
    SignInError,
    StateMismatchError,
    TransientError,
    classify_response,
)
from socialdesk.services.providers import BUILT_IN, load_providers
from socialdesk.services.tokens import TokenSet

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import (  # noqa: E402 - after the rewrite registration
    CONFIDENTIAL_CLIENT,
    CONFIDENTIAL_SECRET,
    OAuthTestServer,
    OAuthWorkspace,
    providers_toml,
    sign_in_over_http,
)

pytest_plugins = ("tests.oauth_server",)

PUB = ConnectionType.PUBLISHING
INS = ConnectionType.INSIGHTS


def test_full_code_flow_with_pkce(oauth_ws: OAuthWorkspace) -> None:
    request = oauth_ws.service.begin("x", [PUB])
    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["code_challenge"][0] != request.code_verifier
    assert query["state"] == [request.state]
    assert query["redirect_uri"] == [request.redirect_uri]
    assert query["scope"] == ["openid profile tweet.write"]
    assert urlsplit(request.redirect_uri).port  # a free port was picked
    url = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    assert request.is_redirect(url)
    tokens = oauth_ws.service.complete(request, url)
    assert tokens.access_token and tokens.refresh_token and tokens.expires_at
    assert set(tokens.scopes) == {"openid", "profile", "tweet.write"}
    # the token works at the provider: userinfo names the signed-in user
    assert oauth_ws.service.verify("x", tokens)["sub"] == "u-1001"
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ  # only lifted while a loopback call ran


def test_the_server_refuses_a_wrong_code_verifier(oauth_ws: OAuthWorkspace) -> None:
    request = oauth_ws.service.begin("x", [PUB])
    url = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    request.code_verifier = "x" * 64  # not the verifier behind the challenge
    with pytest.raises(OAuthError):
        oauth_ws.service.complete(request, url)


def test_the_server_requires_pkce_from_public_clients(auth_server: OAuthTestServer) -> None:
    http = requests.Session()
    http.post(f"{auth_server.url}/login", data={"username": "alice", "password": "alice-pass"}, timeout=5)
    answer = http.get(
        f"{auth_server.url}/authorize",
        params={
            "response_type": "code",
            "client_id": "socialdesk-test",
            "redirect_uri": "http://127.0.0.1:5000/callback",
            "scope": "openid",
            "state": "s",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 400
    assert "invalid_request" in answer.text


def test_state_mismatch_is_refused_and_no_code_is_exchanged(oauth_ws: OAuthWorkspace) -> None:
    request = oauth_ws.service.begin("x", [PUB])
    url = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    forged = url.replace(f"state={request.state}", "state=forged-state")
    with pytest.raises(StateMismatchError) as info:
        oauth_ws.service.complete(request, forged)
    assert "start the sign-in again" in str(info.value)
    assert oauth_ws.server.count("token") == 0


def test_state_is_single_use(oauth_ws: OAuthWorkspace) -> None:
    request = oauth_ws.service.begin("x", [PUB])
    url = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    oauth_ws.service.complete(request, url)
    with pytest.raises(StateMismatchError) as info:
        oauth_ws.service.complete(request, url)
    assert "already used" in str(info.value)
    assert oauth_ws.server.count("token") == 1


def test_denied_consent_is_a_clear_sign_in_error(oauth_ws: OAuthWorkspace) -> None:
    request = oauth_ws.service.begin("x", [PUB])
    url = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass", allow=False)
    with pytest.raises(SignInError) as info:
        oauth_ws.service.complete(request, url)
    assert "cancelled or permission was not given" in str(info.value)


def test_refresh_gives_new_tokens_and_the_old_access_token_stops_working(oauth_ws: OAuthWorkspace) -> None:
    _request, tokens = oauth_ws.sign_in("x", [PUB])
    fresh = oauth_ws.service.refresh("x", tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token and fresh.refresh_token != tokens.refresh_token
    assert oauth_ws.service.verify("x", fresh)["name"] == "Alice Adams"
    with pytest.raises(AuthorizationFailed):
        oauth_ws.service.verify("x", tokens)
    with pytest.raises(AuthorizationFailed):  # the rotated refresh token is dead: invalid_grant
        oauth_ws.service.refresh("x", tokens)


def test_refresh_without_a_new_refresh_token_keeps_the_old_one(oauth_ws: OAuthWorkspace) -> None:
    _request, tokens = oauth_ws.sign_in("x", [PUB])
    oauth_ws.server.issue_new_refresh_token = False
    fresh = oauth_ws.service.refresh("x", tokens)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token
    again = oauth_ws.service.refresh("x", fresh)  # the kept refresh token still works
    assert again.access_token not in (tokens.access_token, fresh.access_token)


def test_revocation_withdraws_the_tokens(oauth_ws: OAuthWorkspace) -> None:
    _request, tokens = oauth_ws.sign_in("x", [PUB])
    assert oauth_ws.service.revoke("x", tokens) is True
    with pytest.raises(AuthorizationFailed):
        oauth_ws.service.verify("x", tokens)
    with pytest.raises(AuthorizationFailed):
        oauth_ws.service.refresh("x", tokens)


def test_a_confidential_client_uses_its_secret_from_the_keyring(oauth_ws: OAuthWorkspace) -> None:
    (oauth_ws.data_dir / "providers.toml").write_text(
        providers_toml(oauth_ws.server.url, client_id=CONFIDENTIAL_CLIENT), encoding="utf-8"
    )
    oauth_ws.reload()
    request = oauth_ws.service.begin("x", [PUB])
    url = sign_in_over_http(request.url, request.redirect_prefix, "bob", "bob-pass")
    with pytest.raises(ProviderError) as info:  # no secret stored yet: the server refuses the client
        oauth_ws.service.complete(request, url)
    assert "client id or secret" in str(info.value)
    oauth_ws.store.set_client_secret("x", CONFIDENTIAL_SECRET)
    _request, tokens = oauth_ws.sign_in("x", [PUB], "bob")
    assert oauth_ws.service.verify("x", tokens)["sub"] == "u-1002"
    assert oauth_ws.service.refresh("x", tokens).access_token != tokens.access_token


def test_503_stall_and_a_stopped_server_are_transient(oauth_ws: OAuthWorkspace) -> None:
    _request, tokens = oauth_ws.sign_in("x", [PUB])
    oauth_ws.server.mode = "503"
    with pytest.raises(TransientError) as info:
        oauth_ws.service.verify("x", tokens)
    assert info.value.status == 503
    with pytest.raises(TransientError):
        oauth_ws.service.refresh("x", tokens)
    oauth_ws.server.mode = "stall"
    started = time.perf_counter()
    with pytest.raises(TransientError) as info:
        oauth_ws.service.verify("x", tokens)
    assert "did not answer in time" in str(info.value)
    assert time.perf_counter() - started < 3  # the client's time-out, not the server's stall
    oauth_ws.server.mode = None

    stopped = OAuthTestServer().start()
    url = stopped.url
    stopped.stop()
    (oauth_ws.data_dir / "providers.toml").write_text(providers_toml(url), encoding="utf-8")
    oauth_ws.reload()
    with pytest.raises(TransientError) as info:
        oauth_ws.service.verify("x", tokens)
    assert "refused the connection" in str(info.value)


def _response(status: int, body: object) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    return response


@pytest.mark.parametrize(
    ("platform", "status", "body", "expected"),
    [
        (
            "facebook",
            400,
            {"error": {"message": "Session expired", "type": "OAuthException", "code": 190}},
            AuthorizationFailed,
        ),
        ("facebook", 400, {"error": {"message": "Too many calls", "code": 4}}, TransientError),
        ("facebook", 400, {"error": {"message": "Unsupported get request", "code": 100}}, ProviderError),
        (
            "x",
            400,
            {"error": "invalid_request", "error_description": "Value passed for the token was invalid."},
            AuthorizationFailed,
        ),
        ("x", 400, {"error": "invalid_grant"}, AuthorizationFailed),
        ("x", 401, {"title": "Unauthorized"}, AuthorizationFailed),
        ("x", 503, "<html>down</html>", TransientError),
        ("x", 429, {"title": "Too Many Requests"}, TransientError),
        ("x", 401, {"error": "invalid_client"}, ProviderError),
        (
            "linkedin",
            401,
            {"serviceErrorCode": 65601, "message": "The token used in the request has been revoked"},
            AuthorizationFailed,
        ),
        (
            "tiktok",
            200,
            {"data": {}, "error": {"code": "access_token_invalid", "message": "expired"}},
            AuthorizationFailed,
        ),
        ("tiktok", 200, {"data": {"user": {}}, "error": {"code": "ok", "message": ""}}, None),
    ],
)
def test_failures_are_classified_per_platform(
    platform: str, status: int, body: object, expected: type[OAuthError] | None
) -> None:
    error = classify_response(BUILT_IN[platform], _response(status, body))
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected


def test_a_401_at_the_token_endpoint_is_about_the_app_not_the_grant() -> None:
    error = classify_response(BUILT_IN["x"], _response(401, {"error": "invalid_client"}), token_endpoint=True)
    assert isinstance(error, ProviderError)


def test_http_is_refused_for_a_non_loopback_provider_even_if_the_file_was_bypassed(
    oauth_ws: OAuthWorkspace,
) -> None:
    catalogue = load_providers(oauth_ws.data_dir)
    service = OAuthService(catalogue, oauth_ws.store)
    tokens = TokenSet(access_token="a" * 20)
    with pytest.raises(ProviderError) as info:
        service.get_json("x", "http://example.com/api/me", tokens)
    assert "https://" in str(info.value)


# -- discovery and recording ---------------------------------------------------------------------


def test_an_openid_provider_is_the_signed_in_account_and_nothing_else_is_called(
    oauth_ws: OAuthWorkspace,
) -> None:
    """docs/interfaces.md: with userinfo_url, ``sub``/``name`` are the account, of the first kind."""
    _request, tokens = oauth_ws.sign_in("facebook", [PUB, INS])
    before_api = oauth_ws.server.count("api")
    found = discovery.discover(oauth_ws.service, "facebook", tokens)
    assert (found.identity.platform_id, found.identity.name) == ("u-1001", "Alice Adams")
    assert [(a.kind, a.platform_id) for a in found.accounts] == [("page", "u-1001")]
    assert oauth_ws.server.count("api") == before_api  # no discovery call to the "platform"
    x_tokens = oauth_ws.sign_in("x", [PUB], "carol")[1]
    x_found = discovery.discover(oauth_ws.service, "x", x_tokens)
    assert [(a.kind, a.platform_id, a.name) for a in x_found.accounts] == [
        ("account", "u-1003", "Carol Chen")
    ]


def test_recording_creates_grants_with_the_token_in_the_store(oauth_ws: OAuthWorkspace) -> None:
    tokens, _found, record = oauth_ws.connect("facebook", [PUB, INS])
    [outcome] = record.outcomes
    assert outcome.created and outcome.platform_id == "u-1001"
    # no like count known: Insights is not supported and says why
    assert outcome.connected == [PUB]
    assert outcome.skipped == [(INS, "the page's like count is unknown")]
    with oauth_ws.workspace.session() as s:
        grants = s.scalars(select(Grant)).all()
        assert len(grants) == 1
        assert {g.token_ref for g in grants} == {record.token_ref}
        assert all(g.state == GrantState.ACTIVE.value and g.has_refresh_token for g in grants)
        assert all(g.account_id == "u-1001" for g in grants)
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "connection_granted")
            )
            == 1
        )
    stored = oauth_ws.store.load(record.token_ref)
    assert stored is not None and stored.access_token == tokens.access_token


def test_a_reconnect_updates_the_profile_never_a_duplicate(oauth_ws: OAuthWorkspace) -> None:
    _tokens, _found, first = oauth_ws.connect("x", [PUB])
    profile_id = first.outcomes[0].profile_id
    oauth_ws.server.user("alice").name = "Alice A. Adams"
    _tokens, _found, second = oauth_ws.connect("x", [PUB])
    assert second.outcomes[0].profile_id == profile_id
    assert not second.outcomes[0].created
    with oauth_ws.workspace.session() as s:
        assert s.scalar(select(func.count()).select_from(Profile)) == 1
        assert s.get(Profile, profile_id).display_name == "Alice A. Adams"  # type: ignore[union-attr]
        grants = s.scalars(select(Grant)).all()
        assert len(grants) == 1 and grants[0].token_ref == second.token_ref
        actions = [
            a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.profile_id == profile_id))
        ]
        assert actions.count("connection_granted") == 2  # history kept
    # the first sign-in's keyring entry is no longer used by any grant: gone
    assert oauth_ws.store.load(first.token_ref) is None
    assert oauth_ws.store.load(second.token_ref) is not None


def test_a_reconnect_with_the_wrong_account_is_reported(oauth_ws: OAuthWorkspace) -> None:
    _tokens, _found, first = oauth_ws.connect("x", [PUB])
    mine = first.outcomes[0].profile_id
    from socialdesk.services import discovery as disc

    _request, tokens = oauth_ws.sign_in("x", [PUB], "bob")
    found = disc.discover(oauth_ws.service, "x", tokens)
    record = disc.record_sign_in(
        oauth_ws.workspace,
        oauth_ws.store,
        oauth_ws.service.provider("x"),
        member_id=oauth_ws.me_id,
        types=[PUB],
        tokens=tokens,
        discovery=found,
        expected_profile_ids=[mine],
    )
    assert record.wrong_account == [mine]


def test_a_sign_in_reads_its_client_secret_from_the_keyring_once(
    oauth_ws: OAuthWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connect's check (``preflight``), the sign-in's start (``begin``, which checks again) and the code
    exchange each read the secret: D-Bus calls of ~16 ms, the first two on the GUI thread. One service
    is one sign-in flow: it reads it once. A secret still missing is read again the next time."""
    (oauth_ws.data_dir / "providers.toml").write_text(
        providers_toml(oauth_ws.server.url, client_id=CONFIDENTIAL_CLIENT), encoding="utf-8"
    )
    oauth_ws.reload()
    reads: list[str] = []
    real = oauth_ws.store.client_secret

    def counting(key: str) -> str | None:
        reads.append(key)
        return real(key)

    monkeypatch.setattr(oauth_ws.store, "client_secret", counting)
    request = oauth_ws.service.begin("x", [PUB])
    url = sign_in_over_http(request.url, request.redirect_prefix, "bob", "bob-pass")
    with pytest.raises(ProviderError):  # none stored yet
        oauth_ws.service.complete(request, url)
    oauth_ws.store.set_client_secret("x", CONFIDENTIAL_SECRET)
    for _ in range(2):
        request = oauth_ws.service.begin("x", [PUB])
        url = sign_in_over_http(request.url, request.redirect_prefix, "bob", "bob-pass")
        tokens = oauth_ws.service.complete(request, url)
        assert oauth_ws.service.verify("x", tokens)["sub"] == "u-1002"
    assert reads == ["x", "x"]  # the missing one, then the stored one once for both sign-ins
