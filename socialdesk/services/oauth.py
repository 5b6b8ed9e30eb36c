"""OAuth 2.0 sign-in, refresh, revocation and API calls (requests-oauthlib; no Qt).

How the sign-in dialog uses it::

    service = OAuthService(load_providers(data_dir), TokenStore(workspace.workspace_id))
    request = service.begin("facebook", [ConnectionType.PUBLISHING])
    # show request.url; when a navigation starts with request.redirect_prefix, stop it and:
    tokens = service.complete(request, redirected_url)          # -> TokenSet
    found = discovery.discover(service, "facebook", tokens)     # accounts it can manage
    discovery.record_sign_in(workspace, service.tokens, ...)    # grants for the chosen profiles

Every sign-in uses PKCE (S256) and a single-use ``state``: an answer whose state differs, or that
comes a second time, is refused. Every network call has a time-out (:data:`DEFAULT_TIMEOUT`).

Failures are classified, because a health check must never take a network fault for an expiry:

* :class:`AuthorizationFailed` — the platform rejected the token or grant (``invalid_grant``, HTTP
  401, Facebook error 190, ... per platform, see ``providers.ErrorRules``): the grant is expired;
* :class:`TransientError` — time-out, refused connection, DNS failure, no network, 5xx, 429:
  nothing changes, try again later;
* :class:`ProviderError` — any other unexpected answer (a misconfigured client, a broken server):
  nothing changes either, and the message says what the platform answered;
* :class:`SignInError` (and :class:`StateMismatchError`) — the sign-in answer cannot be used;
* :class:`NotConfiguredError` — no client id for the platform yet.

``http://`` is accepted only for providers on a loopback host (``providers.check_transport``, checked
when ``providers.toml`` is read and again before each call). oauthlib's own blanket refusal of http
(``InsecureTransportError``) is lifted, through its documented ``OAUTHLIB_INSECURE_TRANSPORT``
switch, only while a call to such a loopback provider runs; every real provider stays https-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from oauthlib.oauth2.rfc6749.clients.base import Client as OAuthlibClient
from requests_oauthlib import OAuth2Session

from socialdesk.models.catalogue import ConnectionType
from socialdesk.services import http, redact
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.providers import (
    Provider,
    ProviderCatalogue,
    RedirectError,
    check_transport,
    dig,
    port_is_free,
)
from socialdesk.services.tokens import TokenSet, TokenStore

log = logging.getLogger(__name__)

#: (connect, read) seconds for each socket operation of a call to a platform.
DEFAULT_TIMEOUT: tuple[float, float] = http.DEFAULT_TIMEOUT
#: Seconds for a whole call (connect, send, the full answer): a dripping server cannot hold it.
DEFAULT_DEADLINE: float = http.DEFAULT_DEADLINE
#: A sign-in not completed within this time must be started again.
SIGN_IN_LIFETIME = timedelta(minutes=30)
USER_AGENT = http.USER_AGENT


# -- errors --------------------------------------------------------------------------------------


class OAuthError(SocialDeskError):
    """A platform call failed; ``str()`` is a user-facing message (never a secret)."""

    def __init__(
        self, message: str, *, platform: str = "", status: int | None = None, detail: str = ""
    ) -> None:
        super().__init__(redact.scrub(message))
        self.platform = platform
        self.status = status
        self.detail = redact.scrub(detail)


class AuthorizationFailed(OAuthError):
    """The platform rejected the token or grant: the grant has expired and needs a new sign-in."""


class TransientError(OAuthError):
    """The platform could not be reached or answered with a temporary failure: try again later."""


class ProviderError(OAuthError):
    """An unexpected answer that is neither a rejection of the token nor a temporary failure."""


class SignInError(OAuthError):
    """The answer of a sign-in cannot be used (denied, incomplete, expired)."""


class StateMismatchError(SignInError):
    """The answer does not belong to this sign-in, or was already used: refused."""


class NotConfiguredError(OAuthError):
    """The platform's app is not set up (no client id, a required secret missing, no usable redirect).

    Raised before any sign-in window opens; the message says exactly where to enter what is missing
    (Settings ▸ Sign-in), ``settings_page`` is True so the UI offers a button to go there.
    """

    settings_page = True


class MissingSecretError(NotConfiguredError):
    """The platform requires a client secret for the code exchange and none is in the keyring."""


class PortBusyError(SignInError):
    """The fixed loopback port the app is registered with is taken by another program."""


class PermissionsDeclined(SignInError):
    """The person declined permissions the connection needs; ``missing`` names them."""

    def __init__(self, message: str, *, platform: str = "", missing: tuple[str, ...] = ()) -> None:
        super().__init__(message, platform=platform)
        self.missing = missing


# -- classification ------------------------------------------------------------------------------


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_facts(body: Any) -> tuple[set[str], set[int], str]:
    """Error code strings, numeric codes and description text in any of the platforms' error shapes."""
    codes: set[str] = set()
    numbers: set[int] = set()
    texts: list[str] = []
    if not isinstance(body, Mapping):
        return codes, numbers, ""
    candidates: list[Mapping[str, Any]] = [body]
    for key in ("error", "errors"):
        inner = body.get(key)
        if isinstance(inner, Mapping):
            candidates.append(inner)
        elif isinstance(inner, list):
            candidates.extend(i for i in inner if isinstance(i, Mapping))
    for item in candidates:
        for key in ("error", "code", "type", "status", "serviceErrorCode", "error_subcode"):
            value = item.get(key)
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                numbers.add(value)
            elif isinstance(value, str):
                if value.isdigit():
                    numbers.add(int(value))
                else:
                    codes.add(value)
        for key in ("error_description", "message", "detail", "title"):
            value = item.get(key)
            if isinstance(value, str):
                texts.append(value)
    return codes, numbers, " ".join(texts)


