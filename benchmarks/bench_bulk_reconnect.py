"""The GUI event loop's longest stall while a bulk re-connect of 200 profiles runs, against strict simulators.

    .venv/bin/python benchmarks/bench_bulk_reconnect.py [--profiles N] [--runs N] [--wrong N]

Opens the real ``BulkReconnectDialog`` on a fresh workspace of N expired Publishing connections
(Facebook pages, Instagram business accounts and LinkedIn organization pages, in turn) and presses
Connect for each platform: one sign-in per platform, then the code exchange, the discovery and the
recording (one keyring write per sign-in) on a worker thread, then the per-profile results. Each
platform signs in against its own strict simulator, as tests/test_platform_meta.py and
tests/test_platform_others.py do, wired the way ``tests/simulators/harness.py`` wires one (URLs and
client id in providers.toml, the client secret in the real keyring):

* Facebook and Instagram: one ``MetaSimulator`` each (``tests/simulators/meta.py``): Facebook Login
  with the https desktop redirect, the secret in the parameters, the long-lived exchange
  ``fb_exchange_token``, ``/me/permissions``, ``debug_token`` with the app token, Page tokens from
  ``/me/accounts`` paged by cursor; Instagram accounts come through their Pages'
  ``instagram_business_account``;
* LinkedIn: ``LinkedInSimulator`` (``tests/simulators/linkedin.py``) with the organization pages' own
  app (``providers.linkedin.kinds.organization_page``): the redirect matched exactly, the versioned
  ``/rest/organizationAcls`` paged by start/count, ``/rest/organizations/{id}``.

The simulators run in a child process (``--serve``), as a platform is elsewhere: their request
threads take no share of the GUI process's interpreter lock. The signing-in account manages every
profile, so each run must bring every profile back: the dialog says "Re-connected" for each, and the
workspace, read after the run, holds an active Publishing grant of *me* for each whose token is in
the keyring (one entry and one code exchange per sign-in). A 10 ms ``QTimer`` records the gaps
between its ticks; a stall is a gap minus 10 ms, filed under the phase running when the late tick
came: ``sign_in`` (Connect pressed, the sign-in window, the provider's pages), ``saving`` (exchange,
discovery and recording off the GUI thread), ``results`` (the per-profile results shown). Modes:

* ``system``: the system-browser mode with a scripted "browser" (an HTTP GET in a thread that
  follows the simulator's redirect) and the loopback listener: the app's own GUI work only. LinkedIn
  only: Meta registers the https desktop redirect, which only the embedded view can read
  (providers.py keeps Facebook and Instagram embedded), so this dialog gets the LinkedIn profiles.
  The listener gets a free port per run, registered with the simulator as an organisation registers
  its own (Settings ▸ Sign-in): after a sign-in the default 8712 stays in TIME_WAIT for a minute,
  and the app's busy-port check (``providers.port_is_free`` binds without SO_REUSEADDR, unlike the
  listener) calls it "in use by another program" until then;
* ``embedded_cold``: every platform in the real QWebEngineView (the simulators consent at once: no
  robot needs to click), the first sign-in of the process; the dialog starts QtWebEngine while its
  plan is shown, so that one-time start is reported apart (``prepare``: before Connect, no target);
* ``embedded_warm``: the same again in the same process (``--runs`` - 1 times).

Then a smaller scenario, ``wrong_account``: ``--wrong`` profiles over the three platforms and an
account that manages none of them. Each platform's sign-in is refused as a whole ("This sign-in is
for another account: … Nothing was changed."), the refusal is read for a moment and the sign-in
window closed; grants and keyring must be unchanged and Connect offered again, and the dialog's
stalls are measured the same way.

Prints ``name: value unit`` lines: per mode the worst stall and p99 over its runs (overall and per
phase), the median sign-in wall time per platform (Connect pressed to results shown) and the
profiles re-connected. The target is a longest stall of at most 50 ms from the first Connect on, in
every mode; the exit status is 1 when it is missed (or a run did not do what it measures). Like
``bench_health.py`` it re-runs itself under ``dbus-run-session`` with an unlocked gnome-keyring when
no D-Bus session is there, so keyring reads and writes are real. Offscreen Qt. Not part of the test
suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import keyring_session  # noqa: E402 - a sibling module, found through the path set just above
from figures import exit_status, say  # noqa: E402

if TYPE_CHECKING:
    from socialdesk.services.tokens import TokenStore
    from socialdesk.services.workspace import Workspace
    from socialdesk.ui.sign_in_flows import SignInServices

TICK_MS = 10
TARGET_MS = 50.0
#: A run that has not ended by then has failed (its checks say how); the loop is quit.
SAFETY_MS = 120_000
#: The user reads the plan before pressing Connect (and the refusal before closing it).
READ_PLAN_MS = 1000
READ_REFUSAL_MS = 300
PLATFORMS = ("facebook", "instagram", "linkedin")
KIND = {"facebook": "page", "instagram": "account", "linkedin": "organization_page"}
#: The platforms whose sign-in may use the system browser (a loopback redirect).
SYSTEM_PLATFORMS = ("linkedin",)
#: Where a stall is filed: the sign-in's state when the late tick came.
PHASE = {
    "new": "sign_in",
    "browser": "sign_in",
    "waiting": "sign_in",
    "working": "saving",
    "done": "results",
    "error": "refused",
    "cancelled": "closed",
}
PHASES = ("sign_in", "saving", "results", "refused", "closed")


class BenchFailure(RuntimeError):
    """A run did not do what it measures (a profile not re-connected, a refusal that changed data)."""


def require(condition: bool, why: str) -> None:
    if not condition:
        raise BenchFailure(why)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


class StallMeter:
    """A 10 ms timer on the GUI thread; every late tick is a stall of the event loop, filed by phase."""

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
        # A tick a little early is no stall: 0, not a negative one.
        self.gaps.append((max(0.0, (now - self._last) * 1000 - TICK_MS), self.phase))
        self._last = now

    def worst(self) -> tuple[float, str]:
        return max(self.gaps) if self.gaps else (0.0, "")

    def values(self, phase: str | None = None) -> list[float]:
        return [g for g, p in self.gaps if phase is None or p == phase]


# -- the accounts and their simulators ----------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """One profile as the platform knows it (its id, name and handle)."""

    platform: str
    platform_id: str
    name: str
    handle: str


def accounts(count: int, owner: str, first_id: int) -> list[Account]:
    """``count`` accounts, the platforms in turn; ids are numeric as the platforms' are."""
    out = []
    for i in range(count):
        platform = PLATFORMS[i % len(PLATFORMS)]
        n = first_id + i
        name = f"{owner} {platform} {i:05}"
        out.append(Account(platform, str(n), name, f"{owner.lower()}{platform}{i:05}"))
    return out


