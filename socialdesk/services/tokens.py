"""Tokens and client secrets in the OS keyring, named per workspace.

Only the keyring holds secrets; the database keeps a grant's metadata and the *name* of its keyring
entry (``Grant.token_ref``). Entries live under the service name ``SocialDesk/<workspace id>``, so two
workspaces on one computer never see each other's tokens:

* ``token:<uuid>`` — one sign-in's token set (JSON: access token, refresh token, expiry, scopes);
  every grant recorded from that sign-in points at it;
* ``client-secret:<platform>`` — the client secret the user entered for a platform.

When there is no usable keyring (no Secret Service / KWallet / macOS / Windows store, a locked one
whose unlock prompt cannot be answered, or only a plaintext-file backend) the store says so once
(:attr:`TokenStore.warning`, logged once per process) and keeps secrets in memory for this session
only. Secrets are never written to a plaintext file.

Public API: :class:`TokenStore` (``save``/``load``/``delete`` token sets, ``set_client_secret``/
``client_secret``, ``reading()`` for a batch of reads), :class:`TokenSet`, :data:`NO_KEYRING_HELP`.

A batch of reads (the connection check reads one entry per token) shares one Secret Service session:
each new session is a Diffie-Hellman exchange, two 1024-bit modular powers in pure Python that hold
the interpreter lock ~3 ms each, in one call the switch interval cannot break, so the window froze
behind them (see :class:`_SharedSecretService`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import keyring
import keyring.backend
import keyring.errors

from socialdesk.services import redact
from socialdesk.services.clock import iso, parse_iso
from socialdesk.services.errors import SocialDeskError

log = logging.getLogger(__name__)

SERVICE_PREFIX = "SocialDesk"
TOKEN_PREFIX = "token:"
SECRET_PREFIX = "client-secret:"
PROBE_USER = "socialdesk-probe"

NO_KEYRING_HELP = (
    "Install and unlock a keyring: on Linux GNOME Keyring (package gnome-keyring, unlocked when you log "
    "in) or KWallet; macOS Keychain and Windows Credential Manager work as they are. Then restart "
    "SocialDesk."
)

#: Backends that store secrets in a file SocialDesk would have to trust as plaintext, or that ask for
#: a password on the terminal: never used, even when installed and preferred by ``keyring``.
_REFUSED_BACKENDS = ("keyrings.alt", "keyrings.cryptfile", "keyring.backends.null", "keyring.backends.fail")


@dataclass(frozen=True, slots=True)
class TokenSet:
    """What a sign-in or refresh returned. ``repr`` shows no secret."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: Naive UTC; ``None`` when the platform gave no expiry.
    expires_at: datetime | None = None
    token_type: str = "Bearer"
    scopes: tuple[str, ...] = ()
    id_token: str | None = field(default=None, repr=False)
    #: Page (or platform account) id -> that account's own access token (Meta Page tokens: every Page
    #: and Instagram call needs one). Kept in the same keyring entry as the user token: one Secret
    #: Service round trip per sign-in, however many pages (each costs ~0.3 s).
    page_tokens: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: Naive UTC; Meta's ``data_access_expires_at`` (90 days after the user last used the app).
    data_access_expires_at: datetime | None = None
    #: The kind whose own app issued these tokens (LinkedIn ``organization_page``); None: the platform's.
    app_kind: str | None = None

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": iso(self.expires_at),
            "token_type": self.token_type,
            "scopes": list(self.scopes),
        }
        if self.page_tokens:
            data["page_tokens"] = dict(self.page_tokens)
        if self.data_access_expires_at is not None:
            data["data_access_expires_at"] = iso(self.data_access_expires_at)
        if self.app_kind:
            data["app_kind"] = self.app_kind
        return json.dumps(data)

    def page_token(self, platform_id: str) -> str:
        """The token to use for calls on behalf of ``platform_id``: its Page token, else the user's."""
        return self.page_tokens.get(str(platform_id)) or self.access_token

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        data = json.loads(text)
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token") or None,
            expires_at=parse_iso(data["expires_at"]) if data.get("expires_at") else None,
            token_type=str(data.get("token_type") or "Bearer"),
            scopes=tuple(data.get("scopes") or ()),
            page_tokens={
                str(k): str(v) for k, v in (data.get("page_tokens") or {}).items() if isinstance(v, str) and v
            },
            data_access_expires_at=(
                parse_iso(data["data_access_expires_at"]) if data.get("data_access_expires_at") else None
            ),
            app_kind=str(data["app_kind"]) if data.get("app_kind") else None,
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(
            s for s in (self.access_token, self.refresh_token, self.id_token, *self.page_tokens.values()) if s
        )


