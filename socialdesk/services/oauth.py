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
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from oauthlib.oauth2.rfc6749.clients.base import Client as OAuthlibClient
from requests_oauthlib import OAuth2Session

from socialdesk.models.catalogue import ConnectionType
from socialdesk.services import redact
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.providers import Provider, ProviderCatalogue, check_transport
from socialdesk.services.tokens import TokenSet, TokenStore

log = logging.getLogger(__name__)

#: (connect, read) seconds for every call to a platform.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 20.0)
#: A sign-in not completed within this time must be started again.
SIGN_IN_LIFETIME = timedelta(minutes=30)
USER_AGENT = "SocialDesk/0.1 (+desktop app)"


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
    """The platform has no client id yet."""


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
            f"{label} refused SocialDesk's app credentials (client id or secret); check them in Settings → "
            "Connections.",
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


def _transport_error(provider: Provider, exc: requests.RequestException) -> TransientError:
    if isinstance(exc, requests.Timeout):
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


class OAuthService:
    """Sign-in, refresh, revocation and authenticated GETs for one workspace's providers.

    Thread-safe: the health check calls ``refresh`` and ``get_json`` from worker threads.
    """

    def __init__(
        self,
        catalogue: ProviderCatalogue,
        tokens: TokenStore,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        redact.install()
        self.catalogue = catalogue
        self.tokens = tokens
        self.timeout = timeout
        self._pending: dict[str, AuthorizationRequest] = {}
        self._pending_lock = threading.Lock()
        self._local = threading.local()

    def provider(self, platform: str) -> Provider:
        return self.catalogue.get(platform)

    def _http(self) -> requests.Session:
        """One connection pool per thread (requests sessions are not thread-safe)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
        return session

    def _client_id(self, provider: Provider) -> str:
        if not provider.client_id:
            raise NotConfiguredError(
                f"{provider.label} has no client id yet: register an app with {provider.label} "
                f"({provider.docs_url}) and enter its client id in Settings → Connections.",
                platform=provider.platform,
            )
        return provider.client_id

    def _auth_kwargs(self, provider: Provider) -> dict[str, Any]:
        """How this client authenticates to the token endpoint: public (PKCE only) or with its secret."""
        client_id = self._client_id(provider)
        secret = self.tokens.client_secret(provider.platform)
        extra: dict[str, Any] = {}
        if provider.client_id_param != "client_id":
            extra[provider.client_id_param] = client_id
        if not secret:
            return {"include_client_id": True, **extra}
        redact.remember(secret)
        if provider.client_auth == "body":
            return {"include_client_id": True, "client_secret": secret, **extra}
        return {"auth": requests.auth.HTTPBasicAuth(client_id, secret), **extra}

    def _refresh_kwargs(self, provider: Provider) -> dict[str, Any]:
        """The same client authentication for a refresh (requests-oauthlib puts extra kwargs in the body)."""
        client_id = self._client_id(provider)
        secret = self.tokens.client_secret(provider.platform)
        extra: dict[str, Any] = {provider.client_id_param: client_id}
        if not secret:
            return extra
        redact.remember(secret)
        if provider.client_auth == "body":
            return {**extra, "client_secret": secret}
        return {"auth": requests.auth.HTTPBasicAuth(client_id, secret)}

    def _hook(self, provider: Provider) -> Any:
        def check(response: requests.Response) -> requests.Response:
            error = classify_response(provider, response, token_endpoint=True)
            if error is not None:
                raise error
            return response

        return check

    # -- sign-in --------------------------------------------------------------------------------

    def begin(self, platform: str, types: Iterable[ConnectionType | str]) -> AuthorizationRequest:
        """Start a sign-in for ``types``: the URL to open, the redirect to wait for, the PKCE secret."""
        provider = self.provider(platform)
        ctypes = tuple(ConnectionType(t) for t in types)
        if not ctypes:
            raise SignInError("Choose at least one connection type to sign in for.", platform=platform)
        scopes = provider.scopes_for(ctypes)
        client_id = self._client_id(provider)
        redirect_uri = provider.sign_in_redirect_uri()
        verifier = OAuthlibClient(client_id).create_code_verifier(96)
        challenge = OAuthlibClient(client_id).create_code_challenge(verifier, "S256")
        state = secrets.token_urlsafe(32)
        redact.remember(verifier)
        session = OAuth2Session(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=provider.scope_separator.join(scopes),
            state=state,
        )
        extra = dict(provider.authorize_params)
        if provider.client_id_param != "client_id":
            extra[provider.client_id_param] = client_id
        with _transport_allowed(provider, provider.authorize_url):
            url, _state = session.authorization_url(
                provider.authorize_url, code_challenge=challenge, code_challenge_method="S256", **extra
            )
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
        one for a sign-in older than :data:`SIGN_IN_LIFETIME`.
        """
        provider = self.provider(request.platform)
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
        session = OAuth2Session(client_id=provider.client_id, redirect_uri=request.redirect_uri)
        session.headers["User-Agent"] = USER_AGENT
        session.register_compliance_hook("access_token_response", self._hook(provider))
        with _token_endpoint(provider, session, "sign-in", "; try again."):
            token = session.fetch_token(
                provider.token_url,
                code=code,
                code_verifier=request.code_verifier,
                timeout=self.timeout,
                **self._auth_kwargs(provider),
            )
        if not token.get("access_token"):
            raise ProviderError(f"{provider.label} returned no access token.", platform=provider.platform)
        return token_set(token)

    # -- refresh and revoke ---------------------------------------------------------------------

    def refresh(self, platform: str, tokens: TokenSet) -> TokenSet:
        """New tokens from the refresh token; a refresh answer without a refresh token keeps the old one.

        Raises :class:`AuthorizationFailed` when the platform refuses the refresh token (the grant
        expired), :class:`TransientError` when it cannot be reached.
        """
        provider = self.provider(platform)
        if not tokens.refresh_token:
            raise AuthorizationFailed(
                f"The {provider.label} access token has expired and there is no refresh token; "
                "connect again.",
                platform=platform,
            )
        session = OAuth2Session(
            client_id=self._client_id(provider), token={"access_token": tokens.access_token}
        )
        session.headers["User-Agent"] = USER_AGENT
        session.register_compliance_hook("refresh_token_response", self._hook(provider))
        with _token_endpoint(provider, session, "refresh", "."):
            token = session.refresh_token(
                provider.token_url,
                refresh_token=tokens.refresh_token,
                timeout=self.timeout,
                **self._refresh_kwargs(provider),
            )
        if not token.get("access_token"):
            raise ProviderError(f"{provider.label} returned no access token.", platform=platform)
        return token_set(token, previous=tokens)

    def revoke(self, platform: str, tokens: TokenSet) -> bool:
        """Withdraw the tokens at the platform (RFC 7009). False: the platform has no revocation endpoint."""
        provider = self.provider(platform)
        if not provider.revoke_url:
            return False
        client_id = self._client_id(provider)
        secret = self.tokens.client_secret(platform)
        done = False
        for value, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
            if not value:
                continue
            data = {"token": value, "token_type_hint": hint}
            auth = None
            if secret and provider.client_auth == "basic":
                auth = requests.auth.HTTPBasicAuth(client_id, secret)
            else:
                data[provider.client_id_param] = client_id
                if secret:
                    data["client_secret"] = secret
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

    def get_json(self, platform: str, url: str, tokens: TokenSet) -> Any:
        """GET ``url`` with the access token; the decoded JSON, or a classified :class:`OAuthError`."""
        provider = self.provider(platform)
        with _transport_allowed(provider, url):
            try:
                response = self._http().get(
                    url,
                    headers={"Authorization": f"Bearer {tokens.access_token}", "Accept": "application/json"},
                    timeout=self.timeout,
                )
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

    def verify(self, platform: str, tokens: TokenSet) -> Any:
        """One cheap authenticated call (userinfo or the platform's "me") to prove the token works."""
        return self.get_json(platform, self.provider(platform).verify_url, tokens)
