"""Tokens live only in the OS keyring — a real Secret Service (gnome-keyring) under scripts/test.sh.

Proves: tokens issued by the test server appear nowhere in the workspace folder, the log output,
the exports or error messages; two workspaces never see each other's tokens; without a usable
keyring the store says so clearly and keeps tokens for this session only.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import SecretService, fail

from socialdesk.cli import main
from socialdesk.models.catalogue import ConnectionType
from socialdesk.services import discovery, health, redact, tokens
from socialdesk.services.clock import utcnow
from socialdesk.services.oauth import AuthorizationFailed
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import OAuthWorkspace, sign_in_over_http  # noqa: E402

pytest_plugins = ("tests.oauth_server",)

PUB = ConnectionType.PUBLISHING
OPT_OUT = "SOCIALDESK_ALLOW_NO_KEYRING"


@pytest.fixture
def secret_service() -> None:
    """These tests need the real Secret Service that scripts/test.sh provides (fail, or skip on opt-out)."""
    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        reason = f"the keyring backend is {name}, not the Secret Service"
        if os.environ.get(OPT_OUT) == "1":
            pytest.skip(f"{reason} ({OPT_OUT}=1)")
        pytest.fail(f"{reason}: run these tests with scripts/test.sh", pytrace=False)


@pytest.fixture
def keyring_backend() -> Iterator[Any]:
    """Replace the process's keyring for one test and always put the original back."""
    original = keyring.get_keyring()
    try:
        yield keyring.set_keyring
    finally:
        keyring.set_keyring(original)


def test_token_round_trip_in_the_real_keyring_named_per_workspace(
    secret_service: None, workspace: Workspace
) -> None:
    store = TokenStore(workspace.workspace_id)
    assert store.available and store.warning is None
    assert "SecretService" in store.backend_name
    ref = store.new_ref()
    issued = TokenSet(
        "access-abcdef123456", "refresh-abcdef123456", utcnow() + timedelta(hours=1), scopes=("a", "b")
    )
    try:
        store.save(ref, issued)
        assert TokenStore(workspace.workspace_id).load(ref) == issued
        raw = keyring.get_password(f"SocialDesk/{workspace.workspace_id}", ref)
        assert raw is not None and "refresh-abcdef123456" in raw  # really in the OS keyring
        assert store.write_times_ms
    finally:
        store.delete(ref)
    assert store.load(ref) is None
    assert "access-abcdef123456" not in repr(issued)


def test_two_workspaces_never_see_each_others_tokens(secret_service: None, tmp_path: Path) -> None:
    a = Workspace.open(tmp_path / "a", create=True)
    b = Workspace.open(tmp_path / "b", create=True)
    try:
        assert a.workspace_id != b.workspace_id
        store_a, store_b = TokenStore(a.workspace_id), TokenStore(b.workspace_id)
        ref = store_a.new_ref()
        store_a.save(ref, TokenSet("only-for-workspace-a-123"))
        store_a.set_client_secret("x", "secret-of-workspace-a")
        try:
            assert store_b.load(ref) is None
            assert store_b.client_secret("x") is None
            assert store_a.client_secret("x") == "secret-of-workspace-a"
            loaded = store_a.load(ref)
            assert loaded is not None and loaded.access_token == "only-for-workspace-a-123"
        finally:
            store_a.delete(ref)
            store_a.set_client_secret("x", None)
    finally:
        a.close()
        b.close()


