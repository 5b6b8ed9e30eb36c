"""Workspaces wired to the push simulators: a profile, its connection and grant, the token in the real
keyring (the gnome-keyring the test wrapper starts) and ``providers.toml`` pointing at the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialdesk.models.catalogue import ConnectionType, GrantState, Role
from socialdesk.models.schema import Grant, PlatformSettings
from socialdesk.services import flows, settings
from socialdesk.services.providers import save_provider_settings
from socialdesk.services.rules import Actor
from socialdesk.services.settings_push import workspace_credentials
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace
from tests import factory
from tests.push_simulators import GraphSimulator, XSimulator

#: Realistic token shapes (Meta tokens start with EAA; made up here, random-looking, no digit runs).
USER_TOKEN = "EAAGm0PX4ZCpsBAKhQvR7ZBw2mUfYxLqTz8NcDeSjWk5HbVgIoAyErPtUqZiMnBlKd"
PAGE_TOKEN = "EAAGm0PX4ZCpsBANkX3vTqY7ZCwRbLfHe9UjMsDzPaQcVgKoWtIyEhRnJuOiAlBmXd"
X_TOKEN = "VGhpc0lzQW5YQWNjZXNzVG9rZW5Gb3JUZXN0c09ubHlfcVZ3ZUx6Ym5NcA"


@dataclass
class Setup:
    ws: Workspace
    admin: Actor
    profile_id: int
    platform_id: str
    grant_id: int

    def save(self, **changes: Any) -> settings.Saved:
        with self.ws.session() as s:
            return settings.save(s, self.admin, self.profile_id, changes)

    def row(self) -> PlatformSettings:
        with self.ws.session() as s:
            row = s.get(PlatformSettings, self.profile_id)
            assert row is not None
            s.expunge(row)
            return row

    def grant(self) -> Grant:
        with self.ws.session() as s:
            grant = s.get(Grant, self.grant_id)
            assert grant is not None
            s.expunge(grant)
            return grant

    def credentials(self) -> Any:
        return workspace_credentials(self.ws)


def wire(
    ws: Workspace,
    platform: str,
    kind: str,
    ctype: ConnectionType,
    base_url: str,
    tokens: TokenSet | None,
    *,
    scopes: str = "",
    flows_to_make: tuple[str, ...] = ("Order status", "Opening hours", "Talk to an agent"),
) -> Setup:
    """A workspace profile connected through ``ctype`` with ``tokens`` in the keyring (None: not here)."""
    with ws.session() as s:
        admin = factory.member(s, "Ada Admin", Role.ADMINISTRATOR, me=True)
        p = factory.profile(s, platform, kind, owners=(admin,))
        c = factory.connect(s, p, ctype, (admin, GrantState.ACTIVE))
        grant = s.query(Grant).filter_by(connection_id=c.id).one()
        grant.scopes = scopes
        actor = factory.actor(admin)
        for name in flows_to_make:
            flows.create(s, actor, name)
        assert p.platform_id is not None
        pid, platform_id, grant_id = p.id, p.platform_id, grant.id
    if tokens is not None:
        ref = TokenStore.new_ref()
        TokenStore(ws.workspace_id).save(ref, tokens)
        with ws.session() as s:
            g = s.get(Grant, grant_id)
            assert g is not None
            g.token_ref = ref
    save_provider_settings(ws.data_dir, platform, api_base_url=base_url, client_id="777000111")
    return Setup(ws, actor, pid, platform_id, grant_id)


def facebook_page(
    ws: Workspace, graph: GraphSimulator, *, page_token: bool = True, scopes: str | None = None
) -> Setup:
    setup = wire(
        ws,
        "facebook",
        "page",
        ConnectionType.PUBLISHING,
        graph.base_url,
        None,
        scopes="pages_show_list pages_manage_posts pages_messaging" if scopes is None else scopes,
    )
    graph.user_tokens.add(USER_TOKEN)
    graph.page_tokens[setup.platform_id] = PAGE_TOKEN
    tokens = TokenSet(USER_TOKEN, page_tokens={setup.platform_id: PAGE_TOKEN} if page_token else {})
    _store(setup, tokens)
    return setup


def instagram_account(ws: Workspace, graph: GraphSimulator) -> Setup:
    setup = wire(
        ws,
        "instagram",
        "account",
        ConnectionType.MESSAGING,
        graph.base_url,
        None,
        scopes="pages_show_list instagram_basic instagram_manage_messages",
    )
    graph.user_tokens.add(USER_TOKEN)
    graph.page_tokens["1040000000001"] = PAGE_TOKEN
    graph.instagram_pages[setup.platform_id] = "1040000000001"
    _store(setup, TokenSet(USER_TOKEN, page_tokens={setup.platform_id: PAGE_TOKEN}))
    return setup


def whatsapp_number(ws: Workspace, graph: GraphSimulator) -> Setup:
    setup = wire(ws, "whatsapp", "business_account", ConnectionType.MESSAGING, graph.base_url, None)
    graph.user_tokens.add(USER_TOKEN)
    graph.numbers[setup.platform_id] = {}
    _store(setup, TokenSet(USER_TOKEN))
    return setup


def x_account(ws: Workspace, x_api: XSimulator) -> Setup:
    setup = wire(ws, "x", "account", ConnectionType.PUBLISHING, x_api.base_url + "/2", None)
    x_api.tokens.add(X_TOKEN)
    _store(setup, TokenSet(X_TOKEN))
    return setup


def _store(setup: Setup, tokens: TokenSet) -> None:
    ref = TokenStore.new_ref()
    TokenStore(setup.ws.workspace_id).save(ref, tokens)
    with setup.ws.session() as s:
        g = s.get(Grant, setup.grant_id)
        assert g is not None
        g.token_ref = ref


def flow_id(ws: Workspace, name: str) -> int:
    from socialdesk.models.schema import Flow

    with ws.session() as s:
        return s.query(Flow).filter_by(name=name).one().id


def payload(ws: Workspace, name: str) -> str:
    return f"SOCIALDESK_FLOW_{flow_id(ws, name)}"
