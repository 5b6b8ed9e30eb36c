"""The settings form generator: one editor per catalogue field type, counters, lists, messages at the field.

The forms are built from the real catalogue; the problems and warnings shown come from the catalogue's own
validation (``SettingsSpec.clean`` / ``warnings``), the same the settings service runs.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from socialdesk.models.settings_catalogue import (
    SPECS,
    FieldType,
    SettingsSpec,
    ValidationContext,
    color_only,
    count_x_text,
)
from socialdesk.ui.settings_form import (
    ChoiceEditor,
    ColorEditor,
    FlowEditor,
    ListEditor,
    MultilineEditor,
    PictureEditor,
    SettingsForm,
    SwitchEditor,
    TextEditor,
    split_path,
)

FLOWS = ["Welcome", "Order status", "Talk to an agent", "Opening hours"]
CTX = ValidationContext.with_flows(FLOWS)
EDITOR_OF_TYPE = {
    FieldType.TEXT: TextEditor,
    FieldType.URL: TextEditor,
    FieldType.EMAIL: TextEditor,
    FieldType.IMAGE_URL: TextEditor,
    FieldType.IMAGE_FILE: PictureEditor,
    FieldType.MULTILINE: MultilineEditor,
    FieldType.COLOR: ColorEditor,
    FieldType.CHOICE: ChoiceEditor,
    FieldType.SWITCH: SwitchEditor,
    FieldType.FLOW: FlowEditor,
    FieldType.FLOW_ITEMS: ListEditor,
    FieldType.URL_LIST: ListEditor,
}


def make_form(qtbot: QtBot, spec: SettingsSpec) -> SettingsForm:
    form = SettingsForm(spec, FLOWS)
    qtbot.addWidget(form)
    return form


def validate(form: SettingsForm) -> None:
    """What the window does as the user types (there through the settings service)."""
    cleaned, problems = form.spec.clean(form.values(), CTX)
    form.show_problems(problems, form.spec.warnings(cleaned, CTX))


@pytest.mark.parametrize("platform", sorted(SPECS))
def test_every_field_of_every_platform_gets_the_editor_of_its_type(qtbot: QtBot, platform: str) -> None:
    spec = SPECS[platform]
    form = make_form(qtbot, spec)
    assert list(form.editors) == list(spec.keys)
    for f in spec.fields:
        editor = form.editor(f.key)
        assert type(editor) is EDITOR_OF_TYPE[f.type], f.key
        assert editor.objectName() == f"field_{f.key}"
        if f.type is FieldType.SWITCH:
            assert editor.widget.text() == f.label
        else:
            assert editor.title.text() == f.label + (" *" if f.required else "")
        assert editor.help.text() == f.help
    # Defaults in, defaults out: the JSON shape ``settings show`` prints.
    form.set_values(spec.defaults())
    cleaned, problems = spec.clean(form.values(), CTX)
    assert cleaned == {**spec.defaults(), "color": spec.defaults()["color"].upper()}
    assert all(key in ("address", "description", "vertical") for key, _ in problems)


def test_a_colour_only_profile_has_only_the_colour(qtbot: QtBot) -> None:
    form = make_form(qtbot, color_only("linkedin", "organization_page"))
    assert list(form.editors) == ["color"]
    editor = form.editor("color")
    assert isinstance(editor, ColorEditor)
    editor.widget.setText("#12ab34")
    assert form.values() == {"color": "#12ab34"}


def test_values_round_trip_through_the_widgets(qtbot: QtBot) -> None:
    spec = SPECS["whatsapp"]
    form = make_form(qtbot, spec)
    values = {
        "color": "#3949AB",
        "about": "We reply on weekdays",
        "avatar": "media/25-logo.jpg",
        "address": "1 Harbour Street\nBristol",
        "description": "Customer service",
        "email": "care@example.com",
        "vertical": "RETAIL",
        "websites": ["https://example.com", "https://shop.example.com"],
    }
    form.set_values(values)
    assert form.values() == values
    assert isinstance(form.editor("address").widget, QPlainTextEdit)
    assert isinstance(form.editor("vertical").widget, QComboBox)
    assert form.editor("vertical").widget.currentText() == "Shopping and Retail"
    facebook = make_form(qtbot, SPECS["facebook"])
    fb_values = {
        **SPECS["facebook"].defaults(),
        "ice_breakers": [{"question": "Where is my order?", "flow": "Order status"}],
        "get_started_flow": "Welcome",
        "case_creation": True,
    }
    facebook.set_values(fb_values)
    assert facebook.values() == fb_values
    assert isinstance(facebook.editor("case_creation").widget, QCheckBox)


def test_set_values_does_not_count_as_an_edit(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["x"])
    edits: list[bool] = []
    form.edited.connect(lambda: edits.append(True))
    form.set_values({**SPECS["x"].defaults(), "bio": "Hello"})
    assert edits == []
    form.editor("bio").widget.setPlainText("Hello again")
    assert edits


def test_the_x_bio_counter_counts_a_link_as_23(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["x"])
    bio = form.editor("bio")
    text = "Help at https://support.example.com/a/very/long/path/to/the/help/centre today"
    qtbot.keyClicks(bio.widget, text)
    assert (
        count_x_text(text)
        == len(text) - len("https://support.example.com/a/very/long/path/to/the/help/centre") + 23
    )
    assert bio.counter.text() == f"{count_x_text(text)} / 160"
    assert "link counts as 23" in bio.counter.toolTip()
    # Name counts plain characters, live.
    name = form.editor("name")
    qtbot.keyClicks(name.widget, "A" * 51)
    assert name.counter.text() == "51 / 50"
    assert "1 characters too many" in name.counter.toolTip()


def test_problems_and_warnings_are_shown_at_their_field_and_row(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["facebook"])
    form.set_values(
        {
            **SPECS["facebook"].defaults(),
            "persistent_menu": [{"label": "L" * 31, "flow": "Welcome"}, {"label": "Hours", "flow": None}],
            "ice_breakers": [{"question": "Where is my order?", "flow": "Order status"}],
            "get_started_flow": "Welcome",
        }
    )
    validate(form)
    menu = form.editor("persistent_menu")
    assert isinstance(menu, ListEditor)
    assert menu.rows[0].errors.text() == "At most 30 characters; this has 31"
    assert menu.rows[1].errors.text() == "Choose the flow this button starts"
    assert menu.rows[0].text.property("invalid") is True
    assert menu.rows[1].text.property("invalid") is False  # the flow is wrong, not the label
    assert form.errors()["get_started_flow"] == [
        "Ice breakers override the Get Started button: turn Get Started off or remove the ice breakers"
    ]
    assert "ice_breakers" not in form.errors()
    assert form.first_problem() is form.editor("get_started_flow")
    # Fixed: the messages go.
    menu.rows[0].text.setText("Menu")
    menu.rows[1].flow.setCurrentIndex(menu.rows[1].flow.findData("Opening hours"))  # type: ignore[union-attr]
    form.editor("ice_breakers").set_value([])  # Get Started stays: the menu needs it
    validate(form)
    assert form.errors() == {}
    assert menu.rows[0].errors.isHidden()


def test_warnings_never_look_like_errors(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["live_chat"])
    form.set_values(SPECS["live_chat"].defaults())
    validate(form)
    assert form.errors() == {}
    assert form.warnings()["allowlisted_domains"] == [
        "No domain is listed, so any web site may load this chat; list your sites to limit it"
    ]
    whatsapp = make_form(qtbot, SPECS["whatsapp"])
    whatsapp.set_values({**SPECS["whatsapp"].defaults(), "avatar": "wide.png"})
    ctx = ValidationContext.with_flows(FLOWS, image_info=lambda _path: ("PNG", 800, 400))
    cleaned, problems = whatsapp.spec.clean(whatsapp.values(), ctx)
    whatsapp.show_problems(problems, whatsapp.spec.warnings(cleaned, ctx))
    assert "avatar" not in whatsapp.errors()
    assert whatsapp.warnings()["avatar"] == [
        "WhatsApp recommends a square JPG or PNG of 640×640 pixels; this picture is 800×400"
    ]
    assert whatsapp.editor("avatar").note.isHidden()
    facebook = make_form(qtbot, SPECS["facebook"])
    note = facebook.editor("ice_breakers").note
    assert not note.isHidden() and "Meta's Messenger Platform accepts at most 4" in note.text()


def test_list_rows_add_remove_reorder_and_stop_at_the_limit(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["instagram"])
    breakers = form.editor("ice_breakers")
    assert isinstance(breakers, ListEditor)
    breakers.set_value([])
    assert not breakers.empty.isHidden() and breakers.empty.text() == "No ice breakers yet."
    for i in range(4):
        assert breakers.add_item()
        breakers.rows[i].text.setText(f"Question {i}")
    assert breakers.counter.text() == "4 of 4"
    assert not breakers.add_button.isEnabled()
    assert "At most 4 ice breakers" in breakers.add_button.toolTip()
    assert not breakers.add_item()  # a 5th is refused
    assert len(breakers.rows) == 4
    breakers.move_item(3, 0)
    assert [v["question"] for v in breakers.value()] == [
        "Question 3",
        "Question 0",
        "Question 1",
        "Question 2",
    ]
    qtbot.mouseClick(breakers.rows[1].buttons[2], Qt.MouseButton.LeftButton)  # remove "Question 0"
    assert [v["question"] for v in breakers.value()] == ["Question 3", "Question 1", "Question 2"]
    assert breakers.add_button.isEnabled()
    assert not breakers.rows[0].buttons[0].isEnabled()  # the first cannot move up
    assert not breakers.rows[-1].buttons[1].isEnabled()  # the last cannot move down


def test_flow_pickers_list_the_flows_and_follow_a_rename(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["live_chat"])
    form.set_values(
        {**SPECS["live_chat"].defaults(), "start_flow": "welcome", "quick_replies": [
            {"label": "Hours", "flow": "Opening hours"}
        ]}
    )  # fmt: skip
    start = form.editor("start_flow")
    assert isinstance(start, FlowEditor)
    combo = start.widget
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "None (off)",
        "Opening hours",
        "Order status",
        "Talk to an agent",
        "Welcome",
    ]
    assert form.values()["start_flow"] == "Welcome"  # stored as the flow spells it
    form.rename_flow("Opening hours", "Hours and holidays")
    form.set_flows(["Welcome", "Hours and holidays"])
    assert form.values()["quick_replies"] == [{"label": "Hours", "flow": "Hours and holidays"}]
    # A name that is not a flow stays visible, marked, so validation can say what is wrong.
    form.set_values({**SPECS["live_chat"].defaults(), "start_flow": "Gone"})
    assert combo.currentText() == "Gone (no such flow)"
    validate(form)
    assert form.errors()["start_flow"][0].startswith("There is no flow named 'Gone'")


def test_a_stored_choice_outside_the_list_is_kept_visible(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["whatsapp"])
    form.set_values({**SPECS["whatsapp"].defaults(), "vertical": "SPACE_TRAVEL"})
    assert form.values()["vertical"] == "SPACE_TRAVEL"
    validate(form)
    assert form.errors()["vertical"][0].startswith("'SPACE_TRAVEL' is not in the list")
    form.editor("vertical").set_value("shopping and retail")  # a label, any case
    assert form.values()["vertical"] == "RETAIL"


def test_read_only_form_takes_no_input(qtbot: QtBot) -> None:
    form = make_form(qtbot, SPECS["x"])
    form.set_values({**SPECS["x"].defaults(), "quick_replies": [{"label": "Hi", "flow": "Welcome"}]})
    form.set_read_only(True)
    for editor in form.editors.values():
        widget = editor.widget if hasattr(editor, "widget") else None
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            assert widget.isReadOnly(), editor.field.key
        elif widget is not None:
            assert not widget.isEnabled(), editor.field.key
    replies = form.editor("quick_replies")
    assert isinstance(replies, ListEditor)
    assert replies.add_button.isHidden()
    assert all(b.isHidden() for b in replies.rows[0].buttons)
    assert replies.rows[0].text.isReadOnly() and not replies.rows[0].flow.isEnabled()  # type: ignore[union-attr]
    assert not replies.add_item()
    form.set_read_only(False)
    assert not replies.add_button.isHidden() and replies.add_item()


def test_problem_paths() -> None:
    assert split_path("bio") == ("bio", None, None)
    assert split_path("quick_replies[4].flow") == ("quick_replies", 4, "flow")
    assert split_path("websites[1]") == ("websites", 1, None)
    assert split_path("terms") == ("terms", None, None)
