"""The product rules of ownership, sharing and connection status, as pure functions.

They work on plain records (no session, no ORM), so the profile list, the command line, the
details pane and the tests all ask the same questions and get the same answers and reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from socialdesk.models.catalogue import (
    INTERACTION_TYPES,
    MEMBER_ADMIN_ROLES,
    SHAREABLE_ROLES,
    STATUS_NEUTRAL_TYPES,
    ConnectionState,
    ConnectionType,
    GrantState,
    Ownership,
    ProfileFacts,
    Role,
    Status,
    Visibility,
    platform,
    supported_types,
)


def connection_state(grant_states: Iterable[GrantState | str]) -> ConnectionState:
    """Active with at least one active grant; expired with grants but none active; else not established."""
    any_grant = False
    for state in grant_states:
        if state == GrantState.ACTIVE:
            return ConnectionState.ACTIVE
        any_grant = True
    return ConnectionState.EXPIRED if any_grant else ConnectionState.NOT_ESTABLISHED


def profile_status(
    visibility: Visibility | str, connections: Mapping[ConnectionType, ConnectionState]
) -> Status:
    """Expired wins over Connected; Shared insights never counts; public profiles are never connected."""
    if visibility == Visibility.PUBLIC:
        return Status.NOT_CONNECTED
    active = False
    for ctype, state in connections.items():
        if ctype in STATUS_NEUTRAL_TYPES:
            continue
        if state == ConnectionState.EXPIRED:
            return Status.EXPIRED
        if state == ConnectionState.ACTIVE:
            active = True
    return Status.CONNECTED if active else Status.NOT_CONNECTED


def ownership(
    me: int | None, owners: Iterable[int], shared_with: Iterable[int], shared_with_all: bool
) -> Ownership:
    """The profile's category relative to *me*.

    A profile with no owners is Without owners even if old shares remain: nobody can publish with it
    until someone claims it.
    """
    owner_set = set(owners)
    if me is not None and me in owner_set:
        return Ownership.OWNED
    if not owner_set:
        return Ownership.NONE
    if shared_with_all or (me is not None and me in set(shared_with)):
        return Ownership.SHARED
    return Ownership.OTHERS


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether an action is allowed, and if not, why (shown as the disabled action's tooltip)."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


@dataclass(frozen=True, slots=True)
class ProfileView:
    """Everything the permission rules look at for one profile, relative to *me*."""

    id: int
    platform: str
    kind: str
    visibility: Visibility
    like_count: int | None
    owners: frozenset[int]
    shared_with: frozenset[int]
    shared_with_all: bool
    deleted: bool
    connections: Mapping[ConnectionType, ConnectionState] = field(default_factory=dict)
    in_groups: tuple[str, ...] = ()

    @property
    def facts(self) -> ProfileFacts:
        return ProfileFacts(self.platform, self.kind, self.visibility, self.like_count)

    def relative_to(self, me: int | None) -> Ownership:
        return ownership(me, self.owners, self.shared_with, self.shared_with_all)

    @property
    def status(self) -> Status:
        return profile_status(self.visibility, self.supported_connections())

    def supported_connections(self) -> dict[ConnectionType, ConnectionState]:
        """One state per type the catalogue supports for this profile (not established when absent)."""
        return {
            t: self.connections.get(t, ConnectionState.NOT_ESTABLISHED) for t in supported_types(self.facts)
        }

    @property
    def allows_interactions(self) -> bool:
        return any(self.connections.get(t) == ConnectionState.ACTIVE for t in INTERACTION_TYPES)

    @property
    def is_shared(self) -> bool:
        return self.shared_with_all or bool(self.shared_with)


@dataclass(frozen=True, slots=True)
class Actor:
    """The member acting (normally *me*)."""

    id: int
    role: Role


READ_ONLY = "Analysts have read-only access"


def can_write(actor: Actor | None) -> Decision:
    """Anyone chosen in the team may change the workspace except an Analyst, who only reads.

    The first question of every changing action (adding, connecting, editing, grouping); the windows
    disable those actions with this reason instead of checking the role themselves.
    """
    if actor is None:
        return deny("Choose who you are in the team first")
    if actor.role is Role.ANALYST:
        return deny(READ_ONLY)
    return ALLOW


_writable = can_write


def _live(profile: ProfileView) -> Decision:
    return deny("The profile is deleted; restore it first") if profile.deleted else ALLOW


def can_share(actor: Actor | None, profile: ProfileView) -> Decision:
    """Only an owner shares, and only a profile that allows interactions (others may post as it)."""
    for check in (_writable(actor), _live(profile)):
        if not check:
            return check
    assert actor is not None
    if actor.id not in profile.owners:
        return deny("Only an owner of the profile can share it")
    if not profile.allows_interactions:
        return deny("Sharing needs an active Publishing or Messaging connection")
    return ALLOW


def can_share_with(actor: Actor | None, profile: ProfileView, target_id: int, target_role: Role) -> Decision:
    if not (decision := can_share(actor, profile)):
        return decision
    if target_role not in SHAREABLE_ROLES:
        return deny(f"Profiles cannot be shared with {target_role.label}s: they have read-only access")
    if target_id in profile.owners:
        return deny("This member already owns the profile")
    return ALLOW


def can_stop_sharing(actor: Actor | None, profile: ProfileView) -> Decision:
    for check in (_writable(actor), _live(profile)):
        if not check:
            return check
    assert actor is not None
    if actor.id not in profile.owners:
        return deny("Only an owner of the profile can stop sharing it")
    if not profile.is_shared:
        return deny("The profile is not shared")
    return ALLOW


def can_remove_ownership(actor: Actor | None, profile: ProfileView) -> Decision:
    for check in (_writable(actor), _live(profile)):
        if not check:
            return check
    assert actor is not None
    if actor.id not in profile.owners:
        return deny("You are not an owner of this profile")
    return ALLOW


def claim_needs_sign_in(profile: ProfileView) -> bool:
    """Claiming proves access with a sign-in, except where there is nothing to sign in to."""
    return platform(profile.platform).signs_in and profile.visibility is Visibility.OWNED


def can_claim(actor: Actor | None, profile: ProfileView) -> Decision:
    for check in (_writable(actor), _live(profile)):
        if not check:
            return check
    assert actor is not None
    category = profile.relative_to(actor.id)
    if category is Ownership.OWNED:
        return deny("You already own this profile")
    if category is Ownership.OTHERS:
        return deny("The profile is neither shared with you nor without owners")
    return ALLOW


def can_delete(actor: Actor | None, profile: ProfileView) -> Decision:
    """Owners (also of a multi-owner profile) and anyone for a profile without owners; never shared-only."""
    for check in (_writable(actor), _live(profile)):
        if not check:
            return check
    assert actor is not None
    category = profile.relative_to(actor.id)
    if category in (Ownership.OWNED, Ownership.NONE):
        return ALLOW
    if category is Ownership.SHARED:
        return deny("A profile that is only shared with you cannot be deleted; ask an owner")
    return deny("Only an owner can delete this profile")


def can_restore(actor: Actor | None, profile: ProfileView) -> Decision:
    if not (check := _writable(actor)):
        return check
    assert actor is not None
    if not profile.deleted:
        return deny("The profile is not deleted")
    if profile.owners and actor.id not in profile.owners:
        return deny("Only one of the profile's owners can restore it")
    return ALLOW


def can_edit(actor: Actor | None, profile: ProfileView) -> Decision:
    """Editing name, URL, notes and switches: owners, or anyone for a profile without owners."""
    for check in (_writable(actor), _live(profile)):
        if not check:
            return check
    assert actor is not None
    if profile.relative_to(actor.id) in (Ownership.OWNED, Ownership.NONE):
        return ALLOW
    return deny("Only an owner can edit this profile")


def can_publish(profile: ProfileView) -> Decision:
    if not profile.owners:
        return deny("A profile without owners cannot be used for publishing; claim it first")
    if profile.connections.get(ConnectionType.PUBLISHING) != ConnectionState.ACTIVE:
        return deny("The profile has no active Publishing connection")
    return ALLOW


def can_acquire(profile: ProfileView, messages: bool = False) -> Decision:
    """Data acquisition needs a valid token; private messages exist for Facebook pages and X accounts."""
    if profile.visibility is Visibility.PUBLIC:
        return deny("Only owned profiles can acquire data")
    if messages and profile.kind not in platform(profile.platform).message_acquisition_kinds:
        return deny("Private messages can be acquired only for Facebook pages and X accounts")
    if not any(s == ConnectionState.ACTIVE for s in profile.connections.values()):
        return deny("Acquisition needs a valid token: connect the profile first")
    return ALLOW


# -- connecting and re-connecting (the sign-in window, the bulk re-connect) ---------------------------


def can_connect(actor: Actor | None, view: ProfileView) -> Decision:
    """Connecting adds *my* grant: owners, members it is shared with, anyone for a profile without owners."""
    if actor is None:
        return deny("Choose who you are in the team first")
    if actor.role is Role.ANALYST:
        return deny(READ_ONLY)
    if view.deleted:
        return deny("The profile is deleted; restore it first")
    info = platform(view.platform)
    if not info.signs_in or not info.connections:
        return deny(f"{info.label} has no connections to sign in for")
    if view.visibility is not Visibility.OWNED:
        return deny("Public profiles are tracked only: they cannot be connected")
    if view.relative_to(actor.id) is Ownership.OTHERS:
        return deny("Only its owners and the members it is shared with can connect this profile")
    return ALLOW


def can_reconnect(actor: Actor | None, view: ProfileView) -> Decision:
    """``actionReconnect``: I may connect the profile and it has at least one expired connection."""
    if not (decision := can_connect(actor, view)):
        return decision
    if not expired_types(view):
        return deny("The profile has no expired connection to re-connect")
    return ALLOW


def expired_types(view: ProfileView) -> list[ConnectionType]:
    """The profile's expired connections (the ones ``Re-connect`` signs in for), in catalogue order."""
    return [t for t, s in view.supported_connections().items() if s is ConnectionState.EXPIRED]