class KeyringReadError(SocialDeskError):
    """The keyring did not answer a read; the entry may well exist. Try again later."""


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _acceptable(backend: keyring.backend.KeyringBackend) -> bool:
    name = _backend_name(backend)
    if any(name.startswith(prefix) for prefix in _REFUSED_BACKENDS):
        return False
    if "plaintext" in name.lower() or "encrypted" in type(backend).__name__.lower():
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def choose_backend() -> keyring.backend.KeyringBackend | None:
    """The keyring backend to pin, or ``None`` when there is no usable one.

    The chainer that ``keyring`` picks when several backends are installed may include a plaintext or
    terminal-prompting one; SocialDesk pins the best acceptable backend instead.
    """
    current = keyring.get_keyring()
    candidates = list(getattr(current, "backends", None) or [current])
    good = [b for b in candidates if _acceptable(b)]
    if not good:
        return None
    best: keyring.backend.KeyringBackend = max(good, key=lambda b: float(b.priority))
    return best


# Secrets kept for this process only, when there is no usable keyring: (service, name) -> secret.
_session_memory: dict[tuple[str, str], str] = {}
_memory_lock = threading.Lock()
_warned = False


class TokenStore:
    """The secrets of one workspace (``workspace_id``: ``Workspace.workspace_id``).

    Thread-safe; keyring calls are serialised. The backend is chosen and probed once, on first use.
    A write that fails later keeps that secret in session memory (with the warning); a read that
    fails raises :class:`KeyringReadError` (transient: the caller retries, nothing is changed).
    """

    def __init__(self, workspace_id: str, backend: keyring.backend.KeyringBackend | None = None) -> None:
        if not workspace_id:
            raise ValueError("a token store needs the workspace id")
        redact.install()
        self.workspace_id = workspace_id
        self.service = f"{SERVICE_PREFIX}/{workspace_id}"
        self._backend = backend
        self._probed = False
        self._lock = threading.RLock()
        #: Open ``reading()`` blocks, and the Secret Service session they share (made at the first read).
        self._batches = 0
        self._shared: _SharedSecretService | None = None
        self._shared_failed = False
        self.warning: str | None = None
        #: Milliseconds taken by each keyring write (for the benchmark and diagnostics).
        self.write_times_ms: list[float] = []

    # -- backend ------------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """True when secrets go to a real OS keyring; False: kept for this session only."""
        self._ensure_backend()
        return self._backend is not None

    @property
    def backend_name(self) -> str:
        self._ensure_backend()
        return _backend_name(self._backend) if self._backend is not None else "memory (this session only)"

    def _ensure_backend(self) -> None:
        with self._lock:
            if self._probed:
                return
            self._probed = True
            backend = self._backend if self._backend is not None else choose_backend()
            if backend is None:
                self._fall_back("no usable keyring was found")
                return
            probe = f"{PROBE_USER}-{uuid.uuid4().hex}"
            try:
                if not self._probe_quickly(backend, probe):
                    backend.set_password(self.service, probe, "probe")
                    backend.delete_password(self.service, probe)
            except (keyring.errors.KeyringError, OSError) as exc:
                reason = (
                    "the keyring is locked and cannot be unlocked here"
                    if _locked(exc)
                    else (f"the keyring does not work ({type(exc).__name__})")
                )
                self._fall_back(reason)
                return
            except Exception as exc:  # D-Bus and backend libraries raise their own errors
                self._fall_back(f"the keyring does not work ({type(exc).__name__})")
                return
            self._backend = backend

    def _probe_quickly(self, backend: keyring.backend.KeyringBackend, probe: str) -> bool:
        """The probe write and delete through one quick Secret Service session (kept as the batch's
        shared one when a batch is open); False: not the Secret Service, or it failed (a locked
        collection...), and ``keyring`` probes instead, asking to unlock as it does."""
        if not _SharedSecretService.serves(backend):
            return False
        try:
            shared = _SharedSecretService(backend)
        except Exception:
            return False
        try:
            shared.probe(self.service, probe)
        except Exception:
            shared.close()
            return False
        if self._batches and self._shared is None:
            self._shared = shared
        else:
            shared.close()
        return True

    def _fall_back(self, reason: str) -> None:
        self._backend = None
        self._warn(reason)

    def _warn(self, reason: str) -> None:
        global _warned
        self.warning = (
            f"Tokens are kept only until SocialDesk closes: {reason}. You will have to sign in again next "
            f"time. {NO_KEYRING_HELP}"
        )
        with _memory_lock:
            first = not _warned
            _warned = True
        if first:
            log.warning("%s", self.warning)

    # -- raw entries --------------------------------------------------------------------------

    def _set(self, name: str, secret: str) -> None:
        redact.remember(secret)
        self._ensure_backend()
        # Calls are serialised: concurrent Secret Service sessions from one process were seen to miss
        # existing items (ItemNotFoundException) under load, and each call is CPU-bound anyway.
        with self._lock:
            if self._backend is not None:
                started = time.perf_counter()
                try:
                    self._backend.set_password(self.service, name, secret)
                    self.write_times_ms.append((time.perf_counter() - started) * 1000)
                    return
                except Exception as exc:
                    # Nothing is lost: this secret stays in memory for the session, with the warning.
                    self._warn(f"writing to the keyring failed ({type(exc).__name__})")
            with _memory_lock:
                _session_memory[(self.service, name)] = secret

    def _get(self, name: str) -> str | None:
        self._ensure_backend()
        with self._lock:
            with _memory_lock:
                remembered = _session_memory.get((self.service, name))
            if remembered is not None or self._backend is None:
                return remembered
            try:
                served, value = self._shared_read(name)
                if not served:
                    value = self._backend.get_password(self.service, name)
            except Exception as exc:
                raise KeyringReadError(
                    f"The keyring could not be read just now ({type(exc).__name__}); nothing was changed. "
                    "Try again; if it keeps failing, unlock or restart the keyring."
                ) from None
        redact.remember(value)
        return value

    def _delete(self, name: str) -> None:
        self._ensure_backend()
        with self._lock:
            with _memory_lock:
                _session_memory.pop((self.service, name), None)
            if self._backend is None:
                return
            with contextlib.suppress(Exception):
                self._backend.delete_password(self.service, name)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """A batch of reads (from any thread) until the block ends: with the Secret Service, they share
        one D-Bus connection and one session instead of opening both for every read. Nestable. Writes,
        deletes and reads outside a block go through ``keyring`` as before; a read the shared session
        cannot answer (a locked item, a keyring that restarted) does too, and so unlocks or fails as
        it always did."""
        with self._lock:
            self._batches += 1
        try:
            yield
        finally:
            with self._lock:
                self._batches -= 1
                if not self._batches:
                    shared, self._shared, self._shared_failed = self._shared, None, False
                    if shared is not None:
                        shared.close()

    def _shared_read(self, name: str) -> tuple[bool, str | None]:
        """(True, the entry) read through the batch's shared session; (False, None) when there is none
        to use. Called with ``_lock`` held."""
        backend = self._backend
        if (
            backend is None
            or not self._batches
            or self._shared_failed
            or not _SharedSecretService.serves(backend)
        ):
            return False, None
        try:
            if self._shared is None:
                self._shared = _SharedSecretService(backend)
            return True, self._shared.get(self.service, name)
        except Exception as exc:  # locked, or the daemon went away: keyring's own path from now on
            log.info("Reading the keyring through one session failed (%s); reading entry by entry", exc)
            self._shared_failed = True
            if self._shared is not None:
                self._shared.close()
                self._shared = None
            return False, None

    # -- token sets ---------------------------------------------------------------------------

    @staticmethod
    def new_ref() -> str:
        """A fresh keyring entry name for one sign-in's tokens (stored in ``Grant.token_ref``)."""
        return f"{TOKEN_PREFIX}{uuid.uuid4().hex}"

    def save(self, ref: str, tokens: TokenSet) -> None:
        if not ref.startswith(TOKEN_PREFIX):
            raise ValueError("token entries are named token:<id>")
        redact.remember(*tokens.secrets)
        self._set(ref, tokens.to_json())

    def load(self, ref: str | None) -> TokenSet | None:
        """The token set, or ``None`` when it is not on this computer (or unreadable)."""
        if not ref:
            return None
        text = self._get(ref)
        if text is None:
            return None
        try:
            tokens = TokenSet.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("The keyring entry %s of this workspace is damaged; it is ignored", ref)
            return None
        redact.remember(*tokens.secrets)
        return tokens

    def delete(self, ref: str | None) -> None:
        if ref:
            self._delete(ref)

    # -- client secrets -----------------------------------------------------------------------

    def set_client_secret(self, platform: str, secret: str | None) -> None:
        """Store (or with ``None``/empty, remove) the client secret of a platform's app."""
        if secret:
            self._set(f"{SECRET_PREFIX}{platform}", secret.strip())
        else:
            self._delete(f"{SECRET_PREFIX}{platform}")

    def client_secret(self, platform: str) -> str | None:
        return self._get(f"{SECRET_PREFIX}{platform}") or None