def _files_containing(folder: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {s[:6]}…" for s in secrets if s.encode() in data]
    return found


def test_tokens_appear_nowhere_in_the_workspace_logs_exports_or_messages(
    secret_service: None,
    oauth_ws: OAuthWorkspace,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # requests-oauthlib logs request and response bodies at DEBUG
    log_file = tmp_path / "socialdesk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    messages: list[str] = []
    try:
        service = oauth_ws.service
        request = service.begin("x", [PUB])
        url = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
        code = parse_qs(urlsplit(url).query)["code"][0]
        issued = service.complete(request, url)
        found = discovery.discover(service, "x", issued)
        record = discovery.record_sign_in(
            oauth_ws.workspace,
            oauth_ws.store,
            service.provider("x"),
            member_id=oauth_ws.me_id,
            types=[PUB],
            tokens=issued,
            discovery=found,
        )
        logging.getLogger("socialdesk.test").debug("token dict %s", {"access_token": issued.access_token})
        report = health.run_health_check(oauth_ws.workspace, service, now=utcnow() + timedelta(hours=2))
        assert [c.change for c in report.changes] == ["refreshed"]
        refreshed = oauth_ws.store.load(record.token_ref)
        assert refreshed is not None and refreshed.refresh_token
        oauth_ws.server.revoke_user("alice")
        try:
            service.verify("x", refreshed)
        except AuthorizationFailed as exc:
            messages += [str(exc), exc.detail, repr(exc)]
        report = health.run_health_check(oauth_ws.workspace, service)
        messages += report.lines()
        data_dir = str(oauth_ws.data_dir)
        for args in (
            ["profiles", "--format", "json"],
            ["profiles", "--format", "csv"],
            ["notifications", "--format", "json"],
            ["groups", "export", "--format", "csv", "--output", str(oauth_ws.data_dir / "groups.csv")],
            ["groups", "export", "--format", "xlsx", "--output", str(oauth_ws.data_dir / "groups.xlsx")],
            ["check"],
        ):
            assert main(["--data-dir", data_dir, *args]) == 0, args
        captured = capsys.readouterr()
        messages += [captured.out, captured.err]
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    secrets = [
        s
        for s in (
            issued.access_token,
            issued.refresh_token,
            refreshed.access_token,
            refreshed.refresh_token,
            code,
            request.code_verifier,
            issued.id_token,
        )
        if s
    ]
    assert len(secrets) >= 6
    assert (oauth_ws.data_dir / "groups.xlsx").exists()
    assert _files_containing(oauth_ws.data_dir, secrets) == []
    log_text = caplog.text + log_file.read_text(encoding="utf-8")
    assert '"POST /token HTTP/1.1" 200' in log_text  # the debug lines were there, scrubbed
    assert redact.MASK in log_text
    for secret in secrets:
        assert secret not in log_text
        assert all(secret not in m for m in messages)


def test_without_a_keyring_it_says_so_once_and_keeps_tokens_for_this_session_only(
    keyring_backend: Any,
    workspace: Workspace,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_warned", False)
    keyring_backend(fail.Keyring())
    caplog.set_level(logging.WARNING)
    store = TokenStore(workspace.workspace_id)
    assert store.available is False
    assert store.warning is not None
    assert "kept only until SocialDesk closes" in store.warning
    assert "GNOME Keyring" in store.warning and "KWallet" in store.warning
    ref = store.new_ref()
    store.save(ref, TokenSet("session-only-token-123456"))
    again = TokenStore(workspace.workspace_id)  # later in the same session
    loaded = again.load(ref)
    assert loaded is not None and loaded.access_token == "session-only-token-123456"
    assert again.available is False
    assert [r.getMessage() for r in caplog.records].count(store.warning) == 1  # said once
    assert _files_containing(workspace.data_dir, ["session-only-token-123456"]) == []
    assert not (Path.home() / ".local/share/python_keyring").exists()
    store.delete(ref)


def test_check_without_a_keyring_shows_the_message_and_changes_nothing(
    secret_service: None, keyring_backend: Any, oauth_ws: OAuthWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    oauth_ws.connect("x", [PUB])  # the token went to the real keyring
    keyring_backend(fail.Keyring())
    assert main(["--data-dir", str(oauth_ws.data_dir), "check"]) == 0
    out = capsys.readouterr().out
    assert "Note: Tokens are kept only until SocialDesk closes" in out
    assert "missing from this computer's keyring" in out
    assert "No grant changed state." in out


def _fake_backends() -> tuple[type[keyring.backend.KeyringBackend], type[keyring.backend.KeyringBackend]]:
    """Backends SocialDesk must refuse. Made only inside a test, after ``keyring`` chose its default:
    every subclass of KeyringBackend registers itself, and one defined at import time would turn the
    default into a chainer for the whole test session."""
    keyring.get_keyring()

    class PlaintextKeyring(keyring.backend.KeyringBackend):
        """Stands in for keyrings.alt's plaintext file store."""

        priority = 5  # type: ignore[assignment]

        def __init__(self) -> None:
            self.data: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.data.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.data[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.data.pop((service, username), None)

    class LockedKeyring(PlaintextKeyring):
        """A Secret Service whose collection is locked and whose unlock prompt nobody can answer."""

        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection: Prompt dismissed")

    return PlaintextKeyring, LockedKeyring


def test_plaintext_and_locked_keyrings_count_as_none(keyring_backend: Any, workspace: Workspace) -> None:
    plaintext_class, locked_class = _fake_backends()
    plaintext = plaintext_class()
    keyring_backend(plaintext)
    store = TokenStore(workspace.workspace_id)
    assert store.available is False
    store.save(store.new_ref(), TokenSet("never-in-a-plaintext-file"))
    assert plaintext.data == {}  # type: ignore[attr-defined]
    keyring_backend(locked_class())
    locked = TokenStore(workspace.workspace_id)
    assert locked.available is False
    assert locked.warning is not None and "locked" in locked.warning


def test_log_records_and_messages_are_scrubbed() -> None:
    redact.install()
    redact.remember("very-secret-value-42")
    assert redact.scrub("got very-secret-value-42 back") == f"got {redact.MASK} back"
    assert redact.scrub("POST body grant_type=refresh_token&refresh_token=abc123def&x=1") == (
        f"POST body grant_type=refresh_token&refresh_token={redact.MASK}&x=1"
    )
    assert redact.scrub('{"access_token": "zzz111", "expires_in": 3600}') == (
        f'{{"access_token": "{redact.MASK}", "expires_in": 3600}}'
    )
    assert redact.scrub("Authorization: Bearer abc.def-ghi") == f"Authorization: Bearer {redact.MASK}"
    record = logging.getLogRecordFactory()(
        "x", logging.INFO, __file__, 1, "token %s", ("very-secret-value-42",), None
    )
    assert record.getMessage() == f"token {redact.MASK}"


def test_a_keyring_read_failure_is_a_failed_check_never_a_missing_token(workspace: Workspace) -> None:
    from sqlalchemy import select

    from socialdesk.models.catalogue import GrantState
    from socialdesk.models.schema import Grant
    from socialdesk.services.oauth import OAuthService
    from socialdesk.services.providers import load_providers
    from tests import factory

    plaintext_class, _locked = _fake_backends()

    class FlakyKeyring(plaintext_class):  # type: ignore[valid-type,misc]
        """Accepts writes; a read fails the way a busy Secret Service sometimes does."""

        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringError("ItemNotFoundException")

    with workspace.session() as s:
        me = factory.member(s, "Alex Morgan", me=True)
        p = factory.profile(s, "x", "account", owners=(me,))
        c = factory.connect(s, p, PUB, (me, GrantState.ACTIVE))
        grant = s.scalar(select(Grant).where(Grant.connection_id == c.id))
        assert grant is not None
        grant.token_ref = "token:in-the-keyring-but-unreadable"
    store = TokenStore(workspace.workspace_id, backend=FlakyKeyring())
    assert store.available  # the probe write worked: a read failure later is not "no keyring"
    report = health.run_health_check(workspace, OAuthService(load_providers(workspace.data_dir), store))
    assert report.changes == [] and len(report.failed) == 1
    assert "could not be read just now" in report.failed[0].reason
    with workspace.session() as s:
        (row,) = s.scalars(select(Grant)).all()
        assert row.state == "active" and row.check_failures == 1 and row.token_ref
    assert store.available and store.warning is None


def test_page_tokens_of_one_sign_in_live_in_its_one_keyring_entry(
    secret_service: None, workspace: Workspace
) -> None:
    """Page id -> Page token, in the same entry as the user token: one keyring write per sign-in."""
    store = TokenStore(workspace.workspace_id)
    ref = store.new_ref()
    pages = {f"10{i:04d}": f"page-token-{i:04d}-abcdef" for i in range(25)}
    expiry = utcnow().replace(microsecond=0) + timedelta(days=90)
    issued = TokenSet("user-token-abcdef123456", page_tokens=pages, data_access_expires_at=expiry)
    writes = len(store.write_times_ms)
    try:
        store.save(ref, issued)
        assert len(store.write_times_ms) == writes + 1
        loaded = TokenStore(workspace.workspace_id).load(ref)
        assert loaded is not None and loaded.page_tokens == pages
        assert loaded.data_access_expires_at == expiry
        assert loaded.page_token("100003") == "page-token-0003-abcdef"
        assert loaded.page_token("unknown") == "user-token-abcdef123456"
        assert "page-token-0003-abcdef" in loaded.secrets
        assert "page-token" not in repr(loaded)
        # An entry written before page tokens existed still loads, with none.
        old = TokenSet.from_json('{"access_token": "a-old-token-123", "scopes": []}')
        assert old.page_tokens == {} and old.data_access_expires_at is None
    finally:
        store.delete(ref)


@pytest.fixture
def sessions_opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every Secret Service session this process opens: keyring's (secretstorage's ``open_session``,
    1 per call) as 1, the store's quick shared one as 2."""
    import secretstorage.collection
    import secretstorage.item
    import secretstorage.util

    opened: list[int] = []
    real, quick = secretstorage.util.open_session, tokens._open_quick_session

    def counting(connection: Any) -> Any:
        opened.append(1)
        return real(connection)

    def counting_quick(connection: Any) -> Any:
        opened.append(2)
        return quick(connection)

    for module in (secretstorage.util, secretstorage.item, secretstorage.collection):
        monkeypatch.setattr(module, "open_session", counting)
    monkeypatch.setattr(tokens, "_open_quick_session", counting_quick)
    return opened


def test_a_batch_of_reads_shares_one_secret_service_session(
    secret_service: None, workspace: Workspace, sessions_opened: list[int]
) -> None:
    """A session per read is a key exchange holding the interpreter lock ~6 ms; a batch opens one."""
    store = TokenStore(workspace.workspace_id)
    issued = {store.new_ref(): TokenSet(f"access-{i}-abcdef123456", f"refresh-{i}-abcdef") for i in range(6)}
    try:
        for ref, tokens in issued.items():
            store.save(ref, tokens)
        store.set_client_secret("x", "client-secret-abcdef")
        sessions_opened.clear()
        assert {ref: store.load(ref) for ref in issued} == issued
        assert sessions_opened == [1] * len(issued)  # outside a batch: keyring's own, one per read
        sessions_opened.clear()
        with store.reading():
            with store.reading():  # nested: the same batch
                assert {ref: store.load(ref) for ref in issued} == issued
            assert store.client_secret("x") == "client-secret-abcdef"
            assert store.load(store.new_ref()) is None  # an entry that is not there
            assert store._shared is not None
        assert sessions_opened == [2]
        assert store._shared is None  # its connection closed with the batch
    finally:
        for ref in issued:
            store.delete(ref)
        store.set_client_secret("x", None)


def test_a_read_the_shared_session_cannot_answer_goes_through_keyring(
    secret_service: None, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked item or a keyring daemon that restarted: keyring's own read (which asks to unlock)."""
    import secretstorage

    store = TokenStore(workspace.workspace_id)
    ref = store.new_ref()
    issued = TokenSet("access-locked-abcdef123456")
    tried: list[str] = []

    def locked(self: Any, service: str, name: str) -> str | None:
        tried.append(name)
        raise secretstorage.LockedException("Item is locked!")

    monkeypatch.setattr(tokens._SharedSecretService, "get", locked)
    try:
        store.save(ref, issued)
        with store.reading():
            assert store.load(ref) == issued
            assert store.load(ref) == issued
        assert tried == [ref]  # the batch gave the shared session up after its first failure
        with store.reading():  # a new batch tries it again
            assert store.load(ref) == issued
        assert tried == [ref, ref]
    finally:
        store.delete(ref)


def test_the_check_reads_its_tokens_through_one_keyring_session(
    secret_service: None, oauth_ws: OAuthWorkspace, sessions_opened: list[int]
) -> None:
    for user in ("alice", "bob", "carol"):
        oauth_ws.connect("x", [PUB], username=user)
    sessions_opened.clear()
    report = health.run_health_check(oauth_ws.workspace, oauth_ws.service, max_workers=2)
    assert (report.checked, report.ok, report.failed) == (3, 3, [])
    assert sessions_opened == [2]


def test_the_first_use_probes_the_keyring_in_the_batch_s_one_quick_session(
    secret_service: None, workspace: Workspace, sessions_opened: list[int]
) -> None:
    """The probe write that tells a working keyring from a locked one: through the quick session,
    which the batch then reads with; nothing of the probe stays in the keyring."""
    writer = TokenStore(workspace.workspace_id)
    ref = writer.new_ref()
    issued = TokenSet("access-probe-abcdef123456")
    writer.save(ref, issued)
    try:
        sessions_opened.clear()
        store = TokenStore(workspace.workspace_id)
        with store.reading():
            assert store.available and store.warning is None
            assert store.load(ref) == issued
        assert sessions_opened == [2]
        assert keyring.get_password(store.service, ref) is not None
        import secretstorage

        with contextlib.closing(secretstorage.dbus_init()) as bus:
            left = list(secretstorage.get_default_collection(bus).search_items({"service": store.service}))
            names = {item.get_attributes().get("username", "") for item in left}
        assert not [n for n in names if n.startswith(tokens.PROBE_USER)]
    finally:
        writer.delete(ref)


def test_a_quick_session_decrypts_what_secretstorage_s_own_session_would() -> None:
    """The 256-bit exponent changes only how long the powers take: with the same server key, the AES
    key is secretstorage's derivation of the same shared secret."""
    from secretstorage.dhcrypto import DH_PRIME_1024, Session

    server = Session()  # plays the keyring daemon's side
    quick = tokens._QuickSession()
    assert quick.my_private_key.bit_length() <= 8 * tokens.QUICK_EXPONENT_BYTES
    quick.set_server_public_key(server.my_public_key)
    server.set_server_public_key(quick.my_public_key)
    assert quick.aes_key is not None and quick.aes_key == server.aes_key
    assert 1 < quick.my_public_key < DH_PRIME_1024 - 1


def test_providers_list_without_a_keyring_says_so_and_reports_secrets_as_unknown(
    keyring_backend: Any, workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/interfaces.md: client_secret_set is null when no keyring works; a warning on stderr; exit 0."""
    import json

    keyring_backend(fail.Keyring())
    assert main(["--data-dir", str(workspace.data_dir), "providers", "list", "--format", "json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert rows and all(r["client_secret_set"] is None for r in rows)
    assert "warning" in captured.err and "keyring" in captured.err.lower()
