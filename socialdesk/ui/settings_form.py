"""The settings form generator: one editor per catalogue field type (docs/product.md §5).

The form knows nothing about platforms: it is built from a ``SettingsSpec`` and shows what the settings
service decides. Each editor gives and takes the JSON value of its field (the shape ``settings show`` prints),
shows a live counter where the field has a length limit (counted by the field's own counter rule, so the X
bio counts a link as 23), and shows the problems and warnings found by validation at the field, or at the
row of a list item when the problem's path points into the list (``quick_replies[2].flow``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.settings_catalogue import Field, FieldType, Problem, SettingsSpec, flow_key
from socialdesk.ui.i18n import plural
from socialdesk.ui.style import (
    ERROR_BOX_STYLE,
    ERROR_COLOR,
    INVALID_STYLE,
    MUTED,
    READ_ONLY_STYLE,
    WARNING_BOX_STYLE,
)
from socialdesk.ui.widgets import WrapLabel

#: Widest form column: long lines are hard to read and the list rows spread too far apart.
FORM_MAX_WIDTH = 760

_PATH_RE = re.compile(r"^(?P<key>[A-Za-z_][\w]*)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>\w+))?$")


def translate(text: str) -> str:
    """Catalogue text (labels, help) through the translator, like every other user-facing string."""
    return QCoreApplication.translate("SettingsCatalogue", text)


@dataclass(frozen=True, slots=True)
class Message:
    """A problem or warning placed in a field: at the field (``index`` None) or at one item of a list."""

    text: str
    warning: bool = False
    index: int | None = None
    #: The part of the item: its text ("label"/"question") or "flow"; None for the whole item.
    sub: str | None = None


def split_path(path: str) -> tuple[str, int | None, str | None]:
    """``quick_replies[2].flow`` -> ``("quick_replies", 2, "flow")``; ``bio`` -> ``("bio", None, None)``."""
    match = _PATH_RE.match(path)
    if match is None:
        return path, None, None
    index = match.group("index")
    return match.group("key"), int(index) if index is not None else None, match.group("sub")


def _message_label(parent: QWidget, name: str) -> QLabel:
    label = WrapLabel("", parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def _show_messages(errors: QLabel, warnings: QLabel, messages: Iterable[Message]) -> None:
    found = list(messages)
    error_text = "\n".join(dict.fromkeys(m.text for m in found if not m.warning))
    warning_text = "\n".join(dict.fromkeys(m.text for m in found if m.warning))
    errors.setText(error_text)
    errors.setStyleSheet(ERROR_BOX_STYLE)
    errors.setVisible(bool(error_text))
    warnings.setText(warning_text)
    warnings.setStyleSheet(WARNING_BOX_STYLE)
    warnings.setVisible(bool(warning_text))


def _texts(label: QLabel) -> list[str]:
    """The lines of a message label that is not hidden (works before the window is shown)."""
    return [t for t in label.text().split("\n") if t] if not label.isHidden() else []


def _mark(widget: QWidget, invalid: bool) -> None:
    """A red frame on a text widget with a problem (combos and check boxes keep their look)."""
    if isinstance(widget, (QLineEdit, QPlainTextEdit)):
        widget.setStyleSheet(INVALID_STYLE if invalid else "")
    widget.setProperty("invalid", invalid)


def _muted(parent: QWidget, text: str = "", name: str = "") -> QLabel:
    label = WrapLabel(text, parent)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(f"color:{MUTED}")
    return label


def swatch_icon(color: str, size: int = 18) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#90A4AE"))
    qcolor = QColor(color)
    painter.setBrush(qcolor if qcolor.isValid() else QColor("#FFFFFF"))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 4, 4)
    if not qcolor.isValid():
        painter.setPen(QColor(ERROR_COLOR))
        painter.drawLine(4, size - 4, size - 4, 4)
    painter.end()
    return QIcon(pixmap)


# -- the editors ----------------------------------------------------------------------------------------


class FieldEditor(QFrame):
    """One field: its title, counter, input, help text and the messages about it."""

    #: The user changed the value.
    changed = Signal()

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.read_only = False
        self.setObjectName(f"field_{field.key}")
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.outer.setSpacing(3)
        header = QHBoxLayout()
        header.setSpacing(8)
        title = translate(field.label) + (" *" if field.required else "")
        self.title = WrapLabel(title, self)
        self.title.setObjectName(f"{field.key}Title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.counter = QLabel(self)
        self.counter.setObjectName(f"{field.key}Counter")
        self.counter.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.counter.setVisible(False)
        header.addWidget(self.title, 1)
        header.addWidget(self.counter, 0, Qt.AlignmentFlag.AlignBottom)
        self.outer.addLayout(header)
        self.help = _muted(self, translate(field.help), f"{field.key}Help")
        # Where it goes: kept in SocialDesk (the platform has no API for it), or the platform's rule.
        notes = [translate(n) for n in (field.local_note, field.platform_note) if n]
        self.note = _muted(self, "\n".join(notes), f"{field.key}Note")
        self.note.setVisible(bool(notes))
        self.note.setStyleSheet("color:#5F4B00;font-style:italic")
        self.outer.addWidget(self.note)
        if field.is_list:
            # A list's rows and add button come after its explanation.
            self.outer.addWidget(self.help)
        self.build()
        if not field.is_list:
            self.outer.addWidget(self.help)
        self.errors = _message_label(self, f"{field.key}Errors")
        self.warnings = _message_label(self, f"{field.key}Warnings")
        self.outer.addWidget(self.errors)
        self.outer.addWidget(self.warnings)
        if field.required:
            self.title.setToolTip(self.tr("Required"))

    # -- what each type provides --------------------------------------------------------------------

    def build(self) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        # The editor's single input, where it has one: text inputs stay selectable, others grey out.
        widget = getattr(self, "widget", None)
        if isinstance(widget, QLineEdit | QPlainTextEdit):
            widget.setReadOnly(read_only)
        elif isinstance(widget, QWidget):
            widget.setEnabled(not read_only)

    def set_flows(self, names: Sequence[str]) -> None:
        """The workspace's flows changed (only flow pickers care)."""

    def rename_flow(self, old: str, new: str) -> None:
        """A flow was renamed while the form had unsaved changes: follow it."""

    def focus_widget(self) -> QWidget | None:
        """The input to focus when this field has a problem."""
        widget = getattr(self, "widget", None)
        return widget if isinstance(widget, QWidget) else None

    # -- messages -----------------------------------------------------------------------------------

    def show_messages(self, messages: Sequence[Message]) -> None:
        _show_messages(self.errors, self.warnings, messages)
        widget = self.focus_widget()
        if widget is not None:
            _mark(widget, any(not m.warning for m in messages))

    def error_texts(self) -> list[str]:
        """The error messages shown in this field (its items' too)."""
        return _texts(self.errors)

    def warning_texts(self) -> list[str]:
        found = _texts(self.warnings)
        for row in getattr(self, "rows", []):
            found += _texts(row.warnings)
        return found

    def _emit(self, *_args: object) -> None:
        self.changed.emit()


