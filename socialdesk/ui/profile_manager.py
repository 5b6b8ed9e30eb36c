"""The profile manager window: every profile on the left, its platform's settings form on the right.

The form is generated from the settings catalogue (``ui.settings_form``); the settings service validates
what the user types, decides who may edit (Administrators only) and saves; ``settings_push`` sends a saved
change to the platform on a worker thread. The window adds what only a window can: the searchable list,
the "unsaved changes" prompt, the push state, X/Twitter custom profiles and the Live Chat embed code.

Entry point for the profiles window: ``open_profile_manager(workspace, parent, profile_id)``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QTimer,
)
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QMessageBox,
    QWidget,
)
from shiboken6 import isValid

from socialdesk.models.catalogue import KIND_LABELS
from socialdesk.ops import profile_settings as ops_profiles
from socialdesk.ops import settings as ops_settings
from socialdesk.ops.profile_settings import ProfileColumns
from socialdesk.ops.settings import Credentials, ProfileSettings, Workspace
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.services.query import ProfileRows
from socialdesk.services.rules import has_embed_code, settings_form
from socialdesk.ui.flows_dialog import FlowsDialog
from socialdesk.ui.i18n import plural
from socialdesk.ui.ops_runner import changes
from socialdesk.ui.pages import Page, PageCheckError, collect, first_problem
from socialdesk.ui.profile_manager_base import ProfileManagerBase
from socialdesk.ui.profile_manager_list import (
    HasFormRole,
    ProfileIdRole,
    ProfileListModel,
    SubtitleRole,
    gear_icon,
)
from socialdesk.ui.profile_manager_panels import CustomProfilesPanel, EmbedCodePanel
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.settings_form import SettingsForm, split_path, translate
from socialdesk.ui.style import ERROR_COLOR, MUTED
from socialdesk.ui.workers import run_in_thread

log = logging.getLogger(__name__)

__all__ = [
    "CustomProfilesPanel",
    "EmbedCodePanel",
    "HasFormRole",
    "ProfileIdRole",
    "ProfileListModel",
    "ProfileManager",
    "ProfileManagerWindow",
    "SubtitleRole",
    "gear_icon",
    "open_profile_manager",
]


class FormProblems(PageCheckError):
    """The form breaks rules: each problem is shown at its field."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(plural("%Ln problem(s)", len(problems)))
        self.problems = list(problems)


class FormPage:
    """The generated settings form as a page of the window: checked by the settings rules, then saved."""

    def __init__(self, window: ProfileManagerWindow) -> None:
        self.window = window

    def load(self, loaded: ProfileSettings) -> None:
        assert self.window.form is not None
        self.window.form.set_values(loaded.values)
        self.window.form.set_read_only(not self.window.decision)

    def check(self) -> None:
        w = self.window
        assert w.form is not None and w.profile_id is not None
        checked = ops_settings.check(w.workspace, w.profile_id, w.form.values())
        if checked.problems:
            raise FormProblems(checked.problems)

    def save(self, draft: dict[str, Any]) -> dict[str, Any]:
        assert self.window.form is not None
        return {**draft, **self.window.form.values()}


