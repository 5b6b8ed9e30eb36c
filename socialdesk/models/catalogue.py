"""The domain catalogue: platforms, profile kinds, connection types and where each applies.

Everything that differs per platform is data here, so the rest of the code asks the catalogue
instead of testing ``platform == ...``. The settings-form fields live in ``settings_catalogue``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    MANAGER = "manager"
    RESPONDER = "responder"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: Roles that may receive a share: a share lets them post as the profile; Analysts are read-only.
SHAREABLE_ROLES = frozenset({Role.ADMINISTRATOR, Role.MANAGER, Role.RESPONDER})
#: Roles that may manage team members.
MEMBER_ADMIN_ROLES = frozenset({Role.ADMINISTRATOR, Role.MANAGER})


class Visibility(StrEnum):
    OWNED = "owned"  # private: the organisation manages it and can connect it
    PUBLIC = "public"  # only tracked


class Ownership(StrEnum):
    """A profile's ownership relative to *me*; declared in the list's sort order."""

    OWNED = "owned"
    SHARED = "shared"
    NONE = "none"
    OTHERS = "others"

    @property
    def label(self) -> str:
        return OWNERSHIP_LABELS[self]

    @property
    def rank(self) -> int:
        return OWNERSHIP_ORDER.index(self)


OWNERSHIP_ORDER: tuple[Ownership, ...] = tuple(Ownership)
OWNERSHIP_LABELS = {
    Ownership.OWNED: "Owned",
    Ownership.SHARED: "Shared with me",
    Ownership.NONE: "Without owners",
    Ownership.OTHERS: "Owned by others",
}


class Status(StrEnum):
    """A profile's connection status; declared in the list's sort order."""

    EXPIRED = "expired"
    CONNECTED = "connected"
    NOT_CONNECTED = "not_connected"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def rank(self) -> int:
        return STATUS_ORDER.index(self)


STATUS_ORDER: tuple[Status, ...] = tuple(Status)
STATUS_LABELS = {Status.EXPIRED: "Expired", Status.CONNECTED: "Connected", Status.NOT_CONNECTED: "–"}


class ConnectionState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    NOT_ESTABLISHED = "not_established"


class GrantState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ConnectionType(StrEnum):
    PUBLISHING = "publishing"
    INSIGHTS = "insights"
    ADS_POSTS = "ads_posts"
    MESSAGING = "messaging"
    PRODUCT_TAGS = "product_tags"
    SHARED_INSIGHTS = "shared_insights"

    @property
    def label(self) -> str:
        return CONNECTION_TYPE_LABELS[self]

    @property
    def short(self) -> str:
        """Two-letter code for the compact Connections column."""
        return CONNECTION_TYPE_SHORT[self]


CONNECTION_TYPE_LABELS = {
    ConnectionType.PUBLISHING: "Publishing",
    ConnectionType.INSIGHTS: "Insights",
    ConnectionType.ADS_POSTS: "Ads posts",
    ConnectionType.MESSAGING: "Messaging",
    ConnectionType.PRODUCT_TAGS: "Product tags",
    ConnectionType.SHARED_INSIGHTS: "Shared insights",
}
CONNECTION_TYPE_SHORT = {
    ConnectionType.PUBLISHING: "Pub",
    ConnectionType.INSIGHTS: "Ins",
    ConnectionType.ADS_POSTS: "Ads",
    ConnectionType.MESSAGING: "Msg",
    ConnectionType.PRODUCT_TAGS: "Tag",
    ConnectionType.SHARED_INSIGHTS: "Shr",
}
#: Connection states per profile as one integer (``profiles.conn_states``): two bits per connection type
#: (0: not established, 1: expired, 2: active) at this shift; a connection without grants is not
#: established. Written by the triggers of migration 0007, whose layout this must be (a test compares
#: them): a new connection type takes a new shift and a migration that backfills it.
CONN_STATE_SHIFT: dict[ConnectionType, int] = {
    ConnectionType.PUBLISHING: 0,
    ConnectionType.INSIGHTS: 2,
    ConnectionType.ADS_POSTS: 4,
    ConnectionType.MESSAGING: 6,
    ConnectionType.PRODUCT_TAGS: 8,
    ConnectionType.SHARED_INSIGHTS: 10,
}

#: Connection types that let others act as the profile; sharing needs one of them active.
INTERACTION_TYPES = frozenset({ConnectionType.PUBLISHING, ConnectionType.MESSAGING})
#: Types that do not count toward a profile's connection status.
STATUS_NEUTRAL_TYPES = frozenset({ConnectionType.SHARED_INSIGHTS})
#: Insights on a Facebook page needs at least this many likes.
FACEBOOK_INSIGHTS_MIN_LIKES = 30


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    """What the support conditions look at; a plain record so rules stay independent of the ORM."""

    platform: str
    kind: str
    visibility: Visibility
    like_count: int | None = None


Condition = Callable[[ProfileFacts], str | None]
"""Returns ``None`` when the type is supported for the profile, else the reason it is not."""


def _owned_only(facts: ProfileFacts) -> str | None:
    return None if facts.visibility is Visibility.OWNED else "only profiles the organisation owns can connect"


def _public_only(facts: ProfileFacts) -> str | None:
    return None if facts.visibility is Visibility.PUBLIC else "only for public (tracked) profiles"


def _facebook_insights(facts: ProfileFacts) -> str | None:
    if (reason := _owned_only(facts)) is not None:
        return reason
    if facts.kind != "page":
        return "Insights exist for Facebook pages only"
    if facts.like_count is None:
        return "the page's like count is unknown"
    if facts.like_count < FACEBOOK_INSIGHTS_MIN_LIKES:
        return f"the page has fewer than {FACEBOOK_INSIGHTS_MIN_LIKES} likes"
    return None


def _linkedin_insights(facts: ProfileFacts) -> str | None:
    if (reason := _owned_only(facts)) is not None:
        return reason
    return (
        None if facts.kind == "organization_page" else "Insights exist for LinkedIn organization pages only"
    )


@dataclass(frozen=True, slots=True)
class PlatformInfo:
    key: str
    label: str
    kinds: tuple[str, ...]
    #: Connection type -> condition; a type absent here does not exist on the platform.
    connections: dict[ConnectionType, Condition] = field(default_factory=dict)
    #: Whether profiles are claimed and added through a sign-in (Live Chat: no).
    signs_in: bool = True
    #: Private-message acquisition switch exists for these kinds.
    message_acquisition_kinds: tuple[str, ...] = ()
    url_hosts: tuple[str, ...] = ()
    url_template: str = ""
    #: Leading URL path segments to skip before the handle, with the kind they imply (if any).
    url_path_prefixes: dict[str, str | None] = field(default_factory=dict)
    #: URL paths whose handle is in a query parameter (``profile.php?id=``).
    url_query_handles: dict[str, str] = field(default_factory=dict)
    color: str = "#666666"

    def profile_url(self, handle: str) -> str:
        return self.url_template.format(handle=handle) if self.url_template else ""


KIND_LABELS = {
    "page": "Page",
    "user": "User",
    "account": "Account",
    "organization_page": "Organization page",
    "channel": "Channel",
    "business_account": "Business account",
    "widget": "Widget",
}


def _types(*types: ConnectionType, **special: Condition) -> dict[ConnectionType, Condition]:
    out: dict[ConnectionType, Condition] = {t: _owned_only for t in types}
    out.update({ConnectionType(k): v for k, v in special.items()})
    return out


PLATFORMS: dict[str, PlatformInfo] = {
    p.key: p
    for p in (
        PlatformInfo(
            "facebook",
            "Facebook",
            ("page", "user"),
            _types(ConnectionType.PUBLISHING, ConnectionType.ADS_POSTS, insights=_facebook_insights),
            message_acquisition_kinds=("page",),
            url_hosts=("facebook.com", "www.facebook.com", "m.facebook.com", "fb.com"),
            url_template="https://www.facebook.com/{handle}",
            url_query_handles={"profile.php": "id"},
            color="#1877F2",
        ),
        PlatformInfo(
            "instagram",
            "Instagram",
            ("account",),
            _types(
                ConnectionType.PUBLISHING,
                ConnectionType.INSIGHTS,
                ConnectionType.ADS_POSTS,
                ConnectionType.MESSAGING,
                ConnectionType.PRODUCT_TAGS,
                shared_insights=_public_only,
            ),
            url_hosts=("instagram.com", "www.instagram.com"),
            url_template="https://www.instagram.com/{handle}",
            color="#E1306C",
        ),
        PlatformInfo(
            "x",
            "X/Twitter",
            ("account",),
            _types(ConnectionType.PUBLISHING, ConnectionType.INSIGHTS),
            message_acquisition_kinds=("account",),
            url_hosts=("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"),
            url_template="https://x.com/{handle}",
            color="#14171A",
        ),
        PlatformInfo(
            "linkedin",
            "LinkedIn",
            ("account", "organization_page"),
            _types(ConnectionType.PUBLISHING, insights=_linkedin_insights),
            url_hosts=("linkedin.com", "www.linkedin.com"),
            url_template="https://www.linkedin.com/in/{handle}",
            url_path_prefixes={
                "company": "organization_page",
                "showcase": "organization_page",
                "in": "account",
            },
            color="#0A66C2",
        ),
        PlatformInfo(
            "youtube",
            "YouTube",
            ("channel",),
            _types(ConnectionType.PUBLISHING, ConnectionType.INSIGHTS),
            url_hosts=("youtube.com", "www.youtube.com", "m.youtube.com"),
            url_template="https://www.youtube.com/@{handle}",
            url_path_prefixes={"channel": None, "c": None, "user": None},
            color="#FF0000",
        ),
        PlatformInfo(
            "pinterest",
            "Pinterest",
            ("account",),
            _types(ConnectionType.PUBLISHING, ConnectionType.INSIGHTS),
            url_hosts=("pinterest.com", "www.pinterest.com"),
            url_template="https://www.pinterest.com/{handle}",
            color="#BD081C",
        ),
        PlatformInfo(
            "tiktok",
            "TikTok",
            ("account",),
            _types(ConnectionType.PUBLISHING, ConnectionType.INSIGHTS),
            url_hosts=("tiktok.com", "www.tiktok.com"),
            url_template="https://www.tiktok.com/@{handle}",
            color="#010101",
        ),
        PlatformInfo(
            "snapchat",
            "Snapchat",
            ("account",),
            _types(ConnectionType.INSIGHTS),
            url_hosts=("snapchat.com", "www.snapchat.com"),
            url_template="https://www.snapchat.com/add/{handle}",
            url_path_prefixes={"add": None},
            color="#E5C700",
        ),
        PlatformInfo(
            "whatsapp",
            "WhatsApp",
            ("business_account",),
            _types(ConnectionType.MESSAGING),
            url_hosts=("wa.me", "api.whatsapp.com", "whatsapp.com", "www.whatsapp.com"),
            url_template="https://wa.me/{handle}",
            url_query_handles={"send": "phone"},
            color="#25D366",
        ),
        PlatformInfo("live_chat", "Live Chat", ("widget",), signs_in=False, color="#7B61FF"),
    )
}

PLATFORM_KEYS: tuple[str, ...] = tuple(PLATFORMS)


def platform(key: str) -> PlatformInfo:
    try:
        return PLATFORMS[key]
    except KeyError:
        raise ValueError(f"unknown platform {key!r}; known: {', '.join(PLATFORM_KEYS)}") from None


def default_kind(platform_key: str) -> str:
    return platform(platform_key).kinds[0]


def unsupported_reason(facts: ProfileFacts, ctype: ConnectionType) -> str | None:
    """Why ``ctype`` does not apply to the profile, or ``None`` when it does."""
    info = platform(facts.platform)
    condition = info.connections.get(ctype)
    if condition is None:
        return f"{info.label} has no {ctype.label} connection"
    return condition(facts)


def supported_types(facts: ProfileFacts) -> tuple[ConnectionType, ...]:
    """Connection types that exist for this profile, in catalogue order."""
    return tuple(t for t in ConnectionType if unsupported_reason(facts, t) is None)


def platforms_with_connections() -> tuple[str, ...]:
    return tuple(k for k, p in PLATFORMS.items() if p.connections)
