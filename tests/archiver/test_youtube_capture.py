"""The YouTube profile through real captures: look-alike pages under www.youtube.com and youtu.be, the video
on a googlevideo.com host, comments fetched by the page from the look-alike /youtubei/v1/next, through
--proxy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "youtube"
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
WATCH = "https://www.youtube.com/watch?v=Vx7kQ2mZp9A"
VIDEO = (
    "https://rr3---sn-fixture.googlevideo.com/videoplayback?expire=1710512000&ei=Fixture&ip=203.0.113.7"
    "&id=o-FixtureVx7kQ2mZp9A&itag=43&source=youtube&mime=video%2Fwebm&dur=27.000&lmt=1710490000000000&sig=fixture"
)


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


def _next(request: Request) -> tuple[int, str, bytes]:
    """POST /youtubei/v1/next {"continuation": token}: the fixture answer saved for that token."""
    try:
        token = json.loads(request.body)["continuation"]
    except (ValueError, KeyError, TypeError):
        return 400, JSON, b'{"error":{"code":400,"message":"Request contains an invalid argument."}}'
    path = FIXTURES / f"next-{token}.json"
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,80}", str(token)) or not path.exists():
        return 200, JSON, b'{"onResponseReceivedEndpoints":[]}'
    return 200, JSON, path.read_bytes()


def routes() -> dict[tuple[str, str], Any]:
    """What the look-alike answers, by (host, path)."""
    return {
        ("www.youtube.com", "/watch?v=Vx7kQ2mZp9A"): _page("watch-live.html"),
        ("www.youtube.com", "/youtubei/v1/next"): _next,
        ("youtu.be", "/Vx7kQ2mZp9A"): (
            303,
            HTML,
            b"https://www.youtube.com/watch?v=Vx7kQ2mZp9A&feature=youtu.be",
        ),
        ("www.youtube.com", "/watch?v=Vx7kQ2mZp9A&feature=youtu.be"): _page("watch-live.html"),
        ("www.youtube.com", "/@dity_dodomu_example/videos"): _page("channel.html"),
        ("www.youtube.com", "/watch?v=Qd3Fixture0"): _page("deleted.html"),
        ("www.youtube.com", "/watch?v=Pr1vFixture"): _page("login-wall.html"),
        ("rr3---sn-fixture.googlevideo.com", "/videoplayback"): (200, "video/webm", CLIP),
    }


@pytest.fixture(scope="module")
def youtube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    with serve(routes(), tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, youtube: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, youtube, "YT", "--no-media-download")


def test_a_video_with_its_comments_and_their_replies(capture: PlatformCapture) -> None:
    code, row = capture(WATCH, "--replies", "3")
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    assert record["profile"] == "youtube" and record["page_state"] == "post"
    assert record["post_id"] == "Vx7kQ2mZp9A" and record["canonical_url"] == WATCH
    assert record["title"] == "Марійка вдома: як 12-річну дівчинку повернули з Криму"
    assert record["text"].endswith("#повернення #дітидодому") and "Бабуся забрала онуку" in record["text"]
    assert record["author"] == {
        "display_name": "Діти додому",
        "handle": "@dity_dodomu_example",
        "id": "UCdityDodomuFixture00001",
        "profile_url": "https://www.youtube.com/@dity_dodomu_example",
    }
    assert record["posted_at"] == "2024-03-15T08:42:17Z"
    assert record["posted_at_raw"] == "2024-03-15T01:42:17-07:00"
    assert record["counts"] == {"views": 48213, "likes": 2317, "replies": 1204}
    [video] = record["media"]
    assert video["url"] == VIDEO and (video["width"], video["height"], video["duration_s"]) == (
        640,
        360,
        27.0,
    )
    # The page loads two threads at a time as the end of the list comes into view: the profile scrolled
    # for a second batch and opened the replies of the first thread; three threads are kept, as asked.
    handles = [r["author"]["handle"] for r in record["replies"]]
    assert handles == ["@olena_kherson_example", "@sasha_ru_example", "@marta_l_example"]
    first, second, third = record["replies"]
    assert first["post_id"] == "UgzFixtureOlena0001AaABAg"
    assert first["canonical_url"] == f"{WATCH}&lc=UgzFixtureOlena0001AaABAg"
    assert first["posted_at_raw"] == "8 months ago" and first["counts"] == {"likes": 311}
    assert [r["text"] for r in first["replies"]] == [
        "Більше 19 тисяч, за даними уряду.",
        "Дякуємо! Якщо знаєте про інших дітей — пишіть нам.",
    ]
    assert second["edited"] is True and second["posted_at_raw"] == "8 months ago"
    assert third["text"].startswith("Мою племінницю теж вивезли у 2022")
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert "youtube: opened the description ('...more')" in notes, notes
    assert any(re.match(r"youtube: 4 comment thread\(s\) shown after [12] scroll", n) for n in notes), notes
    assert "youtube: opened the replies of 1 thread(s)" in notes
    # The video's bytes are in the WARC, whole, and kept as a media artifact.
    assert CLIP in warc_responses(row)[VIDEO]
    assert any(a["role"] == "media" for a in row["artifacts"])


def test_a_short_link_with_no_comments_asked_for(capture: PlatformCapture) -> None:
    code, row = capture("https://youtu.be/Vx7kQ2mZp9A", "--replies", "0")
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    assert record["profile"] == "youtube" and record["post_id"] == "Vx7kQ2mZp9A"
    assert record["replies"] == []
    # The page loaded its first comments by itself when they came into view; the record keeps none.
    assert any(
        re.search(r"the page showed \d+ comments; none are kept \(--replies 0\)", n)
        for n in record["unreadable"]
    )


def test_a_channel_page(capture: PlatformCapture) -> None:
    code, row = capture("https://www.youtube.com/@dity_dodomu_example/videos")
    assert code == 0 and row["state"] == "complete", row
    record = post_record(row)
    assert record["page_state"] == "channel" and record["counts"]["subscribers"] == 10500
    assert [m["post_id"] for m in record["messages"]] == ["Zq9Fixture3", "Kp2Fixture8", "Vx7kQ2mZp9A"]


@pytest.mark.parametrize(
    ("url", "state", "words"),
    [
        ("https://www.youtube.com/watch?v=Qd3Fixture0", "deleted", "deleted: "),
        ("https://www.youtube.com/watch?v=Pr1vFixture", "login_wall", "login wall: "),
    ],
)
def test_deleted_and_private_videos_are_partial_captures(
    capture: PlatformCapture, url: str, state: str, words: str
) -> None:
    code, row = capture(url)
    assert code == 1 and row["state"] == "partial", row
    assert f"{words}the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == state
