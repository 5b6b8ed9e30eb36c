"""What the profiles window calls to sign in: add profiles, re-connect, connect one, claim, bulk re-connect.

Each entry point returns at once (nothing blocks the window): it checks the rules, opens the dialogs
window-modally and reports the end through ``finished(FlowResult)``. ``FlowResult.changed`` are the
profile ids whose rows changed, ``membership`` says profiles were added or restored (reload the list),
``message`` is a line for the status bar. Wire-up in the main window, e.g.::

    flow = sign_in_flows.reconnect_profile(self, self.workspace, profile_id)
    flow.finished.connect(lambda r: (self.profile_actions.changed.emit(list(r.changed), r.membership),
                                     self.statusBar().showMessage(r.message, 8000)))

A flow starts when control returns to the event loop, so signals can be connected first. It keeps
itself alive until it has finished, then deletes its dialogs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from socialdesk.models.catalogue import ConnectionType, platform
from socialdesk.ops import connections as ops_connections
from socialdesk.ops.connections import ConnectOutcome, NotConfiguredError, PortBusyError, addable_types
from socialdesk.ops.workspace import Workspace
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.rules import Actor
from socialdesk.ui.account_picker import AccountPickerDialog, PlatformChoiceDialog
from socialdesk.ui.bulk_reconnect import BulkReconnectDialog
from socialdesk.ui.i18n import plural
from socialdesk.ui.sign_in import SignInDialog, SignInResult, SignInServices
from socialdesk.ui.widgets import shorten
from socialdesk.ui.workers import run_in_thread

__all__ = [
    "AddProfilesFlow",
    "ClaimFlow",
    "FlowResult",
    "ReconnectFlow",
    "SignInFlow",
    "SignInServices",
    "add_profiles",
    "bulk_reconnect",
    "claim_ownership",
    "connect_connection",
    "outcome_message",
    "reconnect_profile",
    "types_text",
]


@dataclass(frozen=True, slots=True)
class FlowResult:
    """How a flow ended, for the window: rows to refresh, whether to reload, a status-bar line."""

    changed: tuple[int, ...] = ()
    membership: bool = False
    message: str = ""
    cancelled: bool = False
    outcome: ConnectOutcome | None = None
    #: The platform whose sign-in app is not set up (no client id, secret, redirect): the message
    #: says what to enter; the window offers Settings ▸ Sign-in.
    needs_settings: str | None = None


def types_text(types: Sequence[ConnectionType]) -> str:
    return ", ".join(t.label for t in types)


def outcome_message(outcome: ConnectOutcome, verb: str = "Re-connected") -> str:
    """One status-bar line: what was connected and, briefly, what was not."""
    ok, failed = outcome.succeeded, outcome.failures
    if len(outcome.results) == 1:
        result = outcome.results[0]
        if result.ok:
            return f"{verb} {result.name}: {types_text(result.connected)}"
        if result.connected:
            return (
                f"{verb} {result.name}: {types_text(result.connected)}; not "
                f"{types_text([t for t, _ in result.failed])} ({result.reason})"
            )
        return f"{result.name} was not connected: {result.reason}"
    text = plural("{verb} %Ln profile(s)", len(ok), verb=verb)
    if failed:
        text += plural("; %Ln failed", len(failed))
    return text


class SignInFlow(QObject):
    """One user-visible sign-in task; subclasses implement :meth:`run`."""

    #: The end: a :class:`FlowResult` (also when cancelled or refused before any dialog).
    finished = Signal(object)
    #: Each dialog as it opens (the sign-in dialog, the pickers) — for tests and screenshots.
    dialogOpened = Signal(object)
    #: The "not set up" message box, then the Settings dialog if its button is pressed.
    settingsOffered = Signal(object)

    _running: ClassVar[set[SignInFlow]] = set()

    def __init__(self, parent: QWidget | None, workspace: Workspace, services: SignInServices | None) -> None:
        super().__init__()
        self.parent_widget = parent
        self.workspace = workspace
        self._services = services
        self.dialogs: list[QDialog] = []
        self.result: FlowResult | None = None
        self.sign_in_warning = ""
        SignInFlow._running.add(self)
        QTimer.singleShot(0, self._start)

    # -- plumbing ---------------------------------------------------------------------------------

    def _start(self) -> None:
        try:
            self.run()
        except SocialDeskError as exc:
            self.end(FlowResult(message=str(exc)))

    def run(self) -> None:
        raise NotImplementedError

    def services(self) -> SignInServices:
        if self._services is None:
            self._services = SignInServices.for_workspace(self.workspace)
        return self._services

    def actor(self) -> Actor:
        """*Me*, able to write (raises with the reason otherwise)."""
        return ops_connections.me_writer(self.workspace)

    def show(self, dialog: QDialog) -> None:
        self.dialogs.append(dialog)
        dialog.open()
        self.dialogOpened.emit(dialog)

    def sign_in(
        self,
        platform_key: str,
        types: Sequence[ConnectionType],
        purpose: str,
        finish: Callable[[SignInResult], Any] | None,
        on_done: Callable[[SignInResult], None],
        kind: str | None = None,
    ) -> SignInDialog | None:
        services = self.services()
        try:
            # Checked before any window opens: a sign-in that cannot succeed never starts.
            ops_connections.preflight(services.service, platform_key, kind=kind)
        except (NotConfiguredError, PortBusyError) as exc:
            needs_settings = platform_key if isinstance(exc, NotConfiguredError) else None
            self.offer_settings(str(exc), needs_settings)
            self.end(FlowResult(message=str(exc), needs_settings=needs_settings))
            return None
        dialog = SignInDialog(
            services.service,
            platform_key,
            types,
            self.parent_widget,
            purpose=purpose,
            finish=finish,
            timeout_ms=services.timeout_ms,
            open_browser=services.open_browser,
            kind=kind,
        )

        def ended(code: int) -> None:
            if code == QDialog.DialogCode.Accepted and dialog.signed_in is not None:
                # Said, not hidden: Google apps in Testing lose their refresh tokens after 7 days.
                self.sign_in_warning = dialog.provider.sign_in_warning
                on_done(dialog.signed_in)
            else:
                self.end(FlowResult(cancelled=True, message="Sign-in cancelled; nothing was changed."))

        dialog.finished.connect(ended)
        self.show(dialog)
        dialog.start()
        return dialog

    def offer_settings(self, message: str, platform_key: str | None) -> QMessageBox:
        """One message saying what is missing, with a button to Settings ▸ Sign-in (no sign-in window)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Sign-in not set up"), message, parent=self.parent_widget
        )
        box.setObjectName("signInNotConfigured")
        box.addButton(QMessageBox.StandardButton.Close)
        if platform_key is not None:
            settings = box.addButton(self.tr("Open Settings ▸ Sign-in"), QMessageBox.ButtonRole.ActionRole)
            settings.setObjectName("openSignInSettings")
            settings.clicked.connect(lambda: self._open_settings(platform_key))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.settingsOffered.emit(box)
        return box

    def _open_settings(self, platform_key: str) -> None:
        from socialdesk.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.workspace, self.services().store, self.parent_widget)
        dialog.show_sign_in(platform_key)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.settingsOffered.emit(dialog)

    def end(self, result: FlowResult) -> None:
        if self.result is not None:
            return
        if self.sign_in_warning and not result.cancelled:
            result = dataclasses.replace(result, message=f"{result.message} {self.sign_in_warning}".strip())
        self.result = result
        self.finished.emit(result)
        for dialog in self.dialogs:
            if shiboken6.isValid(dialog):
                dialog.hide()
                dialog.deleteLater()
        self.dialogs = []
        SignInFlow._running.discard(self)


