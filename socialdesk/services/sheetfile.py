"""Reading a CSV or XLSX file that a user picked — which may be hostile — within fixed bounds.

Every import reads its file here. The file is streamed, never read whole, and refused with one
message (``ImportFileError``) as soon as it breaks a limit, before anything is changed:

- only a regular file is opened (a pipe, device or socket would block or never end), at most
  ``MAX_FILE_BYTES`` (checked before reading and again while reading, in case it grows);
- at most ``MAX_ROWS`` data rows (non-blank rows after the header);
- CSV: UTF-8 (with or without BOM), UTF-16 (with a BOM, or recognisable without), or the Windows
  code page 1252; UTF-32, NUL characters and bytes that fit none of these are refused with the
  encoding named; a cell longer than ``csv.field_size_limit()`` (131,072 characters) is refused;
- XLSX (also .xlsm: macros are never run, only the cell values are read): before any XML is
  parsed, the zip's entries are checked — at most ``MAX_ZIP_ENTRIES``, each part that is read at
  most ``MAX_XLSX_PART`` bytes uncompressed and all together at most ``MAX_XLSX_TOTAL`` (zip bombs),
  and the sheet's declared dimension at most ``MAX_ROWS`` rows and Excel's 16,384 columns. The
  XML is parsed with defusedxml (no DTDs, no entity expansion) and streamed row by row; only the
  columns the import needs are kept; empty rows and padding cost nothing (no "dimension bomb").
  At most ``MAX_SHARED_STRINGS`` shared strings are held.

With these caps any admitted file is read in well under 60 s and 300 MB (figures in
docs/groups.md, "Hostile input"; measured by tests/test_hostile_files.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from socialdesk.services.cells import restore
from socialdesk.services.errors import SocialDeskError

#: Larger files are refused before reading (a profile list of 100,000 URLs is ~5 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Data rows (non-blank, after the header) read at most.
MAX_ROWS = 200_000
MAX_ZIP_ENTRIES = 1_000
#: Uncompressed size of one XLSX part that is parsed (a 200,000-row export's sheet is ~90 MB).
MAX_XLSX_PART = 128 * 1024 * 1024
#: Uncompressed size of all parts of an XLSX together.
MAX_XLSX_TOTAL = 192 * 1024 * 1024
MAX_SHARED_STRINGS = 1_000_000
#: Excel's own limits; a sheet that claims more is not a spreadsheet Excel wrote.
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MB = 1024 * 1024
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class ImportFileError(SocialDeskError):
    """The file cannot be imported at all; nothing was changed."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One non-blank row of the file: its row number (1-based, as a spreadsheet shows it) and cells.

    Only the cells of the columns the import uses are kept, in the order of ``Table.columns``.
    """

    number: int
    cells: tuple[str, ...]

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


@dataclass(frozen=True, slots=True)
class Layout:
    """What an import takes from the first row: field -> column index, and whether row 1 is data."""

    columns: dict[str, int]
    first_row_is_data: bool = False


#: Given the first non-blank row (all its cells), the layout; raises ImportFileError when none fits.
LayoutOf = Callable[[SourceRow], Layout]


@dataclass(frozen=True, slots=True)
class Table:
    header: SourceRow
    #: field -> index into each data row's ``cells``.
    columns: dict[str, int]
    rows: tuple[SourceRow, ...]


def cell_text(value: Any) -> str:
    """A cell as import text: spreadsheet neutralisation undone, blanks trimmed."""
    if value is None:
        return ""
    return restore(str(value)).strip()


def not_readable(name: str) -> ImportFileError:
    return ImportFileError(
        f"{name} is not a CSV or XLSX file (or it is damaged); "
        "save it from your spreadsheet program as CSV (UTF-8) or XLSX and try again"
    )


def _too_many_rows(name: str, what: str = "has more than") -> ImportFileError:
    return ImportFileError(
        f"{name} {what} {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are imported at once. "
        "Split it into smaller files."
    )


def read_table(path: Path, layout_of: LayoutOf, *, sheet: str | None = None) -> Table:
    """The file's header and data rows (see the module docstring for the limits)."""
    path = Path(path).expanduser()
    name = path.name
    with _open_regular(path) as fh:
        head = fh.read(8)
        fh.seek(0)
        if head.startswith(_XLSX_MAGIC):
            rows = _xlsx_rows(fh, name, sheet)
        elif head.startswith(_XLS_MAGIC):
            raise ImportFileError(
                f"{name} is an old Excel .xls workbook, which cannot be imported; "
                "open it in your spreadsheet program and save it as .xlsx or CSV"
            )
        else:
            rows = _csv_rows(fh, name)
        try:
            return _collect(rows, layout_of, name)
        finally:
            rows.close()  # finish the reader while its file is still open (also when refused midway)


