"""``socialdesk settings``: show and set a profile's platform settings (docs/interfaces.md), push, embed code.

``settings show ID`` prints the settings as one JSON object with every key of the profile's platform,
which ``settings set ID FILE.json`` takes back: keys present replace, keys absent keep their value, an unknown
key is an error, and any broken rule prints one ``field: message`` line per problem, exits 1 and saves
nothing.
"""

from __future__ import annotations

import argparse
import json
import stat
import sys
from pathlib import Path
from typing import Any

from socialdesk.commands.common import Parser, UsageError, open_workspace, positive_int
from socialdesk.services.errors import SocialDeskError


def register(commands: Any) -> None:
    settings = commands.add_parser("settings", help="show and change a profile's platform settings")
    sub = settings.add_subparsers(
        dest="settings_command", parser_class=Parser, metavar="show|set|push|embed-code", required=True
    )
    show = sub.add_parser("show", help="the profile's platform settings as JSON")
    show.add_argument("profile_id", type=positive_int, metavar="PROFILE_ID")
    show.add_argument(
        "--with-state",
        action="store_true",
        help="wrap the settings with the profile, warnings and problems (not accepted by `set`)",
    )
    show.set_defaults(handler=run_show)
    put = sub.add_parser("set", help="change the settings from a JSON file (keys absent keep their value)")
    put.add_argument("profile_id", type=positive_int, metavar="PROFILE_ID")
    put.add_argument(
        "file", metavar="FILE.json", help="a JSON object like `settings show` prints; - reads stdin"
    )
    put.set_defaults(handler=run_set)
    retry = sub.add_parser(
        "push", help="push settings to their platforms now (the given profiles, or --all pending and failed)"
    )
    retry.add_argument("profile_ids", type=positive_int, nargs="*", metavar="PROFILE_ID")
    retry.add_argument("--all", action="store_true", help="every pending or failed push")
    retry.set_defaults(handler=run_push)
    embed = sub.add_parser("embed-code", help="the HTML snippet that puts a Live Chat widget on a web site")
    embed.add_argument("profile_id", type=positive_int, metavar="PROFILE_ID")
    embed.add_argument("--script-url", default=None, help="where your copy of the chat script is served")
    embed.set_defaults(handler=run_embed)


def credentials_provider(workspace: Any) -> Any:
    """Where pushes get ``(api_base_url, access_token)``: ``providers.toml`` and this computer's keyring."""
    from socialdesk.ops.settings import workspace_credentials

    return workspace_credentials(workspace)


