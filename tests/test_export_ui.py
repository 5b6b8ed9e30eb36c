"""The export and import dialogs (issue 8): files read back with openpyxl and csv, cancel, failures,
import previews and apply, a broken file. Exports and previews run in worker threads, as in the app.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QEvent, QObject
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from socialdesk.models.schema import AuditEntry, Profile
from socialdesk.services import export, members
from socialdesk.services import groups as g
from socialdesk.services.query import ProfileRows
from socialdesk.services.workspace import Workspace
from socialdesk.ui.export_dialog import PROGRESS_DELAY_MS, ExportDialog, default_name
from socialdesk.ui.import_dialog import ImportDialog, PreviewModel, PreviewRow
from tests import factory as f

FORMULA = '=HYPERLINK("http://x")'
FIRST_FIVE = ["Group ID", "Group name", "Profile (handle)", "Profile ID", "Profile display name"]


@pytest.fixture
def shaped(demo_ws: Workspace) -> dict[str, int]:
    """A unicode group holding a formula-named profile and the nested group EMEA."""
    with demo_ws.session() as s:
        me = members.me(s)
        assert me is not None
        actor = members.me_actor(s)
        evil = f.profile(s, "instagram", "account", handle="evil_formula", owners=(me,), name=FORMULA)
        uni = g.create_group(s, actor, "Zürich 東京 ☕")
        emea = g.find_group(s, "EMEA")
        g.add_items(s, actor, uni.id, [g.ItemRef.profile(evil.id), g.ItemRef.group(emea.id)])
        return {"evil": evil.id, "uni": uni.id, "emea": emea.id}


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _rows(ws: Workspace) -> ProfileRows:
    with ws.engine.connect() as conn:
        return ProfileRows.load(conn, ws.me_id)


def _export_dialog(qtbot: QtBot, ws: Workspace, **kwargs: Any) -> ExportDialog:
    dialog = ExportDialog(ws, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _run(qtbot: QtBot, dialog: ExportDialog) -> str:
    with qtbot.waitSignal(dialog.exportFinished, timeout=30000) as blocker:
        assert dialog.start()
    return str(blocker.args[0])


class _ShowWatch(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.shown = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.shown = True
        return False


# -- export ---------------------------------------------------------------------------------------------


def test_groups_export_from_the_dialog_reads_back_with_openpyxl(
    qtbot: QtBot, demo_ws: Workspace, shaped: dict[str, int], tmp_path: Path
) -> None:
    dialog = _export_dialog(qtbot, demo_ws)
    assert dialog.what() == "groups" and not dialog.profiles_radio.isEnabled()
    watch = _ShowWatch()
    dialog.progress.installEventFilter(watch)
    dialog.set_choice("groups", "xlsx", tmp_path / "groups")  # the suffix follows the format
    assert _run(qtbot, dialog) == "done"
    target = tmp_path / "groups.xlsx"
    assert not watch.shown  # a quick export shows no progress bar
    wb = load_workbook(target)
    ws = wb["Profile groups"]
    rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    assert list(rows[0][:5]) == FIRST_FIVE
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref is not None and ws["A1"].font.b
    uni = [r for r in rows[1:] if r[0] == shaped["uni"]]
    assert {r[1] for r in uni} == {"Zürich 東京 ☕"}
    evil = next(r for r in uni if r[3] == shaped["evil"])
    assert evil[4] == "'" + FORMULA  # text, never a formula
    assert ws.cell(row=rows.index(list(evil)) + 1, column=5).data_type == "s"
    with demo_ws.session() as s:
        emea_profiles = [r.profile_id for r in g.expand(s, shaped["emea"])]
    nested = [r for r in uni if r[6] == "Zürich 東京 ☕ > EMEA"]
    assert [r[3] for r in nested] == emea_profiles
    status = dialog.status.text()
    assert str(target) in status and f"Exported {len(rows) - 1} rows" in status
    assert dialog.cancel_button.text() == "Close"


def test_profile_list_export_keeps_the_tables_order_in_csv(
    qtbot: QtBot, demo_ws: Workspace, tmp_path: Path
) -> None:
    rows = _rows(demo_ws)
    shown = list(range(len(rows)))[::-3]  # a filtered, reordered view of the list
    dialog = _export_dialog(qtbot, demo_ws, rows=rows, selected_rows=shown)
    assert dialog.what() == "profiles"
    assert f"{len(shown)} profiles" in dialog.profiles_radio.text()
    dialog.set_choice("profiles", "csv", tmp_path / "list.csv")
    assert _run(qtbot, dialog) == "done"
    body = _read_csv(tmp_path / "list.csv")
    assert body[0] == list(export.PROFILE_COLUMNS)
    assert [int(r[0]) for r in body[1:]] == [rows.ids[r] for r in shown]


def test_the_default_file_name_has_the_date_and_follows_the_choices(qtbot: QtBot, demo_ws: Workspace) -> None:
    dialog = _export_dialog(qtbot, demo_ws, rows=_rows(demo_ws))
    name = Path(dialog.path_edit.text()).name
    assert name == default_name("profiles", export.ExportFormat.XLSX)
    dialog.csv_radio.setChecked(True)
    dialog.groups_radio.setChecked(True)
    assert Path(dialog.path_edit.text()).name == default_name("groups", export.ExportFormat.CSV)


def test_cancel_stops_a_long_export_and_leaves_no_file(
    qtbot: QtBot, demo_ws: Workspace, tmp_path: Path
) -> None:
    rows = _rows(demo_ws)
    many = list(range(len(rows))) * 2500  # ~150,000 rows: long enough to show progress and cancel
    out = tmp_path / "out"
    out.mkdir()
    target = out / "big.xlsx"
    target.write_bytes(b"the previous export")
    dialog = _export_dialog(qtbot, demo_ws, rows=rows, selected_rows=many)
    dialog.set_choice("profiles", "xlsx", target)
    assert "exists and will be replaced" in dialog.replace_note.text()
    assert dialog.start()
    assert not dialog.progress.isVisible()  # not at once: only when the export lasts
    assert not dialog.export_button.isEnabled()
    qtbot.waitUntil(dialog.progress.isVisible, timeout=PROGRESS_DELAY_MS + 5000)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=10000)
    with qtbot.waitSignal(dialog.exportFinished, timeout=30000) as blocker:
        dialog.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert dialog.status.text() == "Cancelled; no file was written."
    assert not dialog.progress.isVisible() and dialog.export_button.isEnabled()
    assert target.read_bytes() == b"the previous export"
    assert sorted(p.name for p in out.iterdir()) == ["big.xlsx"]  # no temporary file left


def test_a_failed_export_says_why_and_writes_nothing(
    qtbot: QtBot, demo_ws: Workspace, tmp_path: Path
) -> None:
    dialog = _export_dialog(qtbot, demo_ws)
    dialog.set_choice("groups", "csv", tmp_path / "missing" / "groups.csv")
    assert _run(qtbot, dialog) == "failed"
    assert "does not exist; choose another place" in dialog.error.text()
    assert not (tmp_path / "missing").exists()
    dialog.path_edit.setText("")
    assert not dialog.start()
    assert dialog.error.text() == "Choose a file to export to."


def test_closing_during_an_export_cancels_it_first(qtbot: QtBot, demo_ws: Workspace, tmp_path: Path) -> None:
    rows = _rows(demo_ws)
    dialog = _export_dialog(qtbot, demo_ws, rows=rows, selected_rows=list(range(len(rows))) * 2500)
    out = tmp_path / "out"
    out.mkdir()
    dialog.set_choice("profiles", "csv", out / "big.csv")
    assert dialog.start()
    with qtbot.waitSignal(dialog.exportFinished, timeout=30000) as blocker:
        dialog.reject()
        assert dialog.isVisible()  # it stays until the worker has stopped
    assert blocker.args == ["cancelled"]
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert list(out.iterdir()) == []


# -- import ---------------------------------------------------------------------------------------------


def _state(ws: Workspace) -> tuple[str, int]:
    with ws.session() as s:
        listing = json.dumps(
            [(i.id, i.name, i.color, [x.ref for x in i.items]) for i in g.list_groups(s)], default=str
        )
        return listing, s.scalar(select(func.count(AuditEntry.id))) or 0


@pytest.fixture
def importer_dialog(qtbot: QtBot, demo_ws: Workspace) -> ImportDialog:
    dialog = ImportDialog(demo_ws)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _load(qtbot: QtBot, dialog: ImportDialog, path: Path) -> None:
    with qtbot.waitSignal(dialog.previewReady, timeout=10000):
        dialog.load(path)


def _outcomes(dialog: ImportDialog) -> list[tuple[str, str, str]]:
    return [(r.outcome, r.subject, r.detail) for r in dialog.model.preview_rows()]


def test_the_preview_model_passes_the_item_model_tester(qtbot: QtBot, qtmodeltester: Any) -> None:
    model = PreviewModel()
    model.set_rows(
        [
            PreviewRow("change", "EMEA", "removes X"),
            PreviewRow("skip", "", "no group name", 7),
            PreviewRow("add", "Instagram @acme", "", 2, "instagram"),
        ],
        "Group",
    )
    qtmodeltester.check(model)
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["Skipped", "Add", "Changes"]


def test_import_round_trip_shows_the_changes_then_applies_them(
    qtbot: QtBot, importer_dialog: ImportDialog, demo_ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "groups.csv"
    with demo_ws.session() as s:
        export.export_groups(s, path)
        emea = g.group_info(s, g.find_group(s, "EMEA").id)
    rows = _read_csv(path)
    header, body = rows[0], rows[1:]
    dropped = next(r for r in body if r[1] == "EMEA")
    body.remove(dropped)
    body.append(["", "Spring launch", "", dropped[3], "", "", "Spring launch", "#43A047"])
    body.append(["", "Spring launch", "", "999999", "", "", "Spring launch", ""])
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    before = _state(demo_ws)

    _load(qtbot, importer_dialog, path)
    outcomes = _outcomes(importer_dialog)
    assert outcomes[0][0] == "skip" and "999999" in outcomes[0][2]  # problems come first
    kinds = {subject: kind for kind, subject, _ in outcomes if subject}
    assert kinds["Spring launch"] == "create" and kinds["EMEA"] == "change"
    assert sum(1 for k in kinds.values() if k == "unchanged") == 8
    emea_detail = next(d for k, s, d in outcomes if s == "EMEA")
    assert "removes" in emea_detail and f"{len(emea.items) - 1} items of 20" in emea_detail
    assert "1 new group, 1 changed, 8 unchanged; 1 row skipped" in importer_dialog.summary.text()
    assert _state(demo_ws) == before  # a preview changes nothing
    assert importer_dialog.apply_button.isEnabled()

    with qtbot.waitSignal(importer_dialog.applyFinished, timeout=10000) as blocker:
        assert importer_dialog.apply()
    assert blocker.args == ["done"]
    assert importer_dialog.status.text() == "Imported: 1 group created, 1 changed."
    with demo_ws.session() as s:
        spring = g.group_info(s, g.find_group(s, "Spring launch").id)
        emea_after = g.group_info(s, emea.id)
    assert [i.id for i in spring.items] == [int(dropped[3])] and spring.color == "#43A047"
    assert int(dropped[3]) not in [i.id for i in emea_after.visible_items]
    # The preview is read again: now everything in the file is as it is in the workspace.
    qtbot.waitUntil(lambda: not importer_dialog.busy and importer_dialog.preview is not None, timeout=10000)
    assert not importer_dialog.apply_button.isEnabled()
    assert "Nothing would change" in importer_dialog.summary.text()


def test_a_limit_the_import_would_break_blocks_it(
    qtbot: QtBot, importer_dialog: ImportDialog, demo_ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "many.csv"
    lines = [["Group name", "Profile ID"], *[[f"New {i}", "1"] for i in range(12)]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(lines)
    before = _state(demo_ws)
    _load(qtbot, importer_dialog, path)
    first = _outcomes(importer_dialog)[0]
    assert first[0] == "blocking" and "at most 20" in first[2]
    assert not importer_dialog.apply_button.isEnabled()
    assert "break a limit" in importer_dialog.apply_button.toolTip()
    assert not importer_dialog.apply()
    assert _state(demo_ws) == before


def test_a_broken_import_file_gives_a_clear_message_and_changes_nothing(
    qtbot: QtBot, importer_dialog: ImportDialog, demo_ws: Workspace, tmp_path: Path
) -> None:
    before = _state(demo_ws)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    _load(qtbot, importer_dialog, broken)
    assert importer_dialog.error.isVisible()
    assert "broken.xlsx is not a CSV or XLSX file (or it is damaged)" in importer_dialog.error.text()
    assert importer_dialog.model.rowCount() == 0 and not importer_dialog.apply_button.isEnabled()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Fruit,Colour\napple,red\n", encoding="utf-8")
    _load(qtbot, importer_dialog, wrong)
    assert "does not look like a groups export" in importer_dialog.error.text()
    assert _state(demo_ws) == before


def test_public_profiles_import_preview_and_apply(
    qtbot: QtBot, importer_dialog: ImportDialog, demo_ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "profiles.csv"
    path.write_text(
        "URL,Name\nhttps://www.instagram.com/acme_new,Acme\nnot a url at all,\n"
        "https://x.com/acme_new_x,\nhttps://www.instagram.com/acme_new,Again\n",
        encoding="utf-8",
    )
    with demo_ws.session() as s:
        count = s.scalar(select(func.count(Profile.id)))
    importer_dialog.profiles_radio.setChecked(True)
    _load(qtbot, importer_dialog, path)
    outcomes = _outcomes(importer_dialog)
    assert [o[0] for o in outcomes] == ["skip", "skip", "add", "add"]
    assert "the same profile as row 2" in outcomes[1][2]
    assert ("add", "Instagram @acme_new", "display name “Acme”") in outcomes
    assert importer_dialog.apply_button.text() == "Import 2 profiles"
    with qtbot.waitSignal(importer_dialog.imported, timeout=10000) as blocker:
        importer_dialog.apply()
    assert blocker.args == ["profiles"]
    # The dialog reads the file again against the workspace as it is now: nothing left to add.
    qtbot.waitUntil(lambda: not importer_dialog.busy and importer_dialog.preview is not None, timeout=10000)
    assert [o[0] for o in _outcomes(importer_dialog)] == ["skip", "skip", "exists", "exists"]
    assert not importer_dialog.apply_button.isEnabled()
    with demo_ws.session() as s:
        assert s.scalar(select(func.count(Profile.id))) == (count or 0) + 2
        added = s.scalars(select(Profile).where(Profile.handle == "acme_new")).one()
        assert (added.platform, added.display_name, added.visibility) == ("instagram", "Acme", "public")


def test_only_the_selected_profiles_is_a_third_choice_that_writes_just_them(
    qtbot: QtBot, demo_ws: Workspace, tmp_path: Path
) -> None:
    rows = _rows(demo_ws)
    shown = list(range(len(rows)))[::-1]
    chosen = shown[3:7]
    dialog = _export_dialog(qtbot, demo_ws, rows=rows, selected_rows=shown, chosen_rows=chosen)
    assert dialog.what() == "profiles"  # the list as shown stays the default
    assert dialog.selected_radio.isEnabled()
    assert dialog.selected_radio.text() == "Only the selected profiles (4 profiles, in the table's order)"
    dialog.set_choice("selected", "csv", tmp_path / "chosen.csv")
    assert dialog.what() == "selected" and dialog.rows_to_export() == chosen
    assert _run(qtbot, dialog) == "done"
    body = _read_csv(tmp_path / "chosen.csv")
    assert [int(r[0]) for r in body[1:]] == [rows.ids[r] for r in chosen]
    assert "Exported 4 rows" in dialog.status.text()


def test_without_a_selection_the_selected_only_choice_says_why_not(qtbot: QtBot, demo_ws: Workspace) -> None:
    dialog = _export_dialog(qtbot, demo_ws, rows=_rows(demo_ws))
    assert not dialog.selected_radio.isEnabled()
    assert dialog.selected_radio.toolTip() == "Select profiles in the table first."
    dialog.set_choice("selected", "xlsx")
    assert dialog.what() == "profiles"  # nothing selected: the list as shown
    one = _export_dialog(qtbot, demo_ws, rows=_rows(demo_ws), chosen_rows=[5])
    assert one.selected_radio.text() == "Only the selected profiles (1 profile, in the table's order)"
