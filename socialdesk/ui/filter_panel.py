"""The filter panel: ownership, status, connection type, platform, group, owner and free text.

It only edits a ``ProfileFilter`` (the same object the command line builds) and shows the counts
the query service computes; the semantics live in ``services.query``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.catalogue import (
    OWNERSHIP_ORDER,
    PLATFORMS,
    STATUS_ORDER,
    ConnectionState,
    ConnectionType,
    Ownership,
    Status,
)
from socialdesk.services.query import ProfileFilter
from socialdesk.ui.resources import platform_icon

SEARCH_DEBOUNCE_MS = 250
#: Widest label (px) of a group or owner choice before it is shortened with "…".
LABEL_WIDTH = 150
#: Connection-type choices: (label, state filter) — None state means "established" (active or expired).
TYPE_CHOICES: tuple[tuple[str, ConnectionState | None], ...] = (
    ("Established", None),
    ("Active", ConnectionState.ACTIVE),
    ("Expired", ConnectionState.EXPIRED),
)


class FilterPanel(QScrollArea):
    """Emits ``changed`` with a new ``ProfileFilter`` (search text debounced)."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterPanel")
        self.setAccessibleName(self.tr("Filters"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(236)
        body = QWidget(self)
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(8, 8, 8, 8)
        self._layout.setSpacing(10)
        self.setWidget(body)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self._emit)

        self.search = QLineEdit(body)
        self.search.setObjectName("profileSearch")
        self.search.setPlaceholderText(self.tr("Search name, handle, notes"))
        self.search.setAccessibleName(self.tr("Search profiles"))
        self.search.setToolTip(self.tr("Matches display name, handle and notes (Ctrl+F; Escape clears)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._flush_search)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape), self.search, self.search.clear, Qt.ShortcutContext.WidgetShortcut
        )
        self._layout.addWidget(self.search)

        self.ownership = self._checks(
            self.tr("Ownership"), [(o, self.tr(o.label), None) for o in OWNERSHIP_ORDER], "ownershipFilter"
        )
        self.ownership[Ownership.OTHERS].setToolTip(
            self.tr("Profiles owned by others and not shared with you are hidden unless you tick this")
        )
        self.status = self._checks(
            self.tr("Connection status"),
            [
                (s, self.tr(s.label) if s is not Status.NOT_CONNECTED else self.tr("Not connected"), None)
                for s in STATUS_ORDER
            ],
            "statusFilter",
        )
        self.types = self._type_combos()
        self.platforms = self._checks(
            self.tr("Platform"), [(k, p.label, k) for k, p in PLATFORMS.items()], "platformFilter"
        )
        self._groups_box, self.groups = self._dynamic_box(self.tr("Group"), "groupFilter")
        self._owners_box, self.owners = self._dynamic_box(self.tr("Owner"), "ownerFilter")

        self.clear_button = QPushButton(self.tr("Clear filters"), body)
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.setAccessibleName(self.tr("Clear filters"))
        self.clear_button.clicked.connect(self.clear)
        self._layout.addWidget(self.clear_button)
        self._layout.addStretch(1)
        self._labels: dict[int, str] = {}

    # -- building ----------------------------------------------------------------------------------

    def _checks(
        self, title: str, items: list[tuple[Any, str, str | None]], name: str
    ) -> dict[Any, QCheckBox]:
        box = QGroupBox(title, self.widget())
        box.setObjectName(name)
        layout = QVBoxLayout(box)
        layout.setSpacing(2)
        out: dict[Any, QCheckBox] = {}
        for value, label, icon in items:
            check = QCheckBox(label, box)
            check.setAccessibleName(f"{title}: {label}")
            if icon:
                check.setIcon(platform_icon(icon))
            check.setProperty("baseLabel", label)
            check.toggled.connect(self._emit)
            layout.addWidget(check)
            out[value] = check
        self._layout.addWidget(box)
        return out

    def _type_combos(self) -> dict[ConnectionType, QComboBox]:
        box = QGroupBox(self.tr("Connection type"), self.widget())
        box.setObjectName("connectionTypeFilter")
        form = QFormLayout(box)
        form.setSpacing(3)
        out: dict[ConnectionType, QComboBox] = {}
        for ctype in ConnectionType:
            combo = QComboBox(box)
            combo.setAccessibleName(self.tr("Connection type {0}").format(ctype.label))
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            combo.addItem(self.tr("Any"), None)
            for choice, state in TYPE_CHOICES:
                combo.addItem(self.tr(choice), state.value if state else "established")
            combo.currentIndexChanged.connect(self._emit)
            label = QLabel(self.tr(ctype.label), box)
            label.setBuddy(combo)
            form.addRow(label, combo)
            out[ctype] = combo
        self._layout.addWidget(box)
        return out

    def _dynamic_box(self, title: str, name: str) -> tuple[QGroupBox, dict[str, QCheckBox]]:
        box = QGroupBox(title, self.widget())
        box.setObjectName(name)
        QVBoxLayout(box).setSpacing(2)
        self._layout.addWidget(box)
        return box, {}

    def set_choices(self, groups: list[str], owners: list[str]) -> None:
        """The workspace's groups and members (names); keeps ticks that still exist."""
        self._fill(self._groups_box, self.groups, groups, self.tr("Group"))
        self._fill(self._owners_box, self.owners, owners, self.tr("Owner"))

    def _fill(self, box: QGroupBox, checks: dict[str, QCheckBox], names: list[str], title: str) -> None:
        ticked = {n.casefold() for n, c in checks.items() if c.isChecked()}
        layout = box.layout()
        assert layout is not None
        for check in checks.values():
            layout.removeWidget(check)
            check.deleteLater()
        checks.clear()
        metrics = self.fontMetrics()
        for name in names:
            # Long names are shortened so the panel keeps its width; the tooltip has the whole name.
            short = metrics.elidedText(name, Qt.TextElideMode.ElideRight, LABEL_WIDTH)
            check = QCheckBox(short, box)
            check.setProperty("baseLabel", short)
            check.setToolTip(name)
            check.setAccessibleName(f"{title}: {name}")
            check.setChecked(name.casefold() in ticked)
            check.toggled.connect(self._emit)
            layout.addWidget(check)
            checks[name] = check
        if not names:
            empty = QCheckBox(self.tr("(none)"), box)
            empty.setEnabled(False)
            layout.addWidget(empty)
            checks[""] = empty
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    # -- reading and writing the filter -------------------------------------------------------------

    def filter(self) -> ProfileFilter:
        types: set[tuple[ConnectionType, ConnectionState | None]] = set()
        for ctype, combo in self.types.items():
            data = combo.currentData()
            if data:
                types.add((ctype, None if data == "established" else ConnectionState(data)))
        return ProfileFilter(
            ownership={o for o, c in self.ownership.items() if c.isChecked()},
            status={s for s, c in self.status.items() if c.isChecked()},
            platform={p for p, c in self.platforms.items() if c.isChecked()},
            connection_types=types,
            groups={g for g, c in self.groups.items() if g and c.isChecked()},
            owners={o for o, c in self.owners.items() if o and c.isChecked()},
            search=self.search.text(),
        )

    def set_filter(self, flt: ProfileFilter) -> None:
        """Show ``flt`` without emitting a change for every box."""
        blockers = [QSignalBlocker(w) for w in self._all_inputs()]
        try:
            for value, check in self.ownership.items():
                check.setChecked(value in flt.ownership)
            for value, check in self.status.items():
                check.setChecked(value in flt.status)
            for value, check in self.platforms.items():
                check.setChecked(value in flt.platform)
            wanted_groups = {g.casefold() for g in flt.groups}
            for name, check in self.groups.items():
                check.setChecked(bool(name) and name.casefold() in wanted_groups)
            wanted_owners = {o.casefold() for o in flt.owners}
            for name, check in self.owners.items():
                check.setChecked(bool(name) and name.casefold() in wanted_owners)
            for ctype, combo in self.types.items():
                chosen = [s for t, s in flt.connection_types if t is ctype]
                data = None if not chosen else ("established" if chosen[0] is None else chosen[0].value)
                combo.setCurrentIndex(max(0, combo.findData(data)) if data else 0)
            self.search.setText(flt.search)
        finally:
            del blockers
        self._search_timer.stop()

    def clear(self) -> None:
        self.set_filter(ProfileFilter())
        self._emit()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _flush_search(self) -> None:
        if self._search_timer.isActive():
            self._search_timer.stop()
            self._emit()

    def _emit(self) -> None:
        self._search_timer.stop()
        self.changed.emit(self.filter())

    def _all_inputs(self) -> list[QWidget]:
        widgets: list[QWidget] = [self.search]
        for group in (self.ownership, self.status, self.platforms, self.groups, self.owners):
            widgets.extend(group.values())
        widgets.extend(self.types.values())
        return widgets

    # -- counts -----------------------------------------------------------------------------------

    def set_counts(self, counts: dict[str, dict[Any, int]]) -> None:
        """Show how many profiles each choice would give, with the other filters as they are."""
        self._label_counts(self.ownership, counts.get("ownership", {}))
        self._label_counts(self.status, counts.get("status", {}))
        self._label_counts(self.platforms, counts.get("platform", {}))
        groups = counts.get("groups", {})
        self._label_counts(self.groups, {n: groups.get(n.casefold(), 0) for n in self.groups if n})
        owners = counts.get("owners", {})
        self._label_counts(self.owners, {n: owners.get(n.casefold(), 0) for n in self.owners if n})
        by_type = counts.get("connection_types", {})
        for ctype, combo in self.types.items():
            for i, (label, state) in enumerate(TYPE_CHOICES, start=1):
                combo.setItemText(i, f"{self.tr(label)} ({by_type.get((ctype, state), 0):,})")

    @staticmethod
    def _label_counts(checks: dict[Any, QCheckBox], counts: dict[Any, int]) -> None:
        for value, check in checks.items():
            if value == "":
                continue
            base = check.property("baseLabel")
            text = f"{base}  ({counts.get(value, 0):,})"
            if check.text() != text:
                check.setText(text)
