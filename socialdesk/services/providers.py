"""Sign-in providers: each platform's OAuth 2.0 endpoints, scopes and API facts, as data.

The built-in catalogue below holds the real endpoints of every platform that signs in. A workspace's
``providers.toml`` (docs/interfaces.md, "Sign-in providers") overrides them key by key, so a self-hosted or
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

import os
import socket
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tomli_w
from urllib3.util import parse_url

from socialdesk.models.catalogue import PLATFORMS, ConnectionType, platform
from socialdesk.services.errors import ValidationError
from socialdesk.services.http import check_url, is_loopback_host

PROVIDERS_FILE = "providers.toml"
BROWSERS = ("embedded", "system")
DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
#: Keys of ``[providers.PLATFORM]`` that hold a URL, and whether each may be left empty.
URL_KEYS = ("authorize_url", "token_url", "revoke_url", "userinfo_url", "api_base_url")
OPTIONAL_URL_KEYS = frozenset({"revoke_url", "userinfo_url"})
#: Every key a ``[providers.PLATFORM]`` table may have (docs/interfaces.md).
FILE_KEYS = (*URL_KEYS, "client_id", "redirect_uri", "browser", "scopes", "kinds")
SECRET_KEYS = frozenset({"client_secret", "secret", "client-secret"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: A providers.toml is a few KB; anything this large is not one (and would be slow to parse).
MAX_FILE_BYTES = 1024 * 1024


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
    #: Where the record's own access token is (Meta Page tokens), read from the outer record.
    token: str = ""
    #: Stripped from the front of the id (LinkedIn URNs: ``urn:li:organization:``).
    id_prefix: str = ""
    #: A call per account for its name and handle (``{id}`` filled in), when the list has only ids.
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AccountSource:
    """Where the accounts a sign-in can manage come from, and which profile kind they are.

    ``endpoint`` None: the signed-in account itself (its identity) is the account.
    """

    kind: str
    endpoint: Endpoint | None = None
    #: The profiles are the children of each account found, listed here (``{id}``: the parent's
    #: id, kept on the profile as its business account): WhatsApp phone numbers of each business.
    each: Endpoint | None = None


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
    # -- the platform's rules (docs/platforms.md has the table and the pages they come from) ----
    #: The profile kind this app serves when it is a separate app (LinkedIn ``organization_page``).
    kind: str | None = None
    #: How the platform matches the redirect URI: ``fixed_loopback`` (registered, port included),
    #: ``any_loopback`` (any port on 127.0.0.1) or ``https_intercept`` (an https URL the embedded
    #: view stops at without loading it).
    redirect_mode: str = "fixed_loopback"
    #: Whether the code exchange fails without the client secret.
    secret_required: bool = True
    #: PKCE: ``S256`` (base64url, RFC 7636), ``S256-hex`` (TikTok desktop) or ``none``.
    pkce: str = "S256"
    #: Headers every API call needs (LinkedIn's version headers).
    api_headers: Mapping[str, str] = field(default_factory=dict)
    #: The API version in use, in one place per platform (also inside the URLs built from it).
    api_version: str = ""
    #: How lists page: ``graph`` (``paging.next``), ``start_count`` (LinkedIn), ``page_token``
    #: (Google ``nextPageToken``), ``cursor`` (Pinterest ``bookmark``) or ``none``.
    paging: str = "none"
    #: Meta: exchange the code's short-lived token for a ~60-day one (``fb_exchange_token``).
    long_lived: bool = False
    #: Meta: read the granted/declined permissions back (``/me/permissions``).
    permissions_path: str = ""
    #: Requested permissions the person may decline without the sign-in being refused: the connection is
    #: established without them and what needs them says so (Facebook ``pages_messaging``: settings
    #: pushes wait with "Re-connect Facebook Publishing and allow Messenger"; docs/product.md §5).
    optional_scopes: frozenset[str] = frozenset()
    #: What a health check calls: ``identity`` (the "me" call), ``debug_token`` (Meta),
    #: ``refresh`` (X: the refresh that keeps a 2-hour token alive proves the grant) or ``userinfo``.
    health: str = "identity"
    #: Whether each refresh returns a new refresh token and invalidates the old one.
    refresh_rotates: bool = False
    #: Access-token lifetime and refresh, in words (providers list, Settings, docs).
    lifetime: str = ""
    #: Approvals and limits of a desktop app, in words (``providers list`` ``notes``).
    notes: str = ""
    #: The short setup guide of the Settings ▸ Sign-in page, one step per item.
    setup: tuple[str, ...] = ()
    #: (title, URL) of the approval/review pages.
    approval_links: tuple[tuple[str, str], ...] = ()
    #: A warning shown after each sign-in (Google apps in Testing lose refresh tokens after 7 days).
    sign_in_warning: str = ""
    #: Apps of kinds that need their own client id (LinkedIn organization pages).
    kinds: Mapping[str, Provider] = field(default_factory=dict)
    #: A token made elsewhere may be pasted instead of a sign-in (WhatsApp: a Business Manager
    #: system-user token for one's own business).
    accepts_pasted_token: bool = False

    # -- derived facts --------------------------------------------------------------------------

    @property
    def is_loopback(self) -> bool:
        """True when the provider's own endpoints are on this computer (test or self-hosted server)."""
        return is_loopback_url(self.token_url) and is_loopback_url(self.authorize_url)

    @property
    def uses_userinfo(self) -> bool:
        """A plain OpenID Connect provider (``userinfo_url`` set): no platform rule applies."""
        return bool(self.userinfo_url)

    @property
    def secret_key(self) -> str:
        """The keyring name part of this app's client secret (``linkedin:organization_page``)."""
        return f"{self.platform}:{self.kind}" if self.kind else self.platform

    @property
    def app_label(self) -> str:
        """``LinkedIn`` or ``LinkedIn (organization pages)``."""
        return f"{self.label} ({KIND_APP_LABELS.get(self.kind, self.kind)})" if self.kind else self.label

    @property
    def browsers(self) -> tuple[str, ...]:
        """The browsers a sign-in may use: an https redirect can only be stopped by the embedded view."""
        if self.redirect_mode == "https_intercept":
            return ("embedded",)
        return BROWSERS

    @property
    def redirect_port(self) -> int | None:
        try:
            return urlsplit(self.redirect_uri).port
        except ValueError:
            return None

    def api_get_headers(self) -> dict[str, str]:
        return dict(self.api_headers)

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
        """The redirect URI of one sign-in: exactly as configured; a free port only where any port works.

        Raises :class:`RedirectError` when the configured URI cannot be used as it is (a missing
        port where the platform matches it exactly, no https URL registered for Snapchat).
        """
        if not self.redirect_uri:
            raise RedirectError(
                f"{self.app_label} signs in only through the https redirect URI registered with the app "
                f"(it cannot be changed once created): enter it in Settings ▸ Sign-in ({self.docs_url})."
            )
        parts = urlsplit(self.redirect_uri)
        if parts.scheme == "https" or parts.port is not None:
            return self.redirect_uri
        if self.redirect_mode != "any_loopback":
            raise RedirectError(
                f"{self.app_label} matches the registered redirect URI exactly, port included: enter it "
                f"with its port (e.g. http://127.0.0.1:{DEFAULT_PORTS.get(self.secret_key, 8700)}/callback) "
                "in Settings ▸ Sign-in."
            )
        host = parts.hostname or "127.0.0.1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((host if host != "localhost" else "127.0.0.1", 0))
            port = sock.getsockname()[1]
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


