"""A real OAuth 2.0 / OpenID Connect authorization server for the tests, and its fixtures.

It is Authlib's authorization server (``authlib.integrations.flask_oauth2``) on Flask, served by
werkzeug in a thread on ``127.0.0.1:<free port>`` — an established implementation, not a stub:

* users with passwords; an HTML login form (``#username``, ``#password``, button ``#login``) and a
  consent page (buttons ``#allow`` and ``#deny``), plain and stable so a web view can drive them;
* the authorization code grant, PKCE (S256) required for public clients; OpenID Connect (``openid``
  scope: an RS256 ``id_token``); refresh tokens, with a switch to refresh *without* issuing a new
  refresh token; RFC 7009 revocation; ``/userinfo`` (``sub``, ``name``);
* a Graph-like API for discovery under ``/api/<anything>/``: ``me`` (``id``, ``name``) and
  ``me/accounts`` (``{"data": [{id, name, username, fan_count}]}``, the pages the user manages);
* per-platform managed accounts (``User.accounts``) in each platform's own answer shape: Instagram
  business accounts under ``me/accounts`` (``instagram_business_account``), LinkedIn organization
  pages under ``organizationAcls`` (``elements[].organization~``), other platforms' ``me/accounts``;
* a consent page where each scope can be unticked (what the person grants is what the token gets);
* a pop-up login (``login_popup = True``): the login page only opens a pop-up window
  (``window.open``) whose form signs in and then sends the opener on and closes itself;
* test controls: :meth:`OAuthTestServer.revoke_user` (e.g. a password change), ``mode = "503"``
  (every API/token answer is 503) or ``"stall"`` (answers only after ``stall_seconds``, longer
  than the client's time-out), :meth:`~OAuthTestServer.stop`, :meth:`~OAuthTestServer.reset`,
  :meth:`~OAuthTestServer.mint_token` (tokens without the browser dance, for the benchmark).

:func:`sign_in_over_http` performs login + consent with ``requests`` (no GUI) and returns the
redirect URL with ``code`` and ``state``; :class:`WebRobot` does the same inside the app's sign-in
web view; :func:`keyring_entries` lists what the keyring holds for a workspace. Fixtures (import
them into a test module with ``from tests.oauth_server import auth_server, oauth_server,
oauth_ws``): ``oauth_server`` (one server per test session), ``auth_server`` (the same, reset for
each test) and ``oauth_ws`` (a workspace whose ``providers.toml`` points ``x`` and ``facebook``
at it, with *me* as a member).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

# The server speaks http on 127.0.0.1; Authlib refuses that unless told (server side only).
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

import pytest
import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, redirect, request, session
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

PUBLIC_CLIENT = "socialdesk-test"
CONFIDENTIAL_CLIENT = "socialdesk-confidential"
CONFIDENTIAL_SECRET = "confidential-client-secret-0123456789"
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


@dataclass
class User:
    id: str
    username: str
    name: str
    password: str
    pages: list[dict[str, Any]] = field(default_factory=list)
    #: Accounts the user manages on other platforms: platform key -> ``[{id, name, username}]``.
    accounts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def default_users() -> list[User]:
    return [
        User(
            "u-1001",
            "alice",
            "Alice Adams",
            "alice-pass",
            pages=[
                {"id": "page-501", "name": "Alice's Bakery", "username": "alicesbakery", "fan_count": 1200},
                {"id": "page-502", "name": "Bakery Careers", "username": "bakerycareers", "fan_count": 12},
            ],
        ),
        User("u-1002", "bob", "Bob Brown", "bob-pass", pages=[{"id": "page-601", "name": "Bob's Bikes"}]),
        User("u-1003", "carol", "Carol Chen", "carol-pass"),
    ]


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str | None = None
    client_metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def token_endpoint_auth_method(self) -> str:
        return "client_secret_basic" if self.client_secret else "none"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return "http://127.0.0.1/callback"

    def get_allowed_scope(self, scope: str) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 8252 §7.3: a native app's loopback redirect may use any port.
        parts = urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret is not None and secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.client_secret is None:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_id: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None = None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Token(TokenMixin):  # type: ignore[misc]
    server: OAuthTestServer
    client_id: str
    user_id: str
    scope: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> User:
        return self.server.users[self.user_id]

    def get_client(self) -> Client:
        return self.server.clients[self.client_id]


class PKCERequiredForPublicClients(CodeChallenge):  # type: ignore[misc]
    """Authlib's PKCE, S256 only, and a public client must send a challenge already when it asks."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        req = grant.request
        if (
            req.client is not None
            and req.client.client_secret is None
            and not req.payload.data.get("code_challenge")
        ):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        super().validate_code_challenge(grant, redirect_uri)


