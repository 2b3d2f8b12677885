"""The VK profile through real captures: look-alike pages under vk.com, m.vk.com and VK's CDN hosts, reached
through --proxy, with VK's own "Show more" and "Show next comments" behaviour scripted in the page."""

from __future__ import annotations

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
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "vk"
HTML = "text/html; charset=utf-8"
POST = "https://vk.com/wall-221155555_1234"
MOBILE = "https://m.vk.com/wall-221155555_1234"
PHOTO = "/impg/fixture-photo-{}.jpg?size={}&quality=95&type=album"
VIDEO_FILE = "https://vkvd481.okcdn.ru/?expires=1697000000&srcIp=0.0.0.0&pr=40&srcAg=CHROME&id=fixture456239017&type=2&sig=fixture"


def _jpeg(rgb: tuple[int, int, int], size: tuple[int, int] = (12, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, rgb).save(out, "JPEG")
    return out.getvalue()


# Each photo size is its own file, as on VK's CDN: the test can tell which size was fetched.
PHOTOS = {
    ("101", "604x403"): _jpeg((200, 30, 30)),
    ("101", "1280x853"): _jpeg((30, 200, 30), (24, 16)),
    ("102", "604x403"): _jpeg((30, 30, 200)),
    ("102", "1280x853"): _jpeg((200, 200, 30), (24, 16)),
}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (16, 16), (250, 200, 40, 255)).save(out, "PNG")
    return out.getvalue()


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


