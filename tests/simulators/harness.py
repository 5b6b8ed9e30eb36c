"""A workspace wired to a simulator: providers.toml pointing one platform's URLs at it, the app's
client id in the file and its secret in the (real) keyring; sign-in helpers without a browser."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialdesk.models.catalogue import Role
from socialdesk.services import discovery
from socialdesk.services.oauth import OAuthService
from socialdesk.services.providers import load_providers
from socialdesk.services.tokens import TokenSet, TokenStore
from socialdesk.services.workspace import Workspace
from tests import factory
from tests.simulators.base import Simulator, authorize


def toml_table(key: str, values: dict[str, str]) -> str:
    return f"[{key}]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items())


@dataclass
class Wired:
    workspace: Workspace
    sim: Simulator
    platform: str
    store: TokenStore
    service: OAuthService
    me_id: int
    kind: str | None = None

    def reload(self) -> None:
        self.store = TokenStore(self.workspace.workspace_id)
        self.service = OAuthService(load_providers(self.workspace.data_dir), self.store, deadline=10)

    def sign_in(self, types: Any) -> TokenSet:
        request = self.service.begin(self.platform, types, kind=self.kind)
        return self.service.complete(request, authorize(request.url))

    def connect(self, types: Any, chosen: Any = None) -> tuple[TokenSet, Any, Any]:
        tokens = self.sign_in(types)
        found = discovery.discover(self.service, self.platform, tokens, kind=self.kind)
        record = discovery.record_sign_in(
            self.workspace,
            self.store,
            self.service.provider(self.platform, self.kind),
            member_id=self.me_id,
            types=types,
            tokens=tokens,
            discovery=found,
            chosen=chosen,
        )
        return tokens, found, record


def wire(
    tmp_path: Path,
    sim: Simulator,
    platform: str,
    urls: dict[str, str],
    *,
    kind: str | None = None,
    secret: bool = True,
    extra: str = "",
) -> Wired:
    ws = Workspace.open(tmp_path / f"ws-{platform}", create=True)
    table = f"providers.{platform}" + (f".kinds.{kind}" if kind else "")
    text = toml_table(table, {**urls, "client_id": sim.rules.client_id}) + extra
    (ws.data_dir / "providers.toml").write_text(text, encoding="utf-8")
    with ws.session() as s:
        me_id = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True).id
    store = TokenStore(ws.workspace_id)
    provider_key = f"{platform}:{kind}" if kind else platform
    store.set_client_secret(provider_key, sim.rules.client_secret if secret else None)
    wired = Wired(ws, sim, platform, store, None, me_id, kind)  # type: ignore[arg-type]
    wired.reload()
    return wired
