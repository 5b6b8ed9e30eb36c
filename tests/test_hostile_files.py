"""Hostile files given to ``profiles import`` and ``groups import``, each run through the real CLI.

The corpus is built here (nothing binary is checked in). Every input ends in exit 1 with ONE line on
stderr, or exit 0 with a correct preview — never a traceback, never a hang, nothing changed. The big
inputs (a 50 MB CSV of tiny rows, 300,000 rows, every XLSX bomb, 200,000 admitted rows) are measured:
the child's peak RSS (from ``os.wait4``) and its wall time are asserted against the bounds in
docs/groups.md ("Hostile input").
"""

from __future__ import annotations

import io
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from socialdesk.services import sheetfile

EXE = Path(sys.executable).with_name("socialdesk")
CMD = [str(EXE)] if EXE.exists() else [sys.executable, "-m", "socialdesk"]
#: The bounds for any file the caps admit (or refuse): issue 16.
MAX_RSS_MB = 300
MAX_SECONDS = 60


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    rss_mb: float
    seconds: float


#: Started between pytest and the CLI: on Linux a child's peak RSS starts at its parent's size when it
#: forked (the old address space's high-water mark survives exec), so measuring a child of pytest would
#: report pytest's 200 MB. This small launcher's child starts from the launcher's few MB instead.
LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_pid, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def cli(data: Path, *args: str, timeout: float = 120) -> Run:
    """Run ``socialdesk --data-dir DATA ARGS`` in a child process and measure its peak RSS and time."""
    tag = f"cli-{threading.get_ident()}-{time.monotonic_ns()}"
    out_file, err_file, rss_file = (data.parent / f"{tag}.{n}" for n in ("out", "err", "rss"))
    with out_file.open("wb") as out, err_file.open("wb") as err:
        start = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(rss_file), *CMD, "--data-dir", str(data), *args],
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise AssertionError(f"socialdesk {' '.join(args)} still ran after {timeout} s") from None
        seconds = time.monotonic() - start
    return Run(
        code,
        out_file.read_text(encoding="utf-8", errors="replace"),
        err_file.read_text(encoding="utf-8", errors="replace"),
        int(rss_file.read_text()) / 1024,
        seconds,
    )


def db_state(data: Path) -> tuple[int, int, int]:
    with sqlite3.connect(data / "socialdesk.db") as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("profiles", "groups", "group_items")
        )


