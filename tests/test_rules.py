"""Every rule of PRODUCT §2 (ownership and sharing) and §3 (connection status), against a real workspace."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from socialdesk.models.catalogue import (
    ConnectionState,
    ConnectionType,
    GrantState,
    Ownership,
    ProfileFacts,
    Role,
    Status,
    Visibility,
    supported_types,
    unsupported_reason,
)
from socialdesk.models.schema import AuditEntry, Grant, Member, Profile, ProfileOwner
from socialdesk.services import members as members_service
from socialdesk.services import profiles as svc
from socialdesk.services.errors import NotAllowedError, ValidationError
from socialdesk.services.rules import (
    can_delete,
    can_share,
    connection_state,
    ownership,
    profile_status,
)
from tests import factory as f

PUB = ConnectionType.PUBLISHING
ACTIVE, EXPIRED, REVOKED = GrantState.ACTIVE, GrantState.EXPIRED, GrantState.REVOKED


@pytest.fixture
def team(workspace):  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        me = f.member(s, "Me", Role.MANAGER, me=True)
        ann = f.member(s, "Ann", Role.RESPONDER)
        bob = f.member(s, "Bob", Role.ADMINISTRATOR)
        ana = f.member(s, "Analyst Al", Role.ANALYST)
        ids = {"me": me.id, "ann": ann.id, "bob": bob.id, "ana": ana.id}
    return ids


def _members(s, team):  # type: ignore[no-untyped-def]
    return {k: s.get(Member, v) for k, v in team.items()}


def _audit_actions(s, profile_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(s.scalars(select(AuditEntry.action).where(AuditEntry.profile_id == profile_id)))


# -- ownership categories -------------------------------------------------------------------------


def test_ownership_categories_relative_to_me() -> None:
    assert ownership(1, [1, 2], [], False) is Ownership.OWNED
    assert ownership(1, [2], [1], False) is Ownership.SHARED
    assert ownership(1, [2], [], True) is Ownership.SHARED
    assert ownership(1, [], [], False) is Ownership.NONE
    assert ownership(1, [], [1], True) is Ownership.NONE  # left-over shares do not make it usable
    assert ownership(1, [2], [3], False) is Ownership.OTHERS


# -- sharing --------------------------------------------------------------------------------------


def test_only_an_owner_shares_and_never_with_an_analyst(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["me"],))
        f.connect(s, p, PUB, (m["me"], ACTIVE))
        # Analysts are refused, with the reason.
        with pytest.raises(NotAllowedError, match="Analyst"):
            svc.share(s, f.actor(m["me"]), p.id, [m["ana"].id])
        assert svc.share(s, f.actor(m["me"]), p.id, [m["ann"].id]) == ["Ann"]
        # A non-owner (Ann only has a share) cannot share further.
        with pytest.raises(NotAllowedError, match="Only an owner"):
            svc.share(s, f.actor(m["ann"]), p.id, [m["bob"].id])
        assert "shared" in _audit_actions(s, p.id)


def test_sharing_needs_an_active_publishing_or_messaging_connection(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["me"],))
        f.connect(s, p, ConnectionType.INSIGHTS, (m["me"], ACTIVE))
        f.connect(s, p, PUB, (m["me"], EXPIRED))
        decision = can_share(f.actor(m["me"]), svc.view(s, p))
        assert not decision and "Publishing or Messaging" in decision.reason
        with pytest.raises(NotAllowedError):
            svc.share(s, f.actor(m["me"]), p.id, all_users=True)
        wa = f.profile(s, "whatsapp", "business_account", owners=(m["me"],))
        f.connect(s, wa, ConnectionType.MESSAGING, (m["me"], ACTIVE))
        assert svc.share(s, f.actor(m["me"]), wa.id, all_users=True) == ["all users"]


def test_stop_sharing_by_owner_only(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["me"],), shared_with=(m["ann"],), shared_with_all=True)
        with pytest.raises(NotAllowedError):
            svc.stop_sharing(s, f.actor(m["ann"]), p.id)
        assert svc.stop_sharing(s, f.actor(m["me"]), p.id) == 2

        assert not p.shared_with_all
        assert svc.view(s, p).shared_with == frozenset()
        with pytest.raises(NotAllowedError, match="not shared"):
            svc.stop_sharing(s, f.actor(m["me"]), p.id)


# -- ownership ------------------------------------------------------------------------------------


def test_last_owner_leaving_makes_profile_without_owners(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["me"], m["bob"]))
        assert svc.remove_ownership(s, f.actor(m["me"]), p.id) is False
        assert svc.view(s, p).relative_to(m["me"].id) is Ownership.OTHERS
        assert svc.remove_ownership(s, f.actor(m["bob"]), p.id) is True
        assert svc.view(s, p).relative_to(m["me"].id) is Ownership.NONE
        assert _audit_actions(s, p.id).count("ownership_removed") == 2


def test_claim_requires_a_sign_in_that_returns_that_profile(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        shared = f.profile(s, owners=(m["bob"],), shared_with=(m["me"],), handle="shared1")
        with pytest.raises(NotAllowedError, match="Sign in"):
            svc.claim_ownership(s, f.actor(m["me"]), shared.id)
        with pytest.raises(NotAllowedError, match="another account"):
            svc.claim_ownership(s, f.actor(m["me"]), shared.id, signed_in_account_id="somebody-else")
        svc.claim_ownership(s, f.actor(m["me"]), shared.id, signed_in_account_id="pid-shared1")
        assert svc.view(s, shared).relative_to(m["me"].id) is Ownership.OWNED
        others = f.profile(s, owners=(m["bob"],))
        with pytest.raises(NotAllowedError, match="neither shared"):
            svc.claim_ownership(s, f.actor(m["me"]), others.id, signed_in_account_id=others.platform_id)
        # Live Chat has nothing to sign in to.
        chat = f.profile(s, "live_chat", "widget")
        svc.claim_ownership(s, f.actor(m["me"]), chat.id)
        assert m["me"].id in svc.view(s, chat).owners
        assert "ownership_claimed" in _audit_actions(s, chat.id)


# -- deleting -------------------------------------------------------------------------------------


def test_delete_rules(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        me = f.actor(m["me"])
        multi = f.profile(s, owners=(m["bob"], m["me"]))
        shared_only = f.profile(s, owners=(m["bob"],), shared_with=(m["me"],))
        ownerless = f.profile(s)
        others = f.profile(s, owners=(m["bob"],))
        assert can_delete(me, svc.view(s, multi))
        assert can_delete(me, svc.view(s, ownerless))
        refusal = can_delete(me, svc.view(s, shared_only))
        assert not refusal and "only shared with you" in refusal.reason
        assert not can_delete(me, svc.view(s, others))
        assert not can_delete(f.actor(m["ana"]), svc.view(s, ownerless))  # analysts are read-only
        svc.delete_profile(s, me, multi.id)
        with pytest.raises(NotAllowedError):
            svc.delete_profile(s, me, shared_only.id)

        assert multi.deleted_at is not None
        # Soft delete: the row, its owners and history are still there.
        assert s.get(ProfileOwner, (multi.id, m["bob"].id)) is not None
        assert "profile_deleted" in _audit_actions(s, multi.id)


def test_delete_impact_names_shares_and_groups(workspace, team) -> None:  # type: ignore[no-untyped-def]
    from socialdesk.models.schema import Group, GroupItem
    from socialdesk.services.clock import utcnow

    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["me"],), shared_with=(m["ann"],), shared_with_all=True)
        g = Group(name="EMEA", name_key="emea", color="#000000", created_at=utcnow())
        s.add(g)
        s.flush()
        s.add(GroupItem(group_id=g.id, position=0, profile_id=p.id))
        s.flush()
        impact = svc.delete_impact(s, p.id)
        assert impact.shared_with == ("all users", "Ann")
        assert impact.groups == ("EMEA",)


def test_restore_and_adding_a_deleted_profile_restores_it(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        me = f.actor(m["me"])
        p, restored = svc.add_public_profile(s, me, "instagram", "@Acme.Shop")
        assert not restored and p.handle == "Acme.Shop" and p.visibility == "public"
        svc.delete_profile(s, me, p.id)
        with pytest.raises(NotAllowedError, match="Only one of the profile's owners"):
            svc.restore_profile(s, f.actor(m["bob"]), p.id)
        again, restored = svc.add_public_profile(s, me, "instagram", "acme.shop")
        assert restored and again.id == p.id and again.deleted_at is None
        assert (
            s.scalar(select(Profile.id).where(Profile.handle_key == "acme.shop", Profile.id != p.id)) is None
        )
        with pytest.raises(ValidationError, match="already in the workspace"):
            svc.add_public_profile(s, me, "instagram", "ACME.SHOP")
        svc.delete_profile(s, me, p.id)
        svc.restore_profile(s, me, p.id)
        assert _audit_actions(s, p.id).count("profile_restored") == 2


def test_analyst_is_read_only(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        with pytest.raises(NotAllowedError, match="read-only"):
            svc.add_public_profile(s, f.actor(m["ana"]), "x", "acme")


# -- removing a member ----------------------------------------------------------------------------


def test_removing_a_member_hands_over_ownerships_and_revokes_grants(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["ann"],))
        c = f.connect(s, p, PUB, (m["ann"], ACTIVE))
        q = f.profile(s, owners=(m["ann"],), shared_with=(m["bob"],))
        counts = members_service.remove(s, f.actor(m["me"]), m["ann"].id, hand_over_to=m["bob"].id)
        assert counts["ownerships"] == 2 and counts["grants_revoked"] == 1
        assert svc.view(s, p).owners == {m["bob"].id}
        grant = s.scalar(select(Grant).where(Grant.connection_id == c.id))
        assert grant is not None and grant.state == "revoked"
        assert svc.view(s, p).status is Status.EXPIRED  # its only grant is revoked: re-connect needed
        assert "ownership_handed_over" in _audit_actions(s, q.id)
        with pytest.raises(Exception, match="no team member"):
            members_service.get(s, m["ann"].id)


def test_removing_a_member_without_heir_leaves_profiles_without_owners(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["ann"],))
        members_service.remove(s, f.actor(m["me"]), m["ann"].id, hand_over_to=None)
        assert svc.view(s, p).relative_to(m["me"].id) is Ownership.NONE
        assert "ownership_released" in _audit_actions(s, p.id)


def test_member_names_unique_case_insensitively(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        me = members_service.me_actor(s)
        with pytest.raises(ValidationError, match="already a team member"):
            members_service.add(s, me, "  ann ", Role.MANAGER)
        assert members_service.find(s, "BOB").name == "Bob"


# -- connection status ----------------------------------------------------------------------------


def test_one_expired_grant_beside_an_active_one_keeps_the_connection_active() -> None:
    assert connection_state([EXPIRED, ACTIVE]) is ConnectionState.ACTIVE
    assert connection_state([REVOKED, REVOKED]) is ConnectionState.EXPIRED  # revoked grants are not active
    assert connection_state([REVOKED, EXPIRED]) is ConnectionState.EXPIRED
    assert connection_state([]) is ConnectionState.NOT_ESTABLISHED


def test_expired_wins_over_connected_and_public_is_not_connected() -> None:
    A, E, N = ConnectionState.ACTIVE, ConnectionState.EXPIRED, ConnectionState.NOT_ESTABLISHED
    assert profile_status("owned", {PUB: A, ConnectionType.INSIGHTS: E}) is Status.EXPIRED
    assert profile_status("owned", {PUB: A, ConnectionType.INSIGHTS: N}) is Status.CONNECTED
    assert profile_status("owned", {PUB: N}) is Status.NOT_CONNECTED
    assert profile_status("public", {PUB: A}) is Status.NOT_CONNECTED
    # Shared insights does not count toward the status, either way.
    assert profile_status("owned", {ConnectionType.SHARED_INSIGHTS: A}) is Status.NOT_CONNECTED
    assert profile_status("owned", {PUB: A, ConnectionType.SHARED_INSIGHTS: E}) is Status.CONNECTED


grant_lists = st.lists(st.sampled_from(list(GrantState)), max_size=4)


@given(st.dictionaries(st.sampled_from(list(ConnectionType)), grant_lists), st.sampled_from(list(Visibility)))
def test_status_roll_up_property(
    grants: dict[ConnectionType, list[GrantState]], visibility: Visibility
) -> None:
    states = {t: connection_state(g) for t, g in grants.items()}
    status = profile_status(visibility, states)
    counted = {t: s for t, s in states.items() if t is not ConnectionType.SHARED_INSIGHTS}
    if visibility is Visibility.PUBLIC:
        assert status is Status.NOT_CONNECTED
    elif any(s is ConnectionState.EXPIRED for s in counted.values()):
        assert status is Status.EXPIRED
    elif any(s is ConnectionState.ACTIVE for s in counted.values()):
        assert status is Status.CONNECTED
    else:
        assert status is Status.NOT_CONNECTED
    # A connection is active exactly when one of its grants is.
    for t, g in grants.items():
        assert (states[t] is ConnectionState.ACTIVE) == (ACTIVE in g)
        assert (states[t] is ConnectionState.NOT_ESTABLISHED) == (not g)


# -- the support matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (ProfileFacts("facebook", "page", Visibility.OWNED, 30), {"publishing", "insights", "ads_posts"}),
        (ProfileFacts("facebook", "page", Visibility.OWNED, 29), {"publishing", "ads_posts"}),
        (
            ProfileFacts("instagram", "account", Visibility.OWNED),
            {"publishing", "insights", "ads_posts", "messaging", "product_tags"},
        ),
        (ProfileFacts("instagram", "account", Visibility.PUBLIC), {"shared_insights"}),
        (ProfileFacts("linkedin", "account", Visibility.OWNED), {"publishing"}),
        (ProfileFacts("linkedin", "organization_page", Visibility.OWNED), {"publishing", "insights"}),
        (ProfileFacts("snapchat", "account", Visibility.OWNED), {"insights"}),
        (ProfileFacts("whatsapp", "business_account", Visibility.OWNED), {"messaging"}),
        (ProfileFacts("x", "account", Visibility.OWNED), {"publishing", "insights"}),
        (ProfileFacts("youtube", "channel", Visibility.OWNED), {"publishing", "insights"}),
        (ProfileFacts("pinterest", "account", Visibility.OWNED), {"publishing", "insights"}),
        (ProfileFacts("tiktok", "account", Visibility.OWNED), {"publishing", "insights"}),
        (ProfileFacts("live_chat", "widget", Visibility.OWNED), set()),
        (ProfileFacts("x", "account", Visibility.PUBLIC), set()),
    ],
)
def test_connection_support_matrix(facts: ProfileFacts, expected: set[str]) -> None:
    assert {t.value for t in supported_types(facts)} == expected


def test_unsupported_reasons_are_explained() -> None:
    reason = unsupported_reason(
        ProfileFacts("facebook", "page", Visibility.OWNED, 5), ConnectionType.INSIGHTS
    )
    assert reason is not None and "30 likes" in reason
    reason = unsupported_reason(ProfileFacts("snapchat", "account", Visibility.OWNED), PUB)
    assert reason == "Snapchat has no Publishing connection"


def test_profile_without_owners_cannot_publish(workspace, team) -> None:  # type: ignore[no-untyped-def]
    from socialdesk.services.rules import can_publish

    with workspace.session() as s:
        m = _members(s, team)
        p = f.profile(s, owners=(m["me"],))
        f.connect(s, p, PUB, (m["me"], ACTIVE))
        assert can_publish(svc.view(s, p))
        svc.remove_ownership(s, f.actor(m["me"]), p.id)
        decision = can_publish(svc.view(s, p))
        assert not decision and "without owners" in decision.reason


def test_acquisition_switches_need_a_valid_token(workspace, team) -> None:  # type: ignore[no-untyped-def]
    with workspace.session() as s:
        m = _members(s, team)
        me = f.actor(m["me"])
        page = f.profile(s, owners=(m["me"],))
        with pytest.raises(ValidationError, match="valid token"):
            svc.edit_profile(s, me, page.id, acquire_data=True)
        assert page.acquire_data is False  # both switches are off by default
        f.connect(s, page, PUB, (m["me"], EXPIRED), (m["ann"], ACTIVE))
        svc.edit_profile(s, me, page.id, acquire_data=True, acquire_messages=True)
        assert page.acquire_data and page.acquire_messages
        # Private messages exist only for Facebook pages and X accounts.
        insta = f.profile(s, "instagram", "account", owners=(m["me"],))
        f.connect(s, insta, PUB, (m["me"], ACTIVE))
        with pytest.raises(ValidationError, match="Facebook pages and X accounts"):
            svc.edit_profile(s, me, insta.id, acquire_messages=True)
        assert "profile_edited" in _audit_actions(s, page.id)
