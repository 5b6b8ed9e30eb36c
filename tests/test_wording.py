"""User-facing wording: plurals are chosen by the count, never written as "profile(s)"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "socialdesk"


def _string_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("folder", ["ui", "commands"])
def test_no_string_writes_a_plural_as_word_parenthesis_s(folder: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for line, text in _string_literals(path)
        if "(s)" in text
    ]
    assert not offenders, "use ui.i18n.plural (or ngettext-style pairs) instead:\n" + "\n".join(offenders)


#: Places that do not exist in the window; messages once sent users there.
GONE = ("Settings → Connections", "Settings > Connections")


def test_messages_name_only_places_that_exist() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in _string_literals(path)
        if any(place in text for place in GONE)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_interval_box_is_not_as_wide_as_the_window(qtbot: object, demo_ws: object) -> None:
    from socialdesk.services.tokens import TokenStore
    from socialdesk.services.workspace import Workspace
    from socialdesk.ui.settings_dialog import SettingsDialog

    assert isinstance(demo_ws, Workspace)
    dialog = SettingsDialog(demo_ws, TokenStore(demo_ws.workspace_id))
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.resize(900, 600)
    dialog.show()
    assert dialog.interval.width() <= 200