def _next_replies(request: Request) -> tuple[int, str, bytes]:
    """al_wall.php?act=get_post_replies: the next comments as HTML in VK's {"payload": [0, [html, left]]},
    of the post (item_id 1234) or of the comment whose thread is opened (thread-<item_id>-offset-N.html)."""
    form = parse_qs(request.body.decode())
    item, offset = form["item_id"][0], form["offset"][0]
    name = f"replies-offset-{offset}.html" if item == "1234" else f"thread-{item}-offset-{offset}.html"
    page = FIXTURES / name
    if request.method != "POST" or not item.isdigit() or not offset.isdigit() or not page.exists():
        return 400, "application/json", b'{"payload":[8,["bad request"]]}'
    left = 3 if (item, offset) == ("1234", "2") else 0
    answer = {"payload": [0, [page.read_text(encoding="utf-8"), left]]}
    return 200, "application/json", json.dumps(answer, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def vk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    image = (200, "image/jpeg", _jpeg((90, 90, 90)))
    routes: dict[tuple[str, str], Any] = {
        ("vk.com", "/wall-221155555_1234"): _page("post-live.html"),
        ("m.vk.com", "/wall-221155555_1234"): _page("mobile-post.html"),
        ("m.vk.com", "/emoji/e/f09f998f.png"): (200, "image/png", _png()),
        ("vk.com", "/al_wall.php?act=get_post_replies"): _next_replies,
        ("vk.com", "/video-221155555_456239017"): _page("video.html"),
        ("vk.com", "/detsky_centr_example"): _page("community.html"),
        ("vk.com", "/wall-221155555_1300"): (
            302,
            HTML,
            b"https://vk.com/login?u=2&to=d2FsbC0yMjExNTU1NTVfMTMwMA--",
        ),
        ("vk.com", "/login"): _page("login.html"),
        ("vk.com", "/wall-221155555_1299"): _page("deleted.html"),
        ("vkvd481.okcdn.ru", "/"): (200, "video/webm", CLIP),
        ("sun9-11.userapi.com", "/s/v1/fixture-avatar.jpg"): image,
        ("sun9-31.userapi.com", "/s/v1/fixture-user-555001.jpg"): image,
        ("sun9-20.userapi.com", "/impf/fixture-video-017.jpg"): image,
        ("sun9-74.userapi.com", "/impg/fixture-photo-050.jpg"): image,
    }
    for (number, size), data in PHOTOS.items():
        routes[("sun9-74.userapi.com", PHOTO.format(number, size))] = (200, "image/jpeg", data)
    with serve(routes, tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, vk: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, vk, "VK")


def _reply_posts(web: PlatformWeb) -> int:
    return sum(1 for r in web.seen if r.method == "POST" and r.path.startswith("/al_wall.php"))


def _threads_asked(web: PlatformWeb, since: int) -> list[str]:
    """The comments whose thread was asked of al_wall.php since ``since`` (item_id other than the post's)."""
    asked = [r for r in web.seen[since:] if r.method == "POST" and r.path.startswith("/al_wall.php")]
    items = [parse_qs(r.body.decode())["item_id"][0] for r in asked]
    return [item for item in items if item != "1234"]


def test_post_with_text_author_time_photos_and_comments_up_to_n(
    capture: PlatformCapture, vk: LookAlike
) -> None:
    web = vk.web
    before = _reply_posts(web)
    # The post's video plays from VK's player (no file URL): yt-dlp would be asked for it, and the look-alike
    # does not imitate VK's video API (test_media_download.py tests that path).
    code, row = capture(POST, "--replies", "4", "--no-media-download")
    assert code == 0 and row["state"] == "complete", row
    assert row["post"]["platform"] == "vk" and row["post"]["page_state"] == "post"
    record = post_record(row)
    assert record["post_id"] == "-221155555_1234" and record["canonical_url"] == POST
    # "Показать полностью…" was clicked: the hidden rest of the text is in the record, the control is not.
    assert "упрощённой процедуре" in record["text"] and "Показать полностью" not in record["text"]
    assert "упрощённой процедуре" in artifact_path(row, "text").read_text()  # shown on the page, not hidden
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert notes == [
        "vk: opened 1 truncated text(s) ('Show more')",
        "vk: 6 comment(s) shown after 1 click(s) on 'Show next comments' (up to 4 asked for)",
        "vk: loaded 2 of 2 photo(s) in the largest size the page offers",
    ]
    assert record["author"] == {
        "display_name": "Детский центр «Пример»",
        "handle": "@detsky_centr_example",
        "id": "-221155555",
        "profile_url": "https://vk.com/detsky_centr_example",
    }
    assert record["posted_at"] == "2023-10-05T06:12:40Z"
    assert record["counts"] == {"views": 12345, "likes": 1200, "shares": 56, "replies": 8}
    # The photos in their largest size: prepare loaded them, so their bytes are in the WARC.
    responses = warc_responses(row)
    photos = [m for m in record["media"] if m["type"] == "image"]
    assert [m["width"] for m in photos] == [1280, 1280]
    for number, item in zip(("101", "102"), photos, strict=True):
        assert item["url"] == "https://sun9-74.userapi.com" + PHOTO.format(number, "1280x853")
        assert responses[item["url"]][-1] == PHOTOS[(number, "1280x853")]
    # Comments: two on the page, one click on "Показать следующие комментарии" brought three more.
    assert _reply_posts(web) - before == 1
    replies = record["replies"]
    assert [r["post_id"] for r in replies] == [f"-221155555_{n}" for n in (1240, 1242, 1243, 1244, 1245)]
    assert replies[0]["replies"][0]["text"].startswith("Ирина, напишите нам")
    assert replies[3]["author"]["display_name"] == "Павел Гринько"
    assert replies[3]["posted_at"] == "2023-10-05T10:12:40Z"


def test_no_comments_are_loaded_with_replies_0(capture: PlatformCapture, vk: LookAlike) -> None:
    web = vk.web
    before = _reply_posts(web)
    code, row = capture(POST, "--replies", "0", "--no-media-download")
    assert code == 0, row
    record = post_record(row)
    assert _reply_posts(web) == before  # neither "Show next comments" nor a thread's control was clicked
    assert [r["post_id"] for r in record["replies"]] == ["-221155555_1240", "-221155555_1242"]
    assert [len(r["replies"]) for r in record["replies"]] == [1, 0]


def test_comment_threads_are_opened_within_the_replies_budget(
    capture: PlatformCapture, vk: LookAlike
) -> None:
    web = vk.web
    since = len(web.seen)
    # Nine comments and answers once every page of comments is loaded: one thread more makes ten.
    code, row = capture(POST, "--replies", "10", "--no-media-download")
    assert code == 0 and row["state"] == "complete", row
    assert _threads_asked(web, since) == ["1240"]  # the second thread was left closed
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert notes[1:3] == [
        "vk: 9 comment(s) shown after 2 click(s) on 'Show next comments' (up to 10 asked for)",
        "vk: opened 1 comment thread(s) ('Show more replies'); 10 comment(s) and answers shown",
    ]
    replies = post_record(row)["replies"]
    assert [r["post_id"] for r in replies[0]["replies"]] == ["-221155555_1241", "-221155555_1249"]
    assert replies[1]["replies"] == []
    since = len(web.seen)
    code, row = capture(POST, "--replies", "50", "--no-media-download")
    assert code == 0 and row["state"] == "complete", row
    assert _threads_asked(web, since) == ["1240", "1242"]
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert "vk: opened 2 comment thread(s) ('Show more replies'); 12 comment(s) and answers shown" in notes
    replies = post_record(row)["replies"]
    assert len(replies) == 8 and [r["post_id"] for r in replies[0]["replies"]][-1] == "-221155555_1249"
    # The collapsed thread's answers, under the comment they answer, read like the comments around them.
    first, second = replies[1]["replies"]
    assert (first["post_id"], second["post_id"]) == ("-221155555_1250", "-221155555_1251")
    assert first["author"]["id"] == "-221155555" and second["author"]["display_name"] == "Марія Бондар"
    assert second["text"] == "Детский центр «Пример», тимчасово — це скільки? Батьки чекають уже рік."
    assert second["posted_at"] == "2023-10-05T20:12:40Z" and second["counts"] == {"likes": 14}
    assert second["reply_to"]["url"] == "https://vk.com/wall-221155555_1234?reply=1242"
    assert "Показать 2 ответа" not in json.dumps(replies, ensure_ascii=False)


def test_video_page_keeps_the_video_file(capture: PlatformCapture) -> None:
    code, row = capture("https://vk.com/video-221155555_456239017")
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    [video] = record["media"]
    assert video["url"] == VIDEO_FILE and video["duration_s"] == 45.0
    assert record["title"] == "Автобус с детьми прибыл в центр"
    assert record["posted_at"] == "2023-10-05T06:12:40Z"
    assert warc_responses(row)[VIDEO_FILE][-1] == CLIP


def test_community_wall_is_a_channel_with_its_posts(capture: PlatformCapture) -> None:
    code, row = capture("https://vk.com/detsky_centr_example")
    assert code == 0 and row["post"]["page_state"] == "channel", row
    record = post_record(row)
    assert record["author"]["handle"] == "@detsky_centr_example" and record["counts"]["subscribers"] == 8912
    assert [m["post_id"] for m in record["messages"]] == [
        "-221155555_1200",
        "-221155555_1233",
        "-221155555_1234",
    ]
    assert record["messages"][1]["forwarded_from"]["url"] == "https://vk.com/wall-221177777_8800"


@pytest.mark.parametrize(
    ("url", "state"),
    [
        ("https://vk.com/wall-221155555_1300", "login_wall"),  # redirected to VK's login page
        ("https://vk.com/wall-221155555_1299", "deleted"),
    ],
)
def test_login_wall_and_deleted_post_are_partial(capture: PlatformCapture, url: str, state: str) -> None:
    code, row = capture(url)
    assert code == 1 and row["state"] == "partial", row
    assert f"{state.replace('_', ' ')}: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == state
    record = post_record(row)
    assert record["post_id"] == url.rsplit("wall", 1)[1] and record["unreadable"][0].startswith(
        "page: VK shows"
    )


def test_mobile_post_with_text_author_time_photos_and_comments(
    capture: PlatformCapture, vk: LookAlike
) -> None:
    """m.vk.com: the post read from the mobile markup, its text opened in place, its photos fetched in the
    largest size the page names, and no link to more comments followed."""
    since = len(vk.web.requests)
    code, row = capture(MOBILE, "--replies", "20", "--no-media-download")
    assert code == 0 and row["state"] == "complete", row
    assert row["post"]["platform"] == "vk" and row["post"]["page_state"] == "post"
    record = post_record(row)
    assert record["post_id"] == "-221155555_1234" and record["canonical_url"] == POST
    assert record["author"] == {
        "display_name": "Детский центр «Пример»",
        "handle": "@detsky_centr_example",
        "id": "-221155555",
        "profile_url": "https://vk.com/detsky_centr_example",
    }
    # The time in words only: kept as shown, never made a UTC time.
    assert record["posted_at"] is None and record["posted_at_raw"] == "5 окт 2023 в 9:12"
    assert any(
        n.startswith("posted_at: m.vk.com shows only a local time in words") for n in record["unreadable"]
    )
    assert "упрощённой процедуре" in record["text"] and "Показать полностью" not in record["text"]
    assert "упрощённой процедуре" in artifact_path(row, "text").read_text()  # opened on the page, in place
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert notes == [
        "vk: opened 1 truncated text(s) ('Show more')",
        "vk: m.vk.com: the comments are those the page shows; VK's links to more of them open other pages and"
        " are not followed",
        "vk: loaded 2 of 2 photo(s) in the largest size the page offers",
    ]
    assert record["counts"] == {"views": 12345, "likes": 1200, "shares": 56, "replies": 8}
    # The photos in the largest size data-src_big names: prepare loaded them, so their bytes are in the WARC.
    responses = warc_responses(row)
    photos = [m for m in record["media"] if m["type"] == "image"]
    for number, item in zip(("101", "102"), photos, strict=True):
        assert (item["url"], item["width"]) == (
            "https://sun9-74.userapi.com" + PHOTO.format(number, "1280x853"),
            1280,
        )
        assert responses[item["url"]][-1] == PHOTOS[(number, "1280x853")]
    [video] = [m for m in record["media"] if m["type"] == "video"]
    assert video["url"] is None and video["duration_s"] == 45.0
    # The comments the page shows, the answer nested under its comment, the deleted one as VK shows it.
    replies = record["replies"]
    assert [r["post_id"] for r in replies] == ["-221155555_1240", "-221155555_1242", None, "-221155555_1243"]
    assert replies[2]["page_state"] == "deleted" and replies[2]["text"] is None
    [answer] = replies[0]["replies"]
    assert answer["text"] == "Ирина, напишите нам в личные сообщения, уточним по спискам. 🙏"
    assert answer["reply_to"]["url"] == "https://vk.com/wall-221155555_1234?reply=1240"
    assert any("to the next page of comments" in n for n in record["unreadable"])
    asked = [path for host, path in vk.web.requests[since:] if host == "m.vk.com"]
    assert not any("offset=" in path for path in asked)  # neither more comments nor more answers
