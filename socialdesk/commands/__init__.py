"""Sub-commands of the ``socialdesk`` command line, one module each.

Every module here with a ``register(subparsers)`` function is a sub-command: ``register`` adds its
parser and sets ``handler`` (called as ``handler(data_dir, args) -> exit status``).
"""

from __future__ import annotations

import pkgutil


def modules() -> list[str]:
    """Names of the sub-command modules, in name order."""
    return sorted(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if m.name not in ("common",))
