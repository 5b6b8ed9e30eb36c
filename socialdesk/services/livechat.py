"""The Live Chat embed code: the HTML snippet a web site includes to show the chat (the form's Preview).

The snippet carries the widget's settings as JSON in a script block, escaped so that no setting can end the
script or inject markup, and loads the chat script. Live Chat settings apply locally: nothing is pushed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from socialdesk.services.errors import NotAllowedError
from socialdesk.services.rules import has_embed_code
from socialdesk.services.settings import load

#: Where the chat script is served from; an organisation hosting its own copy passes ``script_url``.
DEFAULT_SCRIPT_URL = "https://chat.socialdesk.app/v1/widget.js"


def _script_json(data: Mapping[str, Any]) -> str:
    """JSON safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` are written as escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def embed_code(
    widget_id: str, display_name: str, values: Mapping[str, Any], script_url: str = DEFAULT_SCRIPT_URL
) -> str:
    """The snippet for a web site, from the widget's settings (``allowlisted_domains``, ``avatar_url``,
    ``start_flow``, ``quick_replies``)."""
    config = {
        "widget": widget_id,
        "name": display_name,
        "color": values.get("color") or None,
        "avatar": values.get("avatar_url") or None,
        "startFlow": values.get("start_flow") or None,
        "quickReplies": [
            {"label": item.get("label", ""), "flow": item.get("flow", "")}
            for item in values.get("quick_replies") or []
            if isinstance(item, dict)
        ],
        "allowedDomains": list(values.get("allowlisted_domains") or []),
    }
    comment = " ".join(display_name.replace("--", "–").split())
    domains = config["allowedDomains"]
    scope = (
        "any web site may load it"
        if not domains
        else f"allowed on {len(domains)} {'site' if len(domains) == 1 else 'sites'}"
    )
    return (
        f"<!-- SocialDesk Live Chat: {html.escape(comment)} ({scope}) -->\n"
        f'<script type="application/json" id="socialdesk-chat-config">\n{_script_json(config)}\n</script>\n'
        f'<script async src="{html.escape(script_url, quote=True)}" '
        f'data-widget="{html.escape(widget_id, quote=True)}"></script>\n'
    )


def embed_code_for(session: Session, profile_id: int, script_url: str = DEFAULT_SCRIPT_URL) -> str:
    """The embed code of a Live Chat profile from its saved settings."""
    settings = load(session, profile_id)
    if not has_embed_code(settings.platform):
        raise NotAllowedError(
            f"Profile {profile_id} is not a Live Chat widget; only Live Chat has embed code"
        )
    widget_id = settings.handle
    return embed_code(widget_id, settings.display_name, settings.values, script_url)
