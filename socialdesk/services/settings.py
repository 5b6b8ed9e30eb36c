"""Per-platform profile settings: load, validate and save (the profile manager, docs/product.md §5).

The fields and rules are declared in ``models.settings_catalogue``; this module adds what needs the
workspace: the flows that exist, the profile's custom profiles, who may edit (Administrators only), and the
stored record with its push state.

Saving follows the command line's contract: keys present replace, keys absent keep their value, an unknown
key is an error, and nothing is saved while any rule is broken — every problem is reported at once as
``(field, message)`` in a ``ValidationError``. A change to a setting the platform holds makes the record
*pending*; ``settings_push`` then sends it when a valid connection exists.
"""

from __future__ import annotations

import json
import math
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialdesk.models.catalogue import PLATFORMS, Role
from socialdesk.models.schema import CustomProfile, Flow, PlatformSettings, Profile
from socialdesk.models.settings_catalogue import (
    FieldType,
    Problem,
    SettingsSpec,
    ValidationContext,
    spec_for,
    upgrade_stored,
    why_not_here,
)
from socialdesk.services import audit
from socialdesk.services.clock import iso, utcnow
from socialdesk.services.errors import NotAllowedError, ValidationError
from socialdesk.services.profiles import get_profile
from socialdesk.services.rules import ALLOW, Actor, Decision, deny


class SyncState(StrEnum):
    """Where a profile's saved settings stand with the platform (``platform_settings.sync_state``)."""

    LOCAL = "local_only"  # nothing of the profile's settings can reach its platform (Live Chat, colour)
    PENDING = "pending"  # saved here, waiting to be pushed (no valid connection, no token, offline)
    SYNCED = "synced"  # the platform has this version
    FAILED = "failed"  # the platform refused it; the local version is kept and ``sync_error`` says why

    @property
    def label(self) -> str:
        return {
            SyncState.LOCAL: "Kept in SocialDesk only",
            SyncState.PENDING: "Pending",
            SyncState.SYNCED: "Pushed",
            SyncState.FAILED: "Push failed",
        }[self]


NO_ACTOR = "Choose who you are in the team first"


def can_edit_settings(actor: Actor | None) -> Decision:
    """The profile manager is for Administrators only (docs/product.md §2, §5)."""
    if actor is None:
        return deny(NO_ACTOR)
    if actor.role is not Role.ADMINISTRATOR:
        return deny(
            "Only Administrators can change profile settings (the profile manager); "
            f"you are {'an' if actor.role.label[0] in 'AEIOU' else 'a'} {actor.role.label}"
        )
    return ALLOW


def require_settings_editor(actor: Actor | None) -> Actor:
    decision = can_edit_settings(actor)
    if not decision:
        raise NotAllowedError(decision.reason)
    assert actor is not None
    return actor


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    """A profile's settings as the form and ``settings show`` see them."""

    profile_id: int
    platform: str
    kind: str
    visibility: str
    display_name: str
    handle: str
    spec: SettingsSpec
    #: Every key of ``spec``, in catalogue order; missing ones take their default.
    values: dict[str, Any]
    sync_state: SyncState
    sync_error: str | None
    updated_at: datetime | None
    pushed_at: datetime | None
    #: The last push attempt and the next automatic one (the offline queue).
    attempted_at: datetime | None = None
    next_attempt_at: datetime | None = None
    #: Non-blocking advice (WhatsApp avatar, empty Live Chat allowlist, ...).
    warnings: list[Problem] = field(default_factory=list)
    #: Rules the stored values break today (e.g. written by an older version); saving asks to fix them.
    problems: list[Problem] = field(default_factory=list)

    @property
    def platform_label(self) -> str:
        return PLATFORMS[self.platform].label

    def push_json(self) -> dict[str, Any]:
        """The ``push`` key of ``settings show`` (docs/interfaces.md "Settings pushes")."""
        synced = self.sync_state is SyncState.SYNCED
        return {
            "state": self.sync_state.value,
            "reason": None if synced else self.sync_error,
            "attempted_at": iso(self.pushed_at if synced and self.pushed_at else self.attempted_at),
            "next_attempt_at": iso(self.next_attempt_at) if self.sync_state is SyncState.PENDING else None,
        }