@pytest.fixture(scope="module")
def ws(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the demo for the whole module: previews change nothing (checked after each run)."""
    import shutil

    target = tmp_path_factory.mktemp("hostile") / "ws"
    shutil.copytree(demo_template, target)
    return target


# -- the corpus -----------------------------------------------------------------------------------------

PROFILES_HEADER = b"Platform,Handle,Display name\n"
GROUPS_HEADER = b"Group name,Profile (handle),Platform\n"
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
CT = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    b'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
    b"/></Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WB_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
    b"/></Relationships>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
    b'&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
    b'&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)


def workbook(title: bytes = b"Profiles") -> bytes:
    return (
        b'<?xml version="1.0"?><workbook '
        + NS
        + b" "
        + RNS
        + b'><sheets><sheet name="'
        + title
        + b'" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def inline_row(number: int, *values: str) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (bytes([65 + i]), number, v.encode())
        for i, v in enumerate(values)
    )
    return b'<row r="%d">%s</row>' % (number, cells)


def sheet(rows: bytes, prolog: bytes = b'<?xml version="1.0"?>', dimension: bytes = b"") -> bytes:
    dim = b'<dimension ref="%s"/>' % dimension if dimension else b""
    return prolog + b"<worksheet " + NS + b">" + dim + b"<sheetData>" + rows + b"</sheetData></worksheet>"


def shared_strings(items: bytes, prolog: bytes = b'<?xml version="1.0"?>', count: int | None = None) -> bytes:
    declared = b' count="%d" uniqueCount="%d"' % (count, count) if count is not None else b""
    return prolog + b"<sst " + NS + declared + b">" + items + b"</sst>"


def xlsx(
    path: Path,
    sheet_xml: bytes,
    *,
    strings: bytes | None = None,
    wb: bytes | None = None,
    extra: dict[str, bytes] | None = None,
    big: dict[str, int] | None = None,
) -> Path:
    """A minimal workbook from raw parts; ``big`` adds parts of that many zero bytes (a zip bomb)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", wb or workbook())
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if strings is not None:
            z.writestr("xl/sharedStrings.xml", strings)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
        for name, size in (big or {}).items():
            with z.open(name, "w", force_zip64=True) as fh:
                block = b"\0" * (1024 * 1024)
                for _ in range(size // len(block)):
                    fh.write(block)
    return path


PROFILE_SHEET = sheet(
    inline_row(1, "Platform", "Handle", "Display name")
    + inline_row(2, "x", "hostile_one", "One")
    + inline_row(3, "instagram", "hostile_two", "=1+1")
)


@dataclass(frozen=True)
class Case:
    """One input: how to make it, which import reads it, and what must come out."""

    category: str
    name: str
    make: Callable[[Path], Path]
    command: str = "profiles"
    #: Text the one stderr line (exit 1) or the preview (exit 0) must contain.
    expect: str = ""
    ok: bool = False


def write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def make_with(name: str, build: Callable[[Path], object]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        build(path)
        return path

    return make


def plain_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")


def fifo(folder: Path) -> Path:
    path = folder / "pipe.csv"
    os.mkfifo(path)
    return path


def link_to(target: str, name: str = "link.csv") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        real = fifo(folder) if target == "fifo" else Path(target)
        path.symlink_to(real)
        return path

    return make


def unix_socket(folder: Path) -> Path:
    path = folder / "sock.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays
    return path


def folder_named(folder: Path) -> Path:
    path = folder / "folder.csv"
    path.mkdir()
    return path


def loop(folder: Path) -> Path:
    a, b = folder / "a.csv", folder / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


ONE_ROW = PROFILES_HEADER + b"x,hostile_one,One\n"
NOT_PROFILES = "does not look like a list of profiles"
NOT_GROUPS = "does not look like a groups export"
TOO_MANY = "at most 200,000 are imported at once"
NOT_READABLE = "is not a CSV or XLSX file"

CASES: list[Case] = [
    # -- structure: empty, header only, wrong columns --------------------------------------------------
    Case("structure", "empty", write("empty.csv", b""), expect="is empty"),
    Case("structure", "blank lines", write("blank.csv", b"\n\r\n  \n,,,\n"), expect="no rows with data"),
    Case("structure", "bom only", write("bom.csv", b"\xef\xbb\xbf"), expect="no rows with data"),
    Case("structure", "header only", write("header.csv", PROFILES_HEADER), expect="no data rows"),
    Case("structure", "groups header only", write("gh.csv", GROUPS_HEADER), "groups", "no data rows"),
    Case("structure", "wrong columns", write("wrong.csv", b"Foo,Bar\n1,2\n"), expect=NOT_PROFILES),
    Case("structure", "groups wrong columns", write("gw.csv", b"Foo,Bar\n1,2\n"), "groups", NOT_GROUPS),
    Case(
        "structure",
        "4,000 unknown columns",
        write("wide.csv", b",".join(b"c%d" % i for i in range(4000)) + b"\n" + b"1," * 3999 + b"1\n"),
        expect="and 3,988 more",
    ),
    Case(
        "structure",
        "xlsx wrong columns",
        make_with("w.xlsx", lambda p: xlsx(p, sheet(inline_row(1, "A", "B")))),
        expect=NOT_PROFILES,
    ),
    Case(
        "structure",
        "xlsx no worksheet",
        make_with(
            "nows.xlsx", lambda p: xlsx(p, sheet(b""), wb=b"<workbook " + NS + b"><sheets/></workbook>")
        ),
        expect="has no worksheet",
    ),
    Case("structure", "missing file", lambda folder: folder / "missing.csv", expect="There is no file"),
    Case("structure", "one good row", write("good.csv", ONE_ROW), expect="1 to add", ok=True),
    # -- size and rows ---------------------------------------------------------------------------------
    Case(
        "rows",
        "1,000,000 rows",
        write("million.csv", PROFILES_HEADER + b"x,a\n" * 1_000_000),
        expect=TOO_MANY,
    ),
    Case("rows", "200,001 rows", write("over.csv", PROFILES_HEADER + b"x,a\n" * 200_001), expect=TOO_MANY),
    Case(
        "rows",
        "groups 300,000 rows",
        write("g300k.csv", GROUPS_HEADER + b"G,a,x\n" * 300_000),
        "groups",
        TOO_MANY,
    ),
    Case("rows", "51 MB", write("big.csv", PROFILES_HEADER + b"x" * (51 * 1024 * 1024)), expect="over 50 MB"),
    Case(
        "rows",
        "1,100,000 blank lines",
        write("blanks.csv", PROFILES_HEADER + b"\n" * 1_100_000),
        expect="more than any spreadsheet holds",
    ),
    Case(
        "rows",
        "xlsx 300,000 rows declared",
        make_with("d300k.xlsx", lambda p: xlsx(p, sheet(inline_row(1, "URL"), dimension=b"A1:A300001"))),
        expect="says its sheet has 300,001 rows",
    ),
    Case(
        "rows",
        "xlsx rows past Excel's last",
        make_with("past.xlsx", lambda p: xlsx(p, sheet(inline_row(1, "URL") + b"<row/>" * 1_048_577))),
        expect="more than any spreadsheet holds",
    ),
    Case(
        "rows",
        "60,000 duplicate rows",
        write("dup.csv", PROFILES_HEADER + b"x,same\n" * 60_000),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "rows",
        "groups 20,000 groups",
        write("many.csv", GROUPS_HEADER + b"".join(b"G%d,a,x\n" % i for i in range(20_000))),
        "groups",
        "a workspace holds at most 20",
    ),
    Case(
        "rows",
        "groups 60,000 rows one group",
        write("g200k.csv", GROUPS_HEADER + b"".join(b"Big,h%d,x\n" % i for i in range(60_000))),
        "groups",
        "1 new, 0 changed, 0 unchanged groups; 60000 rows skipped",
        ok=True,
    ),
    # -- long cells --------------------------------------------------------------------------------------
    Case(
        "long",
        "131,073-character cell",
        write("cell.csv", PROFILES_HEADER + b"x,a," + b"n" * 131_073 + b"\n"),
        expect="field larger than field limit",
    ),
    Case(
        "long",
        "100,000-character display name",
        write("name.csv", PROFILES_HEADER + b"x,a," + b"n" * 100_000 + b"\n"),
        expect="at most 300 characters",
        ok=True,
    ),
    Case(
        "long",
        "301-character display name",
        write("n301.csv", PROFILES_HEADER + b"x,a," + b"n" * 301 + b"\n"),
        expect="this has 301",
        ok=True,
    ),
    Case(
        "long",
        "300-character display name",
        write("n300.csv", PROFILES_HEADER + b"x,a," + b"n" * 300 + b"\n"),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "long",
        "10 MB line without a newline",
        write("line.csv", b"URL," + b"x" * 10_000_000),
        expect="field larger than field limit",
    ),
    Case(
        "long",
        "unterminated quote",
        write("quote.csv", PROFILES_HEADER + b'x,"' + b"a\n" * 100_000),
        expect="field larger than field limit",
    ),
    Case(
        "long",
        "201-character handle",
        write("h201.csv", PROFILES_HEADER + b"x," + b"h" * 201 + b"\n"),
        expect="is not a handle",
        ok=True,
    ),
    Case(
        "long",
        "long group name",
        write("gname.csv", GROUPS_HEADER + b"G" * 5000 + b",a,x\n"),
        "groups",
        "at most 100 characters",
        ok=True,
    ),
    Case(
        "long",
        "long URL",
        write("url.csv", b"URL\nhttps://x.com/" + b"a" * 50_000 + b"\n"),
        expect="is not a handle",
        ok=True,
    ),
    Case(
        "long",
        "xlsx 40,000-character cell",
        make_with(
            "long.xlsx",
            lambda p: xlsx(
                p,
                sheet(
                    inline_row(1, "Platform", "Handle", "Display name")
                    + inline_row(2, "x", "a", "n" * 40_000)
                ),
            ),
        ),
        expect="at most 300 characters",
        ok=True,
    ),
    # -- encodings ---------------------------------------------------------------------------------------
    Case(
        "encoding",
        "UTF-16 LE BOM",
        write("u16le.csv", ONE_ROW.decode().encode("utf-16")),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "encoding",
        "UTF-16 BE BOM",
        write("u16be.csv", b"\xfe\xff" + ONE_ROW.decode().encode("utf-16-be")),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "encoding",
        "UTF-16 LE no BOM",
        write("u16n.csv", ONE_ROW.decode().encode("utf-16-le")),
        expect="1 to add",
        ok=True,
    ),
    Case("encoding", "UTF-32 LE BOM", write("u32.csv", ONE_ROW.decode().encode("utf-32")), expect="UTF-32"),
    Case(
        "encoding",
        "UTF-32 BE BOM",
        write("u32be.csv", b"\x00\x00\xfe\xff" + ONE_ROW.decode().encode("utf-32-be")),
        expect="UTF-32",
    ),
    Case(
        "encoding",
        "UTF-32 LE no BOM",
        write("u32n.csv", ONE_ROW.decode().encode("utf-32-le")),
        expect="UTF-32",
    ),
    Case(
        "encoding",
        "UTF-32 BE no BOM",
        write("u32bn.csv", ONE_ROW.decode().encode("utf-32-be")),
        expect="UTF-32",
    ),
    Case(
        "encoding",
        "Windows-1252",
        write("cp.csv", (PROFILES_HEADER.decode() + "x,zurich,Zürich €\n").encode("cp1252")),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "encoding",
        "neither UTF-8 nor 1252",
        write("bad.csv", PROFILES_HEADER + b"x,a,\x81\x8d\xff\xfe\n"),
        expect="neither UTF-8 nor Windows-1252",
    ),
    Case("encoding", "NUL in UTF-8", write("nul.csv", PROFILES_HEADER + b"x,a,b\x00c\n"), expect="NUL"),
    Case(
        "encoding",
        "NUL in UTF-16",
        write("nul16.csv", (PROFILES_HEADER.decode() + "x,a,b\0c\n").encode("utf-16")),
        expect="NUL character on line 2",
    ),
    Case(
        "encoding",
        "PNG renamed .csv",
        write("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 100),
        expect=NOT_READABLE,
    ),
    Case(
        "encoding", "UTF-8 with BOM", write("bom8.csv", b"\xef\xbb\xbf" + ONE_ROW), expect="1 to add", ok=True
    ),
    # -- CSV structure: quoting, newlines, separators, formulas ------------------------------------------
    Case(
        "csv",
        "quoted newline in a name",
        write("qn.csv", PROFILES_HEADER + b'x,qnl,"two\nlines"\n'),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "csv",
        "CR line ends",
        write("cr.csv", PROFILES_HEADER.replace(b"\n", b"\r") + b"x,cr,One\r"),
        expect="1 to add",
        ok=True,
    ),
    Case("csv", "semicolons", write("semi.csv", b"Platform;Handle\nx;semi\n"), expect="1 to add", ok=True),
    Case("csv", "tabs", write("tab.tsv", b"Platform\tHandle\nx\ttabbed\n"), expect="1 to add", ok=True),
    Case(
        "csv",
        "formula cells",
        write("f.csv", PROFILES_HEADER + b"x,f1,=cmd|' /C calc'!A0\nx,=1+1,@SUM(1)\n"),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "csv",
        "ESC in a display name",
        write("esc.csv", PROFILES_HEADER + b"x,esc,\x1b[31mred\n"),
        expect="cannot contain control characters",
        ok=True,
    ),
    Case(
        "csv",
        "stray quote",
        write("stray.csv", PROFILES_HEADER + b'x,st"ray,One\n'),
        expect="is not a handle",
        ok=True,
    ),
    Case(
        "csv",
        "trailing separators",
        write("trail.csv", PROFILES_HEADER + b"x,trail,One,,,,\n"),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "csv",
        "groups formula group name",
        write("gf.csv", GROUPS_HEADER + b"=HYPERLINK(1),a,x\n"),
        "groups",
        "'=HYPERLINK(1)': new group",
        ok=True,
    ),
    Case(
        "csv",
        "groups NUL-free control in name",
        write("gc.csv", GROUPS_HEADER + b"Bad\x01Name,a,x\n"),
        "groups",
        "cannot contain control characters",
        ok=True,
    ),
    # -- XLSX: renamed, bombs, entities, macros ----------------------------------------------------------
    Case("xlsx", "CSV renamed .xlsx", write("text.xlsx", ONE_ROW), expect="1 to add", ok=True),
    Case(
        "xlsx",
        "PNG renamed .xlsx",
        write("image.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00" + b"\0" * 64),
        expect=NOT_READABLE,
    ),
    Case(
        "xlsx", "zip that is no workbook", make_with("zip.xlsx", lambda p: plain_zip(p)), expect=NOT_READABLE
    ),
    Case(
        "xlsx",
        "truncated workbook",
        make_with("cut.xlsx", lambda p: p.write_bytes(xlsx(p, PROFILE_SHEET).read_bytes()[:300])),
        expect=NOT_READABLE,
    ),
    Case(
        "xlsx",
        "2,000 zip entries",
        make_with(
            "entries.xlsx", lambda p: xlsx(p, PROFILE_SHEET, extra={f"x/{i}.xml": b"" for i in range(2000)})
        ),
        expect="2,005 parts",
    ),
    Case(
        "xlsx",
        "zip bomb: 200 MB sheet",
        make_with(
            "bomb.xlsx", lambda p: xlsx(p, PROFILE_SHEET, big={"xl/worksheets/sheet2.xml": 200 * 1024 * 1024})
        ),
        expect="unpacks to 200 MB",
    ),
    Case(
        "xlsx",
        "zip bomb: 130 MB shared strings",
        make_with(
            "ssbig.xlsx", lambda p: xlsx(p, PROFILE_SHEET, big={"xl/sharedStrings.xml": 130 * 1024 * 1024})
        ),
        expect="unpacks to 130 MB",
    ),
    Case(
        "xlsx",
        "shared-strings bomb: 1,000,001 strings",
        make_with(
            "ss.xlsx",
            lambda p: xlsx(
                p, PROFILE_SHEET, strings=shared_strings(b"<si><t>a</t></si>" * 1_000_001, count=1_000_001)
            ),
        ),
        expect="more than 1,000,000 different texts",
    ),
    Case(
        "xlsx",
        "dimension bomb",
        make_with("dim.xlsx", lambda p: xlsx(p, sheet(inline_row(1, "URL"), dimension=b"A1:XFD1048576"))),
        expect="says its sheet has 1,048,576 rows",
    ),
    Case(
        "xlsx",
        "dimension past Excel",
        make_with("dim2.xlsx", lambda p: xlsx(p, sheet(inline_row(1, "URL"), dimension=b"A1:ZZZ9"))),
        expect="more than any spreadsheet holds",
    ),
    Case(
        "xlsx",
        "cell past column XFD",
        make_with(
            "col.xlsx",
            lambda p: xlsx(p, sheet(inline_row(1, "URL") + b'<row r="2"><c r="XFE2"><v>1</v></c></row>')),
        ),
        expect="past column XFD",
    ),
    Case(
        "xlsx",
        "empty-rows bomb: one row at 1,048,576",
        make_with(
            "gap.xlsx",
            lambda p: xlsx(
                p, sheet(inline_row(1, "Platform", "Handle") + inline_row(1_048_576, "x", "far_row"))
            ),
        ),
        expect="row 1048576: add X/Twitter @far_row",
        ok=True,
    ),
    Case(
        "xlsx",
        "empty-rows bomb: 1,000,000 empty cells",
        make_with(
            "cells.xlsx",
            lambda p: xlsx(
                p,
                sheet(
                    inline_row(1, "Platform", "Handle")
                    + (b"<row>" + b"<c/>" * 16_384 + b"</row>") * 61
                    + inline_row(100, "x", "c")
                ),
            ),
        ),
        expect="1 to add",
        ok=True,
    ),
    Case(
        "xlsx",
        "billion laughs in the sheet",
        make_with(
            "lol.xlsx",
            lambda p: xlsx(
                p, sheet(inline_row(1, "URL") + b"<row><c><v>&lol4;</v></c></row>", prolog=LAUGHS)
            ),
        ),
        expect="XML entity or DTD",
    ),
    Case(
        "xlsx",
        "billion laughs in shared strings",
        make_with(
            "lol2.xlsx",
            lambda p: xlsx(
                p, PROFILE_SHEET, strings=shared_strings(b"<si><t>&lol4;</t></si>", prolog=LAUGHS)
            ),
        ),
        expect="XML entity or DTD",
    ),
    Case(
        "xlsx",
        "external entity in the workbook",
        make_with(
            "xxe.xlsx",
            lambda p: xlsx(
                p,
                PROFILE_SHEET,
                wb=b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + workbook()[21:].replace(b"Profiles", b"&x;"),
            ),
        ),
        expect="XML entity or DTD",
    ),
    Case(
        "xlsx",
        "macros (.xlsm)",
        make_with(
            "macro.xlsm",
            lambda p: xlsx(p, PROFILE_SHEET, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512}),
        ),
        expect="2 to add",
        ok=True,
    ),
    Case(
        "xlsx",
        "shared strings and a formula cell",
        make_with(
            "ssok.xlsx",
            lambda p: xlsx(
                p,
                sheet(
                    b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
                    b'<row r="2"><c r="A2" t="s"><v>2</v></c>'
                    b'<c r="B2" t="str"><f>"ss"&amp;"ok"</f><v>ssok</v></c></row>'
                ),
                strings=shared_strings(
                    b"<si><t>Platform</t></si><si><r><t>Han</t></r><r><t>dle</t></r></si><si><t>x</t></si>"
                ),
            ),
        ),
        expect="add X/Twitter @ssok",
        ok=True,
    ),
    # -- not a regular file ----------------------------------------------------------------------------
    Case("device", "FIFO", fifo, expect="not a regular file"),
    Case("device", "symlink to a FIFO", link_to("fifo"), expect="not a regular file"),
    Case("device", "/dev/zero", lambda _f: Path("/dev/zero"), expect="not a regular file"),
    Case("device", "/dev/null", lambda _f: Path("/dev/null"), expect="not a regular file"),
    Case("device", "/dev/urandom", lambda _f: Path("/dev/urandom"), expect="not a regular file"),
    Case("device", "symlink to /dev/zero", link_to("/dev/zero", "zero.csv"), expect="not a regular file"),
    Case("device", "unix socket", unix_socket, expect="not a regular file"),
    Case("device", "folder", folder_named, expect="is a folder"),
    Case(
        "device",
        "dangling symlink",
        link_to("/nonexistent/file.csv", "dangling.csv"),
        expect="There is no file",
    ),
    Case("device", "symlink loop", loop, expect="cannot be read"),
    Case("device", "groups FIFO", fifo, "groups", "not a regular file"),
]


def test_the_corpus_has_at_least_ten_inputs_per_category() -> None:
    counts: dict[str, int] = {}
    for case in CASES:
        counts[case.category] = counts.get(case.category, 0) + 1
    assert all(n >= 10 for n in counts.values()), counts
    assert len(counts) == 7
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def corpus_runs(ws: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every input of the corpus through the CLI, three at a time (the suite must stay quick); each
    child's time and peak RSS are its own. Previews change nothing: the database is compared after."""
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path_factory.mktemp("corpus")
    before = db_state(ws)

    def one(numbered: tuple[int, Case]) -> tuple[str, Run]:
        number, case = numbered
        sub = folder / str(number)
        sub.mkdir()
        path = case.make(sub)
        return case.name, cli(ws, case.command, "import", str(path), timeout=MAX_SECONDS + 30)

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(pool.map(one, enumerate(CASES)))
    assert db_state(ws) == before
    return runs


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}: {c.name}" for c in CASES])
def test_hostile_file_gives_one_line_or_a_correct_preview(case: Case, corpus_runs: dict[str, Run]) -> None:
    run = corpus_runs[case.name]
    assert "Traceback" not in run.err and "Exception ignored" not in run.err, run.err
    if case.ok:
        assert run.code == 0, run.err
        assert case.expect in run.out, run.out[:2000]
    else:
        assert run.code == 1, (run.code, run.out[:500], run.err)
        assert run.err.count("\n") == 1, run.err
        assert case.expect in run.err, run.err
    assert run.seconds < MAX_SECONDS and run.rss_mb < MAX_RSS_MB, (run.seconds, run.rss_mb)


def test_a_refused_apply_changes_nothing(ws: Path, tmp_path: Path) -> None:
    """A file refused while reading (its 200,001st row) is refused by --apply too: nothing is added."""
    path = tmp_path / "over.csv"
    path.write_bytes(b"URL\n" + b"".join(b"https://x.com/u%d\n" % i for i in range(200_001)))
    before = db_state(ws)
    run = cli(ws, "profiles", "import", str(path), "--apply")
    assert run.code == 1 and TOO_MANY in run.err and run.err.count("\n") == 1
    assert db_state(ws) == before


# -- measured bounds -------------------------------------------------------------------------------------


def _measure(ws: Path, path: Path, command: str = "profiles") -> Run:
    run = cli(ws, command, "import", str(path), timeout=MAX_SECONDS + 30)
    print(f"\n{path.name}: exit {run.code}, {run.seconds:.1f} s, peak RSS {run.rss_mb:.0f} MB")
    assert "Traceback" not in run.err
    assert run.seconds <= MAX_SECONDS, run.seconds
    assert run.rss_mb <= MAX_RSS_MB, run.rss_mb
    return run


def test_preview_of_a_50_mb_csv_of_tiny_rows_is_refused_in_bounded_memory_and_time(
    ws: Path, tmp_path: Path
) -> None:
    """26 million one-letter rows grew past 8 GB before; now the 200,001st row ends the reading."""
    path = tmp_path / "tiny.csv"
    path.write_bytes(b"URL\n" + b"a\n" * (sheetfile.MAX_FILE_BYTES // 2 - 8))
    assert path.stat().st_size <= sheetfile.MAX_FILE_BYTES
    run = _measure(ws, path)
    assert run.code == 1 and TOO_MANY in run.err
    assert run.rss_mb < 150 and run.seconds < 20  # far below the bounds: it stops early


def test_a_shared_strings_bomb_that_hides_its_count_is_bounded(ws: Path, tmp_path: Path) -> None:
    """Every XLSX bomb of the corpus is measured there (time and peak RSS asserted per input); this one
    declares no count, so it is parsed until the cap — the slowest way to refuse a bomb."""
    path = xlsx(
        tmp_path / "ss2.xlsx", PROFILE_SHEET, strings=shared_strings(b"<si><t>a</t></si>" * 1_000_001)
    )
    run = _measure(ws, path)
    assert run.code == 1 and "more than 1,000,000 different texts" in run.err


def test_a_300000_row_file_is_refused_in_bounds_and_200000_rows_are_previewed_in_bounds(
    ws: Path, tmp_path: Path
) -> None:
    over = tmp_path / "p300k.csv"
    over.write_bytes(b"URL\n" + b"".join(b"https://x.com/u%d\n" % i for i in range(300_000)))
    refused = _measure(ws, over)
    assert refused.code == 1 and TOO_MANY in refused.err
    admitted = tmp_path / "p200k.csv"
    admitted.write_bytes(b"URL\n" + b"".join(b"https://x.com/u%d\n" % i for i in range(200_000)))
    run = _measure(ws, admitted)
    assert run.code == 0 and run.out.startswith("p200k.csv: 200000 to add")


def test_a_200000_row_xlsx_is_previewed_in_bounds(ws: Path, tmp_path: Path) -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>https://x.com/w%d</t></is></c></row>' % (i, i, i)
        for i in range(2, 200_002)
    )
    path = xlsx(tmp_path / "w200k.xlsx", sheet(inline_row(1, "URL") + rows, dimension=b"A1:A200001"))
    run = _measure(ws, path)
    assert run.code == 0 and run.out.startswith("w200k.xlsx: 200000 to add")


def test_openpyxl_uses_defusedxml_too() -> None:
    """defusedxml is installed (pyproject), so openpyxl's own reader refuses entity declarations as well."""
    import openpyxl
    from defusedxml import DefusedXmlException

    assert openpyxl.DEFUSEDXML is True
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", LAUGHS + workbook()[21:])
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", PROFILE_SHEET)
    buf.seek(0)
    with pytest.raises(ValueError) as caught:  # openpyxl wraps the parser's error
        openpyxl.load_workbook(buf)
    assert isinstance(caught.value.__context__ or caught.value.__cause__, DefusedXmlException)


def test_a_workbook_openpyxl_wrote_previews_correctly(ws: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    sheet_ = wb.active
    assert sheet_ is not None
    sheet_.title = "Profiles"
    sheet_.append(["Platform", "Handle", "Display name"])
    sheet_.append(["x", "from_openpyxl", "'=not a formula"])
    sheet_.append(["instagram", "second", 42])
    wb.save(tmp_path / "real.xlsx")
    run = cli(ws, "profiles", "import", str(tmp_path / "real.xlsx"))
    assert run.code == 0, run.err
    assert "2 to add" in run.out and "@from_openpyxl" in run.out and "@second" in run.out
