"""A strict OAuth 2.0 platform simulator on 127.0.0.1 (Werkzeug), the base of every platform's.

Each platform module (``meta``, ``x``, ``linkedin``, ``google``, ``pinterest``, ``tiktok``,
``snapchat``) configures :class:`OAuthRules` from the platform's documentation page (cited in its
docstring) and adds its API routes. The simulator REFUSES what the platform refuses — a redirect URI
that differs in any character from a registered one, a missing or misplaced client secret, a wrong
PKCE encoding, a reused or rotated-away refresh token, a missing API header — answering with the
platform's documented error shape, and records every request (:attr:`Simulator.log`) and every
refusal (:attr:`Simulator.refusals`) so that tests can assert both.

The authorize endpoint stands in for the person's consent: it validates the request and redirects
at once to the redirect URI with ``code`` and ``state`` (``decline`` lists permissions the person
unticks). Use :func:`authorize` to follow it without a browser.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[[Request, dict[str, Any]], Response]


@dataclass
class OAuthRules:
    """What the platform's token endpoint demands, as its documentation says."""

    client_id: str = "sim-client"
    client_secret: str = "sim-client-secret-0123456789"
    #: ``basic`` (HTTP Basic), ``body`` (client_secret in the form), ``none`` (public client).
    client_auth: str = "body"
    secret_required: bool = True
    #: ``S256`` (base64url), ``S256-hex`` (TikTok desktop), ``none`` (no PKCE), ``required-S256``.
    pkce: str = "none"
    #: Registered redirect URIs, matched character for character (port included).
    redirect_uris: tuple[str, ...] = ()
    #: Any port on 127.0.0.1 with this path matches (Google desktop, TikTok desktop).
    any_loopback_port: bool = False
    client_id_param: str = "client_id"
    scope_separator: str = " "
    access_lifetime: int = 3600
    #: Issue a refresh token; rotate it on every refresh (the old one then fails with invalid_grant).
    refresh: bool = True
    rotate: bool = False


@dataclass
class Grant:
    user: str
    scopes: tuple[str, ...]
    access_token: str
    refresh_token: str | None
    expires_at: float
    revoked: bool = False
    #: What the app asked for (the consent screen listed these; ``scopes`` is what was ticked).
    requested: tuple[str, ...] = ()