#: A row as read: a list of cells (CSV) or column index -> cell (XLSX, which may be sparse).
RawRow = list[str] | dict[int, str]
#: The rows of a file as read, with their row numbers; closed when reading stops.
Rows = Generator[tuple[int, RawRow], None, None]


def _all_cells(values: RawRow) -> tuple[str, ...]:
    if isinstance(values, dict):
        width = max(values, default=-1) + 1
        return tuple(cell_text(values.get(i)) for i in range(width))
    return tuple(cell_text(v) for v in values)


def _collect(rows: Rows, layout_of: LayoutOf, name: str) -> Table:
    """Header, layout and the kept cells of each row; the row caps are enforced here, as rows come."""
    header: SourceRow | None = None
    keep: list[int] = []
    columns: dict[str, int] = {}
    data: list[SourceRow] = []
    append = data.append
    filled = 0
    for number, values in rows:
        # An XLSX row holds only its non-empty cells (its keys are column numbers, 0 among them).
        if not (values if isinstance(values, dict) else any(values)):
            continue
        filled += 1
        if filled > MAX_ROWS + 1:
            raise _too_many_rows(name)
        if header is None:
            cells = _all_cells(values)
            if not any(cells):
                continue
            header = SourceRow(number, cells)
            layout = layout_of(header)
            keep = sorted(set(layout.columns.values()))
            columns = {f: keep.index(i) for f, i in layout.columns.items()}
            if not layout.first_row_is_data:
                continue
        if isinstance(values, dict):
            get = values.get
            cells = tuple(cell_text(get(i)) for i in keep)
        else:
            width = len(values)
            cells = tuple(cell_text(values[i]) if i < width else "" for i in keep)
        if any(cells):
            append(SourceRow(number, cells))
    if header is None:
        raise ImportFileError(f"{name} has no rows with data; choose a file with a header row and data")
    return Table(header, columns, tuple(data))


# -- opening ----------------------------------------------------------------------------------------


class _Capped(io.RawIOBase):
    """A file that refuses to give more than ``MAX_FILE_BYTES`` (it may grow while being read)."""

    def __init__(self, fd: int, name: str) -> None:
        self._fd = fd
        self._name = name
        self._read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._read = os.lseek(self._fd, offset, whence)
        return self._read

    def tell(self) -> int:
        return self._read

    def readinto(self, buffer: Any) -> int:
        data = os.read(self._fd, len(buffer))
        self._read += len(data)
        if self._read > MAX_FILE_BYTES:
            raise _too_big(self._name, self._read)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _too_big(name: str, size: int) -> ImportFileError:
    return ImportFileError(
        f"{name} is {size / _MB:.0f} MB; files over {MAX_FILE_BYTES // _MB} MB are not imported. "
        "Split it into smaller files."
    )