class RedirectError(ValidationError):
    """The redirect URI cannot be used for a sign-in; the message says what to enter where."""

    def __init__(self, message: str) -> None:
        super().__init__({"redirect_uri": message})
        self.message = message

    def __str__(self) -> str:
        return self.message


def port_is_free(host: str, port: int) -> bool:
    """Whether a listener could bind ``host:port`` now (a busy fixed port cannot receive the answer)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the listener binds (``allow_reuse_address``): a port whose last sign-in connection is still
        # in TIME_WAIT (a minute on Linux) is free for it, though a bare bind would say "in use".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host if host != "localhost" else "127.0.0.1", port))
        except OSError:
            return False
    return True


def is_loopback_url(url: str) -> bool:
    """True when urllib3 (what requests connects with) reads ``url``'s host as this computer."""
    try:
        return is_loopback_host(parse_url(url).host)
    except Exception:
        return False


def check_transport(url: str) -> str | None:
    """Why ``url`` may not be used for a platform call (``None``: it may); see ``http.check_url``."""
    return check_url(url)


def check_redirect_uri(url: str) -> str | None:
    """Why ``url`` cannot be a redirect URI (``None``: it can).

    A loopback ``http://127.0.0.1[:PORT]/path`` (or ``localhost``, ``[::1]``), or an ``https://`` URL
    that the embedded view stops at without loading it; no userinfo, backslash or ambiguous form.
    """
    parts = urlsplit(url)
    if parts.scheme == "https":
        reason = check_url(url, allow_http=False)
        return None if reason is None else reason
    if parts.scheme != "http" or not is_loopback_url(url):
        return (
            "must be a loopback URL such as http://127.0.0.1:8710/callback, or the https URL registered "
            "for an embedded sign-in"
        )
    if (reason := check_url(url)) is not None:
        return reason
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "has an invalid port"
    return None


