"""Logged-in captures through the CLI: a look-alike closed channel under t.me that shows its post only to a
session cookie, calls its API with a bearer token from localStorage and refreshes the cookie. The
session's secrets must reach the platform and never the evidence: not the WARC, not an exported bundle.

The page is a tiny one written here (read by the generic profile), not a Telegram fixture: only the
session mechanics are under test.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import os
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import VESTIGE, Cli
from tests.exports.conftest import verify_py
from tests.support.platforms import (
    HOSTS,
    LookAlike,
    Request,
    artifact_json,
    artifact_path,
    platform_capture,
    serve,
)
from vestige.archiver.browser import find_chromium, launch_args
from vestige.archiver.browser_state import BrowserState, parse_cookies_txt, parse_storage_state
from vestige.archiver.redaction import MARKER

pytestmark = pytest.mark.slow
HTML = "text/html; charset=utf-8"
CHANNEL = "/s/zakrytyi_kanal_example"
SSID = "b7e1c0d2a9f84e6b9c3d5a7f1e2b4c6d"  # the session cookie
REFRESHED = "9d8c7b6a5f4e3d2c1b0a99887766554f"  # the platform's refreshed session cookie
BEARER = "eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi1iZWFyZXItZml4dHVyZQ.c2lnbmF0dXJlLWZpeHR1cmU"  # from localStorage
CSRF = "csrf-4f1d2c3b5a69788796a5b4c3d2e1f0a9"  # a cookie the page's script sends as X-Csrf-Token
ECHO = "uk-UA-interface-2024"  # a cookie value the page prints (out of Vestige's hands)
SECRETS = {"cookie": SSID, "refreshed cookie": REFRESHED, "bearer token": BEARER, "csrf token": CSRF}
LOGIN_SECRET = "login-window-token-3e5a7c9b1d2f4e6a"
COOKIES_TXT = Path(__file__).resolve().parents[1] / "assets" / "sessions" / "telegram-cookies.txt"

POST = f"""<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8">
<title>Закритий канал: список дітей, вивезених з Херсона</title>
<meta property="og:title" content="Закритий канал (приклад)">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "SocialMediaPosting",
 "headline": "Список дітей, вивезених з Херсона", "datePublished": "2023-11-02T08:15:00Z",
 "author": {{"@type": "Person", "name": "Закритий канал (приклад)"}},
 "articleBody": "Оновлений список дітей, яких вивезли з Херсонської області до таборів відпочинку."}}
</script></head><body>
<article><h1>Список дітей, вивезених з Херсона</h1>
<p>Оновлений список дітей, яких вивезли з Херсонської області до таборів відпочинку.</p>
<p class="lang">Мова інтерфейсу: {ECHO}</p>
<section id="comments">коментарі завантажуються…</section></article>
<script>
const csrf = (document.cookie.match(/stel_csrf=([^;]+)/) || [])[1];
fetch("/api/comments?post=118", {{headers: {{"Authorization": "Bearer " + localStorage.getItem("tg_bearer"),
  "X-Csrf-Token": csrf}}}}).then(r => r.json()).then(j => {{
  document.getElementById("comments").textContent = j.comments.join(" | "); }});
fetch("/api/views", {{method: "POST", body: new URLSearchParams({{post: "118",
  access_token: localStorage.getItem("tg_bearer")}})}});
fetch("/api/reactions?post=118&access_token=" + encodeURIComponent(localStorage.getItem("tg_bearer"))
  + "&check=" + csrf);
</script></body></html>""".encode()

LOGIN_WALL = """<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8"><title>Telegram: увійдіть</title>
</head><body><div class="login"><h1>Щоб побачити цей канал, увійдіть у Telegram</h1>
<form action="/login" method="post"><input name="phone" placeholder="Номер телефону">
<button>Далі</button></form>
</div></body></html>""".encode()

LOGIN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Telegram Web</title></head><body>
<p>Вхід виконано.</p><script>
localStorage.setItem("user_auth", JSON.stringify({"dcID": 2, "id": 777000111}));
fetch("/a/ready");
</script></body></html>""".encode()


def _cookies(request: Request) -> dict[str, str]:
    pairs = [p.strip().split("=", 1) for p in request.headers.get("cookie", "").split(";") if "=" in p]
    return {k: v for k, v in pairs}