# -- re-connect and connect ---------------------------------------------------------------------------


class ReconnectFlow(SignInFlow):
    """All expired connections of one profile with ONE sign-in (or the given types: "Connect")."""

    def __init__(
        self,
        parent: QWidget | None,
        workspace: Workspace,
        profile_id: int,
        types: Sequence[ConnectionType] | None,
        services: SignInServices | None,
    ) -> None:
        self.profile_id = profile_id
        self.types = list(types) if types is not None else None
        super().__init__(parent, workspace, services)

    def run(self) -> None:
        start = ops_connections.connect_target(self.workspace, self.profile_id, self.types)
        actor, target, types = start.actor, start.target, list(start.types)
        services = self.services()
        provider = ops_connections.provider_of(services.service, target.platform, target.kind)
        verb = "Re-connect" if self.types is None else "Connect"
        purpose = (
            f"{verb} {target.name} (@{shorten(target.handle)}): {types_text(types)}. "
            "Sign in with the account that manages it."
        )

        def finish(result: SignInResult) -> ConnectOutcome:
            return ops_connections.connect_profiles(
                self.workspace,
                services.store,
                provider,
                member_id=actor.id,
                types=types,
                tokens=result.tokens,
                discovery=result.discovery,
                profile_ids=[self.profile_id],
            ).value

        def done(result: SignInResult) -> None:
            outcome: ConnectOutcome = result.value
            self.end(
                FlowResult(
                    outcome.changed,
                    bool(outcome.added),
                    outcome_message(outcome, "Re-connected" if self.types is None else "Connected"),
                    outcome=outcome,
                )
            )

        self.sign_in(target.platform, types, purpose, finish, done, kind=target.kind)


