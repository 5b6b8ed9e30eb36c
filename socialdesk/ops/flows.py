"""Flows: the workspace's named automations (the flows dialog, ``socialdesk flows``, the profile manager)."""

from __future__ import annotations

from dataclasses import dataclass

from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import flows as flows_service
from socialdesk.services import members as members_service
from socialdesk.services.flows import FlowRecord as FlowRecord
from socialdesk.services.flows import FlowUse as FlowUse
from socialdesk.services.rules import Decision
from socialdesk.services.settings import can_edit_settings
from socialdesk.services.workspace import Workspace as Workspace

__all__ = [
    "FlowRecord",
    "FlowUse",
    "Flows",
    "Renamed",
    "Workspace",
    "create_flow",
    "delete_flow",
    "describe_flow",
    "flow",
    "flow_names",
    "flows",
    "rename_flow",
]


@dataclass(frozen=True, slots=True)
class Flows:
    """The flows dialog's view: every flow with its uses, and whether *me* may change them."""

    flows: tuple[FlowRecord, ...]
    edit: Decision


@dataclass(frozen=True, slots=True)
class Renamed:
    old: str
    new: str
    #: How many profiles' settings now use the new name.
    profiles: int


def flows(workspace: Workspace) -> Flows:
    with workspace.reading() as s:
        return Flows(tuple(flows_service.records(s)), can_edit_settings(members_service.me_actor(s)))


def flow(workspace: Workspace, key: int | str) -> FlowRecord:
    """One flow (by id or name) with where it is used."""
    with workspace.reading() as s:
        return flows_service.record(s, flows_service.find(s, key))


def flow_names(workspace: Workspace) -> list[str]:
    """The flows' names by name: what a setting's flow picker offers."""
    with workspace.reading() as s:
        return flows_service.flow_names(s)


def create_flow(workspace: Workspace, name: str, description: str = "") -> Done[FlowRecord]:
    with workspace.session() as s:
        created = flows_service.create(s, members_service.me_actor(s), name, description)
        record = FlowRecord(created.id, created.name, created.description or "")
    return Done(record, Change.of(Kind.FLOWS, message=f"Added the flow {record.name}."))


def rename_flow(workspace: Workspace, key: int | str, new_name: str) -> Done[Renamed]:
    """Rename a flow and every setting that points at it."""
    with workspace.session() as s:
        old = flows_service.find(s, key).name
        renamed, profiles = flows_service.rename(s, members_service.me_actor(s), key, new_name)
        result = Renamed(old, renamed.name, profiles)
    kinds = (Kind.FLOWS, Kind.SETTINGS) if profiles else (Kind.FLOWS,)
    return Done(result, Change.of(*kinds, message=f"Renamed the flow to {result.new}."))


def describe_flow(workspace: Workspace, key: int | str, description: str) -> Done[FlowRecord]:
    with workspace.session() as s:
        described = flows_service.describe(s, members_service.me_actor(s), key, description)
        record = FlowRecord(described.id, described.name, described.description or "")
    return Done(record, Change.of(Kind.FLOWS))


def delete_flow(workspace: Workspace, key: int | str) -> Done[str]:
    """Delete a flow nobody uses (a flow in use is refused with ``NotAllowedError``); returns its name."""
    with workspace.session() as s:
        name = flows_service.delete(s, members_service.me_actor(s), key)
    return Done(name, Change.of(Kind.FLOWS, message=f"Deleted the flow {name}."))
