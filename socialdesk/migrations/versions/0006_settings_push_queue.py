"""settings push queue: push state columns, local -> local_only, WhatsApp avatar_url -> avatar

Revision ID: 0006
Revises: 0005

The push state gets what the offline queue needs to survive a restart (the last try, the next
automatic one, the transient failures in a row), the snapshot last sent to the platform (pushes send
only what changed) and a claim (two processes never send one version twice). The state ``local`` is
renamed ``local_only`` (the public contract's name).

WhatsApp's avatar is now a picture file uploaded to WhatsApp, not an address: a stored ``avatar_url``
cannot be uploaded as it is, so it is kept under ``avatar_previous_url`` (kept on save, not pushed)
and the new ``avatar`` key starts empty until the user picks a file (docs/profile-manager.md).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _rewrite_whatsapp_avatars(rename: tuple[str, str]) -> None:
    old, new = rename
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.profile_id, s.values_json FROM platform_settings s "
            "JOIN profiles p ON p.id = s.profile_id WHERE p.platform = 'whatsapp'"
        )
    ).fetchall()
    for profile_id, values_json in rows:
        try:
            values = json.loads(values_json or "{}")
        except ValueError:
            continue
        if not isinstance(values, dict) or old not in values:
            continue
        value = values.pop(old)
        if value:
            values[new] = value
        if new == "avatar_previous_url":
            values.setdefault("avatar", "")
        else:
            values.pop("avatar", None)
        bind.execute(
            sa.text("UPDATE platform_settings SET values_json = :v WHERE profile_id = :p"),
            {"v": json.dumps(values, ensure_ascii=False), "p": profile_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("platform_settings", schema=None) as batch_op:
        batch_op.alter_column(
            "sync_state",
            existing_type=sa.String(length=10),
            server_default=sa.text("'local_only'"),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("push_failures", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("waiting_for", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("synced_json", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_platform_settings_queue", ["sync_state", "next_attempt_at"], unique=False)
    op.execute("UPDATE platform_settings SET sync_state = 'local_only' WHERE sync_state = 'local'")
    op.execute("UPDATE platform_settings SET attempted_at = pushed_at WHERE sync_state = 'synced'")
    _rewrite_whatsapp_avatars(("avatar_url", "avatar_previous_url"))


def downgrade() -> None:
    _rewrite_whatsapp_avatars(("avatar_previous_url", "avatar_url"))
    op.execute("UPDATE platform_settings SET sync_state = 'local' WHERE sync_state = 'local_only'")
    with op.batch_alter_table("platform_settings", schema=None) as batch_op:
        batch_op.drop_index("ix_platform_settings_queue")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("synced_json")
        batch_op.drop_column("waiting_for")
        batch_op.drop_column("push_failures")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempted_at")
        batch_op.alter_column(
            "sync_state",
            existing_type=sa.String(length=10),
            server_default=sa.text("'local'"),
            existing_nullable=False,
        )