# -- claim ---------------------------------------------------------------------------------------------


class ClaimFlow(SignInFlow):
    """Claim ownership: a sign-in that returns the profile; Live Chat (and public profiles) without one."""

    def __init__(
        self, parent: QWidget | None, workspace: Workspace, profile_id: int, services: SignInServices | None
    ) -> None:
        self.profile_id = profile_id
        super().__init__(parent, workspace, services)

    def run(self) -> None:
        start = ops_connections.start_claim(self.workspace, self.profile_id).value
        actor, target, types = start.actor, start.target, list(start.types)
        if start.claimed:
            self.end(FlowResult((self.profile_id,), False, f"You now own {target.name}"))
            return
        services = self.services()
        provider = ops_connections.provider_of(services.service, target.platform, target.kind)
        purpose = (
            f"Claim {target.name} (@{shorten(target.handle)}): sign in with the account that manages it to "
            f"prove you have access. Its {types_text(types)} connection gets your sign-in too."
        )

        def finish(result: SignInResult) -> ConnectOutcome:
            return ops_connections.claim_with_sign_in(
                self.workspace,
                services.store,
                provider,
                member_id=actor.id,
                profile_id=self.profile_id,
                types=types,
                tokens=result.tokens,
                discovery=result.discovery,
            ).value

        def done(result: SignInResult) -> None:
            outcome: ConnectOutcome = result.value
            message = f"You now own {target.name}"
            failed = outcome.failures
            if failed and failed[0].reason:
                message += f"; not connected: {failed[0].reason}"
            self.end(FlowResult(outcome.changed, bool(outcome.added), message, outcome=outcome))

        self.sign_in(target.platform, types, purpose, finish, done, kind=target.kind)


# -- add profiles -------------------------------------------------------------------------------------