def _counter_text(editor: FieldEditor, count: int, limit: int) -> None:
    editor.counter.setText(f"{count:,} / {limit:,}")
    over = count > limit
    editor.counter.setStyleSheet(f"color:{ERROR_COLOR};font-weight:bold" if over else f"color:{MUTED}")
    note = translate(editor.field.counter.note) if editor.field.counter.note else ""
    tip = editor.tr("{0} characters too many").format(count - limit) if over else editor.tr("Characters used")
    editor.counter.setToolTip(f"{tip}. {note}" if note else tip)


class TextEditor(FieldEditor):
    """One line of text; plain text, addresses and e-mail share it. Text fields get a live counter."""

    widget: QLineEdit

    def build(self) -> None:
        self.widget = QLineEdit(self)
        self.widget.setObjectName(f"{self.field.key}Edit")
        self.widget.setAccessibleName(translate(self.field.label))
        if self.field.placeholder:
            self.widget.setPlaceholderText(self.field.placeholder)
        elif self.field.type in (FieldType.URL, FieldType.IMAGE_URL):
            self.widget.setPlaceholderText("https://www.example.com")
        elif self.field.type is FieldType.EMAIL:
            self.widget.setPlaceholderText("care@example.com")
        self.widget.textChanged.connect(self._text_changed)
        self.outer.addWidget(self.widget)
        self._counts = self.field.type is FieldType.TEXT and self.field.max_length is not None
        self.counter.setVisible(self._counts)
        self._update_counter()

    def _text_changed(self, _text: str) -> None:
        self._update_counter()
        self.changed.emit()

    def _update_counter(self) -> None:
        if self._counts and self.field.max_length is not None:
            _counter_text(self, self.field.count(self.widget.text().strip()), self.field.max_length)

    def value(self) -> Any:
        return self.widget.text()

    def set_value(self, value: Any) -> None:
        self.widget.setText(value if isinstance(value, str) else "" if value is None else str(value))
        self.widget.setCursorPosition(0)


