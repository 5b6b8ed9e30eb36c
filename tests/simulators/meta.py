"""Meta Graph API simulator: Facebook Login, long-lived tokens, Page tokens, debug_token, discovery.

Follows (checked 2026-12):

* https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow — the dialog,
  the code exchange at ``/oauth/access_token`` (client_secret as a parameter, redirect_uri identical
  to the dialog's), the desktop redirect ``https://www.facebook.com/connect/login_success.html``;
* https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived —
  ``grant_type=fb_exchange_token`` (≈60 days, no refresh token); Page tokens from
  ``/me/accounts?fields=access_token``;
* https://developers.facebook.com/docs/graph-api/reference/debug_token — ``input_token`` with the
  app token ``APP_ID|APP_SECRET``: ``is_valid``, ``expires_at``, ``data_access_expires_at``;
* https://developers.facebook.com/docs/graph-api/reference/user/permissions — granted/declined;
* https://developers.facebook.com/docs/graph-api/results — cursor paging, ``paging.next``;
* https://developers.facebook.com/docs/graph-api/guides/error-handling — the error object,
  190 (subcodes 458/460/463/467), 102, 4/17/32/613 rate limits, 10/200/210 permissions;
* https://developers.facebook.com/docs/whatsapp/business-management-api/manage-phone-numbers —
  ``/{waba-id}/phone_numbers``; ``/me/businesses`` ``owned_pages``/``client_pages``,
  ``owned_whatsapp_business_accounts``/``client_whatsapp_business_accounts``.

Refusals: an unregistered redirect URI (any character), a code exchange without the secret or with
a redirect_uri that differs, PKCE parameters (Facebook Login's classic flow has none; sending a
verifier without a challenge is refused), a debug_token call without the app token, a user token
where a Page token is needed (``GET /{page-id}/feed``: error 210).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.simulators.base import Grant, OAuthRules, Simulator

VERSION = "v21.0"
FB_REDIRECT = "https://www.facebook.com/connect/login_success.html"
LONG_LIVED = 60 * 86400
PAGE_SIZE = 2


def page(
    pid: str, name: str, username: str, fans: int = 1200, ig: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": pid, "name": name, "username": username, "fan_count": fans}
    if ig is not None:
        out["instagram_business_account"] = ig
    return out


@dataclass
class MetaSimulator(Simulator):
    """Graph API ``/{VERSION}/...`` for one person with pages, businesses and WhatsApp numbers."""

    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="1234567890",
            client_auth="body",
            redirect_uris=(FB_REDIRECT,),
            refresh=False,
            access_lifetime=2 * 3600,
            scope_separator=",",
        )
    )
    user: str = "10001"
    user_name: str = "Alice Adams"
    pages: list[dict[str, Any]] = field(default_factory=list)
    #: Businesses: ``{id, owned_pages: [...], client_pages: [...], owned_wabas: [...], client_wabas: [...]}``.
    businesses: list[dict[str, Any]] = field(default_factory=list)
    #: WABA id -> its phone numbers ``[{id, display_phone_number, verified_name}]``.
    phone_numbers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    long_lived: set[str] = field(default_factory=set)
    page_tokens: dict[str, str] = field(default_factory=dict)
    data_access_days: int = 90
    #: user -> data_access_expires_at (90 days after the person last used the app).
    data_access: dict[str, int] = field(default_factory=dict)

    def setup(self) -> None:
        v = f"/{VERSION}"
        self.route(f"{v}/dialog/oauth", self.authorize_endpoint)
        self.route(f"{v}/oauth/access_token", self.access_token, methods=("GET", "POST"))
        self.route(f"{v}/debug_token", self.debug_token)
        self.route(f"{v}/me", self.me)
        self.route(f"{v}/me/permissions", self.permissions)
        self.route(f"{v}/me/accounts", self.accounts)
        self.route(f"{v}/me/businesses", self.my_businesses)
        self.route(f"{v}/<oid>/phone_numbers", self.numbers)
        self.route(f"{v}/<oid>/feed", self.feed)

    @property
    def api(self) -> str:
        return f"{self.url}/{VERSION}"

    # -- errors in Graph's shape --------------------------------------------------------------------

    def graph_error(self, why: str, code: int, subcode: int | None = None, status: int = 400) -> Response:
        error: dict[str, Any] = {"message": why, "type": "OAuthException", "code": code, "fbtrace_id": "sim"}
        if subcode is not None:
            error["error_subcode"] = subcode
        return self.refuse(why, status, {"error": error})

    def oauth_error(self, error: str, why: str, status: int = 400) -> Response:
        return self.graph_error(f"{error}: {why}", 100 if error != "invalid_client" else 101, status=status)

    def user_grant(self, request: Request) -> Grant | Response:
        grant = self.bearer(request)
        if grant is None:
            return self.graph_error("Error validating access token: Session has expired", 190, 463, 401)
        return grant

    # -- OAuth --------------------------------------------------------------------------------------

    def authorize_endpoint(self, request: Request, values: dict[str, Any]) -> Response:
        if request.args.get("code_challenge") is not None:
            return self.oauth_error("invalid_request", "PKCE is not part of this flow")
        return super().authorize_endpoint(request, values)

    def access_token(self, request: Request, _values: dict[str, Any]) -> Response:
        params = request.values
        if request.authorization is not None:
            return self.oauth_error("invalid_client", "client credentials go in the parameters")
        if params.get("client_id") != self.rules.client_id:
            return self.oauth_error("invalid_client", "Invalid Client ID")
        if params.get("client_secret") != self.rules.client_secret:
            return self.oauth_error("invalid_client", "Error validating client secret")
        if params.get("grant_type") == "fb_exchange_token":
            with self.lock:
                grant = next(
                    (g for g in self.grants if g.access_token == params.get("fb_exchange_token")), None
                )
            if grant is None or grant.revoked:
                return self.graph_error("Error validating access token", 190, 467)
            new = Grant(
                grant.user,
                grant.scopes,
                "ll-" + secrets.token_urlsafe(24),
                None,
                time.time() + LONG_LIVED,
                requested=grant.requested,
            )
            with self.lock:
                self.grants.append(new)
                self.long_lived.add(new.access_token)
            return self.json(
                {"access_token": new.access_token, "token_type": "bearer", "expires_in": LONG_LIVED}
            )
        if params.get("code_verifier"):
            return self.oauth_error("invalid_request", "code_verifier without a code challenge")
        with self.lock:
            code = self.codes.pop(params.get("code", ""), None)
        if code is None:
            return self.graph_error("This authorization code has been used", 100, 36009)
        if params.get("redirect_uri") != code["redirect_uri"]:
            return self.graph_error(
                "redirect_uri isn't identical to the one used in the OAuth dialog", 100, 36008
            )
        body = self.issue(code["user"], code["scopes"], code["requested"])
        body.pop("scope", None)  # Graph does not say which permissions were granted here
        return self.json(body)

    def debug_token(self, request: Request, _values: dict[str, Any]) -> Response:
        app_token = request.args.get("access_token") or request.headers.get("Authorization", "")[7:]
        if app_token != f"{self.rules.client_id}|{self.rules.client_secret}":
            return self.graph_error("debug_token needs the app access token", 190)
        token = request.args.get("input_token", "")
        with self.lock:
            grant = next((g for g in self.grants if g.access_token == token), None)
        now = int(time.time())
        if grant is None or grant.revoked or grant.expires_at < now:
            return self.json(
                {
                    "data": {
                        "app_id": self.rules.client_id,
                        "is_valid": False,
                        "error": {"code": 190, "subcode": 460, "message": "The session has been invalidated"},
                    }
                }
            )
        return self.json(
            {
                "data": {
                    "app_id": self.rules.client_id,
                    "type": "USER",
                    "is_valid": True,
                    "user_id": grant.user,
                    "expires_at": int(grant.expires_at),
                    "data_access_expires_at": self.data_access.setdefault(
                        grant.user, now + self.data_access_days * 86400
                    ),
                    "scopes": list(grant.scopes),
                }
            }
        )

    # -- the person's data ----------------------------------------------------------------------------

    def me(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.user_grant(request)
        if isinstance(grant, Response):
            return grant
        return self.json({"id": grant.user, "name": self.user_name})

    def permissions(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.user_grant(request)
        if isinstance(grant, Response):
            return grant
        rows = [{"permission": p, "status": "granted"} for p in grant.scopes]
        rows += [{"permission": p, "status": "declined"} for p in grant.requested if p not in grant.scopes]
        return self.paged(request, rows)

    def paged(self, request: Request, rows: list[dict[str, Any]]) -> Response:
        """Cursor paging as Graph does it: ``paging.cursors`` and a full ``paging.next`` URL."""
        start = int(request.args.get("after", "0") or 0)
        chunk = rows[start : start + PAGE_SIZE]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
            if start + PAGE_SIZE < len(rows):
                args = {**request.args.to_dict(), "after": str(start + len(chunk))}
                body["paging"]["next"] = f"{self.url}{request.path}?{urlencode(args)}"
        return self.json(body)

    def _with_token(self, p: dict[str, Any]) -> dict[str, Any]:
        token = self.page_tokens.setdefault(p["id"], f"pt-{p['id']}-" + secrets.token_urlsafe(12))
        return {**p, "access_token": token}

    def accounts(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.user_grant(request)
        if isinstance(grant, Response):
            return grant
        if "pages_show_list" not in grant.scopes:
            return self.graph_error("(#10) Requires pages_show_list permission", 10)
        wants_token = "access_token" in request.args.get("fields", "")
        return self.paged(request, [self._with_token(p) if wants_token else p for p in self.pages])

    def my_businesses(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.user_grant(request)
        if isinstance(grant, Response):
            return grant
        if "business_management" not in grant.scopes:
            return self.graph_error("(#200) Requires business_management permission", 200)
        rows = []
        for b in self.businesses:
            row: dict[str, Any] = {"id": b["id"]}
            for key in ("owned_pages", "client_pages"):
                if b.get(key):
                    row[key] = {"data": [self._with_token(p) for p in b[key]]}
            for key in ("owned_whatsapp_business_accounts", "client_whatsapp_business_accounts"):
                if b.get(key):
                    row[key] = {"data": b[key]}
            rows.append(row)
        return self.paged(request, rows)

    def numbers(self, request: Request, values: dict[str, Any]) -> Response:
        grant = self.user_grant(request)
        if isinstance(grant, Response):
            return grant
        if values["oid"] not in self.phone_numbers:
            return self.graph_error("Unsupported get request", 100, 33)
        return self.paged(request, self.phone_numbers[values["oid"]])

    def feed(self, request: Request, values: dict[str, Any]) -> Response:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else request.args.get("access_token", "")
        if token != self.page_tokens.get(values["oid"]):
            return self.graph_error("(#210) A page access token is required to request this resource", 210)
        return self.json({"data": []})