# -- the main window (desk) ------------------------------------------------------------------------------


def can_load_demo(workspace_is_empty: bool) -> Decision:
    """The demo fills an empty workspace only: mixed with real profiles and members it would mislead."""
    if not workspace_is_empty:
        return deny("The demo can only be loaded into an empty workspace (open an empty folder for it)")
    return ALLOW


# -- Settings forms and the Live Chat embed code (the profile manager, `socialdesk settings`) -----------

LIVE_CHAT = "live_chat"
COLOUR_ONLY_KIND = "this kind of profile has only the in-app colour"
COLOUR_ONLY_PUBLIC = "public profiles have only the in-app colour"


def settings_form(platform_key: str, kind: str, visibility: Visibility | str) -> Decision:
    """Who gets a platform settings form: owned profiles of a kind their platform declares fields for.

    Every other profile has only the in-app colour; the reason says which case it is (the profile
    manager shows it under the profile's name and greys its gear).
    """
    from socialdesk.models.settings_catalogue import full_spec

    if full_spec(platform_key, kind) is None:
        return deny(COLOUR_ONLY_KIND)
    if Visibility(visibility) is not Visibility.OWNED:
        return deny(COLOUR_ONLY_PUBLIC)
    return ALLOW


def has_embed_code(platform_key: str) -> Decision:
    """Only a Live Chat widget has embed code: the snippet that puts the chat on a web site."""
    if platform_key != LIVE_CHAT:
        return deny("Only Live Chat has embed code")
    return ALLOW


