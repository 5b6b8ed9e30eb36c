"""Health check of 1,000 grants against the local Authlib test server, with tokens in a real keyring.

    .venv/bin/python benchmarks/bench_health.py [--grants N] [--workers N]

Prints ``name: value unit`` lines: keyring write time, check throughput (verify and refresh runs),
peak memory. It needs a Secret Service: when it is not already inside a D-Bus session it re-runs
itself under ``dbus-run-session`` with a throw-away HOME and an unlocked gnome-keyring (what
``scripts/test.sh`` does), so the figures include real keyring writes. Not part of the test suite.

Every grant has its own token (its own keyring entry), so each check is one HTTP call and a refresh
is one HTTP call plus one keyring write. Server and client share this process and its 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import keyring_session  # noqa: E402 - a sibling module, found through the path set just above

STAGE = keyring_session.STAGE


def run(grants: int, workers: int) -> None:
    sys.path.insert(0, str(ROOT))
    import keyring
    from keyring.backends import SecretService
    from sqlalchemy import select

    from socialdesk.models.catalogue import ConnectionType, GrantState, Role
    from socialdesk.models.schema import Connection, Grant, Member, Meta, Profile, ProfileOwner
    from socialdesk.services import health
    from socialdesk.services.clock import utcnow
    from socialdesk.services.oauth import OAuthService, token_set
    from socialdesk.services.providers import load_providers
    from socialdesk.services.tokens import TokenStore
    from socialdesk.services.workspace import Workspace
    from tests.oauth_server import OAuthTestServer, providers_toml

    if not isinstance(keyring.get_keyring(), SecretService.Keyring):
        print(
            f"bench_health: the keyring is {type(keyring.get_keyring()).__name__}, not the Secret Service",
            file=sys.stderr,
        )
        sys.exit(1)

    tracemalloc.start()
    server = OAuthTestServer().start()
    folder = Path(tempfile.mkdtemp(prefix="socialdesk-bench-ws-"))
    try:
        ws = Workspace.open(folder / "ws", create=True)
        (ws.data_dir / "providers.toml").write_text(providers_toml(server.url), encoding="utf-8")
        store = TokenStore(ws.workspace_id)
        assert store.available, store.warning
        service = OAuthService(load_providers(ws.data_dir), store, timeout=(5, 20))
        now = utcnow()
        users = ("alice", "bob", "carol")
        with ws.session() as s:
            me = Member(name="Bench", name_key="bench", role=Role.ADMINISTRATOR.value, created_at=now)
            s.add(me)
            s.flush()
            s.add(Meta(key="me", value=str(me.id)))
            for i in range(grants):
                handle = f"bench_{i}"
                p = Profile(
                    platform="x",
                    kind="account",
                    handle=handle,
                    handle_key=handle,
                    display_name=handle,
                    platform_id=f"x-{i}",
                    visibility="owned",
                    added_at=now,
                    notes="",
                )
                s.add(p)
                s.flush()
                s.add(ProfileOwner(profile_id=p.id, member_id=me.id, since=now))
                c = Connection(profile_id=p.id, type=ConnectionType.PUBLISHING.value, created_at=now)
                s.add(c)
                s.flush()
                tokens = token_set(server.mint_token(users[i % 3], "openid profile tweet.write"))
                ref = store.new_ref()
                store.save(ref, tokens)
                s.add(
                    Grant(
                        connection_id=c.id,
                        member_id=me.id,
                        state=GrantState.ACTIVE.value,
                        scopes=" ".join(tokens.scopes),
                        granted_at=now,
                        expires_at=tokens.expires_at,
                        has_refresh_token=True,
                        token_ref=ref,
                        account_id=f"x-{i}",
                    )
                )
        writes = sorted(store.write_times_ms)
        print(f"keyring_write_median: {writes[len(writes) // 2]:.1f} ms")
        print(f"keyring_write_p95: {writes[int(len(writes) * 0.95)]:.1f} ms")

        started = time.perf_counter()
        report = health.run_health_check(ws, service, max_workers=workers)
        took = time.perf_counter() - started
        assert report.ok == grants and not report.failed, health.summary(report)
        print(f"check_verify_throughput: {grants / took:.0f} grants/s")
        print(f"check_verify_total: {took:.2f} s")

        started = time.perf_counter()
        report = health.run_health_check(ws, service, now=utcnow() + timedelta(hours=2), max_workers=workers)
        took = time.perf_counter() - started
        assert len(report.refreshed) == grants and not report.failed, health.summary(report)
        print(f"check_refresh_throughput: {grants / took:.0f} grants/s")
        print(f"check_refresh_total: {took:.2f} s")

        server.mode = "503"
        started = time.perf_counter()
        report = health.run_health_check(ws, service, max_workers=workers)
        took = time.perf_counter() - started
        assert len(report.failed) == grants and not report.changes, health.summary(report)
        print(f"check_server_down_throughput: {grants / took:.0f} grants/s")

        _current, peak = tracemalloc.get_traced_memory()
        print(f"peak_python_heap: {peak / 2**20:.1f} MB")
        print(f"peak_rss: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
        if os.environ.get(STAGE) != "session":
            # Run inside someone's own D-Bus session: leave nothing behind in their keyring.
            with ws.session() as s:
                refs = [r for (r,) in s.execute(select(Grant.token_ref))]
            for ref in refs:
                store.delete(ref)
        ws.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=6)
    args = parser.parse_args()
    if (status := keyring_session.ensure(__file__)) is not None:
        return status
    print(f"grants: {args.grants} count")
    print(f"workers: {args.workers} threads")
    run(args.grants, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
