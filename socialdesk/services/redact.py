"""Keeping secrets out of logs and messages.

Two nets catch a token on its way to a log line or an error message:

* every secret the app handles (tokens, client secrets, authorization codes, PKCE verifiers) is
  registered with :func:`remember`, and any occurrence of it is replaced by ``[secret]``;
* patterns that look like credentials whatever their value (``access_token=…``, ``"refresh_token":
  "…"``, ``Authorization: Bearer …``, ``client_secret``, ``code=…``) are masked too;
* any run of 8 or more characters of a registered secret is masked as well: a platform that echoes a
  token in its error text may cut it (one was seen cut at 31 of 68 characters), and a cut token no
  longer matches whole;
* token-shaped strings (32 or more letters, digits, ``-`` and ``_`` with both letters and digits; JSON
  Web Tokens) are masked even when SocialDesk never saw them: another grant's token, a platform's own.

Every message from a platform that is stored or shown (push state, a grant's last error,
notifications, logs) goes through :func:`scrub` — :func:`platform_message` for stored ones.

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
    re.compile(r"(?i)(\bAuthorization:\s*OAuth\s+)[A-Za-z0-9\-._~+/=|]+"),
)
#: Token-shaped whatever its origin: long runs of token characters with letters and digits, and JWTs.
_TOKEN_SHAPED = (
    re.compile(r"()\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"),
    re.compile(r"()(?<![A-Za-z0-9_\-])(?=[A-Za-z_\-]*[0-9])(?=[0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{32,}={0,2}"),
)
#: A run of this many characters of a registered secret is masked wherever it appears.
SLICE = 8
_TOKEN_ALPHABET = re.compile(r"^[A-Za-z0-9\-._~+/=|:]+$")
_WORDLIKE = re.compile(r"^(?:[0-9]+|[a-z_.\- ]+)$")

_lock = threading.Lock()
_secrets: set[str] = set()
#: Every SLICE-character piece of every registered secret (rebuilt when the secrets change).
_slices: frozenset[str] | None = None
_installed = False


def remember(*values: str | None) -> None:
    """Register secret values so that they never appear in a log line or a scrubbed message."""
    global _slices
    with _lock:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH and value not in _secrets:
                _secrets.add(value)
                _slices = None


def forget(*values: str | None) -> None:
    global _slices
    with _lock:
        for value in values:
            _secrets.discard(value or "")
        _slices = None


def _known() -> tuple[list[str], frozenset[str]]:
    global _slices
    with _lock:
        if _slices is None:
            # Pieces of digits only, or of lower-case letters only, are left out: they are
            # indistinguishable from ids and ordinary words ("refresh_token"); a real token's pieces
            # mix cases and digits, and the pieces around such a run mask it anyway.
            _slices = frozenset(
                piece
                for secret in _secrets
                if _TOKEN_ALPHABET.match(secret)  # not JSON blobs: their tokens are registered too
                for i in range(len(secret) - SLICE + 1)
                if not _WORDLIKE.match(piece := secret[i : i + SLICE])
            )
        return sorted(_secrets, key=len, reverse=True), _slices


def _mask_pieces(text: str, slices: frozenset[str]) -> str:
    """Mask every run of ``SLICE`` or more characters that is a piece of a registered secret."""
    if not slices or len(text) < SLICE:
        return text
    spans: list[list[int]] = []
    for start in range(len(text) - SLICE + 1):
        if text[start : start + SLICE] in slices:
            if spans and start <= spans[-1][1]:
                spans[-1][1] = start + SLICE
            else:
                spans.append([start, start + SLICE])
    if not spans:
        return text
    out, last = [], 0
    for begin, end in spans:
        out.append(text[last:begin])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def scrub(text: str) -> str:
    """``text`` with every registered secret and every credential-looking value masked."""
    if not text:
        return text
    known, slices = _known()
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _mask_pieces(text, slices)
    for pattern in (*_PATTERNS, *_TOKEN_SHAPED):
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


#: Stored platform messages are cut to this many characters (after scrubbing, never before: a cut
#: could leave a piece of a token that no longer matches).
MAX_PLATFORM_MESSAGE = 300


def platform_message(text: str, *also: str | None) -> str:
    """A platform's message as it may be stored or shown: ``also`` (e.g. the token just sent) and every
    known secret masked, token-shaped strings masked, blanks collapsed, then cut to a sensible length."""
    remember(*also)
    cleaned = scrub(" ".join(text.split()))
    if len(cleaned) > MAX_PLATFORM_MESSAGE:
        cleaned = cleaned[: MAX_PLATFORM_MESSAGE - 1].rstrip() + "…"
    return cleaned


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
