"""Sign-in providers: each platform's OAuth 2.0 endpoints, scopes and API facts, as data.

The built-in catalogue below holds the real endpoints of every platform that signs in. A workspace's
``providers.toml`` (CONTRACTS.md, "Sign-in providers") overrides them key by key, so a self-hosted or
test OAuth server works too::

    [providers.x]
    authorize_url = "http://127.0.0.1:8080/authorize"
    token_url = "http://127.0.0.1:8080/token"
    client_id = "my-app"
    userinfo_url = "http://127.0.0.1:8080/userinfo"
    redirect_uri = "http://127.0.0.1/callback"   # no port: a free one is picked at sign-in
    browser = "system"                            # or "embedded"
    [providers.x.scopes]
    publishing = ["tweet.read", "tweet.write", "offline.access"]

A client secret is never read from that file (only from the keyring, see ``tokens``); one found there
is ignored with a warning. Every URL must be ``https://``, except on a loopback host (127.0.0.1, ::1,
localhost), where ``http://`` is allowed for test and self-hosted servers.

Public API: :func:`load_providers` (→ :class:`ProviderCatalogue`), :func:`save_provider_settings`
(the Settings page writes through it), :class:`Provider`.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tomli_w

from socialdesk.models.catalogue import PLATFORMS, ConnectionType, platform
from socialdesk.services.errors import ValidationError

PROVIDERS_FILE = "providers.toml"
BROWSERS = ("embedded", "system")
DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
#: Keys of ``[providers.PLATFORM]`` that hold a URL, and whether each may be left empty.
URL_KEYS = ("authorize_url", "token_url", "revoke_url", "userinfo_url", "api_base_url")
OPTIONAL_URL_KEYS = frozenset({"revoke_url", "userinfo_url"})
#: Every key a ``[providers.PLATFORM]`` table may have (CONTRACTS.md).
FILE_KEYS = (*URL_KEYS, "client_id", "redirect_uri", "browser", "scopes")
SECRET_KEYS = frozenset({"client_secret", "secret", "client-secret"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class ProvidersFileError(ValidationError):
    """``providers.toml`` cannot be used as it is; ``problems`` says where and why. Nothing was written."""


# -- reading platform answers ----------------------------------------------------------------------


def dig(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` in decoded JSON (``"snippet.title"``), or ``None``."""
    if not path:
        return data
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API call that returns account(s), and how to read an account out of its answer.

    ``path`` is relative to the provider's ``api_base_url`` (or a full URL). The answer's account
    records are at ``items`` (a dotted path; empty: the answer itself is the one record), each
    record's account is at ``item`` (empty: the record itself; a list there is flattened), and an
    account's fields are at ``id``, ``name`` and ``handle``.
    """

    path: str
    id: str = "id"
    name: str = "name"
    handle: str = ""
    items: str = ""
    item: str = ""
    #: Where the like count is (Facebook pages: Insights needs 30 likes).
    likes: str = ""


@dataclass(frozen=True, slots=True)
class AccountSource:
    """Where the accounts a sign-in can manage come from, and which profile kind they are.

    ``endpoint`` None: the signed-in account itself (its identity) is the account.
    """

    kind: str
    endpoint: Endpoint | None = None


@dataclass(frozen=True, slots=True)
class ErrorRules:
    """How a platform says "this token no longer works" (the grant expires) or "try again later".

    An answer is an authorisation failure when its HTTP status is 401, its OAuth ``error`` (or the
    API's error code string) is in ``codes``, a numeric error code is in ``numbers`` (Facebook 190,
    LinkedIn 65600, ...) or its description contains one of ``phrases``. ``transient_numbers`` are
    numeric codes that mean "temporarily unavailable / rate limited" even with a 4xx status.
    """

    codes: frozenset[str] = frozenset({"invalid_grant", "invalid_token"})
    numbers: frozenset[int] = frozenset()
    phrases: tuple[str, ...] = ()
    transient_numbers: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Provider:
    """One platform's sign-in settings: the built-in defaults with ``providers.toml`` applied."""

    platform: str
    label: str
    docs_url: str
    authorize_url: str
    token_url: str
    api_base_url: str
    scopes: Mapping[ConnectionType, tuple[str, ...]]
    identity: Endpoint
    accounts: tuple[AccountSource, ...]
    client_id: str = ""
    revoke_url: str | None = None
    userinfo_url: str | None = None
    redirect_uri: str = DEFAULT_REDIRECT_URI
    browser: str = "embedded"
    scope_separator: str = " "
    #: The name the platform gives the client id parameter (TikTok: ``client_key``).
    client_id_param: str = "client_id"
    #: How a confidential client sends its secret to the token endpoint: ``basic`` or ``body``.
    client_auth: str = "basic"
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    errors: ErrorRules = field(default_factory=ErrorRules)
    #: The keys ``providers.toml`` set for this platform (for the Settings page: "customised").
    overridden: frozenset[str] = frozenset()

    # -- derived facts --------------------------------------------------------------------------

    @property
    def is_loopback(self) -> bool:
        """True when the provider's own endpoints are on this computer (test or self-hosted server)."""
        return is_loopback_url(self.token_url) and is_loopback_url(self.authorize_url)

    @property
    def uses_userinfo(self) -> bool:
        return bool(self.userinfo_url)

    def scopes_for(self, types: Any) -> list[str]:
        """The union of the scopes the connection types need, in a stable order."""
        out: list[str] = []
        for ctype in types:
            ctype = ConnectionType(ctype)
            if ctype not in self.scopes:
                raise ValidationError(
                    {"connection_type": f"{self.label} has no {ctype.label} connection to sign in for"}
                )
            for scope in self.scopes[ctype]:
                if scope not in out:
                    out.append(scope)
        return out

    def api_url(self, path: str) -> str:
        """A URL under ``api_base_url`` (a full URL in ``path`` is taken as it is)."""
        if "://" in path:
            return path
        return f"{self.api_base_url.rstrip('/')}/{path.lstrip('/')}"

    @property
    def verify_url(self) -> str:
        """What a health check calls to see whether a token still works."""
        return self.userinfo_url or self.api_url(self.identity.path)

    def sign_in_redirect_uri(self) -> str:
        """The redirect URI of one sign-in: ``redirect_uri``, with a free port when it names none."""
        parts = urlsplit(self.redirect_uri)
        if parts.port is not None:
            return self.redirect_uri
        host = parts.hostname or "127.0.0.1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((host if host != "localhost" else "127.0.0.1", 0))
            port = sock.getsockname()[1]
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str) -> str | None:
    """Why ``url`` may not be used for OAuth (``None``: it may): https, or http on a loopback host only."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be a full URL starting with https://"
    if parts.scheme == "http" and not is_loopback_url(url):
        return "must use https:// (http:// is allowed only on this computer: 127.0.0.1, ::1 or localhost)"
    return None


def check_redirect_uri(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme != "http" or not is_loopback_url(url):
        return "must be a loopback URL such as http://127.0.0.1/callback (a port is optional)"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "has an invalid port"
    return None


# -- the built-in catalogue ----------------------------------------------------------------------

_FB = "https://graph.facebook.com/v21.0"
_FB_AUTHORIZE = "https://www.facebook.com/v21.0/dialog/oauth"
_FB_TOKEN = f"{_FB}/oauth/access_token"
#: Graph API: 190 invalid/expired token (password changed, app removed, session expired: subcodes
#: 458-467), 102 session invalid; 1, 2, 4, 17, 32, 341, 613 are temporary or rate limits.
_FB_ERRORS = ErrorRules(
    codes=frozenset({"invalid_grant", "invalid_token", "OAuthException:190"}),
    numbers=frozenset({190, 102}),
    transient_numbers=frozenset({1, 2, 4, 17, 32, 341, 613}),
)
_FB_ME = Endpoint("me?fields=id,name")

S = ConnectionType

BUILT_IN: dict[str, Provider] = {
    p.platform: p
    for p in (
        Provider(
            platform="facebook",
            label="Facebook",
            docs_url="https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow",
            authorize_url=_FB_AUTHORIZE,
            token_url=_FB_TOKEN,
            api_base_url=_FB,
            scopes={
                S.PUBLISHING: ("pages_show_list", "pages_read_engagement", "pages_manage_posts"),
                S.INSIGHTS: ("pages_show_list", "pages_read_engagement", "read_insights"),
                S.ADS_POSTS: ("pages_show_list", "ads_management", "pages_manage_ads"),
            },
            identity=_FB_ME,
            accounts=(
                AccountSource(
                    "page",
                    Endpoint(
                        "me/accounts?fields=id,name,username,fan_count",
                        handle="username",
                        items="data",
                        likes="fan_count",
                    ),
                ),
                AccountSource("user"),
            ),
            scope_separator=",",
            client_auth="body",
            errors=_FB_ERRORS,
        ),
        Provider(
            platform="instagram",
            label="Instagram",
            docs_url="https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login",
            authorize_url=_FB_AUTHORIZE,
            token_url=_FB_TOKEN,
            api_base_url=_FB,
            scopes={
                S.PUBLISHING: ("pages_show_list", "instagram_basic", "instagram_content_publish"),
                S.INSIGHTS: ("pages_show_list", "instagram_basic", "instagram_manage_insights"),
                S.ADS_POSTS: ("pages_show_list", "instagram_basic", "ads_management"),
                S.MESSAGING: ("pages_show_list", "instagram_basic", "instagram_manage_messages"),
                S.PRODUCT_TAGS: (
                    "pages_show_list",
                    "instagram_basic",
                    "catalog_management",
                    "instagram_shopping_tag_products",
                ),
                S.SHARED_INSIGHTS: ("pages_show_list", "instagram_basic"),
            },
            identity=_FB_ME,
            accounts=(
                AccountSource(
                    "account",
                    Endpoint(
                        "me/accounts?fields=instagram_business_account{id,name,username}",
                        handle="username",
                        items="data",
                        item="instagram_business_account",
                    ),
                ),
            ),
            scope_separator=",",
            client_auth="body",
            errors=_FB_ERRORS,
        ),
        Provider(
            platform="x",
            label="X/Twitter",
            docs_url="https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code",
            authorize_url="https://x.com/i/oauth2/authorize",
            token_url="https://api.x.com/2/oauth2/token",
            revoke_url="https://api.x.com/2/oauth2/revoke",
            api_base_url="https://api.x.com/2",
            scopes={
                S.PUBLISHING: ("tweet.read", "tweet.write", "users.read", "offline.access"),
                S.INSIGHTS: ("tweet.read", "users.read", "offline.access"),
            },
            identity=Endpoint("users/me", id="data.id", name="data.name", handle="data.username"),
            accounts=(AccountSource("account"),),
            # X answers a dead refresh token with invalid_request and this description.
            errors=ErrorRules(
                codes=frozenset({"invalid_grant", "invalid_token"}),
                phrases=("token was invalid", "refresh token is invalid"),
            ),
        ),
        Provider(
            platform="linkedin",
            label="LinkedIn",
            docs_url="https://learn.microsoft.com/linkedin/shared/authentication/authorization-code-flow",
            authorize_url="https://www.linkedin.com/oauth/v2/authorization",
            token_url="https://www.linkedin.com/oauth/v2/accessToken",
            revoke_url="https://www.linkedin.com/oauth/v2/revoke",
            api_base_url="https://api.linkedin.com/v2",
            scopes={
                S.PUBLISHING: (
                    "openid",
                    "profile",
                    "w_member_social",
                    "w_organization_social",
                    "r_organization_admin",
                ),
                S.INSIGHTS: ("openid", "profile", "r_organization_admin", "rw_organization_admin"),
            },
            identity=Endpoint("userinfo", id="sub", name="name"),
            accounts=(
                AccountSource("account"),
                AccountSource(
                    "organization_page",
                    Endpoint(
                        "organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED"
                        "&projection=(elements*(organization~(id,localizedName,vanityName)))",
                        name="localizedName",
                        handle="vanityName",
                        items="elements",
                        item="organization~",
                    ),
                ),
            ),
            client_auth="body",
            # 65600-65604: invalid, expired or revoked access token.
            errors=ErrorRules(numbers=frozenset({65600, 65601, 65602, 65603, 65604})),
        ),
        Provider(
            platform="youtube",
            label="YouTube",
            docs_url="https://developers.google.com/youtube/v3/guides/auth/installed-apps",
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",
            revoke_url="https://oauth2.googleapis.com/revoke",
            api_base_url="https://www.googleapis.com/youtube/v3",
            scopes={
                S.PUBLISHING: (
                    "https://www.googleapis.com/auth/youtube.upload",
                    "https://www.googleapis.com/auth/youtube",
                ),
                S.INSIGHTS: (
                    "https://www.googleapis.com/auth/youtube.readonly",
                    "https://www.googleapis.com/auth/yt-analytics.readonly",
                ),
            },
            identity=Endpoint(
                "channels?part=snippet&mine=true",
                id="items.0.id",
                name="items.0.snippet.title",
                handle="items.0.snippet.customUrl",
            ),
            accounts=(AccountSource("channel"),),
            # Google refuses sign-in inside embedded web views ("disallowed_useragent").
            browser="system",
            authorize_params={"access_type": "offline", "prompt": "consent"},
            client_auth="body",
        ),
        Provider(
            platform="pinterest",
            label="Pinterest",
            docs_url="https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/",
            authorize_url="https://www.pinterest.com/oauth/",
            token_url="https://api.pinterest.com/v5/oauth/token",
            api_base_url="https://api.pinterest.com/v5",
            scopes={
                S.PUBLISHING: (
                    "user_accounts:read",
                    "boards:read",
                    "boards:write",
                    "pins:read",
                    "pins:write",
                ),
                S.INSIGHTS: ("user_accounts:read", "boards:read", "pins:read"),
            },
            identity=Endpoint("user_account", id="id", name="business_name", handle="username"),
            accounts=(AccountSource("account"),),
            scope_separator=",",
            # Pinterest API error code 2: authentication failed.
            errors=ErrorRules(numbers=frozenset({2})),
        ),
        Provider(
            platform="tiktok",
            label="TikTok",
            docs_url="https://developers.tiktok.com/doc/oauth-user-access-token-management",
            authorize_url="https://www.tiktok.com/v2/auth/authorize/",
            token_url="https://open.tiktokapis.com/v2/oauth/token/",
            revoke_url="https://open.tiktokapis.com/v2/oauth/revoke/",
            api_base_url="https://open.tiktokapis.com/v2",
            scopes={
                S.PUBLISHING: ("user.info.basic", "video.upload", "video.publish"),
                S.INSIGHTS: ("user.info.basic", "user.info.stats", "video.list"),
            },
            identity=Endpoint(
                "user/info/?fields=open_id,display_name,username",
                id="data.user.open_id",
                name="data.user.display_name",
                handle="data.user.username",
            ),
            accounts=(AccountSource("account"),),
            scope_separator=",",
            client_id_param="client_key",
            client_auth="body",
            errors=ErrorRules(codes=frozenset({"invalid_grant", "invalid_token", "access_token_invalid"})),
        ),
        Provider(
            platform="snapchat",
            label="Snapchat",
            docs_url="https://developers.snap.com/api/marketing-api/Ads-API/authentication",
            authorize_url="https://accounts.snapchat.com/login/oauth2/authorize",
            token_url="https://accounts.snapchat.com/login/oauth2/access_token",
            api_base_url="https://adsapi.snapchat.com/v1",
            scopes={S.INSIGHTS: ("snapchat-marketing-api",)},
            identity=Endpoint("me", id="me.id", name="me.display_name"),
            accounts=(AccountSource("account"),),
            client_auth="body",
        ),
        Provider(
            platform="whatsapp",
            label="WhatsApp",
            docs_url="https://developers.facebook.com/docs/whatsapp/embedded-signup",
            authorize_url=_FB_AUTHORIZE,
            token_url=_FB_TOKEN,
            api_base_url=_FB,
            scopes={
                S.MESSAGING: (
                    "business_management",
                    "whatsapp_business_management",
                    "whatsapp_business_messaging",
                ),
            },
            identity=_FB_ME,
            accounts=(
                AccountSource(
                    "business_account",
                    Endpoint(
                        "me/businesses?fields=owned_whatsapp_business_accounts{id,name}",
                        items="data",
                        item="owned_whatsapp_business_accounts.data",
                    ),
                ),
            ),
            scope_separator=",",
            client_auth="body",
            errors=_FB_ERRORS,
        ),
    )
}


def _check_catalogue() -> None:
    """The built-in data agrees with the domain catalogue (checked at import: a typo fails fast)."""
    for key, info in PLATFORMS.items():
        if info.signs_in != (key in BUILT_IN):
            raise AssertionError(f"provider catalogue and platform catalogue disagree on {key}")
        if key in BUILT_IN and set(BUILT_IN[key].scopes) != set(info.connections):
            raise AssertionError(f"scopes of {key} do not cover exactly its connection types")


_check_catalogue()


# -- the catalogue with providers.toml applied ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProviderCatalogue:
    """Every platform's provider for one workspace, and what was wrong-but-harmless in its file."""

    providers: Mapping[str, Provider]
    path: Path
    warnings: tuple[str, ...] = ()

    def get(self, platform_key: str) -> Provider:
        try:
            return self.providers[platform_key]
        except KeyError:
            info = platform(platform_key)
            raise ValidationError({"platform": f"{info.label} has no sign-in"}) from None

    def __iter__(self) -> Any:
        return iter(self.providers.values())


