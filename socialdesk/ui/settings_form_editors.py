"""The field editors of the generated settings forms: one per field type of the catalogue (lists apart)."""

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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialdesk.models.settings_catalogue import Field, FieldType, flow_key
from socialdesk.ui.style import (
    ERROR_BOX_STYLE,
    ERROR_COLOR,
    INVALID_STYLE,
    MUTED,
    WARNING_BOX_STYLE,
)
from socialdesk.ui.widgets import WrapLabel

#: Widest form column: long lines are hard to read and the list rows spread too far apart.
FORM_MAX_WIDTH = 760
#: A flow picker is as wide as its longest name up to this many characters ("Newsletter signup" fits).
MAX_FLOW_CHARS = 32

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


def message_label(parent: QWidget, name: str) -> QLabel:
    label = WrapLabel("", parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def show_field_messages(errors: QLabel, warnings: QLabel, messages: Iterable[Message]) -> None:
    found = list(messages)
    error_text = "\n".join(dict.fromkeys(m.text for m in found if not m.warning))
    warning_text = "\n".join(dict.fromkeys(m.text for m in found if m.warning))
    errors.setText(error_text)
    errors.setStyleSheet(ERROR_BOX_STYLE)
    errors.setVisible(bool(error_text))
    warnings.setText(warning_text)
    warnings.setStyleSheet(WARNING_BOX_STYLE)
    warnings.setVisible(bool(warning_text))


def label_texts(label: QLabel) -> list[str]:
    """The lines of a message label that is not hidden (works before the window is shown)."""
    return [t for t in label.text().split("\n") if t] if not label.isHidden() else []


def mark(widget: QWidget, invalid: bool) -> None:
    """A red frame on a text widget with a problem (combos and check boxes keep their look)."""
    if isinstance(widget, (QLineEdit, QPlainTextEdit)):
        widget.setStyleSheet(INVALID_STYLE if invalid else "")
    widget.setProperty("invalid", invalid)


def muted(parent: QWidget, text: str = "", name: str = "") -> QLabel:
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
        self.help = muted(self, translate(field.help), f"{field.key}Help")
        # Where it goes: kept in SocialDesk (the platform has no API for it), or the platform's rule.
        notes = [translate(n) for n in (field.local_note, field.platform_note) if n]
        self.note = muted(self, "\n".join(notes), f"{field.key}Note")
        self.note.setVisible(bool(notes))
        self.note.setStyleSheet("color:#5F4B00;font-style:italic")
        self.outer.addWidget(self.note)
        if field.is_list:
            # A list's rows and add button come after its explanation.
            self.outer.addWidget(self.help)
        self.build()
        if not field.is_list:
            self.outer.addWidget(self.help)
        self.errors = message_label(self, f"{field.key}Errors")
        self.warnings = message_label(self, f"{field.key}Warnings")
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
        show_field_messages(self.errors, self.warnings, messages)
        widget = self.focus_widget()
        if widget is not None:
            mark(widget, any(not m.warning for m in messages))

    def error_texts(self) -> list[str]:
        """The error messages shown in this field (its items' too)."""
        return label_texts(self.errors)

    def warning_texts(self) -> list[str]:
        found = label_texts(self.warnings)
        for row in getattr(self, "rows", []):
            found += label_texts(row.warnings)
        return found

    def _emit(self, *_args: object) -> None:
        self.changed.emit()


def counter_text(editor: FieldEditor, count: int, limit: int) -> None:
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
            counter_text(self, self.field.count(self.widget.text().strip()), self.field.max_length)

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
            counter_text(self, self.field.count(self.widget.toPlainText().strip()), self.field.max_length)

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
        self.currentIndexChanged.connect(lambda _i: self.setToolTip(self.currentText()))

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
        self._fit()

    def _fit(self) -> None:
        """As wide as the longest name, within reason (a 200-character name is elided; the tooltip has it)."""
        longest = max((len(self.itemText(i)) for i in range(self.count())), default=8)
        self.setMinimumContentsLength(min(max(8, longest + 1), MAX_FLOW_CHARS))
        self.setToolTip(self.currentText())

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
        self._fit()


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