class Simulators:
    """Facebook, Instagram and LinkedIn each on its own strict simulator, for one signing-in account.

    Built in the child process (``--serve``): the platforms' servers are not this process's threads,
    so they take no share of the GUI process's interpreter lock, as real platforms take none.
    """

    def __init__(self, user_name: str, managed: list[Account], *, listener_port: int | None = None) -> None:
        from tests.simulators.linkedin import ORG_CALLBACK, LinkedInSimulator
        from tests.simulators.meta import MetaSimulator, page

        def of(platform: str) -> list[Account]:
            return [a for a in managed if a.platform == platform]

        self.facebook = MetaSimulator(
            user_name=user_name, pages=[page(a.platform_id, a.name, a.handle) for a in of("facebook")]
        )
        # Instagram business accounts come through the Facebook Page each is linked to.
        self.instagram = MetaSimulator(
            user_name=user_name,
            pages=[
                page(f"9{a.platform_id}", f"{a.name} (Page)", f"{a.handle}page", ig=_ig(a))
                for a in of("instagram")
            ],
        )
        self.linkedin = LinkedInSimulator(
            user_name=user_name,
            organizations=[
                {"id": int(a.platform_id), "name": a.name, "vanity": a.handle} for a in of("linkedin")
            ],
        )
        #: The organization app's redirect URI: the default (port 8712), or the one the organisation
        #: registered instead (Settings ▸ Sign-in), matched character for character all the same.
        self.org_redirect = ORG_CALLBACK
        if listener_port is not None:
            self.org_redirect = f"http://127.0.0.1:{listener_port}/callback"
            registered = tuple(u for u in self.linkedin.rules.redirect_uris if u != ORG_CALLBACK)
            self.linkedin.rules = replace(self.linkedin.rules, redirect_uris=(*registered, self.org_redirect))

    def apps(self) -> dict[str, dict[str, str]]:
        """Per provider key: what harness.wire puts in providers.toml, and the secret for the keyring."""
        out: dict[str, dict[str, str]] = {}
        for platform, meta in (("facebook", self.facebook), ("instagram", self.instagram)):
            out[platform] = {
                "authorize_url": f"{meta.api}/dialog/oauth",
                "token_url": f"{meta.api}/oauth/access_token",
                "api_base_url": meta.api,
                "client_id": meta.rules.client_id,
                "client_secret": meta.rules.client_secret,
            }
        li = self.linkedin
        out["linkedin:organization_page"] = {
            "authorize_url": f"{li.url}/oauth/v2/authorization",
            "token_url": f"{li.url}/oauth/v2/accessToken",
            "api_base_url": f"{li.url}/rest",
            "client_id": li.rules.client_id,
            "client_secret": li.rules.client_secret,
            "redirect_uri": self.org_redirect,
        }
        return out

    def stats(self) -> dict[str, Any]:
        """Code exchanges per platform (one per sign-in) and every refusal of the simulators."""
        meta = "/v21.0/oauth/access_token"
        return {
            "token_calls": {
                "facebook": len([c for c in self.facebook.calls(meta) if c["form"].get("code")]),
                "instagram": len([c for c in self.instagram.calls(meta) if c["form"].get("code")]),
                "linkedin": len(self.linkedin.calls("/oauth/v2/accessToken")),
            },
            "refusals": [*self.facebook.refusals, *self.instagram.refusals, *self.linkedin.refusals],
        }

    def stop(self) -> None:
        for sim in (self.facebook, self.instagram, self.linkedin):
            sim.stop()


