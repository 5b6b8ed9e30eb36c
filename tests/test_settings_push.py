"""Pushing saved settings to a platform, played by a real HTTP server on 127.0.0.1 (http.server in a thread).

The server answers as told: 200, 500, 401, or too late (a time-out). A failed push keeps the local version and
records why; a push without an active connection or without a token waits (pending) and says why.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from socialdesk.models.catalogue import ConnectionType, GrantState, Role
from socialdesk.models.schema import AuditEntry, Grant, PlatformSettings
from socialdesk.services import flows, settings
from socialdesk.services.rules import Actor
from socialdesk.services.settings import SyncState
from socialdesk.services.settings_push import push, push_pending, workspace_credentials
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace
from tests import factory

TOKEN = "s3cr3t-access-token-for-tests"


@dataclass
class Platform:
    """What the stand-in platform answers next, and what it received."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    delay: float = 0.0
    during: Callable[[], object] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def platform_server() -> Iterator[tuple[Platform, str]]:
    state = Platform()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            payload = json.loads(self.rfile.read(length))
            state.received.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "json": payload}
            )
            if state.during is not None:
                state.during()
            if state.delay:
                time.sleep(state.delay)
            data = json.dumps(state.body).encode()
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (time-out test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Setup:
    ws: Workspace
    admin: Actor
    profile_id: int
    platform_id: str


def _setup(
    workspace: Workspace, platform: str, kind: str, ctype: ConnectionType | None, state: GrantState
) -> Setup:
    with workspace.session() as s:
        admin = factory.member(s, "Ada Admin", Role.ADMINISTRATOR, me=True)
        p = factory.profile(s, platform, kind, owners=(admin,))
        if ctype is not None:
            factory.connect(s, p, ctype, (admin, state))
        actor = factory.actor(admin)
        flows.create(s, actor, "Welcome")
        assert p.platform_id is not None
        return Setup(workspace, actor, p.id, p.platform_id)


@pytest.fixture
def x_account(workspace: Workspace) -> Setup:
    return _setup(workspace, "x", "account", ConnectionType.PUBLISHING, GrantState.ACTIVE)


def creds(base_url: str) -> Callable[[int], tuple[str, str] | None]:
    return lambda profile_id: (base_url, TOKEN)


def save(setup: Setup, **changes: Any) -> settings.Saved:
    with setup.ws.session() as s:
        return settings.save(s, setup.admin, setup.profile_id, changes)


def row(setup: Setup) -> PlatformSettings:
    with setup.ws.session() as s:
        found = s.get(PlatformSettings, setup.profile_id)
        assert found is not None
        return found


WELCOME = {"welcome_message": "Hi there", "quick_replies": [{"label": "Start", "flow": "welcome"}]}


def test_a_saved_change_is_pushed(x_account: Setup, platform_server: tuple[Platform, str]) -> None:
    server, base = platform_server
    saved = save(x_account, color="#111111", bio="Help at https://example.com", **WELCOME)
    assert saved.settings.sync_state is SyncState.PENDING
    outcome = push(x_account.ws, x_account.profile_id, creds(base))
    assert outcome.state is SyncState.SYNCED and outcome.reason is None
    (request,) = server.received
    assert request["path"] == f"/api/x/accounts/{x_account.platform_id}/settings"
    assert request["auth"] == f"Bearer {TOKEN}"
    sent = request["json"]
    assert sent["platform"] == "x" and sent["platform_id"] == x_account.platform_id
    assert sent["settings"]["welcome_message"] == "Hi there"
    assert sent["settings"]["quick_replies"] == [{"label": "Start", "flow": "Welcome"}]
    assert "color" not in sent["settings"]  # in-app only
    stored = row(x_account)
    assert stored.sync_state == "synced" and stored.sync_error is None and stored.pushed_at is not None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            500,
            {"error": {"message": "Internal trouble"}},
            "X/Twitter had a server error (HTTP 500: Internal trouble)",
        ),
        (
            401,
            {"message": f"token {TOKEN} is invalid"},
            "X/Twitter refused the access token (HTTP 401: token *** is",
        ),
        (
            400,
            {"error": "welcome_message too long"},
            "X/Twitter refused the settings (HTTP 400: welcome_message",
        ),
    ],
)
def test_a_failing_platform_keeps_the_local_version_and_says_why(
    x_account: Setup, platform_server: tuple[Platform, str], status: int, body: dict[str, Any], expected: str
) -> None:
    server, base = platform_server
    server.status, server.body = status, body
    save(x_account, **WELCOME)
    outcome = push(x_account.ws, x_account.profile_id, creds(base))
    assert outcome.state is SyncState.FAILED
    assert outcome.reason is not None and outcome.reason.startswith(expected), outcome.reason
    stored = row(x_account)
    assert stored.sync_state == "failed" and stored.sync_error == outcome.reason
    assert TOKEN not in (stored.sync_error or "")
    with x_account.ws.session() as s:
        shown = settings.load(s, x_account.profile_id)
        assert shown.values["welcome_message"] == "Hi there"  # the local version is kept
        assert s.query(AuditEntry).filter_by(action="settings_push_failed").count() == 1
    # A later retry, once the platform is well again, pushes it.
    server.status, server.body = 200, {}
    (retried,) = push_pending(x_account.ws, creds(base))
    assert retried.state is SyncState.SYNCED and row(x_account).sync_error is None