class OAuthTestServer:
    """The running server and its test controls (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.clients = {
            PUBLIC_CLIENT: Client(PUBLIC_CLIENT),
            CONFIDENTIAL_CLIENT: Client(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET),
        }
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.codes: dict[str, AuthCode] = {}
        self.by_access: dict[str, Token] = {}
        self.by_refresh: dict[str, Token] = {}
        self.mode: str | None = None
        self.stall_seconds = 5.0
        self.issue_new_refresh_token = True
        self.access_token_lifetime = 3600
        self.login_popup = False
        self.requests: dict[str, int] = {}
        self._unstall = threading.Event()
        self._http: Any = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.reset()
        self.app = self._make_app()

    # -- controls -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OAuthTestServer:
        # werkzeug logs every request line (with codes in URLs) to stderr: keep the test output clean.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._http = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._http.server_port
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="oauth-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._unstall.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Fresh users and tokens, normal answers (between tests)."""
        self._unstall.set()
        with self.lock:
            self.users = {u.id: u for u in default_users()}
            self.codes.clear()
            self.by_access.clear()
            self.by_refresh.clear()
            self.mode = None
            self.stall_seconds = 5.0
            self.issue_new_refresh_token = True
            self.access_token_lifetime = 3600
            self.login_popup = False
            self.requests = {}
        self._unstall = threading.Event()

    def revoke_user(self, username: str) -> int:
        """Withdraw every token of a user (a password change). Returns how many were revoked."""
        with self.lock:
            user = self.user(username)
            count = 0
            for token in list(self.by_access.values()):
                if token.user_id == user.id and not token.revoked:
                    token.revoked = True
                    count += 1
            return count

    def add_user(self, user: User) -> User:
        """Another user (removed again by :meth:`reset`)."""
        with self.lock:
            self.users[user.id] = user
        return user

    def user(self, username: str) -> User:
        return next(u for u in self.users.values() if u.username == username)

    def mint_token(
        self, username: str, scope: str = "openid profile", client_id: str = PUBLIC_CLIENT
    ) -> dict[str, Any]:
        """A token as the token endpoint would issue it, without the login pages (benchmark set-up)."""
        user = self.user(username)
        access = secrets.token_urlsafe(30)
        refresh = secrets.token_urlsafe(36)
        with self.lock:
            token = Token(self, client_id, user.id, scope, access, refresh, self.access_token_lifetime)
            self.by_access[access] = token
            self.by_refresh[refresh] = token
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": self.access_token_lifetime,
            "scope": scope,
        }

    def count(self, endpoint: str) -> int:
        with self.lock:
            return self.requests.get(endpoint, 0)

    # -- Authlib wiring -----------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask(__name__)
        app.secret_key = secrets.token_hex(16)
        server_state = self

        def query_client(client_id: str) -> Client | None:
            return server_state.clients.get(client_id)

        def save_token(token: dict[str, Any], req: Any) -> None:
            with server_state.lock:
                old: Token | None = getattr(req, "refresh_token", None)
                refresh = token.get("refresh_token")
                if refresh is None and old is not None:
                    refresh = old.refresh_token  # refreshed without a new refresh token: the old one stays
                record = Token(
                    server_state,
                    req.client.client_id,
                    req.user.id,
                    token.get("scope", ""),
                    token["access_token"],
                    refresh,
                    int(token.get("expires_in", server_state.access_token_lifetime)),
                )
                server_state.by_access[record.access_token] = record
                if refresh:
                    server_state.by_refresh[refresh] = record

        auth = AuthorizationServer(app, query_client=query_client, save_token=save_token)
        auth.register_token_generator(
            "default",
            lambda client, grant_type, user, scope, expires_in=None, include_refresh_token=True: {
                "token_type": "Bearer",
                "access_token": secrets.token_urlsafe(30),
                "expires_in": server_state.access_token_lifetime,
                "scope": scope,
                **({"refresh_token": secrets.token_urlsafe(36)} if include_refresh_token else {}),
            },
        )

        class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = AUTH_METHODS

            def save_authorization_code(self, code: str, req: Any) -> None:
                data = req.payload.data
                scope = req.scope or ""
                if request.form.get("choose_scopes"):
                    # What the person left ticked on the consent page is what the token gets.
                    ticked = set(request.form.getlist("granted_scope"))
                    scope = " ".join(s for s in scope.split() if s in ticked)
                with server_state.lock:
                    server_state.codes[code] = AuthCode(
                        code,
                        req.client.client_id,
                        req.payload.redirect_uri,
                        scope,
                        req.user.id,
                        data.get("code_challenge"),
                        data.get("code_challenge_method"),
                        data.get("nonce"),
                    )

            def query_authorization_code(self, code: str, client: Client) -> AuthCode | None:
                item = server_state.codes.get(code)
                return item if item is not None and item.client_id == client.client_id else None

            def delete_authorization_code(self, item: AuthCode) -> None:
                with server_state.lock:
                    server_state.codes.pop(item.code, None)

            def authenticate_user(self, item: AuthCode) -> User:
                return server_state.users[item.user_id]

        class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = AUTH_METHODS

            @property
            def INCLUDE_NEW_REFRESH_TOKEN(self) -> bool:
                return server_state.issue_new_refresh_token

            def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
                token = server_state.by_refresh.get(refresh_token)
                if token is None or token.revoked:
                    return None
                return token

            def authenticate_user(self, credential: Token) -> User:
                return server_state.users[credential.user_id]

            def revoke_old_credential(self, credential: Token) -> None:
                with server_state.lock:
                    credential.revoked = True  # the old access token
                    if server_state.issue_new_refresh_token and credential.refresh_token:
                        server_state.by_refresh.pop(credential.refresh_token, None)

        class TestOpenIDCode(OpenIDCode):  # type: ignore[misc]
            def resolve_client_private_key(self, client: Client) -> Any:
                return server_state.key

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": server_state.url, "aud": [client.client_id]}

            def exists_nonce(self, nonce: str, req: Any) -> bool:
                return False

            def generate_user_info(self, user: User, scope: str) -> UserInfo:
                return UserInfo(sub=user.id, name=user.name, preferred_username=user.username)

        class Revocation(RevocationEndpoint):  # type: ignore[misc]
            CLIENT_AUTH_METHODS: ClassVar[list[str]] = AUTH_METHODS

            def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
                return server_state.by_access.get(token_string) or server_state.by_refresh.get(token_string)

            def revoke_token(self, token: Token, req: Any) -> None:
                with server_state.lock:
                    token.revoked = True
                    if token.refresh_token:
                        server_state.by_refresh.pop(token.refresh_token, None)

        class Bearer(BearerTokenValidator):  # type: ignore[misc]
            def authenticate_token(self, token_string: str) -> Token | None:
                return server_state.by_access.get(token_string)

        protector = ResourceProtector()
        protector.register_token_validator(Bearer())

        class TestUserInfo(UserInfoEndpoint):  # type: ignore[misc]
            def get_issuer(self) -> str:
                return server_state.url

            def generate_user_info(self, user: User, scope: str) -> UserInfo:
                return UserInfo(sub=user.id, name=user.name, preferred_username=user.username)

            def resolve_private_key(self) -> Any:
                return server_state.key

        auth.register_grant(CodeGrant, [PKCERequiredForPublicClients(required=True), TestOpenIDCode()])
        auth.register_grant(RefreshGrant)
        auth.register_endpoint(Revocation)
        auth.register_endpoint(TestUserInfo(resource_protector=protector))

        @app.before_request
        def controls() -> Any:
            name = request.path.strip("/").split("/")[0] or "root"
            with server_state.lock:
                server_state.requests[name] = server_state.requests.get(name, 0) + 1
                mode = server_state.mode
            if name in ("login", "authorize"):
                return None
            if mode == "503":
                return Response("Service Unavailable", status=503, mimetype="text/plain")
            if mode == "stall":
                server_state._unstall.wait(server_state.stall_seconds)
                return Response("Too late", status=504, mimetype="text/plain")
            return None

        @app.route("/login", methods=["GET", "POST"])
        def login() -> Any:
            nxt = request.values.get("next", "/")
            if not nxt.startswith("/"):
                nxt = "/"  # no open redirect
            popup = request.values.get("popup") == "1"
            error = ""
            if request.method == "POST":
                name = request.form.get("username", "")
                password = request.form.get("password", "")
                user = next((u for u in server_state.users.values() if u.username == name), None)
                if user is not None and secrets.compare_digest(user.password, password):
                    session["user"] = user.id
                    if popup:
                        # The pop-up's job is done: send the window that opened it on, and close.
                        target = json.dumps(nxt).replace("<", "\\u003c")
                        return Response(
                            "<!doctype html><html><head><title>Signed in</title></head><body>"
                            "<p>Signed in.</p><script>"
                            f"if (window.opener) {{ window.opener.location.href = {target}; }}"
                            "window.close();</script></body></html>",
                            mimetype="text/html",
                        )
                    return redirect(nxt)
                error = '<p id="error">Wrong user name or password.</p>'
            if server_state.login_popup and not popup:
                url = "/login?popup=1&next=" + requests.utils.quote(nxt, safe="")
                return Response(
                    "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in</h1>"
                    "<p>Sign in with your company account in the window that opens.</p>"
                    f"<button id=\"popupSignIn\" onclick=\"window.open('{html.escape(url)}', 'signin', "
                    "'width=480,height=560')\">Sign in with company account</button></body></html>",
                    mimetype="text/html",
                )
            return Response(
                "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sign in</h1>"
                f'{error}<form id="loginForm" method="post" action="/login">'
                f'<input type="hidden" name="next" value="{html.escape(nxt)}">'
                + ('<input type="hidden" name="popup" value="1">' if popup else "")
                + '<label>User name <input id="username" name="username" autocomplete="username"></label>'
                '<label>Password <input id="password" name="password" type="password"></label>'
                '<button id="login" type="submit">Sign in</button></form></body></html>',
                mimetype="text/html",
            )

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            user = server_state.users.get(session.get("user", ""))
            if user is None:
                return redirect("/login?next=" + requests.utils.quote(request.full_path, safe=""))
            if request.method == "GET":
                try:
                    grant = auth.get_consent_grant(end_user=user)
                except OAuth2Error as error:
                    return Response(
                        f'<!doctype html><html><body><h1 id="oauthError">{html.escape(error.error)}</h1>'
                        f"<p>{html.escape(error.description or '')}</p></body></html>",
                        status=400,
                        mimetype="text/html",
                    )
                scopes = "".join(
                    f'<li><label><input type="checkbox" name="granted_scope" value="{html.escape(s)}" '
                    f'checked form="consentForm"> {html.escape(s)}</label></li>'
                    for s in (grant.request.payload.scope or "").split()
                )
                return Response(
                    "<!doctype html><html><head><title>Allow access</title></head><body>"
                    f"<h1>Allow {html.escape(grant.client.client_id)} to act as "
                    f"{html.escape(user.name)}?</h1>"
                    f"<ul>{scopes}</ul>"
                    f'<form id="consentForm" method="post" action="{html.escape(request.full_path)}">'
                    '<input type="hidden" name="choose_scopes" value="1">'
                    '<button id="allow" name="confirm" value="allow" type="submit">Allow</button>'
                    '<button id="deny" name="confirm" value="deny" type="submit">Deny</button>'
                    "</form></body></html>",
                    mimetype="text/html",
                )
            grant_user = user if request.form.get("confirm") == "allow" else None
            try:
                grant = auth.get_consent_grant(end_user=user)
            except OAuth2Error as error:
                return Response(html.escape(error.error), status=400, mimetype="text/plain")
            return auth.create_authorization_response(grant=grant, grant_user=grant_user)

        @app.route("/token", methods=["POST"])
        def token() -> Any:
            return auth.create_token_response()

        @app.route("/revoke", methods=["POST"])
        def revoke() -> Any:
            return auth.create_endpoint_response("revocation")

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo() -> Any:
            return auth.create_endpoint_response("userinfo")

        @app.route("/api/<platform>/me")
        @protector()
        def me(platform: str) -> Any:
            user = current_token.get_user()
            return {"id": user.id, "name": user.name}

        @app.route("/api/<platform>/me/accounts")
        @protector()
        def accounts(platform: str) -> Any:
            user = current_token.get_user()
            if platform == "instagram":
                # Graph API: the pages, each with the Instagram business account linked to it.
                return {
                    "data": [
                        {"id": f"page-of-{a['id']}", "instagram_business_account": dict(a)}
                        for a in user.accounts.get("instagram", [])
                    ]
                }
            if platform in user.accounts:
                return {"data": [dict(a) for a in user.accounts[platform]]}
            return {"data": [dict(p) for p in user.pages]}

        @app.route("/api/<platform>/organizationAcls")
        @protector()
        def organizations(platform: str) -> Any:
            """LinkedIn's organization pages the member administers (projection ``organization~``)."""
            user = current_token.get_user()
            return {
                "elements": [
                    {
                        "organization~": {
                            "id": a["id"],
                            "localizedName": a["name"],
                            "vanityName": a.get("username", ""),
                        }
                    }
                    for a in user.accounts.get(platform, [])
                ]
            }

        return app


