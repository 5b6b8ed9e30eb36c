#!/usr/bin/env bash
# One-command setup for SocialDesk on Debian 12: system packages, then .venv with the
# project installed in editable mode plus its test extras.
#
# Idempotent and quiet: a second run does nothing visible and takes well under a second.
# Errors are always shown. Needs no standard input (CI runs it without one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
# The stamp holds the hash of the pyproject.toml that was last installed successfully;
# it lives inside .venv so that a new venv always gets a fresh install.
STAMP="$VENV/.socialdesk-install-stamp"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# Nothing below may wait for input; without a terminal, read from /dev/null so that a
# closed standard input can never be mistaken for a file by a child process.
[ -t 0 ] || exec </dev/null

# Serialise concurrent runs (run.sh and test.sh both call this) on one lock per checkout.
if command -v flock >/dev/null 2>&1; then
    lock="${TMPDIR:-/tmp}/socialdesk-setup-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
    exec 9>"$lock"
    flock 9
fi

# --- 1. System packages ---------------------------------------------------------------
# Qt/QtWebEngine runtime libraries, a virtual X server for headless runs, and a real
# Secret Service (gnome-keyring on a private D-Bus session) for the tests.
APT_PACKAGES=(
    python3 python3-venv python3-pip
    libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libglib2.0-0 libxkbcommon0
    libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 libgssapi-krb5-2
    libxkbfile1
    xvfb xauth
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
    libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
    gnome-keyring dbus dbus-x11
    desktop-file-utils
)

is_installed() {
    # "dpkg -s" alone also succeeds for removed packages whose config files remain.
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed' && return 0
    # Debian 13 renamed some libraries with a t64 suffix (libasound2t64, ...).
    dpkg -s "${1}t64" 2>/dev/null | grep -q '^Status: install ok installed'
}

missing=()
if command -v dpkg >/dev/null 2>&1; then
    for pkg in "${APT_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
else
    log "dpkg not found: not a Debian system, skipping system packages" \
        "(needed: ${APT_PACKAGES[*]})"
fi

if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            # Without a terminal sudo cannot ask for a password: fail instead of hanging.
            if [ -t 0 ]; then SUDO=(sudo); else SUDO=(sudo -n); fi
        else
            SUDO=(none)
        fi
    fi
    if [ "${SUDO[*]-}" = none ]; then
        log "WARNING: missing system packages and neither root nor sudo; install them with:"
        log "  apt-get install --no-install-recommends ${missing[*]}"
        log "continuing; steps that need them will fail"
    else
        log "installing ${#missing[@]} system packages with apt-get (Qt, QtWebEngine, Xvfb, D-Bus, gnome-keyring); this may take a few minutes: ${missing[*]}"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
            || die "apt-get update failed"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" >/dev/null \
            || die "apt-get install failed for: ${missing[*]}"
    fi
fi

# --- 2. Virtual environment -----------------------------------------------------------
python_ok() {  # $1 = interpreter; true when it runs and is Python >= 3.11
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

# Recreate a venv whose interpreter is gone or too old, or that was made for another
# checkout path (its scripts carry absolute "#!" lines and would no longer run).
if [ -e "$VENV" ]; then
    # (pip writes a two-line "#!/bin/sh" launcher instead when the path has spaces)
    if ! python_ok "$VENV/bin/python" \
        || ! head -n2 "$VENV/bin/pip" 2>/dev/null | grep -qF "$VENV/bin/python"; then
        log "existing .venv is broken or was made elsewhere; recreating it"
        rm -rf "$VENV"
    fi
fi

if [ ! -e "$VENV" ]; then
    PY=""
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            PY="$candidate"
            break
        fi
    done
    [ -n "$PY" ] || die "no Python >= 3.11 found (set PYTHON=/path/to/python3.11)"
    log "creating .venv with $("$PY" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$PY" -m venv "$VENV" || die "could not create .venv (is python3-venv installed?)"
fi

# --- 3. Project install (skipped while pyproject.toml is unchanged) ----------------------
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

log "installing socialdesk and its Python dependencies into .venv with pip (PySide6 with QtWebEngine is ~600 MB: a first run takes a few minutes; later runs skip this while pyproject.toml is unchanged)"
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install -qq --progress-bar off -e ".[test]" \
    || die "pip install -e \".[test]\" failed (see the messages above)"

# An editable install of a tree without socialdesk/__init__.py "succeeds" but maps no
# package; check before stamping so the next run installs again instead of skipping.
"$VENV/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("socialdesk") is None)' \
    || die "socialdesk is not importable after the install (is socialdesk/__init__.py there?)"

printf '%s\n' "$want" >"$STAMP"
log "done"