def _open_regular(path: Path) -> IO[bytes]:
    name = path.name
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImportFileError(f"There is no file {path}; check the name and folder") from None
    except PermissionError:
        raise ImportFileError(
            f"{name} cannot be read: permission denied. Check the file's permissions."
        ) from None
    except (OSError, ValueError) as exc:
        raise ImportFileError(f"{name} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    _check_kind(path, st)
    try:
        # O_NONBLOCK: if the name was swapped for a pipe since the check, open() must not wait.
        fd = os.open(
            path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        )
    except PermissionError:
        raise ImportFileError(
            f"{name} cannot be read: permission denied. Check the file's permissions."
        ) from None
    except OSError as exc:
        raise ImportFileError(f"{name} cannot be read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        _check_kind(path, st)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(_Capped(fd, name), buffer_size=1024 * 1024)


def _check_kind(path: Path, st: os.stat_result) -> None:
    name = path.name
    if stat.S_ISDIR(st.st_mode):
        raise ImportFileError(f"{path} is a folder; choose a CSV or XLSX file")
    if not stat.S_ISREG(st.st_mode):
        raise ImportFileError(
            f"{name} is not a regular file (a pipe, device or socket); "
            "save the data to a CSV or XLSX file first"
        )
    if st.st_size > MAX_FILE_BYTES:
        raise _too_big(name, st.st_size)
    if st.st_size == 0:
        raise ImportFileError(f"{name} is empty; choose a CSV or XLSX file with a header row and data")


# -- CSV --------------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str | None, str], ...] = (
    (codecs.BOM_UTF32_LE, None, "UTF-32"),
    (codecs.BOM_UTF32_BE, None, "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


def _sniff_encoding(head: bytes, name: str) -> str | None:
    """The codec for the file's first bytes, None to try UTF-8 then Windows-1252; refuses UTF-32."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            if codec is None:
                raise ImportFileError(
                    f"{name} is {label} text, which cannot be imported; save it as CSV UTF-8 (or UTF-16)"
                )
            return codec
    sample = head[: len(head) // 4 * 4]
    if b"\x00" not in sample:
        return None
    quads = [sample[i : i + 4] for i in range(0, len(sample), 4)]
    if quads and all(q[1:] == b"\x00\x00\x00" for q in quads if q[0]) and any(q[0] for q in quads):
        raise ImportFileError(f"{name} is UTF-32 text, which cannot be imported; save it as CSV UTF-8")
    if quads and all(q[:3] == b"\x00\x00\x00" for q in quads if q[3]) and any(q[3] for q in quads):
        raise ImportFileError(f"{name} is UTF-32 text, which cannot be imported; save it as CSV UTF-8")
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= len(odd) * 0.9 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= len(even) * 0.9 and odd.count(0) == 0:
        return "utf-16-be"
    raise ImportFileError(
        f"{name} is not a CSV or XLSX file: it holds NUL bytes (a binary file?); "
        "save it from your spreadsheet program as CSV UTF-8 or XLSX"
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_NUL = "\x00"


def _csv_rows(fh: IO[bytes], name: str) -> Rows:
    head = fh.read(64 * 1024)
    codec = _sniff_encoding(head, name) or _text_codec(fh, name)
    fh.seek(0)
    first = head.decode(codec, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    return _csv_records(fh, name, codec, _delimiter(first))


def _text_codec(fh: IO[bytes], name: str) -> str:
    """UTF-8 if the whole file decodes as UTF-8, else Windows-1252 (what Excel on Windows saves)."""
    for codec in ("utf-8", "cp1252"):
        fh.seek(0)
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            while chunk := fh.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return codec
        except UnicodeDecodeError as exc:
            bad = exc.object[exc.start]
    raise ImportFileError(
        f"{name} is neither UTF-8 nor Windows-1252 text (it has the byte 0x{bad:02x}, which neither "
        "can hold); save it as CSV UTF-8"
    )


def _csv_records(fh: IO[bytes], name: str, codec: str, delimiter: str) -> Rows:
    text = io.TextIOWrapper(fh, encoding=codec, errors="strict", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        for values in reader:
            if reader.line_num > EXCEL_MAX_ROWS:
                raise ImportFileError(
                    f"{name} has more than {EXCEL_MAX_ROWS:,} lines, more than any spreadsheet holds; "
                    f"at most {MAX_ROWS:,} rows are imported at once. Split it into smaller files."
                )
            for v in values:
                if _NUL in v:
                    raise ImportFileError(
                        f"{name} has a NUL character on line {reader.line_num}, so it is not CSV text; "
                        "save it from your spreadsheet program as CSV UTF-8 or XLSX"
                    )
            yield reader.line_num, values
    except UnicodeDecodeError:
        raise ImportFileError(f"{name} is not {codec} text throughout; save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise ImportFileError(f"{name} cannot be read as CSV near line {reader.line_num}: {exc}") from None
    finally:
        text.detach()


# -- XLSX -------------------------------------------------------------------------------------------


def _xml_guard() -> Any:
    """defusedxml's iterparse: no DTDs, no entity expansion, no external resources."""
    from defusedxml.ElementTree import iterparse

    return iterparse


def _zip_check(archive: zipfile.ZipFile, name: str) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFileError(
            f"{name} holds {len(infos):,} parts; a workbook has a few dozen. It was not read (a zip bomb?)."
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_TOTAL:
        raise ImportFileError(
            f"{name} unpacks to {total / _MB:,.0f} MB; workbooks up to {MAX_XLSX_TOTAL // _MB} MB "
            "unpacked are imported. It was not read; save the data as CSV or split it."
        )
    return {i.filename: i for i in infos}


def _open_part(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], part: str, name: str
) -> IO[bytes]:
    info = infos.get(part)
    if info is None:
        raise not_readable(name)
    if info.file_size > MAX_XLSX_PART:
        raise ImportFileError(
            f"{name}: its part {part} unpacks to {info.file_size / _MB:,.0f} MB; "
            f"at most {MAX_XLSX_PART // _MB} MB is read. It was not read; save the data as CSV or split it."
        )
    # zipfile stops at the declared size (and fails on a wrong CRC), so the check above holds.
    return archive.open(info)


def _parse_small(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], part: str, name: str) -> Any:
    from defusedxml.ElementTree import parse

    info = infos.get(part)
    if info is None:
        raise not_readable(name)
    if info.file_size > 4 * _MB:
        raise ImportFileError(
            f"{name}: its part {part} is {info.file_size / _MB:,.0f} MB, far too big; not read"
        )
    with archive.open(info) as fh:
        return parse(fh).getroot()


def _rels(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], part: str, name: str
) -> dict[str, tuple[str, str]]:
    p = PurePosixPath(part)
    rels_name = str(p.parent / "_rels" / (p.name + ".rels"))
    if rels_name not in infos:
        return {}
    root = _parse_small(archive, infos, rels_name, name)
    out: dict[str, tuple[str, str]] = {}
    for rel in root.iter(f"{_REL_NS}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else str(_norm_posix(p.parent / target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
    return out


def _norm_posix(path: PurePosixPath) -> PurePosixPath:
    parts: list[str] = []
    for bit in path.parts:
        if bit == "..":
            if parts:
                parts.pop()
        elif bit not in (".", ""):
            parts.append(bit)
    return PurePosixPath(*parts)


def _workbook_part(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], name: str) -> str:
    for _type, target in _rels(archive, infos, "", name).values():
        if _type == "officeDocument":
            return target
    if "xl/workbook.xml" in infos:
        return "xl/workbook.xml"
    raise not_readable(name)


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?([0-9]{1,9})?(?::([A-Z]{1,3})([0-9]{1,9}))?\""
)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _check_dimension(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a sheet whose declared size is over the caps, before parsing it."""
    with archive.open(info) as fh:
        head = fh.read(64 * 1024)
    found = _DIMENSION.search(head)
    if found is None:
        return
    last_col, last_row = found.group(3) or found.group(1), found.group(4) or found.group(2)
    rows = int(last_row) if last_row else 0
    cols = _column_number(last_col.decode("ascii")) if last_col else 0
    if rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLUMNS:
        raise ImportFileError(
            f"{name} says its sheet is {cols:,} columns by {rows:,} rows, more than any spreadsheet holds; "
            "it was not read. Save the data again from your spreadsheet program."
        )
    if rows > MAX_ROWS + 1:
        raise _too_many_rows(name, f"says its sheet has {rows:,} rows, more than")


def _xlsx_rows(fh: IO[bytes], name: str, sheet: str | None) -> Rows:
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise not_readable(name) from exc
    infos = _zip_check(archive, name)
    try:
        wb_part = _workbook_part(archive, infos, name)
        wb_root = _parse_small(archive, infos, wb_part, name)
        rels = _rels(archive, infos, wb_part, name)
        sheets = [
            (s.get("name", ""), rels.get(s.get(_DOC_REL, ""), ("", ""))[1])
            for s in wb_root.iter(f"{_NS}sheet")
        ]
        sheets = [(title, target) for title, target in sheets if target in infos]
        if not sheets:
            raise ImportFileError(f"{name} has no worksheet; choose a workbook with data")
        chosen = next(
            (t for title, t in sheets if sheet and title.casefold() == sheet.casefold()), sheets[0][1]
        )
        strings_part = next((t for kind, t in rels.values() if kind == "sharedStrings" and t in infos), None)
        _check_dimension(archive, infos[chosen], name)
        shared = _shared_strings(archive, infos, strings_part, name) if strings_part else []
        sheet_fh = _open_part(archive, infos, chosen, name)
    except ImportFileError:
        raise
    except Exception as exc:  # damaged zip, broken or hostile XML: one message
        raise _xml_problem(name, exc) from exc
    return _sheet_rows(sheet_fh, shared, name)


def _xml_problem(name: str, exc: BaseException) -> ImportFileError:
    from defusedxml import DefusedXmlException

    if isinstance(exc, DefusedXmlException):
        return ImportFileError(
            f"{name} contains XML entity or DTD declarations, which spreadsheets do not write "
            "(a known attack on spreadsheet readers); it was not read"
        )
    return not_readable(name)


def _text_of(element: Any) -> str:
    """The text of a shared or inline string: its ``t`` parts, phonetic runs (``rPh``) left out."""
    direct = element.find(f"{_NS}t")
    if direct is not None and len(element) == 1:
        return str(direct.text or "")
    parts = []
    for run in element:
        if run.tag == f"{_NS}t":
            parts.append(run.text or "")
        elif run.tag == f"{_NS}r":
            parts.extend(t.text or "" for t in run.iter(f"{_NS}t"))
    return "".join(parts)


#: The count a writer declares on the shared-strings table (checked before parsing; the parse checks too).
_SST_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount=\"([0-9]{1,12})\"")


def _too_many_strings(name: str) -> ImportFileError:
    return ImportFileError(
        f"{name} holds more than {MAX_SHARED_STRINGS:,} different texts; it was not read. "
        "Save the data as CSV or split it."
    )


def _shared_strings(
    archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], part: str, name: str
) -> list[str]:
    iterparse = _xml_guard()
    out: list[str] = []
    si = f"{_NS}si"
    with _open_part(archive, infos, part, name) as fh:
        declared = _SST_COUNT.search(fh.read(4096))
        if declared and int(declared.group(1)) > MAX_SHARED_STRINGS:
            raise _too_many_strings(name)
    with _open_part(archive, infos, part, name) as fh:
        for _event, element in iterparse(fh, events=("end",), forbid_dtd=True):
            if element.tag == si:
                if len(out) >= MAX_SHARED_STRINGS:
                    raise _too_many_strings(name)
                out.append(_text_of(element))
                element.clear()
    return out


def _number_text(text: str) -> str:
    if "." in text or "E" in text or "e" in text:
        try:
            value = float(text)
        except ValueError:
            return text
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    return text


def _sheet_rows(fh: IO[bytes], shared: list[str], name: str) -> Rows:
    iterparse = _xml_guard()
    row_tag, c_tag, v_tag, is_tag = f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}is"
    count = 0
    last_number = 0
    try:
        with fh:
            for _event, element in iterparse(fh, events=("end",), forbid_dtd=True):
                if element.tag != row_tag:
                    continue
                count += 1
                r = element.get("r")
                number = int(r) if r and r.isdigit() else last_number + 1
                if number > EXCEL_MAX_ROWS or count > EXCEL_MAX_ROWS:
                    raise ImportFileError(
                        f"{name} has rows past row {EXCEL_MAX_ROWS:,}, more than any spreadsheet holds; "
                        "it was not read"
                    )
                last_number = number
                values: dict[int, str] = {}
                position = 0
                for c in element:
                    if c.tag != c_tag:
                        continue
                    ref = c.get("r")
                    found = _CELL_REF.fullmatch(ref) if ref else None
                    position = _column_number(found.group(1)) - 1 if found else position
                    if position >= EXCEL_MAX_COLUMNS:
                        raise ImportFileError(
                            f"{name} has cells past column XFD on row {number}, more than any spreadsheet "
                            "holds; it was not read"
                        )
                    value = _cell_value(c, shared, v_tag, is_tag)
                    if value:
                        values[position] = value
                    position += 1
                element.clear()
                if values:
                    yield number, values
    except ImportFileError:
        raise
    except Exception as exc:
        raise _xml_problem(name, exc) from exc


def _cell_value(c: Any, shared: list[str], v_tag: str, is_tag: str) -> str:
    kind = c.get("t")
    if kind == "inlineStr":
        inline = c.find(is_tag)
        return _text_of(inline) if inline is not None else ""
    v = c.find(v_tag)
    text: str | None = v.text if v is not None else None
    if not text:
        return ""
    if kind == "s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError):
            return ""
    if kind == "b":
        return "TRUE" if text.strip() == "1" else "FALSE"
    if kind in ("str", "e"):
        return text
    return _number_text(text)
