"""Errors that carry a message meant for the user: what happened and what to do."""

from __future__ import annotations


class SocialDeskError(Exception):
    """A failure the user can act on; ``str(error)`` is the message to show."""


class WorkspaceError(SocialDeskError):
    """The workspace cannot be opened or written: missing, not ours, too new, corrupt, read-only or full."""


class WorkspaceBusyError(WorkspaceError):
    """Another process held the workspace's write lock for longer than the busy timeout.

    Nothing of the refused write was stored; trying again later is the fix (docs/storage.md)."""


class NotFoundError(SocialDeskError):
    pass


#: The largest id SQLite can store; a bigger number can name nothing.
MAX_ID = 2**63 - 1


def known_id(value: int, what: str) -> int:
    """``value`` if it can be an id at all, else the same "not found" a missing row gives."""
    if not 0 < value <= MAX_ID:
        raise NotFoundError(f"There is no {what} with id {value}")
    return value


class NotAllowedError(SocialDeskError):
    """A product rule refuses the action; the message is the rule's reason."""


class ValidationError(SocialDeskError):
    """One or more fields are wrong; ``problems`` maps a field to its message."""

    def __init__(self, problems: dict[str, str] | list[tuple[str, str]]) -> None:
        items = list(problems.items()) if isinstance(problems, dict) else list(problems)
        self.problems: list[tuple[str, str]] = items
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in items))
