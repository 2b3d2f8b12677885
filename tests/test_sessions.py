"""Stored login sessions: importers, restriction to the platform's domains, file modes, the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import Cli
from vestige.archiver.browser_state import (
    MAX_FILE_BYTES,
    BrowserState,
    parse_cookies_txt,
    parse_storage_state,
    to_cookies_txt,
)
from vestige.archiver.redaction import (
    CREDENTIAL_HEADERS,
    MARKER,
    Redaction,
    redact_body,
    redact_fields,
    redact_query,
    redact_url_password,
)
from vestige.archiver.session_store import SessionStore
from vestige.archiver.sessions import StoredSession, echoed_cookies, scope_for, session_for
from vestige.errors import InputError

ASSETS = Path(__file__).resolve().parent / "assets" / "sessions"
COOKIES = ASSETS / "telegram-cookies.txt"
STATE = ASSETS / "telegram-storage-state.json"
SSID = "5f0c7a2e9b1d4c3a8e6f1b2d7c9a0e3f"  # the stel_ssid value in both good files
NOW = 1_700_000_000.0


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- importers --------------------------------------------------------------------------------------------
def test_cookies_txt_is_read_as_browsers_and_yt_dlp_write_it() -> None:
    state = parse_cookies_txt(COOKIES.read_bytes())
    by_name = {c.name: c for c in state.cookies}
    assert len(state.cookies) == 8
    assert by_name["stel_ssid"].domain == ".t.me" and by_name["stel_ssid"].secure
    assert by_name["stel_ssid"].value == SSID and not by_name["stel_ssid"].http_only
    token = by_name["stel_token"]
    assert token.http_only and token.domain == "t.me" and token.expires == -1  # host-only session cookie
    assert by_name["stel_empty"].value == ""
    assert by_name["LOGIN_INFO"].http_only and by_name["LOGIN_INFO"].domain == ".youtube.com"
    assert SSID not in repr(state)  # values stay out of reprs (tracebacks, logs)


def test_cookies_txt_written_for_yt_dlp_reads_back_the_same_cookies() -> None:
    from http.cookiejar import MozillaCookieJar
    from tempfile import NamedTemporaryFile

    state = parse_storage_state(STATE.read_bytes())  # SameSite known: cookies.txt cannot say it
    written = to_cookies_txt(state)
    again = parse_cookies_txt(written)
    # cookies.txt has whole seconds (the fixture has an expiry of ...800.5) and no SameSite.
    expected = [
        dataclasses.replace(c, same_site=None, expires=c.expires if c.expires < 0 else float(int(c.expires)))
        for c in state.cookies
    ]
    assert expected == list(again.cookies)
    assert to_cookies_txt(parse_cookies_txt(COOKIES.read_bytes())) == to_cookies_txt(
        parse_cookies_txt(to_cookies_txt(parse_cookies_txt(COOKIES.read_bytes())))
    )
    # Python's own reader (yt-dlp's jar is one) takes it: the values and HttpOnly cookies included.
    with NamedTemporaryFile() as f:
        f.write(to_cookies_txt(parse_cookies_txt(COOKIES.read_bytes())))
        f.flush()
        jar = MozillaCookieJar(f.name)
        jar.load(ignore_discard=True, ignore_expires=True)
    assert {c.name: c.value for c in jar}["stel_ssid"] == SSID
    assert {c.name for c in jar} >= {"stel_token", "LOGIN_INFO", "stel_empty"}


def test_a_whole_browser_export_is_cut_down_to_the_platform() -> None:
    scope = scope_for("telegram")
    kept, dropped = parse_cookies_txt(COOKIES.read_bytes()).restricted(scope.domains, NOW)
    assert sorted(c.name for c in kept.cookies) == ["stel_empty", "stel_ssid", "stel_token", "stel_web_auth"]
    assert dropped == 4  # google.com, youtube.com, news.example.org, and the expired t.me cookie


def test_a_storage_state_keeps_the_platforms_cookies_and_localstorage_and_round_trips() -> None:
    state = parse_storage_state(STATE.read_bytes())
    kept, dropped = state.restricted(scope_for("telegram").domains, NOW)
    assert [c.name for c in kept.cookies] == ["stel_ssid", "stel_token"]
    assert [o.origin for o in kept.origins] == ["https://web.telegram.org"]
    assert dropped == 2
    again = BrowserState.from_playwright(json.loads(json.dumps(kept.to_playwright())))
    assert again == kept
    assert kept.cookies[0].same_site == "Lax" and kept.cookies[1].same_site == "None"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cookies-five-fields.txt", "line 2: 5 tab-separated fields"),
        ("cookies-bad-flag.txt", "line 1: the include-subdomains field is not TRUE or FALSE"),
        ("cookies-bad-expiry.txt", "line 1: the expiry is not a Unix time"),
        ("cookies-bad-domain.txt", "line 1: the domain is not a host name"),
        ("cookies-control-character.txt", "line 1: the value of cookie 'stel_ssid'"),
        ("cookies-not-utf8.txt", "line 2: not UTF-8 text"),
        ("cookies-only-comments.txt", "no cookies in this cookies.txt file"),
        ("telegram-storage-state.json", "this is JSON, not a cookies.txt file"),
    ],
)
def test_a_bad_cookies_txt_is_one_clear_error(name: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_cookies_txt((ASSETS / name).read_bytes())
    assert message in err.value.message
    assert "s3cr3t" not in err.value.diagnostics() and "\x1b" not in err.value.diagnostics()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("state-list-of-cookies.json", "not a Playwright storage state"),
        ("state-cookie-without-value.json", "cookies[0]: 'value' is missing or not a string"),
        ("state-bad-samesite.json", "cookies[0]: 'sameSite' is not Strict, Lax or None"),
        ("state-infinite-expiry.json", "cookies[0]: 'expires' is not a number"),
        ("state-origin-with-path.json", "origins[0]: the origin is not scheme://host[:port]"),
        ("state-lone-surrogate.json", "origins[0].localStorage[0] holds text that is not valid Unicode"),
        ("state-truncated.json", "line 1: Unterminated string"),
        ("telegram-cookies.txt", "line 1: Expecting value: not a storage-state JSON file"),
    ],
)
def test_a_bad_storage_state_is_one_clear_error(name: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_storage_state((ASSETS / name).read_bytes())
    assert message in err.value.message


def _one_cookie(**fields: object) -> bytes:
    cookie = {"name": "a", "value": "b", "domain": ".t.me", "path": "/", "secure": True, **fields}
    return json.dumps({"cookies": [cookie]}).encode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "__Host-sid", "domain": ".t.me"}, "a __Host- cookie: it must be for its host only"),
        ({"name": "__Host-sid", "domain": "t.me", "path": "/a"}, "a __Host- cookie"),
        ({"name": "__Secure-sid", "secure": False}, "must be secure"),
        ({"sameSite": "None", "secure": False}, "must be secure"),
        ({"value": "x" * 4096}, "longer than 4096 bytes"),
        ({"name": "a=b"}, "a cookie name is empty or has characters a cookie cannot have"),
        ({"value": "a;b"}, "has characters a cookie cannot have"),
        ({"domain": ".t.me\nHost: evil"}, "the domain is not a host name"),
        ({"expires": -5}, "'expires' is negative"),
    ],
)
def test_cookies_chromium_would_refuse_are_refused_at_import(fields: dict[str, object], message: str) -> None:
    # Chromium refuses a whole storage state for one such cookie, which would stop every capture using it.
    with pytest.raises(InputError, match="cookies\\[0\\]") as err:
        parse_storage_state(_one_cookie(**fields))
    assert message in err.value.message


def test_an_expiry_beyond_chromiums_is_brought_within_it() -> None:
    [cookie] = parse_storage_state(_one_cookie(expires=9_999_999_999_999_999)).cookies
    assert cookie.expires == 253402300799.0  # 9999-12-31T23:59:59Z; Chromium keeps 400 days at most anyway


def test_huge_long_and_deep_files_are_refused_without_hanging() -> None:
    line = "\t".join([".t.me", "TRUE", "/", "TRUE", "0", "a", "b"]) + "\n"
    with pytest.raises(InputError, match="larger than 16 MiB"):
        parse_cookies_txt(line.encode() * (MAX_FILE_BYTES // len(line) + 1))
    with pytest.raises(InputError, match="more than 200000 lines"):
        parse_cookies_txt(b"\n" * 200_001)
    with pytest.raises(InputError, match="nested too deeply"):
        parse_storage_state(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(InputError, match="not a Playwright storage state"):
        parse_storage_state(b'{"cookies": {"name": "a"}}')


# -- platforms, labels, choosing a session --------------------------------------------------------------
def test_platform_scopes_come_from_the_profiles() -> None:
    assert scope_for("Telegram").domains == ("t.me", "telegram.org")
    with pytest.raises(InputError, match="unknown platform 'generic'"):
        scope_for("generic")
    with pytest.raises(InputError, match="unknown platform 'myspace'"):
        scope_for("myspace")
    with pytest.raises(InputError, match="--host is for Mastodon"):
        scope_for("telegram", "evil.example.org")


def _session(
    platform: str = "telegram", domains: tuple[str, ...] = ("t.me", "telegram.org")
) -> StoredSession:
    state, _ = parse_storage_state(STATE.read_bytes()).restricted(domains, NOW)
    return StoredSession(
        platform, "osint-tg-1", domains, "storage-state", "2024-05-01T10:00:00.000000Z", state
    )


def test_a_url_gets_the_session_whose_domains_include_its_host() -> None:
    tg = _session()
    assert session_for("https://t.me/s/channel_example", [tg], "generic") is tg
    assert session_for("https://web.telegram.org/a/", [tg], "telegram") is tg
    assert session_for("https://t.me.example.org/s/x", [tg], "telegram") is None  # not a subdomain
    assert session_for("https://example.org/", [tg], "generic") is None


def test_the_provenance_names_the_account_and_what_was_redacted_never_a_value() -> None:
    tg = _session()
    redaction = Redaction(
        tg.secret_values(),
        Counter({"cookie": 3, "set-cookie": 1}),
        Counter({"fb_dtsg": 2}),
        Counter({"cookie stel_ssid": 1}),
    )
    prov = tg.provenance(redaction, ["stel_ssid"])
    assert prov["account_label"] == "osint-tg-1" and prov["platform"] == "telegram"
    assert prov["redacted_headers"] == {"cookie": 3, "set-cookie": 1}
    assert prov["redacted_body_fields"] == {"fb_dtsg": 2}
    assert prov["redacted_url_fields"] == {"cookie stel_ssid": 1}
    assert prov["cookie_values_shown_by_the_page"] == ["stel_ssid"]
    text = json.dumps([prov, tg.summary(), tg.capture_option()])
    assert SSID not in text and "c0ffee0fixture" not in text


def test_cookie_values_a_page_prints_are_named() -> None:
    tg = _session()
    assert echoed_cookies(tg, ["<p>nothing here</p>", f'<script>var csrf = "{SSID}";</script>']) == [
        "stel_ssid"
    ]
    assert echoed_cookies(tg, ["<p>nothing here</p>"]) == []


# -- redaction --------------------------------------------------------------------------------------------
def test_credential_headers_keep_their_names_and_order_and_lose_their_values() -> None:
    fields = [
        (b"Host", b"t.me"),
        (b"Cookie", b"stel_ssid=" + SSID.encode()),
        (b"authorization", b"Bearer abc.def"),
        (b"X-Csrf-Token", b"0123456789"),
        (b"cookie", b"second=crumb"),  # HTTP/2 may split cookies into several fields
        (b"Accept", b"*/*"),
    ]
    counts: Counter[str] = Counter()
    out = redact_fields(fields, CREDENTIAL_HEADERS, counts)
    assert [k for k, _ in out] == [k for k, _ in fields]
    assert [v for _, v in out] == [b"t.me", MARKER, MARKER, MARKER, MARKER, b"*/*"]
    assert counts == {"cookie": 2, "authorization": 1, "x-csrf-token": 1}
    assert redact_fields(fields, frozenset()) == fields


def test_url_tokens_and_copies_of_session_cookies_are_redacted_in_urls_headers_and_bodies() -> None:
    marker = "%5Bredacted+by+Vestige%5D"
    counts: Counter[str] = Counter()
    url = "https://api.vk.com/method/wall.getById?posts=-1_2&Access_Token=vk1.a.x%2By&v=5.199#access_token=f"
    assert redact_query(url, counts) == (
        f"https://api.vk.com/method/wall.getById?posts=-1_2&Access_Token={marker}&v=5.199#access_token=f"
    )  # the fragment is never sent: as it was
    assert redact_query("/ajax/x?__a=1&fb_dtsg_ag=AQz&fb_dtsg_agx=1&lsd", counts) == (
        f"/ajax/x?__a=1&fb_dtsg_ag={marker}&fb_dtsg_agx=1&lsd"
    )
    assert counts == {"access_token": 1, "fb_dtsg_ag": 1}
    for same in ("https://t.me/s/channel", "https://t.me/?", "/a?access_token", "/a?q=access_token%3Dx"):
        assert redact_query(same) == same

    secrets = _session().secret_values()
    assert set(secrets.values()) == {"stel_ssid", "stel_token"}  # short values ("uk") are not secrets
    redaction = Redaction(secrets)
    assert redaction.url(f"https://www.tiktok.com/api/list?msToken={SSID}&count=20") == (
        f"https://www.tiktok.com/api/list?msToken={marker}&count=20"
    )
    fields = [
        (b"Referer", f"https://t.me/a?x={SSID[:8]}%2F{SSID[8:]}&oauth_token=t".encode()),
        (b"Location", f"https://t.me/b?s={SSID}".encode()),
        (b"Cookie", f"stel_ssid={SSID}".encode()),
        (b"X-Trace", SSID.encode()),  # not a URL header nor a credential one: as it was
    ]
    assert redaction.fields(fields) == [
        (b"Referer", f"https://t.me/a?x={SSID[:8]}%2F{SSID[8:]}&oauth_token={marker}".encode()),
        (b"Location", f"https://t.me/b?s={marker}".encode()),
        (b"Cookie", MARKER),
        (b"X-Trace", SSID.encode()),
    ]
    body = f'{{"q": "a", "t": "{SSID}", "access_token": "z"}}'.encode()
    assert redaction.body(body, "application/json") == (
        f'{{"q": "a", "t": "{marker}", "access_token": "{MARKER.decode()}"}}'.encode()
    )
    assert redaction.headers == {"cookie": 1}
    assert redaction.url_fields == {"cookie stel_ssid": 2, "oauth_token": 1}
    assert redaction.body_fields == {"access_token": 1, "cookie stel_ssid": 1}
    # Nothing is counted for what is redacted only to compare (``count=False``).
    assert Redaction(secrets).url(f"/x?s={SSID}", count=False) == f"/x?s={marker}"


def test_a_proxy_password_is_not_recorded() -> None:
    assert redact_url_password("socks5h://anna:hunter2@127.0.0.1:9050") == (
        "socks5h://anna:[redacted by Vestige]@127.0.0.1:9050"
    )
    assert redact_url_password("http://127.0.0.1:8080") == "http://127.0.0.1:8080"


# -- the store ----------------------------------------------------------------------------------------------
def test_a_session_is_stored_0600_in_a_0700_directory_whatever_the_umask(
    tmp_path: Path, umask_zero: None
) -> None:
    store = SessionStore(tmp_path)
    path = store.save(_session())
    assert _mode(path) == 0o600 and _mode(store.directory) == 0o700
    assert [p.name for p in store.directory.iterdir()] == ["telegram.json"]  # no temp file left
    assert store.load("telegram") == _session()
    assert store.all() == [_session()]


def test_an_exposed_linked_or_damaged_session_file_is_refused(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    path = store.save(_session())
    os.chmod(path, 0o644)
    with pytest.raises(Exception, match="readable by other users") as err:
        store.load("telegram")
    assert err.value.hint == f"run: chmod 600 {path}"  # type: ignore[attr-defined]
    os.chmod(path, 0o600)
    os.chmod(store.directory, 0o755)
    with pytest.raises(Exception, match="can be read by other users"):
        store.all()
    os.chmod(store.directory, 0o700)
    path.write_text('{"format": "vestige-session/1", "platform": "telegram"}')
    with pytest.raises(Exception, match="is damaged"):
        store.load("telegram")
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(Exception, match="is a symbolic link"):
        store.load("telegram")


# -- the CLI ------------------------------------------------------------------------------------------------
@pytest.fixture
def cli(vestige: Cli) -> Cli:
    assert vestige("init", "--operator", "OSINT Analyst").exit_code == 0
    return vestige


def test_add_list_and_remove_through_the_cli(cli: Cli, archive_root: Path) -> None:
    res = cli("session", "add", "telegram", "--label", "osint-tg-1", "--cookies", str(COOKIES), "--json")
    assert res.exit_code == 0, res.stderr
    added = res.json()
    assert added["cookies"] == 4 and added["left_out"] == 4 and added["replaced"] is None
    path = archive_root / "sessions" / "telegram.json"
    assert Path(added["path"]) == path and _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert SSID in path.read_text()  # the secret is where it belongs, and only there

    listed = cli("session", "list", "--json")
    assert listed.exit_code == 0 and SSID not in listed.stdout
    [row] = listed.json()
    assert row["platform"] == "telegram" and row["label"] == "osint-tg-1" and row["cookies"] == 4
    assert row["domains"] == ["t.me", "telegram.org"] and row["created"].endswith("Z")
    table = cli("session", "list").stdout
    assert "telegram" in table and "osint-tg-1" in table and SSID not in table

    again = cli(
        "session", "add", "telegram", "--label", "osint-tg-2", "--storage-state", str(STATE), "--json"
    )
    assert again.exit_code == 0 and again.json()["replaced"]["label"] == "osint-tg-1"
    assert again.json()["local_storage_origins"] == ["https://web.telegram.org"]

    gone = cli("session", "remove", "telegram")
    assert gone.exit_code == 0 and "osint-tg-2" in gone.stdout and not path.exists()
    missing = cli("session", "remove", "telegram")
    assert missing.exit_code == 2 and "no stored session for 'telegram'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["telegram", "--label", "a"], "give exactly one of --cookies FILE, --storage-state FILE or --login"),
        (["telegram", "--label", "a", "--cookies", str(COOKIES), "--login"], "give exactly one of"),
        (["myspace", "--label", "a", "--cookies", str(COOKIES)], "unknown platform 'myspace'"),
        (["telegram", "--label", "a\x1b[31m", "--cookies", str(COOKIES)], "--label must be 1-100 printable"),
        (["telegram", "--label", "a", "--storage-state", str(ASSETS / "state-truncated.json")], "line 1"),
        (["telegram", "--label", "a", "--cookies", str(ASSETS / "cookies-five-fields.txt")], "line 2"),
        (["telegram", "--label", "a", "--cookies", str(COOKIES), "--proxy", "http://p:1"], "are for --login"),
    ],
)
def test_bad_input_to_session_add_is_exit_2_with_one_line(cli: Cli, args: list[str], message: str) -> None:
    res = cli("session", "add", *args)
    assert res.exit_code == 2 and message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_nothing_for_the_platform_is_an_error(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("\t".join([".news.example.org", "TRUE", "/", "TRUE", "4102444800", "sid", "x"]) + "\n")
    res = cli("session", "add", "telegram", "--label", "a", "--cookies", str(other))
    assert res.exit_code == 2 and "nothing for t.me, telegram.org" in res.stderr


def test_an_exposed_session_stops_list_with_exit_3(cli: Cli, archive_root: Path) -> None:
    assert cli("session", "add", "telegram", "--label", "a", "--cookies", str(COOKIES)).exit_code == 0
    os.chmod(archive_root / "sessions" / "telegram.json", 0o644)
    res = cli("session", "list")
    assert res.exit_code == 3 and "readable by other users" in res.stderr and "chmod 600" in res.stderr


def test_login_without_a_display_says_so(cli: Cli) -> None:
    res = cli(
        "session", "add", "telegram", "--label", "a", "--login", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    )
    assert res.exit_code == 3 and "no display for the login window" in res.stderr


def test_capture_session_without_a_stored_session_stops_before_capturing(cli: Cli) -> None:
    res = cli("capture", "https://t.me/s/channel_example", "--session", "--create-case", "--case", "TG")
    assert (
        res.exit_code == 2
        and "--session: no stored session covers https://t.me/s/channel_example" in res.stderr
    )
    assert cli("list", "--json").json() == []


def test_request_body_credentials_are_redacted_and_nothing_else_changes() -> None:
    counts: Counter[str] = Counter()
    form = b"av=1000&__user=1&fb_dtsg=NAft%3A12%3A1700&jazoest=25411&lsd=AVqX&Access_Token=vk1.a.x&q=%D0%B4"
    out = redact_body(form, "application/x-www-form-urlencoded; charset=UTF-8", counts)
    marker = b"%5Bredacted+by+Vestige%5D"
    assert out == (
        b"av=1000&__user=1&fb_dtsg=" + marker + b"&jazoest=" + marker + b"&lsd=" + marker
        + b"&Access_Token=" + marker + b"&q=%D0%B4"
    )  # fmt: skip
    doc = b'{"variables": {"id": "118", "access_token": "vk1.a.\\"quoted\\""}, "fb_dtsg":"x", "n": ["lsd"]}'
    out = redact_body(doc, "application/json", counts)
    assert out == (
        b'{"variables": {"id": "118", "access_token": "' + MARKER + b'"}, "fb_dtsg":"' + MARKER
        + b'", "n": ["lsd"]}'
    )  # fmt: skip
    assert json.loads(out)["variables"]["id"] == "118"  # still JSON
    assert counts == {"access_token": 2, "fb_dtsg": 2, "jazoest": 1, "lsd": 1}
    # Other bodies, and fields merely containing a name, stay as they were.
    for body, media_type in (
        (b"fb_dtsg=1", "text/plain"),
        (b"not_fb_dtsg=1&fb_dtsgx=2&fb_dtsg", "application/x-www-form-urlencoded"),
        (b'{"my_access_token": "v"}', "application/json"),
    ):
        assert redact_body(body, media_type) == body
