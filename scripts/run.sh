#!/usr/bin/env bash
# Start SocialDesk: ensure the setup is current, then run the app with the given arguments.
#   scripts/run.sh [ARGS...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"

# QtWebEngine's Chromium refuses to start its sandbox as root.
if [ "$(id -u)" -eq 0 ]; then
    export QTWEBENGINE_DISABLE_SANDBOX=1
fi

APP="$ROOT/.venv/bin/socialdesk"

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${PYTHON_KEYRING_BACKEND:-}" ]; then
    # No session bus, so no Secret Service (GNOME Keyring, KWallet): the app says so once in its
    # window and keeps sign-in tokens for this session only. README.md, "Tokens and the keyring",
    # shows how to start a keyring for a headless machine.
    echo "run.sh: no D-Bus session bus, so no keyring: sign-in tokens will last only until SocialDesk" \
        "closes. To keep them, start SocialDesk from a desktop session, or see README.md" \
        "(\"Tokens and the keyring\") for a headless machine." >&2
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    # No screen to draw on (SSH session, container, CI): start it anyway on Xvfb so it
    # can be checked to start, but nobody will see the window.
    echo "run.sh: no DISPLAY or WAYLAND_DISPLAY is set; running SocialDesk on a virtual screen" \
        "(xvfb-run), so its window is not visible. Stop it with Ctrl+C." >&2
    exec xvfb-run -a -s "-screen 0 1920x1080x24" "$APP" "$@"
fi

exec "$APP" "$@"
