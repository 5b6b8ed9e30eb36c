"""The Settings dialog: pages on the load/check/save contract, and a save that is all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from socialdesk.ops import preferences as ops
from socialdesk.services.providers import providers_path
from socialdesk.services.workspace import Workspace
from socialdesk.ui.pages import PageCheckError
from socialdesk.ui.settings_dialog import SettingsDialog


@pytest.fixture
def dialog(qtbot: QtBot, workspace: Workspace) -> SettingsDialog:
    tokens = ops.token_store(workspace)
    dialog = SettingsDialog(workspace, tokens)
    qtbot.addWidget(dialog)
    return dialog


def test_the_pages_load_what_is_saved_and_put_their_values_in_one_draft(dialog: SettingsDialog) -> None:
    assert [type(p).__name__ for p in dialog.pages] == ["NotificationsPage", "SignInPage"]
    assert dialog.in_app.isChecked() and dialog.desktop.isChecked() and dialog.interval.value() == 30
    dialog.desktop.setChecked(False)
    dialog.interval.setValue(45)
    draft = dialog.sign_in_page.save(dialog.notifications_page.save(ops.PreferencesDraft()))
    assert (draft.in_app, draft.desktop, draft.interval_minutes) == (True, False, 45)
    assert {a.key for a in draft.apps} == set(dialog.rows)
    assert all(a.secret is None for a in draft.apps)  # nothing typed: the stored secrets stay


def test_a_page_that_refuses_stops_the_save_and_shows_why_on_its_page(
    dialog: SettingsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog.tabs.setCurrentIndex(1)
    dialog.desktop.setChecked(False)

    def refuse() -> None:
        raise PageCheckError("Check connections every 5 to 1440 minutes.", dialog.interval)

    monkeypatch.setattr(dialog.notifications_page, "check", refuse)
    assert not dialog.save()
    assert dialog.tabs.currentWidget() is dialog.notifications_page
    assert dialog.error.text() == "Not saved: Check connections every 5 to 1440 minutes."
    assert ops.load_preferences(dialog.workspace).desktop is True  # nothing was written


def test_a_keyring_failure_on_the_third_platform_leaves_nothing_saved(
    dialog: SettingsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace: Workspace = dialog.workspace
    keys = [k for k in dialog.rows if "system" in dialog.browsers_for(k)][:3]
    assert len(keys) == 3
    dialog.desktop.setChecked(False)
    dialog.interval.setValue(45)
    for i, key in enumerate(keys):
        client_id, secret, _browser = dialog.rows[key]
        client_id.setText(f"app-{i}")
        secret.setText(f"secret-{i}")
    real = dialog.tokens.set_client_secret

    def failing(key: str, secret: str | None) -> None:
        if key == keys[2] and secret == "secret-2":
            raise RuntimeError("the Secret Service went away")
        real(key, secret)

    monkeypatch.setattr(dialog.tokens, "set_client_secret", failing)
    assert not dialog.save()
    assert "could not be stored in the keyring" in dialog.error.text()
    assert dialog.error.text().startswith("Not saved: ")
    prefs = ops.load_preferences(workspace)
    assert (prefs.desktop, prefs.interval_minutes) == (True, 30)
    assert not providers_path(workspace.data_dir).exists()
    assert [real.__self__.client_secret(k) for k in keys] == [None, None, None]  # type: ignore[attr-defined]
    assert dialog.rows[keys[0]][1].text() == "secret-0"  # what was typed stays, to try again
    monkeypatch.setattr(dialog.tokens, "set_client_secret", real)
    assert dialog.save()
    assert [dialog.tokens.client_secret(k) for k in keys] == ["secret-0", "secret-1", "secret-2"]
    for key in keys:
        dialog.tokens.set_client_secret(key, None)


def test_save_and_close_runs_off_the_gui_thread_then_closes(qtbot: QtBot, dialog: SettingsDialog) -> None:
    dialog.show()
    dialog.interval.setValue(50)
    dialog.save_and_close()
    assert dialog.saving and not dialog.buttons.isEnabled()
    dialog.reject()  # a save under way finishes first
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert ops.load_preferences(dialog.workspace).interval_minutes == 50


def test_the_interval_box_is_narrow(dialog: SettingsDialog, tmp_path: Path) -> None:
    dialog.resize(900, 600)
    dialog.show()
    assert dialog.interval.width() <= 200