class PictureEditor(TextEditor):
    """A picture file from this computer (JPG or PNG): the path, and "Choose…" to pick it."""

    def build(self) -> None:
        super().build()
        self.widget.setPlaceholderText(self.tr("No picture chosen"))
        self.outer.removeWidget(self.widget)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.widget, 1)
        self.choose = QPushButton(self.tr("Choose…"), self)
        self.choose.setObjectName(f"{self.field.key}Choose")
        self.choose.clicked.connect(self.pick)
        row.addWidget(self.choose)
        self.outer.addLayout(row)

    def pick(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Choose a picture"), "", self.tr("Pictures (*.jpg *.jpeg *.png)")
        )
        if path:
            self.widget.setText(path)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.choose.setEnabled(not read_only)


class MultilineEditor(FieldEditor):
    """Several lines of text with a live counter (the X bio counts each link as 23)."""

    widget: QPlainTextEdit

    def build(self) -> None:
        self.widget = QPlainTextEdit(self)
        self.widget.setObjectName(f"{self.field.key}Edit")
        self.widget.setAccessibleName(translate(self.field.label))
        self.widget.setTabChangesFocus(True)
        if self.field.placeholder:
            self.widget.setPlaceholderText(self.field.placeholder)
        lines = 5 if (self.field.max_length or 0) > 1000 else 3
        height = self.widget.fontMetrics().lineSpacing() * lines + 14
        self.widget.setFixedHeight(height)
        self.widget.textChanged.connect(self._text_changed)
        self.outer.addWidget(self.widget)
        self.counter.setVisible(self.field.max_length is not None)
        self._update_counter()

    def _text_changed(self) -> None:
        self._update_counter()
        self.changed.emit()

    def _update_counter(self) -> None:
        if self.field.max_length is not None:
            _counter_text(self, self.field.count(self.widget.toPlainText().strip()), self.field.max_length)

    def value(self) -> Any:
        return self.widget.toPlainText()

    def set_value(self, value: Any) -> None:
        self.widget.setPlainText(value if isinstance(value, str) else "" if value is None else str(value))


class ColorEditor(FieldEditor):
    """``#RRGGBB`` typed, or picked with the colour dialog from the swatch."""

    widget: QLineEdit

    def build(self) -> None:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.swatch = QToolButton(self)
        self.swatch.setObjectName(f"{self.field.key}Swatch")
        self.swatch.setToolTip(self.tr("Pick a colour"))
        self.swatch.setAccessibleName(self.tr("Pick a colour"))
        self.swatch.setIconSize(QSize(18, 18))
        self.swatch.clicked.connect(self._pick)
        self.widget = QLineEdit(self)
        self.widget.setObjectName(f"{self.field.key}Edit")
        self.widget.setAccessibleName(translate(self.field.label))
        self.widget.setPlaceholderText(self.field.placeholder or "#RRGGBB")
        self.widget.setMaximumWidth(self.widget.fontMetrics().horizontalAdvance("#MMMMMMMM") + 24)
        self.widget.textChanged.connect(self._text_changed)
        row.addWidget(self.swatch)
        row.addWidget(self.widget)
        row.addStretch(1)
        self.outer.addLayout(row)
        self._text_changed("", emit=False)

    def _text_changed(self, _text: str, emit: bool = True) -> None:
        self.swatch.setIcon(swatch_icon(self.widget.text().strip()))
        if emit:
            self.changed.emit()

    def _pick(self) -> None:
        current = QColor(self.widget.text().strip())
        chosen = QColorDialog.getColor(current if current.isValid() else QColor("#3949AB"), self)
        if chosen.isValid():
            self.widget.setText(chosen.name().upper())

    def value(self) -> Any:
        return self.widget.text()

    def set_value(self, value: Any) -> None:
        self.widget.setText(value if isinstance(value, str) else "")

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.swatch.setEnabled(not read_only)


