"""User-facing wording: plurals are chosen by the count, never written as "profile(s)"."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

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


def _plural_calls(path: Path) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "plural"
    ]


def _plural_sources() -> dict[str, str]:
    """Every ``plural()`` source text under ui/, with where it is used."""
    found: dict[str, str] = {}
    for path in sorted((PACKAGE / "ui").rglob("*.py")):
        for call in _plural_calls(path):
            first = call.args[0] if call.args else None
            if path.name == "i18n.py":
                continue
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{path.name}:{call.lineno}: plural()'s source must be a literal for the catalogue"
            )
            found.setdefault(first.value, f"{path.name}:{call.lineno}")
    return found


CATALOGUE = PACKAGE / "resources" / "i18n" / "socialdesk_en.ts"


def _catalogue() -> dict[str, list[str]]:
    root = ElementTree.parse(CATALOGUE).getroot()  # the project's own file, not untrusted input
    forms: dict[str, list[str]] = {}
    for context in root.iter("context"):
        assert context.findtext("name") == "SocialDesk"
        for message in context.iter("message"):
            assert message.get("numerus") == "yes", message.findtext("source")
            forms[message.findtext("source") or ""] = [f.text or "" for f in message.iter("numerusform")]
    return forms


@pytest.mark.parametrize("folder", ["ui", "commands", "ops", "services", "models"])
def test_no_string_writes_a_plural_as_word_parenthesis_s(folder: str) -> None:
    """Only a ``plural()`` source may say "(s)": it is a key, and the catalogue gives the words."""
    offenders = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        offenders += [
            f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "(s)" in node.value
            and id(node) not in docstrings
            and not _is_plural_source(tree, node)
        ]
    assert not offenders, "write plural(\"… %Ln thing(s)\", n) (ui) or counted() (below ui):\n" + "\n".join(
        offenders
    )


def _is_plural(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == "plural"


def _is_plural_source(tree: ast.AST, constant: ast.Constant) -> bool:
    return any(
        isinstance(n, ast.Call) and _is_plural(n) and n.args and n.args[0] is constant for n in ast.walk(tree)
    )


def test_every_plural_source_has_its_english_forms_in_the_catalogue() -> None:
    sources, forms = _plural_sources(), _catalogue()
    missing = {src: where for src, where in sources.items() if src not in forms}
    assert not missing, f"add these to {CATALOGUE.name} with both forms:\n" + "\n".join(
        f"{where}: {src!r}" for src, where in missing.items()
    )
    unused = sorted(set(forms) - set(sources))
    assert not unused, f"{CATALOGUE.name} holds sources no window uses any more: {unused}"
    assert len(forms) >= 60
    for src, (one, many, *more) in forms.items():
        assert not more, src
        assert "(s)" not in one and "(s)" not in many, src
        assert ("%Ln" in src) == ("%Ln" in many), src  # the singular may say "this profile" instead


def test_the_compiled_catalogue_is_built_from_the_ts_file(tmp_path: Path) -> None:
    lrelease = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name("pyside6-lrelease"))
    built = tmp_path / "socialdesk_en.qm"
    subprocess.run([lrelease, "-silent", str(CATALOGUE), "-qm", str(built)], check=True, timeout=60)
    assert built.read_bytes() == CATALOGUE.with_suffix(".qm").read_bytes(), (
        "run scripts/update_translations.sh and commit the .qm"
    )


def test_plural_picks_the_form_by_count_and_groups_the_digits(qapp: object) -> None:
    from socialdesk.ui.i18n import plural

    for src, (one, many) in _catalogue().items():
        assert plural(src, 1) == one.replace("%Ln", "1")
        assert plural(src, 0) == many.replace("%Ln", "0")
        assert plural(src, 20_000) == many.replace("%Ln", "20,000")
    assert plural("Restored %Ln profile(s)", 1) == "Restored 1 profile"
    added = plural("Added %Ln profile(s) to {group}.", 2, group="{path} & co")
    assert added == "Added 2 profiles to {path} & co."


def test_the_check_result_reads_in_words_for_one_and_for_many(qapp: object) -> None:
    from socialdesk.ops.health import CheckSummary
    from socialdesk.ui.main_status import check_result_text

    def summary(checked: int, soon: int) -> CheckSummary:
        return CheckSummary(checked, checked, 1, 1, 1, 0, soon, 0.1, False, (), None)

    one = check_result_text(summary(1, 1))
    assert "1 connection checked" in one and "1 expires within" in one
    many = check_result_text(summary(1500, 3))
    assert "1,500 connections checked" in many and "3 expire within" in many
    assert "(s)" not in one + many


def test_counted_below_the_windows() -> None:
    from socialdesk.models.wording import counted

    assert counted(1, "{n} grant", "{n} grants") == "1 grant"
    assert counted(12_000, "{n} grant", "{n} grants") == "12,000 grants"


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
