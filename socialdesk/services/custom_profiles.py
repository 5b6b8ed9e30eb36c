"""X/Twitter custom profiles: a team member's name and avatar to reply under, from the company account.

Before the first one, an Administrator accepts the custom-profile terms once for the workspace (stored in
the ``meta`` table with the date and the member). Each custom profile also needs the account's privacy policy
URL to be set. The avatar is a PNG or JPEG whose size and dimensions are checked by reading the file's own
header (no image library needed); the file is copied into the workspace folder, so the original may move,
and deleting the custom profile deletes that copy.
"""

from __future__ import annotations

import json
import shutil
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.models.schema import CustomProfile, Member, Meta
from socialdesk.models.settings_catalogue import CustomProfileLimits, Problem, spec_for
from socialdesk.services import audit
from socialdesk.services.clock import iso, parse_iso, utcnow
from socialdesk.services.errors import NotAllowedError, NotFoundError, ValidationError
from socialdesk.services.names import control_problem
from socialdesk.services.profiles import get_profile
from socialdesk.services.rules import Actor
from socialdesk.services.settings import load as load_settings
from socialdesk.services.settings import require_settings_editor
from socialdesk.services.workspace import Workspace

TERMS_KEY = "x_custom_profile_terms"
AVATAR_FOLDER = "custom_profiles"
#: Enough of a file to find a JPEG's frame header behind its metadata blocks.
HEADER_BYTES = 1024 * 1024


# -- the terms ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermsAcceptance:
    accepted_at: datetime
    member_id: int
    member_name: str


def terms_acceptance(session: Session) -> TermsAcceptance | None:
    meta = session.get(Meta, TERMS_KEY)
    if meta is None:
        return None
    try:
        data = json.loads(meta.value)
        return TermsAcceptance(parse_iso(data["accepted_at"]), int(data["member_id"]), str(data["member"]))
    except (ValueError, KeyError, TypeError):
        return None


def accept_terms(session: Session, actor: Actor | None) -> TermsAcceptance:
    """Accept the custom-profile terms for the workspace; accepting again keeps the first acceptance."""
    actor = require_settings_editor(actor)
    existing = terms_acceptance(session)
    if existing is not None:
        return existing
    member = session.get(Member, actor.id)
    name = member.name if member is not None else str(actor.id)
    accepted = TermsAcceptance(utcnow(), actor.id, name)
    session.merge(
        Meta(
            key=TERMS_KEY,
            value=json.dumps(
                {"accepted_at": iso(accepted.accepted_at), "member_id": actor.id, "member": name}
            ),
        )
    )
    audit.record(session, actor.id, "custom_profile_terms_accepted", member_id=actor.id)
    return accepted


# -- images ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str  # "PNG" or "JPEG"
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ".png" if self.format == "PNG" else ".jpg"


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers carry the size; C4 (Huffman tables), C8 (reserved) and CC (arithmetic) do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def image_info(data: bytes) -> ImageInfo | None:
    """Format and size in pixels from the first bytes of a PNG (IHDR) or JPEG (SOF); else ``None``."""
    if data.startswith(PNG_SIGNATURE):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("PNG", width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_info(data)
    return None


def _jpeg_info(data: bytes) -> ImageInfo | None:
    i = 2
    n = len(data)
    while i < n:
        if data[i] != 0xFF:
            return None
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the scan began without a frame header
            return None
        if i + 2 > n:
            return None
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if i + 7 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 3 : i + 7])
            return ImageInfo("JPEG", width, height)
        i += length
    return None