def test_a_platform_that_does_not_answer_in_time(
    x_account: Setup, platform_server: tuple[Platform, str]
) -> None:
    server, base = platform_server
    server.delay = 1.5
    save(x_account, **WELCOME)
    started = time.perf_counter()
    outcome = push(x_account.ws, x_account.profile_id, creds(base), timeout=(2.0, 0.3))
    assert time.perf_counter() - started < 1.4
    assert outcome.state is SyncState.FAILED
    assert outcome.reason == "X/Twitter did not answer within 0.3 s; retry later"
    assert row(x_account).sync_error == outcome.reason
    with x_account.ws.session() as s:
        assert settings.load(s, x_account.profile_id).values["welcome_message"] == "Hi there"


def test_offline_stays_pending(x_account: Setup) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    save(x_account, **WELCOME)
    outcome = push(x_account.ws, x_account.profile_id, creds(f"http://127.0.0.1:{port}"), timeout=2.0)
    assert outcome.state is SyncState.PENDING
    assert outcome.reason is not None and "could not reach X/Twitter" in outcome.reason
    assert row(x_account).sync_state == "pending"


@pytest.mark.parametrize("state", [GrantState.EXPIRED, None])
def test_no_valid_connection_waits_without_calling_the_platform(
    workspace: Workspace, platform_server: tuple[Platform, str], state: GrantState | None
) -> None:
    server, base = platform_server
    setup = _setup(
        workspace, "x", "account", ConnectionType.PUBLISHING if state else None, state or GrantState.ACTIVE
    )
    save(setup, **WELCOME)
    outcome = push(setup.ws, setup.profile_id, creds(base))
    assert outcome.state is SyncState.PENDING
    assert outcome.reason is not None and "waiting for an active Publishing connection" in outcome.reason
    assert server.received == []
    assert row(setup).sync_error == outcome.reason


def test_no_token_on_this_computer_waits(x_account: Setup, platform_server: tuple[Platform, str]) -> None:
    server, _ = platform_server
    save(x_account, **WELCOME)
    outcome = push(x_account.ws, x_account.profile_id, lambda pid: None)
    assert outcome.state is SyncState.PENDING and "no X/Twitter access token" in (outcome.reason or "")
    assert server.received == []


