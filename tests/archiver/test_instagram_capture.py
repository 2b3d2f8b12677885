"""The Instagram profile through real captures: look-alike pages under www.instagram.com and its CDN, via
--proxy.

The post page (tests/assets/platforms/instagram/post.html) embeds its media item as Instagram does and loads
more comments the way it does: "Load more comments" POSTs to /graphql/query for the next page of the
comments connection (comments-more.json, comments-last.json) and lists it, so ``--replies`` is exercised for
real."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from PIL import Image

from tests.conftest import Cli
from tests.support.platforms import (
    LookAlike,
    PlatformCapture,
    PlatformWeb,
    Request,
    artifact_json,
    platform_capture,
    post_record,
    serve,
    warc_responses,
)
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "instagram"
HTML = "text/html; charset=utf-8"
POST = "https://www.instagram.com/p/C4xFixture1/"
GONE = "https://www.instagram.com/p/C4xGoneGone1/"
WALLED = "https://www.instagram.com/p/C4xWalled01/"
CDN = "scontent-waw2-1.cdninstagram.com"
VIDEO_PATH = "/o1/v/t16/f1/m82/FixtureBusClip.mp4"
CURSOR_PAGES = {"FixtureCursor2": "comments-more.json", "FixtureCursor3": "comments-last.json"}


def _jpeg(rgb: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 25), rgb).save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTOS = {
    "/v/t51.29350-15/431000001_fixture_arrival_n.jpg": _jpeg((200, 40, 40)),
    "/v/t51.29350-15/431000002_fixture_bus_thumb_n.jpg": _jpeg((40, 200, 40)),
    "/v/t51.2885-19/400000001_fixture_avatar_n.jpg": _jpeg((10, 10, 10)),
}


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


def _graphql(request: Request) -> tuple[int, str, bytes]:
    """/graphql/query answers by the POSTed ``variables``: a comment's replies (``parent_comment_id``), or
    the comments page after a cursor (``after``)."""
    form = parse_qs(request.body.decode())
    variables = json.loads(form.get("variables", ["{}"])[0])
    parent = variables.get("parent_comment_id")
    if parent is not None:
        name = f"child-comments-{parent}.json" if str(parent).isdigit() else None
        if name is None or not (FIXTURES / name).is_file():
            return 400, "application/json", b'{"message":"unknown comment","status":"fail"}'
        return 200, "application/json; charset=utf-8", (FIXTURES / name).read_bytes()
    cursor = variables.get("after")
    name = CURSOR_PAGES.get(cursor) if request.method == "POST" else None
    if name is None:
        return 400, "application/json", b'{"message":"unknown query","status":"fail"}'
    return 200, "application/json; charset=utf-8", (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def instagram(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    login = f"https://www.instagram.com/accounts/login/?next={quote(urlsplit(WALLED).path, safe='')}"
    routes: dict[tuple[str, str], Any] = {
        ("www.instagram.com", urlsplit(POST).path): _page("post.html"),
        ("www.instagram.com", urlsplit(GONE).path): _page("unavailable.html"),
        ("www.instagram.com", urlsplit(WALLED).path): (302, HTML, login.encode()),
        ("www.instagram.com", "/accounts/login/"): _page("login-wall.html"),
        ("www.instagram.com", "/graphql/query"): _graphql,
        (CDN, VIDEO_PATH): (200, "video/mp4", CLIP),
        **{(CDN, path): (200, "image/jpeg", body) for path, body in PHOTOS.items()},
    }
    with serve(routes, tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, instagram: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, instagram, "IG")


def _asked(web: PlatformWeb, since: int, key: str) -> list[str]:
    """The ``key`` variable of each /graphql/query asked since ``since`` that has one."""
    asked = [r for r in web.seen[since:] if r.host == "www.instagram.com" and r.path == "/graphql/query"]
    variables = [json.loads(parse_qs(r.body.decode())["variables"][0]) for r in asked]
    return [v[key] for v in variables if key in v]


def _cursors_asked(web: PlatformWeb, since: int) -> list[str]:
    return _asked(web, since, "after")


def test_a_post_with_comments_loaded_on_demand(capture: PlatformCapture, instagram: LookAlike) -> None:
    web, proxy, _pki = instagram
    since = len(web.seen)
    code, row = capture(POST, "--replies", "3")
    assert code == 0 and row["state"] == "complete", row
    assert {t.split(":")[0] for t in proxy.tunnels} <= {"www.instagram.com", CDN}
    record = post_record(row)
    assert record["platform"] == "instagram" and record["page_state"] == "post"
    assert record["post_id"] == "C4xFixture1" and record["canonical_url"] == POST
    assert record["author"] == {
        "display_name": "Детский центр «Пример»",
        "handle": "@detskiy_centr_example",
        "id": "51234567890",
        "profile_url": "https://www.instagram.com/detskiy_centr_example/",
    }
    assert record["posted_at"] == "2024-03-03T09:15:00Z" and record["edited"] is True
    assert record["text"].endswith("#оздоровление #детскийцентр")  # the whole caption, not the cut one
    assert record["counts"] == {"likes": 1234, "replies": 56}
    assert [m["type"] for m in record["media"]] == ["image", "video"]
    assert record["media"][1]["duration_s"] == 1.5 and record["media"][1]["width"] == 640
    # One "Load more comments" click: the page's two comments and the two it loaded.
    assert _cursors_asked(web, since) == ["FixtureCursor2"]
    comments = record["replies"]
    assert [c["author"]["handle"] for c in comments] == [
        "@olena.k.example", "@mykola_ex_ua", "@iryna.volunteer.ex", "@archive_ua_ex",
    ]  # fmt: skip
    assert all(c["posted_at"] and c["text"] and c["canonical_url"].startswith(POST + "c/") for c in comments)
    assert comments[0]["replies"][0]["author"]["handle"] == "@detskiy_centr_example"
    # "View replies (N)" opened: the replies of each comment shown, loaded from the child comments
    # connection (the first comment's one reply was on the page already, and is not listed twice).
    assert sorted(_asked(web, since, "parent_comment_id")) == ["18012345678900001", "18012345678900003"]
    assert [r["post_id"] for r in comments[0]["replies"]] == ["18012345678900011"]
    assert [(r["author"]["handle"], r["canonical_url"]) for r in comments[2]["replies"]] == [
        ("@detskiy_centr_example", POST + "c/18012345678900003/r/18012345678900031/"),
        ("@mama.dmytryka.ex", POST + "c/18012345678900003/r/18012345678900032/"),
    ]
    assert comments[2]["replies"][1]["text"].startswith("@iryna.volunteer.ex мій син Дмитрик")
    assert comments[2]["counts"] == {"likes": 95}  # "View replies (2)" now reads "Hide replies"
    # The media are in the WARC, byte for byte: the photo the browser showed, the video saved whole.
    stored = warc_responses(row)
    photo, video = record["media"]
    assert stored[photo["url"]][-1] == PHOTOS[urlsplit(photo["url"]).path]
    assert stored[video["url"]][-1] == CLIP
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert "instagram: opened 1 text(s) cut short ('more')" in notes
    assert any("4 comments show after 1" in n for n in notes)
    assert any(n.startswith("instagram: opened 2 comment(s)' replies ('View replies')") for n in notes)
    # The location tag, from the page's data, in the stored record.
    assert record["place"] == {
        "name": "Геническ (пример)",
        "id": "1000000001",
        "url": "https://www.instagram.com/explore/locations/1000000001/",
        "country": None,
    }


def test_replies_zero_loads_none_and_more_loads_every_page(
    capture: PlatformCapture, instagram: LookAlike
) -> None:
    web = instagram.web
    since = len(web.seen)
    code, row = capture(POST, "--replies", "0")
    assert code == 0, row
    assert [c["post_id"] for c in post_record(row)["replies"]] == ["18012345678900001", "18012345678900002"]
    assert _cursors_asked(web, since) == []
    assert _asked(web, since, "parent_comment_id") == []  # no reply opened either
    since = len(web.seen)
    code, row = capture(POST, "--replies", "50")
    assert code == 0, row
    assert _cursors_asked(web, since) == ["FixtureCursor2", "FixtureCursor3"]
    comments = post_record(row)["replies"]
    assert len(comments) == 5 and comments[-1]["author"]["handle"] == "@patriot_2024_ru"


@pytest.mark.parametrize(
    ("url", "state", "words"),
    [
        (GONE, "deleted", "Sorry, this page isn't available."),
        (WALLED, "login_wall", "log-in form"),
    ],
)
def test_what_instagram_shows_instead_of_the_post_is_a_partial_capture(
    capture: PlatformCapture, url: str, state: str, words: str
) -> None:
    code, row = capture(url, "--replies", "0")
    assert code == 1 and row["state"] == "partial", row
    assert f"{state.replace('_', ' ')}: the page does not show the post" in row["reason"]
    record = post_record(row)
    assert record["page_state"] == state and record["post_id"] == urlsplit(url).path.split("/")[2]
    assert record["text"] is None and record["media"] == [] and record["replies"] == []
    assert any(words in n for n in record["unreadable"])
