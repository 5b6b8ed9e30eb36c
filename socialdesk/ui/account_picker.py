"""Adding owned profiles: choose the platform and connection types, then pick the accounts a sign-in found.

:class:`PlatformChoiceDialog` comes before the sign-in, :class:`AccountPickerDialog` after it. Both
only collect choices (methods callable from tests without the modal loop); the flow in
``sign_in_flows`` reads which accounts are known (``ops.connections.known_accounts``: indexed on the
discovered ids) and applies the choice (``ops.connections.add_accounts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS, ConnectionType, Ownership
from socialdesk.ops.connections import Account, Discovery, KnownAccount, addable_types, kind_apps
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon
from socialdesk.ui.style import ERROR_STYLE, muted_color

MUTED = muted_color()
NEW = QColor("#1B6B24")

#: Above this many accounts the picker shows a filter field.
FILTER_FROM = 8


class PlatformChoiceDialog(QDialog):
    """Step 1 of adding profiles: the platform to sign in to and the connection types to ask for."""

    def __init__(self, parent: QWidget | None = None, platform_key: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addProfilesDialog")
        self.setWindowTitle(self.tr("Add profiles"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "SocialDesk opens the platform's sign-in. Afterwards you choose which of the accounts you "
                "manage there to add; they become profiles you own, connected for the types below."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.platform = QComboBox(self)
        self.platform.setObjectName("addProfilesPlatform")
        for key, info in PLATFORMS.items():
            if info.signs_in and info.connections:
                self.platform.addItem(platform_icon(key), info.label, key)
        # Kinds that sign in with their own app (LinkedIn organization pages) are their own choice.
        for key, kind, kind_label in kind_apps():
            label = self.tr("{0} {1}").format(PLATFORMS[key].label, kind_label)
            self.platform.addItem(platform_icon(key), label, f"{key}:{kind}")
        form.addRow(self.tr("Platform"), self.platform)
        self.types_box = QWidget(self)
        self.types_layout = QVBoxLayout(self.types_box)
        self.types_layout.setContentsMargins(0, 2, 0, 2)
        self.types_layout.setSpacing(6)
        form.addRow(self.tr("Connect for"), self.types_box)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setObjectName("addProfilesError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.next_button = self.buttons.addButton(self.tr("Sign in…"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.next_button.setObjectName("addProfilesSignIn")
        self.next_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.type_boxes: dict[ConnectionType, QCheckBox] = {}
        self.platform.currentIndexChanged.connect(self._fill_types)
        if platform_key is not None and (i := self.platform.findData(platform_key)) >= 0:
            self.platform.setCurrentIndex(i)
        self._fill_types()
        self.setMinimumWidth(460)
        self.resize(460, self.sizeHint().height())

    def _fill_types(self) -> None:
        for box in self.type_boxes.values():
            self.types_layout.removeWidget(box)
            box.hide()
            box.deleteLater()
        self.type_boxes = {}
        platform_key, _, kind = str(self.platform.currentData()).partition(":")
        for ctype in addable_types(platform_key, kind or None):
            box = QCheckBox(self.tr(ctype.label), self.types_box)
            box.setObjectName(f"addProfilesType_{ctype.value}")
            box.setChecked(True)
            box.toggled.connect(self._update)
            self.types_layout.addWidget(box)
            self.type_boxes[ctype] = box
        self._update()
        # Room for every type of the platform (Instagram has five): grow, never shrink under the user.
        self.types_layout.activate()
        if (layout := self.layout()) is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _update(self) -> None:
        ok = any(b.isChecked() for b in self.type_boxes.values())
        self.next_button.setEnabled(ok)
        self.error.setText("" if ok else self.tr("Choose at least one connection type."))

    def choose(self, platform_key: str, types: Iterable[ConnectionType] | None = None) -> None:
        """Select a platform and (optionally) exactly these types, as a user would."""
        self.platform.setCurrentIndex(self.platform.findData(platform_key))
        if types is not None:
            wanted = set(types)
            for ctype, box in self.type_boxes.items():
                box.setChecked(ctype in wanted)

    def values(self) -> tuple[str, list[ConnectionType]]:
        return self.platform.currentData(), [t for t, b in self.type_boxes.items() if b.isChecked()]


def _known_text(known: KnownAccount) -> str:
    if known.deleted:
        return "Deleted: will be restored"
    return {
        Ownership.OWNED: "Already yours",
        Ownership.SHARED: "In SocialDesk, shared with you",
        Ownership.NONE: "In SocialDesk, without owners",
        Ownership.OTHERS: "In SocialDesk, owned by others",
    }[known.ownership]


class AccountPickerDialog(QDialog):
    """Step 3 of adding profiles: the accounts the sign-in manages; already-known ones are marked.

    New accounts are ticked; known ones are not (adding them again re-connects them and keeps their
    owners). :meth:`chosen` returns the ticked accounts' platform ids. "Add" emits :attr:`addRequested`;
    the flow saves (:meth:`set_busy`), then accepts the dialog or shows the error in it.
    """

    #: The ticked accounts' platform ids, when the user presses Add.
    addRequested = Signal(list)

    COLUMNS = ("Account", "Handle", "Kind", "In SocialDesk")

    def __init__(
        self,
        discovery: Discovery,
        known: Mapping[str, KnownAccount],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("accountPickerDialog")
        self.discovery = discovery
        self.known = dict(known)
        self.busy = False
        label = PLATFORMS[discovery.platform].label
        self.setWindowTitle(self.tr("Add {0} profiles").format(label))
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setObjectName("accountPickerIntro")
        self.intro.setWordWrap(True)
        self.intro.setText(
            self.tr("Signed in to {0} as {1}. Choose the accounts to add as profiles you own.").format(
                label, discovery.identity.name
            )
            if discovery.accounts
            else self.tr(
                "Signed in to {0} as {1}, who manages no account SocialDesk can add. Nothing was changed; "
                "sign in with another account to add its profiles."
            ).format(label, discovery.identity.name)
        )
        layout.addWidget(self.intro)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("accountFilter")
        self.filter.setPlaceholderText(self.tr("Filter by name or handle"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.filter.setVisible(len(discovery.accounts) > FILTER_FROM)
        layout.addWidget(self.filter)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("accountList")
        self.tree.setAccessibleName(self.tr("Accounts found"))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.setHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        self.items: dict[str, QTreeWidgetItem] = {}
        for account in discovery.accounts:
            self.items[account.platform_id] = self._add_item(account)
        self.tree.resizeColumnToContents(2)
        self.tree.resizeColumnToContents(3)
        self.tree.setColumnWidth(1, min(max(self.tree.sizeHintForColumn(1), 90), 200))
        self.tree.itemChanged.connect(self._update)
        self.tree.setVisible(bool(discovery.accounts))
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.select_all = QPushButton(self.tr("Select all"), self)
        self.select_all.setObjectName("accountSelectAll")
        self.select_all.clicked.connect(lambda: self.set_checked(self._visible_ids(), True))
        self.select_none = QPushButton(self.tr("Select none"), self)
        self.select_none.setObjectName("accountSelectNone")
        self.select_none.clicked.connect(lambda: self.set_checked(self._visible_ids(), False))
        row.addWidget(self.select_all)
        row.addWidget(self.select_none)
        row.addStretch(1)
        self.count = QLabel(self)
        self.count.setObjectName("accountCount")
        row.addWidget(self.count)
        for w in (self.select_all, self.select_none):
            w.setVisible(len(discovery.accounts) > 1)
        layout.addLayout(row)
        self.error = QLabel(self)
        self.error.setObjectName("accountPickerError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.add_button = self.buttons.addButton(self.tr("Add"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("accountAddButton")
        self.add_button.setDefault(True)
        self.add_button.setVisible(bool(discovery.accounts))
        if not discovery.accounts:
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Close"))
        self.buttons.accepted.connect(self.request_add)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()
        self.resize(680, 460 if len(discovery.accounts) > 4 else 320)

    def _add_item(self, account: Account) -> QTreeWidgetItem:
        known = self.known.get(account.platform_id)
        status = self.tr(_known_text(known)) if known is not None else self.tr("New")
        item = QTreeWidgetItem(
            self.tree,
            [
                account.name,
                f"@{account.handle}",
                self.tr(KIND_LABELS.get(account.kind, account.kind)),
                status,
            ],
        )
        item.setIcon(0, platform_icon(account.platform))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(0, Qt.CheckState.Unchecked if known is not None else Qt.CheckState.Checked)
        item.setData(0, Qt.ItemDataRole.UserRole, account.platform_id)
        item.setToolTip(0, account.name)
        item.setToolTip(1, f"@{account.handle}")
        item.setToolTip(3, status)
        item.setForeground(3, MUTED if known is not None else NEW)
        return item

    def _visible_ids(self) -> list[str]:
        return [pid for pid, item in self.items.items() if not item.isHidden()]

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for item in self.items.values():
            item.setHidden(bool(needle) and needle not in f"{item.text(0)} {item.text(1)}".casefold())

    def _update(self, *_args: object) -> None:
        n = len(self.chosen())
        self.add_button.setEnabled(n > 0)
        self.add_button.setText(plural("Add %Ln profile(s)", n) if n else self.tr("Add"))
        self.count.setText(
            self.tr("{0} of {1} chosen").format(n, len(self.items)) if len(self.items) > 1 else ""
        )

    def set_checked(self, platform_ids: Sequence[str], checked: bool = True) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.tree.blockSignals(True)
        for pid in platform_ids:
            self.items[pid].setCheckState(0, state)
        self.tree.blockSignals(False)
        self._update()

    def request_add(self) -> None:
        if chosen := self.chosen():
            self.addRequested.emit(chosen)

    def chosen(self) -> list[str]:
        return [pid for pid, item in self.items.items() if item.checkState(0) == Qt.CheckState.Checked]

    def set_busy(self, busy: bool) -> None:
        """While the chosen accounts are saved: nothing can be changed or cancelled half-way."""
        self.busy = busy
        for widget in (self.tree, self.filter, self.select_all, self.select_none, self.buttons):
            widget.setEnabled(not busy)
        if busy:
            self.add_button.setText(self.tr("Adding…"))
            self.error.hide()
        else:
            self._update()

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error.setText(message)
        self.error.show()