class AddProfilesFlow(SignInFlow):
    """Platform → sign in → pick accounts: they become owned profiles (known ones are re-connected)."""

    def __init__(
        self,
        parent: QWidget | None,
        workspace: Workspace,
        platform_key: str | None,
        types: Sequence[ConnectionType] | None,
        services: SignInServices | None,
    ) -> None:
        self.platform_key = platform_key
        self.types = list(types) if types is not None else None
        self.picker: AccountPickerDialog | None = None
        super().__init__(parent, workspace, services)

    def run(self) -> None:
        self.me = self.actor()
        if self.platform_key is not None:
            key, _, kind = self.platform_key.partition(":")
            self._sign_in(self.platform_key, self.types or list(addable_types(key, kind or None)))
            return
        choice = PlatformChoiceDialog(self.parent_widget)

        def chosen(code: int) -> None:
            if code != QDialog.DialogCode.Accepted:
                self.end(FlowResult(cancelled=True))
                return
            platform_key, types = choice.values()
            try:
                self._sign_in(platform_key, types)
            except SocialDeskError as exc:
                self.end(FlowResult(message=str(exc)))

        choice.finished.connect(chosen)
        self.show(choice)

    def _sign_in(self, choice: str, types: list[ConnectionType]) -> None:
        """``choice`` is a platform key, or ``platform:kind`` for a kind with its own app."""
        platform_key, _, kind = choice.partition(":")
        self.types = types
        label = platform(platform_key).label
        purpose = (
            f"Add {label} profiles, connected for {types_text(types)}. Sign in with the account that manages "
            "them; next you choose which of its accounts to add."
        )
        self.sign_in(platform_key, types, purpose, None, self._pick, kind=kind or None)

    def _pick(self, result: SignInResult) -> None:
        known = ops_connections.known_accounts(self.workspace, self.me.id, result.discovery)
        picker = AccountPickerDialog(result.discovery, known, self.parent_widget)
        self.picker = picker
        services = self.services()
        provider = ops_connections.provider_of(services.service, result.platform, result.tokens.app_kind)
        types = list(self.types or result.types)

        def add(chosen: list[str]) -> None:
            picker.set_busy(True)

            def work() -> ConnectOutcome:
                # The flow's FlowResult carries the change to the window (rows, push queue): the value only.
                return ops_connections.add_accounts(
                    self.workspace,
                    services.store,
                    provider,
                    member_id=self.me.id,
                    types=types,
                    tokens=result.tokens,
                    discovery=result.discovery,
                    chosen=chosen,
                ).value

            def done(outcome: ConnectOutcome) -> None:
                if shiboken6.isValid(picker):
                    picker.set_busy(False)
                    picker.accept()
                added = len(outcome.added)
                again = len(outcome.results) - added
                parts = []
                if added:
                    parts.append(plural("Added %Ln profile(s)", added))
                if again:
                    parts.append(plural("re-connected %Ln", again))
                skipped = [r for r in outcome.results if r.failed]
                if skipped:
                    parts.append(
                        f"{skipped[0].name}: not {types_text([t for t, _ in skipped[0].failed])} "
                        f"({skipped[0].failed[0][1]})"
                    )
                self.end(FlowResult(outcome.changed, True, "; ".join(parts), outcome=outcome))

            def failed(exc: BaseException, _details: str) -> None:
                if shiboken6.isValid(picker):
                    picker.show_error(
                        str(exc)
                        if isinstance(exc, SocialDeskError)
                        else f"Adding failed ({type(exc).__name__})"
                    )

            run_in_thread(work, done, failed)

        picker.addRequested.connect(add)
        picker.rejected.connect(lambda: self.end(FlowResult(cancelled=True, message="No profile was added.")))
        self.show(picker)


# -- entry points for the main window -------------------------------------------------------------------


def add_profiles(
    parent: QWidget | None,
    workspace: Workspace,
    *,
    platform_key: str | None = None,
    types: Sequence[ConnectionType] | None = None,
    services: SignInServices | None = None,
) -> AddProfilesFlow:
    """``actionAddProfile``: choose the platform (unless given), sign in, pick the accounts to add."""
    return AddProfilesFlow(parent, workspace, platform_key, types, services)


def reconnect_profile(
    parent: QWidget | None, workspace: Workspace, profile_id: int, *, services: SignInServices | None = None
) -> ReconnectFlow:
    """``actionReconnect``: all expired connections of the profile with one sign-in."""
    return ReconnectFlow(parent, workspace, profile_id, None, services)


def connect_connection(
    parent: QWidget | None,
    workspace: Workspace,
    profile_id: int,
    connection_type: ConnectionType | str,
    *,
    services: SignInServices | None = None,
) -> ReconnectFlow:
    """ "Connect" next to one connection in the details pane: that connection only."""
    return ReconnectFlow(parent, workspace, profile_id, [ConnectionType(connection_type)], services)


def claim_ownership(
    parent: QWidget | None, workspace: Workspace, profile_id: int, *, services: SignInServices | None = None
) -> ClaimFlow:
    """``actionClaimOwnership``: a sign-in that returns the profile (Live Chat: claimed at once)."""
    return ClaimFlow(parent, workspace, profile_id, services)


def bulk_reconnect(
    parent: QWidget | None,
    workspace: Workspace,
    profile_ids: Sequence[int],
    *,
    services: SignInServices | None = None,
) -> BulkReconnectDialog:
    """``actionBulkReconnect``: the :class:`~socialdesk.ui.bulk_reconnect.BulkReconnectDialog`, opened."""
    dialog = BulkReconnectDialog(workspace, profile_ids, parent, services=services)
    dialog.open()
    return dialog
