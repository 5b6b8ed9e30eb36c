"""Providers: the built-in catalogue as data, providers.toml overrides key by key, and writing it back."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from socialdesk.cli import main
from socialdesk.models.catalogue import PLATFORMS, ConnectionType
from socialdesk.services.errors import ValidationError
from socialdesk.services.providers import (
    BUILT_IN,
    ProvidersFileError,
    check_transport,
    load_providers,
    save_provider_settings,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "providers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_platform_that_signs_in_has_real_https_endpoints_scopes_and_docs() -> None:
    signing = {k for k, p in PLATFORMS.items() if p.signs_in}
    assert set(BUILT_IN) == signing
    for provider in BUILT_IN.values():
        for url in (provider.authorize_url, provider.token_url, provider.api_base_url, provider.docs_url):
            assert urlsplit(url).scheme == "https", (provider.platform, url)
            assert check_transport(url) is None
        assert set(provider.scopes) == set(PLATFORMS[provider.platform].connections)
        assert all(provider.scopes[t] for t in provider.scopes)
        assert provider.client_id == ""  # SocialDesk ships no app credentials: the user enters theirs
    assert BUILT_IN["youtube"].browser == "system"  # Google refuses embedded web views
    assert BUILT_IN["facebook"].errors.numbers >= {190}
    assert BUILT_IN["tiktok"].client_id_param == "client_key"


def test_no_file_gives_the_built_in_catalogue(tmp_path: Path) -> None:
    catalogue = load_providers(tmp_path)
    assert catalogue.get("x") == BUILT_IN["x"]
    assert catalogue.warnings == ()


def test_keys_given_replace_the_defaults_one_by_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
[providers.x]
client_id = "my-app"
token_url = "http://127.0.0.1:9999/token"
[providers.x.scopes]
publishing = ["tweet.write", "offline.access"]
""",
    )
    x = load_providers(tmp_path).get("x")
    assert x.client_id == "my-app"
    assert x.token_url == "http://127.0.0.1:9999/token"
    assert x.scopes[ConnectionType.PUBLISHING] == ("tweet.write", "offline.access")
    # everything not given keeps its default
    assert x.scopes[ConnectionType.INSIGHTS] == BUILT_IN["x"].scopes[ConnectionType.INSIGHTS]
    assert x.authorize_url == BUILT_IN["x"].authorize_url
    assert x.revoke_url == BUILT_IN["x"].revoke_url
    assert x.overridden == {"client_id", "token_url", "scopes"}
    assert load_providers(tmp_path).get("facebook") == BUILT_IN["facebook"]


def test_a_platform_keeps_its_rules_wherever_its_urls_point_an_openid_table_has_none(tmp_path: Path) -> None:
    """docs/interfaces.md: without userinfo_url a simulator of the platform stands in, rules and all."""
    write(tmp_path, '[providers.tiktok]\nauthorize_url = "https://sso.example.org/authorize"\n')
    tiktok = load_providers(tmp_path).get("tiktok")
    assert (tiktok.scope_separator, tiktok.client_id_param, tiktok.pkce) == (",", "client_key", "S256-hex")
    assert tiktok.secret_required
    write(
        tmp_path,
        '[providers.tiktok]\nauthorize_url = "https://sso.example.org/authorize"\n'
        'userinfo_url = "https://sso.example.org/userinfo"\n',
    )
    oidc = load_providers(tmp_path).get("tiktok")
    assert (oidc.scope_separator, oidc.client_id_param, oidc.pkce) == (" ", "client_id", "S256")
    assert not oidc.secret_required and oidc.accounts == () and oidc.health == "userinfo"
    assert oidc.redirect_mode == "any_loopback"  # what its redirect_uri (no port) implies