# -- driving the pages over HTTP ------------------------------------------------------------------

_ACTION = re.compile(r'<form[^>]*id="(?P<id>\w+)"[^>]*method="post"[^>]*action="(?P<action>[^"]*)"', re.I)


def sign_in_over_http(
    auth_url: str,
    redirect_prefix: str,
    username: str,
    password: str,
    *,
    allow: bool = True,
    timeout: float = 10,
) -> str:
    """Log in and answer the consent page like a person in a browser; returns the final redirect URL.

    Follows redirects until one goes to ``redirect_prefix`` (the app's loopback redirect URI, where
    nothing needs to listen) and returns that URL with its ``code`` (or ``error``) and ``state``.
    """
    http = requests.Session()
    method, url, data = "GET", auth_url, None
    for _ in range(12):
        response = http.request(method, url, data=data, allow_redirects=False, timeout=timeout)
        if response.is_redirect:
            location = urljoin(url, response.headers["Location"])
            if location.startswith(redirect_prefix):
                return location
            method, url, data = "GET", location, None
            continue
        page = response.text
        form = _ACTION.search(page)
        if response.status_code != 200 or form is None:
            raise AssertionError(f"unexpected page {response.status_code} at {url}: {page[:300]}")
        action = urljoin(url, html.unescape(form.group("action")))
        if form.group("id") == "loginForm":
            hidden = re.search(r'name="next" value="([^"]*)"', page)
            data = {
                "username": username,
                "password": password,
                "next": html.unescape(hidden.group(1)) if hidden else "/",
            }
        else:
            data = {"confirm": "allow" if allow else "deny"}
        method, url = "POST", action
    raise AssertionError("the sign-in did not reach the redirect URI")


