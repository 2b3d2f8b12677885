"""The Facebook profile through real captures: look-alike pages under www.facebook.com and Facebook's CDN
hosts, reached through --proxy, with Facebook's "See more" and "View more comments" behaviour scripted in
the page (the comments come from a look-alike of its GraphQL endpoint)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from PIL import Image

from tests.conftest import Cli
from tests.support.platforms import (
    LookAlike,
    PlatformCapture,
    PlatformWeb,
    Request,
    artifact_json,
    artifact_path,
    platform_capture,
    post_record,
    serve,
    warc_responses,
)
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "facebook"
HTML = "text/html; charset=utf-8"
PAGE = "/povernennia.ditei.example/posts/pfbid02Fixture7xQmZr4vKdL9pWnT3sHjYbA1cE5gU8iO6"
POST = f"https://www.facebook.com{PAGE}"
CDN = "https://scontent-waw1-1.fbcdn.net/v/t39.30808-6/"
PHOTO_QUERY = "?_nc_cat=1&ccb=1-7&_nc_sid=127cfc&oh=00_AfFixture&oe=65300000"
VIDEO = "https://www.facebook.com/watch/?v=1221100000000301"
VIDEO_FILE = (
    "https://video-waw1-1.fbcdn.net/o1/v/t2/f2/m69/fixture-video-301-sd.mp4"
    "?efg=eyJ2ZW5jb2RlX3RhZyI6InNkIn0&_nc_ht=video-waw1-1.fbcdn.net&oh=00_AfFixture&oe=65300000"
)
LOGIN_WALLED = "https://www.facebook.com/povernennia.ditei.example/posts/pfbid02FixtureLoginWall"
GONE = "https://www.facebook.com/povernennia.ditei.example/posts/pfbid02FixtureGone"


def _jpeg(rgb: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), rgb).save(out, "JPEG")
    return out.getvalue()


PHOTOS = {"fixture-photo-201_n.jpg": _jpeg((200, 30, 30)), "fixture-photo-202_n.jpg": _jpeg((30, 30, 200))}


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


# Facebook's GraphQL queries the look-alike answers: (the file of answers, the variable that picks one).
QUERIES = {
    "CommentsListComponentsPaginationQuery": ("more-comments.json", "commentsAfterCursor"),
    "Depth1CommentsListPaginationQuery": ("replies.json", "feedbackID"),
}


def _graphql(request: Request) -> tuple[int, str, bytes]:
    """/api/graphql/, as Facebook answers it: the next page of comments for the cursor the page sends, or
    a comment's replies for its feedback id."""
    form = parse_qs(request.body.decode())
    query = QUERIES.get(form.get("fb_api_req_friendly_name", [""])[0])
    if query is None:
        return 400, "application/json", b'{"errors":[{"message":"unknown query"}]}'
    name, key = query
    answers = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    answer = answers.get(json.loads(form["variables"][0]).get(key))
    if answer is None:
        return 400, "application/json", b'{"errors":[{"message":"unknown node"}]}'
    return 200, "application/json", json.dumps(answer, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def facebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    login = "https://www.facebook.com/login/?next=" + LOGIN_WALLED.replace(":", "%3A").replace("/", "%2F")
    routes: dict[tuple[str, str], Any] = {
        ("www.facebook.com", PAGE): _page("post-live.html"),
        ("www.facebook.com", "/api/graphql/"): _graphql,
        ("www.facebook.com", "/watch/?v=1221100000000301"): _page("video.html"),
        ("www.facebook.com", LOGIN_WALLED.removeprefix("https://www.facebook.com")): (
            302,
            HTML,
            login.encode(),
        ),
        ("www.facebook.com", "/login/"): _page("login.html"),
        ("www.facebook.com", GONE.removeprefix("https://www.facebook.com")): _page("unavailable.html"),
        ("video-waw1-1.fbcdn.net", "/o1/v/t2/f2/m69/fixture-video-301-sd.mp4"): (200, "video/webm", CLIP),
        ("scontent-waw1-1.fbcdn.net", "/v/t15.5256-10/fixture-thumb-301_n.jpg"): (
            200,
            "image/jpeg",
            _jpeg((9, 9, 9)),
        ),
    }
    for name, data in PHOTOS.items():
        routes[("scontent-waw1-1.fbcdn.net", f"/v/t39.30808-6/{name}")] = (200, "image/jpeg", data)
    with serve(routes, tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, facebook: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, facebook, "FB")


def _comment_queries(web: PlatformWeb) -> int:
    return sum(1 for r in web.seen if r.method == "POST" and r.path == "/api/graphql/")


def _threads_asked(web: PlatformWeb, since: int) -> list[str]:
    """The comments (from their feedback ids) whose replies were asked of /api/graphql/ since ``since``."""
    asked = [r for r in web.seen[since:] if r.method == "POST" and r.path == "/api/graphql/"]
    forms = [parse_qs(r.body.decode()) for r in asked]
    return [
        base64.b64decode(json.loads(f["variables"][0])["feedbackID"]).decode().rsplit("_", 1)[1]
        for f in forms
        if f["fb_api_req_friendly_name"] == ["Depth1CommentsListPaginationQuery"]
    ]


def test_post_with_text_author_time_photos_and_comments_up_to_n(
    capture: PlatformCapture, facebook: LookAlike
) -> None:
    web = facebook.web
    before = _comment_queries(web)
    code, row = capture(POST, "--replies", "4")
    assert code == 0 and row["state"] == "complete", row
    assert row["post"]["platform"] == "facebook" and row["post"]["page_state"] == "post"
    record = post_record(row)
    assert record["post_id"] == "122110000000000042" and record["canonical_url"] == POST
    assert record["text"].startswith("Сьогодні вдалося повернути додому ще 4 дітей")
    assert record["text"].endswith("povernennia.example.org/forma\n\n#повернення #діти")
    # "See more" was clicked: the whole text shows on the page, not only in its data.
    assert "Якщо ваша дитина досі перебуває на території РФ" in artifact_path(row, "text").read_text()
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert notes == [
        "facebook: opened 1 truncated text(s) ('See more')",
        "facebook: 5 comment(s) shown after 1 click(s) on 'View more comments' (up to 4 asked for)",
    ]
    assert record["author"] == {
        "display_name": "Повернення дітей (приклад)",
        "handle": "@povernennia.ditei.example",
        "id": "100064000000001",
        "profile_url": "https://www.facebook.com/povernennia.ditei.example",
    }
    assert record["posted_at"] == "2023-10-05T10:00:00Z"
    assert record["posted_at_raw"] == "5 October 2023 at 13:00 (creation_time=1696500000)"
    assert record["counts"] == {"shares": 56, "replies": 9, "reactions": 1234}
    responses = warc_responses(row)
    assert [m["url"] for m in record["media"]] == [f"{CDN}{name}{PHOTO_QUERY}" for name in PHOTOS]
    for item, data in zip(record["media"], PHOTOS.values(), strict=True):
        assert responses[item["url"]][-1] == data
    # Comments: two on the page (one with a reply), one "View more comments" brought two more.
    assert _comment_queries(web) - before == 1
    replies = record["replies"]
    assert [r["post_id"] for r in replies] == [f"122110000000020{n}" for n in (1, 3, 4, 5)]
    assert replies[0]["replies"][0]["author"]["display_name"] == "Повернення дітей (приклад)"
    assert replies[2]["author"]["display_name"] == "Iryna Savchuk"
    assert replies[2]["text"].startswith("Мого племінника вивезли з Нової Каховки")
    # A comment loaded later shows only how long ago it was written: kept as shown, never guessed at.
    assert replies[2]["posted_at"] is None and replies[2]["posted_at_raw"] == "1d"


def test_no_comments_are_loaded_with_replies_0(capture: PlatformCapture, facebook: LookAlike) -> None:
    web = facebook.web
    before = _comment_queries(web)
    code, row = capture(POST, "--replies", "0")
    assert code == 0, row
    record = post_record(row)
    assert _comment_queries(web) == before  # neither "View more comments" nor "View 2 replies" clicked
    assert [r["post_id"] for r in record["replies"]] == ["1221100000000201", "1221100000000203"]
    assert [len(r["replies"]) for r in record["replies"]] == [1, 0]


def test_comment_threads_are_opened_within_the_replies_budget(
    capture: PlatformCapture, facebook: LookAlike
) -> None:
    web = facebook.web
    since = len(web.seen)
    # Nine comments and replies once every page of comments is loaded: one thread more makes eleven.
    code, row = capture(POST, "--replies", "10")
    assert code == 0 and row["state"] == "complete", row
    assert _threads_asked(web, since) == ["1221100000000201"]  # the second thread was left closed
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert notes[1:] == [
        "facebook: 9 comment(s) shown after 3 click(s) on 'View more comments' (up to 10 asked for)",
        "facebook: opened 1 comment thread(s) ('View replies'); 11 comment(s) and replies shown",
    ]
    replies = post_record(row)["replies"]
    assert [r["post_id"] for r in replies[0]["replies"]] == [f"12211000000002{n:02}" for n in (2, 10, 11)]
    assert replies[1]["replies"] == []
    since = len(web.seen)
    code, row = capture(POST, "--replies", "50")
    assert code == 0 and row["state"] == "complete", row
    assert _threads_asked(web, since) == ["1221100000000201", "1221100000000203"]
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert (
        notes[-1] == "facebook: opened 2 comment thread(s) ('View replies'); 13 comment(s) and replies shown"
    )
    replies = post_record(row)["replies"]
    assert len(replies) == 8 and len(replies[0]["replies"]) == 3
    # The replies loaded into the second comment's thread, under it, read like the comments around them.
    first, second = replies[1]["replies"]
    assert (first["post_id"], second["post_id"]) == ("1221100000000212", "1221100000000213")
    assert first["author"]["display_name"] == "Повернення дітей (приклад)"
    assert first["text"].startswith("За нашими даними — понад 19 тисяч дітей")
    assert second["author"]["profile_url"] == "https://www.facebook.com/andrii.kovalchuk.example"
    assert second["reply_to"]["name"] == "Andrii Kovalchuk" and second["posted_at_raw"] == "1d"
    assert not any("replies" in (r["text"] or "") for r in replies)  # the controls' words are not text


def test_video_page_keeps_the_video_file(capture: PlatformCapture) -> None:
    code, row = capture(VIDEO)
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    assert record["post_id"] == "1221100000000301" and record["title"] == "Автобус з дітьми на кордоні"
    [video] = record["media"]
    assert (video["url"], video["duration_s"], video["width"]) == (VIDEO_FILE, 27.0, 1280)
    assert record["counts"]["views"] == 4321
    assert warc_responses(row)[VIDEO_FILE][-1] == CLIP


@pytest.mark.parametrize(
    ("url", "state", "said"),
    [
        (LOGIN_WALLED, "login_wall", "You must log in to continue."),  # redirected to the login page
        (GONE, "deleted", "This content isn't available right now"),
    ],
)
def test_login_wall_and_unavailable_post_are_partial(
    capture: PlatformCapture, url: str, state: str, said: str
) -> None:
    code, row = capture(url)
    assert code == 1 and row["state"] == "partial", row
    assert f"{state.replace('_', ' ')}: the page does not show the post" in row["reason"]
    record = post_record(row)
    assert record["page_state"] == state and record["post_id"] == url.rsplit("/", 1)[1]
    assert record["unreadable"][0] == f"page: Facebook shows {said!r}"
    assert record["text"] is None  # the login page's own words are never taken for the post's