def _channel(request: Request) -> Any:
    if _cookies(request).get("stel_ssid") in (SSID, REFRESHED):
        refresh = [("Set-Cookie", f"stel_ssid={REFRESHED}; Path=/; Secure; HttpOnly; SameSite=Lax")]
        return 200, HTML, POST, refresh
    return 200, HTML, LOGIN_WALL


def _comments(request: Request) -> Any:
    ok = (
        request.headers.get("authorization") == f"Bearer {BEARER}"
        and request.headers.get("x-csrf-token") == CSRF
        and _cookies(request).get("stel_ssid") in (SSID, REFRESHED)
    )
    if not ok:
        return 401, "application/json", b'{"error": "unauthorized"}'
    body = {"comments": ["Мій син Андрій теж у цьому списку", "Ми шукаємо Олену, 9 років"]}
    return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()


def _reactions(request: Request) -> Any:
    """An API the page's script passes the account's token to in the URL's query, with a copy of the CSRF
    cookie (as TikTok's scripts copy its msToken cookie into every API URL)."""
    if f"access_token={BEARER}" in request.path and f"check={CSRF}" in request.path:
        return 200, "application/json", b'{"reactions": 31}'
    return 401, "application/json", b'{"error": "unauthorized"}'


def _views(request: Request) -> Any:
    """A view counter the page posts the account's token to, in a form body (as VK's client posts its
    access_token to its API)."""
    if request.method == "POST" and f"access_token={BEARER}".encode() in request.body:
        return 200, "application/json", b'{"views": 1204}'
    return 401, "application/json", b'{"error": "unauthorized"}'


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    routes: dict[tuple[str, str], Any] = {
        ("t.me", CHANNEL): _channel,
        ("t.me", "/api/comments"): _comments,
        ("t.me", "/api/views"): _views,
        ("t.me", "/api/reactions"): _reactions,
        (
            "web.telegram.org",
            "/a/",
        ): (
            200,
            HTML,
            LOGIN_PAGE,
            [("Set-Cookie", f"stel_web_auth={LOGIN_SECRET}; Path=/; Secure; HttpOnly")],
        ),
        ("web.telegram.org", "/a/ready"): (200, "text/plain", b"ok"),
    }
    with serve(routes, tmp_path_factory.mktemp("pki"), (*HOSTS, "web.telegram.org")) as look_alike:
        yield look_alike


def _storage_state(path: Path) -> Path:
    far = 4102444800
    cookie = {"path": "/", "expires": far, "secure": True, "sameSite": "Lax"}
    state = {
        "cookies": [
            {"name": "stel_ssid", "value": SSID, "domain": ".t.me", "httpOnly": True, **cookie},
            {"name": "stel_csrf", "value": CSRF, "domain": "t.me", "httpOnly": False, **cookie},
            {"name": "stel_lang_echo", "value": ECHO, "domain": "t.me", "httpOnly": False, **cookie},
            {
                "name": "SID",
                "value": "google-not-for-telegram",
                "domain": ".google.com",
                "httpOnly": True,
                **cookie,
            },
        ],
        "origins": [{"origin": "https://t.me", "localStorage": [{"name": "tg_bearer", "value": BEARER}]}],
    }
    path.write_text(json.dumps(state))
    return path


@pytest.fixture
def capture(vestige: Cli, platform: LookAlike, tmp_path: Path) -> Any:
    captures = platform_capture(vestige, platform, "TGS", "--profile", "generic")
    state = _storage_state(tmp_path / "state.json")
    added = vestige("session", "add", "telegram", "--label", "osint-tg-7", "--storage-state", str(state))
    assert added.exit_code == 0, added.stderr

    def run(*extra: str) -> dict[str, Any]:
        res = captures.result(f"https://t.me{CHANNEL}", *extra)
        assert res.exit_code == 0, res.stdout + res.stderr
        row: dict[str, Any] = res.json()[0]
        return row

    return run


def _records(warc: Path) -> list[Any]:
    with open(warc, "rb") as fp:  # check_digests: the digests are over what was written
        return [(r, r.content_stream().read()) for r in ArchiveIterator(fp, check_digests="raise")]


def _leaks(data: bytes, where: str, secrets: dict[str, str]) -> list[str]:
    """Every secret found in ``data``, looking inside zips (bundles, WACZ, XLSX), gzip members (WARC) and
    PDF text, as someone searching a bundle for a token would."""
    found = [f"{what} in {where}" for what, value in secrets.items() if value.encode() in data]
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                found += _leaks(z.read(name), f"{where}!{name}", secrets)
    elif data[:2] == b"\x1f\x8b":
        found += _leaks(gzip.decompress(data), f"{where} (gunzipped)", secrets)
    elif data[:5] == b"%PDF-":
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
        found += [f"{what} in {where} (text)" for what, value in secrets.items() if value.encode() in text]
    return found