def redirect_mode_of(url: str, platform_mode: str) -> str:
    """The mode a configured redirect URI implies: https → intercept, a port → fixed, else the platform's."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return "https_intercept"
    try:
        if parts.port is not None:
            return "fixed_loopback"
    except ValueError:
        pass
    return "any_loopback" if platform_mode == "any_loopback" else platform_mode


# -- the built-in catalogue ----------------------------------------------------------------------
#
# Every fact below comes from the platform's documentation page named in ``docs_url`` (and in
# docs/platforms.md, with what could not be confirmed). Nothing outside this table tests for a
# platform by name.

#: Graph API version: one place for Facebook, Instagram and WhatsApp (versions live ~2 years).
GRAPH_VERSION = "v21.0"
#: LinkedIn's versioned REST API (``LinkedIn-Version: YYYYMM``; a version lives about a year).
LINKEDIN_VERSION = "202510"
#: The fixed loopback port each platform's app is registered with by default (Settings shows it).
DEFAULT_PORTS = {"x": 8710, "linkedin": 8711, "linkedin:organization_page": 8712, "pinterest": 8713}
#: The desktop-app redirect Facebook Login documents for a web view (manual flow).
FB_DESKTOP_REDIRECT = "https://www.facebook.com/connect/login_success.html"
KIND_APP_LABELS = {"organization_page": "organization pages"}

_FB = f"https://graph.facebook.com/{GRAPH_VERSION}"
_FB_AUTHORIZE = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
_FB_TOKEN = f"{_FB}/oauth/access_token"
#: Graph API: 190 invalid/expired token (subcodes 458 app removed, 460 password changed, 463
#: expired, 467 invalid), 102 session invalid; 1, 2, 4, 17, 32, 341, 613 are temporary or rate limits.
_FB_ERRORS = ErrorRules(
    codes=frozenset({"invalid_grant", "invalid_token"}),
    numbers=frozenset({190, 102}),
    transient_numbers=frozenset({1, 2, 4, 17, 32, 341, 613}),
)
_FB_ME = Endpoint("me?fields=id,name")
_FB_APP_REVIEW = ("Meta App Review", "https://developers.facebook.com/docs/app-review")
_META_SETUP = (
    "Create a Business app at developers.facebook.com ▸ My Apps and add the Facebook Login product.",
    f"Under Facebook Login ▸ Settings, add {FB_DESKTOP_REDIRECT} to Valid OAuth Redirect URIs "
    "and turn on Embedded Browser OAuth Login.",
    "Copy the App ID (client id) and the App Secret (App settings ▸ Basic) into this page.",
)
_META_LIFETIME = (
    "the sign-in's short-lived token is exchanged for a ~60-day user token (fb_exchange_token); Page "
    "tokens from it do not expire; data access lapses 90 days after the last use (warned 7 days before)"
)

S = ConnectionType


def _meta(**kw: Any) -> Provider:
    """What Facebook Login does the same for Facebook, Instagram and WhatsApp."""
    base: dict[str, Any] = dict(
        authorize_url=_FB_AUTHORIZE,
        token_url=_FB_TOKEN,
        api_base_url=_FB,
        identity=_FB_ME,
        scope_separator=",",
        client_auth="body",
        errors=_FB_ERRORS,
        redirect_uri=FB_DESKTOP_REDIRECT,
        redirect_mode="https_intercept",
        pkce="none",
        api_version=GRAPH_VERSION,
        paging="graph",
        long_lived=True,
        permissions_path="me/permissions",
        health="debug_token",
        lifetime=_META_LIFETIME,
        approval_links=(_FB_APP_REVIEW,),
    )
    base.update(kw)
    return Provider(**base)


_LINKEDIN_ORG = Provider(
    platform="linkedin",
    kind="organization_page",
    label="LinkedIn",
    docs_url="https://learn.microsoft.com/linkedin/marketing/community-management/organizations/organization-access-control-by-role",
    authorize_url="https://www.linkedin.com/oauth/v2/authorization",
    token_url="https://www.linkedin.com/oauth/v2/accessToken",
    revoke_url="https://www.linkedin.com/oauth/v2/revoke",
    api_base_url="https://api.linkedin.com/rest",
    scopes={
        S.PUBLISHING: ("w_organization_social", "r_organization_admin"),
        S.INSIGHTS: ("r_organization_admin", "rw_organization_admin"),
    },
    identity=Endpoint("organizationAcls?q=roleAssignee&count=1", id="elements.0.roleAssignee"),
    accounts=(
        AccountSource(
            "organization_page",
            Endpoint(
                "organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
                id="organization",
                items="elements",
                name="localizedName",
                handle="vanityName",
                id_prefix="urn:li:organization:",
                detail="organizations/{id}",
            ),
        ),
    ),
    client_auth="body",
    redirect_uri=f"http://127.0.0.1:{DEFAULT_PORTS['linkedin:organization_page']}/callback",
    pkce="none",
    api_headers={"LinkedIn-Version": LINKEDIN_VERSION, "X-Restli-Protocol-Version": "2.0.0"},
    api_version=LINKEDIN_VERSION,
    paging="start_count",
    lifetime="60-day access token; no refresh token (only approved partners get one): connect again "
    "before it expires (warned 7 days before)",
    notes="Organization pages need the Community Management API, which must be the only product on "
    "its app: a second LinkedIn app with its own client id and secret (this row).",
    setup=(
        "Create a second app at linkedin.com/developers for the Community Management API only "
        "(LinkedIn requires it to be alone on its app) and request access.",
        f"Under Auth, add http://127.0.0.1:{DEFAULT_PORTS['linkedin:organization_page']}/callback as an "
        "Authorized redirect URL.",
        "Copy its Client ID and Primary Client Secret into this page.",
    ),
    approval_links=(
        (
            "Community Management API access",
            "https://learn.microsoft.com/linkedin/marketing/community-management/community-management-overview",
        ),
    ),
    errors=ErrorRules(numbers=frozenset({65600, 65601, 65602, 65603, 65604})),
)

BUILT_IN: dict[str, Provider] = {
    p.platform: p
    for p in (
        _meta(
            platform="facebook",
            label="Facebook",
            docs_url="https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow",
            scopes={
                S.PUBLISHING: (
                    "pages_show_list",
                    "pages_read_engagement",
                    "pages_manage_posts",
                    "pages_messaging",
                    "business_management",
                ),
                S.INSIGHTS: (
                    "pages_show_list",
                    "pages_read_engagement",
                    "read_insights",
                    "business_management",
                ),
                S.ADS_POSTS: ("pages_show_list", "ads_management", "pages_manage_ads", "business_management"),
            },
            optional_scopes=frozenset({"pages_messaging"}),
            accounts=(
                AccountSource(
                    "page",
                    Endpoint(
                        "me/accounts?fields=id,name,username,fan_count,access_token",
                        handle="username",
                        items="data",
                        likes="fan_count",
                        token="access_token",
                    ),
                ),
                AccountSource(
                    "page",
                    Endpoint(
                        "me/businesses?fields=owned_pages{id,name,username,fan_count,access_token},"
                        "client_pages{id,name,username,fan_count,access_token}",
                        handle="username",
                        items="data",
                        item="owned_pages.data,client_pages.data",
                        likes="fan_count",
                        token="access_token",
                    ),
                ),
                AccountSource("user"),
            ),
            notes="Publishing to a personal profile is impossible since 2018. Permissions beyond your own "
            "test users need Meta App Review; a live app needs the https redirect (the embedded view "
            "stops at it).",
            setup=(
                *_META_SETUP,
                "Request pages_show_list, pages_read_engagement, pages_manage_posts, "
                "read_insights, pages_messaging and business_management in App Review.",
            ),
        ),
        _meta(
            platform="instagram",
            label="Instagram",
            docs_url="https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login",
            scopes={
                S.PUBLISHING: (
                    "pages_show_list",
                    "pages_read_engagement",
                    "business_management",
                    "instagram_basic",
                    "instagram_content_publish",
                ),
                S.INSIGHTS: (
                    "pages_show_list",
                    "pages_read_engagement",
                    "business_management",
                    "instagram_basic",
                    "instagram_manage_insights",
                ),
                S.ADS_POSTS: ("pages_show_list", "business_management", "instagram_basic", "ads_management"),
                S.MESSAGING: (
                    "pages_show_list",
                    "business_management",
                    "instagram_basic",
                    "instagram_manage_messages",
                ),
                S.PRODUCT_TAGS: (
                    "pages_show_list",
                    "business_management",
                    "instagram_basic",
                    "catalog_management",
                    "instagram_shopping_tag_products",
                ),
                S.SHARED_INSIGHTS: ("pages_show_list", "instagram_basic"),
            },
            accounts=(
                AccountSource(
                    "account",
                    Endpoint(
                        "me/accounts?fields=id,access_token,instagram_business_account{id,name,username}",
                        handle="username",
                        items="data",
                        item="instagram_business_account",
                        token="access_token",
                    ),
                ),
                AccountSource(
                    "account",
                    Endpoint(
                        "me/businesses?fields=owned_pages{id,access_token,instagram_business_account"
                        "{id,name,username}},client_pages{id,access_token,instagram_business_account"
                        "{id,name,username}}",
                        handle="username",
                        items="data",
                        item="owned_pages.data.instagram_business_account,client_pages.data.instagram_business_account",
                        token="access_token",
                    ),
                ),
            ),
            notes="Only Instagram business and creator accounts linked to a Facebook Page can be managed; "
            "permissions beyond your own test users need Meta App Review.",
            setup=(
                *_META_SETUP,
                "Add the Instagram product (API setup with Facebook Login) and link each "
                "Instagram business account to its Facebook Page.",
            ),
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
            redirect_uri=f"http://127.0.0.1:{DEFAULT_PORTS['x']}/callback",
            secret_required=False,
            client_auth="basic",
            api_version="2",
            health="refresh",
            refresh_rotates=True,
            lifetime="2-hour access token, refreshed with a rotating refresh token (offline.access); "
            "the refresh is the health check (no users/me call each time)",
            notes="A native app (public client) needs no secret; a confidential one sends it with HTTP "
            "Basic. Register 127.0.0.1, not localhost.",
            setup=(
                "Create a project and app at developer.x.com; in User authentication settings choose "
                "Native App (or Web App with a secret), Read and write.",
                f"Add http://127.0.0.1:{DEFAULT_PORTS['x']}/callback as a Callback URI (exactly, port "
                "included).",
                "Copy the OAuth 2.0 Client ID here (and the Client Secret for a Web App).",
            ),
            approval_links=(("X API access levels", "https://docs.x.com/x-api/getting-started/about-x-api"),),
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
                S.PUBLISHING: ("openid", "profile", "w_member_social"),
                S.INSIGHTS: ("openid", "profile"),
            },
            identity=Endpoint("userinfo", id="sub", name="name"),
            accounts=(AccountSource("account"),),
            client_auth="body",
            # 65600-65604: invalid, expired or revoked access token.
            errors=ErrorRules(numbers=frozenset({65600, 65601, 65602, 65603, 65604})),
            redirect_uri=f"http://127.0.0.1:{DEFAULT_PORTS['linkedin']}/callback",
            pkce="none",
            api_version=LINKEDIN_VERSION,
            lifetime="60-day access token; no refresh token (only approved partners get one): connect again "
            "before it expires (warned 7 days before)",
            notes="Member sign-in needs the 'Sign In with LinkedIn using OpenID Connect' and 'Share on "
            "LinkedIn' products; organization pages need a separate app (the organization_page row).",
            setup=(
                "Create an app at linkedin.com/developers and add the products 'Sign In with LinkedIn using "
                "OpenID Connect' and 'Share on LinkedIn'.",
                f"Under Auth, add http://127.0.0.1:{DEFAULT_PORTS['linkedin']}/callback as an Authorized "
                "redirect URL.",
                "Copy the Client ID and the Primary Client Secret into this page.",
            ),
            kinds={"organization_page": _LINKEDIN_ORG},
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
                "channels?part=snippet&mine=true&maxResults=50",
                id="items.0.id",
                name="items.0.snippet.title",
                handle="items.0.snippet.customUrl",
            ),
            accounts=(
                AccountSource(
                    "channel",
                    Endpoint(
                        "channels?part=snippet&mine=true&maxResults=50",
                        items="items",
                        name="snippet.title",
                        handle="snippet.customUrl",
                    ),
                ),
            ),
            # Google refuses sign-in inside embedded web views ("disallowed_useragent").
            browser="system",
            authorize_params={"access_type": "offline", "prompt": "consent"},
            client_auth="body",
            redirect_uri="http://127.0.0.1/callback",
            redirect_mode="any_loopback",
            api_version="v3",
            paging="page_token",
            lifetime="1-hour access token refreshed with a long-lived refresh token (offline access)",
            notes="Google refuses embedded web views: the system browser is used. Unverified apps are "
            "limited to 100 users; apps in Testing lose their refresh tokens after 7 days.",
            sign_in_warning="If this Google app's publishing status is Testing, Google withdraws its refresh "
            "tokens after 7 days: publish the app (OAuth consent screen ▸ Publish app) to stay connected.",
            setup=(
                "In Google Cloud Console create a project, enable the YouTube Data API v3, and create an "
                "OAuth client ID of type Desktop app (any loopback port is accepted).",
                "Copy the client ID and its client secret into this page (desktop clients send it).",
            ),
            approval_links=(("OAuth app verification", "https://support.google.com/cloud/answer/13463073"),),
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
            redirect_uri=f"http://127.0.0.1:{DEFAULT_PORTS['pinterest']}/callback",
            client_auth="basic",
            pkce="none",
            api_version="v5",
            refresh_rotates=True,
            lifetime="~30-day access token, ~1-year refresh token renewed on each refresh",
            notes="Trial access until Pinterest reviews the app (Standard access).",
            setup=(
                "Create an app at developers.pinterest.com ▸ My apps.",
                f"Add http://127.0.0.1:{DEFAULT_PORTS['pinterest']}/callback as a redirect URI.",
                "Copy the App id and the App secret key into this page.",
            ),
        ),
        Provider(
            platform="tiktok",
            label="TikTok",
            docs_url="https://developers.tiktok.com/doc/login-kit-desktop",
            authorize_url="https://www.tiktok.com/v2/auth/authorize/",
            token_url="https://open.tiktokapis.com/v2/oauth/token/",
            revoke_url="https://open.tiktokapis.com/v2/oauth/revoke/",
            api_base_url="https://open.tiktokapis.com/v2",
            scopes={
                S.PUBLISHING: ("user.info.basic", "user.info.profile", "video.upload", "video.publish"),
                S.INSIGHTS: ("user.info.basic", "user.info.profile", "user.info.stats", "video.list"),
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
            redirect_uri="http://127.0.0.1/callback",
            redirect_mode="any_loopback",
            pkce="S256-hex",
            api_version="v2",
            refresh_rotates=True,
            lifetime="access token 24 hours, refresh token 365 days, a new one on each refresh",
            notes="Until TikTok audits the app, posts are private and limited to 5 users.",
            setup=(
                "Create an app at developers.tiktok.com, add Login Kit (Desktop) and Content Posting.",
                "Register http://127.0.0.1/callback (any port is accepted for desktop).",
                "Copy the Client key and Client secret into this page.",
            ),
            approval_links=(
                ("TikTok app review", "https://developers.tiktok.com/doc/app-review-guidelines"),
            ),
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
            redirect_uri="",
            redirect_mode="https_intercept",
            pkce="none",
            api_version="v1",
            refresh_rotates=False,
            lifetime="30-minute access token refreshed with the refresh token",
            notes="The redirect must be the https URL your organisation registered (fixed once created); "
            "public-profile insights need Snap's allow-listed Public Profile API.",
            setup=(
                "In Snapchat Business Manager ▸ Business Details create an OAuth app with an https redirect "
                "URI your organisation hosts (it cannot be changed later).",
                "Enter that exact redirect URI, the Client ID and the Client Secret here.",
                "Ask Snap for the Public Profile API allow-list to read profile insights.",
            ),
            approval_links=(
                ("Public Profile API", "https://developers.snap.com/api/marketing-api/Public-Profile-API/"),
            ),
        ),
        _meta(
            platform="whatsapp",
            label="WhatsApp",
            docs_url="https://developers.facebook.com/docs/whatsapp/business-management-api/get-started",
            scopes={
                S.MESSAGING: (
                    "business_management",
                    "whatsapp_business_management",
                    "whatsapp_business_messaging",
                ),
            },
            accounts=(
                AccountSource(
                    "business_account",
                    Endpoint(
                        "me/businesses?fields=owned_whatsapp_business_accounts{id,name},"
                        "client_whatsapp_business_accounts{id,name}",
                        items="data",
                        item="owned_whatsapp_business_accounts.data,client_whatsapp_business_accounts.data",
                    ),
                    each=Endpoint(
                        "{id}/phone_numbers?fields=id,display_phone_number,verified_name",
                        name="verified_name",
                        handle="display_phone_number",
                        items="data",
                    ),
                ),
            ),
            accepts_pasted_token=True,
            notes="For your own business: sign in, or paste a system-user token from Business Manager in "
            "Settings. Other businesses' numbers need Embedded Signup (a Meta Tech Provider), which a "
            "desktop app cannot host.",
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

    def get(self, platform_key: str, kind: str | None = None) -> Provider:
        """The app that signs in for ``platform_key`` (for ``kind``, its own app when it needs one)."""
        try:
            provider = self.providers[platform_key]
        except KeyError:
            if platform_key not in PLATFORMS:
                raise ValidationError({"platform": f"unknown platform {platform_key!r}"}) from None
            info = platform(platform_key)
            raise ValidationError({"platform": f"{info.label} has no sign-in"}) from None
        if kind is not None and kind in provider.kinds:
            return provider.kinds[kind]
        return provider

    def apps(self) -> list[Provider]:
        """One per app to register: each platform that signs in, then each kind that needs its own app."""
        out = [self.providers[k] for k in PLATFORMS if k in self.providers]
        out += [kp for k in PLATFORMS if k in self.providers for kp in self.providers[k].kinds.values()]
        return out

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
    if len(raw) > MAX_FILE_BYTES:
        raise ProvidersFileError(
            [
                (
                    PROVIDERS_FILE,
                    f"{path} is larger than {MAX_FILE_BYTES // 1024} KB; it cannot be a sign-in "
                    "settings file. Fix or remove it. Nothing was changed.",
                )
            ]
        )
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (RecursionError, MemoryError):
        raise ProvidersFileError(
            [
                (
                    PROVIDERS_FILE,
                    f"{path} is nested too deeply to be read; fix or remove it in a text editor. "
                    "Nothing was changed.",
                )
            ]
        ) from None
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
                "file. Enter it in Settings ▸ Sign-in (it is kept in the keyring) and delete it from "
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
        if name == "kinds":
            continue  # applied by _apply, after this table
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
    overridden = frozenset(k for k in table if k in FILE_KEYS and k != "kinds") | base.overridden
    result = replace(base, **changes, overridden=overridden)
    return _settle(where, result, problems)


def _settle(where: str, provider: Provider, problems: list[tuple[str, str]]) -> Provider:
    """The provider's rules as its settings imply them: the OpenID path, the redirect mode."""
    if provider.userinfo_url:
        # A plain OpenID Connect provider (docs/interfaces.md): RFC 6749 + PKCE S256, a stored secret sent
        # with HTTP Basic, none required; no platform rule, no discovery, health via userinfo.
        provider = replace(
            provider,
            secret_required=False,
            pkce="S256",
            client_auth="basic",
            scope_separator=" ",
            client_id_param="client_id",
            authorize_params={},
            long_lived=False,
            permissions_path="",
            health="userinfo",
            accounts=(),
            redirect_mode=redirect_mode_of(provider.redirect_uri, "any_loopback"),
        )
    elif provider.redirect_uri:
        mode = redirect_mode_of(provider.redirect_uri, provider.redirect_mode)
        if (
            mode == "fixed_loopback"
            and "redirect_uri" in provider.overridden
            and provider.redirect_port is None
        ):
            problems.append(
                (
                    f"{where}.redirect_uri",
                    f"{provider.label} matches the registered redirect URI exactly: include its port "
                    f"(e.g. http://127.0.0.1:{DEFAULT_PORTS.get(provider.secret_key, 8700)}/callback)",
                )
            )
        provider = replace(provider, redirect_mode=mode)
    if provider.redirect_mode == "https_intercept" and provider.browser == "system":
        if "browser" in provider.overridden:
            problems.append(
                (
                    f"{where}.browser",
                    "an https redirect can only be read by the embedded sign-in window; use browser = "
                    '"embedded" or a loopback redirect_uri',
                )
            )
        provider = replace(provider, browser="embedded")
    return provider


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
        provider = _validate_table(key, table, BUILT_IN[key], problems, warnings)
        kinds = dict(provider.kinds)
        kind_tables = table.get("kinds", {}) if isinstance(table, Mapping) else {}
        if not isinstance(kind_tables, Mapping):
            problems.append((f"providers.{key}.kinds", "must be a table of [providers.PLATFORM.kinds.KIND]"))
            kind_tables = {}
        for kind in kind_tables:
            if kind not in BUILT_IN[key].kinds:
                own = ", ".join(BUILT_IN[key].kinds) or "none"
                problems.append(
                    (
                        f"providers.{key}.kinds.{kind}",
                        f"{provider.label} has no separate app for {kind!r} (own apps: {own})",
                    )
                )
            elif not isinstance(kind_tables[kind], Mapping):
                problems.append((f"providers.{key}.kinds.{kind}", "must be a table"))
        # The platform table's keys apply to its kinds too; a kind's own table overrides them. Its
        # scopes too when it is an OpenID table (one server for both); else the kind keeps its own.
        skip = ("kinds",) if isinstance(table, Mapping) and table.get("userinfo_url") else ("kinds", "scopes")
        inherited = {k: v for k, v in table.items() if k not in skip} if isinstance(table, Mapping) else {}
        for kind, built_in in BUILT_IN[key].kinds.items():
            own_table = kind_tables.get(kind)
            merged = {**inherited, **(own_table if isinstance(own_table, Mapping) else {})}
            if merged:
                # Problems of inherited keys were reported for the platform table already.
                sink: list[tuple[str, str]] = problems if own_table else []
                kinds[kind] = _validate_table(
                    f"{key}.kinds.{kind}", merged, built_in, sink, warnings if own_table else []
                )
        providers[key] = replace(provider, kinds=kinds)
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


