"""The Mastodon profile through real captures: two look-alike instances, mastodon.social (media on
files.mastodon.social) and social.example.org, a name that says nothing about Mastodon
(tests/assets/platforms/mastodon/site.py), reached through --proxy."""

from __future__ import annotations

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
    warc_responses,
)
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
site = load_site("mastodon")
JPEG = site.jpeg_bytes()
STATUS = f"https://mastodon.social{site.STATUS}"
VIDEO = (
    "https://files.mastodon.social/media_attachments/files/112/100/200/300/400/501/original/svidchennia.mp4"
)


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    with serve(site.routes(JPEG, CLIP), tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, instances: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, instances, "MSTDN")


def test_a_status_with_replies_loaded_on_demand(capture: PlatformCapture, instances: LookAlike) -> None:
    code, row = capture(STATUS, "--replies", "3")
    assert code == 0 and row["state"] == "complete", row["reason"]
    hosts = {t.split(":")[0] for t in instances.proxy.tunnels}
    assert hosts <= {"mastodon.social", "files.mastodon.social", "social.example.org"}
    record = post_record(row)
    assert record["platform"] == "mastodon" and record["page_state"] == "post"
    assert record["title"] == "Депортація дітей, свідчення матерів"  # the content warning, opened
    assert record["text"].startswith("Ще 11 дітей з Херсонщини")
    assert record["author"]["handle"] == "@povernennia@mastodon.social"
    assert record["posted_at"] == "2024-03-15T08:42:17Z" and record["edited_at"] == "2024-03-15T09:05:41Z"
    assert record["media"][0]["url"] == VIDEO and record["media"][0]["width"] == 1280
    # Two descendants show at first; one "Load more" click shows two more: at least 3, not all 7.
    assert len(record["replies"]) == 4
    assert record["replies"][0]["author"]["handle"] == "@olena@social.example.org"
    notes = artifact_json(row, "provenance")["profile"]["notes"]
    assert any("1 'Load more' click(s)" in n for n in notes)
    assert any("content warning" in n for n in notes)
    responses = warc_responses(row)
    # The status and its context as the web UI fetched them (the context twice: "Load more" refetches it).
    assert len(responses["https://mastodon.social/api/v1/statuses/112100200300400500/context"]) == 2
    assert CLIP in responses[VIDEO]  # the video, whole, in the WARC (and kept as a media artifact)
    assert any(path.read_bytes() == CLIP for path in artifact_paths(row, "media"))


def test_replies_zero_loads_none(capture: PlatformCapture, instances: LookAlike) -> None:
    web = instances.web
    before = sum(1 for _host, path in web.requests if path.endswith("/context"))
    code, row = capture(STATUS, "--replies", "0")
    assert code == 0, row["reason"]
    assert len(post_record(row)["replies"]) == 2
    assert sum(1 for _host, path in web.requests if path.endswith("/context")) == before + 1


def test_a_profile_on_an_instance_known_only_by_its_page(capture: PlatformCapture) -> None:
    url = f"https://social.example.org{site.ACCOUNT}"
    code, row = capture(url)
    assert code == 0 and row["state"] == "complete", row["reason"]
    record = post_record(row)
    assert record["platform"] == "mastodon" and record["page_state"] == "channel"
    assert record["sources"]["profile"].startswith("detected from the page by the generic profile")
    assert record["author"]["handle"] == "@olena@social.example.org"
    assert len(record["messages"]) == 3
    provenance = artifact_json(row, "provenance")
    assert provenance["profile"]["name"] == "generic"
    assert provenance["profile"]["notes"][0].startswith("generic: a Mastodon page")


def test_a_deleted_status_is_a_partial_capture(capture: PlatformCapture) -> None:
    code, row = capture(f"https://mastodon.social{site.DELETED}")
    assert code == 1 and row["state"] == "partial"
    assert "deleted: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "deleted"


def test_an_instance_that_wants_a_sign_in_is_a_partial_capture(capture: PlatformCapture) -> None:
    code, row = capture(f"https://social.example.org{site.LOGIN_WALL}")
    assert code == 1 and row["state"] == "partial"
    assert "login wall: the page does not show the post" in row["reason"]
    assert row["final_url"] == "https://social.example.org/auth/sign_in"
    assert row["post"]["page_state"] == "login_wall"
