"""Keeping secrets out of logs and messages.

Two nets catch a token on its way to a log line or an error message:

* every secret the app handles (tokens, client secrets, authorization codes, PKCE verifiers) is
  registered with :func:`remember`, and any occurrence of it is replaced by ``[secret]``;
* patterns that look like credentials whatever their value (``access_token=…``, ``"refresh_token":
  "…"``, ``Authorization: Bearer …``, ``client_secret``, ``code=…``) are masked too.

:func:`install` wraps the logging record factory once per process, so every record from any logger
(ours, requests-oauthlib's debug lines that print token bodies, urllib3's URLs) is scrubbed before
any handler sees it. :func:`scrub` is for text shown to the user.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any

MASK = "[secret]"
#: Shorter strings are not registered: masking them would garble ordinary text.
MIN_SECRET_LENGTH = 8

_KEY_NAMES = r"(?:access_token|refresh_token|id_token|client_secret|code_verifier|code|token|password|secret)"
_PATTERNS = (
    # key=value in URLs and form bodies
    re.compile(rf"(?i)(\b{_KEY_NAMES}=)[^&\s'\"]+"),
    # "key": "value" in JSON and repr()s of dicts
    re.compile(rf"(?i)(['\"]{_KEY_NAMES}['\"]\s*:\s*['\"])[^'\"]+"),
    # HTTP authorisation headers
    re.compile(r"(?i)(\b(?:Bearer|Basic)\s+)[A-Za-z0-9\-._~+/=]+"),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def remember(*values: str | None) -> None:
    """Register secret values so that they never appear in a log line or a scrubbed message."""
    with _lock:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                _secrets.add(value)


def forget(*values: str | None) -> None:
    with _lock:
        for value in values:
            _secrets.discard(value or "")


def scrub(text: str) -> str:
    """``text`` with every registered secret and every credential-looking value masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class ScrubFilter(logging.Filter):
    """A logging filter for handlers that were made without the record factory (belt and braces)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub_record(record)
        return True


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave it to logging's own error report
        return
    record.msg = scrub(message)
    record.args = None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)


def install() -> None:
    """Scrub every log record of this process from now on (idempotent, thread-safe)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
