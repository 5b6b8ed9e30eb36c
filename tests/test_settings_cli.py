"""``socialdesk settings show|set`` exactly as docs/interfaces.md says, on the demo workspace.

Every broken rule is printed as ``field: message``, the exit status is 1 and nothing is saved
(``settings show`` is compared before and after); a valid file is saved locally and exits 0 with the push
state printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from socialdesk.cli import main
from socialdesk.models.schema import AuditEntry, Member, Meta, PlatformSettings, Profile
from socialdesk.services.workspace import Workspace


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def find_profile(data: Path, platform: str, kind: str | None = None, visibility: str = "owned") -> int:
    """The first live profile of that platform with stored settings (or any, for public ones)."""
    ws = Workspace.open(data)
    try:
        with ws.session() as s:
            query = select(Profile.id).where(
                Profile.platform == platform, Profile.visibility == visibility, Profile.deleted_at.is_(None)
            )
            if kind:
                query = query.where(Profile.kind == kind)
            if visibility == "owned":
                query = query.join(PlatformSettings, PlatformSettings.profile_id == Profile.id)
            found = s.scalar(query.order_by(Profile.id).limit(1))
    finally:
        ws.close()
    assert found is not None, (platform, kind, visibility)
    return int(found)


def show(capsys: pytest.CaptureFixture[str], data: Path, pid: int) -> dict[str, Any]:
    code, out, err = run(capsys, "--data-dir", str(data), "settings", "show", str(pid))
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    push = result.pop("push")  # always there, read-only (docs/interfaces.md "Settings pushes")
    assert set(push) == {"state", "reason", "attempted_at", "next_attempt_at"}
    return result


def set_file(
    capsys: pytest.CaptureFixture[str], data: Path, pid: int, content: Any, tmp_path: Path
) -> tuple[int, str, str]:
    path = tmp_path / "settings.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return run(capsys, "--data-dir", str(data), "settings", "set", str(pid), str(path))


def refused(
    capsys: pytest.CaptureFixture[str], data: Path, pid: int, content: Any, tmp_path: Path
) -> list[str]:
    """Set, expect a refusal that saved nothing, and return the stderr lines."""
    before = show(capsys, data, pid)
    code, out, err = set_file(capsys, data, pid, content, tmp_path)
    assert code == 1, (out, err)
    assert out == ""
    assert show(capsys, data, pid) == before
    return err.splitlines()


def items(n: int, key: str = "label", flow: str = "Welcome") -> list[dict[str, str]]:
    return [{key: f"Choice {i + 1}", "flow": flow} for i in range(n)]


# -- show and round trip ----------------------------------------------------------------------------


def test_show_prints_every_key_of_the_platform(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    x = show(capsys, demo_dir, find_profile(demo_dir, "x"))
    assert list(x) == [
        "color", "name", "website", "location", "bio", "privacy_policy_url", "welcome_message",
        "quick_replies", "attach_quick_replies", "attached_quick_replies",
    ]  # fmt: skip
    assert x["quick_replies"] and set(x["quick_replies"][0]) == {"label", "flow"}
    fb = show(capsys, demo_dir, find_profile(demo_dir, "facebook", "page"))
    assert fb["get_started_flow"] is None and fb["case_creation"] is False
    assert set(fb["ice_breakers"][0]) == {"question", "flow"}
    wa = show(capsys, demo_dir, find_profile(demo_dir, "whatsapp"))
    assert wa["vertical"] == "RETAIL" and wa["websites"] == ["https://example.com"]
    assert list(show(capsys, demo_dir, find_profile(demo_dir, "facebook", "user"))) == ["color"]
    assert list(show(capsys, demo_dir, find_profile(demo_dir, "x", visibility="public"))) == ["color"]


def test_every_demo_profile_round_trips(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    """What `show` prints, `set` takes back unchanged: the demo's stored settings pass every rule."""
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        ids = s.scalars(
            select(Profile.id)
            .join(PlatformSettings, PlatformSettings.profile_id == Profile.id)
            .where(Profile.deleted_at.is_(None))
        ).all()
    ws.close()
    assert len(ids) >= 30
    for pid in ids:
        before = show(capsys, demo_dir, pid)
        code, out, err = set_file(capsys, demo_dir, pid, before, tmp_path)
        assert code == 0, (pid, err)
        assert out.startswith("No changes"), (pid, out)  # and so nothing was written