@dataclass
class Simulator:
    """The Werkzeug server, the request log and the OAuth state of one simulated platform."""

    rules: OAuthRules = field(default_factory=OAuthRules)
    host: str = "127.0.0.1"
    user: str = "u-1"
    #: Permissions the person unticks on the consent screen.
    decline: set[str] = field(default_factory=set)
    log: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    #: Seconds every token-endpoint answer waits (the refresh-race test widens the window).
    token_delay: float = 0.0
    #: Forced answer: (status, json body) for the next API calls matching a path prefix.
    failures: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.rules_map = Map()
        self.handlers: dict[str, Handler] = {}
        self.route("/authorize", self.authorize_endpoint, methods=("GET",))
        self.route("/token", self.token_endpoint, methods=("POST",))
        self.setup()
        self._server = make_server(self.host, 0, self._wsgi, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- wiring ---------------------------------------------------------------------------------

    def setup(self) -> None:
        """Subclasses add their routes here."""

    def route(self, path: str, handler: Handler, methods: tuple[str, ...] = ("GET",)) -> None:
        endpoint = f"e{len(self.handlers)}"
        self.handlers[endpoint] = handler
        self.rules_map.add(Rule(path, endpoint=endpoint, methods=list(methods)))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        entry = {
            "method": request.method,
            "path": request.path,
            "args": dict(request.args),
            "form": dict(request.form),
            "headers": dict(request.headers),
        }
        with self.lock:
            self.log.append(entry)
        adapter = self.rules_map.bind_to_environ(environ)
        try:
            endpoint, values = adapter.match()
        except Exception:
            return Response('{"error": "not_found"}', status=404, mimetype="application/json")(
                environ, start_response
            )
        for prefix, (status, body) in list(self.failures.items()):
            if request.path.startswith(prefix):
                return self.json(body, status)(environ, start_response)
        response = self.handlers[endpoint](request, values)
        return response(environ, start_response)

    # -- helpers ----------------------------------------------------------------------------------

    @staticmethod
    def json(body: Any, status: int = 200) -> Response:
        import json

        return Response(json.dumps(body), status=status, mimetype="application/json")

    def refuse(self, why: str, status: int, body: Any) -> Response:
        with self.lock:
            self.refusals.append(why)
        return self.json(body, status)

    def oauth_error(self, error: str, why: str, status: int = 400) -> Response:
        """RFC 6749 §5.2 shape; platforms override for theirs."""
        return self.refuse(why, status, {"error": error, "error_description": why})

    def calls(self, path: str, method: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.log if e["path"] == path and (method is None or e["method"] == method)]

    def redirect_ok(self, uri: str) -> bool:
        if uri in self.rules.redirect_uris:
            return True
        if self.rules.any_loopback_port:
            parts = urlsplit(uri)
            for registered in self.rules.redirect_uris:
                reg = urlsplit(registered)
                if parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == reg.path:
                    return parts.port is not None and not parts.query
        return False

    # -- authorize --------------------------------------------------------------------------------

    def authorize_endpoint(self, request: Request, _values: dict[str, Any]) -> Response:
        args = request.args
        rules = self.rules
        if args.get(rules.client_id_param) != rules.client_id:
            return self.oauth_error("invalid_client", f"unknown {rules.client_id_param}")
        redirect_uri = args.get("redirect_uri", "")
        if not self.redirect_ok(redirect_uri):
            return self.oauth_error("invalid_request", "redirect_uri does not match a registered one")
        if args.get("response_type") != "code":
            return self.oauth_error("unsupported_response_type", "response_type must be code")
        challenge = args.get("code_challenge")
        if rules.pkce in ("S256", "S256-hex", "required-S256"):
            if not challenge or args.get("code_challenge_method") != "S256":
                return self.oauth_error("invalid_request", "code_challenge with method S256 is required")
            if rules.pkce == "S256-hex" and not _is_hex64(challenge):
                return self.oauth_error("invalid_request", "code_challenge must be the hex SHA-256")
            if rules.pkce != "S256-hex" and (_is_hex64(challenge) or len(challenge) != 43):
                return self.oauth_error("invalid_request", "code_challenge must be base64url SHA-256")
        scopes = tuple(s for s in args.get("scope", "").replace(",", " ").split() if s)
        if rules.scope_separator == "," and " " in args.get("scope", "").strip():
            return self.oauth_error("invalid_scope", "scopes must be comma-separated")
        code = secrets.token_urlsafe(24)
        granted = tuple(s for s in scopes if s not in self.decline)
        with self.lock:
            self.codes[code] = {
                "redirect_uri": redirect_uri,
                "challenge": challenge,
                "scopes": granted,
                "requested": scopes,
                "user": self.user,
            }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{redirect_uri}?{query}"})

    # -- token ------------------------------------------------------------------------------------

    def client_authenticated(self, request: Request) -> str | None:
        """Why the client is not authenticated the platform's way (``None``: it is)."""
        rules = self.rules
        basic = request.authorization
        form = request.form
        if rules.client_auth == "basic":
            if form.get("client_secret"):
                return "client_secret must be sent with HTTP Basic, not in the body"
            if basic is None:
                if rules.secret_required:
                    return "HTTP Basic client authentication is required"
                if form.get(rules.client_id_param) != rules.client_id:
                    return "unknown client"
                return None
            if basic.username != rules.client_id or basic.password != rules.client_secret:
                return "wrong client credentials"
            return None
        if basic is not None:
            return "client credentials must be sent in the body, not with HTTP Basic"
        if form.get(rules.client_id_param) != rules.client_id:
            return f"{rules.client_id_param} is missing or unknown"
        secret = form.get("client_secret")
        if secret is None:
            return "client_secret is required" if rules.secret_required else None
        return None if secret == rules.client_secret else "wrong client_secret"

    def token_endpoint(self, request: Request, _values: dict[str, Any]) -> Response:
        if self.token_delay:
            time.sleep(self.token_delay)
        if (why := self.client_authenticated(request)) is not None:
            return self.oauth_error("invalid_client", why, 401)
        grant_type = request.form.get("grant_type")
        if grant_type == "authorization_code":
            return self.code_grant(request)
        if grant_type == "refresh_token":
            return self.refresh_grant(request)
        return self.oauth_error("unsupported_grant_type", f"grant_type {grant_type!r}")

    def code_grant(self, request: Request) -> Response:
        form = request.form
        with self.lock:
            code = self.codes.pop(form.get("code", ""), None)
        if code is None:
            return self.oauth_error("invalid_grant", "unknown or used authorization code")
        if form.get("redirect_uri") != code["redirect_uri"]:
            return self.oauth_error("invalid_grant", "redirect_uri differs from the authorize request")
        if code["challenge"]:
            verifier = form.get("code_verifier", "")
            if not verifier:
                return self.oauth_error("invalid_request", "code_verifier is required")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = (
                digest.hex()
                if self.rules.pkce == "S256-hex"
                else base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            )
            if expected != code["challenge"]:
                return self.oauth_error("invalid_grant", "code_verifier does not match the challenge")
        return self.json(self.issue(code["user"], code["scopes"], code["requested"]))

    def issue(self, user: str, scopes: tuple[str, ...], requested: tuple[str, ...] = ()) -> dict[str, Any]:
        grant = Grant(
            user=user,
            scopes=scopes,
            requested=requested,
            access_token="at-" + secrets.token_urlsafe(24),
            refresh_token=("rt-" + secrets.token_urlsafe(24)) if self.rules.refresh else None,
            expires_at=time.time() + self.rules.access_lifetime,
        )
        with self.lock:
            self.grants.append(grant)
        return self.token_answer(grant)

    def token_answer(self, grant: Grant) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": grant.access_token,
            "token_type": "bearer",
            "expires_in": self.rules.access_lifetime,
            "scope": self.rules.scope_separator.join(grant.scopes),
        }
        if grant.refresh_token:
            body["refresh_token"] = grant.refresh_token
        return body

    def refresh_grant(self, request: Request) -> Response:
        token = request.form.get("refresh_token", "")
        with self.lock:
            grant = next((g for g in self.grants if g.refresh_token == token and not g.revoked), None)
            if grant is None:
                return self.oauth_error("invalid_grant", "refresh token is invalid, used or revoked")
            grant.access_token = "at-" + secrets.token_urlsafe(24)
            grant.expires_at = time.time() + self.rules.access_lifetime
            if self.rules.rotate:
                grant.refresh_token = "rt-" + secrets.token_urlsafe(24)
            return self.json(self.token_answer(grant))

    def bearer(self, request: Request) -> Grant | None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else request.args.get("access_token", "")
        with self.lock:
            grant = next((g for g in self.grants if g.access_token == token), None)
        if grant is None or grant.revoked or grant.expires_at < time.time():
            return None
        return grant

    def revoke_user(self) -> None:
        """The person withdrew the app (or changed the password): every grant stops working."""
        with self.lock:
            for g in self.grants:
                g.revoked = True


def _is_hex64(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def authorize(url: str) -> str:
    """Follow a sign-in URL as the consenting person: the redirect URL with ``code`` and ``state``."""
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, (response.status_code, response.text)
    return response.headers["Location"]


def refused(url: str) -> dict[str, Any]:
    """A sign-in URL the simulator must refuse: its error answer."""
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 400, (response.status_code, response.headers)
    body: dict[str, Any] = response.json()
    return body


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@contextmanager
def running(sim: Simulator) -> Iterator[Simulator]:
    try:
        yield sim
    finally:
        sim.stop()