def _error_in_success(body: Any) -> bool:
    """Some platforms answer errors with HTTP 200; TikTok sends ``"error": {"code": "ok"}`` on success."""
    if not isinstance(body, Mapping) or "access_token" in body:
        return False
    error = body.get("error")
    if isinstance(error, Mapping):
        return str(error.get("code", "")).lower() not in ("ok", "0", "")
    return bool(error)


def classify_response(
    provider: Provider, response: requests.Response, *, token_endpoint: bool = False
) -> OAuthError | None:
    """The error an answer means (``None``: success). ``token_endpoint``: a 401 there is about the app."""
    status = response.status_code
    body = _json(response)
    codes, numbers, description = _error_facts(body)
    label = provider.label
    rules = provider.errors
    has_error = status >= 400 or _error_in_success(body)
    if not has_error:
        return None
    detail = (
        f"HTTP {status}"
        + (f": {', '.join(sorted(codes))}" if codes else "")
        + (f" {description[:200]}" if description else "")
    )
    if status >= 500 or status == 429 or numbers & rules.transient_numbers:
        return TransientError(
            f"{label} is temporarily unavailable (HTTP {status}); the check will be retried later.",
            platform=provider.platform,
            status=status,
            detail=detail,
        )
    if "invalid_client" in codes or "unauthorized_client" in codes:
        return ProviderError(
            f"{label} refused SocialDesk's app credentials (client id or secret); check them in Settings ▸ "
            "Sign-in.",
            platform=provider.platform,
            status=status,
            detail=detail,
        )
    lowered = description.lower()
    rejected = (
        bool(codes & rules.codes)
        or bool(numbers & rules.numbers)
        or any(p in lowered for p in rules.phrases)
        or (status == 401 and not token_endpoint)
    )
    if rejected:
        return AuthorizationFailed(
            f"{label} no longer accepts this sign-in (the password may have changed, the app been removed or "
            "the access been withdrawn); connect again.",
            platform=provider.platform,
            status=status,
            detail=detail,
        )
    return ProviderError(
        f"{label} answered with an error (HTTP {status}{': ' + ', '.join(sorted(codes)) if codes else ''}); "
        "nothing was changed.",
        platform=provider.platform,
        status=status,
        detail=detail,
    )


def _transport_error(provider: Provider, exc: requests.RequestException) -> OAuthError:
    if isinstance(exc, http.UnsafeURLError):
        return ProviderError(
            f"The {provider.label} address {exc}; fix it in providers.toml.",
            platform=provider.platform,
            detail="UnsafeURLError",
        )
    if isinstance(exc, http.DeadlineExceeded):
        why = "did not send a complete answer in time (the call was cut off)"
    elif isinstance(exc, requests.Timeout):
        why = "did not answer in time"
    elif isinstance(exc, requests.ConnectionError):
        text = str(exc).lower()
        if "name or service not known" in text or "nodename nor servname" in text or "resolution" in text:
            why = "cannot be found (no network or DNS failure)"
        elif "refused" in text:
            why = "refused the connection"
        else:
            why = "cannot be reached (no network?)"
    else:
        why = f"cannot be reached ({type(exc).__name__})"
    return TransientError(
        f"{provider.label} {why}; nothing was changed and it will be tried again later.",
        platform=provider.platform,
        detail=type(exc).__name__,
    )


