"""The GUI event loop's longest stall while a bulk re-connect of 200 profiles runs.

    .venv/bin/python benchmarks/bench_bulk_reconnect.py [--profiles N] [--runs N]

Opens the real ``BulkReconnectDialog`` on a fresh workspace of N expired Publishing connections
(Facebook pages, Instagram and LinkedIn accounts; a few of each not managed by the account that
signs in), against the local Authlib server, and presses Connect for each platform: one sign-in per
platform, the code exchange, discovery and recording (one keyring write per sign-in) on a worker
thread, then the per-profile results. A 10 ms ``QTimer`` records the gaps between its ticks; a stall
is a gap minus 10 ms. Three ways of signing in are measured:

* ``system`` — the system-browser mode with a scripted "browser" (HTTP, in a thread) and the
  loopback listener: the app's own GUI work only;
* ``embedded_cold`` — the real QWebEngineView (driven with ``runJavaScript``), the first sign-in of
  the process: includes QtWebEngine's one-time start;
* ``embedded_warm`` — the same again in the same process.

Prints ``name: value unit`` lines; the target is a longest stall of at most 50 ms. Like
``bench_health.py`` it re-runs itself under ``dbus-run-session`` with an unlocked gnome-keyring when
no D-Bus session is there, so keyring writes are real. Offscreen Qt. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import keyring_session  # noqa: E402 - a sibling module, found through the path set just above

STAGE = keyring_session.STAGE
TICK_MS = 10
PLATFORMS = ("facebook", "instagram", "linkedin")
KIND = {"facebook": "page", "instagram": "account", "linkedin": "organization_page"}
#: Of each platform's profiles, this share is not managed by the signed-in account (wrong account).
UNMANAGED_EVERY = 13


class StallMeter:
    """A 10 ms timer on the GUI thread; every late tick is a stall of the event loop."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[tuple[float, str]] = []
        self.phase = "start"
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(((now - self._last) * 1000 - TICK_MS, self.phase))
        self._last = now

    def worst(self) -> tuple[float, str]:
        return max(self.gaps) if self.gaps else (0.0, "")

    def p99(self) -> float:
        values = sorted(g for g, _p in self.gaps)
        return values[int(len(values) * 0.99)] if values else 0.0


def build_workspace(folder: Path, server: Any, profiles: int) -> tuple[Any, list[int]]:
    from socialdesk.models.catalogue import ConnectionType, GrantState, Role, Visibility
    from socialdesk.models.schema import Connection, Grant, Member, Meta, Profile, ProfileOwner
    from socialdesk.services.clock import utcnow
    from socialdesk.services.workspace import Workspace
    from tests.oauth_server import providers_toml

    ws = Workspace.open(folder, create=True)
    (ws.data_dir / "providers.toml").write_text(providers_toml(server.url, PLATFORMS), encoding="utf-8")
    now = utcnow()
    ids: list[int] = []
    with ws.session() as s:
        me = Member(name="Bench", name_key="bench", role=Role.ADMINISTRATOR.value, created_at=now)
        s.add(me)
        s.flush()
        s.add(Meta(key="me", value=str(me.id)))
        for i in range(profiles):
            platform = PLATFORMS[i % len(PLATFORMS)]
            handle = f"bench{platform}{i:05}"
            p = Profile(
                platform=platform,
                kind=KIND[platform],
                handle=handle,
                handle_key=handle,
                display_name=f"Bench {platform} {i:05}",
                platform_id=f"{platform}-{i}",
                visibility=Visibility.OWNED.value,
                added_at=now,
                notes="",
            )
            s.add(p)
            s.flush()
            s.add(ProfileOwner(profile_id=p.id, member_id=me.id, since=now))
            c = Connection(profile_id=p.id, type=ConnectionType.PUBLISHING.value, created_at=now)
            s.add(c)
            s.flush()
            s.add(
                Grant(
                    connection_id=c.id,
                    member_id=me.id,
                    state=GrantState.EXPIRED.value,
                    scopes="",
                    granted_at=now,
                    expires_at=now,
                )
            )
            ids.append(p.id)
    return ws, ids


