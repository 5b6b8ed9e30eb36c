"""docs/architecture.md names the function behind every product rule; each name must import."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
ROW = re.compile(r"^\| (§\d[^|]*?) \| `([\w.]+)` \|$")


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target
    raise ModuleNotFoundError(dotted)


def test_every_rule_row_names_code_that_exists() -> None:
    rows = [m.groups() for line in DOC.read_text(encoding="utf-8").splitlines() if (m := ROW.match(line))]
    assert len(rows) >= 25
    sections = {rule.split()[0] for rule, _ in rows}
    assert sections >= {"§2", "§3", "§4", "§5", "§6", "§7"}  # every chapter of docs/product.md with rules
    for rule, dotted in rows:
        assert dotted.startswith("socialdesk."), rule
        assert _resolve(dotted) is not None, f"{rule}: {dotted}"
