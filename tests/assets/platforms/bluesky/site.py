"""The Bluesky look-alike site: what each host answers, for the capture tests and for render_dom.py.

bsky.app serves the server pages (server/) and the app (app.js); public.api.bsky.app answers the XRPC calls
the app makes, from api/ (written by make_api.py), with the CORS header the real API sends; cdn.bsky.app and
video.bsky.app serve every image and the one video the API answers name (an HLS playlist whose single
segment is ``clip``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).parent
POST = "/profile/povernennia-dity.bsky.social/post/3kxq2vfzbwk2a"
LOGIN_WALL = "/profile/tykha-svidok.bsky.social/post/3kybvd2xs4a2l"
DELETED = "/profile/povernennia-dity.bsky.social/post/3kwdeletedxx2"
PROFILE = "/profile/povernennia-dity.bsky.social"
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
CORS = [("Access-Control-Allow-Origin", "*")]
MASTER = b"""#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=250000,RESOLUTION=640x360
360p/video.m3u8
"""
VARIANT = b"""#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:1.5,
video0.ts
#EXT-X-ENDLIST
"""

Answer = Any  # tests.support.platforms.Answer: a route tuple, or a function of the request


def api(name: str) -> bytes:
    return (HERE / "api" / name).read_bytes()


def _urls(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("https://"):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _urls(v)
    elif isinstance(value, list):
        for v in value:
            yield from _urls(v)


def _query(request: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}


def _thread(request: Any) -> tuple[int, str, bytes, list[tuple[str, str]]]:
    uri = _query(request).get("uri", "")
    if uri.endswith("/3kxq2vfzbwk2a"):
        return 200, JSON, api("thread.json"), CORS
    if uri.endswith("/3kybvd2xs4a2l"):
        return 200, JSON, api("thread-login-wall.json"), CORS
    return 400, JSON, api("thread-not-found.json"), CORS


def _resolve(request: Any) -> tuple[int, str, bytes, list[tuple[str, str]]]:
    handle = _query(request).get("handle", "")
    if handle == "povernennia-dity.bsky.social":
        return 200, JSON, api("resolve-handle.json"), CORS
    if handle == "tykha-svidok.bsky.social":
        locked = json.loads(api("thread-login-wall.json"))["thread"]["post"]["author"]["did"]
        return 200, JSON, json.dumps({"did": locked}).encode(), CORS
    return 400, JSON, b'{"error":"InvalidRequest","message":"Unable to resolve handle"}', CORS


def routes(jpeg: bytes, clip: bytes) -> dict[tuple[str, str], Answer]:
    page = lambda name: (200, HTML, (HERE / "server" / name).read_bytes())  # noqa: E731
    out: dict[tuple[str, str], Answer] = {
        ("bsky.app", POST): page("post.html"),
        ("bsky.app", LOGIN_WALL): page("login-wall.html"),
        ("bsky.app", DELETED): page("app-shell.html"),
        ("bsky.app", PROFILE): page("profile.html"),
        ("bsky.app", "/static/js/main.js"): (200, "text/javascript", (HERE / "app.js").read_bytes()),
        ("bsky.app", "/static/css/main.css"): (200, "text/css", (HERE / "app.css").read_bytes()),
        ("public.api.bsky.app", "/xrpc/com.atproto.identity.resolveHandle"): _resolve,
        ("public.api.bsky.app", "/xrpc/app.bsky.feed.getPostThread"): _thread,
        ("public.api.bsky.app", "/xrpc/app.bsky.actor.getProfile"): (200, JSON, api("profile.json"), CORS),
        ("public.api.bsky.app", "/xrpc/app.bsky.feed.getAuthorFeed"): (
            200,
            JSON,
            api("author-feed.json"),
            CORS,
        ),
    }
    for name in ("thread.json", "thread-login-wall.json", "author-feed.json", "profile.json"):
        for url in _urls(json.loads(api(name))):
            parts = urlsplit(url)
            if parts.hostname == "cdn.bsky.app" or url.endswith("thumbnail.jpg"):
                out[(parts.hostname or "", parts.path)] = (200, "image/jpeg", jpeg)
            elif url.endswith("playlist.m3u8"):
                base = parts.path.rsplit("/", 1)[0]
                out[("video.bsky.app", parts.path)] = (200, "application/vnd.apple.mpegurl", MASTER, CORS)
                out[("video.bsky.app", f"{base}/360p/video.m3u8")] = (
                    200,
                    "application/vnd.apple.mpegurl",
                    VARIANT,
                    CORS,
                )
                # The segment is the test clip (WebM), labelled as what it is rather than MPEG-TS.
                out[("video.bsky.app", f"{base}/360p/video0.ts")] = (200, "video/webm", clip, CORS)
    # The video's original blob, from the author's PDS, where yt-dlp's Bluesky extractor takes the best
    # quality: it asks plc.directory for the PDS (not served here) and then falls back to bsky.social.
    out[("bsky.social", "/xrpc/com.atproto.sync.getBlob")] = (200, "video/mp4", clip)
    return out


def jpeg_bytes(color: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A small real JPEG (cdn.bsky.app serves JPEG for @jpeg)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (48, 32), color).save(out, "JPEG", quality=80)
    return out.getvalue()


# Saved DOMs render_dom.py writes (URL, file, replies to load, profile): the unit tests' fixtures.
RENDERED = [
    (f"https://bsky.app{POST}", "post.html", 100, "bluesky"),
    (f"https://bsky.app{LOGIN_WALL}", "login-wall.html", 0, "bluesky"),
    (f"https://bsky.app{DELETED}", "deleted.html", 0, "bluesky"),
    (f"https://bsky.app{PROFILE}", "profile.html", 0, "bluesky"),
]
