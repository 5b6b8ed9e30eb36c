"""The audit log: every ownership, sharing, membership and connection change, with who and when."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.schema import AuditEntry
from socialdesk.services.clock import utcnow


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    *,
    profile_id: int | None = None,
    member_id: int | None = None,
    details: str = "",
) -> None:
    session.add(
        AuditEntry(
            at=utcnow(),
            actor_id=actor_id,
            action=action,
            profile_id=profile_id,
            member_id=member_id,
            details=details,
        )
    )


def for_profile(session: Session, profile_id: int, limit: int | None = 20) -> Sequence[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.profile_id == profile_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()
