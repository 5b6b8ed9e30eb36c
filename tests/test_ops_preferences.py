"""``socialdesk.ops.preferences``: the Settings dialog's one operation saves all or nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import DeclarativeBase

from socialdesk.ops import preferences as ops
from socialdesk.ops.changes import Kind
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.services.providers import providers_path
from socialdesk.services.workspace import Workspace


class KeyringDown(Exception):
    """What a keyring backend raises when its D-Bus service goes away mid-save."""


@pytest.fixture
def store(workspace: Workspace) -> Iterator[ops.TokenStore]:
    tokens = ops.token_store(workspace)
    yield tokens
    for app in ops.load_catalogue(workspace).apps():
        tokens.set_client_secret(app.secret_key, None)


def _no_orm(value: Any) -> None:
    assert not isinstance(value, DeclarativeBase)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _no_orm(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            _no_orm(item)


def _three_apps(workspace: Workspace) -> list[str]:
    keys = [app.secret_key for app in ops.load_catalogue(workspace).apps() if "system" in app.browsers]
    assert len(keys) >= 3
    return keys[:3]


def _draft(keys: list[str]) -> ops.PreferencesDraft:
    return ops.PreferencesDraft(
        in_app=False,
        desktop=False,
        interval_minutes=45,
        apps=tuple(ops.AppEdit(k, f"new-id-{i}", "system", f"new-secret-{i}") for i, k in enumerate(keys)),
    )


def test_load_and_save_return_records_and_name_the_change(
    workspace: Workspace, store: ops.TokenStore
) -> None:
    before = ops.load_preferences(workspace)
    assert before == ops.Preferences(True, True, 30)
    keys = _three_apps(workspace)
    done = ops.save_preferences(workspace, store, _draft(keys))
    _no_orm(done.value)
    assert isinstance(done.value, ops.SavedPreferences)
    assert done.change.touches(Kind.PREFERENCES) and done.change.profile_ids == ()
    assert done.value.preferences == ops.Preferences(False, False, 45)
    assert done.value.written == (
        "notifications",
        "interval",
        "providers.toml",
        *(f"secret:{k}" for k in keys),
    )
    assert ops.load_preferences(workspace) == ops.Preferences(False, False, 45)
    text = providers_path(workspace.data_dir).read_text()
    assert 'client_id = "new-id-0"' in text and "new-secret" not in text
    assert [store.client_secret(k) for k in keys] == ["new-secret-0", "new-secret-1", "new-secret-2"]
    assert done.value.catalogue is not None
    platform_key, _, kind = keys[2].partition(":")
    assert done.value.catalogue.get(platform_key, kind or None).client_id == "new-id-2"


@pytest.mark.parametrize("with_file", [True, False], ids=["providers.toml existed", "no providers.toml"])
def test_a_failure_on_the_third_platform_leaves_nothing_saved(
    workspace: Workspace, store: ops.TokenStore, monkeypatch: pytest.MonkeyPatch, with_file: bool
) -> None:
    keys = _three_apps(workspace)
    path = providers_path(workspace.data_dir)
    if with_file:
        platform_key, _, kind = keys[0].partition(":")
        ops.find_app(workspace, platform_key, kind or None)  # a real app
        path.write_text(f'# mine\n[providers.{platform_key}]\nclient_id = "old-id"\n', encoding="utf-8")
    before_file = path.read_bytes() if with_file else None
    store.set_client_secret(keys[0], "old-secret-0")  # replaced first, so it must come back
    before_prefs = ops.load_preferences(workspace)

    real = store.set_client_secret
    calls: list[tuple[str, str | None]] = []

    def failing(key: str, secret: str | None) -> None:
        calls.append((key, secret))
        if key == keys[2] and secret == "new-secret-2":
            raise KeyringDown("org.freedesktop.secrets went away")
        real(key, secret)

    monkeypatch.setattr(store, "set_client_secret", failing)
    with pytest.raises(SocialDeskError, match="nothing was saved") as raised:
        ops.save_preferences(workspace, store, _draft(keys))
    assert "could not be stored in the keyring (KeyringDown)" in str(raised.value)
    # The first two secrets were written before the third failed, then put back.
    assert calls[:3] == [(keys[0], "new-secret-0"), (keys[1], "new-secret-1"), (keys[2], "new-secret-2")]
    monkeypatch.setattr(store, "set_client_secret", real)
    # Database, providers.toml and keyring: all as before.
    assert ops.load_preferences(workspace) == before_prefs
    if with_file:
        assert path.read_bytes() == before_file
    else:
        assert not path.exists()
    assert store.client_secret(keys[0]) == "old-secret-0"
    assert store.client_secret(keys[1]) is None
    assert store.client_secret(keys[2]) is None


def test_a_failing_file_write_leaves_the_database_and_keyring_as_they_were(
    workspace: Workspace, store: ops.TokenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = _three_apps(workspace)
    before = ops.load_preferences(workspace)

    def disk_full(_data_dir: Path, _data: bytes | None) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ops, "write_providers_file", disk_full)
    with pytest.raises(OSError):
        ops.save_preferences(workspace, store, _draft(keys))
    assert ops.load_preferences(workspace) == before
    assert [store.client_secret(k) for k in keys] == [None, None, None]


def test_every_problem_is_found_before_anything_is_written(
    workspace: Workspace, store: ops.TokenStore
) -> None:
    keys = _three_apps(workspace)
    draft = dataclasses.replace(_draft(keys), interval_minutes=1)
    assert ops.check_preferences(workspace, draft) == [
        ("interval", f"Choose between {ops.MIN_INTERVAL_MINUTES} and {ops.MAX_INTERVAL_MINUTES} minutes")
    ]
    with pytest.raises(ValidationError):
        ops.save_preferences(workspace, store, draft)
    assert ops.load_preferences(workspace).interval_minutes == 30
    assert not providers_path(workspace.data_dir).exists()
    assert store.client_secret(keys[0]) is None
    bad_browser = ops.PreferencesDraft(apps=(ops.AppEdit(keys[0], "", "carrier pigeon"),))
    problems = ops.check_preferences(workspace, bad_browser)
    assert problems and "browser" in problems[0][0] + problems[0][1]


def test_sign_in_apps_and_client_secrets_for_the_command_line(
    workspace: Workspace, store: ops.TokenStore
) -> None:
    report = ops.sign_in_apps(workspace)
    _no_orm(report)
    assert report.apps and all(isinstance(a, ops.AppStatus) for a in report.apps)
    assert ops.app_problem("x", None) is None
    assert ops.app_problem("nowhere", None) == (
        "'nowhere' is not a platform; use one of " + ", ".join(sorted_keys(workspace))
    )
    done = ops.set_client_secret(workspace, store, "x", None, "s3cr3t")
    assert done.value.secret_key == "x" and done.change.touches(Kind.PREFERENCES)
    assert store.client_secret("x") == "s3cr3t"
    assert ops.clear_client_secret(workspace, store, "x", None).value is True
    cleared_again = ops.clear_client_secret(workspace, store, "x", None)
    assert cleared_again.value is False and not cleared_again.change


def sorted_keys(workspace: Workspace) -> list[str]:
    from socialdesk.services.providers import BUILT_IN

    return list(BUILT_IN)