# -- driving the pages in a web view -----------------------------------------------------------------

_ROBOT_JS = """
(function (user, password, answer, untick, usePopup) {
  var popup = document.getElementById('popupSignIn');
  if (popup) { if (usePopup) { popup.click(); } return 'popup'; }
  var name = document.getElementById('username');
  if (name) {
    name.value = user;
    document.getElementById('password').value = password;
    document.getElementById('login').click();
    return 'login';
  }
  var button = document.getElementById(answer);
  if (button) {
    untick.forEach(function (scope) {
      var box = document.querySelector('input[name="granted_scope"][value="' + scope + '"]');
      if (box) { box.checked = false; }
    });
    button.click();
    return answer;
  }
  return 'other: ' + document.title;
})(%s, %s, %s, %s, %s)
"""


class WebRobot:
    """A person in the sign-in web view: logs in, answers the consent page, uses the pop-up login.

    Attach it to anything with a ``pageCreated(page)`` signal (the sign-in dialog); on each finished
    load of every page (pop-ups too) it runs a script in the page with ``runJavaScript``. ``steps``
    records what it did ("login", "allow", "deny", "popup", "other: <title>"). Duck-typed: no Qt
    import here.
    """

    def __init__(
        self,
        dialog: Any,
        username: str,
        password: str,
        *,
        allow: bool = True,
        untick: tuple[str, ...] = (),
        act: bool = True,
        delay_ms: int = 0,
    ) -> None:
        self.username, self.password = username, password
        self.delay_ms = delay_ms
        self.allow, self.untick, self.act = allow, untick, act
        self.steps: list[str] = []
        self.loads: list[str] = []
        self.pages: list[Any] = []
        # A lambda, not the bound method: the connection keeps the robot alive as long as the dialog.
        dialog.pageCreated.connect(lambda page: self.attach(page))

    def attach(self, page: Any) -> None:
        self.pages.append(page)
        page.loadFinished.connect(lambda ok, p=page: self._loaded(p, ok))

    def _loaded(self, page: Any, ok: bool) -> None:
        if not ok:
            return
        self.loads.append(page.title())
        if not self.act:
            return
        script = _ROBOT_JS % (
            json.dumps(self.username),
            json.dumps(self.password),
            json.dumps("allow" if self.allow else "deny"),
            json.dumps(list(self.untick)),
            "true",
        )
        if self.delay_ms:  # a moment to look at the page (screenshots)
            from PySide6.QtCore import QTimer

            QTimer.singleShot(self.delay_ms, lambda: page.runJavaScript(script, 0, self.steps.append))
        else:
            page.runJavaScript(script, 0, self.steps.append)


