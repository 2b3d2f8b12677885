"""The Bluesky profile through real captures: the bsky.app look-alike under bsky.app, public.api.bsky.app,
cdn.bsky.app and video.bsky.app (tests/assets/platforms/bluesky/site.py), reached through --proxy."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import Cli
from tests.support.platforms import PlatformWeb, RoutingProxy, make_platform_pki
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
SITE_FILE = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "bluesky" / "site.py"
_spec = importlib.util.spec_from_file_location("bluesky_site", SITE_FILE)
assert _spec is not None and _spec.loader is not None
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)
JPEG = site.jpeg_bytes()
POST = f"https://bsky.app{site.POST}"
# The app's hosts, and where yt-dlp looks for the video's original: plc.directory, then the PDS (bsky.social).
HOSTS = {"bsky.app", "public.api.bsky.app", "cdn.bsky.app", "video.bsky.app", "plc.directory", "bsky.social"}


@pytest.fixture(scope="module")
def bluesky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RoutingProxy, Path, PlatformWeb]]:
    pki = make_platform_pki(tmp_path_factory.mktemp("pki"))
    with PlatformWeb(pki, site.routes(JPEG, CLIP)) as web, RoutingProxy(web.port) as proxy:
        yield proxy, pki.ca_pem, web


@pytest.fixture
def capture(vestige: Cli, bluesky: tuple[RoutingProxy, Path, PlatformWeb]) -> Any:
    proxy, ca, _ = bluesky
    assert vestige("init", "--operator", "OSINT Analyst").exit_code == 0
    assert vestige("case", "create", "BSKY").exit_code == 0

    def run(url: str, *more: str) -> tuple[int, dict[str, Any]]:
        args = ("capture", url, "--case", "BSKY", "--proxy", proxy.url, "--ca-file", str(ca), "--json", *more)
        res = vestige(*args)
        return res.exit_code, res.json()[0]

    return run


def _artifact(row: dict[str, Any], role: str) -> Path:
    return Path(next(a["path"] for a in row["artifacts"] if a["role"] == role))


def _responses(row: dict[str, Any]) -> dict[str, bytes]:
    """Every response record of the capture's WARC: target URI -> payload."""
    out: dict[str, bytes] = {}
    with open(_artifact(row, "warc"), "rb") as fp:
        for record in ArchiveIterator(fp):
            if record.rec_type == "response":
                out[record.rec_headers.get_header("WARC-Target-URI")] = record.content_stream().read()
    return out


def test_a_post_with_its_replies_as_the_app_shows_them(
    capture: Any, bluesky: tuple[RoutingProxy, Path, PlatformWeb]
) -> None:
    code, row = capture(POST, "--replies", "0")
    assert code == 0 and row["state"] == "complete", row["reason"]
    assert {t.split(":")[0] for t in bluesky[0].tunnels} <= HOSTS
    record = json.loads(_artifact(row, "post").read_text())
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
    provenance = json.loads(_artifact(row, "provenance").read_text())
    assert provenance["profile"]["name"] == "bluesky"
    assert any("--replies 0" in n for n in provenance["profile"]["notes"])
    # The API exchange the page rendered from, the video's segment and the images are in the WARC.
    responses = _responses(row)
    thread = next(v for k, v in responses.items() if "/xrpc/app.bsky.feed.getPostThread?" in k)
    assert json.loads(thread)["thread"]["post"]["uri"].endswith("/3kxq2vfzbwk2a")
    segment = next(v for k, v in responses.items() if k.endswith("/360p/video0.ts"))
    assert segment == CLIP
    thumbs = [v for k, v in responses.items() if "cdn.bsky.app/img/feed_thumbnail/" in k]
    assert thumbs and all(t == JPEG for t in thumbs)
    assert f"urn:vestige:post:{POST}" in _metadata_uris(row)
    # The page plays the video from a blob: URL, so its original is fetched (yt-dlp) and kept as media.
    assert provenance["media_download"]["ran"] is True
    assert any(_artifact_bytes(a) == CLIP for a in row["artifacts"] if a["role"] == "media")


def _artifact_bytes(artifact: dict[str, Any]) -> bytes:
    return Path(artifact["path"]).read_bytes()


def _metadata_uris(row: dict[str, Any]) -> list[str]:
    with open(_artifact(row, "warc"), "rb") as fp:
        return [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fp)
            if r.rec_type == "metadata"
        ]


def test_more_replies_are_loaded_on_demand(capture: Any) -> None:
    code, row = capture(POST, "--replies", "5")
    assert code == 0, row["reason"]
    record = json.loads(_artifact(row, "post").read_text())
    # "Show more replies" shows three at a time: 3, then 6 (at least 5, not all 7).
    assert len(record["replies"]) == 6
    photos = record["replies"][2]
    assert [m["type"] for m in photos["media"]] == ["image", "image"]
    notes = json.loads(_artifact(row, "provenance").read_text())["profile"]["notes"]
    assert any("1 'Show more replies' click(s)" in n for n in notes)


def test_a_login_wall_is_a_partial_capture(capture: Any) -> None:
    code, row = capture(f"https://bsky.app{site.LOGIN_WALL}")
    assert code == 1 and row["state"] == "partial"
    assert "login wall: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "login_wall"


def test_a_deleted_post_is_a_partial_capture(capture: Any) -> None:
    code, row = capture(f"https://bsky.app{site.DELETED}")
    assert code == 1 and row["state"] == "partial"
    assert "deleted: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "deleted" and row["post"]["post_id"] == "3kwdeletedxx2"
