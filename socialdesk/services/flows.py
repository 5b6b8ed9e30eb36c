"""Flows: the workspace's named automations that quick replies, ice breakers, menus and Get Started start.

Names are unique case-insensitively (blanks collapsed) and settings refer to flows by name, so renaming a
flow rewrites every reference to it, and a flow in use cannot be deleted: the refusal says which profiles
and fields use it. Changing flows is part of the profile manager, so it is for Administrators only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.models.schema import Flow, PlatformSettings, Profile
from socialdesk.models.settings_catalogue import flow_key, full_spec
from socialdesk.models.wording import counted
from socialdesk.services import audit
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError, known_id
from socialdesk.services.names import control_problem
from socialdesk.services.rules import Actor
from socialdesk.services.settings import require_settings_editor

MAX_NAME = 200
MAX_DESCRIPTION = 2000


def list_flows(session: Session) -> Sequence[Flow]:
    return session.scalars(select(Flow).order_by(Flow.name_key)).all()


@dataclass(frozen=True, slots=True)
class FlowRecord:
    """A flow as the flows dialog and ``flows list`` show it: with where it is used."""

    id: int
    name: str
    description: str
    uses: tuple[FlowUse, ...] = ()

    @property
    def used_by(self) -> int:
        return len(self.uses)


def record(session: Session, flow: Flow) -> FlowRecord:
    return FlowRecord(flow.id, flow.name, flow.description or "", tuple(usages(session, flow)))


def records(session: Session) -> list[FlowRecord]:
    """Every flow by name, each with its uses (one settings scan per flow, narrowed by SQL)."""
    return [record(session, f) for f in list_flows(session)]


def flow_names(session: Session) -> list[str]:
    return list(session.scalars(select(Flow.name).order_by(Flow.name_key)))


def find(session: Session, key: str | int) -> Flow:
    """A flow by id or by name (case-insensitive)."""
    if isinstance(key, int) or key.strip().isdigit():
        flow = session.get(Flow, known_id(int(key), "flow"))
        if flow is None:
            raise NotFoundError(f"There is no flow with id {key}")
        return flow
    found = session.scalar(select(Flow).where(Flow.name_key == flow_key(key)))
    if found is None:
        raise NotFoundError(f"There is no flow named {key!r}")
    return found


def _clean_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError({"name": "A flow needs a name"})
    if len(clean) > MAX_NAME:
        raise ValidationError({"name": f"At most {MAX_NAME} characters; this has {len(clean)}"})
    problem = control_problem(clean, "A flow name")
    if problem:
        raise ValidationError({"name": problem})
    if clean.isdigit():
        # Commands accept ids and names as keys; an all-digit name would be taken for an id.
        raise ValidationError({"name": "A flow name needs at least one letter"})
    clash = session.scalar(
        select(Flow).where(Flow.name_key == flow_key(clean), Flow.id != (exclude_id or -1))
    )
    if clash is not None:
        raise ValidationError({"name": f"There is already a flow named {clash.name!r}"})
    return clean


def create(session: Session, actor: Actor | None, name: str, description: str = "") -> Flow:
    actor = require_settings_editor(actor)
    clean = _clean_name(session, name)
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": f"At most {MAX_DESCRIPTION} characters"})
    flow = Flow(name=clean, name_key=flow_key(clean), description=description.strip(), created_at=utcnow())
    session.add(flow)
    session.flush()
    audit.record(session, actor.id, "flow_created", details=clean)
    return flow


@dataclass(frozen=True, slots=True)
class FlowUse:
    """One reference to a flow: which profile and which field."""

    profile_id: int
    platform: str
    handle: str
    display_name: str
    field: str
    deleted: bool = False

    def describe(self) -> str:
        where = f"{PLATFORMS[self.platform].label} {self.display_name} (@{self.handle}, id {self.profile_id}"
        return f"{where}{', deleted' if self.deleted else ''}): {self.field}"


_Mention = Row[int, str, str, str, str, str, datetime | None]


def _mentioning(session: Session, name: str) -> Sequence[_Mention]:
    """Settings records whose JSON text contains the name: SQL narrows 100,000 records down in milliseconds.

    LIKE ignores case for ASCII letters only, which is enough: settings store flow names as the flow spells
    them (references are resolved on save), so any other spelling is found by its exact text.
    """
    text = json.dumps(" ".join(name.split()), ensure_ascii=False)[1:-1]
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return session.execute(
        select(
            PlatformSettings.profile_id,
            PlatformSettings.values_json,
            Profile.platform,
            Profile.kind,
            Profile.handle,
            Profile.display_name,
            Profile.deleted_at,
        )
        .join(Profile, Profile.id == PlatformSettings.profile_id)
        .where(PlatformSettings.values_json.like(pattern, escape="\\"))
        .order_by(PlatformSettings.profile_id)
    ).all()


def _values(values_json: str) -> dict[str, Any]:
    try:
        data = json.loads(values_json or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def usages(session: Session, flow: Flow | str) -> list[FlowUse]:
    """Where the flow is used: every profile (deleted ones too: they can be restored) and field."""
    name = flow.name if isinstance(flow, Flow) else flow
    key = flow_key(name)
    found: list[FlowUse] = []
    for pid, values_json, platform_key, kind, handle, display_name, deleted_at in _mentioning(session, name):
        spec = full_spec(platform_key, kind)
        if spec is None:
            continue
        for where, ref in spec.flow_references(_values(values_json)):
            if flow_key(ref) == key:
                found.append(FlowUse(pid, platform_key, handle, display_name, where, deleted_at is not None))
    return found


def rename(session: Session, actor: Actor | None, key: str | int, new_name: str) -> tuple[Flow, int]:
    """Rename a flow and every setting that refers to it. Returns the flow and how many profiles changed."""
    actor = require_settings_editor(actor)
    flow = find(session, key)
    clean = _clean_name(session, new_name, exclude_id=flow.id)
    old = flow.name
    changed: list[dict[str, Any]] = []
    if clean != old:
        for pid, values_json, platform_key, kind, *_ in _mentioning(session, old):
            spec = full_spec(platform_key, kind)
            values = _values(values_json)
            if spec is not None and spec.rename_flow(values, old, clean):
                changed.append({"profile_id": pid, "values_json": json.dumps(values, ensure_ascii=False)})
        if changed:
            # One executemany by primary key: 20,000 records in well under a second.
            session.execute(update(PlatformSettings), changed)
        flow.name, flow.name_key = clean, flow_key(clean)
        audit.record(session, actor.id, "flow_renamed", details=f"{old} → {clean} ({len(changed)} profiles)")
    session.flush()
    return flow, len(changed)


def describe(session: Session, actor: Actor | None, key: str | int, description: str) -> Flow:
    actor = require_settings_editor(actor)
    flow = find(session, key)
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": f"At most {MAX_DESCRIPTION} characters"})
    flow.description = description.strip()
    return flow


def delete(session: Session, actor: Actor | None, key: str | int) -> str:
    """Delete a flow nobody uses; a flow in use is refused with the list of where it is used."""
    actor = require_settings_editor(actor)
    flow = find(session, key)
    used = usages(session, flow)
    if used:
        shown = "; ".join(u.describe() for u in used[:10])
        more = f"; and {len(used) - 10} more" if len(used) > 10 else ""
        raise NotAllowedError(
            f"The flow {flow.name!r} is used in {counted(len(used), '{n} place', '{n} places')}: "
            f"{shown}{more}. "
            "Point those settings at another flow first"
        )
    name = flow.name
    session.delete(flow)
    audit.record(session, actor.id, "flow_deleted", details=name)
    session.flush()
    return name
