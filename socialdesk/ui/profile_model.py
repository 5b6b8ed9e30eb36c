"""The profile table's item model: a thin view over the read model's column arrays.

No QStandardItemModel and no proxy (docs/architecture.md): the rows live once in ``ProfileRows``;
the model keeps only the row indexes currently shown, in order, as one int64 array. Sorting takes
the cached order of a column (a direction change reverses it); filtering keeps the rows of a mask.
What a cell shows comes from the column registry (``services/columns.py``), as for the command
line and the export.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from socialdesk.services import columns as registry
from socialdesk.services.query import ProfileFilter, ProfileRows
from socialdesk.ui.i18n import plural
from socialdesk.ui.resources import platform_icon

ProfileIdRole = Qt.ItemDataRole.UserRole + 1
#: The semantic value behind a badge column (an ``Ownership`` or ``Status``), for the delegate.
BadgeRole = Qt.ItemDataRole.UserRole + 2
#: "expires in N days" when a grant of the profile expires within a week, else None.
HintRole = Qt.ItemDataRole.UserRole + 3
#: The same as a compact badge for the cell ("6 d left", "today"); the full hint is in the tooltip.
ShortHintRole = Qt.ItemDataRole.UserRole + 4

COLUMNS = registry.TABLE
COL = {c.key: i for i, c in enumerate(COLUMNS)}
_Index = QModelIndex | QPersistentModelIndex
_EMPTY: npt.NDArray[np.int64] = np.zeros(0, np.int64)
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        ProfileIdRole,
        BadgeRole,
        HintRole,
        ShortHintRole,
    }
)
_TEXT_CACHE = 4000


class ProfileTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows = ProfileRows(None)
        self._visible: npt.NDArray[np.int64] = _EMPTY
        self._filter = ProfileFilter()
        self._sort_column: str | None = None
        self._descending = False
        #: Source row -> visible row (-1: hidden), built on demand.
        self._position: npt.NDArray[np.int64] | None = None
        #: Source row -> its cells' texts (a few screens' worth; cleared when rows change).
        self._texts: dict[int, tuple[str, ...]] = {}

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
        self._texts.clear()
        self._replace_visible(rows.select_array(self._filter, self._sort_column, self._descending))

    def set_filter(self, flt: ProfileFilter) -> None:
        self._filter = flt.copy()
        self._replace_visible(self._rows.select_array(self._filter, self._sort_column, self._descending))

    def _replace_visible(self, visible: npt.NDArray[np.int64]) -> None:
        """Swap the shown rows as a removal and an insertion, not a reset.

        A model reset makes the header forget column widths and order; rows removed and inserted
        leave the columns alone. Callers restore the selection by profile id afterwards.
        """
        if len(self._visible):
            self.beginRemoveRows(QModelIndex(), 0, len(self._visible) - 1)
            self._visible = _EMPTY
            self._position = None
            self.endRemoveRows()
        if len(visible):
            self.beginInsertRows(QModelIndex(), 0, len(visible) - 1)
            self._visible = visible
            self._position = None
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].key if 0 <= column < len(COLUMNS) else None
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._sort_column and descending == self._descending:
            return
        self.layoutAboutToBeChanged.emit()
        old_visible = self._visible
        if key == self._sort_column and key is not None:
            self._visible = old_visible[::-1]  # a direction change only reverses
            self._position = None
        else:
            self._sort_column = key
            self._descending = descending
            self._recompute()
        self._sort_column, self._descending = key, descending
        self._remap_persistent(old_visible)
        self.layoutChanged.emit()

    def _recompute(self) -> None:
        self._visible = self._rows.select_array(self._filter, self._sort_column, self._descending)
        self._position = None

    def _remap_persistent(self, old_visible: npt.NDArray[np.int64]) -> None:
        """Move persistent indexes (selection, current) with their profiles after a reorder."""
        persistent = self.persistentIndexList()
        if not persistent:
            return
        where = self._positions()
        new = []
        for index in persistent:
            row = int(where[old_visible[index.row()]]) if 0 <= index.row() < len(old_visible) else -1
            new.append(self.index(row, index.column()) if row >= 0 else QModelIndex())
        self.changePersistentIndexList(persistent, new)

    def _positions(self) -> npt.NDArray[np.int64]:
        """Visible row of each source row (-1 when filtered out): one numpy scatter, cached."""
        if self._position is None:
            where = np.full(len(self._rows), -1, np.int64)
            where[self._visible] = np.arange(len(self._visible), dtype=np.int64)
            self._position = where
        return self._position

    # -- lookups ----------------------------------------------------------------------------------

    def profile_id(self, row: int) -> int:
        return self._rows.ids[int(self._visible[row])]

    def source_row(self, row: int) -> int:
        return int(self._visible[row])

    def source_rows(self) -> list[int]:
        """The shown rows in order (source row indexes), e.g. for exporting the table as shown."""
        return self._visible.tolist()  # type: ignore[no-any-return]

    def row_of_profile(self, profile_id: int) -> int | None:
        source = self._rows.row_of.get(profile_id)
        if source is None or source >= len(self._rows):
            return None
        row = int(self._positions()[source])
        return row if row >= 0 else None

    def rows_of_profiles(self, profile_ids: list[int]) -> list[int]:
        """The shown rows of these profiles, ascending (those filtered out left out), vectorised."""
        source = self._rows.row_of.lookup(np.asarray(profile_ids, dtype=np.int64))
        source = source[(source >= 0) & (source < len(self._rows))]
        shown = self._positions()[source]
        return np.sort(shown[shown >= 0]).tolist()  # type: ignore[no-any-return]

    def refresh_rows(self, source_rows: list[int]) -> None:
        """Some rows changed in place (``ProfileRows.refresh``): update only them when the order and
        the filter result are unchanged, else re-apply filter and sort."""
        if not source_rows:
            return
        for r in source_rows:
            self._texts.pop(r, None)
        old = self._visible
        new = self._rows.select_array(self._filter, self._sort_column, self._descending)
        if np.array_equal(new, old):
            self._position = None
            where = self._positions()
            for r in source_rows:
                pos = int(where[r]) if r < len(where) else -1
                if pos >= 0:
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
                return self.tr(COLUMNS[section].title)
            if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section].key == "connections":
                return self.tr(registry.CONNECTIONS_HEADER_TOOLTIP)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A repaint asks ~7 roles of each visible cell: the ones the table does not use go first
        # and cost one set lookup; the texts of a row are made once and kept (``_texts``).
        if role not in _ROLES:
            return None
        row = index.row()
        if row < 0 or row >= len(self._visible):
            return None
        r = int(self._visible[row])
        rows = self._rows
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row_texts(r)[index.column()]
        if role == ProfileIdRole:
            return rows.ids[r]
        if role == Qt.ItemDataRole.DecorationRole:
            return platform_icon(rows.platform[r]) if column.key == "platform" else None
        if role == BadgeRole:
            if column.key == "ownership":
                return rows.ownership[r]
            if column.key == "status":
                return rows.status[r]
            return None
        if role == HintRole:
            return self._hint(rows, r) if column.key == "status" else None
        if role == ShortHintRole:
            return self._short_hint(rows, r) if column.key == "status" else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(rows, r, column)
        # AccessibleTextRole
        if column.key == "status":
            # The glyph is for the eye; a screen reader gets the label and the hint.
            text = self.tr(registry.STATUS_TEXT[rows.status[r]])
            hint = self._hint(rows, r)
            return f"{text}, {hint}" if hint else text
        return self._row_texts(r)[index.column()]

    def _row_texts(self, r: int) -> tuple[str, ...]:
        """The shown texts of a source row, from the registry, kept for the next repaint."""
        texts = self._texts.get(r)
        if texts is None:
            if len(self._texts) > _TEXT_CACHE:
                self._texts.clear()
            rows = self._rows
            texts = self._texts[r] = tuple(
                self.tr(text) if column.label else text
                for column, text in ((c, c.text(rows, r)) for c in COLUMNS)
            )
        return texts

    def _hint(self, rows: ProfileRows, r: int) -> str | None:
        days = rows.expires_in_days(r)
        if days is None:
            return None
        if days == 0:
            return self.tr("expires today")
        return plural("expires in %Ln day(s)", days)

    def _short_hint(self, rows: ProfileRows, r: int) -> str | None:
        days = rows.expires_in_days(r)
        if days is None:
            return None
        return self.tr("expires today") if days == 0 else self.tr("{0} d left").format(days)

    def _tooltip(self, rows: ProfileRows, r: int, column: registry.Column) -> str | None:
        if column.tooltip is None:
            return None
        text: str | None = column.tooltip(rows, r)
        if text is None:
            return None
        if column.key == "connections" and not rows.connections[r]:
            return self.tr(text)
        if column.label:
            text = self.tr(text)
        if column.key == "status" and (hint := self._hint(rows, r)):
            return f"{text}\n{hint}"
        return text
