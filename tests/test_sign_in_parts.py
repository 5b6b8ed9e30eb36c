"""The sign-in window in pieces: its states as an enum, the system browser's listener behind the dialog
(only the sign-in's own answer ends the wait), and no import loop between bulk re-connect and the flows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from pytestqt.qtbot import QtBot

from socialdesk.models.catalogue import ConnectionType
from socialdesk.ui.sign_in import SignInDialog, SignInState

pytest.register_assert_rewrite("tests.oauth_server")
from tests.oauth_server import (  # noqa: E402 - after the rewrite registration
    OAuthWorkspace,
    providers_toml,
    sign_in_over_http,
)

pytest_plugins = ("tests.oauth_server",)

ROOT = Path(__file__).resolve().parents[1]


def test_the_states_are_an_enum_whose_values_the_signal_sends() -> None:
    assert [s.value for s in SignInState] == [
        "new",
        "browser",
        "waiting",
        "working",
        "error",
        "done",
        "cancelled",
    ]
    assert SignInState("waiting") is SignInState.WAITING and SignInState.ERROR == "error"


def test_the_dialog_waits_through_a_foreign_answer_and_takes_its_own(
    qtbot: QtBot, oauth_ws: OAuthWorkspace
) -> None:
    toml = providers_toml(oauth_ws.server.url, ("x",)).replace('browser = "embedded"', 'browser = "system"')
    (oauth_ws.data_dir / "providers.toml").write_text(toml, encoding="utf-8")
    oauth_ws.reload(timeout=(2.0, 5.0))
    dialog = SignInDialog(oauth_ws.service, "x", [ConnectionType.PUBLISHING], open_browser=lambda _url: True)
    qtbot.addWidget(dialog)
    states: list[str] = []
    dialog.stateChanged.connect(states.append)
    dialog.show()
    dialog.start()
    assert dialog.state is SignInState.WAITING and states == ["waiting"]
    request = dialog.request
    assert request is not None
    answer = sign_in_over_http(request.url, request.redirect_prefix, "alice", "alice-pass")
    parts = urlsplit(answer)
    foreign = answer.replace(f"state={request.state}", "state=not-this-one")
    assert requests.get(foreign, timeout=5).status_code == 400
    qtbot.wait(200)
    assert dialog.state is SignInState.WAITING and oauth_ws.server.count("token") == 0
    assert parts.path == urlsplit(request.redirect_uri).path
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        assert requests.get(answer, timeout=5).status_code == 200
    assert dialog.state is SignInState.DONE and states[-2:] == ["working", "done"]
    assert dialog.signed_in is not None and dialog.signed_in.discovery.identity.platform_id


def test_bulk_reconnect_and_the_flows_do_not_import_each_other() -> None:
    code = (
        "import sys\n"
        "import socialdesk.ui.bulk_reconnect\n"
        "print('socialdesk.ui.sign_in_flows' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
