"""The per-platform settings of the profile manager, declared once (docs/product.md §5).

Every field is declared here with its key (the JSON key of ``settings show``/``settings set``), type, label,
help text, limits, required flag, choices, warnings and counter rule; every cross-field rule is declared here
too. The settings forms are generated from these declarations, and the command line and the services validate
with the very same objects, so a limit lives in one place.

Validation returns *all* problems at once as ``(field, message)`` pairs. ``field`` is the JSON key, or a path
into a list such as ``quick_replies[4].flow`` or ``persistent_menu[0].label`` (indexes count from 0, as in
the JSON).
Warnings use the same pairs but never block a save.

No Qt and no database here: what validation needs to know about the workspace (its flows, how many custom
profiles exist) comes in a :class:`ValidationContext`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from socialdesk.models.catalogue import PLATFORMS, ConnectionType, Visibility
from socialdesk.models.wording import counted

Problem = tuple[str, str]
"""``(field, message)``: where the problem is and what to do about it."""


class FieldType(StrEnum):
    """What a field holds; a form generator picks its widget from this."""

    TEXT = "text"  # one line of text
    MULTILINE = "multiline"  # several lines of text
    URL = "url"  # a full http(s) address
    EMAIL = "email"
    COLOR = "color"  # #RRGGBB
    CHOICE = "choice"  # one of ``choices``
    IMAGE_URL = "image_url"  # the address of an image
    IMAGE_FILE = "image_file"  # a picture file the user picks; stored as a copy under DIR/media/
    SWITCH = "switch"  # true / false
    FLOW = "flow"  # the name of a flow, or null (off)
    FLOW_ITEMS = "flow_items"  # a list of {item_key: text, "flow": flow name}
    URL_LIST = "url_list"  # a list of full http(s) addresses


# -- flows ---------------------------------------------------------------------------------------------


def flow_key(name: str) -> str:
    """Flow names are unique and looked up case-insensitively, blanks collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """Facts of the workspace that validation needs (the models stay free of the database)."""

    #: ``flow_key(name)`` -> the flow's name as stored.
    flows: Mapping[str, str] = field(default_factory=dict)
    #: How many custom profiles the profile has (X/Twitter).
    custom_profiles: int = 0
    #: ``image_info(path)`` -> ``(format, width, height)`` of a picture file, or ``None`` when there is
    #: none (the services read files; the models stay free of the file system).
    image_info: Callable[[str], tuple[str, int, int] | None] | None = None

    @classmethod
    def with_flows(
        cls,
        names: Iterable[str],
        custom_profiles: int = 0,
        image_info: Callable[[str], tuple[str, int, int] | None] | None = None,
    ) -> ValidationContext:
        return cls({flow_key(n): n for n in names}, custom_profiles, image_info)


# -- counters ------------------------------------------------------------------------------------------

#: X/Twitter shortens every link to t.co, which counts as this many characters.
X_URL_LENGTH = 23

# Link detection follows twitter-text in spirit: addresses with a scheme or ``www.``, and bare domain names
# whose top-level domain is a common generic one; a bare domain with a two-letter country code counts only
# when a path follows (so "node.js" or "e.g." are not links).
_GENERIC_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|name|pro|io|co|me|tv|app|dev|shop|store|online|site|tech|news|"
    "blog|cloud|ai|xyz|eu|asia|travel|jobs|mobi|museum|aero|coop"
)
# One domain label: letters and digits, hyphens only inside. Possessive (``++``, ``*+``, Python 3.11) so a
# long run of labels is read once, never re-tried: the count stays linear in the text's length (a bio of
# 64,000 characters took minutes with plain quantifiers, and the live counter runs on every keystroke).
_LABEL = r"[a-z0-9]++(?:-++[a-z0-9]++)*+"
_URL_RE = re.compile(
    # A link starts where a word does not continue: not after a letter, digit, "@" or "." — and not
    # after a hyphen inside a word ("a-b-c"), which would make every hyphen a new start.
    r"(?:(?<![\w@.])(?<!\w-)"
    r"(?:https?://[^\s<>\"]++"
    r"|www\.[^\s<>\"]++"
    rf"|(?:{_LABEL}\.)++(?:{_GENERIC_TLDS})(?![\w-])(?!\.\w)(?:/[^\s<>\"]*+)?"
    rf"|(?:{_LABEL}\.)++[a-z]{{2}}/[^\s<>\"]*+"
    r"))",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,:;!?'\")]}"


def find_links(text: str) -> list[str]:
    """The links X/Twitter would shorten in ``text`` (trailing punctuation is not part of a link)."""
    links = []
    for match in _URL_RE.finditer(text):
        link = match.group(0).rstrip(_TRAILING_PUNCTUATION)
        if link:
            links.append(link)
    return links


def count_characters(text: str) -> int:
    return len(text)


def count_x_text(text: str) -> int:
    """Characters as X/Twitter counts them in a bio: each link counts as ``X_URL_LENGTH``."""
    total = len(text)
    for link in find_links(text):
        total += X_URL_LENGTH - len(link)
    return total


@dataclass(frozen=True, slots=True)
class Counter:
    """How a text field's length is counted, and the note the form shows beside the counter."""

    name: str
    count: Callable[[str], int]
    note: str = ""


CHARACTERS = Counter("characters", count_characters)
X_TEXT = Counter(
    "x_text", count_x_text, f"A link counts as {X_URL_LENGTH} characters, the length X/Twitter shortens it to"
)


# -- value checks ------------------------------------------------------------------------------------

_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
# One @, no blanks, a dotted domain of letters, digits and hyphens (what a mail client accepts in practice).
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)