def test_a_client_secret_in_the_file_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, '[providers.facebook]\nclient_id = "123"\nclient_secret = "do-not-read-me"\n')
    catalogue = load_providers(tmp_path)
    assert catalogue.get("facebook").client_id == "123"
    assert any("client_secret was ignored" in w and "keyring" in w for w in catalogue.warnings)
    assert "do-not-read-me" not in repr(catalogue)


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ('[providers.x]\nredirect_uri = "http://example.com/cb"\n', "providers.x.redirect_uri", "loopback"),
        ('[providers.x]\nredirect_uri = "http://127.0.0.1/cb"\n', "providers.x.redirect_uri", "port"),
        (
            '[providers.x]\nredirect_uri = "https://example.com/cb"\nbrowser = "system"\n',
            "providers.x.browser",
            "embedded",
        ),
        (
            '[providers.x]\ntoken_url = "http://127.0.0.2:9\\\\@127.0.0.1/token"\n',
            "providers.x.token_url",
            "backslash",
        ),
        (
            '[providers.x]\ntoken_url = "https://user@api.x.com/2/oauth2/token"\n',
            "providers.x.token_url",
            "user name",
        ),
        (
            '[providers.linkedin.kinds.page]\nclient_id = "1"\n',
            "providers.linkedin.kinds.page",
            "no separate app",
        ),
        (
            '[providers.x]\nauthorize_url = "http://example.com/auth"\n',
            "providers.x.authorize_url",
            "https://",
        ),
        ('[providers.myspace]\nclient_id = "1"\n', "providers.myspace", "unknown platform"),
        ('[providers.live_chat]\nclient_id = "1"\n', "providers.live_chat", "no sign-in"),
        (
            '[providers.x.scopes]\nteleport = ["a"]\n',
            "providers.x.scopes.teleport",
            "unknown connection type",
        ),
        (
            '[providers.x.scopes]\nmessaging = ["a"]\n',
            "providers.x.scopes.messaging",
            "no Messaging connection",
        ),
        (
            '[providers.x.scopes]\npublishing = "a b"\n',
            "providers.x.scopes.publishing",
            "list of scope names",
        ),
        ('[providers.x]\nbrowser = "lynx"\n', "providers.x.browser", "embedded, system"),
        ("[providers.x]\nclient_id = 42\n", "providers.x.client_id", "text value"),
    ],
)
def test_bad_values_are_clear_errors(tmp_path: Path, text: str, field: str, words: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ProvidersFileError) as info:
        load_providers(tmp_path)
    fields = dict(info.value.problems)
    assert field in fields
    assert words in fields[field]


def test_broken_toml_names_line_and_column_and_the_file_stays_unchanged(tmp_path: Path) -> None:
    original = '[providers.x]\nclient_id = "abc\nbrowser = "system"\n'
    path = write(tmp_path, original)
    with pytest.raises(ProvidersFileError) as info:
        load_providers(tmp_path)
    assert "line 2" in str(info.value)
    with pytest.raises(ProvidersFileError):
        save_provider_settings(tmp_path, "x", client_id="new")
    assert path.read_text(encoding="utf-8") == original


def test_redirect_uri_is_used_exactly_and_a_free_port_only_where_any_port_works(tmp_path: Path) -> None:
    assert load_providers(tmp_path).get("x").sign_in_redirect_uri() == "http://127.0.0.1:8710/callback"
    write(tmp_path, '[providers.x]\nredirect_uri = "http://localhost:8765/cb"\n')
    assert load_providers(tmp_path).get("x").sign_in_redirect_uri() == "http://localhost:8765/cb"
    # Google desktop clients accept any loopback port: a free one is picked per sign-in.
    uri = urlsplit(load_providers(tmp_path).get("youtube").sign_in_redirect_uri())
    assert uri.hostname == "127.0.0.1" and uri.port and uri.path == "/callback"
    # An https redirect is the embedded view's to stop at (Facebook's desktop flow).
    facebook = load_providers(tmp_path).get("facebook")
    assert facebook.sign_in_redirect_uri() == "https://www.facebook.com/connect/login_success.html"
    assert facebook.browsers == ("embedded",)