def providers_path(data_dir: Path) -> Path:
    return Path(data_dir) / PROVIDERS_FILE


def _read_file(path: Path) -> dict[str, Any]:
    """The parsed file, ``{}`` when there is none; a clear error (line and column) when it is broken."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ProvidersFileError([(PROVIDERS_FILE, f"cannot be read: {exc.strerror}")]) from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProvidersFileError(
            [(PROVIDERS_FILE, f"{path} is not UTF-8 text; save it as UTF-8 and try again")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProvidersFileError(
            [
                (
                    PROVIDERS_FILE,
                    f"{path} is not valid TOML ({exc}); fix it in a text editor. Nothing was changed.",
                )
            ]
        ) from None


def _platform_label(key: str) -> str:
    return PLATFORMS[key].label if key in PLATFORMS else key


def _validate_table(
    key: str, table: Any, base: Provider, problems: list[tuple[str, str]], warnings: list[str]
) -> Provider:
    """``base`` with the keys of one ``[providers.KEY]`` table applied; problems and warnings collected."""
    where = f"providers.{key}"
    if not isinstance(table, Mapping):
        problems.append((where, "must be a table ([providers.PLATFORM])"))
        return base
    changes: dict[str, Any] = {}
    for name, value in table.items():
        field_name = f"{where}.{name}"
        if name.lower() in SECRET_KEYS:
            warnings.append(
                f"{PROVIDERS_FILE}: [{where}] {name} was ignored: a client secret is never read from this "
                "file. Enter it in Settings → Connections (it is kept in the keyring) and delete it from "
                "the file."
            )
            continue
        if name not in FILE_KEYS:
            warnings.append(f"{PROVIDERS_FILE}: [{where}] unknown key {name!r} was ignored")
            continue
        if name == "scopes":
            scopes = _validate_scopes(key, value, base, problems)
            if scopes is not None:
                changes["scopes"] = scopes
            continue
        if not isinstance(value, str):
            problems.append((field_name, "must be a text value in quotes"))
            continue
        value = value.strip()
        if name in URL_KEYS:
            if not value:
                if name in OPTIONAL_URL_KEYS:
                    changes[name] = None
                else:
                    problems.append((field_name, "must not be empty"))
                continue
            if (reason := check_transport(value)) is not None:
                problems.append((field_name, reason))
                continue
        elif name == "redirect_uri":
            if (reason := check_redirect_uri(value)) is not None:
                problems.append((field_name, reason))
                continue
        elif name == "browser" and value not in BROWSERS:
            problems.append((field_name, f"must be one of {', '.join(BROWSERS)}, not {value!r}"))
            continue
        changes[name] = value
    overridden = frozenset(k for k in table if k in FILE_KEYS)
    if changes.get("authorize_url", base.authorize_url) != base.authorize_url:
        # Another server (self-hosted, test) speaks plain RFC 6749: the platform's own quirks (comma
        # separated scopes, TikTok's client_key) belong to the platform's endpoints only.
        changes["scope_separator"] = " "
        changes["client_id_param"] = "client_id"
    return replace(base, **changes, overridden=overridden)


def _validate_scopes(
    key: str, value: Any, base: Provider, problems: list[tuple[str, str]]
) -> dict[ConnectionType, tuple[str, ...]] | None:
    where = f"providers.{key}.scopes"
    if not isinstance(value, Mapping):
        problems.append((where, "must be a table mapping connection types to lists of scopes"))
        return None
    scopes = dict(base.scopes)
    ok = True
    for tname, items in value.items():
        try:
            ctype = ConnectionType(tname)
        except ValueError:
            problems.append(
                (
                    f"{where}.{tname}",
                    f"unknown connection type; use one of {', '.join(t.value for t in ConnectionType)}",
                )
            )
            ok = False
            continue
        if ctype not in base.scopes:
            problems.append((f"{where}.{tname}", f"{base.label} has no {ctype.label} connection"))
            ok = False
            continue
        if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
            problems.append((f"{where}.{tname}", 'must be a list of scope names, e.g. ["read", "write"]'))
            ok = False
            continue
        scopes[ctype] = tuple(s.strip() for s in items)
    return scopes if ok else None


def _apply(document: Mapping[str, Any], path: Path) -> ProviderCatalogue:
    problems: list[tuple[str, str]] = []
    warnings: list[str] = []
    providers: dict[str, Provider] = dict(BUILT_IN)
    tables = document.get("providers", {})
    for top in document:
        if top != "providers":
            warnings.append(f"{PROVIDERS_FILE}: unknown section [{top}] was ignored")
    if not isinstance(tables, Mapping):
        problems.append(("providers", "must be a table of [providers.PLATFORM] tables"))
        tables = {}
    for key, table in tables.items():
        if key not in PLATFORMS:
            problems.append((f"providers.{key}", f"unknown platform; use one of {', '.join(BUILT_IN)}"))
            continue
        if key not in BUILT_IN:
            problems.append((f"providers.{key}", f"{_platform_label(key)} has no sign-in to configure"))
            continue
        providers[key] = _validate_table(key, table, BUILT_IN[key], problems, warnings)
    if problems:
        raise ProvidersFileError(problems)
    return ProviderCatalogue(providers, path, tuple(warnings))


def load_providers(data_dir: Path) -> ProviderCatalogue:
    """The built-in providers with ``DIR/providers.toml`` applied.

    Raises :class:`ProvidersFileError` (one problem per line, the file untouched) when the file is
    not valid TOML or has a bad value; a client secret or an unknown key in it is only a warning
    (``ProviderCatalogue.warnings``), shown by the caller.
    """
    path = providers_path(data_dir)
    return _apply(_read_file(path), path)


def save_provider_settings(data_dir: Path, platform_key: str, **changes: Any) -> ProviderCatalogue:
    """Write some keys of one platform's table in ``providers.toml``, keeping everything else.

    ``changes`` use the file's keys (``client_id``, ``browser``, ``redirect_uri``, the URLs, and
    ``scopes`` as ``{type: [scope, ...]}``); a value of ``None`` removes the key, so the built-in
    default applies again. The whole result is validated before anything is written; the write is
    atomic (a temporary file renamed over the old one). Comments in the file are not kept.
    Returns the catalogue as it is now.
    """
    if platform_key not in BUILT_IN:
        if platform_key in PLATFORMS:
            raise ValidationError(
                {"platform": f"{_platform_label(platform_key)} has no sign-in to configure"}
            )
        raise ValidationError({"platform": f"unknown platform {platform_key!r}"})
    for name in changes:
        if name.lower() in SECRET_KEYS:
            raise ValidationError(
                {
                    name: "a client secret is kept in the keyring, never in providers.toml "
                    "(use the token store)"
                }
            )
        if name not in FILE_KEYS:
            raise ValidationError({name: f"unknown setting; use one of {', '.join(FILE_KEYS)}"})
    path = providers_path(data_dir)
    document = _read_file(path)
    providers_table = document.setdefault("providers", {})
    if not isinstance(providers_table, dict):
        raise ProvidersFileError([("providers", "must be a table of [providers.PLATFORM] tables")])
    table = providers_table.setdefault(platform_key, {})
    if not isinstance(table, dict):
        raise ProvidersFileError([(f"providers.{platform_key}", "must be a table")])
    for name, value in changes.items():
        if value is None:
            table.pop(name, None)
        elif name == "scopes":
            current = table.get("scopes") if isinstance(table.get("scopes"), dict) else {}
            assert isinstance(current, dict)
            for tname, items in dict(value).items():
                tkey = ConnectionType(tname).value if tname in set(ConnectionType) else str(tname)
                if items is None:
                    current.pop(tkey, None)
                else:
                    current[tkey] = list(items)
            if current:
                table["scopes"] = current
            else:
                table.pop("scopes", None)
        else:
            table[name] = value
    if not table:
        providers_table.pop(platform_key)
    catalogue = _apply(document, path)  # raises before writing when a value is bad
    _atomic_write(path, tomli_w.dumps(document).encode("utf-8"))
    return catalogue


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".providers-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
