"""Settings pushes through each platform's documented API, against strict simulators (push_simulators.py).

Each test runs a real workspace (SQLite file), the real keyring and a Werkzeug server on 127.0.0.1 that
refuses anything undocumented (the fixtures fail the test on any such call). The documented errors are
played by programmed answers: 190 expires the grant, 4/17/613/429 delay, 5xx / time-outs / no network
keep the push pending (never failed), a refused content marks it failed.
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import timedelta

import pytest
import requests

from socialdesk.models.catalogue import ConnectionType
from socialdesk.models.schema import Notification, PlatformSettings
from socialdesk.services import flows, notifications, settings
from socialdesk.services.clock import utcnow
from socialdesk.services.settings import SyncState
from socialdesk.services.settings_push import due_profile_ids, push, push_after_reconnect, push_due
from socialdesk.services.workspace import Workspace
from tests.push_setup import (
    PAGE_TOKEN,
    USER_TOKEN,
    facebook_page,
    instagram_account,
    payload,
    whatsapp_number,
    wire,
    x_account,
)
from tests.push_simulators import GraphSimulator, XSimulator

pytest_plugins = ["tests.push_fixtures"]  # the graph and x_api simulator fixtures


def _fb_settings() -> dict[str, object]:
    return {
        "greeting_text": "Welcome to Wingtip!",
        "get_started_flow": "Order status",
        "persistent_menu": [{"label": "Opening hours", "flow": "Opening hours"}],
    }


# -- Facebook: Messenger Profile API -------------------------------------------------------------------


def test_facebook_push_posts_the_documented_shapes_with_the_page_token(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    assert fb.save(**_fb_settings()).settings.sync_state is SyncState.PENDING
    outcome = push(workspace, fb.profile_id, fb.credentials())
    assert outcome.state is SyncState.SYNCED, outcome.reason
    (call,) = graph.calls()
    assert (call.method, call.path) == ("POST", f"/{fb.platform_id}/messenger_profile")
    assert call.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert call.json == {
        "greeting": [{"locale": "default", "text": "Welcome to Wingtip!"}],
        "get_started": {"payload": payload(workspace, "Order status")},
        "persistent_menu": [
            {
                "locale": "default",
                "call_to_actions": [
                    {
                        "type": "postback",
                        "title": "Opening hours",
                        "payload": payload(workspace, "Opening hours"),
                    }
                ],
            }
        ],
    }
    row = fb.row()
    assert row.sync_state == "synced" and row.pushed_at is not None and row.next_attempt_at is None


def test_facebook_switching_off_sends_one_delete_and_only_what_changed(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(**_fb_settings())
    push(workspace, fb.profile_id, fb.credentials())
    graph.requests.clear()
    fb.save(greeting_text="", persistent_menu=[], get_started_flow=None)
    fb.save(ice_breakers=[{"question": "Where is my order?", "flow": "Order status"}])
    assert push(workspace, fb.profile_id, fb.credentials()).state is SyncState.SYNCED
    methods = [r.method for r in graph.calls()]
    assert sorted(methods) == ["DELETE", "POST"]  # at most one of each per push
    delete = graph.calls("DELETE")[0]
    assert delete.json == {"fields": ["get_started", "greeting", "persistent_menu"]}
    assert graph.calls("POST")[0].json == {
        "ice_breakers": [
            {
                "locale": "default",
                "call_to_actions": [
                    {"question": "Where is my order?", "payload": payload(workspace, "Order status")}
                ],
            }
        ]
    }
    assert graph.profiles[fb.platform_id] == {"ice_breakers": graph.calls("POST")[0].json["ice_breakers"]}
    graph.requests.clear()
    fb.save(color="#123456")  # in-app only: nothing to send, the state stays synced
    assert fb.row().sync_state == "synced"
    assert push(workspace, fb.profile_id, fb.credentials(), manual=True).state is SyncState.SYNCED
    assert graph.calls() == []


def test_a_renamed_flow_keeps_its_payload(workspace: Workspace, graph: GraphSimulator) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(get_started_flow="Order status")
    push(workspace, fb.profile_id, fb.credentials())
    before = graph.calls("POST")[0].json["get_started"]["payload"]
    with workspace.session() as s:
        flows.rename(s, fb.admin, "Order status", "Where is my parcel")
    fb.save(greeting_text="Hello")
    push(workspace, fb.profile_id, fb.credentials())
    assert graph.profiles[fb.platform_id]["get_started"]["payload"] == before
    assert "greeting" in graph.calls("POST")[1].json and "get_started" not in graph.calls("POST")[1].json


@pytest.mark.parametrize("page_token, scopes", [(False, None), (True, "pages_show_list pages_manage_posts")])
def test_facebook_without_messenger_waits_and_the_grant_stays_active(
    workspace: Workspace, graph: GraphSimulator, page_token: bool, scopes: str | None
) -> None:
    fb = facebook_page(workspace, graph, page_token=page_token, scopes=scopes)
    fb.save(greeting_text="Hi")
    outcome = push(workspace, fb.profile_id, fb.credentials())
    assert outcome.state is SyncState.PENDING
    assert outcome.reason == "Re-connect Facebook Publishing and allow Messenger"
    assert graph.calls() == []  # never a user token where a Page token is needed
    assert fb.grant().state == "active"
    with workspace.session() as s:
        assert s.query(Notification).count() == 0


def test_facebook_190_expires_the_grant_and_notifies_once(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(
        400,
        {
            "error": {
                "message": "Error validating access token: Session has expired",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            }
        },
    )
    outcome = push(workspace, fb.profile_id, fb.credentials())
    assert outcome.state is SyncState.PENDING and outcome.next_attempt_at is None
    assert "Re-connect Facebook Publishing" in (outcome.reason or "")
    grant = fb.grant()
    assert grant.state == "expired" and "Session has expired" in (grant.last_error or "")
    with workspace.session() as s:
        (note,) = notifications.list_notifications(s)
    assert note.kind == "connection_expired" and note.profile_id == fb.profile_id


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_meta_rate_limits_wait_15_minutes_without_losing_the_change(
    workspace: Workspace, graph: GraphSimulator, code: int
) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(400, {"error": {"message": "(#4) Application request limit reached", "code": code}})
    now = utcnow()
    outcome = push(workspace, fb.profile_id, fb.credentials(), now=now)
    assert outcome.state is SyncState.PENDING
    assert outcome.next_attempt_at == now + timedelta(minutes=15)
    assert (outcome.reason or "").startswith("rate-limited, next try at ")
    assert push_due(workspace, fb.credentials(), now=now + timedelta(minutes=14)) == []  # not due yet
    (later,) = push_due(workspace, fb.credentials(), now=now + timedelta(minutes=15))
    assert later.state is SyncState.SYNCED
    assert graph.profiles[fb.platform_id]["greeting"][0]["text"] == "Hi"


def test_http_429_waits_for_the_platforms_hint(workspace: Workspace, graph: GraphSimulator) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(429, {"error": {"message": "Too many calls"}}, {"Retry-After": "120"})
    now = utcnow()
    outcome = push(workspace, fb.profile_id, fb.credentials(), now=now)
    assert outcome.state is SyncState.PENDING and outcome.next_attempt_at == now + timedelta(seconds=120)


def test_transient_failures_back_off_1_5_15_60_and_are_never_failed(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    now = utcnow()
    waits = []
    for _ in range(5):
        graph.answer_next(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
        outcome = push(workspace, fb.profile_id, fb.credentials(), now=now)
        assert outcome.state is SyncState.PENDING and outcome.next_attempt_at is not None
        waits.append(int((outcome.next_attempt_at - now).total_seconds() // 60))
        now = outcome.next_attempt_at
    assert waits == [1, 5, 15, 60, 60]
    assert push(workspace, fb.profile_id, fb.credentials(), now=now).state is SyncState.SYNCED
    assert fb.row().push_failures == 0


def test_a_time_out_and_no_network_stay_pending(workspace: Workspace, graph: GraphSimulator) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(200, {"result": "success"}, delay=1.0)
    outcome = push(workspace, fb.profile_id, fb.credentials(), timeout=(1.0, 0.3))
    assert outcome.state is SyncState.PENDING and "did not answer within 0.3 s" in (outcome.reason or "")
    with socket.socket() as sock:  # a port nobody listens on: no network
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    from socialdesk.services.providers import save_provider_settings

    save_provider_settings(workspace.data_dir, "facebook", api_base_url=dead)
    outcome = push(workspace, fb.profile_id, fb.credentials(), manual=True)
    assert outcome.state is SyncState.PENDING and "could not reach Facebook" in (outcome.reason or "")


def test_refused_content_fails_and_waits_for_a_change_or_a_person(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(400, {"error": {"message": "(#100) Invalid greeting text", "code": 100}})
    outcome = push(workspace, fb.profile_id, fb.credentials())
    assert outcome.state is SyncState.FAILED and "Invalid greeting text" in (outcome.reason or "")
    assert due_profile_ids(workspace) == []  # the timer leaves it alone
    assert push(workspace, fb.profile_id, fb.credentials()).state is SyncState.FAILED
    assert len(graph.calls()) == 1
    assert push(workspace, fb.profile_id, fb.credentials(), manual=True).state is SyncState.SYNCED


def test_a_stored_value_broken_by_a_stricter_rule_is_kept_and_blocks_only_its_field_and_the_push(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    six = [{"question": f"Question {i}?", "flow": "Order status"} for i in range(6)]
    with workspace.session() as s:  # stored by an older version that allowed 6
        s.add(
            PlatformSettings(
                profile_id=fb.profile_id,
                values_json=json.dumps({"ice_breakers": six}),
                sync_state="pending",
                updated_at=utcnow(),
            )
        )
    with workspace.session() as s:
        shown = settings.load(s, fb.profile_id)
    assert shown.values["ice_breakers"] == six
    assert ("ice_breakers", "At most 4 ice breakers; there are 6, remove 2") in shown.problems
    saved = fb.save(greeting_text="Hello")  # another field still saves
    assert saved.changed == ("greeting_text",) and saved.settings.values["ice_breakers"] == six
    with pytest.raises(settings.ValidationError):
        fb.save(ice_breakers=six[:5])  # that field's own change stays blocked until it is fixed
    outcome = push(workspace, fb.profile_id, fb.credentials())
    assert outcome.state is SyncState.PENDING and (outcome.reason or "").startswith("fix ice_breakers first")
    assert graph.calls() == []
    fb.save(ice_breakers=six[:4])
    assert push(workspace, fb.profile_id, fb.credentials()).state is SyncState.SYNCED


def test_a_token_echoed_in_an_error_is_stored_nowhere(
    workspace: Workspace, graph: GraphSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(
        400,
        {
            "error": {
                "message": f"Invalid OAuth access token - Cannot parse access token {PAGE_TOKEN[:31]}",
                "code": 190,
            }
        },
    )
    push(workspace, fb.profile_id, fb.credentials())
    fb.save(greeting_text="Hello")
    graph.answer_next(
        400, {"error": {"message": f"(#100) bad value near {PAGE_TOKEN} and {USER_TOKEN[5:40]}", "code": 100}}
    )
    from socialdesk.models.schema import Grant

    with workspace.session() as s:
        s.query(Grant).update({"state": "active"})
    push(workspace, fb.profile_id, fb.credentials(), manual=True)
    workspace.close()
    stored = workspace.db_path.read_bytes().decode("latin-1")
    with Workspace.open(workspace.data_dir).session() as s:
        texts = [n.text for n in s.query(Notification)]
        reasons = [r.sync_error or "" for r in s.query(PlatformSettings)]
    assert any("refused" in r for r in reasons)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for token in (PAGE_TOKEN, USER_TOKEN):
        for i in range(len(token) - 7):
            piece = token[i : i + 8]
            assert piece not in stored and piece not in logs and all(piece not in t for t in texts), piece


# -- Instagram -----------------------------------------------------------------------------------------


def test_instagram_ice_breakers_go_through_the_page_with_platform_instagram(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    ig = instagram_account(workspace, graph)
    ig.save(ice_breakers=[{"question": "Do you ship abroad?", "flow": "Order status"}])
    assert push(workspace, ig.profile_id, ig.credentials()).state is SyncState.SYNCED
    (call,) = graph.calls()
    assert (call.method, call.path, call.query) == (
        "POST",
        "/me/messenger_profile",
        {"platform": "instagram"},
    )
    assert call.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert call.json == {
        "platform": "instagram",
        "ice_breakers": [
            {
                "locale": "default",
                "call_to_actions": [
                    {"question": "Do you ship abroad?", "payload": payload(workspace, "Order status")}
                ],
            }
        ],
    }
    ig.save(ice_breakers=[])
    assert push(workspace, ig.profile_id, ig.credentials()).state is SyncState.SYNCED
    assert graph.calls("DELETE")[0].json == {"platform": "instagram", "fields": ["ice_breakers"]}
    assert graph.instagram_profiles[ig.platform_id] == {}


def test_instagram_pushes_need_the_messaging_connection(workspace: Workspace, graph: GraphSimulator) -> None:
    ig = wire(workspace, "instagram", "account", ConnectionType.PUBLISHING, graph.base_url, None)
    ig.save(ice_breakers=[{"question": "Hi?", "flow": "Order status"}])
    outcome = push(workspace, ig.profile_id, ig.credentials())
    assert outcome.state is SyncState.PENDING
    assert outcome.reason == (
        "waiting for an active Instagram Messaging connection; connect it and the settings will be pushed"
    )


# -- WhatsApp ------------------------------------------------------------------------------------------

WHATSAPP = {
    "address": "1 Harbour Street, Bristol",
    "description": "Customer care",
    "vertical": "RETAIL",
    "email": "care@example.com",
    "websites": ["https://example.com"],
}


def test_whatsapp_sends_only_the_fields_that_are_set(workspace: Workspace, graph: GraphSimulator) -> None:
    wa = whatsapp_number(workspace, graph)
    wa.save(**WHATSAPP)
    assert push(workspace, wa.profile_id, wa.credentials()).state is SyncState.SYNCED
    (call,) = graph.calls()
    assert (call.method, call.path) == ("POST", f"/{wa.platform_id}/whatsapp_business_profile")
    assert call.headers["Authorization"] == f"Bearer {USER_TOKEN}"
    assert call.json == {"messaging_product": "whatsapp", **WHATSAPP}  # no empty "about"
    wa.save(about="We reply on weekdays")
    push(workspace, wa.profile_id, wa.credentials())
    assert graph.calls()[1].json == {"messaging_product": "whatsapp", "about": "We reply on weekdays"}


def _jpeg(width: int, height: int) -> bytes:
    sof = (
        b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big") + b"\x03" + b"\x00" * 9
    )
    return b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof + b"\xff\xd9"


def test_whatsapp_avatar_is_copied_uploaded_and_sent_as_a_handle(
    workspace: Workspace, graph: GraphSimulator, tmp_path
) -> None:
    wa = whatsapp_number(workspace, graph)
    picked = tmp_path / "logo.jpg"
    picked.write_bytes(_jpeg(640, 640))
    saved = wa.save(**WHATSAPP, avatar=str(picked))
    stored = saved.settings.values["avatar"]
    assert stored.startswith("media/") and (workspace.data_dir / stored).read_bytes() == picked.read_bytes()
    assert saved.settings.warnings == []
    assert push(workspace, wa.profile_id, wa.credentials()).state is SyncState.SYNCED
    opened, sent, profile = graph.calls()
    assert (opened.path, opened.query["file_length"], opened.query["file_type"]) == (
        "/777000111/uploads",
        str(len(picked.read_bytes())),
        "image/jpeg",
    )
    assert sent.path.startswith("/upload:") and sent.headers["Authorization"] == f"OAuth {USER_TOKEN}"
    assert sent.headers["file_offset"] == "0" and sent.data == picked.read_bytes()
    assert profile.json["profile_picture_handle"] in graph.handles
    wa.save(about="New about")
    push(workspace, wa.profile_id, wa.credentials())
    assert len(graph.calls()) == 4  # the unchanged avatar is not uploaded again


def test_whatsapp_avatar_must_be_a_jpg_or_png_and_640_is_advised(
    workspace: Workspace, graph: GraphSimulator, tmp_path
) -> None:
    wa = whatsapp_number(workspace, graph)
    text = tmp_path / "logo.jpg"
    text.write_text("not a picture")
    with pytest.raises(settings.ValidationError) as refused:
        wa.save(**WHATSAPP, avatar=str(text))
    assert refused.value.problems == [
        ("avatar", f"{text} is not a JPG or PNG picture; choose a JPG or PNG file")
    ]
    small = tmp_path / "small.jpg"
    small.write_bytes(_jpeg(300, 200))
    saved = wa.save(**WHATSAPP, avatar=str(small))
    assert saved.settings.warnings == [
        ("avatar", "WhatsApp recommends a square JPG or PNG of 640×640 pixels; this picture is 300×200")
    ]


# -- X ------------------------------------------------------------------------------------------------


def test_x_profile_goes_through_put_users_me_and_dm_settings_stay_local(
    workspace: Workspace, x_api: XSimulator
) -> None:
    x = x_account(workspace, x_api)
    x.save(welcome_message="Hi!", quick_replies=[{"label": "Order", "flow": "Order status"}])
    assert x.row().sync_state == "synced"  # kept in SocialDesk only: never pending
    x.save(
        name="Contoso",
        bio="We help. https://contoso.com/help",
        website="https://contoso.com",
        location="Leeds",
    )
    assert push(workspace, x.profile_id, x.credentials()).state is SyncState.SYNCED
    (call,) = x_api.calls()
    assert (call.method, call.path) == ("PUT", "/2/users/me")
    assert call.headers["Authorization"] == "Bearer " + x_api.tokens.copy().pop()
    assert call.json == {
        "name": "Contoso",
        "description": "We help. https://contoso.com/help",
        "url": "https://contoso.com",
        "location": "Leeds",
    }


def test_x_401_expires_the_grant_and_429_waits_for_the_reset(workspace: Workspace, x_api: XSimulator) -> None:
    x = x_account(workspace, x_api)
    x.save(name="Contoso")
    now = utcnow()
    reset = int((now + timedelta(minutes=7)).replace(tzinfo=__import__("datetime").timezone.utc).timestamp())
    x_api.answer_next(429, {"title": "Too Many Requests", "status": 429}, {"x-rate-limit-reset": str(reset)})
    outcome = push(workspace, x.profile_id, x.credentials(), now=now)
    assert outcome.state is SyncState.PENDING and outcome.next_attempt_at is not None
    assert abs((outcome.next_attempt_at - (now + timedelta(minutes=7))).total_seconds()) < 2
    x_api.answer_next(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
    outcome = push(workspace, x.profile_id, x.credentials(), manual=True)
    assert outcome.state is SyncState.PENDING and x.grant().state == "expired"


# -- the queue ----------------------------------------------------------------------------------------


def test_an_offline_push_goes_after_a_restart_exactly_once(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    from socialdesk.services.providers import save_provider_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    save_provider_settings(workspace.data_dir, "facebook", api_base_url=dead)
    fb.save(greeting_text="First")
    fb.save(greeting_text="Second")  # two saves offline: only the latest goes
    assert push(workspace, fb.profile_id, fb.credentials()).state is SyncState.PENDING
    workspace.close()
    save_provider_settings(workspace.data_dir, "facebook", api_base_url=graph.base_url)
    reopened = Workspace.open(workspace.data_dir)
    try:
        later = utcnow() + timedelta(minutes=2)
        from socialdesk.services.settings_push import workspace_credentials

        outcomes = push_due(reopened, workspace_credentials(reopened), now=later)
        assert [o.state for o in outcomes] == [SyncState.SYNCED]
        assert push_due(reopened, workspace_credentials(reopened), now=later) == []
        (call,) = graph.calls()
        assert call.json == {"greeting": [{"locale": "default", "text": "Second"}]}
    finally:
        reopened.close()


def test_a_reconnect_pushes_at_once(workspace: Workspace, graph: GraphSimulator) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Hi")
    graph.answer_next(503, {"error": {"message": "down", "code": 2}})
    assert push(workspace, fb.profile_id, fb.credentials()).state is SyncState.PENDING
    outcome = push_after_reconnect(workspace, fb.profile_id, fb.credentials())
    assert outcome is not None and outcome.state is SyncState.SYNCED


def test_live_chat_is_local_only(workspace: Workspace, graph: GraphSimulator) -> None:
    from tests import factory

    with workspace.session() as s:
        admin = factory.member(s, "Ada", factory.Role.ADMINISTRATOR, me=True)
        p = factory.profile(s, "live_chat", "widget", owners=(admin,))
        actor, pid = factory.actor(admin), p.id
    with workspace.session() as s:
        saved = settings.save(s, actor, pid, {"allowlisted_domains": ["https://example.com"]})
    assert saved.settings.sync_state is SyncState.LOCAL and saved.settings.push_json() == {
        "state": "local_only",
        "reason": None,
        "attempted_at": None,
        "next_attempt_at": None,
    }
    assert push(workspace, pid, lambda _pid: None, manual=True).state is SyncState.LOCAL


# -- the simulators refuse what the platforms refuse ---------------------------------------------------


def test_the_graph_simulator_refuses_undocumented_calls(workspace: Workspace, graph: GraphSimulator) -> None:
    fb = facebook_page(workspace, graph)
    url = f"{graph.base_url}/{fb.platform_id}/messenger_profile"
    page, user = {"Authorization": f"Bearer {PAGE_TOKEN}"}, {"Authorization": f"Bearer {USER_TOKEN}"}
    breakers = [
        {"locale": "default", "call_to_actions": [{"question": f"Q{i}", "payload": "P"} for i in range(5)]}
    ]
    cases = [
        ("POST", url, user, {"greeting": [{"locale": "default", "text": "Hi"}]}, 210),  # user token
        ("POST", url, page, {"greeting": [{"locale": "en_US", "text": "Hi"}]}, 100),  # no default locale
        ("POST", url, page, {"ice_breakers": breakers}, 100),  # more than 4
        (
            "POST",
            url,
            page,
            {
                "persistent_menu": [
                    {
                        "locale": "default",
                        "call_to_actions": [{"type": "postback", "title": "Menu", "payload": "P"}],
                    }
                ]
            },
            100,
        ),  # menu without Get Started
        ("POST", url, page, {"privacy_policy_url": "https://x.example"}, 100),  # not a Messenger field
        ("DELETE", url, page, {"greeting": []}, 100),  # DELETE takes {fields}
        ("PUT", url, page, {"greeting": []}, 100),
        ("POST", f"{graph.base_url}/me/messenger_profile", page, {"ice_breakers": []}, 100),  # no platform=
        ("POST", f"{graph.base_url}/{fb.platform_id}/whatsapp_business_profile", user, {"about": "x"}, 100),
    ]
    for method, target, headers, body, code in cases:
        answer = requests.request(method, target, headers=headers, json=body, timeout=5)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, (method, body)
    assert len(graph.violations) == len(cases)
    graph.violations.clear()


def test_the_whatsapp_simulator_refuses_an_empty_about_and_no_messaging_product(
    workspace: Workspace, graph: GraphSimulator
) -> None:
    wa = whatsapp_number(workspace, graph)
    url = f"{graph.base_url}/{wa.platform_id}/whatsapp_business_profile"
    auth = {"Authorization": f"Bearer {USER_TOKEN}"}
    for body in (
        {"about": "Hi"},
        {"messaging_product": "whatsapp", "about": ""},
        {"messaging_product": "whatsapp", "vertical": "SHOPS"},
        {"messaging_product": "whatsapp", "websites": ["a", "b", "c"]},
    ):
        assert requests.post(url, headers=auth, json=body, timeout=5).status_code == 400, body
    page = {"Authorization": f"Bearer {PAGE_TOKEN}"}
    assert (
        requests.post(url, headers=page, json={"messaging_product": "whatsapp"}, timeout=5).status_code == 400
    )
    assert len(graph.violations) == 5
    graph.violations.clear()


def test_the_x_simulator_refuses_other_endpoints_and_bad_tokens(
    workspace: Workspace, x_api: XSimulator
) -> None:
    x_account(workspace, x_api)
    token = {"Authorization": "Bearer " + x_api.tokens.copy().pop()}
    assert requests.put(f"{x_api.base_url}/2/users/me", json={"name": "A"}, timeout=5).status_code == 401
    assert (
        requests.post(
            f"{x_api.base_url}/2/users/me", headers=token, json={"name": "A"}, timeout=5
        ).status_code
        == 404
    )
    assert (
        requests.put(f"{x_api.base_url}/2/users/me", headers=token, json={"bio": "A"}, timeout=5).status_code
        == 400
    )
    assert (
        requests.put(
            f"{x_api.base_url}/2/users/me", headers=token, json={"name": "A" * 51}, timeout=5
        ).status_code
        == 400
    )
    assert len(x_api.violations) == 4
    x_api.violations.clear()


def test_a_wait_for_an_event_is_left_to_the_event(workspace: Workspace, graph: GraphSimulator) -> None:
    ig = wire(workspace, "instagram", "account", ConnectionType.PUBLISHING, graph.base_url, None)
    ig.save(ice_breakers=[{"question": "Hi?", "flow": "Order status"}])
    assert due_profile_ids(workspace) == [ig.profile_id]  # saved, never tried
    assert push(workspace, ig.profile_id, ig.credentials()).state is SyncState.PENDING
    assert due_profile_ids(workspace) == []  # the timer waits for the connection, not for time
    assert due_profile_ids(workspace, waiting=True) == [ig.profile_id]  # the GUI's first round looks again
    ig.save(ice_breakers=[{"question": "Hello?", "flow": "Order status"}])
    assert due_profile_ids(workspace) == [ig.profile_id]  # a new version is due at once


def test_migration_0006_moves_whatsapp_avatar_urls_and_renames_local(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import text

    from socialdesk.services.workspace import _alembic_config

    ws = Workspace.open(tmp_path / "old", create=True)
    with ws.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
    profiles = (
        "INSERT INTO profiles (id, platform, kind, handle, handle_key, display_name, visibility, added_at) "
        "VALUES (:id, :platform, :kind, :h, :h, :h, 'owned', '2026-01-01')"
    )
    rows = (
        "INSERT INTO platform_settings (profile_id, values_json, sync_state, updated_at) "
        "VALUES (:p, :v, :s, '2026-01-01')"
    )
    with ws.engine.begin() as conn:
        conn.execute(text(profiles), {"id": 1, "platform": "whatsapp", "kind": "business_account", "h": "wa"})
        conn.execute(text(profiles), {"id": 2, "platform": "live_chat", "kind": "widget", "h": "lc"})
        old_wa = {"avatar_url": "https://cdn.example.com/a.jpg", "about": "Hi"}
        conn.execute(text(rows), {"p": 1, "v": json.dumps(old_wa), "s": "synced"})
        conn.execute(
            text(rows),
            {"p": 2, "v": json.dumps({"avatar_url": "https://cdn.example.com/b.png"}), "s": "local"},
        )
    ws.close()
    upgraded = Workspace.open(tmp_path / "old")
    try:
        with upgraded.session() as s:
            wa, lc = s.get(PlatformSettings, 1), s.get(PlatformSettings, 2)
            assert wa is not None and lc is not None
            assert json.loads(wa.values_json) == {
                "avatar_previous_url": "https://cdn.example.com/a.jpg",
                "about": "Hi",
                "avatar": "",
            }
            assert json.loads(lc.values_json) == {
                "avatar_url": "https://cdn.example.com/b.png"
            }  # Live Chat keeps it
            assert (wa.sync_state, lc.sync_state) == ("synced", "local_only")
            shown = settings.load(s, 1)
        assert shown.values["avatar"] == "" and "avatar_previous_url" not in shown.values
    finally:
        upgraded.close()
