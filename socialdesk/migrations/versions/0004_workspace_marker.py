"""workspace marker: application id and the one-row socialdesk_workspace table

Revision ID: 0004
Revises: 0003

From this schema on, a SocialDesk workspace is recognised by ``PRAGMA application_id`` ("SoDk") and this
marker, not by Alembic's version table alone (other programs use Alembic with the same revision ids). Both
are written inside the upgrade's transaction: the application id lives in the database header, which SQLite
journals like any other page.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Frozen here (not imported): a migration must keep doing what it did when it was written.
APPLICATION_ID = 0x536F446B


def upgrade() -> None:
    op.create_table(
        "socialdesk_workspace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application", sa.String(length=32), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_socialdesk_workspace_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_socialdesk_workspace")),
    )
    op.execute("INSERT INTO socialdesk_workspace (id, application) VALUES (1, 'SocialDesk')")
    op.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def downgrade() -> None:
    op.execute("PRAGMA application_id = 0")
    op.drop_table("socialdesk_workspace")
