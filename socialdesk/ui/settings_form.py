"""The settings form generator: one editor per catalogue field type (docs/product.md §5).

The form knows nothing about platforms: it is built from a ``SettingsSpec`` and shows what the settings
service decides. Each editor gives and takes the JSON value of its field (the shape ``settings show`` prints),
shows a live counter where the field has a length limit (counted by the field's own counter rule, so the X
bio counts a link as 23), and shows the problems and warnings found by validation at the field, or at the
row of a list item when the problem's path points into the list (``quick_replies[2].flow``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.settings_catalogue import Field, FieldType, Problem, SettingsSpec, flow_key
from socialdesk.ui.i18n import plural

#: Widest form column: long lines are hard to read and the list rows spread too far apart.
from socialdesk.ui.settings_form_editors import (
    FORM_MAX_WIDTH,
    ChoiceEditor,
    ColorEditor,
    FieldEditor,
    FlowCombo,
    FlowEditor,
    Message,
    MultilineEditor,
    PictureEditor,
    SwitchEditor,
    TextEditor,
    label_texts,
    mark,
    message_label,
    muted,
    show_field_messages,
    split_path,
    swatch_icon,
    translate,
)
from socialdesk.ui.style import (
    ERROR_COLOR,
    MUTED,
    READ_ONLY_STYLE,
)

__all__ = [
    "ChoiceEditor",
    "ColorEditor",
    "FieldEditor",
    "FlowCombo",
    "FlowEditor",
    "ItemRow",
    "ListEditor",
    "Message",
    "MultilineEditor",
    "PictureEditor",
    "SettingsForm",
    "SwitchEditor",
    "TextEditor",
    "make_editor",
    "split_path",
    "swatch_icon",
    "translate",
]


# -- lists ----------------------------------------------------------------------------------------------


class ItemRow(QWidget):
    """One item of a list field: its text (and flow), move and remove buttons, and its messages."""

    moveUp = Signal(object)
    moveDown = Signal(object)
    removed = Signal(object)
    changed = Signal()

    def __init__(self, editor: ListEditor, index: int) -> None:
        super().__init__(editor)
        field = editor.field
        self.field = field
        self.setObjectName(f"{field.key}Row{index}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.number = QLabel(f"{index + 1}.", self)
        self.number.setStyleSheet(f"color:{MUTED}")
        self.number.setFixedWidth(self.number.fontMetrics().horizontalAdvance("100.") + 2)
        row.addWidget(self.number)
        self.text = QLineEdit(self)
        self.text.setObjectName(f"{field.key}Text{index}")
        with_flow = field.type is FieldType.FLOW_ITEMS
        noun = translate(field.item_noun)
        self.text.setAccessibleName(
            f"{translate(field.item_label) if with_flow else noun.capitalize()} {index + 1}"
        )
        self.text.setPlaceholderText(
            translate(field.item_label) if with_flow else self.tr("https://www.example.com")
        )
        self.text.setMinimumWidth(110)
        self.text.textChanged.connect(self._text_changed)
        row.addWidget(self.text, 3)
        self.counter = QLabel(self)
        self.counter.setObjectName(f"{field.key}Counter{index}")
        widest = f"{field.max_length or 0} / {field.max_length or 0}"
        self.counter.setMinimumWidth(self.counter.fontMetrics().horizontalAdvance(widest) + 4)
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.counter.setVisible(with_flow and field.max_length is not None)
        row.addWidget(self.counter)
        self.flow: FlowCombo | None = None
        if with_flow:
            self.flow = FlowCombo(self.tr("Choose a flow…"), self)
            self.flow.setObjectName(f"{field.key}Flow{index}")
            self.flow.setAccessibleName(self.tr("Flow of {0} {1}").format(noun, index + 1))
            self.flow.setToolTip(self.tr("The flow this {0} starts").format(noun))
            self.flow.set_flows(editor.flows)
            self.flow.currentIndexChanged.connect(lambda _i: self.changed.emit())
            row.addWidget(self.flow, 2)
        self.buttons: list[QToolButton] = []
        for glyph, name, tip, signal in (
            ("↑", "Up", self.tr("Move up"), self.moveUp),
            ("↓", "Down", self.tr("Move down"), self.moveDown),
            ("✕", "Remove", self.tr("Remove this {0}").format(noun), self.removed),
        ):
            button = QToolButton(self)
            button.setText(glyph)
            button.setObjectName(f"{field.key}{name}{index}")
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.setAutoRaise(True)
            button.setFixedWidth(24)
            button.clicked.connect(lambda _checked=False, s=signal: s.emit(self))
            row.addWidget(button)
            self.buttons.append(button)
        outer.addLayout(row)
        self.errors = message_label(self, f"{field.key}RowErrors{index}")
        self.warnings = message_label(self, f"{field.key}RowWarnings{index}")
        indent = self.number.width() + row.spacing()
        for label in (self.errors, self.warnings):
            line = QHBoxLayout()
            line.setContentsMargins(0, 0, 0, 0)
            line.addSpacing(indent)
            line.addWidget(label, 1)
            outer.addLayout(line)

    def _text_changed(self, _text: str) -> None:
        self._update_counter()
        self.changed.emit()

    def _update_counter(self) -> None:
        limit = self.field.max_length
        if limit is None or self.field.type is not FieldType.FLOW_ITEMS:
            return
        count = self.field.count(self.text.text().strip())
        self.counter.setText(f"{count} / {limit}")
        over = count > limit
        self.counter.setStyleSheet(f"color:{ERROR_COLOR};font-weight:bold" if over else f"color:{MUTED}")

    def value(self) -> Any:
        if self.flow is None:
            return self.text.text()
        return {self.field.item_key: self.text.text(), "flow": self.flow.value()}

    def set_value(self, value: Any) -> None:
        if self.flow is None:
            self.text.setText(value if isinstance(value, str) else "")
        else:
            item = value if isinstance(value, dict) else {}
            text = item.get(self.field.item_key)
            self.text.setText(text if isinstance(text, str) else "")
            self.flow.set_value(item.get("flow"))
        self.text.setCursorPosition(0)
        self._update_counter()

    def set_position(self, index: int, count: int, read_only: bool) -> None:
        up, down, _remove = self.buttons
        up.setEnabled(index > 0)
        down.setEnabled(index < count - 1)
        for button in self.buttons:
            button.setVisible(not read_only)
        self.text.setReadOnly(read_only)
        if self.flow is not None:
            self.flow.setEnabled(not read_only)

    def show_messages(self, messages: Sequence[Message]) -> None:
        show_field_messages(self.errors, self.warnings, messages)
        errors = [m for m in messages if not m.warning]
        mark(self.text, any(m.sub != "flow" for m in errors))


class ListEditor(FieldEditor):
    """A list field as editable rows: add (up to the field's limit), remove, reorder."""

    def build(self) -> None:
        self.flows: list[str] = []
        self.rows: list[ItemRow] = []
        self.counter.setVisible(self.field.max_items is not None)
        self.rows_box = QWidget(self)
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 2, 0, 2)
        self.rows_layout.setSpacing(4)
        self.outer.addWidget(self.rows_box)
        self.empty = muted(self, self._empty_text(), f"{self.field.key}Empty")
        self.outer.addWidget(self.empty)
        add_row = QHBoxLayout()
        noun = translate(self.field.item_noun)
        self.add_button = QPushButton(self.tr("Add {0}").format(noun), self)
        self.add_button.setObjectName(f"{self.field.key}Add")
        self.add_button.clicked.connect(self.add_item)
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        self.outer.addLayout(add_row)
        self._refresh()

    def _empty_text(self) -> str:
        return self.tr("No {0} yet.").format(_plural_noun(translate(self.field.item_noun)))

    def value(self) -> Any:
        return [row.value() for row in self.rows]

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else []
        self._rebuild(items)

    def _rebuild(self, items: Sequence[Any]) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for i, item in enumerate(items):
            row = ItemRow(self, i)
            row.set_value(item)
            row.changed.connect(self.changed)
            row.moveUp.connect(self._move_up)
            row.moveDown.connect(self._move_down)
            row.removed.connect(self._remove)
            self.rows_layout.addWidget(row)
            self.rows.append(row)
        self._refresh()

    def _refresh(self) -> None:
        count = len(self.rows)
        limit = self.field.max_items
        for i, row in enumerate(self.rows):
            row.set_position(i, count, self.read_only)
        self.rows_box.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        full = limit is not None and count >= limit
        self.add_button.setVisible(not self.read_only)
        self.add_button.setEnabled(not full)
        noun = translate(self.field.item_noun)
        if full and limit is not None:
            self.add_button.setToolTip(
                plural(
                    "At most %Ln {items} (the platform's limit); remove one to add another",
                    limit,
                ).format(item=noun, items=_plural_noun(noun))
            )
        else:
            self.add_button.setToolTip(self.tr("Add a {0} at the end").format(noun))
        if limit is not None:
            self.counter.setText(self.tr("{0} of {1}").format(count, limit))
            self.counter.setStyleSheet(
                f"color:{ERROR_COLOR};font-weight:bold" if count > limit else f"color:{MUTED}"
            )

    def add_item(self) -> bool:
        """Add an empty item at the end; refused (False) at the limit."""
        if self.read_only or (self.field.max_items is not None and len(self.rows) >= self.field.max_items):
            return False
        blank: Any = "" if self.field.type is FieldType.URL_LIST else {self.field.item_key: "", "flow": None}
        self._rebuild([*self.value(), blank])
        self.rows[-1].text.setFocus()
        self.changed.emit()
        return True

    def remove_item(self, index: int) -> None:
        values = self.value()
        del values[index]
        self._rebuild(values)
        self.changed.emit()

    def move_item(self, index: int, to: int) -> None:
        values = self.value()
        if not (0 <= index < len(values) and 0 <= to < len(values)):
            return
        values.insert(to, values.pop(index))
        self._rebuild(values)
        self.rows[to].text.setFocus()
        self.changed.emit()

    def _move_up(self, row: ItemRow) -> None:
        i = self.rows.index(row)
        self.move_item(i, i - 1)

    def _move_down(self, row: ItemRow) -> None:
        i = self.rows.index(row)
        self.move_item(i, i + 1)

    def _remove(self, row: ItemRow) -> None:
        self.remove_item(self.rows.index(row))

    def set_flows(self, names: Sequence[str]) -> None:
        self.flows = list(names)
        for row in self.rows:
            if row.flow is not None:
                row.flow.set_flows(names)

    def rename_flow(self, old: str, new: str) -> None:
        for row in self.rows:
            value = row.flow.value() if row.flow is not None else None
            if row.flow is not None and value is not None and flow_key(value) == flow_key(old):
                row.flow.set_value(new)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self._refresh()

    def show_messages(self, messages: Sequence[Message]) -> None:
        show_field_messages(self.errors, self.warnings, [m for m in messages if m.index is None])
        for i, row in enumerate(self.rows):
            row.show_messages([m for m in messages if m.index == i])

    def error_texts(self) -> list[str]:
        found = super().error_texts()
        for row in self.rows:
            found += label_texts(row.errors)
        return found

    def focus_widget(self) -> QWidget | None:
        for row in self.rows:
            if label_texts(row.errors):
                return row.flow if row.flow is not None and not row.text.property("invalid") else row.text
        return self.add_button if not self.read_only else None


