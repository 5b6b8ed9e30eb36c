"""Bulk re-connect (PRODUCT §3): selected profiles → ONE connection type → per platform, one sign-in.

The dialog lists the selection for the chosen type grouped per platform, and apart from them the
profiles for which the type is not supported, not expired or not allowed, each with its reason.
"Connect" on a platform opens one sign-in (``SignInDialog``) that serves all of that platform's
profiles; the recording runs on a worker thread, and each profile then shows "Re-connected" or the
reason it failed (wrong account, missing permission). Cancel stops the sign-in in progress (nothing
is changed for that platform); Done closes. ``profilesChanged`` tells the window which rows to refresh
as each platform finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import PLATFORMS, ConnectionType
from socialdesk.ops import connections as ops_connections
from socialdesk.ops.connections import BulkPlan, ConnectOutcome, PlanState, ProfileResult, Target, TypeChoice
from socialdesk.ops.workspace import Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.sign_in import SignInDialog, SignInResult, SignInServices, SignInState, warm_up
from socialdesk.ui.workers import run_in_thread

OK_COLOR = QColor("#1B6B24")
FAIL_COLOR = QColor("#A1160A")
MUTED_COLOR = QColor("#546E7A")

#: Groups of profiles that are not re-connected, in display order, with their titles.
OTHER_GROUPS: tuple[tuple[PlanState, str], ...] = (
    (PlanState.NOT_EXPIRED, "Not expired"),
    (PlanState.UNSUPPORTED, "Not supported for {type}"),
    (PlanState.NOT_ALLOWED, "Not allowed"),
)

#: What a platform row says while its sign-in dialog is in each state.
SIGN_IN_STATES = {
    SignInState.BROWSER: "Signing in…",
    SignInState.WAITING: "Waiting for the web browser…",
    SignInState.WORKING: "Saving…",
    SignInState.ERROR: "Sign-in problem: see the sign-in window",
}


class BulkReconnectDialog(QDialog):
    #: Profiles whose rows changed after a platform's sign-in: (ids, whether profiles were restored).
    profilesChanged = Signal(list, bool)
    #: Each sign-in dialog as it opens (tests drive it; the window may ignore this).
    signInOpened = Signal(object)
    #: The plan for the current connection type is shown.
    planReady = Signal()
    #: A platform's results are shown (its key).
    platformDone = Signal(str)
    #: (platform, message): its sign-in app is not set up; no sign-in window was opened.
    notConfigured = Signal(str, str)

    def __init__(
        self,
        workspace: Workspace,
        profile_ids: Sequence[int],
        parent: QWidget | None = None,
        *,
        services: SignInServices | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bulkReconnectDialog")
        self.workspace = workspace
        self.profile_ids = list(dict.fromkeys(profile_ids))
        self._services = services
        self.plan: BulkPlan | None = None
        self.choices: list[TypeChoice] = []
        self.results: dict[int, ProfileResult] = {}
        self.platform_status: dict[str, str] = {}
        self.platform_items: dict[str, QTreeWidgetItem] = {}
        self.profile_items: dict[int, QTreeWidgetItem] = {}
        self.connect_buttons: dict[str, QPushButton] = {}
        self.platform_labels: dict[str, QLabel] = {}
        self.active: SignInDialog | None = None
        self.active_platform: str | None = None
        self._generation = 0
        self.setWindowTitle(self.tr("Re-connect profiles"))
        self._build()
        self.resize(820, 600)
        self._load_choices()

    # -- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setObjectName("bulkIntro")
        self.intro.setWordWrap(True)
        self.intro.setText(
            plural(
                "Re-connect %Ln selected profile(s). Choose one connection type, then press Connect for "
                "each platform: one sign-in serves all of that platform's profiles.",
                len(self.profile_ids),
            )
        )
        layout.addWidget(self.intro)
        row = QHBoxLayout()
        type_label = QLabel(self.tr("Connection type"), self)
        row.addWidget(type_label)
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("bulkConnectionType")
        self.type_combo.setEnabled(False)
        self.type_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        type_label.setBuddy(self.type_combo)
        self.type_combo.currentIndexChanged.connect(self._type_chosen)
        row.addWidget(self.type_combo)
        row.addStretch(1)
        layout.addLayout(row)
        # One row per platform, always in sight: what it will do, how it went, its Connect button.
        self.platform_panel = QFrame(self)
        self.platform_panel.setObjectName("bulkPlatforms")
        self.platform_panel.setStyleSheet(
            "#bulkPlatforms{background:palette(base);border:1px solid palette(mid);border-radius:4px}"
        )
        self.platform_grid = QGridLayout(self.platform_panel)
        self.platform_grid.setContentsMargins(10, 6, 6, 6)
        self.platform_grid.setHorizontalSpacing(12)
        self.platform_grid.setColumnStretch(1, 1)
        self.platform_panel.hide()
        layout.addWidget(self.platform_panel)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("bulkTree")
        self.tree.setAccessibleName(self.tr("Profiles per platform and their results"))
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Profile"), self.tr("Result")])
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(0, 340)
        layout.addWidget(self.tree, 1)
        bottom = QHBoxLayout()
        self.summary = QLabel(self.tr("Reading the selection…"), self)
        self.summary.setObjectName("bulkSummary")
        self.summary.setWordWrap(True)
        bottom.addWidget(self.summary, 1)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("bulkProgress")
        self.progress.setRange(0, 0)
        self.progress.setFormat(self.tr("%v of %m"))
        self.progress.setMinimumWidth(200)
        bottom.addWidget(self.progress)
        layout.addLayout(bottom)
        self.buttons = QDialogButtonBox(self)
        self.cancel_button = self.buttons.addButton(
            self.tr("Cancel sign-in"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.cancel_button.setObjectName("bulkCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.done_button = self.buttons.addButton(self.tr("Done"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setObjectName("bulkDone")
        self.done_button.clicked.connect(self.accept)
        layout.addWidget(self.buttons)

    # -- the selection and the plan ---------------------------------------------------------------

    def _load_choices(self) -> None:
        workspace, ids = self.workspace, self.profile_ids

        def load() -> list[TypeChoice]:
            return ops_connections.type_choices(workspace, ids)

        run_in_thread(load, self._on_choices, self._on_load_failed)

    def _on_choices(self, choices: list[TypeChoice]) -> None:
        if not shiboken6.isValid(self):
            return
        self.choices = choices
        if not choices:
            self.progress.hide()
            self.summary.setText(
                self.tr("None of the selected profiles has a connection type to re-connect.")
                if self.profile_ids
                else self.tr("Select the profiles to re-connect first.")
            )
            self.planReady.emit()
            return
        self.type_combo.blockSignals(True)
        for choice in choices:
            self.type_combo.addItem(
                self.tr("{0} — {1} expired").format(self.tr(choice.connection_type.label), choice.expired),
                choice.connection_type.value,
            )
        best = max(range(len(choices)), key=lambda i: (choices[i].expired, -i))
        self.type_combo.setCurrentIndex(best)
        self.type_combo.blockSignals(False)
        self.type_combo.setEnabled(True)
        self._type_chosen()

    def _on_load_failed(self, exc: BaseException, _details: str) -> None:
        if shiboken6.isValid(self):
            self.progress.hide()
            self.summary.setText(self.tr("The selection could not be read: {0}").format(exc))

    @property
    def connection_type(self) -> ConnectionType | None:
        data = self.type_combo.currentData()
        return ConnectionType(data) if data else None

    def set_connection_type(self, ctype: ConnectionType | str) -> None:
        """Choose the ONE type to re-connect (as the combo box does); the plan is read again."""
        index = self.type_combo.findData(ConnectionType(ctype).value)
        if index < 0:
            raise ValueError(f"{ctype} is not offered for this selection")
        if index == self.type_combo.currentIndex():
            self._type_chosen()
        else:
            self.type_combo.setCurrentIndex(index)

    def _type_chosen(self, *_args: Any) -> None:
        ctype = self.connection_type
        if ctype is None:
            return
        self._generation += 1
        generation = self._generation
        workspace, ids = self.workspace, self.profile_ids
        self.tree.clear()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.summary.setText(self.tr("Reading the selection…"))

        def load() -> BulkPlan:
            return ops_connections.bulk_plan(workspace, ids, ctype)

        def done(plan: BulkPlan) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self._show_plan(plan)

        run_in_thread(load, done, self._on_load_failed)

    def _show_plan(self, plan: BulkPlan) -> None:
        self.plan = plan
        self.results = {}
        self.platform_status = {}
        self.platform_items = {}
        self.profile_items = {}
        self.tree.clear()
        self._clear_platform_panel()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for row, (key, items) in enumerate(plan.by_platform.items()):
            label = PLATFORMS[key].label
            status = plural("%Ln profile(s) to re-connect", len(items))
            top = QTreeWidgetItem(self.tree, [label, status])
            top.setIcon(0, platform_icon(key))
            top.setFont(0, bold)
            top.setData(0, Qt.ItemDataRole.UserRole, key)
            for item in items:
                child = QTreeWidgetItem(top, [self._name(item.target), self.tr("Expired")])
                child.setToolTip(0, self._name(item.target))
                child.setForeground(1, MUTED_COLOR)
                self.profile_items[item.target.profile_id] = child
            self.platform_items[key] = top
            self.platform_status[key] = "ready"
            self._add_platform_row(row, key, status, len(items))
        for state, title in OTHER_GROUPS:
            items = plan.with_state(state)
            if not items:
                continue
            text = self.tr(title).format(type=self.tr(plan.connection_type.label))
            top = QTreeWidgetItem(self.tree, [f"{text} ({len(items):,})", self.tr("Nothing to do")])
            top.setFont(0, bold)
            top.setForeground(1, MUTED_COLOR)
            top.setData(0, Qt.ItemDataRole.UserRole, state.value)
            for item in items:
                child = QTreeWidgetItem(top, [self._name(item.target), item.reason])
                child.setToolTip(0, self._name(item.target))
                child.setToolTip(1, item.reason)
                child.setForeground(1, MUTED_COLOR)
                child.setIcon(0, platform_icon(item.target.platform))
        self._update_summary()
        self._warm_up_sign_in()
        self.planReady.emit()

    def _warm_up_sign_in(self) -> None:
        """Start the embedded browser while the user reads the plan, not during the first sign-in."""
        if self.plan is None:
            return
        try:
            services = self.services()
            # Each kind's own app (LinkedIn organization pages) may set its own browser.
            apps = {(p, i.target.kind) for p, items in self.plan.by_platform.items() for i in items}
            embedded = any(
                ops_connections.provider_of(services.service, p, kind).browser == "embedded"
                for p, kind in apps
            )
        except SocialDeskError:
            return  # the sign-in itself will say what is wrong
        if embedded:
            QTimer.singleShot(0, warm_up)

    def _clear_platform_panel(self) -> None:
        while (item := self.platform_grid.takeAt(0)) is not None:
            if (old := item.widget()) is not None:
                old.hide()
                old.deleteLater()
        self.connect_buttons = {}
        self.platform_labels = {}

    def _add_platform_row(self, row: int, key: str, status: str, count: int) -> None:
        label = PLATFORMS[key].label
        name = QLabel(self.platform_panel)
        name.setText(f"<b>{label}</b>")
        icon = QLabel(self.platform_panel)
        icon.setPixmap(platform_icon(key).pixmap(18, 18))
        head = QHBoxLayout()
        head.setSpacing(6)
        head.addWidget(icon)
        head.addWidget(name)
        head.addStretch(1)
        holder = QWidget(self.platform_panel)
        holder.setLayout(head)
        head.setContentsMargins(0, 0, 0, 0)
        self.platform_grid.addWidget(holder, row, 0)
        text = QLabel(status, self.platform_panel)
        text.setObjectName(f"bulkStatus_{key}")
        text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.platform_grid.addWidget(text, row, 1)
        button = QPushButton(self.tr("Connect"), self.platform_panel)
        button.setObjectName(f"bulkConnect_{key}")
        button.setToolTip(self.tr("One sign-in to {0} for these {1} profiles").format(label, count))
        button.clicked.connect(lambda _checked=False, k=key: self.connect_platform(k))
        self.platform_grid.addWidget(button, row, 2)
        # Rows keep their height when a platform is done and its button goes.
        self.platform_grid.setRowMinimumHeight(row, button.sizeHint().height())
        self.connect_buttons[key] = button
        self.platform_labels[key] = text
        self.platform_panel.show()

    def _name(self, target: Target) -> str:
        return f"{target.name} (@{target.handle})"

    # -- connecting ---------------------------------------------------------------------------------

    def services(self) -> SignInServices:
        if self._services is None:
            self._services = SignInServices.for_workspace(self.workspace)
        return self._services

    def connect_platform(self, platform_key: str) -> SignInDialog | None:
        """One sign-in for all of the platform's profiles to re-connect; returns its dialog."""
        if self.plan is None or self.active is not None or platform_key not in self.plan.by_platform:
            return None
        ctype = self.plan.connection_type
        items = self.plan.by_platform[platform_key]
        # A second sign-in for a platform ("Retry failed") is for the profiles not re-connected yet.
        ids = [
            i.target.profile_id
            for i in items
            if (done := self.results.get(i.target.profile_id)) is None or not done.ok
        ]
        if not ids:
            return None
        label = PLATFORMS[platform_key].label
        # Kinds with their own app (LinkedIn organization pages) sign in with that app.
        kinds = {i.target.kind for i in items if i.target.profile_id in ids}
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        try:
            services = self.services()
            provider = ops_connections.provider_of(services.service, platform_key, kind)
            actor = ops_connections.me(self.workspace)
            if actor is None:
                raise SocialDeskError("Choose who you are in the team first")
            # Before any window opens: "Facebook has no client id yet: … Settings ▸ Sign-in".
            ops_connections.preflight(services.service, platform_key, kind=kind)
        except SocialDeskError as exc:
            self.platform_status[platform_key] = "not_configured"
            self._set_platform_text(platform_key, str(exc), FAIL_COLOR)
            self.notConfigured.emit(platform_key, str(exc))
            return None
        workspace = self.workspace

        def finish(result: SignInResult) -> ConnectOutcome:
            # The dialog's profilesChanged carries the change to the window: the value only.
            return ops_connections.connect_profiles(
                workspace,
                services.store,
                provider,
                member_id=actor.id,
                types=[ctype],
                tokens=result.tokens,
                discovery=result.discovery,
                profile_ids=ids,
                refuse_without_permission=False,
            ).value

        dialog = SignInDialog(
            services.service,
            platform_key,
            [ctype],
            self,
            purpose=plural(
                "Re-connect {type} of %Ln {platform} profile(s). Sign in with the account that manages "
                "it/them.",
                len(ids),
                type=ctype.label,
                platform=label,
            ),
            finish=finish,
            timeout_ms=services.timeout_ms,
            open_browser=services.open_browser,
            kind=kind,
        )
        self.active, self.active_platform = dialog, platform_key
        self.platform_status[platform_key] = "running"
        self.type_combo.setEnabled(False)
        for button in self.connect_buttons.values():
            button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.done_button.setEnabled(False)
        dialog.stateChanged.connect(lambda state: self._on_sign_in_state(platform_key, state))
        dialog.finished.connect(lambda code: self._on_sign_in_finished(platform_key, dialog, code))
        self.signInOpened.emit(dialog)
        dialog.open()
        dialog.start()
        return dialog

    def _on_sign_in_state(self, platform_key: str, value: str) -> None:
        state = SignInState(value)
        if state in SIGN_IN_STATES:
            self._set_platform_text(platform_key, self.tr(SIGN_IN_STATES[state]), MUTED_COLOR)
        if state is SignInState.WORKING:
            self.progress.setRange(0, 0)
            self.summary.setText(
                self.tr("{0}: saving the connections…").format(PLATFORMS[platform_key].label)
            )

    def _on_sign_in_finished(self, platform_key: str, dialog: SignInDialog, code: int) -> None:
        if not shiboken6.isValid(self):
            return
        self.active, self.active_platform = None, None
        self.cancel_button.setEnabled(False)
        self.done_button.setEnabled(True)
        result = dialog.signed_in if code == QDialog.DialogCode.Accepted else None
        dialog.deleteLater()
        if result is None:
            self.platform_status[platform_key] = "cancelled"
            self._set_platform_text(platform_key, self.tr("Cancelled: nothing was changed"), FAIL_COLOR)
            self.connect_buttons[platform_key].setText(self.tr("Connect"))
        else:
            self._apply(platform_key, result.value)
        for key, button in self.connect_buttons.items():
            button.setEnabled(self.platform_status[key] != "done")
        self._update_summary()
        if result is not None:
            self.platformDone.emit(platform_key)

    def _apply(self, platform_key: str, outcome: ConnectOutcome) -> None:
        for result in outcome.results:
            self.results[result.profile_id] = result
            item = self.profile_items.get(result.profile_id)
            if item is None:
                continue
            if result.ok:
                item.setText(1, self.tr("Re-connected"))
                item.setForeground(1, OK_COLOR)
                item.setToolTip(1, "")
            else:
                text = self.tr("Failed: {0}").format(result.reason)
                item.setText(1, text)
                item.setForeground(1, FAIL_COLOR)
                item.setToolTip(1, text)
        # The platform's totals over every sign-in so far (a retry only covers the failed ones).
        ids = [i.target.profile_id for i in self.plan.by_platform[platform_key]] if self.plan else []
        left = [pid for pid in ids if (r := self.results.get(pid)) is None or not r.ok]
        parts = [plural("%Ln re-connected", len(ids) - len(left))]
        if left:
            parts.append(plural("%Ln failed", len(left)))
        self._set_platform_text(
            platform_key,
            self.tr("{0} (signed in as {1})").format(", ".join(parts), outcome.signed_in_as),
            FAIL_COLOR if left else OK_COLOR,
        )
        self.platform_status[platform_key] = "failed" if left else "done"
        button = self.connect_buttons[platform_key]
        button.setText(self.tr("Retry failed") if left else self.tr("Connect"))
        button.setVisible(bool(left))
        button.setToolTip(
            self.tr("Sign in again for the {0} profiles that failed").format(len(left)) if left else ""
        )
        if (item := self.platform_items.get(platform_key)) is not None:
            # Failures first and in sight; a platform that fully worked stays folded.
            rows = item.takeChildren()
            failed = {id(self.profile_items[pid]) for pid in left if pid in self.profile_items}
            item.addChildren([r for r in rows if id(r) in failed] + [r for r in rows if id(r) not in failed])
            item.setExpanded(bool(left))
        if outcome.changed:
            self.profilesChanged.emit(list(outcome.changed), bool(outcome.added))

    def _set_platform_text(self, platform_key: str, text: str, color: QColor) -> None:
        item = self.platform_items.get(platform_key)
        if item is not None:
            item.setText(1, text)
            item.setToolTip(1, text)
            item.setForeground(1, color)
        if (label := self.platform_labels.get(platform_key)) is not None:
            label.setText(text)
            label.setToolTip(text)
            label.setStyleSheet(f"color:{color.name()}")

    def _update_summary(self) -> None:
        plan = self.plan
        if plan is None:
            return
        total = plan.to_connect
        ok = sum(1 for r in self.results.values() if r.ok)
        failed = len(self.results) - ok
        if total == 0:
            self.progress.hide()
            self.summary.setText(
                self.tr("Nothing to re-connect for {0}: no selected profile has it expired.").format(
                    self.tr(plan.connection_type.label)
                )
            )
            return
        self.progress.show()
        self.progress.setRange(0, total)
        self.progress.setValue(len(self.results))
        left = [k for k, s in self.platform_status.items() if s in ("ready", "cancelled", "running")]
        text = self.tr("{0} of {1} re-connected").format(f"{ok:,}", f"{total:,}")
        if failed:
            text += self.tr(", {0} failed").format(f"{failed:,}")
        if left:
            text += ". " + plural("%Ln platform(s) left.", len(left))
        else:
            text += ". " + self.tr("All platforms done.")
            self.done_button.setDefault(True)
        self.summary.setText(text)

    # -- ending -------------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the sign-in in progress; nothing is changed for its platform (a save already running ends)."""
        if self.active is not None and shiboken6.isValid(self.active):
            self.active.reject()

    def reject(self) -> None:
        # Escape or closing the window while a sign-in runs cancels that sign-in first.
        if self.active is not None:
            self.cancel()
            if self.active is not None:
                return  # its save is finishing; the dialog stays until the results are in
        super().reject()

    def result_texts(self) -> dict[int, str]:
        """profile id → the Result column's text (for tests and screen readers' sake, the shown words)."""
        return {pid: item.text(1) for pid, item in self.profile_items.items()}
