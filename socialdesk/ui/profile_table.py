"""The profile table view: badges, remembered layout, and a selection that survives resets."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from socialdesk.ui.delegates import BadgeDelegate
from socialdesk.ui.profile_model import COL, ProfileTableModel

#: Each column's share of the table at its default layout (``fit_columns``), and the least it gets.
DEFAULT_WIDTHS = {
    "name": 200,
    "platform": 104,
    "kind": 92,
    "ownership": 100,
    "status": 128,
    "connections": 110,
    "owners": 110,
    "groups": 100,
    "added": 88,
}
MIN_WIDTHS = {"name": 120, "platform": 80, "status": 100, "ownership": 80, "added": 80}
MIN_WIDTH = 64


class ProfileTableView(QTableView):
    def __init__(self, model: ProfileTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileTable")
        self.setAccessibleName(self.tr("Profiles"))
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        # Tab moves to the next pane (details, filters), not from cell to cell.
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(True)
        # In a narrow window the side panes give way first (each keeps ~236 px).
        self.setMinimumWidth(400)
        self.setShowGrid(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        for key, width in DEFAULT_WIDTHS.items():
            self.setColumnWidth(COL[key], width)
        #: The columns follow the table's width until the user sizes one by hand.
        self.auto_fit = True
        self._fitting = False
        header.sectionResized.connect(self._section_resized)
        badges = BadgeDelegate(self)
        self.setItemDelegateForColumn(COL["ownership"], badges)
        self.setItemDelegateForColumn(COL["status"], badges)

    def setSelectionModel(self, selection_model: QItemSelectionModel) -> None:
        """The header gets a selection model of its own, always empty.

        QHeaderView asks whether each painted section's neighbours are selected (for its style option)
        whatever ``highlightSections`` says, and for a column that walks every row of the model: with
        17,000 rows selected each repaint made 100,000 calls into this Python model and took 1.7 s (Ctrl+A
        froze the window, and so did every paint after it). The header never shows a selection here."""
        super().setSelectionModel(selection_model)
        header = self.horizontalHeader()
        model = self.model()
        if model is not None:
            header.setSelectionModel(QItemSelectionModel(model, header))

    def fit_columns(self, width: int | None = None) -> None:
        """The default layout: every column visible in ``width`` (the viewport's). Each column gets its
        minimum, and the room left is shared out as ``DEFAULT_WIDTHS`` weigh it; narrower than the sum of
        the minimums, the table scrolls sideways."""
        available = (width if width is not None else self.viewport().width()) - 1
        least = {key: MIN_WIDTHS.get(key, MIN_WIDTH) for key in DEFAULT_WIDTHS}
        extra = max(available - sum(least.values()), 0)
        weights = {key: max(DEFAULT_WIDTHS[key] - least[key], 1) for key in DEFAULT_WIDTHS}
        total = sum(weights.values())
        self._fitting = True
        try:
            for key in DEFAULT_WIDTHS:
                self.setColumnWidth(COL[key], least[key] + extra * weights[key] // total)
        finally:
            self._fitting = False

    def _section_resized(self, logical: int, _old: int, _new: int) -> None:
        header = self.horizontalHeader()
        last = header.logicalIndex(header.count() - 1)
        if not self._fitting and logical != last and self.isVisible():
            self.auto_fit = False  # sized by hand: keep the user's widths

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.auto_fit and event.size().width() != event.oldSize().width():
            self.fit_columns()

    def profile_model(self) -> ProfileTableModel:
        model = self.model()
        assert isinstance(model, ProfileTableModel)
        return model

    # -- selection by profile id --------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """Selected rows in order, read from the selection's ranges (fast for 100,000 rows)."""
        selection = self.selectionModel().selection()
        spans = [(selection.at(i).top(), selection.at(i).bottom()) for i in range(selection.count())]
        if len(spans) == 1:
            return list(range(spans[0][0], spans[0][1] + 1))
        rows: set[int] = set()
        for top, bottom in spans:
            rows.update(range(top, bottom + 1))
        return sorted(rows)

    def selected_profile_ids(self) -> list[int]:
        model = self.profile_model()
        return [model.profile_id(r) for r in self.selected_rows()]

    def current_profile_id(self) -> int | None:
        index = self.currentIndex()
        return self.profile_model().profile_id(index.row()) if index.isValid() else None

    def selection_snapshot(self) -> tuple[list[int], int | None, int]:
        current = self.currentIndex()
        return (
            self.selected_profile_ids(),
            self.current_profile_id(),
            current.column() if current.isValid() else 0,
        )

    def restore_selection(self, snapshot: tuple[list[int], int | None, int]) -> bool:
        """Select the same profiles (those still shown) after the model was reset.

        True when every selected profile and the current one are shown again: the selection did not
        change, so nothing that follows it (actions, details) needs a new read."""
        ids, current_id, column = snapshot
        model = self.profile_model()
        positions = model.rows_of_profiles(ids)
        selection = QItemSelection()
        last = model.columnCount() - 1
        start = prev = None
        for pos in positions:
            if start is None:
                start = prev = pos
            elif pos == prev + 1:  # type: ignore[operator]
                prev = pos
            else:
                selection.select(model.index(start, 0), model.index(prev, last))  # type: ignore[arg-type]
                start = prev = pos
        if start is not None:
            selection.select(model.index(start, 0), model.index(prev, last))  # type: ignore[arg-type]
        flags = QItemSelectionModel.SelectionFlag
        selection_model = self.selectionModel()
        current_row = model.row_of_profile(current_id) if current_id is not None else None
        if current_row is not None:
            selection_model.setCurrentIndex(model.index(current_row, column), flags.NoUpdate)
        else:
            selection_model.setCurrentIndex(QModelIndex(), flags.NoUpdate)
        selection_model.select(selection, flags.ClearAndSelect)
        return len(positions) == len(ids) and (current_id is None) == (current_row is None)

    def select_profile(self, profile_id: int) -> bool:
        row = self.profile_model().row_of_profile(profile_id)
        if row is None:
            return False
        self.selectRow(row)
        self.scrollTo(self.profile_model().index(row, 0))
        return True
