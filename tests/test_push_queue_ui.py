"""The GUI shows each push state (pending, synced, failed, local only) in the details pane and the profile
manager, and ``ui/push_queue.py`` drains the durable queue on its own: once started, on its timer and right
after a profile changed (a re-connect), against the strict Graph simulator (push_simulators.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from socialdesk.models.schema import PlatformSettings
from socialdesk.services.clock import utcnow
from socialdesk.services.details import load as load_details
from socialdesk.services.settings_push import workspace_credentials
from socialdesk.services.workspace import Workspace
from socialdesk.ui.details_pane import DetailsPane
from socialdesk.ui.profile_manager import ProfileManagerWindow
from socialdesk.ui.push_queue import PushQueue
from tests.push_setup import Setup, facebook_page
from tests.push_simulators import GraphSimulator

pytest_plugins = ["tests.push_fixtures"]  # the graph simulator fixture

NOW = utcnow().replace(microsecond=0)
STATES = {
    "pending": (
        {
            "sync_error": "Facebook had a server error (HTTP 503)",
            "next_attempt_at": NOW + timedelta(minutes=5),
        },
        "Pending",
        "Saved here, not on Facebook yet: Facebook had a server error (HTTP 503). Next try at ",
    ),
    "synced": ({"pushed_at": NOW, "attempted_at": NOW}, "Pushed", "Facebook has these settings (pushed "),
    "failed": (
        {"sync_error": "Facebook refused the settings (HTTP 400, code 100: Invalid greeting)"},
        "Push failed",
        "Facebook refused these settings; the local version is kept. Why: Facebook refused the settings",
    ),
    "local_only": (
        {},
        "Kept in SocialDesk only",
        "Kept in SocialDesk only: nothing of these settings can reach Facebook.",
    ),
}


def _in_state(fb: Setup, state: str) -> None:
    fb.save(greeting_text="Hello")
    with fb.ws.session() as s:
        row = s.get(PlatformSettings, fb.profile_id)
        assert row is not None
        row.sync_state, row.sync_error, row.next_attempt_at = state, None, None
        for key, value in STATES[state][0].items():
            setattr(row, key, value)


@pytest.mark.parametrize("state", list(STATES))
def test_the_details_pane_shows_the_push_state(
    qtbot: QtBot, workspace: Workspace, graph: GraphSimulator, state: str
) -> None:
    fb = facebook_page(workspace, graph)
    _in_state(fb, state)
    pane = DetailsPane()
    qtbot.addWidget(pane)
    queue = PushQueue(workspace, pane)
    pane.push_state_source = queue.state_of
    with workspace.session() as s:
        details = load_details(s, fb.profile_id, fb.admin)
    pane.show_details(details)
    _, badge, sentence = STATES[state]
    label = pane.findChild(type(pane.push_state), "detailsPushState")
    assert label is pane.push_state and not label.isHidden()
    assert f">{badge}</span>" in label.text() and sentence.replace("(", "(") in _plain(label.text())
    pane.show_nothing()
    assert pane.push_state.isHidden()


@pytest.mark.parametrize("state", list(STATES))
def test_the_profile_manager_shows_the_push_state(
    qtbot: QtBot, workspace: Workspace, graph: GraphSimulator, state: str
) -> None:
    fb = facebook_page(workspace, graph)
    _in_state(fb, state)
    window = ProfileManagerWindow(workspace, credentials=lambda _pid: None)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.profilesLoaded, timeout=10000):
        window.show()
    assert window.select_profile(fb.profile_id)
    _, badge, sentence = STATES[state]
    assert window.sync_badge.text() == badge
    assert window.sync_reason.text().startswith(sentence)
    assert window.push_button.isEnabled() == (state in ("pending", "failed"))


def _plain(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'").replace("&quot;", '"')


def test_the_queue_pushes_what_is_due_once_started_and_after_a_reconnect(
    qtbot: QtBot, workspace: Workspace, graph: GraphSimulator
) -> None:
    fb = facebook_page(workspace, graph)
    fb.save(greeting_text="Queued while the window was closed")
    queue = PushQueue(workspace, credentials=workspace_credentials(workspace), interval_ms=100)
    with qtbot.waitSignal(queue.pushed, timeout=10000) as first:
        queue.start()
    assert [o.state.value for o in first.args[0]] == ["synced"]
    assert graph.calls("POST")[0].json == {
        "greeting": [{"locale": "default", "text": "Queued while the window was closed"}]
    }
    # A transient failure: the timer leaves it until its next try; a re-connect sends it at once.
    fb.save(greeting_text="Second")
    graph.answer_next(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
    qtbot.waitUntil(lambda: fb.row().push_failures == 1, timeout=10000)
    qtbot.wait(400)  # several timer rounds: nothing is due
    assert len(graph.calls()) == 2
    with qtbot.waitSignal(queue.pushed, timeout=10000) as after:
        queue.profiles_changed([fb.profile_id])
    assert [o.state.value for o in after.args[0]] == ["synced"]
    assert graph.calls()[-1].json == {"greeting": [{"locale": "default", "text": "Second"}]}
    queue.stop()
    qtbot.waitUntil(lambda: not queue.running, timeout=5000)
