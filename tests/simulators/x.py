"""X (Twitter) OAuth 2.0 simulator: authorization code + PKCE, rotating refresh tokens, revoke, users/me.

Follows https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code and
https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/user-access-token (checked 2026-12):
PKCE is mandatory (``S256``); the redirect URI must match a registered callback exactly (use
127.0.0.1, not localhost); confidential clients authenticate with HTTP Basic, public (native) clients
send ``client_id`` in the body; access tokens live 2 hours; with ``offline.access`` a refresh token is
issued and every refresh returns a new one (the old one is dead: ``invalid_request`` "Value passed
for the token was invalid."); ``POST /2/oauth2/revoke``; ``GET /2/users/me`` →
``{"data": {id, name, username}}``; 401 ``Unauthorized`` for a bad token, 429 with
``x-rate-limit-reset`` when limited.

Refusals: unregistered redirect, missing or hex PKCE, a secret in the body of a confidential client,
a missing Basic header for a confidential client, a used refresh token, an expired access token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.simulators.base import OAuthRules, Simulator

CALLBACK = "http://127.0.0.1:8710/callback"


@dataclass
class XSimulator(Simulator):
    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="x-client",
            client_auth="basic",
            secret_required=True,
            pkce="required-S256",
            redirect_uris=(CALLBACK,),
            access_lifetime=7200,
            rotate=True,
        )
    )
    user: str = "2244994945"
    user_name: str = "Alice Adams"
    username: str = "alice"

    def setup(self) -> None:
        self.route("/i/oauth2/authorize", self.authorize_endpoint)
        self.route("/2/oauth2/token", self.token_endpoint, methods=("POST",))
        self.route("/2/oauth2/revoke", self.revoke, methods=("POST",))
        self.route("/2/users/me", self.me)

    def oauth_error(self, error: str, why: str, status: int = 400) -> Response:
        if error == "invalid_grant":  # X's documented wording for a dead refresh token
            return self.refuse(
                why,
                400,
                {"error": "invalid_request", "error_description": "Value passed for the token was invalid."},
            )
        return super().oauth_error(error, why, status)

    def revoke(self, request: Request, _values: dict[str, Any]) -> Response:
        if (why := self.client_authenticated(request)) is not None:
            return super().oauth_error("invalid_client", why, 401)
        token = request.form.get("token", "")
        with self.lock:
            for g in self.grants:
                if token in (g.access_token, g.refresh_token):
                    g.revoked = True
        return self.json({"revoked": True})

    def me(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.bearer(request)
        if grant is None:
            return self.refuse(
                "bad token",
                401,
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
            )
        return self.json({"data": {"id": grant.user, "name": self.user_name, "username": self.username}})