#: Picture files picked for a setting (the WhatsApp avatar) are copied here, under the workspace folder.
MEDIA_FOLDER = "media"


def session_data_dir(session: Session) -> Path | None:
    """The workspace folder of the session's SQLite file (where ``media/`` lives)."""
    bind = session.get_bind()
    database = bind.engine.url.database
    return Path(database).parent if database else None


def picture_path(data_dir: Path | None, value: str) -> Path:
    """Where a picture setting's file is: ``media/…`` inside the workspace, else the path as given."""
    path = Path(value).expanduser()
    if not path.is_absolute() and value.startswith(f"{MEDIA_FOLDER}/") and data_dir is not None:
        return data_dir / path
    return path


def _picture_reader(data_dir: Path | None) -> Callable[[str], tuple[str, int, int] | None]:
    from socialdesk.services.custom_profiles import image_info

    def read(value: str) -> tuple[str, int, int] | None:
        path = picture_path(data_dir, value)
        try:
            with path.open("rb") as fh:
                head = fh.read(256 * 1024)
        except OSError:
            return None
        info = image_info(head)
        return ("OTHER", 0, 0) if info is None else (info.format, info.width, info.height)

    return read


def validation_context(session: Session, profile_id: int) -> ValidationContext:
    flows = session.scalars(select(Flow.name)).all()
    customs = session.scalar(
        select(func.count()).select_from(CustomProfile).where(CustomProfile.profile_id == profile_id)
    )
    return ValidationContext.with_flows(flows, int(customs or 0), _picture_reader(session_data_dir(session)))


def _copy_pictures(
    session: Session, spec: SettingsSpec, profile_id: int, values: dict[str, Any], changed: tuple[str, ...]
) -> None:
    """Copy each newly picked picture file under ``DIR/media/`` and store that copy's path."""
    data_dir = session_data_dir(session)
    for key in changed:
        value = values.get(key)
        if spec.field(key).type is not FieldType.IMAGE_FILE or not value or data_dir is None:
            continue
        if str(value).startswith(f"{MEDIA_FOLDER}/"):
            continue
        source = picture_path(data_dir, str(value))
        relative = f"{MEDIA_FOLDER}/{profile_id}-{uuid.uuid4().hex}{source.suffix.lower() or '.jpg'}"
        try:
            (data_dir / MEDIA_FOLDER).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, data_dir / relative)
        except OSError as exc:
            raise ValidationError(
                [(key, f"The picture could not be copied into the workspace: {exc.strerror or exc}")]
            ) from None
        values[key] = relative


