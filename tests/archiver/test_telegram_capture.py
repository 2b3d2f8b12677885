"""The Telegram profile through a real capture: look-alike pages under t.me, reached through --proxy."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import Cli
from tests.support.platforms import PlatformWeb, RoutingProxy, make_platform_pki
from tests.support.web import CLIP

pytestmark = pytest.mark.slow
FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "platforms" / "telegram"
HTML = "text/html; charset=utf-8"


def _page(name: str) -> tuple[int, str, bytes]:
    return 200, HTML, (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def telegram(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RoutingProxy, Path]]:
    pki = make_platform_pki(tmp_path_factory.mktemp("pki"))
    routes = {
        ("t.me", "/s/detsky_centr_example"): _page("channel.html"),
        ("t.me", "/detsky_centr_example/2481"): _page("post-page.html"),
        ("t.me", "/detsky_centr_example/2481?embed=1&mode=tme"): _page("post.html"),
        ("t.me", "/s/no_such_channel_example"): (302, HTML, b"https://t.me/no_such_channel_example"),
        ("t.me", "/no_such_channel_example"): _page("missing-channel.html"),
        ("cdn4.telesco.pe", "/file/fixture-video-2485.mp4"): (200, "video/mp4", CLIP),
    }
    with PlatformWeb(pki, routes) as web, RoutingProxy(web.port) as proxy:
        yield proxy, pki.ca_pem


@pytest.fixture
def capture(vestige: Cli, telegram: tuple[RoutingProxy, Path]) -> Any:
    proxy, ca = telegram
    assert vestige("init", "--operator", "OSINT Analyst").exit_code == 0
    assert vestige("case", "create", "TG").exit_code == 0

    def run(url: str) -> tuple[int, dict[str, Any]]:
        res = vestige("capture", url, "--case", "TG", "--proxy", proxy.url, "--ca-file", str(ca), "--json")
        return res.exit_code, res.json()[0]

    return run


def _artifact(row: dict[str, Any], role: str) -> Path:
    return Path(next(a["path"] for a in row["artifacts"] if a["role"] == role))


def test_channel_listing_becomes_a_post_record(
    vestige: Cli, capture: Any, telegram: tuple[RoutingProxy, Path]
) -> None:
    code, row = capture("https://t.me/s/detsky_centr_example")
    assert code == 0 and row["state"] == "complete", row
    # Only the page's own hosts were asked: the browser made no calls home (autofill, hints, sync).
    assert {t.split(":")[0] for t in telegram[0].tunnels} <= {"t.me", "telegram.org", "cdn4.telesco.pe"}
    assert row["post"]["platform"] == "telegram" and row["post"]["page_state"] == "channel"
    record = json.loads(_artifact(row, "post").read_text())
    assert record["author"]["handle"] == "@detsky_centr_example"
    assert len(record["messages"]) >= 5
    assert all(m["post_id"] and m["canonical_url"].startswith("https://t.me/") for m in record["messages"])
    assert any(
        re.search("[А-Яа-яІіЇїЄє]{5}", m["text"] or "") for m in record["messages"]
    )  # Cyrillic, intact
    # The same record is in the WARC, as a metadata record of the capture.
    with open(_artifact(row, "warc"), "rb") as fp:
        uris = [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fp)
            if r.rec_type == "metadata"
        ]
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


def test_a_post_page_is_read_from_its_embed_frame(capture: Any) -> None:
    code, row = capture("https://t.me/detsky_centr_example/2481")
    assert code == 0, row
    record = json.loads(_artifact(row, "post").read_text())
    assert record["page_state"] == "post" and record["post_id"] == "2481"
    assert record["posted_at"] and record["posted_at"].endswith("Z")
    assert record["media"], record


def test_a_missing_channel_is_a_partial_capture_saying_so(capture: Any) -> None:
    code, row = capture("https://t.me/s/no_such_channel_example")
    assert code == 1 and row["state"] == "partial"
    assert "not found: the page does not show the post" in row["reason"]
    assert row["post"]["page_state"] == "not_found"


def test_an_unknown_profile_is_a_usage_error(vestige: Cli) -> None:
    assert vestige("init").exit_code == 0
    res = vestige("capture", "https://t.me/s/x", "--profile", "myspace")
    assert res.exit_code == 2 and "unknown profile" in res.stderr


def test_post_fields_reach_show_and_the_court_bundle(vestige: Cli, capture: Any, tmp_path: Path) -> None:
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
