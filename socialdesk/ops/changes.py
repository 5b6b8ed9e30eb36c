"""What an operation changed: the record the main window broadcasts to its views."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Kind(StrEnum):
    """The parts of the workspace a view may show; a view refreshes when a change names its part."""

    PROFILES = "profiles"  # rows of the list: names, handles, ownership, connections, trash
    GROUPS = "groups"  # groups and their items (the Groups column and filter)
    MEMBERS = "members"  # team members and roles (Owners column, share recipients)
    FLOWS = "flows"  # the workspace's chat flows
    SETTINGS = "settings"  # per-profile platform settings and their push queue
    CONNECTIONS = "connections"  # grants and tokens (connection state)
    NOTIFICATIONS = "notifications"
    PREFERENCES = "preferences"  # the app's own settings (providers, interval, notification switches)


@dataclass(frozen=True, slots=True)
class Change:
    """What an operation changed.

    ``profile_ids`` narrows a PROFILES change to those rows (empty with PROFILES = any row may have
    changed: reload the list). ``message`` is the sentence for the status bar, already translated by
    the caller's words (operations write English source text; the ui translates its own).
    """

    kinds: frozenset[Kind] = frozenset()
    profile_ids: tuple[int, ...] = ()
    message: str = ""

    @classmethod
    def of(cls, *kinds: Kind, profile_ids: Iterable[int] = (), message: str = "") -> Change:
        return cls(frozenset(kinds), tuple(profile_ids), message)

    def touches(self, kind: Kind) -> bool:
        return kind in self.kinds

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def merged(self, other: Change) -> Change:
        ids = tuple(dict.fromkeys((*self.profile_ids, *other.profile_ids)))
        message = "\n".join(m for m in (self.message, other.message) if m)
        return Change(self.kinds | other.kinds, ids, message)


NOTHING = Change()


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    """An operation's answer: its value (records, never ORM rows) and what it changed."""

    value: T
    change: Change = field(default=NOTHING)
