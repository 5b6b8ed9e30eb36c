"""Run many ``socialdesk`` command lines in ONE process (started as another user, or with a file size limit).

Used by tests/test_bad_databases.py: ``python tests/cli_runner.py CASES.json`` reads a list of
``{"argv": [...], "fsize": bytes|null}``, runs each through ``socialdesk.cli.main`` exactly as the console
script would (stderr captured), and prints one JSON list of ``{"code", "stderr", "traceback"}``. An
exception escaping ``main`` is recorded as a traceback: that is the defect the tests look for. Starting one
process for all cases instead of one per case keeps the suite fast (SQLAlchemy's import costs ~0.5 s).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import traceback


def main() -> int:
    cases = json.loads(open(sys.argv[1], encoding="utf-8").read())  # noqa: SIM115 - tiny file
    from socialdesk import cli

    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    results = []
    for case in cases:
        err = io.StringIO()
        out = io.StringIO()
        limit = case.get("fsize")
        code: int | None = None
        trace = None
        try:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit if limit is not None else hard, hard))
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = cli.main(case["argv"])
        except BaseException:  # recorded: the test fails on it
            trace = traceback.format_exc()
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
        results.append({"code": code, "stderr": err.getvalue(), "traceback": trace})
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
