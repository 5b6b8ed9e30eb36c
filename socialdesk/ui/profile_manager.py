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
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QFontDatabase,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPainter,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid
from sqlalchemy import select
from sqlalchemy.engine import Connection

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS, Visibility
from socialdesk.models.schema import Profile
from socialdesk.models.settings_catalogue import CustomProfileLimits, full_spec
from socialdesk.services import custom_profiles, livechat, settings, settings_push
from socialdesk.services import flows as flows_service
from socialdesk.services import members as members_service
from socialdesk.services.errors import SocialDeskError, ValidationError
from socialdesk.services.rules import ALLOW, Actor, Decision
from socialdesk.services.settings import ProfileSettings, SyncState
from socialdesk.services.settings_push import Credentials, PushOutcome
from socialdesk.services.workspace import Workspace
from socialdesk.ui.flows_dialog import FlowsDialog
from socialdesk.ui.i18n import plural
from socialdesk.ui.push_queue import describe_push
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.settings_form import SettingsForm, split_path, translate
from socialdesk.ui.style import ERROR_BOX_STYLE, ERROR_COLOR, MUTED, WARNING_BOX_STYLE
from socialdesk.ui.widgets import WrapLabel, error_label, show_text
from socialdesk.ui.workers import run_in_thread

log = logging.getLogger(__name__)

ProfileIdRole = Qt.ItemDataRole.UserRole + 1
SubtitleRole = Qt.ItemDataRole.UserRole + 2
HasFormRole = Qt.ItemDataRole.UserRole + 3

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

# The Material Design "settings" gear (Apache License 2.0), drawn in the muted text colour.
GEAR_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#546E7A" d="M19.14 12.94c.04-.3'
    ".06-.61.06-.94 0-.32-.02-.64-.07-.94l2.03-1.58a.49.49 0 0 0 .12-.61l-1.92-3.32a.488.488 0 0 0-.59-.22l"
    "-2.39.96c-.5-.38-1.03-.7-1.62-.94l-.36-2.54a.484.484 0 0 0-.48-.41h-3.84c-.24 0-.43.17-.47.41l-.36 2.54"
    "c-.59.24-1.13.57-1.62.94l-2.39-.96c-.22-.08-.47 0-.59.22L2.74 8.87c-.12.21-.08.47.12.61l2.03 1.58c-.05.3"
    "-.09.63-.09.94s.02.64.07.94l-2.03 1.58a.49.49 0 0 0-.12.61l1.92 3.32c.12.22.37.29.59.22l2.39-.96c.5.38 "
    "1.03.7 1.62.94l.36 2.54c.05.24.24.41.48.41h3.84c.24 0 .44-.17.47-.41l.36-2.54c.59-.24 1.13-.56 1.62-.94"
    "l2.39.96c.22.08.47 0 .59-.22l1.92-3.32c.12-.22.07-.47-.12-.61l-2.01-1.58zM12 15.6c-1.98 0-3.6-1.62-3.6"
    '-3.6s1.62-3.6 3.6-3.6 3.6 1.62 3.6 3.6-1.62 3.6-3.6 3.6z"/></svg>'
)
_gear: QIcon | None = None


def gear_icon() -> QIcon:
    """The gear shown beside every profile (also usable by the profiles window)."""
    global _gear
    if _gear is None:
        renderer = QSvgRenderer(QByteArray(GEAR_SVG.encode()))
        icon = QIcon()
        for side in (16, 24, 32, 48):
            pixmap = QPixmap(side, side)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter)
            painter.end()
            icon.addPixmap(pixmap)
        _gear = icon
    return _gear


