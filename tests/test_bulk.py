"""Bulk actions on selections of any size: the plan says per profile what will and will not be done and
groups what it affects; apply is all or nothing; cancel changes nothing; the same rules as one profile."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from socialdesk.models.schema import AuditEntry, Profile
from socialdesk.services import bulk, members
from socialdesk.services import profiles as profiles_service
from socialdesk.services.details import decisions
from socialdesk.services.workspace import Workspace

BIG = 20_000


@pytest.fixture
def big_ws(scale_dir: Path, tmp_path: Path) -> Iterator[Workspace]:
    target = tmp_path / "big"
    shutil.copytree(scale_dir, target)
    ws = Workspace.open(target)
    yield ws
    ws.close()


def all_ids(ws: Workspace, *, deleted: bool = False) -> list[int]:
    query = select(Profile.id).order_by(Profile.id)
    with ws.session() as s:
        return list(s.scalars(query if deleted else query.where(Profile.deleted_at.is_(None))))


@pytest.mark.parametrize("action", sorted(bulk.RULES))
def test_the_plan_asks_the_same_rule_as_one_profile(demo_ws: Workspace, action: str) -> None:
    ids = all_ids(demo_ws, deleted=True)
    with demo_ws.session() as s:
        actor = members.me_actor(s)
        planned = bulk.plan(s, actor, action, [*ids, 999_999])
        for item in planned.items[:-1]:
            one = decisions(actor, profiles_service.view(s, item.profile_id))[action]
            assert (bool(item.decision), item.decision.reason) == (bool(one), one.reason)
            assert (
                item.name
                == profiles_service.get_profile(s, item.profile_id, include_deleted=True).display_name
            )
    unknown = planned.items[-1]
    assert not unknown.decision and "no profile with id 999999" in unknown.decision.reason
    assert planned.will and planned.wont  # the demo has profiles on both sides for every action


def test_delete_impact_is_grouped_by_member_and_group(demo_ws: Workspace) -> None:
    ids = all_ids(demo_ws)
    with demo_ws.session() as s:
        actor = members.me_actor(s)
        planned = bulk.plan(s, actor, "actionDelete", ids)
        will = [i.profile_id for i in planned.will]
        found = profiles_service.views(s, will)
        shared = [v for v in found.values() if v.shared_with or v.shared_with_all]
        grouped = [v for v in found.values() if v.in_groups]
    impact = planned.impact
    assert impact.shared_profiles == len(shared) > 0
    assert impact.grouped_profiles == len(grouped) > 0
    assert sum(n for _, n in impact.losing_access) == sum(
        len(v.shared_with) + v.shared_with_all for v in shared
    )
    counts = [n for _, n in impact.groups]
    assert counts == sorted(counts, reverse=True)


def test_apply_is_all_or_nothing_and_cancel_changes_nothing(demo_ws: Workspace) -> None:
    ids = all_ids(demo_ws)
    deleted_query = select(Profile.id).where(Profile.deleted_at.is_not(None))
    with demo_ws.session() as s:
        before = s.scalar(select(func.count(AuditEntry.id)))
        deleted_before = set(s.scalars(deleted_query))
    calls = iter(range(100))

    with pytest.raises(bulk.BulkCancelled), demo_ws.session() as s:
        bulk.apply(s, members.me_actor(s), "actionDelete", ids, cancelled=lambda: next(calls) >= 1)
    with demo_ws.session() as s:
        assert set(s.scalars(deleted_query)) == deleted_before
        assert s.scalar(select(func.count(AuditEntry.id))) == before
    with demo_ws.session() as s:
        actor = members.me_actor(s)
        expected = [i.profile_id for i in bulk.plan(s, actor, "actionDelete", ids).will]
        result = bulk.apply(s, actor, "actionDelete", ids)
    assert list(result.done) == expected and result.skipped == len(ids) - len(expected)
    with demo_ws.session() as s:
        deleted = set(s.scalars(deleted_query)) - deleted_before
        logged = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "profile_deleted"))
    assert deleted == set(expected) and logged == len(expected)


def test_twenty_thousand_profiles_plan_and_apply_with_progress(big_ws: Workspace) -> None:
    ids = all_ids(big_ws)
    assert len(ids) >= BIG * 0.95
    reports: list[tuple[int, int]] = []
    started = time.perf_counter()
    with big_ws.session() as s:
        planned = bulk.plan(
            s, members.me_actor(s), "actionDelete", ids, progress=lambda d, t: reports.append((d, t))
        )
    took = time.perf_counter() - started
    assert len(planned.items) == len(ids)  # no silent cap: every selected profile is planned
    assert reports[0] == (0, len(ids)) and reports[-1] == (len(ids), len(ids))
    assert len(reports) >= len(ids) // bulk.CHUNK
    assert took < 20, f"planning {len(ids)} profiles took {took:.1f} s"
    print(f"\nplan of {len(ids)} profiles: {took:.2f} s, {len(planned.will)} will be done")
    with big_ws.session() as s:
        started = time.perf_counter()
        result = bulk.apply(s, members.me_actor(s), "actionDelete", ids)
        took = time.perf_counter() - started
    assert len(result.done) == len(planned.will)
    print(f"apply: {took:.2f} s")