def add_agency(server: Any, profiles: int) -> None:
    from tests.oauth_server import User

    managed: dict[str, list[dict[str, Any]]] = {p: [] for p in PLATFORMS}
    for i in range(profiles):
        platform = PLATFORMS[i % len(PLATFORMS)]
        if i % UNMANAGED_EVERY == 0:
            continue  # the signed-in account does not manage this one: a "wrong account" result
        handle = f"bench{platform}{i:05}"
        managed[platform].append(
            {"id": f"{platform}-{i}", "name": f"Bench {platform} {i:05}", "username": handle}
        )
    server.add_user(
        User(
            "u-9001",
            "agency",
            "Agency Admin",
            "agency-pass",
            pages=managed["facebook"],
            accounts={"instagram": managed["instagram"], "linkedin": managed["linkedin"]},
        )
    )


def run_once(app: Any, server: Any, profiles: int, mode: str, folder: Path) -> dict[str, float]:
    import requests
    from PySide6.QtCore import QEventLoop, QTimer

    from socialdesk.services.oauth import OAuthService
    from socialdesk.services.providers import load_providers
    from socialdesk.services.tokens import TokenStore
    from socialdesk.ui.bulk_reconnect import BulkReconnectDialog
    from socialdesk.ui.sign_in_flows import SignInServices
    from tests.oauth_server import WebRobot, sign_in_over_http

    ws, ids = build_workspace(folder, server, profiles)
    if mode == "system":
        toml = (ws.data_dir / "providers.toml").read_text(encoding="utf-8")
        (ws.data_dir / "providers.toml").write_text(
            toml.replace('browser = "embedded"', 'browser = "system"'), encoding="utf-8"
        )
    store = TokenStore(ws.workspace_id)
    assert store.available, store.warning
    service = OAuthService(load_providers(ws.data_dir), store, timeout=(5, 20))

    def scripted_browser(url: str) -> bool:
        def follow() -> None:
            prefix = requests.utils.unquote(url.split("redirect_uri=", 1)[1].split("&", 1)[0])
            requests.get(sign_in_over_http(url, prefix, "agency", "agency-pass"), timeout=10)

        threading.Thread(target=follow, daemon=True).start()
        return True

    services = SignInServices(service, store, open_browser=scripted_browser)
    meter = StallMeter()
    robots: list[WebRobot] = []
    done = {"platforms": 0}
    timings: dict[str, float] = {}

    dialog = BulkReconnectDialog(ws, ids, services=services)
    # A local loop, never app.quit(): QtWebEngine tears its context down on aboutToQuit.
    loop = QEventLoop()

    def connect_next() -> None:
        if done["platforms"] == len(PLATFORMS):
            meter.phase = "finished"
            QTimer.singleShot(200, loop.quit)
            return
        platform = PLATFORMS[done["platforms"]]
        meter.phase = f"{platform}: open sign-in"
        dialog.connect_buttons[platform].click()

    def opened(sign_in: Any) -> None:
        if mode != "system":
            robots.append(WebRobot(sign_in, "agency", "agency-pass"))
        sign_in.stateChanged.connect(lambda s: setattr(meter, "phase", f"{sign_in.platform}: {s}"))

    def platform_done(platform: str) -> None:
        done["platforms"] += 1
        meter.phase = f"{platform}: results shown"
        QTimer.singleShot(50, connect_next)

    dialog.signInOpened.connect(opened)
    dialog.platformDone.connect(platform_done)
    # The user reads the plan before pressing Connect; meanwhile the dialog starts the embedded
    # browser. That preparation is measured apart; the re-connect itself from the first Connect on.
    prep = StallMeter()

    def start_reconnect() -> None:
        prep.stop()
        timings["prep_stall_max_ms"] = prep.worst()[0]
        meter.start()
        connect_next()

    dialog.planReady.connect(
        lambda: (setattr(prep, "phase", "plan shown"), QTimer.singleShot(1000, start_reconnect))
    )
    started = time.perf_counter()
    prep.start()
    prep.phase = "open dialog"
    dialog.show()
    QTimer.singleShot(120_000, loop.quit)  # a safety net
    loop.exec()
    meter.stop()
    timings["total_s"] = time.perf_counter() - started
    texts = dialog.result_texts()
    ok = sum(1 for t in texts.values() if t == "Re-connected")
    failed = sum(1 for t in texts.values() if t.startswith("Failed"))
    expected_failed = len([i for i in range(profiles) if i % UNMANAGED_EVERY == 0])
    assert ok + failed == profiles and failed == expected_failed, (ok, failed)
    worst, where = meter.worst()
    timings["stall_max_ms"] = worst
    timings["stall_p99_ms"] = meter.p99()
    timings["stall_median_ms"] = statistics.median(g for g, _p in meter.gaps)
    timings["ticks"] = len(meter.gaps)
    timings["where"] = where  # type: ignore[assignment]
    timings["top"] = sorted(meter.gaps, reverse=True)[:3]  # type: ignore[assignment]
    dialog.close()
    dialog.deleteLater()
    QTimer.singleShot(300, loop.quit)  # deferred deletes and the sign-in browsers' clean-up
    loop.exec()
    ws.close()
    return timings