def save_provider_settings(
    data_dir: Path, platform_key: str, *, kind: str | None = None, **changes: Any
) -> ProviderCatalogue:
    """Write some keys of one platform's table in ``providers.toml``, keeping everything else.

    ``changes`` use the file's keys (``client_id``, ``browser``, ``redirect_uri``, the URLs, and
    ``scopes`` as ``{type: [scope, ...]}``); a value of ``None`` removes the key, so the built-in
    default applies again. The whole result is validated before anything is written; the write is
    atomic (a temporary file renamed over the old one). Comments in the file are not kept.
    Returns the catalogue as it is now.
    """
    plan = plan_provider_settings(data_dir, [(platform_key, kind, changes)])
    write_providers_file(data_dir, plan.data)
    return plan.catalogue


@dataclass(frozen=True, slots=True)
class ProvidersPlan:
    """``providers.toml`` as it will be after some edits (validated, not written yet), and as it was.

    ``previous`` is the file's bytes before (``None``: there was no file), so that a caller writing
    several things at once can put it back when a later write fails.
    """

    data: bytes
    previous: bytes | None
    catalogue: ProviderCatalogue


#: One edit of ``plan_provider_settings``: (platform key, kind or None, the file's keys to change).
ProviderEdit = tuple[str, "str | None", Mapping[str, Any]]


