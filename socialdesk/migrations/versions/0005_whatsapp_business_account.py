"""profiles.business_account_id: the WhatsApp business account a phone-number profile belongs to

A WhatsApp profile is one phone number (its business profile belongs to the number, see
docs/platforms.md); the business account (WABA) that owns the number is kept beside it for the
calls made per account. Profiles recorded before (platform id = the WABA id) keep that id as their
business account; the next re-connect gives them their phone number's id, never a duplicate.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_account_id", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE profiles SET business_account_id = platform_id "
        "WHERE platform = 'whatsapp' AND platform_id IS NOT NULL AND business_account_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_column("business_account_id")
