"""Round trips through the command line: ``settings set`` then ``settings push``, and the simulator's
recorded request compared with each platform's documented body, field by field (push_simulators.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from socialdesk.cli import main
from socialdesk.services.workspace import Workspace
from tests.push_setup import (
    PAGE_TOKEN,
    USER_TOKEN,
    X_TOKEN,
    Setup,
    facebook_page,
    instagram_account,
    payload,
    whatsapp_number,
    x_account,
)
from tests.push_simulators import GraphSimulator, XSimulator

pytest_plugins = ["tests.push_fixtures"]  # the graph and x_api simulator fixtures


def cli(capsys: pytest.CaptureFixture[str], ws: Workspace, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(ws.data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def set_then_push(
    capsys: pytest.CaptureFixture[str], setup: Setup, tmp_path: Path, content: dict[str, Any]
) -> str:
    """`settings set` (which tries once) offline-free, then `settings push`; returns push's output."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    # The first try answers 503: the push waits (the set exits 0), then `settings push` sends it.
    code, out, err = cli(capsys, setup.ws, "settings", "set", str(setup.profile_id), str(path))
    assert code == 0, err
    assert out.splitlines()[-1].startswith(f"{setup.profile_id}: pending ("), out
    code, out, err = cli(capsys, setup.ws, "settings", "push", str(setup.profile_id))
    assert code == 0, err
    return out


def _busy(sim: GraphSimulator | XSimulator) -> None:
    sim.answer_next(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})


def test_facebook_round_trip(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, graph: GraphSimulator, tmp_path: Path
) -> None:
    fb = facebook_page(workspace, graph)
    _busy(graph)
    out = set_then_push(
        capsys,
        fb,
        tmp_path,
        {
            "greeting_text": "Welcome!",
            "get_started_flow": "Order status",
            "persistent_menu": [{"label": "Opening hours", "flow": "Opening hours"}],
            "privacy_policy_url": "https://example.com/privacy",  # kept in SocialDesk only
        },
    )
    assert out == f"{fb.profile_id}: synced\n"
    sent = graph.calls()[-1]
    assert (sent.method, sent.path) == ("POST", f"/{fb.platform_id}/messenger_profile")
    assert sent.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert sent.json["greeting"] == [{"locale": "default", "text": "Welcome!"}]
    assert sent.json["get_started"] == {"payload": payload(workspace, "Order status")}
    assert sent.json["persistent_menu"] == [
        {
            "locale": "default",
            "call_to_actions": [
                {"type": "postback", "title": "Opening hours", "payload": payload(workspace, "Opening hours")}
            ],
        }
    ]
    assert set(sent.json) == {"greeting", "get_started", "persistent_menu"}
    _code, shown, _ = cli(capsys, workspace, "settings", "show", str(fb.profile_id))
    push = json.loads(shown)["push"]
    assert push["state"] == "synced" and push["reason"] is None and push["attempted_at"]
    assert push["next_attempt_at"] is None


def test_instagram_round_trip(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, graph: GraphSimulator, tmp_path: Path
) -> None:
    ig = instagram_account(workspace, graph)
    _busy(graph)
    out = set_then_push(
        capsys, ig, tmp_path, {"ice_breakers": [{"question": "Do you ship abroad?", "flow": "Order status"}]}
    )
    assert out == f"{ig.profile_id}: synced\n"
    sent = graph.calls()[-1]
    assert (sent.method, sent.path, sent.query) == (
        "POST",
        "/me/messenger_profile",
        {"platform": "instagram"},
    )
    assert sent.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert sent.json["platform"] == "instagram"
    assert sent.json["ice_breakers"] == [
        {
            "locale": "default",
            "call_to_actions": [
                {"question": "Do you ship abroad?", "payload": payload(workspace, "Order status")}
            ],
        }
    ]


def test_whatsapp_round_trip(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, graph: GraphSimulator, tmp_path: Path
) -> None:
    wa = whatsapp_number(workspace, graph)
    _busy(graph)
    content = {
        "about": "",
        "address": "1 Harbour Street",
        "description": "Customer care",
        "email": "care@example.com",
        "vertical": "retail",
        "websites": ["https://example.com", "https://shop.example.com"],
    }
    assert set_then_push(capsys, wa, tmp_path, content) == f"{wa.profile_id}: synced\n"
    sent = graph.calls()[-1]
    assert (sent.method, sent.path) == ("POST", f"/{wa.platform_id}/whatsapp_business_profile")
    assert sent.headers["Authorization"] == f"Bearer {USER_TOKEN}"
    assert sent.json["messaging_product"] == "whatsapp"
    assert "about" not in sent.json  # empty: left out
    for key in ("address", "description", "email", "websites"):
        assert sent.json[key] == content[key], key
    assert sent.json["vertical"] == "RETAIL"
    assert set(sent.json) == {"messaging_product", "address", "description", "email", "vertical", "websites"}


def test_x_round_trip(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, x_api: XSimulator, tmp_path: Path
) -> None:
    x = x_account(workspace, x_api)
    _busy(x_api)
    content = {
        "name": "Contoso Support",
        "bio": "Help 24/7: https://contoso.example.com/help",
        "website": "https://contoso.example.com",
        "location": "Leeds",
        "welcome_message": "Hi!",  # kept in SocialDesk only
    }
    assert set_then_push(capsys, x, tmp_path, content) == f"{x.profile_id}: synced\n"
    sent = x_api.calls()[-1]
    assert (sent.method, sent.path) == ("PUT", "/2/users/me")
    assert sent.headers["Authorization"] == f"Bearer {X_TOKEN}"
    assert sent.json["name"] == content["name"]
    assert sent.json["description"] == content["bio"]
    assert sent.json["url"] == content["website"]
    assert sent.json["location"] == content["location"]
    assert set(sent.json) == {"name", "description", "url", "location"}


def test_push_exit_codes_and_all(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, graph: GraphSimulator, tmp_path: Path
) -> None:
    fb = facebook_page(workspace, graph)
    code, _, err = cli(capsys, workspace, "settings", "push")
    assert code == 2 and "--all" in err
    code, _, err = cli(capsys, workspace, "settings", "push", "9999")
    assert code == 1 and err.strip() and "Traceback" not in err
    graph.answer_next(400, {"error": {"message": "(#100) Invalid greeting", "code": 100}})
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"greeting_text": "Hi"}), encoding="utf-8")
    code, out, _ = cli(capsys, workspace, "settings", "set", str(fb.profile_id), str(path))
    assert code == 0 and f"{fb.profile_id}: failed (Facebook refused the settings" in out
    code, out, _ = cli(capsys, workspace, "settings", "push", "--all")
    assert code == 0 and out == f"{fb.profile_id}: synced\n"
    code, out, _ = cli(capsys, workspace, "settings", "push", "--all")
    assert code == 0 and out.startswith("Nothing to push")
