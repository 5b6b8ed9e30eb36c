"""The palette and the few style sheets every window shares.

One place for the colours, so that an error reads the same red in every window and muted text the
same grey. Colours are picked for contrast on the default light window background (WCAG AA for text).
"""

from __future__ import annotations

from PySide6.QtGui import QColor

ERROR_COLOR = "#A1160A"
WARNING_COLOR = "#7A4100"
#: Secondary text: hints, counts, "—" for an empty value.
MUTED = "#607D8B"
#: Body text on a light tint (notices, banners).
NOTICE = "#37474F"

#: An error sentence under a field or at the foot of a dialog.
ERROR_STYLE = f"color:{ERROR_COLOR}"
NOTICE_STYLE = f"color:{NOTICE}"
MUTED_STYLE = f"color:{MUTED}"
#: A form's message box: a tinted band with a coloured edge (the settings forms).
ERROR_BOX_STYLE = (
    f"color:{ERROR_COLOR};background:#FDECEA;border-left:3px solid {ERROR_COLOR};padding:2px 6px;"
)
WARNING_BOX_STYLE = f"color:{WARNING_COLOR};background:#FFF4E5;border-left:3px solid #F5A623;padding:2px 6px;"
#: Line edits and text edits with a problem get a red frame, besides the message under them.
INVALID_STYLE = f"border:1px solid {ERROR_COLOR};border-radius:3px;padding:2px;"
READ_ONLY_STYLE = "QLineEdit, QPlainTextEdit { background: #F1F3F4; color: #37474F; }"


def muted_color() -> QColor:
    """MUTED as a colour, for item models' foreground role."""
    return QColor(MUTED)


def error_color() -> QColor:
    return QColor(ERROR_COLOR)
