"""Sub-commands of the ``socialdesk`` command line, one module each.

Each module has ``register(subparsers)``, which adds its parser and sets ``handler`` (called as
``handler(data_dir, args) -> exit status``). New commands are added to ``MODULES``.
"""

from __future__ import annotations

MODULES = (
    "socialdesk.commands.demo",
    "socialdesk.commands.profiles",
)