def url_problem(value: str) -> str | None:
    """Why ``value`` is not a full web address, or ``None``."""
    if any(ch.isspace() for ch in value):
        return "An address cannot contain spaces"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return f"{value!r} is not a valid address"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "Enter a full address starting with https:// (like https://www.example.com)"
    if "." not in host and host != "localhost" and ":" not in host:
        return f"{host!r} is not a complete domain name (like example.com)"
    return None


def email_problem(value: str) -> str | None:
    if not _EMAIL_RE.match(value) or ".." in value or value.startswith("."):
        return f"{value!r} is not a valid e-mail address (like care@example.com)"
    return None


# -- fields --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


Warner = Callable[[Any], list[str]]


@dataclass(frozen=True, slots=True)
class Field:
    """One setting: everything a form needs to show it and everything validation needs to check it."""

    key: str
    type: FieldType
    label: str
    help: str = ""
    required: bool = False
    #: Text fields: the longest text (as ``counter`` counts). Lists: the longest text of an item.
    max_length: int | None = None
    #: Lists: how many items at most.
    max_items: int | None = None
    #: FLOW_ITEMS: the key of an item's text ("label" or "question") and how the form labels it.
    item_key: str = "label"
    item_label: str = "Button label"
    #: What one item is called in messages ("quick reply", "ice breaker", "button", "website").
    item_noun: str = "item"
    choices: tuple[Choice, ...] = ()
    counter: Counter = CHARACTERS
    #: Sent to the platform on push; in-app settings (colour, case creation, attached replies) are not,
    #: and neither is what the platform offers no API for (``local_note`` says so on the form).
    pushed: bool = True
    #: Why a field that looks like a platform setting stays in SocialDesk (shown beside it on the form).
    local_note: str = ""
    #: Where the platform's rule is stricter than the source documents: the form says so.
    platform_note: str = ""
    #: Non-blocking advice about a set value (e.g. the WhatsApp avatar recommendation).
    warner: Warner | None = None
    placeholder: str = ""

    # -- what a form needs ---------------------------------------------------------------------------

    @property
    def is_list(self) -> bool:
        return self.type in (FieldType.FLOW_ITEMS, FieldType.URL_LIST)

    @property
    def is_text(self) -> bool:
        return self.type in (
            FieldType.TEXT,
            FieldType.MULTILINE,
            FieldType.URL,
            FieldType.EMAIL,
            FieldType.IMAGE_URL,
            FieldType.IMAGE_FILE,
        )

    def default(self) -> Any:
        if self.is_list:
            return []
        if self.type is FieldType.SWITCH:
            return False
        if self.type in (FieldType.FLOW, FieldType.CHOICE):
            return None
        return ""

    def count(self, text: str) -> int:
        """The length the counter shows (the X bio counts each link as 23)."""
        return self.counter.count(text)

    def is_set(self, value: Any) -> bool:
        """Whether the value turns the feature on: a non-empty text or list, a chosen flow, a switch on."""
        if value is None or value is False:
            return False
        if isinstance(value, (str, list, tuple)):
            return bool(value.strip() if isinstance(value, str) else value)
        return True

    # -- validation ----------------------------------------------------------------------------------

    def clean(self, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
        """The value normalised (text trimmed, flow names as stored, choices as codes) and its problems."""
        cleaner = _CLEANERS[self.type]
        return cleaner(self, value, ctx)

    def warnings(self, value: Any) -> list[Problem]:
        if self.warner is None or not self.is_set(value):
            return []
        return [(self.key, message) for message in self.warner(value)]

    def _text_problems(self, text: str, where: str | None = None, limit: int | None = None) -> list[Problem]:
        where = where or self.key
        limit = self.max_length if limit is None else limit
        if limit is not None:
            length = self.count(text)
            if length > limit:
                note = " (a link counts as 23)" if self.counter is X_TEXT and find_links(text) else ""
                return [(where, f"At most {limit} characters; this has {length}{note}")]
        return []


def _required(f: Field, where: str | None = None) -> Problem:
    what = "Choose" if f.type in (FieldType.CHOICE, FieldType.COLOR) else "Enter"
    return (where or f.key, f"{f.label} is required: {what.lower()} {_article(f.label)}")


def _article(label: str) -> str:
    lower = label.lower()
    return ("an " if lower[:1] in "aeiou" else "a ") + lower


def _as_text(f: Field, value: Any) -> tuple[str | None, list[Problem]]:
    if value is None:
        return "", []
    if not isinstance(value, str):
        return None, [(f.key, f"{f.label} must be text, not {_json_type(value)}")]
    return value.strip(), []


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return "text"


def _clean_text(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    text, problems = _as_text(f, value)
    if text is None:
        return value, problems
    if not text:
        return "", [_required(f)] if f.required else []
    problems = f._text_problems(text)
    if f.type in (FieldType.URL, FieldType.IMAGE_URL) and (why := url_problem(text)):
        problems.append((f.key, why))
    if f.type is FieldType.EMAIL and (why := email_problem(text)):
        problems.append((f.key, why))
    return text, problems


def _clean_color(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    text, problems = _as_text(f, value)
    if text is None:
        return value, problems
    if not text:
        return "", [_required(f)] if f.required else []
    if not _COLOR_RE.match(text):
        return text, [(f.key, f"{text!r} is not a colour; write it as #RRGGBB, like #3949AB")]
    return text.upper(), []


def _clean_choice(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    text, problems = _as_text(f, value)
    if text is None:
        return value, problems
    if not text:
        return None, [_required(f)] if f.required else []
    wanted = text.casefold()
    for choice in f.choices:
        if wanted in (choice.value.casefold(), choice.label.casefold()):
            return choice.value, []
    known = ", ".join(c.value for c in f.choices)
    return text, [(f.key, f"{text!r} is not in the list; choose one of {known}")]


def _clean_switch(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    if value is None:
        return False, []
    if not isinstance(value, bool):
        return value, [(f.key, f"{f.label} is a switch: write true or false, not {_json_type(value)}")]
    return value, []


def _resolve_flow(name: str, where: str, ctx: ValidationContext) -> tuple[str, list[Problem]]:
    found = ctx.flows.get(flow_key(name))
    if found is not None:
        return found, []
    known = sorted(ctx.flows.values(), key=str.casefold)
    hint = f"; the flows are: {', '.join(known[:12])}{', …' if len(known) > 12 else ''}" if known else ""
    return name, [(where, f"There is no flow named {name!r}; create it first or pick another{hint}")]


def _clean_flow(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    text, _ = _as_text(f, value)
    if text is None:
        return value, [(f.key, f"{f.label} must be the name of a flow, or null when off")]
    if not text:
        return None, [_required(f)] if f.required else []
    return _resolve_flow(text, f.key, ctx)


def _too_many(f: Field, items: Sequence[Any]) -> list[Problem]:
    if f.max_items is not None and len(items) > f.max_items:
        extra = len(items) - f.max_items
        return [
            (f.key, f"At most {f.max_items} {_plural(f.item_noun)}; there are {len(items)}, remove {extra}")
        ]
    return []


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def _clean_flow_items(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    if value is None:
        return [], []
    shape = f'{{"{f.item_key}": text, "flow": flow name}}'
    if not isinstance(value, list):
        return value, [(f.key, f"{f.label} must be a list of {shape} objects, not {_json_type(value)}")]
    problems = _too_many(f, value)
    cleaned: list[Any] = []
    for i, item in enumerate(value):
        where = f"{f.key}[{i}]"
        if not isinstance(item, dict):
            problems.append((where, f"Each {f.item_noun} is an object {shape}, not {_json_type(item)}"))
            cleaned.append(item)
            continue
        extra = [k for k in item if k not in (f.item_key, "flow")]
        if extra:
            problems.append(
                (where, f"Unknown key {extra[0]!r}; each {f.item_noun} has only {f.item_key!r} and 'flow'")
            )
        text_value = item.get(f.item_key)
        text = text_value.strip() if isinstance(text_value, str) else None
        if text_value is not None and text is None:
            problems.append((f"{where}.{f.item_key}", f"{f.item_label} must be text"))
        elif not text:
            problems.append((f"{where}.{f.item_key}", f"Enter the {f.item_label.lower()}"))
        else:
            problems += f._text_problems(text, f"{where}.{f.item_key}")
        flow_value = item.get("flow")
        flow_name: Any = flow_value
        if flow_value is None or (isinstance(flow_value, str) and not flow_value.strip()):
            problems.append((f"{where}.flow", f"Choose the flow this {f.item_noun} starts"))
        elif not isinstance(flow_value, str):
            problems.append((f"{where}.flow", "The flow must be the name of a flow"))
        else:
            flow_name, found = _resolve_flow(flow_value.strip(), f"{where}.flow", ctx)
            problems += found
        cleaned.append({f.item_key: text if text is not None else text_value, "flow": flow_name})
    return cleaned, problems


def _clean_url_list(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    if value is None:
        return [], []
    if not isinstance(value, list):
        return value, [(f.key, f"{f.label} must be a list of addresses, not {_json_type(value)}")]
    problems = _too_many(f, value)
    cleaned: list[Any] = []
    for i, item in enumerate(value):
        where = f"{f.key}[{i}]"
        if not isinstance(item, str):
            problems.append((where, f"Each {f.item_noun} is an address in quotes, not {_json_type(item)}"))
            cleaned.append(item)
            continue
        text = item.strip()
        cleaned.append(text)
        if not text:
            problems.append((where, f"Enter the address or remove the empty {f.item_noun}"))
            continue
        problems += f._text_problems(text, where)
        if why := url_problem(text):
            problems.append((where, why))
    return cleaned, problems


IMAGE_FILE_TYPES = ("JPEG", "PNG")


def _clean_image_file(f: Field, value: Any, ctx: ValidationContext) -> tuple[Any, list[Problem]]:
    """A picture file: the stored copy (``media/…``) or a path the user picked, checked by its header."""
    text, problems = _as_text(f, value)
    if text is None:
        return value, problems
    if not text:
        return "", [_required(f)] if f.required else []
    found = ctx.image_info(text) if ctx.image_info is not None else None
    if found is None:
        return text, [(f.key, f"There is no picture file at {text}; choose a JPG or PNG file")]
    kind, _w, _h = found
    if kind not in IMAGE_FILE_TYPES:
        return text, [(f.key, f"{text} is not a JPG or PNG picture; choose a JPG or PNG file")]
    return text, []


_CLEANERS: dict[FieldType, Callable[[Field, Any, ValidationContext], tuple[Any, list[Problem]]]] = {
    FieldType.TEXT: _clean_text,
    FieldType.MULTILINE: _clean_text,
    FieldType.URL: _clean_text,
    FieldType.EMAIL: _clean_text,
    FieldType.IMAGE_URL: _clean_text,
    FieldType.IMAGE_FILE: _clean_image_file,
    FieldType.COLOR: _clean_color,
    FieldType.CHOICE: _clean_choice,
    FieldType.SWITCH: _clean_switch,
    FieldType.FLOW: _clean_flow,
    FieldType.FLOW_ITEMS: _clean_flow_items,
    FieldType.URL_LIST: _clean_url_list,
}


# -- cross-field rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Needs:
    """``field`` may be used only when ``needed`` is set (quick replies need a welcome message)."""

    field: str
    needed: str
    message: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        if spec.field(self.field).is_set(values.get(self.field)) and not spec.field(self.needed).is_set(
            values.get(self.needed)
        ):
            return [(self.field, self.message)]
        return []


@dataclass(frozen=True, slots=True)
class Excludes:
    """``field`` and ``other`` cannot both be on; the problem is reported at ``other``."""

    field: str
    other: str
    message: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        if spec.field(self.field).is_set(values.get(self.field)) and spec.field(self.other).is_set(
            values.get(self.other)
        ):
            return [(self.other, self.message)]
        return []


@dataclass(frozen=True, slots=True)
class RefusedWhile:
    """None of ``fields`` can be on while the switch ``switch`` is on; one problem per field that is on."""

    switch: str
    fields: tuple[str, ...]
    message: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        if values.get(self.switch) is not True:
            return []
        return [(key, self.message) for key in self.fields if spec.field(key).is_set(values.get(key))]


@dataclass(frozen=True, slots=True)
class KeptWhileCustomProfiles:
    """``field`` cannot be emptied while the profile has custom profiles (they need it)."""

    field: str
    message: str
    message_many: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        if ctx.custom_profiles and not spec.field(self.field).is_set(values.get(self.field)):
            return [(self.field, counted(ctx.custom_profiles, self.message, self.message_many))]
        return []


@dataclass(frozen=True, slots=True)
class SwitchNeedsItems:
    """A warning: the switch is on but its list is empty, so it does nothing."""

    switch: str
    items: str
    message: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        if values.get(self.switch) is True and not values.get(self.items):
            return [(self.items, self.message)]
        return []


@dataclass(frozen=True, slots=True)
class EmptyMeans:
    """A warning that explains what an empty value means (an empty Live Chat allowlist admits any site)."""

    field: str
    message: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        return [] if spec.field(self.field).is_set(values.get(self.field)) else [(self.field, self.message)]


@dataclass(frozen=True, slots=True)
class PictureAdvice:
    """A warning: the picture is not the recommended square size (it is still accepted)."""

    field: str
    side: int
    advice: str

    def check(self, spec: SettingsSpec, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        value = values.get(self.field)
        if not isinstance(value, str) or not value or ctx.image_info is None:
            return []
        found = ctx.image_info(value)
        if found is None or found[0] not in IMAGE_FILE_TYPES or found[1:] == (self.side, self.side):
            return []
        return [(self.field, f"{self.advice}; this picture is {found[1]}×{found[2]}")]


Rule = (
    Needs | Excludes | RefusedWhile | KeptWhileCustomProfiles | SwitchNeedsItems | EmptyMeans | PictureAdvice
)


# -- custom profiles (X/Twitter) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomProfileLimits:
    """What an X/Twitter custom profile needs: accepted terms, a privacy policy URL, a name and an avatar."""

    requires_field: str = "privacy_policy_url"
    max_name: int = 50
    #: Avatar files: PNG or JPEG, at most this many bytes, with sides within these pixel bounds.
    formats: tuple[str, ...] = ("PNG", "JPEG")
    max_bytes: int = 700 * 1024
    min_side: int = 48
    max_side: int = 4096
    terms: str = (
        "Custom profiles let your team reply from this X/Twitter account under their own name and avatar. "
        "X's automation rules apply to every message sent with them, and you confirm that each team member "
        "shown has agreed to the use of their name and likeness."
    )


# -- platform specs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingsSpec:
    """The settings form of one kind of profile: its fields, cross-field rules and how it is pushed."""

    platform: str
    #: Kinds the fields apply to (e.g. Facebook pages, not users).
    kinds: tuple[str, ...]
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    warning_rules: tuple[Rule, ...] = ()
    #: The connection a push needs; ``None``: nothing is pushed (Live Chat, colour only).
    push_connection: ConnectionType | None = None
    #: The push adapter (``services.push_adapters.ADAPTERS``) that speaks the platform's API.
    push_adapter: str | None = None
    #: A permission of ``push_connection`` the push needs but the connection does not (Facebook:
    #: ``pages_messaging``): without it the connection stays active and the push waits for a re-connect.
    push_permission: str | None = None
    custom_profiles: CustomProfileLimits | None = None

    @property
    def label(self) -> str:
        return PLATFORMS[self.platform].label

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(f.key == key for f in self.fields)

    @property
    def pushes(self) -> bool:
        """Whether any field of this profile can reach the platform (else its state is ``local_only``)."""
        return self.push_connection is not None and any(f.pushed for f in self.fields)

    def defaults(self) -> dict[str, Any]:
        values = {f.key: f.default() for f in self.fields}
        values["color"] = PLATFORMS[self.platform].color
        return values

    def clean(
        self, values: Mapping[str, Any], ctx: ValidationContext
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Every field of ``values`` (missing ones take their default) cleaned, and all problems found."""
        cleaned: dict[str, Any] = {}
        problems: list[Problem] = []
        defaults = self.defaults()
        for f in self.fields:
            value, found = f.clean(values.get(f.key, defaults[f.key]), ctx)
            cleaned[f.key] = value
            problems += found
        for rule in self.rules:
            problems += rule.check(self, cleaned, ctx)
        return cleaned, problems

    def validate(self, values: Mapping[str, Any], ctx: ValidationContext) -> list[Problem]:
        return self.clean(values, ctx)[1]

    def warnings(self, values: Mapping[str, Any], ctx: ValidationContext | None = None) -> list[Problem]:
        ctx = ctx or ValidationContext()
        found: list[Problem] = []
        for f in self.fields:
            found += f.warnings(values.get(f.key))
        for rule in self.warning_rules:
            found += rule.check(self, values, ctx)
        return found

    def pushed_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {f.key: values.get(f.key, f.default()) for f in self.fields if f.pushed}

    def flow_references(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(field path, flow name)`` for every flow the values point at."""
        refs: list[tuple[str, str]] = []
        for f in self.fields:
            value = values.get(f.key)
            if f.type is FieldType.FLOW and isinstance(value, str) and value:
                refs.append((f.key, value))
            elif f.type is FieldType.FLOW_ITEMS and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict) and isinstance(item.get("flow"), str):
                        refs.append((f"{f.key}[{i}].flow", item["flow"]))
        return refs

    def rename_flow(self, values: dict[str, Any], old: str, new: str) -> bool:
        """Point every reference to the flow ``old`` (case-insensitive) at ``new``; True when any changed."""
        changed = False
        old_key = flow_key(old)
        for f in self.fields:
            value = values.get(f.key)
            if f.type is FieldType.FLOW and isinstance(value, str) and flow_key(value) == old_key:
                values[f.key] = new
                changed = True
            elif f.type is FieldType.FLOW_ITEMS and isinstance(value, list):
                for item in value:
                    flow = item.get("flow") if isinstance(item, dict) else None
                    if isinstance(flow, str) and flow_key(flow) == old_key:
                        item["flow"] = new
                        changed = True
        return changed


# -- the catalogue ------------------------------------------------------------------------------------

COLOR = Field(
    "color",
    FieldType.COLOR,
    "In-app profile colour",
    "Used only in SocialDesk, to tell this profile apart from others (never sent to the platform).",
    required=True,
    pushed=False,
    placeholder="#3949AB",
)


def _flow_items(
    key: str,
    label: str,
    help: str,
    *,
    max_items: int,
    max_length: int,
    item_key: str,
    item_label: str,
    noun: str,
) -> Field:
    return Field(
        key,
        FieldType.FLOW_ITEMS,
        label,
        help,
        max_items=max_items,
        max_length=max_length,
        item_key=item_key,
        item_label=item_label,
        item_noun=noun,
    )


X_NO_API = "Kept in SocialDesk only — X offers no API for this"


def _privacy_policy(help: str, platform_label: str) -> Field:
    return Field(
        "privacy_policy_url",
        FieldType.URL,
        "Privacy policy URL",
        help,
        max_length=2048,
        placeholder="https://www.example.com/privacy",
        pushed=False,
        local_note=f"Kept in SocialDesk only — {platform_label} has no privacy policy field in its API",
    )


#: The WhatsApp Business profile verticals (codes as the WhatsApp Business Platform names them).
WHATSAPP_VERTICALS: tuple[Choice, ...] = tuple(
    Choice(code, label)
    for code, label in (
        ("AUTO", "Automotive"),
        ("BEAUTY", "Beauty, Spa and Salon"),
        ("APPAREL", "Clothing and Apparel"),
        ("EDU", "Education"),
        ("ENTERTAIN", "Entertainment"),
        ("EVENT_PLAN", "Event Planning and Service"),
        ("FINANCE", "Finance and Banking"),
        ("GROCERY", "Food and Grocery"),
        ("GOVT", "Public Service"),
        ("HOTEL", "Hotel and Lodging"),
        ("HEALTH", "Medical and Health"),
        ("NONPROFIT", "Non-profit"),
        ("PROF_SERVICES", "Professional Services"),
        ("RETAIL", "Shopping and Retail"),
        ("TRAVEL", "Travel and Transportation"),
        ("RESTAURANT", "Restaurant"),
        ("NOT_A_BIZ", "Not a business"),
        ("OTHER", "Other"),
        ("UNDEFINED", "Undefined"),
    )
)

WHATSAPP_AVATAR_ADVICE = "WhatsApp recommends a square JPG or PNG of 640×640 pixels"
WHATSAPP_AVATAR_SIDE = 640


def _allowlist_paths(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    # Only well-formed addresses: a broken entry gets its own error, not a misleading warning.
    with_path = [
        v
        for v in value
        if isinstance(v, str) and url_problem(v.strip()) is None and urlsplit(v).path not in ("", "/")
    ]
    if with_path:
        return [f"Only the site counts, not the page: {with_path[0]} allows all of {_origin(with_path[0])}"]
    return []


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


X_SPEC = SettingsSpec(
    "x",
    ("account",),
    (
        COLOR,
        Field("name", FieldType.TEXT, "Name", "The name shown on the X/Twitter profile.", max_length=50),
        Field(
            "website",
            FieldType.URL,
            "Website URL",
            "A link to your web site on the profile.",
            max_length=100,
            placeholder="https://www.example.com",
        ),
        Field("location", FieldType.TEXT, "Location", "The location shown on the profile.", max_length=30),
        Field(
            "bio",
            FieldType.MULTILINE,
            "Bio",
            "The biography of the profile. X/Twitter shortens every link, so a link counts as 23 characters.",
            max_length=160,
            counter=X_TEXT,
        ),
        _privacy_policy(
            "X/Twitter asks for it before NPS/CSAT features and custom profiles can be used.", "X"
        ),
        Field(
            "welcome_message",
            FieldType.MULTILINE,
            "Welcome message",
            "Shown to customers who open a direct message with the profile. Quick replies need it.",
            max_length=10_000,
            pushed=False,
            local_note=X_NO_API,
        ),
        Field(
            "quick_replies",
            FieldType.FLOW_ITEMS,
            "Quick replies",
            "Buttons under the welcome message; each starts a flow. A welcome message must exist first.",
            max_items=5,
            max_length=36,
            item_key="label",
            item_label="Button label",
            item_noun="quick reply",
            pushed=False,
            local_note=X_NO_API,
        ),
        Field(
            "attach_quick_replies",
            FieldType.SWITCH,
            "Attach quick replies to every outgoing message",
            "Adds the buttons below to every message the team sends, so customers still see them after a "
            "person answers. They replace the welcome message's quick replies from then on.",
            pushed=False,
            local_note=X_NO_API,
        ),
        Field(
            "attached_quick_replies",
            FieldType.FLOW_ITEMS,
            "Quick replies attached to every outgoing message",
            "Quick replies you always want to appear must be added here and above.",
            max_items=5,
            max_length=36,
            item_key="label",
            item_label="Button label",
            item_noun="quick reply",
            pushed=False,
            local_note=X_NO_API,
        ),
    ),
    rules=(
        Needs(
            "quick_replies",
            "welcome_message",
            "Quick replies need a welcome message: write the welcome message first",
        ),
        KeptWhileCustomProfiles(
            "privacy_policy_url",
            "The profile has {n} custom profile, which needs a privacy policy URL; delete it first or keep "
            "the URL",
            "The profile has {n} custom profiles, which need a privacy policy URL; delete them first or "
            "keep the URL",
        ),
    ),
    warning_rules=(
        SwitchNeedsItems(
            "attach_quick_replies",
            "attached_quick_replies",
            "The switch is on but no quick replies are listed, so nothing is attached",
        ),
    ),
    push_connection=ConnectionType.PUBLISHING,
    push_adapter="x_profile",
    custom_profiles=CustomProfileLimits(),
)

#: Meta's Messenger Platform accepts at most 4 ice breakers (the product brief said 6).
FACEBOOK_ICE_BREAKERS = 4

CASE_CREATION_CONFLICT = (
    "Cannot be used while automatic case creation is on (customers would see the same options twice); "
    "turn case creation off first"
)

FACEBOOK_SPEC = SettingsSpec(
    "facebook",
    ("page",),
    (
        COLOR,
        _privacy_policy("Needed for the NPS/CSAT features.", "Facebook"),
        Field(
            "greeting_text",
            FieldType.MULTILINE,
            "Greeting text",
            "Greets customers when they open a Messenger conversation with the page.",
            max_length=160,
        ),
        Field(
            "ice_breakers",
            FieldType.FLOW_ITEMS,
            "Ice breakers",
            "Frequently asked questions customers can start a conversation with; each starts a flow. "
            "Ice breakers override the Get Started button.",
            max_items=FACEBOOK_ICE_BREAKERS,
            max_length=80,
            item_key="question",
            item_label="Question",
            item_noun="ice breaker",
            platform_note=(
                f"At most {FACEBOOK_ICE_BREAKERS}: the product brief allows 6, but Meta's Messenger Platform "
                f"accepts at most {FACEBOOK_ICE_BREAKERS} ice breakers today"
            ),
        ),
        Field(
            "get_started_flow",
            FieldType.FLOW,
            "Get Started button",
            "Shows a Get Started button on the Messenger welcome screen that starts this flow; "
            "none when off. It cannot be used together with ice breakers.",
        ),
        _flow_items(
            "persistent_menu",
            "Persistent menu",
            "A menu that never disappears from Messenger conversations; the label is the button's name. "
            "Facebook shows it only with the Get Started button on.",
            max_items=3,
            max_length=30,
            item_key="label",
            item_label="Button label",
            noun="button",
        ),
        Field(
            "case_creation",
            FieldType.SWITCH,
            "Automatic case creation",
            "Sends a flow whenever a case is created. While it is on, ice breakers, Get Started and the "
            "persistent menu cannot be used.",
            pushed=False,
        ),
    ),
    rules=(
        Excludes(
            "ice_breakers",
            "get_started_flow",
            "Ice breakers override the Get Started button: turn Get Started off or remove the ice breakers",
        ),
        RefusedWhile(
            "case_creation", ("ice_breakers", "get_started_flow", "persistent_menu"), CASE_CREATION_CONFLICT
        ),
        Needs(
            "persistent_menu",
            "get_started_flow",
            "Facebook shows a persistent menu only with the Get Started button: choose a Get Started flow "
            "first (and remove the ice breakers, which override it)",
        ),
    ),
    push_connection=ConnectionType.PUBLISHING,
    push_adapter="messenger_profile",
    push_permission="pages_messaging",
)

INSTAGRAM_SPEC = SettingsSpec(
    "instagram",
    ("account",),
    (
        COLOR,
        _flow_items(
            "ice_breakers",
            "Ice breakers",
            "Questions shown the first time a customer messages the account; each starts a flow. The "
            "question is what the customer sees.",
            max_items=4,
            max_length=80,
            item_key="question",
            item_label="Question",
            noun="ice breaker",
        ),
    ),
    push_connection=ConnectionType.MESSAGING,
    push_adapter="instagram_ice_breakers",
)

WHATSAPP_SPEC = SettingsSpec(
    "whatsapp",
    ("business_account",),
    (
        COLOR,
        Field(
            "about",
            FieldType.TEXT,
            "About",
            "Shown when a contact views the business's WhatsApp profile; 1–139 characters, or empty "
            "to leave WhatsApp's as it is (the API refuses an empty About).",
            max_length=139,
        ),
        Field(
            "avatar",
            FieldType.IMAGE_FILE,
            "Avatar",
            f"The profile picture: a JPG or PNG file from this computer, uploaded to WhatsApp. "
            f"{WHATSAPP_AVATAR_ADVICE}.",
            max_length=4096,
        ),
        Field(
            "address",
            FieldType.MULTILINE,
            "Address",
            "The address of the business.",
            required=True,
            max_length=256,
        ),
        Field(
            "description",
            FieldType.MULTILINE,
            "Description",
            "Describes the business on its WhatsApp profile.",
            required=True,
            max_length=256,
        ),
        Field("email", FieldType.EMAIL, "Email", "An address customers can write to.", max_length=128),
        Field(
            "vertical",
            FieldType.CHOICE,
            "Vertical",
            "The industry that best matches the business.",
            required=True,
            choices=WHATSAPP_VERTICALS,
        ),
        Field(
            "websites",
            FieldType.URL_LIST,
            "Websites",
            "Up to two web sites of the business.",
            max_items=2,
            max_length=256,
            item_noun="website",
        ),
    ),
    warning_rules=(PictureAdvice("avatar", WHATSAPP_AVATAR_SIDE, WHATSAPP_AVATAR_ADVICE),),
    push_connection=ConnectionType.MESSAGING,
    push_adapter="whatsapp_business_profile",
)

LIVE_CHAT_SPEC = SettingsSpec(
    "live_chat",
    ("widget",),
    (
        COLOR,
        Field(
            "allowlisted_domains",
            FieldType.URL_LIST,
            "Allowlisted domains",
            "Web sites allowed to load the chat, each a full address like https://www.example.com. "
            "Empty: any web site may load it.",
            max_items=100,
            max_length=2048,
            item_noun="domain",
            warner=_allowlist_paths,
        ),
        Field(
            "avatar_url",
            FieldType.IMAGE_URL,
            "Avatar",
            "The picture visitors see when they chat with your agents.",
            max_length=2048,
        ),
        Field(
            "start_flow",
            FieldType.FLOW,
            "Send flow on start",
            "A flow that starts when a visitor opens the chat, or none.",
        ),
        _flow_items(
            "quick_replies",
            "Quick replies on every outgoing message",
            "Buttons attached to every message sent to visitors; the label is what they see.",
            max_items=3,
            max_length=36,
            item_key="label",
            item_label="Button label",
            noun="quick reply",
        ),
    ),
    warning_rules=(
        EmptyMeans(
            "allowlisted_domains",
            "No domain is listed, so any web site may load this chat; list your sites to limit it",
        ),
    ),
)

#: Platform -> its settings spec. Other platforms, other kinds and public profiles have the colour only.
SPECS: dict[str, SettingsSpec] = {
    s.platform: s for s in (X_SPEC, FACEBOOK_SPEC, INSTAGRAM_SPEC, WHATSAPP_SPEC, LIVE_CHAT_SPEC)
}


def color_only(platform_key: str, kind: str) -> SettingsSpec:
    return SettingsSpec(platform_key, (kind,), (COLOR,))


def full_spec(platform_key: str, kind: str) -> SettingsSpec | None:
    """The platform's settings for this kind when the profile is owned, or ``None`` (colour only)."""
    spec = SPECS.get(platform_key)
    return spec if spec is not None and kind in spec.kinds else None


def spec_for(platform_key: str, kind: str, visibility: Visibility | str) -> SettingsSpec:
    """The settings a profile has: its platform's for owned profiles of the right kind, else colour only."""
    spec = full_spec(platform_key, kind)
    if spec is None or Visibility(visibility) is not Visibility.OWNED:
        return color_only(platform_key, kind)
    return spec


def why_not_here(key: str, platform_key: str, kind: str, visibility: Visibility | str) -> str:
    """The message for a key this profile does not have: colour-only profiles say so; else it is unknown."""
    info = PLATFORMS[platform_key]
    full = full_spec(platform_key, kind)
    if full is not None and full.has(key) and Visibility(visibility) is not Visibility.OWNED:
        return (
            f"This {info.label} profile is public (only tracked), so it has only the in-app colour (color); "
            f"{info.label} settings apply to owned profiles"
        )
    if full is None and any(s.has(key) for s in SPECS.values()):
        owned = [s for s in SPECS.values() if s.has(key)]
        where = ", ".join(f"{s.label} {'/'.join(s.kinds).replace('_', ' ')}s" for s in owned)
        return (
            f"Unknown setting for a {info.label} {kind.replace('_', ' ')}: it has only the in-app colour "
            f"(color); {key!r} belongs to owned {where}"
        )
    spec = spec_for(platform_key, kind, visibility)
    return f"Unknown setting for {info.label}; the settings are: {', '.join(spec.keys)}"


def upgrade_stored(spec: SettingsSpec, values: dict[str, Any]) -> dict[str, Any]:
    """Read older stored shapes: ``attached_quick_replies`` used to be the on/off switch itself."""
    if spec.has("attach_quick_replies") and isinstance(values.get("attached_quick_replies"), bool):
        values = dict(values)
        values.setdefault("attach_quick_replies", values["attached_quick_replies"])
        values["attached_quick_replies"] = []
    return values