def test_show_with_state(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    pid = find_profile(demo_dir, "live_chat")
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "settings", "show", str(pid), "--with-state")
    assert code == 0
    data = json.loads(out)
    assert data["profile_id"] == pid and data["platform"] == "live_chat"
    assert data["push"]["state"] == "local_only" and data["settings"]["allowlisted_domains"]


# -- valid changes ------------------------------------------------------------------------------------


def test_valid_file_is_saved_keys_absent_keep_their_value(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    pid = find_profile(demo_dir, "x")
    before = show(capsys, demo_dir, pid)
    change = {
        "welcome_message": "Welcome to our support!",
        "quick_replies": [{"label": "Where is my order?", "flow": "order status"}],
        "bio": "We help 24/7. https://www.example.com/a/long/path/to/our/help/centre",
    }
    code, out, err = set_file(capsys, demo_dir, pid, change, tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Saved locally: bio, welcome_message, quick_replies"
    assert lines[1].startswith(f"{pid}: pending (")  # demo grants have no token on this computer
    after = show(capsys, demo_dir, pid)
    assert after["welcome_message"] == change["welcome_message"]
    assert after["quick_replies"] == [{"label": "Where is my order?", "flow": "Order status"}]  # as stored
    for key in ("name", "location", "color"):
        assert after[key] == before[key]


def test_one_welcome_message_for_many_accounts(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        ids = s.scalars(
            select(Profile.id)
            .join(PlatformSettings, PlatformSettings.profile_id == Profile.id)
            .where(Profile.platform == "x", Profile.visibility == "owned")
        ).all()
    ws.close()
    assert len(ids) >= 3
    for pid in ids:
        code, _, err = set_file(capsys, demo_dir, pid, {"welcome_message": "Hello from the team"}, tmp_path)
        assert code == 0, err
    assert {show(capsys, demo_dir, pid)["welcome_message"] for pid in ids} == {"Hello from the team"}


def test_colour_only_change_keeps_the_push_state_and_warnings_are_printed(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    pid = find_profile(demo_dir, "whatsapp")
    code, out, _ = set_file(capsys, demo_dir, pid, {"color": "#123456"}, tmp_path)
    assert code == 0
    assert out.splitlines()[:2] == ["Saved locally: color", f"{pid}: synced"]
    live = find_profile(demo_dir, "live_chat")
    code, out, _ = set_file(capsys, demo_dir, live, {"allowlisted_domains": []}, tmp_path)
    assert code == 0 and f"{live}: local_only" in out and "any web site may load this chat" in out


# -- every rule through the command line -------------------------------------------------------------

CASES: list[tuple[str, str | None, dict[str, Any], list[str]]] = [
    ("x", None, {"bio": "b" * 137 + " https://www.example.com/help/with/a/long/path"}, ["bio"]),
    ("x", None, {"name": "n" * 51}, ["name"]),
    ("x", None, {"location": "l" * 31}, ["location"]),
    ("x", None, {"quick_replies": items(6)}, ["quick_replies"]),
    ("x", None, {"welcome_message": "", "quick_replies": items(1)}, ["quick_replies"]),
    ("facebook", "page", {"ice_breakers": items(7, "question")}, ["ice_breakers"]),
    (
        "facebook",
        "page",
        {"ice_breakers": items(1, "question"), "get_started_flow": "Welcome"},
        ["get_started_flow"],
    ),
    ("facebook", "page", {"case_creation": True}, ["ice_breakers"]),
    (
        "facebook",
        "page",
        {"case_creation": True, "ice_breakers": [], "persistent_menu": [], "get_started_flow": "Welcome"},
        ["get_started_flow"],
    ),
    ("facebook", "page", {"persistent_menu": items(4)}, ["persistent_menu", "persistent_menu"]),
    (
        "facebook",
        "page",
        {"persistent_menu": [{"label": "m" * 31, "flow": "Welcome"}]},
        ["persistent_menu[0].label", "persistent_menu"],
    ),
    ("facebook", "page", {"greeting_text": "g" * 161}, ["greeting_text"]),
    ("instagram", None, {"ice_breakers": items(5, "question")}, ["ice_breakers"]),
    (
        "whatsapp",
        None,
        {"address": "", "description": None, "vertical": ""},
        ["address", "description", "vertical"],
    ),
    ("whatsapp", None, {"address": "a" * 257, "description": "d" * 257}, ["address", "description"]),
    ("whatsapp", None, {"email": "e" * 117 + "@example.com"}, ["email"]),
    ("whatsapp", None, {"email": "care@example"}, ["email"]),
    (
        "whatsapp",
        None,
        {"websites": ["https://a.example.com", "https://b.example.com", "https://c.example.com"]},
        ["websites"],
    ),
    ("whatsapp", None, {"websites": ["https://example.com/" + "w" * 237]}, ["websites[0]"]),
    ("whatsapp", None, {"vertical": "Space tourism"}, ["vertical"]),
    (
        "live_chat",
        None,
        {"allowlisted_domains": ["https://www.example.com", "shop.example.com"]},
        ["allowlisted_domains[1]"],
    ),
    ("live_chat", None, {"quick_replies": items(4)}, ["quick_replies"]),
    ("live_chat", None, {"start_flow": "No such flow"}, ["start_flow"]),
]


@pytest.mark.parametrize(("platform", "kind", "content", "fields"), CASES)
def test_broken_rule_prints_field_message_exits_1_and_saves_nothing(
    capsys: pytest.CaptureFixture[str],
    demo_dir: Path,
    tmp_path: Path,
    platform: str,
    kind: str | None,
    content: dict[str, Any],
    fields: list[str],
) -> None:
    pid = find_profile(demo_dir, platform, kind)
    lines = refused(capsys, demo_dir, pid, content, tmp_path)
    assert [line.split(": ", 1)[0] for line in lines] == fields
    assert all(len(line.split(": ", 1)[1]) > 10 for line in lines)


def test_every_problem_at_once_and_the_valid_keys_are_not_saved_either(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    pid = find_profile(demo_dir, "x")
    content = {"color": "#000000", "name": "n" * 51, "location": "l" * 31, "quick_replies": items(6)}
    lines = refused(capsys, demo_dir, pid, content, tmp_path)
    assert lines == [
        "name: At most 50 characters; this has 51",
        "location: At most 30 characters; this has 31",
        "quick_replies: At most 5 quick replies; there are 6, remove 1",
    ]


def test_unknown_keys_refused(capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    x = find_profile(demo_dir, "x")
    lines = refused(capsys, demo_dir, x, {"colour": "#000000", "greeting_text": "Hi", "name": "ok"}, tmp_path)
    assert [line.split(": ", 1)[0] for line in lines] == ["colour", "greeting_text"]
    assert all("Unknown setting for X/Twitter" in line for line in lines)
    user = find_profile(demo_dir, "facebook", "user")
    (line,) = refused(capsys, demo_dir, user, {"greeting_text": "Hi"}, tmp_path)
    assert line.startswith(
        "greeting_text: Unknown setting for a Facebook user: it has only the in-app colour"
    )
    public = find_profile(demo_dir, "x", visibility="public")
    (line,) = refused(capsys, demo_dir, public, {"bio": "Hi"}, tmp_path)
    assert "public (only tracked), so it has only the in-app colour (color)" in line
    code, _, err = set_file(capsys, demo_dir, public, {"color": "#00FF00"}, tmp_path)
    assert code == 0, err
    assert show(capsys, demo_dir, public) == {"color": "#00FF00"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
        ('["color"]', "must hold one JSON object of settings"),
        ('{"color": "#000000", "color": "#111111"}', "gives the key 'color' twice"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_unreadable_file_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path, content: str | bytes, expected: str
) -> None:
    pid = find_profile(demo_dir, "x")
    before = show(capsys, demo_dir, pid)
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "settings", "set", str(pid), str(path))
    assert code == 1 and len(err.splitlines()) == 1 and expected in err, err
    code, _, err = run(
        capsys, "--data-dir", str(demo_dir), "settings", "set", str(pid), str(tmp_path / "nope")
    )
    assert (
        code == 1
        and err.strip()
        == f"socialdesk: There is no file {tmp_path / 'nope'}; give the path of a JSON settings file"
    )
    assert show(capsys, demo_dir, pid) == before


def test_only_administrators_change_settings(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    pid = find_profile(demo_dir, "x")
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        manager = s.scalar(select(Member).where(Member.role == "manager").limit(1))
        assert manager is not None
        s.merge(Meta(key="me", value=str(manager.id)))
    ws.close()
    before = show(capsys, demo_dir, pid)  # reading is for everyone
    code, _, err = set_file(capsys, demo_dir, pid, {"name": "New name"}, tmp_path)
    assert code == 1
    assert err.strip() == (
        "socialdesk: Only Administrators can change profile settings (the profile manager); you are a Manager"
    )
    assert show(capsys, demo_dir, pid) == before


def test_usage_and_missing_profile(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "settings", "show", "abc")
    assert code == 2 and len(err.splitlines()) == 1
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "settings")
    assert code == 2 and len(err.splitlines()) == 1
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "settings", "show", "99999")
    assert code == 1 and err.strip() == "socialdesk: There is no profile with id 99999"


def test_a_saved_change_is_audited(
    capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path
) -> None:
    pid = find_profile(demo_dir, "instagram")
    code, _, err = set_file(capsys, demo_dir, pid, {"ice_breakers": items(4, "question")}, tmp_path)
    assert code == 0, err
    ws = Workspace.open(demo_dir)
    with ws.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "settings_changed"))
        assert entry is not None and entry.profile_id == pid and "ice_breakers" in entry.details
        row = s.get(PlatformSettings, pid)
        assert row is not None and row.sync_state == "pending" and row.sync_error
    ws.close()


def test_embed_code_command(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    pid = find_profile(demo_dir, "live_chat")
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "settings", "embed-code", str(pid))
    assert code == 0 and out.startswith("<!-- SocialDesk Live Chat") and "https://www.example.com" in out
    code, _, err = run(
        capsys, "--data-dir", str(demo_dir), "settings", "embed-code", str(find_profile(demo_dir, "x"))
    )
    assert code == 1 and "only Live Chat has embed code" in err


def test_console_script(demo_dir: Path, tmp_path: Path) -> None:
    """The installed entry point: the same lines and exit codes, no traceback."""
    exe = Path(sys.executable).with_name("socialdesk")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialdesk"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    pid = str(find_profile(demo_dir, "facebook", "page"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"persistent_menu": items(4), "greeting_text": "g" * 161}), encoding="utf-8")
    before = subprocess.run(
        [*cmd, "--data-dir", str(demo_dir), "settings", "show", pid], capture_output=True, text=True, env=env
    )
    assert before.returncode == 0, before.stderr
    done = subprocess.run(
        [*cmd, "--data-dir", str(demo_dir), "settings", "set", pid, str(bad)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [line.split(":")[0] for line in done.stderr.splitlines()] == [
        "greeting_text", "persistent_menu", "persistent_menu",
    ]  # fmt: skip
    after = subprocess.run(
        [*cmd, "--data-dir", str(demo_dir), "settings", "show", pid], capture_output=True, text=True, env=env
    )
    assert after.stdout == before.stdout
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"greeting_text": "Hello!"}), encoding="utf-8")
    done = subprocess.run(
        [*cmd, "--data-dir", str(demo_dir), "settings", "set", pid, str(good)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0 and done.stdout.startswith(f"Saved locally: greeting_text\n{pid}: ")


# -- hostile settings files (issue 16): one field: message line per problem, or success --------------

DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE_SETTINGS: list[tuple[str, str, str, str | None]] = [
    # (name, platform, file text, expected stderr text or None for success)
    ("lone surrogate", "x", '{"name": "\\ud800"}', "name: contains a lone surrogate"),
    ("low surrogate in bio", "x", '{"bio": "ok \\udfff"}', "bio: contains a lone surrogate"),
    ("surrogate key", "x", '{"\\ud800": 1}', "a key with a lone surrogate"),
    ("5,000-digit integer", "x", '{"bio": 1' + "0" * 5000 + "}", "bio: is a number with more than 18 digits"),
    ("100,000-deep nesting", "x", '{"bio": ' + DEEP + "}", "nests lists or objects hundreds of levels deep"),
    (
        "12-deep nesting in a list",
        "x",
        '{"quick_replies": ' + "[" * 12 + "]" * 12 + "}",
        "nested more than 8",
    ),
    ("NaN", "x", '{"bio": NaN}', "bio: is not a finite number"),
    ("1e999", "x", '{"bio": 1e999}', "bio: is not a finite number"),
    ("wrong type", "x", '{"name": 5}', "name: Name must be text, not a number"),
    ("null item", "x", '{"quick_replies": [null]}', "quick_replies[0]:"),
    ("huge string", "x", '{"name": "' + "n" * 500_000 + '"}', "name: At most 50 characters"),
    ("over 1 MB", "x", '{"bio": "' + "b" * 1_100_000 + '"}', "larger than 1024 KB"),
    ("unknown key", "x", '{"zzz": 1}', "zzz: Unknown setting"),
    (
        "broken URL",
        "whatsapp",
        '{"websites": ["http://[::1"]}',
        "websites[0]: 'http://[::1' is not a valid address",
    ),
    ("RTL text", "x", '{"location": "\\u0627\\u0644\\u0642\\u0627\\u0647\\u0631\\u0629"}', None),
    ("null clears", "x", '{"location": null}', None),
]


@pytest.mark.parametrize(
    ("name", "platform", "text", "expected"), HOSTILE_SETTINGS, ids=[h[0] for h in HOSTILE_SETTINGS]
)
def test_hostile_settings_file_gives_field_lines_or_success_never_a_traceback(
    demo_dir: Path, tmp_path: Path, name: str, platform: str, text: str, expected: str | None
) -> None:
    pid = find_profile(demo_dir, platform)
    exe = Path(sys.executable).with_name("socialdesk")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialdesk"]
    base = [*cmd, "--data-dir", str(demo_dir), "settings"]
    before = subprocess.run([*base, "show", str(pid)], capture_output=True, text=True, check=True).stdout
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    done = subprocess.run([*base, "set", str(pid), str(path)], capture_output=True, text=True, timeout=60)
    after = subprocess.run([*base, "show", str(pid)], capture_output=True, text=True, check=True).stdout
    assert "Traceback" not in done.stderr, done.stderr
    if expected is None:
        assert done.returncode == 0, done.stderr
        assert json.loads(after) != json.loads(before) or "No changes" in done.stdout
    else:
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert expected in done.stderr, done.stderr
        assert all(": " in line for line in done.stderr.splitlines())
        assert after == before  # never a partial save
