"""The GUI side of the settings push queue (``services.settings_push`` holds the queue itself).

The window tries the due pushes once its rows are shown, then on a timer, and right after profiles
changed (a re-connect among them: a push waiting for that connection goes at once). Every try runs on
a worker thread, one batch at a time; the details pane shows the selected profile's push state.

``PushQueue.attach(window, workspace)`` is the one hook the main window needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from shiboken6 import isValid

from socialdesk.ops import settings
from socialdesk.ops.settings import Credentials, PushOutcome, Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.ui.workers import run_in_thread

log = logging.getLogger(__name__)

#: How often due pushes are tried (the back-off decides what is due; this only looks).
INTERVAL_MS = 60_000
#: Pushes tried per round: a huge backlog drains over several rounds, never in one long block.
BATCH = 50
#: The first round after start looks at pushes waiting for a connection too (it may be back).
WAITING_BATCH = 500


class PushQueue(QObject):
    """Runs due settings pushes from the GUI, off the GUI thread."""

    #: One round finished: the outcomes (``PushOutcome``) of the pushes it tried.
    pushed = Signal(list)

    def __init__(
        self,
        workspace: Workspace,
        parent: QObject | None = None,
        *,
        credentials: Credentials | None = None,
        interval_ms: int = INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.credentials = credentials or settings.workspace_credentials(workspace)
        self.running = False
        self._again = False
        self._started = False
        self._reconnected: list[int] = []
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.run_due)

    @classmethod
    def attach(cls, window: Any, workspace: Workspace) -> PushQueue:
        """Wire the queue into the main window: start once rows are shown, re-try after changes, and
        feed the details pane its push state."""
        queue = cls(workspace, window)
        window.rowsLoaded.connect(queue.start)
        window.profile_actions.changed.connect(lambda ids, _membership: queue.profiles_changed(ids))
        window.details.push_state_source = queue.state_of
        queue.pushed.connect(lambda _outcomes: window.details.refresh_push_state())
        return queue

    def start(self) -> None:
        """The rows are shown: try what is due now, then on the timer (idempotent)."""
        if self._started:
            return
        self._started = True
        self.timer.start()
        self.run_due(waiting=True)  # a connection may have come back while the window was closed

    def stop(self) -> None:
        self.timer.stop()

    def profiles_changed(self, ids: list[int]) -> None:
        """Profiles changed (re-connected, among others): their waiting pushes go now."""
        self._reconnected.extend(i for i in ids if i not in self._reconnected)
        self.run_due()

    def run_due(self, waiting: bool = False) -> None:
        if self.running:
            self._again = True
            return
        self.running = True
        workspace, credentials = self.workspace, self.credentials
        reconnected, self._reconnected = self._reconnected, []

        def work() -> list[PushOutcome]:
            outcomes: list[PushOutcome] = []
            for pid in reconnected:
                done = settings.push_after_reconnect(workspace, pid, credentials)
                if done is not None:
                    outcomes.append(done)
            outcomes += settings.push_due(
                workspace, credentials, limit=WAITING_BATCH if waiting else BATCH, waiting=waiting
            )
            return outcomes

        run_in_thread(work, self._done, self._failed)

    def _done(self, outcomes: list[PushOutcome]) -> None:
        if not isValid(self):
            return
        self.running = False
        if outcomes:
            self.pushed.emit(outcomes)
        if self._again:
            self._again = False
            self.run_due()

    def _failed(self, exc: BaseException, details: str) -> None:
        log.error("The settings push queue stopped with an error: %s\n%s", exc, details)
        if isValid(self):
            self.running = False

    def state_of(self, profile_id: int) -> settings.ProfileSettings | None:
        """The profile's settings with their push state (a quick read for the details pane)."""
        try:
            return settings.load(self.workspace, profile_id)
        except SocialDeskError:
            return None


PushStateSource = Callable[[int], "settings.ProfileSettings | None"]

SyncState = settings.SyncState


def _tr(text: str) -> str:
    return QCoreApplication.translate("PushState", text)


def describe_push(loaded: settings.ProfileSettings) -> tuple[str, str]:
    """The push state as a badge text and one sentence (profile manager and details pane alike)."""
    state, platform = loaded.sync_state, loaded.platform_label
    reason = (loaded.sync_error or "").rstrip(".")
    if state is SyncState.LOCAL:
        sentence = _tr("Kept in SocialDesk only: nothing of these settings can reach {0}.").format(platform)
    elif state is SyncState.SYNCED and loaded.pushed_at is not None:
        sentence = _tr("{0} has these settings (pushed {1} UTC).").format(
            platform, loaded.pushed_at.strftime("%Y-%m-%d %H:%M")
        )
    elif state is SyncState.SYNCED:
        sentence = _tr("Nothing waits to be sent to {0}.").format(platform)
    elif state is SyncState.PENDING:
        sentence = _tr("Saved here, not on {0} yet: {1}.").format(platform, reason or _tr("not pushed yet"))
        if loaded.next_attempt_at is not None and "next try at" not in reason:
            sentence += " " + _tr("Next try at {0}.").format(settings.hhmm(loaded.next_attempt_at))
    else:
        sentence = _tr("{0} refused these settings; the local version is kept. Why: {1}.").format(
            platform, reason or _tr("unknown")
        )
    return _tr(state.label), sentence
