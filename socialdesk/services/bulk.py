"""Bulk actions on a selection of any size: plan (what will and will not be done, and what it affects),
then apply in one transaction.

Both read the profiles' rule-facing views in chunks (``profiles.views``), report progress after each
chunk and stop between chunks when asked to. Apply runs in the caller's unit of work, so a cancelled or
failed apply changes nothing: all or nothing. There is no cap on the selection: 20,000 selected rows are
planned in about a second; the confirmation lists the first names of each part and says how many more.
The rules are those of one profile (``rules.py``), asked once per profile, in the same transaction as
the write.
"""

from __future__ import annotations

import traceback
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.schema import Member, Profile
from socialdesk.services import profiles as profiles_service
from socialdesk.services.errors import SocialDeskError
from socialdesk.services.rules import (
    Actor,
    Decision,
    ProfileView,
    can_delete,
    can_remove_ownership,
    can_restore,
    can_share,
    can_stop_sharing,
)
from socialdesk.services.workspace import Workspace

#: The bulk actions and the rule each asks per profile.
RULES: dict[str, Callable[[Actor | None, ProfileView], Decision]] = {
    "actionShare": can_share,
    "actionStopSharing": can_stop_sharing,
    "actionDelete": can_delete,
    "restore": can_restore,
    "actionRemoveOwnership": can_remove_ownership,
}
#: Profiles per step: one progress report and one chance to cancel per step.
CHUNK = profiles_service.VIEW_CHUNK
#: Names a confirmation lists per part (will / will not be done); the rest are counted.
SHOWN = 200
#: How everyone appears among those who lose access.
ALL_USERS = "all users"

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class BulkCancelled(SocialDeskError):
    """The user cancelled; nothing was changed."""


class BulkItem(NamedTuple):
    """One profile of a plan. A named tuple, not a dataclass: a plan of 20,000 is rebuilt in the window
    after its trip from the child process, and tuples are made several times faster."""

    profile_id: int
    name: str
    decision: Decision


@dataclass(frozen=True, slots=True)
class Impact:
    """What the action takes away, grouped: who loses access to how many profiles, which groups lose
    how many profiles. Counts are of profiles that will be done."""

    shared_profiles: int = 0
    losing_access: tuple[tuple[str, int], ...] = ()  # (member name or "all users", profiles), most first
    grouped_profiles: int = 0
    groups: tuple[tuple[str, int], ...] = ()  # (group name, profiles leaving it), most first


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """A plan. Made here, ``items`` has every profile. After the trip from a child process (``decode``) it
    has only the first ``SHOWN`` of each part — all a confirmation lists — with ``counts`` and the ids to
    apply in full, so that a plan of 100,000 profiles reaches the window as a few kilobytes."""

    action: str
    items: tuple[BulkItem, ...]
    impact: Impact = field(default_factory=Impact)
    #: (will be done, will not be done) when ``items`` holds only the listed ones.
    counts: tuple[int, int] | None = None
    #: Every id that will be done, when ``items`` holds only the listed ones.
    will_ids: tuple[int, ...] | None = None

    @property
    def will(self) -> list[BulkItem]:
        return [i for i in self.items if i.decision]

    @property
    def wont(self) -> list[BulkItem]:
        return [i for i in self.items if not i.decision]

    @property
    def will_count(self) -> int:
        return self.counts[0] if self.counts is not None else len(self.will)

    @property
    def wont_count(self) -> int:
        return self.counts[1] if self.counts is not None else len(self.wont)

    @property
    def ids_to_apply(self) -> tuple[int, ...]:
        return self.will_ids if self.will_ids is not None else tuple(i.profile_id for i in self.will)


@dataclass(frozen=True, slots=True)
class BulkResult:
    action: str
    done: tuple[int, ...]
    skipped: int


def _rule(action: str) -> Callable[[Actor | None, ProfileView], Decision]:
    try:
        return RULES[action]
    except KeyError:
        raise ValueError(f"not a bulk action: {action}") from None


