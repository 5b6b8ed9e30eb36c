"""The sign-in window's states and its failures in words: what happened and what to do.

Kept apart from the dialog so the wording can be read (and translated) in one place; no widget here.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from socialdesk.ops.connections import (
    NotConfiguredError,
    ProviderError,
    SignInError,
    SignInRefused,
    StateMismatchError,
    TransientError,
)
from socialdesk.services.errors import SocialDeskError


class SignInState(StrEnum):
    """Where one sign-in is; ``SignInDialog.stateChanged`` sends the value (a ``str``)."""

    NEW = "new"
    BROWSER = "browser"  # the provider's page in the embedded browser
    WAITING = "waiting"  # the system browser has the page; the loopback listener waits
    WORKING = "working"  # code exchange, discovery, saving
    ERROR = "error"  # a failure in words, with "Try again" where it helps
    DONE = "done"
    CANCELLED = "cancelled"


class SignInTimedOut(SocialDeskError):
    pass


class PageLoadFailed(SocialDeskError):
    pass


#: Provider error codes (RFC 6749 §4.1.2.1 and OpenID Connect) in words, with what to do.
PROVIDER_ERRORS: dict[str, tuple[str, str]] = {
    "access_denied": (
        "You did not allow SocialDesk access on {label}. Nothing was changed.",
        "To connect, sign in again and choose Allow on {label}'s consent page.",
    ),
    "invalid_scope": (
        "{label} refused a permission SocialDesk asks for (missing permission). Nothing was changed.",
        "Check the scopes for {label} in providers.toml, or that your {label} app may ask for them.",
    ),
    "unauthorized_client": (
        "{label} does not allow SocialDesk's app to sign in this way. Nothing was changed.",
        "Check the client id in Settings ▸ Sign-in and your app's settings at {label}.",
    ),
    "login_required": (
        "{label} needs you to sign in first. Nothing was changed.",
        "Try again and sign in on {label}'s page.",
    ),
    "consent_required": (
        "{label} needs your consent. Nothing was changed.",
        "Try again and choose Allow on {label}'s consent page.",
    ),
    "server_error": (
        "{label} had a problem on its side. Nothing was changed.",
        "Wait a moment and try again.",
    ),
    "temporarily_unavailable": (
        "{label} is temporarily unavailable. Nothing was changed.",
        "Wait a moment and try again.",
    ),
}


def explain(exc: BaseException, label: str) -> tuple[str, str]:
    """(what happened, what to do) for a failure of a sign-in, in words for the user."""
    if isinstance(exc, SignInRefused):
        return str(exc), exc.advice
    if isinstance(exc, SignInTimedOut | PageLoadFailed):
        return str(exc), ""
    if isinstance(exc, StateMismatchError):
        return str(exc), "Start the sign-in again from SocialDesk."
    if isinstance(exc, TransientError):
        return str(exc), "Check your internet connection, then try again."
    if isinstance(exc, NotConfiguredError):
        return str(exc), "Open Settings ▸ Sign-in to enter it."
    if isinstance(exc, ProviderError):
        return str(exc), f"Check the client id and secret for {label} in Settings ▸ Sign-in."
    if isinstance(exc, SignInError):
        return str(exc), "Try again."
    if isinstance(exc, SocialDeskError):
        return str(exc), "Try again."
    return (
        f"The sign-in to {label} failed unexpectedly ({type(exc).__name__}). Nothing was changed.",
        "Try again; if it keeps failing, the log has the details.",
    )


def provider_error(redirect_url: str, label: str) -> tuple[str, str] | None:
    """The provider's answer ``error=…`` in words, or ``None`` when the answer carries a code."""
    query = parse_qs(urlsplit(redirect_url).query)
    if "error" not in query:
        return None
    code = query["error"][0]
    message, advice = PROVIDER_ERRORS.get(
        code,
        (
            f"{label} refused the sign-in ({code}). Nothing was changed.",
            f"Try again; if it keeps failing, check {label}'s client id and secret in Settings ▸ Sign-in.",
        ),
    )
    return message.format(label=label), advice.format(label=label)


def port_busy(label: str, port: int | None, reason: str, platform: str) -> SignInError:
    """The system browser's answer cannot be received: the redirect's port is taken."""
    return SignInError(
        f"SocialDesk cannot wait for the {label} answer: port {port} on this computer is in "
        f"use ({reason}). Nothing was changed. Close other sign-ins, or remove the "
        "port from the redirect URI in providers.toml so a free one is chosen.",
        platform=platform,
    )
