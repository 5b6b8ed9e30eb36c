"""The profile manager's own reads and writes: its list of profiles, and X/Twitter custom profiles.

The list comes from the shared read model (``services.query.ProfileRows``), in the profile manager's
order: the profiles that have a settings form first (``rules.settings_form``), then the colour-only
ones; each part by platform, then name. Custom profiles apply at once (they are not part of a form's
Save): each call here is its own unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import custom_profiles as custom_service
from socialdesk.services import members as members_service
from socialdesk.services.custom_profiles import CustomProfileInfo as CustomProfileInfo
from socialdesk.services.custom_profiles import TermsAcceptance as TermsAcceptance
from socialdesk.services.query import ProfileRows
from socialdesk.services.rules import Actor, settings_form
from socialdesk.services.workspace import Workspace

__all__ = [
    "CustomProfileInfo",
    "CustomProfileItem",
    "CustomProfiles",
    "ProfileColumns",
    "TermsAcceptance",
    "accept_terms",
    "add_custom_profile",
    "custom_profiles",
    "delete_custom_profile",
    "profile_list",
]

#: How the list is ordered, for the header above it.
LIST_ORDER = "Profiles with settings first, then colour-only ones; each by platform, then name"


@dataclass(frozen=True, slots=True)
class ProfileColumns:
    """Every profile that is not deleted, as column arrays in list order (built off the GUI thread)."""

    ids: list[int] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    with_form: list[bool] = field(default_factory=list)
    #: Folded "name @handle platform" per profile: what the search looks in.
    keys: list[str] = field(default_factory=list)
    #: Profile id -> its position in the arrays.
    position: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: ProfileRows) -> ProfileColumns:
        forms: dict[tuple[str, str, str], bool] = {}
        labels = {key: info.label for key, info in PLATFORMS.items()}
        sortable = []
        for i in range(len(rows)):
            platform, kind, visibility = rows.platform[i], rows.kind[i], rows.visibility[i]
            combo = (platform, kind, visibility)
            has = forms.get(combo)
            if has is None:
                has = bool(settings_form(platform, kind, visibility))
                forms[combo] = has
            name, handle = rows.display_name[i], rows.handle[i]
            label = labels.get(platform, platform)
            sortable.append((not has, label, name.casefold(), rows.ids[i], platform, kind, name, handle))
        sortable.sort()
        ids = [r[3] for r in sortable]
        return cls(
            ids=ids,
            platforms=[r[4] for r in sortable],
            kinds=[r[5] for r in sortable],
            names=[r[6] for r in sortable],
            handles=[r[7] for r in sortable],
            with_form=[not r[0] for r in sortable],
            keys=[f"{r[2]} @{r[7].casefold()} {r[1].casefold()}" for r in sortable],
            position={pid: i for i, pid in enumerate(ids)},
        )


def profile_list(workspace: Workspace) -> ProfileColumns:
    """The profile manager's list (about a second at 100,000 profiles: a worker's job)."""
    with workspace.engine.connect() as conn:
        rows = ProfileRows.load(conn, workspace.me_id)
    return ProfileColumns.of(rows)


# -- X/Twitter custom profiles ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomProfileItem:
    id: int
    name: str
    #: The avatar's copy inside the workspace folder.
    avatar: Path


@dataclass(frozen=True, slots=True)
class CustomProfiles:
    """An X/Twitter account's custom profiles, and whether the workspace accepted the terms."""

    terms: TermsAcceptance | None
    items: tuple[CustomProfileItem, ...]


def _item(workspace: Workspace, info: CustomProfileInfo) -> CustomProfileItem:
    return CustomProfileItem(info.id, info.name, custom_service.avatar_file(workspace, info))


def custom_profiles(workspace: Workspace, profile_id: int) -> CustomProfiles:
    with workspace.reading() as s:
        terms = custom_service.terms_acceptance(s)
        infos = custom_service.custom_profile_infos(s, profile_id)
    return CustomProfiles(terms, tuple(_item(workspace, i) for i in infos))


def accept_terms(workspace: Workspace) -> Done[TermsAcceptance]:
    """Accept the custom-profile terms for the workspace, as *me* (Administrators only)."""
    with workspace.session() as s:
        accepted = custom_service.accept_terms(s, members_service.me_actor(s))
    return Done(accepted, Change.of(Kind.SETTINGS, message="Custom-profile terms accepted."))


def _me(workspace: Workspace) -> Actor | None:
    with workspace.reading() as s:
        return members_service.me_actor(s)


def add_custom_profile(
    workspace: Workspace, profile_id: int, name: str, avatar: Path
) -> Done[CustomProfileItem]:
    """Add a custom profile; ``ValidationError`` names every problem (terms, name, avatar, policy URL)."""
    info = custom_service.add(workspace, _me(workspace), profile_id, name, avatar)
    return Done(
        _item(workspace, info),
        Change.of(Kind.SETTINGS, profile_ids=(profile_id,), message=f"Custom profile “{info.name}” added."),
    )


def delete_custom_profile(workspace: Workspace, profile_id: int, custom_id: int) -> Done[str]:
    """Delete a custom profile and its avatar copy; the value is its name."""
    name = custom_service.delete(workspace, _me(workspace), custom_id)
    return Done(
        name, Change.of(Kind.SETTINGS, profile_ids=(profile_id,), message=f"Custom profile “{name}” deleted.")
    )
