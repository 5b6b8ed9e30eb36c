"""models/ and services/ never import Qt: the same services serve the GUI, the command line and tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import socialdesk

PACKAGE = Path(socialdesk.__file__).parent
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def _python_files(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def test_no_qt_import_in_source_of_models_and_services() -> None:
    offenders = []
    for path in _python_files("models") + _python_files("services"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    assert offenders == []


def test_importing_every_service_loads_no_qt() -> None:
    modules = [
        f"socialdesk.{sub}.{p.stem}"
        for sub in ("models", "services")
        for p in _python_files(sub)
        if p.stem != "__init__"
    ]
    assert len(modules) >= 8
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "import socialdesk.cli\n"
        f"print([m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
