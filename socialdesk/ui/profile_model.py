"""The profile table's item model: a thin view over the query service's column arrays.

No QStandardItemModel and no proxy (STYLE.md item 2): the rows live once in ``ProfileRows``;
the model keeps only the list of row indexes currently shown, in order. Sorting takes the cached
order of a column (a direction change reverses it); filtering keeps the rows of a mask.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from socialdesk.models.catalogue import KIND_LABELS, PLATFORMS, Ownership, Status
from socialdesk.services.query import COLUMN_KEYS, COLUMNS, ProfileFilter, ProfileRows
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon

ProfileIdRole = Qt.ItemDataRole.UserRole + 1
#: The semantic value behind a badge column (an ``Ownership`` or ``Status``), for the delegate.
BadgeRole = Qt.ItemDataRole.UserRole + 2
#: "expires in N days" when a grant of the profile expires within a week, else None.
HintRole = Qt.ItemDataRole.UserRole + 3

COL = {key: i for i, key in enumerate(COLUMN_KEYS)}
_Index = QModelIndex | QPersistentModelIndex


class ProfileTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = ProfileRows(None)
        self._visible: list[int] = []
        self._filter = ProfileFilter()
        self._sort_column: str | None = None
        self._descending = False
        self._position: dict[int, int] | None = None  # profile id -> visible row, built on demand

    # -- state ------------------------------------------------------------------------------------

    @property
    def rows(self) -> ProfileRows:
        return self._rows

    @property
    def filter(self) -> ProfileFilter:
        return self._filter.copy()

    def total_count(self) -> int:
        return len(self._rows)

    def visible_count(self) -> int:
        return len(self._visible)

    def sort_state(self) -> tuple[str | None, bool]:
        return self._sort_column, self._descending

    def set_rows(self, rows: ProfileRows) -> None:
        """Show a freshly loaded set of rows with the current filter and sort."""
        self._rows = rows
        self._replace_visible(rows.select(self._filter, self._sort_column, self._descending))

    def set_filter(self, flt: ProfileFilter) -> None:
        self._filter = flt.copy()
        self._replace_visible(self._rows.select(self._filter, self._sort_column, self._descending))

    def _replace_visible(self, visible: list[int]) -> None:
        """Swap the shown rows as a removal and an insertion, not a reset.

        A model reset makes the header forget column widths and order; rows removed and inserted
        leave the columns alone. Callers restore the selection by profile id afterwards.
        """
        if self._visible:
            self.beginRemoveRows(QModelIndex(), 0, len(self._visible) - 1)
            self._visible = []
            self._position = None
            self.endRemoveRows()
        if visible:
            self.beginInsertRows(QModelIndex(), 0, len(visible) - 1)
            self._visible = visible
            self._position = None
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMN_KEYS[column] if 0 <= column < len(COLUMN_KEYS) else None
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._sort_column and descending == self._descending:
            return
        self.layoutAboutToBeChanged.emit()
        old_visible = self._visible
        if key == self._sort_column and key is not None:
            self._visible = old_visible[::-1]  # a direction change only reverses
        else:
            self._sort_column = key
            self._descending = descending
            self._recompute()
        self._sort_column, self._descending = key, descending
        self._remap_persistent(old_visible)
        self.layoutChanged.emit()

    def _recompute(self) -> None:
        self._visible = self._rows.select(self._filter, self._sort_column, self._descending)
        self._position = None

    def _remap_persistent(self, old_visible: list[int]) -> None:
        """Move persistent indexes (selection, current) with their profiles after a reorder."""
        persistent = self.persistentIndexList()
        if not persistent:
            self._position = None
            return
        self._position = None
        visible = self._visible
        where = self._positions_by_row() if len(persistent) > 32 else None

        def find(source_row: int) -> int | None:
            if where is not None:
                return where.get(source_row)
            # A current index and a small selection: a C-level search beats a 100,000-entry dict.
            try:
                return visible.index(source_row)
            except ValueError:
                return None

        new = []
        for index in persistent:
            row = find(old_visible[index.row()]) if 0 <= index.row() < len(old_visible) else None
            new.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, new)

    def _positions_by_row(self) -> dict[int, int]:
        return {r: i for i, r in enumerate(self._visible)}

    # -- lookups ----------------------------------------------------------------------------------

    def profile_id(self, row: int) -> int:
        return self._rows.ids[self._visible[row]]

    def source_row(self, row: int) -> int:
        return self._visible[row]

    def row_of_profile(self, profile_id: int) -> int | None:
        if self._position is None:
            ids = self._rows.ids
            self._position = {ids[r]: i for i, r in enumerate(self._visible)}
        return self._position.get(profile_id)

    def refresh_rows(self, source_rows: list[int]) -> None:
        """Some rows changed in place (``ProfileRows.refresh``): update only them when the order and
        the filter result are unchanged, else re-apply filter and sort."""
        if not source_rows:
            return
        old = self._visible
        new = self._rows.select(self._filter, self._sort_column, self._descending)
        if new == old:
            where = self._positions_by_row()
            for r in source_rows:
                pos = where.get(r)
                if pos is not None:
                    self.dataChanged.emit(self.index(pos, 0), self.index(pos, len(COLUMNS) - 1))
            return
        self._replace_visible(new)

    # -- Qt model interface -----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(COLUMNS[section][1])
            if role == Qt.ItemDataRole.ToolTipRole and COLUMN_KEYS[section] == "connections":
                return self.tr("State of each connection type: ✓ active, ✗ expired, – not established")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        r = self._visible[index.row()]
        rows = self._rows
        column = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(rows, r, column)
        if role == ProfileIdRole:
            return rows.ids[r]
        if role == Qt.ItemDataRole.DecorationRole and column == "platform":
            return platform_icon(rows.platform[r])
        if role == BadgeRole:
            if column == "ownership":
                return rows.ownership[r]
            if column == "status":
                return rows.status[r]
            return None
        if role == HintRole and column == "status":
            return self._hint(rows, r)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(rows, r, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self._display(rows, r, column)
            hint = self._hint(rows, r) if column == "status" else None
            return f"{text}, {hint}" if hint else text
        return None

    def _display(self, rows: ProfileRows, r: int, column: str) -> str:
        if column == "name":
            return rows.display_name[r]
        if column == "platform":
            return PLATFORMS[rows.platform[r]].label
        if column == "kind":
            return KIND_LABELS.get(rows.kind[r], rows.kind[r])
        if column == "ownership":
            return self.tr(rows.ownership[r].label)
        if column == "status":
            return self.tr(rows.status[r].label) if rows.status[r] is not Status.NOT_CONNECTED else "–"
        if column == "connections":
            return rows.connections_text(r)
        if column == "owners":
            return ", ".join(rows.owners[r])
        if column == "groups":
            return ", ".join(rows.groups[r])
        if column == "added":
            return rows.added_at[r].strftime("%Y-%m-%d")
        return ""

    def _hint(self, rows: ProfileRows, r: int) -> str | None:
        days = rows.expires_in_days(r)
        if days is None:
            return None
        if days == 0:
            return self.tr("expires today")
        return plural(days, "expires in {n} day", "expires in {n} days")

    def _tooltip(self, rows: ProfileRows, r: int, column: str) -> str | None:
        if column == "name":
            return f"{rows.display_name[r]}\n@{rows.handle[r]}"
        if column == "connections":
            if not rows.connections[r]:
                return self.tr("No connection types exist for this profile")
            return "\n".join(f"{t.label}: {s.value.replace('_', ' ')}" for t, s in rows.connections[r])
        if column == "status":
            hint = self._hint(rows, r)
            text = {
                Status.EXPIRED: self.tr("At least one connection has expired: re-connect it"),
                Status.CONNECTED: self.tr("All established connections are active"),
                Status.NOT_CONNECTED: self.tr("No active or expired connection"),
            }[rows.status[r]]
            return f"{text}\n{hint}" if hint else text
        if column == "ownership" and rows.ownership[r] is Ownership.NONE:
            return self.tr(
                "Nobody owns this profile: it cannot be used for publishing until someone claims it"
            )
        if column in ("owners", "groups"):
            return self._display(rows, r, column) or None
        return None
