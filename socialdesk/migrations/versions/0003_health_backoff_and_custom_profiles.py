"""health-check back-off on grants; X custom profiles

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("check_failures", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.create_table(
        "custom_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("avatar_path", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["members.id"], name=op.f("fk_custom_profiles_created_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_custom_profiles_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_profiles")),
    )
    with op.batch_alter_table("custom_profiles", schema=None) as batch_op:
        batch_op.create_index("ix_custom_profiles_profile", ["profile_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("custom_profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_profiles_profile")
    op.drop_table("custom_profiles")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_column("check_failures")
        batch_op.drop_column("next_check_at")