def push_after_save(changed: Iterable[str], pending: bool) -> bool:
    """A save sends the settings on at once when it changed something and left them pending.

    (A change to in-app settings only keeps the push state; nothing is sent then.) The profile manager
    and ``socialdesk settings set`` both follow this, through ``ops.settings.save_and_push``.
    """
    return pending and any(True for _ in changed)


def can_push_now(waiting: bool, connection: ConnectionState | None, connection_name: str) -> Decision:
    """The "Push now" button: it sends settings that wait (pending or refused) over an active connection.

    ``connection`` is the profile's state of the connection type its platform pushes with
    (``connection_name``: "X/Twitter Publishing"); ``None`` when its settings are never pushed.
    """
    if connection is None:
        return deny("These settings stay in SocialDesk; nothing is sent to the platform")
    if not waiting:
        return deny("Nothing waits to be pushed: the platform has the saved settings")
    if connection is not ConnectionState.ACTIVE:
        return deny(f"Pushing needs an active {connection_name} connection; connect it first")
    return ALLOW


# -- team, groups (the dialogs: members, groups) ---------------------------------------------------

#: How many items (profiles and nested groups) one group holds.
GROUP_ITEM_LIMIT = 20
TEAM_ADMINS_ONLY = "Only Administrators and Managers can change the team"


def can_manage_team(actor: Actor | None) -> Decision:
    """Adding, renaming, re-roling and removing members: Administrators and Managers.

    With nobody chosen as *me* yet (the first run) anyone may set the team up; the members dialog
    disables its buttons with this reason instead of checking the role itself.
    """
    if actor is not None and actor.role not in MEMBER_ADMIN_ROLES:
        return deny(TEAM_ADMINS_ONLY)
    return ALLOW


def item_limit_reason(group_name: str, current: int, adding: int, deleted: int = 0) -> str:
    """The item limit in words: how many the group has (and how many of them are deleted), how many fit."""
    hidden = ""
    if deleted:
        hidden = (
            f" ({deleted} of them deleted profile{'s' if deleted != 1 else ''}; remove them to make room)"
        )
    room = GROUP_ITEM_LIMIT - current
    return (
        f"A group holds at most {GROUP_ITEM_LIMIT} items; {group_name!r} has {current}{hidden}, "
        f"so {max(room, 0)} more fit{'s' if room == 1 else ''} and {adding} were given"
    )


def can_add_items(group_name: str, current: int, adding: int, deleted: int = 0) -> Decision:
    """Whether ``adding`` new items fit into a group that holds ``current`` (``deleted`` of them
    deleted profiles, which still take their place); a refusal says how many fit.

    Asked before any id is looked up (a selection of 100,000 profiles is refused at once), by the
    groups editor, the "Add to group" menu (a full group's entry is disabled with this reason) and
    the groups service, which asks again inside its unit of work.
    """
    if current + adding <= GROUP_ITEM_LIMIT:
        return ALLOW
    return deny(item_limit_reason(group_name, current, adding, deleted))
