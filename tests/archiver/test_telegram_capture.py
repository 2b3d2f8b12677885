"""The Telegram profile through a real capture: look-alike pages under t.me, reached through --proxy."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support.platforms import (
    LookAlike,
    PlatformCapture,
    platform_capture,
    post_record,
    serve,
    warc_records,
)
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "telegram"
HTML = "text/html; charset=utf-8"


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def telegram(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LookAlike]:
    routes = {
        ("t.me", "/s/detsky_centr_example"): _page("channel.html"),
        ("t.me", "/detsky_centr_example/2481"): _page("post-page.html"),
        ("t.me", "/detsky_centr_example/2481?embed=1&mode=tme"): _page("post.html"),
        ("t.me", "/s/no_such_channel_example"): (302, HTML, b"https://t.me/no_such_channel_example"),
        ("t.me", "/no_such_channel_example"): _page("missing-channel.html"),
        ("cdn4.telesco.pe", "/file/fixture-video-2485.mp4"): (200, "video/mp4", CLIP),
    }
    with serve(routes, tmp_path_factory.mktemp("pki")) as look_alike:
        yield look_alike


@pytest.fixture
def capture(vestige: Cli, telegram: LookAlike) -> PlatformCapture:
    return platform_capture(vestige, telegram, "TG")


def test_channel_listing_becomes_a_post_record(
    vestige: Cli, capture: PlatformCapture, telegram: LookAlike
) -> None:
    code, row = capture("https://t.me/s/detsky_centr_example")
    assert code == 0 and row["state"] == "complete", row
    # Only the page's own hosts were asked: the browser made no calls home (autofill, hints, sync).
    assert {t.split(":")[0] for t in telegram.proxy.tunnels} <= {"t.me", "telegram.org", "cdn4.telesco.pe"}
    assert row["post"]["platform"] == "telegram" and row["post"]["page_state"] == "channel"
    record = post_record(row)
    assert record["author"]["handle"] == "@detsky_centr_example"
    assert len(record["messages"]) >= 5
    assert all(m["post_id"] and m["canonical_url"].startswith("https://t.me/") for m in record["messages"])
    assert any(
        re.search("[А-Яа-яІіЇїЄє]{5}", m["text"] or "") for m in record["messages"]
    )  # Cyrillic, intact
    # The same record is in the WARC, as a metadata record of the capture.
    uris = [uri for uri, _ in warc_records(row, "metadata")]
    assert "urn:vestige:post:https://t.me/s/detsky_centr_example" in uris
    item = vestige("show", row["id"], "--json").json()
    assert item["platform"] == "telegram"
    log = vestige("ledger", "log", "--json").json()
    [entry] = [e for e in log if e["subject"] == row["id"] and e["event"] == "item.captured"]
    assert entry["details"]["post"]["page_state"] == "channel"
    word = next(
        w for m in record["messages"] for w in (m["text"] or "").split() if len(w) > 6 and w.isalpha()
    )
    found = vestige("search", word, "--json").json()
    assert row["id"] in [f["id"] for f in found]


def test_a_post_page_is_read_from_its_embed_frame(capture: PlatformCapture) -> None:
    code, row = capture("https://t.me/detsky_centr_example/2481")
    assert code == 0, row
    record = post_record(row)
    assert record["page_state"] == "post" and record["post_id"] == "2481"
    assert record["posted_at"] and record["posted_at"].endswith("Z")
    assert record["media"], record


def test_a_missing_channel_is_a_partial_capture_saying_so(capture: PlatformCapture) -> None:
    code, row = capture("https://t.me/s/no_such_channel_example")
    assert code == 1 and row["state"] == "partial"
    assert "not found: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "not_found"


def test_an_unknown_profile_is_a_usage_error(vestige: Cli) -> None:
    assert vestige("init").exit_code == 0
    res = vestige("capture", "https://t.me/s/x", "--profile", "myspace")
    assert res.exit_code == 2 and "unknown profile" in res.stderr


def test_post_fields_reach_show_and_the_court_bundle(
    vestige: Cli, capture: PlatformCapture, tmp_path: Path
) -> None:
    code, row = capture("https://t.me/s/detsky_centr_example")
    assert code == 0
    card = vestige("show", row["id"]).stdout
    assert "telegram" in card and "@detsky_centr_example" in card and "channel" in card
    out = tmp_path / "bundle"
    assert vestige("export", "--case", "TG", "--out", str(out)).exit_code == 0
    index = (out / "index.csv").read_text(encoding="utf-8-sig")
    assert "telegram" in index and "(@detsky_centr_example)" in index  # Platform and Author columns
    report = subprocess.run(
        ["pdftotext", str(next((out / "REPORTS").glob("*.pdf"))), "-"], capture_output=True, text=True
    ).stdout
    assert "@detsky_centr_example" in report
    # The whole post record, read from the bundle's copy of the post artifact: every listed message.
    assert "Post as read by the platform profile" in report and "Messages listed (6)" in report
