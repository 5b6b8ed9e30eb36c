"""The profile manager's widgets and its push runner (``profile_manager`` adds the window's behaviour)."""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from socialdesk.ops import settings as ops_settings
from socialdesk.ops.settings import Credentials, ProfileSettings, PushOutcome, SyncState, Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.rules import ALLOW, Decision
from socialdesk.ui.ops_runner import run_op
from socialdesk.ui.profile_manager_list import ProfileListDelegate, ProfileListModel
from socialdesk.ui.profile_manager_panels import CustomProfilesPanel, EmbedCodePanel, ScrollRelayout
from socialdesk.ui.push_queue import describe_push
from socialdesk.ui.settings_form import SettingsForm
from socialdesk.ui.style import ERROR_COLOR, MUTED

log = logging.getLogger(__name__)

NOTICE_STYLE = "background:#FFF4E5;color:#7A4100;border:1px solid #F5C27A;border-radius:4px;padding:6px;"
ERROR_BANNER_STYLE = (
    f"background:#FDECEA;color:{ERROR_COLOR};border:1px solid #F5B7B1;border-radius:4px;padding:6px;"
)
#: (background, text) of the push state badge.
SYNC_COLORS: dict[SyncState, tuple[str, str]] = {
    SyncState.LOCAL: ("#ECEFF1", "#455A64"),
    SyncState.PENDING: ("#FFF0CC", "#7A5200"),
    SyncState.SYNCED: ("#DDF3DF", "#1B6B24"),
    SyncState.FAILED: ("#FDE0DE", "#A1160A"),
}


