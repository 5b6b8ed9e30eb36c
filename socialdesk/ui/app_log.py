"""The application's log file, and keeping native noise out of the user's terminal.

QtWebEngine's Chromium (sign-in) and Qt's platform plugins write GPU, Vulkan and D-Bus complaints
straight to file descriptor 2 — from C++ and from Chromium's child processes, where no Python handler
can see them. When the GUI starts, ``install`` points descriptor 2 at the log file (the child processes
inherit it) and gives Python's ``sys.stderr`` a private copy of the terminal, so that SocialDesk's own
messages (warnings, an error it cannot handle) still reach the terminal while the noise goes to the log.
Qt's messages are routed into Python logging, so the log has them with a time and a level (and, like
the native noise, they stay out of the terminal).

The log lives in the user's log folder (platformdirs): ``~/.local/state/SocialDesk/log/socialdesk.log``
on Linux, rotated at 2 MB (three old files kept). Secrets are scrubbed from every record
(``services.redact``) before any handler sees it. ``socialdesk --verbose`` leaves descriptor 2 alone.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

LOG_NAME = "socialdesk.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_qt_log = logging.getLogger("socialdesk.qt")
#: The file ``install`` writes to (None before, or when it could not start one).
_current: Path | None = None


def current_path() -> Path | None:
    """The log file this process writes, if ``install`` started one."""
    return _current


def log_path() -> Path:
    """Where the log file is (also shown by Help ▸ Open the log)."""
    from platformdirs import user_log_path

    return user_log_path("SocialDesk", appauthor=False) / LOG_NAME


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = getattr(context, "category", None) or "qt"
    _qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "[%s] %s", category, message)


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file. A record that cannot be written (the file closed while the app quits and a worker
    still logs, the disk full) is dropped: the log must never print tracebacks into the user's terminal."""

    def handleError(self, record: logging.LogRecord) -> None:
        return None


def install(*, verbose: bool = False, path: Path | None = None) -> Path | None:
    """Start the log file; unless ``verbose``, send native stderr there. Returns the log's path, or None
    when the log folder cannot be written (then nothing is redirected and the terminal keeps everything)."""
    path = path or log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        logging.getLogger("socialdesk").warning("No log file (%s): messages stay in the terminal", exc)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        # The terminal handler keeps its own (higher) level; the file wants INFO and up.
        for existing in root.handlers:
            if existing is not handler and existing.level == logging.NOTSET:
                existing.setLevel(root.level or logging.WARNING)
        root.setLevel(logging.INFO)
    # Qt's own messages (plugin and GPU complaints) belong in the log, not the terminal, unless verbose.
    if not verbose:
        _qt_log.addHandler(handler)
        _qt_log.propagate = False
    qInstallMessageHandler(_qt_message)
    if not verbose:
        _send_native_stderr_to(path)
    global _current
    _current = path
    logging.getLogger("socialdesk").info("SocialDesk started; log file %s", path)
    return path


def _send_native_stderr_to(path: Path) -> None:
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
        target = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError:
        return
    os.dup2(target, 2)
    os.close(target)
    raw = os.fdopen(terminal, "wb", buffering=0)
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", line_buffering=True)
    old = sys.stderr
    sys.stderr = stream
    # Handlers made before this point (logging.basicConfig's) still hold the old object, whose descriptor
    # is now the log file: point them at the terminal copy.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is old:
            handler.setStream(stream)