def keyring_entries(service: str) -> set[str]:
    """Names of the entries the keyring holds for a token store's service (Secret Service or memory)."""
    import keyring
    from keyring.backends import SecretService

    from socialdesk.services import tokens

    if isinstance(keyring.get_keyring(), SecretService.Keyring):
        import secretstorage

        connection = secretstorage.dbus_init()
        try:
            collection = secretstorage.get_default_collection(connection)
            return {
                item.get_attributes().get("username", "")
                for item in collection.search_items({"service": service})
            }
        finally:
            connection.close()
    return {name for (svc, name) in tokens._session_memory if svc == service}


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[OAuthTestServer]:
    server = OAuthTestServer().start()
    yield server
    server.stop()


@pytest.fixture
def auth_server(oauth_server: OAuthTestServer) -> Iterator[OAuthTestServer]:
    oauth_server.reset()
    yield oauth_server
    oauth_server.reset()


def providers_toml(
    server_url: str, platforms: tuple[str, ...] = ("x", "facebook"), client_id: str = PUBLIC_CLIENT
) -> str:
    """A ``providers.toml`` that points ``platforms`` at the test server."""
    scopes = {
        "x": {"publishing": ["openid", "profile", "tweet.write"], "insights": ["openid", "profile"]},
        "instagram": {
            "publishing": ["openid", "profile", "instagram_content_publish"],
            "insights": ["openid", "profile", "instagram_manage_insights"],
        },
        "linkedin": {
            "publishing": ["openid", "profile", "w_organization_social"],
            "insights": ["openid", "profile", "r_organization_admin"],
        },
        "facebook": {
            "publishing": ["openid", "profile", "pages_manage_posts"],
            "insights": ["openid", "profile", "read_insights"],
            "ads_posts": ["openid", "profile", "ads_management"],
        },
    }
    out = []
    for key in platforms:
        out.append(
            f"[providers.{key}]\n"
            f'authorize_url = "{server_url}/authorize"\n'
            f'token_url = "{server_url}/token"\n'
            f'revoke_url = "{server_url}/revoke"\n'
            f'userinfo_url = "{server_url}/userinfo"\n'
            f'api_base_url = "{server_url}/api/{key}"\n'
            f'client_id = "{client_id}"\n'
            'redirect_uri = "http://127.0.0.1/callback"\n'
            'browser = "embedded"\n'
            f"[providers.{key}.scopes]\n"
            + "".join(f"{t} = {list(s)!r}\n".replace("'", '"') for t, s in scopes.get(key, {}).items())
        )
    return "\n".join(out)