def plan_provider_settings(data_dir: Path, edits: Sequence[ProviderEdit]) -> ProvidersPlan:
    """Apply several platforms' edits to ``providers.toml`` in memory and validate the result as a whole.

    Raises ``ValidationError`` (nothing written) when any edit or the resulting file is wrong; the
    caller writes ``plan.data`` with :func:`write_providers_file`.
    """
    for platform_key, _kind, changes in edits:
        _check_edit(platform_key, changes)
    path = providers_path(data_dir)
    try:
        previous: bytes | None = path.read_bytes()
    except FileNotFoundError:
        previous = None
    except OSError as exc:
        raise ProvidersFileError([(PROVIDERS_FILE, f"cannot be read: {exc.strerror}")]) from exc
    document = _read_file(path)
    for platform_key, kind, changes in edits:
        _edit_document(document, platform_key, kind, changes)
    catalogue = _apply(document, path)  # raises before writing when a value is bad
    return ProvidersPlan(tomli_w.dumps(document).encode("utf-8"), previous, catalogue)


def write_providers_file(data_dir: Path, data: bytes | None) -> None:
    """Write ``providers.toml`` atomically; ``None`` removes it (how a rollback restores "no file")."""
    path = providers_path(data_dir)
    if data is None:
        path.unlink(missing_ok=True)
    else:
        _atomic_write(path, data)