def test_whatsapp_needs_messaging(workspace: Workspace, platform_server: tuple[Platform, str]) -> None:
    server, base = platform_server
    setup = _setup(workspace, "whatsapp", "business_account", ConnectionType.MESSAGING, GrantState.ACTIVE)
    save(setup, address="1 Harbour Street", description="Care", vertical="Restaurant", about="Open daily")
    outcome = push(setup.ws, setup.profile_id, creds(base))
    assert outcome.state is SyncState.SYNCED
    (request,) = server.received
    assert request["path"] == f"/api/whatsapp/accounts/{setup.platform_id}/business_profile"
    assert request["json"]["settings"]["vertical"] == "RESTAURANT"


def test_live_chat_and_in_app_settings_are_local(
    workspace: Workspace, platform_server: tuple[Platform, str]
) -> None:
    server, base = platform_server
    setup = _setup(workspace, "live_chat", "widget", None, GrantState.ACTIVE)
    saved = save(setup, allowlisted_domains=["https://www.example.com"], start_flow="Welcome")
    assert saved.settings.sync_state is SyncState.LOCAL
    assert push(setup.ws, setup.profile_id, creds(base)).state is SyncState.LOCAL
    assert server.received == []


def test_in_app_only_changes_do_not_make_a_push_pending(x_account: Setup) -> None:
    save(x_account, **WELCOME)
    with x_account.ws.session() as s:
        s.get(PlatformSettings, x_account.profile_id).sync_state = "synced"  # type: ignore[union-attr]
    saved = save(x_account, color="#222222", attach_quick_replies=True, attached_quick_replies=[])
    assert saved.changed == ("color", "attach_quick_replies")
    assert saved.settings.sync_state is SyncState.SYNCED
    assert save(x_account, name="Contoso").settings.sync_state is SyncState.PENDING


def test_a_change_saved_during_the_push_stays_pending(
    x_account: Setup, platform_server: tuple[Platform, str]
) -> None:
    server, base = platform_server
    save(x_account, **WELCOME)
    server.during = lambda: save(x_account, welcome_message="Newer text")
    outcome = push(x_account.ws, x_account.profile_id, creds(base))
    assert outcome.state is SyncState.PENDING and "changed while" in (outcome.reason or "")
    assert row(x_account).sync_state == "pending"
    server.during = None
    assert push(x_account.ws, x_account.profile_id, creds(base)).state is SyncState.SYNCED
    assert server.received[-1]["json"]["settings"]["welcome_message"] == "Newer text"


def test_credentials_from_providers_toml_and_the_keyring(
    x_account: Setup, platform_server: tuple[Platform, str]
) -> None:
    """The command line's credentials: api_base_url from providers.toml, the token from the token store."""
    server, base = platform_server
    (x_account.ws.data_dir / "providers.toml").write_text(
        f'[providers.x]\napi_base_url = "{base}"\n', encoding="utf-8"
    )
    store = TokenStore(x_account.ws.workspace_id)
    ref = TokenStore.new_ref()
    store.save(ref, TokenSet(access_token=TOKEN))
    with x_account.ws.session() as s:
        for grant in s.query(Grant).all():
            grant.token_ref = ref
    try:
        save(x_account, **WELCOME)
        outcome = push(x_account.ws, x_account.profile_id, workspace_credentials(x_account.ws, tokens=store))
        assert outcome.state is SyncState.SYNCED, outcome.reason
        assert server.received[0]["auth"] == f"Bearer {TOKEN}"
    finally:
        store.delete(ref)


def test_broken_providers_file_waits_with_the_reason(x_account: Setup, tmp_path: Path) -> None:
    (x_account.ws.data_dir / "providers.toml").write_text("[providers.x\n", encoding="utf-8")
    with x_account.ws.session() as s:
        for grant in s.query(Grant).all():
            grant.token_ref = "token:nowhere"
    save(x_account, **WELCOME)
    outcome = push(x_account.ws, x_account.profile_id, workspace_credentials(x_account.ws))
    assert outcome.state is SyncState.PENDING and "providers.toml" in (outcome.reason or "")