class ProfileManagerWindow(ProfileManagerBase):
    """Every profile with its settings form; Administrators edit, everyone else reads (with the reason)."""

    def __init__(
        self,
        workspace: Workspace,
        parent: QWidget | None = None,
        *,
        credentials: Credentials | None = None,
        rows: ProfileRows | None = None,
    ) -> None:
        super().__init__(workspace, parent, credentials=credentials)
        #: The profiles window's read model: the list comes from it, not from a second read.
        self.shared_rows = rows
        self.form_page = FormPage(self)
        #: The parts of the page that save with the Save button (custom profiles apply at once).
        self.pages: list[Page[dict[str, Any]]] = [self.form_page]
        self.action_flows.triggered.connect(self.open_flows)
        self.action_save.triggered.connect(self.save)
        self.search.textChanged.connect(self._search_changed)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.save)
        self.custom_panel.problemShown.connect(self._scroll_to)
        self._placed = False
        self.reload_profiles()

    def _scroll_to(self, widget: QWidget) -> None:
        """A message shown below the form (a custom profile refused) is scrolled into view.

        After the scroll area has laid the grown page out (the message was hidden until now).
        """

        def scroll() -> None:
            if isValid(self) and isValid(widget) and widget.isVisible():
                self.form_scroll.ensureWidgetVisible(widget, 0, 40)

        QTimer.singleShot(0, scroll)
        QTimer.singleShot(50, scroll)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._placed:
            self._placed = True
            self.place_on_screen()
        super().showEvent(event)

    def place_on_screen(self) -> None:
        """Centre the window on its parent (or its screen), no larger than the screen's free area."""
        parent = self.parentWidget()
        screen = (
            (parent.screen() if parent is not None else None)
            or self.screen()
            or QGuiApplication.primaryScreen()
        )
        if screen is None:
            return
        free = screen.availableGeometry()
        width = min(max(self.width(), self.minimumWidth()), int(free.width() * 0.92))
        height = min(max(self.height(), self.minimumHeight()), int(free.height() * 0.9))
        self.resize(width, height)
        frame = self.frameGeometry()
        centre = (
            parent.frameGeometry().center() if parent is not None and parent.isVisible() else free.center()
        )
        frame.moveCenter(centre)
        x = min(max(frame.left(), free.left()), free.right() - frame.width() + 1)
        y = min(max(frame.top(), free.top()), free.bottom() - frame.height() + 1)
        self.move(x, y)

    # -- the list -------------------------------------------------------------------------------------

    def reload_profiles(self) -> None:
        """Read the profiles again (e.g. after profiles were added or deleted in the profiles window).

        The list is read on a worker thread (about a second at 100,000 profiles); a form can be shown
        meanwhile, and is selected in the list once it arrives.
        """
        self.list_loading = True
        self.count_label.setText(self.tr("Loading profiles…"))
        workspace, rows = self.workspace, self.shared_rows
        run_in_thread(
            lambda: ops_profiles.profile_list(workspace, rows), self._profiles_read, self._profiles_failed
        )

    def _profiles_read(self, columns: ProfileColumns) -> None:
        if not isValid(self):
            return
        self.list_loading = False
        self.model.set_columns(columns)
        self._after_list_change()
        if self._first_when_loaded and self.profile_id is None and self.model.rowCount():
            self.select_profile(self.model.profile_id(0))
        self._first_when_loaded = False
        self.profilesLoaded.emit()

    def _profiles_failed(self, exc: BaseException, details: str) -> None:
        log.error("Reading the profiles failed: %s\n%s", exc, details)
        if not isValid(self):
            return
        self.list_loading = False
        self.count_label.setText(self.tr("The profiles could not be read: {0}").format(exc))
        self.profilesLoaded.emit()

    def _search_changed(self, text: str) -> None:
        self.model.set_search(text)
        self._after_list_change()

    def _after_list_change(self) -> None:
        if self.list_loading:
            self.count_label.setText(self.tr("Loading profiles…"))
            self.no_match.setVisible(False)
            return
        shown, total = self.model.rowCount(), self.model.total
        if shown == total:
            self.count_label.setText(plural("%Ln profile(s)", total))
        else:
            self.count_label.setText(
                self.tr("{0} of {1}").format(f"{shown:,}", plural("%Ln profile(s)", total))
            )
        self.no_match.setText(
            self.tr("No profile matches “{0}”.").format(self.search.text().strip()) if total else
            self.tr("There are no profiles in this workspace yet.")
        )  # fmt: skip
        self.no_match.setVisible(shown == 0)
        self.list.setVisible(shown > 0)
        self.order_label.setVisible(shown > 1)
        if self.profile_id is None and self.stack.currentWidget() is self.placeholder:
            self.placeholder.setText(self._placeholder_text())
        if self.profile_id is not None:
            self._select_in_list(self.profile_id)

    def _select_in_list(self, profile_id: int | None) -> None:
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        try:
            row = self.model.row_of(profile_id) if profile_id is not None else -1
            if row < 0:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            else:
                index = self.model.index(row)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.list.scrollTo(index)
        finally:
            selection.blockSignals(False)
        self.list.viewport().update()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        profile_id = self.model.profile_id(current.row())
        if profile_id != self.profile_id and not self.select_profile(profile_id):
            self._select_in_list(self.profile_id)

    # -- showing a profile --------------------------------------------------------------------------------

    def select_profile(self, profile_id: int) -> bool:
        """Show this profile's settings (the gear of the profiles window calls this).

        Asks about unsaved changes first; False when the user stays on the current profile or the profile
        cannot be shown.
        """
        if profile_id == self.profile_id and self.loaded is not None:
            self._select_in_list(profile_id)
            return True
        if not self.maybe_leave():
            return False
        if self.model.contains(profile_id) and self.model.row_of(profile_id) < 0:
            self.search.clear()  # the search hides it: show everything again
        return self._show_profile(profile_id)

    def show_first_profile(self) -> None:
        """Show the first profile of the list, now or as soon as the list has been read."""
        if self.list_loading or not self.model.rowCount():
            self._first_when_loaded = self.list_loading
            return
        self.select_profile(self.model.profile_id(0))

    def _show_profile(self, profile_id: int) -> bool:
        try:
            shown = ops_settings.view(self.workspace, profile_id)
        except SocialDeskError as exc:
            self._show_nothing(str(exc))
            return False
        loaded = shown.settings
        if profile_id != self.profile_id:
            self.statusBar().clearMessage()  # the previous profile's message is not about this one
        self.profile_id = profile_id
        self.flows = list(shown.flows)
        self.decision = shown.decision
        self._select_in_list(profile_id)
        self._build_form(loaded)
        self._apply_loaded(loaded)
        self.stack.setCurrentWidget(self.editor_page)
        self.form_scroll.verticalScrollBar().setValue(0)
        self.profileShown.emit(profile_id)
        return True

    def _show_nothing(self, text: str | None = None) -> None:
        self.profile_id = None
        self.loaded = None
        self.dirty = False
        self.setWindowModified(False)
        self.placeholder.setText(text or self._placeholder_text())
        self.stack.setCurrentWidget(self.placeholder)
        self._select_in_list(None)

    def _placeholder_text(self) -> str:
        """What the empty editor says: never "choose one on the left" when the left says there is none."""
        if not self.list_loading and self.model.total == 0:
            return self.tr("Profiles you add in the main window appear here with their settings.")
        return self.tr("Choose a profile on the left to see its settings.")

    def _build_form(self, loaded: ProfileSettings) -> None:
        if self.form is not None:
            self.form_holder.removeWidget(self.form)
            self.form.setParent(None)
            self.form.deleteLater()
        self.form = SettingsForm(loaded.spec, self.flows, self.form_scroll.widget())
        self.form.edited.connect(self._edited)
        self.form_holder.addWidget(self.form)

    def _apply_loaded(self, loaded: ProfileSettings) -> None:
        """Show saved settings: values, header, push state, panels; then validate what is shown."""
        assert self.form is not None
        self.loaded = loaded
        self.form_page.load(loaded)
        editable = bool(self.decision)
        self.header_icon.setPixmap(platform_icon(loaded.platform).pixmap(32, 32))
        self.header_title.setText(loaded.display_name)
        self.header_title.setToolTip(loaded.display_name)
        kind = translate(KIND_LABELS.get(loaded.kind, loaded.kind)).lower()
        subtitle = f"@{loaded.handle} · {loaded.platform_label} {kind}"
        form = settings_form(loaded.platform, loaded.kind, loaded.visibility)
        if not form:
            subtitle += " · " + translate(form.reason)
        self.header_subtitle.setText(subtitle)
        reason = html.escape(self.decision.reason.rstrip("."))
        self.read_only_banner.setText(
            "" if editable else f"<b>{html.escape(self.tr('Read only.'))}</b> {reason}."
        )
        self.read_only_banner.setVisible(not editable)
        self.save_button.setVisible(editable)
        self.revert_button.setVisible(editable)
        self.save_message.setVisible(False)
        self._show_sync(loaded)
        has_customs = loaded.spec.custom_profiles is not None
        self.custom_panel.setVisible(has_customs)
        if has_customs:
            self.custom_panel.load(loaded.profile_id, self.decision)
        is_chat = bool(has_embed_code(loaded.platform)) and bool(form)
        self.embed_panel.setVisible(is_chat)
        if is_chat:
            self.embed_panel.load(loaded.profile_id)
        self._revalidate()

    # -- editing -----------------------------------------------------------------------------------------

    def _edited(self) -> None:
        self.save_message.setVisible(False)
        self._revalidate()

    def _revalidate(self) -> None:
        """Check the form's values with the settings service and show every problem at its field."""
        if self.form is None or self.profile_id is None:
            return
        try:
            checked = ops_settings.check(self.workspace, self.profile_id, self.form.values())
        except SocialDeskError as exc:
            self._show_save_message(str(exc))
            return
        self.form.show_problems(checked.problems, checked.warnings)
        self.problems = list(checked.problems)
        self.dirty = bool(checked.changed) and bool(self.decision)
        self._update_state()

    def _update_state(self) -> None:
        editable = bool(self.decision)
        self.setWindowModified(self.dirty)
        self.save_button.setEnabled(editable and self.dirty)
        self.revert_button.setEnabled(editable and self.dirty)
        self.action_save.setEnabled(editable and self.dirty)
        self.embed_panel.set_unsaved(self.dirty)
        n = len(self.problems)
        if n:
            self.summary.setText(
                plural("%Ln problem(s) to fix before saving", n)
            )
            self.summary.setStyleSheet(f"color:{ERROR_COLOR};font-weight:bold")
        elif self.dirty:
            self.summary.setText(self.tr("Unsaved changes"))
            self.summary.setStyleSheet(f"color:{MUTED}")
        else:
            self.summary.setText("")

    def _show_save_message(self, text: str) -> None:
        self.save_message.setText(text)
        self.save_message.setVisible(bool(text))

    def save(self) -> bool:
        """Check every page, then save the form; refused (False) with a clear message while a rule is broken.

        On the GUI thread (a few rows; the unsaved-changes prompt needs the answer before it closes); the
        push that may follow runs on a worker.
        """
        if self.form is None or self.profile_id is None or self.loaded is None:
            return False
        if not self.decision:
            self._show_save_message(self.decision.reason)
            return False
        profile_id = self.profile_id
        try:
            refused = first_problem(self.pages)
            if refused is not None:
                raise refused[1]
            values: dict[str, Any] = collect(self.pages, {})
            done = ops_settings.save(self.workspace, profile_id, values)
        except (FormProblems, ValidationError) as exc:
            problems = exc.problems
            self._revalidate()
            self.form.show_problems(problems, self._current_warnings())
            self.problems = list(problems)
            self._update_state()
            self._refuse(problems)
            return False
        except PageCheckError as exc:
            self._show_save_message(self.tr("Not saved: {0}").format(exc.message))
            return False
        except SocialDeskError as exc:
            self._show_save_message(self.tr("Not saved: {0}").format(exc))
            return False
        saved = done.value
        changes().publish(done.change)
        self._apply_loaded(saved.settings)
        if saved.changed:
            self.statusBar().showMessage(
                self.tr("Saved locally: {0}.").format(", ".join(saved.changed)), 8000
            )
            self.settingsSaved.emit(profile_id)
        else:
            self.statusBar().showMessage(self.tr("No changes to save."), 5000)
        if ops_settings.needs_push(saved):
            self.push(profile_id, saved.settings.platform_label)
        return True

    def _current_warnings(self) -> list[tuple[str, str]]:
        assert self.form is not None and self.profile_id is not None
        return ops_settings.check(self.workspace, self.profile_id, self.form.values()).warnings

    def _refuse(self, problems: Sequence[tuple[str, str]]) -> None:
        assert self.form is not None
        fields = []
        for path, _text in problems:
            key = split_path(path)[0]
            label = translate(self.form.editors[key].field.label) if key in self.form.editors else key
            if label not in fields:
                fields.append(label)
        text = plural("Not saved: %Ln problem(s) must be fixed first", len(problems))
        text += " (" + ", ".join(fields) + "). " + self.tr("Each is shown in red at its field.")
        for path, message in self.form.unplaced:
            text += f"\n{path}: {message}"
        self._show_save_message(text)
        first = self.form.first_problem()
        if first is not None:
            self.form_scroll.ensureWidgetVisible(first, 0, 40)
            target = first.focus_widget()
            if target is not None:
                target.setFocus()

    def revert(self) -> None:
        """Throw away the unsaved changes: show the saved settings again."""
        if self.profile_id is None:
            return
        self.dirty = False
        self._show_profile_again()
        self.statusBar().showMessage(self.tr("Changes thrown away."), 5000)

    def maybe_leave(self) -> bool:
        """True when it is fine to leave the shown settings: nothing unsaved, or saved or discarded now."""
        if not self.dirty or self.loaded is None:
            return True
        box = QMessageBox(self)
        box.setObjectName("unsavedChangesBox")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("Unsaved changes"))
        box.setText(self.tr("The settings of {0} have unsaved changes.").format(self.loaded.display_name))
        box.setInformativeText(self.tr("Save them before leaving?"))
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.dirty = False
            self._show_profile_again()  # the saved settings again, whether the window stays or closes
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_leave():
            event.ignore()
            return
        event.accept()

    def _show_profile_again(self) -> None:
        if self.profile_id is not None:
            profile_id, self.loaded = self.profile_id, None
            self._show_profile(profile_id)

    # -- flows ------------------------------------------------------------------------------------------

    def make_flows_dialog(self) -> FlowsDialog:
        dialog = FlowsDialog(self.workspace, self)
        dialog.changed.connect(self._flows_changed)
        return dialog

    def open_flows(self) -> None:
        dialog = self.make_flows_dialog()
        dialog.exec()
        dialog.deleteLater()

    def _flows_changed(self, renames: list[tuple[str, str]]) -> None:
        """Flows were added, renamed or deleted: the pickers follow; saved references were renamed."""
        if self.form is None or self.profile_id is None:
            return
        self.flows = list(ops_settings.flow_names(self.workspace))
        if not self.dirty:
            self._show_profile_again()
            return
        for old, new in renames:
            self.form.rename_flow(old, new)
        self.form.set_flows(self.flows)
        self._revalidate()


def open_profile_manager(
    workspace: Workspace,
    parent: QWidget | None = None,
    profile_id: int | None = None,
    *,
    credentials: Credentials | None = None,
    rows: ProfileRows | None = None,
) -> ProfileManagerWindow:
    """Show the profile manager (one per parent window), on ``profile_id`` or the first profile;
    ``rows``: the profiles window's read model, the list is made from it."""
    window = parent.findChild(ProfileManagerWindow, "profileManagerWindow") if parent is not None else None
    if window is None:
        window = ProfileManagerWindow(workspace, parent, credentials=credentials, rows=rows)
    window.show()
    window.raise_()
    window.activateWindow()
    if profile_id is not None:
        window.select_profile(profile_id)
    elif window.profile_id is None:
        window.show_first_profile()
    return window


#: The name the project's documents use for the window.
ProfileManager = ProfileManagerWindow
