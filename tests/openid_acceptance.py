"""Run in a child process by test_sign_in_ui: an Instagram re-connect through a plain OpenID provider.

The child starts with Chromium's ``--host-resolver-rules`` mapping every host but 127.0.0.1 to
NOTFOUND (the web view cannot reach anything else), records every URL the web view requests
(``QWebEngineUrlRequestInterceptor``) and every socket the Python side opens (a guard around
``socket.connect``/``getaddrinfo``), and prints one JSON line: the grant states before and after and
every host other than the test server that anything tried to reach.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (
    os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    + " --host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
).strip()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ELSEWHERE: list[str] = []
_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo
LOCAL = {"127.0.0.1", "::1", "localhost"}


def _guard_connect(self: socket.socket, address: Any) -> Any:
    if isinstance(address, tuple) and str(address[0]) not in LOCAL:
        ELSEWHERE.append(f"socket:{address[0]}")
    return _connect(self, address)


def _guard_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and str(host) not in LOCAL:
        ELSEWHERE.append(f"dns:{host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guard_connect  # type: ignore[method-assign]
socket.getaddrinfo = _guard_getaddrinfo


def main(tmp: Path) -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWebEngineCore import QWebEngineUrlRequestInterceptor
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from socialdesk.models.catalogue import ConnectionType, GrantState, Role
    from socialdesk.models.schema import Connection, Grant
    from socialdesk.services.oauth import OAuthService
    from socialdesk.services.providers import load_providers
    from socialdesk.services.tokens import TokenStore
    from socialdesk.services.workspace import Workspace
    from socialdesk.ui.sign_in_flows import SignInServices, reconnect_profile
    from tests import factory
    from tests.oauth_server import OAuthTestServer, WebRobot, providers_toml

    app = QApplication.instance() or QApplication(sys.argv[:1])
    server = OAuthTestServer().start()
    ws = Workspace.open(tmp / "ws", create=True)
    (ws.data_dir / "providers.toml").write_text(providers_toml(server.url, ("instagram",)), encoding="utf-8")
    pub, ins = ConnectionType.PUBLISHING, ConnectionType.INSIGHTS
    with ws.session() as s:
        me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
        p = factory.profile(s, "instagram", "account", handle="alice", name="Alice Adams", owners=(me,))
        p.platform_id = "u-1001"  # the OpenID provider's sub for alice
        factory.connect(s, p, pub, (me, GrantState.EXPIRED))
        factory.connect(s, p, ins, (me, GrantState.EXPIRED))
        pid = p.id

    def states() -> list[str]:
        with ws.session() as s:
            return sorted(
                s.scalars(
                    select(Grant.state)
                    .join(Connection, Connection.id == Grant.connection_id)
                    .where(Connection.profile_id == pid)
                )
            )

    before = states()
    requested: list[str] = []

    class Recorder(QWebEngineUrlRequestInterceptor):
        def interceptRequest(self, info: Any) -> None:
            requested.append(info.requestUrl().host())

    recorder = Recorder()
    store = TokenStore(ws.workspace_id)
    service = OAuthService(load_providers(ws.data_dir), store, deadline=10)
    flow = reconnect_profile(None, ws, pid, services=SignInServices(service, store))
    robots: list[WebRobot] = []

    def opened(dialog: Any) -> None:
        if hasattr(dialog, "pageCreated"):
            dialog.pageCreated.connect(lambda page: page.profile().setUrlRequestInterceptor(recorder))
            robots.append(WebRobot(dialog, "alice", "alice-pass"))

    flow.dialogOpened.connect(opened)
    results: list[Any] = []
    loop = QEventLoop()
    flow.finished.connect(lambda r: (results.append(r), loop.quit()))
    QTimer.singleShot(60000, loop.quit)
    loop.exec()
    after = states()
    hosts = sorted({h for h in requested if h not in LOCAL})
    print(
        json.dumps(
            {
                "before": before,
                "after": after,
                "message": results[0].message if results else "no result",
                "steps": [r.steps for r in robots],
                "web_hosts_elsewhere": hosts,
                "web_requests": len(requested),
                "python_elsewhere": sorted(set(ELSEWHERE)),
                "api_calls": server.count("api"),
            }
        )
    )
    ws.close()
    server.stop()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
