#!/usr/bin/env bash
# Run every check of SocialDesk the way CI does: ruff, mypy, the layering contracts, then pytest.
#   scripts/test.sh [PYTEST ARGS...]
#
# The checks run in a throw-away environment that is the same on every machine:
#   - HOME and the XDG folders point at a fresh temporary folder (removed at the end), so
#     nothing of the developer's own configuration, data or keyring is read or touched;
#   - one private D-Bus session (dbus-run-session) with an unlocked gnome-keyring, so the
#     code that stores secrets is tested against a real Secret Service;
#   - a virtual X server (xvfb-run) for the tests that need a real display.
# Exit code: the first failing step's. Needs no standard input and no desktop session.
#
# The script runs itself three times, one stage per wrapper; SOCIALDESK_TEST_STAGE says
# which stage this is (internal; not for callers).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/scripts/test.sh"
cd "$ROOT"

case "${SOCIALDESK_TEST_STAGE:-}" in
"")
    # ---- Stage 1: setup, fresh temporary home, then the private D-Bus session. ---------
    [ -t 0 ] || exec </dev/null  # a closed stdin must not be taken over by a child's file

    bash "$ROOT/scripts/setup.sh"

    tmp="$(mktemp -d "${TMPDIR:-/tmp}/socialdesk-test.XXXXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 130' INT  # so that Ctrl+C still runs the EXIT trap
    trap 'exit 143' TERM
    mkdir -p "$tmp/home" "$tmp/data" "$tmp/cache" "$tmp/config"
    mkdir -m 0700 "$tmp/runtime"  # D-Bus and gnome-keyring insist on a private runtime dir

    export HOME="$tmp/home"
    export XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache"
    export XDG_CONFIG_HOME="$tmp/config" XDG_RUNTIME_DIR="$tmp/runtime"
    # Caches of ruff and mypy live in .venv: kept between runs, gone with the venv.
    export RUFF_CACHE_DIR="$ROOT/.venv/.ruff_cache" MYPY_CACHE_DIR="$ROOT/.venv/.mypy_cache"
    export PYTHONDONTWRITEBYTECODE=1
    # QtWebEngine's Chromium refuses to start its sandbox as root.
    if [ "$(id -u)" -eq 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
    # Nothing from the caller's session may leak in: its bus, its screen, a forced keyring
    # backend, or the opt-out that lets the environment test skip.
    unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY XAUTHORITY PYTHON_KEYRING_BACKEND \
        SOCIALDESK_ALLOW_NO_KEYRING GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

    status=0
    SOCIALDESK_TEST_STAGE=session dbus-run-session -- bash "$SELF" "$@" || status=$?
    exit "$status"  # the EXIT trap removes the temporary folder
    ;;

session)
    # ---- Stage 2: inside the D-Bus session: unlock a Secret Service, then the X server. -
    # A login keyring is created with this password and unlocked; without --unlock every
    # access would ask a (headless, so dismissed) prompt.
    pw="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
    if ! out="$(printf '%s' "$pw" | gnome-keyring-daemon --unlock --components=secrets)"; then
        echo "test.sh: gnome-keyring-daemon --unlock failed" >&2
        exit 1
    fi
    # It may print NAME=value lines (GNOME_KEYRING_CONTROL, ...) meant for the environment.
    while IFS= read -r line; do
        if [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
            export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
        fi
    done <<<"$out"

    SOCIALDESK_TEST_STAGE=display exec xvfb-run -a -s "-screen 0 1920x1080x24" bash "$SELF" "$@"
    ;;

display)
    # ---- Stage 3: the checks, in order, stopping at the first failure. ------------------
    unset SOCIALDESK_TEST_STAGE
    step() {  # step NAME COMMAND...
        local name="$1"
        shift
        printf '\n==> %s\n' "$name"
        local rc=0
        "$@" || rc=$?
        if [ "$rc" -ne 0 ]; then
            printf '\ntest.sh: FAILED at "%s" (exit %d)\n' "$name" "$rc" >&2
            exit "$rc"
        fi
    }

    lint_dirs=()
    for d in socialdesk tests benchmarks; do
        if [ -d "$d" ]; then lint_dirs+=("$d"); fi
    done
    # SOCIALDESK_SKIP_LINT=1 runs only pytest (for a quick run of a few tests while other files are
    # being written); CI never sets it.
    if [ "${SOCIALDESK_SKIP_LINT:-}" != 1 ] || [ -n "${CI:-}" ]; then
        step "ruff check ${lint_dirs[*]}" .venv/bin/ruff check "${lint_dirs[@]}"
        step "mypy socialdesk" .venv/bin/mypy socialdesk
        step "lint-imports (the layering contracts in pyproject.toml)" .venv/bin/lint-imports
    fi

    printf '\n==> pytest%s\n' "${*:+ $*}"
    rc=0
    .venv/bin/python -m pytest -q -p no:cacheprovider "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        # pytest's "no tests ran": a run that tested nothing must never pass.
        printf '\ntest.sh: FAILED: pytest collected no tests (exit 5); a run without tests' >&2
        printf ' does not count as passing. Check the test paths and -k/-m filters.\n' >&2
        exit 5
    elif [ "$rc" -ne 0 ]; then
        printf '\ntest.sh: FAILED at "pytest" (exit %d)\n' "$rc" >&2
        exit "$rc"
    fi
    printf '\ntest.sh: all checks passed\n'
    ;;

*)
    echo "test.sh: unknown SOCIALDESK_TEST_STAGE=$SOCIALDESK_TEST_STAGE" >&2
    exit 2
    ;;
esac