def _plural_noun(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


_EDITORS: dict[FieldType, type[FieldEditor]] = {
    FieldType.TEXT: TextEditor,
    FieldType.URL: TextEditor,
    FieldType.EMAIL: TextEditor,
    FieldType.IMAGE_URL: TextEditor,
    FieldType.IMAGE_FILE: PictureEditor,
    FieldType.MULTILINE: MultilineEditor,
    FieldType.COLOR: ColorEditor,
    FieldType.CHOICE: ChoiceEditor,
    FieldType.SWITCH: SwitchEditor,
    FieldType.FLOW: FlowEditor,
    FieldType.FLOW_ITEMS: ListEditor,
    FieldType.URL_LIST: ListEditor,
}


def make_editor(field: Field, parent: QWidget | None = None) -> FieldEditor:
    """The editor of a field's type: every type of the catalogue has one."""
    return _EDITORS[field.type](field, parent)


# -- the form -------------------------------------------------------------------------------------------


class SettingsForm(QWidget):
    """All fields of a spec, in catalogue order. It shows values and messages; it decides nothing."""

    #: The user changed any value (not emitted by ``set_values``).
    edited = Signal()

    def __init__(self, spec: SettingsSpec, flows: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"settingsForm_{spec.platform}")
        self.setMaximumWidth(FORM_MAX_WIDTH)
        self._filling = False
        self.editors: dict[str, FieldEditor] = {}
        #: Messages whose path names no field of the form (shown by the window elsewhere).
        self.unplaced: list[Problem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        for f in spec.fields:
            editor = make_editor(f, self)
            editor.set_flows(flows)
            editor.changed.connect(self._changed)
            editor.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            layout.addWidget(editor)
            self.editors[f.key] = editor
        layout.addStretch(1)

    def _changed(self) -> None:
        if not self._filling:
            self.edited.emit()

    def editor(self, key: str) -> FieldEditor:
        return self.editors[key]

    def values(self) -> dict[str, Any]:
        """Every field's value as JSON (untrimmed: the settings service cleans it)."""
        return {key: editor.value() for key, editor in self.editors.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        self._filling = True
        try:
            for key, editor in self.editors.items():
                editor.set_value(values.get(key, editor.field.default()))
        finally:
            self._filling = False

    def set_flows(self, names: Sequence[str]) -> None:
        self._filling = True
        try:
            for editor in self.editors.values():
                editor.set_flows(names)
        finally:
            self._filling = False

    def rename_flow(self, old: str, new: str) -> None:
        for editor in self.editors.values():
            editor.rename_flow(old, new)

    def set_read_only(self, read_only: bool) -> None:
        for editor in self.editors.values():
            editor.set_read_only(read_only)
        # Read-only inputs look it, so nobody types into a form that will not save.
        self.setStyleSheet(READ_ONLY_STYLE if read_only else "")

    def show_problems(self, problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> None:
        """Put each message at its field (or list item); the rest go to ``unplaced``."""
        placed: dict[str, list[Message]] = {key: [] for key in self.editors}
        self.unplaced = []
        for found, is_warning in ((problems, False), (warnings, True)):
            for path, text in found:
                key, index, sub = split_path(path)
                if key in placed:
                    placed[key].append(Message(text, is_warning, index, sub))
                elif not is_warning:
                    self.unplaced.append((path, text))
        for key, editor in self.editors.items():
            editor.show_messages(placed[key])

    def first_problem(self) -> FieldEditor | None:
        for editor in self.editors.values():
            if editor.error_texts():
                return editor
        return None

    def errors(self) -> dict[str, list[str]]:
        """Field key -> the error messages shown in it (for the window's summary and for tests)."""
        return {key: texts for key, editor in self.editors.items() if (texts := editor.error_texts())}

    def warnings(self) -> dict[str, list[str]]:
        return {key: texts for key, editor in self.editors.items() if (texts := editor.warning_texts())}
