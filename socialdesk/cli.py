"""The ``socialdesk`` command line (docs/interfaces.md). Without a sub-command it starts the GUI.

Exit status: 0 success, 2 usage error, 1 any other error; errors are one line on stderr.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from socialdesk import __version__
from socialdesk.commands import modules
from socialdesk.commands.common import Parser, UsageError
from socialdesk.services.errors import SocialDeskError, ValidationError

USAGE_ERROR = 2
ERROR = 1


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("SocialDesk", appauthor=False)


def build_parser() -> Parser:
    parser = Parser(prog="socialdesk", description="Keep every social profile of your organisation in hand.")
    parser.add_argument("--data-dir", type=Path, help="workspace folder (default: your user data folder)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log what happens to stderr")
    parser.add_argument("--version", action="version", version=f"socialdesk {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    for name in modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return USAGE_ERROR
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    from socialdesk.services import redact

    redact.install()  # scrub secrets from every log record from the first line on
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    data_dir: Path = args.data_dir or default_data_dir()
    try:
        if args.command is None:
            from socialdesk.app import run_gui

            return run_gui(data_dir, verbose=args.verbose)
        return int(args.handler(data_dir, args))
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return USAGE_ERROR
    except ValidationError as exc:
        for fld, message in exc.problems:
            print(f"{fld}: {message}" if fld else message, file=sys.stderr)
        return ERROR
    except SocialDeskError as exc:
        print(f"socialdesk: {exc}", file=sys.stderr)
        return ERROR
    except Exception as exc:
        # A storage failure SQLite reports deep inside a command (locked, disk full, damaged page,
        # read-only) is the user's to fix: one line, never a traceback. Anything else is a bug: re-raised.
        from socialdesk.services.workspace import DB_NAME, storage_error

        translated = storage_error(exc, data_dir / DB_NAME)
        if translated is None:
            raise
        print(f"socialdesk: {translated}", file=sys.stderr)
        return ERROR
    except KeyboardInterrupt:
        print("socialdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return ERROR


if __name__ == "__main__":
    sys.exit(main())
