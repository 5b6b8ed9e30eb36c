"""The profile manager's own reads and writes: its list of profiles, and X/Twitter custom profiles.

The list comes from the shared read model (``services.query.ProfileRows``), in the profile manager's
order: the profiles that have a settings form first (``rules.settings_form``), then the colour-only
ones; each part by platform, then name. Custom profiles apply at once (they are not part of a form's
Save): each call here is its own unit of work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.ops.changes import Change, Done, Kind
from socialdesk.services import custom_profiles as custom_service
from socialdesk.services import members as members_service
from socialdesk.services.custom_profiles import CustomProfileInfo as CustomProfileInfo
from socialdesk.services.custom_profiles import TermsAcceptance as TermsAcceptance
from socialdesk.services.query import ProfileRows, casefold_all
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

log = logging.getLogger(__name__)

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
        """The arrays in list order: with a form first, then by platform label, name (case-folded)
        and id. Decided once per distinct platform, kind and visibility and sorted with numpy
        (``lexsort`` over the read model's ranks); the texts are the read model's own strings."""
        if not len(rows):
            return cls()
        labels = {key: info.label for key, info in PLATFORMS.items()}
        nk, nv = max(len(rows.kind.values), 1), max(len(rows.visibility.values), 1)
        combo = (rows.platform.codes.astype(np.int64) * nk + rows.kind.codes) * nv + rows.visibility.codes
        distinct, inverse = np.unique(combo, return_inverse=True)
        form_lut = np.zeros(len(distinct), bool)
        for i, value in enumerate(distinct.tolist()):
            rest, v = divmod(value, nv)
            p, k = divmod(rest, nk)
            form_lut[i] = bool(
                settings_form(rows.platform.values[p], rows.kind.values[k], rows.visibility.values[v])
            )
        with_form = form_lut[inverse.reshape(-1)]
        platform_labels = [labels.get(p, p) for p in rows.platform.values]
        label_order = sorted(range(len(platform_labels)), key=platform_labels.__getitem__)
        label_rank = np.empty(len(platform_labels), np.int64)
        label_rank[label_order] = np.arange(len(platform_labels))
        for a, b in pairwise(label_order):  # equal labels, equal ranks
            if platform_labels[a] == platform_labels[b]:
                label_rank[b] = label_rank[a]
        ids = rows.ids.array
        order = np.lexsort((ids, rows.rank("name"), label_rank[rows.platform.codes], ~with_form))
        at = order.tolist()
        names = list(map(rows.display_name.__getitem__, at))
        handles = list(map(rows.handle.__getitem__, at))
        platform_codes = rows.platform.codes[order]
        platforms = np.array(rows.platform.values, dtype=object)[platform_codes].tolist()
        kinds = np.array(rows.kind.values, dtype=object)[rows.kind.codes[order]].tolist()
        folded_labels = np.array([t.casefold() for t in platform_labels], dtype=object)[platform_codes]
        keys = list(
            map("{} @{} {}".format, casefold_all(names), casefold_all(handles), folded_labels.tolist())
        )
        ordered_ids = ids[order].tolist()
        return cls(
            ids=ordered_ids,
            platforms=platforms,
            kinds=kinds,
            names=names,
            handles=handles,
            with_form=with_form[order].tolist(),
            keys=keys,
            position=dict(zip(ordered_ids, range(len(ordered_ids)), strict=True)),
        )


def profile_list(workspace: Workspace, rows: ProfileRows | None = None) -> ProfileColumns:
    """The profile manager's list (a worker's job): from ``rows``, the list the profiles window
    loaded (no second read), or read now. Should the window refresh its rows while they are read
    here (a profile added meanwhile), they are read again from the database."""
    if rows is not None and not rows.trash:
        try:
            return ProfileColumns.of(rows)
        except (ValueError, IndexError):
            log.info("The profiles changed while the profile manager read them; reading them again")
    with workspace.engine.connect() as conn:
        rows = ProfileRows.load(conn, workspace.me_id, prepare=False)  # it searches its own keys
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
