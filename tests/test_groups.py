"""Profile groups (docs/product.md §6): limits, loops, copy, delete of a contained group, order, expansion."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import Role
from socialdesk.models.schema import AuditEntry, Group, GroupItem, Member, Profile
from socialdesk.services import groups as g
from socialdesk.services.clock import utcnow
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError
from socialdesk.services.rules import Actor
from socialdesk.services.workspace import Workspace
from tests import factory as f

P = g.ItemRef.profile
G = g.ItemRef.group


@dataclass
class World:
    me: Member
    actor: Actor
    profiles: list[Profile]


@pytest.fixture
def world(workspace: Workspace) -> Iterator[tuple[Session, World]]:
    """An empty workspace with *me* (a Manager) and 25 profiles, inside one open session."""
    with workspace.session() as s:
        me = f.member(s, "Ada", Role.MANAGER, me=True)
        profiles = [f.profile(s, handle=f"brand_{i}", owners=(me,)) for i in range(25)]
        yield s, World(me, f.actor(me), profiles)


def _audit_actions(s: Session) -> list[str]:
    return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _items(s: Session, gid: int) -> list[g.ItemRef]:
    return [i.ref for i in g.group_info(s, gid).items]


# -- create, rename, recolour ---------------------------------------------------------------------


def test_create_rename_recolour_are_stored_and_audited(world: tuple[Session, World]) -> None:
    s, w = world
    group = g.create_group(s, w.actor, "  Winter   campaign ", "#1e88e5")
    assert (group.name, group.name_key, group.color) == ("Winter campaign", "winter campaign", "#1E88E5")
    assert g.create_group(s, w.actor, "Plain").color == g.DEFAULT_COLOR
    g.rename_group(s, w.actor, group.id, "Spring campaign")
    g.recolor_group(s, w.actor, group.id, "#43A047")
    info = g.group_info(s, group.id)
    assert (info.name, info.color) == ("Spring campaign", "#43A047")
    assert g.find_group(s, "SPRING CAMPAIGN").id == group.id
    assert g.find_group(s, str(group.id)).id == group.id
    assert _audit_actions(s) == ["group_created", "group_created", "group_renamed", "group_recoloured"]


def test_names_are_unique_case_insensitively_and_checked(world: tuple[Session, World]) -> None:
    s, w = world
    emea = g.create_group(s, w.actor, "EMEA")
    with pytest.raises(ValidationError, match="There is already a group named 'EMEA'") as exc:
        g.create_group(s, w.actor, "emea")
    assert exc.value.problems[0][0] == "name"
    with pytest.raises(ValidationError, match="already a group named"):
        g.create_group(s, w.actor, "  Emea ")
    other = g.create_group(s, w.actor, "APAC")
    with pytest.raises(ValidationError, match="already a group named 'EMEA'"):
        g.rename_group(s, w.actor, other.id, "eMeA")
    # Renaming a group to another casing of its own name is fine.
    assert g.rename_group(s, w.actor, emea.id, "Emea").name == "Emea"
    with pytest.raises(ValidationError, match="needs a name"):
        g.create_group(s, w.actor, "   ")
    with pytest.raises(ValidationError, match=f"at most {g.MAX_NAME} characters"):
        g.create_group(s, w.actor, "x" * (g.MAX_NAME + 1))
    with pytest.raises(ValidationError, match="#RRGGBB") as bad:
        g.create_group(s, w.actor, "Colourful", "blue")
    assert bad.value.problems == [("color", "Enter a colour as #RRGGBB, for example #1E88E5 (not 'blue')")]
    assert s.scalar(select(func.count(Group.id))) == 2


def test_the_21st_group_is_refused_with_a_clear_message(world: tuple[Session, World]) -> None:
    s, w = world
    for i in range(g.MAX_GROUPS):
        g.create_group(s, w.actor, f"Group {i}")
    with pytest.raises(ValidationError) as exc:
        g.create_group(s, w.actor, "One too many")
    assert exc.value.problems == [
        (
            "",
            "There are already 20 groups, the most a workspace can have (20); "
            "delete a group or reuse one first",
        )
    ]
    assert s.scalar(select(func.count(Group.id))) == 20


def test_analysts_and_an_unknown_me_cannot_change_groups(world: tuple[Session, World]) -> None:
    s, w = world
    analyst = f.actor(f.member(s, "Ana", Role.ANALYST))
    with pytest.raises(NotAllowedError, match="Analysts have read-only access"):
        g.create_group(s, analyst, "Mine")
    with pytest.raises(NotAllowedError, match="Choose who you are"):
        g.create_group(s, None, "Mine")
    group = g.create_group(s, w.actor, "Ours")
    with pytest.raises(NotAllowedError, match="read-only"):
        g.add_items(s, analyst, group.id, [P(w.profiles[0].id)])
    with pytest.raises(NotAllowedError, match="read-only"):
        g.delete_group(s, analyst, group.id)
    assert _items(s, group.id) == []


# -- items ------------------------------------------------------------------------------------------


def test_the_21st_item_is_refused_and_nothing_is_half_added(world: tuple[Session, World]) -> None:
    s, w = world
    group = g.create_group(s, w.actor, "Full")
    ids = [p.id for p in w.profiles]
    g.add_items(s, w.actor, group.id, [P(i) for i in ids[:18]])
    # Three more would make 21: refused as a whole, none of the three is added.
    with pytest.raises(ValidationError) as exc:
        g.add_items(s, w.actor, group.id, [P(i) for i in ids[18:21]])
    assert exc.value.problems == [
        ("items", "A group holds at most 20 items; 'Full' has 18, so 2 more fit and 3 were given")
    ]
    assert len(_items(s, group.id)) == 18
    g.add_items(s, w.actor, group.id, [P(ids[18]), G(g.create_group(s, w.actor, "Inner").id)])
    assert len(_items(s, group.id)) == 20
    with pytest.raises(ValidationError, match="so 0 more fit and 1 were given"):
        g.add_items(s, w.actor, group.id, [P(ids[24])])
    assert len(_items(s, group.id)) == 20


def test_a_deleted_profile_keeps_its_place_and_the_limit_message_says_so(
    world: tuple[Session, World],
) -> None:
    s, w = world
    group = g.create_group(s, w.actor, "Brands")
    g.add_items(s, w.actor, group.id, [P(p.id) for p in w.profiles[:20]])
    w.profiles[3].deleted_at = utcnow()
    s.flush()
    info = g.group_info(s, group.id)
    assert len(info.items) == 20 and len(info.visible_items) == 19
    assert [i.id for i in info.items if i.deleted] == [w.profiles[3].id]
    assert P(w.profiles[3].id) not in [P(x["id"]) for x in info.as_json()["items"]]
    with pytest.raises(
        ValidationError, match=r"has 20 \(1 of them deleted profiles?; remove them to make room\)"
    ):
        g.add_items(s, w.actor, group.id, [P(w.profiles[22].id)])
    # A deleted profile cannot be added; an unknown one does not exist.
    other = g.create_group(s, w.actor, "Other")
    with pytest.raises(ValidationError) as exc:
        g.add_items(s, w.actor, other.id, [P(w.profiles[3].id), P(99999)])
    assert exc.value.problems == [
        ("items", f"Profile {w.profiles[3].id} is deleted; restore it before adding it"),
        ("items", "There is no profile with id 99999"),
    ]
    assert _items(s, other.id) == []


def test_an_item_is_in_a_group_at_most_once(world: tuple[Session, World]) -> None:
    s, w = world
    group = g.create_group(s, w.actor, "Once")
    a, b = w.profiles[0].id, w.profiles[1].id
    first = g.add_items(s, w.actor, group.id, [P(a), P(a), P(b)])
    assert first.added == (P(a), P(b)) and first.already == ()
    again = g.add_items(s, w.actor, group.id, [P(b), P(w.profiles[2].id)])
    assert again.added == (P(w.profiles[2].id),) and again.already == (P(b),)
    assert _items(s, group.id) == [P(a), P(b), P(w.profiles[2].id)]
    assert s.scalar(select(func.count(GroupItem.id)).where(GroupItem.group_id == group.id)) == 3


def test_no_loop_through_any_path_of_three_levels(world: tuple[Session, World]) -> None:
    s, w = world
    top = g.create_group(s, w.actor, "World")
    mid = g.create_group(s, w.actor, "Europe")
    low = g.create_group(s, w.actor, "Germany")
    g.add_items(s, w.actor, top.id, [G(mid.id)])
    g.add_items(s, w.actor, mid.id, [G(low.id)])
    with pytest.raises(ValidationError) as exc:
        g.add_items(s, w.actor, low.id, [G(top.id)])
    assert exc.value.problems == [
        (
            "items",
            "Group 'World' cannot go into 'Germany': 'Germany' is already inside it "
            "(World > Europe > Germany), so the group would contain itself",
        )
    ]
    with pytest.raises(ValidationError, match="'Europe' cannot go into 'Germany'"):
        g.add_items(s, w.actor, low.id, [G(mid.id)])
    with pytest.raises(ValidationError, match="Group 'Germany' cannot contain itself"):
        g.add_items(s, w.actor, low.id, [G(low.id)])
    # The picker offers only groups that cannot close a loop (and are not in the group yet).
    other = g.create_group(s, w.actor, "Other")
    assert g.addable_groups(s, low.id) == [(other.id, "Other")]
    assert g.addable_groups(s, top.id) == [(low.id, "Germany"), (other.id, "Other")]
    assert _items(s, low.id) == []
    # A profile reached on two paths is fine (that is not a loop).
    g.add_items(s, w.actor, top.id, [G(low.id)])
    assert _items(s, top.id) == [G(mid.id), G(low.id)]


def test_remove_reorder_and_move_keep_positions_dense(world: tuple[Session, World]) -> None:
    s, w = world
    group = g.create_group(s, w.actor, "Order")
    inner = g.create_group(s, w.actor, "Inner")
    a, b, c = (P(p.id) for p in w.profiles[:3])
    g.add_items(s, w.actor, group.id, [a, G(inner.id), b, c])
    g.reorder_items(s, w.actor, group.id, [c, b, G(inner.id), a])
    assert _items(s, group.id) == [c, b, G(inner.id), a]
    with pytest.raises(ValidationError, match="each of the 4 items of 'Order' once"):
        g.reorder_items(s, w.actor, group.id, [c, b, a])
    g.move_item(s, w.actor, group.id, a, 0)
    assert _items(s, group.id) == [a, c, b, G(inner.id)]
    assert g.remove_items(s, w.actor, group.id, [c, G(inner.id)]) == 2
    assert _items(s, group.id) == [a, b]
    positions = s.scalars(
        select(GroupItem.position).where(GroupItem.group_id == group.id).order_by(GroupItem.position)
    ).all()
    assert list(positions) == [0, 1]
    with pytest.raises(ValidationError, match="is not in group 'Order'"):
        g.remove_items(s, w.actor, group.id, [c])
    # The profiles and the inner group themselves stay.
    assert s.get(Group, inner.id) is not None
    assert "group_reordered" in _audit_actions(s) and "group_item_removed" in _audit_actions(s)


# -- copy and delete --------------------------------------------------------------------------------


def test_copy_names_the_copy_uniquely_copies_items_and_respects_the_limit(
    world: tuple[Session, World],
) -> None:
    s, w = world
    source = g.create_group(s, w.actor, "Brands", "#8E24AA")
    inner = g.create_group(s, w.actor, "Inner")
    refs = [P(w.profiles[0].id), G(inner.id), P(w.profiles[1].id)]
    g.add_items(s, w.actor, source.id, refs)
    first = g.copy_group(s, w.actor, source.id)
    second = g.copy_group(s, w.actor, source.id)
    assert (first.name, second.name) == ("Copy of Brands", "Copy of Brands (2)")
    assert first.color == "#8E24AA"
    assert _items(s, first.id) == refs and _items(s, second.id) == refs
    assert _items(s, source.id) == refs
    named = g.copy_group(s, w.actor, source.id, "Brands 2025")
    assert named.name == "Brands 2025"
    with pytest.raises(ValidationError, match="already a group named 'Brands'"):
        g.copy_group(s, w.actor, source.id, "brands")
    long = g.create_group(s, w.actor, "L" * g.MAX_NAME)
    assert len(g.copy_group(s, w.actor, long.id).name) == g.MAX_NAME
    while s.scalar(select(func.count(Group.id))) < g.MAX_GROUPS:
        g.create_group(s, w.actor, f"Filler {s.scalar(select(func.count(Group.id)))}")
    with pytest.raises(ValidationError, match="There are already 20 groups"):
        g.copy_group(s, w.actor, source.id)
    assert s.scalar(select(func.count(Group.id))) == 20
    assert _audit_actions(s).count("group_copied") == 4


def test_deleting_a_contained_group_says_where_it_is_first(world: tuple[Session, World]) -> None:
    s, w = world
    parent_a = g.create_group(s, w.actor, "Global")
    parent_b = g.create_group(s, w.actor, "All regions")
    child = g.create_group(s, w.actor, "EMEA")
    g.add_items(s, w.actor, child.id, [P(w.profiles[0].id)])
    g.add_items(s, w.actor, parent_a.id, [P(w.profiles[1].id), G(child.id), P(w.profiles[2].id)])
    g.add_items(s, w.actor, parent_b.id, [G(child.id)])
    assert g.containing_groups(s, child.id) == [(parent_b.id, "All regions"), (parent_a.id, "Global")]
    with pytest.raises(g.GroupContainedError) as exc:
        g.delete_group(s, w.actor, child.id)
    assert exc.value.containers == ("All regions", "Global")
    assert str(exc.value) == (
        "Group 'EMEA' is inside 'All regions' and 'Global'; confirm to remove it from them and delete it"
    )
    assert s.get(Group, child.id) is not None and len(_items(s, parent_a.id)) == 3
    assert g.delete_group(s, w.actor, child.id, remove_from_containing=True) == ["All regions", "Global"]
    assert s.get(Group, child.id) is None
    assert _items(s, parent_a.id) == [P(w.profiles[1].id), P(w.profiles[2].id)]
    assert _items(s, parent_b.id) == []
    assert s.get(Profile, w.profiles[0].id) is not None
    # A group nobody contains is deleted at once.
    assert g.delete_group(s, w.actor, parent_b.id) == []
    with pytest.raises(NotFoundError, match="There is no group named 'all regions'"):
        g.find_group(s, "all regions")
    entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "group_deleted")).first()
    assert entry is not None and "removed from All regions, Global" in entry.details


# -- expansion --------------------------------------------------------------------------------------


def test_expansion_follows_nested_groups_with_their_path(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        glob = g.find_group(s, "Global")
        regions = {n: g.find_group(s, n).id for n in ("EMEA", "North America", "APAC")}
        reached = g.expand(s, glob.id)
        # Each profile once, on the first path that reaches it (a profile in two regions: under the first).
        expected: dict[int, tuple[str, str]] = {}
        for region in ("EMEA", "North America", "APAC"):
            for pid in g.expand_ids(s, regions[region]):
                expected.setdefault(pid, ("Global", region))
        assert [(r.profile_id, r.path_names) for r in reached] == list(expected.items())
        assert all(r.nested for r in reached)
        brands = g.expand(s, g.find_group(s, "All brands").id)
        paths = {r.path_names for r in brands}
        assert paths == {
            ("All brands", "Brand: Contoso"),
            ("All brands", "Brand: Northwind"),
            ("All brands",),
        }
        # Deleted profiles are left out of expansions.
        assert not set(g.expand_ids(s, glob.id)) & set(
            s.scalars(select(Profile.id).where(Profile.deleted_at.is_not(None)))
        )


def test_demo_groups_are_listed_by_name_with_their_nesting(demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        infos = g.list_groups(s)
        assert len(infos) == 9
        assert [i.name for i in infos] == sorted((i.name for i in infos), key=str.casefold)
        by_name = {i.name: i for i in infos}
        assert [i.label for i in by_name["Global"].items] == ["EMEA", "North America", "APAC"]
        assert [i.kind for i in by_name["All brands"].items] == ["group", "group", "profile"]
        assert by_name["Global"].as_json()["items"] == [
            {"kind": "group", "id": by_name[n].id} for n in ("EMEA", "North America", "APAC")
        ]