def stored_values(row: PlatformSettings | None) -> dict[str, Any]:
    """The stored JSON as a dict; a damaged record reads as empty rather than failing the whole form."""
    if row is None:
        return {}
    try:
        data = json.loads(row.values_json or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _profile_spec(profile: Profile) -> SettingsSpec:
    return spec_for(profile.platform, profile.kind, profile.visibility)


def _shown(
    spec: SettingsSpec, stored: Mapping[str, Any], ctx: ValidationContext
) -> tuple[dict[str, Any], list[Problem]]:
    """Stored values normalised for display; a value failing its check is shown as stored (nothing lost)."""
    defaults = spec.defaults()
    shown: dict[str, Any] = {}
    for f in spec.fields:
        raw = stored.get(f.key, defaults[f.key])
        value, problems = f.clean(raw, ctx)
        shown[f.key] = raw if problems else value
    return shown, spec.validate(shown, ctx)


def load(session: Session, profile_id: int) -> ProfileSettings:
    """The profile's settings with their push state (anyone may look; only Administrators may change)."""
    profile = get_profile(session, profile_id)
    spec = _profile_spec(profile)
    row = session.get(PlatformSettings, profile.id)
    ctx = validation_context(session, profile.id)
    values, problems = _shown(spec, upgrade_stored(spec, stored_values(row)), ctx)
    # Nothing saved yet: a platform that takes pushes has nothing waiting for it.
    default_state = SyncState.SYNCED if spec.pushes else SyncState.LOCAL
    return ProfileSettings(
        profile_id=profile.id,
        platform=profile.platform,
        kind=profile.kind,
        visibility=profile.visibility,
        display_name=profile.display_name,
        handle=profile.handle,
        spec=spec,
        values=values,
        sync_state=SyncState(row.sync_state) if row is not None else default_state,
        sync_error=row.sync_error if row is not None else None,
        updated_at=row.updated_at if row is not None else None,
        pushed_at=row.pushed_at if row is not None else None,
        attempted_at=row.attempted_at if row is not None else None,
        next_attempt_at=row.next_attempt_at if row is not None else None,
        warnings=spec.warnings(values, ctx),
        problems=problems,
    )


@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome of validating changes without saving (what the form shows as the user types)."""

    values: dict[str, Any]
    problems: list[Problem]
    warnings: list[Problem]
    changed: tuple[str, ...]


def check(session: Session, profile_id: int, changes: Mapping[str, Any]) -> Checked:
    """Merge ``changes`` into the stored settings and validate the result; nothing is written."""
    profile = get_profile(session, profile_id)
    spec = _profile_spec(profile)
    row = session.get(PlatformSettings, profile.id)
    ctx = validation_context(session, profile.id)
    stored = upgrade_stored(spec, stored_values(row))
    before, kept_problems = _shown(spec, stored, ctx)
    problems: list[Problem] = [
        (key, why_not_here(key, profile.platform, profile.kind, profile.visibility))
        for key in changes
        if not spec.has(key)
    ]
    unusable = value_problems(changes)
    problems += unusable
    broken = {where.split("[", 1)[0].split(".", 1)[0] for where, _ in unusable}
    merged = {**before, **{k: v for k, v in changes.items() if spec.has(k) and k not in broken}}
    cleaned, found = spec.clean(merged, ctx)
    changed = tuple(k for k in spec.keys if cleaned[k] != before[k])
    # A stored value that a rule made stricter later now breaks (a Facebook page with 6 ice breakers)
    # is kept: its problem blocks changes to that field (and the push), never saving other fields.
    kept = {p for p in kept_problems if field_of(p[0]) not in changed}
    problems += [p for p in found if p not in kept]
    return Checked(cleaned, problems, spec.warnings(cleaned, ctx), changed)


def field_of(path: str) -> str:
    """The field key of a problem's path (``ice_breakers[4].flow`` -> ``ice_breakers``)."""
    return path.split("[", 1)[0].split(".", 1)[0]


#: Settings values are at most a list of objects of text; anything nested deeper is not a setting.
MAX_DEPTH = 8
#: Integers beyond this are no setting's value (and would cost time to print or compare).
MAX_INT = 10**18


def value_problems(changes: Mapping[str, Any]) -> list[Problem]:
    """What no setting can hold, whatever its field (from a hand-written JSON file): nesting deeper than
    ``MAX_DEPTH``, lone surrogates (``"\\ud800"``: not text; SQLite could not store it), numbers that are
    not finite or have more than 18 digits. One problem per top-level key, named by its path."""

    def first(value: Any, where: str, depth: int) -> Problem | None:
        if depth > MAX_DEPTH:
            return where, f"nested more than {MAX_DEPTH} levels deep; settings are text, lists and objects"
        if isinstance(value, str):
            if _has_surrogate(value):
                return where, "contains a lone surrogate (a bad \\uD800–\\uDFFF escape), which is not text"
            return None
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            return None if abs(value) <= MAX_INT else (where, "is a number with more than 18 digits")
        if isinstance(value, float):
            ok = math.isfinite(value)
            return None if ok else (where, "is not a finite number (NaN, Infinity or too large)")
        if isinstance(value, list):
            items: list[tuple[str, Any]] = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
        elif isinstance(value, dict):
            if any(isinstance(k, str) and _has_surrogate(k) for k in value):
                return where, "has a key with a lone surrogate, which is not text"
            items = [(f"{where}.{k}", v) for k, v in value.items()]
        else:
            return where, f"is {type(value).__name__}, not a JSON value"
        for inner, item in items:
            found = first(item, inner, depth + 1)
            if found:
                return found
        return None

    problems: list[Problem] = []
    for key, value in changes.items():
        if isinstance(key, str) and _has_surrogate(key):
            problems.append((key.encode("utf-8", "backslashreplace").decode(), "a key with a lone surrogate"))
            continue
        found = first(value, str(key), 1)
        if found:
            problems.append(found)
    return problems


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True, slots=True)
class Saved:
    settings: ProfileSettings
    #: Keys whose value changed (empty: nothing to save, nothing written).
    changed: tuple[str, ...]


