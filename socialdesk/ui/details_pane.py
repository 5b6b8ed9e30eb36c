"""The details pane: the selected profile in full, edited in place, or a summary of a multi-selection.

The pane reads through ``services.details`` and writes through ``services.profiles``; it decides
nothing itself: what is allowed, and why not, comes with the details.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import (
    KIND_LABELS,
    PLATFORMS,
    STATUS_LABELS,
    ConnectionState,
    GrantState,
    Status,
)
from socialdesk.ops.profiles import ProfileDetails, ProfileSettings, SyncState
from socialdesk.services.query import ProfileRows
from socialdesk.ui.delegates import BADGE_COLORS
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import MUTED
from socialdesk.ui.widgets import shorten

BULK_NOTE = (
    "The actions below apply to every selected profile they are allowed for; "
    "you see which, and why not, before anything changes."
)
STATE_COLORS = {
    ConnectionState.ACTIVE: "#1B6B24",
    ConnectionState.EXPIRED: "#A1160A",
    GrantState.ACTIVE: "#1B6B24",
    GrantState.EXPIRED: "#A1160A",
    GrantState.REVOKED: "#8D6E63",
}


def badge_html(value: object, text: str) -> str:
    colors = BADGE_COLORS.get(value)
    if colors is None:
        return f"<span style='color:{MUTED}'>{escape(text)}</span>"
    return f"<span style='background:{colors[0]};color:{colors[1]}'>&nbsp;{escape(text)}&nbsp;</span>"


#: At the pane's narrowest (about 270 px) a title line holds ~13 bold characters beside the avatar and
#: the gear, a muted line ~34: a name gets at most three lines, a handle two.
TITLE_CHARS = 36
LINE_CHARS = 34


def fit(text: str, limit: int, word: int | None = None) -> str:
    """``text`` for a narrow pane: at most ``limit`` characters, and no word longer than ``word`` (a word
    that long cannot wrap and would be clipped); the full text goes in the tooltip."""
    word = word or limit
    words = [shorten(w, word) if len(w) > word else w for w in text.split(" ")]
    return shorten(" ".join(words), limit)


def fit_name(text: str, limit: int = TITLE_CHARS) -> str:
    """A long name cut after its last whole word that fits, with "…" (a name reads from its start)."""
    if len(text) <= limit:
        return fit(text, limit, limit // 2)
    head = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return fit(head.rstrip(" ,.-–—"), limit, limit // 2) + "…"


def when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "–"  # type: ignore[attr-defined]


class DetailsPane(QScrollArea):
    #: The user asked to save these edits: (profile id, {field: value}).
    saveRequested = Signal(int, dict)
    #: "Full history…" was clicked for this profile.
    historyRequested = Signal(int)
    #: The gear: open this profile's platform settings in the profile manager.
    settingsRequested = Signal(int)
    #: "Connect" next to one connection: (profile id, connection type value).
    connectRequested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.setAccessibleName(self.tr("Profile details"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(236)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.details: ProfileDetails | None = None
        self._action_buttons: list[QToolButton] = []
        body = QWidget(self)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(12, 10, 12, 10)
        self.body.setSpacing(8)
        self.setWidget(body)
        self._build_header(body)
        self.actions_row = QGridLayout()
        self.actions_row.setSpacing(4)
        self.body.addLayout(self.actions_row)
        self.connect_button = QToolButton(body)
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setText(self.tr("Connect…"))
        self.connect_button.setToolTip(
            self.tr("Sign in to establish or renew one connection of this profile")
        )
        self.connect_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.connect_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.connect_menu = QMenu(self.connect_button)
        self.connect_button.setMenu(self.connect_menu)
        self.body.addWidget(self.connect_button)
        self._build_editor(body)
        #: The selected profile's settings push state (``ui.push_queue`` gives the source).
        self.push_state_source: Callable[[int], ProfileSettings | None] | None = None
        self.push_state = self._rich_label(body, "detailsPushState")
        self.push_state.hide()
        self.body.addWidget(self.push_state)
        self.info = self._rich_label(body, "detailsText")
        self.body.addWidget(self.info)
        self.history_button = QPushButton(self.tr("Full history…"), body)
        self.history_button.setObjectName("historyButton")
        self.history_button.setFlat(True)
        self.history_button.setStyleSheet("text-align: left; color: #0B57D0;")
        self.history_button.clicked.connect(
            lambda: self.details and self.historyRequested.emit(self.details.id)
        )
        self.body.addWidget(self.history_button)
        self.body.addStretch(1)
        self.show_nothing()

    # -- building ----------------------------------------------------------------------------------

    @staticmethod
    def _rich_label(parent: QWidget, name: str) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setOpenExternalLinks(True)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return label

    def _build_header(self, body: QWidget) -> None:
        row = QHBoxLayout()
        self.avatar = QLabel(body)
        self.avatar.setFixedSize(QSize(44, 44))
        self.title = self._rich_label(body, "detailsTitle")
        row.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.title, 1)
        self.gear = QToolButton(body)
        self.gear.setObjectName("profileSettingsButton")
        self.gear.setToolTip(self.tr("Platform settings of this profile (profile manager)"))
        self.gear.setAccessibleName(self.tr("Platform settings"))
        self.gear.setAutoRaise(True)
        self.gear.clicked.connect(self._open_settings)
        row.addWidget(self.gear, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(row)

    def _build_editor(self, body: QWidget) -> None:
        self.editor = QWidget(body)
        self.editor.setObjectName("profileEditor")
        form = QFormLayout(self.editor)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit(self.editor)
        self.name_edit.setObjectName("editDisplayName")
        self.name_edit.setAccessibleName(self.tr("Display name"))
        self.url_edit = QLineEdit(self.editor)
        self.url_edit.setObjectName("editUrl")
        self.url_edit.setAccessibleName(self.tr("Profile address"))
        self.url_edit.setPlaceholderText("https://")
        self.notes_edit = QPlainTextEdit(self.editor)
        self.notes_edit.setObjectName("editNotes")
        self.notes_edit.setAccessibleName(self.tr("Notes"))
        self.notes_edit.setFixedHeight(64)
        self.notes_edit.setTabChangesFocus(True)
        self.acquire_data = QCheckBox(self.tr("Acquire data"), self.editor)
        self.acquire_data.setObjectName("editAcquireData")
        self.acquire_messages = QCheckBox(self.tr("Acquire private messages"), self.editor)
        self.acquire_messages.setObjectName("editAcquireMessages")
        self.edit_error = QLabel(self.editor)
        self.edit_error.setObjectName("editError")
        self.edit_error.setWordWrap(True)
        self.edit_error.setStyleSheet("color: #A1160A;")
        self.edit_error.hide()
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save"), self.editor)
        self.save_button.setObjectName("saveProfileButton")
        self.revert_button = QPushButton(self.tr("Revert"), self.editor)
        self.revert_button.setObjectName("revertProfileButton")
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Address"), self.url_edit)
        form.addRow(self.tr("Notes"), self.notes_edit)
        form.addRow(self.acquire_data)
        form.addRow(self.acquire_messages)
        form.addRow(self.edit_error)
        form.addRow(buttons)
        for signal in (self.name_edit.textChanged, self.url_edit.textChanged, self.notes_edit.textChanged):
            signal.connect(self._dirty_changed)
        self.acquire_data.toggled.connect(self._dirty_changed)
        self.acquire_messages.toggled.connect(self._dirty_changed)
        self.save_button.clicked.connect(self._save)
        self.revert_button.clicked.connect(self._revert)
        self.body.addWidget(self.editor)

    def set_actions(self, rows: list[list[QAction]]) -> None:
        """The profile actions offered in the pane, as rows of buttons that follow the actions' state."""
        for button in self._action_buttons:
            self.actions_row.removeWidget(button)
            button.deleteLater()
        self._action_buttons = []
        for r, actions in enumerate(rows):
            for c, action in enumerate(actions):
                button = QToolButton(self.widget())
                button.setDefaultAction(action)
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                self.actions_row.addWidget(button, r, c, 1, 2 if len(actions) == 1 else 1)
                self._action_buttons.append(button)

    # -- showing -----------------------------------------------------------------------------------

    def _open_settings(self) -> None:
        if self.details is not None:
            self.settingsRequested.emit(self.details.id)

    def set_gear_icon(self, icon: QIcon) -> None:
        self.gear.setIcon(icon)

    def _fill_connect_menu(self, d: ProfileDetails) -> None:
        self.connect_menu.clear()
        decision = d.decisions["connect"]
        for c in d.connections:
            state = c.state.value.replace("_", " ")
            item = self.connect_menu.addAction(f"{c.type.label} ({state})")
            item.setObjectName(f"connect_{c.type.value}")
            item.triggered.connect(
                lambda _checked=False, pid=d.id, t=c.type.value: self.connectRequested.emit(pid, t)
            )
        self.connect_button.setVisible(bool(d.connections))
        self.connect_button.setEnabled(bool(decision))
        self.connect_button.setToolTip(
            self.tr("Sign in to establish or renew one connection of this profile")
            if decision
            else decision.reason
        )

    def refresh_push_state(self) -> None:
        """Show the selected profile's settings push state (pending, synced, failed, local only)."""
        from socialdesk.ui.push_queue import describe_push

        loaded = None
        if self.details is not None and self.push_state_source is not None:
            loaded = self.push_state_source(self.details.id)
        if loaded is None:
            self.push_state.hide()
            return
        badge, sentence = describe_push(loaded)
        color = {SyncState.FAILED: "#A1160A", SyncState.PENDING: "#7A5200"}.get(loaded.sync_state, MUTED)
        self.push_state.setText(
            f"<b>{escape(self.tr('Settings'))}:</b> <span style='color:{color}'>{escape(badge)}</span>"
            f"<br><span style='color:{MUTED}'>{escape(sentence)}</span>"
        )
        self.push_state.show()

    def show_nothing(self) -> None:
        self.details = None
        self.push_state.hide()
        self.gear.hide()
        self.connect_button.hide()
        self.avatar.clear()
        self.title.setText(
            f"<p style='color:{MUTED}'>{escape(self.tr('Select a profile to see its details.'))}</p>"
        )
        self.editor.hide()
        self.info.clear()
        self.history_button.hide()
        self._show_action_buttons(False)

    def _show_action_buttons(self, visible: bool) -> None:
        for button in self._action_buttons:
            button.setVisible(visible)

    def show_details(self, d: ProfileDetails) -> None:
        self.details = d
        self.gear.setVisible(d.deleted_at is None)
        self._fill_connect_menu(d)
        info = PLATFORMS[d.platform]
        self.avatar.setPixmap(platform_icon(d.platform).pixmap(QSize(44, 44)))
        kind = KIND_LABELS.get(d.kind, d.kind).lower()
        deleted = (
            f"<br><b style='color:#A1160A'>{escape(self.tr('Deleted'))} {when(d.deleted_at)}</b>"
            if d.deleted_at
            else ""
        )
        name = fit_name(d.display_name)
        cut = name != d.display_name or len(d.handle) > LINE_CHARS
        self.title.setToolTip(f"{d.display_name}\n@{d.handle}" if cut else "")
        handle = fit(d.handle, LINE_CHARS)
        self.title.setText(
            f"<b style='font-size:11pt'>{escape(name)}</b><br>"
            f"<span style='color:{MUTED}'>@{escape(handle)} · {escape(info.label)} {escape(kind)}"
            f"{' · ' + escape(self.tr('public')) if d.visibility.value == 'public' else ''}</span><br>"
            f"{badge_html(d.ownership, self.tr(d.ownership.label))} "
            f"{badge_html(d.status, self._status_text(d.status))}"
            f"{deleted}"
        )
        self._fill_editor(d)
        self.refresh_push_state()
        self.info.setText(self._info_html(d))
        self.history_button.setVisible(bool(d.audit))
        self._show_action_buttons(True)

    def _fill_editor(self, d: ProfileDetails) -> None:
        widgets = (self.name_edit, self.url_edit, self.notes_edit, self.acquire_data, self.acquire_messages)
        for w in widgets:
            w.blockSignals(True)
        self.name_edit.setText(d.display_name)
        self.url_edit.setText(d.url or "")
        for line in (self.name_edit, self.url_edit):
            line.setCursorPosition(0)  # show the beginning of a long value
        self.notes_edit.setPlainText(d.notes)
        self.acquire_data.setChecked(d.acquire_data)
        self.acquire_messages.setChecked(d.acquire_messages)
        for w in widgets:
            w.blockSignals(False)
        edit = d.decisions["edit"]
        for w in (self.name_edit, self.url_edit, self.notes_edit):
            w.setReadOnly(not edit)
            w.setToolTip("" if edit else edit.reason)
        for box, key in ((self.acquire_data, "acquire_data"), (self.acquire_messages, "acquire_messages")):
            decision = d.decisions[key]
            # Switching off is always possible; switching on needs a valid token.
            box.setEnabled(bool(edit) and (bool(decision) or box.isChecked()))
            box.setToolTip(edit.reason if not edit else ("" if decision else decision.reason))
        self.acquire_messages.setVisible(PLATFORMS[d.platform].message_acquisition_kinds.count(d.kind) > 0)
        self.edit_error.hide()
        self.editor.show()
        self._dirty_changed()

    def _info_html(self, d: ProfileDetails) -> str:
        rows: list[str] = []

        def row(label: str, value: str) -> None:
            rows.append(
                f"<tr><td style='color:{MUTED};padding-right:8px'>{escape(label)}</td><td>{value}</td></tr>"
            )

        # The address is in the editor above (one Address row, not two); here only a short link to open it.
        if d.url:
            where = self.tr("Open on {0}").format(PLATFORMS[d.platform].label)
            row(self.tr("Link"), f"<a href='{escape(d.url)}'>{escape(where)}&nbsp;↗</a>")
        row(self.tr("Platform id"), escape(fit(d.platform_id or self.tr("unknown"), LINE_CHARS - 8)))
        if d.like_count is not None:
            row(self.tr("Likes"), f"{d.like_count:,}")
        row(self.tr("Added"), when(d.added_at))
        row(self.tr("Groups"), escape(", ".join(fit(g, LINE_CHARS - 8) for g in d.groups) or "–"))
        parts = [f"<table cellspacing='0' cellpadding='1'>{''.join(rows)}</table>"]
        owners = ", ".join(name for _, name in d.owners) or self.tr("nobody — claim it to use it")
        parts.append(
            f"<h4 style='margin-bottom:2px'>{escape(self.tr('Owners'))}</h4><p style='margin-top:0'>"
            f"{escape(owners)}</p>"
        )
        shared = [name for _, name in d.shared_with]
        if d.shared_with_all:
            shared.insert(0, self.tr("all users"))
        parts.append(
            f"<h4 style='margin-bottom:2px'>{escape(self.tr('Shared with'))}</h4><p style='margin-top:0'>"
            f"{escape(', '.join(shared) or self.tr('nobody'))}</p>"
        )
        if d.connections:
            parts.append(f"<h4 style='margin-bottom:2px'>{escape(self.tr('Connections'))}</h4>")
            for c in d.connections:
                color = STATE_COLORS.get(c.state, MUTED)
                parts.append(
                    f"<p style='margin:4px 0 0 0'><b>{escape(c.type.label)}</b> "
                    f"<span style='color:{color}'>{escape(c.state.value.replace('_', ' '))}</span></p>"
                )
                if c.grants:
                    lines = []
                    for g in c.grants:
                        where = (
                            ""
                            if g.on_this_computer
                            else f" · {escape(self.tr('token not on this computer'))}"
                        )
                        error = f"<br><i>{escape(g.last_error)}</i>" if g.last_error else ""
                        removed = f" ({escape(self.tr('removed'))})" if g.member_removed else ""
                        lines.append(
                            f"<li>{escape(g.member)}{removed}: <span style='color:{STATE_COLORS[g.state]}'>"
                            f"{escape(g.state.value)}</span> · "
                            f"{escape(self.tr('expires'))} {when(g.expires_at)}"
                            f"{' · ' + escape(self.tr('refreshable')) if g.has_refresh_token else ''}"
                            f" · {escape(self.tr('checked'))} {when(g.last_checked_at)}{where}{error}</li>"
                        )
                    parts.append(f"<ul style='margin:0;-qt-list-indent:1'>{''.join(lines)}</ul>")
        elif d.visibility.value == "public":
            parts.append(
                f"<p style='color:{MUTED}'>"
                f"{escape(self.tr('Public profiles are tracked only: no connections.'))}</p>"
            )
        if d.audit:
            parts.append(f"<h4 style='margin-bottom:2px'>{escape(self.tr('Recent changes'))}</h4>")
            items = "".join(
                f"<li>{when(a.at)} · {escape(a.actor or self.tr('someone'))}: {escape(a.text())}</li>"
                for a in d.audit[:5]
            )
            parts.append(f"<ul style='margin:0;-qt-list-indent:1'>{items}</ul>")
        return "".join(parts)

    def show_many(self, rows: ProfileRows, source_rows: list[int]) -> None:
        self.details = None
        self.push_state.hide()
        self.gear.hide()
        self.connect_button.hide()
        self.avatar.clear()
        self.editor.hide()
        self.history_button.hide()
        status = Counter(rows.status[r] for r in source_rows)
        platforms = Counter(PLATFORMS[rows.platform[r]].label for r in source_rows)
        title = plural("%Ln profile(s) selected", len(source_rows))
        self.title.setText(f"<b style='font-size:13pt'>{escape(title)}</b>")
        parts = [
            "<p>"
            + " · ".join(
                f"{escape(self._status_text(s))}: {n:,}"
                for s, n in sorted(status.items(), key=lambda x: x[0].rank)
            )
            + "</p>",
            "<p>" + ", ".join(f"{escape(p)} {n:,}" for p, n in platforms.most_common(6)) + "</p>",
            f"<p style='color:{MUTED}'>{escape(self.tr(BULK_NOTE))}</p>",
        ]
        self.info.setText("".join(parts))
        self._show_action_buttons(True)

    def _status_text(self, status: Status) -> str:
        return STATUS_LABELS[status] if status is not Status.NOT_CONNECTED else self.tr("Not connected")

    # -- editing -----------------------------------------------------------------------------------

    def edits(self) -> dict[str, object]:
        """The fields that differ from the stored profile."""
        d = self.details
        if d is None:
            return {}
        changed: dict[str, object] = {}
        if self.name_edit.text().strip() != d.display_name:
            changed["display_name"] = self.name_edit.text()
        if self.url_edit.text().strip() != (d.url or ""):
            changed["url"] = self.url_edit.text()
        if self.notes_edit.toPlainText() != d.notes:
            changed["notes"] = self.notes_edit.toPlainText()
        if self.acquire_data.isChecked() != d.acquire_data:
            changed["acquire_data"] = self.acquire_data.isChecked()
        if self.acquire_messages.isChecked() != d.acquire_messages:
            changed["acquire_messages"] = self.acquire_messages.isChecked()
        return changed

    def is_dirty(self) -> bool:
        return bool(self.edits())

    def ask_unsaved(self, parent: QWidget) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel the edits of the shown profile (the selection is moving away)."""
        name = self.details.display_name if self.details is not None else ""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Unsaved changes"),
            self.tr("Save your changes to {0}?").format(shorten(name)),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            parent,
        )
        box.setObjectName("unsavedEditsBox")
        box.setInformativeText(self.tr("You edited this profile in the details pane and did not save it."))
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        return QMessageBox.StandardButton(box.exec())

    def focus_first(self) -> None:
        """Enter on a row: the pane takes the focus (its first field, or the pane itself)."""
        # After the event that asked (a double-click's release would give the table its focus back).
        QTimer.singleShot(0, self._take_focus)

    def _take_focus(self) -> None:
        if self.editor.isVisible() and not self.name_edit.isReadOnly():
            self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            self.name_edit.selectAll()
        else:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _dirty_changed(self, *_args: object) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def _save(self) -> None:
        if self.details is not None and self.is_dirty():
            self.saveRequested.emit(self.details.id, self.edits())

    def _revert(self) -> None:
        if self.details is not None:
            self._fill_editor(self.details)

    def show_error(self, message: str) -> None:
        """A refused save: the message at the form; the user's edits stay in the fields."""
        self.edit_error.setText(message)
        self.edit_error.show()
