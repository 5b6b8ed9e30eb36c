"""The test environment is real: a private D-Bus session with an unlocked Secret Service.

scripts/test.sh (and so CI) runs pytest inside its own D-Bus session with gnome-keyring
unlocked, so the code that stores secrets is tested against a real keyring, never a fake.
These tests check that, and they fail rather than skip when it is not so: a run that
silently lost its keyring must not look green.

Running a subset by hand outside scripts/test.sh? Set SOCIALDESK_ALLOW_NO_KEYRING=1 to turn
these failures into skips.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import NoReturn

import keyring
import keyring.errors
import pytest
from keyring.backends import SecretService

OPT_OUT = "SOCIALDESK_ALLOW_NO_KEYRING"


def _not_real(reason: str) -> NoReturn:
    """Fail, or skip when the developer opted out with SOCIALDESK_ALLOW_NO_KEYRING=1."""
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(f"{reason} ({OPT_OUT}=1)")
    pytest.fail(
        f"{reason}. Run the tests with scripts/test.sh, which provides a D-Bus session and an "
        f"unlocked gnome-keyring, or set {OPT_OUT}=1 to skip this check.",
        pytrace=False,
    )


def test_session_bus_is_available() -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        _not_real("DBUS_SESSION_BUS_ADDRESS is not set: there is no D-Bus session bus")


def test_keyring_is_a_working_secret_service() -> None:
    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        # e.g. keyring.backends.fail.Keyring (no backend), a plaintext file store, or a
        # ChainerBackend: none of them is the Secret Service the application uses on Linux.
        name = f"{type(backend).__module__}.{type(backend).__qualname__}"
        _not_real(f"the keyring backend is {name}, not the Secret Service")

    service = f"socialdesk-test-environment-{uuid.uuid4().hex}"
    username = "round-trip"
    secret = f"s3cret-{uuid.uuid4().hex}-é✓"
    try:
        error: keyring.errors.KeyringError | None = None
        try:
            keyring.set_password(service, username, secret)
            stored = keyring.get_password(service, username)
        except keyring.errors.KeyringError as exc:
            error = exc
        if error is not None:
            # A locked collection ends in "Prompt dismissed" when nobody can answer.
            _not_real(f"the Secret Service is there but unusable: {type(error).__name__}: {error}")
        assert stored == secret

        keyring.delete_password(service, username)
        assert keyring.get_password(service, username) is None
    finally:
        # Leave nothing behind if an assertion above failed half-way.
        with contextlib.suppress(keyring.errors.KeyringError):
            keyring.delete_password(service, username)
