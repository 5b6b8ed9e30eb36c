"""The workspace schema (SQLAlchemy 2, typed declarative).

Tokens never live here: a grant keeps only metadata and the name of its keyring entry.
Every change to this file needs a migration in ``socialdesk/migrations/versions``; a test compares
the migrated database with this metadata.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Unmapped, mapped_column, unmapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Key/value facts about the workspace: its id (keyring names), who *me* is, app settings."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class WorkspaceMarker(Base):
    """The one row that says "this SQLite file is a SocialDesk workspace" (with ``PRAGMA application_id``).

    Alembic's version table alone cannot tell: other programs use Alembic with the same revision ids."""

    __tablename__ = "socialdesk_workspace"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application: Mapped[str] = mapped_column(String(32))

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: ``name`` case-folded: uniqueness and lookups are case-insensitive.
    name_key: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: Removed members stay for the history (audit log, revoked grants) but hold nothing.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ux_members_active_name", "name_key", unique=True, sqlite_where=text("removed_at IS NULL")),
        CheckConstraint("role IN ('administrator','manager','responder','analyst')", name="role"),
    )


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    handle: Mapped[str] = mapped_column(String(200))
    handle_key: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(300))
    platform_id: Mapped[str | None] = mapped_column(String(100))
    #: WhatsApp: the business account (WABA) that owns this phone number (``platform_id``).
    business_account_id: Mapped[str | None] = mapped_column(String(100))
    visibility: Mapped[str] = mapped_column(String(10))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    like_count: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    shared_with_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    acquire_data: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    acquire_messages: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    notes: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    #: Soft delete: acquired data and messages stay stored, hidden.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    #: Kept by SQLite triggers (migration 0007), never written by the code: the owners' member ids
    #: in id order ("1,3"), NULL without owners, and the connection states (two bits per connection
    #: type), read with the row by the profile list (docs/scale.md). Not mapped by the ORM: an ORM
    #: object would hold a stale copy the triggers cannot update.
    owner_ids: Unmapped[str | None] = unmapped_column(Text)
    conn_states: Unmapped[int] = unmapped_column(Integer, server_default=text("0"))
    __table_args__ = (
        Index("ix_profiles_platform_handle", "platform", "handle_key"),
        Index("ix_profiles_platform_pid", "platform", "platform_id"),
        Index("ix_profiles_deleted_at", "deleted_at"),
        CheckConstraint("visibility IN ('owned','public')", name="visibility"),
    )


class ProfileOwner(Base):
    __tablename__ = "profile_owners"
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_profile_owners_member", "member_id"),)


class ProfileShare(Base):
    """A share with one member; "all users" is ``Profile.shared_with_all``."""

    __tablename__ = "profile_shares"
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    shared_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    since: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_profile_shares_member", "member_id"),)


class Connection(Base):
    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("profile_id", "type"),)


class Grant(Base):
    """One member's authorisation behind a connection. The token itself is in the OS keyring."""

    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    state: Mapped[str] = mapped_column(String(10))
    scopes: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    #: Expiry of the access token (None: the platform gave none).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    has_refresh_token: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    #: Keyring entry name for the token on this computer; None: made elsewhere, metadata only.
    token_ref: Mapped[str | None] = mapped_column(String(200))
    #: The platform account the token belongs to (proves who signed in).
    account_id: Mapped[str | None] = mapped_column(String(100))
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    state_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Health checks that could not reach the platform back off until then.
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime)
    check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (
        UniqueConstraint("connection_id", "member_id"),
        Index("ix_grants_member", "member_id"),
        #: Covers the per-profile recomputation of ``Profile.conn_states`` in the triggers.
        Index("ix_grants_connection_state", "connection_id", "state"),
        #: The connection check's chunks read the grants of a few tokens here (migration 0007).
        Index("ix_grants_token_ref", "token_ref", sqlite_where=text("token_ref IS NOT NULL")),
        #: The profile list's expiry hints: active grants that cannot refresh themselves, by expiry.
        Index(
            "ix_grants_expiring",
            "expires_at",
            sqlite_where=text("state = 'active' AND has_refresh_token = 0"),
        ),
        CheckConstraint("state IN ('active','expired','revoked')", name="state"),
    )


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    color: Mapped[str] = mapped_column(String(9), default="#607D8B")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GroupItem(Base):
    """An item of a group: a profile or another group, at a position."""

    __tablename__ = "group_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    child_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))

    __table_args__ = (
        CheckConstraint("(profile_id IS NULL) != (child_group_id IS NULL)", name="one_target"),
        Index("ix_group_items_group", "group_id", "position"),
        Index("ix_group_items_profile", "profile_id"),
    )


class Flow(Base):
    """A named automation kept in the workspace; quick replies, ice breakers and menus point at flows."""

    __tablename__ = "flows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """Who changed what and when: ownership, sharing, membership and connections."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(40))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    details: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    __table_args__ = (Index("ix_audit_profile", "profile_id", "at"),)


class PlatformSettings(Base):
    """A profile's per-platform settings (JSON) with the state of their push to the platform."""

    __tablename__ = "platform_settings"
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    values_json: Mapped[str] = mapped_column(Text, default="{}", server_default=text("'{}'"))
    #: pending | synced | failed | local_only (nothing can reach the platform: Live Chat, colour only)
    sync_state: Mapped[str] = mapped_column(
        String(10), default="local_only", server_default=text("'local_only'")
    )
    #: Why the state is not synced (scrubbed of tokens); ``push.reason`` of ``settings show``.
    sync_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The offline queue (durable: it survives restarts): the last try, the next automatic one and
    #: how many transient failures in a row set the back-off.
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    push_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    #: A pending push that waits for an event, not for time (connection, token, permission, fix): the
    #: timer leaves it alone; a re-connect or a new save sends it.
    waiting_for: Mapped[str | None] = mapped_column(String(20))
    #: What the platform was last sent successfully (the adapter's own JSON), to send only changes.
    synced_json: Mapped[str | None] = mapped_column(Text)
    #: A push under way holds the row until then, so two processes never send one version twice.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_platform_settings_queue", "sync_state", "next_attempt_at"),)


class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    connection_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    text: Mapped[str] = mapped_column(Text)
    #: Identifies the event (e.g. one expiry of one connection) so it is notified exactly once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    __table_args__ = (Index("ix_notifications_read", "read", "created_at"),)


class CustomProfile(Base):
    """An X/Twitter custom profile (name + avatar) replies can be sent as (avatar file in the workspace)."""

    __tablename__ = "custom_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    #: Path of the avatar image relative to the workspace folder.
    avatar_path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    __table_args__ = (Index("ix_custom_profiles_profile", "profile_id"),)
