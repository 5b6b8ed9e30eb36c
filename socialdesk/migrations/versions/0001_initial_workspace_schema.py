"""initial workspace schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
        sa.UniqueConstraint("name_key", name=op.f("uq_flows_name_key")),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("color", sa.String(length=9), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("name_key", name=op.f("uq_groups_name_key")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('administrator','manager','responder','analyst')", name=op.f("ck_members_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            "ux_members_active_name", ["name_key"], unique=True, sqlite_where=sa.text("removed_at IS NULL")
        )

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=False),
        sa.Column("handle_key", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("platform_id", sa.String(length=100), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("like_count", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("shared_with_all", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("acquire_data", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("acquire_messages", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("notes", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("visibility IN ('owned','public')", name=op.f("ck_profiles_visibility")),
        sa.ForeignKeyConstraint(["added_by"], ["members.id"], name=op.f("fk_profiles_added_by_members")),
        sa.ForeignKeyConstraint(["deleted_by"], ["members.id"], name=op.f("fk_profiles_deleted_by_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index("ix_profiles_deleted_at", ["deleted_at"], unique=False)
        batch_op.create_index("ix_profiles_platform_handle", ["platform", "handle_key"], unique=False)
        batch_op.create_index("ix_profiles_platform_pid", ["platform", "platform_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], name=op.f("fk_audit_log_actor_id_members")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_audit_log_member_id_members")),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_audit_log_profile_id_profiles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_profile", ["profile_id", "at"], unique=False)

    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_connections_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("profile_id", "type", name=op.f("uq_connections_profile_id_type")),
    )
    op.create_table(
        "group_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("child_group_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(profile_id IS NULL) != (child_group_id IS NULL)", name=op.f("ck_group_items_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["child_group_id"],
            ["groups.id"],
            name=op.f("fk_group_items_child_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_items_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_group_items_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_items")),
    )
    with op.batch_alter_table("group_items", schema=None) as batch_op:
        batch_op.create_index("ix_group_items_group", ["group_id", "position"], unique=False)
        batch_op.create_index("ix_group_items_profile", ["profile_id"], unique=False)

    op.create_table(
        "profile_owners",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_profile_owners_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_owners_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "member_id", name=op.f("pk_profile_owners")),
    )
    with op.batch_alter_table("profile_owners", schema=None) as batch_op:
        batch_op.create_index("ix_profile_owners_member", ["member_id"], unique=False)

    op.create_table(
        "profile_shares",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("shared_by", sa.Integer(), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_profile_shares_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_shares_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_by"], ["members.id"], name=op.f("fk_profile_shares_shared_by_members")
        ),
        sa.PrimaryKeyConstraint("profile_id", "member_id", name=op.f("pk_profile_shares")),
    )
    with op.batch_alter_table("profile_shares", schema=None) as batch_op:
        batch_op.create_index("ix_profile_shares_member", ["member_id"], unique=False)

    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("scopes", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("has_refresh_token", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("token_ref", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=100), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('active','expired','revoked')", name=op.f("ck_grants_state")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_grants_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_grants_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
        sa.UniqueConstraint("connection_id", "member_id", name=op.f("uq_grants_connection_id_member_id")),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index("ix_grants_member", ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index("ix_grants_member")

    op.drop_table("grants")
    with op.batch_alter_table("profile_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_shares_member")

    op.drop_table("profile_shares")
    with op.batch_alter_table("profile_owners", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_owners_member")

    op.drop_table("profile_owners")
    with op.batch_alter_table("group_items", schema=None) as batch_op:
        batch_op.drop_index("ix_group_items_profile")
        batch_op.drop_index("ix_group_items_group")

    op.drop_table("group_items")
    op.drop_table("connections")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_profile")

    op.drop_table("audit_log")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_profiles_platform_pid")
        batch_op.drop_index("ix_profiles_platform_handle")
        batch_op.drop_index("ix_profiles_deleted_at")

    op.drop_table("profiles")
    op.drop_table("meta")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ux_members_active_name", sqlite_where=sa.text("removed_at IS NULL"))

    op.drop_table("members")
    op.drop_table("groups")
    op.drop_table("flows")
