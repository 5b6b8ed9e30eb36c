"""The flows dialog shows what ``socialdesk flows list`` shows: each flow's description and how many
settings use it; the description can be edited there."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from socialdesk.services import flows as flows_service
from socialdesk.services.workspace import Workspace
from socialdesk.ui.flows_dialog import DescriptionRole, FlowsDialog, UsesRole


def test_each_flow_shows_its_use_count_and_description(qtbot: QtBot, demo_ws: Workspace) -> None:
    with demo_ws.session() as s:
        expected = {
            f.name: (len(flows_service.usages(s, f)), f.description) for f in flows_service.list_flows(s)
        }
    dialog = FlowsDialog(demo_ws)
    qtbot.addWidget(dialog)
    shown = {}
    for i in range(dialog.list.count()):
        item = dialog.list.item(i)
        shown[dialog.names()[i]] = (item.data(UsesRole), item.data(DescriptionRole))
        uses, description = expected[dialog.names()[i]]
        second_line = item.text().split("\n")[1]
        assert second_line.startswith(
            "not used yet" if uses == 0 else f"used in {uses} place{'s' if uses != 1 else ''}"
        )
        if description:
            assert second_line.endswith(f" · {description}")
    assert shown == expected
    assert any(uses > 1 for uses, _ in expected.values())  # the demo uses some flows more than once

    assert dialog.add_flow("Holiday hours")
    dialog.select("Holiday hours")
    flow_id = dialog.current_id()
    assert flow_id is not None and dialog.describe_button.isEnabled()
    assert dialog.describe_flow(flow_id, "  Answers with the opening hours over the holidays  ")
    assert dialog.list.currentItem().text() == (
        "Holiday hours\nnot used yet · Answers with the opening hours over the holidays"
    )
    with demo_ws.session() as s:
        assert flows_service.find(s, "Holiday hours").description.startswith("Answers with")
    assert not dialog.describe_flow(flow_id, "x" * 10_000)
    assert not dialog.error.isHidden() and "At most" in dialog.error.text()
