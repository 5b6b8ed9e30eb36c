"""The notification centre: expired connections (and later other events), in-app and on the desktop.

Exactly one ``connection_expired`` notification is made when a connection *becomes* expired. Its
``dedupe_key`` names the connection and the expiry episode (the time of the connection's latest
grant), so the same expiry is never notified twice — not by a second check, not after a restart,
not by a second process — while the connection expiring again after a re-connect is a new event.

Channels are workspace settings (meta keys ``notify_in_app`` and ``notify_desktop``, both on by
default). Every notification is recorded (the centre keeps missed ones and the key prevents
repeats); with the in-app channel off it is recorded as already read, so it raises no badge. The
desktop channel calls the hooks registered with :func:`register_desktop_hook` (the GUI registers
one; it is called from the thread that ran the check, so it must hand over to the GUI thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import KIND_LABELS, ConnectionType, platform
from socialdesk.models.schema import Connection, Grant, Meta, Notification, Profile
from socialdesk.services import redact
from socialdesk.services.clock import iso, utcnow
from socialdesk.services.workspace import Workspace

log = logging.getLogger(__name__)

CONNECTION_EXPIRED = "connection_expired"
IN_APP_KEY = "notify_in_app"
DESKTOP_KEY = "notify_desktop"


@dataclass(frozen=True, slots=True)
class NotificationView:
    """One entry of the notification centre, as ``socialdesk notifications`` prints it."""

    id: int
    kind: str
    profile_id: int | None
    connection_type: str | None
    created_at: datetime
    read: bool
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "profile_id": self.profile_id,
            "connection_type": self.connection_type,
            "created_at": iso(self.created_at),
            "read": self.read,
            "text": self.text,
        }


def _view(n: Notification) -> NotificationView:
    return NotificationView(n.id, n.kind, n.profile_id, n.connection_type, n.created_at, n.read, n.text)


# -- channels --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Channels:
    in_app: bool = True
    desktop: bool = True


def _flag(session: Session, key: str) -> bool:
    meta = session.get(Meta, key)
    return meta is None or meta.value not in ("0", "false", "off")


def channels(session: Session) -> Channels:
    return Channels(in_app=_flag(session, IN_APP_KEY), desktop=_flag(session, DESKTOP_KEY))


def set_channels(session: Session, *, in_app: bool | None = None, desktop: bool | None = None) -> Channels:
    """Switch channels on or off (``None`` leaves one as it is)."""
    for key, value in ((IN_APP_KEY, in_app), (DESKTOP_KEY, desktop)):
        if value is not None:
            session.merge(Meta(key=key, value="1" if value else "0"))
    session.flush()
    return channels(session)


DesktopHook = Callable[[NotificationView], None]
_hooks: list[DesktopHook] = []
_hooks_lock = threading.Lock()


def register_desktop_hook(hook: DesktopHook) -> Callable[[], None]:
    """Call ``hook`` for each new notification while the desktop channel is on; returns an unregister."""
    with _hooks_lock:
        _hooks.append(hook)

    def unregister() -> None:
        with _hooks_lock:
            if hook in _hooks:
                _hooks.remove(hook)

    return unregister


def dispatch_desktop(workspace: Workspace, new: Sequence[NotificationView]) -> int:
    """Hand new notifications to the desktop hooks (after they are committed). Returns calls made."""
    if not new:
        return 0
    with workspace.session() as session:
        if not channels(session).desktop:
            return 0
    with _hooks_lock:
        hooks = list(_hooks)
    calls = 0
    for view in new:
        for hook in hooks:
            try:
                hook(view)
                calls += 1
            except Exception:
                log.exception("A desktop notification could not be shown")
    return calls


# -- making notifications ----------------------------------------------------------------------------


def expiry_key(session: Session, connection_id: int) -> str:
    """The dedupe key of the connection's current expiry episode (stable across runs)."""
    latest = session.scalar(select(func.max(Grant.granted_at)).where(Grant.connection_id == connection_id))
    return f"{CONNECTION_EXPIRED}:{connection_id}:{iso(latest) or '-'}"


def connection_expired_text(profile: Profile, ctype: ConnectionType) -> str:
    info = platform(profile.platform)
    kind = KIND_LABELS.get(profile.kind, profile.kind).lower()
    return (
        f"The {ctype.label} connection of {info.label} {kind} “{profile.display_name}” (@{profile.handle}) "
        "has expired. Connect it again to keep it working."
    )


def connection_expired(
    session: Session, connection_id: int, *, now: datetime | None = None
) -> NotificationView | None:
    """Record that a connection became expired; ``None`` when this expiry was already notified."""
    connection = session.get(Connection, connection_id)
    if connection is None:
        return None
    profile = session.get(Profile, connection.profile_id)
    if profile is None:
        return None
    key = expiry_key(session, connection_id)
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None:
        return None
    ctype = ConnectionType(connection.type)
    note = Notification(
        kind=CONNECTION_EXPIRED,
        profile_id=profile.id,
        connection_type=ctype.value,
        created_at=now or utcnow(),
        read=not channels(session).in_app,
        text=redact.scrub(connection_expired_text(profile, ctype)),  # names come from platforms too
        dedupe_key=key,
    )
    try:
        with session.begin_nested():
            session.add(note)
            session.flush()
    except IntegrityError:  # another process notified the same expiry a moment ago
        return None
    return _view(note)


# -- the centre ---------------------------------------------------------------------------------------


def list_notifications(session: Session, *, unread_only: bool = False) -> list[NotificationView]:
    """Newest first."""
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if unread_only:
        query = query.where(Notification.read.is_(False))
    return [_view(n) for n in session.scalars(query).all()]


def unread_count(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Notification).where(Notification.read.is_(False)))
        or 0
    )


def mark_read(session: Session, ids: Iterable[int]) -> int:
    """Mark these notifications read; returns how many changed. Unknown ids are ignored."""
    id_list = list(ids)
    if not id_list:
        return 0
    result = session.execute(
        update(Notification)
        .where(Notification.id.in_(id_list), Notification.read.is_(False))
        .values(read=True)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark_all_read(session: Session) -> int:
    result = session.execute(update(Notification).where(Notification.read.is_(False)).values(read=True))
    return int(getattr(result, "rowcount", 0) or 0)