def _check_edit(platform_key: str, changes: Mapping[str, Any]) -> None:
    """The checks that need no file: a platform that signs in, and keys the file may hold."""
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


def _edit_document(
    document: dict[str, Any], platform_key: str, kind: str | None, changes: Mapping[str, Any]
) -> None:
    providers_table = document.setdefault("providers", {})
    if not isinstance(providers_table, dict):
        raise ProvidersFileError([("providers", "must be a table of [providers.PLATFORM] tables")])
    platform_table = providers_table.setdefault(platform_key, {})
    if not isinstance(platform_table, dict):
        raise ProvidersFileError([(f"providers.{platform_key}", "must be a table")])
    table = platform_table
    if kind is not None:
        if kind not in BUILT_IN[platform_key].kinds:
            raise ValidationError(
                {"kind": f"{_platform_label(platform_key)} has no separate app for {kind!r}"}
            )
        kinds = platform_table.setdefault("kinds", {})
        if not isinstance(kinds, dict) or not isinstance(kinds.setdefault(kind, {}), dict):
            raise ProvidersFileError([(f"providers.{platform_key}.kinds", "must be a table")])
        table = kinds[kind]
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
    if kind is not None and not table:
        platform_table["kinds"].pop(kind)
        if not platform_table["kinds"]:
            platform_table.pop("kinds")
    if not platform_table:
        providers_table.pop(platform_key)


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
