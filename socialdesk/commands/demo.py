"""``socialdesk demo``: fill an empty workspace with a realistic, deterministic demo."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from socialdesk.commands.common import open_workspace, positive_int


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="fill an empty workspace with a realistic demo")
    demo.add_argument("--profiles", type=positive_int, default=None, help="number of profiles (default 60)")
    demo.add_argument("--seed", type=int, default=None, help="random seed; the same seed gives the same demo")
    demo.set_defaults(handler=run)


def run(data_dir: Path, args: argparse.Namespace) -> int:
    from socialdesk.ops.workspace import build_demo

    started = time.perf_counter()
    workspace = open_workspace(data_dir, create=True)
    try:
        counts = build_demo(
            workspace,
            profiles=args.profiles,
            seed=args.seed,
            progress=progress_bar(sys.stderr),
        ).value
    finally:
        workspace.close()
    took = time.perf_counter() - started
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    print(f"Demo workspace ready in {data_dir}: {summary} ({took:.1f} s)")
    return 0


def progress_bar(stream: TextIO, width: int = 30) -> Callable[[int, int], None] | None:
    """A one-line progress bar on a terminal, redrawn in place; None (quiet) when not a terminal,
    so scripts and logs get only the summary line."""
    if not stream.isatty():
        return None
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        filled = width * done // max(total, 1)
        took = time.perf_counter() - started
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} profiles  {took:.0f} s")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