# -- the list of profiles -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileColumns:
    """Every profile that is not deleted, as column arrays in list order (built off the GUI thread).

    Owned profiles of the platforms that have a settings form come first (by platform, then name), then
    the colour-only ones. One Core query reads six columns; no Qt here, so a worker thread can build it.
    """

    ids: list[int] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    with_form: list[bool] = field(default_factory=list)
    #: Folded "name @handle platform" per profile: what the search looks in.
    keys: list[str] = field(default_factory=list)
    #: Profile id -> its position in the arrays.
    position: dict[int, int] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: Connection) -> ProfileColumns:
        rows = conn.execute(
            select(
                Profile.id,
                Profile.platform,
                Profile.kind,
                Profile.visibility,
                Profile.display_name,
                Profile.handle,
            ).where(Profile.deleted_at.is_(None))
        ).all()
        forms: dict[tuple[str, str, str], bool] = {}
        labels = {key: info.label for key, info in PLATFORMS.items()}
        sortable = []
        for pid, platform, kind, visibility, name, handle in rows:
            combo = (platform, kind, visibility)
            has = forms.get(combo)
            if has is None:
                has = full_spec(platform, kind) is not None and visibility == Visibility.OWNED.value
                forms[combo] = has
            label = labels.get(platform, platform)
            sortable.append((not has, label, name.casefold(), pid, platform, kind, name, handle))
        sortable.sort()
        ids = [r[3] for r in sortable]
        return cls(
            ids=ids,
            platforms=[r[4] for r in sortable],
            kinds=[r[5] for r in sortable],
            names=[r[6] for r in sortable],
            handles=[r[7] for r in sortable],
            with_form=[not r[0] for r in sortable],
            keys=[f"{r[2]} @{r[7].casefold()} {r[1].casefold()}" for r in sortable],
            position={pid: i for i, pid in enumerate(ids)},
        )


