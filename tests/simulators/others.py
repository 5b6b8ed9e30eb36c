"""Simulators of YouTube (Google), TikTok, Pinterest and Snapchat sign-in and identity endpoints.

* Google — https://developers.google.com/identity/protocols/oauth2/native-app (any loopback port
  for desktop clients; ``client_secret`` in the body; PKCE S256; ``access_type=offline`` gives a
  refresh token, which does not rotate; revoke at ``/revoke``) and
  https://developers.google.com/youtube/v3/docs/channels/list (``mine=true``, ``nextPageToken``).
* TikTok — https://developers.tiktok.com/doc/login-kit-desktop and
  https://developers.tiktok.com/doc/oauth-user-access-token-management (``client_key``; desktop PKCE
  challenge is the HEX SHA-256 of the verifier; ``client_secret`` in the body; refresh tokens rotate;
  ``/v2/user/info/`` answers ``{"data": {"user": …}, "error": {"code": "ok"}}``).
* Pinterest — https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/
  (exact redirect; ``POST /v5/oauth/token`` with HTTP Basic only; scopes comma-separated; continuous
  refresh returns a new refresh token; ``GET /v5/user_account``).
* Snapchat — https://developers.snap.com/api/marketing-api/Ads-API/authentication (the https
  redirect the organisation registered, exactly; secret in the body; ``GET /v1/me``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.simulators.base import OAuthRules, Simulator

SNAP_REDIRECT = "https://social.example.org/snap/callback"


@dataclass
class GoogleSimulator(Simulator):
    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="g-client.apps.googleusercontent.com",
            client_auth="body",
            pkce="required-S256",
            redirect_uris=("http://127.0.0.1/callback",),
            any_loopback_port=True,
        )
    )
    channels: list[dict[str, Any]] = field(default_factory=list)

    def setup(self) -> None:
        self.route("/o/oauth2/v2/auth", self.auth)
        self.route("/token", self.token_endpoint, methods=("POST",))
        self.route("/revoke", self.revoke, methods=("POST",))
        self.route("/youtube/v3/channels", self.list_channels)

    def auth(self, request: Request, values: dict[str, Any]) -> Response:
        if request.args.get("access_type") != "offline":
            return self.oauth_error("invalid_request", "access_type=offline is needed for a refresh token")
        return self.authorize_endpoint(request, values)

    def revoke(self, request: Request, _values: dict[str, Any]) -> Response:
        token = request.form.get("token", "")
        with self.lock:
            hit = [g for g in self.grants if token in (g.access_token, g.refresh_token)]
            for g in hit:
                g.revoked = True
        return self.json({}) if hit else self.oauth_error("invalid_token", "Token expired or revoked")

    def list_channels(self, request: Request, _values: dict[str, Any]) -> Response:
        if self.bearer(request) is None:
            return self.refuse("401", 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        if request.args.get("mine") != "true" or "snippet" not in request.args.get("part", ""):
            return self.refuse(
                "params", 400, {"error": {"code": 400, "message": "part and mine=true required"}}
            )
        start = int(request.args.get("pageToken", "0") or 0)
        chunk = self.channels[start : start + 1]
        body: dict[str, Any] = {
            "items": [
                {"id": c["id"], "snippet": {"title": c["title"], "customUrl": c["handle"]}} for c in chunk
            ]
        }
        if start + 1 < len(self.channels):
            body["nextPageToken"] = str(start + 1)
        return self.json(body)


@dataclass
class TikTokSimulator(Simulator):
    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="tt-client-key",
            client_auth="body",
            pkce="S256-hex",
            redirect_uris=("http://127.0.0.1/callback",),
            any_loopback_port=True,
            client_id_param="client_key",
            scope_separator=",",
            access_lifetime=86400,
            rotate=True,
        )
    )

    def setup(self) -> None:
        self.route("/v2/auth/authorize/", self.authorize_endpoint)
        self.route("/v2/oauth/token/", self.token_endpoint, methods=("POST",))
        self.route("/v2/user/info/", self.user_info)

    def user_info(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.bearer(request)
        if grant is None:
            return self.refuse(
                "token", 401, {"data": {}, "error": {"code": "access_token_invalid", "message": "invalid"}}
            )
        if "user.info.profile" not in grant.scopes and "username" in request.args.get("fields", ""):
            return self.refuse(
                "scope",
                401,
                {
                    "data": {},
                    "error": {"code": "scope_not_authorized", "message": "username needs user.info.profile"},
                },
            )
        user = {"open_id": "tt-open-1", "display_name": "Alice Adams", "username": "alice.tt"}
        return self.json({"data": {"user": user}, "error": {"code": "ok", "message": ""}})


@dataclass
class PinterestSimulator(Simulator):
    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="pin-app",
            client_auth="basic",
            redirect_uris=("http://127.0.0.1:8713/callback",),
            scope_separator=",",
            access_lifetime=30 * 86400,
            rotate=True,
        )
    )

    def setup(self) -> None:
        self.route("/oauth/", self.authorize_endpoint)
        self.route("/v5/oauth/token", self.token_endpoint, methods=("POST",))
        self.route("/v5/user_account", self.account)

    def account(self, request: Request, _values: dict[str, Any]) -> Response:
        if self.bearer(request) is None:
            return self.refuse("token", 401, {"code": 2, "message": "Authentication failed."})
        return self.json({"id": "pin-1", "username": "alicepins", "business_name": "Alice's Pins"})


@dataclass
class SnapchatSimulator(Simulator):
    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="snap-client", client_auth="body", redirect_uris=(SNAP_REDIRECT,), access_lifetime=1800
        )
    )

    def setup(self) -> None:
        self.route("/login/oauth2/authorize", self.authorize_endpoint)
        self.route("/login/oauth2/access_token", self.token_endpoint, methods=("POST",))
        self.route("/v1/me", self.me)

    def me(self, request: Request, _values: dict[str, Any]) -> Response:
        if self.bearer(request) is None:
            return self.refuse("token", 401, {"request_status": "ERROR", "debug_message": "Unauthorized"})
        return self.json(
            {"request_status": "SUCCESS", "me": {"id": "snap-me-1", "display_name": "Alice Adams"}}
        )
