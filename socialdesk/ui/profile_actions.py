"""The ownership actions of the profiles window: enabled where the rules allow, with their reason.

Handlers open the dialogs, run the operations (ops.profiles), and report which profiles changed so the
window refreshes only those.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QWidget

from socialdesk.ops import profiles as ops
from socialdesk.ops.profiles import BulkJob, BulkPlan, BulkResult, ProfileDetails
from socialdesk.ops.workspace import Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.rules import Actor
from socialdesk.ui.bulk_task import BulkTask
from socialdesk.ui.dialogs import RISK_TEXT, AddPublicProfileDialog, HistoryDialog, PlanDialog, ShareDialog
from socialdesk.ui.i18n import plural
from socialdesk.ui.members import MembersDialog

log = logging.getLogger(__name__)

#: Actions that also work on a multi-selection (one confirmation lists what will and will not be done).
BULK = ("actionShare", "actionStopSharing", "actionDelete")
#: Actions whose state the rules decide for the current selection.
RULED = ("actionShare", "actionStopSharing", "actionRemoveOwnership", "actionDelete", "actionRestore")


class ProfileActions(QObject):
    #: Profiles changed: (ids, whether the list membership may have changed, e.g. deleted).
    changed = Signal(list, bool)
    #: A bulk action (plan, confirmation, apply) ended, whatever its outcome.
    bulkFinished = Signal()
    #: A bulk plan came back from its worker (before its confirmation is built).
    planReady = Signal(object)
    #: A profile was added (or a deleted one restored by adding it): the window selects it.
    added = Signal(int)
    #: The team changed (members, roles, me): everything relative to me must reload.
    teamChanged = Signal()
    #: A message for the status bar.
    message = Signal(str)

    def __init__(self, window: QWidget, workspace: Workspace, actions: dict[str, QAction]) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = workspace
        self.actions = actions
        self.selection: list[int] = []
        self.trash = False
        self.details: ProfileDetails | None = None
        handlers: dict[str, Callable[[], Any]] = {
            "actionShare": self.share,
            "actionStopSharing": self.stop_sharing,
            "actionRemoveOwnership": self.remove_ownership,
            "actionDelete": self.delete,
            "actionRestore": self.restore,
            "actionAddPublicProfile": self.add_public_profile,
            "actionMembers": self.members,
            "actionAddProfile": self.add_profiles,
            "actionReconnect": self.reconnect,
            "actionClaimOwnership": self.claim,
            "actionBulkReconnect": self.bulk_reconnect,
        }
        self._flows: list[Any] = []
        for name, handler in handlers.items():
            action = actions[name]
            action.setEnabled(True)
            action.setToolTip(action.text().replace("…", ""))
            action.setStatusTip("")
            action.triggered.connect(lambda _checked=False, h=handler: h())

    # -- state -------------------------------------------------------------------------------------

    def actor(self) -> Actor | None:
        return ops.me(self.workspace)

    def update(self, selection: list[int], trash: bool) -> ProfileDetails | None:
        """Enable each action where the rules allow it for me; a disabled one says why."""
        self.selection = selection
        self.trash = trash
        state = ops.selection(self.workspace, selection)  # every selection change: a read, never waits
        self.details = state.details
        writable, why_not = bool(state.writable), state.writable.reason
        for name in ("actionAddPublicProfile", "actionAddProfile"):
            self._set(self.actions[name], writable, why_not)
        bulk = self.actions["actionBulkReconnect"]
        if trash:
            self._set(bulk, False, "Restore the profiles first")
        elif not selection:
            self._set(bulk, False, "Select the profiles to re-connect (for example, filter by Expired)")
        else:
            self._set(bulk, writable, why_not)
        for name in ("actionReconnect", "actionClaimOwnership"):
            action = self.actions[name]
            if self.details is not None and not trash:
                decision = self.details.decisions[name]
                self._set(action, bool(decision), decision.reason)
            elif trash:
                self._set(action, False, "Restore the profile first")
            else:
                self._set(action, False, "Select one profile" if selection else "Select a profile first")
        for name in RULED:
            action = self.actions[name]
            if self.details is not None:
                decision = self.details.decisions["restore" if name == "actionRestore" else name]
                if trash and name != "actionRestore":
                    self._set(action, False, "Restore the profile first")
                elif not trash and name == "actionRestore":
                    self._set(action, False, "The profile is not deleted")
                else:
                    self._set(action, bool(decision), decision.reason)
            elif len(selection) > 1 and (name in BULK if not trash else name == "actionRestore"):
                self._set(action, writable, why_not)
            elif len(selection) > 1:
                self._set(action, False, "Select one profile for this action")
            else:
                self._set(action, False, "Select a profile first")
        return self.details

    def _set(self, action: QAction, enabled: bool, reason: str) -> None:
        action.setEnabled(enabled)
        text = action.text().replace("…", "")
        action.setToolTip(text if enabled else self.tr(reason))

    # -- helpers -----------------------------------------------------------------------------------

    def _run_bulk(self, label: str, job: BulkJob, then: Callable[[Any], BulkTask | None]) -> BulkTask:
        """Run one bulk step off the GUI thread, with progress and Cancel; ``then`` gets its result on the
        GUI thread and may start the next step (returned). A cancel or an error rolls the step's unit of
        work back and is said. ``bulkFinished`` is emitted once the last step has ended."""

        def failed(exc: BaseException, details: str) -> None:
            if isinstance(exc, SocialDeskError):
                self.message.emit(str(exc))
            else:
                log.error("A bulk action failed: %s\n%s", exc, details)
                self.message.emit(self.tr("The action failed ({0}); nothing was changed.").format(exc))
            self.bulkFinished.emit()

        def done(result: Any) -> None:
            if then(result) is None:
                self.bulkFinished.emit()

        task = BulkTask(self.window, label, job, self.workspace)
        task.finished.connect(done)
        task.failed.connect(failed)
        return task.start()

    def _job(self, step: str, action: str, ids: list[int], **options: Any) -> BulkJob:
        return ops.bulk_job(self.workspace, step, action, ids, **options)

    def _plan_then(self, action: str, then: Callable[[BulkPlan], BulkTask | None]) -> BulkTask:
        ids = list(self.selection)
        label = plural("Checking %Ln profile(s)…", len(ids))

        def planned(plan: BulkPlan) -> BulkTask | None:
            log.info("Bulk %s: planned %d profiles", action, plan.will_count + plan.wont_count)
            self.planReady.emit(plan)
            return then(plan)

        return self._run_bulk(label, self._job("plan", action, ids), planned)

    def _said(self, result: BulkResult, done_message: Callable[[int], str]) -> None:
        message = done_message(len(result.done))
        if result.skipped:
            message += " " + plural("%Ln profiles were skipped: they changed meanwhile.", result.skipped)
        self.message.emit(message)

    def _apply_bulk(
        self,
        plan: BulkPlan,
        membership: bool,
        done_message: Callable[[int], str],
        **options: Any,
    ) -> BulkTask:
        ids = list(plan.ids_to_apply)
        label = plural("Changing %Ln profile(s)…", len(ids))

        def finished(result: BulkResult) -> None:
            self.changed.emit(list(result.done), membership)
            self._said(result, done_message)

        return self._run_bulk(label, self._job("apply", plan.action, ids, **options), finished)

    def exec_dialog(self, dialog: QDialog) -> bool:
        """Run a dialog modally (tests answer it from a timer)."""
        log.info("Asking the user: %s", dialog.objectName() or type(dialog).__name__)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        self.window.activateWindow()  # the keyboard back to the window (a window manager may not do it)
        log.info(
            "The user %s %s", "accepted" if accepted else "cancelled", dialog.objectName() or "the dialog"
        )
        return accepted

    # -- share -------------------------------------------------------------------------------------

    def share(self) -> None:
        self._plan_then("actionShare", self._confirm_share)

    def _confirm_share(self, plan: BulkPlan) -> BulkTask | None:
        allowed = plan.will
        if not plan.will_count:
            self.message.emit(plan.items[0].decision.reason if plan.items else "")
            return None
        # Whom to offer: rules.can_share_with for the listed profiles (not a role filter of the window's).
        recipients = ops.share_recipients(self.workspace, [p.profile_id for p in allowed])
        members, already = list(recipients.members), set(recipients.already)
        skipped = plan.wont  # the listed ones; plan.wont_count has them all
        note = (
            self.tr("{0} of {1} selected profiles cannot be shared and are skipped: {2}").format(
                f"{plan.wont_count:,}",
                f"{plan.will_count + plan.wont_count:,}",
                "; ".join(f"{p.name} ({p.decision.reason})" for p in skipped[:5])
                + ("; …" if len(skipped) > 5 else ""),
            )
            if plan.wont_count
            else None
        )
        dialog = ShareDialog(self.window, members, already, [p.name for p in allowed], note, plan.will_count)
        if not self.exec_dialog(dialog):
            return None
        return self._apply_bulk(
            plan,
            False,
            lambda n: plural("Shared %Ln profile(s)", n),
            member_ids=tuple(dialog.chosen()),
            all_users=dialog.all_users.isChecked(),
        )

    def stop_sharing(self) -> None:
        self._plan_then("actionStopSharing", self._confirm_stop_sharing)

    def _confirm_stop_sharing(self, plan: BulkPlan) -> BulkTask | None:
        intro = plural(
            "Stop sharing these profiles? The people below lose access to them.",
            plan.will_count + plan.wont_count,
        )
        dialog = PlanDialog(
            self.window,
            self.tr("Stop sharing"),
            intro,
            plan.items,
            self.tr("Stop sharing"),
            (),
            plan.impact,
            counts=(plan.will_count, plan.wont_count),
        )
        if not self.exec_dialog(dialog):
            return None
        return self._apply_bulk(
            plan, False, lambda n: plural("Stopped sharing %Ln profile(s)", n)
        )

    # -- ownership ---------------------------------------------------------------------------------

    def remove_ownership(self) -> None:
        if self.details is None:
            return
        d = self.details
        warnings = []
        if len(d.owners) == 1:
            warnings.append(
                self.tr(
                    "You are its only owner: the profile becomes Without owners and cannot be used for "
                    "publishing until someone claims it."
                )
            )
        plan = ops.plan(self.workspace, "actionRemoveOwnership", [d.id])
        dialog = PlanDialog(
            self.window,
            self.tr("Remove my ownership"),
            self.tr("Remove your ownership of {0}?").format(d.display_name),
            plan.items,
            self.tr("Remove my ownership"),
            warnings,
        )
        if self.exec_dialog(dialog):
            try:
                done = ops.remove_ownership(self.workspace, d.id)
            except SocialDeskError as exc:
                self.message.emit(str(exc))
                return
            self.changed.emit(list(done.change.profile_ids), False)

    # -- delete and restore ------------------------------------------------------------------------

    def delete(self) -> None:
        self._plan_then("actionDelete", self._confirm_delete)

    def _confirm_delete(self, plan: BulkPlan) -> BulkTask | None:
        intro = plural(
            "Delete these %Ln profiles? They disappear from the list; their acquired data and private "
            "messages stay stored, hidden, and a deleted profile can be restored from the deleted profiles "
            "view.",
            plan.will_count + plan.wont_count,
        )
        dialog = PlanDialog(
            self.window,
            self.tr("Delete profiles"),
            intro,
            plan.items,
            self.tr("Delete"),
            (),
            plan.impact,
            counts=(plan.will_count, plan.wont_count),
        )
        if not self.exec_dialog(dialog):
            return None
        return self._apply_bulk(
            plan, True, lambda n: plural("Deleted %Ln profile(s)", n)
        )

    def restore(self) -> None:
        self._plan_then("restore", self._restore_planned)

    def _restore_planned(self, plan: BulkPlan) -> BulkTask | None:
        if not plan.will_count:
            self.message.emit(plan.items[0].decision.reason if plan.items else "")
            return None
        return self._apply_bulk(
            plan, True, lambda n: plural("Restored %Ln profile(s)", n)
        )

    # -- adding ------------------------------------------------------------------------------------

    def add_public_profile(self, dialog: AddPublicProfileDialog | None = None) -> int | None:
        dialog = dialog or AddPublicProfileDialog(self.window)
        while self.exec_dialog(dialog):
            platform, handle, kind, name = dialog.values()
            try:
                added = ops.add_public(self.workspace, platform, handle, kind, name).value
            except SocialDeskError as exc:
                dialog.show_error(str(exc))  # keep what the user typed and let them fix it
                continue
            profile_id = added.profile_id
            self.added.emit(profile_id)  # before the reload that `changed` starts, so it can select it
            self.changed.emit([profile_id], True)
            self.message.emit(
                self.tr("Restored the deleted profile @{0}").format(handle)
                if added.restored
                else self.tr("Added @{0}").format(handle)
            )
            return profile_id
        return None

    # -- sign-in flows -------------------------------------------------------------------------------

    def _track(self, flow: Any) -> Any:
        """Keep a flow alive until it ends, then refresh what it changed and say how it went."""
        self._flows.append(flow)

        def ended(result: Any) -> None:
            if flow in self._flows:
                self._flows.remove(flow)
            if result.changed:
                self.changed.emit(list(result.changed), bool(result.membership))
            if result.message:
                self.message.emit(result.message)

        flow.finished.connect(ended)
        return flow

    def add_profiles(self) -> Any:
        from socialdesk.ui import sign_in_flows

        return self._track(sign_in_flows.add_profiles(self.window, self.workspace))

    def reconnect(self) -> Any:
        if len(self.selection) != 1:
            return None
        from socialdesk.ui import sign_in_flows

        return self._track(sign_in_flows.reconnect_profile(self.window, self.workspace, self.selection[0]))

    def connect_one(self, profile_id: int, connection_type: str) -> Any:
        from socialdesk.ui import sign_in_flows

        return self._track(
            sign_in_flows.connect_connection(self.window, self.workspace, profile_id, connection_type)
        )

    def claim(self) -> Any:
        if len(self.selection) != 1:
            return None
        from socialdesk.ui import sign_in_flows

        return self._track(sign_in_flows.claim_ownership(self.window, self.workspace, self.selection[0]))

    def bulk_reconnect(self) -> Any:
        from socialdesk.ui import sign_in_flows

        dialog = sign_in_flows.bulk_reconnect(self.window, self.workspace, list(self.selection))
        dialog.profilesChanged.connect(lambda ids, membership: self.changed.emit(list(ids), bool(membership)))
        return dialog

    # -- team and history --------------------------------------------------------------------------

    def members(self) -> None:
        dialog = MembersDialog(self.workspace, self.window, on_change=self.teamChanged.emit)
        dialog.exec()

    def history(self, profile_id: int) -> None:
        found = ops.history(self.workspace, profile_id)
        HistoryDialog(self.window, found.title, found.lines).exec()

    def save_edits(self, profile_id: int, fields: dict[str, Any]) -> str | None:
        """Save the pane's edits; returns the refusal message (the edits stay in the form) or None."""
        try:
            ops.edit(self.workspace, profile_id, fields)
        except SocialDeskError as exc:
            return str(exc)
        self.changed.emit([profile_id], False)
        return None


__all__ = ["BULK", "RISK_TEXT", "RULED", "ProfileActions"]