def avatar_problems(path: Path, limits: CustomProfileLimits) -> tuple[ImageInfo | None, list[Problem]]:
    """Everything wrong with an avatar file at once: unreadable, not PNG/JPEG, too many bytes or pixels."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(HEADER_BYTES)
    except OSError as exc:
        return None, [("avatar", f"Cannot read {path.name}: {exc.strerror or exc}")]
    problems: list[Problem] = []
    if size > limits.max_bytes:
        problems.append(
            ("avatar", f"The image is {_kb(size)}; an avatar may be at most {_kb(limits.max_bytes)}")
        )
    info = image_info(head)
    if info is None or info.format not in limits.formats:
        problems.append(("avatar", f"{path.name} is not a PNG or JPEG image; choose a PNG or JPEG file"))
        return None, problems
    low, high = limits.min_side, limits.max_side
    if min(info.width, info.height) < low or max(info.width, info.height) > high:
        problems.append(
            (
                "avatar",
                f"The image is {info.width}×{info.height} pixels; each side must be {low} to {high} pixels",
            )
        )
    return info, problems


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


# -- custom profiles ---------------------------------------------------------------------------------


def _limits(session: Session, profile_id: int) -> CustomProfileLimits:
    profile = get_profile(session, profile_id)
    spec = spec_for(profile.platform, profile.kind, profile.visibility)
    if spec.custom_profiles is None:
        raise NotAllowedError("Custom profiles exist only for owned X/Twitter accounts")
    return spec.custom_profiles


@dataclass(frozen=True, slots=True)
class CustomProfileInfo:
    """A custom profile as the windows show it (``avatar_path`` is relative to the workspace folder)."""

    id: int
    profile_id: int
    name: str
    avatar_path: str


def _info(custom: CustomProfile) -> CustomProfileInfo:
    return CustomProfileInfo(custom.id, custom.profile_id, custom.name, custom.avatar_path)


def custom_profile_infos(session: Session, profile_id: int) -> list[CustomProfileInfo]:
    return [_info(c) for c in list_custom_profiles(session, profile_id)]


def list_custom_profiles(session: Session, profile_id: int) -> Sequence[CustomProfile]:
    return session.scalars(
        select(CustomProfile).where(CustomProfile.profile_id == profile_id).order_by(CustomProfile.id)
    ).all()


def avatar_file(workspace: Workspace, custom: CustomProfile | CustomProfileInfo) -> Path:
    return _inside(workspace.data_dir, custom.avatar_path)


def _inside(data_dir: Path, relative: str) -> Path:
    path = (data_dir / relative).resolve()
    if not path.is_relative_to(data_dir.resolve()):
        raise NotFoundError(f"The avatar path {relative!r} is outside the workspace folder")
    return path


def add(
    workspace: Workspace, actor: Actor | None, profile_id: int, name: str, avatar: Path
) -> CustomProfileInfo:
    """Add a custom profile; every problem (terms, privacy policy URL, name, avatar) is reported at once."""
    actor = require_settings_editor(actor)
    with workspace.session() as s:
        limits = _limits(s, profile_id)
        problems: list[Problem] = []
        if terms_acceptance(s) is None:
            problems.append(("terms", "Accept the X/Twitter custom-profile terms first"))
        if not load_settings(s, profile_id).values.get(limits.requires_field):
            problems.append(
                (
                    limits.requires_field,
                    "X/Twitter custom profiles need a privacy policy URL: "
                    "set it in the profile's settings first",
                )
            )
        clean = " ".join(name.split())
        if not clean:
            problems.append(("name", "Enter the name replies will show"))
        elif len(clean) > limits.max_name:
            problems.append(("name", f"At most {limits.max_name} characters; this has {len(clean)}"))
        elif control := control_problem(clean, "A custom profile's name"):
            problems.append(("name", control))
        elif any(c.name.casefold() == clean.casefold() for c in list_custom_profiles(s, profile_id)):
            problems.append(("name", f"This account already has a custom profile named {clean!r}"))
        info, found = avatar_problems(Path(avatar), limits)
        problems += found
        if problems or info is None:
            raise ValidationError(problems)
        folder = workspace.data_dir / AVATAR_FOLDER
        relative = f"{AVATAR_FOLDER}/{profile_id}-{uuid.uuid4().hex}{info.extension}"
        target = workspace.data_dir / relative
        try:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(avatar, target)
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise ValidationError(
                [("avatar", f"Cannot copy the image into the workspace folder: {exc.strerror or exc}")]
            ) from exc
        try:
            custom = CustomProfile(
                profile_id=profile_id,
                name=clean,
                avatar_path=relative,
                created_at=utcnow(),
                created_by=actor.id,
            )
            s.add(custom)
            audit.record(s, actor.id, "custom_profile_added", profile_id=profile_id, details=clean)
            s.flush()
            added = _info(custom)
            s.commit()
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return added


def delete(workspace: Workspace, actor: Actor | None, custom_profile_id: int) -> str:
    """Delete a custom profile and its avatar file. Returns its name."""
    actor = require_settings_editor(actor)
    with workspace.session() as s:
        custom = s.get(CustomProfile, custom_profile_id)
        if custom is None:
            raise NotFoundError(f"There is no custom profile with id {custom_profile_id}")
        path = avatar_file(workspace, custom)
        name = custom.name
        audit.record(s, actor.id, "custom_profile_deleted", profile_id=custom.profile_id, details=name)
        s.delete(custom)
    # The record is gone for good (committed) before the file goes, so a failure never leaves a dangling row.
    path.unlink(missing_ok=True)
    return name