#: The private exponent of a quick session: 256 random bits. RFC 3526 section 8 asks for an exponent of
#: at least twice the group's strength in bits (this 1024-bit group, RFC 2409's second Oakley group,
#: is about 80), so 256 keeps the exchange as strong as the group; secretstorage draws 1024 bits.
QUICK_EXPONENT_BYTES = 32


class _QuickSession:
    """secretstorage's Diffie-Hellman session (``secretstorage.dhcrypto.Session``, which items and
    collections use by its attributes) with a 256-bit private exponent instead of 1024: its two
    modular powers hold the interpreter lock in one call the switch interval cannot break; with 1024
    bits they took 2.6-3.9 ms each on this machine, with 256 a quarter of that."""

    def __init__(self) -> None:
        from secretstorage.dhcrypto import DH_PRIME_1024

        self.object_path: str | None = None
        self.aes_key: bytes | None = None
        self.encrypted = True
        self.my_private_key = int.from_bytes(os.urandom(QUICK_EXPONENT_BYTES), "big")
        self.my_public_key = pow(2, self.my_private_key, DH_PRIME_1024)

    def set_server_public_key(self, server_public_key: int) -> None:
        """The shared secret and its AES key: secretstorage's own code (HKDF-SHA256), on this session."""
        from secretstorage.dhcrypto import Session

        Session.set_server_public_key(self, server_public_key)  # type: ignore[arg-type]


