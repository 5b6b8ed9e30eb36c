"""The decisions the team and groups windows used to make themselves: rules.can_manage_team and
rules.can_add_items, with their reasons (the services ask the same functions)."""

from __future__ import annotations

import pytest

from socialdesk.models.catalogue import Role
from socialdesk.services import groups, rules
from socialdesk.services.rules import Actor


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (None, True),  # the first run: nobody is *me* yet, anyone sets the team up
        (Actor(1, Role.ADMINISTRATOR), True),
        (Actor(1, Role.MANAGER), True),
        (Actor(1, Role.RESPONDER), False),
        (Actor(1, Role.ANALYST), False),
    ],
)
def test_can_manage_team(actor: Actor | None, allowed: bool) -> None:
    decision = rules.can_manage_team(actor)
    assert bool(decision) is allowed
    assert decision.reason == ("" if allowed else "Only Administrators and Managers can change the team")


def test_can_add_items_counts_what_fits() -> None:
    assert rules.GROUP_ITEM_LIMIT == groups.MAX_ITEMS == 20
    assert rules.can_add_items("Spring", 0, 20)
    assert rules.can_add_items("Spring", 19, 1)
    full = rules.can_add_items("Spring", 20, 1)
    assert not full
    assert full.reason == "A group holds at most 20 items; 'Spring' has 20, so 0 more fit and 1 were given"
    one_left = rules.can_add_items("Spring", 19, 3, deleted=2)
    assert one_left.reason == (
        "A group holds at most 20 items; 'Spring' has 19 (2 of them deleted profiles; remove them to "
        "make room), so 1 more fits and 3 were given"
    )
    assert groups.item_limit_message("Spring", 19, 3, 2) == one_left.reason
