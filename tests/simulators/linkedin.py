"""LinkedIn simulator: 3-legged OAuth (secret in the body), OpenID userinfo, versioned organizationAcls.

Follows (checked 2026-12):

* https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow — the
  authorization and ``/oauth/v2/accessToken`` (``client_id`` and ``client_secret`` in the form body,
  the redirect URI exactly as registered); access tokens 60 days, no refresh token for most apps;
* https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2 —
  ``GET /v2/userinfo`` (``sub``, ``name``);
* https://learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-access-control-by-role
  — ``GET /rest/organizationAcls?q=roleAssignee`` with ``LinkedIn-Version: YYYYMM`` and
  ``X-Restli-Protocol-Version: 2.0.0`` (missing → 400 / 426), paged with ``start``/``count``
  (``paging.total``); ``GET /rest/organizations/{id}`` (``localizedName``, ``vanityName``);
* https://learn.microsoft.com/linkedin/shared/api-guide/concepts/error-handling — 401
  ``serviceErrorCode`` 65600 invalid token; 429 throttled.

Refusals: a redirect that differs, a secret sent with HTTP Basic or missing, PKCE parameters on the
standard flow, a versioned call without its headers, a bad token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.simulators.base import OAuthRules, Simulator

MEMBER_CALLBACK = "http://127.0.0.1:8711/callback"
ORG_CALLBACK = "http://127.0.0.1:8712/callback"


@dataclass
class LinkedInSimulator(Simulator):
    rules: OAuthRules = field(
        default_factory=lambda: OAuthRules(
            client_id="li-client",
            client_auth="body",
            redirect_uris=(MEMBER_CALLBACK, ORG_CALLBACK),
            refresh=False,
            access_lifetime=60 * 86400,
        )
    )
    user: str = "abc123"
    user_name: str = "Alice Adams"
    organizations: list[dict[str, Any]] = field(default_factory=list)

    def setup(self) -> None:
        self.route("/oauth/v2/authorization", self.authorization)
        self.route("/oauth/v2/accessToken", self.token_endpoint, methods=("POST",))
        self.route("/v2/userinfo", self.userinfo)
        self.route("/rest/organizationAcls", self.acls)
        self.route("/rest/organizations/<oid>", self.organization)

    def authorization(self, request: Request, values: dict[str, Any]) -> Response:
        if request.args.get("code_challenge"):
            return self.oauth_error("invalid_request", "PKCE is only for the native flow LinkedIn enables")
        return self.authorize_endpoint(request, values)

    def token_error(self, status: int = 401) -> Response:
        return self.refuse(
            "invalid token",
            status,
            {"status": status, "serviceErrorCode": 65600, "message": "Invalid access token"},
        )

    def userinfo(self, request: Request, _values: dict[str, Any]) -> Response:
        grant = self.bearer(request)
        if grant is None:
            return self.token_error()
        return self.json({"sub": grant.user, "name": self.user_name})

    def versioned(self, request: Request) -> Response | None:
        if not request.headers.get("LinkedIn-Version", "").isdigit():
            return self.refuse("no version", 426, {"status": 426, "message": "A version must be present"})
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return self.refuse("no restli", 400, {"status": 400, "message": "Restli protocol 2.0.0 required"})
        if self.bearer(request) is None:
            return self.token_error()
        return None

    def acls(self, request: Request, _values: dict[str, Any]) -> Response:
        if (refused := self.versioned(request)) is not None:
            return refused
        if request.args.get("q") != "roleAssignee":
            return self.refuse("finder", 400, {"status": 400, "message": "q=roleAssignee required"})
        start, count = int(request.args.get("start", 0)), min(int(request.args.get("count", 2)), 2)
        elements = [
            {
                "roleAssignee": f"urn:li:person:{self.user}",
                "role": "ADMINISTRATOR",
                "state": "APPROVED",
                "organization": f"urn:li:organization:{o['id']}",
            }
            for o in self.organizations
        ]
        return self.json(
            {
                "elements": elements[start : start + count],
                "paging": {"start": start, "count": count, "total": len(elements)},
            }
        )

    def organization(self, request: Request, values: dict[str, Any]) -> Response:
        if (refused := self.versioned(request)) is not None:
            return refused
        org = next((o for o in self.organizations if str(o["id"]) == values["oid"]), None)
        if org is None:
            return self.refuse("no org", 404, {"status": 404, "message": "Not found"})
        return self.json({"id": int(org["id"]), "localizedName": org["name"], "vanityName": org["vanity"]})
