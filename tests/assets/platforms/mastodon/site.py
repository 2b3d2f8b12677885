"""The Mastodon look-alike sites: what each host answers, for the capture tests and for render_dom.py.

Two instances: mastodon.social (its media on files.mastodon.social) and social.example.org, whose name says
nothing about Mastodon (media under /system). Each serves its server pages (server/), the web UI stand-in
(app.js) and the REST API answers from api/ (written by make_api.py); every image and video the answers name
is served (the video is the test clip)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).parent
STATUS = "/@povernennia/112100200300400500"
DELETED = "/@povernennia/109999999999999999"
RATE_LIMITED = "/@povernennia/112100200300400999"
LOGIN_WALL = "/@povernennia/112100200300400777"  # on social.example.org: anonymous access not allowed
ACCOUNT = "/@olena"  # on social.example.org: recognised from the page, not the URL
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"

Answer = Any  # tests.support.platforms.Answer: a route tuple, or a function of the request


def api(name: str) -> bytes:
    return (HERE / "api" / name).read_bytes()


def page(name: str, status: int = 200) -> tuple[int, str, bytes]:
    return status, HTML, (HERE / "server" / name).read_bytes()


def _urls(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("https://"):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _urls(v)
    elif isinstance(value, list):
        for v in value:
            yield from _urls(v)


def _lookup(request: Any) -> tuple[int, str, bytes]:
    acct = parse_qs(urlsplit(request.path).query).get("acct", [""])[0]
    if acct == "olena":
        return 200, JSON, api("account-olena.json")
    return 404, JSON, b'{"error":"Record not found"}'


def routes(jpeg: bytes, clip: bytes) -> dict[tuple[str, str], Answer]:
    app = (200, "text/javascript", (HERE / "app.js").read_bytes())
    css = (200, "text/css", (HERE / "app.css").read_bytes())
    out: dict[tuple[str, str], Answer] = {
        ("mastodon.social", STATUS): page("status.html"),
        ("mastodon.social", DELETED): page("error-404.html", 404),
        ("mastodon.social", RATE_LIMITED): page("error-429.html", 429),
        ("mastodon.social", "/api/v1/statuses/112100200300400500"): (200, JSON, api("status.json")),
        ("mastodon.social", "/api/v1/statuses/112100200300400500/context"): (200, JSON, api("context.json")),
        ("social.example.org", ACCOUNT): page("account-olena.html"),
        ("social.example.org", "/api/v1/accounts/lookup"): _lookup,
        ("social.example.org", "/api/v1/accounts/110000000000000002/statuses"): (
            200,
            JSON,
            api("account-olena-statuses.json"),
        ),
        ("social.example.org", LOGIN_WALL): (302, HTML, b"https://social.example.org/auth/sign_in"),
        ("social.example.org", "/auth/sign_in"): page("sign-in.html"),
    }
    for host in ("mastodon.social", "social.example.org"):
        out[(host, "/packs/js/application.js")] = app
        out[(host, "/packs/css/common.css")] = css
    for name in ("status.json", "context.json", "account-olena.json", "account-olena-statuses.json"):
        for url in _urls(json.loads(api(name))):
            parts = urlsplit(url)
            if url.endswith(".mp4"):  # the test clip (WebM bytes), where Mastodon serves its MP4
                out[(parts.hostname or "", parts.path)] = (200, "video/mp4", clip)
            elif url.endswith(".jpg"):
                out[(parts.hostname or "", parts.path)] = (200, "image/jpeg", jpeg)
    return out


def jpeg_bytes(color: tuple[int, int, int] = (120, 60, 40)) -> bytes:
    """A small real JPEG."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (48, 32), color).save(out, "JPEG", quality=80)
    return out.getvalue()


# Saved DOMs render_dom.py writes (URL, file, replies to load, profile whose prepare runs first; "none":
# as the page renders by itself): the unit tests' fixtures.
RENDERED = [
    (f"https://mastodon.social{STATUS}", "status.html", 100, "mastodon"),
    (f"https://mastodon.social{STATUS}", "status-initial.html", 0, "none"),
    (f"https://social.example.org{ACCOUNT}", "account.html", 0, "generic"),
    (f"https://mastodon.social{DELETED}", "not-found.html", 0, "mastodon"),
    (f"https://mastodon.social{RATE_LIMITED}", "rate-limited.html", 0, "mastodon"),
    (f"https://social.example.org{LOGIN_WALL}", "login-wall.html", 0, "mastodon"),
]