@dataclass
class OAuthWorkspace:
    """A workspace wired to the test server: its services and *me*."""

    workspace: Any
    server: OAuthTestServer
    store: Any
    service: Any
    me_id: int

    @property
    def data_dir(self) -> Path:
        return Path(self.workspace.data_dir)

    def reload(self, timeout: float | tuple[float, float] = (1.0, 1.0)) -> None:
        """New service objects from providers.toml, as after a restart."""
        from socialdesk.services.oauth import OAuthService
        from socialdesk.services.providers import load_providers
        from socialdesk.services.tokens import TokenStore

        self.store = TokenStore(self.workspace.workspace_id)
        self.service = OAuthService(load_providers(self.data_dir), self.store, timeout=timeout)

    def sign_in(self, platform: str, types: Any, username: str = "alice", password: str | None = None) -> Any:
        """A full sign-in (PKCE, login and consent over HTTP); returns (request, tokens)."""
        request = self.service.begin(platform, types)
        user = self.server.user(username)
        url = sign_in_over_http(request.url, request.redirect_prefix, username, password or user.password)
        return request, self.service.complete(request, url)

    def connect(self, platform: str, types: Any, username: str = "alice", chosen: Any = None) -> Any:
        """Sign in, discover and record grants for me; returns (tokens, discovery, record)."""
        from socialdesk.services import discovery

        _request, tokens = self.sign_in(platform, types, username)
        found = discovery.discover(self.service, platform, tokens)
        record = discovery.record_sign_in(
            self.workspace,
            self.store,
            self.service.provider(platform),
            member_id=self.me_id,
            types=types,
            tokens=tokens,
            discovery=found,
            chosen=chosen,
        )
        return tokens, found, record


@pytest.fixture
def oauth_ws(tmp_path: Path, auth_server: OAuthTestServer) -> Iterator[OAuthWorkspace]:
    from socialdesk.models.catalogue import Role
    from socialdesk.services.workspace import Workspace
    from tests import factory

    ws = Workspace.open(tmp_path / "oauth-ws", create=True)
    (ws.data_dir / "providers.toml").write_text(providers_toml(auth_server.url), encoding="utf-8")
    with ws.session() as s:
        me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
        me_id = me.id
    wired = OAuthWorkspace(ws, auth_server, None, None, me_id)
    wired.reload()
    yield wired
    ws.close()
