"""The one place where values become spreadsheet cells or terminal text, made safe for both.

Spreadsheet (CSV and XLSX) cells: text that a spreadsheet would run as a formula gets a leading
apostrophe (OWASP "CSV injection"). A cell is dangerous when its first character, after any
leading spaces, byte-order marks or apostrophes, is ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return. The same holds after each separator inside the cell (``;``, a tab or a line break), because
joined values such as ``=1+1; =2+2`` are split into cells again by a spreadsheet set to another
separator or by a naive parser. Plain numbers (``-5``, ``+1.5e3``) are left as they are: they are
numbers, not formulas. Numbers, dates and empty cells are not text and pass unchanged.

``neutralise`` and ``restore`` are exact inverses, so a file SocialDesk exported imports back to
the same names (text that already had apostrophes before a trigger gets one more).

Every writer calls ``csv_row`` / ``xlsx_row`` on each row it writes, whatever built the row, so no
column can be forgotten. XLSX cells are always string cells (never formulas, never error values
such as ``#N/A``); characters XML cannot hold are dropped there.

Terminal text: ``terminal_text`` shows control characters (ESC, CR, NUL, DEL, C1) and the bidi
controls that reorder what follows (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) as
visible escapes, so a name cannot move the cursor, recolour the terminal or hide a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
#: Characters a spreadsheet skips before it looks at the first one.
_LEAD = " \ufeff'"
_FAST_START = frozenset(_LEAD) | FORMULA_TRIGGERS
#: A value start that would run as a formula: leading spaces/BOMs/apostrophes, then a trigger.
_DANGER = re.compile(r"[ \ufeff']*[=+\-@\t\r]")
#: The same where a value starts: at the beginning or after a separator.
_DANGER_ANYWHERE = re.compile(r"(?:^|(?<=[;\t\r\n]))[ \ufeff']*[=+\-@\t\r]")
#: What a spreadsheet (one that trims leading spaces) would run: no apostrophe before the trigger.
_RUNS = re.compile(r"[ \ufeff]*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[ \ufeff']*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ ]*")
#: The same, for a quick scan (a leading separator is added): a charset first lets the engine skip ahead.
_DANGER_AFTER_SEPARATOR = re.compile(r"[;\t\r\n][ \ufeff']*[=+\-@\t\r]")
#: Inside one cell, a new value may start after ``;``, a tab or a line break.
_STARTS = re.compile(r"(?:^|(?<=[;\t\r\n]))")
_SEGMENT_END = re.compile(r"[;\t\r\n]")
#: Characters XML 1.0 (and so XLSX) cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: openpyxl turns these strings into error cells; they are written as text instead.
_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def _segment_end(text: str, start: int) -> int:
    found = _SEGMENT_END.search(text, start + 1)
    return found.start() if found else len(text)


def _needs(text: str, at: int) -> bool:
    """Whether the value starting at ``at`` would run as a formula (and is not a plain number)."""
    if not _DANGER.match(text, at):
        return False
    end = _segment_end(text, at)
    return _PLAIN_NUMBER.fullmatch(text, at, end) is None


def _quick_safe(text: str) -> bool:
    return text[0] not in _FAST_START and _SEGMENT_END.search(text) is None


def neutralise(text: str) -> str:
    """Prefix an apostrophe to every value in ``text`` that a spreadsheet would run as a formula."""
    if not text or _quick_safe(text):
        return text
    if _DANGER_ANYWHERE.search(text) is None:
        return text
    out: list[str] = []
    last = 0
    for m in _STARTS.finditer(text):
        at = m.start()
        if at < len(text) and _needs(text, at):
            out.append(text[last:at])
            out.append("'")
            last = at
    out.append(text[last:])
    return "".join(out)


def restore(text: str) -> str:
    """Undo ``neutralise`` (used when importing a file SocialDesk exported)."""
    if not text or "'" not in text:
        return text
    out: list[str] = []
    last = 0
    for m in _STARTS.finditer(text):
        at = m.start()
        if at < len(text) and text[at] == "'" and _needs(text, at + 1):
            out.append(text[last:at])
            last = at + 1
    out.append(text[last:])
    return "".join(out)


def is_dangerous(text: str) -> bool:
    """Whether a spreadsheet would run some value in ``text`` as a formula (for checks and tests)."""
    for m in _STARTS.finditer(text):
        at = m.start()
        if _RUNS.match(text, at) and _PLAIN_NUMBER.fullmatch(text, at, _segment_end(text, at)) is None:
            return True
    return False


def csv_cell(value: Any) -> Any:
    """One CSV cell: text neutralised, anything else unchanged."""
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_row(values: Sequence[Any]) -> Sequence[Any]:
    """One CSV row: every text cell neutralised (others unchanged)."""
    # One scan over the row's text joined by line breaks (a value start, as in a cell) settles most
    # rows at C speed; only rows with a possible trigger are looked at cell by cell.
    joined = "\n" + "\n".join([v for v in values if v.__class__ is str])
    if _DANGER_AFTER_SEPARATOR.search(joined) is None:
        return values
    return [neutralise(v) if isinstance(v, str) else v for v in values]


def xlsx_text(value: str) -> str:
    """Text for an XLSX string cell: neutralised, and without characters XML cannot hold."""
    value = neutralise(value)
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("", value)
    return value


def xlsx_row(values: Sequence[Any], ws: Any) -> list[Any]:
    """One XLSX row for a write-only sheet ``ws``: every text a string cell, never a formula or error."""
    joined = "\n" + "\n".join([v for v in values if v.__class__ is str])
    if (
        _DANGER_AFTER_SEPARATOR.search(joined) is None
        and _ILLEGAL_XML.search(joined) is None
        and "#" not in joined
    ):
        return list(values)  # the common row: nothing to change (one scan, as in ``csv_row``)
    out: list[Any] = []
    for v in values:
        if isinstance(v, str):
            v = xlsx_text(v)
            if v in _ERROR_CODES:
                from openpyxl.cell import WriteOnlyCell

                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"
                v = cell
        out.append(v)
    return out


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through ``csv_row`` (for exports and ``--format csv``)."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows(map(csv_row, rows))


# -- terminal ---------------------------------------------------------------------------------------

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\n\t]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """``text`` with control and bidi characters shown as escapes (``\\e``, ``\\x01``, ``\\u202e``)."""
    return _CONTROL.sub(_escape, text)
