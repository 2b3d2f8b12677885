"""The Bluesky profile through real captures: the bsky.app look-alike under bsky.app, public.api.bsky.app,
cdn.bsky.app and video.bsky.app (tests/assets/platforms/bluesky/site.py), reached through --proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import Cli
from tests.support.platforms import (
    LookAlike,
    PlatformCapture,
    artifact_json,
    artifact_paths,
    load_site,
    platform_capture,
    post_record,
    serve,
    warc_records,
    warc_responses,
)
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
site = load_site("bluesky")
JPEG = site.jpeg_bytes()
POST = f"https://bsky.app{site.POST}"
# The app's hosts, and where yt-dlp looks for the video's original: plc.directory, then the PDS (bsky.social).
HOSTS = {"bsky.app", "public.api.bsky.app", "cdn.bsky.app", "video.bsky.app", "plc.directory", "bsky.social"}


@pytest.fixture(scope="module")
def bluesky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    with serve(site.routes(JPEG, CLIP), tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, bluesky: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, bluesky, "BSKY")


def test_a_post_with_its_replies_as_the_app_shows_them(capture: PlatformCapture, bluesky: LookAlike) -> None:
    code, row = capture(POST, "--replies", "0")
    assert code == 0 and row["state"] == "complete", row["reason"]
    assert {t.split(":")[0] for t in bluesky.proxy.tunnels} <= HOSTS
    record = post_record(row)
    assert record["platform"] == "bluesky" and record["page_state"] == "post"
    assert record["text"].startswith("Ще 11 дітей з Херсонщини")
    assert record["author"]["handle"] == "@povernennia-dity.bsky.social"
    assert record["author"]["id"] == "did:plc:mmwago433atvx4yihczv5pwy"
    assert record["posted_at"] == "2024-03-15T08:42:17.514000Z"
    [video] = record["media"]
    assert video["type"] == "video" and video["url"].endswith("/playlist.m3u8")
    # --replies 0: nothing loaded beyond the first replies the app shows by itself.
    assert len(record["replies"]) == 3
    assert record["replies"][0]["author"]["display_name"] == "Олена Коваленко"
    provenance = artifact_json(row, "provenance")
    assert provenance["profile"]["name"] == "bluesky"
    assert any("--replies 0" in n for n in provenance["profile"]["notes"])
    # The API exchange the page rendered from, the video's segment and the images are in the WARC.
    responses = warc_responses(row)
    thread = next(v[-1] for k, v in responses.items() if "/xrpc/app.bsky.feed.getPostThread?" in k)
    assert json.loads(thread)["thread"]["post"]["uri"].endswith("/3kxq2vfzbwk2a")
    segment = next(v[-1] for k, v in responses.items() if k.endswith("/360p/video0.ts"))
    assert segment == CLIP
    thumbs = [v[-1] for k, v in responses.items() if "cdn.bsky.app/img/feed_thumbnail/" in k]
    assert thumbs and all(t == JPEG for t in thumbs)
    assert f"urn:vestige:post:{POST}" in [uri for uri, _ in warc_records(row, "metadata")]
    # The page plays the video from a blob: URL, so its original is fetched (yt-dlp) and kept as media.
    assert provenance["media_download"]["ran"] is True
    assert any(path.read_bytes() == CLIP for path in artifact_paths(row, "media"))


def test_more_replies_are_loaded_on_demand(capture: PlatformCapture) -> None:
    code, row = capture(POST, "--replies", "5")
    assert code == 0, row["reason"]
    record = post_record(row)
    # "Show more replies" shows three at a time: 3, then 6 (at least 5, not all 7).
    assert len(record["replies"]) == 6
    photos = record["replies"][2]
    assert [m["type"] for m in photos["media"]] == ["image", "image"]
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert any("1 'Show more replies' click(s)" in n for n in notes)


def test_a_login_wall_is_a_partial_capture(capture: PlatformCapture) -> None:
    code, row = capture(f"https://bsky.app{site.LOGIN_WALL}")
    assert code == 1 and row["state"] == "partial"
    assert "login wall: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "login_wall"


def test_a_deleted_post_is_a_partial_capture(capture: PlatformCapture) -> None:
    code, row = capture(f"https://bsky.app{site.DELETED}")
    assert code == 1 and row["state"] == "partial"
    assert "deleted: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "deleted" and row["post"]["post_id"] == "3kwdeletedxx2"