class ChoiceEditor(FieldEditor):
    """One of the field's choices (stored as the code, shown by label)."""

    widget: QComboBox

    def build(self) -> None:
        self.widget = QComboBox(self)
        self.widget.setObjectName(f"{self.field.key}Combo")
        self.widget.setAccessibleName(translate(self.field.label))
        self.widget.addItem(self.tr("Choose…"), None)
        for choice in self.field.choices:
            self.widget.addItem(translate(choice.label), choice.value)
        self.widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.widget.currentIndexChanged.connect(self._emit)
        row = QHBoxLayout()
        row.addWidget(self.widget)
        row.addStretch(1)
        self.outer.addLayout(row)

    def value(self) -> Any:
        return self.widget.currentData()

    def set_value(self, value: Any) -> None:
        if value is None or value == "":
            self.widget.setCurrentIndex(0)
            return
        wanted = str(value).casefold()
        for i in range(1, self.widget.count()):
            data = self.widget.itemData(i)
            if str(data).casefold() == wanted or self.widget.itemText(i).casefold() == wanted:
                self.widget.setCurrentIndex(i)
                return
        # A stored value outside the list stays visible (and validation says what is wrong with it).
        self.widget.addItem(str(value), value)
        self.widget.setCurrentIndex(self.widget.count() - 1)


class SwitchEditor(FieldEditor):
    """On/off; the check box carries the label, so the title row stays hidden."""

    widget: QCheckBox

    def build(self) -> None:
        self.title.setVisible(False)
        self.widget = QCheckBox(translate(self.field.label), self)
        self.widget.setObjectName(f"{self.field.key}Check")
        font = self.widget.font()
        font.setBold(True)
        self.widget.setFont(font)
        self.widget.toggled.connect(self._emit)
        self.outer.addWidget(self.widget)

    def value(self) -> Any:
        return self.widget.isChecked()

    def set_value(self, value: Any) -> None:
        self.widget.setChecked(value is True)


class FlowCombo(QComboBox):
    """The workspace's flows, with a first entry for "none"; a name that is not a flow stays visible."""

    def __init__(self, none_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.none_text = none_text
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        self.flows: list[str] = []
        self.addItem(none_text, None)

    def set_flows(self, names: Sequence[str]) -> None:
        current = self.value()
        self.flows = sorted(names, key=str.casefold)
        self.blockSignals(True)
        self.clear()
        self.addItem(self.none_text, None)
        for name in self.flows:
            self.addItem(name, name)
        self.set_value(current)
        self.blockSignals(False)

    def value(self) -> str | None:
        data = self.currentData()
        return data if isinstance(data, str) else None

    def set_value(self, value: Any) -> None:
        if not isinstance(value, str) or not value.strip():
            self.setCurrentIndex(0)
            return
        key = flow_key(value)
        for i in range(1, self.count()):
            data = self.itemData(i)
            if isinstance(data, str) and flow_key(data) == key:
                self.setCurrentIndex(i)
                return
        self.addItem(self.tr("{0} (no such flow)").format(value), value)
        self.setCurrentIndex(self.count() - 1)


class FlowEditor(FieldEditor):
    """A flow, or none (off)."""

    widget: FlowCombo

    def build(self) -> None:
        self.widget = FlowCombo(self.tr("None (off)"), self)
        self.widget.setObjectName(f"{self.field.key}Combo")
        self.widget.setAccessibleName(translate(self.field.label))
        self.widget.currentIndexChanged.connect(self._emit)
        row = QHBoxLayout()
        row.addWidget(self.widget)
        row.addStretch(1)
        self.outer.addLayout(row)

    def value(self) -> Any:
        return self.widget.value()

    def set_value(self, value: Any) -> None:
        self.widget.set_value(value)

    def set_flows(self, names: Sequence[str]) -> None:
        self.widget.set_flows(names)

    def rename_flow(self, old: str, new: str) -> None:
        value = self.widget.value()
        if value is not None and flow_key(value) == flow_key(old):
            self.widget.set_value(new)


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
        self.errors = _message_label(self, f"{field.key}RowErrors{index}")
        self.warnings = _message_label(self, f"{field.key}RowWarnings{index}")
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
        _show_messages(self.errors, self.warnings, messages)
        errors = [m for m in messages if not m.warning]
        _mark(self.text, any(m.sub != "flow" for m in errors))


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
        self.empty = _muted(self, self._empty_text(), f"{self.field.key}Empty")
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
                    limit,
                    "At most {n} {item} (the platform's limit); remove one to add another",
                    "At most {n} {items} (the platform's limit); remove one to add another",
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
        _show_messages(self.errors, self.warnings, [m for m in messages if m.index is None])
        for i, row in enumerate(self.rows):
            row.show_messages([m for m in messages if m.index == i])

    def error_texts(self) -> list[str]:
        found = super().error_texts()
        for row in self.rows:
            found += _texts(row.errors)
        return found

    def focus_widget(self) -> QWidget | None:
        for row in self.rows:
            if _texts(row.errors):
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