def _ig(a: Account) -> dict[str, Any]:
    return {"id": a.platform_id, "name": a.name, "username": a.handle}


def serve() -> int:
    """The child: read the account and its accounts (one JSON line), start the simulators, print their
    apps; answer each ``stats`` line with the simulators' stats; stop at the end of input."""
    sys.path.insert(0, str(ROOT))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # request lines
    spec = json.loads(sys.stdin.readline())
    sims = Simulators(
        spec["user_name"], [Account(**a) for a in spec["accounts"]], listener_port=spec["listener_port"]
    )
    try:
        print(json.dumps(sims.apps()), flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                print(json.dumps(sims.stats()), flush=True)
    finally:
        sims.stop()
    return 0


class Platforms:
    """The simulators' process, seen from the app's: their apps, their stats, and stopping them."""

    def __init__(self, user_name: str, managed: list[Account], *, listener_port: int | None = None) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        spec = {
            "user_name": user_name,
            "accounts": [vars(a) for a in managed],
            "listener_port": listener_port,
        }
        self.apps: dict[str, dict[str, str]] = self._ask(json.dumps(spec))

    def _ask(self, line: str) -> Any:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()
        answer = self._proc.stdout.readline()
        require(bool(answer), "the simulators' process ended")
        return json.loads(answer)

    def providers_toml(self, *, system: bool) -> str:
        """The three apps as harness.wire writes one: URLs and client id (the secret goes to the keyring)."""
        from tests.simulators.harness import toml_table

        def table(key: str) -> dict[str, str]:
            return {k: v for k, v in self.apps[key].items() if k != "client_secret"}

        browser = {"browser": "system" if system else "embedded"}
        return (
            toml_table("providers.facebook", table("facebook"))
            + toml_table("providers.instagram", table("instagram"))
            # The member app's row too: the dialog looks at it to start the embedded browser early.
            + toml_table("providers.linkedin", browser)
            + toml_table(
                "providers.linkedin.kinds.organization_page",
                {**table("linkedin:organization_page"), **browser},
            )
        )

    def store_secrets(self, store: TokenStore) -> None:
        for key, app in self.apps.items():
            store.set_client_secret(key, app["client_secret"])

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._ask("stats")
        return stats

    def __enter__(self) -> Platforms:
        return self

    def __exit__(self, *_exc: object) -> None:
        """End of input: the child stops its simulators and exits."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


# -- the workspace ------------------------------------------------------------------------------------


@dataclass
class Setup:
    workspace: Workspace
    store: TokenStore
    services: SignInServices
    me_id: int
    ids: dict[str, list[int]] = field(default_factory=dict)

    def all_ids(self) -> list[int]:
        return [i for p in PLATFORMS for i in self.ids.get(p, [])]

    def __enter__(self) -> Setup:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.workspace.close()


def free_port() -> int:
    """A loopback port nothing listens on (nor ever connected to: no TIME_WAIT)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def scripted_browser(url: str) -> bool:
    """The person's browser: follows the sign-in URL; the simulator's redirect reaches the listener."""
    import requests

    threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()
    return True


def build(folder: Path, sims: Platforms, profiles: list[Account], *, system: bool) -> Setup:
    """A workspace of expired Publishing connections of *me* (Administrator) on ``profiles``."""
    from socialdesk.models.catalogue import ConnectionType, GrantState, Role
    from socialdesk.services.oauth import OAuthService
    from socialdesk.services.providers import load_providers
    from socialdesk.services.tokens import TokenStore
    from socialdesk.services.workspace import Workspace
    from socialdesk.ui.sign_in_flows import SignInServices
    from tests import factory

    ws = Workspace.open(folder, create=True)
    (ws.data_dir / "providers.toml").write_text(sims.providers_toml(system=system), encoding="utf-8")
    ids: dict[str, list[int]] = {p: [] for p in PLATFORMS}
    with ws.session() as s:
        me = factory.member(s, "Alex Morgan", Role.ADMINISTRATOR, me=True)
        me_id = me.id
        for a in profiles:
            p = factory.profile(s, a.platform, KIND[a.platform], handle=a.handle, name=a.name, owners=(me,))
            p.platform_id = a.platform_id
            factory.connect(s, p, ConnectionType.PUBLISHING, (me, GrantState.EXPIRED))
            ids[a.platform].append(p.id)
    store = TokenStore(ws.workspace_id)
    require(store.available, f"no keyring: {store.warning}")
    sims.store_secrets(store)
    service = OAuthService(load_providers(ws.data_dir), store, timeout=(5, 20))
    services = SignInServices(service, store, open_browser=scripted_browser)
    return Setup(ws, store, services, me_id, ids)


def my_publishing_grants(setup: Setup, profile_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """profile id -> (state, token_ref) of *me*'s Publishing grant, read from the workspace."""
    from sqlalchemy import select

    from socialdesk.models.catalogue import ConnectionType
    from socialdesk.models.schema import Connection, Grant

    with setup.workspace.session() as s:
        rows = s.execute(
            select(Connection.profile_id, Grant.state, Grant.token_ref)
            .join(Grant, Grant.connection_id == Connection.id)
            .where(
                Connection.profile_id.in_(profile_ids),
                Connection.type == ConnectionType.PUBLISHING.value,
                Grant.member_id == setup.me_id,
            )
        ).all()
    return {pid: (state, ref) for pid, state, ref in rows}


def keyring_entries(store: TokenStore) -> set[str]:
    from tests.oauth_server import keyring_entries as entries

    return entries(store.service)


# -- one run of the dialog ----------------------------------------------------------------------------


@dataclass
class Run:
    meter: StallMeter
    prepare_ms: float = 0.0
    #: Connect pressed -> the platform's results shown (or its refused sign-in closed).
    walls: dict[str, float] = field(default_factory=dict)
    #: The sign-in window's error text per platform, when it showed one.
    errors: dict[str, str] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    reconnectable: dict[str, bool] = field(default_factory=dict)
    #: ms of GUI-thread work in each Connect's own click handler (preflight, sign-in window, start).
    clicks: list[float] = field(default_factory=list)
    #: Why the safety net ended the run ("" when it ended by itself).
    timed_out: str = ""


def drive(setup: Setup, platforms: tuple[str, ...], *, refusals: bool) -> Run:
    """Open the dialog on the setup's profiles, press Connect per platform in turn, measure the stalls.

    With ``refusals`` each sign-in is expected to be refused: the refusal is read for a moment and
    the sign-in window closed; otherwise a sign-in error ends the run (its checks then fail).
    """
    from PySide6.QtCore import QEventLoop, QTimer

    from socialdesk.ui.bulk_reconnect import BulkReconnectDialog

    ids = [i for p in platforms for i in setup.ids[p]]
    run = Run(StallMeter())
    prep = StallMeter()
    dialog = BulkReconnectDialog(setup.workspace, ids, services=setup.services)
    # A local loop, never app.quit(): QtWebEngine tears its context down on aboutToQuit.
    loop = QEventLoop()
    next_platform, pressed = 0, 0.0

    def connect_next() -> None:
        nonlocal pressed
        if next_platform == len(platforms):
            run.meter.phase = "finished"
            QTimer.singleShot(200, loop.quit)
            return
        run.meter.phase = "sign_in"
        pressed = time.perf_counter()
        dialog.connect_buttons[platforms[next_platform]].click()
        run.clicks.append((time.perf_counter() - pressed) * 1000)

    def platform_over(platform: str, phase: str) -> None:
        nonlocal next_platform
        run.walls[platform] = time.perf_counter() - pressed
        run.meter.phase = phase
        next_platform += 1
        QTimer.singleShot(50, connect_next)

    def opened(sign_in: Any) -> None:
        platform = sign_in.platform

        def on_state(value: str) -> None:
            run.meter.phase = PHASE.get(value, value)
            if value != "error":
                return
            run.errors[platform] = sign_in.error_text
            if refusals:
                QTimer.singleShot(READ_REFUSAL_MS, sign_in.reject)  # "Close"
            else:
                loop.quit()  # a failed sign-in: the checks below say which

        def on_finished(_code: int) -> None:
            if refusals:
                run.reconnectable[platform] = dialog.connect_buttons[platform].isEnabled()
                platform_over(platform, "closed")

        sign_in.stateChanged.connect(on_state)
        sign_in.finished.connect(on_finished)

    def start_reconnect() -> None:
        prep.stop()
        run.prepare_ms = prep.worst()[0]
        run.meter.start()
        connect_next()

    def not_configured(platform: str, message: str) -> None:
        run.errors[platform] = f"no sign-in window: {message}"
        loop.quit()

    dialog.signInOpened.connect(opened)
    dialog.notConfigured.connect(not_configured)
    if not refusals:
        dialog.platformDone.connect(lambda platform: platform_over(platform, "results"))
    dialog.planReady.connect(lambda: QTimer.singleShot(READ_PLAN_MS, start_reconnect))
    safety = QTimer()
    safety.setSingleShot(True)

    def time_out() -> None:
        run.timed_out = f"during {run.meter.phase}; the dialog said {dialog.summary.text()!r}"
        loop.quit()

    safety.timeout.connect(time_out)
    prep.phase = "prepare"
    prep.start()
    dialog.show()
    safety.start(SAFETY_MS)
    loop.exec()
    safety.stop()
    run.meter.stop()
    prep.stop()
    run.texts = dialog.result_texts()
    dialog.close()
    dialog.deleteLater()
    settle = QEventLoop()
    QTimer.singleShot(300, settle.quit)  # deferred deletes and the sign-in browsers' clean-up
    settle.exec()
    return run


def reconnect_run(folder: Path, mode: str, profiles: list[Account]) -> Run:
    """Every profile re-connected by the account that manages them all; checked in the workspace."""
    # The system browser's listener gets a port of its own per run: after a sign-in the default
    # 8712 stays in TIME_WAIT for a minute, and the app's busy-port check (providers.port_is_free,
    # bound without SO_REUSEADDR unlike the listener) calls it "in use by another program".
    platforms = SYSTEM_PLATFORMS if mode == "system" else PLATFORMS
    port = free_port() if mode == "system" else None
    with (
        Platforms("Agency Admin", profiles, listener_port=port) as sims,
        build(folder, sims, profiles, system=mode == "system") as setup,
    ):
        before = keyring_entries(setup.store)
        run = drive(setup, platforms, refusals=False)
        ids = [i for p in platforms for i in setup.ids[p]]
        require(not run.timed_out, f"{mode}: no end within {SAFETY_MS / 1000:.0f} s, {run.timed_out}")
        stats = sims.stats()
        require(
            not run.errors, f"{mode}: sign-in errors {run.errors}; simulator refusals {stats['refusals']}"
        )
        not_ok = {pid: t for pid, t in run.texts.items() if t != "Re-connected"}
        require(len(run.texts) == len(ids) and not not_ok, f"{mode}: not re-connected {not_ok}")
        grants = my_publishing_grants(setup, ids)
        inactive = [pid for pid in ids if grants.get(pid, ("missing", None))[0] != "active"]
        require(not inactive, f"{mode}: {len(inactive)} profiles without an active Publishing grant")
        refs = {ref for _state, ref in grants.values()}
        added = keyring_entries(setup.store) - before
        require(
            None not in refs and len(refs) == len(platforms) and refs <= added,
            f"{mode}: expected one keyring entry per sign-in, got {refs} (new entries {added})",
        )
        calls = stats["token_calls"]
        require(
            all(calls[p] == 1 for p in platforms), f"{mode}: code exchanges per platform {calls} (one each)"
        )
        if mode == "system":
            require(
                not any("WebEngine" in m for m in sys.modules),
                "system: QtWebEngine was started, so the embedded run after it would not be cold",
            )
        return run


def wrong_account_run(folder: Path, count: int) -> Run:
    """Sign-ins by an account that manages none of the profiles: each refused whole, nothing changed."""
    profiles = accounts(count, "Bench", 100_000)
    others = accounts(len(PLATFORMS) * 2, "Other", 500_000)  # what the other account does manage
    with Platforms("Other Agency", others) as sims, build(folder, sims, profiles, system=False) as setup:
        ids = setup.all_ids()
        before = my_publishing_grants(setup, ids), keyring_entries(setup.store)
        run = drive(setup, PLATFORMS, refusals=True)
        require(not run.timed_out, f"wrong_account: no end within {SAFETY_MS / 1000:.0f} s, {run.timed_out}")
        for platform in PLATFORMS:
            text = run.errors.get(platform, "(no refusal shown)")
            require(
                text.startswith("This sign-in is for another account: ")
                and " does not manage Bench " in text
                and text.endswith("Nothing was changed."),
                f"wrong_account: {platform} said {text!r}",
            )
        refusals = sims.stats()["refusals"]
        require(not refusals, f"wrong_account: the simulators refused {refusals} (the app should refuse)")
        after = my_publishing_grants(setup, ids), keyring_entries(setup.store)
        require(after == before, "wrong_account: a refused sign-in changed grants or the keyring")
        require(
            all(s == "expired" for s, _ref in after[0].values()) and len(after[0]) == len(ids),
            "wrong_account: a grant is no longer expired",
        )
        require(
            all(run.reconnectable.get(p) for p in PLATFORMS),
            f"wrong_account: Connect not offered again after the refusal {run.reconnectable}",
        )
        return run


# -- the report ---------------------------------------------------------------------------------------


def report(mode: str, runs: list[Run], profiles: int) -> None:
    """Worst stall and p99 over the mode's runs, per phase too; median wall time per platform."""
    times = "1 run" if len(runs) == 1 else f"worst of {len(runs)} runs"
    worst = max((r.meter.worst() for r in runs), key=lambda w: w[0])
    every = [g for r in runs for g in r.meter.values()]
    say(f"{mode}_stall_max", worst[0], "ms", TARGET_MS, f"({times}; during {worst[1]})")
    say(f"{mode}_stall_p99", max(p99(r.meter.values()) for r in runs), "ms", floor=f"({times})")
    say(f"{mode}_stall_median", statistics.median(every) if every else 0.0, "ms")
    for phase in PHASES:
        values = [r.meter.values(phase) for r in runs]
        if not any(values):
            continue
        say(f"{mode}_stall_max_{phase}", max(max(v, default=0.0) for v in values), "ms")
        say(f"{mode}_stall_p99_{phase}", max(p99(v) for v in values), "ms")
    say(
        f"{mode}_connect_click_max",
        max(c for r in runs for c in r.clicks),
        "ms",
        floor="(Connect's own handler on the GUI thread: preflight, sign-in window, its start)",
    )
    say(
        f"{mode}_prepare_stall_max",
        max(r.prepare_ms for r in runs),
        "ms",
        floor="(dialog opens, plan, embedded browser start: before Connect, no target)",
    )
    for platform in PLATFORMS:
        walls = [r.walls[platform] for r in runs if platform in r.walls]
        if walls:
            say(f"{mode}_sign_in_wall_{platform}", statistics.median(walls), "s")
    print(f"{mode}_ticks: {min(len(r.meter.gaps) for r in runs)} ticks", flush=True)
    if mode == "wrong_account":
        changed = sum(1 for r in runs for t in r.texts.values() if t == "Re-connected")
        print(f"{mode}_refused: {len(PLATFORMS) * len(runs)} sign-ins, {changed} profiles changed")
    else:
        done = min(sum(1 for t in r.texts.values() if t == "Re-connected") for r in runs)
        print(f"{mode}_reconnected: {done} profiles (of {profiles}, every run)", flush=True)


def run_all(profiles: int, runs: int, wrong: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    import keyring
    from keyring.backends import SecretService
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    if not isinstance(keyring.get_keyring(), SecretService.Keyring):
        print("bench_bulk_reconnect: the keyring is not the Secret Service", file=sys.stderr)
        sys.exit(1)
    qInstallMessageHandler(
        lambda mode, _ctx, msg: (
            print(f"qt: {msg}", file=sys.stderr) if mode == QtMsgType.QtCriticalMsg else None
        )
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the simulators' request lines
    from socialdesk.app import one_malloc_arena

    one_malloc_arena()  # the process as run_gui sets it up, before Qt starts a thread
    _app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="socialdesk-bench-bulk-"))
    targets = accounts(profiles, "Bench", 100_000)
    per = {p: sum(1 for a in targets if a.platform == p) for p in PLATFORMS}
    print(f"profiles: {profiles} profiles ({', '.join(f'{n} {p}' for p, n in per.items())})")
    print(
        f"system_profiles: {per['linkedin']} profiles (LinkedIn only: Meta's https redirect needs the view)"
    )
    try:
        modes = ["system", "embedded_cold", *["embedded_warm"] * max(1, runs - 1)]
        results: dict[str, list[Run]] = {}
        for n, mode in enumerate(modes):
            results.setdefault(mode, []).append(reconnect_run(folder / f"ws{n}", mode, targets))
        results["wrong_account"] = [wrong_account_run(folder / "wrong", wrong)]
        for mode, items in results.items():
            count = per["linkedin"] if mode == "system" else wrong if mode == "wrong_account" else profiles
            report(mode, items, count)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"load: {os.getloadavg()[0]:.2f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3, help="embedded runs (the first is cold)")
    parser.add_argument("--wrong", type=int, default=30, help="profiles of the wrong-account scenario")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the simulators' process
    args = parser.parse_args()
    if args.serve:
        return serve()
    if (status := keyring_session.ensure(__file__)) is not None:
        return status
    try:
        run_all(args.profiles, args.runs, args.wrong)
    except BenchFailure as exc:
        print(f"bench_bulk_reconnect: FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
