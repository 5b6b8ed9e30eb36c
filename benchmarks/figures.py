"""How a benchmark says its figures: ``name: value unit`` beside its target and a floor or note, and the
targets it missed (its exit status). One place instead of the same ``say`` in each benchmark."""

from __future__ import annotations

#: The names of the figures that missed their targets in this process (``exit_status`` reads it).
missed: list[str] = []


def say(name: str, value: float, unit: str, target: float | None = None, floor: str = "") -> None:
    """Print ``name: value unit``, its target (``MISSED`` above it, noted in ``missed``) and ``floor``."""
    verdict = ""
    if target is not None:
        ok = value <= target
        verdict = f"  (target <= {target:g}{'' if ok else ' MISSED'})"
        if not ok:
            missed.append(name)
    print(f"{name}: {value:.1f} {unit}{verdict}{('  ' + floor) if floor else ''}", flush=True)


def exit_status() -> int:
    """1 with the list of what was missed, 0 when every target held."""
    if missed:
        print(f"targets missed: {', '.join(missed)}")
        return 1
    return 0