def save(session: Session, actor: Actor | None, profile_id: int, changes: Mapping[str, Any]) -> Saved:
    """Validate and store ``changes``; raises ``ValidationError`` with every problem and writes nothing then.

    A change to a setting the platform holds makes the record pending (the caller pushes it); a change to
    in-app settings only (colour, case creation, attached quick replies) keeps the push state as it was.
    """
    actor = require_settings_editor(actor)
    profile = get_profile(session, profile_id)
    spec = _profile_spec(profile)
    result = check(session, profile.id, changes)
    if result.problems:
        raise ValidationError(result.problems)
    row = session.get(PlatformSettings, profile.id)
    if not result.changed:
        return Saved(load(session, profile.id), ())
    stored = upgrade_stored(spec, stored_values(row))
    # Keys the spec does not know (e.g. written by a newer version) are kept as they are.
    kept = {k: v for k, v in stored.items() if not spec.has(k)}
    values = {**kept, **result.values}
    _copy_pictures(session, spec, profile.id, values, result.changed)
    now = utcnow()
    pushed_change = spec.pushes and any(spec.field(k).pushed for k in result.changed)
    if row is None:
        initial = SyncState.SYNCED if spec.pushes else SyncState.LOCAL
        row = PlatformSettings(profile_id=profile.id, sync_state=initial.value, push_failures=0)
        session.add(row)
    if pushed_change:
        # The newest version goes at once (a back-off belongs to the version that failed); a version
        # the platform refused is tried again because it changed.
        row.sync_state, row.sync_error = SyncState.PENDING.value, "not pushed yet"
        row.next_attempt_at, row.push_failures, row.waiting_for = None, 0, None
    elif not spec.pushes:
        row.sync_state, row.sync_error = SyncState.LOCAL.value, None
    row.values_json = json.dumps(values, ensure_ascii=False)
    row.updated_at = now
    row.updated_by = actor.id
    audit.record(
        session,
        actor.id,
        "settings_changed",
        profile_id=profile.id,
        details=f"{spec.label}: {', '.join(result.changed)}",
    )
    session.flush()
    return Saved(load(session, profile.id), result.changed)


def pending_profile_ids(session: Session) -> list[int]:
    """Profiles whose settings wait for a push or a retry (pending or failed)."""
    return list(
        session.scalars(
            select(PlatformSettings.profile_id)
            .join(Profile, Profile.id == PlatformSettings.profile_id)
            .where(
                PlatformSettings.sync_state.in_((SyncState.PENDING.value, SyncState.FAILED.value)),
                Profile.deleted_at.is_(None),
            )
            .order_by(PlatformSettings.profile_id)
        )
    )