# -- oauthlib and http:// on loopback -------------------------------------------------------------

_insecure_lock = threading.Lock()
_insecure_users = 0
_insecure_was_set = False


@contextlib.contextmanager
def _transport_allowed(provider: Provider, *urls: str) -> Iterator[None]:
    """Check our transport rule for ``urls``; let oauthlib accept http only for a loopback provider."""
    global _insecure_users, _insecure_was_set
    for url in urls:
        if (reason := check_transport(url)) is not None:
            raise ProviderError(
                f"The {provider.label} address {url.split('?')[0]} {reason}; fix it in providers.toml.",
                platform=provider.platform,
            )
    needs = any(urlsplit(u).scheme == "http" for u in urls)
    if not needs:
        yield
        return
    with _insecure_lock:
        if _insecure_users == 0:
            _insecure_was_set = "OAUTHLIB_INSECURE_TRANSPORT" in os.environ
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        _insecure_users += 1
    try:
        yield
    finally:
        with _insecure_lock:
            _insecure_users -= 1
            if _insecure_users == 0 and not _insecure_was_set:
                os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)


@contextlib.contextmanager
def _token_endpoint(provider: Provider, session: OAuth2Session, what: str, end: str) -> Iterator[None]:
    """A call to the token endpoint: our transport rule, failures classified, the session closed."""
    try:
        with _transport_allowed(provider, provider.token_url):
            yield
    except OAuthError:
        raise
    except requests.RequestException as exc:
        raise _transport_error(provider, exc) from None
    except (OAuth2Error, ValueError, KeyError, Warning) as exc:
        raise ProviderError(
            f"{provider.label} answered the {what} in a way SocialDesk does not understand "
            f"({type(exc).__name__}){end}",
            platform=provider.platform,
        ) from None
    finally:
        session.close()


# -- sign-in requests ----------------------------------------------------------------------------


@dataclass(slots=True)
class AuthorizationRequest:
    """One sign-in in progress. Keep it until the redirect arrives, then pass it to ``complete``."""

    platform: str
    types: tuple[ConnectionType, ...]
    url: str
    redirect_uri: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    scopes: tuple[str, ...]
    browser: str
    created_at: datetime
    #: The kind whose own app signs in (LinkedIn ``organization_page``); None: the platform's app.
    kind: str | None = None

    @property
    def redirect_prefix(self) -> str:
        """A navigation to a URL starting with this is the sign-in's answer (stop it, call ``complete``)."""
        return self.redirect_uri.split("?", 1)[0]

    def is_redirect(self, url: str) -> bool:
        return url.startswith(self.redirect_prefix)


def _expires_at(token: Mapping[str, Any]) -> datetime | None:
    if token.get("expires_at"):
        try:
            return datetime.fromtimestamp(float(token["expires_at"]), UTC).replace(tzinfo=None, microsecond=0)
        except (TypeError, ValueError, OverflowError):
            pass
    if token.get("expires_in"):
        try:
            return utcnow() + timedelta(seconds=int(float(token["expires_in"])))
        except (TypeError, ValueError, OverflowError):
            pass
    return None


def token_set(token: Mapping[str, Any], *, previous: TokenSet | None = None) -> TokenSet:
    """A :class:`TokenSet` from a token endpoint answer; a missing refresh token keeps ``previous``'s."""
    scope = token.get("scope")
    if isinstance(scope, str):
        scopes = tuple(s for s in scope.replace(",", " ").split() if s)
    elif isinstance(scope, list):
        scopes = tuple(str(s) for s in scope)
    else:
        scopes = previous.scopes if previous is not None else ()
    refresh = token.get("refresh_token") or (previous.refresh_token if previous is not None else None)
    result = TokenSet(
        access_token=str(token["access_token"]),
        refresh_token=refresh or None,
        expires_at=_expires_at(token),
        token_type=str(token.get("token_type") or "Bearer"),
        scopes=scopes,
        id_token=token.get("id_token"),
    )
    redact.remember(*result.secrets)
    return result


