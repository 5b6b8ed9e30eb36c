#!/usr/bin/env bash
# Compile the translation catalogues (resources/i18n/*.ts, edited by hand or in Qt Linguist) into the .qm
# files the app loads. Run after changing a .ts file, and commit both; tests/test_wording.py checks that
# every plural() source in the windows has its forms and that the .qm matches its .ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LRELEASE="$ROOT/.venv/bin/pyside6-lrelease"
for ts in "$ROOT"/resources/i18n/*.ts; do
    "$LRELEASE" -silent "$ts" -qm "${ts%.ts}.qm"
done
