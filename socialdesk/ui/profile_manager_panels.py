"""The profile manager's panels below the form: X/Twitter custom profiles, the Live Chat embed code."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QPixmap,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.settings_catalogue import CustomProfileLimits
from socialdesk.ops import profile_settings as ops_profiles
from socialdesk.ops import settings as ops_settings
from socialdesk.ops.settings import Workspace
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.services.rules import ALLOW, Decision
from socialdesk.ui.ops_runner import changes
from socialdesk.ui.settings_form import split_path, translate
from socialdesk.ui.style import ERROR_BOX_STYLE, MUTED, WARNING_BOX_STYLE
from socialdesk.ui.widgets import WrapLabel, error_label, show_text

log = logging.getLogger(__name__)

# -- X/Twitter custom profiles --------------------------------------------------------------------------


class CustomProfilesPanel(QFrame):
    """Accept the terms once, then add (name + PNG/JPEG avatar), list and delete custom profiles.

    Changes apply at once (they are not part of the form's Save). Every refusal comes from the service
    and is shown at the part it is about: the terms, the name, the avatar, or the privacy policy URL.
    """

    changed = Signal()
    message = Signal(str)
    #: A refusal is shown at this label: the window scrolls it into view.
    problemShown = Signal(QWidget)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.profile_id: int | None = None
        self.decision: Decision = ALLOW
        self.avatar_path: Path | None = None
        self.setObjectName("customProfilesPanel")
        limits = CustomProfileLimits()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        _section_title(layout, self, self.tr("X/Twitter custom profiles"))
        intro = WrapLabel(
            self.tr(
                "Changes here apply at once (no Save needed) and stay in SocialDesk. "
                "Each custom profile needs the account's privacy policy URL, saved above."
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color:{MUTED}")
        layout.addWidget(intro)
        self.terms_text = WrapLabel(translate(limits.terms), self)
        self.terms_text.setObjectName("customProfileTermsText")
        self.terms_text.setWordWrap(True)
        self.terms_text.setStyleSheet(
            "background:#F5F7F9;border:1px solid #CFD8DC;border-radius:4px;padding:6px;"
        )
        layout.addWidget(self.terms_text)
        self.terms_check = QCheckBox(self.tr("I accept the custom-profile terms for this workspace"), self)
        self.terms_check.setObjectName("customProfileTermsCheck")
        self.terms_check.toggled.connect(self._terms_toggled)
        layout.addWidget(self.terms_check)
        self.terms_state = WrapLabel("", self)
        self.terms_state.setObjectName("customProfileTermsState")
        self.terms_state.setWordWrap(True)
        self.terms_state.setStyleSheet(f"color:{MUTED}")
        layout.addWidget(self.terms_state)
        self.terms_error = error_label(self, "customProfileTermsError", ERROR_BOX_STYLE)
        layout.addWidget(self.terms_error)
        self.list = QListWidget(self)
        self.list.setObjectName("customProfilesList")
        self.list.setAccessibleName(self.tr("Custom profiles"))
        self.list.setIconSize(QSize(32, 32))
        self.list.setMaximumHeight(150)
        layout.addWidget(self.list)
        self.empty = WrapLabel(self.tr("No custom profiles yet."), self)
        self.empty.setObjectName("customProfilesEmpty")
        self.empty.setStyleSheet(f"color:{MUTED}")
        layout.addWidget(self.empty)
        self.delete_button = QPushButton(self.tr("Delete custom profile…"), self)
        self.delete_button.setObjectName("deleteCustomProfileButton")
        self.delete_button.clicked.connect(self._delete_clicked)
        row = QHBoxLayout()
        row.addWidget(self.delete_button)
        row.addStretch(1)
        layout.addLayout(row)
        add_title = WrapLabel(self.tr("Add a custom profile"), self)
        font = add_title.font()
        font.setBold(True)
        add_title.setFont(font)
        layout.addWidget(add_title)
        add = QHBoxLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("customProfileName")
        self.name_edit.setPlaceholderText(self.tr("Name replies will show"))
        self.name_edit.setAccessibleName(self.tr("Custom profile name"))
        self.avatar_button = QPushButton(self.tr("Choose avatar…"), self)
        self.avatar_button.setObjectName("customProfileAvatarButton")
        self.avatar_button.setToolTip(
            self.tr("A PNG or JPEG of at most {0} KB, each side {1} to {2} pixels").format(
                limits.max_bytes // 1024, limits.min_side, limits.max_side
            )
        )
        self.avatar_button.clicked.connect(self._choose_avatar)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("addCustomProfileButton")
        self.add_button.clicked.connect(lambda: self.add_custom_profile())
        add.addWidget(self.name_edit, 1)
        add.addWidget(self.avatar_button)
        add.addWidget(self.add_button)
        layout.addLayout(add)
        self.name_error = error_label(self, "customProfileNameError", ERROR_BOX_STYLE)
        layout.addWidget(self.name_error)
        self.avatar_label = WrapLabel(self.tr("No avatar chosen."), self)
        self.avatar_label.setObjectName("customProfileAvatarLabel")
        self.avatar_label.setStyleSheet(f"color:{MUTED}")
        self.avatar_label.setWordWrap(True)
        layout.addWidget(self.avatar_label)
        self.avatar_error = error_label(self, "customProfileAvatarError", ERROR_BOX_STYLE)
        layout.addWidget(self.avatar_error)
        self.other_error = error_label(self, "customProfileError", ERROR_BOX_STYLE)
        layout.addWidget(self.other_error)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        #: The tooltips shown while editing is allowed (read-only shows the reason instead).
        self._tips = {
            w.objectName(): w.toolTip() for w in (self.name_edit, self.avatar_button, self.add_button)
        }

    def load(self, profile_id: int, decision: Decision) -> None:
        self.profile_id = profile_id
        self.decision = decision
        shown = ops_profiles.custom_profiles(self.workspace, profile_id)
        accepted = shown.terms
        rows = [(c.id, c.name, c.avatar) for c in shown.items]
        self.terms_check.blockSignals(True)
        self.terms_check.setChecked(accepted is not None)
        self.terms_check.blockSignals(False)
        self.terms_check.setEnabled(accepted is None and bool(decision))
        self.terms_text.setVisible(True)
        if accepted is not None:
            self.terms_state.setText(
                self.tr("Accepted on {0} by {1}.").format(
                    accepted.accepted_at.strftime("%Y-%m-%d"), accepted.member_name
                )
            )
        else:
            self.terms_state.setText(self.tr("Accept the terms once for the whole workspace."))
        self.list.clear()
        for custom_id, name, path in rows:
            item = QListWidgetItem(name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, custom_id)
            pixmap = QPixmap(str(path))
            if not pixmap.isNull():
                item.setIcon(QIcon(pixmap.scaled(32, 32, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)))  # fmt: skip
        self.list.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._clear_errors()
        self._update_buttons()

    def _update_buttons(self) -> None:
        editable = bool(self.decision)
        for widget in (self.name_edit, self.avatar_button, self.add_button):
            widget.setEnabled(editable)
            widget.setToolTip(self._tips.get(widget.objectName(), "") if editable else self.decision.reason)
        self.delete_button.setEnabled(editable and self.list.currentItem() is not None)
        self.delete_button.setVisible(self.list.count() > 0)

    def _error_labels(self) -> tuple[QLabel, ...]:
        return (self.terms_error, self.name_error, self.avatar_error, self.other_error)

    def _clear_errors(self) -> None:
        for label in self._error_labels():
            label.clear()
            label.setVisible(False)

    def names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def custom_ids(self) -> list[int]:
        return [int(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())]

    # -- operations (callable without the file dialog and the confirmation) ---------------------------

    def accept_terms(self) -> bool:
        self._clear_errors()
        try:
            done = ops_profiles.accept_terms(self.workspace)
        except SocialDeskError as exc:
            self._show_error(self.terms_error, str(exc))
            self.terms_check.blockSignals(True)
            self.terms_check.setChecked(False)
            self.terms_check.blockSignals(False)
            return False
        changes().publish(done.change)
        if self.profile_id is not None:
            self.load(self.profile_id, self.decision)
        return True

    def _show_error(self, label: QLabel, text: str) -> None:
        """Show a refusal at its part, and ask the window to scroll it into view."""
        show_text(label, text)
        if text:
            self.problemShown.emit(label)

    def set_avatar(self, path: Path | None) -> None:
        self.avatar_path = path
        self.avatar_label.setText(
            self.tr("Avatar: {0}").format(path.name) if path is not None else self.tr("No avatar chosen.")
        )
        self.avatar_label.setToolTip(str(path) if path is not None else "")
        self.avatar_error.setVisible(False)

    def add_custom_profile(self, name: str | None = None, avatar: Path | None = None) -> bool:
        """Add with the given (or typed) name and avatar; every refusal is shown where it belongs."""
        if self.profile_id is None:
            return False
        if name is not None:
            self.name_edit.setText(name)
        if avatar is not None:
            self.set_avatar(avatar)
        self._clear_errors()
        if self.avatar_path is None:
            self._show_error(self.avatar_error, self.tr("Choose the avatar image (PNG or JPEG)."))
            return False
        try:
            done = ops_profiles.add_custom_profile(
                self.workspace, self.profile_id, self.name_edit.text(), self.avatar_path
            )
        except ValidationError as exc:
            targets = {"terms": self.terms_error, "name": self.name_error, "avatar": self.avatar_error}
            for path, text in exc.problems:
                key = split_path(path)[0]
                label = targets.get(key, self.other_error)
                show_text(label, "\n".join(t for t in (label.text(), text) if t))
            first = next((lb for lb in self._error_labels() if not lb.isHidden()), None)
            if first is not None:
                self.problemShown.emit(first)
            return False
        except SocialDeskError as exc:
            self._show_error(self.other_error, str(exc))
            return False
        changes().publish(done.change)
        self.name_edit.clear()
        self.set_avatar(None)
        self.load(self.profile_id, self.decision)
        self.message.emit(self.tr("Custom profile “{0}” added.").format(done.value.name))
        self.changed.emit()
        return True

    def delete_custom_profile(self, custom_id: int) -> bool:
        self._clear_errors()
        if self.profile_id is None:
            return False
        try:
            done = ops_profiles.delete_custom_profile(self.workspace, self.profile_id, custom_id)
        except SocialDeskError as exc:
            self._show_error(self.other_error, str(exc))
            return False
        changes().publish(done.change)
        self.load(self.profile_id, self.decision)
        self.message.emit(self.tr("Custom profile “{0}” deleted.").format(done.value))
        self.changed.emit()
        return True

    # -- the widgets' handlers -----------------------------------------------------------------------

    def _terms_toggled(self, checked: bool) -> None:
        if checked:
            self.accept_terms()

    def _choose_avatar(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Choose an avatar"), "", self.tr("Images (*.png *.jpg *.jpeg);;All files (*)")
        )
        if path:
            self.set_avatar(Path(path))

    def _delete_clicked(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Delete custom profile"),
            self.tr("Delete the custom profile “{0}” and its avatar?").format(item.text()),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_custom_profile(int(item.data(Qt.ItemDataRole.UserRole)))


def _section_title(layout: QVBoxLayout, parent: QWidget, text: str) -> QLabel:
    """A part of the page below the form: a rule, then a title a little larger than the fields'."""
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet("color:#CFD8DC")
    layout.addWidget(line)
    title = WrapLabel(text, parent)
    font = title.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    title.setFont(font)
    layout.addWidget(title)
    return title


# -- Live Chat -----------------------------------------------------------------------------------------


class EmbedCodePanel(QFrame):
    """The HTML snippet for the web site, from the saved settings, with a Copy button."""

    copied = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("embedCodePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        _section_title(layout, self, self.tr("Embed code for your web site"))
        intro = WrapLabel(
            self.tr("Paste this snippet into every page of your web site that should show the chat."), self
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(f"color:{MUTED}")
        layout.addWidget(intro)
        self.note = WrapLabel(
            self.tr("The code uses the saved settings: save your changes to include them."), self
        )
        self.note.setObjectName("embedCodeNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(WARNING_BOX_STYLE)
        self.note.setVisible(False)
        layout.addWidget(self.note)
        self.code = QPlainTextEdit(self)
        self.code.setObjectName("embedCode")
        self.code.setReadOnly(True)
        self.code.setAccessibleName(self.tr("Embed code"))
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.code.setFixedHeight(self.code.fontMetrics().lineSpacing() * 12 + 16)
        layout.addWidget(self.code)
        row = QHBoxLayout()
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setObjectName("copyEmbedCodeButton")
        self.copy_button.clicked.connect(self.copy)
        self.copied_label = WrapLabel("", self)
        self.copied_label.setObjectName("embedCodeCopied")
        self.copied_label.setStyleSheet("color:#1B6B24")
        row.addWidget(self.copy_button)
        row.addWidget(self.copied_label, 1)
        layout.addLayout(row)

    def load(self, profile_id: int) -> None:
        try:
            code = ops_settings.embed_code(self.workspace, profile_id)
        except SocialDeskError as exc:
            code = str(exc)
        self.code.setPlainText(code)
        self.copied_label.clear()

    def set_unsaved(self, unsaved: bool) -> None:
        self.note.setVisible(unsaved)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code.toPlainText())
        self.copied_label.setText(self.tr("Copied to the clipboard."))
        self.copied.emit()


class ScrollRelayout(QObject):
    """Tells the scroll area when its content's layout changed (rows added, messages shown).

    A resizable scroll area sizes its widget by height-for-width only when it hears of a layout change;
    the content's own layout requests do not reach it, so a grown form would be squeezed.
    """

    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self.scroll = scroll

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            QCoreApplication.postEvent(self.scroll, QEvent(QEvent.Type.LayoutRequest))
        return False