class ProfileManagerBase(QMainWindow):
    """The profile manager's widgets, its state and its push runner; ``ProfileManagerWindow`` wires them."""

    #: A profile's settings were saved (profile id): the profiles window may refresh its colour.
    settingsSaved = Signal(int)
    #: A push finished (``PushOutcome``), whatever its outcome.
    pushFinished = Signal(object)
    #: The form of this profile is now shown.
    profileShown = Signal(int)
    #: The list of profiles has been (re)read.
    profilesLoaded = Signal()

    def __init__(
        self, workspace: Workspace, parent: QWidget | None = None, *, credentials: Credentials | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.credentials = credentials or ops_settings.workspace_credentials(workspace)
        self.setObjectName("profileManagerWindow")
        self.setWindowTitle(self.tr("Profile manager[*] — SocialDesk"))
        self.resize(1180, 800)
        self.setMinimumSize(760, 480)
        self.profile_id: int | None = None
        self.loaded: ProfileSettings | None = None
        self.form: SettingsForm | None = None
        self.decision: Decision = ALLOW
        self.dirty = False
        self.problems: list[tuple[str, str]] = []
        self.flows: list[str] = []
        self.pushing: int | None = None
        self._pushing_label = ""
        #: (profile id, platform label) waiting for the push that runs now.
        self._push_queue: list[tuple[int, str]] = []
        self.list_loading = False
        self._first_when_loaded = False
        self._build_toolbar()
        self._build_list()
        self._build_editor()
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("profileManagerSplitter")
        splitter.addWidget(self.list_panel)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, 890])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)
        self.statusBar().setObjectName("profileManagerStatus")

    # -- building --------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Profile manager"), self)
        toolbar.setObjectName("profileManagerToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.action_flows = QAction(self.tr("Flows…"), self)
        self.action_flows.setObjectName("actionFlows")
        self.action_flows.setToolTip(self.tr("Add, rename and delete the flows settings point at"))
        self.action_save = QAction(self.tr("Save"), self)
        self.action_save.setObjectName("actionSaveSettings")
        self.action_save.setShortcut(QKeySequence.StandardKey.Save)
        self.addAction(self.action_save)
        toolbar.addAction(self.action_flows)
        self.addToolBar(toolbar)

    def _build_list(self) -> None:
        self.list_panel = QWidget(self)
        self.list_panel.setObjectName("profileListPanel")
        self.list_panel.setMinimumWidth(220)
        layout = QVBoxLayout(self.list_panel)
        layout.setContentsMargins(8, 8, 4, 8)
        self.search = QLineEdit(self.list_panel)
        self.search.setObjectName("profileSearch")
        self.search.setPlaceholderText(self.tr("Search profiles"))
        self.search.setAccessibleName(self.tr("Search profiles"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.count_label = QLabel(self.list_panel)
        self.count_label.setObjectName("profileCount")
        self.count_label.setStyleSheet(f"color:{MUTED}")
        layout.addWidget(self.count_label)
        self.order_label = QLabel(
            self.tr("Profiles with settings first; by platform, then name"), self.list_panel
        )
        self.order_label.setObjectName("profileOrder")
        self.order_label.setWordWrap(True)
        self.order_label.setStyleSheet(f"color:{MUTED};font-size:small")
        self.order_label.setToolTip(
            self.tr(
                "Owned profiles whose platform has settings come first, then the colour-only ones "
                "(public profiles and kinds without settings); each part by platform, then by name."
            )
        )
        layout.addWidget(self.order_label)
        self.model = ProfileListModel(self)
        self.list = QListView(self.list_panel)
        self.list.setObjectName("profileList")
        self.list.setAccessibleName(self.tr("Profiles"))
        self.list.setModel(self.model)
        self.list.setItemDelegate(ProfileListDelegate(self.list))
        self.list.setUniformItemSizes(True)
        # Lay 100,000 rows out a batch at a time: the first screen shows at once, the rest follows.
        self.list.setLayoutMode(QListView.LayoutMode.Batched)
        self.list.setBatchSize(2000)
        self.list.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.no_match = QLabel(self.list_panel)
        self.no_match.setObjectName("profileNoMatch")
        self.no_match.setWordWrap(True)
        self.no_match.setStyleSheet(f"color:{MUTED};padding-top:12px")
        self.no_match.setVisible(False)
        layout.addWidget(self.no_match)
        layout.addWidget(self.list, 1)
        layout.addStretch(0)  # takes the height while the list is hidden (nothing matches)

    def _build_editor(self) -> None:
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("editorStack")
        self.placeholder = QLabel(self.tr("Choose a profile on the left to see its settings."), self.stack)
        self.placeholder.setObjectName("editorPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet(f"color:{MUTED};padding:24px")
        self.stack.addWidget(self.placeholder)
        page = QWidget(self.stack)
        page.setObjectName("editorPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        header = QHBoxLayout()
        self.header_icon = QLabel(page)
        self.header_icon.setFixedSize(32, 32)
        header.addWidget(self.header_icon, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.header_title = QLabel(page)
        self.header_title.setObjectName("profileTitle")
        self.header_title.setWordWrap(True)
        self.header_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self.header_title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.header_title.setFont(font)
        self.header_subtitle = QLabel(page)
        self.header_subtitle.setObjectName("profileSubtitle")
        self.header_subtitle.setWordWrap(True)
        self.header_subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.header_subtitle.setStyleSheet(f"color:{MUTED}")
        titles.addWidget(self.header_title)
        titles.addWidget(self.header_subtitle)
        header.addLayout(titles, 1)
        layout.addLayout(header)
        sync = QHBoxLayout()
        self.sync_badge = QLabel(page)
        self.sync_badge.setObjectName("syncState")
        self.sync_reason = QLabel(page)
        self.sync_reason.setObjectName("syncReason")
        self.sync_reason.setWordWrap(True)
        self.sync_reason.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.sync_reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.push_button = QPushButton(self.tr("Push now"), page)
        self.push_button.setObjectName("pushNowButton")
        self.push_button.setToolTip(self.tr("Send the saved settings to the platform now"))
        self.push_button.clicked.connect(self.push_now)
        sync.addWidget(self.sync_badge, 0, Qt.AlignmentFlag.AlignTop)
        sync.addWidget(self.sync_reason, 1)
        sync.addWidget(self.push_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(sync)
        self.read_only_banner = QLabel(page)
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setTextFormat(Qt.TextFormat.RichText)
        self.read_only_banner.setStyleSheet(NOTICE_STYLE)
        self.read_only_banner.setVisible(False)
        layout.addWidget(self.read_only_banner)
        line = QFrame(page)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color:#CFD8DC")
        layout.addWidget(line)
        self.form_scroll = QScrollArea(page)
        self.form_scroll.setObjectName("formScroll")
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QFrame.Shape.NoFrame)
        # In a very narrow window the list rows scroll sideways rather than being cut off.
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        body = QWidget(self.form_scroll)
        body.setObjectName("formBody")
        self._relayout = ScrollRelayout(self.form_scroll)
        body.installEventFilter(self._relayout)
        self.body_layout = QVBoxLayout(body)
        self.body_layout.setContentsMargins(4, 6, 12, 12)
        self.body_layout.setSpacing(18)
        self.form_holder = QVBoxLayout()
        self.body_layout.addLayout(self.form_holder)
        self.custom_panel = CustomProfilesPanel(self.workspace, body)
        self.custom_panel.setMaximumWidth(760)
        self.custom_panel.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.body_layout.addWidget(self.custom_panel)
        self.embed_panel = EmbedCodePanel(self.workspace, body)
        self.embed_panel.setMaximumWidth(760)
        self.embed_panel.copied.connect(
            lambda: self.statusBar().showMessage(self.tr("Embed code copied to the clipboard."), 5000)
        )
        self.body_layout.addWidget(self.embed_panel)
        self.body_layout.addStretch(1)
        self.form_scroll.setWidget(body)
        layout.addWidget(self.form_scroll, 1)
        self.save_message = QLabel(page)
        self.save_message.setObjectName("saveMessage")
        self.save_message.setWordWrap(True)
        self.save_message.setStyleSheet(ERROR_BANNER_STYLE)
        self.save_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_message.setVisible(False)
        layout.addWidget(self.save_message)
        bottom = QHBoxLayout()
        self.summary = QLabel(page)
        self.summary.setObjectName("problemsSummary")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.revert_button = QPushButton(self.tr("Revert"), page)
        self.revert_button.setObjectName("revertButton")
        self.revert_button.setToolTip(self.tr("Throw away the unsaved changes"))
        self.save_button = QPushButton(self.tr("Save"), page)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.save_button)
        layout.addLayout(bottom)
        self.editor_page = page
        self.stack.addWidget(page)

    # -- pushing -----------------------------------------------------------------------------------------

    def _show_sync(self, loaded: ProfileSettings) -> None:
        """The push state badge, its sentence, and "Push now" (disabled with the reason when it cannot)."""
        state = loaded.sync_state
        background, color = SYNC_COLORS[state]
        badge, reason = describe_push(loaded)
        self.sync_badge.setText(badge)
        self.sync_badge.setStyleSheet(
            f"background:{background};color:{color};border-radius:8px;padding:2px 8px;font-weight:bold"
        )
        if self.pushing == loaded.profile_id:
            reason = self.tr("Pushing to {0}…").format(loaded.platform_label)
        self.sync_reason.setText(reason)
        self.sync_reason.setStyleSheet(f"color:{ERROR_COLOR}" if state is SyncState.FAILED else "")
        self.push_button.setVisible(loaded.spec.pushes and bool(self.decision))
        self.push_button.setText(self.tr("Retry push") if state is SyncState.FAILED else self.tr("Push now"))
        if self.pushing == loaded.profile_id:
            self.push_button.setEnabled(False)
            self.push_button.setToolTip(self.tr("Pushing to {0}…").format(loaded.platform_label))
            return
        try:
            decision = ops_settings.push_decision(self.workspace, loaded)
        except SocialDeskError as exc:
            decision = Decision(False, str(exc))
        self.push_button.setEnabled(bool(decision))
        self.push_button.setToolTip(
            self.tr("Send the saved settings to the platform now") if decision else decision.reason
        )

    def push_now(self) -> None:
        """Send the shown profile's saved settings to the platform (the "Push now" button)."""
        if self.profile_id is not None and self.loaded is not None and self.decision:
            self.push(self.profile_id, self.loaded.platform_label)

    def push(self, profile_id: int, platform_label: str) -> None:
        """Push on a worker thread, one profile at a time; a profile saved during a push goes next."""
        if self.pushing is not None:
            # Also when this very profile is being pushed: saved again meanwhile, the service keeps the
            # newer version pending, and it goes after this push.
            if profile_id not in [p for p, _ in self._push_queue]:
                self._push_queue.append((profile_id, platform_label))
            return
        self.pushing = profile_id
        self._pushing_label = platform_label
        workspace, credentials = self.workspace, self.credentials
        if self.loaded is not None and self.loaded.profile_id == profile_id:
            self._show_sync(self.loaded)
        run_op(
            lambda: ops_settings.push(workspace, profile_id, credentials, manual=True),
            self._push_done,
            lambda exc, details: self._push_failed(profile_id, exc, details),
        )

    def _push_done(self, outcome: PushOutcome) -> None:
        if not isValid(self):
            return
        label = self._pushing_label
        self.pushing = None
        self._refresh_sync(outcome.profile_id)
        self.statusBar().showMessage(self._push_message(outcome, label), 10000)
        self.pushFinished.emit(outcome)
        self._push_next()

    def _push_next(self) -> None:
        if self._push_queue and self.pushing is None:
            profile_id, label = self._push_queue.pop(0)
            self.push(profile_id, label)

    def _push_message(self, outcome: PushOutcome, label: str) -> str:
        reason = (outcome.reason or "").rstrip(".")
        if outcome.state is SyncState.SYNCED:
            return self.tr("Pushed to {0}.").format(label)
        if outcome.state is SyncState.FAILED:
            return self.tr("The push to {0} failed: {1}.").format(label, reason)
        if outcome.state is SyncState.PENDING:
            return self.tr("Not pushed yet: {0}.").format(reason)
        return self.tr("Nothing to push.")

    def _push_failed(self, profile_id: int, exc: BaseException, details: str) -> None:
        log.error("Settings push of profile %s failed: %s\n%s", profile_id, exc, details)
        if not isValid(self):
            return
        self.pushing = None
        self._refresh_sync(profile_id)
        if profile_id == self.profile_id:
            self.sync_reason.setText(self.tr("The push stopped with an error: {0}").format(exc))
        self.pushFinished.emit(PushOutcome(profile_id, SyncState.FAILED, str(exc)))
        self._push_next()

    def _refresh_sync(self, profile_id: int) -> None:
        """Show the new push state without touching what the user is typing."""
        if profile_id != self.profile_id or self.loaded is None:
            return
        try:
            fresh = ops_settings.load(self.workspace, profile_id)
        except SocialDeskError:
            return
        self._show_sync(fresh)