def test_a_logged_in_capture_reaches_the_post_and_keeps_no_credential(
    vestige: Cli,
    capture: Any,
    platform: LookAlike,
    archive_root: Path,
    tmp_path: Path,
) -> None:
    web = platform.web
    seen_before = len(web.seen)
    row = capture("--session")
    assert row["state"] == "complete", row
    asked = web.seen[seen_before:]
    # The platform was asked as the logged-in account: cookie, and the token from localStorage.
    page = next(r for r in asked if r.path == CHANNEL)
    assert _cookies(page)["stel_ssid"] == SSID and "SID" not in _cookies(page)
    api = next(r for r in asked if r.path.startswith("/api/comments"))
    assert api.headers["authorization"] == f"Bearer {BEARER}" and api.headers["x-csrf-token"] == CSRF
    assert "Ми шукаємо Олену" in artifact_path(row, "dom").read_text()  # what only the account sees

    records = _records(artifact_path(row, "warc"))
    requests = [(r, b) for r, b in records if r.rec_type == "request"]
    assert requests and all(r.http_headers.get_header("Cookie") == MARKER.decode() for r, _ in requests)
    [api_rec] = [r for r, _ in requests if "/api/comments" in r.rec_headers.get_header("WARC-Target-URI")]
    assert api_rec.http_headers.get_header("Authorization") == MARKER.decode()
    assert api_rec.http_headers.get_header("X-Csrf-Token") == MARKER.decode()
    # The token the page posted in a form body reached the platform, and the WARC has the marker instead.
    views = next(r for r in asked if r.path == "/api/views")
    assert f"access_token={BEARER}".encode() in views.body
    [views_body] = [
        b for r, b in requests if r.rec_headers.get_header("WARC-Target-URI").endswith("/api/views")
    ]
    assert views_body == b"post=118&access_token=%5Bredacted+by+Vestige%5D"
    # The token and the cookie's copy in a URL's query reached the platform; the WARC has the marker.
    assert any(r.path.startswith("/api/reactions") and BEARER in r.path for r in asked)
    [reactions] = [r for r, _ in requests if "/api/reactions" in r.rec_headers.get_header("WARC-Target-URI")]
    marked = "/api/reactions?post=118&access_token=%5Bredacted+by+Vestige%5D&check=%5Bredacted+by+Vestige%5D"
    assert reactions.rec_headers.get_header("WARC-Target-URI") == f"https://t.me{marked}"
    assert reactions.http_headers.statusline.split(" ")[0] == marked  # the request line
    [page_rec] = [
        r
        for r, _ in records
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI").endswith(CHANNEL)
    ]
    assert page_rec.http_headers.get_header("Set-Cookie") == MARKER.decode()
    names = [k.lower() for k, _ in page_rec.http_headers.headers]
    assert names.index("set-cookie") < names.index("content-type")  # names and order as the server sent them
    warc_bytes = gzip.decompress(artifact_path(row, "warc").read_bytes())
    assert _leaks(warc_bytes, "warc", SECRETS) == []
    assert ECHO.encode() in warc_bytes  # what the page itself printed stays, as the page showed it

    prov = artifact_json(row, "provenance")
    session = prov["session"]
    assert session["account_label"] == "osint-tg-7" and session["platform"] == "telegram"
    assert session["redacted_headers"]["cookie"] >= 2 and session["redacted_headers"]["set-cookie"] >= 1
    assert (
        session["redacted_headers"]["authorization"] == 1 and session["redacted_headers"]["x-csrf-token"] == 1
    )
    assert session["cookie_values_shown_by_the_page"] == ["stel_lang_echo"]
    assert session["redacted_body_fields"] == {"access_token": 1}
    assert session["redacted_url_fields"] == {"access_token": 1, "cookie stel_csrf": 1}
    assert not any(BEARER in e["url"] for e in prov["exchanges"])
    assert prov["options"]["session"]["label"] == "osint-tg-7"
    [info] = [body for r, body in records if r.rec_type == "warcinfo"]
    assert b"osint-tg-7" in info and MARKER in info  # a WARC reader learns the records are redacted
    # The refreshed cookie is not written back: the stored session is what the user gave.
    stored = (archive_root / "sessions" / "telegram.json").read_text()
    assert SSID in stored and REFRESHED not in stored

    # Without --session: the same URL shows the login wall, and nothing was sent.
    seen_before = len(web.seen)
    anon = capture()
    page = next(r for r in web.seen[seen_before:] if r.path == CHANNEL)
    assert "cookie" not in page.headers
    assert "увійдіть у Telegram" in artifact_path(anon, "dom").read_text()
    assert artifact_json(anon, "provenance")["session"] is None

    # The court bundle, as a directory and as a zip: no secret anywhere, and still intact.
    out = tmp_path / "bundle"
    assert vestige("export", "--case", "TGS", "--out", str(out)).exit_code == 0
    leaks = [
        leak
        for f in sorted(out.rglob("*"))
        if f.is_file()
        for leak in _leaks(f.read_bytes(), str(f), SECRETS)
    ]
    assert leaks == []
    assert len(list((out / "WACZ").glob("*.wacz"))) == 2
    check = verify_py(out)
    assert check.returncode == 0 and "RESULT: INTACT" in check.stdout, check.stdout
    zipped = tmp_path / "bundle.zip"
    assert vestige("export", "--case", "TGS", "--out", str(zipped)).exit_code == 0
    assert _leaks(zipped.read_bytes(), "bundle.zip", SECRETS) == []
    # The search reaches into the WARC of each WACZ inside the zip: the value the page printed is found there.
    shown = _leaks(zipped.read_bytes(), "bundle.zip", {"printed value": ECHO})
    assert any(".wacz!archive/" in where for where in shown), shown