def _steps(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _tick(done: int, total: int, progress: Progress | None, cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise BulkCancelled("Cancelled; nothing was changed.")
    if progress is not None:
        progress(done, total)


def plan(
    session: Session,
    actor: Actor | None,
    action: str,
    profile_ids: Sequence[int],
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> BulkPlan:
    """Per profile, whether ``action`` will be done and why not, and what it affects (delete and stop
    sharing: who loses access; delete: the groups profiles leave). Unknown ids are reported as such."""
    rule = _rule(action)
    ids = list(dict.fromkeys(profile_ids))
    member_names = {mid: name for mid, name in session.execute(select(Member.id, Member.name))}
    items: list[BulkItem] = []
    losing: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    shared = grouped = 0
    done = 0
    _tick(0, len(ids), progress, cancelled)
    for chunk in _steps(ids):
        found = profiles_service.views(session, chunk)
        names = {
            pid: name
            for pid, name in session.execute(
                select(Profile.id, Profile.display_name).where(Profile.id.in_(chunk))
            )
        }
        for pid in chunk:
            view = found.get(pid)
            if view is None:
                items.append(BulkItem(pid, f"#{pid}", Decision(False, f"There is no profile with id {pid}")))
                continue
            decision = rule(actor, view)
            items.append(BulkItem(pid, names[pid], decision))
            if not decision or action not in ("actionDelete", "actionStopSharing"):
                continue
            who = [member_names.get(m, f"#{m}") for m in view.shared_with]
            if view.shared_with_all:
                who.insert(0, ALL_USERS)
            if who:
                shared += 1
                losing.update(who)
            if action == "actionDelete" and view.in_groups:
                grouped += 1
                groups.update(view.in_groups)
        done += len(chunk)
        _tick(done, len(ids), progress, cancelled)
    impact = Impact(
        shared_profiles=shared,
        losing_access=tuple(sorted(losing.items(), key=lambda kv: (-kv[1], kv[0].casefold()))),
        grouped_profiles=grouped,
        groups=tuple(sorted(groups.items(), key=lambda kv: (-kv[1], kv[0].casefold()))),
    )
    return BulkPlan(action, tuple(items), impact)


def apply(
    session: Session,
    actor: Actor | None,
    action: str,
    profile_ids: Sequence[int],
    *,
    member_ids: Sequence[int] = (),
    all_users: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> BulkResult:
    """Apply ``action`` to every profile the rules allow now (they are asked again: the workspace may have
    changed since the plan); the others are skipped. Runs in the caller's transaction; a cancel or an error
    raises and the caller's unit of work rolls everything back."""
    _rule(action)
    ids = list(dict.fromkeys(profile_ids))
    done: list[int] = []
    skipped = 0
    count = 0
    _tick(0, len(ids), progress, cancelled)
    for chunk in _steps(ids):
        found = profiles_service.views(session, chunk)
        # Held while the chunk is written, so that each use case finds its profile in the session.
        loaded = session.scalars(select(Profile).where(Profile.id.in_(chunk))).all()
        for pid in chunk:
            view = found.get(pid)
            if view is None or not RULES[action](actor, view):
                skipped += 1
                continue
            if action == "actionDelete":
                profiles_service.delete_profile(session, actor, pid, known=view)
            elif action == "restore":
                profiles_service.restore_profile(session, actor, pid, known=view)
            elif action == "actionStopSharing":
                profiles_service.stop_sharing(session, actor, pid, known=view)
            elif action == "actionRemoveOwnership":
                profiles_service.remove_ownership(session, actor, pid)
            else:
                profiles_service.share(session, actor, pid, member_ids, all_users=all_users, known=view)
            done.append(pid)
        session.flush()
        del loaded
        count += len(chunk)
        _tick(count, len(ids), progress, cancelled)
    return BulkResult(action, tuple(done), skipped)


# -- running a bulk step elsewhere (a worker thread or a child process) ----------------------------


@dataclass(frozen=True, slots=True)
class BulkJob:
    """One step of a bulk action, as plain data: it can be sent to another process."""

    data_dir: str
    step: str  # "plan" or "apply"
    action: str
    ids: tuple[int, ...]
    member_ids: tuple[int, ...] = ()
    all_users: bool = False


def run_job(
    job: BulkJob,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    workspace: Workspace | None = None,
) -> BulkPlan | BulkResult:
    """Run ``job`` in one unit of work on ``workspace`` (or the workspace of ``job.data_dir``, opened and
    closed here). *Me* is read in that unit of work."""
    from socialdesk.services import members as members_service

    own = workspace is None
    ws = workspace or Workspace.open(Path(job.data_dir))
    try:
        if job.step == "plan":  # a read: it never takes the write lock, so nobody waits for a plan
            with ws.reading() as session:
                actor = members_service.me_actor(session)
                return plan(session, actor, job.action, job.ids, progress=progress, cancelled=cancelled)
        with ws.session() as session:  # BEGIN IMMEDIATE: the rules are asked again under the write lock
            actor = members_service.me_actor(session)
            return apply(
                session,
                actor,
                job.action,
                job.ids,
                member_ids=job.member_ids,
                all_users=job.all_users,
                progress=progress,
                cancelled=cancelled,
            )
    finally:
        if own:
            ws.close()


def child_main(job: BulkJob, messages: Any, stop: Any) -> None:
    """Entry point of a child process (multiprocessing, spawn): progress, then the result or the error,
    as tuples on ``messages``; ``stop`` (an Event) cancels. A child has its own interpreter, so a big plan
    or apply never competes with the window's thread for the GIL (which froze the window for seconds)."""
    try:
        result = run_job(job, lambda done, total: messages.put(("progress", done, total)), stop.is_set)
    except SocialDeskError as exc:
        messages.put(("error", type(exc).__name__, str(exc), ""))
    except BaseException as exc:  # reported in the window, never lost
        messages.put(("error", type(exc).__name__, str(exc), traceback.format_exc()))
    else:
        messages.put(("done", encode(result)))


def encode(result: BulkPlan | BulkResult) -> tuple[Any, ...]:
    """Compact plain data for the trip between processes: the ids to apply as packed integers and only the
    listed names (``SHOWN`` per part). Unpickling 20,000 tuples of names took the window's thread a quarter
    of a second; this takes a millisecond at any size."""
    if isinstance(result, BulkResult):
        return ("result", result.action, array("q", result.done).tobytes(), result.skipped)
    will, wont = result.will, result.wont
    shown = [*will[:SHOWN], *wont[:SHOWN]]
    listed = [(i.profile_id, i.name, i.decision.allowed, i.decision.reason) for i in shown]
    impact = result.impact
    return (
        "plan",
        result.action,
        array("q", result.ids_to_apply).tobytes(),
        (len(will), len(wont)),
        listed,
        (impact.shared_profiles, impact.losing_access, impact.grouped_profiles, impact.groups),
    )


def decode(data: tuple[Any, ...]) -> BulkPlan | BulkResult:
    if data[0] == "result":
        return BulkResult(data[1], tuple(array("q", data[2])), data[3])
    _tag, action, packed, counts, listed, (shared, losing, grouped, groups) = data
    items = tuple(BulkItem(pid, name, Decision(allowed, reason)) for pid, name, allowed, reason in listed)
    return BulkPlan(
        action,
        items,
        Impact(shared, tuple(losing), grouped, tuple(groups)),
        counts=tuple(counts),
        will_ids=tuple(array("q", packed)),
    )