class _OAuth2Session(http.DeadlineMixin, OAuth2Session):  # type: ignore[misc]
    """requests-oauthlib's session with a total deadline and the URL checks of ``services.http``."""

    def __init__(self, *args: Any, deadline: float = DEFAULT_DEADLINE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.headers["User-Agent"] = USER_AGENT
        http.mount(self)


def pkce_pair(method: str) -> tuple[str, str]:
    """(verifier, challenge) for ``S256`` (base64url, RFC 7636) or ``S256-hex`` (TikTok desktop)."""
    client = OAuthlibClient("pkce")
    verifier = client.create_code_verifier(64)
    if method == "S256-hex":
        return verifier, hashlib.sha256(verifier.encode("ascii")).hexdigest()
    return verifier, client.create_code_challenge(verifier, "S256")


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _from_timestamp(value: Any) -> datetime | None:
    """A Graph timestamp (seconds; 0 means "never") as naive UTC."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


class OAuthService:
    """Sign-in, refresh, revocation and authenticated GETs for one workspace's providers.

    Thread-safe: the health check calls ``refresh`` and ``get_json`` from worker threads. Every call
    goes through ``services.http`` (a total deadline, URLs checked as they are connected).
    """

    def __init__(
        self,
        catalogue: ProviderCatalogue,
        tokens: TokenStore,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        redact.install()
        self.catalogue = catalogue
        self.tokens = tokens
        self.timeout = timeout
        self.deadline = deadline
        self._pending: dict[str, AuthorizationRequest] = {}
        self._pending_lock = threading.Lock()
        self._local = threading.local()
        self._refresh_locks: dict[str, threading.Lock] = {}
        self._refresh_locks_guard = threading.Lock()
        #: Client secrets read once per service (one sign-in flow): a keyring read is a D-Bus call of
        #: ~16 ms, and Connect's check and the sign-in's start each read it on the GUI thread.
        self._secrets: dict[str, str] = {}

    def provider(self, platform: str, kind: str | None = None) -> Provider:
        return self.catalogue.get(platform, kind)

    def _provider_of(self, platform: str, tokens: TokenSet) -> Provider:
        return self.catalogue.get(platform, tokens.app_kind)

    def _http(self) -> http.DeadlineSession:
        """One connection pool per thread (requests sessions are not thread-safe)."""
        session: http.DeadlineSession | None = getattr(self._local, "session", None)
        if session is None:
            session = http.DeadlineSession(deadline=self.deadline)
            self._local.session = session
        return session

    def _session(self, provider: Provider, **kwargs: Any) -> _OAuth2Session:
        return _OAuth2Session(deadline=self.deadline, **kwargs)

    # -- before any window opens -----------------------------------------------------------------

    def _client_id(self, provider: Provider) -> str:
        if not provider.client_id:
            raise NotConfiguredError(
                f"{provider.app_label} has no client id yet: register an app with {provider.label} "
                f"({provider.docs_url}) and enter its client id in Settings ▸ Sign-in.",
                platform=provider.platform,
            )
        return provider.client_id

    def _secret(self, provider: Provider) -> str | None:
        secret = self._secrets.get(provider.secret_key)
        if secret is not None:
            return secret
        secret = self.tokens.client_secret(provider.secret_key)
        if not secret:
            return None  # not kept: entered in Settings meanwhile, it is read the next time
        redact.remember(secret)
        self._secrets[provider.secret_key] = secret
        return secret

    def preflight(self, platform: str, *, kind: str | None = None, browser: str | None = None) -> Provider:
        """Everything a sign-in needs that can be checked without a window: raises with what to do.

        No client id, a required client secret missing from the keyring, a redirect URI that cannot
        be used (no port where the platform matches it exactly, no https URL for Snapchat), the system
        browser where only an https redirect works, or the fixed loopback port taken by another
        program (system browser: its listener needs that port).
        """
        provider = self.provider(platform, kind)
        self._client_id(provider)
        if provider.secret_required and not self._secret(provider):
            raise MissingSecretError(
                f"{provider.app_label} needs its app's client secret for the sign-in: enter it in Settings ▸ "
                f"Sign-in (or run: socialdesk providers set-secret {provider.platform}"
                f"{' --kind ' + provider.kind if provider.kind else ''}).",
                platform=provider.platform,
            )
        try:
            redirect_uri = provider.sign_in_redirect_uri()
        except RedirectError as exc:
            raise NotConfiguredError(str(exc), platform=provider.platform) from None
        chosen = browser or provider.browser
        if chosen not in provider.browsers:
            raise NotConfiguredError(
                f"{provider.app_label} answers only at an https address, which only SocialDesk's own "
                "sign-in window can read: choose the embedded browser in Settings ▸ Sign-in.",
                platform=provider.platform,
            )
        parts = urlsplit(redirect_uri)
        if chosen == "system" and parts.scheme == "http" and provider.redirect_mode == "fixed_loopback":
            host = parts.hostname or "127.0.0.1"
            if parts.port is not None and not port_is_free(host, parts.port):
                raise PortBusyError(
                    f"Port {parts.port} on this computer is in use by another program, so the "
                    f"{provider.app_label} sign-in cannot receive its answer at {redirect_uri}. Close the "
                    f"program using port {parts.port} and try again, or register another port with "
                    f"{provider.label} and enter the new redirect URI in Settings ▸ Sign-in.",
                    platform=provider.platform,
                )
        return provider

    # -- client authentication at the token endpoint --------------------------------------------

    def _client_auth(self, provider: Provider) -> tuple[dict[str, str], requests.auth.AuthBase | None]:
        """(body fields, auth) by which this client authenticates: its id, and its secret per the rules."""
        client_id = self._client_id(provider)
        secret = self._secret(provider)
        if secret and provider.client_auth == "basic":
            return {}, requests.auth.HTTPBasicAuth(client_id, secret)
        body = {provider.client_id_param: client_id}
        if secret:
            body["client_secret"] = secret
        return body, None

    def _hook(self, provider: Provider) -> Any:
        def check(response: requests.Response) -> requests.Response:
            error = classify_response(provider, response, token_endpoint=True)
            if error is not None:
                raise error
            return response

        return check

    def _token_call(self, provider: Provider, fields: dict[str, str], what: str) -> dict[str, Any]:
        """POST the token endpoint (form body), the client authenticated per the platform's rules."""
        body, auth = self._client_auth(provider)
        session = self._session(provider)
        with _token_endpoint(provider, session, what, "; try again."):
            response = session.post(
                provider.token_url,
                data={**fields, **body},
                auth=auth,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
            error = classify_response(provider, response, token_endpoint=True)
            if error is not None:
                raise error
            token = _json(response)
        if not isinstance(token, Mapping):
            raise ProviderError(f"{provider.label} answered the {what} with something that is not JSON.")
        # TikTok nests nothing, some servers nest under "data": accept both shapes.
        inner = token.get("data") if "access_token" not in token else None
        result = dict(inner if isinstance(inner, Mapping) else token)
        if not result.get("access_token"):
            raise ProviderError(f"{provider.label} returned no access token.", platform=provider.platform)
        return result

    # -- sign-in --------------------------------------------------------------------------------

    def begin(
        self, platform: str, types: Iterable[ConnectionType | str], *, kind: str | None = None
    ) -> AuthorizationRequest:
        """Start a sign-in for ``types``: the URL to open, the redirect to wait for, the PKCE secret.

        :meth:`preflight` runs first: nothing starts when the app is not set up.
        """
        provider = self.preflight(platform, kind=kind)
        ctypes = tuple(ConnectionType(t) for t in types)
        if not ctypes:
            raise SignInError("Choose at least one connection type to sign in for.", platform=platform)
        scopes = provider.scopes_for(ctypes)
        client_id = self._client_id(provider)
        redirect_uri = provider.sign_in_redirect_uri()
        state = secrets.token_urlsafe(32)
        params: dict[str, str] = {
            "response_type": "code",
            provider.client_id_param: client_id,
            "redirect_uri": redirect_uri,
            "scope": provider.scope_separator.join(scopes),
            "state": state,
            **provider.authorize_params,
        }
        verifier = ""
        if provider.pkce != "none":
            verifier, challenge = pkce_pair(provider.pkce)
            redact.remember(verifier)
            params["code_challenge"] = challenge
            params["code_challenge_method"] = "S256"
        with _transport_allowed(provider, provider.authorize_url):
            url = _with_query(provider.authorize_url, params)
        request = AuthorizationRequest(
            platform=platform,
            types=ctypes,
            url=url,
            redirect_uri=redirect_uri,
            state=state,
            code_verifier=verifier,
            scopes=tuple(scopes),
            browser=provider.browser,
            created_at=utcnow(),
            kind=provider.kind,
        )
        with self._pending_lock:
            self._pending[state] = request
        return request

    def cancel(self, request: AuthorizationRequest) -> None:
        """Forget a sign-in the user closed; its answer, if it still comes, is refused."""
        with self._pending_lock:
            self._pending.pop(request.state, None)

    def complete(self, request: AuthorizationRequest, redirect_url: str) -> TokenSet:
        """Exchange the answer of ``request`` (the redirect URL with ``code`` and ``state``) for tokens.

        Refuses an answer whose state differs from the request's, one that was already used, and
        one for a sign-in older than :data:`SIGN_IN_LIFETIME`. Then the platform's lifecycle: Meta's
        long-lived exchange, and the granted permissions read back (declined ones → refused).
        """
        provider = self.provider(request.platform, request.kind)
        if not request.is_redirect(redirect_url):
            raise SignInError(
                f"The {provider.label} sign-in ended at an unexpected address; try again.",
                platform=request.platform,
            )
        query = parse_qs(urlsplit(redirect_url).query)
        got_state = (query.get("state") or [""])[0]
        if not got_state or not secrets.compare_digest(got_state, request.state):
            raise StateMismatchError(
                f"The {provider.label} sign-in answer does not belong to this sign-in and was refused; "
                "start the sign-in again.",
                platform=request.platform,
            )
        with self._pending_lock:
            pending = self._pending.pop(request.state, None)
        if pending is not request:
            raise StateMismatchError(
                f"This {provider.label} sign-in answer was already used (or the sign-in was cancelled) and "
                "was refused; start the sign-in again.",
                platform=request.platform,
            )
        if "error" in query:
            error = query["error"][0]
            if error == "access_denied":
                raise SignInError(
                    f"The sign-in to {provider.label} was cancelled or permission was not given.",
                    platform=request.platform,
                )
            raise SignInError(
                f"{provider.label} refused the sign-in ({error}); try again or check the app settings.",
                platform=request.platform,
            )
        code = (query.get("code") or [""])[0]
        if not code:
            raise SignInError(
                f"The {provider.label} sign-in answer has no authorization code; try again.",
                platform=request.platform,
            )
        if utcnow() - request.created_at > SIGN_IN_LIFETIME:
            raise SignInError(
                f"The {provider.label} sign-in took too long and expired; start it again.",
                platform=request.platform,
            )
        redact.remember(code)
        fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": request.redirect_uri}
        if request.code_verifier:
            fields["code_verifier"] = request.code_verifier
        tokens = token_set(self._token_call(provider, fields, "sign-in"))
        tokens = replace(tokens, app_kind=provider.kind)
        if provider.long_lived:
            tokens = self._long_lived(provider, tokens)
        if provider.permissions_path:
            tokens = self._permissions(provider, tokens, request.scopes)
        if provider.health == "debug_token":
            tokens = self.check(request.platform, tokens) or tokens
        return tokens

    def _long_lived(self, provider: Provider, tokens: TokenSet) -> TokenSet:
        """Meta: the code's short-lived (hours) user token exchanged for a ~60-day one."""
        body, _auth = self._client_auth(provider)
        token = self._get_token_json(
            provider,
            {"grant_type": "fb_exchange_token", "fb_exchange_token": tokens.access_token, **body},
            "long-lived token exchange",
        )
        return replace(token_set(token, previous=tokens), app_kind=tokens.app_kind)

    def _get_token_json(self, provider: Provider, params: dict[str, str], what: str) -> dict[str, Any]:
        """GET on the token endpoint (Graph's ``fb_exchange_token`` is a GET with the query)."""
        with _transport_allowed(provider, provider.token_url):
            try:
                response = self._http().get(
                    _with_query(provider.token_url, params),
                    timeout=self.timeout,
                    headers={"Accept": "application/json"},
                )
            except requests.RequestException as exc:
                raise _transport_error(provider, exc) from None
        error = classify_response(provider, response, token_endpoint=True)
        if error is not None:
            raise error
        body = _json(response)
        if not isinstance(body, Mapping) or not body.get("access_token"):
            raise ProviderError(
                f"{provider.label} answered the {what} without a token.", platform=provider.platform
            )
        return dict(body)

    def _permissions(self, provider: Provider, tokens: TokenSet, requested: tuple[str, ...]) -> TokenSet:
        """The permissions the person really granted (``/me/permissions``); a declined one the connection
        needs → refused; a declined optional one (``Provider.optional_scopes``) is left out of the grant's
        scopes, and what needs it says so later."""
        granted: list[str] = []
        declined: list[str] = []
        for item in self.get_all(
            provider.platform, provider.api_url(provider.permissions_path), tokens, "data"
        ):
            name, status = str(item.get("permission", "")), str(item.get("status", ""))
            (granted if status == "granted" else declined).append(name)
        missing = tuple(p for p in requested if p not in granted and p not in provider.optional_scopes)
        if missing:
            raise PermissionsDeclined(
                f"The {provider.label} sign-in was not connected: these permissions were not given: "
                f"{', '.join(missing)}. Nothing was changed; sign in again and leave them ticked.",
                platform=provider.platform,
                missing=missing,
            )
        return replace(tokens, scopes=tuple(granted))

    # -- refresh and revoke ---------------------------------------------------------------------

    def refresh(self, platform: str, tokens: TokenSet) -> TokenSet:
        """New tokens from the refresh token; a refresh answer without a refresh token keeps the old one.

        Raises :class:`AuthorizationFailed` when the platform refuses the refresh token (the grant
        expired), :class:`TransientError` when it cannot be reached. Use :meth:`refresh_stored` for
        tokens kept in the keyring: it serialises refreshes of one grant and saves the rotated token.
        """
        provider = self._provider_of(platform, tokens)
        if not tokens.refresh_token:
            raise AuthorizationFailed(
                f"The {provider.label} access token has expired and there is no refresh token; "
                "connect again.",
                platform=platform,
            )
        token = self._token_call(
            provider, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}, "refresh"
        )
        return replace(
            token_set(token, previous=tokens),
            app_kind=tokens.app_kind,
            page_tokens=dict(tokens.page_tokens),
            data_access_expires_at=tokens.data_access_expires_at,
        )

    def _refresh_lock(self, ref: str) -> threading.Lock:
        with self._refresh_locks_guard:
            return self._refresh_locks.setdefault(ref, threading.Lock())

    def refresh_stored(self, platform: str, ref: str, tokens: TokenSet) -> TokenSet:
        """Refresh the tokens kept under ``ref``: one refresh per grant at a time, saved before use.

        A rotating refresh token may be used once: two callers refreshing together would send the
        same one twice and the platform would revoke the grant. The second caller waits, finds the
        rotated tokens already in the keyring and uses them without another refresh.
        """
        with self._refresh_lock(ref):
            current = self.tokens.load(ref) or tokens
            if current.refresh_token != tokens.refresh_token or current.access_token != tokens.access_token:
                return current  # another caller refreshed meanwhile
            new = self.refresh(platform, current)
            self.tokens.save(ref, new)
            return new

    def revoke(self, platform: str, tokens: TokenSet) -> bool:
        """Withdraw the tokens at the platform (RFC 7009). False: the platform has no revocation endpoint."""
        provider = self._provider_of(platform, tokens)
        if not provider.revoke_url:
            return False
        done = False
        for value, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
            if not value:
                continue
            body, auth = self._client_auth(provider)
            data = {"token": value, "token_type_hint": hint, **body}
            with _transport_allowed(provider, provider.revoke_url):
                try:
                    response = self._http().post(
                        provider.revoke_url, data=data, auth=auth, timeout=self.timeout
                    )
                except requests.RequestException as exc:
                    raise _transport_error(provider, exc) from None
            error = classify_response(provider, response, token_endpoint=True)
            if error is not None and not isinstance(error, AuthorizationFailed):
                raise error
            done = True
        return done

    # -- API calls ------------------------------------------------------------------------------

    def get_json(self, platform: str, url: str, tokens: TokenSet, *, access_token: str | None = None) -> Any:
        """GET ``url`` with the access token (and the platform's API headers); JSON or an ``OAuthError``."""
        provider = self._provider_of(platform, tokens)
        headers = {
            "Authorization": f"Bearer {access_token or tokens.access_token}",
            "Accept": "application/json",
            **provider.api_get_headers(),
        }
        with _transport_allowed(provider, url):
            try:
                response = self._http().get(url, headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                raise _transport_error(provider, exc) from None
        error = classify_response(provider, response)
        if error is not None:
            raise error
        body = _json(response)
        if body is None:
            raise ProviderError(
                f"{provider.label} answered {url.split('?')[0]} with something that is not JSON.",
                platform=platform,
                status=response.status_code,
            )
        return body

    def pages(self, platform: str, url: str, tokens: TokenSet, items: str) -> Iterator[Any]:
        """Every answer of a list, following the platform's paging rule (at most :data:`MAX_PAGES`)."""
        provider = self._provider_of(platform, tokens)
        start = 0
        for _ in range(MAX_PAGES):
            body = self.get_json(platform, url, tokens)
            yield body
            rule = provider.paging
            following: str | None = None
            if rule == "graph":
                following = dig(body, "paging.next")
            elif rule == "page_token" and (token := dig(body, "nextPageToken")):
                following = _replace_param(url, "pageToken", str(token))
            elif rule == "cursor" and (token := dig(body, "bookmark")):
                following = _replace_param(url, "bookmark", str(token))
            elif rule == "start_count":
                got = dig(body, items)
                count = int(dig(body, "paging.count") or (len(got) if isinstance(got, list) else 0) or 0)
                total = dig(body, "paging.total")
                start += len(got) if isinstance(got, list) else 0
                if isinstance(got, list) and got and (total is None or start < int(total)):
                    following = _replace_param(
                        _replace_param(url, "start", str(start)), "count", str(count or 10)
                    )
            if not following or not isinstance(following, str):
                return
            url = following

    def get_all(self, platform: str, url: str, tokens: TokenSet, items: str) -> list[Any]:
        """The records at ``items`` of every page of a list."""
        out: list[Any] = []
        for body in self.pages(platform, url, tokens, items):
            found = dig(body, items) if items else body
            if isinstance(found, list):
                out.extend(found)
            elif found is not None:
                out.append(found)
        return out

    def debug_token(self, platform: str, tokens: TokenSet) -> Mapping[str, Any]:
        """Meta's ``debug_token`` with the app token (``APP_ID|APP_SECRET``): validity and expiries."""
        provider = self._provider_of(platform, tokens)
        client_id = self._client_id(provider)
        secret = self._secret(provider)
        if not secret:
            raise MissingSecretError(
                f"{provider.label} checks connections with the app's client secret: enter it in Settings ▸ "
                "Sign-in.",
                platform=platform,
            )
        url = _with_query(provider.api_url("debug_token"), {"input_token": tokens.access_token})
        body = self.get_json(platform, url, tokens, access_token=f"{client_id}|{secret}")
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            raise ProviderError(f"{provider.label} answered debug_token without data.", platform=platform)
        if not data.get("is_valid"):
            message = dig(data, "error.message") or "the token is no longer valid"
            raise AuthorizationFailed(
                f"{provider.label} no longer accepts this sign-in ({message}); connect again.",
                platform=platform,
            )
        return data

    def verify(self, platform: str, tokens: TokenSet) -> Any:
        """One cheap authenticated call (userinfo, the platform's "me", Meta's ``debug_token``)."""
        provider = self._provider_of(platform, tokens)
        if provider.health == "debug_token":
            return self.debug_token(platform, tokens)
        return self.get_json(platform, provider.verify_url, tokens)

    def check(self, platform: str, tokens: TokenSet) -> TokenSet | None:
        """The health call: raises when the grant no longer works; the tokens with what it taught.

        Meta: ``debug_token`` gives the current ``expires_at`` and ``data_access_expires_at``; the
        grant's expiry becomes the earlier of the two (so "expiring soon" warns 7 days before data
        access lapses). Returns ``None`` when nothing changed.
        """
        provider = self._provider_of(platform, tokens)
        body = self.verify(platform, tokens)
        if provider.health != "debug_token":
            return None
        expires = _from_timestamp(body.get("expires_at"))
        data_access = _from_timestamp(body.get("data_access_expires_at"))
        effective = min((d for d in (expires, data_access) if d is not None), default=None)
        if effective != tokens.expires_at or data_access != tokens.data_access_expires_at:
            return replace(tokens, expires_at=effective, data_access_expires_at=data_access)
        return None


MAX_PAGES = 200


def _replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qs(parts.query, keep_blank_values=True).items() if k != name]
    flat = [(k, x) for k, vs in query for x in vs] + [(name, value)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(flat, safe="(),{}*:~"), ""))
