"""What the main window remembers between runs (``socialdesk-ui.ini`` in the workspace folder): its
geometry, panes, column layout and filter."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray

from socialdesk.models.catalogue import ConnectionState, ConnectionType, Ownership, Status
from socialdesk.services.query import ProfileFilter

if TYPE_CHECKING:
    from socialdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
UI_STATE_FILE = "socialdesk-ui.ini"


def filter_to_json(flt: ProfileFilter) -> str:
    return json.dumps(
        {
            "ownership": sorted(o.value for o in flt.ownership),
            "status": sorted(s.value for s in flt.status),
            "platform": sorted(flt.platform),
            "connection_types": sorted([t.value, s.value if s else None] for t, s in flt.connection_types),
            "groups": sorted(flt.groups),
            "owners": sorted(flt.owners),
            "search": flt.search,
        }
    )


def filter_from_json(text: str) -> ProfileFilter:
    """The saved filter; anything unreadable is dropped rather than failing the start."""
    try:
        data = json.loads(text)
        return ProfileFilter(
            ownership={Ownership(v) for v in data.get("ownership", [])},
            status={Status(v) for v in data.get("status", [])},
            platform=set(data.get("platform", [])),
            connection_types={
                (ConnectionType(t), ConnectionState(s) if s else None)
                for t, s in data.get("connection_types", [])
            },
            groups=set(data.get("groups", [])),
            owners=set(data.get("owners", [])),
            search=str(data.get("search", "")),
        )
    except (ValueError, TypeError, AttributeError):
        log.warning("Ignoring an unreadable saved filter")
        return ProfileFilter()


def restore_state(window: MainWindow) -> None:
    assert window.settings is not None
    geometry = window.settings.value("window/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    state = window.settings.value("window/state")
    if isinstance(state, QByteArray):
        window.restoreState(state)
    splitter = window.settings.value("window/splitter")
    if isinstance(splitter, QByteArray):
        window.splitter.restoreState(splitter)
    for key, action in (
        ("window/filters", window.action_show_filters),
        ("window/details", window.action_show_details),
    ):
        action.setChecked(str(window.settings.value(key, "true")).lower() != "false")
    header = window.settings.value("table/header")
    if isinstance(header, QByteArray) and window.table.horizontalHeader().restoreState(header):
        window.table.auto_fit = str(window.settings.value("table/autofit", "true")).lower() != "false"
    saved = window.settings.value("table/filter")
    if isinstance(saved, str):
        flt = filter_from_json(saved)
        window.filter_panel.set_filter(flt)
        window.model.set_filter(flt)


def save_state(window: MainWindow) -> None:
    if window.settings is None:
        return
    window.settings.setValue("window/geometry", window.saveGeometry())
    window.settings.setValue("window/state", window.saveState())
    if not getattr(window, "_narrow", False):
        window.settings.setValue("window/splitter", window.splitter.saveState())
    window.settings.setValue("window/filters", window.action_show_filters.isChecked())
    window.settings.setValue("window/details", window.action_show_details.isChecked())
    window.settings.setValue("table/header", window.table.horizontalHeader().saveState())
    window.settings.setValue("table/autofit", window.table.auto_fit)
    window.settings.setValue("table/filter", filter_to_json(window.model.filter))
    window.settings.sync()
