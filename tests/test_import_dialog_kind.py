"""Switching the import between groups and profiles reads the file anew as that kind: the other
kind's error or preview never stays on screen, also when the switch comes while a file is still read."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from socialdesk.services.workspace import Workspace
from socialdesk.ui.import_dialog import ImportDialog


def _addresses(tmp_path: Path) -> Path:
    path = tmp_path / "addresses.csv"
    path.write_text("url\nhttps://www.instagram.com/acme.shop\nhttps://x.com/acme_news\n", encoding="utf-8")
    return path


def test_switching_kind_drops_the_other_kinds_error(qtbot: QtBot, demo_ws: Workspace, tmp_path: Path) -> None:
    dialog = ImportDialog(demo_ws, kind="groups")
    qtbot.addWidget(dialog)
    dialog.show()
    path = _addresses(tmp_path)
    with qtbot.waitSignal(dialog.previewReady, timeout=10000):
        dialog.load(path)
    assert not dialog.error.isHidden() and dialog.error.text()  # a list of addresses is no groups file
    groups_error = dialog.error.text()
    with qtbot.waitSignal(dialog.previewReady, timeout=10000):
        dialog.profiles_radio.setChecked(True)
    assert dialog.error.isHidden() or dialog.error.text() == ""
    assert dialog.preview is not None and dialog.apply_button.isEnabled()
    assert dialog.model.rowCount() == 2
    with qtbot.waitSignal(dialog.previewReady, timeout=10000):
        dialog.groups_radio.setChecked(True)
    assert dialog.error.text() == groups_error and not dialog.apply_button.isEnabled()


def test_a_switch_while_reading_shows_the_new_kinds_result(
    qtbot: QtBot, demo_ws: Workspace, tmp_path: Path
) -> None:
    dialog = ImportDialog(demo_ws, kind="groups")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load(_addresses(tmp_path))  # still reading as groups…
    assert dialog.busy
    with qtbot.waitSignal(dialog.previewReady, timeout=10000):
        dialog.profiles_radio.setChecked(True)  # …when the user switches
    qtbot.wait(200)  # the superseded groups result, if it came late, must not replace this one
    assert dialog.kind() == "profiles"
    assert dialog.error.isHidden() or dialog.error.text() == ""
    assert dialog.preview is not None and dialog.model.rowCount() == 2


def test_a_garbage_row_says_what_the_row_should_hold(
    qtbot: QtBot, demo_ws: Workspace, tmp_path: Path
) -> None:
    """Issue 15.14: a row that is neither an address nor a handle read "@not a url at all has no platform"."""
    path = tmp_path / "mixed.csv"
    path.write_text("url\nhttps://x.com/acme_news\nnot a url at all\n@bare_handle\n", encoding="utf-8")
    dialog = ImportDialog(demo_ws, kind="profiles")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.previewReady, timeout=10000):
        dialog.load(path)
    skipped = {r.row: r.detail for r in dialog.model.preview_rows() if r.outcome == "skip"}
    assert set(skipped) == {3, 4}  # file rows: the header is row 1
    assert skipped[3] == "not a profile address or handle; paste the address from your browser"
    assert "@not a url" not in skipped[3] and "has no platform" not in skipped[3]
    assert skipped[4] == "@bare_handle has no platform; use the full address or a Platform column"
    subjects = {r.row: r.subject for r in dialog.model.preview_rows()}
    assert subjects[3] == "not a url at all"  # the row's own text stays in the Profile column
    dialog.resize(860, 560)
    qtbot.wait(50)  # the Import button grew to its new text
    dialog.grab().save("/tmp/dialogs-import-garbage.png")
