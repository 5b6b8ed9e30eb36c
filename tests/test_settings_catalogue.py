"""The settings catalogue: every limit and rule of docs/product.md §5 at, below and above its limit.

Pure tests of the declarations (no database): the command line and the forms validate with the same objects.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.models.catalogue import PLATFORMS
from socialdesk.models.settings_catalogue import (
    FACEBOOK_SPEC,
    INSTAGRAM_SPEC,
    LIVE_CHAT_SPEC,
    SPECS,
    WHATSAPP_SPEC,
    X_SPEC,
    X_URL_LENGTH,
    FieldType,
    SettingsSpec,
    ValidationContext,
    count_x_text,
    find_links,
    spec_for,
    upgrade_stored,
    why_not_here,
)
from socialdesk.services.livechat import embed_code

FLOWS = ("Welcome", "Order status", "Talk to an agent", "Opening hours")
CTX = ValidationContext.with_flows(FLOWS)
WHATSAPP_OK = {"address": "1 Harbour Street", "description": "Customer service", "vertical": "RETAIL"}
# Letters from several scripts, no blanks (trimmed), no '.', ':' or '/' (so no text looks like a link).
LETTERS = st.characters(categories=("Lu", "Ll", "Lo", "Nd"), exclude_characters=".:/")


def problems(spec: SettingsSpec, **values: Any) -> list[tuple[str, str]]:
    base = dict(WHATSAPP_OK) if spec is WHATSAPP_SPEC else {}
    return spec.validate({**base, **values}, CTX)


def fields_of(found: list[tuple[str, str]]) -> list[str]:
    return [f for f, _ in found]


def items(n: int, key: str = "label", flow: str = "Welcome") -> list[dict[str, str]]:
    return [{key: f"Item {i + 1}", "flow": flow} for i in range(n)]


# -- text limits ---------------------------------------------------------------------------------------

TEXT_LIMITS = [
    (X_SPEC, "name", 50),
    (X_SPEC, "location", 30),
    (X_SPEC, "bio", 160),
    (X_SPEC, "welcome_message", 10_000),
    (FACEBOOK_SPEC, "greeting_text", 160),
    (WHATSAPP_SPEC, "about", 139),
    (WHATSAPP_SPEC, "address", 256),
    (WHATSAPP_SPEC, "description", 256),
]


@pytest.mark.parametrize(("spec", "key", "limit"), TEXT_LIMITS, ids=lambda v: getattr(v, "platform", v))
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_text_limits_at_below_and_above(spec: SettingsSpec, key: str, limit: int, delta: int) -> None:
    assert spec.field(key).max_length == limit
    found = problems(spec, **{key: "a" * (limit + delta)})
    if delta <= 0:
        assert key not in fields_of(found), found
    else:
        assert (key, f"At most {limit} characters; this has {limit + 1}") in found


@pytest.mark.parametrize(
    ("spec", "key", "limit"), [t for t in TEXT_LIMITS if t[2] <= 300], ids=lambda v: getattr(v, "platform", v)
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_text_limits_for_any_text(spec: SettingsSpec, key: str, limit: int, data: st.DataObject) -> None:
    text = data.draw(st.text(LETTERS, min_size=1, max_size=limit + 12))
    found = [m for f, m in problems(spec, **{key: text}) if f == key]
    assert bool(found) == (len(text) > limit), (len(text), found)


@pytest.mark.parametrize(
    ("spec", "key", "limit"),
    [
        (FACEBOOK_SPEC, "persistent_menu", 30),
        (X_SPEC, "quick_replies", 36),
        (LIVE_CHAT_SPEC, "quick_replies", 36),
        (FACEBOOK_SPEC, "ice_breakers", 80),
        (INSTAGRAM_SPEC, "ice_breakers", 80),
    ],
    ids=lambda v: getattr(v, "platform", v),
)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_item_text_limits(spec: SettingsSpec, key: str, limit: int, delta: int) -> None:
    f = spec.field(key)
    assert f.max_length == limit
    values: dict[str, Any] = {key: [{f.item_key: "b" * (limit + delta), "flow": "Welcome"}]}
    if key == "quick_replies" and spec is X_SPEC:
        values["welcome_message"] = "Hi"
    found = problems(spec, **values)
    where = f"{key}[0].{f.item_key}"
    assert (where in fields_of(found)) == (delta > 0), found


def test_menu_label_31_refused_with_its_length() -> None:
    found = problems(
        FACEBOOK_SPEC, get_started_flow="Welcome", persistent_menu=[{"label": "L" * 31, "flow": "Welcome"}]
    )
    assert found == [("persistent_menu[0].label", "At most 30 characters; this has 31")]


# -- the X bio counts a link as 23 ----------------------------------------------------------------------


def test_bio_counts_each_link_as_23() -> None:
    link = "https://www.example.com/a/rather/long/path/to/the/help/pages"
    assert len(link) > X_URL_LENGTH
    ok = "a" * (160 - 1 - X_URL_LENGTH) + " " + link
    assert count_x_text(ok) == 160 and len(ok) > 160
    assert problems(X_SPEC, bio=ok) == []
    too_long = "a" + ok
    assert problems(X_SPEC, bio=too_long) == [
        ("bio", "At most 160 characters; this has 161 (a link counts as 23)")
    ]
    # A short link counts as 23 too: 150 letters and "x.com" (5) is 174, not 156.
    assert count_x_text("a" * 150 + " x.com") == 150 + 1 + X_URL_LENGTH
    assert X_SPEC.field("bio").count(ok) == 160
    assert X_SPEC.field("bio").counter.note


def test_links_are_found_like_x_finds_them() -> None:
    text = (
        "See https://example.com/help, www.example.org and shop.example.com or bbc.co.uk/news; node.js e.g."
    )
    assert find_links(text) == [
        "https://example.com/help",
        "www.example.org",
        "shop.example.com",
        "bbc.co.uk/news",
    ]


WORDS = st.text(LETTERS, min_size=1, max_size=30)
LINKS = st.builds(lambda path: f"https://example.com/{path}", st.text("abcdefgh0123456789", max_size=60))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(WORDS.map(lambda w: ("word", w)), LINKS.map(lambda u: ("link", u))), max_size=14))
def test_bio_limit_for_any_mix_of_words_and_links(parts: list[tuple[str, str]]) -> None:
    text = " ".join(p for _, p in parts)
    expected = sum(X_URL_LENGTH if kind == "link" else len(p) for kind, p in parts) + max(len(parts) - 1, 0)
    assert count_x_text(text) == expected
    assert bool(problems(X_SPEC, bio=text)) == (expected > 160)


# -- list limits --------------------------------------------------------------------------------------

LIST_LIMITS = [
    (X_SPEC, "quick_replies", 5, "quick replies"),
    (X_SPEC, "attached_quick_replies", 5, "quick replies"),
    (FACEBOOK_SPEC, "ice_breakers", 4, "ice breakers"),
    (FACEBOOK_SPEC, "persistent_menu", 3, "buttons"),
    (INSTAGRAM_SPEC, "ice_breakers", 4, "ice breakers"),
    (LIVE_CHAT_SPEC, "quick_replies", 3, "quick replies"),
]


@pytest.mark.parametrize(
    ("spec", "key", "limit", "noun"), LIST_LIMITS, ids=lambda v: getattr(v, "platform", v)
)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_list_limits_at_below_and_above(
    spec: SettingsSpec, key: str, limit: int, noun: str, delta: int
) -> None:
    f = spec.field(key)
    assert f.max_items == limit
    values: dict[str, Any] = {key: items(limit + delta, f.item_key)}
    if spec is X_SPEC:
        values["welcome_message"] = "Hi! How can we help?"
    if key == "persistent_menu":
        values["get_started_flow"] = "Welcome"  # Facebook shows the menu only with Get Started
    found = problems(spec, **values)
    if delta <= 0:
        assert found == []
    else:
        assert found == [(key, f"At most {limit} {noun}; there are {limit + 1}, remove 1")]


@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_whatsapp_websites_two_of_256(delta: int) -> None:
    sites = [f"https://example.com/{i}" for i in range(2 + delta)]
    found = problems(WHATSAPP_SPEC, websites=sites)
    assert (found == []) == (delta <= 0)
    if delta > 0:
        assert found == [("websites", "At most 2 websites; there are 3, remove 1")]
    base = "https://example.com/"
    assert problems(WHATSAPP_SPEC, websites=[base + "p" * (256 - len(base) + delta)]) == (
        [] if delta <= 0 else [("websites[0]", "At most 256 characters; this has 257")]
    )


# -- cross-field rules --------------------------------------------------------------------------------


def test_quick_replies_need_a_welcome_message() -> None:
    message = "Quick replies need a welcome message: write the welcome message first"
    assert problems(X_SPEC, quick_replies=items(1)) == [("quick_replies", message)]
    assert problems(X_SPEC, quick_replies=items(1), welcome_message="   ") == [("quick_replies", message)]
    assert problems(X_SPEC, quick_replies=items(1), welcome_message="Hello") == []
    # Quick replies attached to every outgoing message are not the welcome message's.
    assert problems(X_SPEC, attach_quick_replies=True, attached_quick_replies=items(2)) == []


def test_sixth_quick_reply_and_missing_welcome_message_are_both_reported() -> None:
    found = problems(X_SPEC, quick_replies=items(6))
    assert fields_of(found) == ["quick_replies", "quick_replies"]
    assert "At most 5" in found[0][1] and "welcome message" in found[1][1]


def test_facebook_ice_breakers_exclude_get_started() -> None:
    found = problems(FACEBOOK_SPEC, ice_breakers=items(1, "question"), get_started_flow="Welcome")
    assert found == [
        (
            "get_started_flow",
            "Ice breakers override the Get Started button: turn Get Started off or remove the ice breakers",
        )
    ]
    assert problems(FACEBOOK_SPEC, get_started_flow="Welcome") == []
    assert problems(FACEBOOK_SPEC, ice_breakers=items(4, "question"), get_started_flow=None) == []


def test_facebook_limits_follow_the_platform_and_say_so() -> None:
    breakers = FACEBOOK_SPEC.field("ice_breakers")
    assert (
        breakers.max_items == 4
        and "allows 6" in breakers.platform_note
        and "at most 4" in breakers.platform_note
    )
    assert problems(FACEBOOK_SPEC, persistent_menu=items(1)) == [
        (
            "persistent_menu",
            "Facebook shows a persistent menu only with the Get Started button: choose a Get Started flow "
            "first (and remove the ice breakers, which override it)",
        )
    ]
    assert problems(FACEBOOK_SPEC, persistent_menu=items(1), get_started_flow="Welcome") == []
    verticals = {c.value for c in WHATSAPP_SPEC.field("vertical").choices}
    assert verticals == {
        "UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE",
        "GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT",
        "NOT_A_BIZ",
    }  # fmt: skip
    assert WHATSAPP_SPEC.field("description").max_length == 256  # the source documents' limit stays
    assert WHATSAPP_SPEC.field("about").max_length == 139
    for key in ("privacy_policy_url",):
        assert not FACEBOOK_SPEC.field(key).pushed and FACEBOOK_SPEC.field(key).local_note
    for key in (
        "welcome_message",
        "quick_replies",
        "attach_quick_replies",
        "attached_quick_replies",
        "privacy_policy_url",
    ):
        assert not X_SPEC.field(key).pushed and "Kept in SocialDesk only" in X_SPEC.field(key).local_note
    assert all(X_SPEC.field(k).pushed for k in ("name", "website", "location", "bio"))


@pytest.mark.parametrize(
    "on",
    [
        {"ice_breakers": items(2, "question")},
        {"get_started_flow": "Welcome"},
        {"get_started_flow": "Welcome", "persistent_menu": items(1)},
        {"get_started_flow": "Welcome", "persistent_menu": items(3)},
    ],
)
def test_nothing_of_the_three_while_case_creation_is_on(on: dict[str, Any]) -> None:
    found = problems(FACEBOOK_SPEC, case_creation=True, **on)
    assert sorted(fields_of(found)) == sorted(on)
    assert all("case creation is on" in m for _, m in found)
    assert problems(FACEBOOK_SPEC, case_creation=False, **on) == []
    assert problems(FACEBOOK_SPEC, case_creation=True) == []


def test_all_problems_at_once() -> None:
    found = problems(
        FACEBOOK_SPEC,
        case_creation=True,
        ice_breakers=items(7, "question"),
        get_started_flow="Welcome",
        persistent_menu=[{"label": "x" * 31, "flow": "No such flow"}] * 4,
        greeting_text="g" * 161,
        color="blue",
    )
    assert set(fields_of(found)) >= {
        "color",
        "greeting_text",
        "ice_breakers",
        "get_started_flow",
        "persistent_menu",
        "persistent_menu[0].label",
        "persistent_menu[0].flow",
    }
    assert len(found) >= 12


# -- WhatsApp ---------------------------------------------------------------------------------------


def test_whatsapp_required_fields() -> None:
    found = WHATSAPP_SPEC.validate({}, CTX)
    assert fields_of(found) == ["address", "description", "vertical"]
    assert found[0] == ("address", "Address is required: enter an address")
    assert WHATSAPP_SPEC.validate({**WHATSAPP_OK, "address": "  "}, CTX) == [
        ("address", "Address is required: enter an address")
    ]
    assert WHATSAPP_SPEC.validate(WHATSAPP_OK, CTX) == []


@pytest.mark.parametrize(
    "email",
    ["care@", "care.example.com", "a b@example.com", "care@example", "care@@example.com", "@example.com"],
)
def test_invalid_email_refused(email: str) -> None:
    found = problems(WHATSAPP_SPEC, email=email)
    assert fields_of(found) == ["email"] and "not a valid e-mail address" in found[0][1]


@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_email_128(delta: int) -> None:
    domain = "@example.com"
    email = "c" * (128 - len(domain) + delta) + domain
    found = problems(WHATSAPP_SPEC, email=email)
    assert (found == []) == (delta <= 0), found
    assert problems(WHATSAPP_SPEC, email="first.last+news@mail.example.co.uk") == []


def test_vertical_from_the_list() -> None:
    clean, found = WHATSAPP_SPEC.clean({**WHATSAPP_OK, "vertical": "Shopping and Retail"}, CTX)
    assert found == [] and clean["vertical"] == "RETAIL"
    assert WHATSAPP_SPEC.clean({**WHATSAPP_OK, "vertical": "retail"}, CTX)[0]["vertical"] == "RETAIL"
    found = problems(WHATSAPP_SPEC, vertical="Space travel")
    assert fields_of(found) == ["vertical"] and "not in the list" in found[0][1]
    assert fields_of(problems(WHATSAPP_SPEC, vertical=None)) == ["vertical"]
    assert {c.value for c in WHATSAPP_SPEC.field("vertical").choices} >= {"RETAIL", "RESTAURANT", "OTHER"}


def test_whatsapp_avatar_recommendation_is_a_warning_not_a_refusal() -> None:
    sizes = {"square.png": ("PNG", 640, 640), "wide.jpg": ("JPEG", 800, 400), "notes.jpg": ("OTHER", 0, 0)}
    ctx = ValidationContext.with_flows(["Welcome"], image_info=sizes.get)
    wide = {**WHATSAPP_OK, "avatar": "wide.jpg"}
    assert WHATSAPP_SPEC.validate(wide, ctx) == []
    warned = WHATSAPP_SPEC.warnings(wide, ctx)
    assert warned == [
        ("avatar", "WhatsApp recommends a square JPG or PNG of 640×640 pixels; this picture is 800×400")
    ]
    assert WHATSAPP_SPEC.warnings({**WHATSAPP_OK, "avatar": "square.png"}, ctx) == []
    assert WHATSAPP_SPEC.validate({**WHATSAPP_OK, "avatar": "notes.jpg"}, ctx) == [
        ("avatar", "notes.jpg is not a JPG or PNG picture; choose a JPG or PNG file")
    ]
    assert WHATSAPP_SPEC.validate({**WHATSAPP_OK, "avatar": "gone.png"}, ctx) == [
        ("avatar", "There is no picture file at gone.png; choose a JPG or PNG file")
    ]


# -- Live Chat ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "domain", ["example.com", "www.example.com", "ftp://example.com", "https://", "https://exa mple.com"]
)
def test_live_chat_domain_must_be_a_full_url(domain: str) -> None:
    found = problems(LIVE_CHAT_SPEC, allowlisted_domains=["https://www.example.com", domain])
    assert fields_of(found) == ["allowlisted_domains[1]"]


def test_empty_allowlist_admits_any_domain_and_says_so() -> None:
    assert problems(LIVE_CHAT_SPEC, allowlisted_domains=[]) == []
    warned = LIVE_CHAT_SPEC.warnings({"allowlisted_domains": []})
    assert fields_of(warned) == ["allowlisted_domains"] and "any web site" in warned[0][1]
    assert LIVE_CHAT_SPEC.warnings({"allowlisted_domains": ["https://www.example.com"]}) == []


def test_embed_code_escapes_settings_and_says_when_any_site_may_load_it() -> None:
    values = {
        "color": "#00897B",
        "allowlisted_domains": [],
        "avatar_url": "",
        "start_flow": "Welcome",
        "quick_replies": [{"label": "</script><b>hi</b>", "flow": "Welcome"}],
    }
    code = embed_code("shop_widget", "Shop <chat> -- help", values)
    assert "</script><b>" not in code and "\\u003c/script\\u003e" in code
    assert code.count("</script>") == 2  # exactly the two script elements end
    assert "any web site may load it" in code
    assert 'data-widget="shop_widget"' in code and '"startFlow": "Welcome"' in code
    assert "<chat>" not in code and "--" not in code.split("-->")[0][4:]
    limited = embed_code("w", "W", {**values, "allowlisted_domains": ["https://www.example.com"]})
    assert "allowed on 1 site)" in limited and "https://www.example.com" in limited


# -- field types ---------------------------------------------------------------------------------------


def test_flow_references_must_exist_and_resolve_case_insensitively() -> None:
    clean, found = FACEBOOK_SPEC.clean({"get_started_flow": "  order STATUS "}, CTX)
    assert found == [] and clean["get_started_flow"] == "Order status"
    found = problems(
        FACEBOOK_SPEC, get_started_flow="Welcome", persistent_menu=[{"label": "Help", "flow": "Nope"}]
    )
    assert fields_of(found) == ["persistent_menu[0].flow"]
    assert "There is no flow named 'Nope'" in found[0][1] and "Welcome" in found[0][1]
    assert fields_of(
        problems(FACEBOOK_SPEC, get_started_flow="Welcome", persistent_menu=[{"label": "Help"}])
    ) == ["persistent_menu[0].flow"]
    menu = [{"label": " ", "flow": "Welcome"}]
    assert fields_of(problems(FACEBOOK_SPEC, get_started_flow="Welcome", persistent_menu=menu)) == [
        "persistent_menu[0].label"
    ]


def test_items_have_exactly_their_keys() -> None:
    found = problems(INSTAGRAM_SPEC, ice_breakers=[{"label": "Hi", "flow": "Welcome"}])
    assert (
        "ice_breakers[0]",
        "Unknown key 'label'; each ice breaker has only 'question' and 'flow'",
    ) in found
    assert fields_of(problems(INSTAGRAM_SPEC, ice_breakers=["Hi"])) == ["ice_breakers[0]"]
    assert fields_of(problems(INSTAGRAM_SPEC, ice_breakers={"question": "Hi"})) == ["ice_breakers"]


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("color", "#3949ab", True),
        ("color", "blue", False),
        ("color", "#12345G", False),
        ("color", None, False),
        ("name", 5, False),
        ("website", "https://www.example.com", True),
        ("website", "www.example.com", False),
        ("attach_quick_replies", "yes", False),
        ("attach_quick_replies", True, True),
        ("privacy_policy_url", "http://localhost:8080/privacy", True),
    ],
)
def test_field_types(key: str, value: Any, ok: bool) -> None:
    assert (problems(X_SPEC, **{key: value}) == []) == ok


def test_cleaning_normalises() -> None:
    clean, found = X_SPEC.clean({"color": "#3949ab", "name": "  Contoso  ", "quick_replies": None}, CTX)
    assert found == [] and clean["color"] == "#3949AB" and clean["name"] == "Contoso"
    assert clean["quick_replies"] == []


def test_switch_on_with_nothing_attached_warns() -> None:
    warned = X_SPEC.warnings({"attach_quick_replies": True, "attached_quick_replies": []})
    assert fields_of(warned) == ["attached_quick_replies"]


def test_older_stored_switch_is_read() -> None:
    upgraded = upgrade_stored(X_SPEC, {"attached_quick_replies": True})
    assert upgraded == {"attach_quick_replies": True, "attached_quick_replies": []}


# -- which profiles have which settings -----------------------------------------------------------


def test_settings_per_platform_follow_the_contract_keys() -> None:
    assert {k for k in X_SPEC.keys} >= {
        "color", "name", "location", "bio", "website", "privacy_policy_url", "welcome_message",
        "quick_replies", "attached_quick_replies",
    }  # fmt: skip
    assert FACEBOOK_SPEC.keys == (
        "color", "privacy_policy_url", "greeting_text", "ice_breakers", "get_started_flow",
        "persistent_menu", "case_creation",
    )  # fmt: skip
    assert INSTAGRAM_SPEC.keys == ("color", "ice_breakers")
    assert WHATSAPP_SPEC.keys == (
        "color", "about", "avatar", "address", "description", "email", "vertical", "websites",
    )  # fmt: skip
    assert LIVE_CHAT_SPEC.keys == (
        "color",
        "allowlisted_domains",
        "avatar_url",
        "start_flow",
        "quick_replies",
    )
    for spec in SPECS.values():
        f = spec.field("color")
        assert f.type is FieldType.COLOR and f.required and not f.pushed
        assert all(fld.label and fld.help for fld in spec.fields), spec.platform
    assert LIVE_CHAT_SPEC.push_connection is None
    assert WHATSAPP_SPEC.push_connection is not None and WHATSAPP_SPEC.push_connection.value == "messaging"


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_public_profiles_and_other_kinds_have_colour_only(platform: str) -> None:
    for kind in PLATFORMS[platform].kinds:
        assert spec_for(platform, kind, "public").keys == ("color",)
    owned = spec_for(platform, PLATFORMS[platform].kinds[0], "owned")
    assert owned.keys == (("color",) if platform not in SPECS else SPECS[platform].keys)
    assert spec_for("facebook", "user", "owned").keys == ("color",)


def test_messages_for_keys_a_profile_does_not_have() -> None:
    assert "public" in why_not_here("bio", "x", "account", "public")
    assert "belongs to owned X/Twitter accounts" in why_not_here("bio", "linkedin", "account", "owned")
    assert "Facebook pages" in why_not_here("greeting_text", "facebook", "user", "owned")
    assert why_not_here("greeting_text", "x", "account", "owned").startswith("Unknown setting for X/Twitter")


def test_a_broken_allowlist_entry_gets_its_error_not_a_misleading_warning() -> None:
    values = {"allowlisted_domains": ["example.com/shop", "https://www.example.com/shop"]}
    warned = " ".join(str(w) for w in LIVE_CHAT_SPEC.warnings(values))
    assert "://" + " " not in warned and "allows all of ://" not in warned
    assert "allows all of https://www.example.com" in warned
    assert fields_of(problems(LIVE_CHAT_SPEC, allowlisted_domains=["example.com/shop"])) == [
        "allowlisted_domains[0]"
    ]


def test_the_refusal_names_the_role_with_the_right_article() -> None:
    from socialdesk.models.catalogue import Role
    from socialdesk.services.rules import Actor
    from socialdesk.services.settings import can_edit_settings

    assert can_edit_settings(Actor(1, Role.ANALYST)).reason.endswith("you are an Analyst")
    assert can_edit_settings(Actor(1, Role.RESPONDER)).reason.endswith("you are a Responder")
    assert can_edit_settings(Actor(1, Role.ADMINISTRATOR))