def test_linkedin_organization_pages_are_their_own_app(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[providers.linkedin]\nclient_id = "member-app"\n'
        '[providers.linkedin.kinds.organization_page]\nclient_id = "org-app"\n',
    )
    catalogue = load_providers(tmp_path)
    member, org = catalogue.get("linkedin"), catalogue.get("linkedin", "organization_page")
    assert (member.client_id, org.client_id) == ("member-app", "org-app")
    assert org.secret_key == "linkedin:organization_page" and member.secret_key == "linkedin"
    assert org.api_headers["X-Restli-Protocol-Version"] == "2.0.0" and "LinkedIn-Version" in org.api_headers
    assert catalogue.get("linkedin", "account") is member
    assert [(p.platform, p.kind) for p in catalogue.apps()][-1] == ("linkedin", "organization_page")


@pytest.mark.parametrize("depth", [20_000, 50_000])
def test_a_deeply_nested_file_is_a_clear_message_naming_it(tmp_path: Path, depth: int) -> None:
    path = write(tmp_path, "a = " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(ProvidersFileError) as info:
        load_providers(tmp_path)
    assert str(path) in str(info.value) and "nested too deeply" in str(info.value)
    path.write_text("x = {" * 30_000 + "}" * 30_000, encoding="utf-8")
    with pytest.raises(ProvidersFileError):
        load_providers(tmp_path)


def test_save_keeps_everything_else_and_none_restores_the_default(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[providers.x]\nclient_id = "old"\nbrowser = "system"\n[providers.facebook]\nclient_id = "fb"\n',
    )
    catalogue = save_provider_settings(
        tmp_path, "x", client_id="new-id", scopes={"publishing": ["tweet.write"]}
    )
    assert catalogue.get("x").client_id == "new-id"
    assert catalogue.get("x").browser == "system"
    assert catalogue.get("facebook").client_id == "fb"
    reloaded = load_providers(tmp_path)
    assert reloaded.get("x").scopes[ConnectionType.PUBLISHING] == ("tweet.write",)
    save_provider_settings(tmp_path, "x", browser=None, scopes={"publishing": None})
    reloaded = load_providers(tmp_path)
    assert reloaded.get("x").browser == BUILT_IN["x"].browser
    assert reloaded.get("x").scopes == BUILT_IN["x"].scopes
    assert reloaded.get("x").client_id == "new-id"
    assert "client_secret" not in path.read_text(encoding="utf-8")


def test_save_refuses_bad_values_and_secrets_without_writing(tmp_path: Path) -> None:
    path = write(tmp_path, '[providers.x]\nclient_id = "keep"\n')
    before = path.read_bytes()
    with pytest.raises(ValidationError) as info:
        save_provider_settings(tmp_path, "x", redirect_uri="http://evil.example/cb")
    assert "loopback" in str(info.value)
    with pytest.raises(ValidationError):
        save_provider_settings(tmp_path, "x", client_secret="s3cr3t-value")
    with pytest.raises(ValidationError):
        save_provider_settings(tmp_path, "nowhere", client_id="1")
    assert path.read_bytes() == before


def test_check_command_reports_a_broken_file_in_one_line_per_problem(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(demo_dir, '[providers.x]\nredirect_uri = "http://example.com/cb"\n')
    assert main(["--data-dir", str(demo_dir), "check"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "providers.x.redirect_uri: must be a loopback URL such as http://127.0.0.1:8710/callback, or the "
        "https URL registered for an embedded sign-in"
    ]


def test_providers_list_has_one_row_per_app_in_platform_order(
    workspace: object, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = str(workspace.data_dir)  # type: ignore[attr-defined]
    write(workspace.data_dir, '[providers.x]\nclient_id = "x-app"\n')  # type: ignore[attr-defined]
    assert main(["--data-dir", data_dir, "providers", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    signs_in = [k for k, p in PLATFORMS.items() if p.signs_in]
    assert [(r["platform"], r["kind"]) for r in rows] == [(k, None) for k in signs_in] + [
        ("linkedin", "organization_page")
    ]
    by = {(r["platform"], r["kind"]): r for r in rows}
    assert set(rows[0]) == {
        "platform",
        "kind",
        "client_id_set",
        "client_secret_set",
        "redirect_uri",
        "redirect_mode",
        "secret_required",
        "browser",
        "docs_url",
        "notes",
    }
    x = by[("x", None)]
    assert x["client_id_set"] is True and x["client_secret_set"] is False and x["secret_required"] is False
    assert (x["redirect_uri"], x["redirect_mode"]) == ("http://127.0.0.1:8710/callback", "fixed_loopback")
    fb = by[("facebook", None)]
    assert fb["redirect_mode"] == "https_intercept" and fb["secret_required"] and fb["browser"] == "embedded"
    assert by[("youtube", None)]["redirect_mode"] == "any_loopback"
    assert "Community Management API" in by[("linkedin", "organization_page")]["notes"]
    assert "allow-list" in by[("snapchat", None)]["notes"]
    assert main(["--data-dir", data_dir, "providers", "list"]) == 0
    assert "8710" in capsys.readouterr().out


def test_set_and_clear_secret_per_app_through_standard_input(
    workspace: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from socialdesk.services.tokens import TokenStore

    data_dir = str(workspace.data_dir)  # type: ignore[attr-defined]
    store = TokenStore(workspace.workspace_id)  # type: ignore[attr-defined]
    monkeypatch.setattr("sys.stdin", io.StringIO("org-app-secret-value\n"))
    args = ["--data-dir", data_dir, "providers", "set-secret", "linkedin", "--kind", "organization_page"]
    assert main(args) == 0
    assert store.client_secret("linkedin:organization_page") == "org-app-secret-value"  # newline stripped
    assert store.client_secret("linkedin") is None
    toml = workspace.data_dir / "providers.toml"  # type: ignore[attr-defined]
    assert not toml.exists() or "org-app-secret-value" not in toml.read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["--data-dir", data_dir, "providers", "set-secret", "x"]) == 1
    assert store.client_secret("x") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("s"))
    assert main(["--data-dir", data_dir, "providers", "set-secret", "myspace"]) == 2
    assert main(["--data-dir", data_dir, "providers", "set-secret", "live_chat"]) == 2
    assert main(["--data-dir", data_dir, "providers", "set-secret", "x", "--kind", "page"]) == 2
    capsys.readouterr()
    assert (
        main(["--data-dir", data_dir, "providers", "clear-secret", "linkedin", "--kind", "organization_page"])
        == 0
    )
    assert store.client_secret("linkedin:organization_page") is None
    assert main(["--data-dir", data_dir, "providers", "clear-secret", "x"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_a_port_left_in_time_wait_by_the_last_sign_in_is_free_but_a_listening_one_is_not() -> None:
    """The busy-port check binds as the loopback listener does (SO_REUSEADDR): after a system-browser
    sign-in its port stays in TIME_WAIT for a minute, and a bare bind called it "in use by another
    program", so "Retry failed" or the next platform's sign-in within that minute was refused."""
    import socket

    from socialdesk.services.providers import port_is_free

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    server.listen(1)
    assert not port_is_free("127.0.0.1", port)  # a listener: really busy
    client = socket.create_connection(("127.0.0.1", port))
    answer, _ = server.accept()
    answer.close()  # the listener's side closes first, as the app's does: TIME_WAIT on its port
    server.close()
    client.close()
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(OSError):  # what the old check did: refused while the connection waits
        probe.bind(("127.0.0.1", port))
    probe.close()
    assert port_is_free("127.0.0.1", port)
