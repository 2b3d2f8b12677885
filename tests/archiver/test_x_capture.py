"""The X profile through real captures: look-alike pages under x.com and X's media hosts, via --proxy.

The conversation page (tests/assets/platforms/x/status.html) loads more replies the way the web app does:
its "Show more replies" and "Show probable spam" controls ask x.com/i/api/graphql/.../TweetDetail for the
next cursor's page (tweet-detail-more.json, tweet-detail-spam.json) and render it, so ``--replies`` is
exercised for real."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "x"
HTML = "text/html; charset=utf-8"
STATUS = "https://x.com/detsky_centr_ex/status/1769012345678901234"
DELETED = "https://x.com/detsky_centr_ex/status/1769012345678906666"
WALLED = "https://x.com/detsky_centr_ex/status/1769012345678905555"
UNRECOGNISED = "https://x.com/detsky_centr_ex/status/1769012345678907777"
DETAIL = "/i/api/graphql/FixtureTweetDetail/TweetDetail"
VIDEO = "https://video.twimg.com/ext_tw_video/1769012345000000004/pu/vid/avc1/320x180/FixtureClip4.mp4?tag=12"
CURSOR_PAGES = {"FixtureCursorMore": "tweet-detail-more.json", "FixtureCursorSpam": "tweet-detail-spam.json"}


def _jpeg(rgb: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), rgb).save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTOS = {
    "/media/FixtureArrival1": _jpeg((200, 40, 40)),
    "/media/FixtureBus2": _jpeg((40, 200, 40)),
    "/media/FixtureList3": _jpeg((40, 40, 200)),
    "/ext_tw_video_thumb/1769012345000000004/pu/img/FixtureThumb4.jpg": _jpeg((90, 90, 90)),
    "/profile_images/1500000000000000001/FixtureAvatar_normal.jpg": _jpeg((10, 10, 10)),
}


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


def _tweet_detail(request: Request) -> tuple[int, str, bytes]:
    """TweetDetail answers by the cursor in its ``variables`` (the page of replies asked for)."""
    query = parse_qs(urlsplit(request.path).query)
    cursor = json.loads(query.get("variables", ["{}"])[0]).get("cursor")
    name = CURSOR_PAGES.get(cursor)
    if name is None:
        return 400, "application/json", b'{"errors":[{"message":"unknown cursor"}]}'
    return 200, "application/json; charset=utf-8", (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def x_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    routes: dict[tuple[str, str], Any] = {
        ("x.com", urlsplit(STATUS).path): _page("status.html"),
        ("x.com", urlsplit(DELETED).path): _page("deleted.html"),
        ("x.com", urlsplit(WALLED).path): _page("login-wall.html"),
        # A page X might serve after a redesign: nothing the profile knows, no state it can name.
        ("x.com", urlsplit(UNRECOGNISED).path): (
            200,
            HTML,
            b"<!DOCTYPE html><title>X</title><main>...</main>",
        ),
        ("x.com", DETAIL): _tweet_detail,
        ("video.twimg.com", urlsplit(VIDEO).path): (200, "video/mp4", CLIP),
        ("abs.twimg.com", "/emoji/v2/svg/1f525.svg"): (
            200,
            "image/svg+xml",
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        ),
        **{("pbs.twimg.com", path): (200, "image/jpeg", body) for path, body in PHOTOS.items()},
    }
    with serve(routes, tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, x_web: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, x_web, "XP")


def _cursors_asked(web: PlatformWeb, since: int) -> list[str]:
    asked = [path for host, path in web.requests[since:] if host == "x.com" and path.startswith(DETAIL)]
    return [json.loads(parse_qs(urlsplit(p).query)["variables"][0])["cursor"] for p in asked]


def test_a_post_with_replies_loaded_on_demand(capture: PlatformCapture, x_web: LookAlike) -> None:
    web, proxy, _pki = x_web
    since = len(web.requests)
    code, row = capture(STATUS, "--replies", "3")
    assert code == 0 and row["state"] == "complete", row
    assert {t.split(":")[0] for t in proxy.tunnels} <= {
        "x.com",
        "pbs.twimg.com",
        "video.twimg.com",
        "abs.twimg.com",
    }
    record = post_record(row)
    assert record["platform"] == "x" and record["profile"] == "x" and record["page_state"] == "post"
    assert record["post_id"] == "1769012345678901234" and record["canonical_url"] == STATUS
    assert record["author"]["handle"] == "@detsky_centr_ex"
    assert record["author"]["display_name"] == "Детский центр «Пример»"
    assert record["posted_at"] == "2024-03-15T08:42:17Z" and record["edited_at"] == "2024-03-15T09:05:00Z"
    assert record["text"].startswith("Сегодня в наш центр прибыли 23 ребёнка") and "🔥" in record["text"]
    assert record["counts"] == {"views": 43210, "likes": 1205, "shares": 340, "replies": 12, "bookmarks": 56}
    # One "Show more replies" click: the page's own two replies and the two it loaded; not the spam page.
    assert _cursors_asked(web, since) == ["FixtureCursorMore"]
    replies = record["replies"]
    assert [r["author"]["handle"] for r in replies] == [
        "@olena_k_ex",
        "@mykola_ex",
        "@iryna_ex",
        "@andriy_ex",
    ]
    assert all(r["posted_at"] and r["text"] for r in replies)
    long_reply = replies[2]
    assert long_reply["text"].endswith("опубліковано на нашому сайті.")  # "Show more" was opened in place
    assert not any(n.startswith("text:") for n in long_reply["unreadable"])
    assert replies[3]["media"][0]["url"] == VIDEO and replies[3]["media"][0]["type"] == "video"
    # The media are in the WARC, byte for byte: photos the browser showed, the video saved whole.
    stored = warc_responses(row)
    for media in record["media"]:
        assert stored[media["url"]][-1] == PHOTOS[urlsplit(media["url"]).path]
    assert stored[VIDEO][-1] == CLIP
    assert any(a["role"] == "media" for a in row["artifacts"])
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert any("4 replies show below the post after 1" in n for n in notes)


def test_replies_zero_loads_none_and_more_loads_every_page(
    capture: PlatformCapture, x_web: LookAlike
) -> None:
    web = x_web.web
    since = len(web.requests)
    code, row = capture(STATUS, "--replies", "0")
    assert code == 0, row
    assert [r["post_id"] for r in post_record(row)["replies"]] == [
        "1769012345678902001",
        "1769012345678902002",
    ]
    assert _cursors_asked(web, since) == []
    since = len(web.requests)
    code, row = capture(STATUS, "--replies", "50")
    assert code == 0, row
    assert _cursors_asked(web, since) == ["FixtureCursorMore", "FixtureCursorSpam"]
    replies = post_record(row)["replies"]
    assert len(replies) == 5 and replies[-1]["author"]["handle"] == "@patriot_2024ru"
    assert "@weather_ex" not in json.dumps(replies)  # "Discover more" is not the conversation


@pytest.mark.parametrize(
    ("url", "state", "words"),
    [
        (DELETED, "deleted", "This Post was deleted by the Post author"),
        (WALLED, "login_wall", "Sign in to X"),
    ],
)
def test_what_x_shows_instead_of_the_post_is_a_partial_capture(
    capture: PlatformCapture, url: str, state: str, words: str
) -> None:
    code, row = capture(url, "--replies", "0")
    assert code == 1 and row["state"] == "partial", row
    assert f"{state.replace('_', ' ')}: the page does not show the post" in row["reason"]
    record = post_record(row)
    assert record["page_state"] == state and record["post_id"] == urlsplit(url).path.rsplit("/", 1)[1]
    assert record["text"] is None and record["replies"] == []
    assert any(words in n for n in record["unreadable"])


def test_a_page_the_profile_does_not_recognise_is_not_taken_for_the_post(capture: PlatformCapture) -> None:
    code, row = capture(UNRECOGNISED, "--replies", "0")
    assert code == 1 and row["state"] == "partial", row
    assert "the x profile found no post or listing on the page" in row["reason"]
