"""The TikTok profile through real captures: look-alike pages under www.tiktok.com and TikTok's CDN host
names, reached through --proxy, with the comment panel fetching its comments from the look-alike API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import Cli
from tests.support.platforms import (
    LookAlike,
    PlatformCapture,
    Request,
    artifact_json,
    platform_capture,
    post_record,
    serve,
    warc_responses,
)
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "tiktok"
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
POST = "https://www.tiktok.com/@dity_dodomu_example/video/7351234567890123456"
VIDEO = (
    "https://v16m.tiktokcdn.com/video/tos/maliva/fixture-7351234567890123456/?mime_type=video_webm&rc=fixture"
)


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


def _comment_list(request: Request) -> tuple[int, str, bytes]:
    """/api/comment/list/?aweme_id=&cursor=&count=: a page of the fixture's comments, as TikTok pages them."""
    query = parse_qs(urlsplit(request.path).query)
    cursor, count = int(query.get("cursor", ["0"])[0]), int(query.get("count", ["20"])[0])
    listing = json.loads((FIXTURES / "comment-list.json").read_text(encoding="utf-8"))
    everything = listing["comments"]
    listing["comments"] = everything[cursor : cursor + count]
    listing["cursor"] = cursor + len(listing["comments"])
    listing["has_more"] = int(listing["cursor"] < len(everything))
    return 200, JSON, json.dumps(listing, ensure_ascii=False).encode()


def _comment_replies(request: Request) -> tuple[int, str, bytes]:
    comment_id = parse_qs(urlsplit(request.path).query).get("comment_id", [""])[0]
    path = FIXTURES / f"comment-reply-{comment_id}.json"
    if not comment_id.isdigit() or not path.exists():
        return 200, JSON, b'{"comments":[],"cursor":0,"has_more":0,"total":0,"status_code":0}'
    return 200, JSON, path.read_bytes()


def routes() -> dict[tuple[str, str], Any]:
    """What the look-alike answers, by (host, path)."""
    return {
        ("www.tiktok.com", urlsplit(POST).path): _page("video-live.html"),
        ("www.tiktok.com", "/api/comment/list/"): _comment_list,
        ("www.tiktok.com", "/api/comment/list/reply/"): _comment_replies,
        ("www.tiktok.com", "/t/ZTfixture01/"): (301, HTML, POST.encode()),
        ("www.tiktok.com", "/@dity_dodomu_example"): _page("profile.html"),
        ("www.tiktok.com", "/@dity_dodomu_example/video/7351234567890123499"): _page("deleted.html"),
        ("www.tiktok.com", "/@closed_example/video/7351234567890123477"): _page("login-wall.html"),
        ("v16m.tiktokcdn.com", urlsplit(VIDEO).path): (200, "video/webm", CLIP),
    }


@pytest.fixture(scope="module")
def tiktok(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    with serve(routes(), tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, tiktok: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, tiktok, "TT", "--no-media-download")


def test_a_video_post_with_its_comments_and_their_replies(capture: PlatformCapture) -> None:
    code, row = capture(POST, "--replies", "5")
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    assert record["profile"] == "tiktok" and record["page_state"] == "post"
    assert record["post_id"] == "7351234567890123456" and record["canonical_url"] == POST
    assert record["text"].startswith("Марійка вдома! 12-річну дівчинку вивезли з Олешок")
    assert record["author"] == {
        "display_name": "Діти додому",
        "handle": "@dity_dodomu_example",
        "id": "6980000000000000001",
        "profile_url": "https://www.tiktok.com/@dity_dodomu_example",
    }
    assert (
        record["posted_at"] == "2024-03-15T08:22:17Z" and record["posted_at_raw"] == "createTime 1710490937"
    )
    assert record["counts"] == {
        "views": 1304877,
        "likes": 48213,
        "shares": 3120,
        "replies": 812,
        "bookmarks": 2901,
    }
    [video, sound] = record["media"]
    assert video["url"] == VIDEO and (video["width"], video["height"], video["duration_s"]) == (
        576,
        1024,
        27.0,
    )
    assert sound["type"] == "audio"
    # The profile scrolled the comment panel for a second page (the page fetches three at a time) and
    # opened the replies of the comments that have some; five comments are kept, as asked.
    handles = ["@olena_kherson_example", "@sasha_example", "@marta_l_example", "@kateryna_example"]
    assert [r["author"]["handle"] for r in record["replies"]] == [*handles, "@user8812_example"]
    first = record["replies"][0]
    assert first["text"] == "Слава Богу! Скільки ще наших дітей там залишилось..."
    assert first["posted_at_raw"] == "2024-3-15" and first["counts"] == {"likes": 311}
    assert [r["author"]["handle"] for r in first["replies"]] == ["@ivan_b_example", "@dity_dodomu_example"]
    assert record["replies"][2]["replies"][0]["text"] == "Напишіть нам, будь ласка, допоможемо з документами."
    assert any(
        "the page showed 6 comments; the first 5 are kept (--replies 5)" in n for n in record["unreadable"]
    )
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert "tiktok: 6 comment(s) shown after 1 scroll(s) of the comment panel" in notes, notes
    assert "tiktok: opened the replies of 2 comment(s)" in notes
    # The video's bytes are in the WARC, whole, and kept as a media artifact.
    assert CLIP in warc_responses(row)[VIDEO]
    assert any(a["role"] == "media" for a in row["artifacts"])


def test_a_short_link_with_no_comments_asked_for(capture: PlatformCapture, tiktok: LookAlike) -> None:
    code, row = capture("https://www.tiktok.com/t/ZTfixture01/", "--replies", "0")
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    assert record["profile"] == "tiktok" and record["post_id"] == "7351234567890123456"
    assert record["replies"] == []
    # The page fetched its first comments by itself (the WARC has them); the record keeps none.
    assert any("the page showed 3 comments; none are kept (--replies 0)" in n for n in record["unreadable"])
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert "tiktok: no comments loaded (--replies 0)" in notes


def test_an_account_page_is_a_channel(capture: PlatformCapture) -> None:
    code, row = capture("https://www.tiktok.com/@dity_dodomu_example")
    assert code == 0 and row["state"] == "complete", row
    assert row["post"]["page_state"] == "channel"
    record = post_record(row)
    assert record["counts"]["followers"] == 21400
    assert [m["post_id"] for m in record["messages"]][-1] == "7351234567890123456"


@pytest.mark.parametrize(
    ("url", "state", "words"),
    [
        ("https://www.tiktok.com/@dity_dodomu_example/video/7351234567890123499", "deleted", "deleted: "),
        ("https://www.tiktok.com/@closed_example/video/7351234567890123477", "login_wall", "login wall: "),
    ],
)
def test_deleted_and_login_walled_posts_are_partial_captures(
    capture: PlatformCapture, url: str, state: str, words: str
) -> None:
    code, row = capture(url)
    assert code == 1 and row["state"] == "partial", row
    assert f"{words}the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == state