class ProfileListModel(QAbstractListModel):
    """The profiles of ``ProfileColumns`` with a search over name, handle and platform.

    The search is a list comprehension over pre-folded keys and the rows shown are a list of positions,
    so 100,000 profiles stay quick without a proxy model; texts are built only for the rows painted.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = ProfileColumns()
        self._visible: list[int] = []
        self._search = ""
        self._kind_labels = {k: translate(v).lower() for k, v in KIND_LABELS.items()}
        self._colour_only = self.tr("colour only")

    def load(self, conn: Connection) -> None:
        """Read and show the profiles at once (the window reads them on a worker thread instead)."""
        self.set_columns(ProfileColumns.read(conn))

    def set_columns(self, columns: ProfileColumns) -> None:
        self.beginResetModel()
        self._columns = columns
        self._visible = self._filtered()
        self.endResetModel()

    def _filtered(self) -> list[int]:
        if not self._search:
            return list(range(len(self._columns.ids)))
        needle = self._search
        return [i for i, key in enumerate(self._columns.keys) if needle in key]

    def set_search(self, text: str) -> None:
        search = " ".join(text.split()).casefold()
        if search == self._search:
            return
        self.beginResetModel()
        self._search = search
        self._visible = self._filtered()
        self.endResetModel()

    @property
    def total(self) -> int:
        return len(self._columns.ids)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def _subtitle(self, i: int) -> str:
        c = self._columns
        info = PLATFORMS.get(c.platforms[i])
        label = info.label if info is not None else c.platforms[i]
        text = f"@{c.handles[i]} · {label} {self._kind_labels.get(c.kinds[i], c.kinds[i])}"
        return text if c.with_form[i] else f"{text} · {self._colour_only}"

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        i = self._visible[index.row()]
        c = self._columns
        if role == Qt.ItemDataRole.DisplayRole:
            return c.names[i]
        if role == Qt.ItemDataRole.DecorationRole:
            return platform_icon(c.platforms[i])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{c.names[i]}\n{self._subtitle(i)}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{c.names[i]}, {self._subtitle(i)}"
        if role == SubtitleRole:
            return self._subtitle(i)
        if role == ProfileIdRole:
            return c.ids[i]
        if role == HasFormRole:
            return c.with_form[i]
        return None

    def profile_id(self, row: int) -> int:
        return self._columns.ids[self._visible[row]]

    def row_of(self, profile_id: int) -> int:
        """The row showing the profile, or -1 (not loaded, or hidden by the search)."""
        i = self._columns.position.get(profile_id)
        if i is None:
            return -1
        if not self._search:
            return i
        found = bisect_left(self._visible, i)
        return found if found < len(self._visible) and self._visible[found] == i else -1

    def contains(self, profile_id: int) -> bool:
        return profile_id in self._columns.position


class ProfileListDelegate(QStyledItemDelegate):
    """Platform icon, name, "@handle · platform kind", and the gear."""

    PAD = 6
    ICON = 20
    GEAR = 16

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = QIcon()
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        rect: QRect = opt.rect.adjusted(self.PAD, 0, -self.PAD, 0)
        painter.save()
        try:
            icon = index.data(Qt.ItemDataRole.DecorationRole)
            if isinstance(icon, QIcon):
                top = rect.center().y() - self.ICON // 2
                icon.paint(painter, QRect(rect.left(), top, self.ICON, self.ICON))
            gear = gear_icon()
            gear_rect = QRect(
                rect.right() - self.GEAR, rect.center().y() - self.GEAR // 2, self.GEAR, self.GEAR
            )
            gear.paint(
                painter, gear_rect, mode=QIcon.Mode.Normal if index.data(HasFormRole) else QIcon.Mode.Disabled
            )
            text_rect = rect.adjusted(self.ICON + 8, 3, -(self.GEAR + 8), -3)
            name_font = opt.font
            name_font.setBold(True)
            name_metrics = QFontMetrics(name_font)
            text_role = opt.palette.ColorRole.HighlightedText if selected else opt.palette.ColorRole.Text
            painter.setFont(name_font)
            painter.setPen(opt.palette.color(text_role))
            name = name_metrics.elidedText(
                str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
                Qt.TextElideMode.ElideRight,
                text_rect.width(),
            )
            half = text_rect.height() // 2
            painter.drawText(
                QRect(text_rect.left(), text_rect.top(), text_rect.width(), half),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                name,
            )
            small = QFontMetrics(option.font)
            painter.setFont(option.font)
            painter.setPen(opt.palette.color(text_role) if selected else QColor(MUTED))
            subtitle = small.elidedText(
                str(index.data(SubtitleRole) or ""), Qt.TextElideMode.ElideRight, text_rect.width()
            )
            painter.drawText(
                QRect(text_rect.left(), text_rect.top() + half, text_rect.width(), text_rect.height() - half),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                subtitle,
            )
        finally:
            painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(200, 2 * line + 12)


# -- X/Twitter custom profiles --------------------------------------------------------------------------


class CustomProfilesPanel(QFrame):
    """Accept the terms once, then add (name + PNG/JPEG avatar), list and delete custom profiles.

    Changes apply at once (they are not part of the form's Save). Every refusal comes from the service
    and is shown at the part it is about: the terms, the name, the avatar, or the privacy policy URL.
    """

    changed = Signal()
    message = Signal(str)

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
        with self.workspace.session() as s:
            accepted = custom_profiles.terms_acceptance(s)
            rows = [
                (c.id, c.name, custom_profiles.avatar_file(self.workspace, c))
                for c in custom_profiles.list_custom_profiles(s, profile_id)
            ]
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

    def _clear_errors(self) -> None:
        for label in (self.terms_error, self.name_error, self.avatar_error, self.other_error):
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
            with self.workspace.session() as s:
                custom_profiles.accept_terms(s, members_service.me_actor(s))
        except SocialDeskError as exc:
            show_text(self.terms_error, str(exc))
            self.terms_check.blockSignals(True)
            self.terms_check.setChecked(False)
            self.terms_check.blockSignals(False)
            return False
        if self.profile_id is not None:
            self.load(self.profile_id, self.decision)
        return True

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
            show_text(self.avatar_error, self.tr("Choose the avatar image (PNG or JPEG)."))
            return False
        try:
            custom = custom_profiles.add(
                self.workspace, self._actor(), self.profile_id, self.name_edit.text(), self.avatar_path
            )
        except ValidationError as exc:
            targets = {"terms": self.terms_error, "name": self.name_error, "avatar": self.avatar_error}
            for path, text in exc.problems:
                key = split_path(path)[0]
                label = targets.get(key, self.other_error)
                show_text(label, "\n".join(t for t in (label.text(), text) if t))
            return False
        except SocialDeskError as exc:
            show_text(self.other_error, str(exc))
            return False
        self.name_edit.clear()
        self.set_avatar(None)
        self.load(self.profile_id, self.decision)
        self.message.emit(self.tr("Custom profile “{0}” added.").format(custom.name))
        self.changed.emit()
        return True

    def delete_custom_profile(self, custom_id: int) -> bool:
        self._clear_errors()
        try:
            name = custom_profiles.delete(self.workspace, self._actor(), custom_id)
        except SocialDeskError as exc:
            show_text(self.other_error, str(exc))
            return False
        if self.profile_id is not None:
            self.load(self.profile_id, self.decision)
        self.message.emit(self.tr("Custom profile “{0}” deleted.").format(name))
        self.changed.emit()
        return True

    def _actor(self) -> Actor | None:
        with self.workspace.session() as s:
            return members_service.me_actor(s)

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
            with self.workspace.session() as s:
                code = livechat.embed_code_for(s, profile_id)
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


class _ScrollRelayout(QObject):
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


# -- the window ----------------------------------------------------------------------------------------


class ProfileManagerWindow(QMainWindow):
    """Every profile with its settings form; Administrators edit, everyone else reads (with the reason)."""

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
        self.credentials = credentials or settings_push.workspace_credentials(workspace)
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
        self.reload_profiles()

    # -- building --------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Profile manager"), self)
        toolbar.setObjectName("profileManagerToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.action_flows = QAction(self.tr("Flows…"), self)
        self.action_flows.setObjectName("actionFlows")
        self.action_flows.setToolTip(self.tr("Add, rename and delete the flows settings point at"))
        self.action_flows.triggered.connect(self.open_flows)
        self.action_save = QAction(self.tr("Save"), self)
        self.action_save.setObjectName("actionSaveSettings")
        self.action_save.setShortcut(QKeySequence.StandardKey.Save)
        self.action_save.triggered.connect(self.save)
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
        self.search.textChanged.connect(self._search_changed)
        layout.addWidget(self.search)
        self.count_label = QLabel(self.list_panel)
        self.count_label.setObjectName("profileCount")
        self.count_label.setStyleSheet(f"color:{MUTED}")
        layout.addWidget(self.count_label)
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
        self.list.selectionModel().currentChanged.connect(self._current_changed)
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
        self._relayout = _ScrollRelayout(self.form_scroll)
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
        self.revert_button.clicked.connect(self.revert)
        self.save_button = QPushButton(self.tr("Save"), page)
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.save_button)
        layout.addLayout(bottom)
        self.editor_page = page
        self.stack.addWidget(page)

    # -- the list -------------------------------------------------------------------------------------

    def reload_profiles(self) -> None:
        """Read the profiles again (e.g. after profiles were added or deleted in the profiles window).

        The list is read on a worker thread (about a second at 100,000 profiles); a form can be shown
        meanwhile, and is selected in the list once it arrives.
        """
        self.list_loading = True
        self.count_label.setText(self.tr("Loading profiles…"))
        engine = self.workspace.engine

        def read() -> ProfileColumns:
            with engine.connect() as conn:
                return ProfileColumns.read(conn)

        run_in_thread(read, self._profiles_read, self._profiles_failed)

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
            self.count_label.setText(plural(total, "{n} profile", "{n} profiles"))
        else:
            self.count_label.setText(
                self.tr("{0} of {1}").format(f"{shown:,}", plural(total, "{n} profile", "{n} profiles"))
            )
        self.no_match.setText(
            self.tr("No profile matches “{0}”.").format(self.search.text().strip()) if total else
            self.tr("There are no profiles in this workspace yet.")
        )  # fmt: skip
        self.no_match.setVisible(shown == 0)
        self.list.setVisible(shown > 0)
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
            with self.workspace.session() as s:
                loaded = settings.load(s, profile_id)
                flows = [f.name for f in flows_service.list_flows(s)]
                decision = settings.can_edit_settings(members_service.me_actor(s))
        except SocialDeskError as exc:
            self._show_nothing(str(exc))
            return False
        self.profile_id = profile_id
        self.flows = flows
        self.decision = decision
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
        self.placeholder.setText(text or self.tr("Choose a profile on the left to see its settings."))
        self.stack.setCurrentWidget(self.placeholder)
        self._select_in_list(None)

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
        self.form.set_values(loaded.values)
        editable = bool(self.decision)
        self.form.set_read_only(not editable)
        self.header_icon.setPixmap(platform_icon(loaded.platform).pixmap(32, 32))
        self.header_title.setText(loaded.display_name)
        self.header_title.setToolTip(loaded.display_name)
        kind = translate(KIND_LABELS.get(loaded.kind, loaded.kind)).lower()
        subtitle = f"@{loaded.handle} · {loaded.platform_label} {kind}"
        if full_spec(loaded.platform, loaded.kind) is None or loaded.visibility != Visibility.OWNED.value:
            subtitle += " · " + self._colour_only_reason(loaded)
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
        is_chat = loaded.platform == "live_chat" and loaded.spec.has("allowlisted_domains")
        self.embed_panel.setVisible(is_chat)
        if is_chat:
            self.embed_panel.load(loaded.profile_id)
        self._revalidate()

    def _colour_only_reason(self, loaded: ProfileSettings) -> str:
        if full_spec(loaded.platform, loaded.kind) is not None:
            return self.tr("public profiles have only the in-app colour")
        return self.tr("this kind of profile has only the in-app colour")

    def _show_sync(self, loaded: ProfileSettings) -> None:
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
        can_push = state in (SyncState.PENDING, SyncState.FAILED) and self.pushing != loaded.profile_id
        self.push_button.setEnabled(can_push)
        self.push_button.setText(self.tr("Retry push") if state is SyncState.FAILED else self.tr("Push now"))

    # -- editing -----------------------------------------------------------------------------------------

    def _edited(self) -> None:
        self.save_message.setVisible(False)
        self._revalidate()

    def _revalidate(self) -> None:
        """Check the form's values with the settings service and show every problem at its field."""
        if self.form is None or self.profile_id is None:
            return
        try:
            with self.workspace.session() as s:
                checked = settings.check(s, self.profile_id, self.form.values())
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
                plural(n, "{n} problem to fix before saving", "{n} problems to fix before saving")
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
        """Save the form; refused (False) with a clear message while any rule is broken."""
        if self.form is None or self.profile_id is None or self.loaded is None:
            return False
        if not self.decision:
            self._show_save_message(self.decision.reason)
            return False
        profile_id = self.profile_id
        try:
            with self.workspace.session() as s:
                saved = settings.save(s, members_service.me_actor(s), profile_id, self.form.values())
        except ValidationError as exc:
            self._revalidate()
            self.form.show_problems(exc.problems, self._current_warnings())
            self.problems = list(exc.problems)
            self._update_state()
            self._refuse(exc.problems)
            return False
        except SocialDeskError as exc:
            self._show_save_message(self.tr("Not saved: {0}").format(exc))
            return False
        self._apply_loaded(saved.settings)
        if saved.changed:
            self.statusBar().showMessage(
                self.tr("Saved locally: {0}.").format(", ".join(saved.changed)), 8000
            )
            self.settingsSaved.emit(profile_id)
        else:
            self.statusBar().showMessage(self.tr("No changes to save."), 5000)
        if saved.changed and saved.settings.sync_state is SyncState.PENDING:
            self.push(profile_id, saved.settings.platform_label)
        return True

    def _current_warnings(self) -> list[tuple[str, str]]:
        assert self.form is not None and self.profile_id is not None
        with self.workspace.session() as s:
            return settings.check(s, self.profile_id, self.form.values()).warnings

    def _refuse(self, problems: Sequence[tuple[str, str]]) -> None:
        assert self.form is not None
        fields = []
        for path, _text in problems:
            key = split_path(path)[0]
            label = translate(self.form.editors[key].field.label) if key in self.form.editors else key
            if label not in fields:
                fields.append(label)
        text = plural(
            len(problems),
            "Not saved: {n} problem must be fixed first",
            "Not saved: {n} problems must be fixed first",
        )
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

    # -- pushing -----------------------------------------------------------------------------------------

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
        run_in_thread(
            lambda: settings_push.push(workspace, profile_id, credentials, manual=True),
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
            with self.workspace.session() as s:
                fresh = settings.load(s, profile_id)
        except SocialDeskError:
            return
        self._show_sync(fresh)

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
        with self.workspace.session() as s:
            self.flows = [f.name for f in flows_service.list_flows(s)]
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
) -> ProfileManagerWindow:
    """Show the profile manager (one per parent window), on ``profile_id`` or the first profile."""
    window = parent.findChild(ProfileManagerWindow, "profileManagerWindow") if parent is not None else None
    if window is None:
        window = ProfileManagerWindow(workspace, parent, credentials=credentials)
    window.show()
    window.raise_()
    window.activateWindow()
    if profile_id is not None:
        window.select_profile(profile_id)
    elif window.profile_id is None:
        window.show_first_profile()
    return window