def test_an_interactive_login_in_a_real_window_is_saved_when_enter_is_pressed(
    vestige: Cli, platform: LookAlike, archive_root: Path
) -> None:
    web, proxy, pki = platform
    assert vestige("init").exit_code == 0
    args = ["session", "add", "telegram", "--label", "osint-tg-login", "--login", "--proxy", proxy.url]
    cmd = [
        "xvfb-run",
        "-a",
        *VESTIGE,
        "--archive",
        str(archive_root),
        *args,
        "--ca-file",
        str(pki.cert_pem),
        "--json",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        # The "user" logs in: the page sets its cookie and localStorage, then says so with /a/ready.
        for _ in range(1200):
            if ("web.telegram.org", "/a/ready") in web.requests or proc.poll() is not None:
                break
            time.sleep(0.1)
        out, err = proc.communicate(b"\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    added = json.loads(out)
    assert added["source"] == "login" and added["label"] == "osint-tg-login"
    assert "stel_web_auth" in added["cookie_names"]
    assert added["local_storage_origins"] == ["https://web.telegram.org"]
    path = archive_root / "sessions" / "telegram.json"
    assert (path.stat().st_mode & 0o777) == 0o600 and LOGIN_SECRET in path.read_text()
    assert LOGIN_SECRET not in out.decode()


def test_every_cookie_the_importers_accept_is_one_chromium_takes() -> None:
    """The importers' rules against the real browser: Chromium refuses a whole storage state for one cookie
    it does not take, which would stop every capture made with the session."""
    edge = [
        {"name": "__Host-sid", "domain": "t.me", "expires": 9_999_999_999_999_999},
        {"name": "__Secure-uid", "value": "значення з пробілами", "domain": ".t.me"},
        {"name": "q", "value": 'a b,"c"', "domain": "127.0.0.1", "secure": False, "sameSite": "Strict"},
        {"name": "e", "value": "", "domain": ".web.telegram.org", "sameSite": "None"},
        {"name": "n" * 96, "value": "v" * 4000, "domain": "t.me", "path": "/s/channel"},
    ]
    raw = {"cookies": [{"value": "1", "path": "/", "expires": -1, "secure": True, **c} for c in edge]}
    state = parse_storage_state(json.dumps(raw).encode())
    state = BrowserState(state.cookies + parse_cookies_txt(COOKIES_TXT.read_bytes()).cookies)

    async def load() -> list[str]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_chromium(pw), args=launch_args([]))
            try:
                context = await browser.new_context(storage_state=state.to_playwright())
                return sorted(c["name"] for c in (await context.storage_state())["cookies"])
            finally:
                await browser.close()

    expired = {"stel_old_pref"}
    assert asyncio.run(load()) == sorted(c.name for c in state.cookies if c.name not in expired)