def _open_quick_session(connection: Any) -> _QuickSession:
    """An encrypted Secret Service session (``dh-ietf1024-sha256-aes128-cbc-pkcs7``, as secretstorage's
    ``open_session``) from a :class:`_QuickSession`; a service that offers only the plain transfer
    raises, and the store uses keyring's own path."""
    from secretstorage.defines import ALGORITHM_DH, SS_PATH
    from secretstorage.util import SERVICE_IFACE, DBusAddressWrapper

    session = _QuickSession()
    service = DBusAddressWrapper(SS_PATH, SERVICE_IFACE, connection)
    output, path = service.call(
        "OpenSession", "sv", ALGORITHM_DH, ("ay", session.my_public_key.to_bytes(128, "big"))
    )
    signature, value = output
    if signature != "ay":
        raise ValueError(f"unexpected OpenSession answer ({signature})")
    session.set_server_public_key(int.from_bytes(bytes(value), "big"))
    session.object_path = path
    return session


class _SharedSecretService:
    """One D-Bus connection, collection and quick Secret Service session for a batch of reads.

    ``keyring``'s Secret Service backend opens a connection and a session for every read; the session's
    Diffie-Hellman exchange (secretstorage's ``dhcrypto``) is two 1024-bit ``pow`` calls in Python, ~3 ms
    each with the interpreter lock held, so the connection check's 200 reads kept the window's thread
    waiting (a sampling profile of a check at 100,000 profiles: 311 of its 382 samples in the keyring
    were those two lines). Reads the same entries as ``keyring`` (its query and collection); an item
    that is locked raises, and the store falls back to ``keyring``, which asks to unlock it.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend) -> None:
        import secretstorage

        self._backend: Any = backend
        self._connection = secretstorage.dbus_init()
        try:
            preferred = getattr(backend, "preferred_collection", None)
            self._collection = (
                secretstorage.Collection(self._connection, preferred)
                if preferred
                else secretstorage.get_default_collection(self._connection)
            )
            if self._collection.is_locked():
                raise secretstorage.LockedException("the collection is locked")
            # Used by its attributes only (items decrypt with its ``aes_key``): a quick session will do.
            self._collection.session = _open_quick_session(self._connection)  # type: ignore[assignment]
        except BaseException:
            self._connection.close()
            raise

    @staticmethod
    def serves(backend: keyring.backend.KeyringBackend) -> bool:
        """Whether ``backend`` is keyring's Secret Service backend (Linux), the one this speeds up."""
        return _backend_name(backend) == "keyring.backends.SecretService.Keyring"

    def get(self, service: str, name: str) -> str | None:
        for item in self._collection.search_items(self._backend._query(service, name)):
            secret: bytes = item.get_secret()  # a locked item raises LockedException
            return secret.decode("utf-8")
        return None

    def probe(self, service: str, name: str) -> None:
        """Write and delete an entry as ``keyring`` would (its attributes and label)."""
        attributes = self._backend._query(service, name, application=self._backend.appid)
        label = f"Password for '{name}' on '{service}'"
        item = self._collection.create_item(label, attributes, b"probe", replace=True)
        item.delete()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()


def _locked(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "locked" in text or "prompt dismissed" in text or "dismissed" in text