def run(profiles: int, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    import keyring
    from keyring.backends import SecretService
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from tests.oauth_server import OAuthTestServer

    if not isinstance(keyring.get_keyring(), SecretService.Keyring):
        print("bench_bulk_reconnect: the keyring is not the Secret Service", file=sys.stderr)
        sys.exit(1)
    qInstallMessageHandler(
        lambda mode, _ctx, msg: (
            print(f"qt: {msg}", file=sys.stderr) if mode == QtMsgType.QtCriticalMsg else None
        )
    )
    app = QApplication.instance() or QApplication([])
    server = OAuthTestServer().start()
    add_agency(server, profiles)
    folder = Path(tempfile.mkdtemp(prefix="socialdesk-bench-bulk-"))
    print(f"profiles: {profiles} profiles")
    print(f"platforms: {len(PLATFORMS)} sign-ins per run")
    try:
        modes = ["system", "embedded_cold", *["embedded_warm"] * max(1, runs - 1)]
        results: dict[str, list[dict[str, float]]] = {}
        for n, mode in enumerate(modes):
            timings = run_once(
                app, server, profiles, "system" if mode == "system" else "embedded", folder / f"ws{n}"
            )
            results.setdefault(mode, []).append(timings)
        for mode, items in results.items():
            worst = max(items, key=lambda t: t["stall_max_ms"])
            print(f"{mode}_total: {statistics.median(t['total_s'] for t in items):.2f} s")
            print(f"{mode}_stall_max: {worst['stall_max_ms']:.1f} ms")
            prep = max(t.get("prep_stall_max_ms", 0.0) for t in items)
            print(
                f"{mode}_prepare_stall_max (dialog opens, plan, browser start; before Connect): {prep:.1f} ms"
            )
            print(f"{mode}_stall_p99: {max(t['stall_p99_ms'] for t in items):.1f} ms")
            print(f"{mode}_stall_median: {statistics.median(t['stall_median_ms'] for t in items):.1f} ms")
            print(f"{mode}_stall_max_during: {worst['where']}")
            top = sorted((g for t in items for g in t["top"]), reverse=True)[:4]  # type: ignore[attr-defined]
            print(f"{mode}_stall_top: " + ", ".join(f"{g:.0f} ms ({p})" for g, p in top))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="embedded runs (the first is cold)")
    args = parser.parse_args()
    if (status := keyring_session.ensure(__file__)) is not None:
        return status
    run(args.profiles, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