def _dump(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def run_show(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import settings

    workspace = open_workspace(data_dir)
    try:
        shown = settings.load(workspace, args.profile_id)
    finally:
        workspace.close()
    if args.with_state:
        _dump(
            {
                "profile_id": shown.profile_id,
                "platform": shown.platform,
                "kind": shown.kind,
                "settings": shown.values,
                "push": shown.push_json(),
                "warnings": [{"field": f, "message": m} for f, m in shown.warnings],
                "problems": [{"field": f, "message": m} for f, m in shown.problems],
            }
        )
    else:
        # The push state rides along, read-only: `settings set` ignores the key.
        _dump({**shown.values, "push": shown.push_json()})
    return 0


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


#: A settings file holds a few short texts; anything larger is not one (and is not read whole).
MAX_SETTINGS_BYTES = 1024 * 1024
#: Integers with more digits are read as "too large" instead of being converted (Python refuses
#: over 4,300 digits with a traceback, and conversion is quadratic below that).
_MAX_DIGITS = 30
_TOO_LARGE = 10**30


def _int(text: str) -> int:
    return int(text) if len(text) <= _MAX_DIGITS else _TOO_LARGE


def _read_bytes(name: str) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_SETTINGS_BYTES + 1)
    else:
        path = Path(name)
        st = path.stat()  # a missing file raises here, before anything is opened
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(name)
        if not stat.S_ISREG(st.st_mode):
            raise SocialDeskError(
                f"{name} is not a regular file (a pipe or device); give the path of a JSON settings file"
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_SETTINGS_BYTES + 1)
    if len(data) > MAX_SETTINGS_BYTES:
        raise SocialDeskError(
            f"{name} is larger than {MAX_SETTINGS_BYTES // 1024} KB, far more than any settings file; "
            "nothing was saved"
        )
    return data


def read_settings_file(name: str) -> dict[str, Any]:
    """The JSON object in the file (or stdin for ``-``), or one clear error saying what is wrong with it.

    Hostile files end in one message, never a traceback: over 1 MB, not UTF-8, nested too deep for the
    parser, huge integers (read as "too large" and reported per field by ``settings.value_problems``).
    """
    try:
        text = _read_bytes(name).decode("utf-8-sig")
    except FileNotFoundError:
        raise SocialDeskError(f"There is no file {name}; give the path of a JSON settings file") from None
    except IsADirectoryError:
        raise SocialDeskError(f"{name} is a folder; give the path of a JSON settings file") from None
    except UnicodeDecodeError:
        raise SocialDeskError(f"{name} is not UTF-8 text; save it as UTF-8 JSON") from None
    except OSError as exc:
        raise SocialDeskError(f"Cannot read {name}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise SocialDeskError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}; nothing was saved"
        ) from None
    except RecursionError:
        raise SocialDeskError(
            f"{name} nests lists or objects hundreds of levels deep; settings are text, lists and objects "
            "a few levels deep; nothing was saved"
        ) from None
    except _DuplicateKey as exc:
        raise SocialDeskError(
            f"{name} gives the key {exc.args[0]!r} twice; keep one; nothing was saved"
        ) from None
    if not isinstance(data, dict):
        raise SocialDeskError(
            f"{name} must hold one JSON object of settings, like the output of `socialdesk settings show`"
        )
    return data


def run_set(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import settings

    changes = read_settings_file(args.file)
    changes.pop("push", None)  # read-only (settings show prints it): ignored
    workspace = open_workspace(data_dir)
    try:
        done = settings.save_and_push(workspace, args.profile_id, changes, credentials_provider(workspace))
    finally:
        workspace.close()
    saved, outcome = done.value.saved, done.value.outcome
    shown = saved.settings
    if saved.changed:
        print(f"Saved locally: {', '.join(saved.changed)}")
    else:
        print("No changes: the settings already have these values")
    if outcome is None:
        outcome = settings.PushOutcome(shown.profile_id, shown.sync_state, shown.push_json()["reason"])
    print(outcome.line())
    for fld, message in shown.warnings:
        print(f"Warning: {fld}: {message}")
    return 0


def run_push(data_dir: Path, args: argparse.Namespace) -> int:
    """``settings push ID...|--all``: try now, ignoring the queue's next try; exit 0 whatever the states."""
    from socialdesk.ops import settings

    if bool(args.profile_ids) == bool(args.all):
        raise UsageError("give the profile ids to push, or --all for every pending or failed push")
    workspace = open_workspace(data_dir)
    try:
        settings.require_profiles(
            workspace, args.profile_ids
        )  # an unknown id: exit 1 before anything is sent
        ids = args.profile_ids or settings.queued_ids(workspace)
        credentials = credentials_provider(workspace)
        outcomes = [
            settings.push(workspace, pid, credentials, manual=True).value for pid in dict.fromkeys(ids)
        ]
    finally:
        workspace.close()
    if not outcomes:
        print("Nothing to push: every profile's settings are pushed or kept in SocialDesk only")
    for outcome in outcomes:
        print(outcome.line())
    return 0


def run_embed(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops import settings

    workspace = open_workspace(data_dir)
    try:
        code = settings.embed_code(workspace, args.profile_id, args.script_url or settings.DEFAULT_SCRIPT_URL)
    finally:
        workspace.close()
    sys.stdout.write(code)
    return 0
