"""One rule for every name a person types: members, groups, flows, custom profiles and display names.

Names are shown in tables, exports, terminals and platform forms. Control characters (NUL, ESC,
DEL, the C1 range …) have no place in any of them: they cut text in C libraries, move the cursor
or recolour a terminal, and XLSX cannot hold them. Tabs and line breaks are blanks (collapsed by
the callers' cleaning); anything else in Unicode's "Cc" category is refused with a message naming
the character. A profile's display name has one limit everywhere — added, imported, edited or
discovered: ``MAX_DISPLAY_NAME`` characters.
"""

from __future__ import annotations

import unicodedata

from socialdesk.services.errors import ValidationError

#: The longest display name a profile may have, however it is entered.
MAX_DISPLAY_NAME = 300


def control_character(text: str) -> str | None:
    """The first control character in ``text`` as ``U+0000``, or None."""
    for ch in text:
        if unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029":
            return f"U+{ord(ch):04X}"
    return None


def control_problem(text: str, what: str) -> str | None:
    """A message for a name holding a control character, or None (``what``: "A group name", …)."""
    found = control_character(text)
    if found is None:
        return None
    return f"{what} cannot contain control characters (it has {found}); type it again without them"


def display_name_problem(text: str) -> str | None:
    """Why ``text`` (already trimmed) is not a display name, or None."""
    if not text:
        return "A profile needs a display name"
    if len(text) > MAX_DISPLAY_NAME:
        return f"A display name has at most {MAX_DISPLAY_NAME} characters; this has {len(text):,}"
    return control_problem(text, "A display name")


def clean_display_name(text: str) -> str:
    """Blanks trimmed and runs of blanks (tabs, line breaks from a spreadsheet cell) made one space."""
    return " ".join(text.split())


def check_display_name(text: str, field: str = "display_name") -> str:
    """The cleaned display name, or a ValidationError on ``field``."""
    clean = clean_display_name(text)
    problem = display_name_problem(clean)
    if problem:
        raise ValidationError({field: problem})
    return clean
