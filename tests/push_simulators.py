"""Strict simulators of the platforms' profile APIs, on 127.0.0.1 (Werkzeug), for the push tests.

Each accepts only the documented method, path, token kind and body, and answers anything else as the
platform would refuse it — and records it in ``violations``, which the fixtures assert empty, so a push
that sends anything undocumented fails its test. Programmed answers (``answer_next``) play the
documented errors.

* :class:`GraphSimulator` follows the Messenger Profile API
  (https://developers.facebook.com/docs/messenger-platform/reference/messenger-profile-api/ and its
  ``ice_breakers`` and ``persistent_menu`` references: Page token with ``pages_messaging``; ``greeting``
  ≤160, ``ice_breakers`` ≤4 with a ``default`` locale, ``persistent_menu`` needs ``get_started``;
  ``DELETE`` with ``{"fields": [...]}``; ``{"result": "success"}``), Instagram ice breakers
  (https://developers.facebook.com/docs/messenger-platform/instagram/features/ice-breakers:
  ``/me/messenger_profile?platform=instagram``, Page token), the WhatsApp business profile
  (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/business-profiles:
  ``messaging_product`` required, ``about`` 1–139 and never empty, address ≤256, description ≤512,
  email ≤128, ``vertical`` from the enum, ≤2 websites ≤256), the Resumable Upload API
  (https://developers.facebook.com/docs/graph-api/resumable-upload-api: ``POST /{app-id}/uploads``
  then ``POST /upload:…`` with ``Authorization: OAuth`` and ``file_offset``) and Graph errors
  (https://developers.facebook.com/docs/graph-api/guides/error-handling/: 190, 4/17/32/613, 100).
* :class:`XSimulator` follows https://docs.x.com/x-api/users/update-profile (``PUT /2/users/me``,
  ``name`` ≤50, ``description`` ≤160, ``url``, ``location`` ≤30; Bearer user token; 401, 429 with
  ``x-rate-limit-reset``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

WHATSAPP_VERTICALS = frozenset(
    [
        "UNDEFINED",
        "OTHER",
        "AUTO",
        "BEAUTY",
        "APPAREL",
        "EDU",
        "ENTERTAIN",
        "EVENT_PLAN",
        "FINANCE",
        "GROCERY",
        "GOVT",
        "HOTEL",
        "HEALTH",
        "NONPROFIT",
        "PROF_SERVICES",
        "RETAIL",
        "TRAVEL",
        "RESTAURANT",
        "NOT_A_BIZ",
    ]
)
MESSENGER_FIELDS = frozenset({"greeting", "get_started", "ice_breakers", "persistent_menu"})


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    data: bytes


@dataclass
class Canned:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Refused(Exception):
    def __init__(self, status: int, code: int, message: str, violation: bool = True) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.violation = status, code, message, violation


class _Base:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.canned: list[Canned] = []
        self.lock = threading.Lock()
        self.base_url = ""
        #: Cleared: every answer waits until it is set again (a platform that is slow to answer).
        self.gate = threading.Event()
        self.gate.set()

    def answer_next(
        self, status: int, body: Any, headers: dict[str, str] | None = None, delay: float = 0
    ) -> None:
        """The next call (after its checks pass) gets this answer instead of success."""
        self.canned.append(Canned(status, body, headers or {}, delay))

    def calls(self, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if method is None or r.method == method]

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        raw = request.get_data()
        try:
            parsed = json.loads(raw) if raw and "json" in (request.content_type or "") else None
        except ValueError:
            parsed = None
        # Every header as sent: WSGI servers drop names with "_" (Meta's upload needs ``file_offset``).
        headers = dict(environ.get("raw_headers") or request.headers)
        record = Recorded(request.method, request.path, dict(request.args), headers, parsed, raw)
        with self.lock:
            self.requests.append(record)
        self.gate.wait(20)
        try:
            body, status, headers = self.handle(request, record)
            with self.lock:
                canned = self.canned.pop(0) if self.canned else None
            if canned is not None:
                if canned.delay:
                    time.sleep(canned.delay)
                body, status, headers = canned.body, canned.status, canned.headers
        except _Refused as exc:
            if exc.violation:
                self.violations.append(f"{request.method} {request.path}: {exc.message}")
            body, status, headers = self.error_body(exc), exc.status, {}
        response = Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        return response(environ, start_response)

    def handle(self, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        raise NotImplementedError

    def error_body(self, exc: _Refused) -> Any:
        raise NotImplementedError


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer ") :]
    return request.args.get("access_token")


class GraphSimulator(_Base):
    """Facebook pages, Instagram accounts (through their Page) and WhatsApp numbers on the Graph API."""

    def __init__(self) -> None:
        super().__init__()
        #: page id -> Page token; the Page's Messenger profile as set
        self.page_tokens: dict[str, str] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        #: Instagram account id -> the id of its Page
        self.instagram_pages: dict[str, str] = {}
        self.instagram_profiles: dict[str, dict[str, Any]] = {}
        #: user / system user tokens, WhatsApp numbers and their business profiles
        self.user_tokens: set[str] = set()
        self.numbers: dict[str, dict[str, Any]] = {}
        self.app_id = "777000111"
        self.uploads: dict[str, tuple[int, str]] = {}
        self.handles: set[str] = set()

    def error_body(self, exc: _Refused) -> Any:
        return {
            "error": {
                "message": exc.message,
                "type": "OAuthException",
                "code": exc.code,
                "fbtrace_id": "Ab12Cd34",
            }
        }

    # -- dispatch -----------------------------------------------------------------------------

    def handle(self, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        parts = request.path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "messenger_profile":
            if parts[0] == "me":
                return self._instagram(request, record)
            return self._messenger(parts[0], request, record)
        if len(parts) == 2 and parts[1] == "whatsapp_business_profile":
            return self._whatsapp(parts[0], request, record)
        if len(parts) == 2 and parts[0] == self.app_id and parts[1] == "uploads":
            return self._open_upload(request)
        if len(parts) == 1 and parts[0].startswith("upload:"):
            return self._upload(parts[0], request, record)
        raise _Refused(400, 100, f"Unknown path components: /{request.path.strip('/')}")

    def _page_of_token(self, request: Request) -> str:
        token = _bearer(request)
        if token in self.user_tokens:
            raise _Refused(400, 210, "(#210) A page access token is required to request this resource.")
        for page, page_token in self.page_tokens.items():
            if token == page_token:
                return page
        raise _Refused(400, 190, "Invalid OAuth access token - Cannot parse access token")

    # -- Messenger profile ----------------------------------------------------------------------

    def _messenger(self, page: str, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        if self._page_of_token(request) != page:
            raise _Refused(400, 190, "The access token does not belong to this Page")
        body = record.json
        if not isinstance(body, dict):
            raise _Refused(400, 100, "(#100) The request body must be JSON")
        profile = self.profiles.setdefault(page, {})
        if request.method == "DELETE":
            return self._delete(body, profile, MESSENGER_FIELDS)
        if request.method != "POST":
            raise _Refused(400, 100, f"Unsupported {request.method} request")
        unknown = set(body) - MESSENGER_FIELDS
        if unknown or not body:
            raise _Refused(400, 100, f"(#100) Invalid keys {sorted(unknown)} / empty request")
        if "greeting" in body:
            _locale_list(body["greeting"], lambda g: _text(g, "text", 160) and set(g) == {"locale", "text"})
        if "get_started" in body:
            gs = body["get_started"]
            if not (isinstance(gs, dict) and set(gs) == {"payload"} and _text(gs, "payload", 1000)):
                raise _Refused(400, 100, "(#100) get_started must be {payload}")
        if "ice_breakers" in body:
            _ice_breakers(body["ice_breakers"])
        if "persistent_menu" in body:
            _locale_list(body["persistent_menu"], _menu)
            if "get_started" not in body and "get_started" not in profile:
                raise _Refused(400, 100, "(#100) Persistent menu requires the Get Started button")
        profile.update(body)
        return {"result": "success"}, 200, {}

    def _delete(self, body: dict[str, Any], profile: dict[str, Any], allowed: frozenset[str]) -> Any:
        fields = body.get("fields")
        extra = set(body) - {"fields", "platform"}
        if extra or not isinstance(fields, list) or not fields or not set(fields) <= allowed:
            raise _Refused(400, 100, f"(#100) DELETE takes {{fields: [...]}} of {sorted(allowed)}")
        for name in fields:
            profile.pop(name, None)
        return {"result": "success"}, 200, {}

    # -- Instagram ------------------------------------------------------------------------------

    def _instagram(self, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        if request.args.get("platform") != "instagram":
            raise _Refused(400, 100, "(#100) platform=instagram is required for Instagram ice breakers")
        page = self._page_of_token(request)
        account = next((ig for ig, p in self.instagram_pages.items() if p == page), None)
        if account is None:
            raise _Refused(400, 100, "The Page has no Instagram professional account")
        body = record.json
        if not isinstance(body, dict) or body.get("platform", "instagram") != "instagram":
            raise _Refused(400, 100, "(#100) body must be JSON with platform instagram")
        profile = self.instagram_profiles.setdefault(account, {})
        if request.method == "DELETE":
            return self._delete(body, profile, frozenset({"ice_breakers"}))
        if request.method != "POST" or set(body) - {"platform", "ice_breakers"} or "ice_breakers" not in body:
            raise _Refused(400, 100, "(#100) Instagram's messenger profile takes ice_breakers only")
        _ice_breakers(body["ice_breakers"])
        profile["ice_breakers"] = body["ice_breakers"]
        return {"result": "success"}, 200, {}

    # -- WhatsApp -------------------------------------------------------------------------------

    def _user_token(self, request: Request, *, scheme: str = "Bearer") -> None:
        auth = request.headers.get("Authorization", "")
        token = auth[len(scheme) + 1 :] if auth.startswith(f"{scheme} ") else request.args.get("access_token")
        if token in self.page_tokens.values():
            raise _Refused(400, 100, "A Page token cannot manage WhatsApp Business accounts")
        if token not in self.user_tokens:
            raise _Refused(400, 190, "Invalid OAuth access token - Cannot parse access token")

    def _whatsapp(self, number: str, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        self._user_token(request)
        if number not in self.numbers:
            raise _Refused(400, 100, f"Unsupported post request. Object with ID '{number}' does not exist")
        body = record.json
        if request.method != "POST" or not isinstance(body, dict):
            raise _Refused(400, 100, "Unsupported request: POST a JSON business profile")
        if body.get("messaging_product") != "whatsapp":
            raise _Refused(400, 100, "(#100) The parameter messaging_product is required.")
        allowed = {
            "messaging_product",
            "about",
            "address",
            "description",
            "email",
            "vertical",
            "websites",
            "profile_picture_handle",
        }
        if set(body) - allowed:
            raise _Refused(
                400, 100, f"(#100) Param {sorted(set(body) - allowed)[0]} is not a valid parameter"
            )
        if "about" in body and not (isinstance(body["about"], str) and 1 <= len(body["about"]) <= 139):
            raise _Refused(400, 100, "(#100) Param about must be between 1 and 139 characters")
        for key, limit in (("address", 256), ("description", 512), ("email", 128)):
            if key in body and not (isinstance(body[key], str) and len(body[key]) <= limit):
                raise _Refused(400, 100, f"(#100) Param {key} must be at most {limit} characters")
        if "vertical" in body and body["vertical"] not in WHATSAPP_VERTICALS:
            raise _Refused(400, 100, "(#100) Param vertical must be one of the enum values")
        sites = body.get("websites", [])
        if not (
            isinstance(sites, list)
            and len(sites) <= 2
            and all(
                isinstance(w, str) and len(w) <= 256 and w.startswith(("http://", "https://")) for w in sites
            )
        ):
            raise _Refused(400, 100, "(#100) Param websites: at most 2 URLs of at most 256 characters")
        if "profile_picture_handle" in body and body["profile_picture_handle"] not in self.handles:
            raise _Refused(400, 100, "(#100) Invalid profile_picture_handle")
        self.numbers[number].update({k: v for k, v in body.items() if k != "messaging_product"})
        return {"success": True}, 200, {}

    def _open_upload(self, request: Request) -> tuple[Any, int, dict[str, str]]:
        self._user_token(request)
        if request.method != "POST":
            raise _Refused(400, 100, "Open an upload session with POST")
        length, kind = request.args.get("file_length", ""), request.args.get("file_type", "")
        if not length.isdigit() or kind not in (
            "image/jpeg",
            "image/jpg",
            "image/png",
            "application/pdf",
            "video/mp4",
        ):
            raise _Refused(400, 100, "(#100) file_length and a valid file_type are required")
        session = f"upload:{uuid.uuid4().hex}"
        self.uploads[session] = (int(length), kind)
        return {"id": session}, 200, {}

    def _upload(self, session: str, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        self._user_token(request, scheme="OAuth")
        if request.method != "POST" or session not in self.uploads:
            raise _Refused(400, 100, "Unknown upload session")
        if record.headers.get("file_offset") != "0":
            raise _Refused(400, 100, "The file_offset header is required")
        length, _kind = self.uploads[session]
        if len(record.data) != length:
            raise _Refused(400, 100, f"Expected {length} bytes, got {len(record.data)}")
        handle = f"4::{uuid.uuid4().hex}"
        self.handles.add(handle)
        return {"h": handle}, 200, {}


def _text(obj: Any, key: str, limit: int) -> bool:
    value = obj.get(key) if isinstance(obj, dict) else None
    return isinstance(value, str) and 0 < len(value) <= limit


def _locale_list(value: Any, item_ok: Any) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise _Refused(400, 100, "(#100) expected a list of locale objects")
    if not any(v.get("locale") == "default" for v in value):
        raise _Refused(400, 100, "(#100) the default locale is required")
    for v in value:
        if not item_ok(v):
            raise _Refused(400, 100, f"(#100) invalid item {v!r}")


def _ice_breakers(value: Any) -> None:
    def ok(v: dict[str, Any]) -> bool:
        actions = v.get("call_to_actions")
        if set(v) != {"locale", "call_to_actions"} or not isinstance(actions, list):
            return False
        if len(actions) > 4:
            raise _Refused(400, 100, "(#100) A maximum of 4 ice breakers can be set")
        return all(
            isinstance(a, dict)
            and set(a) == {"question", "payload"}
            and _text(a, "question", 80)
            and _text(a, "payload", 1000)
            for a in actions
        )

    _locale_list(value, ok)


def _menu(v: dict[str, Any]) -> bool:
    actions = v.get("call_to_actions")
    if not set(v) <= {"locale", "composer_input_disabled", "call_to_actions"} or not isinstance(
        actions, list
    ):
        return False
    return 0 < len(actions) <= 20 and all(
        isinstance(a, dict)
        and a.get("type") == "postback"
        and set(a) == {"type", "title", "payload"}
        and _text(a, "title", 30)
        and _text(a, "payload", 1000)
        for a in actions
    )


class XSimulator(_Base):
    """X's ``PUT /2/users/me`` for one account."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.user: dict[str, Any] = {"id": "2244994945", "name": "Old name", "username": "acme"}

    def error_body(self, exc: _Refused) -> Any:
        return {
            "title": "Invalid Request",
            "detail": exc.message,
            "type": "https://api.x.com/2/problems/invalid-request",
            "status": exc.status,
        }

    def handle(self, request: Request, record: Recorded) -> tuple[Any, int, dict[str, str]]:
        if request.path != "/2/users/me" or request.method != "PUT":
            raise _Refused(404, 0, f"{request.method} {request.path} is not an X API endpoint")
        if _bearer(request) not in self.tokens or "access_token" in request.args:
            raise _Refused(401, 0, "Unauthorized")
        body = record.json
        allowed = {"name", "description", "url", "location"}
        if not isinstance(body, dict) or not body or set(body) - allowed:
            raise _Refused(400, 0, f"The body takes only {sorted(allowed)}")
        limits = {"name": 50, "description": 160, "location": 30, "url": 100}
        for key, value in body.items():
            if not isinstance(value, str) or len(value) > limits[key] or (key == "name" and not value):
                raise _Refused(400, 0, f"{key} is not valid")
        if body.get("url") and not body["url"].startswith(("http://", "https://")):
            raise _Refused(400, 0, "url is not valid")
        self.user.update(body)
        return {"data": dict(self.user)}, 200, {}


class _RawHeaders(WSGIRequestHandler):
    """Keeps the headers exactly as sent (``environ["raw_headers"]``), underscores included."""

    def make_environ(self) -> Any:
        environ = super().make_environ()
        environ["raw_headers"] = dict(self.headers.items())
        return environ

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def serve(app: _Base) -> Iterator[_Base]:
    """Run ``app`` on a free loopback port for the test's duration."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_RawHeaders)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
